//! Wire types of rounds: what requests carry and responses return, with their
//! OpenAPI schemas.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::rules::{ResponsePublication, RoundStatus};
use crate::http::lang::{Lang, Localized, TextIn};
use crate::http::validate::double_option;

/// A round of exchange.
#[derive(Debug, Serialize, ToSchema)]
pub struct Round {
    pub id: i64,
    /// 1st, 2nd… round.
    #[schema(example = 2)]
    pub number: i32,
    pub title: Localized,
    pub description: Localized,
    /// Original language of the texts.
    pub language: Lang,
    /// Slugs of the thematic areas covered, in the Guide's order.
    #[schema(example = json!(["public-budget", "civil-service"]))]
    pub thematic_areas: Vec<String>,
    pub starts_on: NaiveDate,
    pub responses_due_on: NaiveDate,
    pub ends_on: NaiveDate,
    #[schema(example = 2)]
    pub reviewers_per_country: i32,
    pub response_publication: ResponsePublication,
    pub status: RoundStatus,
    /// Lifecycle actions the status allows now.
    #[schema(example = json!(["open", "cancel"]))]
    pub allowed_actions: Vec<String>,
    pub participant_count: i64,
    /// The questionnaire version countries answer now, if published.
    pub published_questionnaire: Option<i64>,
    pub revision: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new round.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "title": {"en": "Third Round: coordination", "es": "Tercera Ronda: coordinación"},
    "thematic_areas": ["coordination"],
    "starts_on": "2027-10-01", "responses_due_on": "2028-01-31", "ends_on": "2028-09-30"
}))]
pub struct NewRound {
    /// 1 to 9999; defaults to the next number.
    #[schema(minimum = 1, maximum = 9999)]
    pub number: Option<i32>,
    /// A string in `language`, or an object keyed by language.
    #[schema(example = json!({"en": "Second Round", "es": "Segunda Ronda"}))]
    pub title: TextIn,
    pub description: Option<TextIn>,
    /// Original language of the texts (default `en`).
    pub language: Option<Lang>,
    #[schema(example = json!(["public-budget"]))]
    pub thematic_areas: Vec<String>,
    pub starts_on: NaiveDate,
    pub responses_due_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// 2 to 4 (default 2).
    #[schema(minimum = 2, maximum = 4)]
    pub reviewers_per_country: Option<i32>,
    /// Default `confidential`.
    pub response_publication: Option<ResponsePublication>,
}

/// Changes to a round; absent fields stay. Which fields may change depends on the status.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoundPatch {
    pub title: Option<TextIn>,
    pub description: Option<TextIn>,
    pub thematic_areas: Option<Vec<String>>,
    pub starts_on: Option<NaiveDate>,
    pub responses_due_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    /// 2 to 4.
    #[schema(minimum = 2, maximum = 4)]
    pub reviewers_per_country: Option<i32>,
    pub response_publication: Option<ResponsePublication>,
}

/// Filters of the round list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RoundQuery {
    #[param(value_type = Option<RoundStatus>)]
    pub status: Option<String>,
    /// Rounds covering this area (slug).
    pub thematic_area: Option<String>,
    /// Rounds in which this country (alpha-3) participates.
    pub country: Option<String>,
}

/// A participating country.
#[derive(Debug, Serialize, ToSchema)]
pub struct Participant {
    /// Alpha-3 code.
    #[schema(example = "ARG")]
    pub country: String,
    /// This country's own due date, when extended.
    pub due_on_extension: Option<NaiveDate>,
    /// Why the extension was granted.
    pub extension_reason: Option<String>,
    /// The due date that applies to this country.
    pub due_on: NaiveDate,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Adding a participant, or setting its extension.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParticipantIn {
    /// A due date later than the round's, for this country only; `null` removes it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub due_on_extension: Option<Option<NaiveDate>>,
    /// Required with an extension: equal treatment means every exception is justified.
    #[schema(max_length = 1000)]
    pub reason: Option<String>,
}

/// Path of one participant.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ParticipantPath {
    /// The round's id.
    pub id: i64,
    /// Alpha-3 code of the country.
    pub code: String,
}
