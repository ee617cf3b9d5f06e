//! `POST /auth/login | /auth/refresh | /auth/logout | /auth/token`.

use actix_web::http::header;
use actix_web::{post, web, HttpRequest, HttpResponse};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::account::UserRow;
use super::store::{self, Refresh};
use super::{clients, password, token_hash, Principal};
use crate::audit::AuditCtx;
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::http::body::Body;
use crate::http::validate::Checks;
use crate::state::AppState;

/// Email and password of a person.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(max_length = 254, example = "focal.point@example.gov")]
    pub email: String,
    #[schema(write_only, max_length = 256, example = "correct horse battery staple")]
    pub password: String,
}

/// Tokens for the API.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// A JWT to send as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until the access token expires.
    #[schema(example = 900)]
    pub expires_in: u64,
    /// Opaque token for `POST /auth/refresh`; rotated at every use. Absent for machine clients,
    /// which ask `/auth/token` again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

/// A refresh token.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

fn client_address(req: &HttpRequest) -> String {
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

fn bad_credentials() -> ApiError {
    ApiError::Unauthorized("the email or the password is wrong".into())
}

fn tokens(
    state: &AppState,
    user: &UserRow,
    refresh: Option<String>,
    client: Option<&str>,
) -> TokenResponse {
    let (access_token, expires_in) = state.auth.keys.issue(
        user.id,
        user.role.as_str(),
        user.country.as_deref(),
        user.auth_epoch,
        client,
    );
    TokenResponse {
        access_token,
        token_type: "Bearer".into(),
        expires_in,
        refresh_token: refresh,
    }
}

fn no_store(body: &TokenResponse) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body)
}

fn principal_of(user: &UserRow, client: Option<&str>) -> Option<Principal> {
    Some(Principal {
        user_id: user.id,
        role: user.role,
        country: user.country.clone(),
        client_id: client.map(str::to_owned),
    })
}

/// Log in with email and password.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = TokenResponse),
        (status = 401, description = "Wrong email or password (the same answer for both)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Malformed fields", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts; see `Retry-After`", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/login")]
pub async fn auth_login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Body<LoginRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner()?;
    let mut checks = Checks::new();
    // An empty or over-long email is no account's: a failed login (401) like any other.
    if body.email.chars().count() > 254 {
        checks.add("email", "length", "must have at most 254 characters");
    }
    if body.password.chars().count() > password::MAX_LEN {
        checks.add(
            "password",
            "length",
            format!("must be at most {} characters", password::MAX_LEN),
        );
    }
    checks.finish()?;
    let email = body.email.trim().to_lowercase();
    state
        .auth
        .throttle
        .attempt(&email, &client_address(&req))
        .map_err(|secs| ApiError::TooManyRequests {
            detail: format!("too many login attempts; retry in {secs} s"),
            retry_after_secs: secs,
        })?;
    let audit = AuditCtx::new(&req, None)?;
    let pw = body.password;
    let refresh_ttl = state.auth.refresh_ttl;
    let per_account = i64::from(state.settings.auth.login_attempts_per_account.max(1));
    let outcome = db::run_tx(&state.pool, move |conn| {
        // The account's failures in the window, as every instance recorded them.
        let now = crate::time::now();
        let window = chrono::Duration::minutes(15);
        let failures = store::recent_failed_logins(conn, &email, now - window, per_account)?;
        if failures.len() as i64 >= per_account {
            let oldest = failures.last().copied().unwrap_or(now);
            let secs = (oldest + window - now).num_seconds().max(1) as u64;
            return Err(ApiError::TooManyRequests {
                detail: format!("too many failed logins for this account; retry in {secs} s"),
                retry_after_secs: secs,
            });
        }
        let user = super::account::find_user_by_email(conn, &email)?;
        // Verify even for an unknown email so that both failures take as long.
        let ok = match &user {
            Some(u) => password::verify(&pw, &u.password_hash) && u.active,
            None => {
                password::verify_against_nothing(&pw);
                false
            }
        };
        match user.filter(|_| ok) {
            Some(user) => {
                let refresh = store::issue_refresh(conn, user.id, refresh_ttl)?;
                let ctx = match principal_of(&user, None) {
                    Some(p) => audit.clone().acting_as(&p),
                    None => audit.clone(),
                };
                ctx.record(conn, "auth.login", "user", user.id, json!({}))?;
                Ok(Some((user, refresh)))
            }
            None => {
                audit.record(
                    conn,
                    "auth.login_failed",
                    "user",
                    &email,
                    json!({"email": email}),
                )?;
                Ok(None)
            }
        }
    })
    .await?;
    let (user, refresh) = outcome.ok_or_else(bad_credentials)?;
    Ok(no_store(&tokens(&state, &user, Some(refresh), None)))
}

/// Exchange a refresh token for new tokens; the old refresh token stops working. Presenting
/// an already-used refresh token ends every session of the account at once: its refresh
/// tokens and every access token already issued.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "New tokens", body = TokenResponse),
        (status = 401, description = "Unknown, expired, revoked or replayed refresh token", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/refresh")]
pub async fn auth_refresh(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Body<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    let audit = AuditCtx::new(&req, None)?;
    let token = body.into_inner()?.refresh_token;
    if token.len() > 200 {
        return Err(ApiError::Unauthorized(
            "the refresh token is invalid".into(),
        ));
    }
    let ttl = state.auth.refresh_ttl;
    // The replay must be recorded even though the request fails: commit first, answer after.
    let outcome = db::run_tx(&state.pool, move |conn| {
        match store::rotate(conn, &token, ttl)? {
            Refresh::Rotated { user_id, token } => {
                let user = match store::ensure_active(conn, user_id) {
                    Ok(u) => u,
                    Err(_) => {
                        super::account::revoke_refresh_tokens(conn, user_id)?;
                        return Ok(Err("the account is not active"));
                    }
                };
                let ctx = match principal_of(&user, None) {
                    Some(p) => audit.clone().acting_as(&p),
                    None => audit.clone(),
                };
                ctx.record(conn, "auth.refresh", "user", user.id, json!({}))?;
                Ok(Ok((user, token)))
            }
            Refresh::Reused { user_id } => {
                super::account::end_all_sessions(conn, user_id)?;
                audit.record(
                    conn,
                    "auth.refresh_reuse",
                    "user",
                    user_id,
                    json!({"family_revoked": true, "sessions_ended": true}),
                )?;
                Ok(Err(
                    "the refresh token was already used; every session of the account is ended",
                ))
            }
            Refresh::Invalid => Ok(Err("the refresh token is invalid, expired or revoked")),
        }
    })
    .await?;
    let (user, token) = outcome.map_err(|why| ApiError::Unauthorized(why.into()))?;
    Ok(no_store(&tokens(&state, &user, Some(token), None)))
}

/// End a session: its refresh tokens stop working. Idempotent (unknown tokens answer 204 too).
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses((status = 204, description = "Logged out"))
)]
#[post("/auth/logout")]
pub async fn auth_logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Body<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    let audit = AuditCtx::new(&req, None)?;
    let token = body.into_inner()?.refresh_token;
    db::run_tx(&state.pool, move |conn| {
        if let Some(user_id) = store::revoke(conn, &token)? {
            let user = super::account::find_user(conn, user_id)?;
            let ctx = match user.as_ref().and_then(|u| principal_of(u, None)) {
                Some(p) => audit.clone().acting_as(&p),
                None => audit.clone(),
            };
            ctx.record(conn, "auth.logout", "user", user_id, json!({}))?;
        }
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// OAuth2 client-credentials request (RFC 6749 §4.4), as a form or JSON body.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct TokenRequest {
    /// Must be `client_credentials`.
    #[schema(example = "client_credentials")]
    pub grant_type: Option<String>,
    /// The client's id (or in HTTP Basic).
    pub client_id: Option<String>,
    /// The client's secret (or in HTTP Basic).
    pub client_secret: Option<String>,
    /// Ignored: a client always acts with its owner's role and country.
    pub scope: Option<String>,
}

fn oauth(status: u16, error: &'static str, detail: impl Into<String>) -> ApiError {
    ApiError::OAuth {
        status,
        error,
        detail: detail.into(),
    }
}

fn parse_token_request(req: &HttpRequest, body: &[u8]) -> ApiResult<TokenRequest> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let parsed: TokenRequest = if content_type.starts_with("application/json") {
        serde_json::from_slice(body).map_err(|e| {
            oauth(
                400,
                "invalid_request",
                format!("the JSON body is invalid: {e}"),
            )
        })?
    } else if content_type.starts_with("application/x-www-form-urlencoded") || body.is_empty() {
        serde_urlencoded::from_bytes(body).map_err(|e| {
            oauth(
                400,
                "invalid_request",
                format!("the form body is invalid: {e}"),
            )
        })?
    } else {
        return Err(ApiError::UnsupportedMediaType(
            "send application/x-www-form-urlencoded or application/json".into(),
        ));
    };
    Ok(parsed)
}

fn basic_credentials(req: &HttpRequest) -> ApiResult<Option<(String, String)>> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let bad = || {
        oauth(
            401,
            "invalid_client",
            "the Authorization header is not valid HTTP Basic",
        )
    };
    let value = value.to_str().map_err(|_| bad())?;
    let (scheme, encoded) = value.split_once(' ').ok_or_else(bad)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(bad());
    }
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| bad())?;
    let text = String::from_utf8(decoded).map_err(|_| bad())?;
    let (id, secret) = text.split_once(':').ok_or_else(bad)?;
    // RFC 6749 §2.3.1: both parts are form-urlencoded inside Basic.
    let unescape = |s: &str| {
        serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("v={s}"))
            .ok()
            .and_then(|mut v| v.pop())
            .map(|(_, v)| v)
            .unwrap_or_else(|| s.to_owned())
    };
    Ok(Some((unescape(id), unescape(secret))))
}

/// OAuth2 token endpoint: `grant_type=client_credentials`, with the client's credentials in
/// HTTP Basic or in the body (form or JSON). The token acts with the owner's role and country.
#[utoipa::path(
    tag = "auth",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded",
                 description = "Also accepted as application/json"),
    security((), ("client_basic" = [])),
    responses(
        (status = 200, description = "An access token", body = TokenResponse),
        (status = 400, description = "`invalid_request` or `unsupported_grant_type`", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "`invalid_client`: unknown, wrong secret, revoked or expired", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "Neither a form nor JSON", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/token")]
pub async fn auth_token(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    // Long: the OAuth2 token endpoint's grant types, each with its own checks and its own RFC 6749
    // error, answered in one place as the RFC describes them.
    let form = parse_token_request(&req, &body)?;
    match form.grant_type.as_deref() {
        Some("client_credentials") => {}
        Some(other) => {
            return Err(oauth(
                400,
                "unsupported_grant_type",
                format!(
                    "grant_type '{}' is not supported; use client_credentials",
                    other.chars().take(50).collect::<String>()
                ),
            ))
        }
        None => return Err(oauth(400, "invalid_request", "grant_type is required")),
    }
    let (client_id, secret) = match (basic_credentials(&req)?, form.client_id, form.client_secret) {
        (Some(basic), None, None) => basic,
        (None, Some(id), Some(secret)) => (id, secret),
        (Some(_), _, _) => {
            return Err(oauth(
                400,
                "invalid_request",
                "send the credentials in Basic or in the body, not both",
            ))
        }
        _ => {
            return Err(oauth(
                401,
                "invalid_client",
                "client_id and client_secret are required",
            ))
        }
    };
    if client_id.len() > 100 || secret.len() > 200 {
        return Err(oauth(
            401,
            "invalid_client",
            "unknown client or wrong secret",
        ));
    }
    state
        .auth
        .throttle
        .attempt(&format!("client:{client_id}"), &client_address(&req))
        .map_err(|secs| ApiError::TooManyRequests {
            detail: format!("too many token requests; retry in {secs} s"),
            retry_after_secs: secs,
        })?;
    let audit = AuditCtx::new(&req, None)?;
    let outcome = db::run_tx(&state.pool, move |conn| {
        let Some(client) = clients::find_by_client_id(conn, &client_id)? else {
            return Ok(Err("unknown client or wrong secret"));
        };
        if client.secret_hash != token_hash(&secret) {
            return Ok(Err("unknown client or wrong secret"));
        }
        if client.revoked_at.is_some() {
            return Ok(Err("the client is revoked"));
        }
        if client.expires_at.is_some_and(|e| e <= crate::time::now()) {
            return Ok(Err("the client has expired"));
        }
        let Some(owner) = super::account::find_user(conn, client.user_id)?.filter(|u| u.active)
        else {
            return Ok(Err("the client's owner is not active"));
        };
        clients::touch(conn, client.id)?;
        if let Some(p) = principal_of(&owner, Some(&client.client_id)) {
            audit.clone().acting_as(&p).record(
                conn,
                "auth.token",
                "machine_client",
                client.id,
                json!({"client_id": client.client_id}),
            )?;
        }
        Ok(Ok((owner, client.client_id)))
    })
    .await?;
    let (owner, client_id) = outcome.map_err(|why| oauth(401, "invalid_client", why))?;
    Ok(no_store(&tokens(&state, &owner, None, Some(&client_id))))
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(auth_login)
        .service(auth_refresh)
        .service(auth_logout)
        .service(auth_token);
}
