//! Self-Review Questionnaires: one document per version, typed questions, publish and
//! new-version lifecycle.

pub mod api;
pub mod follow_up;
pub mod model;
pub mod routes;
pub mod rules;
pub mod store;
pub mod versions;
