//! The Guide (GEMGPE): each country's formal framework in each thematic area, edited as a
//! working document, reviewed, published as immutable versions, searched in four languages.

pub mod actions;
pub mod api;
pub mod coverage;
mod edit;
pub mod list;
pub mod model;
pub mod routes;
pub mod rules;
pub mod search;
pub mod search_index;
mod shown;
pub mod store;
pub mod versions;
