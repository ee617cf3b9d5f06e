//! Diesel rows of the Guide.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::rules::{ExperienceStatus, LegalKind};
use super::store::Scope;

use crate::db::schema::{
    experience_institutions, experience_legal_instruments, experience_search, experience_tags,
    experience_texts, experience_versions, experiences,
};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = experiences)]
pub struct ExperienceRow {
    pub id: i64,
    pub country: String,
    pub thematic_area: String,
    pub language: String,
    pub status: ExperienceStatus,
    pub version: i32,
    pub revision: i32,
    pub snapshot_date: NaiveDate,
    pub return_reason: Option<String>,
    pub created_by: Option<i64>,
    pub updated_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub published_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = experiences)]
pub struct NewExperienceRow {
    pub country: String,
    pub thematic_area: String,
    pub language: String,
    pub status: ExperienceStatus,
    pub snapshot_date: NaiveDate,
    pub created_by: Option<i64>,
    pub updated_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = experiences)]
pub struct ExperienceChanges {
    pub status: Option<ExperienceStatus>,
    pub version: Option<i32>,
    pub revision: Option<i32>,
    pub snapshot_date: Option<NaiveDate>,
    pub return_reason: Option<Option<String>>,
    pub updated_by: Option<Option<i64>>,
    pub updated_at: Option<NaiveDateTime>,
    pub published_at: Option<Option<NaiveDateTime>>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = experience_texts)]
pub struct TextRow {
    pub experience_id: i64,
    pub lang: String,
    pub title: String,
    pub introduction: String,
    pub strategies: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = experience_institutions)]
pub struct InstitutionRow {
    pub experience_id: i64,
    pub position: i32,
    pub name: String,
    pub acronym: Option<String>,
    pub role: Option<String>,
    pub website: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = experience_legal_instruments)]
pub struct LegalRow {
    pub experience_id: i64,
    pub position: i32,
    pub title: String,
    pub kind: LegalKind,
    pub number: Option<String>,
    pub year: Option<i32>,
    pub url: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = experience_tags)]
pub struct TagRow {
    pub experience_id: i64,
    pub tag: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = experience_versions)]
pub struct VersionRow {
    pub experience_id: i64,
    pub version: i32,
    pub snapshot_date: NaiveDate,
    pub document: String,
    pub published_by: Option<i64>,
    pub published_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = experience_search)]
pub struct NewSearchRow {
    pub experience_id: i64,
    pub scope: Scope,
    pub snapshot_date: NaiveDate,
    pub updated_at: NaiveDateTime,
    pub tags: String,
    pub languages: String,
}
