//! Machine clients (OAuth2 client credentials): a focal point's own systems get tokens that
//! act with the focal point's role and country. The secret is shown once and stored hashed.

use actix_web::http::header;
use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use super::{policy, random_token, token_hash, Principal};
use crate::audit::AuditCtx;
use crate::db::schema::machine_clients;
use crate::db::{self, DbConn};
use crate::error::{ApiError, ApiResult};
use crate::http::body::Body;
use crate::http::pagination::{page_response, Page, PageParams};
use crate::http::validate::Checks;
use crate::state::AppState;
use crate::time::utc;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = machine_clients)]
pub struct ClientRow {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub client_id: String,
    pub secret_hash: String,
    pub created_at: NaiveDateTime,
    pub expires_at: Option<NaiveDateTime>,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

/// A machine client (its secret is never shown again after creation).
#[derive(Debug, Serialize, ToSchema)]
pub struct MachineClient {
    pub id: i64,
    /// Name given by its owner, e.g. the system that uses it.
    #[schema(example = "Planning ministry data hub")]
    pub name: String,
    /// The OAuth2 `client_id`.
    #[schema(example = "mc_3f9a0c1d2e4b5a69")]
    pub client_id: String,
    /// The user the client acts for.
    pub owner: i64,
    pub created_at: DateTime<Utc>,
    /// After this instant the client gets `invalid_client`; `null`: no expiry.
    pub expires_at: Option<DateTime<Utc>>,
    /// Last time the client obtained a token.
    pub last_used_at: Option<DateTime<Utc>>,
    /// Set once the client is revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<ClientRow> for MachineClient {
    fn from(r: ClientRow) -> Self {
        MachineClient {
            id: r.id,
            name: r.name,
            client_id: r.client_id,
            owner: r.user_id,
            created_at: utc(r.created_at),
            expires_at: r.expires_at.map(utc),
            last_used_at: r.last_used_at.map(utc),
            revoked_at: r.revoked_at.map(utc),
        }
    }
}

/// A new machine client.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMachineClient {
    /// 1 to 200 characters.
    #[schema(max_length = 200, example = "Planning ministry data hub")]
    pub name: String,
    /// Optional expiry (RFC 3339, in the future).
    #[schema(value_type = Option<String>, format = DateTime, example = "2027-12-31T23:59:59Z")]
    pub expires_at: Option<String>,
}

/// The created client, with its secret: store it now, it is never shown again.
#[derive(Debug, Serialize, ToSchema)]
pub struct MachineClientCreated {
    #[serde(flatten)]
    pub client: MachineClient,
    /// The OAuth2 `client_secret`.
    pub client_secret: String,
}

fn new_client_id() -> String {
    let mut bytes = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("mc_{}", hex::encode(bytes))
}

fn validate(body: &NewMachineClient) -> ApiResult<(String, Option<NaiveDateTime>)> {
    let mut checks = Checks::new();
    let name = checks.text("name", &body.name, 1, 200);
    let expires = match body.expires_at.as_deref() {
        None => None,
        Some(raw) => match DateTime::parse_from_rfc3339(raw) {
            Ok(t) if t.with_timezone(&Utc) > Utc::now() => Some(t.with_timezone(&Utc).naive_utc()),
            Ok(_) => {
                checks.add("expires_at", "past", "must be in the future");
                None
            }
            Err(_) => {
                checks.add("expires_at", "datetime", "must be an RFC 3339 instant");
                None
            }
        },
    };
    checks.finish()?;
    Ok((name, expires))
}

fn create(
    conn: &mut DbConn,
    audit: &AuditCtx,
    owner: i64,
    name: &str,
    expires_at: Option<NaiveDateTime>,
) -> ApiResult<MachineClientCreated> {
    let secret = random_token();
    let client_id = new_client_id();
    let id: i64 = diesel::insert_into(machine_clients::table)
        .values((
            machine_clients::user_id.eq(owner),
            machine_clients::name.eq(name),
            machine_clients::client_id.eq(&client_id),
            machine_clients::secret_hash.eq(token_hash(&secret)),
            machine_clients::created_at.eq(crate::time::now()),
            machine_clients::expires_at.eq(expires_at),
        ))
        .returning(machine_clients::id)
        .get_result(conn)?;
    audit.record(
        conn,
        "client.create",
        "machine_client",
        id,
        json!({"client_id": client_id, "owner": owner, "name": name}),
    )?;
    let row = find(conn, id)?.ok_or_else(|| ApiError::internal("client vanished"))?;
    Ok(MachineClientCreated {
        client: row.into(),
        client_secret: secret,
    })
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<ClientRow>> {
    machine_clients::table
        .find(id)
        .select(ClientRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_client_id(conn: &mut DbConn, client_id: &str) -> QueryResult<Option<ClientRow>> {
    machine_clients::table
        .filter(machine_clients::client_id.eq(client_id))
        .select(ClientRow::as_select())
        .first(conn)
        .optional()
}

pub fn touch(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::update(machine_clients::table.find(id))
        .set(machine_clients::last_used_at.eq(crate::time::now()))
        .execute(conn)
}

fn list(
    conn: &mut DbConn,
    owner: i64,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<ClientRow>> {
    let mut q = machine_clients::table
        .filter(machine_clients::user_id.eq(owner))
        .into_boxed();
    if let Some(a) = after {
        q = q.filter(machine_clients::id.gt(a));
    }
    q.order(machine_clients::id.asc())
        .limit(limit + 1)
        .select(ClientRow::as_select())
        .load(conn)
}

/// Revokes `owner`'s client `id`; unknown or another user's → 404.
fn revoke(conn: &mut DbConn, audit: &AuditCtx, owner: i64, id: i64) -> ApiResult<()> {
    let row = find(conn, id)?
        .filter(|c| c.user_id == owner)
        .ok_or_else(|| ApiError::not_found(format!("no machine client {id}")))?;
    if row.revoked_at.is_none() {
        super::principals::account_changed();
        diesel::update(machine_clients::table.find(id))
            .set(machine_clients::revoked_at.eq(crate::time::now()))
            .execute(conn)?;
        audit.record(
            conn,
            "client.revoke",
            "machine_client",
            id,
            json!({"client_id": row.client_id, "owner": owner}),
        )?;
    }
    Ok(())
}

async fn list_for(
    req: &HttpRequest,
    state: &AppState,
    owner: i64,
    page: &PageParams,
) -> ApiResult<HttpResponse> {
    let mut checks = Checks::new();
    let page = page.parse::<i64>(&mut checks.errors);
    checks.finish_query()?;
    let limit = page.limit;
    let rows = db::run(&state.pool, move |conn| {
        Ok(list(conn, owner, page.after, limit)?)
    })
    .await?;
    page_response(
        req,
        &Page::from_rows(rows, limit, |r| r.id, MachineClient::from),
        None,
    )
}

async fn create_for(
    req: &HttpRequest,
    state: &AppState,
    principal: &Principal,
    owner: i64,
    body: &NewMachineClient,
    location_base: String,
) -> ApiResult<HttpResponse> {
    let (name, expires) = validate(body)?;
    let audit = AuditCtx::new(req, Some(principal))?;
    let created = db::run_tx(&state.pool, move |conn| {
        super::account::find_user(conn, owner)?
            .ok_or_else(|| ApiError::not_found(format!("no user {owner}")))?;
        create(conn, &audit, owner, &name, expires)
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("{location_base}/{}", created.client.id),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(created))
}

/// The caller's own machine clients (focal points and secretariat).
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    params(PageParams),
    responses((status = 200, description = "A page of the caller's machine clients", body = Page<MachineClient>))
)]
#[get("/me/clients")]
pub async fn list_my_clients(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    page: web::Query<PageParams>,
) -> ApiResult<HttpResponse> {
    policy::manage_own_clients(Some(&principal))?;
    list_for(&req, &state, principal.user_id, &page).await
}

/// Create a machine client for the caller; the answer holds its secret, once.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    request_body = NewMachineClient,
    responses(
        (status = 201, description = "Created; `client_secret` is shown only now", body = MachineClientCreated,
         headers(("Location" = String, description = "The client's URL"))),
        (status = 422, description = "Invalid name or expiry", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/me/clients")]
pub async fn create_my_client(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    body: Body<NewMachineClient>,
) -> ApiResult<HttpResponse> {
    policy::manage_own_clients(Some(&principal))?;
    // A client acting for a client would outlive its creator's revocation.
    if principal.client_id.is_some() {
        return Err(ApiError::Forbidden(
            "a machine client may not create machine clients".into(),
        ));
    }
    let owner = principal.user_id;
    create_for(
        &req,
        &state,
        &principal,
        owner,
        &body.into_inner()?,
        "/api/v1/me/clients".into(),
    )
    .await
}

/// Revoke one of the caller's machine clients: its tokens stop working at once.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The client's id")),
    responses(
        (status = 204, description = "Revoked (or already revoked)"),
        (status = 404, description = "No such client of the caller", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/me/clients/{id}")]
pub async fn revoke_my_client(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    policy::manage_own_clients(Some(&principal))?;
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let (owner, id) = (principal.user_id, id.into_inner());
    db::run_tx(&state.pool, move |conn| revoke(conn, &audit, owner, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Path of a user's clients.
#[derive(Debug, Deserialize, IntoParams)]
pub struct UserClientPath {
    /// The user's id.
    pub id: i64,
    /// The client's id.
    pub client: i64,
}

/// A user's machine clients (secretariat).
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The user's id"), PageParams),
    responses(
        (status = 200, description = "A page of the user's machine clients", body = Page<MachineClient>),
        (status = 404, description = "No such user", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/users/{id}/clients")]
pub async fn list_user_clients(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    page: web::Query<PageParams>,
) -> ApiResult<HttpResponse> {
    policy::manage_users(Some(&principal))?;
    let owner = id.into_inner();
    db::run(&state.pool, move |conn| {
        super::account::find_user(conn, owner)?
            .map(|_| ())
            .ok_or_else(|| ApiError::not_found(format!("no user {owner}")))
    })
    .await?;
    list_for(&req, &state, owner, &page).await
}

/// Create a machine client for a user (secretariat); the answer holds its secret, once.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The user's id")),
    request_body = NewMachineClient,
    responses(
        (status = 201, description = "Created; `client_secret` is shown only now", body = MachineClientCreated),
        (status = 404, description = "No such user", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid name or expiry", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/users/{id}/clients")]
pub async fn create_user_client(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: Body<NewMachineClient>,
) -> ApiResult<HttpResponse> {
    policy::manage_users(Some(&principal))?;
    let owner = id.into_inner();
    create_for(
        &req,
        &state,
        &principal,
        owner,
        &body.into_inner()?,
        format!("/api/v1/users/{owner}/clients"),
    )
    .await
}

/// Revoke a user's machine client (secretariat).
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(UserClientPath),
    responses(
        (status = 204, description = "Revoked (or already revoked)"),
        (status = 404, description = "No such client of that user", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/users/{id}/clients/{client}")]
pub async fn revoke_user_client(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<UserClientPath>,
) -> ApiResult<HttpResponse> {
    policy::manage_users(Some(&principal))?;
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let UserClientPath { id, client } = path.into_inner();
    db::run_tx(&state.pool, move |conn| revoke(conn, &audit, id, client)).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_my_clients)
        .service(create_my_client)
        .service(revoke_my_client)
        .service(list_user_clients)
        .service(create_user_client)
        .service(revoke_user_client);
}
