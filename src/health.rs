//! Liveness and readiness probes.

use actix_web::{get, web, HttpResponse};
use diesel::connection::SimpleConnection;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::{self, dialect};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Health of the process or of its database.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: String,
    /// The database backend (readiness only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "sqlite")]
    pub database: Option<String>,
}

/// The process is up and serving.
#[utoipa::path(tag = "meta", responses((status = 200, description = "Alive", body = Health)))]
#[get("/health/live")]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok".into(),
        database: None,
    })
}

/// The database answers and, when the last write failed for want of storage, a write succeeds
/// again: the instance can take traffic.
#[utoipa::path(
    tag = "meta",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, description = "The database does not answer, or cannot write (a full disk, an I/O error); ready again once a write succeeds", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/health/ready")]
pub async fn ready(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let backend = db::run(&state.pool, |conn| {
        conn.batch_execute("SELECT 1")
            .map_err(|e| ApiError::Unavailable(format!("readiness query failed: {e}")))?;
        Ok(dialect::backend_name(conn))
    })
    .await?;
    if state.pool.writes_failing() {
        // A write of nothing: the probe that turns readiness green again without a restart.
        db::run_tx(&state.pool, |conn| {
            use crate::db::schema::guide_generation::dsl as g;
            use diesel::prelude::*;
            diesel::update(g::guide_generation.find(1))
                .set(g::value.eq(g::value))
                .execute(conn)?;
            Ok(())
        })
        .await
        .map_err(|e| match e {
            e @ (ApiError::Unavailable(_) | ApiError::InsufficientStorage(_)) => {
                ApiError::Unavailable(format!("writes fail: {e}"))
            }
            other => other,
        })?;
    }
    Ok(HttpResponse::Ok().json(Health {
        status: "ok".into(),
        database: Some(backend.into()),
    }))
}
