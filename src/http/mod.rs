//! HTTP concerns shared by every resource: request ids, language, ETags, pagination, and
//! the problem+json answers for actix's own extractor failures and unknown routes.

pub mod body;
pub mod etag;
pub mod hygiene;
pub mod lang;
pub mod pagination;
pub mod prefer;
pub mod rate_limit;
pub mod validate;

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::Method;
use actix_web::{web, HttpRequest};

use crate::error::{ApiError, FieldError};

/// Largest JSON body accepted by default (1 MiB).
pub const DEFAULT_JSON_LIMIT: usize = 1024 * 1024;

/// JSON bodies: size limit, and every failure as problem+json.
pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .error_handler(|err, _req| json_error(err).into())
}

fn json_error(err: JsonPayloadError) -> ApiError {
    match err {
        JsonPayloadError::OverflowKnownLength { length, limit } => {
            ApiError::PayloadTooLarge(format!("the body has {length} bytes; the limit is {limit}"))
        }
        JsonPayloadError::Overflow { limit } => {
            ApiError::PayloadTooLarge(format!("the body is over the limit of {limit} bytes"))
        }
        JsonPayloadError::ContentType => {
            ApiError::UnsupportedMediaType("send the body as application/json".into())
        }
        JsonPayloadError::Deserialize(e) if e.is_data() => {
            ApiError::validation(vec![FieldError::new(
                data_error_field(&e.to_string()),
                "invalid",
                e.to_string(),
            )])
        }
        JsonPayloadError::Deserialize(e) => {
            ApiError::bad_request("malformed-json", format!("the body is not valid JSON: {e}"))
        }
        other => ApiError::bad_request(
            "malformed-body",
            format!("the body could not be read: {other}"),
        ),
    }
}

/// serde names the offending field in its message (`unknown field `x``, `missing field `y``).
fn data_error_field(message: &str) -> String {
    message
        .split('`')
        .nth(1)
        .filter(|_| message.contains("field"))
        .unwrap_or("body")
        .to_owned()
}

/// Query strings: every failure as a 400 problem naming the parameter when serde does.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req| {
        let message = match &err {
            QueryPayloadError::Deserialize(e) => e.to_string(),
            other => other.to_string(),
        };
        ApiError::invalid_query(vec![FieldError::new(
            data_error_field(&message).replace("body", "query"),
            "invalid",
            message,
        )])
        .into()
    })
}

/// Path segments that do not parse (e.g. a non-numeric id) are unknown resources.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err: PathError, _req| {
        ApiError::not_found(format!("no such resource: {err}")).into()
    })
}

/// The methods every route allows, taken from the OpenAPI document, to tell a 405 from a 404.
#[derive(Debug, Default)]
pub struct RouteTable {
    routes: Vec<(actix_web::dev::ResourceDef, Vec<Method>)>,
}

impl RouteTable {
    pub fn from_openapi(api: &utoipa::openapi::OpenApi) -> Self {
        let mut routes = Vec::new();
        for (path, item) in &api.paths.paths {
            let mut methods: Vec<Method> = Vec::new();
            let ops = [
                (Method::GET, item.get.is_some()),
                (Method::POST, item.post.is_some()),
                (Method::PUT, item.put.is_some()),
                (Method::PATCH, item.patch.is_some()),
                (Method::DELETE, item.delete.is_some()),
            ];
            for (m, present) in ops {
                if present {
                    // Every GET answers HEAD too (`head_as_get`).
                    if m == Method::GET {
                        methods.push(Method::HEAD);
                    }
                    methods.push(m);
                }
            }
            routes.push((actix_web::dev::ResourceDef::new(path.as_str()), methods));
        }
        RouteTable { routes }
    }

    /// The methods allowed on `path`, or `None` when no route has that path.
    pub fn allowed(&self, path: &str) -> Option<Vec<String>> {
        let mut allowed: Vec<String> = Vec::new();
        for (def, methods) in &self.routes {
            if def.is_match(path) {
                for m in methods {
                    let name = m.to_string();
                    if !allowed.contains(&name) {
                        allowed.push(name);
                    }
                }
            }
        }
        (!allowed.is_empty()).then_some(allowed)
    }
}

/// What answers when no route matched: 405 with `Allow` for a known path, else 404.
pub async fn fallback(
    req: HttpRequest,
    table: web::Data<RouteTable>,
) -> Result<actix_web::HttpResponse, ApiError> {
    Err(match table.allowed(req.path()) {
        Some(allow) => ApiError::MethodNotAllowed { allow },
        None => ApiError::not_found(format!("no route for {} {}", req.method(), req.path())),
    })
}

/// Middleware: `HEAD` on any `GET` route answers as that `GET` would, headers and
/// `Content-Length` included, without the body (RFC 9110 §9.3.2).
pub async fn head_as_get(
    mut req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<actix_web::body::BoxBody>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    use actix_web::body::{BoxBody, MessageBody};
    if req.method() != Method::HEAD {
        return next.call(req).await;
    }
    req.head_mut().method = Method::GET;
    let res = next.call(req).await?;
    // The body is dropped unread; its size stays, for `Content-Length`.
    Ok(res.map_body(|_, body| BoxBody::new(Omitted(body.size()))))
}

/// A body that was not sent: it has the size of the one it stands for, and no bytes.
struct Omitted(actix_web::body::BodySize);

impl actix_web::body::MessageBody for Omitted {
    type Error = std::convert::Infallible;

    fn size(&self) -> actix_web::body::BodySize {
        self.0
    }

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<web::Bytes, Self::Error>>> {
        std::task::Poll::Ready(None)
    }
}

/// The largest request body accepted, in bytes (`--json-limit`), as app data.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// Middleware: refuses a body whose declared length is over the JSON limit before any
/// handler reads it (bodies without a length are capped by the extractors).
pub async fn reject_oversize(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<actix_web::body::BoxBody>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    // Uploads stream to their own limit (checked again as they stream).
    if req.path() == crate::files::UPLOAD_PATH {
        return next.call(req).await;
    }
    let limit = req
        .app_data::<BodyLimit>()
        .map_or(DEFAULT_JSON_LIMIT, |l| l.0);
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if let Some(length) = declared.filter(|l| *l > limit as u64) {
        let err =
            ApiError::PayloadTooLarge(format!("the body has {length} bytes; the limit is {limit}"));
        return Ok(req.into_response(actix_web::ResponseError::error_response(&err)));
    }
    next.call(req).await
}

/// Turns a representation into the answer to a creation: `201 Created` with its `Location`.
pub fn created(
    mut res: actix_web::HttpResponse,
    location: &str,
) -> Result<actix_web::HttpResponse, ApiError> {
    *res.status_mut() = actix_web::http::StatusCode::CREATED;
    let value = actix_web::http::header::HeaderValue::from_str(location)
        .map_err(|e| ApiError::internal(format!("location header: {e}")))?;
    res.headers_mut()
        .insert(actix_web::http::header::LOCATION, value);
    Ok(res)
}

/// Middleware, outside CORS: every error answer is problem+json, also those made by the
/// framework and the libraries it hosts (a refused CORS preflight, a missing `/docs/` asset, a
/// streamed body over the limit) which answer in plain text or with no body at all.
pub async fn problem_bodies<B: actix_web::body::MessageBody + 'static>(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<B>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    use actix_web::ResponseError;
    let res = match next.call(req).await {
        Ok(res) => res.map_into_boxed_body(),
        Err(err) => {
            let status = err.as_response_error().status_code();
            return Err(as_problem(status, &err.to_string()).map_or(err, actix_web::Error::from));
        }
    };
    let status = res.status();
    let is_problem = res
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .is_some_and(|v| {
            v.as_bytes()
                .starts_with(crate::error::PROBLEM_CONTENT_TYPE.as_bytes())
        });
    if status.as_u16() < 400 || is_problem {
        return Ok(res);
    }
    let Some(problem) = as_problem(status, status.canonical_reason().unwrap_or("error")) else {
        return Ok(res);
    };
    let (req, old) = res.into_parts();
    let mut answer = problem.error_response();
    for (name, value) in old.headers() {
        if name != actix_web::http::header::CONTENT_TYPE
            && name != actix_web::http::header::CONTENT_LENGTH
        {
            answer.headers_mut().append(name.clone(), value.clone());
        }
    }
    Ok(actix_web::dev::ServiceResponse::new(req, answer))
}

/// The problem for an answer of `status` made outside our handlers, when we have a kind of
/// problem for it.
fn as_problem(status: actix_web::http::StatusCode, detail: &str) -> Option<ApiError> {
    let detail = detail.to_owned();
    Some(match status.as_u16() {
        400 => ApiError::bad_request("bad-request", detail),
        401 => ApiError::Unauthorized(detail),
        403 => ApiError::Forbidden(detail),
        404 => ApiError::not_found(detail),
        406 => ApiError::NotAcceptable(detail),
        413 => ApiError::PayloadTooLarge(detail),
        415 => ApiError::UnsupportedMediaType(detail),
        500 => ApiError::internal(detail),
        _ => return None,
    })
}

/// Whether answers carry `Strict-Transport-Security` (app data, from `MECIGEP_HSTS`).
#[derive(Debug, Clone, Copy)]
pub struct Hsts(pub bool);

/// The documentation page's policy: its own scripts and styles (Swagger UI inlines some
/// styles and its start script), its own API, images from itself or data URLs; never framed.
const DOCS_CSP: &str = "default-src 'self'; script-src 'self' 'unsafe-inline'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
    frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// Middleware: the security headers of every answer. `nosniff` and `no-referrer` always; no
/// caching of anything answered to a signed-in caller or of any error (shared caches must not
/// keep what one person may read); `/docs/` may not be framed; HSTS when configured.
pub async fn security_headers<B: actix_web::body::MessageBody + 'static>(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<B>,
) -> Result<actix_web::dev::ServiceResponse<B>, actix_web::Error> {
    use actix_web::http::header::{self, HeaderValue};
    let signed_in = req.headers().contains_key(header::AUTHORIZATION);
    let docs = req.path() == "/docs" || req.path().starts_with("/docs/");
    let hsts = req.app_data::<Hsts>().is_some_and(|h| h.0);
    let mut res = next.call(req).await?;
    let error = res.status().as_u16() >= 400;
    let headers = res.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if signed_in || error {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if docs {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(DOCS_CSP),
        );
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    if hsts {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    Ok(res)
}
