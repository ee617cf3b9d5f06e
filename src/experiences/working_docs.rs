//! The working documents editors read, kept in each process.
//!
//! A working document lives in four child tables, so reading one costs four queries beside the
//! row's; the secretariat and the focal points read working documents far more often than they
//! change them. Every change of a working document moves its row's revision and update time on
//! in the same transaction ([`super::edit::save_working`]), so a document kept under its row's
//! `(id, revision, updated_at)` is the document of any row read with that stamp, on every
//! instance; a row that moved on finds nothing kept and reads its children again.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDateTime;
use moka::sync::Cache;

use super::model::ExperienceRow;
use super::rules::Document;
use super::store;
use crate::db::DbConn;

/// What identifies one state of a working document: the row's id, revision and update time
/// (the time tells apart a row created again under an id SQLite gave out before).
type Stamp = (i64, i32, NaiveDateTime);

fn stamp(row: &ExperienceRow) -> Stamp {
    (row.id, row.revision, row.updated_at)
}

/// The kept working documents: at most [`WorkingDocs::BUDGET`] bytes of text, least recently
/// read dropped first.
pub struct WorkingDocs {
    kept: Option<Cache<Stamp, Arc<Document>>>,
}

impl WorkingDocs {
    const BUDGET: u64 = 16 * 1024 * 1024;

    /// Kept documents when `enabled`; none otherwise (every read assembles its documents).
    pub fn new(enabled: bool) -> WorkingDocs {
        WorkingDocs {
            kept: enabled.then(|| {
                Cache::builder()
                    .max_capacity(Self::BUDGET)
                    .weigher(|_: &Stamp, doc: &Arc<Document>| {
                        u32::try_from(weight(doc)).unwrap_or(u32::MAX)
                    })
                    .build()
            }),
        }
    }

    /// The working documents of `rows`: those kept, and the others assembled from their child
    /// rows. What was assembled is kept only if no change committed while it was read (the
    /// rows' stamps read again are the same), so a document read halfway through a change is
    /// never kept.
    pub fn documents(
        &self,
        conn: &mut DbConn,
        rows: &[&ExperienceRow],
    ) -> diesel::QueryResult<HashMap<i64, Document>> {
        let Some(kept) = &self.kept else {
            return store::working_documents(conn, rows);
        };
        let mut docs = HashMap::with_capacity(rows.len());
        let mut missing = Vec::new();
        for row in rows {
            match kept.get(&stamp(row)) {
                // The row's own snapshot date, as the assembled document has it.
                Some(doc) => {
                    let mut doc = Document::clone(&doc);
                    doc.snapshot_date = row.snapshot_date;
                    docs.insert(row.id, doc);
                }
                None => missing.push(*row),
            }
        }
        if missing.is_empty() {
            return Ok(docs);
        }
        let read = store::working_documents(conn, &missing)?;
        let ids: Vec<i64> = missing.iter().map(|r| r.id).collect();
        let now = store::stamps(conn, &ids)?;
        for row in missing {
            let Some(doc) = read.get(&row.id) else {
                continue;
            };
            if now.get(&row.id) == Some(&(row.revision, row.updated_at)) {
                kept.insert(stamp(row), Arc::new(doc.clone()));
            }
        }
        docs.extend(read);
        Ok(docs)
    }
}

/// About the bytes a document holds: its JSON's length.
fn weight(doc: &Document) -> usize {
    serde_json::to_vec(doc).map_or(64 * 1024, |j| j.len())
}
