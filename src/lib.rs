//! MECIGEP API: the back end of the OAS Inter-American Cooperation Mechanism for Effective
//! Public Management and of its Guide of Strategies and Mechanisms (GEMGPE).

pub mod app;
pub mod audit;
pub mod auth;
pub mod cache;
pub mod config;
pub mod cooperation;
pub mod countries;
pub mod db;
pub mod demo;
pub mod error;
pub mod experiences;
pub mod exports;
pub mod failpoint;
pub mod health;
pub mod http;
pub mod idempotency;
pub mod lifecycle;
pub mod memory;
pub mod openapi;
pub mod questionnaires;
pub mod reports;
pub mod request_id;
pub mod responses;
pub mod rounds;
pub mod security;
pub mod seed;
pub mod state;
pub mod statuses;
pub mod telemetry;
pub mod thematic_areas;
pub mod time;
pub mod tracing_setup;
pub mod users;
