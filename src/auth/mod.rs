//! Who is calling: passwords, tokens, machine clients, the principal extractor, and the one
//! access policy.

pub mod account;
pub mod clients;
pub mod password;
pub mod principals;
pub mod routes;
pub mod store;

pub use crate::security::{jwt, policy, random_token, throttle, token_hash, Principal, Role};

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};

use crate::db;
use crate::error::ApiError;
use crate::state::AppState;

fn bearer(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    // Several are refused before any handler (`http::hygiene`).
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| ApiError::Unauthorized("the Authorization header is not text".into()))?;
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(ApiError::Unauthorized(
            "use `Authorization: Bearer <access token>`".into(),
        ));
    }
    let token = token.trim();
    if token.is_empty() {
        return Err(ApiError::Unauthorized("the bearer token is empty".into()));
    }
    Ok(Some(token.to_owned()))
}

async fn authenticate(req: HttpRequest) -> Result<Option<Principal>, ApiError> {
    let Some(token) = bearer(&req)? else {
        return Ok(None);
    };
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::internal("application state missing"))?
        .clone();
    let claims = state.auth.keys.verify(&token).map_err(|reason| {
        tracing::debug!(%reason, "access token refused");
        ApiError::Unauthorized("the access token is invalid or expired".into())
    })?;
    let user_id: i64 = claims
        .sub
        .parse()
        .map_err(|_| ApiError::Unauthorized("the access token is invalid".into()))?;
    // The token must still describe the account as it is: deactivation, a new role or
    // country, or a password change end it (within the recheck bound, `principals`).
    let kept = &state.auth.principals;
    let principal = match kept.get(user_id, &claims).await {
        Some(p) => p,
        None => {
            let mark = kept.mark();
            let read = claims.clone();
            let p = db::run(&state.pool, move |conn| {
                store::current_principal(conn, user_id, &read)
            })
            .await?;
            kept.keep(user_id, &claims, p.clone(), mark).await;
            p
        }
    };
    principal
        .ok_or_else(|| ApiError::Unauthorized("the access token is no longer valid".into()))
        .map(Some)
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            authenticate(req).await?.ok_or_else(|| {
                ApiError::AuthRequired("this endpoint needs `Authorization: Bearer <token>`".into())
            })
        })
    }
}

/// The caller if a token was sent: anonymous is allowed, a bad token is not.
#[derive(Debug, Clone)]
pub struct MaybePrincipal(pub Option<Principal>);

impl FromRequest for MaybePrincipal {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { Ok(MaybePrincipal(authenticate(req).await?)) })
    }
}
