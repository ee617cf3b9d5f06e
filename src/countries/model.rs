//! Country rows and the enums stored as text.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::{countries, country_names};

/// Subregion of the Americas, as the mechanism groups its members.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    ToSchema,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum Subregion {
    NorthAmerica,
    CentralAmerica,
    Caribbean,
    Andean,
    SouthernCone,
}

crate::text_enum!(Subregion);

impl Subregion {
    pub const ALL: [Subregion; 5] = [
        Subregion::NorthAmerica,
        Subregion::CentralAmerica,
        Subregion::Caribbean,
        Subregion::Andean,
        Subregion::SouthernCone,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Subregion::NorthAmerica => "north_america",
            Subregion::CentralAmerica => "central_america",
            Subregion::Caribbean => "caribbean",
            Subregion::Andean => "andean",
            Subregion::SouthernCone => "southern_cone",
        }
    }

    pub fn parse(s: &str) -> Option<Subregion> {
        Subregion::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// Standing of a member state in the Organization.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    ToSchema,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum Membership {
    /// Takes part in the Organization's activities.
    Active,
    /// A member state that does not take part in the Organization's activities.
    NotParticipating,
    /// Has denounced the Charter and left.
    Withdrawn,
}

crate::text_enum!(Membership);

impl Membership {
    pub const ALL: [Membership; 3] = [
        Membership::Active,
        Membership::NotParticipating,
        Membership::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Membership::Active => "active",
            Membership::NotParticipating => "not_participating",
            Membership::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<Membership> {
        Membership::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = countries)]
pub struct CountryRow {
    pub code: String,
    pub alpha2: String,
    pub subregion: Subregion,
    pub membership: Membership,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = country_names)]
pub struct CountryNameRow {
    pub country_code: String,
    pub lang: String,
    pub name: String,
}
