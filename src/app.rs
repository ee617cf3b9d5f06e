//! The actix application: every scope, extractor configuration and middleware in one place.
//! `build` is used by `main` and by every test, so tests exercise exactly what serves.

use std::sync::OnceLock;

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

use crate::http::{self, RouteTable};
use crate::openapi::{self, ApiDoc, SpecDocument};
use crate::state::{AppSettings, AppState};
use crate::{
    audit, auth, cooperation, countries, events, experiences, exports, health, questionnaires,
    reports, responses, rounds, thematic_areas, users, webhooks,
};
use crate::{failpoint, idempotency, request_id, telemetry};

/// Every documented route. The OpenAPI document is collected from exactly these.
fn routes(cfg: &mut ServiceConfig) {
    cfg.service(health::live).service(health::ready).service(
        // The router tries each resource in turn, in this order: the public's reads (the
        // Guide, the reference lists) come first, so that they are found soonest. No two
        // modules' paths can match the same request, so the order changes nothing else.
        scope::scope("/api/v1")
            .configure(experiences::routes::configure)
            .configure(countries::routes::configure)
            .configure(thematic_areas::routes::configure)
            .configure(rounds::routes::configure)
            .service(openapi::openapi_json)
            .configure(auth::routes::configure)
            .configure(auth::clients::configure)
            .configure(users::routes::configure)
            .configure(audit::routes::configure)
            .configure(crate::civil_society::configure)
            .configure(crate::documents::configure)
            .configure(crate::files::configure)
            .configure(crate::meetings::configure)
            .configure(cooperation::configure)
            .configure(events::routes::configure)
            .configure(exports::routes::configure)
            .configure(questionnaires::routes::configure)
            .configure(responses::routes::configure)
            .configure(reports::routes::configure)
            .configure(webhooks::routes::configure),
    );
}

/// The served spec and the route table, made once per process: the code alone decides them,
/// and every worker (and every test app) would otherwise keep its own copy of ~0.5 MB.
fn described() -> &'static (web::Data<SpecDocument>, web::Data<RouteTable>) {
    static DESCRIBED: OnceLock<(web::Data<SpecDocument>, web::Data<RouteTable>)> = OnceLock::new();
    DESCRIBED.get_or_init(|| {
        let api = openapi();
        let table = RouteTable::from_openapi(&api);
        let spec =
            SpecDocument(serde_json::to_vec_pretty(&openapi::to_json(&api)).unwrap_or_default());
        (web::Data::new(spec), web::Data::new(table))
    })
}

/// The OpenAPI document of this build, as served.
pub fn openapi_json() -> serde_json::Value {
    openapi::to_json(&openapi())
}

/// The OpenAPI document of this build, typed (the route table reads it).
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
            header::HeaderName::from_static("prefer"),
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
            header::HeaderName::from_static("preference-applied"),
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
    questionnaires::versions::on_publish(responses::carry_over);
    let settings = state.settings.clone();

    app.app_data(web::Data::new(state))
        .app_data(http::json_config(settings.json_limit))
        .app_data(http::BodyLimit(settings.json_limit))
        .app_data(http::Hsts(settings.hsts))
        .app_data(web::PayloadConfig::new(settings.json_limit))
        .app_data(http::query_config())
        .app_data(http::path_config())
        .app_data(spec.clone())
        .app_data(table.clone())
        .service(
            SwaggerUi::new("/docs/{_:.*}").config(
                utoipa_swagger_ui::Config::new(["/api/v1/openapi.json"])
                    // Never send the spec to the public online validator.
                    .validator_url("none"),
            ),
        )
        .route(
            "/docs",
            web::get().to(|| async {
                HttpResponse::PermanentRedirect()
                    .insert_header((header::LOCATION, "/docs/"))
                    .finish()
            }),
        )
        .configure(|cfg: &mut web::ServiceConfig| {
            if let Some(token) = &settings.metrics_token {
                cfg.app_data(web::Data::new(telemetry::MetricsToken(token.clone())))
                    .route("/metrics", web::get().to(telemetry::protected));
            }
        })
        .default_service(web::to(http::fallback))
        .wrap(from_fn(idempotency::middleware))
        .wrap(from_fn(failpoint::middleware))
        .wrap(from_fn(http::rate_limit::middleware))
        .wrap(from_fn(http::hygiene::middleware))
        .wrap(from_fn(http::reject_oversize))
        .wrap(from_fn(http::head_as_get))
        .wrap(cors(&settings))
        .wrap(from_fn(http::problem_bodies))
        .wrap(from_fn(telemetry::middleware))
        .wrap(from_fn(http::security_headers))
        .wrap(from_fn(request_id::middleware))
}
