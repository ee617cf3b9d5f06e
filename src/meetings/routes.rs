//! `/meetings` and `/meetings/{id}`: sessions, public to read (the link to join is for
//! signed-in callers), scheduled and changed by the secretariat.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use serde_json::{json, Map};

use super::api::{
    AgendaItem, Attendance, Decision, Meeting, MeetingPatch, MeetingQuery, NewMeeting,
};
use super::store::{self, Full, MeetingChanges, MeetingFilter, MeetingRow, NewMeetingRow};
use super::{MeetingAction, MeetingBody, MeetingMode, MeetingStatus};
use crate::audit::AuditCtx;
use crate::auth::{policy, MaybePrincipal, Principal, Role};
use crate::db::{self, DbConn};
use crate::documents::rules::DocumentKind;
use crate::error::{ApiError, ApiResult};
use crate::events::{Audience, Scope};
use crate::http::body::Body;
use crate::http::etag;
use crate::http::pagination::{page_response, Page, PageParams};
use crate::http::validate::Checks;
use crate::state::AppState;
use crate::time::utc;

/// Sessions are public: every event about one is.
pub fn scope(row: &MeetingRow) -> Scope {
    let s = Scope::new(Audience::Public, None);
    match row.round_id {
        Some(r) => s.in_round(r),
        None => s,
    }
}

pub fn render(full: Full, p: Option<&Principal>) -> Meeting {
    let m = full.meeting;
    let secretariat = p.is_some_and(|p| p.is(Role::Secretariat));
    Meeting {
        id: m.id,
        body: m.body,
        round: m.round_id,
        title: m.title,
        starts_at: utc(m.starts_at),
        ends_at: utc(m.ends_at),
        mode: m.mode,
        place: m.place,
        online_url: m.online_url.filter(|_| p.is_some()),
        status: m.status,
        allowed_actions: if secretariat {
            crate::lifecycle::allowed::<MeetingAction>(m.status)
                .into_iter()
                .map(str::to_owned)
                .collect()
        } else {
            Vec::new()
        },
        cancel_reason: m.cancel_reason,
        minutes_document: m.minutes_document_id,
        agenda: full
            .items
            .into_iter()
            .map(|(i, d)| AgendaItem {
                id: i.id,
                position: i.position,
                outcomes: i.kind.outcomes().to_vec(),
                kind: i.kind,
                title: i.title,
                report: i.report_id,
                questionnaire: i.questionnaire_id,
                document: i.document_id,
                decision: d.map(|d| Decision {
                    id: d.id,
                    agenda_item: d.agenda_item_id,
                    outcome: d.outcome,
                    text: d.text,
                    recorded_at: utc(d.recorded_at),
                }),
            })
            .collect(),
        attendance: full
            .attendance
            .into_iter()
            .map(|a| Attendance {
                country: a.country,
                status: a.status,
                delegates: a.delegates,
            })
            .collect(),
        revision: m.revision,
        created_at: utc(m.created_at),
        updated_at: utc(m.updated_at),
    }
}

/// The meeting `id` with its agenda and attendance (404 when there is none).
pub fn load(conn: &mut DbConn, id: i64) -> ApiResult<Full> {
    store::find_full(conn, id)?.ok_or_else(|| ApiError::not_found(format!("no meeting {id}")))
}

/// One meeting as JSON with its ETag.
pub fn respond(req: &HttpRequest, full: Full, p: Option<&Principal>) -> ApiResult<HttpResponse> {
    let body = render(full, p);
    etag::versioned_json(
        req,
        etag::Entity("meeting", body.id),
        body.revision,
        &body,
        None,
    )
}

/// The meeting `id` locked for a write, with its `If-Match` checked.
pub fn lock(conn: &mut DbConn, id: i64, if_match: Option<&str>) -> ApiResult<MeetingRow> {
    db::lock_id(conn, "meetings", id)?;
    let row =
        store::find(conn, id)?.ok_or_else(|| ApiError::not_found(format!("no meeting {id}")))?;
    etag::check_revision(if_match, etag::Entity("meeting", id), row.revision)?;
    Ok(row)
}

/// Whether the session has begun: decisions, attendance and holding wait for it.
pub fn require_started(row: &MeetingRow) -> ApiResult<()> {
    if row.starts_at > crate::time::now() {
        return Err(ApiError::conflict(
            "meeting-not-started",
            format!(
                "the session begins at {}; its decisions and attendance are recorded from then",
                utc(row.starts_at).to_rfc3339()
            ),
            vec![],
        ));
    }
    Ok(())
}

/// Where a session is, as given: in person needs a place, virtual a link, hybrid both.
struct Venue {
    mode: MeetingMode,
    place: Option<String>,
    online_url: Option<String>,
}

fn check_venue(checks: &mut Checks, v: &Venue) {
    if v.mode != MeetingMode::Virtual && v.place.is_none() {
        checks.add(
            "place",
            "required",
            "an in-person or hybrid session needs a place",
        );
    }
    if v.mode != MeetingMode::InPerson && v.online_url.is_none() {
        checks.add(
            "online_url",
            "required",
            "a virtual or hybrid session needs a link",
        );
    }
}

fn check_times(
    checks: &mut Checks,
    starts: Option<chrono::NaiveDateTime>,
    ends: Option<chrono::NaiveDateTime>,
) {
    if let (Some(s), Some(e)) = (starts, ends) {
        if e <= s {
            checks.add("ends_at", "order", "must be after starts_at");
        } else if e - s > chrono::Duration::days(31) {
            checks.add("ends_at", "too_long", "a session lasts at most 31 days");
        }
    }
}

/// The mechanism's sessions, in the order they start (anyone; the link to join for signed-in
/// callers). Filters: `body`, `round`, `status`, `from` (ending on or after), `to` (starting on
/// or before).
#[utoipa::path(
    tag = "meetings",
    params(MeetingQuery, PageParams),
    responses(
        (status = 200, description = "A page of sessions", body = inline(Page<Meeting>), headers(("Link" = String, description = "rel=\"next\""))),
        (status = 400, description = "A filter or the cursor is invalid", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/meetings")]
pub async fn list_meetings(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: MaybePrincipal,
    query: web::Query<MeetingQuery>,
    page: web::Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let mut checks = Checks::new();
    let filter = MeetingFilter {
        body: query.body.as_deref().and_then(|b| {
            checks.one_of(
                "body",
                b,
                MeetingBody::parse,
                "group_of_member_countries, committee_of_experts",
            )
        }),
        round: query
            .round
            .as_deref()
            .and_then(|r| checks.integer("round", Some(r))),
        status: query.status.as_deref().and_then(|s| {
            checks.one_of(
                "status",
                s,
                MeetingStatus::parse,
                "scheduled, held, cancelled",
            )
        }),
        from: query.from.as_deref().and_then(|d| checks.date("from", d)),
        to: query.to.as_deref().and_then(|d| checks.date("to", d)),
    };
    let page = page.parse::<(chrono::NaiveDateTime, i64)>(&mut checks.errors);
    checks.finish_query()?;
    let limit = page.limit;
    let rows = db::run(&state.pool, move |conn| {
        let rows = store::list(conn, &filter, page.after, limit)?;
        Ok(store::complete(conn, rows)?)
    })
    .await?;
    let p = caller.0;
    let page = Page::from_rows(
        rows,
        limit,
        |f| (f.meeting.starts_at, f.meeting.id),
        |f| render(f, p.as_ref()),
    );
    page_response(&req, &page, None)
}

/// One session with its agenda, decisions and attendance (anyone).
#[utoipa::path(
    tag = "meetings",
    params(("id" = i64, Path, description = "The session's id")),
    responses(
        (status = 200, description = "The session", body = Meeting, headers(("ETag" = String))),
        (status = 404, description = "No such session", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/meetings/{id}")]
pub async fn get_meeting(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: MaybePrincipal,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let full = db::run(&state.pool, move |conn| load(conn, id)).await?;
    respond(&req, full, caller.0.as_ref())
}

/// Schedule a session (secretariat).
#[utoipa::path(
    tag = "meetings",
    security(("bearer" = [])),
    request_body = NewMeeting,
    responses(
        (status = 201, description = "Scheduled", body = Meeting, headers(("Location" = String))),
        (status = 422, description = "Every problem with the session", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/meetings")]
pub async fn create_meeting(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    body: Body<NewMeeting>,
) -> ApiResult<HttpResponse> {
    policy::manage_meetings(Some(&principal))?;
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let body = body.into_inner()?;
    let me = principal.user_id;
    let full = db::run_tx(&state.pool, move |conn| {
        let mut checks = Checks::new();
        let title = checks.text("title", &body.title, 1, 300);
        let starts = checks.instant("starts_at", &body.starts_at);
        let ends = checks.instant("ends_at", &body.ends_at);
        check_times(&mut checks, starts, ends);
        let venue = Venue {
            mode: body.mode,
            place: body
                .place
                .as_deref()
                .map(|p| checks.text("place", p, 1, 300)),
            online_url: body
                .online_url
                .as_deref()
                .map(|u| checks.url("online_url", u)),
        };
        check_venue(&mut checks, &venue);
        if let Some(r) = body.round {
            if crate::rounds::store::find(conn, r)?.is_none() {
                checks.add("round", "unknown", format!("no round {r}"));
            }
        }
        checks.finish()?;
        let (Some(starts_at), Some(ends_at)) = (starts, ends) else {
            return Err(ApiError::internal("checked times are missing"));
        };
        let now = crate::time::now();
        let id = store::insert(
            conn,
            &NewMeetingRow {
                body: body.body,
                round_id: body.round,
                title,
                starts_at,
                ends_at,
                mode: venue.mode,
                place: venue.place,
                online_url: venue.online_url,
                created_by: Some(me),
                created_at: now,
                updated_at: now,
            },
        )?;
        audit.record(
            conn,
            "meeting.create",
            "meeting",
            id,
            json!({"body": body.body, "starts_at": utc(starts_at)}),
        )?;
        let full = load(conn, id)?;
        emit(conn, &audit, &full.meeting, "meeting.scheduled", Map::new())?;
        Ok(full)
    })
    .await?;
    let location = format!("/api/v1/meetings/{}", full.meeting.id);
    crate::http::created(respond(&req, full, Some(&principal))?, &location)
}

/// One event about a meeting, public.
pub fn emit(
    conn: &mut DbConn,
    audit: &AuditCtx,
    row: &MeetingRow,
    event_type: &'static str,
    mut payload: Map<String, serde_json::Value>,
) -> ApiResult<()> {
    payload.insert("body".into(), json!(row.body));
    payload.insert("starts_at".into(), json!(utc(row.starts_at)));
    crate::events::emit(
        conn,
        audit,
        crate::events::Event {
            event_type,
            entity_type: "meeting",
            entity_id: row.id.to_string(),
            scope: scope(row),
            payload: serde_json::Value::Object(payload),
        },
    )?;
    Ok(())
}

/// Change a session (secretariat; honours `If-Match`): while scheduled, its title, times and
/// venue; once held, only its minutes; a cancelled session no longer changes.
#[utoipa::path(
    tag = "meetings",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The session's id"), ("If-Match" = Option<String>, Header, description = "The ETag read")),
    request_body = MeetingPatch,
    responses(
        (status = 200, description = "Changed", body = Meeting),
        (status = 404, description = "No such session", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Cancelled, or held and the change is not the minutes", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Every problem with the change", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/meetings/{id}")]
pub async fn patch_meeting(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: Body<MeetingPatch>,
) -> ApiResult<HttpResponse> {
    policy::manage_meetings(Some(&principal))?;
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let if_match = etag::if_match_values(&req);
    let id = id.into_inner();
    let patch = body.into_inner()?;
    let full = db::run_tx(&state.pool, move |conn| {
        let row = lock(conn, id, if_match.as_deref())?;
        let schedule_changes = patch.title.is_some()
            || patch.starts_at.is_some()
            || patch.ends_at.is_some()
            || patch.mode.is_some()
            || patch.place.is_some()
            || patch.online_url.is_some();
        match row.status {
            MeetingStatus::Cancelled => {
                return Err(ApiError::conflict(
                    "meeting-cancelled",
                    "a cancelled session no longer changes",
                    vec![],
                ))
            }
            MeetingStatus::Held if schedule_changes => return Err(ApiError::conflict(
                "meeting-held",
                "a session that was held keeps its title, times and venue; only its minutes change",
                vec![],
            )),
            _ => {}
        }
        let mut checks = Checks::new();
        let title = patch
            .title
            .as_deref()
            .map(|t| checks.text("title", t, 1, 300));
        let starts = patch
            .starts_at
            .as_deref()
            .map(|s| checks.instant("starts_at", s));
        let ends = patch
            .ends_at
            .as_deref()
            .map(|s| checks.instant("ends_at", s));
        check_times(
            &mut checks,
            starts.unwrap_or(Some(row.starts_at)),
            ends.unwrap_or(Some(row.ends_at)),
        );
        let place = patch
            .place
            .as_ref()
            .map(|p| p.as_deref().map(|p| checks.text("place", p, 1, 300)));
        let online_url = patch
            .online_url
            .as_ref()
            .map(|u| u.as_deref().map(|u| checks.url("online_url", u)));
        let venue = Venue {
            mode: patch.mode.unwrap_or(row.mode),
            place: place.clone().unwrap_or(row.place.clone()),
            online_url: online_url.clone().unwrap_or(row.online_url.clone()),
        };
        check_venue(&mut checks, &venue);
        if let Some(Some(doc)) = patch.minutes_document {
            match crate::documents::store::find_document(conn, doc)? {
                None => checks.add("minutes_document", "unknown", format!("no document {doc}")),
                Some(d) if d.kind != DocumentKind::MeetingMinutes => checks.add(
                    "minutes_document",
                    "kind",
                    "must be a library document of kind meeting_minutes",
                ),
                Some(_) => {}
            }
        }
        checks.finish()?;
        let changes = MeetingChanges {
            title,
            starts_at: starts.flatten(),
            ends_at: ends.flatten(),
            mode: patch.mode,
            place,
            online_url,
            minutes_document_id: patch.minutes_document,
            revision: Some(row.revision + 1),
            updated_at: Some(crate::time::now()),
            ..MeetingChanges::default()
        };
        if store::update(conn, id, row.revision, &changes)? == 0 {
            return Err(ApiError::PreconditionFailed(
                "the session changed while this write was prepared; read it again".into(),
            ));
        }
        let changed: Vec<&str> = [
            ("title", changes.title.is_some()),
            ("starts_at", changes.starts_at.is_some()),
            ("ends_at", changes.ends_at.is_some()),
            ("mode", changes.mode.is_some()),
            ("place", changes.place.is_some()),
            ("online_url", changes.online_url.is_some()),
            ("minutes_document", changes.minutes_document_id.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, given)| given.then_some(name))
        .collect();
        audit.record(
            conn,
            "meeting.update",
            "meeting",
            id,
            json!({"fields": changed}),
        )?;
        let full = load(conn, id)?;
        let mut payload = Map::new();
        payload.insert("fields".into(), json!(changed));
        emit(conn, &audit, &full.meeting, "meeting.updated", payload)?;
        Ok(full)
    })
    .await?;
    respond(&req, full, Some(&principal))
}
