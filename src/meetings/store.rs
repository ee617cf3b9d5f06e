//! Session rows: meetings, their agenda items, decisions and attendance.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::MeetingStatus;
use super::{AgendaItemKind, AttendanceStatus, DecisionOutcome, MeetingBody, MeetingMode};
use crate::db::schema::{
    meeting_agenda_items as items, meeting_attendance as att, meeting_decisions as dec, meetings,
};
use crate::db::DbConn;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = meetings)]
pub struct MeetingRow {
    pub id: i64,
    pub body: MeetingBody,
    pub round_id: Option<i64>,
    pub title: String,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub mode: MeetingMode,
    pub place: Option<String>,
    pub online_url: Option<String>,
    pub status: MeetingStatus,
    pub cancel_reason: Option<String>,
    pub minutes_document_id: Option<i64>,
    pub created_by: Option<i64>,
    pub revision: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = meetings)]
pub struct NewMeetingRow {
    pub body: MeetingBody,
    pub round_id: Option<i64>,
    pub title: String,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub mode: MeetingMode,
    pub place: Option<String>,
    pub online_url: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A change to a meeting; the revision moves with every one.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = meetings)]
pub struct MeetingChanges {
    pub title: Option<String>,
    pub starts_at: Option<NaiveDateTime>,
    pub ends_at: Option<NaiveDateTime>,
    pub mode: Option<MeetingMode>,
    pub place: Option<Option<String>>,
    pub online_url: Option<Option<String>>,
    pub status: Option<MeetingStatus>,
    pub cancel_reason: Option<Option<String>>,
    pub minutes_document_id: Option<Option<i64>>,
    pub revision: Option<i32>,
    pub updated_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = items)]
pub struct ItemRow {
    pub id: i64,
    pub meeting_id: i64,
    pub position: i32,
    pub kind: AgendaItemKind,
    pub title: String,
    pub report_id: Option<i64>,
    pub questionnaire_id: Option<i64>,
    pub document_id: Option<i64>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = items)]
pub struct NewItemRow {
    pub meeting_id: i64,
    pub position: i32,
    pub kind: AgendaItemKind,
    pub title: String,
    pub report_id: Option<i64>,
    pub questionnaire_id: Option<i64>,
    pub document_id: Option<i64>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = dec)]
pub struct DecisionRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub meeting_id: i64,
    pub agenda_item_id: i64,
    pub outcome: DecisionOutcome,
    pub text: String,
    pub recorded_by: Option<i64>,
    pub recorded_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = att)]
pub struct AttendanceRow {
    pub meeting_id: i64,
    pub country: String,
    pub status: AttendanceStatus,
    pub delegates: Option<i32>,
}

/// A meeting with its agenda (each item with its decision) and attendance.
#[derive(Debug, Clone)]
pub struct Full {
    pub meeting: MeetingRow,
    pub items: Vec<(ItemRow, Option<DecisionRow>)>,
    pub attendance: Vec<AttendanceRow>,
}

pub fn insert(conn: &mut DbConn, row: &NewMeetingRow) -> QueryResult<i64> {
    diesel::insert_into(meetings::table)
        .values(row)
        .returning(meetings::id)
        .get_result(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<MeetingRow>> {
    meetings::table
        .find(id)
        .select(MeetingRow::as_select())
        .first(conn)
        .optional()
}

/// Applies `changes` if the meeting is still at `revision`; 0 when it moved on.
pub fn update(
    conn: &mut DbConn,
    id: i64,
    revision: i32,
    changes: &MeetingChanges,
) -> QueryResult<usize> {
    diesel::update(
        meetings::table
            .find(id)
            .filter(meetings::revision.eq(revision)),
    )
    .set(changes)
    .execute(conn)
}

/// Moves the meeting's revision on (its agenda or attendance changed).
pub fn touch(conn: &mut DbConn, row: &MeetingRow) -> QueryResult<usize> {
    update(
        conn,
        row.id,
        row.revision,
        &MeetingChanges {
            revision: Some(row.revision + 1),
            updated_at: Some(crate::time::now()),
            ..MeetingChanges::default()
        },
    )
}

/// The meetings' agendas, decisions and attendance, in two queries for any number of them.
pub fn complete(conn: &mut DbConn, rows: Vec<MeetingRow>) -> QueryResult<Vec<Full>> {
    let ids: Vec<i64> = rows.iter().map(|m| m.id).collect();
    let mut agenda: HashMap<i64, Vec<(ItemRow, Option<DecisionRow>)>> = HashMap::new();
    let loaded: Vec<(ItemRow, Option<DecisionRow>)> = items::table
        .left_join(dec::table)
        .filter(items::meeting_id.eq_any(&ids))
        .order((items::meeting_id, items::position))
        .select((ItemRow::as_select(), Option::<DecisionRow>::as_select()))
        .load(conn)?;
    for (item, decision) in loaded {
        agenda
            .entry(item.meeting_id)
            .or_default()
            .push((item, decision));
    }
    let mut present: HashMap<i64, Vec<AttendanceRow>> = HashMap::new();
    let rows_att: Vec<AttendanceRow> = att::table
        .filter(att::meeting_id.eq_any(&ids))
        .order((att::meeting_id, att::country))
        .select(AttendanceRow::as_select())
        .load(conn)?;
    for a in rows_att {
        present.entry(a.meeting_id).or_default().push(a);
    }
    Ok(rows
        .into_iter()
        .map(|m| Full {
            items: agenda.remove(&m.id).unwrap_or_default(),
            attendance: present.remove(&m.id).unwrap_or_default(),
            meeting: m,
        })
        .collect())
}

pub fn find_full(conn: &mut DbConn, id: i64) -> QueryResult<Option<Full>> {
    Ok(match find(conn, id)? {
        Some(m) => complete(conn, vec![m])?.pop(),
        None => None,
    })
}

#[derive(Debug, Default, Clone)]
pub struct MeetingFilter {
    pub body: Option<MeetingBody>,
    pub round: Option<i64>,
    pub status: Option<MeetingStatus>,
    /// Ending on or after (inclusive day).
    pub from: Option<NaiveDate>,
    /// Starting on or before (inclusive day).
    pub to: Option<NaiveDate>,
}

/// Up to `limit + 1` meetings in the order they start, after the key `after`.
pub fn list(
    conn: &mut DbConn,
    f: &MeetingFilter,
    after: Option<(NaiveDateTime, i64)>,
    limit: i64,
) -> QueryResult<Vec<MeetingRow>> {
    let mut q = meetings::table.into_boxed();
    if let Some(b) = f.body {
        q = q.filter(meetings::body.eq(b));
    }
    if let Some(r) = f.round {
        q = q.filter(meetings::round_id.eq(r));
    }
    if let Some(s) = f.status {
        q = q.filter(meetings::status.eq(s));
    }
    if let Some(d) = f.from {
        q = q.filter(meetings::ends_at.ge(d.and_time(chrono::NaiveTime::MIN)));
    }
    if let Some(d) = f.to.and_then(|d| d.succ_opt()) {
        q = q.filter(meetings::starts_at.lt(d.and_time(chrono::NaiveTime::MIN)));
    }
    if let Some((at, id)) = after {
        q = q.filter(
            meetings::starts_at
                .gt(at)
                .or(meetings::starts_at.eq(at).and(meetings::id.gt(id))),
        );
    }
    q.order((meetings::starts_at, meetings::id))
        .limit(limit + 1)
        .select(MeetingRow::as_select())
        .load(conn)
}

pub fn find_item(conn: &mut DbConn, meeting: i64, item: i64) -> QueryResult<Option<ItemRow>> {
    items::table
        .find(item)
        .filter(items::meeting_id.eq(meeting))
        .select(ItemRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert_item(conn: &mut DbConn, row: &NewItemRow) -> QueryResult<i64> {
    diesel::insert_into(items::table)
        .values(row)
        .returning(items::id)
        .get_result(conn)
}

/// The position after the agenda's last item.
pub fn next_position(conn: &mut DbConn, meeting: i64) -> QueryResult<i32> {
    let last: Option<i32> = items::table
        .filter(items::meeting_id.eq(meeting))
        .select(diesel::dsl::max(items::position))
        .first(conn)?;
    Ok(last.unwrap_or(0) + 1)
}

pub fn delete_item(conn: &mut DbConn, item: i64) -> QueryResult<usize> {
    diesel::delete(items::table.find(item)).execute(conn)
}

pub fn decision_of(conn: &mut DbConn, item: i64) -> QueryResult<Option<DecisionRow>> {
    dec::table
        .filter(dec::agenda_item_id.eq(item))
        .select(DecisionRow::as_select())
        .first(conn)
        .optional()
}

pub fn decisions_count(conn: &mut DbConn, meeting: i64) -> QueryResult<i64> {
    dec::table
        .filter(dec::meeting_id.eq(meeting))
        .count()
        .get_result(conn)
}

pub fn insert_decision(conn: &mut DbConn, row: &DecisionRow) -> QueryResult<i64> {
    diesel::insert_into(dec::table)
        .values(row)
        .returning(dec::id)
        .get_result(conn)
}

pub fn replace_attendance(
    conn: &mut DbConn,
    meeting: i64,
    rows: &[AttendanceRow],
) -> QueryResult<()> {
    diesel::delete(att::table.filter(att::meeting_id.eq(meeting))).execute(conn)?;
    for row in rows {
        diesel::insert_into(att::table).values(row).execute(conn)?;
    }
    Ok(())
}
