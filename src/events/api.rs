//! Wire types of the events feed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::Audience;
use crate::security::Role;

/// One change, enough to act on: fetch the entity for the rest.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventOut {
    /// Increases with every event, in the order the changes committed.
    pub id: i64,
    /// What happened, from the catalogue (`response.returned`).
    #[serde(rename = "type")]
    #[schema(example = "response.returned")]
    pub event_type: String,
    #[schema(example = "response")]
    pub entity_type: String,
    /// The entity's id as its path uses it.
    #[schema(example = "42")]
    pub entity_id: String,
    /// The entity's own path, when it has one.
    #[schema(example = "/api/v1/responses/42")]
    pub entity_path: Option<String>,
    /// The country the change concerns.
    pub country: Option<String>,
    /// A second country concerned (a cooperation's provider).
    pub other_country: Option<String>,
    pub round: Option<i64>,
    /// Who could read the entity when it changed (and so reads this event).
    pub audience: Audience,
    /// The role that acted (`null` for the server's own jobs).
    pub actor_role: Option<Role>,
    /// The account that acted: shown to the secretariat and to that account.
    pub actor: Option<i64>,
    pub at: DateTime<Utc>,
    /// The new status, the reason… (`from`, `to`, `reason` for status changes).
    #[schema(value_type = std::collections::HashMap<String, serde_json::Value>)]
    pub payload: Value,
}

/// A stretch of the feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventFeed {
    /// Events after `after`, oldest first.
    pub data: Vec<EventOut>,
    /// Pass as `after` to read on. Always given: when caught up, it is where the next event
    /// will appear.
    pub next_cursor: String,
    /// More events follow at once (read on without waiting).
    pub has_more: bool,
}

/// Where to read from and what.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedParams {
    /// A `next_cursor` from an earlier read; `latest` starts at the newest event (only what
    /// happens next); omitted: the oldest event kept.
    pub after: Option<String>,
    /// Comma-separated event types, or `entity.*` for every type of an entity
    /// (`response.*,report.published`).
    pub types: Option<String>,
    /// Only events concerning this country (alpha-3).
    pub country: Option<String>,
    /// Up to this many events (1 to 500, default 100).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    /// Wait up to this many seconds (0 to 30) for an event when there is none yet.
    #[param(value_type = Option<i64>, minimum = 0, maximum = 30)]
    pub wait: Option<String>,
}
