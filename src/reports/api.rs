//! Wire types of reports: what requests carry and responses return, with their
//! OpenAPI schemas.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::rules::{Assessment, AssessmentState, FollowupStatus};
use super::rules::{ReportKindOut, ReportStatus};
use crate::auth::Role;
use crate::http::lang::{Lang, Localized, TextIn};
use crate::http::validate::double_option;

/// A Country Report (one per participant per round) or the round's Hemispheric Report.
#[derive(Debug, Serialize, ToSchema)]
pub struct Report {
    pub id: i64,
    pub round: i64,
    pub kind: ReportKindOut,
    /// The reviewed country (country reports).
    #[schema(example = "CHL")]
    pub country: Option<String>,
    pub language: Lang,
    pub title: Localized,
    /// Markdown.
    pub body: Localized,
    pub status: ReportStatus,
    /// Drafting round: moves on each time the report is returned.
    pub version: i32,
    /// What `If-Match` compares.
    pub revision: i32,
    pub allowed_actions: Vec<String>,
    /// The Committee's decision to adopt.
    pub decision_date: Option<NaiveDate>,
    pub decision_note: Option<String>,
    /// The session whose recorded decision adopted it (`/meetings/{id}`), when adopted in one.
    pub meeting: Option<i64>,
    pub adopted_at: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
    /// Countries drawn to review it (country reports, single reads).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reviewers: Option<Vec<String>>,
    /// Its assigned experts (user ids): the active experts of the reviewer countries, or every
    /// expert for the hemispheric report (single reads).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_experts: Option<Vec<i64>>,
    /// Annexes: files attached with `parent_type` `report` (single reads).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Vec<crate::files::api::Attachment>>,
    /// A follow-up report's subject (single reads): each recommendation of the country's
    /// earlier rounds, with its declarations and their assessments up to the report's adoption.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub follow_up: Option<Vec<FollowedRecommendation>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An earlier recommendation as a follow-up report shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowedRecommendation {
    pub recommendation: i64,
    /// The report it was made in.
    pub report: i64,
    /// The number of the round it was made in.
    pub round: i32,
    pub number: i32,
    pub text: Localized,
    pub thematic_area: Option<String>,
    /// As declared, at the report's adoption (now, before it).
    pub status: FollowupStatus,
    /// As last accepted by the reviewers, at the report's adoption.
    pub assessed_status: FollowupStatus,
    /// The country's declarations and their assessments, oldest first.
    pub declarations: Vec<Followup>,
}

/// A new report (secretariat), for a round that is open or in review.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReport {
    pub round: i64,
    /// `country`, `hemispheric`, or `follow_up` (a country's follow-up of its recommendations
    /// of earlier rounds, in a later round).
    #[schema(example = "country")]
    pub kind: String,
    /// A participant of the round (country and follow-up reports; for a follow-up report, one
    /// with recommendations in an earlier round's adopted report).
    pub country: Option<String>,
    /// Original language (default `en`).
    pub language: Option<String>,
    #[schema(example = json!({"en": "Country Report: Chile"}))]
    pub title: TextIn,
    pub body: Option<TextIn>,
}

/// Changes to a draft or a report under review; texts in `lang=` or the report's language.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportPatch {
    pub title: Option<TextIn>,
    pub body: Option<TextIn>,
}

/// The Committee of Experts' decision, recorded by the secretariat.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdoptIn {
    /// Date of the Committee's decision, not in the future.
    #[schema(example = "2026-11-20")]
    pub decision_date: String,
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// Why a report goes back to drafting.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportReturnIn {
    #[schema(max_length = 2000)]
    pub reason: Option<String>,
}

/// Filters of the report list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    #[param(value_type = Option<i64>)]
    pub round: Option<String>,
    pub country: Option<String>,
    #[param(value_type = Option<ReportKindOut>)]
    pub kind: Option<String>,
    #[param(value_type = Option<ReportStatus>)]
    pub status: Option<String>,
    /// Only those changed at or after this instant (RFC 3339), to pick up changes.
    #[param(value_type = Option<chrono::DateTime<chrono::Utc>>)]
    pub updated_since: Option<String>,
}

/// One change of a recommendation's follow-up.
#[derive(Debug, Serialize, ToSchema)]
pub struct Followup {
    /// The entry's id: what evidence is attached to (`parent_type` `followup`).
    pub id: i64,
    pub status: FollowupStatus,
    pub progress_note: Option<String>,
    pub evidence_urls: Vec<String>,
    pub changed_by: Option<i64>,
    pub changed_at: DateTime<Utc>,
    /// Files attached as evidence of what was declared.
    pub attachments: Vec<crate::files::api::Attachment>,
    /// The reviewers' assessment of this declaration (`null` until assessed).
    pub assessment: Option<Assessment>,
    pub assessment_reason: Option<String>,
    pub assessed_by: Option<i64>,
    pub assessed_at: Option<DateTime<Utc>>,
}

/// A numbered recommendation of a report, with its latest follow-up.
#[derive(Debug, Serialize, ToSchema)]
pub struct Recommendation {
    pub id: i64,
    pub report: i64,
    pub round: i64,
    /// The reviewed country (country reports).
    pub country: Option<String>,
    /// Number within the report.
    pub number: i32,
    pub text: Localized,
    pub language: Lang,
    pub thematic_area: Option<String>,
    pub target_date: Option<NaiveDate>,
    /// The status the country declared last.
    pub status: FollowupStatus,
    /// The status last confirmed by an accepted assessment (`pending` until one is).
    pub assessed_status: FollowupStatus,
    /// Where the latest declaration stands: `awaiting` assessment, or its assessment (`null`
    /// before any declaration).
    pub assessment: Option<AssessmentState>,
    pub progress_note: Option<String>,
    pub evidence_urls: Vec<String>,
    pub revision: i32,
    /// Every follow-up change, oldest first (single reads).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<Followup>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new recommendation, while the report is not adopted.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRecommendation {
    /// 1 to 9999; defaults to the next number in the report.
    #[schema(minimum = 1, maximum = 9999)]
    pub number: Option<i32>,
    #[schema(example = json!({"en": "Publish the merit-based competitions' results."}))]
    pub text: TextIn,
    pub thematic_area: Option<String>,
    /// `YYYY-MM-DD`.
    pub target_date: Option<String>,
}

/// Follow-up of a recommendation, by the reviewed country's focal point or the secretariat,
/// at any time after the report's adoption.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowupIn {
    pub status: Option<FollowupStatus>,
    #[schema(max_length = 10000)]
    pub progress_note: Option<String>,
    /// Absolute http(s) URLs; replaces the list.
    pub evidence_urls: Option<Vec<String>>,
}

/// Filters of the tracker.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecommendationQuery {
    #[param(value_type = Option<i64>)]
    pub round: Option<String>,
    pub country: Option<String>,
    pub thematic_area: Option<String>,
    /// The status declared last.
    #[param(value_type = Option<FollowupStatus>)]
    pub status: Option<String>,
    /// The status last accepted by the reviewers.
    #[param(value_type = Option<FollowupStatus>)]
    pub assessed_status: Option<String>,
    /// Where the latest declaration stands (`awaiting` for those to assess).
    #[param(value_type = Option<AssessmentState>)]
    pub assessment: Option<String>,
    /// Only those changed at or after this instant (RFC 3339), to pick up changes.
    #[param(value_type = Option<chrono::DateTime<chrono::Utc>>)]
    pub updated_since: Option<String>,
}

/// An assessment of a recommendation's latest follow-up declaration.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssessmentIn {
    /// The declaration assessed (a `history` entry's id): it must be the latest.
    pub followup: i64,
    pub assessment: Assessment,
    /// Why: required unless `accepted`.
    #[schema(max_length = 5000)]
    pub reason: Option<String>,
}

/// Filters of a report's comments.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CommentQuery {
    /// Only those written or edited at or after this instant (RFC 3339).
    #[param(value_type = Option<chrono::DateTime<chrono::Utc>>)]
    pub updated_since: Option<String>,
}

/// A comment on a report.
#[derive(Debug, Serialize, ToSchema)]
pub struct Comment {
    pub id: i64,
    pub report: i64,
    pub author: i64,
    pub author_role: Role,
    pub author_country: Option<String>,
    /// The section or paragraph it refers to, as the drafters number them.
    #[schema(max_length = 200, example = "section-2/paragraph-4")]
    pub anchor: Option<String>,
    #[schema(max_length = 10000)]
    pub body: String,
    /// Until when its author may still edit it.
    pub editable_until: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new comment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewComment {
    #[schema(max_length = 10000)]
    pub body: String,
    #[schema(max_length = 200)]
    pub anchor: Option<String>,
}

/// A correction of one's own comment, within 15 minutes of writing it.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentPatch {
    #[schema(max_length = 10000)]
    pub body: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(max_length = 200, value_type = Option<String>)]
    pub anchor: Option<Option<String>>,
}

/// A draw request; without `seed` one is drawn at random and recorded.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DrawIn {
    /// 0 to 2^53 − 1. The same seed and participants always give the same draw.
    #[schema(value_type = Option<i64>, example = 20261128, minimum = 0.0, maximum = 9007199254740991.0)]
    pub seed: Option<serde_json::Number>,
}

/// The reviewers of one participant, and whom it reviews.
#[derive(Debug, Serialize, ToSchema)]
pub struct Assignment {
    #[schema(example = "CHL")]
    pub country: String,
    /// Countries that review it; their experts are the assigned experts of its report.
    #[schema(example = json!(["ARG", "URY"]))]
    pub reviewers: Vec<String>,
    /// Countries it reviews.
    pub reviews: Vec<String>,
}

/// The round's current draw.
#[derive(Debug, Serialize, ToSchema)]
pub struct Draw {
    pub id: i64,
    pub round: i64,
    pub seed: i64,
    pub reviewers_per_country: i32,
    pub participants: i32,
    /// The draw this one replaced, if any (it stays on record).
    pub supersedes: Option<i64>,
    /// Pairs of countries that review each other: none while each country has at most
    /// (participants − 1) / 2 reviewers, else the fewest possible (reviews beyond the pairs of
    /// countries available).
    pub mutual_pairs: i64,
    pub created_at: DateTime<Utc>,
    pub assignments: Vec<Assignment>,
}
