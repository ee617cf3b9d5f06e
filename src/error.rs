//! One error type for the whole API, rendered as RFC 9457 `application/problem+json`.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::request_id;

/// Base of every problem `type` URI.
pub const PROBLEM_BASE: &str = "https://mecigep.oas.org/problems/";
pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// One problem with one field of the input.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct FieldError {
    /// Where the problem is: a JSON field path, a query parameter or a question code.
    #[schema(example = "limit")]
    pub field: String,
    /// Stable machine-readable code of the problem.
    #[schema(example = "range")]
    pub code: String,
    /// What is wrong, for people.
    #[schema(example = "must be between 1 and 500")]
    pub message: String,
}

impl FieldError {
    pub fn new(
        field: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            code: code.into(),
            message: message.into(),
        }
    }
}

/// An RFC 9457 problem document: every error of this API has this shape.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// Stable URI naming the kind of problem.
    #[serde(rename = "type")]
    #[schema(example = "https://mecigep.oas.org/problems/not-found")]
    pub type_uri: String,
    /// Short summary of the kind of problem.
    #[schema(example = "Not Found")]
    pub title: String,
    /// The HTTP status code.
    #[schema(example = 404)]
    pub status: u16,
    /// What went wrong in this occurrence.
    #[schema(example = "no country with code 'XYZ'")]
    pub detail: String,
    /// The request path this occurrence is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "/api/v1/countries/XYZ")]
    pub instance: Option<String>,
    /// The request id (also in the `X-Request-Id` header), to quote when reporting a problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Every problem with the input at once (validation problems only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Extension members particular to a kind of problem; the spec lists them as optional
    /// properties of `Problem` (`openapi::problem_extensions`).
    #[serde(flatten)]
    #[schema(ignore)]
    pub extensions: Map<String, Value>,
}

/// Every way a request can fail.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Malformed request: bad JSON syntax, bad query string, bad header.
    #[error("{detail}")]
    BadRequest {
        slug: &'static str,
        detail: String,
        errors: Vec<FieldError>,
    },
    /// Well-formed but invalid input; lists every problem at once.
    #[error("validation failed")]
    Validation {
        detail: String,
        errors: Vec<FieldError>,
    },
    /// A credential was sent and is not valid.
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// No credential was sent where one is needed.
    #[error("authentication required: {0}")]
    AuthRequired(String),
    /// An OAuth2 token endpoint error (RFC 6749 §5.2); `error` is the OAuth2 code.
    #[error("oauth error {error}: {detail}")]
    OAuth {
        status: u16,
        error: &'static str,
        detail: String,
    },
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("method not allowed")]
    MethodNotAllowed { allow: Vec<String> },
    #[error("not acceptable: {0}")]
    NotAcceptable(String),
    /// State conflict; `slug` names the kind (e.g. `invalid-transition`).
    #[error("conflict: {detail}")]
    Conflict {
        slug: &'static str,
        detail: String,
        extensions: Map<String, Value>,
    },
    #[error("precondition failed")]
    PreconditionFailed(String),
    /// What the request points at existed and is gone for good (an expired feed cursor);
    /// `extensions` say how to start again.
    #[error("gone: {detail}")]
    Gone {
        slug: &'static str,
        detail: String,
        extensions: Map<String, Value>,
    },
    #[error("payload too large")]
    PayloadTooLarge(String),
    #[error("unsupported media type")]
    UnsupportedMediaType(String),
    /// A `Range` outside the file of `size` bytes.
    #[error("range not satisfiable")]
    RangeNotSatisfiable { size: u64 },
    #[error("precondition required")]
    PreconditionRequired(String),
    #[error("too many requests")]
    TooManyRequests {
        detail: String,
        retry_after_secs: u64,
    },
    /// The storage is full: nothing was written. The text is the cause, for the log only.
    #[error("insufficient storage: {0}")]
    InsufficientStorage(String),
    /// The database cannot be reached or cannot write now; the text is the cause, for the log
    /// only.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// Anything unexpected: logged in full, answered as a bare 500.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn bad_request(slug: &'static str, detail: impl Into<String>) -> Self {
        ApiError::BadRequest {
            slug,
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    pub fn invalid_query(errors: Vec<FieldError>) -> Self {
        ApiError::BadRequest {
            slug: "invalid-query",
            detail: "the query string is invalid".into(),
            errors,
        }
    }

    pub fn validation(errors: Vec<FieldError>) -> Self {
        ApiError::Validation {
            detail: format!("{} problem(s) with the input", errors.len()),
            errors,
        }
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        ApiError::NotFound(detail.into())
    }

    pub fn internal(detail: impl Into<String>) -> Self {
        ApiError::Internal(detail.into())
    }

    fn slug_and_title(&self) -> (&'static str, &'static str) {
        match self {
            ApiError::BadRequest { slug, .. } => (slug, "Bad Request"),
            ApiError::Validation { .. } => ("validation", "Validation Failed"),
            ApiError::Unauthorized(_) => ("unauthorized", "Unauthorized"),
            ApiError::AuthRequired(_) => ("authentication-required", "Unauthorized"),
            ApiError::OAuth { error, .. } => (
                match *error {
                    "invalid_client" => "invalid-client",
                    "unsupported_grant_type" => "unsupported-grant-type",
                    _ => "invalid-request",
                },
                "OAuth2 Error",
            ),
            ApiError::Forbidden(_) => ("forbidden", "Forbidden"),
            ApiError::NotFound(_) => ("not-found", "Not Found"),
            ApiError::MethodNotAllowed { .. } => ("method-not-allowed", "Method Not Allowed"),
            ApiError::NotAcceptable(_) => ("not-acceptable", "Not Acceptable"),
            ApiError::Conflict { slug, .. } => (slug, "Conflict"),
            ApiError::PreconditionFailed(_) => ("precondition-failed", "Precondition Failed"),
            ApiError::Gone { slug, .. } => (slug, "Gone"),
            ApiError::PayloadTooLarge(_) => ("payload-too-large", "Payload Too Large"),
            ApiError::UnsupportedMediaType(_) => {
                ("unsupported-media-type", "Unsupported Media Type")
            }
            ApiError::PreconditionRequired(_) => ("precondition-required", "Precondition Required"),
            ApiError::RangeNotSatisfiable { .. } => {
                ("range-not-satisfiable", "Range Not Satisfiable")
            }
            ApiError::TooManyRequests { .. } => ("too-many-requests", "Too Many Requests"),
            ApiError::InsufficientStorage(_) => ("insufficient-storage", "Insufficient Storage"),
            ApiError::Unavailable(_) => ("unavailable", "Service Unavailable"),
            ApiError::Internal(_) => ("internal", "Internal Server Error"),
        }
    }

    /// The problem document for this error, as it goes on the wire.
    pub fn to_problem(&self) -> Problem {
        let (slug, title) = self.slug_and_title();
        let (detail, errors, extensions) = match self {
            ApiError::BadRequest { detail, errors, .. } => {
                (detail.clone(), errors.clone(), Map::new())
            }
            ApiError::Validation { detail, errors } => (detail.clone(), errors.clone(), Map::new()),
            ApiError::Conflict {
                detail, extensions, ..
            }
            | ApiError::Gone {
                detail, extensions, ..
            } => (detail.clone(), Vec::new(), extensions.clone()),
            ApiError::OAuth { error, detail, .. } => {
                let mut ext = Map::new();
                ext.insert("error".into(), Value::from(*error));
                ext.insert("error_description".into(), Value::from(detail.clone()));
                (detail.clone(), Vec::new(), ext)
            }
            ApiError::MethodNotAllowed { allow } => (
                format!("this resource allows {}", allow.join(", ")),
                Vec::new(),
                Map::new(),
            ),
            ApiError::RangeNotSatisfiable { size } => (
                format!("the file has {size} bytes; ask for a range within them"),
                Vec::new(),
                Map::new(),
            ),
            ApiError::TooManyRequests {
                detail,
                retry_after_secs,
            } => {
                let mut ext = Map::new();
                ext.insert("retry_after".into(), Value::from(*retry_after_secs));
                (detail.clone(), Vec::new(), ext)
            }
            // Never leak internals: the cause is in the server log under the request id.
            ApiError::Internal(_) => (
                "an unexpected error occurred; quote the request id when reporting it".into(),
                Vec::new(),
                Map::new(),
            ),
            ApiError::Unauthorized(d)
            | ApiError::AuthRequired(d)
            | ApiError::Forbidden(d)
            | ApiError::NotFound(d)
            | ApiError::NotAcceptable(d)
            | ApiError::PreconditionFailed(d)
            | ApiError::PayloadTooLarge(d)
            | ApiError::UnsupportedMediaType(d)
            | ApiError::PreconditionRequired(d) => (d.clone(), Vec::new(), Map::new()),
            // The cause may name hosts or ports: it goes to the log, not to the client.
            ApiError::InsufficientStorage(_) => (
                "the server's storage is full: nothing was written; retry once the operators have \
                 made room"
                    .into(),
                Vec::new(),
                Map::new(),
            ),
            ApiError::Unavailable(_) => (
                "the database is unavailable; retry in a few seconds".into(),
                Vec::new(),
                Map::new(),
            ),
        };
        let ctx = request_id::current();
        Problem {
            type_uri: format!("{PROBLEM_BASE}{slug}"),
            title: title.into(),
            status: self.status_code().as_u16(),
            detail,
            instance: ctx.as_ref().map(|c| c.path.clone()),
            request_id: ctx.map(|c| c.id),
            errors,
            extensions,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unauthorized(_) | ApiError::AuthRequired(_) => StatusCode::UNAUTHORIZED,
            ApiError::OAuth { status, .. } => {
                StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_REQUEST)
            }
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            ApiError::Gone { .. } => StatusCode::GONE,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::PreconditionRequired(_) => StatusCode::PRECONDITION_REQUIRED,
            ApiError::RangeNotSatisfiable { .. } => StatusCode::RANGE_NOT_SATISFIABLE,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::InsufficientStorage(_) => StatusCode::INSUFFICIENT_STORAGE,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let problem = self.to_problem();
        let body = serde_json::to_vec(&problem).unwrap_or_else(|_| b"{}".to_vec());
        let mut res = HttpResponse::build(self.status_code());
        res.insert_header((header::CONTENT_TYPE, PROBLEM_CONTENT_TYPE));
        match self {
            ApiError::MethodNotAllowed { allow } => {
                res.insert_header((header::ALLOW, allow.join(", ")));
            }
            ApiError::Unauthorized(_) => {
                res.insert_header((
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"mecigep\", error=\"invalid_token\""),
                ));
            }
            ApiError::AuthRequired(_) => {
                res.insert_header((
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"mecigep\""),
                ));
            }
            ApiError::OAuth {
                error: "invalid_client",
                ..
            } => {
                res.insert_header((
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Basic realm=\"mecigep\""),
                ));
                res.insert_header((header::CACHE_CONTROL, "no-store"));
            }
            ApiError::TooManyRequests {
                retry_after_secs, ..
            } => {
                res.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            ApiError::Unavailable(_) => {
                res.insert_header((header::RETRY_AFTER, "5"));
            }
            ApiError::RangeNotSatisfiable { size } => {
                res.insert_header((header::CONTENT_RANGE, format!("bytes */{size}")));
            }
            // A conflict that names the resource in the way also points at it.
            ApiError::Conflict {
                slug, extensions, ..
            } => {
                // Another request with the same Idempotency-Key is still running.
                if *slug == "idempotency-in-flight" {
                    res.insert_header((header::RETRY_AFTER, "1"));
                }
                if let Some(location) = extensions.get("location").and_then(|l| l.as_str()) {
                    if let Ok(value) = HeaderValue::from_str(location) {
                        res.insert_header((header::LOCATION, value));
                    }
                }
            }
            _ => {}
        }
        res.body(body)
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as K, Error as E};
        match e {
            E::NotFound => ApiError::not_found("the resource does not exist"),
            E::DatabaseError(K::ClosedConnection | K::UnableToSendCommand, info) => {
                ApiError::Unavailable(format!(
                    "the database connection failed: {}",
                    info.message()
                ))
            }
            // A write lost a race with a concurrent one: nothing was half written. The write
            // paths run the transaction again first (`db::run_tx`), so a client sees these only
            // when the race repeats.
            E::DatabaseError(K::SerializationFailure, _) => ApiError::Conflict {
                slug: RACE_SLUGS[0],
                detail: "a concurrent change got there first; retry the request".into(),
                extensions: Map::new(),
            },
            E::DatabaseError(K::UniqueViolation, info) => ApiError::Conflict {
                slug: RACE_SLUGS[1],
                detail: format!(
                    "a concurrent request created the same thing first{}",
                    info.constraint_name()
                        .map(|c| format!(" ({c})"))
                        .unwrap_or_default()
                ),
                extensions: Map::new(),
            },
            E::DatabaseError(_, info) if storage_full(info.message()) => {
                ApiError::InsufficientStorage(info.message().to_owned())
            }
            E::DatabaseError(_, info) if storage_unavailable(info.message()) => {
                ApiError::Unavailable(format!("the database cannot write: {}", info.message()))
            }
            other => ApiError::Internal(format!("database error: {other}")),
        }
    }
}

/// Conflicts that come of a race between concurrent writes, which running the transaction
/// again resolves: a serialization failure, a unique key taken meanwhile.
pub const RACE_SLUGS: [&str; 2] = ["concurrent-update", "already-exists"];

impl ApiError {
    /// Whether running the transaction again may succeed or answer as a sequential request.
    pub fn is_race(&self) -> bool {
        matches!(self, ApiError::Conflict { slug, .. } if RACE_SLUGS.contains(slug))
    }

    /// Whether the database failed to store or reach (507, 503): what the readiness probe
    /// watches.
    pub fn is_storage_fault(&self) -> bool {
        matches!(
            self,
            ApiError::InsufficientStorage(_) | ApiError::Unavailable(_)
        )
    }
}

/// The backends' words for a full disk (SQLite's `SQLITE_FULL`; PostgreSQL's `ENOSPC` and
/// `disk_full`).
fn storage_full(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("database or disk is full")
        || m.contains("no space left on device")
        || m.contains("disk full")
}

/// The backends' words for a database that cannot write now but may soon: an I/O error, a
/// read-only file or server, SQLite busy after its timeout, a server shutting down, restarting
/// or in recovery, a connection lost mid-statement, a lock wait given up.
fn storage_unavailable(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    [
        "disk i/o error",
        "readonly database",
        "read-only transaction",
        "database is locked",
        "database table is locked",
        "unable to open database file",
        "could not write",
        "could not read",
        "terminating connection",
        "closed the connection unexpectedly",
        "connection has been closed",
        "no connection to the server",
        "could not receive data",
        "connection reset",
        "broken pipe",
        "the database system is",
        "lock timeout",
        "out of memory",
    ]
    .iter()
    .any(|needle| m.contains(needle))
}

impl From<diesel::r2d2::PoolError> for ApiError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        ApiError::Unavailable(format!("no database connection could be had: {e}"))
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(_: actix_web::error::BlockingError) -> Self {
        ApiError::Internal("the blocking task was cancelled".into())
    }
}

/// Result of every handler and store function that can fail in an API-visible way.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// 409 for a lifecycle action the current status does not allow, listing those it does.
    pub fn invalid_transition(status: &str, action: &str, allowed: &[&str]) -> ApiError {
        let mut ext = Map::new();
        ext.insert("current_status".into(), Value::from(status));
        ext.insert("allowed".into(), Value::from(allowed.to_vec()));
        ApiError::Conflict {
            slug: "invalid-transition",
            detail: if allowed.is_empty() {
                format!("cannot {action} from '{status}': nothing more can happen from there")
            } else {
                format!(
                    "cannot {action} from '{status}'; allowed: {}",
                    allowed.join(", ")
                )
            },
            extensions: ext,
        }
    }

    /// 409 with a stable slug and a list of reasons.
    pub fn conflict(
        slug: &'static str,
        detail: impl Into<String>,
        reasons: Vec<String>,
    ) -> ApiError {
        let mut ext = Map::new();
        if !reasons.is_empty() {
            ext.insert("reasons".into(), Value::from(reasons));
        }
        ApiError::Conflict {
            slug,
            detail: detail.into(),
            extensions: ext,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::result::{DatabaseErrorKind as K, Error as E};

    fn from(kind: K, message: &str) -> ApiError {
        E::DatabaseError(kind, Box::new(message.to_owned())).into()
    }

    #[test]
    fn storage_faults_answer_what_they_are() {
        for full in [
            "database or disk is full",
            "could not extend file \"base/16384/2619\": No space left on device",
        ] {
            let e = from(K::Unknown, full);
            assert_eq!(e.status_code(), StatusCode::INSUFFICIENT_STORAGE, "{full}");
            assert!(e.is_storage_fault());
        }
        for passing in [
            "disk I/O error",
            "attempt to write a readonly database",
            "database is locked",
            "cannot execute INSERT in a read-only transaction",
            "terminating connection due to administrator command",
            "server closed the connection unexpectedly",
            "canceling statement due to lock timeout",
        ] {
            let e = from(K::Unknown, passing);
            assert_eq!(
                e.status_code(),
                StatusCode::SERVICE_UNAVAILABLE,
                "{passing}"
            );
            assert!(e
                .error_response()
                .headers()
                .contains_key(header::RETRY_AFTER));
            assert!(
                !e.to_problem().detail.contains(passing),
                "the cause stays in the log"
            );
        }
        let other = from(K::Unknown, "syntax error at or near \"SELEC\"");
        assert_eq!(other.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!other.is_storage_fault());
    }

    #[test]
    fn races_are_conflicts_that_run_again() {
        assert!(from(K::UniqueViolation, "duplicate key").is_race());
        assert!(from(K::SerializationFailure, "could not serialize").is_race());
        assert!(!ApiError::conflict("email-taken", "taken", vec![]).is_race());
        assert_eq!(
            from(K::UniqueViolation, "duplicate key").status_code(),
            StatusCode::CONFLICT
        );
    }
}
