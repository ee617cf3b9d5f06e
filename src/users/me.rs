//! The signed-in account itself: `GET|PATCH /me`, and changing one's password.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};

use super::api::{Me, MePatch, PasswordChange, User, UserPatch};
use super::routes::apply_patch;
use super::store;
use crate::audit::AuditCtx;
use crate::auth::{password, Principal};
use crate::db::{self};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::body::Body;
use crate::http::etag;
use crate::http::validate::Checks;
use crate::state::AppState;

/// The caller's account.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    responses((status = 200, description = "The caller", body = Me))
)]
#[get("/me")]
pub async fn me(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
) -> ApiResult<HttpResponse> {
    let id = principal.user_id;
    let row = db::run(&state.pool, move |conn| Ok(store::find(conn, id)?))
        .await?
        .ok_or_else(|| ApiError::Unauthorized("the account no longer exists".into()))?;
    etag::single_json(
        &req,
        &Me {
            user: User::from(&row),
            client_id: principal.client_id,
        },
        None,
    )
}

/// Change one's own display name (role, country and email are the secretariat's to change).
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    request_body = MePatch,
    responses(
        (status = 200, description = "The caller", body = Me),
        (status = 422, description = "Invalid or unknown fields", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/me")]
pub async fn patch_me(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    body: Body<MePatch>,
) -> ApiResult<HttpResponse> {
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let if_match = etag::if_match_values(&req);
    let display_name = body.into_inner()?.display_name;
    if display_name.is_none() {
        return Err(ApiError::validation(vec![FieldError::new(
            "display_name",
            "required",
            "name something to change",
        )]));
    }
    let patch = UserPatch {
        display_name,
        ..UserPatch::default()
    };
    let id = principal.user_id;
    let row = db::run_tx(&state.pool, move |conn| {
        db::lock_id(conn, "users", id)?;
        let current =
            store::find(conn, id)?.ok_or_else(|| ApiError::Unauthorized("no account".into()))?;
        etag::matches(
            if_match.as_deref(),
            &etag::of_json(&Me {
                user: User::from(&current),
                client_id: audit.client_id.clone(),
            }),
        )?;
        apply_patch(conn, &audit, id, None, &patch)
    })
    .await?;
    etag::single_json(
        &req,
        &Me {
            user: User::from(&row),
            client_id: principal.client_id,
        },
        None,
    )
}

/// Change one's own password. Every session of the account ends; log in again.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    request_body = PasswordChange,
    responses(
        (status = 204, description = "Changed"),
        (status = 403, description = "The current password is wrong, or a machine client asked", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The new password is too short or too long", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/me/password")]
pub async fn change_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    body: Body<PasswordChange>,
) -> ApiResult<HttpResponse> {
    if principal.client_id.is_some() {
        return Err(ApiError::Forbidden(
            "a machine client may not change its owner's password".into(),
        ));
    }
    let body = body.into_inner()?;
    let mut checks = Checks::new();
    if let Some(problem) = password::problems(&body.new_password) {
        checks.add("new_password", "length", problem);
    }
    if body.current_password.chars().count() > password::MAX_LEN {
        checks.add("current_password", "length", "too long");
    }
    checks.finish()?;
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let id = principal.user_id;
    db::run_tx(&state.pool, move |conn| {
        let current =
            store::find(conn, id)?.ok_or_else(|| ApiError::Unauthorized("no account".into()))?;
        if !password::verify(&body.current_password, &current.password_hash) {
            return Err(ApiError::Forbidden("the current password is wrong".into()));
        }
        let patch = UserPatch {
            password: Some(body.new_password.clone()),
            ..UserPatch::default()
        };
        apply_patch(conn, &audit, id, None, &patch).map(|_| ())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
