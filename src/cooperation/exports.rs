//! `/exports/{needs,offers,cooperations}`: the cooperation board for analysts, streamed as CSV
//! or NDJSON with the filters and visibility of its lists. Each row is the item as the API
//! shows it, laid out in columns; its files as four list columns (`attachment_names`,
//! `attachment_sizes`, `attachment_sha256`, `attachment_paths`).

use actix_web::{get, web, HttpRequest, HttpResponse};
use serde_json::Value;

use super::api::{CooperationQuery, NeedQuery, OfferQuery};
use super::common::{self, RawFilter};
use super::rules::{CooperationStatus, NeedStatus, OfferStatus};
use super::search::Indexed;
use super::store::{self, BoardFilter, Viewer};
use crate::auth::{MaybePrincipal, Principal};
use crate::db::DbConn;
use crate::error::ApiResult;
use crate::exports::encode::{self, Batch, Encoder, Format, Source};
use crate::exports::routes::ExportParams;
use crate::http::lang::{LangParam, LangPref, LangTracker};
use crate::http::validate::Checks;
use crate::state::AppState;

/// Rows read per batch.
const BATCH: i64 = 500;

/// Which list an export walks, with its own filters.
#[derive(Debug, Clone, Copy)]
enum Listing {
    Needs(Option<NeedStatus>),
    Offers(Option<OfferStatus>, Option<i64>),
    Cooperations(Option<CooperationStatus>, Option<i64>),
}

/// `(column, JSON pointer into the item as the API shows it)`.
type Columns = &'static [(&'static str, &'static str)];

const NEEDS: Columns = &[
    ("id", "/id"),
    ("country", "/country"),
    ("thematic_area", "/thematic_area"),
    ("kind", "/kind"),
    ("priority", "/priority"),
    ("modality", "/modality"),
    ("language", "/language"),
    ("title", "/title"),
    ("description", "/description"),
    ("languages", "/languages"),
    ("recommendations", "/recommendations"),
    ("experiences", "/experiences"),
    ("confidential", "/confidential"),
    ("status", "/status"),
    ("close_note", "/close_note"),
    ("cooperations", "/cooperations"),
    ("attachment_names", "/attachments"),
    ("attachment_sizes", "/attachments"),
    ("attachment_sha256", "/attachments"),
    ("attachment_paths", "/attachments"),
    ("created_at", "/created_at"),
    ("updated_at", "/updated_at"),
];

const OFFERS: Columns = &[
    ("id", "/id"),
    ("country", "/country"),
    ("partner", "/partner"),
    ("thematic_area", "/thematic_area"),
    ("language", "/language"),
    ("title", "/title"),
    ("description", "/description"),
    ("kinds", "/kinds"),
    ("languages", "/languages"),
    ("modality", "/modality"),
    ("capacity_per_year", "/capacity_per_year"),
    ("valid_from", "/valid_from"),
    ("valid_until", "/valid_until"),
    ("experiences", "/experiences"),
    ("status", "/status"),
    ("ratings_count", "/ratings/count"),
    ("ratings_average", "/ratings/average"),
    ("attachment_names", "/attachments"),
    ("attachment_sizes", "/attachments"),
    ("attachment_sha256", "/attachments"),
    ("attachment_paths", "/attachments"),
    ("created_at", "/created_at"),
    ("updated_at", "/updated_at"),
];

const COOPERATIONS: Columns = &[
    ("id", "/id"),
    ("need", "/need"),
    ("offer", "/offer"),
    ("requester", "/requester"),
    ("provider_country", "/provider_country"),
    ("provider_partner", "/provider_partner"),
    ("thematic_area", "/thematic_area"),
    ("language", "/language"),
    ("title", "/title"),
    ("status", "/status"),
    ("activities", "/activities"),
    ("agreed_at", "/agreed_at"),
    ("started_at", "/started_at"),
    ("completed_at", "/completed_at"),
    ("outcome_summary", "/outcome/summary"),
    ("outcome_results", "/outcome/results"),
    ("outcome_lessons", "/outcome/lessons"),
    ("rating", "/rating/score"),
    ("cancel_reason", "/cancel_reason"),
    ("attachment_names", "/attachments"),
    ("attachment_sizes", "/attachments"),
    ("attachment_sha256", "/attachments"),
    ("attachment_paths", "/attachments"),
    ("created_at", "/created_at"),
    ("updated_at", "/updated_at"),
];

const TRANSLATED: [&str; 2] = ["title", "description"];

struct BoardExport {
    listing: Listing,
    viewer: Viewer,
    principal: Option<Principal>,
    filter: BoardFilter,
    q: Option<String>,
    columns: Columns,
    pref: LangPref,
    before: Option<i64>,
    started: bool,
    done: bool,
}

impl BoardExport {
    fn write(&self, out: &mut Batch, item: Value) {
        let row: Vec<Value> = self
            .columns
            .iter()
            .map(|(name, pointer)| {
                let v = item.pointer(pointer).cloned().unwrap_or(Value::Null);
                // Activities are listed by title.
                let each = |a: Vec<Value>, pointer: &str| {
                    Value::Array(
                        a.into_iter()
                            .map(|x| x.pointer(pointer).cloned().unwrap_or(Value::Null))
                            .collect(),
                    )
                };
                match (*name, v) {
                    ("activities", Value::Array(a)) => each(a, "/title"),
                    (column, Value::Array(a)) if column.starts_with("attachment_") => {
                        each(a, crate::exports::sources::attachment_pointer(column))
                    }
                    (_, v) => v,
                }
            })
            .collect();
        out.row(&row);
    }
}

impl Source for BoardExport {
    fn next_batch(&mut self, conn: &mut DbConn, out: &mut Batch) -> ApiResult<bool> {
        if self.done {
            return Ok(false);
        }
        if !self.started {
            let what = match self.listing {
                Listing::Offers(..) => Indexed::Offer,
                _ => Indexed::Need,
            };
            common::resolve_q(conn, &mut self.filter, what, self.q.as_deref())?;
            self.started = true;
        }
        let p = self.principal.as_ref();
        let mut langs = LangTracker::default();
        let (items, last): (Vec<Value>, Option<i64>) = match self.listing {
            Listing::Needs(status) => {
                let rows = store::list_needs(
                    conn,
                    &self.viewer,
                    &self.filter,
                    status,
                    self.before,
                    BATCH,
                )?;
                self.done = rows.len() as i64 <= BATCH;
                let rows: Vec<_> = rows.into_iter().take(BATCH as usize).collect();
                let last = rows.last().map(|r| r.row.id);
                (
                    rows.into_iter()
                        .map(|r| json(&super::needs::render(r, p, self.pref, &mut langs)))
                        .collect(),
                    last,
                )
            }
            Listing::Offers(status, partner) => {
                let rows = store::list_offers(
                    conn,
                    &self.viewer,
                    &self.filter,
                    partner,
                    status,
                    self.before,
                    BATCH,
                )?;
                self.done = rows.len() as i64 <= BATCH;
                let rows: Vec<_> = rows.into_iter().take(BATCH as usize).collect();
                let last = rows.last().map(|r| r.row.id);
                (
                    rows.into_iter()
                        .map(|r| json(&super::offers::render(r, self.pref, &mut langs)))
                        .collect(),
                    last,
                )
            }
            Listing::Cooperations(status, need) => {
                let rows = store::list_cooperations(
                    conn,
                    &self.viewer,
                    &self.filter,
                    status,
                    need,
                    self.before,
                    BATCH,
                )?;
                self.done = rows.len() as i64 <= BATCH;
                let rows: Vec<_> = rows.into_iter().take(BATCH as usize).collect();
                let last = rows.last().map(|r| r.row.id);
                (
                    rows.into_iter()
                        .map(|r| json(&super::cooperations::render(r, p, self.pref, &mut langs)))
                        .collect(),
                    last,
                )
            }
        };
        let Some(last) = last else {
            self.done = true;
            return Ok(false);
        };
        self.before = Some(last);
        for item in items {
            self.write(out, item);
        }
        Ok(true)
    }
}

fn json<T: serde::Serialize>(item: &T) -> Value {
    serde_json::to_value(item).unwrap_or(Value::Null)
}

#[allow(clippy::too_many_arguments)]
fn export(
    req: &HttpRequest,
    state: &AppState,
    caller: Option<Principal>,
    listing: Listing,
    raw: &RawFilter,
    mut checks: Checks,
    format: Option<&str>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let format = Format::negotiate(req, format)?;
    let (filter, q) = common::board_filter(&mut checks, raw);
    checks.finish_query()?;
    let (columns, name) = match listing {
        Listing::Needs(_) => (NEEDS, "needs"),
        Listing::Offers(..) => (OFFERS, "offers"),
        Listing::Cooperations(..) => (COOPERATIONS, "cooperations"),
    };
    let source = BoardExport {
        listing,
        viewer: common::viewer(caller.as_ref()),
        principal: caller,
        filter,
        q,
        columns,
        pref,
        before: None,
        started: false,
        done: false,
    };
    let names = columns.iter().map(|c| c.0.to_owned()).collect();
    encode::stream(
        state.pool.clone(),
        source,
        Encoder::new(format, names).translated(pref, &TRANSLATED),
        name,
    )
}

/// Needs, one row per need, with the filters and visibility of `GET /needs`; texts in the
/// requested language, or with `lang=all` every translation (CSV `title_en`…). Streamed.
#[utoipa::path(
    tag = "exports",
    params(NeedQuery, ExportParams, LangParam),
    responses(
        (status = 200, description = "The rows, streamed", content((String = "text/csv"), (String = "application/x-ndjson")), headers(("Content-Disposition" = String))),
        (status = 400, description = "Bad filter or format", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/exports/needs")]
pub async fn export_needs(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: MaybePrincipal,
    query: web::Query<NeedQuery>,
    params: web::Query<ExportParams>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let mut checks = Checks::new();
    let status = common::need_status(&mut checks, query.status.as_deref());
    let raw = query.raw();
    export(
        &req,
        &state,
        caller.0,
        Listing::Needs(status),
        &raw,
        checks,
        params.format.as_deref(),
        pref,
    )
}

/// Offers, one row per offer (ratings in aggregate), with the filters and visibility of
/// `GET /offers`. Streamed.
#[utoipa::path(
    tag = "exports",
    params(OfferQuery, ExportParams, LangParam),
    responses(
        (status = 200, description = "The rows, streamed", content((String = "text/csv"), (String = "application/x-ndjson")), headers(("Content-Disposition" = String))),
        (status = 400, description = "Bad filter or format", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/exports/offers")]
pub async fn export_offers(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: MaybePrincipal,
    query: web::Query<OfferQuery>,
    params: web::Query<ExportParams>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let mut checks = Checks::new();
    let status = common::offer_status(&mut checks, query.status.as_deref());
    let partner = checks.integer("partner", query.partner.as_deref());
    let raw = query.raw();
    export(
        &req,
        &state,
        caller.0,
        Listing::Offers(status, partner),
        &raw,
        checks,
        params.format.as_deref(),
        pref,
    )
}

/// Cooperations, one row per cooperation (activities by title, the outcome's parts, the rating
/// where the caller may read it), with the filters and visibility of `GET /cooperations`.
/// Streamed.
#[utoipa::path(
    tag = "exports",
    params(CooperationQuery, ExportParams, LangParam),
    responses(
        (status = 200, description = "The rows, streamed", content((String = "text/csv"), (String = "application/x-ndjson")), headers(("Content-Disposition" = String))),
        (status = 400, description = "Bad filter or format", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/exports/cooperations")]
pub async fn export_cooperations(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: MaybePrincipal,
    query: web::Query<CooperationQuery>,
    params: web::Query<ExportParams>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let mut checks = Checks::new();
    let status = common::cooperation_status(&mut checks, query.status.as_deref());
    let need = checks.integer("need", query.need.as_deref());
    let raw = query.raw();
    export(
        &req,
        &state,
        caller.0,
        Listing::Cooperations(status, need),
        &raw,
        checks,
        params.format.as_deref(),
        pref,
    )
}
