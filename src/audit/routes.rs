//! `GET /audit-log` (secretariat).

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};

use super::api::{AuditEntry, AuditQuery};
use super::store::{self, AuditFilter, AuditRow};
use crate::db;
use crate::error::ApiResult;
use crate::http::pagination::{page_response, Page, PageParams};
use crate::http::validate::Checks;
use crate::security::{policy, Principal};
use crate::state::AppState;
use crate::time::utc;

impl From<AuditRow> for AuditEntry {
    fn from(r: AuditRow) -> Self {
        AuditEntry {
            id: r.id,
            at: utc(r.at),
            actor_id: r.actor_id,
            actor_role: r.actor_role,
            actor_country: r.actor_country,
            client_id: r.client_id,
            action: r.action,
            entity_type: r.entity_type,
            entity_id: r.entity_id,
            request_id: r.request_id,
            note: r.note,
            summary: r.summary.0,
        }
    }
}

fn instant(
    checks: &mut Checks,
    field: &str,
    raw: &Option<String>,
) -> Option<chrono::NaiveDateTime> {
    let raw = raw.as_deref()?;
    match DateTime::parse_from_rfc3339(raw) {
        Ok(t) => Some(t.with_timezone(&Utc).naive_utc()),
        Err(_) => {
            checks.add(
                field,
                "datetime",
                "must be an RFC 3339 instant, e.g. 2026-01-31T00:00:00Z",
            );
            None
        }
    }
}

/// The audit log, newest first (secretariat).
#[utoipa::path(
    tag = "audit",
    security(("bearer" = [])),
    params(AuditQuery, PageParams),
    responses(
        (status = 200, description = "A page of audit entries, newest first", body = Page<AuditEntry>),
        (status = 400, description = "Bad filter, limit or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/audit-log")]
pub async fn list_audit_log(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<AuditQuery>,
    page: web::Query<PageParams>,
) -> ApiResult<HttpResponse> {
    policy::read_audit_log(Some(&principal))?;
    let mut checks = Checks::new();
    let actor = checks.integer("actor", query.actor.as_deref());
    let filter = AuditFilter {
        actor,
        entity_type: query.entity_type.clone(),
        entity_id: query.entity_id.clone(),
        action: query.action.clone(),
        since: instant(&mut checks, "since", &query.since),
        until: instant(&mut checks, "until", &query.until),
    };
    let page = page.parse::<i64>(&mut checks.errors);
    checks.finish_query()?;
    let limit = page.limit;
    let rows = db::run(&state.pool, move |conn| {
        Ok(store::list(conn, &filter, page.after, limit)?)
    })
    .await?;
    let page = Page::from_rows(rows, limit, |r| r.id, AuditEntry::from);
    page_response(&req, &page, None)
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_audit_log);
}
