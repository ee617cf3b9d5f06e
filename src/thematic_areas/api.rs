//! Wire types of thematic areas: what requests carry and responses return, with their
//! OpenAPI schemas.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::lang::{Localized, TextIn};

/// A thematic area of the Guide (GEMGPE).
#[derive(Debug, Serialize, ToSchema)]
pub struct ThematicArea {
    /// Same as `slug`.
    #[schema(example = "public-budget")]
    pub id: String,
    /// The area's public id.
    #[schema(example = "public-budget")]
    pub slug: String,
    /// Name in the negotiated language, or every translation with `lang=all`.
    pub name: Localized,
    /// One paragraph on what the area covers.
    pub description: Localized,
    /// Display order in the Guide, from 1.
    #[schema(example = 3)]
    pub position: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A thematic area to add, or changes to one (absent fields stay).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ThematicAreaIn {
    /// The public id (new areas only): lower-case words joined by `-`.
    #[schema(example = "open-government")]
    pub slug: Option<String>,
    /// A string (in `?lang=`, default en) or an object keyed by language.
    pub name: Option<TextIn>,
    pub description: Option<TextIn>,
    /// Display order, from 1 to 1000 (default: last).
    #[schema(minimum = 1, maximum = 1000)]
    pub position: Option<i32>,
}
