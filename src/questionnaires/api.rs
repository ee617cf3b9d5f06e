//! Wire types of questionnaires: what requests carry and responses return, with their
//! OpenAPI schemas.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{Kind, QuestionnaireStatus};
use super::rules::SectionIn;
use crate::http::lang::{Lang, Localized, TextIn};

/// A choice of a choice question.
#[derive(Debug, Serialize, ToSchema)]
pub struct OptionOut {
    #[schema(example = "yes")]
    pub value: String,
    pub label: Localized,
}

/// A question.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionOut {
    #[schema(example = "B.2.1")]
    pub code: String,
    pub prompt: Localized,
    pub help: Localized,
    pub kind: Kind,
    pub required: bool,
    /// Choices (choice kinds only; empty otherwise).
    pub options: Vec<OptionOut>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub max_length: Option<u32>,
    pub thematic_area: Option<String>,
    /// Whether files may, must or may not be attached as evidence of the answer.
    pub evidence: crate::questionnaires::model::Evidence,
    /// The earlier recommendation a follow-up question asks about; its answer (status, with
    /// the comment as narrative and attached files as evidence) becomes the country's
    /// follow-up declaration when the response is accepted.
    pub recommendation: Option<i64>,
}

/// A section of questions.
#[derive(Debug, Serialize, ToSchema)]
pub struct SectionOut {
    #[schema(example = "B")]
    pub code: String,
    pub title: Localized,
    pub questions: Vec<QuestionOut>,
    /// Asked of this participant only (a follow-up section); `null`: of every participant.
    pub country: Option<String>,
}

/// A questionnaire version, whole.
#[derive(Debug, Serialize, ToSchema)]
pub struct Questionnaire {
    pub id: i64,
    /// The round's id.
    pub round: i64,
    pub version: i32,
    pub status: QuestionnaireStatus,
    /// Original language of the texts.
    pub language: Lang,
    pub title: Localized,
    pub introduction: Localized,
    pub sections: Vec<SectionOut>,
    pub question_count: usize,
    pub revision: i32,
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A questionnaire version in a list (no sections).
#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionnaireSummary {
    pub id: i64,
    pub round: i64,
    pub version: i32,
    pub status: QuestionnaireStatus,
    pub language: Lang,
    pub title: Localized,
    pub question_count: usize,
    pub revision: i32,
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new questionnaire: version 1 of a round's questionnaire.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "round": 3, "title": "Self-Review Questionnaire",
    "sections": [{"code": "A", "title": "Coordination bodies", "questions": [
        {"code": "A.1", "prompt": "Is there a centre-of-government coordination body?", "kind": "boolean", "required": true},
        {"code": "A.2", "prompt": "Its legal basis", "kind": "single_choice",
         "options": [{"value": "law", "label": "A law"}, {"value": "decree", "label": "A decree"}]}
    ]}]
}))]
pub struct NewQuestionnaire {
    /// The round's id.
    pub round: i64,
    /// Original language of the texts (default `en`).
    pub language: Option<Lang>,
    #[schema(example = json!({"en": "Self-Review Questionnaire", "es": "Cuestionario de Autoevaluación"}))]
    pub title: TextIn,
    pub introduction: Option<TextIn>,
    pub sections: Vec<SectionIn>,
}

/// The whole structure of a draft, replacing the current one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionnaireIn {
    pub title: TextIn,
    pub introduction: Option<TextIn>,
    pub sections: Vec<SectionIn>,
}

/// Filters of the questionnaire list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QuestionnaireQuery {
    /// The round's id.
    #[param(value_type = Option<i64>)]
    pub round: Option<String>,
    #[param(value_type = Option<QuestionnaireStatus>)]
    pub status: Option<String>,
}
