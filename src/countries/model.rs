//! Country rows and the enums stored as text.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{countries, country_names};

crate::stored_enum! {
    /// Subregion of the Americas, as the mechanism groups its members.
    pub enum Subregion {
        NorthAmerica = "north_america",
        CentralAmerica = "central_america",
        Caribbean = "caribbean",
        Andean = "andean",
        SouthernCone = "southern_cone",
    }
}

crate::stored_enum! {
    /// Standing of a member state in the Organization.
    pub enum Membership {
        /// Takes part in the Organization's activities.
        Active = "active",
        /// A member state that does not take part in the Organization's activities.
        NotParticipating = "not_participating",
        /// Has denounced the Charter and left.
        Withdrawn = "withdrawn",
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
