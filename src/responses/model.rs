//! Response, answer and history rows.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::api::CarryOverItem;
use crate::db::json::Json;

use super::rules::ResponseStatus;

use crate::db::schema::{answer_history, answers, responses};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = responses)]
pub struct ResponseRow {
    pub id: i64,
    pub questionnaire_id: i64,
    pub round_id: i64,
    pub country: String,
    pub status: ResponseStatus,
    pub revision: i32,
    pub submitted_at: Option<NaiveDateTime>,
    pub submitted_by: Option<i64>,
    pub late: bool,
    pub return_reason: Option<String>,
    pub carry_over_report: Json<Vec<CarryOverItem>>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = answers)]
pub struct AnswerRow {
    pub response_id: i64,
    pub question_code: String,
    pub value: String,
    pub comment: Option<String>,
    pub updated_by: Option<i64>,
    pub updated_at: NaiveDateTime,
}

/// One answer's change within a save.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct AnswerChange {
    pub question: String,
    pub old_value: Option<serde_json::Value>,
    pub new_value: Option<serde_json::Value>,
    pub old_comment: Option<String>,
    pub new_comment: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = answer_history)]
pub struct HistoryRow {
    pub id: i64,
    pub response_id: i64,
    pub changes: Json<Vec<AnswerChange>>,
    pub change_count: i32,
    pub via: String,
    pub changed_by: Option<i64>,
    pub changed_at: NaiveDateTime,
}
