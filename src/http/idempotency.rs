//! `Idempotency-Key` for every POST of an authenticated caller, implemented once.
//!
//! A key is scoped to the caller (user, and machine client). The first request with a key
//! claims it; the transaction that carries the request's effect marks the claim in the same
//! commit (see [`mark_effect`]); the answer is then stored and replayed byte for byte to any
//! retry with the same body. The same key with another body is a 422; while the first request
//! is still running, a retry gets a 409. Keys are kept for 48 hours.

use std::time::Duration;

use actix_web::body::{to_bytes, BoxBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse, ResponseError};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::db::schema::idempotency_keys as ik;
use crate::db::{self, DbConn};
use crate::error::ApiError;
use crate::state::AppState;

pub static HEADER: HeaderName = HeaderName::from_static("idempotency-key");
pub static REPLAYED: HeaderName = HeaderName::from_static("idempotency-replayed");

/// How long an unfinished claim blocks retries before another request may take it over.
const LEASE: Duration = Duration::from_secs(60);
/// How long keys are remembered.
const KEEP_HOURS: i64 = 48;
/// Headers worth replaying.
const KEPT_HEADERS: [&str; 5] = [
    "content-type",
    "location",
    "etag",
    "content-language",
    "cache-control",
];

/// The key this request claimed.
#[derive(Debug, Clone)]
pub struct Claim {
    pub principal: String,
    pub key: String,
}

tokio::task_local! {
    static CLAIM: Claim;
}

/// The claim of the request being served on this task, if any.
pub fn current() -> Option<Claim> {
    CLAIM.try_with(|c| c.clone()).ok()
}

/// Marks the claim in the transaction that carries the request's effect: once that commits,
/// a retry can never run the effect again.
pub fn mark_effect(conn: &mut DbConn, claim: &Claim) -> diesel::QueryResult<()> {
    diesel::update(
        ik::table
            .filter(ik::principal.eq(&claim.principal))
            .filter(ik::key.eq(&claim.key))
            .filter(ik::effect_at.is_null()),
    )
    .set(ik::effect_at.eq(Some(crate::time::now())))
    .execute(conn)
    .map(|_| ())
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = ik)]
struct KeyRow {
    fingerprint: String,
    claimed_at: NaiveDateTime,
    effect_at: Option<NaiveDateTime>,
    status: Option<i32>,
    headers: Option<String>,
    body: Option<String>,
}

enum Outcome {
    Claimed,
    Replay {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    },
}

fn claim(conn: &mut DbConn, c: &Claim, fingerprint: &str) -> Result<Outcome, ApiError> {
    let now = crate::time::now();
    diesel::delete(ik::table.filter(ik::claimed_at.lt(now - chrono::Duration::hours(KEEP_HOURS))))
        .execute(conn)?;
    let existing: Option<KeyRow> = ik::table
        .filter(ik::principal.eq(&c.principal))
        .filter(ik::key.eq(&c.key))
        .select(KeyRow::as_select())
        .first(conn)
        .optional()?;
    let Some(row) = existing else {
        let inserted = diesel::insert_into(ik::table)
            .values((
                ik::principal.eq(&c.principal),
                ik::key.eq(&c.key),
                ik::fingerprint.eq(fingerprint),
                ik::claimed_at.eq(now),
            ))
            .execute(conn);
        return match inserted {
            Ok(_) => Ok(Outcome::Claimed),
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => Err(in_flight()),
            Err(e) => Err(e.into()),
        };
    };
    if row.fingerprint != fingerprint {
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
    if let (Some(status), Some(body)) = (row.status, row.body) {
        let headers = row
            .headers
            .and_then(|h| serde_json::from_str(&h).ok())
            .unwrap_or_default();
        return Ok(Outcome::Replay {
            status: status as u16,
            headers,
            body,
        });
    }
    if row.effect_at.is_some() {
        return Err(ApiError::conflict(
            "idempotency-outcome-unknown",
            "the first request with this key took effect but its answer was not recorded; read the resource to see the result",
            vec![],
        ));
    }
    let lease = chrono::Duration::from_std(LEASE).unwrap_or_default();
    if row.claimed_at > now - lease {
        return Err(in_flight());
    }
    // An abandoned claim without effect (a crash before any commit): take it over.
    diesel::update(
        ik::table
            .filter(ik::principal.eq(&c.principal))
            .filter(ik::key.eq(&c.key)),
    )
    .set(ik::claimed_at.eq(now))
    .execute(conn)?;
    Ok(Outcome::Claimed)
}

fn in_flight() -> ApiError {
    ApiError::conflict(
        "idempotency-in-flight",
        "a request with this Idempotency-Key is still being processed; retry in a moment",
        vec![],
    )
}

fn finish(
    conn: &mut DbConn,
    c: &Claim,
    stored: Option<(u16, String, String)>,
) -> diesel::QueryResult<()> {
    let target = ik::table
        .filter(ik::principal.eq(&c.principal))
        .filter(ik::key.eq(&c.key));
    match stored {
        Some((status, headers, body)) => diesel::update(target)
            .set((
                ik::status.eq(Some(status as i32)),
                ik::headers.eq(Some(headers)),
                ik::body.eq(Some(body)),
                ik::completed_at.eq(Some(crate::time::now())),
            ))
            .execute(conn)
            .map(|_| ()),
        // Nothing happened: release the key so that a retry runs afresh.
        None => diesel::delete(target.filter(ik::effect_at.is_null()))
            .execute(conn)
            .map(|_| ()),
    }
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

fn valid_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= 255 && key.bytes().all(|b| (0x21..=0x7e).contains(&b))
}

fn problem(req: ServiceRequest, err: ApiError) -> ServiceResponse<BoxBody> {
    req.into_response(err.error_response())
}

/// Middleware: see the module documentation.
pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // Long: the Idempotency-Key protocol's cases (claim, replay, in flight, conflict, body limits)
    // read in order, as the module documentation lists them.
    if req.method() != Method::POST || !req.headers().contains_key(&HEADER) {
        return next.call(req).await;
    }
    let key = req
        .headers()
        .get(&HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .trim()
        .to_owned();
    if !valid_key(&key) {
        return Ok(problem(
            req,
            ApiError::bad_request(
                "invalid-header",
                "Idempotency-Key must be 1 to 255 visible ASCII characters",
            ),
        ));
    }
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next.call(req).await;
    };
    // Keys belong to a caller; a request without a valid token is refused by its handler anyway.
    let Some(principal) = principal_of(&req, &state) else {
        return next.call(req).await;
    };
    let body = match req.extract::<web::Bytes>().await {
        Ok(b) => b,
        Err(e) => return Err(e),
    };
    let mut hasher = Sha256::new();
    for part in [req.method().as_str(), req.path(), req.query_string()] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hasher.update(&body);
    let fingerprint = hex::encode(hasher.finalize());
    req.set_payload(actix_web::dev::Payload::from(body));

    let c = Claim { principal, key };
    let claimed = {
        let c = c.clone();
        db::run(&state.pool, move |conn| {
            crate::db::dialect::write_transaction(conn, |conn| claim(conn, &c, &fingerprint))
        })
        .await
    };
    match claimed {
        Err(e) => return Ok(problem(req, e)),
        Ok(Outcome::Replay {
            status,
            headers,
            body,
        }) => {
            let mut res =
                HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::OK));
            for (k, v) in headers {
                res.insert_header((k, v));
            }
            res.insert_header((REPLAYED.clone(), HeaderValue::from_static("true")));
            return Ok(req.into_response(res.body(body)));
        }
        Ok(Outcome::Claimed) => {}
    }

    let res = CLAIM.scope(c.clone(), next.call(req)).await?;
    let success = res.status().is_success();
    let (http_req, res) = res.into_parts();
    let (head, body) = res.into_parts();
    let bytes = to_bytes(body).await.unwrap_or_default();
    let stored = if success {
        let headers: Vec<(String, String)> = KEPT_HEADERS
            .iter()
            .filter_map(|h| {
                head.headers()
                    .get(*h)
                    .and_then(|v| v.to_str().ok())
                    .map(|v| (h.to_string(), v.to_owned()))
            })
            .collect();
        Some((
            head.status().as_u16(),
            serde_json::to_string(&headers).unwrap_or_default(),
            String::from_utf8_lossy(&bytes).into_owned(),
        ))
    } else {
        None
    };
    let recorded = db::run(&state.pool, move |conn| Ok(finish(conn, &c, stored)?)).await;
    if let Err(e) = recorded {
        tracing::error!(error = ?e, "could not record an idempotent answer");
    }
    let res = head.set_body(BoxBody::new(bytes));
    Ok(ServiceResponse::new(http_req, res))
}
