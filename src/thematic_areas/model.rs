//! Thematic area rows.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{thematic_area_texts, thematic_areas};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = thematic_areas)]
pub struct AreaRow {
    pub slug: String,
    pub position: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = thematic_area_texts)]
pub struct AreaTextRow {
    pub area_slug: String,
    pub lang: String,
    pub name: String,
    pub description: String,
}
