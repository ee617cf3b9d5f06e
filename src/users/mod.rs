//! People and their accounts: managed by the secretariat, `/me` for everyone.

pub mod api;
pub mod me;
pub mod model;
pub mod routes;
pub mod rules;
pub mod service;
pub mod store;

use crate::audit::AuditCtx;
use crate::auth::password;
use crate::db::DbConn;
use crate::error::ApiResult;

/// Creates the first secretariat account when there is no account at all. Returns the
/// generated password when none was given (to print once), `None` when nothing was created.
pub fn bootstrap_admin(
    conn: &mut DbConn,
    email: &str,
    given_password: Option<&str>,
) -> ApiResult<Option<(String, Option<String>)>> {
    if !store::is_empty(conn)? {
        return Ok(None);
    }
    let generated = given_password.is_none().then(password::generate);
    let pw = given_password
        .map(str::to_owned)
        .or_else(|| generated.clone())
        .unwrap_or_default();
    let row = service::create_account(
        conn,
        &AuditCtx::default(),
        &api::NewUser {
            email: email.to_owned(),
            display_name: "Technical Secretariat".into(),
            role: "secretariat".into(),
            country: None,
            password: pw,
        },
    )?;
    Ok(Some((row.email, generated)))
}
