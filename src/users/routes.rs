//! `/users` (secretariat) and `/me` (everyone logged in).

use actix_web::http::header;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use serde_json::json;

use super::api::{NewUser, User, UserPatch, UserQuery};
use super::model::{UserChanges, UserRow};
use super::service::create_account;
use super::{rules, store};
use crate::audit::AuditCtx;
use crate::auth::{password, policy, Principal, Role};
use crate::db::{self, DbConn};
use crate::error::{ApiError, ApiResult};
use crate::http::body::Body;
use crate::http::etag;
use crate::http::pagination::{page_response, Page, PageParams};
use crate::http::validate::Checks;
use crate::state::AppState;
use crate::time::utc;

impl From<&UserRow> for User {
    fn from(r: &UserRow) -> Self {
        User {
            id: r.id,
            email: r.email.clone(),
            display_name: r.display_name.clone(),
            role: r.role,
            country: r.country.clone(),
            active: r.active,
            created_at: utc(r.created_at),
            updated_at: utc(r.updated_at),
        }
    }
}

fn user_response(req: &HttpRequest, row: &UserRow) -> ApiResult<HttpResponse> {
    etag::single_json(req, &User::from(row), None)
}

/// List accounts (secretariat).
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(UserQuery, PageParams),
    responses(
        (status = 200, description = "A page of users in id order", body = Page<User>),
        (status = 400, description = "Bad filter, limit or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/users")]
pub async fn list_users(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<UserQuery>,
    page: web::Query<PageParams>,
) -> ApiResult<HttpResponse> {
    policy::manage_users(Some(&principal))?;
    let mut checks = Checks::new();
    let role = query
        .role
        .as_deref()
        .and_then(|r| checks.one_of("role", r, Role::parse, rules::ROLES));
    let active = match query.active.as_deref() {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => {
            checks.add("active", "boolean", "must be true or false");
            None
        }
    };
    let filter = store::UserFilter {
        role,
        country: query
            .country
            .as_deref()
            .map(|c| c.trim().to_ascii_uppercase()),
        active,
        q: query.q.clone().filter(|q| !q.trim().is_empty()),
        updated_since: query
            .updated_since
            .as_deref()
            .and_then(|t| checks.instant("updated_since", t)),
    };
    let page = page.parse::<i64>(&mut checks.errors);
    checks.finish_query()?;
    let limit = page.limit;
    let rows = db::run(&state.pool, move |conn| {
        Ok(store::list(conn, &filter, page.after, limit)?)
    })
    .await?;
    page_response(
        &req,
        &Page::from_rows(rows, limit, |r| r.id, |r| User::from(&r)),
        None,
    )
}

/// Create an account (secretariat).
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    request_body = NewUser,
    responses(
        (status = 201, description = "Created", body = User, headers(("Location" = String), ("ETag" = String))),
        (status = 409, description = "The email is taken", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Every problem with the input", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/users")]
pub async fn create_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    body: Body<NewUser>,
) -> ApiResult<HttpResponse> {
    policy::manage_users(Some(&principal))?;
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let body = body.into_inner()?;
    let row = db::run_tx(&state.pool, move |conn| create_account(conn, &audit, &body)).await?;
    let user = User::from(&row);
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/users/{}", row.id)))
        .insert_header((header::ETAG, etag::of_json(&user)))
        .json(user))
}

/// One account (secretariat).
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The user's id")),
    responses(
        (status = 200, description = "The user", body = User, headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 404, description = "No such user", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/users/{id}")]
pub async fn get_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    policy::manage_users(Some(&principal))?;
    let id = id.into_inner();
    let row = db::run(&state.pool, move |conn| Ok(store::find(conn, id)?))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no user {id}")))?;
    user_response(&req, &row)
}

pub(super) fn apply_patch(
    conn: &mut DbConn,
    audit: &AuditCtx,
    id: i64,
    if_match: Option<&str>,
    patch: &UserPatch,
) -> ApiResult<UserRow> {
    // Long: one account change checked as a whole: every field's validation, the last-secretariat
    // guard and the session ends a role, country, password or deactivation cause, in one
    // transaction.
    db::lock_id(conn, "users", id)?;
    let current =
        store::find(conn, id)?.ok_or_else(|| ApiError::not_found(format!("no user {id}")))?;
    etag::matches(if_match, &etag::of_json(&User::from(&current)))?;
    let mut checks = Checks::new();
    let display_name = patch
        .display_name
        .as_deref()
        .map(|d| checks.text("display_name", d, 1, 200));
    let role = match patch.role.as_deref() {
        Some(r) => checks.one_of("role", r, Role::parse, rules::ROLES),
        None => Some(current.role),
    };
    let country = match &patch.country {
        Some(c) => c.as_deref().map(|c| c.trim().to_ascii_uppercase()),
        // Becoming secretariat drops the country unless one is (wrongly) given.
        None if role == Some(Role::Secretariat) => None,
        None => current.country.clone(),
    };
    if let Some(role) = role {
        rules::check_role_country(&mut checks, role, country.as_deref());
    }
    if let (Some(c), Some(Some(_))) = (&country, &patch.country) {
        if !store::country_exists(conn, c)? {
            checks.add(
                "country",
                "unknown",
                format!("'{c}' is not an OAS member state code"),
            );
        }
    }
    if let Some(problem) = patch.password.as_deref().and_then(password::problems) {
        checks.add("password", "length", problem);
    }
    checks.finish()?;
    let role = role.unwrap_or(Role::MemberCountry);
    let role_changed = role != current.role;
    let country_changed = country != current.country;
    let deactivated = current.active && patch.active == Some(false);
    if (deactivated || role_changed)
        && current.role == Role::Secretariat
        && current.active
        && store::active_secretariat_count(conn)? <= 1
    {
        return Err(ApiError::Conflict {
            slug: "last-secretariat",
            detail: "this is the last active secretariat account; create another first".into(),
            extensions: Default::default(),
        });
    }
    let ends = rules::ends_sessions(
        role_changed,
        country_changed,
        deactivated,
        patch.password.is_some(),
    );
    let changes = UserChanges {
        display_name,
        role: role_changed.then_some(role),
        country: country_changed.then(|| country.clone()),
        password_hash: patch.password.as_deref().map(password::hash),
        active: patch.active,
        auth_epoch: ends.then_some(current.auth_epoch + 1),
        updated_at: Some(crate::time::now()),
    };
    store::update(conn, id, &changes)?;
    if ends {
        store::revoke_refresh_tokens(conn, id)?;
    }
    let mut summary = serde_json::Map::new();
    if let Some(d) = &changes.display_name {
        summary.insert("display_name".into(), json!(d));
    }
    if role_changed {
        summary.insert("role".into(), json!({"from": current.role, "to": role}));
    }
    if country_changed {
        summary.insert(
            "country".into(),
            json!({"from": current.country, "to": country}),
        );
    }
    if let Some(a) = patch.active {
        summary.insert("active".into(), json!(a));
    }
    if patch.password.is_some() {
        summary.insert("password".into(), json!("changed"));
    }
    audit.record(
        conn,
        "user.update",
        "user",
        id,
        serde_json::Value::Object(summary),
    )?;
    store::find(conn, id)?.ok_or_else(|| ApiError::internal("user vanished"))
}

/// Change an account (secretariat). Honours `If-Match`. A new role, country, password or
/// deactivation ends the user's sessions at once.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The user's id")),
    request_body = UserPatch,
    responses(
        (status = 200, description = "The changed user", body = User, headers(("ETag" = String))),
        (status = 404, description = "No such user", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Would leave no active secretariat account", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Every problem with the input", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/users/{id}")]
pub async fn patch_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: Body<UserPatch>,
) -> ApiResult<HttpResponse> {
    policy::manage_users(Some(&principal))?;
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let if_match = etag::if_match_values(&req);
    let (id, body) = (id.into_inner(), body.into_inner()?);
    let row = db::run_tx(&state.pool, move |conn| {
        apply_patch(conn, &audit, id, if_match.as_deref(), &body)
    })
    .await?;
    user_response(&req, &row)
}

/// Deactivate an account (secretariat): it keeps its history but can no longer log in, and
/// its tokens stop working at once.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The user's id")),
    responses(
        (status = 204, description = "Deactivated"),
        (status = 404, description = "No such user", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Would leave no active secretariat account", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/users/{id}")]
pub async fn delete_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    policy::manage_users(Some(&principal))?;
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let if_match = etag::if_match_values(&req);
    let id = id.into_inner();
    let patch = UserPatch {
        active: Some(false),
        ..UserPatch::default()
    };
    db::run_tx(&state.pool, move |conn| {
        apply_patch(conn, &audit, id, if_match.as_deref(), &patch)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_users)
        .service(create_user)
        .service(get_user)
        .service(patch_user)
        .service(delete_user)
        .service(super::me::me)
        .service(super::me::patch_me)
        .service(super::me::change_password);
}
