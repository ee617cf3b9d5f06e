//! TestApp: a fresh database per test (a temp SQLite file, or with `TEST_DATABASE_URL` a
#![allow(dead_code)] // helpers shared by every test file; not each file uses each one
//! fresh PostgreSQL database dropped afterwards) and the real application in front of it.
//!
//! Each database is a copy of one template per test process, migrated and seeded once: a
//! file copy on SQLite, `CREATE DATABASE … TEMPLATE` on PostgreSQL. The application still
//! runs its start-up preparation on the copy, which then finds nothing to do, as a restart
//! would.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
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

use mecigep::app;
use mecigep::db::{self, DbPool, PoolOptions, Target};
use mecigep::state::{AppSettings, AppState};

pub type Svc = BoxService<Request, ServiceResponse<BoxBody>, actix_web::Error>;

/// Migrates and seeds `target` with the application's own start-up preparation, then closes
/// every connection to it (a template must have none).
fn prepare_template(target: &Target) {
    let pool = db::connect(
        target,
        &PoolOptions {
            max_size: 1,
            connection_timeout: Duration::from_secs(30),
        },
    )
    .expect("open the template database");
    mecigep::seed::prepare(&pool).expect("migrate and seed the template");
}

/// What tells one build of this suite from another: the test binary's path, size and time.
/// Processes of one build (`cargo nextest` runs each test in its own) share their templates.
fn build_fingerprint() -> &'static str {
    static PRINT: OnceLock<String> = OnceLock::new();
    PRINT.get_or_init(|| {
        use std::hash::{Hash, Hasher};
        let exe = std::env::current_exe().expect("test binary path");
        let meta = std::fs::metadata(&exe).expect("test binary metadata");
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (exe, meta.len(), meta.modified().ok()).hash(&mut h);
        format!("{:016x}", h.finish())
    })
}

/// How old another build's template must be before a run removes it: a run takes seconds, so
/// none of that age belongs to a run still going.
const STALE_TEMPLATE: Duration = Duration::from_secs(3600);

/// The SQLite template of this build, in Cargo's temp folder for tests; written under a
/// temporary name and renamed when complete, so that concurrent processes never read half
/// of one.
fn sqlite_template() -> &'static Path {
    static TEMPLATE: OnceLock<PathBuf> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
        let path = dir.join(format!("template-{}.sqlite3", build_fingerprint()));
        if path.exists() {
            return path;
        }
        for stale in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let name = stale.file_name().to_string_lossy().into_owned();
            let old = stale
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t.elapsed().unwrap_or_default() > STALE_TEMPLATE);
            if name.starts_with("template-") && old {
                let _ = std::fs::remove_file(stale.path());
            }
        }
        let building = tempfile::Builder::new()
            .prefix("building-")
            .tempdir_in(dir)
            .expect("temp dir for the template");
        let file = building.path().join("template.sqlite3");
        prepare_template(&Target::Sqlite(file.clone()));
        // The pool is gone: its last connection checkpointed the WAL into the file.
        std::fs::rename(&file, &path).expect("name the template database");
        path
    })
}

/// The PostgreSQL template of this build on `server`, made once under an advisory lock by the
/// first process that needs it and renamed when complete.
fn postgres_template(server: &str) -> &'static str {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut admin = PgConnection::establish(server).expect("connect to TEST_DATABASE_URL");
        let name = format!("mecigep_tpl_{}", build_fingerprint());
        admin
            .batch_execute("SELECT pg_advisory_lock(7201)")
            .expect("template lock");
        let exists = diesel::sql_query(format!(
            "SELECT COUNT(*) AS n FROM pg_database WHERE datname = '{name}'"
        ))
        .get_result::<Count>(&mut admin)
        .expect("look for the template")
        .n > 0;
        if !exists {
            drop_stale_templates(&mut admin);
            let building = format!("mecigep_build_{}", uuid::Uuid::new_v4().simple());
            admin
                .batch_execute(&format!("CREATE DATABASE {building}"))
                .expect("create the template database");
            prepare_template(&Target::Postgres(with_database(server, &building)));
            admin
                .batch_execute(&format!(
                    "ALTER DATABASE {building} RENAME TO {name}; \
                     ALTER DATABASE {name} WITH IS_TEMPLATE true"
                ))
                .expect("name the template database");
        }
        admin
            .batch_execute("SELECT pg_advisory_unlock(7201)")
            .expect("template unlock");
        name
    })
}

/// Databases in the template's state, free for the next test: a test's database is put back
/// here after the test ([`recycle`]). What is left is dropped when the process exits.
static SPARE: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
static SPARE_SERVER: OnceLock<String> = OnceLock::new();
/// The statements that put a used database back to the template's state: its rows and its
/// sequences, read once from a fresh copy of the template.
static RESTORE: OnceLock<String> = OnceLock::new();

/// A database in the template's state for one test. Creating one costs PostgreSQL ~0.2–0.4 s
/// of disk flushes, most of the suite's time; putting a used one back costs ~30 ms. So a
/// process creates as many as run at once and reuses them.
fn take_postgres_database(server: &str) -> String {
    if let Some(name) = SPARE.lock().unwrap_or_else(|e| e.into_inner()).pop() {
        return name;
    }
    let template = postgres_template(server);
    let name = format!("mecigep_t_{}", uuid::Uuid::new_v4().simple());
    PgConnection::establish(server)
        .expect("connect to TEST_DATABASE_URL")
        .batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
        .expect("create test database");
    RESTORE.get_or_init(|| restore_script(&with_database(server, &name)));
    if SPARE_SERVER.set(server.to_owned()).is_ok() {
        // SAFETY: registers a plain `extern "C"` function with no arguments.
        unsafe { libc::atexit(drop_spares) };
    }
    name
}

/// What [`RESTORE`] holds, read from `url`, a database just copied from the template.
fn restore_script(url: &str) -> String {
    #[derive(QueryableByName)]
    struct Line {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        s: Option<String>,
    }
    let mut conn = PgConnection::establish(url).expect("connect to a fresh test database");
    let mut script = String::new();
    for t in user_tables(&mut conn) {
        let line = diesel::sql_query(format!(
            "SELECT format('INSERT INTO %I SELECT * FROM json_populate_recordset(NULL::%I, %L);', \
             '{t}', '{t}', json_agg(x)::text) AS s FROM {t} x HAVING COUNT(*) > 0"
        ))
        .load::<Line>(&mut conn)
        .expect("read the template's rows");
        script.extend(line.into_iter().filter_map(|l| l.s));
    }
    let sequences = diesel::sql_query(
        "SELECT format('SELECT setval(%L, %s, %s);', schemaname || '.' || sequencename, \
         COALESCE(last_value, start_value), (last_value IS NOT NULL)::text) AS s FROM pg_sequences",
    )
    .load::<Line>(&mut conn)
    .expect("read the template's sequences");
    script.extend(sequences.into_iter().filter_map(|l| l.s));
    script
}

/// The tables of the schema whose rows a test may change: all but diesel's record of the
/// migrations.
fn user_tables(conn: &mut PgConnection) -> Vec<String> {
    #[derive(QueryableByName)]
    struct Table {
        #[diesel(sql_type = diesel::sql_types::Text)]
        t: String,
    }
    diesel::sql_query(
        "SELECT quote_ident(tablename) AS t FROM pg_tables WHERE schemaname = 'public' \
         AND tablename <> '__diesel_schema_migrations' ORDER BY 1",
    )
    .load::<Table>(conn)
    .expect("list the tables")
    .into_iter()
    .map(|t| t.t)
    .collect()
}

/// Puts a test's database back to the template's state and offers it to the next test; one
/// that cannot be (its schema was left changed) is dropped. Connections the test left open
/// are ended first, as `DROP DATABASE … WITH (FORCE)` would.
fn recycle(server: &str, name: &str) {
    let restored = (|| -> QueryResult<()> {
        let mut admin = PgConnection::establish(server).map_err(|_| diesel::NotFound)?;
        admin.batch_execute(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        ))?;
        let mut conn =
            PgConnection::establish(&with_database(server, name)).map_err(|_| diesel::NotFound)?;
        let deletes: String = user_tables(&mut conn)
            .iter()
            .map(|t| format!("DELETE FROM {t};"))
            .collect();
        let restore = RESTORE.get().ok_or(diesel::NotFound)?;
        // Replica mode: no trigger and no foreign-key check runs while rows go and come back.
        conn.batch_execute(&format!(
            "BEGIN; SET LOCAL session_replication_role = replica; {deletes} {restore} COMMIT;"
        ))
    })();
    match restored {
        Ok(()) => SPARE
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(name.to_owned()),
        Err(_) => {
            if let Ok(mut admin) = PgConnection::establish(server) {
                let _ =
                    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

extern "C" fn drop_spares() {
    let (Some(server), Ok(spare)) = (SPARE_SERVER.get(), SPARE.lock()) else {
        return;
    };
    if let Ok(mut admin) = PgConnection::establish(server) {
        for name in spare.iter() {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

/// Templates of other builds, and databases of runs that were killed, older than
/// [`STALE_TEMPLATE`].
fn drop_stale_templates(admin: &mut PgConnection) {
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        datname: String,
    }
    let stale = diesel::sql_query(format!(
        "SELECT datname FROM pg_database WHERE datname ~ '^mecigep_(tpl|build|t)_' \
         AND (pg_stat_file('base/' || oid || '/PG_VERSION')).modification \
             < now() - interval '{} seconds'",
        STALE_TEMPLATE.as_secs()
    ))
    .load::<Name>(admin)
    .unwrap_or_default();
    for n in stale {
        let _ = admin.batch_execute(&format!(
            "ALTER DATABASE {0} WITH IS_TEMPLATE false; DROP DATABASE IF EXISTS {0} WITH (FORCE)",
            n.datname
        ));
    }
}

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

    /// A temp-file SQLite database, whatever `TEST_DATABASE_URL` says: a copy of the template.
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("test.sqlite3");
        std::fs::copy(sqlite_template(), &path).expect("copy the template database");
        TestDb {
            target: Target::Sqlite(path),
            _dir: Some(dir),
            pg_drop: None,
        }
    }

    fn postgres(server: &str) -> TestDb {
        let name = take_postgres_database(server);
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

    /// Has PostgreSQL close every other connection to this database, as a restart would, and
    /// waits until they are gone; returns how many there were. A SQLite file has no server to
    /// drop its connections: 0.
    pub fn drop_server_connections(&self) -> i64 {
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let Target::Postgres(url) = &self.target else {
            return 0;
        };
        let mut admin = PgConnection::establish(url).expect("connect to the test database");
        let others = "FROM pg_stat_activity WHERE datname = current_database() \
                      AND pid <> pg_backend_pid() AND backend_type = 'client backend'";
        let dropped = diesel::sql_query(format!(
            "SELECT COUNT(pg_terminate_backend(pid)) AS n {others}"
        ))
        .get_result::<Count>(&mut admin)
        .expect("terminate the pool's connections")
        .n;
        for _ in 0..400 {
            let left = diesel::sql_query(format!("SELECT COUNT(*) AS n {others}"))
                .get_result::<Count>(&mut admin)
                .expect("count connections")
                .n;
            if left == 0 {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        dropped
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((server, name)) = &self.pg_drop {
            recycle(server, name);
        }
    }
}

/// `server`'s URL with its database name replaced by `name`.
pub fn with_database(server: &str, name: &str) -> String {
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

/// The password of every account the tests create.
pub const PASSWORD: &str = "correct horse battery staple";

/// One argon2id hash of [`PASSWORD`] with the smallest parameters, made once per process and
/// shared by every account a test creates through [`TestApp::user`]: verifying it costs
/// microseconds. Production parameters are what accounts created over HTTP get.
fn cheap_hash() -> &'static str {
    use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| {
        let params = argon2::Params::new(8, 1, 1, None).expect("argon2 parameters");
        argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
            .hash_password(PASSWORD.as_bytes(), &SaltString::generate(&mut OsRng))
            .expect("hash")
            .to_string()
    })
}

/// An account created for a test, with a valid access token.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: i64,
    pub email: String,
    pub token: String,
}

/// The application over a fresh database.
pub struct TestApp {
    svc: Svc,
    pub state: AppState,
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
        let state = AppState::new(pool.clone(), settings);
        let svc = boxed::service(test::init_service(app::build(state.clone())).await);
        TestApp {
            svc,
            state,
            pool,
            db,
        }
    }

    /// Creates an account (as the bootstrap would) and mints it an access token.
    pub fn user(&self, role: &str, country: Option<&str>) -> TestUser {
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let email = format!(
            "{role}.{}.{n}@example.org",
            country.unwrap_or("oas").to_lowercase()
        );
        let row = self.with_conn(|conn| {
            conn.transaction(|conn| {
                mecigep::users::service::create_account_hashed(
                    conn,
                    &Default::default(),
                    &mecigep::users::api::NewUser {
                        email: email.clone(),
                        display_name: format!("{role} {n}"),
                        role: role.into(),
                        country: country.map(str::to_owned),
                        password: PASSWORD.into(),
                    },
                    |_| cheap_hash().to_owned(),
                )
            })
            .expect("create test user")
        });
        let (token, _) = self.state.auth.keys.issue(
            row.id,
            row.role.as_str(),
            row.country.as_deref(),
            row.auth_epoch,
            None,
        );
        TestUser {
            id: row.id,
            email,
            token,
        }
    }

    pub fn secretariat(&self) -> TestUser {
        self.user("secretariat", None)
    }

    pub fn member(&self, country: &str) -> TestUser {
        self.user("member_country", Some(country))
    }

    pub fn expert(&self, country: &str) -> TestUser {
        self.user("expert", Some(country))
    }

    /// `POST /auth/login`.
    pub async fn login(&self, email: &str, password: &str) -> Resp {
        self.post("/api/v1/auth/login")
            .json(&serde_json::json!({"email": email, "password": password}))
            .send()
            .await
    }

    /// The audit rows with `action`, oldest first.
    pub fn audit_rows(&self, action: &str) -> Vec<(Option<i64>, String, String, Option<String>)> {
        use mecigep::db::schema::audit_log as a;
        self.with_conn(|conn| {
            a::table
                .filter(a::action.eq(action))
                .order(a::id.asc())
                .select((a::actor_id, a::entity_id, a::summary, a::note))
                .load(conn)
                .unwrap()
        })
    }

    pub fn get(&self, path: &str) -> Req<'_> {
        self.request(Method::GET, path)
    }

    pub fn post(&self, path: &str) -> Req<'_> {
        self.request(Method::POST, path)
    }

    pub fn patch(&self, path: &str) -> Req<'_> {
        self.request(Method::PATCH, path)
    }

    pub fn delete(&self, path: &str) -> Req<'_> {
        self.request(Method::DELETE, path)
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

static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// The application in front of any pool (e.g. one whose database is down).
pub async fn service(pool: DbPool, settings: AppSettings) -> Svc {
    let state = AppState::new(pool, settings);
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

    /// Adds a header beside any of the same name (`header` replaces).
    pub fn append_header(mut self, name: &str, value: &str) -> Self {
        self.inner = self.inner.append_header((
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        ));
        self
    }

    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", &format!("Bearer {token}"))
    }

    pub fn auth(self, user: &TestUser) -> Self {
        self.bearer(&user.token)
    }

    pub fn json(mut self, value: &Value) -> Self {
        self.inner = self.inner.set_json(value);
        self
    }

    pub fn body(mut self, bytes: impl Into<Bytes>) -> Self {
        self.inner = self.inner.set_payload(bytes.into());
        self
    }

    /// Sends the body without `Content-Length`, as a chunked body arrives.
    pub async fn send_chunked(self) -> Resp {
        let mut req = self.inner.to_request();
        req.headers_mut()
            .remove(actix_web::http::header::CONTENT_LENGTH);
        Resp::of(test::call_service(self.svc, req).await).await
    }

    /// Sends as if from the client address `addr` (`ip:port`).
    pub async fn send_from(mut self, addr: &str) -> Resp {
        self.inner = self.inner.peer_addr(addr.parse().expect("ip:port"));
        self.send().await
    }

    pub async fn send(self) -> Resp {
        Resp::of(test::call_service(self.svc, self.inner.to_request()).await).await
    }
}

impl Resp {
    async fn of(res: actix_web::dev::ServiceResponse) -> Resp {
        let status = res.status();
        let headers = res.headers().clone();
        let streamed = matches!(
            actix_web::body::MessageBody::size(res.response().body()),
            actix_web::body::BodySize::Stream
        );
        let body = to_bytes(res.into_body()).await.unwrap_or_default();
        Resp {
            status,
            headers,
            body,
            streamed,
        }
    }
}

/// A response, fully read.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// The body had no length: it was streamed (chunked on the wire).
    pub streamed: bool,
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

/// A round body the secretariat may POST.
pub fn round_body(number: i32) -> Value {
    serde_json::json!({
        "number": number,
        "title": {"en": format!("Round {number}"), "es": format!("Ronda {number}")},
        "description": "Exchange on budgeting and the civil service.",
        "thematic_areas": ["civil-service", "public-budget"],
        "starts_on": "2027-01-15",
        "responses_due_on": "2027-04-30",
        "ends_on": "2027-12-15",
        "reviewers_per_country": 2,
        "response_publication": "public_after_conclusion"
    })
}

/// A questionnaire document that uses every kind of question.
pub fn questionnaire_sections() -> Value {
    serde_json::json!([
        {"code": "A", "title": {"en": "Institutions", "es": "Instituciones"}, "questions": [
            {"code": "A.1", "prompt": {"en": "Name of the budget office", "es": "Nombre de la oficina de presupuesto"}, "kind": "text", "required": true, "max_length": 200},
            {"code": "A.2", "prompt": "Describe its mandate", "help": "Two paragraphs at most", "kind": "long_text"},
            {"code": "A.3", "prompt": "Staff", "kind": "integer", "min": 0, "max": 100000, "required": true},
            {"code": "A.4", "prompt": "Share of GDP", "kind": "decimal", "min": 0, "max": 100}
        ]},
        {"code": "B", "title": "Framework", "questions": [
            {"code": "B.1", "prompt": "Is there a fiscal responsibility law?", "kind": "boolean", "required": true},
            {"code": "B.2", "prompt": "Date of the law", "kind": "date"},
            {"code": "B.3", "prompt": "Budget horizon", "kind": "single_choice", "required": true, "thematic_area": "public-budget",
             "options": [{"value": "annual", "label": {"en": "Annual", "es": "Anual"}}, {"value": "multiannual", "label": {"en": "Multi-annual", "es": "Plurianual"}}]},
            {"code": "B.4", "prompt": "Tools used", "kind": "multi_choice",
             "options": [{"value": "ptb", "label": "Performance budgeting"}, {"value": "mtef", "label": "Medium-term framework"}, {"value": "gb", "label": "Gender budgeting"}]},
            {"code": "B.5", "prompt": "Link to the law", "kind": "url"}
        ]}
    ])
}

impl TestApp {
    /// A planned round (number `n`), created through the API.
    pub async fn create_round(&self, admin: &TestUser, n: i32) -> Value {
        let res = self
            .post("/api/v1/rounds")
            .auth(admin)
            .json(&round_body(n))
            .send()
            .await;
        assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
        res.json()
    }

    /// A draft questionnaire of `round`, created through the API.
    pub async fn create_questionnaire(&self, admin: &TestUser, round: i64) -> Value {
        let res = self
            .post("/api/v1/questionnaires")
            .auth(admin)
            .json(&serde_json::json!({
                "round": round,
                "title": {"en": "Self-Review Questionnaire", "es": "Cuestionario de Autoevaluación"},
                "introduction": "Answer for the central government.",
                "sections": questionnaire_sections()
            }))
            .send()
            .await;
        assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
        res.json()
    }

    /// The round's hemispheric report, created, submitted and adopted: what concluding needs.
    pub async fn adopt_hemispheric_report(&self, admin: &TestUser, round: i64) -> i64 {
        let res = self
            .post("/api/v1/reports")
            .auth(admin)
            .json(&serde_json::json!({"round": round, "kind": "hemispheric", "title": "Hemispheric Report"}))
            .send()
            .await;
        assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
        let id = res.json()["id"].as_i64().unwrap();
        for (action, body) in [
            ("submit", serde_json::json!({})),
            ("adopt", serde_json::json!({"decision_date": "2026-01-15"})),
        ] {
            let res = self
                .post(&format!("/api/v1/reports/{id}/{action}"))
                .auth(admin)
                .json(&body)
                .send()
                .await;
            assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
        }
        id
    }

    /// Draws the reviewers of `round` with `seed`; returns the countries drawn to review
    /// `country`.
    pub async fn draw_reviewers(
        &self,
        admin: &TestUser,
        round: i64,
        seed: i64,
        country: &str,
    ) -> Vec<String> {
        let res = self
            .post(&format!("/api/v1/rounds/{round}/draws"))
            .auth(admin)
            .json(&serde_json::json!({"seed": seed}))
            .send()
            .await;
        assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
        res.json()["assignments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["country"] == country)
            .unwrap()["reviewers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap().to_owned())
            .collect()
    }

    /// A round that is open: published questionnaire, the given participants.
    pub async fn open_round(&self, admin: &TestUser, n: i32, countries: &[&str]) -> (Value, Value) {
        let round = self.create_round(admin, n).await;
        let id = round["id"].as_i64().unwrap();
        let q = self.create_questionnaire(admin, id).await;
        let res = self
            .post(&format!("/api/v1/questionnaires/{}/publish", q["id"]))
            .auth(admin)
            .send()
            .await;
        assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
        for c in countries {
            let res = self
                .request(
                    Method::PUT,
                    &format!("/api/v1/rounds/{id}/participants/{c}"),
                )
                .auth(admin)
                .send()
                .await;
            assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
        }
        let res = self
            .post(&format!("/api/v1/rounds/{id}/open"))
            .auth(admin)
            .send()
            .await;
        assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
        (res.json(), q)
    }
}
