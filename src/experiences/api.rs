//! Wire types of experiences: what requests carry and responses return, with their
//! OpenAPI schemas.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::rules::{
    ExperienceStatus, Institution, InstitutionIn, LegalInstrument, LegalInstrumentIn,
};
use crate::countries::model::Subregion;
use crate::http::lang::{Lang, Localized, TextIn};

/// Which state of the experience a representation shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum View {
    /// The editable document (its editors only).
    Working,
    /// The latest published version (everyone).
    Published,
}

/// A Guide entry: one country's formal framework in one thematic area, as of `snapshot_date`.
/// Sections come in the Guide's order: introduction, institutions, strategies and mechanisms,
/// legal framework.
#[derive(Debug, Serialize, ToSchema)]
pub struct Experience {
    pub id: i64,
    #[schema(example = "CHL")]
    pub country: String,
    #[schema(example = "public-budget")]
    pub thematic_area: String,
    /// Original language: the fallback of every text.
    pub language: Lang,
    pub status: ExperienceStatus,
    /// Which state this is: the working document or the published version.
    pub view: View,
    /// Number of the version shown (published view), or of the latest published version
    /// (working view; 0 when never published).
    pub version: i32,
    /// The date the information describes.
    pub snapshot_date: NaiveDate,
    pub title: Localized,
    pub introduction: Localized,
    pub institutions: Vec<Institution>,
    pub strategies: Localized,
    pub legal_framework: Vec<LegalInstrument>,
    pub tags: Vec<String>,
    /// Languages the texts exist in.
    pub available_languages: Vec<Lang>,
    /// Working view: the document differs from the published version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub has_unpublished_changes: Option<bool>,
    /// Working view: why the secretariat sent it back, if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_reason: Option<String>,
    /// Working view: lifecycle actions the status allows.
    pub allowed_actions: Vec<String>,
    /// Working view: the revision `If-Match` compares.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    /// Annexes (the law's text, a decree…): files attached with `parent_type` `experience`,
    /// readable by whoever reads the experience.
    pub attachments: Vec<crate::files::api::Attachment>,
}

/// A published version.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionSummary {
    pub version: i32,
    pub snapshot_date: NaiveDate,
    pub title: Localized,
    pub published_at: DateTime<Utc>,
    pub published_by: Option<i64>,
}

/// A whole experience as clients write it (`POST`, and `PUT` which replaces the document).
/// Texts are a string in the experience's language or an object keyed by language.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExperienceIn {
    /// Alpha-3 code. A focal point's own country by default; the secretariat names it.
    /// Cannot change after creation.
    #[schema(example = "CHL")]
    pub country: Option<String>,
    /// Slug of the thematic area. Cannot change after creation.
    #[schema(example = "public-budget")]
    pub thematic_area: Option<String>,
    /// Original language, `en` by default: the fallback of every text. Cannot change after
    /// creation.
    #[schema(example = "es")]
    pub language: Option<String>,
    /// The date the information describes, `YYYY-MM-DD`, not in the future.
    #[schema(example = "2026-06-30")]
    pub snapshot_date: String,
    #[schema(example = json!({"es": "Presupuesto por resultados", "en": "Performance-based budgeting"}))]
    pub title: TextIn,
    pub introduction: TextIn,
    #[serde(default)]
    pub institutions: Vec<InstitutionIn>,
    pub strategies: TextIn,
    #[serde(default)]
    pub legal_framework: Vec<LegalInstrumentIn>,
    #[serde(default)]
    #[schema(example = json!(["results-based-budgeting"]))]
    pub tags: Vec<String>,
}

/// Changes to an experience; absent fields stay. Plain-string texts are written in the
/// request's `lang` (a translation) or else in the experience's language; an object writes the
/// languages it names. Lists replace the whole list.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExperiencePatch {
    pub snapshot_date: Option<String>,
    pub title: Option<TextIn>,
    pub introduction: Option<TextIn>,
    pub institutions: Option<Vec<InstitutionIn>>,
    pub strategies: Option<TextIn>,
    pub legal_framework: Option<Vec<LegalInstrumentIn>>,
    pub tags: Option<Vec<String>>,
}

/// Why the secretariat sends an experience back.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnIn {
    #[schema(
        max_length = 2000,
        example = "Please cite the budget law's number and year."
    )]
    pub reason: Option<String>,
}

/// `view=` of a single experience.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ViewQuery {
    /// `working` (default for its editors) or `published` (default for everyone else).
    #[param(value_type = Option<View>)]
    pub view: Option<String>,
}

/// An experience in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExperienceSummary {
    pub id: i64,
    pub country: String,
    pub thematic_area: String,
    pub language: Lang,
    pub status: ExperienceStatus,
    pub view: View,
    pub version: i32,
    pub snapshot_date: NaiveDate,
    pub title: Localized,
    /// The beginning of the introduction.
    pub excerpt: Localized,
    pub tags: Vec<String>,
    pub available_languages: Vec<Lang>,
    /// With `q`: how well it matches, higher is better.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relevance: Option<f64>,
    pub updated_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
}

/// Filters of the experience list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExperienceQuery {
    /// Alpha-3 codes, comma-separated (any of them).
    #[param(example = "CHL,MEX")]
    pub country: Option<String>,
    /// Area slugs, comma-separated (any of them).
    pub thematic_area: Option<String>,
    #[param(value_type = Option<Subregion>)]
    pub subregion: Option<String>,
    /// Tags, comma-separated (any of them).
    pub tag: Option<String>,
    /// Only experiences available in this language.
    #[param(value_type = Option<Lang>)]
    pub language: Option<String>,
    /// `published` (default), `archived`; `draft` and `in_review` for their editors (the
    /// secretariat, a focal point for its own country).
    #[param(value_type = Option<ExperienceStatus>)]
    pub status: Option<String>,
    /// Snapshot date from (inclusive), `YYYY-MM-DD`.
    #[param(value_type = Option<String>, format = Date)]
    pub snapshot_from: Option<String>,
    /// Snapshot date to (inclusive), `YYYY-MM-DD`.
    #[param(value_type = Option<String>, format = Date)]
    pub snapshot_to: Option<String>,
    /// Changed at or after this instant (RFC 3339): for incremental pulls.
    #[param(value_type = Option<String>, format = DateTime)]
    pub updated_since: Option<String>,
    /// Full-text search over every text field, in every language, accents and case ignored
    /// (a search without a letter or digit is ignored).
    #[param(max_length = 500)]
    pub q: Option<String>,
    /// `relevance` (default with `q`; without `q` it orders as `-snapshot_date`),
    /// `-snapshot_date` (default without `q`), `country`, `-updated_at`.
    #[param(value_type = Option<super::search::Sort>)]
    pub sort: Option<String>,
}

/// Filters of the coverage matrix.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CoverageQuery {
    /// Only the countries of this subregion.
    #[param(value_type = Option<Subregion>)]
    pub subregion: Option<String>,
}

/// A thematic area, a column of the matrix.
#[derive(Debug, Serialize, ToSchema)]
pub struct CoverageArea {
    #[schema(example = "public-budget")]
    pub slug: String,
    pub name: Localized,
    /// Published experiences of this area over the countries shown.
    pub published_experiences: i64,
}

/// One cell: a country's published experiences in one area.
#[derive(Debug, Serialize, ToSchema)]
pub struct CoverageCell {
    pub thematic_area: String,
    pub published_experiences: i64,
    /// The most recent date the published experiences describe.
    pub latest_snapshot_date: Option<NaiveDate>,
}

/// A country, a row of the matrix; `cells` follow the order of `thematic_areas`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CoverageRow {
    #[schema(example = "ARG")]
    pub country: String,
    pub name: Localized,
    pub subregion: Subregion,
    pub published_experiences: i64,
    pub cells: Vec<CoverageCell>,
}

/// The matrix.
#[derive(Debug, Serialize, ToSchema)]
pub struct Coverage {
    pub thematic_areas: Vec<CoverageArea>,
    pub countries: Vec<CoverageRow>,
    pub published_experiences: i64,
}
