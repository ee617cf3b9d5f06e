//! A cooperation's lifecycle actions: agree (each side), start, complete with an outcome, cancel
//! (`POST /cooperations/{id}/<action>`), and what they do to the need and its recommendations.

use actix_web::{post, web, HttpRequest, HttpResponse};
use serde_json::{json, Map, Value};

use super::api::{AgreeIn, CancelIn, CompleteIn, Cooperation, Outcome};
use super::cooperations::{facts, load, respond};
use super::model::{CooperationChanges, NeedRow};
use super::rules::{self, CooperationAction, CooperationStatus, NeedStatus, Side};
use super::store::{self, CooperationRecord};
use crate::audit::AuditCtx;
use crate::auth::policy;
use crate::auth::{Principal, Role};
use crate::db::{self, DbConn};
use crate::error::{ApiError, ApiResult};
use crate::http::body::{Body, MaybeBody};
use crate::http::etag;
use crate::http::lang::LangPref;
use crate::http::validate::Checks;
use crate::lifecycle::{self, Action};
use crate::reports::model::NewFollowupRow;
use crate::state::AppState;

/// What an action carries beyond the transition.
#[derive(Clone)]
enum Input {
    None,
    Side(Option<Side>),
    Complete(std::sync::Arc<CompleteIn>),
    Cancel(String),
}

async fn act(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: i64,
    action: CooperationAction,
    input: Input,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let if_match = etag::if_match_values(&req);
    let p = principal.clone();
    let r = db::run_tx(&state.pool, move |conn| {
        // The need moves with its cooperations: locked first, in the order a need's own
        // actions lock (the need, then its cooperations), so that two cooperations of one
        // need, or a cooperation and its need, act one after the other and never deadlock.
        let need_before = match store::need_of_cooperation(conn, id)? {
            Some(need) => {
                db::lock_id(conn, "needs", need)?;
                store::find_need(conn, need)?.map(|n| n.row.status)
            }
            None => None,
        };
        let a = Action {
            table: "cooperations",
            entity: "cooperation",
            id,
            action,
            if_match: if_match.as_deref(),
            audit: &audit,
        };
        let done = lifecycle::act(
            conn,
            a,
            |conn| load(conn, id, Some(&p)),
            |r| policy::act_on_cooperation(Some(&p), &facts(r, Some(&p))),
            |conn, current, next| apply(conn, &p, current, next, &input),
        )?;
        if let Some(from) = need_before.filter(|s| *s != done.need.status) {
            need_moved(conn, &audit, &done, from)?;
        }
        Ok(done)
    })
    .await?;
    respond(&req, r, Some(&principal), pref)
}

/// The event of a need its cooperation moved (in cooperation, met, open again).
fn need_moved(
    conn: &mut DbConn,
    audit: &AuditCtx,
    done: &CooperationRecord,
    from: NeedStatus,
) -> ApiResult<()> {
    let to = done.need.status;
    let event_type = match to {
        NeedStatus::InCooperation => "need.in_cooperation",
        NeedStatus::Met => "need.met",
        _ => "need.reopened",
    };
    crate::events::emit(
        conn,
        audit,
        crate::events::Event {
            event_type,
            entity_type: "need",
            entity_id: done.need.id.to_string(),
            scope: super::needs::need_scope(&done.need),
            payload: json!({"from": from, "to": to, "cooperation": done.row.id}),
        },
    )?;
    Ok(())
}

/// What each action requires and does beyond its status.
fn apply(
    conn: &mut DbConn,
    p: &Principal,
    current: &CooperationRecord,
    next: CooperationStatus,
    input: &Input,
) -> ApiResult<Map<String, Value>> {
    let now = crate::time::now();
    let row = &current.row;
    // Read again under its lock (taken in `act`): what another cooperation of it did shows.
    let need = store::find_need(conn, row.need_id)?
        .ok_or_else(|| ApiError::internal("a cooperation's need vanished"))?
        .row;
    let mut changes = CooperationChanges {
        status: Some(next),
        revision: Some(row.revision + 1),
        updated_at: Some(now),
        ..CooperationChanges::default()
    };
    let mut extra = Map::new();
    match input {
        Input::Side(wanted) => {
            let mine = policy::party_side(p, &facts(current, Some(p)));
            let side = match (mine, wanted) {
                (Some(m), Some(w)) if m != *w => {
                    return Err(ApiError::Forbidden(format!(
                        "your country is the {} side: it cannot agree for the {}",
                        m.as_str(),
                        w.as_str()
                    )))
                }
                (Some(m), _) => m,
                (None, Some(w)) => *w,
                (None, None) => {
                    return Err(ApiError::validation(vec![crate::error::FieldError::new(
                        "side",
                        "required",
                        "the secretariat says which side it records: requester or provider",
                    )]))
                }
            };
            let already = match side {
                Side::Requester => row.requester_agreed_at.is_some(),
                Side::Provider => row.provider_agreed_at.is_some(),
            };
            if already {
                return Err(ApiError::conflict(
                    "already-agreed",
                    format!("the {} side has already agreed", side.as_str()),
                    vec![],
                ));
            }
            check_need_open(&need)?;
            match side {
                Side::Requester => changes.requester_agreed_at = Some(now),
                Side::Provider => changes.provider_agreed_at = Some(now),
            }
            let both = row.requester_agreed_at.is_some() || side == Side::Requester;
            let both = both && (row.provider_agreed_at.is_some() || side == Side::Provider);
            extra.insert("side".into(), json!(side));
            if both {
                changes.agreed_at = Some(now);
                if need.status == NeedStatus::Open {
                    store::set_need_status(conn, &need, NeedStatus::InCooperation, None, now)?;
                }
            } else {
                changes.status = Some(CooperationStatus::Proposed);
                extra.insert("to".into(), json!(CooperationStatus::Proposed));
            }
        }
        Input::None => {
            changes.started_at = Some(now);
        }
        Input::Complete(given) => {
            let mut checks = Checks::new();
            let summary = checks.text("summary", &given.summary, 1, 5000);
            let results = given
                .results
                .as_deref()
                .map(|r| checks.text("results", r, 0, 5000))
                .filter(|r| !r.is_empty());
            let lessons = given
                .lessons
                .as_deref()
                .map(|l| checks.text("lessons", l, 0, 5000))
                .filter(|l| !l.is_empty());
            let rates = p.is(Role::Secretariat)
                || policy::party_side(p, &facts(current, Some(p))) == Some(Side::Requester);
            if given.rating.is_some() && !rates {
                checks.add(
                    "rating",
                    "not-yours",
                    "only the receiving country rates a cooperation",
                );
            }
            if given.rating.is_some_and(|r| !(1..=5).contains(&r)) {
                checks.add("rating", "range", "must be from 1 to 5");
            }
            let comment = given
                .rating_comment
                .as_deref()
                .map(|c| checks.text("rating_comment", c, 0, rules::MAX_NOTE))
                .filter(|c| !c.is_empty());
            checks.finish()?;
            let outcome = Outcome {
                summary,
                results,
                lessons,
            };
            changes.completed_at = Some(now);
            changes.outcome = Some(json!(outcome).to_string());
            changes.rating = given.rating;
            changes.rating_comment = comment;
            changes.rating_public = Some(given.rating_public == Some(true));
            if matches!(need.status, NeedStatus::Open | NeedStatus::InCooperation) {
                store::set_need_status(conn, &need, NeedStatus::Met, None, now)?;
            }
            let evidenced = attach_outcome(conn, Some(p.user_id), row.id, &need, &outcome, now)?;
            extra.insert("recommendations".into(), json!(evidenced));
        }
        Input::Cancel(reason) => {
            let mut checks = Checks::new();
            let reason = checks.text("reason", reason, 1, rules::MAX_NOTE);
            checks.finish()?;
            changes.cancel_reason = Some(reason.clone());
            extra.insert("reason".into(), json!(reason));
            if row.status.is_active() {
                release_need(conn, &need, row.id, now)?;
            }
        }
    }
    store::update_cooperation(conn, row.id, &changes)?;
    Ok(extra)
}

fn check_need_open(need: &NeedRow) -> ApiResult<()> {
    if matches!(need.status, NeedStatus::Open | NeedStatus::InCooperation) {
        Ok(())
    } else {
        Err(ApiError::conflict(
            "need-not-open",
            format!(
                "the need is {}: nothing can be agreed for it",
                need.status.as_str()
            ),
            vec![],
        ))
    }
}

/// A need held by a cooperation that ends without completing is open again, unless another
/// active cooperation still holds it.
fn release_need(
    conn: &mut DbConn,
    need: &NeedRow,
    ending: i64,
    now: chrono::NaiveDateTime,
) -> ApiResult<()> {
    if need.status != NeedStatus::InCooperation {
        return Ok(());
    }
    let others = store::cooperations_of_need(conn, need.id)?
        .into_iter()
        .any(|c| c.id != ending && c.status.is_active());
    if !others {
        store::set_need_status(conn, need, NeedStatus::Open, None, now)?;
    }
    Ok(())
}

/// Adds the outcome to the follow-up history of every recommendation the need serves (the
/// recommendation's status stays what the country reported); returns their ids.
pub(crate) fn attach_outcome(
    conn: &mut DbConn,
    by: Option<i64>,
    cooperation: i64,
    need: &NeedRow,
    outcome: &Outcome,
    now: chrono::NaiveDateTime,
) -> ApiResult<Vec<i64>> {
    let mut done = Vec::new();
    for id in need.recommendations.iter() {
        let Some(rec) = crate::reports::store::find_recommendation(conn, *id)? else {
            continue;
        };
        let mut evidence = rec.evidence_urls.0.clone();
        let link = format!("/api/v1/cooperations/{cooperation}");
        if evidence.len() < 50 && !evidence.contains(&link) {
            evidence.push(link);
        }
        let note: String = format!("Cooperation {cooperation} completed: {}", outcome.summary)
            .chars()
            .take(10_000)
            .collect();
        crate::reports::store::record_followup(
            conn,
            &rec,
            &NewFollowupRow {
                recommendation_id: rec.id,
                status: rec.status,
                progress_note: Some(note),
                evidence_urls: json!(evidence).to_string(),
                changed_by: by,
                changed_at: now,
            },
        )?;
        done.push(rec.id);
    }
    Ok(done)
}

/// Cancels the proposed cooperations of a need being withdrawn; agreed ones hold the need
/// (it is `in_cooperation` then, which cannot be withdrawn). Returns the cancelled ids.
pub(super) fn on_need_withdrawn(conn: &mut DbConn, need: &NeedRow) -> ApiResult<Vec<i64>> {
    let now = crate::time::now();
    let mut cancelled = Vec::new();
    for c in store::cooperations_of_need(conn, need.id)? {
        if c.status.is_active() {
            return Err(ApiError::conflict(
                "cooperation-active",
                "an agreed cooperation serves this need: its parties cancel it first",
                vec![format!("cooperation {} is {}", c.id, c.status.as_str())],
            ));
        }
        if c.status == CooperationStatus::Proposed {
            store::update_cooperation(
                conn,
                c.id,
                &CooperationChanges {
                    status: Some(CooperationStatus::Cancelled),
                    cancel_reason: Some("the need was withdrawn".into()),
                    revision: Some(c.revision + 1),
                    updated_at: Some(now),
                    ..CooperationChanges::default()
                },
            )?;
            cancelled.push(c.id);
        }
    }
    Ok(cancelled)
}

/// Agree to a proposed cooperation for one side: a focal point for its country's side, the
/// secretariat for the side it names. Once both sides have agreed it is `agreed` (and public
/// unless its need is confidential), and the need is `in_cooperation`.
#[utoipa::path(
    tag = "cooperation",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The cooperation's id")),
    request_body(content = Option<AgreeIn>, description = "The side (the secretariat must give it)"),
    responses(
        (status = 200, description = "Agreed by this side; `agreed` once both have", body = Cooperation),
        (status = 404, description = "No such cooperation, or not yours to see", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not proposed (`allowed` lists what is possible), the side has agreed already, or the need is no longer open", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The secretariat named no side", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/cooperations/{id}/agree")]
pub async fn agree_cooperation(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: MaybeBody<AgreeIn>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let side = body.into_inner()?.and_then(|b| b.side);
    act(
        req,
        state,
        principal,
        id.into_inner(),
        CooperationAction::Agree,
        Input::Side(side),
        pref,
    )
    .await
}

/// Start an agreed cooperation (its parties, the secretariat).
#[utoipa::path(
    tag = "cooperation",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The cooperation's id")),
    responses(
        (status = 200, description = "In progress", body = Cooperation),
        (status = 404, description = "No such cooperation, or not yours to see", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not agreed (`allowed` lists what is possible)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/cooperations/{id}/start")]
pub async fn start_cooperation(
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
        CooperationAction::Start,
        Input::None,
        pref,
    )
    .await
}

/// Complete a cooperation in progress with its outcome (its parties, the secretariat): the
/// need is met, and the outcome enters the follow-up history of the recommendations it served.
/// Only the receiving country rates.
#[utoipa::path(
    tag = "cooperation",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The cooperation's id")),
    request_body = CompleteIn,
    responses(
        (status = 200, description = "Completed", body = Cooperation),
        (status = 404, description = "No such cooperation, or not yours to see", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not in progress (`allowed` lists what is possible)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Every problem with the outcome", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/cooperations/{id}/complete")]
pub async fn complete_cooperation(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: Body<CompleteIn>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let outcome = std::sync::Arc::new(body.into_inner()?);
    act(
        req,
        state,
        principal,
        id.into_inner(),
        CooperationAction::Complete,
        Input::Complete(outcome),
        pref,
    )
    .await
}

/// Cancel a cooperation that has not completed, with a reason (its parties, the secretariat).
/// A need it held is open again.
#[utoipa::path(
    tag = "cooperation",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The cooperation's id")),
    request_body = CancelIn,
    responses(
        (status = 200, description = "Cancelled", body = Cooperation),
        (status = 404, description = "No such cooperation, or not yours to see", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Completed or cancelled already (`allowed` lists what is possible)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/cooperations/{id}/cancel")]
pub async fn cancel_cooperation(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: Body<CancelIn>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let reason = body.into_inner()?.reason;
    act(
        req,
        state,
        principal,
        id.into_inner(),
        CooperationAction::Cancel,
        Input::Cancel(reason),
        pref,
    )
    .await
}
