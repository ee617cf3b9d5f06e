//! A session's agenda items, the decisions taken on them, and its attendance. Each write moves
//! the session's revision, so its ETag and `If-Match` see the change.

use actix_web::{delete, get, post, put, web, HttpRequest, HttpResponse};
use serde_json::{json, Map};

use super::api::{AgendaList, AttendanceIn, DecisionIn, DecisionList, Meeting, NewAgendaItem};
use super::routes::{emit, load, lock, require_started, respond};
use super::store::{self, AttendanceRow, DecisionRow, MeetingRow, NewItemRow};
use super::{AgendaItemKind, DecisionOutcome, MeetingBody, MeetingStatus};
use crate::audit::AuditCtx;
use crate::auth::{policy, MaybePrincipal, Principal};
use crate::db::{self, DbConn};
use crate::error::{ApiError, ApiResult};
use crate::http::body::Body;
use crate::http::etag;
use crate::http::validate::Checks;
use crate::state::AppState;
use crate::statuses::ReportStatus;

fn require_scheduled(row: &MeetingRow) -> ApiResult<()> {
    if row.status != MeetingStatus::Scheduled {
        return Err(ApiError::conflict(
            "meeting-not-scheduled",
            format!(
                "the session is {}; its agenda no longer changes",
                row.status.as_str()
            ),
            vec![],
        ));
    }
    Ok(())
}

fn require_not_cancelled(row: &MeetingRow) -> ApiResult<()> {
    if row.status == MeetingStatus::Cancelled {
        return Err(ApiError::conflict(
            "meeting-cancelled",
            "the session was cancelled",
            vec![],
        ));
    }
    Ok(())
}

/// Moves the session's revision on after a change to what hangs from it.
fn touched(conn: &mut DbConn, row: &MeetingRow) -> ApiResult<()> {
    if store::touch(conn, row)? == 0 {
        return Err(ApiError::PreconditionFailed(
            "the session changed while this write was prepared; read it again".into(),
        ));
    }
    Ok(())
}

/// Checks what an item refers to: exactly the reference its kind takes, existing, and for a
/// report's adoption one not adopted yet on a Committee of Experts' session.
fn check_item(
    conn: &mut DbConn,
    checks: &mut Checks,
    meeting: &MeetingRow,
    item: &NewAgendaItem,
) -> ApiResult<()> {
    let refs = [
        ("report", item.report, AgendaItemKind::ReportAdoption),
        (
            "questionnaire",
            item.questionnaire,
            AgendaItemKind::QuestionnaireApproval,
        ),
        ("document", item.document, AgendaItemKind::Document),
    ];
    for (field, given, kind) in refs {
        match (given.is_some(), item.kind == kind) {
            (false, true) => checks.add(
                field,
                "required",
                format!("a {} item names its {field}", kind.as_str()),
            ),
            (true, false) => checks.add(
                field,
                "not_allowed",
                format!("only a {} item names a {field}", kind.as_str()),
            ),
            _ => {}
        }
    }
    if let Some(r) = item.report {
        match crate::reports::store::find_report(conn, r)? {
            None => checks.add("report", "unknown", format!("no report {r}")),
            Some(rep) if rep.status.frozen() => checks.add(
                "report",
                "adopted",
                format!("report {r} is adopted already"),
            ),
            Some(_) => {}
        }
        if item.kind == AgendaItemKind::ReportAdoption
            && meeting.body != MeetingBody::CommitteeOfExperts
        {
            checks.add(
                "kind",
                "body",
                "reports are adopted by the Committee of Experts; schedule this on its session",
            );
        }
    }
    if let Some(q) = item.questionnaire {
        if crate::questionnaires::store::find(conn, q)?.is_none() {
            checks.add("questionnaire", "unknown", format!("no questionnaire {q}"));
        }
    }
    if let Some(d) = item.document {
        if crate::documents::store::find_document(conn, d)?.is_none() {
            checks.add("document", "unknown", format!("no document {d}"));
        }
    }
    Ok(())
}

/// The session's agenda as the caller reads it, each item with its decision.
async fn agenda(
    state: &AppState,
    caller: MaybePrincipal,
    id: i64,
) -> ApiResult<Vec<super::api::AgendaItem>> {
    let full = db::run(&state.pool, move |conn| load(conn, id)).await?;
    Ok(super::routes::render(full, caller.0.as_ref()).agenda)
}

/// A session's agenda, in order, each item with the decision taken on it (anyone).
#[utoipa::path(
    tag = "meetings",
    params(("id" = i64, Path, description = "The session's id")),
    responses(
        (status = 200, description = "The agenda", body = AgendaList),
        (status = 404, description = "No such session", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/meetings/{id}/agenda-items")]
pub async fn list_items(
    state: web::Data<AppState>,
    caller: MaybePrincipal,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let data = agenda(&state, caller, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(AgendaList { data }))
}

/// The decisions a session took, in the agenda's order (anyone).
#[utoipa::path(
    tag = "meetings",
    params(("id" = i64, Path, description = "The session's id")),
    responses(
        (status = 200, description = "The decisions", body = DecisionList),
        (status = 404, description = "No such session", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/meetings/{id}/decisions")]
pub async fn list_decisions(
    state: web::Data<AppState>,
    caller: MaybePrincipal,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let data = agenda(&state, caller, id.into_inner())
        .await?
        .into_iter()
        .filter_map(|i| i.decision)
        .collect();
    Ok(HttpResponse::Ok().json(DecisionList { data }))
}

/// Add an item at the end of a scheduled session's agenda (secretariat; honours `If-Match`).
#[utoipa::path(
    tag = "meetings",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The session's id"), ("If-Match" = Option<String>, Header, description = "The ETag read")),
    request_body = NewAgendaItem,
    responses(
        (status = 201, description = "The session with the item added", body = Meeting, headers(("Location" = String))),
        (status = 404, description = "No such session", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The session is held or cancelled", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Every problem with the item", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/meetings/{id}/agenda-items")]
pub async fn add_item(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: Body<NewAgendaItem>,
) -> ApiResult<HttpResponse> {
    policy::manage_meetings(Some(&principal))?;
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let if_match = etag::if_match_values(&req);
    let id = id.into_inner();
    let item = body.into_inner()?;
    let (full, item_id) = db::run_tx(&state.pool, move |conn| {
        let row = lock(conn, id, if_match.as_deref())?;
        require_scheduled(&row)?;
        let mut checks = Checks::new();
        let title = checks.text("title", &item.title, 1, 300);
        check_item(conn, &mut checks, &row, &item)?;
        checks.finish()?;
        let position = store::next_position(conn, id)?;
        let item_id = store::insert_item(
            conn,
            &NewItemRow {
                meeting_id: id,
                position,
                kind: item.kind,
                title,
                report_id: item.report,
                questionnaire_id: item.questionnaire,
                document_id: item.document,
                created_at: crate::time::now(),
            },
        )?;
        touched(conn, &row)?;
        let summary = json!({"item": item_id, "kind": item.kind, "report": item.report,
            "questionnaire": item.questionnaire, "document": item.document});
        audit.record(conn, "meeting.agenda_add", "meeting", id, summary.clone())?;
        let full = load(conn, id)?;
        let mut payload = Map::new();
        payload.insert("added".into(), summary);
        emit(
            conn,
            &audit,
            &full.meeting,
            "meeting.agenda_changed",
            payload,
        )?;
        Ok((full, item_id))
    })
    .await?;
    let location = format!("/api/v1/meetings/{id}#agenda-item-{item_id}");
    crate::http::created(respond(&req, full, Some(&principal))?, &location)
}

/// Remove an item from a scheduled session's agenda (secretariat; honours `If-Match`).
#[utoipa::path(
    tag = "meetings",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "The session's id"),
        ("item" = i64, Path, description = "The agenda item's id"),
        ("If-Match" = Option<String>, Header, description = "The ETag read"),
    ),
    responses(
        (status = 200, description = "The session without the item", body = Meeting),
        (status = 404, description = "No such session or item", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The session is held or cancelled", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/meetings/{id}/agenda-items/{item}")]
pub async fn delete_item(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(i64, i64)>,
) -> ApiResult<HttpResponse> {
    policy::manage_meetings(Some(&principal))?;
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let if_match = etag::if_match_values(&req);
    let (id, item) = path.into_inner();
    let full = db::run_tx(&state.pool, move |conn| {
        let row = lock(conn, id, if_match.as_deref())?;
        let Some(found) = store::find_item(conn, id, item)? else {
            return Err(ApiError::not_found(format!(
                "session {id} has no agenda item {item}"
            )));
        };
        // A scheduled session has no decision yet (decisions wait for it to begin, and a
        // session that began with decisions cannot be cancelled): its items go freely.
        require_scheduled(&row)?;
        if store::decision_of(conn, item)?.is_some() {
            return Err(ApiError::conflict(
                "item-decided",
                "a decision is recorded on this item",
                vec![],
            ));
        }
        store::delete_item(conn, item)?;
        touched(conn, &row)?;
        let summary = json!({"item": item, "kind": found.kind});
        audit.record(
            conn,
            "meeting.agenda_remove",
            "meeting",
            id,
            summary.clone(),
        )?;
        let full = load(conn, id)?;
        let mut payload = Map::new();
        payload.insert("removed".into(), summary);
        emit(
            conn,
            &audit,
            &full.meeting,
            "meeting.agenda_changed",
            payload,
        )?;
        Ok(full)
    })
    .await?;
    respond(&req, full, Some(&principal))
}

/// Record the decision the session took on an agenda item (secretariat), once the session has
/// begun and unless it was cancelled; one decision per item. `adopted` on a report's adoption
/// adopts the report through its own lifecycle (it must be under review), dated the session's
/// first day and naming the session.
#[utoipa::path(
    tag = "meetings",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "The session's id"),
        ("item" = i64, Path, description = "The agenda item's id"),
    ),
    request_body = DecisionIn,
    responses(
        (status = 201, description = "The session with the decision", body = Meeting, headers(("Location" = String))),
        (status = 404, description = "No such session or item", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Cancelled or not begun, the item is decided, or the report is not under review", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "An outcome this item cannot take, or the text is too long", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/meetings/{id}/agenda-items/{item}/decision")]
pub async fn record_decision(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(i64, i64)>,
    body: Body<DecisionIn>,
) -> ApiResult<HttpResponse> {
    policy::manage_meetings(Some(&principal))?;
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let (id, item) = path.into_inner();
    let input = body.into_inner()?;
    let by = principal.user_id;
    let who = principal.clone();
    let full = db::run_tx(&state.pool, move |conn| {
        let row = lock(conn, id, None)?;
        let Some(found) = store::find_item(conn, id, item)? else {
            return Err(ApiError::not_found(format!(
                "session {id} has no agenda item {item}"
            )));
        };
        require_not_cancelled(&row)?;
        require_started(&row)?;
        if store::decision_of(conn, item)?.is_some() {
            return Err(ApiError::conflict(
                "item-decided",
                "a decision is recorded on this item already",
                vec![],
            ));
        }
        let mut checks = Checks::new();
        let text = checks.text("text", input.text.as_deref().unwrap_or(""), 0, 2000);
        let outcomes = found.kind.outcomes();
        if !outcomes.contains(&input.outcome) {
            let names: Vec<&str> = outcomes.iter().map(|o| o.as_str()).collect();
            checks.add(
                "outcome",
                "not_allowed",
                format!(
                    "items of kind {} take {}",
                    found.kind.as_str(),
                    names.join(", ")
                ),
            );
        }
        checks.finish()?;
        if let (Some(report), DecisionOutcome::Adopted) = (found.report_id, input.outcome) {
            adopt_report(conn, &who, &audit, &row, report, &text)?;
        }
        let decision = store::insert_decision(
            conn,
            &DecisionRow {
                id: 0,
                meeting_id: id,
                agenda_item_id: item,
                outcome: input.outcome,
                text,
                recorded_by: Some(by),
                recorded_at: crate::time::now(),
            },
        )?;
        touched(conn, &row)?;
        let summary = json!({"item": item, "decision": decision, "outcome": input.outcome,
            "report": found.report_id, "questionnaire": found.questionnaire_id,
            "document": found.document_id});
        audit.record(conn, "meeting.decide", "meeting", id, summary.clone())?;
        let full = load(conn, id)?;
        let Some(payload) = summary.as_object().cloned() else {
            return Err(ApiError::internal("a decision's summary is an object"));
        };
        emit(
            conn,
            &audit,
            &full.meeting,
            "meeting.decision_recorded",
            payload,
        )?;
        Ok(full)
    })
    .await?;
    let location = format!("/api/v1/meetings/{id}#agenda-item-{item}");
    crate::http::created(respond(&req, full, Some(&principal))?, &location)
}

/// Adopts `report` by the session's decision: the report's own lifecycle, dated the session's
/// first day (UTC), its note the decision's text, naming the session.
fn adopt_report(
    conn: &mut DbConn,
    principal: &Principal,
    audit: &AuditCtx,
    meeting: &MeetingRow,
    report: i64,
    text: &str,
) -> ApiResult<()> {
    use crate::reports::actions::{transition, Transition};
    let current = crate::reports::store::find_report(conn, report)?;
    if let Some(r) = current.filter(|r| r.status != ReportStatus::UnderReview) {
        return Err(ApiError::conflict(
            "report-not-under-review",
            format!(
                "report {report} is {}; the Committee adopts a report under review",
                r.status.as_str()
            ),
            vec![],
        ));
    }
    let adopt = crate::reports::api::AdoptIn {
        decision_date: meeting.starts_at.date().to_string(),
        note: (!text.is_empty()).then(|| text.to_owned()),
    };
    transition(
        conn,
        principal,
        audit,
        Transition {
            id: report,
            action: crate::reports::rules::ReportAction::Adopt,
            adopt: Some(adopt),
            reason: None,
            meeting: Some(meeting.id),
            if_match: None,
        },
    )?;
    Ok(())
}

/// Record attendance by country (secretariat; honours `If-Match`), once the session has begun
/// and unless it was cancelled; replaces what was recorded.
#[utoipa::path(
    tag = "meetings",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The session's id"), ("If-Match" = Option<String>, Header, description = "The ETag read")),
    request_body = AttendanceIn,
    responses(
        (status = 200, description = "The session with its attendance", body = Meeting),
        (status = 404, description = "No such session", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Cancelled or not begun", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unknown or repeated country, or delegates out of range", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/meetings/{id}/attendance")]
pub async fn put_attendance(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: Body<AttendanceIn>,
) -> ApiResult<HttpResponse> {
    policy::manage_meetings(Some(&principal))?;
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let if_match = etag::if_match_values(&req);
    let id = id.into_inner();
    let input = body.into_inner()?;
    let full = db::run_tx(&state.pool, move |conn| {
        let row = lock(conn, id, if_match.as_deref())?;
        require_not_cancelled(&row)?;
        require_started(&row)?;
        let mut checks = Checks::new();
        let mut rows: Vec<AttendanceRow> = Vec::new();
        for (i, a) in input.countries.iter().enumerate() {
            let code = a.country.trim().to_ascii_uppercase();
            if crate::countries::store::find(conn, &code)?.is_none() {
                checks.add(
                    &format!("countries[{i}].country"),
                    "unknown",
                    format!("no country {code}"),
                );
            } else if rows.iter().any(|r| r.country == code) {
                checks.add(
                    &format!("countries[{i}].country"),
                    "repeated",
                    format!("{code} is listed twice"),
                );
            }
            if a.delegates.is_some_and(|d| !(0..=100).contains(&d)) {
                checks.add(
                    &format!("countries[{i}].delegates"),
                    "range",
                    "must be from 0 to 100",
                );
            }
            rows.push(AttendanceRow {
                meeting_id: id,
                country: code,
                status: a.status,
                delegates: a.delegates,
            });
        }
        checks.finish()?;
        store::replace_attendance(conn, id, &rows)?;
        touched(conn, &row)?;
        let present = rows
            .iter()
            .filter(|r| r.status == super::AttendanceStatus::Present)
            .count();
        audit.record(
            conn,
            "meeting.attendance",
            "meeting",
            id,
            json!({"countries": rows.len(), "present": present}),
        )?;
        let full = load(conn, id)?;
        let mut payload = Map::new();
        payload.insert("present".into(), json!(present));
        emit(
            conn,
            &audit,
            &full.meeting,
            "meeting.attendance_recorded",
            payload,
        )?;
        Ok(full)
    })
    .await?;
    respond(&req, full, Some(&principal))
}
