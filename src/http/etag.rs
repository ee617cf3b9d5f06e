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

/// One revisioned resource, as its ETags name it: `Entity("round", 7)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entity(pub &'static str, pub i64);

/// A strong ETag of one representation of `entity` at `revision`:
/// `"<revision>-<hash of the body><check>"`. The body's hash tells representations (languages)
/// apart; the check binds the tag to the resource and revision it was issued for, so that
/// `If-Match` can accept any tag this server issued for the current revision, whatever language
/// the client read, and nothing else: a tag of another revision, of another resource, or one a
/// client made up fails.
pub fn versioned(entity: Entity, revision: i32, body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    let hash = hex::encode(&digest[..8]);
    let check = tag_check(entity, revision, &hash);
    format!("\"{revision}-{hash}{check}\"")
}

fn tag_check(entity: Entity, revision: i32, hash: &str) -> String {
    let Entity(kind, id) = entity;
    let digest = Sha256::digest(format!("{kind}/{id}/{revision}/{hash}").as_bytes());
    hex::encode(&digest[..4])
}

/// The revision a tag was issued for, when it is exactly a tag [`versioned`] made for `entity`
/// (RFC 9110 strong comparison: no weak tags, the whole tag checked).
fn revision_of(entity: Entity, tag: &str) -> Option<i32> {
    let inner = tag.trim().strip_prefix('"')?.strip_suffix('"')?;
    let (revision, rest) = inner.split_once('-')?;
    let revision: i32 = revision.parse().ok()?;
    if rest.len() != 24 || !rest.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let (hash, check) = rest.split_at(16);
    (tag_check(entity, revision, hash) == check
        && revision.to_string() == inner[..inner.len() - 25])
        .then_some(revision)
}

/// `If-Match` against `entity` at `revision`: absent, `*` or a tag of this revision passes;
/// anything else is a 412.
pub fn check_revision(if_match: Option<&str>, entity: Entity, revision: i32) -> ApiResult<()> {
    match expected_revision(if_match, entity)? {
        None => Ok(()),
        Some(r) if r == revision => Ok(()),
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
    entity: Entity,
    revision: i32,
    value: &T,
    content_language: Option<String>,
) -> ApiResult<HttpResponse> {
    respond(req, value, content_language, |body| {
        versioned(entity, revision, body)
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

/// The revision an `If-Match` names (`None` without the header or with `*`); a value that is
/// no tag of `entity` can never match, so it is a 412 at once.
pub fn expected_revision(if_match: Option<&str>, entity: Entity) -> ApiResult<Option<i32>> {
    match if_match {
        None => Ok(None),
        Some(v) if v.trim() == "*" => Ok(None),
        Some(v) => v
            .split(',')
            .find_map(|t| revision_of(entity, t))
            .map(Some)
            .ok_or_else(|| {
                ApiError::PreconditionFailed(
                    "If-Match names no revision of this resource: send the ETag you read".into(),
                )
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_takes_exactly_the_tags_issued_for_the_current_revision() {
        let round = Entity("round", 7);
        let es = versioned(round, 6, b"{\"title\":\"Ronda\"}");
        let en = versioned(round, 6, b"{\"title\":\"Round\"}");
        assert_ne!(es, en, "representations have their own tags");
        for tag in [&es, &en] {
            assert!(check_revision(Some(tag), round, 6).is_ok(), "{tag}");
            assert!(check_revision(Some(&format!("\"x\", {tag}")), round, 6).is_ok());
        }
        assert!(check_revision(None, round, 6).is_ok());
        assert!(check_revision(Some("*"), round, 6).is_ok());
        let refused = [
            "\"6-zz\"".to_owned(),
            "\"6\"".to_owned(),
            es.replace("6-", "5-"),
            format!("W/{es}"),
            es.trim_matches('"').to_owned(),
            {
                let mut b = es.clone().into_bytes();
                b[3] = if b[3] == b'0' { b'1' } else { b'0' };
                String::from_utf8(b).unwrap()
            },
            versioned(Entity("round", 8), 6, b"{}"),
            versioned(Entity("report", 7), 6, b"{}"),
            format!("\"06{}", &es[2..]),
        ];
        for tag in &refused {
            assert!(
                matches!(
                    check_revision(Some(tag), round, 6),
                    Err(ApiError::PreconditionFailed(_))
                ),
                "{tag} must not pass"
            );
        }
        assert!(check_revision(Some(&versioned(round, 5, b"{}")), round, 6).is_err());
    }
}
