//! Wire types of responses: what requests carry and responses return, with their
//! OpenAPI schemas.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::rules::ResponseStatus;
use crate::questionnaires::model::Kind;

/// The schema of an answer's value (`AnswerValue`), typed by its question's kind; the values
/// themselves travel as JSON.
pub struct AnswerValue;

impl utoipa::PartialSchema for AnswerValue {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, OneOfBuilder, Type};
        let typed =
            |t: Type, what: &str| ObjectBuilder::new().schema_type(t).description(Some(what));
        OneOfBuilder::new()
            .description(Some(
                "An answer's value, typed by its question's kind: a string for `text`, \
                 `long_text`, `url`, `date` (`YYYY-MM-DD`) and `single_choice` (the option's \
                 `value`); a number for `integer` and `decimal`; a boolean for `boolean`; an \
                 array of option values for `multi_choice`.",
            ))
            .item(typed(
                Type::String,
                "text, long_text, url, date or single_choice",
            ))
            .item(typed(Type::Number, "integer or decimal"))
            .item(typed(Type::Boolean, "boolean"))
            .item(
                ArrayBuilder::new()
                    .description(Some("multi_choice: the chosen options' values"))
                    .items(ObjectBuilder::new().schema_type(Type::String)),
            )
            .into()
    }
}

impl ToSchema for AnswerValue {}

/// One answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerOut {
    /// The question's code.
    #[schema(example = "B.2.1")]
    pub question: String,
    #[schema(value_type = AnswerValue)]
    pub value: Value,
    pub comment: Option<String>,
    pub updated_at: DateTime<Utc>,
    pub updated_by: Option<i64>,
}

/// How far a section is answered.
#[derive(Debug, Serialize, ToSchema)]
pub struct SectionProgress {
    pub code: String,
    pub questions: usize,
    pub answered: usize,
    pub required: usize,
    pub required_answered: usize,
}

/// An answer a new questionnaire version could not take over.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CarryOverItem {
    pub question: String,
    #[schema(value_type = AnswerValue)]
    pub value: Value,
    pub reason: String,
}

/// A country's response to a questionnaire version.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResponseOut {
    pub id: i64,
    /// The questionnaire version's id.
    pub questionnaire: i64,
    /// The round's id.
    pub round: i64,
    #[schema(example = "ARG")]
    pub country: String,
    pub status: ResponseStatus,
    /// Workflow actions the status allows now.
    pub allowed_actions: Vec<String>,
    /// Bumped by every change; the ETag starts with it.
    pub revision: i32,
    /// The due date for this country (its extension, else the round's).
    pub due_on: NaiveDate,
    pub submitted_at: Option<DateTime<Utc>>,
    pub submitted_by: Option<i64>,
    /// Submitted after the due date.
    pub late: bool,
    /// Why the secretariat returned it, when it did.
    pub return_reason: Option<String>,
    pub questions: usize,
    pub answered: usize,
    pub required: usize,
    pub required_answered: usize,
    pub sections: Vec<SectionProgress>,
    /// In questionnaire order. Left out of the answer to a save sent with
    /// `Prefer: return=minimal`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answers: Option<Vec<AnswerOut>>,
    /// Files attached to the answers as evidence, each naming its `question`
    /// (`POST /attachments` with `parent_type` `answer`). Left out with the answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Vec<crate::files::api::Attachment>>,
    /// Answers dropped when the response moved to a new questionnaire version.
    pub carry_over_report: Vec<CarryOverItem>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A response in a list (no answers).
#[derive(Debug, Serialize, ToSchema)]
pub struct ResponseSummary {
    pub id: i64,
    pub questionnaire: i64,
    pub round: i64,
    pub country: String,
    pub status: ResponseStatus,
    pub revision: i32,
    pub submitted_at: Option<DateTime<Utc>>,
    pub submitted_by: Option<i64>,
    pub late: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Create the draft response of the caller's country (the secretariat names the country).
/// Only for the published questionnaire of an open round in which the country participates.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewResponse {
    /// Alpha-3 code: required from the secretariat (answering on a country's behalf);
    /// focal points answer for their own country.
    pub country: Option<String>,
}

/// Path of one answer.
#[derive(Debug, Deserialize, IntoParams)]
pub struct AnswerPath {
    /// The response's id.
    pub id: i64,
    /// The question's code.
    pub code: String,
}

/// A reason, for returning a response.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonIn {
    /// Why (required to return a response).
    #[schema(max_length = 5000)]
    pub reason: Option<String>,
}

/// Filters of the response list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResponseQuery {
    /// Questionnaire version id.
    #[param(value_type = Option<i64>)]
    pub questionnaire: Option<String>,
    /// Round id.
    #[param(value_type = Option<i64>)]
    pub round: Option<String>,
    /// Alpha-3 code.
    pub country: Option<String>,
    #[param(value_type = Option<ResponseStatus>)]
    pub status: Option<String>,
    /// Only responses changed at or after this instant (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub updated_since: Option<String>,
}

/// One change of one answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEntry {
    /// The save (one request) the change belongs to.
    pub save: i64,
    pub question: String,
    #[schema(value_type = Option<AnswerValue>)]
    pub old_value: Option<Value>,
    #[schema(value_type = Option<AnswerValue>)]
    pub new_value: Option<Value>,
    pub old_comment: Option<String>,
    pub new_comment: Option<String>,
    /// `put`, `delete` or `carry_over`.
    pub via: String,
    pub changed_by: Option<i64>,
    pub changed_at: DateTime<Utc>,
}

/// An answer to save.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"question": "C.1", "value": ["open_competition", "internal_competition"], "comment": "Since the 2019 reform"}))]
pub struct AnswerIn {
    /// The question's code.
    #[schema(example = "B.2.1")]
    pub question: String,
    #[schema(value_type = AnswerValue)]
    pub value: Value,
    pub comment: Option<String>,
}

/// One answer's value, for `PUT …/answers/{code}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValueIn {
    #[schema(value_type = AnswerValue)]
    pub value: Value,
    pub comment: Option<String>,
}

/// One participant's progress in a round.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParticipantProgress {
    pub country: String,
    /// The response's status; `null` when the country has not started one, or has one the
    /// caller may not read (a draft, for an expert).
    pub status: Option<ResponseStatus>,
    pub response: Option<i64>,
    pub questionnaire: Option<i64>,
    pub answered: usize,
    pub required: usize,
    pub required_answered: usize,
    pub submitted_at: Option<DateTime<Utc>>,
    pub late: bool,
    /// The country's due date (its extension, else the round's).
    pub due_on: NaiveDate,
    pub due_on_extension: Option<NaiveDate>,
}

/// Path of a question.
#[derive(Debug, Deserialize, IntoParams)]
pub struct QuestionPath {
    /// The questionnaire's id.
    pub id: i64,
    /// The question's code.
    pub code: String,
}

/// Figures over the answers to one question.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionSummary {
    pub questionnaire: i64,
    pub question: String,
    pub kind: Kind,
    /// Responses the caller may see.
    pub responses: usize,
    /// Of those, how many answered the question.
    pub answered: usize,
    /// Choice kinds: how many chose each option (every option listed, in order).
    pub counts: Option<BTreeMap<String, usize>>,
    /// Boolean questions: how many answered true and false.
    pub true_count: Option<usize>,
    pub false_count: Option<usize>,
    /// Number kinds.
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub mean: Option<f64>,
    pub median: Option<f64>,
}
