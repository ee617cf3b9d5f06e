use std::time::Duration;

use actix_web::http::Method;
use diesel::connection::SimpleConnection;
use mecigep::db::{self, PoolOptions, Target};
use mecigep::state::AppSettings;
use serde_json::json;

use crate::util::{service, Req, TestApp};

#[actix_web::test]
async fn unknown_route_is_a_404_problem() {
    let app = TestApp::new().await;
    for path in [
        "/api/v1/nope",
        "/api/v2/countries",
        "/",
        "/api/v1/countries/ARG/extra",
    ] {
        let res = app.get(path).send().await;
        let p = res.assert_problem(404, "not-found");
        assert_eq!(p["instance"], path);
    }
}

#[actix_web::test]
async fn wrong_method_is_a_405_problem_with_allow() {
    let app = TestApp::new().await;
    for (method, path, allow) in [
        (Method::DELETE, "/api/v1/countries/ARG", "HEAD, GET, PATCH"),
        (Method::POST, "/api/v1/countries/ARG", "HEAD, GET, PATCH"),
        (Method::PUT, "/api/v1/thematic-areas", "HEAD, GET, POST"),
        (Method::POST, "/health/live", "HEAD, GET"),
        (Method::DELETE, "/api/v1/audit-log", "HEAD, GET"),
    ] {
        let res = app.request(method.clone(), path).send().await;
        res.assert_problem(405, "method-not-allowed");
        assert_eq!(res.header("allow"), Some(allow), "{method} {path}");
    }
}

#[actix_web::test]
async fn oversize_body_is_a_413_problem() {
    let app = TestApp::new().await;
    let big = vec![b'x'; 2 * 1024 * 1024];
    let res = app
        .post("/api/v1/countries")
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await;
    let p = res.assert_problem(413, "payload-too-large");
    assert!(p["detail"].as_str().unwrap().contains("1048576"));

    let small = TestApp::with_settings(AppSettings {
        json_limit: 2048,
        ..AppSettings::default()
    })
    .await;
    let res = small
        .request(Method::PUT, "/api/v1/thematic-areas/ict")
        .body(vec![b' '; 4096])
        .send()
        .await;
    res.assert_problem(413, "payload-too-large");
    // A chunked body (no length announced) over the limit, on a POST with an Idempotency-Key:
    // a problem as well, and the key stays free.
    let admin = small.secretariat();
    let mut body = b"{\"title\": \"".to_vec();
    body.extend(vec![b'x'; 4096]);
    body.extend(b"\"}");
    let res = small
        .post("/api/v1/rounds")
        .auth(&admin)
        .header("content-type", "application/json")
        .header("idempotency-key", "chunked-oversize")
        .body(body)
        .send_chunked()
        .await;
    res.assert_problem(413, "payload-too-large");
    small
        .post("/api/v1/rounds")
        .auth(&admin)
        .header("idempotency-key", "chunked-oversize")
        .json(&json!({}))
        .send()
        .await
        .assert_problem(422, "validation");
}

#[actix_web::test]
async fn request_id_is_echoed_generated_and_in_problems() {
    let app = TestApp::new().await;
    let res = app
        .get("/api/v1/countries/ARG")
        .header("x-request-id", "client-trace.42")
        .send()
        .await;
    assert_eq!(res.header("x-request-id"), Some("client-trace.42"));

    let res = app.get("/api/v1/countries/ARG").send().await;
    let generated = res.header("x-request-id").unwrap();
    assert_eq!(generated.len(), 32);
    assert!(generated.chars().all(|c| c.is_ascii_hexdigit()));

    let res = app
        .get("/api/v1/countries/ARG")
        .header("x-request-id", "has spaces and <tags>")
        .send()
        .await;
    assert_ne!(res.header("x-request-id"), Some("has spaces and <tags>"));

    let res = app
        .get("/api/v1/countries/QQQ")
        .header("x-request-id", "trace-7")
        .send()
        .await;
    let p = res.assert_problem(404, "not-found");
    assert_eq!(p["request_id"], "trace-7");
}

#[actix_web::test]
async fn database_outage_is_a_503_problem_that_names_no_host() {
    let pool = db::connect_lazily(
        &Target::Postgres("postgres://nobody:secret@127.0.0.1:1/none".into()),
        &PoolOptions {
            max_size: 1,
            connection_timeout: Duration::from_millis(300),
        },
    );
    let svc = service(pool, AppSettings::default()).await;
    for path in [
        "/health/ready",
        "/api/v1/countries",
        "/api/v1/thematic-areas/ict",
    ] {
        let res = Req::on(&svc, Method::GET, path).send().await;
        let p = res.assert_problem(503, "unavailable");
        assert!(res.header("retry-after").is_some());
        let text = p.to_string();
        assert!(
            !text.contains("127.0.0.1") && !text.contains("secret"),
            "{text}"
        );
    }
    let res = Req::on(&svc, Method::GET, "/health/live").send().await;
    assert_eq!(res.status, 200, "liveness does not depend on the database");
}

/// The pool hands a connection out unchecked only while it answered within the last 100 ms:
/// one the database dropped (a restart, a proxy's idle timeout) is found and replaced before a
/// request uses it, and one met within that moment costs its request a 503 to retry, never a
/// 500, and is checked before it is handed out again.
#[actix_web::test]
async fn connections_the_database_dropped_are_replaced() {
    let app = TestApp::new().await;
    let ok = |res: &crate::util::Resp, when: &str| {
        assert_eq!(
            res.status,
            200,
            "{when}: {}",
            String::from_utf8_lossy(&res.body)
        );
    };
    ok(&app.get("/api/v1/countries").send().await, "before");
    let dropped = app.db.drop_server_connections();
    if app.db.is_postgres() {
        assert!(dropped >= 1, "the pool's connections were dropped");
    }
    tokio::time::sleep(Duration::from_millis(150)).await;
    for i in 0..6 {
        ok(
            &app.get("/api/v1/countries/ARG").send().await,
            &format!("request {i} after the connections were dropped"),
        );
    }

    // At once: the connection that just answered is handed out unchecked.
    app.db.drop_server_connections();
    let res = app.get("/api/v1/countries/BRA").send().await;
    if res.status != 200 {
        assert!(app.db.is_postgres());
        let p = res.assert_problem(503, "unavailable");
        assert!(!p.to_string().contains("terminat"), "{p}");
        assert!(res.header("retry-after").is_some());
    }
    for i in 0..6 {
        ok(
            &app.get("/api/v1/countries/BRA").send().await,
            &format!("request {i} after a request met a dropped connection"),
        );
    }
}

#[actix_web::test]
async fn internal_errors_are_a_bare_500_without_sql() {
    let app = TestApp::new().await;
    app.with_conn(|conn| conn.batch_execute("DROP TABLE country_names").unwrap());
    let res = app.get("/api/v1/countries").send().await;
    let p = res.assert_problem(500, "internal");
    let text = p.to_string().to_lowercase();
    for leak in ["country_names", "table", "relation", "sql", "panicked"] {
        assert!(!text.contains(leak), "500 leaks '{leak}': {text}");
    }
}

#[actix_web::test]
async fn cors_allows_configured_origins_only() {
    let app = TestApp::with_settings(AppSettings {
        cors_origins: vec!["https://guide.example.org".into()],
        ..AppSettings::default()
    })
    .await;
    let res = app
        .request(Method::OPTIONS, "/api/v1/countries")
        .header("origin", "https://guide.example.org")
        .header("access-control-request-method", "GET")
        .send()
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(
        res.header("access-control-allow-origin"),
        Some("https://guide.example.org")
    );
    let res = app
        .get("/api/v1/countries/ARG")
        .header("origin", "https://guide.example.org")
        .send()
        .await;
    assert_eq!(res.status, 200);
    let exposed = res
        .header("access-control-expose-headers")
        .unwrap()
        .to_lowercase();
    for h in ["etag", "link", "content-language", "x-request-id"] {
        assert!(exposed.contains(h), "{h} exposed");
    }
    let res = app
        .get("/api/v1/countries/ARG")
        .header("origin", "https://evil.example.com")
        .send()
        .await;
    assert!(res.header("access-control-allow-origin").is_none());
    // A refused preflight is a problem, like every other error.
    let res = app
        .request(Method::OPTIONS, "/api/v1/countries")
        .header("origin", "https://evil.example.com")
        .header("access-control-request-method", "GET")
        .send()
        .await;
    let problem = res.assert_problem(400, "bad-request");
    assert_eq!(problem["instance"], "/api/v1/countries");
    assert!(problem["request_id"].is_string());
    // A browser client may ask for `Prefer` and read `Preference-Applied`.
    let res = app
        .request(Method::OPTIONS, "/api/v1/responses/1/answers")
        .header("origin", "https://guide.example.org")
        .header("access-control-request-method", "PUT")
        .header(
            "access-control-request-headers",
            "prefer, if-match, idempotency-key",
        )
        .send()
        .await;
    assert_eq!(res.status, 200);
}

#[actix_web::test]
async fn errors_made_outside_the_handlers_are_problems_too() {
    let app = TestApp::new().await;
    let problem = app
        .get("/docs/no-such-asset.js")
        .send()
        .await
        .assert_problem(404, "not-found");
    assert_eq!(problem["instance"], "/docs/no-such-asset.js");
    let res = app.get("/docs/").send().await;
    assert_eq!(res.status, 200, "the documentation itself is served");
}

#[actix_web::test]
async fn the_caller_is_authorised_before_the_body_is_judged() {
    let app = TestApp::new().await;
    let member = app.member("ARG");
    for (path, body) in [
        ("/api/v1/rounds", json!({})),
        ("/api/v1/users", json!({"email": 5})),
        ("/api/v1/thematic-areas", json!({})),
    ] {
        app.post(path)
            .auth(&member)
            .json(&body)
            .send()
            .await
            .assert_problem(403, "forbidden");
    }
    // Without a token: 401, whatever the body.
    app.post("/api/v1/rounds")
        .json(&json!({}))
        .send()
        .await
        .assert_problem(401, "authentication-required");
    // The secretariat, allowed, learns what is wrong with the body.
    app.post("/api/v1/rounds")
        .auth(&app.secretariat())
        .json(&json!({}))
        .send()
        .await
        .assert_problem(422, "validation");
}

#[actix_web::test]
async fn one_422_names_every_missing_and_mistyped_field() {
    let app = TestApp::new().await;
    let member = app.member("ARG");
    let problem = app
        .post("/api/v1/experiences")
        .auth(&member)
        .json(&json!({"country": "ARG", "tags": "not-a-list", "colour": "blue"}))
        .send()
        .await
        .assert_problem(422, "validation");
    let fields: Vec<(&str, &str)> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].as_str().unwrap(), e["code"].as_str().unwrap()))
        .collect();
    for missing in ["snapshot_date", "title", "introduction", "strategies"] {
        assert!(
            fields.contains(&(missing, "required")),
            "{missing} listed: {fields:?}"
        );
    }
    assert!(fields.contains(&("tags", "type")), "{fields:?}");
    assert!(fields.contains(&("colour", "unknown")), "{fields:?}");
    // A body that is not an object at all.
    app.post("/api/v1/experiences")
        .auth(&member)
        .json(&json!([1, 2]))
        .send()
        .await
        .assert_problem(422, "validation");
    // Not JSON: 400; not declared as JSON: 415; nothing: 400.
    app.post("/api/v1/experiences")
        .auth(&member)
        .header("content-type", "application/json")
        .body("{\"title\": ")
        .send()
        .await
        .assert_problem(400, "malformed-json");
    app.post("/api/v1/experiences")
        .auth(&member)
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .assert_problem(415, "unsupported-media-type");
    app.post("/api/v1/experiences")
        .auth(&member)
        .send()
        .await
        .assert_problem(400, "malformed-json");
}
