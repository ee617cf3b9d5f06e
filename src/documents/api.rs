//! Wire types of the library, with their OpenAPI schemas.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::rules::{DocumentKind, DocumentStatus};
use crate::files::api::File;
use crate::http::lang::{Lang, Localized, TextIn};

/// A document of the mechanism's library, as one version of it: the latest published one
/// for readers, the latest of all for the secretariat (a draft being prepared, say).
#[derive(Debug, Serialize, ToSchema)]
pub struct Document {
    pub id: i64,
    pub kind: DocumentKind,
    /// The version shown.
    #[schema(example = 2)]
    pub version: i32,
    /// The document's latest version (readers may see an older, published one).
    pub latest_version: i32,
    pub status: DocumentStatus,
    /// What the secretariat may do to this version now.
    pub allowed_actions: Vec<String>,
    /// The language it was written in.
    pub language: Lang,
    pub title: Localized,
    pub summary: Localized,
    /// One file per language, keyed by language code.
    #[schema(value_type = BTreeMap<String, File>)]
    pub files: BTreeMap<String, File>,
    /// Slugs of the thematic areas it concerns.
    pub thematic_areas: Vec<String>,
    /// Ids of the rounds it concerns.
    pub rounds: Vec<i64>,
    /// The report it renders, for country and hemispheric reports made from one.
    pub report: Option<i64>,
    pub revision: i32,
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One version in a document's history.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentVersionSummary {
    pub version: i32,
    pub status: DocumentStatus,
    pub title: Localized,
    pub published_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    /// Where to read it.
    #[schema(example = "/api/v1/documents/3/versions/1")]
    pub href: String,
}

/// A document's versions, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentVersions {
    pub data: Vec<DocumentVersionSummary>,
}

/// A new library document (the secretariat). It starts as version 1, a draft; `publish` makes
/// it readable by everyone. `report` renders a published report into the library instead:
/// kind, title, summary, areas and round then come from the report unless given, and its text
/// becomes the document's file in the report's language.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "methodology", "language": "en", "title": {"en": "Methodology for the review", "es": "Metodología para la revisión"}, "summary": "How the Committee of Experts reviews the self-review questionnaires.", "files": {"en": 12, "es": 13}, "thematic_areas": ["civil-service"]}))]
pub struct NewDocument {
    /// Required unless `report` is given.
    pub kind: Option<DocumentKind>,
    /// The language of plain-string texts and the original one (default `en`).
    pub language: Option<Lang>,
    /// 1 to 500 characters in the original language (required unless `report` is given).
    pub title: Option<TextIn>,
    /// Up to 20,000 characters.
    pub summary: Option<TextIn>,
    /// Uploaded file ids by language code (`{"en": 12, "es": 13}`): one file per language.
    #[schema(value_type = Option<BTreeMap<String, i64>>)]
    pub files: Option<BTreeMap<String, i64>>,
    pub thematic_areas: Option<Vec<String>>,
    pub rounds: Option<Vec<i64>>,
    /// A published report to render into the library.
    pub report: Option<i64>,
}

/// Changes to a document's draft version; what is left out stays. A file given as `null`
/// is removed from that language.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"summary": {"fr": "Comment le Comité d'experts examine les questionnaires."}, "files": {"fr": 14}}))]
pub struct DocumentPatch {
    pub kind: Option<DocumentKind>,
    pub title: Option<TextIn>,
    pub summary: Option<TextIn>,
    #[schema(value_type = Option<BTreeMap<String, Option<i64>>>)]
    pub files: Option<BTreeMap<String, Option<i64>>>,
    pub thematic_areas: Option<Vec<String>>,
    pub rounds: Option<Vec<i64>>,
}

/// Filters of the library.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DocumentQuery {
    #[param(value_type = Option<DocumentKind>)]
    pub kind: Option<String>,
    /// A thematic area's slug.
    pub thematic_area: Option<String>,
    /// A round's id.
    pub round: Option<i64>,
    /// Documents with a file in this language.
    #[param(value_type = Option<Lang>)]
    pub language: Option<String>,
    /// Words to find in titles and summaries (any language, accents and case ignored).
    pub q: Option<String>,
    /// The secretariat's drafts (`draft`) or the published library (default).
    #[param(value_type = Option<DocumentStatus>)]
    pub status: Option<String>,
}
