//! The audit log's hash chain: sealed rows, the published head, the export that lets anyone
//! recompute every hash, and `mecigep audit verify` finding the first row tampered with.

use diesel::connection::SimpleConnection;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::cli::{mecigep, text};
use crate::util::{TestApp, PASSWORD};

/// Some audited actions by several people.
async fn activity(app: &TestApp) {
    let admin = app.secretariat();
    let member = app.member("ARG");
    app.login(&member.email, PASSWORD).await;
    app.login(&member.email, "not the password").await;
    for name in ["stats", "survey"] {
        let res = app
            .post("/api/v1/me/clients")
            .auth(&member)
            .header("x-action-notes", "for the national statistics system")
            .json(&json!({"name": name}))
            .send()
            .await;
        assert_eq!(res.status, 201);
    }
    app.create_round(&admin, 1).await;
}

/// The hash of an exported row, computed here from the README's definition alone.
fn recomputed(row: &Value) -> String {
    let canonical = json!([
        row["seq"],
        row["id"],
        row["at"],
        row["actor_id"],
        row["actor_role"],
        row["actor_country"],
        row["client_id"],
        row["action"],
        row["entity_type"],
        row["entity_id"],
        row["request_id"],
        row["note"],
        row["summary"],
        row["prev_hash"],
    ]);
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

fn export(body: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(body)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[actix_web::test]
async fn every_entry_is_sealed_into_a_chain_anyone_can_recompute() {
    let app = TestApp::new().await;
    activity(&app).await;

    // Anyone may read the head; reading it seals what waits.
    let res = app.get("/api/v1/audit-log/head").send().await;
    assert_eq!(res.status, 200);
    assert_eq!(res.header("cache-control"), Some("no-store"));
    let head = res.json();
    assert_eq!(head["unsealed"], 0);
    let seq = head["seq"].as_i64().unwrap();
    assert!(seq >= 6, "{head}");
    let head_hash = head["hash"].as_str().unwrap().to_owned();
    assert_eq!(head_hash.len(), 64);

    let admin = app.secretariat();
    let res = app
        .get("/api/v1/exports/audit-log?format=ndjson")
        .auth(&admin)
        .send()
        .await;
    assert_eq!(res.status, 200);
    let rows = export(&res.body);
    // The new account's creation is written after the head was read: not sealed yet.
    let sealed: Vec<&Value> = rows.iter().filter(|r| !r["hash"].is_null()).collect();
    assert_eq!(sealed.len() as i64, seq);
    let mut prev = "0".repeat(64);
    for (i, row) in sealed.iter().enumerate() {
        assert_eq!(
            row["seq"],
            json!(i + 1),
            "places follow the ids here: {row}"
        );
        assert_eq!(row["prev_hash"].as_str(), Some(prev.as_str()));
        assert_eq!(
            row["hash"].as_str(),
            Some(recomputed(row).as_str()),
            "{row}"
        );
        prev = recomputed(row);
    }
    assert_eq!(prev, head_hash, "the head is the last sealed row's hash");
    assert_eq!(head["id"], sealed.last().unwrap()["id"]);

    // The JSON list shows the same chain fields.
    let listed = app
        .get("/api/v1/audit-log")
        .auth(&admin)
        .send()
        .await
        .json();
    let newest_sealed = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| !e["hash"].is_null())
        .unwrap()
        .clone();
    assert_eq!(newest_sealed["hash"], head["hash"]);
    assert_eq!(newest_sealed["seq"], head["seq"]);

    // CSV carries the hashes too.
    let csv = app
        .get("/api/v1/exports/audit-log?format=csv&action=client.create")
        .auth(&admin)
        .send()
        .await;
    assert_eq!(csv.status, 200);
    let csv = String::from_utf8_lossy(&csv.body).into_owned();
    let mut lines = csv.lines();
    assert!(lines.next().unwrap().ends_with(",seq,prev_hash,hash"));
    assert_eq!(lines.count(), 2, "{csv}");

    // Sealed rows stay as they are, chain fields included.
    app.with_conn(|conn| {
        for sql in [
            "UPDATE audit_log SET note = 'forged' WHERE seq = 1",
            "UPDATE audit_log SET hash = prev_hash WHERE seq = 2",
            "UPDATE audit_log SET seq = 99 WHERE seq = 3",
        ] {
            assert!(conn.batch_execute(sql).is_err(), "{sql}");
        }
    });

    let out = mecigep(&["audit", "verify"], &app.db.target)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let said = text(&out);
    assert!(said.contains("audit chain intact"), "{said}");
    assert!(said.contains(&head_hash), "{said}");
    assert!(said.contains("1 newer rows are not sealed yet"), "{said}");
}

/// Bypasses the schema's refusal, as someone with the database's keys could.
fn behind_the_back(app: &TestApp, sql: &str) {
    let postgres = app.db.is_postgres();
    app.with_conn(|conn| {
        let (off, on) = if postgres {
            (
                "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update",
                "ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update",
            )
        } else {
            (
                "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete",
                "",
            )
        };
        conn.batch_execute(off).unwrap();
        conn.batch_execute(sql).unwrap();
        conn.batch_execute(on).unwrap();
    });
}

async fn sealed_ids(app: &TestApp) -> Vec<i64> {
    let head = app.get("/api/v1/audit-log/head").send().await.json();
    assert_eq!(head["unsealed"], 0);
    let admin = app.secretariat();
    let rows = app
        .get("/api/v1/exports/audit-log?format=ndjson")
        .auth(&admin)
        .send()
        .await;
    export(&rows.body)
        .iter()
        .filter(|r| !r["seq"].is_null())
        .map(|r| r["id"].as_i64().unwrap())
        .collect()
}

#[actix_web::test]
async fn verify_names_the_first_row_changed_behind_the_schema() {
    let app = TestApp::new().await;
    activity(&app).await;
    let ids = sealed_ids(&app).await;
    let victim = ids[3];
    behind_the_back(
        &app,
        &format!("UPDATE audit_log SET note = 'nothing happened' WHERE id = {victim}"),
    );
    let out = mecigep(&["audit", "verify"], &app.db.target)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let said = text(&out);
    assert!(said.contains("broken at place 4"), "{said}");
    assert!(said.contains(&format!("audit entry {victim}")), "{said}");
    assert!(said.contains("hashes to"), "{said}");
}

#[actix_web::test]
async fn verify_finds_a_row_removed_or_a_link_rewritten() {
    let app = TestApp::new().await;
    activity(&app).await;
    let ids = sealed_ids(&app).await;
    behind_the_back(
        &app,
        &format!("DELETE FROM audit_log WHERE id = {}", ids[2]),
    );
    let out = mecigep(&["audit", "verify"], &app.db.target)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("no row holds place 3"),
        "{}",
        text(&out)
    );

    // Rewriting a row and its own hash still breaks the next row's link.
    let app = TestApp::new().await;
    activity(&app).await;
    let ids = sealed_ids(&app).await;
    behind_the_back(
        &app,
        &format!(
            "UPDATE audit_log SET hash = '{}' WHERE id = {}",
            "a".repeat(64),
            ids[1]
        ),
    );
    let out = mecigep(&["audit", "verify"], &app.db.target)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let said = text(&out);
    assert!(said.contains("broken at place 2"), "{said}");
}

#[actix_web::test]
async fn the_audit_export_is_the_secretariats() {
    let app = TestApp::new().await;
    for who in [app.member("ARG"), app.expert("BRA")] {
        app.get("/api/v1/exports/audit-log")
            .auth(&who)
            .send()
            .await
            .assert_problem(403, "forbidden");
    }
    app.get("/api/v1/exports/audit-log")
        .send()
        .await
        .assert_problem(401, "authentication-required");
    let admin = app.secretariat();
    let res = app
        .get("/api/v1/exports/audit-log?since=yesterday&actor=me")
        .auth(&admin)
        .send()
        .await;
    let problem = res.assert_problem(400, "invalid-query");
    assert_eq!(res.error_fields().len(), 2, "{problem}");
    app.get("/api/v1/exports/audit-log?format=xml")
        .auth(&admin)
        .send()
        .await
        .assert_problem(400, "invalid-query");
}

#[actix_web::test]
async fn the_jobs_of_two_instances_seal_concurrent_writes_into_one_chain() {
    use mecigep::jobs::{self, JobSettings};
    let app = TestApp::new().await;
    let settings = || JobSettings {
        tick: std::time::Duration::from_millis(20),
        senders: 1,
        ..JobSettings::default()
    };
    let other = mecigep::db::connect(
        &app.db.target,
        &mecigep::db::PoolOptions {
            max_size: 4,
            connection_timeout: std::time::Duration::from_secs(10),
        },
    )
    .unwrap();
    // Accounts are made behind the API's back, outside its writer turn: before the jobs write.
    let admin = app.secretariat();
    let one = jobs::start(app.pool.clone(), settings()).unwrap();
    let two = jobs::start(other, settings()).unwrap();
    let writes = (1..=12).map(|n| app.create_round(&admin, n));
    futures_util::future::join_all(writes).await;
    let counts = || {
        app.with_conn(|conn| {
            use diesel::prelude::*;
            use mecigep::db::schema::audit_log as a;
            let all: i64 = a::table.count().get_result(conn).unwrap();
            let unsealed: i64 = a::table
                .filter(a::hash.is_null())
                .count()
                .get_result(conn)
                .unwrap();
            (all, unsealed)
        })
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while counts().1 > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the jobs seal within moments"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    one.stop();
    two.stop();
    let out = mecigep(&["audit", "verify"], &app.db.target)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let (all, _) = counts();
    assert!(
        text(&out).contains(&format!("intact: {all} rows")),
        "{}",
        text(&out)
    );
}
