//! Subscriptions, deliveries and their attempts.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{DeliveryStatus, WebhookStatus};
use crate::db::dialect::{self, Backend, Bind, Sql};
use crate::db::json::Json;
use crate::db::schema::{webhook_attempts as wa, webhook_deliveries as wd, webhooks as wh};
use crate::db::DbConn;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = wh)]
pub struct WebhookRow {
    pub id: i64,
    pub owner_id: i64,
    pub url: String,
    pub description: Option<String>,
    pub event_types: Json<Vec<String>>,
    pub secret: String,
    pub status: WebhookStatus,
    pub disabled_reason: Option<String>,
    pub event_cursor: i64,
    pub consecutive_failures: i32,
    pub failing_since: Option<NaiveDateTime>,
    pub revision: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub struct NewWebhook<'a> {
    pub owner_id: i64,
    pub url: &'a str,
    pub description: Option<&'a str>,
    pub event_types: &'a [String],
    pub secret: &'a str,
    pub event_cursor: i64,
}

pub fn insert_webhook(conn: &mut DbConn, w: &NewWebhook<'_>) -> QueryResult<i64> {
    let now = crate::time::now();
    diesel::insert_into(wh::table)
        .values((
            wh::owner_id.eq(w.owner_id),
            wh::url.eq(w.url),
            wh::description.eq(w.description),
            wh::event_types.eq(serde_json::json!(w.event_types).to_string()),
            wh::secret.eq(w.secret),
            wh::status.eq(WebhookStatus::Active),
            wh::event_cursor.eq(w.event_cursor),
            wh::created_at.eq(now),
            wh::updated_at.eq(now),
        ))
        .returning(wh::id)
        .get_result(conn)
}

pub fn find_webhook(conn: &mut DbConn, id: i64) -> QueryResult<Option<WebhookRow>> {
    wh::table
        .find(id)
        .select(WebhookRow::as_select())
        .first(conn)
        .optional()
}

/// Up to `limit + 1` subscriptions after `after`, of `owner` (`None`: everyone's).
pub fn list_webhooks(
    conn: &mut DbConn,
    owner: Option<i64>,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<WebhookRow>> {
    let mut q = wh::table.into_boxed();
    if let Some(o) = owner {
        q = q.filter(wh::owner_id.eq(o));
    }
    if let Some(a) = after {
        q = q.filter(wh::id.gt(a));
    }
    q.order(wh::id.asc())
        .limit(limit + 1)
        .select(WebhookRow::as_select())
        .load(conn)
}

/// The active subscriptions, for the dispatcher.
pub fn active_webhooks(conn: &mut DbConn) -> QueryResult<Vec<WebhookRow>> {
    wh::table
        .filter(wh::status.eq(WebhookStatus::Active))
        .order(wh::id.asc())
        .select(WebhookRow::as_select())
        .load(conn)
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = wh)]
pub struct WebhookChanges {
    pub url: Option<String>,
    pub description: Option<Option<String>>,
    pub event_types: Option<String>,
    pub status: Option<WebhookStatus>,
    pub disabled_reason: Option<Option<String>>,
    pub consecutive_failures: Option<i32>,
    pub failing_since: Option<Option<NaiveDateTime>>,
    pub event_cursor: Option<i64>,
    pub secret: Option<String>,
    pub revision: Option<i32>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn update_webhook(conn: &mut DbConn, id: i64, c: &WebhookChanges) -> QueryResult<usize> {
    diesel::update(wh::table.find(id)).set(c).execute(conn)
}

pub fn delete_webhook(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::delete(wh::table.find(id)).execute(conn)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = wd)]
pub struct DeliveryRow {
    pub id: i64,
    pub webhook_id: i64,
    pub event_id: Option<i64>,
    pub message_id: String,
    pub event_type: String,
    pub entity_key: String,
    pub body: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub lease_holder: Option<String>,
    pub lease_until: Option<NaiveDateTime>,
    pub last_status: Option<i32>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub struct NewDelivery<'a> {
    pub webhook_id: i64,
    pub event_id: Option<i64>,
    pub message_id: &'a str,
    pub event_type: &'a str,
    pub entity_key: &'a str,
    pub body: &'a str,
}

pub fn insert_delivery(conn: &mut DbConn, d: &NewDelivery<'_>) -> QueryResult<i64> {
    let now = crate::time::now();
    diesel::insert_into(wd::table)
        .values((
            wd::webhook_id.eq(d.webhook_id),
            wd::event_id.eq(d.event_id),
            wd::message_id.eq(d.message_id),
            wd::event_type.eq(d.event_type),
            wd::entity_key.eq(d.entity_key),
            wd::body.eq(d.body),
            wd::status.eq(DeliveryStatus::Pending),
            wd::next_attempt_at.eq(now),
            wd::created_at.eq(now),
            wd::updated_at.eq(now),
        ))
        .returning(wd::id)
        .get_result(conn)
}

pub fn find_delivery(conn: &mut DbConn, id: i64) -> QueryResult<Option<DeliveryRow>> {
    wd::table
        .find(id)
        .select(DeliveryRow::as_select())
        .first(conn)
        .optional()
}

/// Up to `limit + 1` deliveries of a subscription before `before`, newest first.
pub fn list_deliveries(
    conn: &mut DbConn,
    webhook: i64,
    status: Option<DeliveryStatus>,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<DeliveryRow>> {
    let mut q = wd::table.filter(wd::webhook_id.eq(webhook)).into_boxed();
    if let Some(s) = status {
        q = q.filter(wd::status.eq(s));
    }
    if let Some(b) = before {
        q = q.filter(wd::id.lt(b));
    }
    q.order(wd::id.desc())
        .limit(limit + 1)
        .select(DeliveryRow::as_select())
        .load(conn)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = wa)]
pub struct AttemptRow {
    pub id: i64,
    pub delivery_id: i64,
    pub at: NaiveDateTime,
    pub status_code: Option<i32>,
    pub latency_ms: i64,
    pub error: Option<String>,
    pub response_excerpt: Option<String>,
}

/// The attempts of `deliveries`, oldest first.
pub fn attempts_of(conn: &mut DbConn, deliveries: &[i64]) -> QueryResult<Vec<AttemptRow>> {
    wa::table
        .filter(wa::delivery_id.eq_any(deliveries))
        .order(wa::id.asc())
        .select(AttemptRow::as_select())
        .load(conn)
}

#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
}

/// Leases up to `limit` due deliveries to `holder` until `until`: pending, due, not leased to
/// another, of an active subscription, and the oldest pending one of their entity for their
/// subscription (deliveries of one entity go out in order). On PostgreSQL, rows another
/// instance is claiming are skipped, so two instances never take the same delivery.
pub fn claim_due(
    conn: &mut DbConn,
    holder: &str,
    now: NaiveDateTime,
    until: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<i64>> {
    let mut sql = Sql::new("UPDATE webhook_deliveries SET lease_holder = ");
    sql.bind(Bind::Text(holder.into()))
        .push(", lease_until = ")
        .bind(Bind::Timestamp(until))
        .push(
            " WHERE id IN (SELECT d.id FROM webhook_deliveries d \
             JOIN webhooks w ON w.id = d.webhook_id AND w.status = 'active' \
             WHERE d.status = 'pending' AND d.next_attempt_at <= ",
        )
        .bind(Bind::Timestamp(now))
        .push(" AND (d.lease_until IS NULL OR d.lease_until < ")
        .bind(Bind::Timestamp(now))
        .push(
            ") AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e \
             WHERE e.webhook_id = d.webhook_id AND e.entity_key = d.entity_key \
             AND e.status = 'pending' AND e.id < d.id) \
             ORDER BY d.next_attempt_at, d.id LIMIT ",
        )
        .bind(Bind::BigInt(limit));
    if dialect::backend(conn) == Backend::Postgres {
        sql.push(" FOR UPDATE OF d SKIP LOCKED");
    }
    sql.push(") RETURNING id");
    Ok(dialect::load::<Claimed>(conn, &sql)?
        .into_iter()
        .map(|c| c.id)
        .collect())
}

/// What one attempt found.
pub struct Attempt {
    pub at: NaiveDateTime,
    pub status_code: Option<i32>,
    pub latency_ms: i64,
    pub error: Option<String>,
    pub response_excerpt: Option<String>,
}

pub fn insert_attempt(conn: &mut DbConn, delivery: i64, a: &Attempt) -> QueryResult<()> {
    diesel::insert_into(wa::table)
        .values((
            wa::delivery_id.eq(delivery),
            wa::at.eq(a.at),
            wa::status_code.eq(a.status_code),
            wa::latency_ms.eq(a.latency_ms),
            wa::error.eq(a.error.as_deref()),
            wa::response_excerpt.eq(a.response_excerpt.as_deref()),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Ends `holder`'s lease on a delivery with its new state; 0 when the lease was lost.
pub fn settle(
    conn: &mut DbConn,
    id: i64,
    holder: &str,
    status: DeliveryStatus,
    attempts: i32,
    next_attempt_at: NaiveDateTime,
    last_status: Option<i32>,
) -> QueryResult<usize> {
    diesel::update(
        wd::table
            .filter(wd::id.eq(id))
            .filter(wd::lease_holder.eq(holder)),
    )
    .set((
        wd::status.eq(status),
        wd::attempts.eq(attempts),
        wd::next_attempt_at.eq(next_attempt_at),
        wd::last_status.eq(last_status),
        wd::lease_holder.eq(None::<String>),
        wd::lease_until.eq(None::<NaiveDateTime>),
        wd::updated_at.eq(crate::time::now()),
    ))
    .execute(conn)
}

/// Deliveries settled before `before` (their attempts go with them).
pub fn prune_deliveries(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(
        wd::table
            .filter(wd::status.ne(DeliveryStatus::Pending))
            .filter(wd::updated_at.lt(before)),
    )
    .execute(conn)
}
