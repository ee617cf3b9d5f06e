//! Request ids and the one access-log line per request.
//!
//! The id comes from `X-Request-Id` when the client sends a sane one, else it is generated;
//! it is echoed back, attached to every log line of the request, and put in problem
//! documents so that a user's report can be matched to the server log.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use tracing::Instrument;

pub static REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// What a problem document needs to know about the request it answers.
#[derive(Debug, Clone)]
pub struct RequestCtx {
    pub id: String,
    pub path: String,
}

/// The request id, also stored in the request's extensions for handlers (audit rows).
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

tokio::task_local! {
    static CURRENT: RequestCtx;
}

/// The context of the request being served on this task, if any.
pub fn current() -> Option<RequestCtx> {
    CURRENT.try_with(|c| c.clone()).ok()
}

fn acceptable(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// Middleware: assigns the request id, logs one line per request, logs 5xx causes.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let started = Instant::now();
    let id = req
        .headers()
        .get(&REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| acceptable(v))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let method = req.method().to_string();
    let path = req.path().to_owned();
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %method,
        path = %path,
        status = tracing::field::Empty
    );
    let ctx = RequestCtx {
        id: id.clone(),
        path: path.clone(),
    };

    let outcome = CURRENT
        .scope(ctx, next.call(req).instrument(span.clone()))
        .await;
    // Cloning the request before routing would break path matching, so an error raised by
    // an inner middleware (not by a handler) goes back to actix to answer.
    let mut res = match outcome {
        Ok(res) => res.map_into_boxed_body(),
        Err(err) => {
            let _enter = span.enter();
            tracing::warn!(method = %method, path = %path, error = %err, "request failed in middleware");
            return Err(err);
        }
    };

    let status = res.status();
    span.record("status", status.as_u16());
    let _enter = span.enter();
    if status.is_server_error() {
        if let Some(err) = res.response().error() {
            tracing::error!(error = ?err, "request failed");
        }
    }
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID_HEADER.clone(), value);
    }
    tracing::info!(
        method = %method,
        path = %path,
        status = status.as_u16(),
        latency_ms = started.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    Ok(res)
}
