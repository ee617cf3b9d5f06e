//! Accounts created by the bootstrap, the CLI and `POST /users` alike: validated, hashed, audited.

use serde_json::json;

use super::api::NewUser;
use super::model::{NewUserRow, UserRow};
use super::{rules, store};
use crate::audit::AuditCtx;
use crate::auth::{password, Role};
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};
use crate::http::validate::Checks;

/// Validates and creates an account, auditing it. Used by the API, the bootstrap and the CLI.
pub fn create_account(conn: &mut DbConn, audit: &AuditCtx, body: &NewUser) -> ApiResult<UserRow> {
    create_account_hashed(conn, audit, body, password::hash)
}

/// [`create_account`] with the password hashed by `hash` (the tests' accounts share one hash
/// made once with cheap parameters; every account the API creates uses [`password::hash`]).
pub fn create_account_hashed(
    conn: &mut DbConn,
    audit: &AuditCtx,
    body: &NewUser,
    hash: impl FnOnce(&str) -> String,
) -> ApiResult<UserRow> {
    let mut checks = Checks::new();
    let email = checks.email("email", &body.email);
    let display_name = checks.text("display_name", &body.display_name, 1, 200);
    let role = checks.one_of("role", &body.role, Role::parse, rules::ROLES);
    let country = body
        .country
        .as_deref()
        .map(|c| c.trim().to_ascii_uppercase());
    if let Some(role) = role {
        rules::check_role_country(&mut checks, role, country.as_deref());
    }
    if let Some(c) = &country {
        if !store::country_exists(conn, c)? {
            checks.add(
                "country",
                "unknown",
                format!("'{c}' is not an OAS member state code"),
            );
        }
    }
    if let Some(problem) = password::problems(&body.password) {
        checks.add("password", "length", problem);
    }
    if checks.is_ok() && store::email_taken(conn, &email)? {
        return Err(ApiError::Conflict {
            slug: "email-taken",
            detail: format!("an account with email {email} exists"),
            extensions: Default::default(),
        });
    }
    checks.finish()?;
    let role = role.unwrap_or(Role::MemberCountry);
    let now = crate::time::now();
    let id = store::insert(
        conn,
        &NewUserRow {
            email: email.clone(),
            display_name,
            role,
            country: country.clone(),
            password_hash: hash(&body.password),
            active: true,
            auth_epoch: 0,
            created_at: now,
            updated_at: now,
        },
    )?;
    audit.record(
        conn,
        "user.create",
        "user",
        id,
        json!({"email": email, "role": role, "country": country}),
    )?;
    store::find(conn, id)?.ok_or_else(|| ApiError::internal("user vanished after insert"))
}
