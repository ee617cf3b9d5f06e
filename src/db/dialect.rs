//! What differs between PostgreSQL and SQLite. This is the only module that looks at which
//! backend a connection is; everything else sees one behaviour.

use diesel_migrations::{EmbeddedMigrations, MigrationHarness};

use super::migrate::{POSTGRES, SQLITE};
use super::DbConn;

pub type MigrationError = Box<dyn std::error::Error + Send + Sync>;

/// Name of the connection's backend, for health answers and logs.
pub fn backend_name(conn: &DbConn) -> &'static str {
    match conn {
        DbConn::Pg(_) => "postgresql",
        DbConn::Sqlite(_) => "sqlite",
    }
}

/// The embedded migrations of the connection's backend.
pub fn migrations(conn: &DbConn) -> EmbeddedMigrations {
    match conn {
        DbConn::Pg(_) => POSTGRES,
        DbConn::Sqlite(_) => SQLITE,
    }
}

/// Applies every pending migration; returns the versions applied.
pub fn run_pending_migrations(conn: &mut DbConn) -> Result<Vec<String>, MigrationError> {
    let applied = match conn {
        DbConn::Pg(c) => c.run_pending_migrations(POSTGRES)?,
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE)?,
    };
    Ok(applied.iter().map(|v| v.to_string()).collect())
}

/// Reverts every applied migration (used by the round-trip test and `migrate --redo`).
pub fn revert_all_migrations(conn: &mut DbConn) -> Result<Vec<String>, MigrationError> {
    let reverted = match conn {
        DbConn::Pg(c) => c.revert_all_migrations(POSTGRES)?,
        DbConn::Sqlite(c) => c.revert_all_migrations(SQLITE)?,
    };
    Ok(reverted.iter().map(|v| v.to_string()).collect())
}

/// Multi-row `INSERT` of `rows` (a slice of `Insertable` structs) into `table`: the enum cannot
/// express it, each backend can. Keep `rows` under ~100 for SQLite's parameter limit.
#[macro_export]
macro_rules! batch_insert {
    ($conn:expr, $table:expr, $rows:expr) => {{
        use diesel::RunQueryDsl as _;
        match $conn {
            $crate::db::DbConn::Pg(c) => diesel::insert_into($table).values($rows).execute(c),
            $crate::db::DbConn::Sqlite(c) => diesel::insert_into($table).values($rows).execute(c),
        }
    }};
}

static SQLITE_WRITER: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A transaction that writes. On SQLite it takes the write lock at `BEGIN` (`IMMEDIATE`): a
/// deferred transaction that reads first cannot upgrade once another writer has committed, and
/// fails instead of waiting its turn. PostgreSQL locks rows as they are written.
pub fn write_transaction<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, Connection, TransactionManager};
    type Manager = <DbConn as Connection>::TransactionManager;
    // SQLite has one writer at a time. Waiting in its busy handler means sleeping with growing
    // back-off (long tails under load), so this process's writers queue on a mutex instead;
    // the busy timeout still covers other processes.
    let _turn = match conn {
        DbConn::Pg(_) => return conn.transaction(f),
        DbConn::Sqlite(c) => {
            let turn = SQLITE_WRITER
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
            turn
        }
    };
    match f(conn) {
        Ok(value) => match Manager::commit_transaction(conn) {
            Ok(()) => Ok(value),
            Err(e) => {
                let _ = Manager::rollback_transaction(conn);
                Err(e.into())
            }
        },
        Err(user_error) => match Manager::rollback_transaction(conn) {
            Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(user_error),
            Err(rollback_error) => Err(rollback_error.into()),
        },
    }
}

/// Inserts answers of one response, or overwrites the value, comment and author of those that exist
/// (`ON CONFLICT … DO UPDATE`): an update in place costs the database far less than a delete
/// and a new row.
pub fn upsert_answers(
    conn: &mut DbConn,
    rows: &[crate::responses::model::AnswerRow],
) -> diesel::QueryResult<usize> {
    use super::schema::answers::dsl as a;
    use diesel::upsert::excluded;
    use diesel::{ExpressionMethods, RunQueryDsl};
    macro_rules! upsert {
        ($c:expr, $rows:expr) => {
            diesel::insert_into(a::answers)
                .values($rows)
                .on_conflict((a::response_id, a::question_code))
                .do_update()
                .set((
                    a::value.eq(excluded(a::value)),
                    a::comment.eq(excluded(a::comment)),
                    a::updated_by.eq(excluded(a::updated_by)),
                    a::updated_at.eq(excluded(a::updated_at)),
                ))
                .execute($c)
        };
    }
    match conn {
        DbConn::Pg(c) => upsert!(c, rows),
        // SQLite cannot take a multi-row upsert with nullable columns through diesel; with one
        // writer at a time, replacing the rows in two statements is as safe and faster.
        DbConn::Sqlite(c) => {
            use diesel::QueryDsl;
            let response = rows.first().map(|r| r.response_id).unwrap_or_default();
            let codes: Vec<&str> = rows.iter().map(|r| r.question_code.as_str()).collect();
            diesel::delete(
                a::answers
                    .filter(a::response_id.eq(response))
                    .filter(a::question_code.eq_any(codes)),
            )
            .execute(c)?;
            diesel::insert_into(a::answers).values(rows).execute(c)
        }
    }
}
