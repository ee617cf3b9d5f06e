//! The actix application: every scope, extractor configuration and middleware in one place.
//! `build` is used by `main` and by every test, so tests exercise exactly what serves.

use std::sync::{Arc, OnceLock};

use actix_cors::Cors;
use actix_web::body::BoxBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpResponse};
use utoipa::OpenApi;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::{scope, AppExt};
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::jwt::JwtKeys;
use crate::auth::throttle::LoginThrottle;
use crate::db::DbPool;
use crate::http::{self, request_id, RouteTable};
use crate::openapi::{self, ApiDoc, SpecDocument};
use crate::{
    audit, auth, countries, experiences, exports, health, questionnaires, reports, responses,
    rounds, thematic_areas, users,
};

/// Settings the running application needs.
#[derive(Debug, Clone)]
pub struct AppSettings {
    /// Largest JSON body accepted, in bytes.
    pub json_limit: usize,
    /// Origins allowed by CORS; `*` allows any.
    pub cors_origins: Vec<String>,
    pub auth: AuthSettings,
    /// Public Guide search pages kept per process (0: none).
    pub guide_cache_entries: usize,
    /// How long the Guide's generation read from the database is trusted when this process
    /// wrote nothing since: the most a change made by another instance may take to show.
    pub guide_cache_recheck: std::time::Duration,
}

impl Default for AppSettings {
    fn default() -> Self {
        AppSettings {
            json_limit: http::DEFAULT_JSON_LIMIT,
            cors_origins: Vec::new(),
            auth: AuthSettings::default(),
            guide_cache_entries: 1024,
            guide_cache_recheck: std::time::Duration::from_millis(100),
        }
    }
}

/// Token lifetimes, signing key and login throttling.
#[derive(Clone)]
pub struct AuthSettings {
    /// HS256 key of access tokens (at least 32 bytes).
    pub jwt_secret: Vec<u8>,
    pub access_ttl_secs: u64,
    pub refresh_ttl_days: i64,
    /// Login attempts allowed per account, and per client address, per 15 minutes.
    pub login_attempts_per_account: u32,
    pub login_attempts_per_address: u32,
}

impl std::fmt::Debug for AuthSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthSettings")
            .field("jwt_secret", &"<redacted>")
            .field("access_ttl_secs", &self.access_ttl_secs)
            .field("refresh_ttl_days", &self.refresh_ttl_days)
            .finish()
    }
}

impl AuthSettings {
    /// A random key: tokens stop working when the process restarts.
    pub fn random_secret() -> Vec<u8> {
        auth::random_token().into_bytes()
    }
}

impl Default for AuthSettings {
    fn default() -> Self {
        AuthSettings {
            jwt_secret: Self::random_secret(),
            access_ttl_secs: 900,
            refresh_ttl_days: 30,
            login_attempts_per_account: 10,
            login_attempts_per_address: 60,
        }
    }
}

/// What authentication needs at run time.
pub struct AuthState {
    pub keys: JwtKeys,
    pub throttle: LoginThrottle,
    pub refresh_ttl: chrono::Duration,
}

/// Shared state of every worker: cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub pool: DbPool,
    pub settings: Arc<AppSettings>,
    pub auth: Arc<AuthState>,
    pub guide_cache: Arc<crate::experiences::cache::GuideCache>,
}

impl AppState {
    pub fn new(pool: DbPool, settings: AppSettings) -> AppState {
        let a = &settings.auth;
        let auth = AuthState {
            keys: JwtKeys::new(&a.jwt_secret, a.access_ttl_secs),
            throttle: LoginThrottle::new(
                a.login_attempts_per_account,
                a.login_attempts_per_address,
                std::time::Duration::from_secs(15 * 60),
            ),
            refresh_ttl: chrono::Duration::days(a.refresh_ttl_days),
        };
        let guide_cache = Arc::new(crate::experiences::cache::GuideCache::new(
            settings.guide_cache_entries,
            settings.guide_cache_recheck,
            pool.write_counter(),
        ));
        AppState {
            pool,
            guide_cache,
            settings: Arc::new(settings),
            auth: Arc::new(auth),
        }
    }
}

/// Every documented route. The OpenAPI document is collected from exactly these.
fn routes(cfg: &mut ServiceConfig) {
    cfg.service(health::live).service(health::ready).service(
        scope::scope("/api/v1")
            .service(openapi::openapi_json)
            .configure(auth::routes::configure)
            .configure(auth::clients::configure)
            .configure(users::routes::configure)
            .configure(audit::routes::configure)
            .configure(countries::routes::configure)
            .configure(experiences::routes::configure)
            .configure(exports::routes::configure)
            .configure(rounds::routes::configure)
            .configure(questionnaires::routes::configure)
            .configure(responses::routes::configure)
            .configure(reports::routes::configure)
            .configure(thematic_areas::routes::configure),
    );
}

/// The served spec and the route table, made once per process: the code alone decides them,
/// and every worker (and every test app) would otherwise keep its own copy of ~0.5 MB.
fn described() -> &'static (web::Data<SpecDocument>, web::Data<RouteTable>) {
    static DESCRIBED: OnceLock<(web::Data<SpecDocument>, web::Data<RouteTable>)> = OnceLock::new();
    DESCRIBED.get_or_init(|| {
        let api = openapi();
        let table = RouteTable::from_openapi(&api);
        let spec = SpecDocument(serde_json::to_vec_pretty(&api).unwrap_or_default());
        (web::Data::new(spec), web::Data::new(table))
    })
}

/// The OpenAPI document of this build.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(routes)
        .split_for_parts();
    openapi::finish(api)
}

fn cors(settings: &AppSettings) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::ACCEPT_LANGUAGE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            header::HeaderName::from_static("idempotency-key"),
            header::HeaderName::from_static("x-request-id"),
            header::HeaderName::from_static("x-action-notes"),
        ])
        .expose_headers([
            header::ETAG,
            header::LINK,
            header::LOCATION,
            header::CONTENT_LANGUAGE,
            header::RETRY_AFTER,
            header::HeaderName::from_static("x-request-id"),
            header::HeaderName::from_static("idempotency-replayed"),
        ])
        .max_age(3600);
    for origin in &settings.cors_origins {
        cors = if origin == "*" {
            cors.allow_any_origin()
        } else {
            cors.allowed_origin(origin)
        };
    }
    cors
}

/// The whole application.
pub fn build(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<BoxBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let (app, _) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(routes)
        .split_for_parts();
    let (spec, table) = described();
    let settings = state.settings.clone();

    app.app_data(web::Data::new(state))
        .app_data(http::json_config(settings.json_limit))
        .app_data(web::PayloadConfig::new(settings.json_limit))
        .app_data(http::query_config())
        .app_data(http::path_config())
        .app_data(spec.clone())
        .app_data(table.clone())
        .service(
            SwaggerUi::new("/docs/{_:.*}")
                .config(utoipa_swagger_ui::Config::new(["/api/v1/openapi.json"])),
        )
        .route(
            "/docs",
            web::get().to(|| async {
                HttpResponse::PermanentRedirect()
                    .insert_header((header::LOCATION, "/docs/"))
                    .finish()
            }),
        )
        .default_service(web::to(http::fallback))
        .wrap(from_fn(http::idempotency::middleware))
        .wrap(from_fn(http::reject_oversize))
        .wrap(cors(&settings))
        .wrap(from_fn(request_id::middleware))
}
