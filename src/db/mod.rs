//! Storage: one connection type over PostgreSQL and SQLite, a pool, and `run`, the only way
//! handlers reach the database (pool checkout and queries happen on the blocking pool).

pub mod dialect;
pub mod migrate;
pub mod schema;
pub mod sqlite;

use std::fmt;
use std::ops::Deref;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

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
}

impl DbPool {
    fn new(pool: r2d2::Pool<Manager>) -> DbPool {
        DbPool {
            pool,
            writes: Arc::default(),
        }
    }

    /// How many write transactions ([`run_tx`]) have finished through this pool, committed or
    /// not: whoever keeps what it read from the database compares it before and after to learn
    /// whether this server may have changed it since.
    pub fn write_counter(&self) -> Arc<AtomicU64> {
        self.writes.clone()
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

/// r2d2 manager that opens the backend the [`Target`] names and prepares each connection.
#[derive(Debug, Clone)]
pub struct Manager {
    target: Target,
}

impl Manager {
    pub fn new(target: Target) -> Self {
        Manager { target }
    }
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        match &self.target {
            Target::Postgres(url) => PgConnection::establish(url)
                .map(DbConn::Pg)
                .map_err(r2d2::Error::ConnectionError),
            Target::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())
                    .map_err(r2d2::Error::ConnectionError)?;
                sqlite::prepare(&mut conn).map_err(r2d2::Error::QueryError)?;
                Ok(DbConn::Sqlite(conn))
            }
        }
    }

    /// Runs before every checkout.
    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        dialect::check_alive(conn).map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut DbConn) -> bool {
        std::thread::panicking()
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

/// Opens the pool and checks that one connection works (creating the SQLite folder first).
pub fn connect(target: &Target, opts: &PoolOptions) -> Result<DbPool, String> {
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
    r2d2::Pool::builder()
        .max_size(opts.max_size)
        .min_idle(Some(1))
        .connection_timeout(opts.connection_timeout)
        .build(Manager::new(target.clone()))
        .map(DbPool::new)
        .map_err(|e| format!("cannot open {target}: {e}"))
}

/// A pool that does not connect until used: for tests of outages and for tools.
pub fn connect_lazily(target: &Target, opts: &PoolOptions) -> DbPool {
    DbPool::new(
        r2d2::Pool::builder()
            .max_size(opts.max_size)
            .min_idle(Some(0))
            .connection_timeout(opts.connection_timeout)
            .build_unchecked(Manager::new(target.clone())),
    )
}

/// Runs `f` with a pooled connection on actix's blocking pool: the pool checkout and every
/// query happen off the async workers.
pub async fn run<T, F>(pool: &DbPool, f: F) -> ApiResult<T>
where
    F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    web::block(move || {
        let mut conn = pool.get()?;
        f(&mut conn)
    })
    .await?
}

/// Like [`run`], in one transaction: all of `f`'s writes land, or none.
pub async fn run_tx<T, F>(pool: &DbPool, f: F) -> ApiResult<T>
where
    F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
    T: Send + 'static,
{
    // A POST with an Idempotency-Key marks its claim in the transaction of its effect.
    let claim = crate::http::idempotency::current();
    let writes = pool.writes.clone();
    run(pool, move |conn| {
        let done = dialect::write_transaction::<T, ApiError, _>(conn, |conn| {
            let value = f(conn)?;
            if let Some(c) = &claim {
                crate::http::idempotency::mark_effect(conn, c)?;
            }
            Ok(value)
        });
        writes.fetch_add(1, Ordering::AcqRel);
        done
    })
    .await
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
    fn display_hides_the_password() {
        let t = Target::parse("postgres://app:s3cret@db:5432/mecigep").unwrap();
        assert_eq!(
            t.to_string(),
            "PostgreSQL at postgres://app@db:5432/mecigep"
        );
    }
}
