//! Wire types of civil-society input.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::CivilSocietyStatus;
use crate::http::lang::Lang;

/// The window a round opens for civil society's input, and whether accepted inputs are
/// published with the country report.
#[derive(Debug, Serialize, ToSchema)]
pub struct Window {
    pub round: i64,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
    /// Accepted inputs (and the country's replies) become public when the country report is
    /// published.
    pub publish_with_report: bool,
    pub updated_at: DateTime<Utc>,
}

/// A round's window for civil society's input.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WindowIn {
    pub opens_on: NaiveDate,
    /// On or after `opens_on`.
    pub closes_on: NaiveDate,
    /// Default `false`.
    pub publish_with_report: Option<bool>,
}

/// A written input of a civil-society organisation on a country's review.
#[derive(Debug, Serialize, ToSchema)]
pub struct CivilSocietyInput {
    pub id: i64,
    pub round: i64,
    /// The reviewed country the input is about.
    #[schema(example = "CHL")]
    pub country: String,
    #[schema(example = "Transparencia Ciudadana")]
    pub organisation: String,
    /// How to reach the organisation (the secretariat's reads only).
    pub contact_email: Option<String>,
    pub title: String,
    pub body: String,
    pub language: Lang,
    /// When the secretariat received it (within the round's window).
    pub received_on: NaiveDate,
    pub status: CivilSocietyStatus,
    /// Lifecycle actions the status allows now (secretariat).
    #[schema(example = json!(["accept", "reject"]))]
    pub allowed_actions: Vec<String>,
    /// Why it was accepted or rejected.
    pub screening_reason: Option<String>,
    pub screened_at: Option<DateTime<Utc>>,
    /// The reviewed country's reply.
    pub reply: Option<String>,
    pub replied_at: Option<DateTime<Utc>>,
    pub revision: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An input the secretariat registers as received.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCivilSocietyInput {
    pub round: i64,
    /// A participant of the round (alpha-3).
    pub country: String,
    /// 1 to 300 characters.
    pub organisation: String,
    pub contact_email: Option<String>,
    /// 1 to 300 characters.
    pub title: String,
    /// 1 to 20,000 characters.
    pub body: String,
    /// Default `en`.
    pub language: Option<Lang>,
    /// Default today; within the round's window.
    pub received_on: Option<NaiveDate>,
}

/// A screening decision.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScreeningIn {
    /// Why (required to reject; at most 2000 characters).
    pub reason: Option<String>,
}

/// The reviewed country's reply to an accepted input.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyIn {
    /// 1 to 20,000 characters; replaces an earlier reply.
    pub text: String,
}

/// Filters of civil-society inputs.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InputQuery {
    #[param(value_type = Option<i64>)]
    pub round: Option<String>,
    pub country: Option<String>,
    #[param(value_type = Option<CivilSocietyStatus>)]
    pub status: Option<String>,
}
