//! A session's lifecycle (`hold`, `cancel`), through the one lifecycle.

use actix_web::{post, web, HttpRequest, HttpResponse};
use serde_json::{json, Map};

use super::api::{CancelIn, Meeting};
use super::routes::{load, require_started, respond, scope};
use super::store::{self, Full, MeetingChanges};
use super::{MeetingAction, MeetingStatus};
use crate::audit::AuditCtx;
use crate::auth::{policy, Principal};
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::events::Scope;
use crate::http::body::Body;
use crate::http::etag;
use crate::http::validate::Checks;
use crate::lifecycle::{self, Action, Standing, Subject};
use crate::state::AppState;

impl Subject<MeetingAction> for Full {
    fn standing(&self) -> Standing<MeetingStatus> {
        Standing {
            status: self.meeting.status,
            revision: self.meeting.revision,
        }
    }

    fn scope(&self) -> Scope {
        scope(&self.meeting)
    }
}

async fn act(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: i64,
    action: MeetingAction,
    reason: Option<String>,
) -> ApiResult<HttpResponse> {
    policy::manage_meetings(Some(&principal))?;
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let if_match = etag::if_match_values(&req);
    let full = db::run_tx(&state.pool, move |conn| {
        let a = Action {
            table: "meetings",
            entity: "meeting",
            id,
            action,
            if_match: if_match.as_deref(),
            audit: &audit,
        };
        lifecycle::act(
            conn,
            a,
            |conn| load(conn, id),
            |_| Ok(()),
            |conn, current, next| {
                let m = &current.meeting;
                let mut summary = Map::new();
                let mut changes = MeetingChanges {
                    status: Some(next),
                    revision: Some(m.revision + 1),
                    updated_at: Some(crate::time::now()),
                    ..MeetingChanges::default()
                };
                match action {
                    MeetingAction::Hold => require_started(m)?,
                    MeetingAction::Cancel => {
                        let mut checks = Checks::new();
                        let reason =
                            checks.text("reason", reason.as_deref().unwrap_or(""), 1, 2000);
                        checks.finish()?;
                        if store::decisions_count(conn, id)? > 0 {
                            return Err(ApiError::conflict(
                                "meeting-has-decisions",
                                "the session has recorded decisions; it was held",
                                vec![],
                            ));
                        }
                        summary.insert("reason".into(), json!(reason));
                        changes.cancel_reason = Some(Some(reason));
                    }
                }
                if store::update(conn, id, m.revision, &changes)? == 0 {
                    return Err(ApiError::PreconditionFailed(
                        "the session changed while this write was prepared; read it again".into(),
                    ));
                }
                Ok(summary)
            },
        )
    })
    .await?;
    respond(&req, full, Some(&principal))
}

/// Record that a scheduled session was held (secretariat), once it has begun; its title, times
/// and venue are kept from then on, its minutes may still be set.
#[utoipa::path(
    tag = "meetings",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The session's id"), ("If-Match" = Option<String>, Header, description = "The ETag read")),
    responses(
        (status = 200, description = "Held", body = Meeting),
        (status = 404, description = "No such session", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not scheduled (`allowed` lists what is possible), or not begun yet", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/meetings/{id}/hold")]
pub async fn hold_meeting(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    act(
        req,
        state,
        principal,
        id.into_inner(),
        MeetingAction::Hold,
        None,
    )
    .await
}

/// Cancel a scheduled session, with the reason (secretariat); not once a decision is recorded.
#[utoipa::path(
    tag = "meetings",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The session's id"), ("If-Match" = Option<String>, Header, description = "The ETag read")),
    request_body = CancelIn,
    responses(
        (status = 200, description = "Cancelled", body = Meeting),
        (status = 404, description = "No such session", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not scheduled (`allowed` lists what is possible), or decisions are recorded", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/meetings/{id}/cancel")]
pub async fn cancel_meeting(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: Body<CancelIn>,
) -> ApiResult<HttpResponse> {
    policy::manage_meetings(Some(&principal))?;
    let reason = body.into_inner()?.reason;
    act(
        req,
        state,
        principal,
        id.into_inner(),
        MeetingAction::Cancel,
        Some(reason),
    )
    .await
}
