//! `/exports`: the data analysts pull, as CSV (RFC 4180, UTF-8, header row) or NDJSON,
//! streamed batch by batch so memory stays flat whatever the size.

pub mod encode;
pub mod recommendations;
pub mod routes;
pub mod sources;
