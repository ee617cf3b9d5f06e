//! `GET /events`: the change feed, as the caller may read it.

use std::time::{Duration, Instant};

use actix_web::{get, web, HttpResponse};
use serde_json::json;

use super::api::{EventFeed, EventOut, FeedParams};
use super::catalog::{TypePattern, EVENT_TYPES};
use super::store::{self, EventRow, FeedFilter, Viewer};
use crate::auth::{MaybePrincipal, Principal, Role};
use crate::db::{self, DbConn};
use crate::error::{ApiError, ApiResult};
use crate::http::pagination::{decode_cursor, encode_cursor};
use crate::http::validate::Checks;
use crate::state::AppState;
use crate::time::utc;

/// The longest a feed read waits for an event.
pub const MAX_WAIT_SECS: i64 = 30;
/// How often a waiting read looks again: events written through any instance show within this.
const POLL: Duration = Duration::from_millis(200);

/// What `p` reads of the feed: an expert's assigned reviews are looked up here.
pub fn viewer(conn: &mut DbConn, p: Option<&Principal>) -> diesel::QueryResult<Viewer> {
    Ok(match p {
        None => Viewer::Anonymous,
        Some(p) => match p.role {
            Role::Secretariat => Viewer::Secretariat,
            Role::MemberCountry => match &p.country {
                Some(c) => Viewer::Member(c.clone()),
                None => Viewer::Anonymous,
            },
            Role::Expert => Viewer::Expert {
                assigned: match &p.country {
                    Some(c) => crate::reports::conflicts::assignments_of(conn, p.user_id, c)?,
                    None => Vec::new(),
                },
                country: p.country.clone(),
            },
        },
    })
}

/// The path of an event's entity, where it has one of its own.
fn entity_path(entity_type: &str, id: &str) -> Option<String> {
    let collection = match entity_type {
        "experience" => "experiences",
        "round" => "rounds",
        "questionnaire" => "questionnaires",
        "response" => "responses",
        "report" => "reports",
        "recommendation" => "recommendations",
        "need" => "needs",
        "offer" => "offers",
        "cooperation" => "cooperations",
        "webhook" => "webhooks",
        _ => return None,
    };
    Some(format!("/api/v1/{collection}/{id}"))
}

/// An event as `p` sees it.
pub fn render(row: EventRow, p: Option<&Principal>) -> EventOut {
    let shows_actor = p.is_some_and(|p| p.is(Role::Secretariat) || Some(p.user_id) == row.actor_id);
    EventOut {
        entity_path: entity_path(&row.entity_type, &row.entity_id),
        id: row.id,
        event_type: row.event_type,
        entity_type: row.entity_type,
        entity_id: row.entity_id,
        country: row.country,
        other_country: row.other_country,
        round: row.round_id,
        audience: row.audience,
        actor_role: row.actor_role,
        actor: if shows_actor { row.actor_id } else { None },
        at: utc(row.at),
        payload: row.payload.0,
    }
}

/// Where a read starts.
#[derive(Debug, Clone, Copy)]
enum Start {
    Oldest,
    Latest,
    After(i64),
}

/// The `types` parameter: every entry checked against the catalogue.
pub fn parse_types(checks: &mut Checks, field: &str, raw: &str) -> Vec<TypePattern> {
    let mut types = Vec::new();
    for entry in raw.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        match TypePattern::parse(entry) {
            Some(t) => types.push(t),
            None => checks.add(
                field,
                "unknown",
                format!(
                    "'{entry}' is not an event type or `entity.*` of one; the types are: {}",
                    EVENT_TYPES.join(", ")
                ),
            ),
        }
    }
    types
}

fn expired(after: i64, pruned: i64, head: i64) -> ApiError {
    let mut ext = serde_json::Map::new();
    ext.insert("pruned_through".into(), json!(pruned));
    ext.insert("resume_cursor".into(), json!(encode_cursor(&head)));
    ApiError::Gone {
        slug: "cursor-expired",
        detail: format!(
            "events after {after} are no longer kept; read the lists you follow again with \
             `updated_since` (or in full), then follow the feed from `resume_cursor`"
        ),
        extensions: ext,
    }
}

/// The change feed: events about what the caller may read (a focal point: its country's and
/// the public ones; an expert: the public ones, submitted responses and the reports it reviews;
/// anonymous callers: the public ones), oldest first. With `wait`, a read that finds nothing
/// waits up to that many seconds for an event. Events are kept for the retention period
/// (`MECIGEP_EVENT_RETENTION_DAYS`, 90 by default): a cursor older than that answers 410 with
/// where to start again.
#[utoipa::path(
    tag = "events",
    params(FeedParams),
    responses(
        (status = 200, description = "Events after the cursor", body = EventFeed),
        (status = 400, description = "Bad cursor, limit, wait, country or types", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 410, description = "The cursor is older than the events kept: `resume_cursor` says where to start after reading the lists again", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/events")]
pub async fn feed(
    state: web::Data<AppState>,
    principal: MaybePrincipal,
    query: web::Query<FeedParams>,
) -> ApiResult<HttpResponse> {
    let mut checks = Checks::new();
    let start = match query.after.as_deref().map(str::trim) {
        None | Some("") => Start::Oldest,
        Some("latest") => Start::Latest,
        Some(raw) => match decode_cursor::<i64>(raw) {
            Some(id) if id >= 0 => Start::After(id),
            _ => {
                checks.add(
                    "after",
                    "invalid",
                    "is not a cursor the feed gave out; omit it or use `latest`",
                );
                Start::Oldest
            }
        },
    };
    let limit = match checks.integer("limit", query.limit.as_deref()) {
        None => 100,
        Some(n) if (1..=500).contains(&n) => n,
        Some(_) => {
            checks.add("limit", "range", "must be from 1 to 500");
            100
        }
    };
    let wait = match checks.integer("wait", query.wait.as_deref()) {
        None => 0,
        Some(n) if (0..=MAX_WAIT_SECS).contains(&n) => n,
        Some(_) => {
            checks.add("wait", "range", "must be from 0 to 30 seconds");
            0
        }
    };
    let types = parse_types(&mut checks, "types", query.types.as_deref().unwrap_or(""));
    let country = query.country.as_deref().map(str::trim).map(|c| {
        if c.len() != 3 || !c.chars().all(|ch| ch.is_ascii_alphabetic()) {
            checks.add("country", "invalid", "must be an alpha-3 country code");
        }
        c.to_ascii_uppercase()
    });
    checks.finish_query()?;
    let filter = FeedFilter { types, country };
    let p = principal.0;
    let who = p.clone();
    let (viewer, after) = db::run(&state.pool, move |conn| {
        let viewer = viewer(conn, who.as_ref())?;
        let pruned = store::pruned_through(conn)?;
        let after = match start {
            Start::Oldest => pruned,
            Start::Latest => store::head(conn)?,
            Start::After(id) if id < pruned => {
                return Err(expired(id, pruned, store::head(conn)?));
            }
            Start::After(id) => id,
        };
        Ok((viewer, after))
    })
    .await?;
    let deadline = Instant::now() + Duration::from_secs(wait as u64);
    // The head is read before the events: every event up to it has committed (events are
    // numbered in commit order), so when none of them is the caller's the cursor moves on to it
    // and the next read does not look at them again.
    let (head, rows) = loop {
        let (viewer, filter) = (viewer.clone(), filter.clone());
        let (head, rows) = db::run(&state.pool, move |conn| {
            let head = store::head(conn)?;
            Ok((
                head,
                store::feed(conn, &viewer, &filter, (after, head), limit + 1)?,
            ))
        })
        .await?;
        if !rows.is_empty() || Instant::now() + POLL > deadline {
            break (head, rows);
        }
        actix_web::rt::time::sleep(POLL).await;
    };
    let has_more = rows.len() as i64 > limit;
    let rows: Vec<EventRow> = rows.into_iter().take(limit as usize).collect();
    let last = match rows.last() {
        Some(r) if has_more => r.id,
        _ => head.max(after),
    };
    let feed = EventFeed {
        data: rows.into_iter().map(|r| render(r, p.as_ref())).collect(),
        next_cursor: encode_cursor(&last),
        has_more,
    };
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(feed))
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(feed);
}
