//! The integration suite: every test talks HTTP to the real application over a fresh
//! database (SQLite, or PostgreSQL when `TEST_DATABASE_URL` is set).

mod util;

mod assessment;
mod attachments;
mod audit;
mod audit_chain;
mod auth;
mod backup;
mod civil_society;
mod cli;
mod concurrency;
mod conflicts;
mod cooperation;
mod countries;
mod documents;
mod errors;
mod events;
mod experiences;
mod exports;
mod files;
mod follow_up_questions;
mod hygiene;
mod limits;
mod meetings;
mod meta;
mod migrations;
mod questionnaires;
mod reliability;
mod reports;
mod responses;
mod rounds;
mod search_relevance;
mod thematic_areas;
mod traces;
mod users;
