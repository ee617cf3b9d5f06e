//! Storage: one connection type over PostgreSQL and SQLite, a pool, and `run`, the only way
//! handlers reach the database (pool checkout and queries happen on the blocking pool).

pub mod backup;
pub mod dialect;
pub mod json;
pub mod migrate;
pub mod request_tx;
pub mod schema;
pub mod sqlite;
pub mod text_enum;

use std::fmt;
use std::ops::Deref;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::web;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};

use crate::error::{ApiError, ApiResult};

/// A connection to either backend. Built by [`Manager`] from the URL scheme, never by
/// trying each backend in turn.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

/// The connection pool, with a count of the write transactions run through it.
#[derive(Debug, Clone)]
pub struct DbPool {
    pool: r2d2::Pool<Manager>,
    writes: Arc<AtomicU64>,
    /// The manager's count of failed uses ([`Manager::failures`]).
    failures: Arc<AtomicU64>,
    /// Whether the last write transaction failed for want of storage (507/503).
    write_failing: Arc<std::sync::atomic::AtomicBool>,
    /// SQLite: one writer at a time ([`dialect::WriterTurn`]).
    one_writer: bool,
}

impl DbPool {
    fn new(
        builder: r2d2::Builder<Manager>,
        manager: Manager,
        lazily: bool,
    ) -> Result<DbPool, r2d2::PoolError> {
        let failures = manager.failures.clone();
        let one_writer = matches!(manager.target, Target::Sqlite(_));
        let pool = if lazily {
            builder.build_unchecked(manager)
        } else {
            builder.build(manager)?
        };
        Ok(DbPool {
            pool,
            writes: Arc::default(),
            failures,
            write_failing: Arc::default(),
            one_writer,
        })
    }

    /// How many write transactions ([`run_tx`]) have finished through this pool, committed or
    /// not: whoever keeps what it read from the database compares it before and after to learn
    /// whether this server may have changed it since.
    pub fn write_counter(&self) -> Arc<AtomicU64> {
        self.writes.clone()
    }

    /// This process's turn to write, on a backend with one writer at a time; taken before a
    /// connection is checked out for the write.
    fn writer_turn(&self) -> ApiResult<Option<dialect::WriterTurn>> {
        if self.one_writer {
            Ok(Some(dialect::WriterTurn::take()?))
        } else {
            Ok(None)
        }
    }

    /// Whether this process's writes take turns (SQLite: one writer at a time): work a write can
    /// do before its transaction is then worth doing there, off the turn.
    pub fn writes_take_turns(&self) -> bool {
        self.one_writer
    }

    /// Counts a write transaction that ended and remembers whether storage failed it.
    fn note_write(&self, result: &Result<(), &ApiError>) {
        self.writes.fetch_add(1, Ordering::AcqRel);
        let failing = matches!(result, Err(e) if e.is_storage_fault());
        self.write_failing.store(failing, Ordering::Release);
    }

    /// Whether the last write transaction failed for want of storage: the readiness probe
    /// then tries a write of its own.
    pub fn writes_failing(&self) -> bool {
        self.write_failing.load(Ordering::Acquire)
    }
}

impl Deref for DbPool {
    type Target = r2d2::Pool<Manager>;

    fn deref(&self) -> &Self::Target {
        &self.pool
    }
}

/// Which database a URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Postgres(String),
    Sqlite(PathBuf),
}

/// The default database when `DATABASE_URL` is unset.
pub const DEFAULT_SQLITE_PATH: &str = "./data/mecigep.sqlite3";

impl Target {
    /// Chooses the backend from the URL's scheme: `postgres://` or `postgresql://`,
    /// `sqlite://PATH`, or a plain file path. Anything else is refused.
    pub fn parse(url: &str) -> Result<Target, String> {
        let url = url.trim();
        if url.is_empty() {
            return Err(
                "DATABASE_URL is empty; unset it for the default SQLite file, or give \
                        postgres://USER@HOST/DB or sqlite://PATH"
                    .into(),
            );
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Target::Postgres(url.to_owned()));
        }
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            return Self::sqlite_path(path);
        }
        if let Some((scheme, _)) = url.split_once("://") {
            return Err(format!(
                "DATABASE_URL has the scheme '{scheme}', which this server does not speak; use \
                 postgres://USER@HOST/DB, postgresql://…, sqlite://PATH or a plain file path"
            ));
        }
        if url.contains(':') && !url.starts_with('.') && !url.starts_with('/') {
            // `postgres:foo`, `mysql:…`: a mistyped URL must fail, not become a file.
            return Err(format!(
                "DATABASE_URL '{url}' looks like a URL without '//'; use postgres://… , \
                 sqlite://PATH or a file path starting with ./ or /"
            ));
        }
        Self::sqlite_path(url)
    }

    fn sqlite_path(path: &str) -> Result<Target, String> {
        if path.is_empty() || path == ":memory:" || path.contains("mode=memory") {
            return Err(
                "an in-memory SQLite database cannot back a connection pool (every \
                        connection would see its own empty database); give a file path"
                    .into(),
            );
        }
        Ok(Target::Sqlite(PathBuf::from(path)))
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            Target::Postgres(_) => "postgresql",
            Target::Sqlite(_) => "sqlite",
        }
    }
}

impl fmt::Display for Target {
    /// The database for people and logs, with any password hidden.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Sqlite(p) => write!(f, "SQLite at {}", p.display()),
            Target::Postgres(url) => {
                let shown = match (url.find("://"), url.rfind('@')) {
                    (Some(s), Some(at)) if at > s => {
                        let creds = &url[s + 3..at];
                        let user = creds.split(':').next().unwrap_or("");
                        format!("{}{}@{}", &url[..s + 3], user, &url[at + 1..])
                    }
                    _ => url.clone(),
                };
                write!(f, "PostgreSQL at {shown}")
            }
        }
    }
}

/// A pooled connection and when it last answered a request.
pub struct Pooled {
    conn: DbConn,
    answered: Option<Instant>,
    /// The pool's count of failed uses when this connection was last checked.
    failures_seen: u64,
    /// Left inside a transaction it could not end: never handed out again.
    broken: bool,
}

/// How long a connection that just answered is handed out again without a check. Under load
/// every connection answers within microseconds of its next checkout, so the check's round trip
/// is skipped; a connection can only have been dropped by a database restart or a proxy's idle
/// timeout, and neither fits in this window. A failure on any connection ends the trust of all,
/// since a restart drops them together.
const TRUSTED_FOR: Duration = Duration::from_millis(100);

impl Pooled {
    fn trusted(&self, failures: u64) -> bool {
        self.failures_seen == failures && self.answered.is_some_and(|t| t.elapsed() < TRUSTED_FOR)
    }

    /// Records how the connection's last use ended: trusted after an answer; after a failure
    /// that may be the database's, checked before its next use, it and every other.
    fn ended<T>(&mut self, result: &ApiResult<T>, failures: &AtomicU64) {
        self.answered = match result {
            Err(ApiError::Unavailable(_) | ApiError::Internal(_)) => {
                failures.fetch_add(1, Ordering::AcqRel);
                None
            }
            _ => Some(Instant::now()),
        };
    }
}

impl Deref for Pooled {
    type Target = DbConn;

    fn deref(&self) -> &DbConn {
        &self.conn
    }
}

impl std::ops::DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut DbConn {
        &mut self.conn
    }
}

/// r2d2 manager that opens the backend the [`Target`] names and prepares each connection.
#[derive(Debug, Clone)]
pub struct Manager {
    target: Target,
    /// Uses of a connection that failed, as a database restart would make them.
    failures: Arc<AtomicU64>,
}

impl Manager {
    pub fn new(target: Target) -> Self {
        Manager {
            target,
            failures: Arc::default(),
        }
    }
}

impl ManageConnection for Manager {
    type Connection = Pooled;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<Pooled, r2d2::Error> {
        let conn = match &self.target {
            Target::Postgres(url) => PgConnection::establish(url)
                .map(DbConn::Pg)
                .map_err(r2d2::Error::ConnectionError),
            Target::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())
                    .map_err(r2d2::Error::ConnectionError)?;
                sqlite::prepare(&mut conn).map_err(r2d2::Error::QueryError)?;
                Ok(DbConn::Sqlite(conn))
            }
        }?;
        Ok(Pooled {
            conn,
            answered: None,
            failures_seen: self.failures.load(Ordering::Acquire),
            broken: false,
        })
    }

    /// Runs before every checkout: a connection that has not answered lately is asked.
    fn is_valid(&self, conn: &mut Pooled) -> Result<(), r2d2::Error> {
        let failures = self.failures.load(Ordering::Acquire);
        if conn.trusted(failures) {
            return Ok(());
        }
        dialect::check_alive(conn).map_err(r2d2::Error::QueryError)?;
        conn.answered = Some(Instant::now());
        conn.failures_seen = failures;
        Ok(())
    }

    fn has_broken(&self, conn: &mut Pooled) -> bool {
        conn.broken || std::thread::panicking()
    }
}

/// Pool settings.
#[derive(Debug, Clone)]
pub struct PoolOptions {
    pub max_size: u32,
    pub connection_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        PoolOptions {
            max_size: 10,
            connection_timeout: Duration::from_secs(5),
        }
    }
}

/// A SQLite database's folder, created if missing (SQLite creates the file, not its folder).
fn create_sqlite_folder(target: &Target) -> Result<(), String> {
    if let Target::Sqlite(path) = target {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                format!(
                    "cannot create the folder {} for the database: {e}",
                    dir.display()
                )
            })?;
        }
    }
    Ok(())
}

/// Opens the pool and checks that one connection works (creating the SQLite folder first).
pub fn connect(target: &Target, opts: &PoolOptions) -> Result<DbPool, String> {
    create_sqlite_folder(target)?;
    let builder = r2d2::Pool::builder()
        .max_size(opts.max_size)
        .min_idle(Some(1))
        .connection_timeout(opts.connection_timeout);
    DbPool::new(builder, Manager::new(target.clone()), false)
        .map_err(|e| format!("cannot open {target}: {e}"))
}

/// Locks the row `id` of `table` for the rest of the write transaction: see
/// [`dialect::lock_row`], the guard every write that honours `If-Match` takes first.
pub fn lock_id(conn: &mut DbConn, table: &'static str, id: i64) -> diesel::QueryResult<()> {
    dialect::lock_row(conn, table, "id", dialect::Bind::BigInt(id))
}

/// A JSON document read back from a text column. One that does not parse is a fault of the
/// stored data, never an empty value: logged with its cause, answered as a 500.
pub fn stored_json<T: serde::de::DeserializeOwned>(
    what: impl fmt::Display,
    raw: &str,
) -> ApiResult<T> {
    serde_json::from_str(raw)
        .map_err(|e| ApiError::internal(format!("the stored {what} does not parse: {e}")))
}

/// A pool for a command that runs and exits (`migrate`, `seed`, `user add`, `restore`): no
/// connection is opened in the background, so none is being set up by another thread when the
/// process exits (libpq's TLS torn down under it crashed the exit). One connection is checked.
pub fn connect_for_command(target: &Target, opts: &PoolOptions) -> Result<DbPool, String> {
    let pool = connect_lazily(target, opts);
    create_sqlite_folder(target)?;
    pool.get()
        .map(drop)
        .map_err(|e| format!("cannot open {target}: {e}"))?;
    Ok(pool)
}

/// A pool that does not connect until used: for tests of outages and for tools.
pub fn connect_lazily(target: &Target, opts: &PoolOptions) -> DbPool {
    let builder = r2d2::Pool::builder()
        .max_size(opts.max_size)
        .min_idle(Some(0))
        .connection_timeout(opts.connection_timeout);
    DbPool::new(builder, Manager::new(target.clone()), true)
        .expect("a pool built unchecked does not connect")
}

/// Runs `f` with a pooled connection on actix's blocking pool: the pool checkout and every
/// query happen off the async workers. Within a [`request_tx::RequestTx`] that has written,
/// `f` runs in its transaction and reads what the request wrote.
pub async fn run<T, F>(pool: &DbPool, f: F) -> ApiResult<T>
where
    F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
    T: Send + 'static,
{
    if let Some(tx) = request_tx::current().filter(|tx| tx.is_open()) {
        return tx.read(pool, f).await;
    }
    let pool = pool.clone();
    let span = tracing::debug_span!("db", op = "read");
    web::block(move || {
        let _in = span.enter();
        let mut conn = pool.get()?;
        let result = f(&mut conn);
        conn.ended(&result, &pool.failures);
        result
    })
    .await?
}

/// Like [`run`], in one transaction: all of `f`'s writes land, or none. Within a
/// [`request_tx::RequestTx`], `f` joins the request's transaction, which commits with the
/// request's answer. `f` runs again when it loses a race with a concurrent write
/// ([`ApiError::is_race`]), so it must do nothing outside the transaction.
pub async fn run_tx<T, F>(pool: &DbPool, f: F) -> ApiResult<T>
where
    F: Fn(&mut DbConn) -> ApiResult<T> + Send + 'static,
    T: Send + 'static,
{
    if let Some(tx) = request_tx::current() {
        return tx.write(pool, f).await;
    }
    let fault = crate::failpoint::storage_fault().map(ApiError::from);
    if let Some(fault) = fault {
        pool.note_write(&Err::<(), _>(&fault));
        return Err(fault);
    }
    let pool = pool.clone();
    let span = tracing::debug_span!("db", op = "write");
    web::block(move || {
        let _in = span.enter();
        write_here(&pool, f)
    })
    .await?
}

/// [`run_tx`] on the calling thread, for the background jobs' own threads (never an actix
/// worker's).
pub fn write_here<T, F>(pool: &DbPool, f: F) -> ApiResult<T>
where
    F: Fn(&mut DbConn) -> ApiResult<T>,
{
    let _turn = pool.writer_turn()?;
    let mut conn = pool.get()?;
    let result = retrying_races(|| {
        let done = dialect::write_transaction::<T, ApiError, _>(&mut conn, &f);
        pool.note_write(&done.as_ref().map(|_| ()));
        done
    });
    conn.ended(&result, &pool.failures);
    result
}

/// [`run`] on the calling thread, for the background jobs' own threads.
pub fn read_here<T>(pool: &DbPool, f: impl FnOnce(&mut DbConn) -> ApiResult<T>) -> ApiResult<T> {
    let mut conn = pool.get()?;
    let result = f(&mut conn);
    conn.ended(&result, &pool.failures);
    result
}

/// How many times a write that lost a race ([`ApiError::is_race`]) runs again.
const RACE_RETRIES: usize = 3;

/// Runs `attempt` again while it loses a race with a concurrent write: on its next run it reads
/// what the other wrote, and succeeds or answers as it would have after the other (a duplicate
/// email is `email-taken`, not a failure of the database).
fn retrying_races<T>(mut attempt: impl FnMut() -> ApiResult<T>) -> ApiResult<T> {
    let mut tries = 1;
    loop {
        match attempt() {
            Err(e) if e.is_race() && tries <= RACE_RETRIES => {
                tracing::debug!(error = %e, tries, "a write lost a race; running it again");
                tries += 1;
            }
            done => return done,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_comes_from_the_scheme() {
        assert_eq!(
            Target::parse("postgres://u@h/db"),
            Ok(Target::Postgres("postgres://u@h/db".into()))
        );
        assert!(matches!(
            Target::parse("postgresql://h/db"),
            Ok(Target::Postgres(_))
        ));
        assert_eq!(
            Target::parse("sqlite://data/x.db"),
            Ok(Target::Sqlite(PathBuf::from("data/x.db")))
        );
        assert_eq!(
            Target::parse("./data/x.db"),
            Ok(Target::Sqlite(PathBuf::from("./data/x.db")))
        );
        assert_eq!(
            Target::parse("x.db"),
            Ok(Target::Sqlite(PathBuf::from("x.db")))
        );
        for bad in [
            "mysql://h/db",
            "postgres:/h/db",
            "postgre://h",
            "",
            "sqlite://:memory:",
            ":memory:",
        ] {
            assert!(Target::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_connection_is_trusted_while_it_answered_lately_and_none_failed() {
        let failures = AtomicU64::new(0);
        let mut c = Pooled {
            conn: DbConn::Sqlite(SqliteConnection::establish(":memory:").unwrap()),
            answered: None,
            failures_seen: 0,
            broken: false,
        };
        assert!(!c.trusted(0), "never answered: checked");
        c.ended::<()>(&Err(ApiError::not_found("x")), &failures);
        assert!(c.trusted(0), "a 404 is an answer");
        c.ended::<()>(&Ok(()), &failures);
        assert!(c.trusted(0));
        assert!(!c.trusted(1), "another connection failed since: checked");
        c.answered = Some(Instant::now() - TRUSTED_FOR);
        assert!(!c.trusted(0), "idle for the window: checked");
        c.ended::<()>(&Ok(()), &failures);
        c.ended::<()>(&Err(ApiError::Unavailable("closed".into())), &failures);
        assert_eq!(
            failures.load(Ordering::Acquire),
            1,
            "every connection is told"
        );
        assert!(!c.trusted(1), "after its own failure: checked");
        c.ended::<()>(&Err(ApiError::internal("x")), &failures);
        assert_eq!(failures.load(Ordering::Acquire), 2);

        let manager = Manager::new(Target::Sqlite("unused".into()));
        manager.failures.store(2, Ordering::Release);
        manager.is_valid(&mut c).unwrap();
        assert!(c.trusted(2), "checked: trusted again");
    }

    #[test]
    fn display_hides_the_password() {
        let t = Target::parse("postgres://app:s3cret@db:5432/mecigep").unwrap();
        assert_eq!(
            t.to_string(),
            "PostgreSQL at postgres://app@db:5432/mecigep"
        );
    }
}
