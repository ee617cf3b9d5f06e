//! A report's lifecycle actions: submit, return, adopt, publish (`POST /reports/{id}/<action>`).

use actix_web::{post, web, HttpRequest, HttpResponse};
use serde_json::json;

use super::api::{AdoptIn, Report, ReportReturnIn};
use super::loaded::{load, respond, Loaded};
use super::model::ReportChanges;
use super::rules::{ReportAction, ReportStatus};
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

impl Subject<ReportAction> for Loaded {
    fn standing(&self) -> Standing<ReportStatus> {
        Standing {
            status: self.status(),
            revision: self.row.revision,
        }
    }

    fn scope(&self) -> Scope {
        self.event_scope()
    }
}

/// One lifecycle action on a report, as a caller asked for it.
pub(crate) struct Transition {
    pub id: i64,
    pub action: ReportAction,
    /// The adoption's decision (adopt).
    pub adopt: Option<AdoptIn>,
    /// Why it goes back (return).
    pub reason: Option<String>,
    /// The session whose decision adopts it (adopt, from a meeting's decision).
    pub meeting: Option<i64>,
    pub if_match: Option<String>,
}

/// Takes `t` inside the caller's transaction: the report's actions share one path
/// (`lifecycle::act`); the adoption's decision date and note are validated here.
pub(crate) fn transition(
    conn: &mut DbConn,
    principal: &Principal,
    audit: &AuditCtx,
    t: Transition,
) -> ApiResult<Loaded> {
    let Transition {
        id,
        action,
        adopt,
        reason,
        meeting,
        if_match,
    } = t;
    let act = Action {
        table: "reports",
        entity: "report",
        id,
        action,
        if_match: if_match.as_deref(),
        audit,
    };
    let authorize = |l: &Loaded| match action {
        ReportAction::Submit => policy::draft_report(Some(principal), &l.facts()),
        _ => policy::adopt_or_publish_report(Some(principal), &l.facts()),
    };
    let load = |conn: &mut DbConn| load(conn, id, Some(principal));
    lifecycle::act(conn, act, load, authorize, |conn, l, next| {
        let now = crate::time::now();
        let mut changes = ReportChanges {
            status: Some(next),
            revision: Some(l.row.revision + 1),
            updated_at: Some(now),
            ..ReportChanges::default()
        };
        let mut summary = serde_json::Map::new();
        match action {
            ReportAction::Submit => {}
            ReportAction::Return => {
                changes.version = Some(l.row.version + 1);
                let mut checks = Checks::new();
                if let Some(r) = &reason {
                    summary.insert("reason".into(), json!(checks.text("reason", r, 0, 2000)));
                }
                checks.finish()?;
            }
            ReportAction::Adopt => {
                let mut checks = Checks::new();
                let input = adopt.as_ref();
                let date = match input.map(|a| a.decision_date.as_str()) {
                    Some(d) => match checks.date("decision_date", d) {
                        Some(d) if d > now.date() => {
                            checks.add("decision_date", "future", "cannot be in the future");
                            None
                        }
                        other => other,
                    },
                    None => {
                        checks.add(
                            "decision_date",
                            "required",
                            "the date of the Committee's decision",
                        );
                        None
                    }
                };
                let note = input
                    .and_then(|a| a.note.as_deref())
                    .map(|n| checks.text("note", n, 0, 2000))
                    .filter(|n| !n.is_empty());
                checks.finish()?;
                summary.insert("decision_date".into(), json!(date));
                summary.insert("note".into(), json!(note));
                if meeting.is_some() {
                    summary.insert("meeting".into(), json!(meeting));
                }
                changes.decision_date = Some(date);
                changes.decision_note = Some(note);
                changes.meeting_id = Some(meeting);
                changes.adopted_at = Some(Some(now));
            }
            ReportAction::Publish => changes.published_at = Some(Some(now)),
        }
        store::update_report(conn, id, &changes)?;
        Ok(summary)
    })
}

async fn workflow(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: i64,
    action: ReportAction,
    adopt: Option<AdoptIn>,
    reason: Option<String>,
) -> ApiResult<HttpResponse> {
    let if_match = etag::if_match_values(&req);
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let pref = LangPref::from_request_parts(&req)?;
    let loaded = db::run_tx(&state.pool, move |conn| {
        let t = Transition {
            id,
            action,
            adopt: adopt.clone(),
            reason: reason.clone(),
            meeting: None,
            if_match: if_match.clone(),
        };
        transition(conn, &principal, &audit, t)
    })
    .await?;
    respond(&req, loaded, pref)
}

/// Send a draft for the Committee's review (its drafters).
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The report's id")),
    responses(
        (status = 200, description = "Under review", body = Report),
        (status = 409, description = "Not a draft (`allowed` lists what is possible)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/reports/{id}/submit")]
pub async fn submit_report(
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
        ReportAction::Submit,
        None,
        None,
    )
    .await
}

/// Send a report under review back to drafting (secretariat); its version moves on.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The report's id")),
    request_body(content = Option<ReportReturnIn>, description = "Optional reason"),
    responses(
        (status = 200, description = "Back to draft", body = Report),
        (status = 409, description = "Not under review", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/reports/{id}/return")]
pub async fn return_report(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: MaybeBody<ReportReturnIn>,
) -> ApiResult<HttpResponse> {
    let reason = body.into_inner()?.and_then(|b| b.reason);
    workflow(
        req,
        state,
        principal,
        id.into_inner(),
        ReportAction::Return,
        None,
        reason,
    )
    .await
}

/// Record the Committee of Experts' adoption (secretariat): the report is frozen from then on.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The report's id")),
    request_body = AdoptIn,
    responses(
        (status = 200, description = "Adopted", body = Report),
        (status = 409, description = "Not under review", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No or bad decision date", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/reports/{id}/adopt")]
pub async fn adopt_report(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: MaybeBody<AdoptIn>,
) -> ApiResult<HttpResponse> {
    let adopt = body.into_inner()?;
    workflow(
        req,
        state,
        principal,
        id.into_inner(),
        ReportAction::Adopt,
        adopt,
        None,
    )
    .await
}

/// Publish an adopted report (secretariat): everyone reads it from then on.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The report's id")),
    responses(
        (status = 200, description = "Published", body = Report),
        (status = 409, description = "Not adopted", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/reports/{id}/publish")]
pub async fn publish_report(
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
        ReportAction::Publish,
        None,
        None,
    )
    .await
}
