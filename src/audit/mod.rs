//! The append-only audit log: every state change records who, what, when and why, in the same
//! transaction as the change.

pub mod api;
pub mod chain;
pub mod routes;
pub mod store;

use actix_web::{HttpMessage, HttpRequest};
use serde_json::Value;

use crate::db::DbConn;
use crate::error::ApiError;
use crate::request_id::RequestId;
use crate::security::{Principal, Role};

/// Longest note accepted in `X-Action-Notes`.
pub const MAX_NOTE: usize = 1000;

/// Who acts, in which request, with which note: built from the request, used by stores.
#[derive(Debug, Clone, Default)]
pub struct AuditCtx {
    pub actor_id: Option<i64>,
    pub actor_role: Option<Role>,
    pub actor_country: Option<String>,
    pub client_id: Option<String>,
    pub request_id: Option<String>,
    pub note: Option<String>,
}

impl AuditCtx {
    /// The context of `req` for `principal` (or nobody yet, e.g. before a login succeeds).
    pub fn new(req: &HttpRequest, principal: Option<&Principal>) -> Result<AuditCtx, ApiError> {
        let note = match req.headers().get("x-action-notes") {
            None => None,
            Some(v) => {
                let text = v.to_str().map_err(|_| {
                    ApiError::bad_request(
                        "invalid-header",
                        "X-Action-Notes must be visible ASCII text",
                    )
                })?;
                let text = text.trim();
                if text.chars().count() > MAX_NOTE {
                    return Err(ApiError::bad_request(
                        "invalid-header",
                        format!("X-Action-Notes is limited to {MAX_NOTE} characters"),
                    ));
                }
                (!text.is_empty()).then(|| text.to_owned())
            }
        };
        let mut ctx = AuditCtx {
            request_id: req.extensions().get::<RequestId>().map(|r| r.0.clone()),
            note,
            ..AuditCtx::default()
        };
        if let Some(p) = principal {
            ctx = ctx.acting_as(p);
        }
        Ok(ctx)
    }

    /// The same context with `p` as the actor.
    pub fn acting_as(mut self, p: &Principal) -> AuditCtx {
        self.actor_id = Some(p.user_id);
        self.actor_role = Some(p.role);
        self.actor_country = p.country.clone();
        self.client_id = p.client_id.clone();
        self
    }

    /// Appends one row; call inside the transaction of the change it records.
    pub fn record(
        &self,
        conn: &mut DbConn,
        action: &str,
        entity_type: &str,
        entity_id: impl ToString,
        summary: Value,
    ) -> diesel::QueryResult<()> {
        store::append(
            conn,
            self,
            action,
            entity_type,
            &entity_id.to_string(),
            &summary,
        )
    }
}
