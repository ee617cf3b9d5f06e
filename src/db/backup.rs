//! `mecigep backup PATH` and `mecigep restore PATH`: a consistent copy of a running database,
//! and that copy put back into an empty one. Everything the API keeps is in the database (the
//! audit log included), so the copy is the whole state.
//!
//! SQLite: `VACUUM INTO`, one read transaction, so writers go on while it runs and the copy is
//! the database as of its start; restore copies it back the same way. PostgreSQL: `pg_dump
//! --format=custom` (one snapshot, writers go on) and `pg_restore`; both must be installed, of the
//! server's major version or newer.

use std::path::Path;
use std::process::Command;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::{PoolOptions, Target};

const SQLITE_MAGIC: &[u8] = b"SQLite format 3\0";
const PG_DUMP_MAGIC: &[u8] = b"PGDMP";

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Writes a consistent copy of `target` to `to`, which must not exist yet.
pub fn backup(target: &Target, to: &Path) -> Result<(), String> {
    if to.exists() {
        return Err(format!(
            "{} exists: a backup never overwrites a file; name a new one",
            to.display()
        ));
    }
    match target {
        Target::Sqlite(path) => {
            if !path.exists() {
                return Err(format!("there is no database at {}", path.display()));
            }
            let mut conn = SqliteConnection::establish(&path.to_string_lossy())
                .map_err(|e| format!("cannot open {target}: {e}"))?;
            conn.batch_execute("PRAGMA busy_timeout = 5000;")
                .map_err(|e| e.to_string())?;
            diesel::sql_query("VACUUM INTO ?")
                .bind::<Text, _>(to.to_string_lossy().as_ref())
                .execute(&mut conn)
                .map_err(|e| format!("the backup of {target} failed: {e}"))?;
            Ok(())
        }
        Target::Postgres(url) => tool(
            "pg_dump",
            &[
                "--format=custom",
                "--no-owner",
                "--file",
                &to.to_string_lossy(),
                "--dbname",
                url,
            ],
        ),
    }
}

/// Puts the copy at `from` into `target`, which must hold no table yet, then applies the
/// migrations the copy is behind on.
pub fn restore(target: &Target, from: &Path) -> Result<(), String> {
    let mut head = [0u8; 16];
    let read = std::fs::File::open(from)
        .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
        .map_err(|e| format!("cannot read {}: {e}", from.display()))?;
    let head = &head[..read];
    match target {
        Target::Sqlite(path) => {
            if !head.starts_with(SQLITE_MAGIC) {
                return Err(format!(
                    "{} is not a SQLite backup (the database is SQLite)",
                    from.display()
                ));
            }
            if path.exists() {
                let tables = sqlite_tables(path)?;
                if tables > 0 {
                    return Err(format!(
                        "{target} holds {tables} table(s): restore only into an empty database"
                    ));
                }
                for suffix in ["", "-wal", "-shm"] {
                    let file = format!("{}{suffix}", path.display());
                    let _ = std::fs::remove_file(file);
                }
            } else if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            }
            let mut copy = SqliteConnection::establish(&from.to_string_lossy())
                .map_err(|e| format!("cannot open {}: {e}", from.display()))?;
            diesel::sql_query("VACUUM INTO ?")
                .bind::<Text, _>(path.to_string_lossy().as_ref())
                .execute(&mut copy)
                .map_err(|e| format!("the restore into {target} failed: {e}"))?;
        }
        Target::Postgres(url) => {
            if !head.starts_with(PG_DUMP_MAGIC) {
                return Err(format!(
                    "{} is not a PostgreSQL backup of `mecigep backup` (pg_dump's custom format)",
                    from.display()
                ));
            }
            let mut conn = PgConnection::establish(url)
                .map_err(|e| format!("cannot connect to {target}: {e}"))?;
            let tables = diesel::sql_query(
                "SELECT COUNT(*) AS n FROM information_schema.tables \
                 WHERE table_schema = current_schema()",
            )
            .get_result::<Count>(&mut conn)
            .map_err(|e| e.to_string())?
            .n;
            if tables > 0 {
                return Err(format!(
                    "{target} holds {tables} table(s): restore only into an empty database"
                ));
            }
            tool(
                "pg_restore",
                &[
                    "--no-owner",
                    "--exit-on-error",
                    "--single-transaction",
                    "--dbname",
                    url,
                    &from.to_string_lossy(),
                ],
            )?;
        }
    }
    let pool = super::connect_for_command(target, &PoolOptions::default())?;
    super::migrate::run(&pool)?;
    Ok(())
}

fn sqlite_tables(path: &Path) -> Result<i64, String> {
    let mut conn = SqliteConnection::establish(&path.to_string_lossy())
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    diesel::sql_query("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table'")
        .get_result::<Count>(&mut conn)
        .map(|c| c.n)
        .map_err(|e| e.to_string())
}

/// Runs one of PostgreSQL's client tools, its errors passed on.
fn tool(name: &str, args: &[&str]) -> Result<(), String> {
    let out = Command::new(name).args(args).output().map_err(|e| {
        format!(
            "cannot run {name} ({e}): install PostgreSQL's client tools of the server's version"
        )
    })?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{name} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}
