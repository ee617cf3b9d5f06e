//! Round queries. Lists run a fixed number of queries whatever the page size.

use std::collections::HashMap;

use diesel::dsl::count_star;
use diesel::prelude::*;

use super::model::{NewRoundRow, ParticipantRow, RoundChanges, RoundRow};
use super::rules::RoundStatus;
use crate::db::schema::{
    countries, questionnaires, reports, round_areas, round_participants, rounds, thematic_areas,
};
use crate::db::DbConn;
use crate::statuses::{QuestionnaireStatus, ReportKindOut, ReportStatus};

/// A round with what its representation needs from other tables.
pub struct RoundRecord {
    pub row: RoundRow,
    pub areas: Vec<String>,
    pub participants: i64,
    pub published_questionnaire: Option<i64>,
}

#[derive(Debug, Default, Clone)]
pub struct RoundFilter {
    pub status: Option<RoundStatus>,
    pub thematic_area: Option<String>,
    pub country: Option<String>,
}

fn records(conn: &mut DbConn, rows: Vec<RoundRow>) -> QueryResult<Vec<RoundRecord>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut areas: HashMap<i64, Vec<String>> = HashMap::new();
    for (id, slug) in round_areas::table
        .inner_join(thematic_areas::table)
        .filter(round_areas::round_id.eq_any(&ids))
        .order((round_areas::round_id, thematic_areas::position))
        .select((round_areas::round_id, round_areas::area_slug))
        .load::<(i64, String)>(conn)?
    {
        areas.entry(id).or_default().push(slug);
    }
    let counts: HashMap<i64, i64> = round_participants::table
        .filter(round_participants::round_id.eq_any(&ids))
        .group_by(round_participants::round_id)
        .select((round_participants::round_id, count_star()))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let published: HashMap<i64, i64> = questionnaires::table
        .filter(questionnaires::round_id.eq_any(&ids))
        .filter(questionnaires::status.eq(QuestionnaireStatus::Published))
        .select((questionnaires::round_id, questionnaires::id))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .map(|row| RoundRecord {
            areas: areas.remove(&row.id).unwrap_or_default(),
            participants: counts.get(&row.id).copied().unwrap_or(0),
            published_questionnaire: published.get(&row.id).copied(),
            row,
        })
        .collect())
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<RoundRow>> {
    rounds::table
        .find(id)
        .select(RoundRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_record(conn: &mut DbConn, id: i64) -> QueryResult<Option<RoundRecord>> {
    match find(conn, id)? {
        Some(row) => Ok(records(conn, vec![row])?.pop()),
        None => Ok(None),
    }
}

/// Up to `limit + 1` rounds after number `after`, in number order.
pub fn list(
    conn: &mut DbConn,
    filter: &RoundFilter,
    after: Option<i32>,
    limit: i64,
) -> QueryResult<Vec<RoundRecord>> {
    let mut q = rounds::table.into_boxed();
    if let Some(s) = &filter.status {
        q = q.filter(rounds::status.eq(*s));
    }
    if let Some(a) = &filter.thematic_area {
        q = q.filter(
            rounds::id.eq_any(
                round_areas::table
                    .filter(round_areas::area_slug.eq(a.clone()))
                    .select(round_areas::round_id),
            ),
        );
    }
    if let Some(c) = &filter.country {
        q = q.filter(
            rounds::id.eq_any(
                round_participants::table
                    .filter(round_participants::country.eq(c.clone()))
                    .select(round_participants::round_id),
            ),
        );
    }
    if let Some(n) = after {
        q = q.filter(rounds::number.gt(n));
    }
    let rows = q
        .order(rounds::number.asc())
        .limit(limit + 1)
        .select(RoundRow::as_select())
        .load(conn)?;
    records(conn, rows)
}

pub fn next_number(conn: &mut DbConn) -> QueryResult<i32> {
    let max: Option<i32> = rounds::table
        .select(diesel::dsl::max(rounds::number))
        .first(conn)?;
    Ok(max.unwrap_or(0).saturating_add(1))
}

pub fn number_taken(conn: &mut DbConn, number: i32) -> QueryResult<bool> {
    let n: i64 = rounds::table
        .filter(rounds::number.eq(number))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn insert(conn: &mut DbConn, row: &NewRoundRow) -> QueryResult<i64> {
    diesel::insert_into(rounds::table)
        .values(row)
        .returning(rounds::id)
        .get_result(conn)
}

pub fn update(conn: &mut DbConn, id: i64, changes: &RoundChanges) -> QueryResult<usize> {
    diesel::update(rounds::table.find(id))
        .set(changes)
        .execute(conn)
}

pub fn set_areas(conn: &mut DbConn, id: i64, slugs: &[String]) -> QueryResult<()> {
    diesel::delete(round_areas::table.filter(round_areas::round_id.eq(id))).execute(conn)?;
    for slug in slugs {
        diesel::insert_into(round_areas::table)
            .values((
                round_areas::round_id.eq(id),
                round_areas::area_slug.eq(slug),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The slugs among `slugs` that are not thematic areas.
pub fn unknown_areas(conn: &mut DbConn, slugs: &[String]) -> QueryResult<Vec<String>> {
    let known: Vec<String> = thematic_areas::table
        .filter(thematic_areas::slug.eq_any(slugs))
        .select(thematic_areas::slug)
        .load(conn)?;
    Ok(slugs
        .iter()
        .filter(|s| !known.contains(s))
        .cloned()
        .collect())
}

/// The country's membership status, if it is a member state at all.
pub fn membership(conn: &mut DbConn, code: &str) -> QueryResult<Option<String>> {
    countries::table
        .filter(countries::code.eq(code))
        .select(countries::membership)
        .first(conn)
        .optional()
}

pub fn participants(conn: &mut DbConn, round_id: i64) -> QueryResult<Vec<ParticipantRow>> {
    round_participants::table
        .filter(round_participants::round_id.eq(round_id))
        .order(round_participants::country.asc())
        .select(ParticipantRow::as_select())
        .load(conn)
}

pub fn participant(
    conn: &mut DbConn,
    round_id: i64,
    country: &str,
) -> QueryResult<Option<ParticipantRow>> {
    round_participants::table
        .find((round_id, country))
        .select(ParticipantRow::as_select())
        .first(conn)
        .optional()
}

/// Where `country` takes part, round by round.
pub fn participations_of(conn: &mut DbConn, country: &str) -> QueryResult<Vec<ParticipantRow>> {
    round_participants::table
        .filter(round_participants::country.eq(country))
        .select(ParticipantRow::as_select())
        .load(conn)
}

pub fn participant_count(conn: &mut DbConn, round_id: i64) -> QueryResult<i64> {
    round_participants::table
        .filter(round_participants::round_id.eq(round_id))
        .count()
        .get_result(conn)
}

pub fn insert_participant(conn: &mut DbConn, row: &ParticipantRow) -> QueryResult<usize> {
    diesel::insert_into(round_participants::table)
        .values(row)
        .execute(conn)
}

pub fn update_participant(conn: &mut DbConn, row: &ParticipantRow) -> QueryResult<usize> {
    diesel::update(round_participants::table.find((row.round_id, row.country.clone())))
        .set((
            round_participants::due_on_extension.eq(row.due_on_extension),
            round_participants::extension_reason.eq(row.extension_reason.clone()),
            round_participants::updated_at.eq(row.updated_at),
        ))
        .execute(conn)
}

pub fn delete_participant(conn: &mut DbConn, round_id: i64, country: &str) -> QueryResult<usize> {
    diesel::delete(round_participants::table.find((round_id, country))).execute(conn)
}

pub fn has_published_questionnaire(conn: &mut DbConn, round_id: i64) -> QueryResult<bool> {
    let n: i64 = questionnaires::table
        .filter(questionnaires::round_id.eq(round_id))
        .filter(questionnaires::status.eq(QuestionnaireStatus::Published))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Whether the round's hemispheric report is adopted (or published), what concluding needs;
/// `false` without one.
pub fn hemispheric_adopted(conn: &mut DbConn, round_id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        reports::table
            .filter(reports::round_id.eq(round_id))
            .filter(reports::kind.eq(ReportKindOut::Hemispheric))
            .filter(reports::status.eq_any([ReportStatus::Adopted, ReportStatus::Published])),
    ))
    .get_result(conn)
}
