//! `GET /audit-log` (secretariat).

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};

use super::api::{AuditEntry, AuditQuery};
use super::chain::{self, ChainHead};
use super::store::{self, AuditFilter, AuditRow};
use serde_json::json;

use crate::db::{self, DbConn};
use crate::error::ApiResult;
use crate::exports::encode::{self, Batch, Encoder, Format, Source};
use crate::exports::routes::ExportParams;
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
            summary: serde_json::from_str(&r.summary_text).unwrap_or_default(),
            seq: r.seq,
            prev_hash: r.prev_hash,
            hash: r.hash,
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

fn filter_of(query: &AuditQuery, checks: &mut Checks) -> AuditFilter {
    AuditFilter {
        actor: checks.integer("actor", query.actor.as_deref()),
        entity_type: query.entity_type.clone(),
        entity_id: query.entity_id.clone(),
        action: query.action.clone(),
        since: instant(checks, "since", &query.since),
        until: instant(checks, "until", &query.until),
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
    let filter = filter_of(&query, &mut checks);
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

/// The audit chain's latest link, for anyone to record: publishing or anchoring this hash
/// elsewhere (a report, a public ledger, another organisation's records) makes any later
/// rewriting of the log up to it detectable with `mecigep audit verify`. Rows written and not
/// yet sealed are sealed first.
#[utoipa::path(
    tag = "audit",
    responses(
        (status = 200, description = "The newest sealed entry's place, id, time and hash", body = ChainHead),
    )
)]
#[get("/audit-log/head")]
pub async fn audit_chain_head(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let pool = state.pool.clone();
    let head = web::block(move || -> ApiResult<ChainHead> {
        chain::seal(&pool)?;
        db::read_here(&pool, |c| Ok(chain::head(c)?))
    })
    .await??;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(head))
}

/// The columns of the audit export, in order.
const EXPORT_COLUMNS: [&str; 15] = [
    "id",
    "at",
    "actor_id",
    "actor_role",
    "actor_country",
    "client_id",
    "action",
    "entity_type",
    "entity_id",
    "request_id",
    "note",
    "summary",
    "seq",
    "prev_hash",
    "hash",
];

/// The audit rows a filter selects, oldest first, a batch at a time.
struct AuditRows {
    filter: AuditFilter,
    after: i64,
    done: bool,
}

impl Source for AuditRows {
    fn next_batch(&mut self, conn: &mut DbConn, out: &mut Batch) -> ApiResult<bool> {
        const BATCH: i64 = 1000;
        if self.done {
            return Ok(false);
        }
        let rows = store::list_forward(conn, &self.filter, self.after, BATCH)?;
        self.done = (rows.len() as i64) < BATCH;
        let Some(last) = rows.last() else {
            return Ok(false);
        };
        self.after = last.id;
        for r in rows {
            out.row(&[
                json!(r.id),
                json!(chain::instant(r.at)),
                json!(r.actor_id),
                json!(r.actor_role),
                json!(r.actor_country),
                json!(r.client_id),
                json!(r.action),
                json!(r.entity_type),
                json!(r.entity_id),
                json!(r.request_id),
                json!(r.note),
                json!(r.summary_text),
                json!(r.seq),
                json!(r.prev_hash),
                json!(r.hash),
            ]);
        }
        Ok(true)
    }
}

/// The audit log as CSV or NDJSON, oldest first, with the same filters as `GET /audit-log`
/// (secretariat). Each row carries its chain fields (`seq, prev_hash, hash`), `at` in the
/// chain's canonical form (microseconds, `Z`) and `summary` as the stored JSON text, so that
/// anyone holding the export can recompute every hash (see the README's "Audit log").
/// Streamed; no total count.
#[utoipa::path(
    tag = "exports",
    security(("bearer" = [])),
    params(AuditQuery, ExportParams),
    responses(
        (status = 200, description = "The rows, streamed", content((String = "text/csv"), (String = "application/x-ndjson")), headers(("Content-Disposition" = String))),
        (status = 400, description = "Bad filter or format", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/exports/audit-log")]
pub async fn export_audit_log(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<AuditQuery>,
    params: web::Query<ExportParams>,
) -> ApiResult<HttpResponse> {
    policy::read_audit_log(Some(&principal))?;
    let format = Format::negotiate(&req, params.format.as_deref())?;
    let mut checks = Checks::new();
    let filter = filter_of(&query, &mut checks);
    checks.finish_query()?;
    let source = AuditRows {
        filter,
        after: 0,
        done: false,
    };
    let columns = EXPORT_COLUMNS.iter().map(|c| c.to_string()).collect();
    encode::stream(
        state.pool.clone(),
        source,
        Encoder::new(format, columns),
        "audit-log",
    )
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_audit_log)
        .service(audit_chain_head)
        .service(export_audit_log);
}
