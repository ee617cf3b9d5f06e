//! Entity tags: strong ETags on single resources, `If-None-Match` → 304.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{ApiError, ApiResult};

/// A strong ETag over the exact bytes of a representation.
pub fn of_bytes(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    format!("\"{}\"", hex::encode(&digest[..16]))
}

fn tags(value: &str) -> impl Iterator<Item = &str> {
    value
        .split(',')
        .map(|t| t.trim())
        .map(|t| t.strip_prefix("W/").unwrap_or(t))
}

/// Whether `If-None-Match` matches `etag` (weak comparison, as RFC 9110 §13.1.2 says).
pub fn none_match_hits(req: &HttpRequest, etag: &str) -> bool {
    req.headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.trim() == "*" || tags(v).any(|t| t == etag))
}

/// A 200 JSON answer for one resource with its strong ETag, or a 304 when the client's
/// copy is current. `content_language` is set when the body holds text people read.
pub fn single_json<T: Serialize>(
    req: &HttpRequest,
    value: &T,
    content_language: Option<String>,
) -> ApiResult<HttpResponse> {
    respond(req, value, content_language, of_bytes)
}

/// The strong ETag of a representation as `single_json` would send it.
pub fn of_json<T: Serialize>(value: &T) -> String {
    of_bytes(&serde_json::to_vec(value).unwrap_or_default())
}

/// The `If-Match` values sent, for handlers that must check inside a transaction.
pub fn if_match_values(req: &HttpRequest) -> Option<String> {
    let joined = req
        .headers()
        .get_all(header::IF_MATCH)
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(", ");
    (!joined.is_empty()).then_some(joined)
}

/// `If-Match` (strong comparison) against `current`, for a value captured with
/// [`if_match_values`]: absent, `*` or matching passes; anything else is a 412.
pub fn matches(if_match: Option<&str>, current: &str) -> ApiResult<()> {
    match if_match {
        None => Ok(()),
        Some(v) if v.trim() == "*" => Ok(()),
        Some(v) if v.split(',').map(str::trim).any(|t| !t.starts_with("W/") && t == current) => Ok(()),
        Some(_) => Err(ApiError::PreconditionFailed(
            "the resource changed since you read it (If-Match does not match its ETag); read it again".into(),
        )),
    }
}

/// A strong ETag that also names the resource's revision: `"<revision>-<hash>"`. The hash
/// tells representations (languages) apart; `If-Match` compares the revision only, so a
/// client may write whatever language it read in.
pub fn versioned(revision: i32, body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    format!("\"{revision}-{}\"", hex::encode(&digest[..8]))
}

fn revision_of(tag: &str) -> Option<i32> {
    tag.trim()
        .strip_prefix('"')?
        .split('-')
        .next()?
        .parse()
        .ok()
}

/// `If-Match` against a revision: absent or `*` or a tag of this revision passes; else 412.
pub fn check_revision(if_match: Option<&str>, revision: i32) -> ApiResult<()> {
    match if_match {
        None => Ok(()),
        Some(v) if v.trim() == "*" => Ok(()),
        Some(v) if v.split(',').filter_map(revision_of).any(|r| r == revision) => Ok(()),
        Some(_) => Err(ApiError::PreconditionFailed(format!(
            "the resource is at revision {revision}; your If-Match is stale: read it again"
        ))),
    }
}

/// For whole-document replacements: `If-Match` is mandatory (428 without).
pub fn required_if_match(req: &HttpRequest) -> ApiResult<String> {
    if_match_values(req).ok_or_else(|| {
        ApiError::PreconditionRequired(
            "send If-Match with the ETag you read: a whole-document write without it could \
             overwrite someone else's changes"
                .into(),
        )
    })
}

/// A 200 JSON answer for a revisioned resource, or 304 when `If-None-Match` matches.
pub fn versioned_json<T: Serialize>(
    req: &HttpRequest,
    revision: i32,
    value: &T,
    content_language: Option<String>,
) -> ApiResult<HttpResponse> {
    respond(req, value, content_language, |body| {
        versioned(revision, body)
    })
}

fn respond<T: Serialize>(
    req: &HttpRequest,
    value: &T,
    content_language: Option<String>,
    tag: impl Fn(&[u8]) -> String,
) -> ApiResult<HttpResponse> {
    let body = serde_json::to_vec(value)
        .map_err(|e| ApiError::internal(format!("serialising a response: {e}")))?;
    let etag = tag(&body);
    tagged_json(req, &etag, content_language.as_deref(), || Ok(body))
}

/// A JSON representation already serialised with its ETag: 200, or 304 when `If-None-Match`
/// matches, in which case `body` is never called.
pub fn tagged_json(
    req: &HttpRequest,
    etag: &str,
    content_language: Option<&str>,
    body: impl FnOnce() -> ApiResult<Vec<u8>>,
) -> ApiResult<HttpResponse> {
    let status = if none_match_hits(req, etag) {
        StatusCode::NOT_MODIFIED
    } else {
        StatusCode::OK
    };
    let mut res = HttpResponse::build(status);
    res.insert_header((header::ETAG, etag));
    res.insert_header((header::VARY, HeaderValue::from_static("Accept-Language")));
    if let Some(lang) = content_language {
        res.insert_header((header::CONTENT_LANGUAGE, lang));
    }
    if status == StatusCode::NOT_MODIFIED {
        return Ok(res.finish());
    }
    Ok(res.content_type("application/json").body(body()?))
}

/// The revision an `If-Match` names (`None` without the header or with `*`); a tag that names
/// no revision can never match, so it is a 412 at once.
pub fn expected_revision(if_match: Option<&str>) -> ApiResult<Option<i32>> {
    match if_match {
        None => Ok(None),
        Some(v) if v.trim() == "*" => Ok(None),
        Some(v) => v.split(',').find_map(revision_of).map(Some).ok_or_else(|| {
            ApiError::PreconditionFailed("If-Match names no revision of this resource".into())
        }),
    }
}
