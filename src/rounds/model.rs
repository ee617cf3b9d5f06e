//! Round rows.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::json::Json;
use crate::http::lang::I18n;

use super::rules::ResponsePublication;

use super::rules::RoundStatus;
use crate::db::schema::{round_participants, rounds};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = rounds)]
pub struct RoundRow {
    pub id: i64,
    pub number: i32,
    pub status: RoundStatus,
    pub language: String,
    pub title: Json<I18n>,
    pub description: Json<I18n>,
    pub starts_on: NaiveDate,
    pub responses_due_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub reviewers_per_country: i32,
    pub response_publication: ResponsePublication,
    pub revision: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl RoundRow {
    /// The round's status as the workflow knows it; a stored value it does not know (which the
    /// schema's `CHECK` refuses) reads as `planned`, the status that allows least.
    pub fn parsed_status(&self) -> RoundStatus {
        self.status
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = rounds)]
pub struct NewRoundRow {
    pub number: i32,
    pub status: RoundStatus,
    pub language: String,
    pub title: String,
    pub description: String,
    pub starts_on: NaiveDate,
    pub responses_due_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub reviewers_per_country: i32,
    pub response_publication: ResponsePublication,
    pub revision: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = rounds)]
pub struct RoundChanges {
    pub status: Option<RoundStatus>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub starts_on: Option<NaiveDate>,
    pub responses_due_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub reviewers_per_country: Option<i32>,
    pub response_publication: Option<ResponsePublication>,
    pub revision: Option<i32>,
    pub updated_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = round_participants)]
pub struct ParticipantRow {
    pub round_id: i64,
    pub country: String,
    pub due_on_extension: Option<NaiveDate>,
    pub extension_reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}
