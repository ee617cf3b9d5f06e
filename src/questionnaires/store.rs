//! Questionnaire queries.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;

use super::model::{Document, Kind, QuestionnaireRow, QuestionnaireStatus};
use crate::db::schema::{questionnaire_questions, questionnaires, thematic_areas};
use crate::db::DbConn;

#[derive(Debug, Default, Clone)]
pub struct QuestionnaireFilter {
    pub round: Option<i64>,
    pub status: Option<QuestionnaireStatus>,
    /// Whether drafts may be listed (the secretariat's).
    pub include_drafts: bool,
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<QuestionnaireRow>> {
    questionnaires::table
        .find(id)
        .select(QuestionnaireRow::as_select())
        .first(conn)
        .optional()
}

/// Up to `limit + 1` questionnaires after id `after`.
pub fn list(
    conn: &mut DbConn,
    filter: &QuestionnaireFilter,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<QuestionnaireRow>> {
    let mut q = questionnaires::table.into_boxed();
    if let Some(r) = filter.round {
        q = q.filter(questionnaires::round_id.eq(r));
    }
    if let Some(s) = &filter.status {
        q = q.filter(questionnaires::status.eq(*s));
    }
    if !filter.include_drafts {
        q = q.filter(questionnaires::status.ne(QuestionnaireStatus::Draft));
    }
    if let Some(a) = after {
        q = q.filter(questionnaires::id.gt(a));
    }
    q.order(questionnaires::id.asc())
        .limit(limit + 1)
        .select(QuestionnaireRow::as_select())
        .load(conn)
}

/// Several versions at once (one query), by id.
pub fn find_many(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, QuestionnaireRow>> {
    Ok(questionnaires::table
        .filter(questionnaires::id.eq_any(ids))
        .select(QuestionnaireRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|q| (q.id, q))
        .collect())
}

/// Every version of the round, newest first.
pub fn versions_of_round(conn: &mut DbConn, round_id: i64) -> QueryResult<Vec<QuestionnaireRow>> {
    questionnaires::table
        .filter(questionnaires::round_id.eq(round_id))
        .order(questionnaires::version.desc())
        .select(QuestionnaireRow::as_select())
        .load(conn)
}

pub fn known_areas(conn: &mut DbConn) -> QueryResult<HashSet<String>> {
    Ok(thematic_areas::table
        .select(thematic_areas::slug)
        .load::<String>(conn)?
        .into_iter()
        .collect())
}

pub fn insert(
    conn: &mut DbConn,
    round_id: i64,
    version: i32,
    language: &str,
    doc: &Document,
) -> QueryResult<i64> {
    let now = crate::time::now();
    let id = diesel::insert_into(questionnaires::table)
        .values((
            questionnaires::round_id.eq(round_id),
            questionnaires::version.eq(version),
            questionnaires::status.eq(QuestionnaireStatus::Draft),
            questionnaires::language.eq(language),
            questionnaires::document.eq(serde_json::to_string(doc).unwrap_or_default()),
            questionnaires::revision.eq(1),
            questionnaires::created_at.eq(now),
            questionnaires::updated_at.eq(now),
        ))
        .returning(questionnaires::id)
        .get_result(conn)?;
    index_questions(conn, id, doc)?;
    Ok(id)
}

/// Replaces the document of a draft; returns the new revision.
pub fn replace(conn: &mut DbConn, row: &QuestionnaireRow, doc: &Document) -> QueryResult<i32> {
    let revision = row.revision + 1;
    diesel::update(questionnaires::table.find(row.id))
        .set((
            questionnaires::document.eq(serde_json::to_string(doc).unwrap_or_default()),
            questionnaires::revision.eq(revision),
            questionnaires::updated_at.eq(crate::time::now()),
        ))
        .execute(conn)?;
    index_questions(conn, row.id, doc)?;
    Ok(revision)
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = questionnaire_questions)]
struct QuestionIndexRow {
    questionnaire_id: i64,
    code: String,
    position: i32,
    section_code: String,
    kind: Kind,
    required: bool,
}

/// Rewrites the question index of a version (codes, kinds, order) from its document.
fn index_questions(conn: &mut DbConn, id: i64, doc: &Document) -> QueryResult<()> {
    diesel::delete(
        questionnaire_questions::table.filter(questionnaire_questions::questionnaire_id.eq(id)),
    )
    .execute(conn)?;
    let rows: Vec<QuestionIndexRow> = doc
        .questions()
        .enumerate()
        .map(|(i, (s, q))| QuestionIndexRow {
            questionnaire_id: id,
            code: q.code.clone(),
            position: i as i32 + 1,
            section_code: s.code.clone(),
            kind: q.kind,
            required: q.required,
        })
        .collect();
    // Bounded batches keep each statement under SQLite's bound-parameter limit.
    for chunk in rows.chunks(100) {
        crate::batch_insert!(conn, questionnaire_questions::table, chunk)?;
    }
    Ok(())
}

#[derive(AsChangeset)]
#[diesel(table_name = questionnaires)]
struct StatusChange {
    status: QuestionnaireStatus,
    published_at: Option<Option<chrono::NaiveDateTime>>,
    revision: i32,
    updated_at: chrono::NaiveDateTime,
}

/// Moves a version to `status`. Publishing stamps `published_at`; retiring keeps it.
pub fn set_status(
    conn: &mut DbConn,
    id: i64,
    status: QuestionnaireStatus,
    revision: i32,
) -> QueryResult<usize> {
    let now = crate::time::now();
    diesel::update(questionnaires::table.find(id))
        .set(StatusChange {
            status,
            published_at: (status == QuestionnaireStatus::Published).then_some(Some(now)),
            revision,
            updated_at: now,
        })
        .execute(conn)
}

pub fn delete(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::delete(
        questionnaire_questions::table.filter(questionnaire_questions::questionnaire_id.eq(id)),
    )
    .execute(conn)?;
    diesel::delete(questionnaires::table.find(id)).execute(conn)
}
