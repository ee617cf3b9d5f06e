//! The events table: appended in the transaction of each change, read as a feed by what a
//! caller may read, pruned after the retention period.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::Value;

use super::catalog::TypePattern;
use super::{Audience, Event};
use crate::audit::AuditCtx;
use crate::db::json::Json;
use crate::db::schema::{event_retention, events};
use crate::db::DbConn;
use crate::security::Role;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = events)]
pub struct EventRow {
    pub id: i64,
    pub at: NaiveDateTime,
    pub event_type: String,
    pub entity_type: String,
    pub entity_id: String,
    pub country: Option<String>,
    pub other_country: Option<String>,
    pub round_id: Option<i64>,
    pub audience: Audience,
    pub actor_id: Option<i64>,
    pub actor_role: Option<Role>,
    pub payload: Json<Value>,
}

/// Appends one event. On PostgreSQL the transaction first takes a lock held until it ends, so
/// that events are numbered in the order their transactions commit: a reader that has seen
/// event n never later finds a committed event below n (SQLite writers take turns already).
/// Emitting is the last thing a write does, so the lock is held only for its commit.
pub fn append(conn: &mut DbConn, audit: &AuditCtx, e: &Event<'_>) -> QueryResult<()> {
    crate::per_backend!(conn,
        pg(c) => {
            diesel::sql_query("SELECT pg_advisory_xact_lock(7246024)").execute(c)?;
        },
        sqlite(_c) => {},
    );
    diesel::insert_into(events::table)
        .values((
            events::at.eq(crate::time::now()),
            events::event_type.eq(e.event_type),
            events::entity_type.eq(e.entity_type),
            events::entity_id.eq(&e.entity_id),
            events::country.eq(e.scope.country.as_deref()),
            events::other_country.eq(e.scope.other_country.as_deref()),
            events::round_id.eq(e.scope.round),
            events::audience.eq(e.scope.audience),
            events::actor_id.eq(audit.actor_id),
            events::actor_role.eq(audit.actor_role),
            events::payload.eq(e.payload.to_string()),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Whose eyes read the feed: what decides which events it shows.
#[derive(Debug, Clone)]
pub enum Viewer {
    Anonymous,
    Secretariat,
    /// A focal point of the country.
    Member(String),
    /// An expert of the country, with the `(round, country)` reports it is assigned to.
    Expert {
        country: Option<String>,
        assigned: Vec<(i64, String)>,
    },
}

/// What a feed read asks for beyond visibility.
#[derive(Debug, Clone, Default)]
pub struct FeedFilter {
    /// Empty: every type.
    pub types: Vec<TypePattern>,
    /// Events concerning this country (as `country` or `other_country`).
    pub country: Option<String>,
}

type Cond = Box<
    dyn BoxableExpression<
        events::table,
        <DbConn as diesel::Connection>::Backend,
        SqlType = diesel::sql_types::Bool,
    >,
>;

fn audience_is(a: Audience) -> Cond {
    Box::new(events::audience.eq(a))
}

fn concerns(country: &str) -> Cond {
    Box::new(
        events::country
            .assume_not_null()
            .eq(country.to_owned())
            .or(events::other_country
                .assume_not_null()
                .eq(country.to_owned())),
    )
}

fn or(a: Cond, b: Cond) -> Cond {
    Box::new(a.or(b))
}

fn and(a: Cond, b: Cond) -> Cond {
    Box::new(a.and(b))
}

/// The events `viewer` may read (the audiences of [`Audience`]).
fn visible_to(viewer: &Viewer) -> Cond {
    let public = audience_is(Audience::Public);
    match viewer {
        Viewer::Secretariat => Box::new(events::id.gt(0)),
        Viewer::Anonymous => public,
        Viewer::Member(country) => {
            let of_country = or(
                or(
                    audience_is(Audience::Country),
                    audience_is(Audience::CountryAndExperts),
                ),
                audience_is(Audience::CountryAndReviewers),
            );
            or(public, and(of_country, concerns(country)))
        }
        Viewer::Expert { assigned, .. } => {
            let mut cond = or(
                or(public, audience_is(Audience::Experts)),
                audience_is(Audience::CountryAndExperts),
            );
            for (round, country) in assigned {
                cond = or(
                    cond,
                    Box::new(
                        events::audience
                            .eq(Audience::CountryAndReviewers)
                            .and(events::round_id.assume_not_null().eq(*round))
                            .and(events::country.assume_not_null().eq(country.clone())),
                    ),
                );
            }
            cond
        }
    }
}

fn matching(types: &[TypePattern]) -> Option<Cond> {
    let mut cond: Option<Cond> = None;
    for t in types {
        let one: Cond = match t {
            TypePattern::Exact(name) => Box::new(events::event_type.eq(name.clone())),
            TypePattern::Entity(entity) => Box::new(events::event_type.like(format!("{entity}.%"))),
        };
        cond = Some(match cond {
            None => one,
            Some(c) => or(c, one),
        });
    }
    cond
}

/// Up to `limit` events after `after` and up to `upto` that `viewer` may read, oldest first.
pub fn feed(
    conn: &mut DbConn,
    viewer: &Viewer,
    filter: &FeedFilter,
    (after, upto): (i64, i64),
    limit: i64,
) -> QueryResult<Vec<EventRow>> {
    let mut q = events::table
        .filter(events::id.gt(after))
        .filter(events::id.le(upto))
        .filter(visible_to(viewer))
        .into_boxed();
    if let Some(types) = matching(&filter.types) {
        q = q.filter(types);
    }
    if let Some(c) = &filter.country {
        q = q.filter(concerns(c));
    }
    q.order(events::id.asc())
        .limit(limit)
        .select(EventRow::as_select())
        .load(conn)
}

/// The newest event's id: the last one removed when none is left, 0 before any.
pub fn head(conn: &mut DbConn) -> QueryResult<i64> {
    let newest = events::table
        .select(diesel::dsl::max(events::id))
        .first::<Option<i64>>(conn)?;
    match newest {
        Some(id) => Ok(id),
        None => pruned_through(conn),
    }
}

/// Events up to this id were removed: a cursor below it can no longer be served.
pub fn pruned_through(conn: &mut DbConn) -> QueryResult<i64> {
    event_retention::table
        .find(1)
        .select(event_retention::pruned_through)
        .first(conn)
}

/// Removes the events older than `before`; returns how many.
pub fn prune(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    let last: Option<i64> = events::table
        .filter(events::at.lt(before))
        .select(diesel::dsl::max(events::id))
        .first(conn)?;
    let Some(last) = last else { return Ok(0) };
    let removed = diesel::delete(events::table.filter(events::id.le(last))).execute(conn)?;
    diesel::update(event_retention::table.find(1))
        .set(event_retention::pruned_through.eq(last))
        .execute(conn)?;
    Ok(removed)
}
