//! TestApp: a fresh database per test (a temp SQLite file, or with `TEST_DATABASE_URL` a
#![allow(dead_code)] // helpers shared by every test file; not each file uses each one
//! fresh PostgreSQL database dropped afterwards) and the real application in front of it.

use std::sync::Arc;
use std::time::Duration;

use actix_http::Request;
use actix_service::boxed::{self, BoxService};
use actix_web::body::{to_bytes, BoxBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::test::{self, TestRequest};
use actix_web::web::Bytes;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use serde_json::Value;

use mecigep::app::{self, AppSettings, AppState};
use mecigep::db::{self, DbPool, PoolOptions, Target};

type Svc = BoxService<Request, ServiceResponse<BoxBody>, actix_web::Error>;

/// A database that exists for one test.
pub struct TestDb {
    pub target: Target,
    _dir: Option<tempfile::TempDir>,
    pg_drop: Option<(String, String)>,
}

impl TestDb {
    pub fn new() -> TestDb {
        match std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|s| !s.is_empty())
        {
            Some(server) => Self::postgres(&server),
            None => Self::sqlite(),
        }
    }

    /// A temp-file SQLite database, whatever `TEST_DATABASE_URL` says.
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("test.sqlite3");
        TestDb {
            target: Target::Sqlite(path),
            _dir: Some(dir),
            pg_drop: None,
        }
    }

    fn postgres(server: &str) -> TestDb {
        let name = format!("mecigep_t_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::establish(server).expect("connect to TEST_DATABASE_URL");
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create test database");
        let url = with_database(server, &name);
        TestDb {
            target: Target::Postgres(url),
            _dir: None,
            pg_drop: Some((server.to_owned(), name)),
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.target, Target::Postgres(_))
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((server, name)) = &self.pg_drop {
            if let Ok(mut admin) = PgConnection::establish(server) {
                let _ =
                    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

/// `server`'s URL with its database name replaced by `name`.
fn with_database(server: &str, name: &str) -> String {
    let (base, query) = match server.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (server, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let root = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}

/// The application over a fresh database.
pub struct TestApp {
    svc: Svc,
    pub pool: DbPool,
    pub db: TestDb,
}

impl TestApp {
    pub async fn new() -> TestApp {
        Self::with_settings(AppSettings::default()).await
    }

    pub async fn with_settings(settings: AppSettings) -> TestApp {
        Self::on(TestDb::new(), settings).await
    }

    pub async fn on(db: TestDb, settings: AppSettings) -> TestApp {
        let pool = db::connect(
            &db.target,
            &PoolOptions {
                max_size: 4,
                connection_timeout: Duration::from_secs(10),
            },
        )
        .expect("open test database");
        mecigep::seed::prepare(&pool).expect("migrate and seed");
        let svc = service(pool.clone(), settings).await;
        TestApp { svc, pool, db }
    }

    pub fn get(&self, path: &str) -> Req<'_> {
        self.request(Method::GET, path)
    }

    pub fn post(&self, path: &str) -> Req<'_> {
        self.request(Method::POST, path)
    }

    pub fn request(&self, method: Method, path: &str) -> Req<'_> {
        Req {
            svc: &self.svc,
            inner: TestRequest::default().method(method).uri(path),
        }
    }

    /// Runs `f` on a pooled connection (to arrange or inspect data behind the API's back).
    pub fn with_conn<T>(&self, f: impl FnOnce(&mut db::DbConn) -> T) -> T {
        let mut conn = self.pool.get().expect("pooled connection");
        f(&mut conn)
    }
}

/// The application in front of any pool (e.g. one whose database is down).
pub async fn service(pool: DbPool, settings: AppSettings) -> Svc {
    let state = AppState {
        pool,
        settings: Arc::new(settings),
    };
    boxed::service(test::init_service(app::build(state)).await)
}

/// A request being built.
pub struct Req<'a> {
    svc: &'a Svc,
    inner: TestRequest,
}

impl<'a> Req<'a> {
    pub fn on(svc: &'a Svc, method: Method, path: &str) -> Req<'a> {
        Req {
            svc,
            inner: TestRequest::default().method(method).uri(path),
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.inner = self.inner.insert_header((
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        ));
        self
    }

    pub fn json(mut self, value: &Value) -> Self {
        self.inner = self.inner.set_json(value);
        self
    }

    pub fn body(mut self, bytes: impl Into<Bytes>) -> Self {
        self.inner = self.inner.set_payload(bytes.into());
        self
    }

    pub async fn send(self) -> Resp {
        let res = test::call_service(self.svc, self.inner.to_request()).await;
        let status = res.status();
        let headers = res.headers().clone();
        let body = to_bytes(res.into_body()).await.unwrap_or_default();
        Resp {
            status,
            headers,
            body,
        }
    }
}

/// A response, fully read.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts the status, and that the body is an RFC 9457 problem of the given kind.
    pub fn assert_problem(&self, status: u16, kind: &str) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "problem responses are application/problem+json"
        );
        let p = self.json();
        assert_eq!(
            p["type"],
            format!("https://mecigep.oas.org/problems/{kind}"),
            "problem: {p}"
        );
        assert_eq!(p["status"], status);
        assert!(p["title"].as_str().is_some_and(|t| !t.is_empty()));
        assert!(p["detail"].as_str().is_some_and(|t| !t.is_empty()));
        assert!(p["request_id"].as_str().is_some());
        p
    }

    /// The `field` of every entry of a problem's `errors`.
    pub fn error_fields(&self) -> Vec<String> {
        self.json()["errors"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }
}
