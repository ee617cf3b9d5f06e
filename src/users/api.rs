//! Wire types of users: what requests carry and responses return, with their
//! OpenAPI schemas.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Role;
use crate::http::validate::double_option;

/// A person's account.
#[derive(Debug, Serialize, ToSchema)]
pub struct User {
    pub id: i64,
    #[schema(example = "focal.point@example.gov")]
    pub email: String,
    #[schema(example = "María Pérez")]
    pub display_name: String,
    pub role: Role,
    /// Alpha-3 code; `null` for the secretariat.
    #[schema(example = "ARG")]
    pub country: Option<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The caller: its account, and the machine client it acts through, if any.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    #[serde(flatten)]
    pub user: User,
    /// The machine client holding the token, when a system calls.
    pub client_id: Option<String>,
}

/// A new account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "email": "focal@argentina.example", "display_name": "Focal point",
    "role": "member_country", "country": "ARG", "password": "a long focal password"
}))]
pub struct NewUser {
    #[schema(example = "focal.point@example.gov")]
    pub email: String,
    #[schema(max_length = 200, example = "María Pérez")]
    pub display_name: String,
    #[schema(value_type = Role)]
    pub role: String,
    /// Alpha-3 code: required for `member_country` and `expert`, refused for `secretariat`.
    #[schema(example = "ARG")]
    pub country: Option<String>,
    /// 12 to 256 characters.
    #[schema(write_only, min_length = 12, max_length = 256)]
    pub password: String,
}

/// Changes to an account (secretariat). Absent fields stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    #[schema(max_length = 200)]
    pub display_name: Option<String>,
    #[schema(value_type = Option<Role>)]
    pub role: Option<String>,
    /// Alpha-3 code, or `null` (with role `secretariat`).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub country: Option<Option<String>>,
    pub active: Option<bool>,
    /// A new password (at least 12 characters).
    pub password: Option<String>,
}

/// Changes to one's own account: at least one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(min_properties = 1)]
pub struct MePatch {
    #[schema(max_length = 200)]
    pub display_name: Option<String>,
}

/// A password change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    #[schema(write_only, max_length = 256)]
    pub current_password: String,
    /// 12 to 256 characters.
    #[schema(write_only, min_length = 12, max_length = 256)]
    pub new_password: String,
}

/// Filters of the user list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    #[param(value_type = Option<Role>)]
    pub role: Option<String>,
    /// Alpha-3 code.
    pub country: Option<String>,
    #[param(value_type = Option<bool>)]
    pub active: Option<String>,
    /// Part of the email or display name.
    pub q: Option<String>,
    /// Only those changed at or after this instant (RFC 3339), to pick up changes.
    #[param(value_type = Option<chrono::DateTime<chrono::Utc>>)]
    pub updated_since: Option<String>,
}
