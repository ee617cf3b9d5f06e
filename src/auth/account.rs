//! Accounts as authentication reads them: the user row, found by id or email, and the end of
//! its sessions. The users slice administers accounts through these; authentication needs
//! nothing of that slice.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::Role;
use crate::db::schema::{refresh_tokens, users};
use crate::db::DbConn;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub country: Option<String>,
    pub password_hash: String,
    pub active: bool,
    pub auth_epoch: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn find_user(conn: &mut DbConn, id: i64) -> QueryResult<Option<UserRow>> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_user_by_email(conn: &mut DbConn, email: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::email.eq(email.trim().to_lowercase()))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

/// Ends every refresh token of the user (sessions end at their next refresh).
pub fn revoke_refresh_tokens(conn: &mut DbConn, user_id: i64) -> QueryResult<usize> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::user_id.eq(user_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(crate::time::now()))
    .execute(conn)
}

/// Ends every session of the user at once: its refresh tokens, and (by a new epoch) every
/// access token already issued, its machine clients' included. For a replayed refresh token,
/// which means a copy is in other hands and which copy is the thief's cannot be told.
pub fn end_all_sessions(conn: &mut DbConn, user_id: i64) -> QueryResult<()> {
    revoke_refresh_tokens(conn, user_id)?;
    super::principals::account_changed();
    diesel::update(users::table.find(user_id))
        .set(users::auth_epoch.eq(users::auth_epoch + 1))
        .execute(conn)?;
    Ok(())
}
