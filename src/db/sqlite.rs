//! SQLite connection settings, applied to every connection the pool opens.

use diesel::connection::SimpleConnection;
use diesel::SqliteConnection;

/// `busy_timeout` first, so that switching to WAL waits for a concurrent writer instead of
/// failing; foreign keys are off by default in SQLite and must be turned on per connection.
///
/// `soft_heap_limit` is process-wide: every pooled connection's page cache grows to 2 MiB by
/// default, 10 of them kept ~24 MiB resident after a load; 8 MiB shared costs no measured
/// throughput (the operating system caches the file too) and keeps the server small.
pub const PRAGMAS: &str = "PRAGMA busy_timeout = 5000;
PRAGMA soft_heap_limit = 8388608;
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
PRAGMA foreign_keys = ON;";

pub fn prepare(conn: &mut SqliteConnection) -> diesel::QueryResult<()> {
    conn.batch_execute(PRAGMAS)
}

#[cfg(test)]
mod tests {
    use diesel::sql_types::Text;
    use diesel::{Connection, QueryableByName, RunQueryDsl, SqliteConnection};

    #[derive(QueryableByName)]
    struct CompileOption {
        #[diesel(sql_type = Text)]
        compile_options: String,
    }

    /// `.cargo/config.toml` builds SQLite with the planner's stability guarantee; a build that
    /// lost it would parse every `LIMIT ?` statement again on each use (see that file).
    #[test]
    fn the_bundled_sqlite_keeps_statements_prepared() {
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        let options: Vec<String> = diesel::sql_query("PRAGMA compile_options")
            .load::<CompileOption>(&mut conn)
            .unwrap()
            .into_iter()
            .map(|o| o.compile_options)
            .collect();
        assert!(
            options.iter().any(|o| o == "ENABLE_QPSG"),
            "SQLite was built without SQLITE_ENABLE_QPSG: {options:?}"
        );
    }
}
