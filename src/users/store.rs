//! User queries.

use diesel::prelude::*;

use super::model::{NewUserRow, UserChanges, UserRow};
use crate::auth::Role;
use crate::db::schema::{countries, users};
use crate::db::DbConn;

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

#[derive(Debug, Default, Clone)]
pub struct UserFilter {
    pub role: Option<Role>,
    pub country: Option<String>,
    pub active: Option<bool>,
    /// Part of the email or display name, any case.
    pub q: Option<String>,
    pub updated_since: Option<chrono::NaiveDateTime>,
}

pub fn insert(conn: &mut DbConn, row: &NewUserRow) -> QueryResult<i64> {
    diesel::insert_into(users::table)
        .values(row)
        .returning(users::id)
        .get_result(conn)
}

pub use crate::auth::account::{
    find_user as find, find_user_by_email as find_by_email, revoke_refresh_tokens,
};

pub fn email_taken(conn: &mut DbConn, email: &str) -> QueryResult<bool> {
    Ok(find_by_email(conn, email)?.is_some())
}

pub fn country_exists(conn: &mut DbConn, code: &str) -> QueryResult<bool> {
    let n: i64 = countries::table
        .filter(countries::code.eq(code))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn is_empty(conn: &mut DbConn) -> QueryResult<bool> {
    let n: i64 = users::table.count().get_result(conn)?;
    Ok(n == 0)
}

pub fn active_secretariat_count(conn: &mut DbConn) -> QueryResult<i64> {
    users::table
        .filter(users::role.eq(Role::Secretariat))
        .filter(users::active.eq(true))
        .count()
        .get_result(conn)
}

/// Up to `limit + 1` users after id `after`, in id order.
pub fn list(
    conn: &mut DbConn,
    filter: &UserFilter,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<UserRow>> {
    let mut query = users::table.into_boxed();
    if let Some(r) = &filter.role {
        query = query.filter(users::role.eq(*r));
    }
    if let Some(c) = &filter.country {
        query = query.filter(users::country.eq(c.clone()));
    }
    if let Some(a) = filter.active {
        query = query.filter(users::active.eq(a));
    }
    if let Some(q) = &filter.q {
        let pattern = format!("%{}%", q.to_lowercase().replace(['%', '_'], ""));
        query = query.filter(
            users::email
                .like(pattern.clone())
                .or(lower(users::display_name).like(pattern)),
        );
    }
    if let Some(t) = filter.updated_since {
        query = query.filter(users::updated_at.ge(t));
    }
    if let Some(id) = after {
        query = query.filter(users::id.gt(id));
    }
    query
        .order(users::id.asc())
        .limit(limit + 1)
        .select(UserRow::as_select())
        .load(conn)
}

pub fn update(conn: &mut DbConn, id: i64, changes: &UserChanges) -> QueryResult<usize> {
    crate::auth::principals::account_changed();
    diesel::update(users::table.find(id))
        .set(changes)
        .execute(conn)
}
