//! Rate limits per caller on writes, logins, exports and searches (governor's keyed GCRA
//! buckets). The caller is the machine client a token was issued to, else the account, else
//! (anonymous, or logging in) the client address. A refused request is a 429 problem with
//! `Retry-After`; every limited request carries the IETF `RateLimit-Policy` and `RateLimit`
//! fields (draft-ietf-httpapi-ratelimit-headers), so a client can slow down before it is
//! refused.
//!
//! The buckets live in each process: with several instances behind a balancer a caller gets up
//! to that many times the quota. Sharing them through PostgreSQL would add a write to every
//! limited request on the database every instance shares, to bound what is a guard against
//! runaway scripts rather than a billing meter; the README says so.

use std::num::NonZeroU32;
use std::time::Duration;

use actix_web::body::BoxBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::web;
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::ApiError;
use crate::state::AppState;

/// Requests allowed per caller and minute in each class; 0 leaves a class unlimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    pub writes: u32,
    pub logins: u32,
    pub exports: u32,
    pub search: u32,
}

impl RateLimits {
    /// No limits: what tests and tools start from.
    pub const OFF: RateLimits = RateLimits {
        writes: 0,
        logins: 0,
        exports: 0,
        search: 0,
    };
}

/// What a request is, for its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Writes,
    Logins,
    Exports,
    Search,
}

impl Class {
    fn name(self) -> &'static str {
        match self {
            Class::Writes => "writes",
            Class::Logins => "logins",
            Class::Exports => "exports",
            Class::Search => "search",
        }
    }
}

fn classify(method: &Method, path: &str, query: &str) -> Option<Class> {
    let api = path.strip_prefix("/api/v1/")?;
    if *method == Method::POST && matches!(api, "auth/login" | "auth/token" | "auth/refresh") {
        return Some(Class::Logins);
    }
    if matches!(
        *method,
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    ) {
        return Some(Class::Writes);
    }
    if !matches!(*method, Method::GET | Method::HEAD) {
        return None;
    }
    if api.starts_with("exports/") {
        return Some(Class::Exports);
    }
    let searches = query.split('&').any(|p| p.starts_with("q=") && p.len() > 2);
    if searches || api.ends_with("/suggestions") {
        return Some(Class::Search);
    }
    None
}

type Bucket = DefaultKeyedRateLimiter<String, StateInformationMiddleware>;

/// The buckets of one process.
pub struct Limiter {
    classes: Vec<(Class, u32, Bucket)>,
    clock: DefaultClock,
}

impl Limiter {
    pub fn new(limits: RateLimits) -> Limiter {
        let classes = [
            (Class::Writes, limits.writes),
            (Class::Logins, limits.logins),
            (Class::Exports, limits.exports),
            (Class::Search, limits.search),
        ]
        .into_iter()
        .filter_map(|(class, per_minute)| {
            let burst = NonZeroU32::new(per_minute)?;
            let quota =
                Quota::with_period(Duration::from_secs(60) / per_minute)?.allow_burst(burst);
            Some((
                class,
                per_minute,
                RateLimiter::keyed(quota).with_middleware::<StateInformationMiddleware>(),
            ))
        })
        .collect();
        Limiter {
            classes,
            clock: DefaultClock::default(),
        }
    }

    /// Spends one request of `class` for `caller`: the fields to send, or the 429.
    fn spend(&self, class: Class, caller: &str) -> Option<Result<Fields, (Fields, ApiError)>> {
        let (_, limit, bucket) = self.classes.iter().find(|(c, _, _)| *c == class)?;
        if bucket.len() > 100_000 {
            bucket.retain_recent();
        }
        let per_token = 60.0 / f64::from(*limit);
        let policy = format!("\"{}\";q={limit};w=60", class.name());
        Some(match bucket.check_key(&caller.to_owned()) {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity();
                // Back to the full quota once the spent requests have been refilled.
                let reset = (f64::from(limit - remaining.min(*limit)) * per_token).ceil() as u64;
                Ok(Fields {
                    policy,
                    state: format!("\"{}\";r={remaining};t={reset}", class.name()),
                })
            }
            Err(not_until) => {
                let wait = not_until.wait_time_from(self.clock.now()).as_secs().max(1);
                let fields = Fields {
                    state: format!("\"{}\";r=0;t={wait}", class.name()),
                    policy,
                };
                let err = ApiError::TooManyRequests {
                    detail: format!(
                        "more than {limit} {} a minute from this caller: wait {wait} s",
                        class.name()
                    ),
                    retry_after_secs: wait,
                };
                Err((fields, err))
            }
        })
    }
}

struct Fields {
    policy: String,
    state: String,
}

impl Fields {
    fn apply(&self, res: &mut actix_web::HttpResponse<BoxBody>) {
        let headers = res.headers_mut();
        for (name, value) in [
            ("ratelimit-policy", &self.policy),
            ("ratelimit", &self.state),
        ] {
            if let Ok(v) = HeaderValue::from_str(value) {
                headers.insert(HeaderName::from_static(name), v);
            }
        }
    }
}

/// Who the caller is for its buckets: the machine client, the account, or the address.
fn caller(req: &ServiceRequest, state: &AppState, class: Class) -> String {
    let address = || {
        req.peer_addr()
            .map_or_else(|| "unknown".to_owned(), |a| a.ip().to_string())
    };
    if class == Class::Logins {
        return format!("address:{}", address());
    }
    let token = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match token.map(|t| state.auth.keys.verify(t.trim())) {
        Some(Ok(claims)) => match claims.cid {
            Some(client) => format!("client:{client}"),
            None => format!("user:{}", claims.sub),
        },
        _ => format!("address:{}", address()),
    }
}

/// Middleware: the limit of the request's class, before anything else is done for it.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(class) = classify(req.method(), req.path(), req.query_string()) else {
        return next.call(req).await;
    };
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next.call(req).await;
    };
    let who = caller(&req, &state, class);
    match state.rate_limits.spend(class, &who) {
        None => next.call(req).await,
        Some(Ok(fields)) => {
            let mut res = next.call(req).await?;
            fields.apply(res.response_mut());
            Ok(res)
        }
        Some(Err((fields, err))) => {
            crate::telemetry::rate_limited(class.name());
            let mut res = actix_web::ResponseError::error_response(&err);
            fields.apply(&mut res);
            Ok(req.into_response(res))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        let c = |m: Method, p: &str, q: &str| classify(&m, p, q);
        assert_eq!(
            c(Method::POST, "/api/v1/auth/login", ""),
            Some(Class::Logins)
        );
        assert_eq!(c(Method::PATCH, "/api/v1/needs/3", ""), Some(Class::Writes));
        assert_eq!(
            c(Method::GET, "/api/v1/exports/needs", ""),
            Some(Class::Exports)
        );
        assert_eq!(
            c(Method::GET, "/api/v1/experiences", "lang=es&q=budget"),
            Some(Class::Search)
        );
        assert_eq!(c(Method::GET, "/api/v1/experiences", "q="), None);
        assert_eq!(
            c(Method::GET, "/api/v1/needs/3/suggestions", ""),
            Some(Class::Search)
        );
        assert_eq!(c(Method::GET, "/api/v1/needs", ""), None);
        assert_eq!(c(Method::OPTIONS, "/api/v1/needs", ""), None);
        assert_eq!(c(Method::GET, "/health/ready", ""), None);
    }

    #[test]
    fn a_bucket_refuses_past_its_quota_and_says_when() {
        let l = Limiter::new(RateLimits {
            writes: 2,
            ..RateLimits::OFF
        });
        assert!(l.spend(Class::Search, "user:1").is_none(), "unlimited");
        let first = l.spend(Class::Writes, "user:1").unwrap().ok().unwrap();
        assert_eq!(first.policy, "\"writes\";q=2;w=60");
        assert_eq!(first.state, "\"writes\";r=1;t=30");
        assert!(l.spend(Class::Writes, "user:1").unwrap().is_ok());
        let (fields, err) = l.spend(Class::Writes, "user:1").unwrap().err().unwrap();
        assert!(fields.state.starts_with("\"writes\";r=0;t="));
        assert!(
            matches!(err, ApiError::TooManyRequests { retry_after_secs, .. } if (1..=30).contains(&retry_after_secs))
        );
        assert!(
            l.spend(Class::Writes, "user:2").unwrap().is_ok(),
            "per caller"
        );
    }
}
