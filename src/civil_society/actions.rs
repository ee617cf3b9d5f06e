//! Screening (`accept`, `reject`, through the one lifecycle) and the reviewed country's reply.

use actix_web::{post, web, HttpRequest, HttpResponse};
use serde_json::{json, Map};

use super::api::{CivilSocietyInput, ReplyIn, ScreeningIn};
use super::routes::{load, respond, scope};
use super::store::{self, InputRow, Reader};
use super::{CivilSocietyStatus, ScreeningAction};
use crate::audit::AuditCtx;
use crate::auth::{policy, Principal};
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::events::Scope;
use crate::http::body::{Body, MaybeBody};
use crate::http::etag;
use crate::http::validate::Checks;
use crate::lifecycle::{self, Action, Standing, Subject};
use crate::state::AppState;

struct Loaded(InputRow);

impl Subject<ScreeningAction> for Loaded {
    fn standing(&self) -> Standing<CivilSocietyStatus> {
        Standing {
            status: self.0.status,
            revision: self.0.revision,
        }
    }

    fn scope(&self) -> Scope {
        scope(&self.0)
    }
}

async fn screen(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: i64,
    action: ScreeningAction,
    body: Option<ScreeningIn>,
) -> ApiResult<HttpResponse> {
    policy::manage_rounds(Some(&principal))?;
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let if_match = etag::if_match_values(&req);
    let body = body.unwrap_or_default();
    let (row, reader) = db::run_tx(&state.pool, move |conn| {
        let mut checks = Checks::new();
        let reason = body
            .reason
            .as_deref()
            .map(|r| checks.text("reason", r, 0, 2000))
            .filter(|r| !r.is_empty());
        if action == ScreeningAction::Reject && reason.is_none() {
            checks.add("reason", "required", "say why the input is rejected");
        }
        checks.finish()?;
        let a = Action {
            table: "civil_society_inputs",
            entity: "civil_society_input",
            id,
            action,
            if_match: if_match.as_deref(),
            audit: &audit,
        };
        let by = Some(principal.user_id);
        let done = lifecycle::act(
            conn,
            a,
            |conn| Ok(Loaded(load(conn, id, Some(&principal))?.0)),
            |_| Ok(()),
            |conn, current, next| {
                if store::screen(conn, &current.0, next, reason.as_deref(), by)? == 0 {
                    return Err(ApiError::PreconditionFailed(
                        "the input changed while this write was prepared; read it again".into(),
                    ));
                }
                let mut m = Map::new();
                m.insert("reason".into(), json!(reason));
                Ok(m)
            },
        )?;
        Ok((done.0, Reader::new(conn, Some(&principal))?))
    })
    .await?;
    respond(&req, row, &reader)
}

/// Accept a submitted input (secretariat): the reviewed country and the experts assigned to its
/// report read it from then on. Optional `reason`.
#[utoipa::path(
    tag = "civil-society",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The input's id"), ("If-Match" = Option<String>, Header, description = "The ETag read")),
    request_body(content = Option<ScreeningIn>, description = "Optional reason"),
    responses(
        (status = 200, description = "Accepted", body = CivilSocietyInput),
        (status = 409, description = "Screened already (`allowed` lists what is possible)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/civil-society-inputs/{id}/accept")]
pub async fn accept_input(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: MaybeBody<ScreeningIn>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner()?;
    screen(
        req,
        state,
        principal,
        id.into_inner(),
        ScreeningAction::Accept,
        body,
    )
    .await
}

/// Reject a submitted input, with the reason (secretariat): it stays with the secretariat.
#[utoipa::path(
    tag = "civil-society",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The input's id"), ("If-Match" = Option<String>, Header, description = "The ETag read")),
    request_body = ScreeningIn,
    responses(
        (status = 200, description = "Rejected", body = CivilSocietyInput),
        (status = 409, description = "Screened already (`allowed` lists what is possible)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/civil-society-inputs/{id}/reject")]
pub async fn reject_input(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: Body<ScreeningIn>,
) -> ApiResult<HttpResponse> {
    let body = Some(body.into_inner()?);
    screen(
        req,
        state,
        principal,
        id.into_inner(),
        ScreeningAction::Reject,
        body,
    )
    .await
}

/// Reply to an accepted input (the reviewed country's focal point, or the secretariat for it);
/// a new reply replaces the earlier one. Honours `If-Match`.
#[utoipa::path(
    tag = "civil-society",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The input's id"), ("If-Match" = Option<String>, Header, description = "The ETag read")),
    request_body = ReplyIn,
    responses(
        (status = 200, description = "Replied", body = CivilSocietyInput),
        (status = 403, description = "Not the reviewed country", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such input, or not yours to see", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Empty or too long", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/civil-society-inputs/{id}/reply")]
pub async fn reply_to_input(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: Body<ReplyIn>,
) -> ApiResult<HttpResponse> {
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let if_match = etag::if_match_values(&req);
    let id = id.into_inner();
    let body = body.into_inner()?;
    let (row, reader) = db::run_tx(&state.pool, move |conn| {
        db::lock_id(conn, "civil_society_inputs", id)?;
        let (row, reader) = load(conn, id, Some(&principal))?;
        if !(reader.is_secretariat() || reader.of_country(&row.country)) {
            return Err(ApiError::Forbidden(
                "only the reviewed country replies to civil society's input".into(),
            ));
        }
        if row.status != CivilSocietyStatus::Accepted {
            return Err(ApiError::conflict(
                "not-accepted",
                "only accepted inputs take a reply",
                vec![],
            ));
        }
        etag::check_revision(
            if_match.as_deref(),
            etag::Entity("civil_society_input", id),
            row.revision,
        )?;
        let mut checks = Checks::new();
        let text = checks.text("text", &body.text, 1, 20_000);
        checks.finish()?;
        if store::reply(conn, &row, &text, Some(principal.user_id))? == 0 {
            return Err(ApiError::PreconditionFailed(
                "the input changed while this write was prepared; read it again".into(),
            ));
        }
        audit.record(
            conn,
            "civil_society_input.reply",
            "civil_society_input",
            id,
            json!({"length": text.chars().count()}),
        )?;
        crate::events::emit(
            conn,
            &audit,
            crate::events::Event {
                event_type: "civil_society_input.replied",
                entity_type: "civil_society_input",
                entity_id: id.to_string(),
                scope: scope(&row),
                payload: json!({"round": row.round_id, "country": row.country}),
            },
        )?;
        let row = store::find(conn, id)?.ok_or_else(|| ApiError::internal("the input vanished"))?;
        Ok((row, reader))
    })
    .await?;
    respond(&req, row, &reader)
}
