//! Files: uploads streamed to the store (never whole in memory), their type read from their
//! bytes, content kept once per SHA-256, downloads with ranges and strong ETags; attachments
//! that make them evidence of answers, annexes of experiences, reports and cooperation, proof of
//! follow-up; visible exactly as what they are attached to.

pub mod api;
pub mod attachments;
pub mod parents;
mod receive;
pub mod routes;
pub mod sniff;
pub mod storage;
pub mod store;

pub use storage::Storage;

/// The path of uploads (the idempotency middleware leaves their bodies to the handler).
pub const UPLOAD_PATH: &str = "/api/v1/files";

/// The largest upload by default: 25 MiB.
pub const DEFAULT_LIMIT: u64 = 25 * 1024 * 1024;

/// How long an upload attached nowhere is kept.
pub const UNATTACHED_HOURS: i64 = 24;

/// What the file endpoints need: the size limit and the store.
#[derive(Debug, Clone)]
pub struct FileSettings {
    pub limit: u64,
    pub storage: Storage,
}

impl Default for FileSettings {
    fn default() -> Self {
        FileSettings {
            limit: DEFAULT_LIMIT,
            storage: Storage::Database,
        }
    }
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(routes::upload_file)
        .service(routes::list_files)
        .service(routes::download_file)
        .service(attachments::create_attachment)
        .service(attachments::list_attachments)
        .service(attachments::delete_attachment);
}

/// The job's part: removes uploads attached nowhere for a day, then content nothing names.
/// Returns (files, blobs) removed.
pub fn clean(
    pool: &crate::db::DbPool,
    storage: &Storage,
) -> crate::error::ApiResult<(usize, usize)> {
    let cutoff = crate::time::now() - chrono::Duration::hours(UNATTACHED_HOURS);
    let files = crate::db::write_here(pool, |conn| Ok(store::remove_unattached(conn, cutoff)?))?;
    let blobs = storage.sweep(pool)?;
    Ok((files, blobs))
}
