//! Timestamps: stored as UTC without offset, at microsecond precision (PostgreSQL's), so a
//! value reads back equal on both backends.

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};

pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}

/// A stored timestamp as the RFC 3339 UTC instant the API shows.
pub fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

/// Today's date in UTC.
pub fn today() -> chrono::NaiveDate {
    Utc::now().date_naive()
}
