//! Review queries.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{
    AssignmentRow, CommentRow, DrawRow, FollowupRow, NewCommentRow, NewDrawRow, NewFollowupRow,
    NewRecommendationRow, NewReportRow, RecommendationRow, ReportChanges, ReportRow,
};
use super::rules::{Assessment, AssessmentState, FollowupStatus, ReportKindOut, ReportStatus};
use crate::auth::Role;
use crate::db::schema::{
    draw_assignments as da, draws, recommendation_followups as fu, recommendations as rec,
    report_comments as rc, reports, users,
};
use crate::db::DbConn;

// ---- draws ----------------------------------------------------------------------------------

pub fn current_draw(conn: &mut DbConn, round_id: i64) -> QueryResult<Option<DrawRow>> {
    draws::table
        .filter(draws::round_id.eq(round_id))
        .filter(draws::superseded_at.is_null())
        .select(DrawRow::as_select())
        .first(conn)
        .optional()
}

/// Supersedes the current draw (if any) and stores `row` with its pairs; returns its id.
pub fn replace_draw(
    conn: &mut DbConn,
    row: &NewDrawRow,
    pairs: &[(String, String)],
) -> QueryResult<(i64, Option<i64>)> {
    let previous = current_draw(conn, row.round_id)?;
    if let Some(p) = &previous {
        diesel::update(draws::table.find(p.id))
            .set(draws::superseded_at.eq(Some(row.created_at)))
            .execute(conn)?;
    }
    let id: i64 = diesel::insert_into(draws::table)
        .values(row)
        .returning(draws::id)
        .get_result(conn)?;
    let rows: Vec<AssignmentRow> = pairs
        .iter()
        .map(|(c, r)| AssignmentRow {
            draw_id: id,
            country: c.clone(),
            reviewer: r.clone(),
        })
        .collect();
    for chunk in rows.chunks(100) {
        crate::batch_insert!(conn, da::table, chunk)?;
    }
    Ok((id, previous.map(|p| p.id)))
}

/// Reviewers of each reviewed country in a draw.
pub fn assignments(conn: &mut DbConn, draw_id: i64) -> QueryResult<BTreeMap<String, Vec<String>>> {
    let rows: Vec<AssignmentRow> = da::table
        .filter(da::draw_id.eq(draw_id))
        .order((da::country, da::reviewer))
        .select(AssignmentRow::as_select())
        .load(conn)?;
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in rows {
        out.entry(r.country).or_default().push(r.reviewer);
    }
    Ok(out)
}

/// Reviewer countries of `country` in the round's current draw.
pub fn reviewers_of(conn: &mut DbConn, round_id: i64, country: &str) -> QueryResult<Vec<String>> {
    da::table
        .inner_join(draws::table)
        .filter(draws::round_id.eq(round_id))
        .filter(draws::superseded_at.is_null())
        .filter(da::country.eq(country))
        .order(da::reviewer)
        .select(da::reviewer)
        .load(conn)
}

/// `(round, reviewed country)` pairs that `reviewer`'s experts are assigned to, in current
/// draws. Never the reviewer's own country (the schema refuses such a pair too).
pub fn assigned_to(conn: &mut DbConn, reviewer: &str) -> QueryResult<Vec<(i64, String)>> {
    da::table
        .inner_join(draws::table)
        .filter(draws::superseded_at.is_null())
        .filter(da::reviewer.eq(reviewer))
        .filter(da::country.ne(reviewer))
        .select((draws::round_id, da::country))
        .load(conn)
}

/// Active experts of `countries`: the assigned experts of a country report.
pub fn experts_of(conn: &mut DbConn, countries: &[String]) -> QueryResult<Vec<(i64, String)>> {
    users::table
        .filter(users::role.eq(Role::Expert))
        .filter(users::active.eq(true))
        .filter(users::country.eq_any(countries))
        .order(users::id)
        .select((users::id, users::country.assume_not_null()))
        .load(conn)
}

/// Every active expert.
pub fn all_experts(conn: &mut DbConn) -> QueryResult<Vec<i64>> {
    users::table
        .filter(users::role.eq(Role::Expert))
        .filter(users::active.eq(true))
        .order(users::id)
        .select(users::id)
        .load(conn)
}

// ---- reports --------------------------------------------------------------------------------

pub fn insert_report(conn: &mut DbConn, row: &NewReportRow) -> QueryResult<i64> {
    diesel::insert_into(reports::table)
        .values(row)
        .returning(reports::id)
        .get_result(conn)
}

pub fn find_report(conn: &mut DbConn, id: i64) -> QueryResult<Option<ReportRow>> {
    reports::table
        .find(id)
        .select(ReportRow::as_select())
        .first(conn)
        .optional()
}

pub fn report_exists(
    conn: &mut DbConn,
    round_id: i64,
    kind: ReportKindOut,
    country: Option<&str>,
) -> QueryResult<Option<i64>> {
    let mut q = reports::table
        .filter(reports::round_id.eq(round_id))
        .filter(reports::kind.eq(kind))
        .into_boxed();
    if let Some(c) = country {
        q = q.filter(reports::country.eq(c));
    }
    q.select(reports::id).first(conn).optional()
}

/// Applies `changes` to the report (whose row the caller locked before it checked `If-Match`).
pub fn update_report(conn: &mut DbConn, id: i64, changes: &ReportChanges) -> QueryResult<usize> {
    diesel::update(reports::table.find(id))
        .set(changes)
        .execute(conn)
}

/// Which reports a caller sees beyond published ones.
#[derive(Debug, Clone)]
pub enum ReportScope {
    All,
    PublishedOnly,
    /// A focal point: its country's reports.
    Country(String),
    /// An expert: hemispheric reports and the assigned `(round, country)` reports.
    Expert(Vec<(i64, String)>),
}

#[derive(Debug, Clone, Default)]
pub struct ReportFilter {
    pub round: Option<i64>,
    pub country: Option<String>,
    pub kind: Option<ReportKindOut>,
    pub status: Option<ReportStatus>,
    pub updated_since: Option<chrono::NaiveDateTime>,
}

/// Up to `limit + 1` reports after id `after`, those the scope sees.
pub fn list_reports(
    conn: &mut DbConn,
    filter: &ReportFilter,
    scope: &ReportScope,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<ReportRow>> {
    let mut q = reports::table.into_boxed();
    if let Some(r) = filter.round {
        q = q.filter(reports::round_id.eq(r));
    }
    if let Some(c) = &filter.country {
        q = q.filter(reports::country.eq(c.clone()));
    }
    if let Some(k) = &filter.kind {
        q = q.filter(reports::kind.eq(*k));
    }
    if let Some(s) = &filter.status {
        q = q.filter(reports::status.eq(*s));
    }
    if let Some(t) = filter.updated_since {
        q = q.filter(reports::updated_at.ge(t));
    }
    if let Some(a) = after {
        q = q.filter(reports::id.gt(a));
    }
    type Cond = Box<
        dyn BoxableExpression<
            reports::table,
            <DbConn as diesel::Connection>::Backend,
            SqlType = diesel::sql_types::Bool,
        >,
    >;
    let published: Cond = Box::new(reports::status.eq(ReportStatus::Published));
    let visible: Cond = match scope {
        ReportScope::All => Box::new(reports::id.gt(0)),
        ReportScope::PublishedOnly => published,
        ReportScope::Country(c) => Box::new(
            reports::status
                .eq(ReportStatus::Published)
                .or(reports::country.assume_not_null().eq(c.clone())),
        ),
        ReportScope::Expert(pairs) => {
            let mut cond: Cond = Box::new(
                reports::status
                    .eq(ReportStatus::Published)
                    .or(reports::kind.eq(ReportKindOut::Hemispheric)),
            );
            for (round, country) in pairs {
                cond = Box::new(
                    cond.or(reports::round_id
                        .eq(*round)
                        .and(reports::country.assume_not_null().eq(country.clone()))),
                );
            }
            cond
        }
    };
    q.filter(visible)
        .order(reports::id.asc())
        .limit(limit + 1)
        .select(ReportRow::as_select())
        .load(conn)
}

// ---- comments -------------------------------------------------------------------------------

pub fn insert_comment(conn: &mut DbConn, row: &NewCommentRow) -> QueryResult<i64> {
    diesel::insert_into(rc::table)
        .values(row)
        .returning(rc::id)
        .get_result(conn)
}

pub fn comments(
    conn: &mut DbConn,
    report_id: i64,
    updated_since: Option<chrono::NaiveDateTime>,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<CommentRow>> {
    let mut q = rc::table.filter(rc::report_id.eq(report_id)).into_boxed();
    if let Some(t) = updated_since {
        q = q.filter(rc::updated_at.ge(t));
    }
    if let Some(a) = after {
        q = q.filter(rc::id.gt(a));
    }
    q.order(rc::id.asc())
        .limit(limit + 1)
        .select(CommentRow::as_select())
        .load(conn)
}

pub fn find_comment(conn: &mut DbConn, report_id: i64, id: i64) -> QueryResult<Option<CommentRow>> {
    rc::table
        .find(id)
        .filter(rc::report_id.eq(report_id))
        .select(CommentRow::as_select())
        .first(conn)
        .optional()
}

pub fn edit_comment(
    conn: &mut DbConn,
    id: i64,
    anchor: Option<Option<String>>,
    body: Option<String>,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(rc::table.find(id))
        .set((
            anchor.map(|a| rc::anchor.eq(a)),
            body.map(|b| rc::body.eq(b)),
            rc::updated_at.eq(at),
        ))
        .execute(conn)
}

// ---- recommendations ------------------------------------------------------------------------

pub fn next_number(conn: &mut DbConn, report_id: i64) -> QueryResult<i32> {
    let max: Option<i32> = rec::table
        .filter(rec::report_id.eq(report_id))
        .select(diesel::dsl::max(rec::number))
        .first(conn)?;
    Ok(max.unwrap_or(0).saturating_add(1))
}

pub fn number_taken(conn: &mut DbConn, report_id: i64, number: i32) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        rec::table
            .filter(rec::report_id.eq(report_id))
            .filter(rec::number.eq(number)),
    ))
    .get_result(conn)
}

pub fn insert_recommendation(conn: &mut DbConn, row: &NewRecommendationRow) -> QueryResult<i64> {
    diesel::insert_into(rec::table)
        .values(row)
        .returning(rec::id)
        .get_result(conn)
}

pub fn find_recommendation(conn: &mut DbConn, id: i64) -> QueryResult<Option<RecommendationRow>> {
    rec::table
        .find(id)
        .select(RecommendationRow::as_select())
        .first(conn)
        .optional()
}

pub fn recommendations_of(
    conn: &mut DbConn,
    report_id: i64,
) -> QueryResult<Vec<RecommendationRow>> {
    rec::table
        .filter(rec::report_id.eq(report_id))
        .order(rec::number.asc())
        .select(RecommendationRow::as_select())
        .load(conn)
}

#[derive(Debug, Clone, Default)]
pub struct RecommendationFilter {
    pub round: Option<i64>,
    pub country: Option<String>,
    pub thematic_area: Option<String>,
    pub status: Option<FollowupStatus>,
    pub assessed_status: Option<FollowupStatus>,
    pub assessment: Option<AssessmentState>,
    pub updated_since: Option<chrono::NaiveDateTime>,
}

/// Up to `limit + 1` recommendations after id `after`, with their report, in reports the
/// scope sees (two queries whatever the page).
pub fn list_recommendations(
    conn: &mut DbConn,
    filter: &RecommendationFilter,
    scope: &ReportScope,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<(RecommendationRow, ReportRow)>> {
    let report_filter = ReportFilter {
        round: filter.round,
        country: filter.country.clone(),
        kind: None,
        status: None,
        updated_since: None,
    };
    let visible: Vec<i64> = list_reports(conn, &report_filter, scope, None, 100_000)?
        .into_iter()
        .map(|r| r.id)
        .collect();
    let mut q = rec::table
        .inner_join(reports::table)
        .filter(rec::report_id.eq_any(visible))
        .into_boxed();
    if let Some(a) = &filter.thematic_area {
        q = q.filter(rec::thematic_area.eq(a.clone()));
    }
    if let Some(s) = &filter.status {
        q = q.filter(rec::status.eq(*s));
    }
    if let Some(s) = &filter.assessed_status {
        q = q.filter(rec::assessed_status.eq(*s));
    }
    if let Some(a) = &filter.assessment {
        q = q.filter(rec::assessment.eq(*a));
    }
    if let Some(t) = filter.updated_since {
        q = q.filter(rec::updated_at.ge(t));
    }
    if let Some(a) = after {
        q = q.filter(rec::id.gt(a));
    }
    q.order(rec::id.asc())
        .limit(limit + 1)
        .select((RecommendationRow::as_select(), ReportRow::as_select()))
        .load(conn)
}

/// `country`'s recommendations in the adopted reports of rounds numbered before `before_round`
/// (only those still open as assessed, `pending` or `in_progress`, when `open_only`), with each
/// one's round number; in round, report and number order.
pub fn earlier_recommendations_of(
    conn: &mut DbConn,
    country: &str,
    before_round: i32,
    open_only: bool,
) -> QueryResult<Vec<(RecommendationRow, i32)>> {
    use crate::db::schema::rounds;
    let mut q = rec::table
        .inner_join(reports::table.inner_join(rounds::table))
        .filter(reports::country.eq(country))
        .filter(reports::status.eq_any([ReportStatus::Adopted, ReportStatus::Published]))
        .filter(rounds::number.lt(before_round))
        .into_boxed();
    if open_only {
        q = q.filter(
            rec::assessed_status.eq_any([FollowupStatus::Pending, FollowupStatus::InProgress]),
        );
    }
    q.order((rounds::number, reports::id, rec::number))
        .select((RecommendationRow::as_select(), rounds::number))
        .load(conn)
}

/// Records a follow-up: a history row and the recommendation's state. The history row's id,
/// or `None` when the recommendation changed since read (the caller rolls back).
pub fn record_followup(
    conn: &mut DbConn,
    row: &RecommendationRow,
    followup: &NewFollowupRow,
) -> QueryResult<Option<i64>> {
    let entry: i64 = diesel::insert_into(fu::table)
        .values(followup)
        .returning(fu::id)
        .get_result(conn)?;
    let changed = diesel::update(
        rec::table
            .find(row.id)
            .filter(rec::revision.eq(row.revision)),
    )
    .set((
        rec::status.eq(&followup.status),
        rec::progress_note.eq(&followup.progress_note),
        rec::evidence_urls.eq(&followup.evidence_urls),
        rec::assessment.eq(AssessmentState::Awaiting),
        rec::revision.eq(row.revision + 1),
        rec::updated_at.eq(followup.changed_at),
    ))
    .execute(conn)?;
    Ok((changed > 0).then_some(entry))
}

/// An assessment of a declaration, by whom and when.
pub struct AssessmentRow<'a> {
    pub assessment: Assessment,
    pub reason: Option<&'a str>,
    /// `None` for content loaded by the server itself (the demo).
    pub by: Option<i64>,
    pub at: chrono::NaiveDateTime,
}

/// Records the assessment of `entry`, the recommendation's latest declaration: the entry's,
/// and the recommendation's (its status as assessed moves to the declared one when accepted).
/// 0 when either changed since read.
pub fn assess_followup(
    conn: &mut DbConn,
    row: &RecommendationRow,
    entry: &FollowupRow,
    a: &AssessmentRow<'_>,
) -> QueryResult<usize> {
    let marked = diesel::update(fu::table.find(entry.id).filter(fu::assessment.is_null()))
        .set((
            fu::assessment.eq(a.assessment),
            fu::assessment_reason.eq(a.reason),
            fu::assessed_by.eq(a.by),
            fu::assessed_at.eq(a.at),
        ))
        .execute(conn)?;
    if marked == 0 {
        return Ok(0);
    }
    let assessed = match a.assessment {
        Assessment::Accepted => entry.status,
        _ => row.assessed_status,
    };
    diesel::update(
        rec::table
            .find(row.id)
            .filter(rec::revision.eq(row.revision)),
    )
    .set((
        rec::assessment.eq(AssessmentState::from(a.assessment)),
        rec::assessed_status.eq(assessed),
        rec::revision.eq(row.revision + 1),
        rec::updated_at.eq(a.at),
    ))
    .execute(conn)
}

pub fn followups(conn: &mut DbConn, recommendation_id: i64) -> QueryResult<Vec<FollowupRow>> {
    fu::table
        .filter(fu::recommendation_id.eq(recommendation_id))
        .order(fu::id.asc())
        .select(FollowupRow::as_select())
        .load(conn)
}

/// The recommendation a follow-up entry belongs to.
pub fn followup_recommendation(conn: &mut DbConn, entry: i64) -> QueryResult<Option<i64>> {
    fu::table
        .find(entry)
        .select(fu::recommendation_id)
        .first(conn)
        .optional()
}

/// The round's status, if the round exists.
pub fn round_status(conn: &mut DbConn, round_id: i64) -> QueryResult<Option<String>> {
    crate::db::schema::rounds::table
        .find(round_id)
        .select(crate::db::schema::rounds::status)
        .first(conn)
        .optional()
}
