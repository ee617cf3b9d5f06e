//! Sessions: checking that a token still describes its account, and refresh-token families
//! (rotation on every use; a replayed token revokes its whole family).

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::jwt::Claims;
use super::{random_token, token_hash, Principal, Role};
use crate::db::schema::{machine_clients, refresh_tokens, users};
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};

/// The principal an access token stands for, if the account (and client) still allow it.
pub fn current_principal(
    conn: &mut DbConn,
    user_id: i64,
    claims: &Claims,
) -> ApiResult<Option<Principal>> {
    let row: Option<(bool, i32, String, Option<String>)> = users::table
        .find(user_id)
        .select((
            users::active,
            users::auth_epoch,
            users::role,
            users::country,
        ))
        .first(conn)
        .optional()?;
    let Some((active, epoch, role, country)) = row else {
        return Ok(None);
    };
    if !active || epoch != claims.ver || role != claims.role || country != claims.country {
        return Ok(None);
    }
    if let Some(cid) = &claims.cid {
        let client: Option<(i64, Option<NaiveDateTime>, Option<NaiveDateTime>)> =
            machine_clients::table
                .filter(machine_clients::client_id.eq(cid))
                .select((
                    machine_clients::user_id,
                    machine_clients::revoked_at,
                    machine_clients::expires_at,
                ))
                .first(conn)
                .optional()?;
        let now = crate::time::now();
        match client {
            Some((owner, None, expires)) if owner == user_id && expires.is_none_or(|e| e > now) => {
            }
            _ => return Ok(None),
        }
    }
    Ok(Role::parse(&role).map(|role| Principal {
        user_id,
        role,
        country,
        client_id: claims.cid.clone(),
    }))
}

/// Starts a new family; returns the opaque token to hand out.
pub fn issue_refresh(conn: &mut DbConn, user_id: i64, ttl: Duration) -> QueryResult<String> {
    let family = uuid::Uuid::new_v4().simple().to_string();
    insert_refresh(conn, user_id, &family, ttl)
}

fn insert_refresh(
    conn: &mut DbConn,
    user_id: i64,
    family: &str,
    ttl: Duration,
) -> QueryResult<String> {
    let token = random_token();
    let now = crate::time::now();
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::user_id.eq(user_id),
            refresh_tokens::family_id.eq(family),
            refresh_tokens::token_hash.eq(token_hash(&token)),
            refresh_tokens::created_at.eq(now),
            refresh_tokens::expires_at.eq(now + ttl),
        ))
        .execute(conn)?;
    Ok(token)
}

fn revoke_family(conn: &mut DbConn, family: &str) -> QueryResult<usize> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(family))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(crate::time::now()))
    .execute(conn)
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = refresh_tokens)]
struct RefreshRow {
    id: i64,
    user_id: i64,
    family_id: String,
    expires_at: NaiveDateTime,
    rotated_at: Option<NaiveDateTime>,
    revoked_at: Option<NaiveDateTime>,
}

/// What a presented refresh token turned out to be.
pub enum Refresh {
    /// Valid: rotated; here are the user and the new token.
    Rotated { user_id: i64, token: String },
    /// Already rotated: a replay. The whole family has been revoked.
    Reused { user_id: i64 },
    /// Unknown, expired or revoked.
    Invalid,
}

/// Rotates `token`. Call inside a transaction: the reuse check and the rotation must not race.
pub fn rotate(conn: &mut DbConn, token: &str, ttl: Duration) -> ApiResult<Refresh> {
    let row: Option<RefreshRow> = refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(token_hash(token)))
        .select(RefreshRow::as_select())
        .first(conn)
        .optional()?;
    let Some(RefreshRow {
        id,
        user_id,
        family_id: family,
        expires_at,
        rotated_at,
        revoked_at,
    }) = row
    else {
        return Ok(Refresh::Invalid);
    };
    let now = crate::time::now();
    if rotated_at.is_some() {
        revoke_family(conn, &family)?;
        return Ok(Refresh::Reused { user_id });
    }
    if revoked_at.is_some() || expires_at <= now {
        return Ok(Refresh::Invalid);
    }
    // Only the first of two concurrent rotations updates the row; the other is a replay.
    let updated = diesel::update(
        refresh_tokens::table
            .find(id)
            .filter(refresh_tokens::rotated_at.is_null()),
    )
    .set(refresh_tokens::rotated_at.eq(now))
    .execute(conn)?;
    if updated == 0 {
        revoke_family(conn, &family)?;
        return Ok(Refresh::Reused { user_id });
    }
    let token = insert_refresh(conn, user_id, &family, ttl)?;
    Ok(Refresh::Rotated { user_id, token })
}

/// Logs out: revokes the family of `token`; returns its user when the token was known.
pub fn revoke(conn: &mut DbConn, token: &str) -> ApiResult<Option<i64>> {
    let row: Option<(i64, String)> = refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(token_hash(token)))
        .select((refresh_tokens::user_id, refresh_tokens::family_id))
        .first(conn)
        .optional()?;
    match row {
        Some((user_id, family)) => {
            revoke_family(conn, &family)?;
            Ok(Some(user_id))
        }
        None => Ok(None),
    }
}

/// Refuses a refresh for an account that may no longer log in.
pub fn ensure_active(conn: &mut DbConn, user_id: i64) -> ApiResult<super::account::UserRow> {
    match super::account::find_user(conn, user_id)? {
        Some(u) if u.active => Ok(u),
        _ => Err(ApiError::Unauthorized("the account is not active".into())),
    }
}

/// The times of the latest `limit` failed logins of `email` since `since`, newest first: the
/// audit log every instance writes, so the account's limit holds across instances.
pub fn recent_failed_logins(
    conn: &mut DbConn,
    email: &str,
    since: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<NaiveDateTime>> {
    use crate::db::schema::audit_log as a;
    a::table
        .filter(a::entity_type.eq("user"))
        .filter(a::entity_id.eq(email))
        .filter(a::action.eq("auth.login_failed"))
        .filter(a::at.gt(since))
        .order(a::id.desc())
        .limit(limit)
        .select(a::at)
        .load(conn)
}
