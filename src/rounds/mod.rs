//! Rounds of exchange: schedule, thematic areas, participants, lifecycle.

pub mod actions;
pub mod api;
pub mod model;
pub mod participants;
pub mod routes;
pub mod rules;
pub mod store;
