//! Response queries. Saving answers runs a fixed number of statements whatever their number.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{AnswerChange, AnswerRow, HistoryRow, ResponseRow};
use super::rules::ResponseStatus;
use crate::auth::{Principal, Role};
use crate::db::schema::{answer_history, answers, responses, rounds};
use crate::db::DbConn;
use crate::rounds::rules::ResponsePublication;
use crate::rounds::rules::RoundStatus;

/// Which responses a caller may see, as a query condition.
#[derive(Debug, Clone)]
pub enum Visibility {
    All,
    /// Submitted, returned and accepted ones (experts).
    NotDraft,
    /// One country's, plus the public ones (focal points).
    CountryOrPublic(String),
    /// Accepted responses of concluded rounds that publish them (anonymous).
    Public,
}

#[derive(Debug, Default, Clone)]
pub struct ResponseFilter {
    pub questionnaire: Option<i64>,
    pub round: Option<i64>,
    pub country: Option<String>,
    pub status: Option<ResponseStatus>,
    pub updated_since: Option<NaiveDateTime>,
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<ResponseRow>> {
    responses::table
        .find(id)
        .select(ResponseRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_for(
    conn: &mut DbConn,
    questionnaire: i64,
    country: &str,
) -> QueryResult<Option<ResponseRow>> {
    responses::table
        .filter(responses::questionnaire_id.eq(questionnaire))
        .filter(responses::country.eq(country))
        .select(ResponseRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert(
    conn: &mut DbConn,
    questionnaire: i64,
    round: i64,
    country: &str,
    by: Option<i64>,
) -> QueryResult<i64> {
    let now = crate::time::now();
    diesel::insert_into(responses::table)
        .values((
            responses::questionnaire_id.eq(questionnaire),
            responses::round_id.eq(round),
            responses::country.eq(country),
            responses::status.eq(ResponseStatus::Draft),
            responses::revision.eq(1),
            responses::late.eq(false),
            responses::carry_over_report.eq("[]"),
            responses::created_by.eq(by),
            responses::created_at.eq(now),
            responses::updated_at.eq(now),
        ))
        .returning(responses::id)
        .get_result(conn)
}

/// Moves the response to its next revision (a save of answers changes the response); returns
/// it.
pub fn next_revision(conn: &mut DbConn, id: i64) -> QueryResult<i32> {
    diesel::update(responses::table.find(id))
        .set((
            responses::revision.eq(responses::revision + 1),
            responses::updated_at.eq(crate::time::now()),
        ))
        .returning(responses::revision)
        .get_result(conn)
}

pub fn answers(conn: &mut DbConn, response_id: i64) -> QueryResult<Vec<AnswerRow>> {
    answers::table
        .filter(answers::response_id.eq(response_id))
        .select(AnswerRow::as_select())
        .load(conn)
}

/// Answers of many responses at once, by response.
pub fn answers_of(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, Vec<AnswerRow>>> {
    let mut out: HashMap<i64, Vec<AnswerRow>> = HashMap::new();
    for a in answers::table
        .filter(answers::response_id.eq_any(ids))
        .select(AnswerRow::as_select())
        .load(conn)?
    {
        out.entry(a.response_id).or_default().push(a);
    }
    Ok(out)
}

/// One change to save: the question, and its new value and comment (`None` value: delete).
#[derive(Clone)]
pub struct Change {
    pub code: String,
    pub value: Option<String>,
    pub comment: Option<String>,
}

/// What a save did: how many answers it changed, and every answer of the response after it.
pub struct Saved {
    pub changed: usize,
    pub answers: Vec<AnswerRow>,
}

/// A save worked out against the answers stored at one moment: the answers it removes and
/// writes, and the history of what really changes. Built without touching the database, so a
/// save can work it out before it waits for its turn to write (SQLite has one writer at a
/// time); it holds while the response's answers are those it was built from.
#[derive(Clone)]
pub struct Plan {
    stored: HashMap<String, AnswerRow>,
    removed: Vec<String>,
    /// Code, value and comment of each answer written.
    writes: Vec<(String, String, Option<String>)>,
    /// The history row's changes (JSON), when something changes.
    history: Option<String>,
    changed: usize,
}

impl Plan {
    /// Compares `changes` with the `stored` answers; an answer sent as it is stored changes
    /// nothing and is left out of the writes and the history.
    pub fn new(stored: Vec<AnswerRow>, changes: &[Change]) -> Plan {
        let stored: HashMap<String, AnswerRow> = stored
            .into_iter()
            .map(|a| (a.question_code.clone(), a))
            .collect();
        let mut removed = Vec::new();
        let mut writes = Vec::new();
        let mut history: Vec<AnswerChange> = Vec::new();
        let parse = |v: &str| serde_json::from_str(v).ok();
        for c in changes {
            let old = stored.get(&c.code);
            let same = match (old, &c.value) {
                (Some(o), Some(v)) => &o.value == v && o.comment == c.comment,
                (None, None) => true,
                _ => false,
            };
            if same {
                continue;
            }
            match &c.value {
                Some(v) => writes.push((c.code.clone(), v.clone(), c.comment.clone())),
                None => removed.push(c.code.clone()),
            }
            history.push(AnswerChange {
                question: c.code.clone(),
                old_value: old.and_then(|o| parse(&o.value)),
                new_value: c.value.as_deref().and_then(parse),
                old_comment: old.and_then(|o| o.comment.clone()),
                new_comment: c.value.as_ref().and(c.comment.clone()),
            });
        }
        Plan {
            stored,
            removed,
            writes,
            changed: history.len(),
            history: (!history.is_empty())
                .then(|| serde_json::to_string(&history).unwrap_or_default()),
        }
    }

    /// How many answers the save changes.
    pub fn changed(&self) -> usize {
        self.changed
    }

    /// Every answer of the response after the save [`apply`] made at `at`, by `by`.
    pub fn answers_after(
        self,
        response_id: i64,
        by: Option<i64>,
        at: NaiveDateTime,
    ) -> Vec<AnswerRow> {
        let mut answers = self.stored;
        for code in &self.removed {
            answers.remove(code);
        }
        for (code, value, comment) in self.writes {
            answers.insert(
                code.clone(),
                AnswerRow {
                    response_id,
                    question_code: code,
                    value,
                    comment,
                    updated_by: by,
                    updated_at: at,
                },
            );
        }
        answers.into_values().collect()
    }
}

/// Writes what `plan` changes, and its history row, in a fixed number of statements; returns
/// the time the answers were written.
pub fn apply(
    conn: &mut DbConn,
    response_id: i64,
    plan: &Plan,
    by: Option<i64>,
    via: &str,
) -> QueryResult<NaiveDateTime> {
    let now = crate::time::now();
    // A whole questionnaire's codes (2,000) stay under both backends' bound-parameter limits
    // (SQLite ≥ 3.32: 32,766).
    for chunk in plan.removed.chunks(2000) {
        diesel::delete(
            answers::table
                .filter(answers::response_id.eq(response_id))
                .filter(answers::question_code.eq_any(chunk)),
        )
        .execute(conn)?;
    }
    if !plan.writes.is_empty() {
        upsert_answers(conn, response_id, by, now, &plan.writes)?;
    }
    if let Some(changes) = &plan.history {
        diesel::insert_into(answer_history::table)
            .values((
                answer_history::response_id.eq(response_id),
                answer_history::changes.eq(changes),
                answer_history::change_count.eq(plan.changed as i32),
                answer_history::via.eq(via),
                answer_history::changed_by.eq(by),
                answer_history::changed_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(now)
}

/// Applies `changes` to the answers stored now and records each real change in the history.
pub fn save(
    conn: &mut DbConn,
    response_id: i64,
    changes: &[Change],
    by: Option<i64>,
    via: &str,
) -> QueryResult<Saved> {
    let plan = Plan::new(answers(conn, response_id)?, changes);
    let at = apply(conn, response_id, &plan, by, via)?;
    Ok(Saved {
        changed: plan.changed(),
        answers: plan.answers_after(response_id, by, at),
    })
}

#[derive(AsChangeset)]
#[diesel(table_name = responses)]
struct StatusChange {
    status: ResponseStatus,
    revision: i32,
    updated_at: NaiveDateTime,
    submitted_at: Option<Option<NaiveDateTime>>,
    submitted_by: Option<Option<i64>>,
    late: Option<bool>,
    return_reason: Option<Option<String>>,
}

/// Moves the response to `status` at `revision` in one statement (the schema checks the whole
/// row).
pub fn set_status(
    conn: &mut DbConn,
    id: i64,
    status: ResponseStatus,
    revision: i32,
    submitted: Option<(NaiveDateTime, Option<i64>, bool)>,
    return_reason: Option<Option<String>>,
) -> QueryResult<usize> {
    diesel::update(responses::table.find(id))
        .set(StatusChange {
            status,
            revision,
            updated_at: crate::time::now(),
            submitted_at: submitted.map(|s| Some(s.0)),
            submitted_by: submitted.map(|s| s.1),
            late: submitted.map(|s| s.2),
            return_reason,
        })
        .execute(conn)
}

fn visible(
    v: &Visibility,
) -> Box<
    dyn diesel::BoxableExpression<
        responses::table,
        crate::db::MultiBackend,
        SqlType = diesel::sql_types::Bool,
    >,
> {
    let public_rounds = rounds::table
        .filter(rounds::status.eq(RoundStatus::Concluded))
        .filter(rounds::response_publication.eq(ResponsePublication::PublicAfterConclusion))
        .select(rounds::id);
    match v {
        Visibility::All => Box::new(responses::id.eq(responses::id)),
        Visibility::NotDraft => Box::new(responses::status.ne(ResponseStatus::Draft)),
        Visibility::Public => Box::new(
            responses::status
                .eq("accepted")
                .and(responses::round_id.eq_any(public_rounds)),
        ),
        Visibility::CountryOrPublic(c) => Box::new(
            responses::country.eq(c.clone()).or(responses::status
                .eq("accepted")
                .and(responses::round_id.eq_any(public_rounds))),
        ),
    }
}

/// Up to `limit + 1` responses after id `after`, among those `vis` lets the caller see.
pub fn list(
    conn: &mut DbConn,
    filter: &ResponseFilter,
    vis: &Visibility,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<ResponseRow>> {
    let mut q = responses::table.filter(visible(vis)).into_boxed();
    if let Some(v) = filter.questionnaire {
        q = q.filter(responses::questionnaire_id.eq(v));
    }
    if let Some(v) = filter.round {
        q = q.filter(responses::round_id.eq(v));
    }
    if let Some(v) = &filter.country {
        q = q.filter(responses::country.eq(v.clone()));
    }
    if let Some(v) = &filter.status {
        q = q.filter(responses::status.eq(*v));
    }
    if let Some(v) = filter.updated_since {
        q = q.filter(responses::updated_at.ge(v));
    }
    if let Some(a) = after {
        q = q.filter(responses::id.gt(a));
    }
    q.order(responses::id.asc())
        .limit(limit + 1)
        .select(ResponseRow::as_select())
        .load(conn)
}

/// Every response of a questionnaire version the caller may see, with answers (summaries).
pub fn visible_of_questionnaire(
    conn: &mut DbConn,
    questionnaire: i64,
    vis: &Visibility,
) -> QueryResult<Vec<ResponseRow>> {
    responses::table
        .filter(visible(vis))
        .filter(responses::questionnaire_id.eq(questionnaire))
        .select(ResponseRow::as_select())
        .load(conn)
}

pub fn of_round(conn: &mut DbConn, round: i64) -> QueryResult<Vec<ResponseRow>> {
    responses::table
        .filter(responses::round_id.eq(round))
        .select(ResponseRow::as_select())
        .load(conn)
}

pub fn history(
    conn: &mut DbConn,
    response_id: i64,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<HistoryRow>> {
    let mut q = answer_history::table
        .filter(answer_history::response_id.eq(response_id))
        .into_boxed();
    if let Some(a) = after {
        q = q.filter(answer_history::id.gt(a));
    }
    q.order(answer_history::id.asc())
        .limit(limit + 1)
        .select(HistoryRow::as_select())
        .load(conn)
}

/// Moves a response to another questionnaire version, with its carry-over report.
pub fn move_to(conn: &mut DbConn, id: i64, questionnaire: i64, report: &str) -> QueryResult<usize> {
    diesel::update(responses::table.find(id))
        .set((
            responses::questionnaire_id.eq(questionnaire),
            responses::carry_over_report.eq(report),
            responses::revision.eq(responses::revision + 1),
            responses::updated_at.eq(crate::time::now()),
        ))
        .execute(conn)
}

/// Inserts the answers of one save, or overwrites the value, comment and author of those that
/// exist (`ON CONFLICT … DO UPDATE`), in one statement of a few binds whatever the number of
/// answers: PostgreSQL takes them as arrays (`unnest`), SQLite as one JSON array
/// (`json_each`). A 300-answer save was 1,800 parameters on PostgreSQL, and on SQLite a delete
/// and 300 single-row inserts that took half the write lock's time.
fn upsert_answers(
    conn: &mut DbConn,
    response_id: i64,
    by: Option<i64>,
    at: NaiveDateTime,
    rows: &[(String, String, Option<String>)],
) -> diesel::QueryResult<usize> {
    use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};
    use diesel::RunQueryDsl;
    const SET: &str = "ON CONFLICT (response_id, question_code) DO UPDATE SET \
        value = excluded.value, comment = excluded.comment, updated_by = excluded.updated_by, \
        updated_at = excluded.updated_at";
    crate::per_backend!(conn,
        pg(c) => {
            use diesel::sql_types::Array;
            diesel::sql_query(format!(
                "INSERT INTO answers (response_id, question_code, value, comment, updated_by, \
                 updated_at) SELECT $1, q, v, c, $5, $6 \
                 FROM unnest($2::text[], $3::text[], $4::text[]) AS t(q, v, c) {SET}"
            ))
            .bind::<BigInt, _>(response_id)
            .bind::<Array<Text>, _>(rows.iter().map(|r| r.0.as_str()).collect::<Vec<_>>())
            .bind::<Array<Text>, _>(rows.iter().map(|r| r.1.as_str()).collect::<Vec<_>>())
            .bind::<Array<Nullable<Text>>, _>(
                rows.iter().map(|r| r.2.as_deref()).collect::<Vec<_>>(),
            )
            .bind::<Nullable<BigInt>, _>(by)
            .bind::<Timestamp, _>(at)
            .execute(c)
        },
        // `WHERE true`: SQLite reads `ON CONFLICT` after a bare `SELECT … FROM` as a join's `ON`.
        sqlite(c) => {
            let triples = serde_json::to_string(rows)
                .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
            diesel::sql_query(format!(
                "INSERT INTO answers (response_id, question_code, value, comment, updated_by, \
                 updated_at) SELECT ?, j.value ->> 0, j.value ->> 1, j.value ->> 2, ?, ? \
                 FROM json_each(?) AS j WHERE true {SET}"
            ))
            .bind::<BigInt, _>(response_id)
            .bind::<Nullable<BigInt>, _>(by)
            .bind::<Timestamp, _>(at)
            .bind::<Text, _>(triples)
            .execute(c)
        }
    )
}

/// What the caller may see, as a list condition.
pub fn visibility(caller: Option<&Principal>) -> Visibility {
    match caller {
        None => Visibility::Public,
        Some(p) => match p.role {
            Role::Secretariat => Visibility::All,
            Role::Expert => Visibility::NotDraft,
            Role::MemberCountry => {
                Visibility::CountryOrPublic(p.country.clone().unwrap_or_default())
            }
        },
    }
}
