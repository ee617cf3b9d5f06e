//! The webhook jobs: the dispatcher turns each subscription's share of the feed into
//! deliveries; the senders lease due deliveries, send them signed, and record every attempt.

use std::io::Read;
use std::time::Instant;

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use rand::Rng;
use serde_json::json;

use super::store::{self, Attempt, DeliveryRow, WebhookChanges, WebhookRow};
use super::{max_attempts, signing, DeliveryStatus, WebhookStatus, RETRY_SCHEDULE};
use crate::audit::AuditCtx;
use crate::db::schema::users;
use crate::db::{self, DbConn, DbPool};
use crate::error::{ApiError, ApiResult};
use crate::events::store::FeedFilter;
use crate::events::{self, catalog::TypePattern, Audience, Event, Scope};
use crate::security::{Principal, Role};

/// Events a subscription takes into deliveries per pass.
const FAN_OUT_BATCH: i64 = 500;
/// How long a sender holds a delivery it claimed: far beyond one attempt's 15 s timeout.
const LEASE: i64 = 60;
/// Most of a receiver's answer kept with the attempt.
const EXCERPT: u64 = 1024;

/// The owner as the policy sees them, if the account is active.
pub fn owner(conn: &mut DbConn, user_id: i64) -> QueryResult<Option<Principal>> {
    let row: Option<(bool, Role, Option<String>)> = users::table
        .find(user_id)
        .select((users::active, users::role, users::country))
        .first(conn)
        .optional()?;
    Ok(row.and_then(|(active, role, country)| {
        active.then_some(Principal {
            user_id,
            role,
            country,
            client_id: None,
        })
    }))
}

/// A delivery's body: the Standard Webhooks envelope around the event as the owner reads it.
pub fn envelope(event_type: &str, at: NaiveDateTime, data: serde_json::Value) -> String {
    json!({
        "type": event_type,
        "timestamp": crate::time::utc(at),
        "data": data,
    })
    .to_string()
}

/// Turns the events after a subscription's cursor that its owner may read and it asks for
/// into deliveries, and moves the cursor on. Returns how many it made.
fn fan_out(conn: &mut DbConn, id: i64) -> ApiResult<usize> {
    db::lock_id(conn, "webhooks", id)?;
    let Some(hook) = store::find_webhook(conn, id)? else {
        return Ok(0);
    };
    if hook.status != WebhookStatus::Active {
        return Ok(0);
    }
    let head = events::store::head(conn)?;
    if head <= hook.event_cursor {
        return Ok(0);
    }
    let Some(p) = owner(conn, hook.owner_id)? else {
        // A deactivated owner reads nothing: what happens meanwhile is not kept for later.
        move_cursor(conn, id, head)?;
        return Ok(0);
    };
    let viewer = events::routes::viewer(conn, Some(&p))?;
    let filter = FeedFilter {
        types: hook
            .event_types
            .0
            .iter()
            .filter_map(|t| TypePattern::parse(t))
            .collect(),
        country: None,
    };
    let rows = events::store::feed(
        conn,
        &viewer,
        &filter,
        (hook.event_cursor, head),
        FAN_OUT_BATCH,
    )?;
    let cursor = match rows.last() {
        Some(r) if rows.len() as i64 == FAN_OUT_BATCH => r.id,
        _ => head,
    };
    let made = rows.len();
    for row in rows {
        let (event_id, event_type, at) = (row.id, row.event_type.clone(), row.at);
        let entity_key = format!("{}:{}", row.entity_type, row.entity_id);
        let data = serde_json::to_value(events::routes::render(row, Some(&p)))
            .map_err(|e| ApiError::internal(format!("serialising an event: {e}")))?;
        store::insert_delivery(
            conn,
            &store::NewDelivery {
                webhook_id: id,
                event_id: Some(event_id),
                message_id: &format!("evt_{event_id}"),
                event_type: &event_type,
                entity_key: &entity_key,
                body: &envelope(&event_type, at, data),
            },
        )?;
    }
    move_cursor(conn, id, cursor)?;
    Ok(made)
}

fn move_cursor(conn: &mut DbConn, id: i64, cursor: i64) -> QueryResult<usize> {
    store::update_webhook(
        conn,
        id,
        &WebhookChanges {
            event_cursor: Some(cursor),
            ..WebhookChanges::default()
        },
    )
}

/// One dispatch pass over the active subscriptions behind the newest event: those already
/// caught up take no write transaction.
pub fn dispatch(pool: &DbPool) -> ApiResult<usize> {
    let (head, hooks) = db::read_here(pool, |c| {
        Ok((events::store::head(c)?, store::active_webhooks(c)?))
    })?;
    let mut made = 0;
    for hook in hooks.into_iter().filter(|h| h.event_cursor < head) {
        made += db::write_here(pool, |conn| fan_out(conn, hook.id))?;
    }
    Ok(made)
}

/// How a sender sends.
pub struct Sender {
    pub client: reqwest::blocking::Client,
    /// This sender's lease name.
    pub holder: String,
    /// Scales the retry schedule (1 in service; tests shorten it).
    pub retry_scale: f64,
    pub allow_private: bool,
}

/// The wait before attempt `attempts + 1`, with ±20% jitter.
fn backoff(attempts: i32, scale: f64) -> Duration {
    let i = (attempts.max(1) as usize - 1).min(RETRY_SCHEDULE.len() - 1);
    let jitter = rand::thread_rng().gen_range(0.8..1.2);
    let ms = RETRY_SCHEDULE[i] as f64 * 1000.0 * jitter * scale;
    Duration::milliseconds(ms.max(1.0) as i64)
}

impl Sender {
    /// Claims due deliveries and sends them; returns how many it attempted.
    pub fn deliver_due(&self, pool: &DbPool, batch: i64) -> ApiResult<usize> {
        let now = crate::time::now();
        let holder = self.holder.clone();
        let ids = db::write_here(pool, |c| {
            Ok(store::claim_due(
                c,
                &holder,
                now,
                now + Duration::seconds(LEASE),
                batch,
            )?)
        })?;
        for id in &ids {
            self.deliver(pool, *id)?;
        }
        Ok(ids.len())
    }

    fn deliver(&self, pool: &DbPool, id: i64) -> ApiResult<()> {
        let found = db::read_here(pool, |c| {
            let Some(d) = store::find_delivery(c, id)? else {
                return Ok(None);
            };
            Ok(store::find_webhook(c, d.webhook_id)?.map(|h| (d, h)))
        })?;
        let Some((d, hook)) = found else {
            return Ok(());
        };
        let attempt = self.send(&d, &hook);
        let ok = attempt.status_code.is_some_and(|c| (200..300).contains(&c));
        let outcome = attempt.status_code;
        let holder = self.holder.clone();
        db::write_here(pool, |conn| {
            store::insert_attempt(conn, id, &attempt)?;
            let attempts = d.attempts + 1;
            let now = crate::time::now();
            let (status, next) = if ok {
                (DeliveryStatus::Delivered, now)
            } else if attempts >= max_attempts() {
                (DeliveryStatus::Failed, now)
            } else {
                (
                    DeliveryStatus::Pending,
                    now + backoff(attempts, self.retry_scale),
                )
            };
            if store::settle(conn, id, &holder, status, attempts, next, outcome)? == 0 {
                // Another sender took the lease over (this one stalled past it): its word holds.
                return Ok(());
            }
            record_health(conn, &hook, ok, status == DeliveryStatus::Failed, now)
        })?;
        crate::telemetry::webhook_attempt(ok);
        Ok(())
    }

    fn send(&self, d: &DeliveryRow, hook: &WebhookRow) -> Attempt {
        let at = crate::time::now();
        if let Some((_, why)) = literal_refused(&hook.url, self.allow_private) {
            return Attempt {
                at,
                status_code: None,
                latency_ms: 0,
                error: Some(why),
                response_excerpt: None,
            };
        }
        let timestamp = chrono::Utc::now().timestamp();
        let started = Instant::now();
        let sent = self
            .client
            .post(&hook.url)
            .header("content-type", "application/json")
            .header("webhook-id", &d.message_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header(
                "webhook-signature",
                signing::signature(&hook.secret, &d.message_id, timestamp, &d.body),
            )
            .body(d.body.clone())
            .send();
        let (status_code, response_excerpt, error) = match sent {
            Ok(resp) => {
                let code = i32::from(resp.status().as_u16());
                let mut excerpt = String::new();
                let _ = resp.take(EXCERPT).read_to_string(&mut excerpt);
                (Some(code), Some(excerpt).filter(|e| !e.is_empty()), None)
            }
            Err(e) => (None, None, Some(describe(&e))),
        };
        Attempt {
            at,
            status_code,
            latency_ms: started.elapsed().as_millis() as i64,
            error,
            response_excerpt,
        }
    }
}

/// A URL naming a private address literally (names are checked by the resolver).
fn literal_refused(url: &str, allow_private: bool) -> Option<(&'static str, String)> {
    let parsed = url::Url::parse(url).ok()?;
    let literal = matches!(parsed.host(), Some(url::Host::Ipv4(_) | url::Host::Ipv6(_)));
    if literal {
        super::target::refuse(url, allow_private)
    } else {
        None
    }
}

/// What went wrong, without the URL (the owner knows it; the log need not repeat it).
fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_redirect() {
        "redirected (redirects are not followed)"
    } else {
        "failed"
    };
    let mut cause = String::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        cause = s.to_string();
        source = s.source();
    }
    if cause.is_empty() {
        kind.into()
    } else {
        format!("{kind}: {cause}")
    }
}

/// Counts a subscription's failures; after a delivery spent every retry (about a day of
/// failing), disables it and says so with a `webhook.disabled` event.
fn record_health(
    conn: &mut DbConn,
    hook: &WebhookRow,
    ok: bool,
    exhausted: bool,
    now: NaiveDateTime,
) -> ApiResult<()> {
    db::lock_id(conn, "webhooks", hook.id)?;
    let Some(current) = store::find_webhook(conn, hook.id)? else {
        return Ok(());
    };
    let mut changes = WebhookChanges::default();
    if ok {
        if current.consecutive_failures == 0 {
            return Ok(());
        }
        changes.consecutive_failures = Some(0);
        changes.failing_since = Some(None);
    } else {
        changes.consecutive_failures = Some(current.consecutive_failures + 1);
        changes.failing_since = Some(Some(current.failing_since.unwrap_or(now)));
    }
    let disable = exhausted && current.status == WebhookStatus::Active;
    if disable {
        changes.status = Some(WebhookStatus::Disabled);
        changes.disabled_reason = Some(Some(format!(
            "a delivery failed {} times over about a day; fix the receiver, then set the status \
             to active again",
            max_attempts()
        )));
        changes.revision = Some(current.revision + 1);
        changes.updated_at = Some(now);
    }
    store::update_webhook(conn, hook.id, &changes)?;
    if disable {
        let server = AuditCtx::default();
        server.record(
            conn,
            "webhook.disable",
            "webhook",
            hook.id,
            json!({"failures": current.consecutive_failures + 1}),
        )?;
        let owner_country = owner(conn, hook.owner_id)?
            .filter(|p| p.is(Role::MemberCountry))
            .and_then(|p| p.country);
        let scope = match owner_country.as_deref() {
            Some(c) => Scope::country(c),
            None => Scope::new(Audience::Secretariat, None),
        };
        events::emit(
            conn,
            &server,
            Event {
                event_type: "webhook.disabled",
                entity_type: "webhook",
                entity_id: hook.id.to_string(),
                scope,
                payload: json!({"failures": current.consecutive_failures + 1}),
            },
        )?;
    }
    Ok(())
}
