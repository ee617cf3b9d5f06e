//! Wire types of webhook subscriptions and their deliveries.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{DeliveryStatus, WebhookStatus};
use crate::http::validate::double_option;

/// A new subscription.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookIn {
    /// Where deliveries are POSTed: https (http only to a receiver on this machine); no
    /// redirects are followed.
    #[schema(example = "https://sistema.gob.example/mecigep/hooks")]
    pub url: String,
    /// Event types or `entity.*` (`response.*`); empty or absent: every event the owner may
    /// read.
    #[schema(example = json!(["response.*", "report.published"]))]
    pub event_types: Option<Vec<String>>,
    /// What the receiver is, for people (up to 500 characters).
    pub description: Option<String>,
}

/// Changes to a subscription; absent fields stay.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookPatch {
    pub url: Option<String>,
    pub event_types: Option<Vec<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    /// `paused` stops deliveries (they wait); `active` resumes, also after the server disabled
    /// it. `disabled` is the server's to set.
    pub status: Option<WebhookStatus>,
    /// Replace the secret: the answer shows the new one, once.
    pub rotate_secret: Option<bool>,
}

/// A subscription.
#[derive(Debug, Serialize, ToSchema)]
pub struct Webhook {
    pub id: i64,
    pub url: String,
    pub description: Option<String>,
    /// Empty: every event the owner may read.
    pub event_types: Vec<String>,
    pub status: WebhookStatus,
    /// Why the server disabled it.
    pub disabled_reason: Option<String>,
    /// The account whose reading rights the deliveries follow.
    pub owner: i64,
    /// Failed attempts in a row.
    pub consecutive_failures: i32,
    pub failing_since: Option<DateTime<Utc>>,
    /// Shown only when created and when rotated: keep it to verify signatures
    /// (`whsec_…`, Standard Webhooks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    pub revision: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One attempt to deliver.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptOut {
    pub at: DateTime<Utc>,
    /// The receiver's HTTP status; `null` when none came (see `error`).
    pub status_code: Option<i32>,
    pub latency_ms: i64,
    pub error: Option<String>,
    /// The start of the receiver's answer (up to 1 KiB).
    pub response_excerpt: Option<String>,
}

/// One message to a subscription and what became of it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Delivery {
    pub id: i64,
    /// The event delivered (`null` for a test message).
    pub event: Option<i64>,
    /// The `webhook-id` header: the same on every attempt and redelivery, for de-duplication.
    pub message_id: String,
    #[serde(rename = "type")]
    pub event_type: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    /// When the next attempt is due (pending deliveries).
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_status: Option<i32>,
    /// The message as sent.
    #[schema(value_type = std::collections::HashMap<String, serde_json::Value>)]
    pub body: serde_json::Value,
    pub attempt_log: Vec<AttemptOut>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Filters of the delivery list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    #[param(value_type = Option<DeliveryStatus>)]
    pub status: Option<String>,
}
