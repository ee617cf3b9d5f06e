//! Embedded migrations, one folder per backend with the same version stamps.

use diesel_migrations::{embed_migrations, EmbeddedMigrations};

use super::{dialect, DbPool};

pub const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");
pub const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// Brings the schema up to date; returns the versions applied now.
pub fn run(pool: &DbPool) -> Result<Vec<String>, String> {
    let mut conn = pool
        .get()
        .map_err(|e| format!("no database connection for migrations: {e}"))?;
    dialect::run_pending_migrations(&mut conn).map_err(|e| format!("migration failed: {e}"))
}
