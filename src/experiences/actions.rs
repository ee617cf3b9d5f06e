//! An experience's lifecycle actions: submit, return, publish, archive (`POST /experiences/{id}/<action>`).

use actix_web::{post, web, HttpRequest, HttpResponse};
use serde_json::json;

use super::api::{Experience, ReturnIn};
use super::model::{ExperienceChanges, ExperienceRow};
use super::rules::{self, ExperienceAction, ExperienceStatus};
use super::shown::{facts, load, respond, status_of, working};
use super::store::{self};
use crate::audit::AuditCtx;
use crate::auth::policy;
use crate::auth::Principal;
use crate::db::{self, DbConn};
use crate::error::ApiResult;
use crate::events::Scope;
use crate::http::body::MaybeBody;
use crate::http::etag;
use crate::http::lang::LangPref;
use crate::http::validate::Checks;
use crate::lifecycle::{self, Action, Standing, Subject};
use crate::state::AppState;

impl Subject<ExperienceAction> for ExperienceRow {
    fn standing(&self) -> Standing<ExperienceStatus> {
        Standing {
            status: status_of(self),
            revision: self.revision,
        }
    }

    fn scope(&self) -> Scope {
        match self.status {
            ExperienceStatus::Published | ExperienceStatus::Archived => {
                Scope::public(Some(&self.country))
            }
            ExperienceStatus::Draft | ExperienceStatus::InReview => Scope::country(&self.country),
        }
    }
}

async fn workflow(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: i64,
    action: ExperienceAction,
    reason: Option<String>,
) -> ApiResult<HttpResponse> {
    let if_match = etag::if_match_values(&req);
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let pref = LangPref::from_request_parts(&req)?;
    let shown = db::run_tx(&state.pool, move |conn| {
        let act = Action {
            table: "experiences",
            entity: "experience",
            id,
            action,
            if_match: if_match.as_deref(),
            audit: &audit,
        };
        let authorize = |row: &ExperienceRow| match action {
            ExperienceAction::Submit => policy::edit_experience(Some(&principal), &facts(row)),
            _ => policy::publish_experience(Some(&principal), &facts(row)),
        };
        let load = |conn: &mut DbConn| load(conn, id);
        let row = lifecycle::act(conn, act, load, authorize, |conn, row, next| {
            let now = crate::time::now();
            let mut changes = ExperienceChanges {
                status: Some(next),
                revision: Some(row.revision + 1),
                updated_by: Some(audit.actor_id),
                updated_at: Some(now),
                ..ExperienceChanges::default()
            };
            let mut summary = serde_json::Map::new();
            match action {
                ExperienceAction::Submit => {
                    let shown = working(conn, row.clone(), None, None)?;
                    let mut checks = Checks::new();
                    rules::check_submittable(&mut checks, &shown.doc);
                    checks.finish()?;
                    changes.return_reason = Some(None);
                }
                ExperienceAction::Return => {
                    let mut checks = Checks::new();
                    let reason = checks.text("reason", reason.as_deref().unwrap_or(""), 1, 2000);
                    checks.finish()?;
                    summary.insert("reason".into(), json!(reason));
                    changes.return_reason = Some(Some(reason));
                }
                ExperienceAction::Publish => {
                    let shown = working(conn, row.clone(), None, None)?;
                    let version = row.version + 1;
                    store::publish(conn, id, version, &shown.doc, audit.actor_id, now)?;
                    changes.version = Some(version);
                    changes.published_at = Some(Some(now));
                    changes.return_reason = Some(None);
                    summary.insert("version".into(), json!(version));
                }
                ExperienceAction::Archive => {}
            }
            store::update(conn, id, &changes)?;
            Ok(summary)
        })?;
        working(conn, row, None, None)
    })
    .await?;
    respond(&req, shown, pref)
}

/// Send a draft for review (its editors): it needs at least one institution and one legal
/// instrument.
#[utoipa::path(
    tag = "experiences",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The experience's id")),
    responses(
        (status = 200, description = "In review", body = Experience),
        (status = 409, description = "Not a draft (`allowed` lists what is possible)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Sections missing", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/experiences/{id}/submit")]
pub async fn submit_experience(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    workflow(
        req,
        state,
        principal,
        id.into_inner(),
        ExperienceAction::Submit,
        None,
    )
    .await
}

/// Send an experience in review back to its editors with a reason (secretariat).
#[utoipa::path(
    tag = "experiences",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The experience's id")),
    request_body = ReturnIn,
    responses(
        (status = 200, description = "Back to draft", body = Experience),
        (status = 409, description = "Not in review (`allowed` lists what is possible)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/experiences/{id}/return")]
pub async fn return_experience(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: MaybeBody<ReturnIn>,
) -> ApiResult<HttpResponse> {
    let reason = body.into_inner()?.and_then(|b| b.reason);
    workflow(
        req,
        state,
        principal,
        id.into_inner(),
        ExperienceAction::Return,
        reason,
    )
    .await
}

/// Publish an experience in review (secretariat): its version number moves on and the
/// document is kept as an immutable version the public reads.
#[utoipa::path(
    tag = "experiences",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The experience's id")),
    responses(
        (status = 200, description = "Published", body = Experience),
        (status = 409, description = "Not in review (`allowed` lists what is possible)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/experiences/{id}/publish")]
pub async fn publish_experience(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    workflow(
        req,
        state,
        principal,
        id.into_inner(),
        ExperienceAction::Publish,
        None,
    )
    .await
}

/// Archive a published experience (secretariat): it leaves the Guide's lists and coverage; its
/// versions stay readable.
#[utoipa::path(
    tag = "experiences",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The experience's id")),
    responses(
        (status = 200, description = "Archived", body = Experience),
        (status = 409, description = "Not published (`allowed` lists what is possible)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/experiences/{id}/archive")]
pub async fn archive_experience(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    workflow(
        req,
        state,
        principal,
        id.into_inner(),
        ExperienceAction::Archive,
        None,
    )
    .await
}
