//! No request in doubt: what a retry gets after a crash, what a full disk or an I/O error
//! answers, how readiness follows, how races and outages are answered. Faults come from the
//! test-only failpoints (`src/failpoint.rs`), asked for per request.

use std::time::{Duration, Instant};

use actix_web::http::Method;
use mecigep::db::{self, PoolOptions, Target};
use mecigep::state::AppSettings;
use serde_json::{json, Value};

use crate::util::{round_body, service, Req, Resp, TestApp, TestUser};

const FAULTS: &str = "x-mecigep-failpoints";

async fn create_round(app: &TestApp, who: &TestUser, n: i32, key: &str, faults: &str) -> Resp {
    let mut req = app
        .post("/api/v1/rounds")
        .auth(who)
        .header("idempotency-key", key)
        .json(&round_body(n));
    if !faults.is_empty() {
        req = req.header(FAULTS, faults);
    }
    req.send().await
}

/// The rounds numbered `n`, as the secretariat lists them.
async fn rounds_numbered(app: &TestApp, who: &TestUser, n: i32) -> usize {
    let res = app.get("/api/v1/rounds?limit=100").auth(who).send().await;
    assert_eq!(res.status, 200);
    res.json()["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["number"] == n)
        .count()
}

#[actix_web::test]
async fn a_retry_after_the_answer_was_lost_replays_it_byte_for_byte() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let lost = create_round(&app, &admin, 7, "round-7", "crash-after-commit").await;
    lost.assert_problem(500, "internal");
    let retry = create_round(&app, &admin, 7, "round-7", "").await;
    assert_eq!(
        retry.status,
        201,
        "{}",
        String::from_utf8_lossy(&retry.body)
    );
    assert_eq!(retry.header("idempotency-replayed"), Some("true"));
    let round = retry.json();
    assert_eq!(round["number"], 7);
    assert_eq!(
        retry.header("location").unwrap(),
        format!("/api/v1/rounds/{}", round["id"])
    );
    let again = create_round(&app, &admin, 7, "round-7", "").await;
    assert_eq!(again.body, retry.body, "every replay is the same bytes");
    assert_eq!(again.header("etag"), retry.header("etag"));
    assert_eq!(rounds_numbered(&app, &admin, 7).await, 1, "created once");
    let read = app
        .get(&format!("/api/v1/rounds/{}", round["id"]))
        .auth(&admin)
        .send()
        .await;
    assert_eq!(read.json()["title"], round["title"]);
}

#[actix_web::test]
async fn a_crash_before_the_commit_leaves_nothing_and_the_retry_runs_at_once() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let crashed = create_round(&app, &admin, 8, "round-8", "crash-before-commit").await;
    crashed.assert_problem(500, "internal");
    assert_eq!(rounds_numbered(&app, &admin, 8).await, 0, "nothing landed");
    assert!(
        app.audit_rows("round.create").is_empty(),
        "nor its audit row"
    );
    // No claim is left behind to block the retry.
    let retry = create_round(&app, &admin, 8, "round-8", "").await;
    assert_eq!(
        retry.status,
        201,
        "{}",
        String::from_utf8_lossy(&retry.body)
    );
    assert_eq!(retry.header("idempotency-replayed"), None, "it ran as new");
    let replay = create_round(&app, &admin, 8, "round-8", "").await;
    assert_eq!(replay.status, 201);
    assert_eq!(replay.header("idempotency-replayed"), Some("true"));
    assert_eq!(replay.body, retry.body);
    assert_eq!(rounds_numbered(&app, &admin, 8).await, 1);
    assert_eq!(app.audit_rows("round.create").len(), 1);
}

#[actix_web::test]
async fn a_write_that_panics_leaves_the_database_writable() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let crashed = create_round(&app, &admin, 9, "round-9", "panic-in-write").await;
    crashed.assert_problem(500, "internal");
    assert_eq!(rounds_numbered(&app, &admin, 9).await, 0, "nothing landed");
    // The next writes, with and without a key, run at once: no transaction was left open
    // holding the database (SQLite's write lock, a connection stuck in a savepoint).
    let started = Instant::now();
    for (n, key) in [(9, "round-9"), (10, "round-10")] {
        let res = create_round(&app, &admin, n, key, "").await;
        assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    }
    let res = app
        .post("/api/v1/rounds")
        .auth(&admin)
        .json(&round_body(11))
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(rounds_numbered(&app, &admin, 9).await, 1);
}

#[actix_web::test]
async fn duplicates_sent_while_the_first_runs_all_get_its_answer() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let sends = (0..20).map(|_| create_round(&app, &admin, 9, "round-9", ""));
    let results = futures_util::future::join_all(sends).await;
    let statuses: Vec<u16> = results.iter().map(|r| r.status.as_u16()).collect();
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    let first = &results[0].body;
    assert!(results.iter().all(|r| r.body == *first), "one answer");
    let fresh = results
        .iter()
        .filter(|r| r.header("idempotency-replayed").is_none())
        .count();
    assert_eq!(fresh, 1, "one ran, the others replayed it");
    assert_eq!(rounds_numbered(&app, &admin, 9).await, 1);
}

#[actix_web::test]
async fn a_failed_request_keeps_nothing_and_its_key_stays_free() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let mut bad = round_body(10);
    bad["number"] = json!(0);
    let res = app
        .post("/api/v1/rounds")
        .auth(&admin)
        .header("idempotency-key", "round-10")
        .json(&bad)
        .send()
        .await;
    res.assert_problem(422, "validation");
    // Another body under the same key is refused only once an answer is kept.
    let ok = create_round(&app, &admin, 10, "round-10", "").await;
    assert_eq!(ok.status, 201);
    let other = create_round(&app, &admin, 11, "round-10", "").await;
    other.assert_problem(422, "validation");
}

#[actix_web::test]
async fn a_full_disk_answers_507_and_readiness_is_red_until_a_write_succeeds() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    for key in ["full-1", ""] {
        let mut req = app
            .post("/api/v1/rounds")
            .auth(&admin)
            .header(FAULTS, "disk-full")
            .json(&round_body(12));
        if !key.is_empty() {
            req = req.header("idempotency-key", key);
        }
        let res = req.send().await;
        let p = res.assert_problem(507, "insufficient-storage");
        assert!(!p["detail"].as_str().unwrap().contains("database or disk"));
        assert!(p["request_id"].is_string());
    }
    assert_eq!(rounds_numbered(&app, &admin, 12).await, 0);
    // The probe's own write still fails: not ready.
    let red = app
        .get("/health/ready")
        .header(FAULTS, "disk-full")
        .send()
        .await;
    red.assert_problem(503, "unavailable");
    assert!(red.header("retry-after").is_some());
    // Room again: the probe writes, readiness is green without a restart, writes work.
    let green = app.get("/health/ready").send().await;
    assert_eq!(
        green.status,
        200,
        "{}",
        String::from_utf8_lossy(&green.body)
    );
    let res = create_round(&app, &admin, 12, "full-1", "").await;
    assert_eq!(res.status, 201, "the key of a failed request runs as new");
    assert_eq!(app.get("/health/ready").send().await.status, 200);
}

#[actix_web::test]
async fn an_io_error_answers_503_with_retry_after() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let res = app
        .post("/api/v1/rounds")
        .auth(&admin)
        .header(FAULTS, "disk-io")
        .json(&round_body(13))
        .send()
        .await;
    let p = res.assert_problem(503, "unavailable");
    assert!(res.header("retry-after").is_some());
    assert!(!p["detail"].as_str().unwrap().contains("I/O"));
    assert_eq!(app.get("/health/ready").send().await.status, 200);
}

/// Twenty requests creating the same thing at once: one lands, the others get what a
/// sequential duplicate gets.
async fn same_creation(app: &TestApp, who: &TestUser, path: &str, body: &Value) -> Vec<Resp> {
    let sends = (0..20).map(|_| app.post(path).auth(who).json(body).send());
    let results = futures_util::future::join_all(sends).await;
    let created = results.iter().filter(|r| r.status == 201).count();
    assert_eq!(
        created,
        1,
        "{:?}",
        results
            .iter()
            .map(|r| r.status.as_u16())
            .collect::<Vec<_>>()
    );
    results.into_iter().filter(|r| r.status != 201).collect()
}

#[actix_web::test]
async fn a_unique_race_answers_as_a_sequential_duplicate() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let user = json!({
        "email": "race@example.gov", "display_name": "Race", "role": "member_country",
        "country": "ARG", "password": "a long enough password"
    });
    for res in same_creation(&app, &admin, "/api/v1/users", &user).await {
        res.assert_problem(409, "email-taken");
    }
    let sequential = app
        .post("/api/v1/users")
        .auth(&admin)
        .json(&user)
        .send()
        .await;
    sequential.assert_problem(409, "email-taken");

    let (_, q) = app.open_round(&admin, 14, &["CHL", "PER"]).await;
    let focal = app.member("CHL");
    let path = format!("/api/v1/questionnaires/{}/responses", q["id"]);
    let losers = same_creation(&app, &focal, &path, &json!({"country": "CHL"})).await;
    for res in losers {
        let p = res.assert_problem(409, "response-exists");
        assert!(res.header("location").is_some(), "{p}");
    }
    // Rounds are numbered by the client; two at once with one number: one lands.
    for res in same_creation(&app, &admin, "/api/v1/rounds", &round_body(15)).await {
        assert_eq!(res.status, 409, "{}", String::from_utf8_lossy(&res.body));
    }
}

#[actix_web::test]
async fn an_outage_is_answered_503_within_the_configured_wait() {
    let pool = db::connect_lazily(
        &Target::Postgres("postgres://nobody@127.0.0.1:1/none".into()),
        &PoolOptions {
            max_size: 2,
            connection_timeout: Duration::from_millis(400),
        },
    );
    let svc = service(pool, AppSettings::default()).await;
    let started = Instant::now();
    let answers = futures_util::future::join_all(
        ["/api/v1/countries", "/api/v1/rounds", "/health/ready"]
            .map(|path| Req::on(&svc, Method::GET, path).send()),
    )
    .await;
    // Not a performance figure: the configured wait (`MECIGEP_DB_TIMEOUT_MS`, here 400 ms) is
    // the bound a client relies on during an outage, checked with slack for a busy machine.
    assert!(
        started.elapsed() < Duration::from_millis(2000),
        "{:?}",
        started.elapsed()
    );
    for res in answers {
        res.assert_problem(503, "unavailable");
        assert!(res.header("retry-after").is_some());
    }
}

/// Forwards every connection to `127.0.0.1:port` to `upstream`: a database that comes up late.
fn forward(listener: std::net::TcpListener, upstream: String) {
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(server) = std::net::TcpStream::connect(&upstream) else {
                continue;
            };
            for (mut from, mut to) in [
                (client.try_clone().unwrap(), server.try_clone().unwrap()),
                (server, client),
            ] {
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut from, &mut to);
                    let _ = to.shutdown(std::net::Shutdown::Both);
                });
            }
        }
    });
}

#[actix_web::test]
async fn at_start_a_database_not_reachable_yet_is_tried_again() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // The test's own database (never the server's default one: `migrate` writes to it).
    let db = crate::util::TestDb::new();
    let server = match &db.target {
        mecigep::db::Target::Postgres(url) => Some(url.clone()),
        mecigep::db::Target::Sqlite(_) => None,
    };
    // On PostgreSQL the server comes up a moment later (through a forwarder); without one,
    // nothing ever listens and the start gives up when the wait is over.
    let (url, wait) = match &server {
        Some(url) => {
            let rest = url.split_once('@').map_or(url.as_str(), |(_, r)| r);
            let host = rest.split('/').next().unwrap().to_owned();
            (url.replacen(&host, &format!("127.0.0.1:{port}"), 1), "60")
        }
        None => (format!("postgres://nobody@127.0.0.1:{port}/none"), "2"),
    };
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_mecigep"))
        .arg("migrate")
        .env("DATABASE_URL", &url)
        .env("MECIGEP_DB_WAIT_SECS", wait)
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(server) = &server {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let rest = server.split_once('@').map_or(server.as_str(), |(_, r)| r);
        let upstream = rest.split('/').next().unwrap().to_owned();
        forward(
            std::net::TcpListener::bind(("127.0.0.1", port)).unwrap(),
            upstream,
        );
    }
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("does not answer yet"),
        "each try is logged: {text}"
    );
    if server.is_some() {
        assert!(
            out.status.success(),
            "it connected once the server was up: {text}"
        );
        assert!(
            text.contains("schema is up to date") || text.contains("applied"),
            "{text}"
        );
    } else {
        assert!(!out.status.success(), "it gave up after the wait: {text}");
    }
}
