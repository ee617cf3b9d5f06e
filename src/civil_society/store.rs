//! Civil-society rows and who may read them.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::CivilSocietyStatus;
use crate::auth::{Principal, Role};
use crate::db::schema::{civil_society_inputs as csi, civil_society_windows as csw, reports};
use crate::db::DbConn;
use crate::reports::rules::{ReportKindOut, ReportStatus};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = csw)]
pub struct WindowRow {
    pub round_id: i64,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
    pub publish_with_report: bool,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = csi)]
pub struct InputRow {
    pub id: i64,
    pub round_id: i64,
    pub country: String,
    pub organisation: String,
    pub contact_email: Option<String>,
    pub title: String,
    pub body: String,
    pub language: String,
    pub received_on: NaiveDate,
    pub status: CivilSocietyStatus,
    pub screening_reason: Option<String>,
    pub screened_by: Option<i64>,
    pub screened_at: Option<NaiveDateTime>,
    pub reply: Option<String>,
    pub replied_by: Option<i64>,
    pub replied_at: Option<NaiveDateTime>,
    pub registered_by: Option<i64>,
    pub revision: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = csi)]
pub struct NewInputRow {
    pub round_id: i64,
    pub country: String,
    pub organisation: String,
    pub contact_email: Option<String>,
    pub title: String,
    pub body: String,
    pub language: String,
    pub received_on: NaiveDate,
    pub registered_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn window(conn: &mut DbConn, round: i64) -> QueryResult<Option<WindowRow>> {
    csw::table
        .find(round)
        .select(WindowRow::as_select())
        .first(conn)
        .optional()
}

/// The windows of these rounds.
pub fn windows(conn: &mut DbConn, rounds: &[i64]) -> QueryResult<Vec<WindowRow>> {
    csw::table
        .filter(csw::round_id.eq_any(rounds))
        .select(WindowRow::as_select())
        .load(conn)
}

pub fn set_window(
    conn: &mut DbConn,
    round: i64,
    opens_on: NaiveDate,
    closes_on: NaiveDate,
    publish: bool,
) -> QueryResult<()> {
    let now = crate::time::now();
    let changed = diesel::update(csw::table.find(round))
        .set((
            csw::opens_on.eq(opens_on),
            csw::closes_on.eq(closes_on),
            csw::publish_with_report.eq(publish),
            csw::updated_at.eq(now),
        ))
        .execute(conn)?;
    if changed == 0 {
        diesel::insert_into(csw::table)
            .values((
                csw::round_id.eq(round),
                csw::opens_on.eq(opens_on),
                csw::closes_on.eq(closes_on),
                csw::publish_with_report.eq(publish),
                csw::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn insert(conn: &mut DbConn, row: &NewInputRow) -> QueryResult<i64> {
    diesel::insert_into(csi::table)
        .values(row)
        .returning(csi::id)
        .get_result(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<InputRow>> {
    csi::table
        .find(id)
        .select(InputRow::as_select())
        .first(conn)
        .optional()
}

/// Who reads an input: the secretariat every one; once accepted, the reviewed country's focal
/// points and the experts assigned to its report; once its country report is published and
/// the round publishes civil society's input with it, everyone.
pub struct Reader {
    principal: Option<Principal>,
    /// The `(round, country)` reports the caller is assigned to (experts).
    assigned: Vec<(i64, String)>,
}

impl Reader {
    pub fn new(conn: &mut DbConn, p: Option<&Principal>) -> QueryResult<Reader> {
        let assigned = match p {
            Some(p) if p.is(Role::Expert) => match &p.country {
                Some(c) => crate::reports::conflicts::assignments_of(conn, p.user_id, c)?,
                None => Vec::new(),
            },
            _ => Vec::new(),
        };
        Ok(Reader {
            principal: p.cloned(),
            assigned,
        })
    }

    pub fn is_secretariat(&self) -> bool {
        self.principal
            .as_ref()
            .is_some_and(|p| p.is(Role::Secretariat))
    }

    /// Whether the caller is a focal point of `country`.
    pub fn of_country(&self, country: &str) -> bool {
        self.principal
            .as_ref()
            .is_some_and(|p| p.is(Role::MemberCountry) && p.of_country(country))
    }

    /// Whether the caller reads `row` by who it is; `None` when that depends on whether the
    /// input is published.
    fn sees_as_reader(&self, row: &InputRow) -> Option<bool> {
        if self.is_secretariat() {
            return Some(true);
        }
        if row.status != CivilSocietyStatus::Accepted {
            return Some(false);
        }
        let concerned = self.of_country(&row.country)
            || self
                .assigned
                .iter()
                .any(|(r, c)| *r == row.round_id && *c == row.country);
        concerned.then_some(true)
    }

    pub fn sees(&self, conn: &mut DbConn, row: &InputRow) -> QueryResult<bool> {
        match self.sees_as_reader(row) {
            Some(seen) => Ok(seen),
            None => published(conn, row.round_id, &row.country),
        }
    }
}

/// Whether civil society's input on `(round, country)` is public: its country report is
/// published and the round publishes the input with it.
pub fn published(conn: &mut DbConn, round: i64, country: &str) -> QueryResult<bool> {
    if !window(conn, round)?.is_some_and(|w| w.publish_with_report) {
        return Ok(false);
    }
    let n: i64 = reports::table
        .filter(reports::round_id.eq(round))
        .filter(reports::kind.eq(ReportKindOut::Country))
        .filter(reports::country.eq(country))
        .filter(reports::status.eq(ReportStatus::Published))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

#[derive(Debug, Default, Clone)]
pub struct InputFilter {
    pub round: Option<i64>,
    pub country: Option<String>,
    pub status: Option<CivilSocietyStatus>,
}

/// Up to `limit + 1` inputs after id `after` that the reader sees.
pub fn list(
    conn: &mut DbConn,
    filter: &InputFilter,
    reader: &Reader,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<InputRow>> {
    let mut q = csi::table.into_boxed();
    if let Some(r) = filter.round {
        q = q.filter(csi::round_id.eq(r));
    }
    if let Some(c) = &filter.country {
        q = q.filter(csi::country.eq(c.clone()));
    }
    if let Some(s) = filter.status {
        q = q.filter(csi::status.eq(s));
    }
    if !reader.is_secretariat() {
        q = q.filter(csi::status.eq(CivilSocietyStatus::Accepted));
    }
    if let Some(a) = after {
        q = q.filter(csi::id.gt(a));
    }
    let rows: Vec<InputRow> = q.order(csi::id).select(InputRow::as_select()).load(conn)?;
    // Publication is read once per (round, country), not once per input.
    let mut public: std::collections::HashMap<(i64, String), bool> = Default::default();
    let mut seen = Vec::new();
    for row in rows {
        let visible = match reader.sees_as_reader(&row) {
            Some(v) => v,
            None => match public.get(&(row.round_id, row.country.clone())) {
                Some(v) => *v,
                None => {
                    let v = published(conn, row.round_id, &row.country)?;
                    public.insert((row.round_id, row.country.clone()), v);
                    v
                }
            },
        };
        if visible {
            seen.push(row);
            if seen.len() as i64 > limit {
                break;
            }
        }
    }
    Ok(seen)
}

/// Records the screening decision; 0 when the input changed since read.
pub fn screen(
    conn: &mut DbConn,
    row: &InputRow,
    status: CivilSocietyStatus,
    reason: Option<&str>,
    by: Option<i64>,
) -> QueryResult<usize> {
    let now = crate::time::now();
    diesel::update(
        csi::table
            .find(row.id)
            .filter(csi::revision.eq(row.revision)),
    )
    .set((
        csi::status.eq(status),
        csi::screening_reason.eq(reason),
        csi::screened_by.eq(by),
        csi::screened_at.eq(now),
        csi::revision.eq(row.revision + 1),
        csi::updated_at.eq(now),
    ))
    .execute(conn)
}

/// Records the reviewed country's reply; 0 when the input changed since read.
pub fn reply(conn: &mut DbConn, row: &InputRow, text: &str, by: Option<i64>) -> QueryResult<usize> {
    let now = crate::time::now();
    diesel::update(
        csi::table
            .find(row.id)
            .filter(csi::revision.eq(row.revision)),
    )
    .set((
        csi::reply.eq(text),
        csi::replied_by.eq(by),
        csi::replied_at.eq(now),
        csi::revision.eq(row.revision + 1),
        csi::updated_at.eq(now),
    ))
    .execute(conn)
}
