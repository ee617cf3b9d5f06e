use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use actix_web::http::Method;
use serde_json::{json, Value};

use crate::util::TestApp;

fn spec_path() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/openapi.json")
}

#[actix_web::test]
async fn health_live_and_ready() {
    let app = TestApp::new().await;
    let res = app.get("/health/live").send().await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["status"], "ok");
    let res = app.get("/health/ready").send().await;
    assert_eq!(res.status, 200);
    let expected = if app.db.is_postgres() {
        "postgresql"
    } else {
        "sqlite"
    };
    assert_eq!(res.json()["database"], expected);
}

#[actix_web::test]
async fn committed_spec_matches_the_code() {
    let generated = serde_json::to_string_pretty(&mecigep::app::openapi_json()).unwrap() + "\n";
    if std::env::var("UPDATE_OPENAPI").is_ok_and(|v| v == "1") {
        std::fs::write(spec_path(), &generated).unwrap();
    }
    let committed = std::fs::read_to_string(spec_path()).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi/openapi.json is stale: run `UPDATE_OPENAPI=1 cargo test committed_spec` and commit it"
    );
    let app = TestApp::new().await;
    let res = app.get("/api/v1/openapi.json").send().await;
    assert_eq!(res.status, 200);
    let served: Value = res.json();
    let file: Value = serde_json::from_str(&committed).unwrap();
    assert_eq!(served, file, "the served document is the committed one");
    assert_eq!(served["openapi"], "3.1.0");
}

#[test]
fn cli_prints_the_same_spec() {
    let out = Command::new(env!("CARGO_BIN_EXE_mecigep"))
        .arg("openapi")
        .output()
        .unwrap();
    assert!(out.status.success());
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let generated = mecigep::app::openapi_json();
    assert_eq!(printed, generated);
}

/// `#[get("…")]`-style routes in the sources, with the scope prefix they are mounted under.
fn routes_in_sources() -> BTreeSet<(String, String)> {
    fn walk(dir: &Path, out: &mut BTreeSet<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for line in text.lines() {
                    let line = line.trim();
                    for m in ["get", "post", "put", "patch", "delete"] {
                        if let Some(rest) = line.strip_prefix(&format!("#[{m}(\"")) {
                            let route = rest.split('"').next().unwrap();
                            let full = if route.starts_with("/health") {
                                route.to_owned()
                            } else {
                                format!("/api/v1{route}")
                            };
                            out.insert((m.to_owned(), full));
                        }
                    }
                }
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut out);
    out
}

#[actix_web::test]
async fn every_route_is_in_the_spec_and_every_operation_is_served() {
    let spec = mecigep::app::openapi();
    let mut documented = BTreeSet::new();
    for (path, item) in &spec.paths.paths {
        for (m, present) in [
            ("get", item.get.is_some()),
            ("post", item.post.is_some()),
            ("put", item.put.is_some()),
            ("patch", item.patch.is_some()),
            ("delete", item.delete.is_some()),
        ] {
            if present {
                documented.insert((m.to_owned(), path.clone()));
            }
        }
    }
    let in_sources = routes_in_sources();
    assert!(!in_sources.is_empty());
    let missing: Vec<_> = in_sources.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "routes missing from the spec: {missing:?}"
    );

    let app = TestApp::new().await;
    for (m, path) in &documented {
        let concrete = path
            .replace("{code}", "ARG")
            .replace("{slug}", "ict")
            .replace("{id}", "1")
            .replace("{client}", "1");
        let method = Method::from_bytes(m.to_uppercase().as_bytes()).unwrap();
        let res = app.request(method, &concrete).send().await;
        let body = String::from_utf8_lossy(&res.body);
        assert!(
            res.status != 405 && !body.contains("no route for"),
            "{m} {path} is documented but not served"
        );
    }
}

#[actix_web::test]
async fn every_operation_documents_problem_answers() {
    let spec = mecigep::app::openapi_json();
    assert!(spec["components"]["schemas"]["Problem"].is_object());
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            let problems = responses
                .values()
                .filter(|r| r["content"].get("application/problem+json").is_some())
                .count();
            assert!(
                problems >= 2,
                "{method} {path} documents no problem answers"
            );
        }
    }
}

#[actix_web::test]
async fn docs_page_is_served_from_the_binary() {
    let app = TestApp::new().await;
    let res = app.get("/docs").send().await;
    assert_eq!(res.status, 308);
    assert_eq!(res.header("location"), Some("/docs/"));
    let res = app.get("/docs/").send().await;
    assert_eq!(res.status, 200);
    let html = String::from_utf8_lossy(&res.body).to_string();
    assert!(html.contains("swagger-ui"), "{html}");
    for asset in [
        "swagger-ui-bundle.js",
        "swagger-ui.css",
        "swagger-initializer.js",
    ] {
        let res = app.get(&format!("/docs/{asset}")).send().await;
        assert_eq!(res.status, 200, "{asset}");
        assert!(!res.body.is_empty());
    }
    let init = app.get("/docs/swagger-initializer.js").send().await;
    assert!(String::from_utf8_lossy(&init.body).contains("/api/v1/openapi.json"));
    let bundle = app.get("/docs/swagger-ui-bundle.js").send().await;
    assert!(
        bundle.body.len() > 100_000,
        "the full bundle, not a CDN loader"
    );
}

#[test]
fn misconfiguration_stops_the_start_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    for (var, value, needle) in [
        ("DATABASE_URL", "mysql://root@localhost/x", "mysql"),
        ("DATABASE_URL", "postgres:/localhost/x", "looks like a URL"),
        ("DATABASE_URL", "sqlite://:memory:", "in-memory"),
        ("MECIGEP_BIND", "localhost", "MECIGEP_BIND"),
        (
            "MECIGEP_CORS_ORIGINS",
            "guide.example.org",
            "MECIGEP_CORS_ORIGINS",
        ),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_mecigep"))
            .current_dir(dir.path())
            .env_remove("DATABASE_URL")
            .env(var, value)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{var}={value} must not start");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{var}={value}: {err}");
    }
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "a refused start creates no database file");
}

#[test]
fn help_is_available_for_every_command() {
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["openapi", "--help"],
        vec!["seed", "--help"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_mecigep"))
            .args(&args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stdout).contains("Usage"));
    }
}

#[test]
fn migrate_and_seed_commands_work_on_a_new_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nested/folder/m.sqlite3");
    let url = format!("sqlite://{}", db.display());
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_mecigep"))
            .args(args)
            .env("DATABASE_URL", &url)
            .output()
            .unwrap()
    };
    let out = run(&["migrate"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("applied"));
    let out = run(&["migrate"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("up to date"));
    let out = run(&["seed"]);
    assert!(out.status.success());
    assert!(db.exists());
}

#[test]
fn spec_documents_bearer_and_client_credentials() {
    let spec = mecigep::app::openapi_json();
    let schemes = &spec["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    assert_eq!(schemes["bearer"]["bearerFormat"], "JWT");
    assert_eq!(
        schemes["oauth2"]["flows"]["clientCredentials"]["tokenUrl"],
        "/api/v1/auth/token"
    );
    assert!(spec["paths"]["/api/v1/auth/token"]["post"].is_object());
    let mut protected = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let requirements = op["security"].as_array().cloned().unwrap_or_default();
            let bearer = requirements.iter().any(|r| r.get("bearer").is_some());
            let optional = requirements.iter().any(|r| r == &json!({}));
            if bearer && optional {
                // A public read that a signed-in caller may make: a bad token is a 401.
                assert!(
                    op["responses"]["401"].is_object(),
                    "{method} {path} lacks 401"
                );
            }
            let secured = bearer && !optional;
            if secured {
                protected += 1;
                for code in ["401", "403"] {
                    assert!(
                        op["responses"][code].is_object(),
                        "{method} {path} lacks {code}"
                    );
                }
                if path.contains('{') {
                    assert!(
                        op["responses"]["404"].is_object(),
                        "{method} {path} lacks 404"
                    );
                }
            }
        }
    }
    assert!(protected >= 15, "{protected} protected operations");
}

#[test]
fn user_add_reads_the_password_from_stdin() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("u.sqlite3").display());
    let add = |args: &[&str], stdin: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mecigep"))
            .args(["user", "add"])
            .args(args)
            .env("DATABASE_URL", &url)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let out = add(
        &[
            "--email",
            "fp@example.org",
            "--role",
            "member_country",
            "--country",
            "ARG",
        ],
        "a long enough secret\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("fp@example.org") && !text.contains("password"),
        "{text}"
    );
    let out = add(
        &["--email", "fp2@example.org", "--role", "member_country"],
        "a long enough secret\n",
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("country"));
    let out = add(
        &["--email", "fp3@example.org", "--role", "secretariat"],
        "short\n",
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("password"));
}

#[test]
fn links_lead_from_each_step_of_the_main_flows_to_the_next() {
    let spec = mecigep::app::openapi_json();
    let mut operations = BTreeSet::new();
    for item in spec["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            if let Some(id) = op["operationId"].as_str() {
                operations.insert(id.to_owned());
            }
        }
    }
    let mut links = 0;
    for item in spec["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            for response in op["responses"]
                .as_object()
                .into_iter()
                .flat_map(|r| r.values())
            {
                for link in response["links"]
                    .as_object()
                    .into_iter()
                    .flat_map(|l| l.values())
                {
                    links += 1;
                    let to = link["operationId"].as_str().unwrap();
                    assert!(
                        operations.contains(to),
                        "a link leads to {to}, which is no operation"
                    );
                }
            }
        }
    }
    assert!(links >= 20, "{links} links");
    let created =
        &spec["paths"]["/api/v1/questionnaires/{id}/responses"]["post"]["responses"]["201"];
    assert_eq!(
        created["links"]["SaveAnswers"]["operationId"], "put_answers",
        "response → answers"
    );
    let saved = &spec["paths"]["/api/v1/responses/{id}/answers"]["put"]["responses"]["200"];
    assert_eq!(
        saved["links"]["SubmitResponse"]["parameters"]["id"],
        "$response.body#/id"
    );
}

#[actix_web::test]
async fn every_answer_carries_the_security_headers() {
    let app = TestApp::new().await;
    let public = app.get("/api/v1/countries/ARG").send().await;
    assert_eq!(public.status, 200);
    assert_eq!(public.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(public.header("referrer-policy"), Some("no-referrer"));
    assert_ne!(
        public.header("cache-control"),
        Some("no-store"),
        "public reads may be cached"
    );
    assert!(
        public.header("strict-transport-security").is_none(),
        "HSTS is opt-in"
    );
    let admin = app.secretariat();
    let mine = app.get("/api/v1/countries/ARG").auth(&admin).send().await;
    assert_eq!(
        mine.header("cache-control"),
        Some("no-store"),
        "signed-in reads are not kept"
    );
    let missing = app.get("/api/v1/countries/XYZ").send().await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.header("cache-control"), Some("no-store"));
    assert_eq!(missing.header("x-content-type-options"), Some("nosniff"));
    let docs = app.get("/docs/").send().await;
    assert_eq!(docs.status, 200);
    let csp = docs.header("content-security-policy").unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(docs.header("x-frame-options"), Some("DENY"));
    let config = app.get("/docs/swagger-initializer.js").send().await;
    assert!(
        String::from_utf8_lossy(&config.body).contains("\"validatorUrl\": \"none\""),
        "Swagger UI does not call the online validator"
    );

    let tls = TestApp::with_settings(mecigep::state::AppSettings {
        hsts: true,
        ..mecigep::state::AppSettings::default()
    })
    .await;
    let res = tls.get("/health/live").send().await;
    assert_eq!(
        res.header("strict-transport-security"),
        Some("max-age=31536000")
    );
}

#[actix_web::test]
async fn metrics_are_served_only_to_the_token_holder() {
    let app = TestApp::new().await;
    app.get("/metrics")
        .send()
        .await
        .assert_problem(404, "not-found");

    let app = TestApp::with_settings(mecigep::state::AppSettings {
        metrics_token: Some("a metrics token of some length".into()),
        ..mecigep::state::AppSettings::default()
    })
    .await;
    app.get("/api/v1/countries/ARG").send().await;
    app.get("/metrics")
        .send()
        .await
        .assert_problem(401, "unauthorized");
    app.get("/metrics")
        .bearer("a metrics token of some lengtH")
        .send()
        .await
        .assert_problem(401, "unauthorized");
    let res = app
        .get("/metrics")
        .bearer("a metrics token of some length")
        .send()
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(
        res.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let text = String::from_utf8_lossy(&res.body).to_string();
    for needle in [
        "http_requests_total{method=\"GET\",route=\"/api/v1/countries/{code}\",status=\"200\"}",
        "http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/countries/{code}\"",
        "mecigep_build_info{version=\"",
        "mecigep_db_pool_max_connections",
        "mecigep_db_pool_connections",
    ] {
        assert!(text.contains(needle), "{needle} in:\n{text}");
    }
    assert!(
        !text.contains("route=\"/api/v1/countries/ARG\""),
        "routes are templates, never raw paths"
    );
}

#[test]
fn metrics_have_a_listener_of_their_own_when_asked() {
    use std::io::{Read, Write};
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let api_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = std::env::temp_dir().join(format!("mecigep-metrics-{}", std::process::id()));
    let mut child = Command::new(env!("CARGO_BIN_EXE_mecigep"))
        .arg("serve")
        .env("DATABASE_URL", dir.join("db.sqlite3"))
        .env("MECIGEP_BIND", format!("127.0.0.1:{api_port}"))
        .env("MECIGEP_METRICS_BIND", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut text = String::new();
    for _ in 0..100 {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .unwrap();
            s.read_to_string(&mut text).unwrap();
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.contains("mecigep_build_info"), "{text}");
}
