//! `/reports`: country and hemispheric reports, their drafting, adoption and publication.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use serde_json::json;

use super::api::{NewReport, Report, ReportPatch, ReportQuery};
use super::loaded::{load, render, respond, scope, with_experts, Loaded};
use super::model::{NewReportRow, ReportChanges};
use super::rules::{self, ReportKindOut, ReportStatus};
use super::store::{self, ReportFilter};
use crate::audit::AuditCtx;
use crate::auth::policy;
use crate::auth::{MaybePrincipal, Principal};
use crate::db::{self};
use crate::error::{ApiError, ApiResult};
use crate::http::body::Body;
use crate::http::etag;
use crate::http::lang::{i18n_to_json, write_language, Lang, LangParam, LangPref, LangTracker};
use crate::http::pagination::{page_response, Page, PageParams};
use crate::http::validate::Checks;
use crate::rounds::rules::RoundStatus;
use crate::state::AppState;

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
        kind: query.kind.as_deref().and_then(|k| {
            checks.one_of(
                "kind",
                k,
                ReportKindOut::parse,
                "country, hemispheric, follow_up",
            )
        }),
        status: query.status.as_deref().and_then(|s| {
            checks.one_of(
                "status",
                s,
                ReportStatus::parse,
                "draft, under_review, adopted, published",
            )
        }),
        updated_since: query
            .updated_since
            .as_deref()
            .and_then(|t| checks.instant("updated_since", t)),
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
                    attachments: None,
                    follow_up: None,
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
    body: Body<NewReport>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    // Long: a report's kind decides which fields it needs; every problem is reported in one 422.
    policy::manage_rounds(Some(&principal))?;
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let body = body.into_inner()?;
    let loaded = db::run_tx(&state.pool, move |conn| {
        let mut checks = Checks::new();
        let kind = checks.one_of(
            "kind",
            &body.kind,
            ReportKindOut::parse,
            "country, hemispheric, follow_up",
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
            (Some(k), None) if k.is_about_a_country() => checks.add(
                "country",
                "required",
                "a country or follow-up report names its country",
            ),
            (Some(ReportKindOut::Hemispheric), Some(_)) => checks.add(
                "country",
                "not_allowed",
                "the hemispheric report covers the whole round",
            ),
            (Some(k), Some(c)) if k.is_about_a_country() && !participates => checks.add(
                "country",
                "not_participant",
                format!("{c} does not participate in round {}", body.round),
            ),
            (Some(ReportKindOut::FollowUp), Some(c)) => {
                let number = crate::rounds::store::find(conn, body.round)?.map_or(0, |r| r.number);
                if store::earlier_recommendations_of(conn, c, number, false)?.is_empty() {
                    checks.add(
                        "country",
                        "nothing_to_follow_up",
                        format!("{c} has no recommendation of an earlier round to follow up"),
                    );
                }
            }
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
        let loaded = load(conn, id, Some(&principal))?;
        crate::events::emit(
            conn,
            &audit,
            crate::events::Event {
                event_type: "report.created",
                entity_type: "report",
                entity_id: id.to_string(),
                scope: loaded.event_scope(),
                payload: json!({"kind": kind, "status": "draft"}),
            },
        )?;
        Ok(loaded)
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
    body: Body<ReportPatch>,
) -> ApiResult<HttpResponse> {
    let write_lang = write_language(&req)?;
    let if_match = etag::if_match_values(&req);
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let pref = LangPref::from_request_parts(&req)?;
    let id = id.into_inner();
    let body = body.into_inner()?;
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
        let mut title = l.row.title.0.clone();
        let mut text = l.row.body.0.clone();
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

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_reports)
        .service(create_report)
        .service(get_report)
        .service(patch_report)
        .service(super::actions::submit_report)
        .service(super::actions::return_report)
        .service(super::actions::adopt_report)
        .service(super::actions::publish_report)
        .service(super::draws::create_draw)
        .service(super::draws::round_assignments)
        .service(super::comments::list_comments)
        .service(super::comments::create_comment)
        .service(super::comments::edit_comment)
        .service(super::recommendations::list_report_recommendations)
        .service(super::recommendations::create_recommendation)
        .service(super::recommendations::list_recommendations)
        .service(super::recommendations::get_recommendation)
        .service(super::recommendations::patch_recommendation)
        .service(super::assessment::assess_recommendation)
        .service(super::stats::recommendation_stats)
        .service(super::stats::export_recommendation_stats)
        .service(super::conflicts::list_my_conflicts)
        .service(super::conflicts::declare_conflict)
        .service(super::conflicts::withdraw_conflict)
        .service(super::conflicts::list_user_conflicts)
        .service(super::naming::list_report_experts)
        .service(super::naming::name_report_experts);
}
