//! User rows.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::auth::Role;

pub use crate::auth::account::UserRow;

use crate::db::schema::users;

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUserRow {
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

/// Fields a change may set; `None` leaves a field alone.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChanges {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub country: Option<Option<String>>,
    pub password_hash: Option<String>,
    pub active: Option<bool>,
    pub auth_epoch: Option<i32>,
    pub updated_at: Option<NaiveDateTime>,
}
