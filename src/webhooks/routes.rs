//! `/webhooks`: subscriptions, their deliveries, redelivery and test messages.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use serde_json::json;

use super::api::{AttemptOut, Delivery, DeliveryQuery, Webhook, WebhookIn, WebhookPatch};
use super::store::{self, DeliveryRow, WebhookChanges, WebhookRow};
use super::{signing, target, DeliveryStatus, WebhookStatus};
use crate::audit::AuditCtx;
use crate::auth::policy;
use crate::auth::Principal;
use crate::db::{self, DbConn};
use crate::error::{ApiError, ApiResult};
use crate::http::body::{Body, MaybeBody};
use crate::http::etag;
use crate::http::pagination::{page_response, Page, PageParams};
use crate::http::validate::Checks;
use crate::state::AppState;
use crate::time::utc;

fn render(row: WebhookRow, secret: Option<String>) -> Webhook {
    Webhook {
        id: row.id,
        url: row.url,
        description: row.description,
        event_types: row.event_types.0,
        status: row.status,
        disabled_reason: row.disabled_reason,
        owner: row.owner_id,
        consecutive_failures: row.consecutive_failures,
        failing_since: row.failing_since.map(utc),
        secret,
        revision: row.revision,
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
    }
}

fn respond(req: &HttpRequest, row: WebhookRow, secret: Option<String>) -> ApiResult<HttpResponse> {
    let (id, revision) = (row.id, row.revision);
    etag::versioned_json(
        req,
        etag::Entity("webhook", id),
        revision,
        &render(row, secret),
        None,
    )
}

fn not_found(id: i64) -> ApiError {
    ApiError::not_found(format!("no webhook {id}"))
}

/// The subscription `id` if `p` may manage it (404 otherwise).
fn load(conn: &mut DbConn, id: i64, p: &Principal) -> ApiResult<WebhookRow> {
    let row = store::find_webhook(conn, id)?.ok_or_else(|| not_found(id))?;
    policy::manage_webhook(Some(p), row.owner_id).map_err(|_| not_found(id))?;
    Ok(row)
}

fn check_url(checks: &mut Checks, raw: &str, allow_private: bool) -> String {
    let url = checks.text("url", raw, 1, 2000);
    if let Some((code, message)) = target::refuse(&url, allow_private) {
        checks.add("url", code, message);
    }
    url
}

fn check_types(checks: &mut Checks, types: &[String]) -> Vec<String> {
    let joined = types.join(",");
    let parsed = crate::events::routes::parse_types(checks, "event_types", &joined);
    let mut names: Vec<String> = parsed.iter().map(|t| t.as_text()).collect();
    names.dedup();
    names
}

/// The caller's subscriptions (the secretariat's view: everyone's).
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    params(PageParams),
    responses(
        (status = 200, description = "A page of subscriptions (without secrets)", body = Page<Webhook>),
        (status = 400, description = "Bad limit or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhooks")]
pub async fn list_webhooks(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    page: web::Query<PageParams>,
) -> ApiResult<HttpResponse> {
    policy::hold_webhooks(Some(&principal))?;
    let mut checks = Checks::new();
    let page = page.parse::<i64>(&mut checks.errors);
    checks.finish_query()?;
    let owner = (!principal.is(crate::auth::Role::Secretariat)).then_some(principal.user_id);
    let limit = page.limit;
    let rows = db::run(&state.pool, move |conn| {
        Ok(store::list_webhooks(conn, owner, page.after, limit)?)
    })
    .await?;
    let page = Page::from_rows(rows, limit, |r| r.id, |r| render(r, None));
    page_response(&req, &page, None)
}

/// Subscribe a receiver to events (the secretariat; a focal point, for what its country may
/// read). Deliveries start with the next event. The answer shows the signing secret, once.
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    request_body = WebhookIn,
    responses(
        (status = 201, description = "Subscribed; `secret` is shown this once", body = Webhook, headers(("Location" = String), ("ETag" = String))),
        (status = 422, description = "Every problem with the input: a URL that is not https, points at a private address, or does not resolve; unknown event types", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks")]
pub async fn create_webhook(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    body: Body<WebhookIn>,
) -> ApiResult<HttpResponse> {
    policy::hold_webhooks(Some(&principal))?;
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let body = body.into_inner()?;
    let allow_private = state.settings.webhooks.allow_private;
    // The URL's name is resolved: blocking work, done before the transaction.
    let (url, types, description) = web::block(move || {
        let mut checks = Checks::new();
        let url = check_url(&mut checks, &body.url, allow_private);
        let types = check_types(&mut checks, body.event_types.as_deref().unwrap_or(&[]));
        let description = body
            .description
            .as_deref()
            .map(|d| checks.text("description", d, 0, 500))
            .filter(|d| !d.is_empty());
        checks.finish().map(|()| (url, types, description))
    })
    .await??;
    let secret = signing::new_secret();
    let kept = secret.clone();
    let owner = principal.user_id;
    let row = db::run_tx(&state.pool, move |conn| {
        let cursor = crate::events::store::head(conn)?;
        let id = store::insert_webhook(
            conn,
            &store::NewWebhook {
                owner_id: owner,
                url: &url,
                description: description.as_deref(),
                event_types: &types,
                secret: &kept,
                event_cursor: cursor,
            },
        )?;
        audit.record(
            conn,
            "webhook.create",
            "webhook",
            id,
            json!({"url": url, "event_types": types}),
        )?;
        store::find_webhook(conn, id)?.ok_or_else(|| not_found(id))
    })
    .await?;
    let id = row.id;
    crate::http::created(
        respond(&req, row, Some(secret))?,
        &format!("/api/v1/webhooks/{id}"),
    )
}

/// One subscription (its owner, the secretariat).
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The subscription's id")),
    responses(
        (status = 200, description = "The subscription", body = Webhook, headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 404, description = "No such subscription, or not yours", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhooks/{id}")]
pub async fn get_webhook(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    policy::hold_webhooks(Some(&principal))?;
    let id = id.into_inner();
    let row = db::run(&state.pool, move |conn| load(conn, id, &principal)).await?;
    respond(&req, row, None)
}

/// Change a subscription: URL, event types, description; pause or resume it (also after the
/// server disabled it); rotate its secret. Honours `If-Match`.
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The subscription's id")),
    request_body = WebhookPatch,
    responses(
        (status = 200, description = "Changed (with the new secret when rotated)", body = Webhook, headers(("ETag" = String))),
        (status = 404, description = "No such subscription, or not yours", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Every problem with the input", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/webhooks/{id}")]
pub async fn patch_webhook(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: Body<WebhookPatch>,
) -> ApiResult<HttpResponse> {
    policy::hold_webhooks(Some(&principal))?;
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let if_match = etag::if_match_values(&req);
    let id = id.into_inner();
    let body = body.into_inner()?;
    let allow_private = state.settings.webhooks.allow_private;
    let patch = web::block(move || {
        let mut checks = Checks::new();
        let url = body
            .url
            .as_deref()
            .map(|u| check_url(&mut checks, u, allow_private));
        let types = body
            .event_types
            .as_deref()
            .map(|t| check_types(&mut checks, t));
        let description = body.description.clone().map(|d| {
            d.map(|d| checks.text("description", &d, 0, 500))
                .filter(|d| !d.is_empty())
        });
        if body.status == Some(WebhookStatus::Disabled) {
            checks.add(
                "status",
                "not_yours",
                "`disabled` is set by the server after failures; use `paused`",
            );
        }
        checks.finish().map(|()| {
            let secret = body
                .rotate_secret
                .unwrap_or(false)
                .then(signing::new_secret);
            (url, types, description, body.status, secret)
        })
    })
    .await??;
    let (url, types, description, status, secret) = patch;
    let kept = secret.clone();
    let row = db::run_tx(&state.pool, move |conn| {
        db::lock_id(conn, "webhooks", id)?;
        let row = load(conn, id, &principal)?;
        etag::check_revision(if_match.as_deref(), etag::Entity("webhook", id), row.revision)?;
        let resumed = status == Some(WebhookStatus::Active) && row.status != WebhookStatus::Active;
        let changes = WebhookChanges {
            url: url.clone(),
            description: description.clone(),
            event_types: types.as_ref().map(|t| json!(t).to_string()),
            status,
            disabled_reason: status.map(|_| None),
            consecutive_failures: resumed.then_some(0),
            failing_since: resumed.then_some(None),
            secret: kept.clone(),
            revision: Some(row.revision + 1),
            updated_at: Some(crate::time::now()),
            ..WebhookChanges::default()
        };
        store::update_webhook(conn, id, &changes)?;
        audit.record(
            conn,
            "webhook.update",
            "webhook",
            id,
            json!({"url": url, "event_types": types, "status": status, "secret_rotated": kept.is_some()}),
        )?;
        store::find_webhook(conn, id)?.ok_or_else(|| not_found(id))
    })
    .await?;
    respond(&req, row, secret)
}

/// End a subscription: its pending deliveries are dropped with it.
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The subscription's id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "No such subscription, or not yours", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    policy::hold_webhooks(Some(&principal))?;
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let id = id.into_inner();
    db::run_tx(&state.pool, move |conn| {
        db::lock_id(conn, "webhooks", id)?;
        let row = load(conn, id, &principal)?;
        store::delete_webhook(conn, id)?;
        audit.record(
            conn,
            "webhook.delete",
            "webhook",
            id,
            json!({"url": row.url}),
        )?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

fn render_delivery(d: DeliveryRow, attempts: Vec<AttemptOut>) -> Delivery {
    Delivery {
        id: d.id,
        event: d.event_id,
        message_id: d.message_id,
        event_type: d.event_type,
        next_attempt_at: (d.status == DeliveryStatus::Pending).then(|| utc(d.next_attempt_at)),
        status: d.status,
        attempts: d.attempts,
        last_status: d.last_status,
        body: serde_json::from_str(&d.body).unwrap_or(serde_json::Value::Null),
        attempt_log: attempts,
        created_at: utc(d.created_at),
        updated_at: utc(d.updated_at),
    }
}

/// A subscription's deliveries, newest first, each with every attempt (status, time,
/// latency, the start of the receiver's answer).
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The subscription's id"), DeliveryQuery, PageParams),
    responses(
        (status = 200, description = "A page of deliveries", body = Page<Delivery>),
        (status = 400, description = "Bad status, limit or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription, or not yours", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_deliveries(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    query: web::Query<DeliveryQuery>,
    page: web::Query<PageParams>,
) -> ApiResult<HttpResponse> {
    policy::hold_webhooks(Some(&principal))?;
    let mut checks = Checks::new();
    let status = query
        .status
        .as_deref()
        .filter(|s| !s.is_empty())
        .and_then(|s| {
            checks.one_of(
                "status",
                s,
                DeliveryStatus::parse,
                "pending, delivered, failed",
            )
        });
    let page = page.parse::<i64>(&mut checks.errors);
    checks.finish_query()?;
    let id = id.into_inner();
    let limit = page.limit;
    let (rows, attempts) = db::run(&state.pool, move |conn| {
        load(conn, id, &principal)?;
        let rows = store::list_deliveries(conn, id, status, page.after, limit)?;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        Ok((rows, store::attempts_of(conn, &ids)?))
    })
    .await?;
    let mut by_delivery: std::collections::HashMap<i64, Vec<AttemptOut>> = Default::default();
    for a in attempts {
        by_delivery
            .entry(a.delivery_id)
            .or_default()
            .push(AttemptOut {
                at: utc(a.at),
                status_code: a.status_code,
                latency_ms: a.latency_ms,
                error: a.error,
                response_excerpt: a.response_excerpt,
            });
    }
    let page = Page::from_rows(
        rows,
        limit,
        |r| r.id,
        |r| {
            let attempts = by_delivery.remove(&r.id).unwrap_or_default();
            render_delivery(r, attempts)
        },
    );
    page_response(&req, &page, None)
}

/// Send a delivery again, as a new delivery of the same message (same `webhook-id`), now.
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "The subscription's id"),
        ("delivery" = i64, Path, description = "The delivery's id"),
    ),
    responses(
        (status = 202, description = "Queued: the new delivery", body = Delivery, headers(("Location" = String))),
        (status = 404, description = "No such subscription or delivery, or not yours", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks/{id}/deliveries/{delivery}/redeliver")]
pub async fn redeliver(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(i64, i64)>,
    body: MaybeBody<serde_json::Value>,
) -> ApiResult<HttpResponse> {
    policy::hold_webhooks(Some(&principal))?;
    body.into_inner()?;
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let (id, delivery) = path.into_inner();
    let row = db::run_tx(&state.pool, move |conn| {
        load(conn, id, &principal)?;
        let d = store::find_delivery(conn, delivery)?
            .filter(|d| d.webhook_id == id)
            .ok_or_else(|| {
                ApiError::not_found(format!("webhook {id} has no delivery {delivery}"))
            })?;
        queue(
            conn,
            &audit,
            "webhook.redeliver",
            &store::NewDelivery {
                webhook_id: id,
                event_id: d.event_id,
                message_id: &d.message_id,
                event_type: &d.event_type,
                entity_key: &d.entity_key,
                body: &d.body,
            },
        )
    })
    .await?;
    accepted(id, row)
}

/// Queues a delivery asked for by a person (a redelivery, a test), audited as `action`.
fn queue(
    conn: &mut DbConn,
    audit: &AuditCtx,
    action: &str,
    d: &store::NewDelivery<'_>,
) -> ApiResult<DeliveryRow> {
    let id = store::insert_delivery(conn, d)?;
    audit.record(
        conn,
        action,
        "webhook",
        d.webhook_id,
        json!({"delivery": id, "message_id": d.message_id}),
    )?;
    store::find_delivery(conn, id)?.ok_or_else(|| ApiError::internal("delivery vanished"))
}

fn accepted(webhook: i64, row: DeliveryRow) -> ApiResult<HttpResponse> {
    let location = format!("/api/v1/webhooks/{webhook}/deliveries?status=pending");
    Ok(HttpResponse::Accepted()
        .insert_header((actix_web::http::header::LOCATION, location))
        .json(render_delivery(row, Vec::new())))
}

/// Send a test message (`webhook.test`) to the receiver, to check its address and signature
/// verification; it shows among the deliveries like any other.
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The subscription's id")),
    responses(
        (status = 202, description = "Queued: the test delivery", body = Delivery, headers(("Location" = String))),
        (status = 404, description = "No such subscription, or not yours", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks/{id}/test")]
pub async fn test_webhook(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: MaybeBody<serde_json::Value>,
) -> ApiResult<HttpResponse> {
    policy::hold_webhooks(Some(&principal))?;
    body.into_inner()?;
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let id = id.into_inner();
    let message_id = format!("msg_test_{}", uuid::Uuid::new_v4().simple());
    let row = db::run_tx(&state.pool, move |conn| {
        load(conn, id, &principal)?;
        let now = crate::time::now();
        let body = super::delivery::envelope(
            "webhook.test",
            now,
            json!({"webhook": id, "message": "a test message from the MECIGEP API"}),
        );
        queue(
            conn,
            &audit,
            "webhook.test",
            &store::NewDelivery {
                webhook_id: id,
                event_id: None,
                message_id: &message_id,
                event_type: "webhook.test",
                entity_key: &format!("webhook:{id}"),
                body: &body,
            },
        )
    })
    .await?;
    accepted(id, row)
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_webhooks)
        .service(create_webhook)
        .service(get_webhook)
        .service(patch_webhook)
        .service(delete_webhook)
        .service(list_deliveries)
        .service(redeliver)
        .service(test_webhook);
}
