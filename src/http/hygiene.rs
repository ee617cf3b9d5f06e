//! Input hygiene, in one place for every route: control characters never reach a handler or
//! the database. PostgreSQL refuses a NUL in text (a 500 if it got that far) and SQLite would
//! store it; neither is what a client meant.
//!
//! - The path and the query string: any control character (`%00`–`%1F`, `%7F`) is a 400.
//! - Several `Authorization` headers: a 400 (which one a proxy or a client meant is not ours
//!   to guess, and the first must not silently win).
//! - JSON bodies: a string holding a control character other than tab, line feed and carriage
//!   return is a 422 naming every such field. JSON cannot carry a raw one, only its `\u00XX`
//!   escape, so the body is parsed only when such an escape is there.

use actix_web::body::BoxBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::middleware::Next;
use actix_web::{web, ResponseError};
use serde_json::Value;

use crate::error::{ApiError, FieldError};

/// Whether `raw` (percent-encoded) holds an encoded control character.
fn encoded_control(raw: &str) -> bool {
    let bytes = raw.as_bytes();
    bytes.iter().any(|b| *b < 0x20 || *b == 0x7f)
        || bytes.windows(3).any(|w| {
            w[0] == b'%'
                && std::str::from_utf8(&w[1..])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .is_some_and(|b| b < 0x20 || b == 0x7f)
        })
}

/// A control character a text may not hold (tab, line feed, carriage return may).
fn refused(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// Whether the raw JSON `body` may hold a refused character: an unescaped `\u00XX` escape of
/// one (`\u007f` and the C1 range are judged after parsing).
fn may_hold_control(body: &[u8]) -> bool {
    let mut i = 0;
    while i + 5 < body.len() {
        if body[i] == b'\\' {
            if body[i + 1] == b'u' && body[i + 2] == b'0' && body[i + 3] == b'0' {
                return true;
            }
            // `\\` and every other escape: skip the escaped character.
            i += 2;
            continue;
        }
        i += 1;
    }
    false
}

/// The fields of `value` (as `a.b[2].c` paths) whose strings hold a refused character.
fn fields_with_control(value: &Value, path: &str, found: &mut Vec<FieldError>) {
    match value {
        Value::String(s) if s.chars().any(refused) => found.push(FieldError::new(
            if path.is_empty() { "(body)" } else { path },
            "control_character",
            "control characters are not allowed (tab, line feed and carriage return are)",
        )),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                fields_with_control(item, &format!("{path}[{i}]"), found);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                let at = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                if key.chars().any(refused) {
                    found.push(FieldError::new(
                        at.clone(),
                        "control_character",
                        "control characters are not allowed in names",
                    ));
                }
                fields_with_control(item, &at, found);
            }
        }
        _ => {}
    }
}

fn is_json(req: &ServiceRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .is_some_and(|t| t == "application/json" || t.ends_with("+json"))
}

/// Middleware: see the module documentation.
pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if encoded_control(req.path()) || encoded_control(req.query_string()) {
        let err = ApiError::bad_request(
            "invalid-characters",
            "the path or the query string holds a control character",
        );
        return Ok(req.into_response(err.error_response()));
    }
    if req
        .headers()
        .get_all(header::AUTHORIZATION)
        .nth(1)
        .is_some()
    {
        let err = ApiError::bad_request(
            "invalid-header",
            "send one Authorization header, not several",
        );
        return Ok(req.into_response(err.error_response()));
    }
    let has_body = matches!(*req.method(), Method::POST | Method::PUT | Method::PATCH);
    if !has_body || !is_json(&req) {
        return next.call(req).await;
    }
    let body = match req.extract::<web::Bytes>().await {
        Ok(body) => body,
        Err(e) => {
            let err = if e.as_response_error().status_code().as_u16() == 413 {
                ApiError::PayloadTooLarge("the body is over the size limit".into())
            } else {
                ApiError::bad_request("invalid-body", "the body could not be read")
            };
            return Ok(req.into_response(err.error_response()));
        }
    };
    if may_hold_control(&body) {
        // A body that does not parse is left to the JSON extractor's own 400.
        if let Ok(value) = serde_json::from_slice::<Value>(&body) {
            let mut found = Vec::new();
            fields_with_control(&value, "", &mut found);
            if !found.is_empty() {
                return Ok(req.into_response(ApiError::validation(found).error_response()));
            }
        }
    }
    req.set_payload(actix_web::dev::Payload::from(body));
    next.call(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_controls_are_found_in_paths_and_queries() {
        for bad in ["/a%00b", "q=a%00b", "q=%1f", "q=%7F", "x=%0A", "x=%09"] {
            assert!(encoded_control(bad), "{bad}");
        }
        for good in [
            "/api/v1/countries/ARG",
            "q=caf%C3%A9",
            "q=%20%41",
            "q=100%25",
        ] {
            assert!(!encoded_control(good), "{good}");
        }
    }

    #[test]
    fn bodies_with_control_escapes_name_every_field() {
        assert!(!may_hold_control(br#"{"a":"tab\tand\nline"}"#));
        assert!(!may_hold_control(br#"{"a":"a literal \\u0000"}"#));
        assert!(may_hold_control(br#"{"a":"nul \u0000"}"#));
        let v: Value = serde_json::from_str(
            r#"{"title":{"en":"ok","es":"bad\u0000"},"items":[{"x":"\u0007"}],"note":"fine\ttab\r\n"}"#,
        )
        .unwrap();
        let mut found = Vec::new();
        fields_with_control(&v, "", &mut found);
        let fields: Vec<&str> = found.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["items[0].x", "title.es"]);
    }
}
