//! Queries of files and attachments.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::parents::ParentType;
use crate::db::schema::{attachments as at, files};
use crate::db::DbConn;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = files)]
pub struct FileRow {
    pub id: i64,
    pub sha256: String,
    pub name: String,
    pub media_type: String,
    pub size: i64,
    pub uploaded_by: Option<i64>,
    pub country: Option<String>,
    pub idempotency_key: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = files)]
pub struct NewFile<'a> {
    pub sha256: &'a str,
    pub name: &'a str,
    pub media_type: &'a str,
    pub size: i64,
    pub uploaded_by: Option<i64>,
    pub country: Option<&'a str>,
    pub idempotency_key: Option<&'a str>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = at)]
pub struct AttachmentRow {
    pub id: i64,
    pub file_id: i64,
    pub parent_type: ParentType,
    pub parent_id: i64,
    pub slot: String,
    pub caption: String,
    pub attached_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = at)]
pub struct NewAttachment<'a> {
    pub file_id: i64,
    pub parent_type: ParentType,
    pub parent_id: i64,
    pub slot: &'a str,
    pub caption: &'a str,
    pub attached_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

pub fn insert_file(conn: &mut DbConn, f: &NewFile<'_>) -> QueryResult<i64> {
    diesel::insert_into(files::table)
        .values(f)
        .returning(files::id)
        .get_result(conn)
}

pub fn find_file(conn: &mut DbConn, id: i64) -> QueryResult<Option<FileRow>> {
    files::table
        .find(id)
        .select(FileRow::as_select())
        .first(conn)
        .optional()
}

/// The file an earlier upload with this `Idempotency-Key` made, if any.
pub fn by_idempotency_key(
    conn: &mut DbConn,
    uploader: i64,
    key: &str,
) -> QueryResult<Option<FileRow>> {
    files::table
        .filter(files::uploaded_by.eq(uploader))
        .filter(files::idempotency_key.eq(key))
        .select(FileRow::as_select())
        .first(conn)
        .optional()
}

/// The caller's uploads, newest first (keyset on id).
pub fn uploads_of(
    conn: &mut DbConn,
    uploader: i64,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<FileRow>> {
    let mut q = files::table
        .filter(files::uploaded_by.eq(uploader))
        .select(FileRow::as_select())
        .order(files::id.desc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(b) = before {
        q = q.filter(files::id.lt(b));
    }
    q.load(conn)
}

pub fn insert_attachment(conn: &mut DbConn, a: &NewAttachment<'_>) -> QueryResult<i64> {
    diesel::insert_into(at::table)
        .values(a)
        .returning(at::id)
        .get_result(conn)
}

pub fn find_attachment(conn: &mut DbConn, id: i64) -> QueryResult<Option<AttachmentRow>> {
    at::table
        .find(id)
        .select(AttachmentRow::as_select())
        .first(conn)
        .optional()
}

/// Removes what is attached to one slot of a parent (a document version's language).
pub fn detach_slot(
    conn: &mut DbConn,
    parent: ParentType,
    parent_id: i64,
    slot: &str,
) -> QueryResult<usize> {
    diesel::delete(
        at::table
            .filter(at::parent_type.eq(parent))
            .filter(at::parent_id.eq(parent_id))
            .filter(at::slot.eq(slot)),
    )
    .execute(conn)
}

pub fn delete_attachment(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::delete(at::table.find(id)).execute(conn)
}

/// Whether this file is attached to this parent (and slot) already.
pub fn attachment_exists(
    conn: &mut DbConn,
    file: i64,
    parent: ParentType,
    parent_id: i64,
    slot: &str,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        at::table
            .filter(at::file_id.eq(file))
            .filter(at::parent_type.eq(parent))
            .filter(at::parent_id.eq(parent_id))
            .filter(at::slot.eq(slot)),
    ))
    .get_result(conn)
}

/// The attachments of these parents, with their files, by parent id, oldest first.
pub fn attachments_of(
    conn: &mut DbConn,
    parent: ParentType,
    ids: &[i64],
) -> QueryResult<HashMap<i64, Vec<(AttachmentRow, FileRow)>>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(AttachmentRow, FileRow)> = at::table
        .inner_join(files::table)
        .filter(at::parent_type.eq(parent))
        .filter(at::parent_id.eq_any(ids))
        .order(at::id.asc())
        .select((AttachmentRow::as_select(), FileRow::as_select()))
        .load(conn)?;
    let mut out: HashMap<i64, Vec<_>> = HashMap::new();
    for r in rows {
        out.entry(r.0.parent_id).or_default().push(r);
    }
    Ok(out)
}

/// Which of these files are attached somewhere.
pub fn attached_among(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashSet<i64>> {
    Ok(at::table
        .filter(at::file_id.eq_any(ids))
        .select(at::file_id)
        .distinct()
        .load::<i64>(conn)?
        .into_iter()
        .collect())
}

/// Where a file is attached: each parent once, at most `limit` of them.
pub fn parents_of(
    conn: &mut DbConn,
    file: i64,
    limit: i64,
) -> QueryResult<Vec<(ParentType, i64, String)>> {
    at::table
        .filter(at::file_id.eq(file))
        .select((at::parent_type, at::parent_id, at::slot))
        .distinct()
        .limit(limit)
        .load(conn)
}

/// The questions of a response that have evidence attached.
pub fn evidenced_questions(conn: &mut DbConn, response: i64) -> QueryResult<HashSet<String>> {
    Ok(at::table
        .filter(at::parent_type.eq(ParentType::Answer))
        .filter(at::parent_id.eq(response))
        .select(at::slot)
        .load::<String>(conn)?
        .into_iter()
        .collect())
}

/// Removes uploads attached nowhere that are older than `cutoff`; their content goes with the
/// next sweep of the store. Returns how many went.
pub fn remove_unattached(conn: &mut DbConn, cutoff: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(
        files::table
            .filter(files::created_at.lt(cutoff))
            .filter(diesel::dsl::not(diesel::dsl::exists(
                at::table.filter(at::file_id.eq(files::id)),
            ))),
    )
    .execute(conn)
}
