//! The responses lifecycle actions: submit, return, accept (`POST /responses/{id}/<action>`).

use std::collections::HashSet;

use actix_web::{post, web, HttpRequest, HttpResponse};
use chrono::Utc;
use serde_json::{json, Value};

use super::api::{ReasonIn, ResponseOut};
use super::loaded::{facts, load_visible, respond, with_answers, Loaded};
use super::routes::status_of;
use super::rules::{self, ResponseAction, ResponseStatus};
use super::store::{self};
use crate::audit::AuditCtx;
use crate::auth::policy;
use crate::auth::{Principal, Role};
use crate::db::{self, DbConn};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::body::MaybeBody;
use crate::http::etag;
use crate::http::validate::Checks;
use crate::lifecycle::{self, Action};
use crate::questionnaires::model::Evidence;
use crate::rounds::rules::RoundStatus;
use crate::state::AppState;

/// What a submission requires: every required question answered (one 422 lists every missing
/// code) and the due date not passed for a first submission by the focal point (409
/// `deadline-passed`). Returns whether the submission is late.
fn check_submission(conn: &mut DbConn, l: &Loaded, by_secretariat: bool) -> ApiResult<bool> {
    let answered: HashSet<String> = store::answers(conn, l.row.id)?
        .into_iter()
        .map(|a| a.question_code)
        .collect();
    let missing: Vec<FieldError> = l
        .doc
        .questions()
        .filter(|(_, q)| q.required && !answered.contains(&q.code))
        .map(|(_, q)| FieldError::new(&q.code, "required", "this required question has no answer"))
        .collect();
    if !missing.is_empty() {
        return Err(ApiError::Validation {
            detail: format!("{} required question(s) have no answer", missing.len()),
            errors: missing,
        });
    }
    let evidenced = crate::files::store::evidenced_questions(conn, l.row.id)?;
    let unproven: Vec<FieldError> = l
        .doc
        .questions()
        .filter(|(_, q)| {
            q.evidence == Evidence::Required
                && answered.contains(&q.code)
                && !evidenced.contains(&q.code)
        })
        .map(|(_, q)| {
            FieldError::new(
                &q.code,
                "evidence-required",
                "this answer needs at least one file as evidence (POST /api/v1/attachments)",
            )
        })
        .collect();
    if !unproven.is_empty() {
        return Err(ApiError::Validation {
            detail: format!(
                "{} answer(s) lack the evidence they require",
                unproven.len()
            ),
            errors: unproven,
        });
    }
    let today = Utc::now().date_naive();
    rules::check_deadline(today, l.due_on, status_of(&l.row), by_secretariat).map_err(|_| {
        let mut ext = serde_json::Map::new();
        ext.insert("due_on".into(), Value::from(l.due_on.to_string()));
        ApiError::Conflict {
            slug: "deadline-passed",
            detail: format!(
                "the due date for {} was {}; ask the secretariat for an extension",
                l.row.country, l.due_on
            ),
            extensions: ext,
        }
    })
}

async fn workflow(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: i64,
    action: ResponseAction,
    reason: Option<String>,
) -> ApiResult<HttpResponse> {
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let if_match = etag::if_match_values(&req);
    let (revision, out) = db::run_tx(&state.pool, move |conn| {
        let check = match action {
            ResponseAction::Submit => policy::write_response,
            ResponseAction::Return | ResponseAction::Accept => policy::decide_response,
        };
        let act = Action {
            table: "responses",
            entity: "response",
            id,
            action,
            if_match: if_match.as_deref(),
            audit: &audit,
        };
        let load = |conn: &mut DbConn| load_visible(conn, id, Some(&principal));
        let authorize = |l: &Loaded| check(Some(&principal), &facts(&l.row, &l.round));
        let l = lifecycle::act(conn, act, load, authorize, |conn, l, next| {
            let status = status_of(&l.row);
            let round = l.round.parsed_status();
            let round_ok = match action {
                ResponseAction::Submit => {
                    round == RoundStatus::Open
                        || (round == RoundStatus::InReview && status == ResponseStatus::Returned)
                }
                _ => matches!(round, RoundStatus::Open | RoundStatus::InReview),
            };
            if !round_ok {
                return Err(ApiError::conflict(
                    "round-not-open",
                    format!("the round is {}", round.as_str()),
                    vec![],
                ));
            }
            let mut submitted = None;
            let mut return_reason = None;
            match action {
                ResponseAction::Submit => {
                    let late = check_submission(conn, l, principal.is(Role::Secretariat))?;
                    submitted = Some((crate::time::now(), Some(principal.user_id), late));
                }
                ResponseAction::Return => {
                    let mut checks = Checks::new();
                    let r = checks.text("reason", reason.as_deref().unwrap_or(""), 1, 5000);
                    checks.finish()?;
                    return_reason = Some(Some(r));
                }
                ResponseAction::Accept => {}
            }
            let declared = if action == ResponseAction::Accept {
                super::follow_up::declare_answers(conn, &audit, &principal, l)?
            } else {
                Vec::new()
            };
            store::set_status(
                conn,
                id,
                next,
                l.row.revision + 1,
                submitted,
                return_reason.clone(),
            )?;
            let mut summary = serde_json::Map::new();
            summary.insert("late".into(), json!(submitted.map(|s| s.2)));
            summary.insert("reason".into(), json!(return_reason.flatten()));
            if !declared.is_empty() {
                summary.insert("followup_declared".into(), json!(declared));
            }
            Ok(summary)
        })?;
        // The response as the action left it, read by `act`: only its answers remain to read.
        with_answers(conn, &l)
    })
    .await?;
    respond(&req, revision, &out)
}

/// Submit the response: every required question must be answered (the 422 lists every missing
/// code). After the due date (or the country's extension) a first submission answers 409
/// `deadline-passed`; `submitted_at`, `submitted_by` and `late` are recorded.
#[utoipa::path(
    tag = "responses",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The response's id"), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(
        (status = 200, description = "Submitted", body = ResponseOut),
        (status = 409, description = "`invalid-transition` (with `allowed`), `deadline-passed` or `round-not-open`", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Every required question without an answer", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/responses/{id}/submit")]
pub async fn submit_response(
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
        ResponseAction::Submit,
        None,
    )
    .await
}

/// Return a submitted response to its country with a reason (secretariat): it becomes editable.
#[utoipa::path(
    tag = "responses",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The response's id")),
    request_body = ReasonIn,
    responses(
        (status = 200, description = "Returned", body = ResponseOut),
        (status = 409, description = "Not submitted (`allowed` lists what is possible)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/responses/{id}/return")]
pub async fn return_response(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: MaybeBody<ReasonIn>,
) -> ApiResult<HttpResponse> {
    let reason = body.into_inner()?.and_then(|b| b.reason);
    workflow(
        req,
        state,
        principal,
        id.into_inner(),
        ResponseAction::Return,
        reason,
    )
    .await
}

/// Accept a submitted response (secretariat): final.
#[utoipa::path(
    tag = "responses",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The response's id")),
    responses(
        (status = 200, description = "Accepted", body = ResponseOut),
        (status = 409, description = "Not submitted (`allowed` lists what is possible)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/responses/{id}/accept")]
pub async fn accept_response(
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
        ResponseAction::Accept,
        None,
    )
    .await
}
