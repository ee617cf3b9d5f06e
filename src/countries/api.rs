//! Wire types of countries: what requests carry and responses return, with their
//! OpenAPI schemas.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{Membership, Subregion};
use crate::http::lang::{Localized, TextIn};

/// An OAS member state.
#[derive(Debug, Serialize, ToSchema)]
pub struct Country {
    /// Same as `code`.
    #[schema(example = "ARG")]
    pub id: String,
    /// ISO 3166-1 alpha-3 code: the country's public id.
    #[schema(example = "ARG")]
    pub code: String,
    /// ISO 3166-1 alpha-2 code.
    #[schema(example = "AR")]
    pub alpha2: String,
    /// Name in the negotiated language, or every translation with `lang=all`.
    pub name: Localized,
    pub subregion: Subregion,
    pub membership: Membership,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Filters of the country list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CountryQuery {
    /// Only countries of this subregion.
    #[param(value_type = Option<Subregion>)]
    pub subregion: Option<String>,
    /// Only countries with this membership status.
    #[param(value_type = Option<Membership>)]
    pub membership: Option<String>,
}

/// Corrections to a member state (secretariat). Absent fields stay.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CountryPatch {
    /// A string (in `?lang=`, default en) or an object keyed by language.
    #[schema(example = json!({"fr": "Argentine"}))]
    pub name: Option<TextIn>,
    pub subregion: Option<Subregion>,
    pub membership: Option<Membership>,
}
