//! The audit log's hash chain. Rows are written without a hash, in the transaction of the change
//! they record; the sealer then gives each committed row, in the order rows become visible, its
//! place (`seq`, from 1), the previous row's hash (`prev_hash`, 64 zeros for the first) and its
//! own (`hash`). Sealing after commit keeps the chain off every write's path (no lock held by
//! writers), and a row committed late on PostgreSQL (a lower id becoming visible after a higher
//! one) simply takes the next place. Once sealed, the schema refuses any change to the row.
//!
//! `hash` = SHA-256, in lowercase hex, of the compact JSON array
//! `[seq, id, at, actor_id, actor_role, actor_country, client_id, action, entity_type,
//! entity_id, request_id, note, summary, prev_hash]`, where `at` is RFC 3339 in UTC with
//! microseconds (`2026-12-01T09:30:00.123456Z`), `summary` the stored JSON text as a string,
//! absent values `null`.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::store::AuditRow;
use crate::db::schema::audit_log;
use crate::db::{self, DbConn, DbPool};
use crate::error::ApiResult;

/// The `prev_hash` of the first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Rows sealed per transaction.
const BATCH: i64 = 500;

/// The hash of `row` at place `seq` after `prev_hash`.
pub fn hash_of(row: &AuditRow, seq: i64, prev_hash: &str) -> String {
    let canonical = json!([
        seq,
        row.id,
        instant(row.at),
        row.actor_id,
        row.actor_role.map(|r| r.as_str()),
        row.actor_country,
        row.client_id,
        row.action,
        row.entity_type,
        row.entity_id,
        row.request_id,
        row.note,
        row.summary_text,
        prev_hash,
    ]);
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

/// `at` as the canonical form writes it.
pub fn instant(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// The newest sealed row's place and hash.
fn sealed_head(conn: &mut DbConn) -> QueryResult<Option<(i64, String)>> {
    audit_log::table
        .filter(audit_log::seq.is_not_null())
        .order(audit_log::seq.desc())
        .select((
            audit_log::seq.assume_not_null(),
            audit_log::hash.assume_not_null(),
        ))
        .first(conn)
        .optional()
}

/// Whether any committed row waits for its seal (a read on a small partial index).
pub fn pending(conn: &mut DbConn) -> QueryResult<bool> {
    let first: Option<i64> = audit_log::table
        .filter(audit_log::hash.is_null())
        .select(audit_log::id)
        .order(audit_log::id)
        .first(conn)
        .optional()?;
    Ok(first.is_some())
}

/// Seals one batch in the caller's write transaction; returns how many rows it sealed. On
/// PostgreSQL sealers on several instances take turns on a lock held to the transaction's end.
fn seal_batch(conn: &mut DbConn) -> QueryResult<usize> {
    crate::per_backend!(conn,
        pg(c) => {
            diesel::sql_query("SELECT pg_advisory_xact_lock(7246025)").execute(c)?;
        },
        sqlite(_c) => {},
    );
    let rows: Vec<AuditRow> = audit_log::table
        .filter(audit_log::hash.is_null())
        .order(audit_log::id)
        .limit(BATCH)
        .select(AuditRow::as_select())
        .load(conn)?;
    let (mut seq, mut prev) = sealed_head(conn)?.unwrap_or((0, GENESIS.to_owned()));
    for row in &rows {
        seq += 1;
        let hash = hash_of(row, seq, &prev);
        diesel::update(audit_log::table.find(row.id))
            .filter(audit_log::hash.is_null())
            .set((
                audit_log::seq.eq(seq),
                audit_log::prev_hash.eq(&prev),
                audit_log::hash.eq(&hash),
            ))
            .execute(conn)?;
        prev = hash;
    }
    Ok(rows.len())
}

/// Seals every row waiting, batch by batch; returns how many. Cheap when none waits (one read).
pub fn seal(pool: &DbPool) -> ApiResult<usize> {
    let mut sealed = 0;
    while db::read_here(pool, |c| Ok(pending(c)?))? {
        let n = db::write_here(pool, |c| Ok(seal_batch(c)?))?;
        sealed += n;
        if n == 0 {
            break;
        }
    }
    Ok(sealed)
}

/// The chain's latest link: what to publish or anchor elsewhere.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChainHead {
    /// Rows sealed so far; the newest sealed row's place in the chain (0 when none).
    pub seq: i64,
    /// Its audit entry's id.
    pub id: Option<i64>,
    /// When that entry was written.
    pub at: Option<chrono::DateTime<chrono::Utc>>,
    /// Its hash (64 zeros when nothing is sealed yet).
    #[schema(example = "9f2c1e0b6a4d3c2b1a0f9e8d7c6b5a493827160f5e4d3c2b1a09f8e7d6c5b4a3")]
    pub hash: String,
    /// Entries written but not sealed yet (the sealer runs every 200 ms).
    pub unsealed: i64,
}

pub fn head(conn: &mut DbConn) -> QueryResult<ChainHead> {
    let newest: Option<(i64, i64, NaiveDateTime, String)> = audit_log::table
        .filter(audit_log::seq.is_not_null())
        .order(audit_log::seq.desc())
        .select((
            audit_log::seq.assume_not_null(),
            audit_log::id,
            audit_log::at,
            audit_log::hash.assume_not_null(),
        ))
        .first(conn)
        .optional()?;
    let unsealed: i64 = audit_log::table
        .filter(audit_log::hash.is_null())
        .count()
        .get_result(conn)?;
    Ok(match newest {
        Some((seq, id, at, hash)) => ChainHead {
            seq,
            id: Some(id),
            at: Some(crate::time::utc(at)),
            hash,
            unsealed,
        },
        None => ChainHead {
            seq: 0,
            id: None,
            at: None,
            hash: GENESIS.to_owned(),
            unsealed,
        },
    })
}

/// What a walk of the whole chain found.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every sealed row links to the one before and hashes to what it carries.
    Intact {
        rows: i64,
        head: String,
        unsealed: i64,
    },
    /// The first row (by place) where the chain does not hold, and why.
    Broken {
        seq: i64,
        id: Option<i64>,
        reason: String,
    },
}

/// Walks the chain from its first row, reading it in batches.
pub fn verify(conn: &mut DbConn) -> QueryResult<Verdict> {
    let mut prev = GENESIS.to_owned();
    let mut expected = 1i64;
    loop {
        let rows: Vec<AuditRow> = audit_log::table
            .filter(audit_log::seq.ge(expected))
            .order(audit_log::seq)
            .limit(1000)
            .select(AuditRow::as_select())
            .load(conn)?;
        if rows.is_empty() {
            break;
        }
        for row in rows {
            let seq = row.seq.unwrap_or_default();
            if seq != expected {
                return Ok(Verdict::Broken {
                    seq: expected,
                    id: None,
                    reason: format!(
                        "no row holds place {expected}: the next sealed row is at {seq}"
                    ),
                });
            }
            let broken = |reason: String| Verdict::Broken {
                seq,
                id: Some(row.id),
                reason,
            };
            if row.prev_hash.as_deref() != Some(prev.as_str()) {
                return Ok(broken(format!(
                    "its prev_hash {} is not the hash of the row before ({prev})",
                    row.prev_hash.as_deref().unwrap_or("null")
                )));
            }
            let computed = hash_of(&row, seq, &prev);
            if row.hash.as_deref() != Some(computed.as_str()) {
                return Ok(broken(format!(
                    "its content hashes to {computed}, not to the {} it carries",
                    row.hash.as_deref().unwrap_or("null")
                )));
            }
            prev = computed;
            expected += 1;
        }
    }
    let unsealed: i64 = audit_log::table
        .filter(audit_log::hash.is_null())
        .count()
        .get_result(conn)?;
    Ok(Verdict::Intact {
        rows: expected - 1,
        head: prev,
        unsealed,
    })
}
