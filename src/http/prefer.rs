//! RFC 7240 `Prefer: return=minimal`: a client that sent many answers may not need them
//! echoed back.

use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};

/// The request asks for the minimal representation (`Prefer: return=minimal`, among other
/// preferences, in any case).
pub fn minimal(req: &HttpRequest) -> bool {
    req.headers()
        .get_all("prefer")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|p| p.split(';').next().unwrap_or("").trim())
        .any(|p| {
            p.split_once('=').is_some_and(|(k, v)| {
                k.trim().eq_ignore_ascii_case("return")
                    && v.trim().trim_matches('"').eq_ignore_ascii_case("minimal")
            })
        })
}

/// Tells the client its preference was applied.
pub fn applied_minimal(res: &mut HttpResponse) {
    res.headers_mut().insert(
        HeaderName::from_static("preference-applied"),
        HeaderValue::from_static("return=minimal"),
    );
}

#[cfg(test)]
mod tests {
    use super::minimal;
    use actix_web::test::TestRequest;

    #[test]
    fn reads_return_minimal_among_other_preferences() {
        let yes = [
            "return=minimal",
            "respond-async, return=minimal",
            "RETURN=\"minimal\"; foo=bar",
        ];
        for v in yes {
            let req = TestRequest::default()
                .insert_header(("Prefer", v))
                .to_http_request();
            assert!(minimal(&req), "{v}");
        }
        for v in ["return=representation", "minimal", "return-minimal", ""] {
            let req = TestRequest::default()
                .insert_header(("Prefer", v))
                .to_http_request();
            assert!(!minimal(&req), "{v}");
        }
        assert!(!minimal(&TestRequest::default().to_http_request()));
    }
}
