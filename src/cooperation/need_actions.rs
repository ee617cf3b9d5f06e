//! A need's lifecycle actions: open, withdraw, close (`POST /needs/{id}/<action>`).

use actix_web::{post, web, HttpRequest, HttpResponse};
use serde_json::json;

use super::api::{Need, NeedNote};
use super::common::need_facts;
use super::needs::{load, respond};
use super::rules::{self, NeedAction};
use super::store;
use crate::audit::AuditCtx;
use crate::auth::{policy, Principal};
use crate::db;
use crate::error::ApiResult;
use crate::http::body::MaybeBody;
use crate::http::etag;
use crate::http::lang::LangPref;
use crate::http::validate::Checks;
use crate::lifecycle::{self, Action};
use crate::state::AppState;

async fn act(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: i64,
    action: NeedAction,
    note: Option<String>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let if_match = etag::if_match_values(&req);
    let p = principal.clone();
    let r = db::run_tx(&state.pool, move |conn| {
        let a = Action {
            table: "needs",
            entity: "need",
            id,
            action,
            if_match: if_match.as_deref(),
            audit: &audit,
        };
        lifecycle::act(
            conn,
            a,
            |conn| load(conn, id, Some(&p)),
            |r| policy::write_need(Some(&p), &need_facts(r, Some(&p))),
            |conn, current, next| {
                let note = checked_note(action, note.as_deref())?;
                let mut extra = serde_json::Map::new();
                if action == NeedAction::Withdraw {
                    extra.insert(
                        "cancelled_cooperations".into(),
                        json!(super::cooperation_actions::on_need_withdrawn(
                            conn,
                            &current.row
                        )?),
                    );
                }
                store::set_need_status(conn, &current.row, next, note.clone(), crate::time::now())?;
                if let Some(n) = &note {
                    extra.insert("note".into(), json!(n));
                }
                Ok(extra)
            },
        )
    })
    .await?;
    respond(&req, r, Some(&principal), pref)
}

/// The note of a withdrawal or a closure, trimmed: required to close.
fn checked_note(action: NeedAction, note: Option<&str>) -> ApiResult<Option<String>> {
    let mut checks = Checks::new();
    let note = note
        .map(|n| checks.text("note", n, 0, rules::MAX_NOTE))
        .filter(|n| !n.is_empty());
    if action == NeedAction::Close && note.is_none() {
        checks.add(
            "note",
            "required",
            "say how the need was met without a cooperation",
        );
    }
    checks.finish()?;
    Ok(note)
}

/// Put a draft need on the public board (or, when confidential, before the secretariat).
#[utoipa::path(
    tag = "cooperation",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The need's id")),
    responses(
        (status = 200, description = "Open", body = Need),
        (status = 404, description = "No such need, or not yours to see", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a draft (`allowed` lists what is possible)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/needs/{id}/open")]
pub async fn open_need(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    act(
        req,
        state,
        principal,
        id.into_inner(),
        NeedAction::Open,
        None,
        pref,
    )
    .await
}

/// Withdraw a draft or open need, with an optional note: its proposed cooperations are
/// cancelled; agreed ones need the parties (409 lists them).
#[utoipa::path(
    tag = "cooperation",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The need's id")),
    request_body(content = Option<NeedNote>, description = "An optional note"),
    responses(
        (status = 200, description = "Withdrawn", body = Need),
        (status = 404, description = "No such need, or not yours to see", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not draft or open (`allowed` lists what is possible)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The note is too long", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/needs/{id}/withdraw")]
pub async fn withdraw_need(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: MaybeBody<NeedNote>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let note = body.into_inner()?.and_then(|b| b.note);
    act(
        req,
        state,
        principal,
        id.into_inner(),
        NeedAction::Withdraw,
        note,
        pref,
    )
    .await
}

/// Close an open need as met without a cooperation; the note says how.
#[utoipa::path(
    tag = "cooperation",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The need's id")),
    request_body = NeedNote,
    responses(
        (status = 200, description = "Met", body = Need),
        (status = 404, description = "No such need, or not yours to see", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not open (`allowed` lists what is possible)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No note", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/needs/{id}/close")]
pub async fn close_need(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: MaybeBody<NeedNote>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let note = body.into_inner()?.and_then(|b| b.note);
    act(
        req,
        state,
        principal,
        id.into_inner(),
        NeedAction::Close,
        note,
        pref,
    )
    .await
}
