//! Review: reviewer countries drawn by lot, country and hemispheric reports, comments,
//! adoption, recommendations and their follow-up.

pub mod actions;
pub mod api;
pub mod comments;
pub mod draw;
pub mod draws;
pub mod loaded;
pub mod model;
pub mod recommendations;
pub mod routes;
pub mod rules;
pub mod store;
