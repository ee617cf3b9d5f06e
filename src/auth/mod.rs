//! Who is calling: passwords, tokens, machine clients, the principal extractor, and the one
//! access policy.

pub mod account;
pub mod clients;
pub mod jwt;
pub mod password;
pub mod policy;
pub mod routes;
pub mod store;
pub mod throttle;

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::db;
use crate::error::ApiError;
use crate::state::AppState;

crate::stored_enum! {
    /// A user's role in the mechanism.
    pub enum Role {
        /// National focal point of a member country (bound to its country).
        MemberCountry = "member_country",
        /// Member of the Committee of Experts (bound to a country for conflicts of interest).
        Expert = "expert",
        /// Technical Secretariat staff: administers the mechanism.
        Secretariat = "secretariat",
    }
}

impl Role {
    /// Whether users of this role are bound to a country.
    pub fn has_country(self) -> bool {
        self != Role::Secretariat
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The authenticated caller: a person, or a machine client acting for its owner.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    pub user_id: i64,
    pub role: Role,
    pub country: Option<String>,
    /// Set when a machine client holds the token.
    pub client_id: Option<String>,
}

impl Principal {
    pub fn is(&self, role: Role) -> bool {
        self.role == role
    }

    pub fn of_country(&self, code: &str) -> bool {
        self.country.as_deref() == Some(code)
    }
}

/// A random opaque token (refresh tokens, client secrets): 256 bits, URL-safe.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// How opaque tokens are stored: they carry 256 bits, so a plain SHA-256 cannot be reversed.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn bearer(req: &HttpRequest) -> Result<Option<String>, ApiError> {
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
    // country, or a password change end it at once.
    let principal = db::run(&state.pool, move |conn| {
        store::current_principal(conn, user_id, &claims)
    })
    .await?;
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
