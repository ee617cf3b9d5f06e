//! `Idempotency-Key` for every POST of an authenticated caller, implemented once.
//!
//! A key is scoped to the caller (user, and machine client). The request's effect and its
//! answer are stored in one transaction ([`db::request_tx`]): the key is claimed by the first
//! write of the request and the answer (status, kept headers, body) recorded before the commit.
//! So after any crash a retry either replays the first answer byte for byte or runs as new.
//! A retry arriving while the first request is still running waits for it (up to 10 s) and
//! replays its answer, or gets 409 `idempotency-in-flight` with `Retry-After`. The same key
//! with another method, path or body is a 422. A request that wrote nothing and succeeded has
//! its answer kept too; one that failed keeps nothing. Keys are kept for 48 hours.

use actix_web::body::{to_bytes, BoxBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse, ResponseError};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::db::request_tx::RequestTx;
use crate::db::schema::idempotency_keys as ik;
use crate::db::{self, DbConn};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub static HEADER: HeaderName = HeaderName::from_static("idempotency-key");
pub static REPLAYED: HeaderName = HeaderName::from_static("idempotency-replayed");

/// How long keys are remembered.
const KEEP_HOURS: i64 = 48;
/// How long a retry waits for the first request with its key (PostgreSQL's lock wait; SQLite's
/// writers wait their turn as long, `db::dialect::TURN_WAIT`).
const WAIT_FOR_FIRST: &str = "10s";
/// Headers worth replaying.
const KEPT_HEADERS: [&str; 5] = [
    "content-type",
    "location",
    "etag",
    "content-language",
    "cache-control",
];

/// The key a request carries, for its caller.
#[derive(Debug, Clone)]
struct Claim {
    principal: String,
    key: String,
    fingerprint: String,
}

/// A recorded answer.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = ik)]
struct Kept {
    fingerprint: String,
    status: Option<i32>,
    headers: Option<String>,
    body: Option<String>,
}

/// An answer to replay.
struct Replay {
    status: StatusCode,
    headers: Vec<(String, String)>,
    body: String,
}

impl Replay {
    fn response(self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        for (k, v) in self.headers {
            res.insert_header((k, v));
        }
        res.insert_header((REPLAYED.clone(), HeaderValue::from_static("true")));
        metrics::counter!("mecigep_idempotent_replays_total").increment(1);
        res.body(self.body)
    }
}

/// What the key already holds: nothing, or an answer to replay; another request's key is a 422.
fn recorded(conn: &mut DbConn, c: &Claim) -> ApiResult<Option<Replay>> {
    let kept: Option<Kept> = ik::table
        .filter(ik::principal.eq(&c.principal))
        .filter(ik::key.eq(&c.key))
        .select(Kept::as_select())
        .first(conn)
        .optional()?;
    let Some(kept) = kept else {
        return Ok(None);
    };
    if kept.fingerprint != c.fingerprint {
        return Err(ApiError::Validation {
            detail:
                "this Idempotency-Key was used for another request; use a new key for a new request"
                    .into(),
            errors: vec![crate::error::FieldError::new(
                "Idempotency-Key",
                "reused",
                "the key belongs to a request with another method, path or body",
            )],
        });
    }
    let (Some(status), Some(body)) = (kept.status, kept.body) else {
        // A claim without an answer is left only by versions that recorded them apart.
        return Ok(None);
    };
    let headers: Vec<(String, String)> = match kept.headers {
        Some(h) => db::stored_json("idempotent answer's headers", &h)?,
        None => Vec::new(),
    };
    let status = u16::try_from(status)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .ok_or_else(|| ApiError::internal(format!("a kept answer has the status {status}")))?;
    Ok(Some(Replay {
        status,
        headers,
        body,
    }))
}

/// The first step of the request's transaction: the key, claimed. A concurrent request with the
/// same key holds it until it ends (PostgreSQL waits on the unique index; SQLite's writers take
/// turns): if it committed, this one fails and replays its answer; if it rolled back, this one
/// runs as new.
fn claim(conn: &mut DbConn, c: &Claim) -> ApiResult<()> {
    let now = crate::time::now();
    diesel::delete(ik::table.filter(ik::claimed_at.lt(now - chrono::Duration::hours(KEEP_HOURS))))
        .execute(conn)?;
    diesel::delete(
        ik::table
            .filter(ik::principal.eq(&c.principal))
            .filter(ik::key.eq(&c.key))
            .filter(ik::status.is_null()),
    )
    .execute(conn)?;
    db::dialect::set_local_lock_timeout(conn, Some(WAIT_FOR_FIRST))?;
    let inserted = diesel::insert_into(ik::table)
        .values((
            ik::principal.eq(&c.principal),
            ik::key.eq(&c.key),
            ik::fingerprint.eq(&c.fingerprint),
            ik::claimed_at.eq(now),
            ik::effect_at.eq(Some(now)),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => {}
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => return Err(in_flight()),
        Err(e) if db::dialect::is_lock_timeout(&e) => return Err(in_flight()),
        Err(e) => return Err(e.into()),
    }
    db::dialect::set_local_lock_timeout(conn, None)?;
    Ok(())
}

fn in_flight() -> ApiError {
    ApiError::conflict(
        "idempotency-in-flight",
        "a request with this Idempotency-Key is still being processed; retry in a moment",
        vec![],
    )
}

/// The answer, as kept for replay: status, the headers worth replaying, body.
fn answer_row(head: &actix_web::HttpResponse<()>, body: &[u8]) -> (i32, String, String) {
    let headers: Vec<(String, String)> = KEPT_HEADERS
        .iter()
        .filter_map(|h| {
            head.headers()
                .get(*h)
                .and_then(|v| v.to_str().ok())
                .map(|v| (h.to_string(), v.to_owned()))
        })
        .collect();
    (
        i32::from(head.status().as_u16()),
        serde_json::to_string(&headers).unwrap_or_default(),
        String::from_utf8_lossy(body).into_owned(),
    )
}

/// Records the answer of a request that wrote, in its transaction.
fn record(
    conn: &mut DbConn,
    c: &Claim,
    (status, headers, body): (i32, String, String),
) -> ApiResult<()> {
    diesel::update(
        ik::table
            .filter(ik::principal.eq(&c.principal))
            .filter(ik::key.eq(&c.key)),
    )
    .set((
        ik::status.eq(Some(status)),
        ik::headers.eq(Some(headers)),
        ik::body.eq(Some(body)),
        ik::completed_at.eq(Some(crate::time::now())),
    ))
    .execute(conn)?;
    Ok(())
}

/// Keeps the answer of a request that wrote nothing (a first answer wins).
fn keep(
    conn: &mut DbConn,
    c: &Claim,
    (status, headers, body): (i32, String, String),
) -> ApiResult<()> {
    let now = crate::time::now();
    let row = (
        ik::principal.eq(&c.principal),
        ik::key.eq(&c.key),
        ik::fingerprint.eq(&c.fingerprint),
        ik::claimed_at.eq(now),
        ik::status.eq(Some(status)),
        ik::headers.eq(Some(headers)),
        ik::body.eq(Some(body)),
        ik::completed_at.eq(Some(now)),
    );
    crate::per_backend!(conn,
        pg(c) => diesel::insert_into(ik::table).values(row).on_conflict_do_nothing().execute(c),
        sqlite(c) => diesel::insert_into(ik::table).values(row).on_conflict_do_nothing().execute(c),
    )?;
    Ok(())
}

fn principal_of(req: &ServiceRequest, state: &AppState) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let claims = state.auth.keys.verify(token.trim()).ok()?;
    Some(match claims.cid {
        Some(cid) => format!("u{}/{}", claims.sub, cid),
        None => format!("u{}", claims.sub),
    })
}

/// The request's `Idempotency-Key`: 1 to 255 visible ASCII characters.
fn key_of(req: &ServiceRequest) -> Result<String, ApiError> {
    key_in(req.headers())
}

/// The `Idempotency-Key` of a request's headers, checked (1 to 255 visible ASCII characters).
pub fn key_in(headers: &actix_web::http::header::HeaderMap) -> Result<String, ApiError> {
    let key = headers
        .get(&HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .trim();
    if !key.is_empty() && key.len() <= 255 && key.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        Ok(key.to_owned())
    } else {
        Err(ApiError::bad_request(
            "invalid-header",
            "Idempotency-Key must be 1 to 255 visible ASCII characters",
        ))
    }
}

fn fingerprint(req: &ServiceRequest, body: &[u8]) -> String {
    let mut hasher = Sha256::new();
    for part in [req.method().as_str(), req.path(), req.query_string()] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hasher.update(body);
    hex::encode(hasher.finalize())
}

fn problem(req: ServiceRequest, err: ApiError) -> ServiceResponse<BoxBody> {
    req.into_response(err.error_response())
}

/// Ends the request's transaction as its answer says: a success commits with its answer
/// recorded (or, when it wrote nothing, has its answer kept); a failure rolls back. `Err(Some)`
/// when a success could not commit, `Err(None)` for a failure.
async fn settle(
    tx: &RequestTx,
    state: &AppState,
    c: &Claim,
    head: &actix_web::HttpResponse<()>,
    bytes: &[u8],
) -> Result<(), Option<ApiError>> {
    if crate::failpoint::active("crash-before-commit") {
        tx.rollback().await;
        return Err(Some(ApiError::internal("failpoint: crash before commit")));
    }
    if !head.status().is_success() {
        tx.rollback().await;
        return Err(None);
    }
    let row = answer_row(head, bytes);
    let kept = c.clone();
    if tx.is_open() {
        tx.commit(&state.pool, move |conn| record(conn, &kept, row))
            .await
            .map_err(Some)?;
    } else {
        // Nothing was written: the answer is kept on its own; a failure to keep it loses
        // nothing, a retry runs as new.
        let stored = db::run_tx(&state.pool, move |conn| keep(conn, &kept, row.clone())).await;
        if let Err(e) = stored {
            tracing::warn!(error = %e, "could not keep an idempotent answer");
        }
    }
    Ok(())
}

/// Middleware: see the module documentation.
pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // An upload keeps its key with the file it makes: its body is never held in memory here.
    if req.method() != Method::POST
        || !req.headers().contains_key(&HEADER)
        || req.path() == crate::files::UPLOAD_PATH
    {
        return next.call(req).await;
    }
    let key = match key_of(&req) {
        Ok(key) => key,
        Err(e) => return Ok(problem(req, e)),
    };
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next.call(req).await;
    };
    // Keys belong to a caller; a request without a valid token is refused by its handler anyway.
    let Some(principal) = principal_of(&req, &state) else {
        return next.call(req).await;
    };
    let body = req.extract::<web::Bytes>().await?;
    let c = Claim {
        principal,
        key,
        fingerprint: fingerprint(&req, &body),
    };
    req.set_payload(actix_web::dev::Payload::from(body));

    let first = {
        let c = c.clone();
        db::run(&state.pool, move |conn| recorded(conn, &c)).await
    };
    match first {
        Err(e) => return Ok(problem(req, e)),
        Ok(Some(replay)) => return Ok(req.into_response(replay.response())),
        Ok(None) => {}
    }

    let tx = {
        let c = c.clone();
        RequestTx::new(Box::new(move |conn| claim(conn, &c)))
    };
    let res = tx.scope(next.call(req)).await?;
    let (http_req, res) = res.into_parts();
    let (head, body) = res.into_parts();
    let bytes = to_bytes(body).await.unwrap_or_default();
    let answered = settle(&tx, &state, &c, &head, &bytes).await;
    let failed = match answered {
        Ok(()) if crate::failpoint::active("crash-after-commit") => {
            let lost = ApiError::internal("failpoint: the answer is lost after the commit");
            return Ok(ServiceResponse::new(http_req, lost.error_response()));
        }
        Ok(()) => {
            let res = head.set_body(BoxBody::new(bytes));
            return Ok(ServiceResponse::new(http_req, res));
        }
        // The effect did not commit: the client is told so, never the success.
        Err(Some(e)) => {
            tracing::error!(error = %e, "the request's effect did not commit");
            e.error_response()
        }
        Err(None) => head.set_body(BoxBody::new(bytes)),
    };
    // A request refused while another with its key committed (it found the key taken, or read
    // what the first had done) answers as the first did. A 5xx is the server's own failure: it
    // is answered at once (during an outage, a second wait for the database would double it).
    if !failed.status().is_client_error() {
        return Ok(ServiceResponse::new(http_req, failed));
    }
    let c2 = c.clone();
    match db::run(&state.pool, move |conn| recorded(conn, &c2)).await {
        Ok(Some(replay)) => Ok(ServiceResponse::new(http_req, replay.response())),
        _ => Ok(ServiceResponse::new(http_req, failed)),
    }
}
