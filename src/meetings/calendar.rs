//! `GET /calendar.ics`: the mechanism's calendar for people's calendar applications
//! (iCalendar, RFC 5545): sessions, round milestones and, for a focal point, its country's due
//! dates.

use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{Duration, NaiveDate};
use icalendar::{Calendar, Component, Event, EventLike, EventStatus, Property};
use serde::Deserialize;
use utoipa::IntoParams;

use super::store::{self, Full, MeetingFilter};
use super::MeetingStatus;
use crate::auth::{MaybePrincipal, Principal, Role};
use crate::db::{self, DbConn};
use crate::error::ApiResult;
use crate::http::etag;
use crate::http::lang::Lang;
use crate::http::validate::Checks;
use crate::rounds::store::{RoundFilter, RoundRecord};
use crate::state::AppState;
use crate::statuses::RoundStatus;
use crate::time::utc;

/// The domain the calendar's UIDs are unique within.
const UID_DOMAIN: &str = "mecigep.oas.org";
/// How far back the calendar reaches by default.
const DEFAULT_DAYS_BACK: i64 = 365;
/// The most sessions or rounds one calendar carries.
const MOST: i64 = 2000;

/// What the calendar covers.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CalendarQuery {
    /// Sessions ending and milestones falling on or after this date (default a year ago).
    #[param(value_type = Option<NaiveDate>)]
    pub from: Option<String>,
}

struct Contents {
    meetings: Vec<Full>,
    rounds: Vec<RoundRecord>,
    /// The caller's country's `(round, due date, extended)` for its responses.
    due: Vec<(i64, NaiveDate, bool)>,
    civil_society: Vec<(i64, NaiveDate, NaiveDate)>,
}

fn read(conn: &mut DbConn, from: NaiveDate, p: Option<&Principal>) -> ApiResult<Contents> {
    let filter = MeetingFilter {
        from: Some(from),
        ..MeetingFilter::default()
    };
    let meetings = store::list(conn, &filter, None, MOST)?;
    let meetings = store::complete(conn, meetings)?;
    let rounds: Vec<RoundRecord> =
        crate::rounds::store::list(conn, &RoundFilter::default(), None, MOST)?
            .into_iter()
            .filter(|r| r.row.status != RoundStatus::Cancelled && r.row.ends_on >= from)
            .collect();
    let ids: Vec<i64> = rounds.iter().map(|r| r.row.id).collect();
    let civil_society = crate::civil_society::store::windows(conn, &ids)?
        .into_iter()
        .map(|w| (w.round_id, w.opens_on, w.closes_on))
        .collect();
    let focal_country = p
        .filter(|p| p.is(Role::MemberCountry))
        .and_then(|p| p.country.clone());
    let mut due = Vec::new();
    if let Some(c) = &focal_country {
        for part in crate::rounds::store::participations_of(conn, c)? {
            if let Some(r) = rounds.iter().find(|r| r.row.id == part.round_id) {
                let extended = part.due_on_extension.is_some();
                due.push((
                    r.row.id,
                    part.due_on_extension.unwrap_or(r.row.responses_due_on),
                    extended,
                ));
            }
        }
    }
    Ok(Contents {
        meetings,
        rounds,
        due,
        civil_society,
    })
}

fn all_day(
    uid: String,
    date: NaiveDate,
    summary: &str,
    stamp: chrono::DateTime<chrono::Utc>,
) -> Event {
    Event::new()
        .uid(&uid)
        .summary(summary)
        .starts(date)
        .ends(date.succ_opt().unwrap_or(date))
        .timestamp(stamp)
        .done()
}

fn round_name(r: &RoundRecord) -> String {
    let title = r
        .row
        .title
        .get(&Lang::En)
        .or_else(|| r.row.title.values().next())
        .cloned()
        .unwrap_or_default();
    format!("MECIGEP round {}: {title}", r.row.number)
}

fn build(c: Contents, from: NaiveDate, p: Option<&Principal>) -> String {
    let mut cal = Calendar::empty();
    cal.append_property(Property::new("VERSION", "2.0"));
    cal.append_property(Property::new("PRODID", "-//OAS//MECIGEP API//EN"));
    cal.append_property(Property::new("CALSCALE", "GREGORIAN"));
    cal.append_property(Property::new("METHOD", "PUBLISH"));
    cal.name("MECIGEP");
    for f in c.meetings {
        let m = &f.meeting;
        let mut description = Vec::new();
        for (item, decision) in &f.items {
            let mut line = format!("{}. {}", item.position, item.title);
            if let Some(d) = decision {
                line.push_str(&format!(" — {}", d.outcome.as_str()));
            }
            description.push(line);
        }
        let mut ev = Event::new();
        ev.uid(&format!("meeting-{}@{UID_DOMAIN}", m.id))
            .summary(&format!("{}: {}", m.body.label(), m.title))
            .starts(utc(m.starts_at))
            .ends(utc(m.ends_at))
            .timestamp(utc(m.updated_at))
            .last_modified(utc(m.updated_at))
            .sequence(u32::try_from(m.revision).unwrap_or(0))
            .status(match m.status {
                MeetingStatus::Cancelled => EventStatus::Cancelled,
                _ => EventStatus::Confirmed,
            });
        if !description.is_empty() {
            ev.description(&format!("Agenda:\n{}", description.join("\n")));
        }
        if let Some(place) = &m.place {
            ev.location(place);
        }
        // The link to join is for signed-in callers, as on `/meetings`.
        if let (Some(url), Some(_)) = (&m.online_url, p) {
            ev.url(url);
        }
        cal.push(ev.done());
    }
    for r in &c.rounds {
        let name = round_name(r);
        let stamp = utc(r.row.updated_at);
        let id = r.row.id;
        for (what, date) in [
            ("opens", r.row.starts_on),
            ("responses-due", r.row.responses_due_on),
            ("ends", r.row.ends_on),
        ] {
            if date < from {
                continue;
            }
            let label = match what {
                "opens" => "opens",
                "responses-due" => "questionnaire responses due",
                _ => "ends",
            };
            cal.push(all_day(
                format!("round-{id}-{what}@{UID_DOMAIN}"),
                date,
                &format!("{name} — {label}"),
                stamp,
            ));
        }
        if let Some((_, opens, closes)) = c.civil_society.iter().find(|w| w.0 == id) {
            for (what, date) in [("opens", *opens), ("closes", *closes)] {
                if date >= from {
                    cal.push(all_day(
                        format!("round-{id}-civil-society-{what}@{UID_DOMAIN}"),
                        date,
                        &format!("{name} — civil society's input {what}"),
                        stamp,
                    ));
                }
            }
        }
        if let Some((_, date, extended)) = c.due.iter().find(|d| d.0 == id) {
            if *date >= from {
                let country = p.and_then(|p| p.country.clone()).unwrap_or_default();
                let note = if *extended { " (extended)" } else { "" };
                cal.push(all_day(
                    format!("round-{id}-due-{country}@{UID_DOMAIN}"),
                    *date,
                    &format!("{name} — {country}'s responses due{note}"),
                    stamp,
                ));
            }
        }
    }
    cal.done().to_string()
}

/// The mechanism's calendar as iCalendar (RFC 5545), for calendar applications: its sessions
/// (cancelled ones marked so; the link to join for signed-in callers), each round's opening,
/// response deadline and end, civil society's input windows, and, for a focal point, its
/// country's own response deadline (with any extension). Each entry keeps its `UID`, and a
/// session's `SEQUENCE` moves with it, so calendars update in place.
#[utoipa::path(
    tag = "meetings",
    params(CalendarQuery),
    responses(
        (status = 200, description = "The calendar", content_type = "text/calendar", body = String, headers(("ETag" = String))),
        (status = 304, description = "The copy held is current"),
        (status = 400, description = "`from` is not a date", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/calendar.ics")]
pub async fn calendar(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: MaybePrincipal,
    query: web::Query<CalendarQuery>,
) -> ApiResult<HttpResponse> {
    let mut checks = Checks::new();
    let from = match query.from.as_deref() {
        Some(d) => checks.date("from", d),
        None => None,
    }
    .unwrap_or_else(|| crate::time::today() - Duration::days(DEFAULT_DAYS_BACK));
    checks.finish_query()?;
    let p = caller.0;
    let who = p.clone();
    let contents = db::run(&state.pool, move |conn| read(conn, from, who.as_ref())).await?;
    let text = build(contents, from, p.as_ref());
    let tag = etag::of_bytes(text.as_bytes());
    if etag::none_match_hits(&req, &tag) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, tag))
            .finish());
    }
    Ok(HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header((header::ETAG, tag))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            "inline; filename=\"mecigep.ics\"",
        ))
        .body(text))
}
