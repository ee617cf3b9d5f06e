//! `/reports`: country and hemispheric reports, their drafting, adoption and publication.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use super::loaded::{load, render, respond, scope, with_experts, Loaded};
use super::model::{NewReportRow, ReportChanges};
use super::rules::{self, ReportAction, ReportKindOut, ReportStatus};
use super::store::{self, ReportFilter};
use crate::audit::AuditCtx;
use crate::auth::policy;
use crate::auth::{MaybePrincipal, Principal};
use crate::db::{self, DbConn};
use crate::error::{ApiError, ApiResult};
use crate::http::etag;
use crate::http::lang::{
    i18n_from_json, i18n_to_json, write_language, Lang, LangParam, LangPref, LangTracker,
    Localized, TextIn,
};
use crate::http::pagination::{page_response, Page, PageParams};
use crate::http::validate::Checks;
use crate::lifecycle::{self, Action, Standing, Subject};
use crate::rounds::rules::RoundStatus;
use crate::state::AppState;

/// A Country Report (one per participant per round) or the round's Hemispheric Report.
#[derive(Debug, Serialize, ToSchema)]
pub struct Report {
    pub id: i64,
    pub round: i64,
    pub kind: ReportKindOut,
    /// The reviewed country (country reports).
    #[schema(example = "CHL")]
    pub country: Option<String>,
    pub language: Lang,
    pub title: Localized,
    /// Markdown.
    pub body: Localized,
    pub status: ReportStatus,
    /// Drafting round: moves on each time the report is returned.
    pub version: i32,
    /// What `If-Match` compares.
    pub revision: i32,
    pub allowed_actions: Vec<String>,
    /// The Committee's decision to adopt.
    pub decision_date: Option<NaiveDate>,
    pub decision_note: Option<String>,
    pub adopted_at: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
    /// Countries drawn to review it (country reports, single reads).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reviewers: Option<Vec<String>>,
    /// Its assigned experts (user ids): the active experts of the reviewer countries, or every
    /// expert for the hemispheric report (single reads).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_experts: Option<Vec<i64>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new report (secretariat), for a round that is open or in review.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReport {
    pub round: i64,
    /// `country` or `hemispheric`.
    #[schema(example = "country")]
    pub kind: String,
    /// A participant of the round (country reports only).
    pub country: Option<String>,
    /// Original language (default `en`).
    pub language: Option<String>,
    #[schema(value_type = Object, example = json!({"en": "Country Report: Chile"}))]
    pub title: TextIn,
    #[schema(value_type = Option<Object>)]
    pub body: Option<TextIn>,
}

/// Changes to a draft or a report under review; texts in `lang=` or the report's language.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportPatch {
    #[schema(value_type = Option<Object>)]
    pub title: Option<TextIn>,
    #[schema(value_type = Option<Object>)]
    pub body: Option<TextIn>,
}

/// The Committee of Experts' decision, recorded by the secretariat.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdoptIn {
    /// Date of the Committee's decision, not in the future.
    #[schema(example = "2026-11-20")]
    pub decision_date: String,
    pub note: Option<String>,
}

/// Why a report goes back to drafting.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportReturnIn {
    pub reason: Option<String>,
}

/// Filters of the report list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    #[param(value_type = Option<i64>)]
    pub round: Option<String>,
    pub country: Option<String>,
    #[param(value_type = Option<ReportKindOut>)]
    pub kind: Option<String>,
    #[param(value_type = Option<ReportStatus>)]
    pub status: Option<String>,
}

/// List reports: published ones for everyone; drafts to the secretariat, the assigned experts
/// (all experts for hemispheric reports) and the reviewed country.
#[utoipa::path(
    tag = "reports",
    params(ReportQuery, PageParams, LangParam),
    responses(
        (status = 200, description = "A page of reports", body = Page<Report>),
        (status = 400, description = "Bad filter, limit or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports")]
pub async fn list_reports(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: MaybePrincipal,
    query: web::Query<ReportQuery>,
    page: web::Query<PageParams>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let mut checks = Checks::new();
    let filter = ReportFilter {
        round: checks.integer("round", query.round.as_deref()),
        country: query
            .country
            .as_deref()
            .map(|c| c.trim().to_ascii_uppercase()),
        kind: query
            .kind
            .as_deref()
            .and_then(|k| checks.one_of("kind", k, ReportKindOut::parse, "country, hemispheric")),
        status: query.status.as_deref().and_then(|s| {
            checks.one_of(
                "status",
                s,
                ReportStatus::parse,
                "draft, under_review, adopted, published",
            )
        }),
    };
    let page = page.parse::<i64>(&mut checks.errors);
    checks.finish_query()?;
    let limit = page.limit;
    let rows = db::run(&state.pool, move |conn| {
        let scope = scope(conn, principal.0.as_ref())?;
        Ok(store::list_reports(
            conn, &filter, &scope, page.after, limit,
        )?)
    })
    .await?;
    let mut langs = LangTracker::default();
    let page = Page::from_rows(
        rows,
        limit,
        |r| r.id,
        |row| {
            render(
                Loaded {
                    row,
                    reviewers: Vec::new(),
                    caller_assigned: false,
                    experts: None,
                },
                pref,
                &mut langs,
                false,
            )
        },
    );
    page_response(&req, &page, Some(langs.header_value(pref)))
}

/// One report, with the countries drawn to review it.
#[utoipa::path(
    tag = "reports",
    params(("id" = i64, Path, description = "The report's id"), LangParam),
    responses(
        (status = 200, description = "The report", body = Report, headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 404, description = "No such report, or not yours to see before publication", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/{id}")]
pub async fn get_report(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: MaybePrincipal,
    id: web::Path<i64>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let loaded = db::run(&state.pool, move |conn| {
        let l = load(conn, id, principal.0.as_ref())?;
        policy::read_report(principal.0.as_ref(), &l.facts())?;
        with_experts(conn, l)
    })
    .await?;
    respond(&req, loaded, pref)
}

/// Create a report (secretariat): a country report for a participant, or the round's
/// hemispheric report. The round must be open or in review.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    request_body = NewReport,
    responses(
        (status = 201, description = "Created", body = Report, headers(("Location" = String))),
        (status = 409, description = "It exists (Location names it), or the round is not open or in review", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Every problem with the input", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/reports")]
pub async fn create_report(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<NewReport>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    policy::manage_rounds(Some(&principal))?;
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let body = body.into_inner();
    let loaded = db::run_tx(&state.pool, move |conn| {
        let mut checks = Checks::new();
        let kind = checks.one_of(
            "kind",
            &body.kind,
            ReportKindOut::parse,
            "country, hemispheric",
        );
        let lang = match body.language.as_deref() {
            None => Lang::En,
            Some(l) => checks.language("language", l).unwrap_or(Lang::En),
        };
        let title = body.title.to_i18n(&mut checks, "title", lang, true, 300);
        let text = body
            .body
            .as_ref()
            .map(|b| b.to_i18n(&mut checks, "body", lang, false, 500_000))
            .unwrap_or_default();
        let round = match store::round_status(conn, body.round)? {
            Some(s) => Some(s),
            None => {
                checks.add("round", "unknown", format!("no round {}", body.round));
                None
            }
        };
        let country = body
            .country
            .as_deref()
            .map(|c| c.trim().to_ascii_uppercase());
        let participates = match (&country, &round) {
            (Some(c), Some(_)) => crate::rounds::store::participant(conn, body.round, c)?.is_some(),
            _ => true,
        };
        match (kind, &country) {
            (Some(ReportKindOut::Country), None) => {
                checks.add("country", "required", "a country report names its country")
            }
            (Some(ReportKindOut::Hemispheric), Some(_)) => checks.add(
                "country",
                "not_allowed",
                "the hemispheric report covers the whole round",
            ),
            (Some(ReportKindOut::Country), Some(c)) if !participates => checks.add(
                "country",
                "not_participant",
                format!("{c} does not participate in round {}", body.round),
            ),
            _ => {}
        }
        checks.finish()?;
        let kind = kind.unwrap_or(ReportKindOut::Country);
        if let Some(status) = round.as_deref().and_then(RoundStatus::parse) {
            if !matches!(status, RoundStatus::Open | RoundStatus::InReview) {
                return Err(ApiError::conflict(
                    "round-not-ready",
                    format!(
                        "reports are drafted while the round is open or in review; it is {}",
                        status.as_str()
                    ),
                    vec![],
                ));
            }
        }
        if let Some(existing) = store::report_exists(conn, body.round, kind, country.as_deref())? {
            let mut ext = serde_json::Map::new();
            ext.insert(
                "location".into(),
                json!(format!("/api/v1/reports/{existing}")),
            );
            return Err(ApiError::Conflict {
                slug: "report-exists",
                detail: "this report exists".into(),
                extensions: ext,
            });
        }
        let now = crate::time::now();
        let id = store::insert_report(
            conn,
            &NewReportRow {
                round_id: body.round,
                kind,
                country: country.clone(),
                language: lang.code().into(),
                title: i18n_to_json(&title),
                body: i18n_to_json(&text),
                created_at: now,
                updated_at: now,
            },
        )?;
        audit.record(
            conn,
            "report.create",
            "report",
            id,
            json!({"round": body.round, "kind": kind, "country": country}),
        )?;
        load(conn, id, Some(&principal))
    })
    .await?;
    let location = format!("/api/v1/reports/{}", loaded.row.id);
    crate::http::created(respond(&req, loaded, pref)?, &location)
}

/// Edit a report's title or body (the secretariat and its assigned experts; all experts for
/// the hemispheric report) while it is a draft or under review; honours `If-Match`.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The report's id"), ("lang" = Option<Lang>, Query, description = "Language of plain-string texts"), ("If-Match" = Option<String>, Header, description = "The ETag read")),
    request_body = ReportPatch,
    responses(
        (status = 200, description = "Changed", body = Report),
        (status = 409, description = "Adopted reports are frozen", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since read", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Every problem with the input", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/reports/{id}")]
pub async fn patch_report(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: web::Json<ReportPatch>,
) -> ApiResult<HttpResponse> {
    let write_lang = write_language(&req)?;
    let if_match = etag::if_match_values(&req);
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let pref = LangPref::from_request_parts(&req)?;
    let id = id.into_inner();
    let body = body.into_inner();
    let loaded = db::run_tx(&state.pool, move |conn| {
        db::lock_id(conn, "reports", id)?;
        let l = load(conn, id, Some(&principal))?;
        policy::draft_report(Some(&principal), &l.facts())?;
        rules::check_not_frozen(l.status())?;
        etag::check_revision(
            if_match.as_deref(),
            etag::Entity("report", l.row.id),
            l.row.revision,
        )?;
        let lang = write_lang.unwrap_or_else(|| Lang::parse(&l.row.language).unwrap_or(Lang::En));
        let mut checks = Checks::new();
        let mut title = i18n_from_json(&l.row.title);
        let mut text = i18n_from_json(&l.row.body);
        if let Some(t) = &body.title {
            title.extend(t.to_i18n(&mut checks, "title", lang, false, 300));
        }
        if let Some(b) = &body.body {
            text.extend(b.to_i18n(&mut checks, "body", lang, false, 500_000));
        }
        checks.finish()?;
        let changes = ReportChanges {
            title: Some(i18n_to_json(&title)),
            body: Some(i18n_to_json(&text)),
            revision: Some(l.row.revision + 1),
            updated_at: Some(crate::time::now()),
            ..ReportChanges::default()
        };
        store::update_report(conn, id, &changes)?;
        audit.record(
            conn,
            "report.update",
            "report",
            id,
            json!({"title": body.title.is_some(), "body": body.body.is_some(), "lang": write_lang}),
        )?;
        load(conn, id, Some(&principal))
    })
    .await?;
    respond(&req, loaded, pref)
}

impl Subject<ReportAction> for Loaded {
    fn standing(&self) -> Standing<ReportStatus> {
        Standing {
            status: self.status(),
            revision: self.row.revision,
        }
    }
}

async fn workflow(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: i64,
    action: ReportAction,
    adopt: Option<AdoptIn>,
    reason: Option<String>,
) -> ApiResult<HttpResponse> {
    let if_match = etag::if_match_values(&req);
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let pref = LangPref::from_request_parts(&req)?;
    let loaded = db::run_tx(&state.pool, move |conn| {
        let act = Action {
            table: "reports",
            entity: "report",
            id,
            action,
            if_match: if_match.as_deref(),
            audit: &audit,
        };
        let authorize = |l: &Loaded| match action {
            ReportAction::Submit => policy::draft_report(Some(&principal), &l.facts()),
            _ => policy::adopt_or_publish_report(Some(&principal), &l.facts()),
        };
        let load = |conn: &mut DbConn| load(conn, id, Some(&principal));
        lifecycle::act(conn, act, load, authorize, |conn, l, next| {
            let now = crate::time::now();
            let mut changes = ReportChanges {
                status: Some(next),
                revision: Some(l.row.revision + 1),
                updated_at: Some(now),
                ..ReportChanges::default()
            };
            let mut summary = serde_json::Map::new();
            match action {
                ReportAction::Submit => {}
                ReportAction::Return => {
                    changes.version = Some(l.row.version + 1);
                    let mut checks = Checks::new();
                    if let Some(r) = &reason {
                        summary.insert("reason".into(), json!(checks.text("reason", r, 0, 2000)));
                    }
                    checks.finish()?;
                }
                ReportAction::Adopt => {
                    let mut checks = Checks::new();
                    let input = adopt.as_ref();
                    let date = match input.map(|a| a.decision_date.as_str()) {
                        Some(d) => match checks.date("decision_date", d) {
                            Some(d) if d > now.date() => {
                                checks.add("decision_date", "future", "cannot be in the future");
                                None
                            }
                            other => other,
                        },
                        None => {
                            checks.add(
                                "decision_date",
                                "required",
                                "the date of the Committee's decision",
                            );
                            None
                        }
                    };
                    let note = input
                        .and_then(|a| a.note.as_deref())
                        .map(|n| checks.text("note", n, 0, 2000))
                        .filter(|n| !n.is_empty());
                    checks.finish()?;
                    summary.insert("decision_date".into(), json!(date));
                    summary.insert("note".into(), json!(note));
                    changes.decision_date = Some(date);
                    changes.decision_note = Some(note);
                    changes.adopted_at = Some(Some(now));
                }
                ReportAction::Publish => changes.published_at = Some(Some(now)),
            }
            store::update_report(conn, id, &changes)?;
            Ok(summary)
        })
    })
    .await?;
    respond(&req, loaded, pref)
}

/// Send a draft for the Committee's review (its drafters).
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The report's id")),
    responses(
        (status = 200, description = "Under review", body = Report),
        (status = 409, description = "Not a draft (`allowed` lists what is possible)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/reports/{id}/submit")]
pub async fn submit_report(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    workflow(
        req,
        state,
        principal,
        id.into_inner(),
        ReportAction::Submit,
        None,
        None,
    )
    .await
}

/// Send a report under review back to drafting (secretariat); its version moves on.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The report's id")),
    request_body(content = ReportReturnIn, description = "Optional reason"),
    responses(
        (status = 200, description = "Back to draft", body = Report),
        (status = 409, description = "Not under review", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/reports/{id}/return")]
pub async fn return_report(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: Option<web::Json<ReportReturnIn>>,
) -> ApiResult<HttpResponse> {
    let reason = body.and_then(|b| b.into_inner().reason);
    workflow(
        req,
        state,
        principal,
        id.into_inner(),
        ReportAction::Return,
        None,
        reason,
    )
    .await
}

/// Record the Committee of Experts' adoption (secretariat): the report is frozen from then on.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The report's id")),
    request_body = AdoptIn,
    responses(
        (status = 200, description = "Adopted", body = Report),
        (status = 409, description = "Not under review", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No or bad decision date", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/reports/{id}/adopt")]
pub async fn adopt_report(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: Option<web::Json<AdoptIn>>,
) -> ApiResult<HttpResponse> {
    let adopt = body.map(|b| b.into_inner());
    workflow(
        req,
        state,
        principal,
        id.into_inner(),
        ReportAction::Adopt,
        adopt,
        None,
    )
    .await
}

/// Publish an adopted report (secretariat): everyone reads it from then on.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The report's id")),
    responses(
        (status = 200, description = "Published", body = Report),
        (status = 409, description = "Not adopted", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/reports/{id}/publish")]
pub async fn publish_report(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    workflow(
        req,
        state,
        principal,
        id.into_inner(),
        ReportAction::Publish,
        None,
        None,
    )
    .await
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_reports)
        .service(create_report)
        .service(get_report)
        .service(patch_report)
        .service(submit_report)
        .service(return_report)
        .service(adopt_report)
        .service(publish_report)
        .service(super::draws::create_draw)
        .service(super::draws::round_assignments)
        .service(super::comments::list_comments)
        .service(super::comments::create_comment)
        .service(super::comments::edit_comment)
        .service(super::recommendations::list_report_recommendations)
        .service(super::recommendations::create_recommendation)
        .service(super::recommendations::list_recommendations)
        .service(super::recommendations::get_recommendation)
        .service(super::recommendations::patch_recommendation);
}
