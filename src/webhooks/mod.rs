//! Webhooks: subscriptions to the events feed, delivered by the background jobs as signed
//! Standard Webhooks messages, at least once, in order per entity, retried for about a day.
//!
//! A subscription reads the feed as its owner would ([`crate::events::routes::viewer`]), so it
//! never receives what its owner may not read; a focal point's subscriptions stop when the
//! account is deactivated.

pub mod api;
pub mod delivery;
pub mod routes;
pub mod signing;
pub mod store;
pub mod target;

/// Where webhooks may point (`MECIGEP_WEBHOOK_ALLOW_PRIVATE`).
#[derive(Debug, Clone, Copy, Default)]
pub struct WebhookPolicy {
    pub allow_private: bool,
}

crate::stored_enum! {
    /// A subscription's state: `disabled` by the server after sustained failure (set `active`
    /// again to resume), `paused` by its owner.
    pub enum WebhookStatus {
        Active = "active",
        Paused = "paused",
        Disabled = "disabled",
    }
}

crate::stored_enum! {
    /// A delivery's state: `failed` once every retry is spent.
    pub enum DeliveryStatus {
        Pending = "pending",
        Delivered = "delivered",
        Failed = "failed",
    }
}

/// Seconds between a failed attempt and the next: about a day in all (Standard Webhooks'
/// schedule, a little denser at first), each with ±20% jitter.
pub const RETRY_SCHEDULE: &[u64] = &[5, 30, 120, 600, 1800, 3600, 7200, 14400, 21600, 28800];

/// Attempts a delivery gets: the first and one per retry.
pub fn max_attempts() -> i32 {
    RETRY_SCHEDULE.len() as i32 + 1
}
