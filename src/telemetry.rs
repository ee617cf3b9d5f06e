//! Metrics for operators, in the Prometheus text format, through the `metrics` facade and its
//! Prometheus exporter. Served at `/metrics` with `Authorization: Bearer $MECIGEP_METRICS_TOKEN`,
//! or without credentials on a listener of its own (`MECIGEP_METRICS_BIND`, for a network only
//! the scraper reaches); with neither set there is no `/metrics`.
//!
//! - `http_requests_total{method,route,status}` and `http_request_duration_seconds{method,route}`:
//!   every request, by route template (`/api/v1/rounds/{id}`), never by raw path;
//! - `mecigep_db_pool_connections`, `mecigep_db_pool_idle_connections`,
//!   `mecigep_db_pool_max_connections`: the pool when scraped; `mecigep_db_unavailable_total`:
//!   requests answered 503 because the database could not be reached or written in time;
//! - `mecigep_cache_requests_total{cache,result}`: the Guide's kept pages and reads, hit or miss;
//! - `mecigep_export_rows_total{export}`, `mecigep_idempotent_replays_total`,
//!   `mecigep_rate_limited_total{class}`;
//! - `mecigep_build_info{version}` (always 1).

use std::sync::OnceLock;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, HttpRequest, HttpResponse};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::db::DbPool;
use crate::error::ApiError;
use crate::state::AppState;

/// Latency buckets, in seconds: from a cached read to a long export.
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process's recorder, installed at first use (one per process, whatever the number of
/// applications it serves).
pub fn handle() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &BUCKETS)
            .map(PrometheusBuilder::build_recorder)
            .unwrap_or_else(|_| PrometheusBuilder::new().build_recorder());
        let handle = recorder.handle();
        // Another recorder installed first would keep the values; ours would render none.
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was already installed");
        }
        metrics::gauge!("mecigep_build_info", "version" => env!("CARGO_PKG_VERSION")).set(1.0);
        handle
    })
}

/// Middleware: counts and times every request by its route template.
pub async fn middleware<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<B>, actix_web::Error> {
    handle();
    let started = Instant::now();
    let method = req.method().as_str().to_owned();
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let result = next.call(req).await;
    let status = match &result {
        Ok(res) => res.status(),
        Err(e) => e.as_response_error().status_code(),
    };
    if status == actix_web::http::StatusCode::SERVICE_UNAVAILABLE {
        metrics::counter!("mecigep_db_unavailable_total").increment(1);
    }
    metrics::counter!(
        "http_requests_total",
        "method" => method.clone(),
        "route" => route.clone(),
        "status" => status.as_str().to_owned()
    )
    .increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    result
}

/// A request refused by its class's rate limit.
pub fn rate_limited(class: &'static str) {
    metrics::counter!("mecigep_rate_limited_total", "class" => class).increment(1);
}

/// One webhook delivery attempt and how it ended (a 2xx answer is a success).
pub fn webhook_attempt(ok: bool) {
    metrics::counter!("mecigep_webhook_attempts_total", "result" => if ok { "success" } else { "failure" })
        .increment(1);
}

/// Events turned into webhook deliveries.
pub fn webhook_deliveries_created(n: usize) {
    metrics::counter!("mecigep_webhook_deliveries_created_total").increment(n as u64);
}

/// A hit or a miss of one of the Guide's caches.
pub fn cache(cache: &'static str, hit: bool) {
    metrics::counter!("mecigep_cache_requests_total", "cache" => cache, "result" => if hit { "hit" } else { "miss" })
        .increment(1);
}

/// What the scraper reads: the pool as it is now, then every metric.
fn render(pool: &DbPool) -> HttpResponse {
    let state = pool.state();
    metrics::gauge!("mecigep_db_pool_connections").set(f64::from(state.connections));
    metrics::gauge!("mecigep_db_pool_idle_connections").set(f64::from(state.idle_connections));
    metrics::gauge!("mecigep_db_pool_max_connections").set(f64::from(pool.max_size()));
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(handle().render())
}

/// The token `/metrics` asks for on the API's own listener.
#[derive(Clone)]
pub struct MetricsToken(pub String);

/// `GET /metrics` on the API's listener: only with the metrics token.
pub async fn protected(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Data<MetricsToken>,
) -> Result<HttpResponse, ApiError> {
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    // Compared as digests: the time taken says nothing of how much of the token was right.
    if crate::security::token_hash(given) != crate::security::token_hash(&token.0) {
        return Err(ApiError::Unauthorized(
            "send the metrics token as a bearer token".into(),
        ));
    }
    Ok(render(&state.pool))
}

/// `GET /metrics` on the metrics listener (`MECIGEP_METRICS_BIND`): no credentials.
pub async fn open(pool: web::Data<DbPool>) -> HttpResponse {
    render(&pool)
}
