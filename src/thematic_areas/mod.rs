//! The twelve GEMGPE thematic areas: reference data, read by everyone.

pub mod api;
pub mod data;
pub mod model;
pub mod routes;
pub mod store;
