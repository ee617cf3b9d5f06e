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
/// Checks a pooled connection before it is handed out. A server connection can drop (a
/// restart, a proxy's idle timeout), so PostgreSQL's is asked; an open SQLite file cannot, and
/// asking it cost a statement parse on every request.
pub fn check_alive(conn: &mut DbConn) -> diesel::QueryResult<()> {
    use diesel::connection::SimpleConnection;
    match conn {
        DbConn::Pg(c) => c.batch_execute("SELECT 1"),
        DbConn::Sqlite(_) => Ok(()),
    }
}

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

/// Reverts the last applied migration, keeping the data the others hold (used by the tests of
/// a migration's way down and up again over data).
pub fn revert_last_migration(conn: &mut DbConn) -> Result<String, MigrationError> {
    let reverted = match conn {
        DbConn::Pg(c) => c.revert_last_migration(POSTGRES)?,
        DbConn::Sqlite(c) => c.revert_last_migration(SQLITE)?,
    };
    Ok(reverted.to_string())
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

/// This process's turn to write on SQLite, which has one writer at a time. Waiting in SQLite's
/// busy handler means sleeping with growing back-off (long tails under load), so this process's
/// writers queue here instead; the busy timeout still covers other processes. A token, not a
/// lock guard: a request's open transaction ([`super::request_tx`]) carries it across threads.
pub struct WriterTurn(());

static TURN_TAKEN: std::sync::Mutex<bool> = std::sync::Mutex::new(false);
static TURN_FREED: std::sync::Condvar = std::sync::Condvar::new();

/// How long a writer waits for its turn before the request is answered 503 (busy).
pub const TURN_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

impl WriterTurn {
    /// Waits for this process's turn to write, up to [`TURN_WAIT`]. Taken before a connection
    /// is checked out, so that waiting writers do not hold connections others need to read.
    pub fn take() -> Result<WriterTurn, diesel::result::Error> {
        let taken = TURN_TAKEN.lock().unwrap_or_else(|p| p.into_inner());
        let (mut taken, waited) = TURN_FREED
            .wait_timeout_while(taken, TURN_WAIT, |taken| *taken)
            .unwrap_or_else(|p| p.into_inner());
        if waited.timed_out() && *taken {
            return Err(busy());
        }
        *taken = true;
        Ok(WriterTurn(()))
    }
}

impl Drop for WriterTurn {
    fn drop(&mut self) {
        *TURN_TAKEN.lock().unwrap_or_else(|p| p.into_inner()) = false;
        TURN_FREED.notify_one();
    }
}

/// The error a writer that waited too long gets: SQLite's own words for it, so that it is
/// answered as SQLite's busy timeout is (503).
fn busy() -> diesel::result::Error {
    diesel::result::Error::DatabaseError(
        diesel::result::DatabaseErrorKind::Unknown,
        Box::new("database is locked".to_owned()),
    )
}

/// Begins a write transaction. On SQLite, the caller holds this process's [`WriterTurn`] until
/// the transaction ends, and the write lock is taken at `BEGIN` (`IMMEDIATE`): a deferred
/// transaction that reads first cannot upgrade once another writer has committed, and fails
/// instead of waiting its turn. PostgreSQL locks rows as they are written.
pub fn begin_write(conn: &mut DbConn) -> diesel::QueryResult<()> {
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    type Manager = <DbConn as diesel::Connection>::TransactionManager;
    match conn {
        DbConn::Pg(_) => Manager::begin_transaction(conn),
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE"),
    }
}

/// Ends the transaction [`begin_write`] began: commits, or rolls back when `commit` is false or
/// the commit fails.
pub fn end_write(conn: &mut DbConn, commit: bool) -> diesel::QueryResult<()> {
    use diesel::connection::TransactionManager;
    type Manager = <DbConn as diesel::Connection>::TransactionManager;
    if commit {
        match Manager::commit_transaction(conn) {
            Ok(()) => return Ok(()),
            Err(e) => {
                let _ = Manager::rollback_transaction(conn);
                return Err(e);
            }
        }
    }
    match Manager::rollback_transaction(conn) {
        Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Bounds how long the rest of this transaction's statements wait for a row lock
/// (PostgreSQL; SQLite writers wait their turn instead). `None` restores the default.
pub fn set_local_lock_timeout(conn: &mut DbConn, timeout: Option<&str>) -> diesel::QueryResult<()> {
    use diesel::RunQueryDsl;
    match conn {
        DbConn::Pg(c) => diesel::sql_query("SELECT set_config('lock_timeout', $1, true)")
            .bind::<diesel::sql_types::Text, _>(timeout.unwrap_or("0"))
            .execute(c)
            .map(|_| ()),
        DbConn::Sqlite(_) => Ok(()),
    }
}

/// Whether `e` is a statement given up after [`set_local_lock_timeout`].
pub fn is_lock_timeout(e: &diesel::result::Error) -> bool {
    matches!(e, diesel::result::Error::DatabaseError(_, info)
        if info.message().contains("lock timeout"))
}

/// A transaction that writes ([`begin_write`]; on SQLite under the caller's [`WriterTurn`]): all
/// of `f`'s writes land, or none.
pub fn write_transaction<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    begin_write(conn)?;
    match f(conn) {
        Ok(value) => end_write(conn, true).map(|()| value).map_err(E::from),
        Err(user_error) => end_write(conn, false).map_err(E::from).and(Err(user_error)),
    }
}

/// A value bound to a `?` of an [`Sql`] text.
#[derive(Debug, Clone)]
pub enum Bind {
    Text(String),
    BigInt(i64),
    Date(chrono::NaiveDate),
    Timestamp(chrono::NaiveDateTime),
    Double(f64),
}

/// A hand-built statement: text with `?` placeholders and their values in order. For the few
/// queries the query builder cannot express on both backends (ranked full-text search).
#[derive(Debug, Clone, Default)]
pub struct Sql {
    text: String,
    binds: Vec<Bind>,
}

impl Sql {
    pub fn new(text: &str) -> Sql {
        Sql {
            text: text.to_owned(),
            binds: Vec::new(),
        }
    }

    pub fn push(&mut self, text: &str) -> &mut Sql {
        self.text.push_str(text);
        self
    }

    /// Appends another statement piece, its binds after these.
    pub fn append(&mut self, other: Sql) -> &mut Sql {
        self.text.push_str(&other.text);
        self.binds.extend(other.binds);
        self
    }

    pub fn bind(&mut self, value: Bind) -> &mut Sql {
        self.text.push('?');
        self.binds.push(value);
        self
    }

    /// The text for PostgreSQL, whose placeholders are numbered (`$1`, `$2`…). Values never
    /// appear in the text, so every `?` is a placeholder.
    fn numbered(&self) -> String {
        let mut out = String::with_capacity(self.text.len() + 16);
        let mut n = 0;
        for ch in self.text.chars() {
            if ch == '?' {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            } else {
                out.push(ch);
            }
        }
        out
    }
}

macro_rules! bound_query {
    ($db:ty, $text:expr, $binds:expr) => {{
        use diesel::sql_types as st;
        let mut q = diesel::sql_query($text).into_boxed::<$db>();
        for b in $binds {
            q = match b.clone() {
                Bind::Text(v) => q.bind::<st::Text, _>(v),
                Bind::BigInt(v) => q.bind::<st::BigInt, _>(v),
                Bind::Date(v) => q.bind::<st::Date, _>(v),
                Bind::Timestamp(v) => q.bind::<st::Timestamp, _>(v),
                Bind::Double(v) => q.bind::<st::Double, _>(v),
            };
        }
        q
    }};
}

/// Which backend a connection speaks: what a feature's backend-specific SQL chooses by (the
/// text of a statement). [`per_backend!`](crate::per_backend) reaches the typed connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

pub fn backend(conn: &DbConn) -> Backend {
    match conn {
        DbConn::Pg(_) => Backend::Postgres,
        DbConn::Sqlite(_) => Backend::Sqlite,
    }
}

/// Runs the expression written for the connection's backend, with the typed connection bound
/// to the name given: `per_backend!(conn, pg(c) => …, sqlite(c) => …)`. With [`backend`], the
/// one way a feature keeps SQL that differs between PostgreSQL and SQLite beside its other
/// queries.
#[macro_export]
macro_rules! per_backend {
    ($conn:expr, pg($pg:ident) => $on_pg:expr, sqlite($lite:ident) => $on_lite:expr $(,)?) => {
        match $conn {
            $crate::db::DbConn::Pg($pg) => $on_pg,
            $crate::db::DbConn::Sqlite($lite) => $on_lite,
        }
    };
}

/// Locks the row of `table` whose `column` holds `key` until the write transaction ends, so
/// that what a write checked (its `If-Match` above all) still holds when it writes: the one
/// guard of every conditional write, taken before the row is read. PostgreSQL locks the row
/// (`FOR UPDATE`: a concurrent writer waits, then reads what this one committed); SQLite's
/// write transaction already holds the database's only write lock (`BEGIN IMMEDIATE`).
pub fn lock_row(
    conn: &mut DbConn,
    table: &'static str,
    column: &'static str,
    key: Bind,
) -> diesel::QueryResult<()> {
    if backend(conn) == Backend::Sqlite {
        return Ok(());
    }
    let mut sql = Sql::new(&format!("SELECT 1 FROM {table} WHERE {column} = "));
    sql.bind(key).push(" FOR UPDATE");
    execute(conn, &sql).map(|_| ())
}

/// Runs a hand-built statement that returns no rows on either backend.
pub fn execute(conn: &mut DbConn, sql: &Sql) -> diesel::QueryResult<usize> {
    use diesel::RunQueryDsl;
    match conn {
        DbConn::Pg(c) => bound_query!(diesel::pg::Pg, sql.numbered(), &sql.binds).execute(c),
        DbConn::Sqlite(c) => {
            bound_query!(diesel::sqlite::Sqlite, sql.text.clone(), &sql.binds).execute(c)
        }
    }
}

/// Runs a hand-built query on either backend.
pub fn load<R>(conn: &mut DbConn, sql: &Sql) -> diesel::QueryResult<Vec<R>>
where
    R: diesel::QueryableByName<diesel::pg::Pg>
        + diesel::QueryableByName<diesel::sqlite::Sqlite>
        + 'static,
{
    use diesel::RunQueryDsl;
    match conn {
        DbConn::Pg(c) => bound_query!(diesel::pg::Pg, sql.numbered(), &sql.binds).load(c),
        DbConn::Sqlite(c) => {
            bound_query!(diesel::sqlite::Sqlite, sql.text.clone(), &sql.binds).load(c)
        }
    }
}
