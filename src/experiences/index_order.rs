//! Where a row of the Guide's index falls in a list: each of the list's orders as one key,
//! greater first, compared with the cursor's, so that the index pages exactly as the database
//! did.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime};
use tantivy::Score;

use super::search::{Hit, ListCursor, ListSpec, Sort};

pub(super) fn days(d: NaiveDate) -> i64 {
    i64::from(d.num_days_from_ce())
}

pub(super) fn micros(t: NaiveDateTime) -> i64 {
    t.and_utc().timestamp_micros()
}

/// A country code as a number that sorts as the code does (up to 8 ASCII characters).
pub(super) fn country_key(code: &str) -> u64 {
    let mut bytes = [0u8; 8];
    for (b, c) in bytes.iter_mut().zip(code.bytes()) {
        *b = c;
    }
    u64::from_be_bytes(bytes)
}

pub(super) fn country_code(key: u64) -> String {
    key.to_be_bytes()
        .iter()
        .filter(|b| **b != 0)
        .map(|b| char::from(*b))
        .collect()
}

/// What the list needs of an indexed row.
#[derive(Debug, Clone, Copy, Default, PartialEq, PartialOrd)]
pub(super) struct Row {
    pub(super) id: i64,
    pub(super) score: Score,
    pub(super) snapshot: i64,
    pub(super) updated: i64,
    pub(super) country: u64,
}

impl Row {
    pub(super) fn hit(self) -> Option<Hit> {
        Some(Hit {
            id: self.id,
            country: country_code(self.country),
            snapshot_date: NaiveDate::from_num_days_from_ce_opt(
                i32::try_from(self.snapshot).ok()?,
            )?,
            updated_at: DateTime::from_timestamp_micros(self.updated)?.naive_utc(),
            rank: -f64::from(self.score),
        })
    }
}

/// A row's place in the list: greater comes first. `after` is false for rows at or before the
/// cursor, which then rank below every row after it.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub(super) struct Key {
    pub(super) after: bool,
    pub(super) primary: f64,
    pub(super) secondary: i64,
    pub(super) row: Row,
}

impl Key {
    pub(super) fn new(sort: Sort, cursor: Option<(f64, i64)>, row: Row) -> Key {
        let (primary, secondary) = order(sort, &row);
        Key {
            after: cursor.is_none_or(|c| (primary, secondary) < c),
            primary,
            secondary,
            row,
        }
    }
}

/// The sort key of a row, greater first: the list's orders as the database sorted them
/// (relevance, then id ascending; snapshot or update descending, then id descending; country
/// ascending, then id ascending).
pub(super) fn order(sort: Sort, row: &Row) -> (f64, i64) {
    match sort {
        Sort::Relevance => (f64::from(row.score), -row.id),
        Sort::SnapshotDesc => (row.snapshot as f64, row.id),
        Sort::UpdatedDesc => (row.updated as f64, row.id),
        Sort::Country => (-(row.country as f64), -row.id),
    }
}

/// The sort key of the row a cursor names.
pub(super) fn cursor_key(c: &ListCursor, sort: Sort) -> Option<(f64, i64)> {
    Some(match sort {
        Sort::Relevance => (-c.r?, -c.i),
        Sort::SnapshotDesc => (days(c.d?) as f64, c.i),
        Sort::UpdatedDesc => (micros(c.t?) as f64, c.i),
        Sort::Country => (-(country_key(c.c.as_deref()?) as f64), -c.i),
    })
}

/// How many keys a page is read with: one more than it shows, to know whether another follows.
pub(super) fn page_size(spec: &ListSpec) -> usize {
    usize::try_from(spec.limit + 1).unwrap_or(1)
}
