//! Diesel rows of the review.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::json::Json;
use crate::http::lang::I18n;

use super::rules::{Assessment, AssessmentState, FollowupStatus, ReportKindOut, ReportStatus};
use crate::auth::Role;

use crate::db::schema::{
    draw_assignments, draws, recommendation_followups, recommendations, report_comments, reports,
};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = draws)]
pub struct DrawRow {
    pub id: i64,
    pub round_id: i64,
    pub seed: i64,
    pub reviewers_per_country: i32,
    pub participants: i32,
    pub superseded_at: Option<NaiveDateTime>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = draws)]
pub struct NewDrawRow {
    pub round_id: i64,
    pub seed: i64,
    pub reviewers_per_country: i32,
    pub participants: i32,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = draw_assignments)]
pub struct AssignmentRow {
    pub draw_id: i64,
    pub country: String,
    pub reviewer: String,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = reports)]
pub struct ReportRow {
    pub id: i64,
    pub round_id: i64,
    pub kind: ReportKindOut,
    pub country: Option<String>,
    pub language: String,
    pub title: Json<I18n>,
    pub body: Json<I18n>,
    pub status: ReportStatus,
    pub version: i32,
    pub revision: i32,
    pub decision_date: Option<NaiveDate>,
    pub decision_note: Option<String>,
    pub adopted_at: Option<NaiveDateTime>,
    pub published_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub meeting_id: Option<i64>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = reports)]
pub struct NewReportRow {
    pub round_id: i64,
    pub kind: ReportKindOut,
    pub country: Option<String>,
    pub language: String,
    pub title: String,
    pub body: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = reports)]
pub struct ReportChanges {
    pub title: Option<String>,
    pub body: Option<String>,
    pub status: Option<ReportStatus>,
    pub version: Option<i32>,
    pub revision: Option<i32>,
    pub decision_date: Option<Option<NaiveDate>>,
    pub decision_note: Option<Option<String>>,
    pub adopted_at: Option<Option<NaiveDateTime>>,
    pub published_at: Option<Option<NaiveDateTime>>,
    pub updated_at: Option<NaiveDateTime>,
    pub meeting_id: Option<Option<i64>>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = report_comments)]
pub struct CommentRow {
    pub id: i64,
    pub report_id: i64,
    pub author_id: i64,
    pub author_role: Role,
    pub author_country: Option<String>,
    pub anchor: Option<String>,
    pub body: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = report_comments)]
pub struct NewCommentRow {
    pub report_id: i64,
    pub author_id: i64,
    pub author_role: Role,
    pub author_country: Option<String>,
    pub anchor: Option<String>,
    pub body: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = recommendations)]
pub struct RecommendationRow {
    pub id: i64,
    pub report_id: i64,
    pub number: i32,
    pub language: String,
    pub text: Json<I18n>,
    pub thematic_area: Option<String>,
    pub target_date: Option<NaiveDate>,
    pub status: FollowupStatus,
    pub progress_note: Option<String>,
    pub evidence_urls: Json<Vec<String>>,
    pub revision: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub assessment: Option<AssessmentState>,
    pub assessed_status: FollowupStatus,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = recommendations)]
pub struct NewRecommendationRow {
    pub report_id: i64,
    pub number: i32,
    pub language: String,
    pub text: String,
    pub thematic_area: Option<String>,
    pub target_date: Option<NaiveDate>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = recommendation_followups)]
pub struct FollowupRow {
    pub id: i64,
    pub recommendation_id: i64,
    pub status: FollowupStatus,
    pub progress_note: Option<String>,
    pub evidence_urls: Json<Vec<String>>,
    pub changed_by: Option<i64>,
    pub changed_at: NaiveDateTime,
    pub assessment: Option<Assessment>,
    pub assessment_reason: Option<String>,
    pub assessed_by: Option<i64>,
    pub assessed_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = recommendation_followups)]
pub struct NewFollowupRow {
    pub recommendation_id: i64,
    pub status: FollowupStatus,
    pub progress_note: Option<String>,
    pub evidence_urls: String,
    pub changed_by: Option<i64>,
    pub changed_at: NaiveDateTime,
}
