//! Running the `mecigep` binary against a test's database.

use std::process::{Command, Output};

use mecigep::db::Target;

pub fn url(target: &Target) -> String {
    match target {
        Target::Sqlite(path) => path.to_string_lossy().into_owned(),
        Target::Postgres(url) => url.clone(),
    }
}

/// `mecigep ARGS` on `target`'s database, not waiting for it.
pub fn mecigep(args: &[&str], target: &Target) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mecigep"));
    cmd.args(args)
        .env("DATABASE_URL", url(target))
        .env("MECIGEP_DB_WAIT_SECS", "0");
    cmd
}

/// What a run printed, both streams.
pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}
