//! `mecigep backup` while writers run, `mecigep restore` into an empty database: every write
//! acknowledged before the backup began is there, with its audit row, and the copy is one
//! moment of the database (the rounds it holds are a prefix of those created one after another).

use std::time::Instant;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use mecigep::db::schema::{audit_log, rounds};
use mecigep::db::{self, PoolOptions, Target};

use crate::cli::{mecigep, text};
use crate::util::{round_body, with_database, TestApp};

/// An empty database beside the test's: a new SQLite path, or a new PostgreSQL database.
struct Empty {
    target: Target,
    drop_on: Option<(String, String)>,
}

impl Empty {
    fn beside(of: &Target, dir: &std::path::Path) -> Empty {
        match of {
            Target::Sqlite(_) => Empty {
                target: Target::Sqlite(dir.join("restored.sqlite3")),
                drop_on: None,
            },
            Target::Postgres(_) => {
                let server = std::env::var("TEST_DATABASE_URL").expect("a PostgreSQL run");
                let name = format!("mecigep_r_{}", uuid::Uuid::new_v4().simple());
                PgConnection::establish(&server)
                    .unwrap()
                    .batch_execute(&format!("CREATE DATABASE {name}"))
                    .unwrap();
                Empty {
                    target: Target::Postgres(with_database(&server, &name)),
                    drop_on: Some((server, name)),
                }
            }
        }
    }
}

impl Drop for Empty {
    fn drop(&mut self) {
        if let Some((server, name)) = &self.drop_on {
            if let Ok(mut admin) = PgConnection::establish(server) {
                let _ =
                    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

#[actix_web::test]
async fn a_backup_taken_under_writes_restores_every_acknowledged_write() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("mecigep.backup");
    let mut created: Vec<(i32, i64, Instant)> = Vec::new();
    let mut number = 1;
    let create = |n: i32| {
        let app = &app;
        let admin = &admin;
        async move {
            let res = app
                .post("/api/v1/rounds")
                .auth(admin)
                .json(&round_body(n))
                .send()
                .await;
            assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
            (n, res.json()["id"].as_i64().unwrap(), Instant::now())
        }
    };
    for _ in 0..5 {
        created.push(create(number).await);
        number += 1;
    }
    let began = Instant::now();
    let mut backup = mecigep(&["backup", &copy.to_string_lossy()], &app.db.target)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Writers keep going while the copy is made, and after.
    while backup.try_wait().unwrap().is_none() {
        created.push(create(number).await);
        number += 1;
    }
    let out = backup.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    for _ in 0..3 {
        created.push(create(number).await);
        number += 1;
    }
    let again = mecigep(&["backup", &copy.to_string_lossy()], &app.db.target)
        .output()
        .unwrap();
    assert!(!again.status.success(), "a backup never overwrites");
    assert!(text(&again).contains("exists"), "{}", text(&again));

    let empty = Empty::beside(&app.db.target, dir.path());
    let out = mecigep(&["restore", &copy.to_string_lossy()], &empty.target)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));

    let pool = db::connect(&empty.target, &PoolOptions::default()).unwrap();
    let mut conn = pool.get().unwrap();
    let numbers: Vec<i32> = rounds::table
        .select(rounds::number)
        .order(rounds::number)
        .load(&mut **conn)
        .unwrap();
    let audited: Vec<String> = audit_log::table
        .filter(audit_log::action.eq("round.create"))
        .select(audit_log::entity_id)
        .load(&mut **conn)
        .unwrap();
    let before = created.iter().filter(|(_, _, at)| *at < began).count();
    assert!(before >= 5);
    assert!(numbers.len() >= before, "{numbers:?}");
    let prefix: Vec<i32> = (1..=numbers.len() as i32).collect();
    assert_eq!(numbers, prefix, "one moment of the database");
    for (n, id, _) in created.iter().filter(|(_, _, at)| *at < began) {
        assert!(
            numbers.contains(n),
            "round {n} was acknowledged before the backup"
        );
        assert!(audited.contains(&id.to_string()), "round {n}'s audit row");
    }
    drop(conn);
    drop(pool);

    // A restore goes only into an empty database.
    let refused = mecigep(&["restore", &copy.to_string_lossy()], &empty.target)
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(
        text(&refused).contains("empty database"),
        "{}",
        text(&refused)
    );
    // Nor from a file that is not a backup of this backend.
    let junk = dir.path().join("junk");
    std::fs::write(&junk, b"not a backup").unwrap();
    let other = Empty::beside(&app.db.target, &dir.path().join("x"));
    let refused = mecigep(&["restore", &junk.to_string_lossy()], &other.target)
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(text(&refused).contains("not a"), "{}", text(&refused));
}

/// A file uploaded as `who`; its id and SHA-256.
async fn upload(app: &TestApp, who: &crate::util::TestUser, text: &str) -> (i64, String) {
    let res = app
        .post("/api/v1/files")
        .auth(who)
        .header("content-type", "text/plain")
        .header(
            "content-disposition",
            "attachment; filename=\"minutes.txt\"",
        )
        .body(text.as_bytes().to_vec())
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let f = res.json();
    (
        f["id"].as_i64().unwrap(),
        f["sha256"].as_str().unwrap().to_owned(),
    )
}

#[actix_web::test]
async fn a_backup_holds_the_files_in_the_database_or_beside_it() {
    // The embedded store: the files are rows, so the database's copy holds them.
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let (_, sha) = upload(&app, &admin, "Minutes of the first session.").await;
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("db.backup");
    let out = mecigep(&["backup", &copy.to_string_lossy()], &app.db.target)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let empty = Empty::beside(&app.db.target, dir.path());
    let out = mecigep(&["restore", &copy.to_string_lossy()], &empty.target)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let pool = db::connect(&empty.target, &PoolOptions::default()).unwrap();
    let mut conn = pool.get().unwrap();
    use mecigep::db::schema::blob_chunks as bc;
    let chunks: Vec<Vec<u8>> = bc::table
        .filter(bc::sha256.eq(&sha))
        .order(bc::seq)
        .select(bc::data)
        .load(&mut **conn)
        .unwrap();
    assert_eq!(chunks.concat(), b"Minutes of the first session.");
    drop(conn);
    drop(pool);

    // An object store: its content is copied beside the database's copy, and put back.
    let store = tempfile::tempdir().unwrap();
    let url = format!("file://{}", store.path().display());
    let settings = mecigep::state::AppSettings {
        files: mecigep::files::FileSettings {
            limit: mecigep::files::DEFAULT_LIMIT,
            storage: mecigep::files::Storage::from_url(Some(&url)).unwrap(),
        },
        ..Default::default()
    };
    let app = TestApp::with_settings(settings).await;
    let admin = app.secretariat();
    let (_, sha) = upload(&app, &admin, "Minutes of the second session.").await;
    let copy = dir.path().join("objects.backup");
    let out = mecigep(&["backup", &copy.to_string_lossy()], &app.db.target)
        .env("MECIGEP_FILES_URL", &url)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let beside = dir.path().join("objects.backup.files");
    assert_eq!(
        std::fs::read(beside.join(&sha)).unwrap(),
        b"Minutes of the second session."
    );
    let new_store = tempfile::tempdir().unwrap();
    let new_url = format!("file://{}", new_store.path().display());
    let empty = Empty::beside(&app.db.target, &dir.path().join("o"));
    let out = mecigep(&["restore", &copy.to_string_lossy()], &empty.target)
        .env("MECIGEP_FILES_URL", &new_url)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(new_store.path().join("blobs").join(&sha).exists());
}
