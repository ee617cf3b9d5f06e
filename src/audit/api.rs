//! Wire types of audit: what requests carry and responses return, with their
//! OpenAPI schemas.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::security::Role;

/// One recorded action.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// The user who acted (`null` for unauthenticated attempts).
    pub actor_id: Option<i64>,
    pub actor_role: Option<Role>,
    pub actor_country: Option<String>,
    /// The machine client that acted for the user, if any.
    pub client_id: Option<String>,
    #[schema(example = "user.update")]
    pub action: String,
    #[schema(example = "user")]
    pub entity_type: String,
    #[schema(example = "42")]
    pub entity_id: String,
    pub request_id: Option<String>,
    /// The `X-Action-Notes` header of the request.
    pub note: Option<String>,
    /// What changed, in brief: free-form, its members depend on the action (say `from` and
    /// `to` of a status, or the fields a patch changed).
    #[schema(value_type = std::collections::HashMap<String, serde_json::Value>)]
    pub summary: Value,
    /// Its place in the hash chain (from 1); `null` until sealed, within a second of the write.
    pub seq: Option<i64>,
    /// The hash of the entry at `seq - 1` (64 zeros for the first).
    pub prev_hash: Option<String>,
    /// SHA-256 of this entry's canonical form (see the README's "Audit log"), lowercase hex.
    pub hash: Option<String>,
}

/// Filters of the audit log.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only actions of this user id.
    #[param(value_type = Option<i64>)]
    pub actor: Option<String>,
    /// Only actions on this kind of entity (`user`, `machine_client`, …).
    pub entity_type: Option<String>,
    /// Only actions on this entity id (with `entity_type`).
    pub entity_id: Option<String>,
    /// Only this action (`auth.login`, `user.update`, …).
    pub action: Option<String>,
    /// From this instant (RFC 3339), inclusive.
    #[param(value_type = Option<String>, format = DateTime)]
    pub since: Option<String>,
    /// Until this instant (RFC 3339), exclusive.
    #[param(value_type = Option<String>, format = DateTime)]
    pub until: Option<String>,
}
