//! SQLite connection settings, applied to every connection the pool opens.

use diesel::connection::SimpleConnection;
use diesel::SqliteConnection;

/// `busy_timeout` first, so that switching to WAL waits for a concurrent writer instead of
/// failing; foreign keys are off by default in SQLite and must be turned on per connection.
pub const PRAGMAS: &str = "PRAGMA busy_timeout = 5000;
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
PRAGMA foreign_keys = ON;";

pub fn prepare(conn: &mut SqliteConnection) -> diesel::QueryResult<()> {
    conn.batch_execute(PRAGMAS)
}
