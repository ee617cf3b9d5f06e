//! Audit rows: append and read; nothing updates or deletes them (the schema refuses too).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use serde_json::Value;

use super::AuditCtx;
use crate::db::schema::audit_log;
use crate::db::DbConn;
use crate::security::Role;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: i64,
    pub at: NaiveDateTime,
    pub actor_id: Option<i64>,
    pub actor_role: Option<Role>,
    pub actor_country: Option<String>,
    pub client_id: Option<String>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub request_id: Option<String>,
    pub note: Option<String>,
    /// The stored JSON text, as the chain hashes it.
    #[diesel(column_name = summary)]
    pub summary_text: String,
    pub seq: Option<i64>,
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
}

pub fn append(
    conn: &mut DbConn,
    ctx: &AuditCtx,
    action: &str,
    entity_type: &str,
    entity_id: &str,
    summary: &Value,
) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::at.eq(crate::time::now()),
            audit_log::actor_id.eq(ctx.actor_id),
            audit_log::actor_role.eq(ctx.actor_role),
            audit_log::actor_country.eq(ctx.actor_country.as_deref()),
            audit_log::client_id.eq(ctx.client_id.as_deref()),
            audit_log::action.eq(action),
            audit_log::entity_type.eq(entity_type),
            audit_log::entity_id.eq(entity_id),
            audit_log::request_id.eq(ctx.request_id.as_deref()),
            audit_log::note.eq(ctx.note.as_deref()),
            audit_log::summary.eq(summary.to_string()),
        ))
        .execute(conn)
        .map(|_| ())
}

#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    pub actor: Option<i64>,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub action: Option<String>,
    pub since: Option<NaiveDateTime>,
    pub until: Option<NaiveDateTime>,
}

/// Up to `limit + 1` rows before id `before`, newest first.
pub fn list(
    conn: &mut DbConn,
    filter: &AuditFilter,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<AuditRow>> {
    let mut q = filtered(filter);
    if let Some(b) = before {
        q = q.filter(audit_log::id.lt(b));
    }
    q.order(audit_log::id.desc())
        .limit(limit + 1)
        .select(AuditRow::as_select())
        .load(conn)
}

/// Up to `limit` rows after id `after`, oldest first (the export).
pub fn list_forward(
    conn: &mut DbConn,
    filter: &AuditFilter,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<AuditRow>> {
    filtered(filter)
        .filter(audit_log::id.gt(after))
        .order(audit_log::id)
        .limit(limit)
        .select(AuditRow::as_select())
        .load(conn)
}

fn filtered(filter: &AuditFilter) -> audit_log::BoxedQuery<'static, crate::db::MultiBackend> {
    let mut q = audit_log::table.into_boxed();
    if let Some(a) = filter.actor {
        q = q.filter(audit_log::actor_id.eq(a));
    }
    if let Some(t) = &filter.entity_type {
        q = q.filter(audit_log::entity_type.eq(t.clone()));
    }
    if let Some(i) = &filter.entity_id {
        q = q.filter(audit_log::entity_id.eq(i.clone()));
    }
    if let Some(a) = &filter.action {
        q = q.filter(audit_log::action.eq(a.clone()));
    }
    if let Some(s) = filter.since {
        q = q.filter(audit_log::at.ge(s));
    }
    if let Some(u) = filter.until {
        q = q.filter(audit_log::at.lt(u));
    }
    q
}
