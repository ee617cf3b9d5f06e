//! Queries of the library.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::rules::{DocumentKind, DocumentStatus};
use crate::db::json::Json;
use crate::db::schema::{document_versions as dv, documents};
use crate::db::DbConn;
use crate::http::lang::I18n;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = documents)]
pub struct DocumentRow {
    pub id: i64,
    pub kind: DocumentKind,
    pub report_id: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = dv)]
pub struct VersionRow {
    pub document_id: i64,
    pub version: i32,
    pub status: DocumentStatus,
    pub language: String,
    pub title: Json<I18n>,
    pub summary: Json<I18n>,
    pub thematic_areas: Json<Vec<String>>,
    pub rounds: Json<Vec<i64>>,
    pub file_languages: String,
    pub revision: i32,
    pub published_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// What a version holds, as written.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = dv)]
pub struct VersionValues {
    pub status: DocumentStatus,
    pub language: String,
    pub title: String,
    pub summary: String,
    pub thematic_areas: String,
    pub rounds: String,
    pub file_languages: String,
    pub revision: i32,
    pub updated_at: NaiveDateTime,
}

pub fn insert_document(
    conn: &mut DbConn,
    kind: DocumentKind,
    report: Option<i64>,
    by: Option<i64>,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(documents::table)
        .values((
            documents::kind.eq(kind),
            documents::report_id.eq(report),
            documents::created_by.eq(by),
            documents::created_at.eq(now),
        ))
        .returning(documents::id)
        .get_result(conn)
}

pub fn set_kind(conn: &mut DbConn, id: i64, kind: DocumentKind) -> QueryResult<usize> {
    diesel::update(documents::table.find(id))
        .set(documents::kind.eq(kind))
        .execute(conn)
}

pub fn insert_version(
    conn: &mut DbConn,
    id: i64,
    version: i32,
    values: &VersionValues,
) -> QueryResult<usize> {
    diesel::insert_into(dv::table)
        .values((
            dv::document_id.eq(id),
            dv::version.eq(version),
            values,
            dv::created_at.eq(values.updated_at),
        ))
        .execute(conn)
}

pub fn update_version(
    conn: &mut DbConn,
    id: i64,
    version: i32,
    values: &VersionValues,
) -> QueryResult<usize> {
    diesel::update(dv::table.find((id, version)))
        .set(values)
        .execute(conn)
}

pub fn set_status(
    conn: &mut DbConn,
    id: i64,
    version: i32,
    status: DocumentStatus,
    published_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(dv::table.find((id, version)))
        .set((
            dv::status.eq(status),
            dv::published_at.eq(published_at),
            dv::revision.eq(dv::revision + 1),
            dv::updated_at.eq(now),
        ))
        .execute(conn)
}

pub fn find_document(conn: &mut DbConn, id: i64) -> QueryResult<Option<DocumentRow>> {
    documents::table
        .find(id)
        .select(DocumentRow::as_select())
        .first(conn)
        .optional()
}

pub fn by_report(conn: &mut DbConn, report: i64) -> QueryResult<Option<i64>> {
    documents::table
        .filter(documents::report_id.eq(report))
        .select(documents::id)
        .first(conn)
        .optional()
}

/// Every version of a document, oldest first.
pub fn versions(conn: &mut DbConn, id: i64) -> QueryResult<Vec<VersionRow>> {
    dv::table
        .filter(dv::document_id.eq(id))
        .order(dv::version.asc())
        .select(VersionRow::as_select())
        .load(conn)
}

/// Filters of a library listing.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub status: Option<DocumentStatus>,
    pub kind: Option<DocumentKind>,
    pub area: Option<String>,
    pub round: Option<i64>,
    pub language: Option<String>,
    /// Only these documents (what a text search found).
    pub ids: Option<Vec<i64>>,
}

/// The versions in `status` (one per document: a document has at most one published version
/// and one draft at a time), newest document first, after the keyset `before`.
pub fn list(
    conn: &mut DbConn,
    f: &Filter,
    status: DocumentStatus,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<(DocumentRow, VersionRow)>> {
    let mut q = documents::table
        .inner_join(dv::table)
        .filter(dv::status.eq(status))
        .select((DocumentRow::as_select(), VersionRow::as_select()))
        .order(documents::id.desc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(b) = before {
        q = q.filter(documents::id.lt(b));
    }
    if let Some(k) = f.kind {
        q = q.filter(documents::kind.eq(k));
    }
    if let Some(a) = &f.area {
        q = q.filter(dv::thematic_areas.like(format!("%\"{a}\"%")));
    }
    if let Some(r) = f.round {
        q = q.filter(
            dv::rounds
                .eq(format!("[{r}]"))
                .or(dv::rounds.like(format!("[{r},%")))
                .or(dv::rounds.like(format!("%,{r},%")))
                .or(dv::rounds.like(format!("%,{r}]"))),
        );
    }
    if let Some(l) = &f.language {
        q = q.filter(dv::file_languages.like(format!("%,{l},%")));
    }
    if let Some(ids) = &f.ids {
        q = q.filter(documents::id.eq_any(ids.clone()));
    }
    q.load(conn)
}
