//! Rows of partners, needs, offers and cooperations.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::api::{Activity, Outcome};
use super::rules::{
    CooperationStatus, Modality, NeedKind, NeedStatus, OfferStatus, PartnerKind, Priority,
};
use crate::db::json::Json;
use crate::db::schema::{cooperations, needs, offers, partners};
use crate::http::lang::{I18n, Lang};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = partners)]
pub struct PartnerRow {
    pub id: i64,
    pub name: String,
    pub acronym: Option<String>,
    pub kind: PartnerKind,
    pub website: Option<String>,
    pub language: String,
    pub description: Json<I18n>,
    pub revision: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = partners)]
pub struct NewPartnerRow {
    pub name: String,
    pub acronym: Option<String>,
    pub kind: PartnerKind,
    pub website: Option<String>,
    pub language: String,
    pub description: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = needs)]
pub struct NeedRow {
    pub id: i64,
    pub country: String,
    pub thematic_area: String,
    pub kind: NeedKind,
    pub priority: Priority,
    pub modality: Modality,
    pub language: String,
    pub title: Json<I18n>,
    pub description: Json<I18n>,
    pub languages: Json<Vec<Lang>>,
    pub recommendations: Json<Vec<i64>>,
    pub experiences: Json<Vec<i64>>,
    pub confidential: bool,
    pub status: NeedStatus,
    pub close_note: Option<String>,
    pub revision: i32,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl NeedRow {
    pub fn lang(&self) -> Lang {
        Lang::parse(&self.language).unwrap_or(Lang::En)
    }
}

/// A need as it is written: its insert row, and its changes (every column but the key and
/// the creation).
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = needs)]
pub struct NeedValues {
    pub country: String,
    pub thematic_area: String,
    pub kind: NeedKind,
    pub priority: Priority,
    pub modality: Modality,
    pub language: String,
    pub title: String,
    pub description: String,
    pub languages: String,
    pub recommendations: String,
    pub experiences: String,
    pub confidential: bool,
    pub status: NeedStatus,
    pub close_note: Option<String>,
    pub revision: i32,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = offers)]
pub struct OfferRow {
    pub id: i64,
    pub country: Option<String>,
    pub partner_id: Option<i64>,
    pub thematic_area: String,
    pub language: String,
    pub title: Json<I18n>,
    pub description: Json<I18n>,
    pub kinds: Json<Vec<NeedKind>>,
    pub languages: Json<Vec<Lang>>,
    pub modality: Modality,
    pub capacity_per_year: Option<i32>,
    pub valid_from: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    pub experiences: Json<Vec<i64>>,
    pub status: OfferStatus,
    pub revision: i32,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl OfferRow {
    pub fn lang(&self) -> Lang {
        Lang::parse(&self.language).unwrap_or(Lang::En)
    }

    /// Open and within its validity on `today`.
    pub fn available_on(&self, today: NaiveDate) -> bool {
        self.status == OfferStatus::Open
            && self.valid_from <= today
            && self.valid_until.is_none_or(|u| today <= u)
    }
}

#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = offers)]
#[diesel(treat_none_as_null = true)]
pub struct OfferValues {
    pub country: Option<String>,
    pub partner_id: Option<i64>,
    pub thematic_area: String,
    pub language: String,
    pub title: String,
    pub description: String,
    pub kinds: String,
    pub languages: String,
    pub modality: Modality,
    pub capacity_per_year: Option<i32>,
    pub valid_from: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    pub experiences: String,
    pub status: OfferStatus,
    pub revision: i32,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cooperations)]
pub struct CooperationRow {
    pub id: i64,
    pub need_id: i64,
    pub offer_id: Option<i64>,
    pub provider_country: Option<String>,
    pub provider_partner: Option<i64>,
    pub language: String,
    pub title: Json<I18n>,
    pub description: Json<I18n>,
    pub activities: Json<Vec<Activity>>,
    pub status: CooperationStatus,
    pub requester_agreed_at: Option<NaiveDateTime>,
    pub provider_agreed_at: Option<NaiveDateTime>,
    pub agreed_at: Option<NaiveDateTime>,
    pub started_at: Option<NaiveDateTime>,
    pub completed_at: Option<NaiveDateTime>,
    pub outcome: Option<Json<Outcome>>,
    pub rating: Option<i32>,
    pub rating_comment: Option<String>,
    pub rating_public: bool,
    pub cancel_reason: Option<String>,
    pub proposed_by: Option<i64>,
    pub revision: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl CooperationRow {
    pub fn lang(&self) -> Lang {
        Lang::parse(&self.language).unwrap_or(Lang::En)
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = cooperations)]
pub struct NewCooperationRow {
    pub need_id: i64,
    pub offer_id: Option<i64>,
    pub provider_country: Option<String>,
    pub provider_partner: Option<i64>,
    pub language: String,
    pub title: String,
    pub description: String,
    pub activities: String,
    pub status: CooperationStatus,
    pub proposed_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = cooperations)]
pub struct CooperationChanges {
    pub title: Option<String>,
    pub description: Option<String>,
    pub activities: Option<String>,
    pub status: Option<CooperationStatus>,
    pub requester_agreed_at: Option<NaiveDateTime>,
    pub provider_agreed_at: Option<NaiveDateTime>,
    pub agreed_at: Option<NaiveDateTime>,
    pub started_at: Option<NaiveDateTime>,
    pub completed_at: Option<NaiveDateTime>,
    pub outcome: Option<String>,
    pub rating: Option<i32>,
    pub rating_comment: Option<String>,
    pub rating_public: Option<bool>,
    pub cancel_reason: Option<String>,
    pub revision: Option<i32>,
    pub updated_at: Option<NaiveDateTime>,
}
