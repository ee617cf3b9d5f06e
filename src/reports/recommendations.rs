//! Recommendations of reports, and the follow-up countries report on them: the tracker
//! analysts ask for.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use serde_json::json;

use super::api::{Followup, FollowupIn, NewRecommendation, Recommendation, RecommendationQuery};
use super::loaded::{load, scope};
use super::model::{NewFollowupRow, NewRecommendationRow, RecommendationRow, ReportRow};
use super::rules::{self, AssessmentState, FollowupStatus};
use super::store::{self, RecommendationFilter};
use crate::audit::AuditCtx;
use crate::auth::{policy, MaybePrincipal, Principal};
use crate::db::{self, DbConn};
use crate::error::{ApiError, ApiResult};
use crate::http::body::Body;
use crate::http::etag;
use crate::http::lang::{i18n_to_json, Lang, LangParam, LangPref, LangTracker};
use crate::http::pagination::{page_response, Page, PageParams};
use crate::http::validate::Checks;
use crate::state::AppState;
use crate::time::utc;

pub(super) fn render(
    r: RecommendationRow,
    report: &ReportRow,
    history: Option<Vec<Followup>>,
    pref: LangPref,
    langs: &mut LangTracker,
) -> Recommendation {
    let lang = Lang::parse(&r.language).unwrap_or(Lang::En);
    Recommendation {
        id: r.id,
        report: r.report_id,
        round: report.round_id,
        country: report.country.clone(),
        number: r.number,
        text: langs.pick(pref, &r.text, lang),
        language: lang,
        thematic_area: r.thematic_area,
        target_date: r.target_date,
        status: r.status,
        assessed_status: r.assessed_status,
        assessment: r.assessment,
        progress_note: r.progress_note,
        evidence_urls: r.evidence_urls.0.clone(),
        revision: r.revision,
        history,
        created_at: utc(r.created_at),
        updated_at: utc(r.updated_at),
    }
}

pub(super) fn load_one(
    conn: &mut DbConn,
    id: i64,
    p: Option<&Principal>,
) -> ApiResult<(RecommendationRow, super::loaded::Loaded)> {
    let r = store::find_recommendation(conn, id)?
        .ok_or_else(|| ApiError::not_found(format!("no recommendation {id}")))?;
    let report = load(conn, r.report_id, p)?;
    policy::read_report(p, &report.facts())?;
    Ok((r, report))
}

/// A country's follow-up declaration on a recommendation.
pub struct Declaration {
    pub status: FollowupStatus,
    pub note: Option<String>,
    pub evidence: Vec<String>,
    pub by: Option<i64>,
    /// The accepted questionnaire response it came from, if any.
    pub response: Option<i64>,
}

/// Records `d` on `r` (whose row the caller locked): its history entry, the recommendation's
/// state (awaiting assessment), the audit row and the event. Returns the entry's id; 412 when
/// the recommendation changed since read.
pub fn declare(
    conn: &mut DbConn,
    audit: &AuditCtx,
    r: &RecommendationRow,
    report: &super::loaded::Loaded,
    d: Declaration,
) -> ApiResult<i64> {
    let evidence_json = serde_json::to_string(&d.evidence).unwrap_or_else(|_| "[]".into());
    let entry = store::record_followup(
        conn,
        r,
        &NewFollowupRow {
            recommendation_id: r.id,
            status: d.status,
            progress_note: d.note.clone(),
            evidence_urls: evidence_json,
            changed_by: d.by,
            changed_at: crate::time::now(),
        },
    )?;
    let Some(entry) = entry else {
        return Err(ApiError::PreconditionFailed(
            "the recommendation changed while this write was prepared; read it again".into(),
        ));
    };
    audit.record(
        conn,
        "recommendation.followup",
        "recommendation",
        r.id,
        json!({"from": r.status, "to": d.status, "progress_note": d.note,
               "evidence_urls": d.evidence, "response": d.response}),
    )?;
    crate::events::emit(
        conn,
        audit,
        crate::events::Event {
            event_type: "recommendation.followup_declared",
            entity_type: "recommendation",
            entity_id: r.id.to_string(),
            scope: report.event_scope(),
            payload: json!({"report": report.row.id, "from": r.status, "to": d.status,
                            "response": d.response}),
        },
    )?;
    Ok(entry)
}

/// The recommendation `id` (locked) as the caller may read it, for a declaration.
pub fn load_for_declaration(
    conn: &mut DbConn,
    id: i64,
    p: &Principal,
) -> ApiResult<(RecommendationRow, super::loaded::Loaded)> {
    db::lock_id(conn, "recommendations", id)?;
    load_one(conn, id, Some(p))
}

pub(super) fn history(conn: &mut DbConn, id: i64) -> ApiResult<Vec<Followup>> {
    let entries = store::followups(conn, id)?;
    let ids: Vec<i64> = entries.iter().map(|f| f.id).collect();
    let mut files = crate::files::attachments::for_parents(
        conn,
        crate::files::parents::ParentType::Followup,
        &ids,
    )?;
    Ok(entries
        .into_iter()
        .map(|f| Followup {
            id: f.id,
            attachments: files.remove(&f.id).unwrap_or_default(),
            status: f.status,
            progress_note: f.progress_note,
            evidence_urls: f.evidence_urls.0.clone(),
            changed_by: f.changed_by,
            changed_at: utc(f.changed_at),
            assessment: f.assessment,
            assessment_reason: f.assessment_reason,
            assessed_by: f.assessed_by,
            assessed_at: f.assessed_at.map(utc),
        })
        .collect())
}

/// A recommendation as a write left it, with its report and history, for the answer.
pub(super) fn reread(
    conn: &mut DbConn,
    id: i64,
    report: ReportRow,
) -> ApiResult<(RecommendationRow, ReportRow, Vec<Followup>)> {
    let r = store::find_recommendation(conn, id)?
        .ok_or_else(|| ApiError::internal("recommendation vanished"))?;
    let hist = history(conn, id)?;
    Ok((r, report, hist))
}

/// One recommendation as JSON, with its ETag and `Content-Language`.
pub(super) fn respond(
    req: &HttpRequest,
    r: RecommendationRow,
    report: &ReportRow,
    history: Option<Vec<Followup>>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let mut langs = LangTracker::default();
    let rec = render(r, report, history, pref, &mut langs);
    etag::versioned_json(
        req,
        etag::Entity("recommendation", rec.id),
        rec.revision,
        &rec,
        Some(langs.header_value(pref)),
    )
}

/// The recommendations of a report, by number (those who may read the report).
#[utoipa::path(
    tag = "reports",
    params(("id" = i64, Path, description = "The report's id"), LangParam),
    responses(
        (status = 200, description = "Its recommendations", body = Page<Recommendation>),
        (status = 404, description = "No such report, or not yours to see", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/{id}/recommendations")]
pub async fn list_report_recommendations(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: MaybePrincipal,
    id: web::Path<i64>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let (report, rows) = db::run(&state.pool, move |conn| {
        let l = load(conn, id, principal.0.as_ref())?;
        policy::read_report(principal.0.as_ref(), &l.facts())?;
        Ok((l.row, store::recommendations_of(conn, id)?))
    })
    .await?;
    let mut langs = LangTracker::default();
    let page = Page {
        data: rows
            .into_iter()
            .map(|r| render(r, &report, None, pref, &mut langs))
            .collect(),
        next_cursor: None,
    };
    page_response(&req, &page, Some(langs.header_value(pref)))
}

/// Add a recommendation to a report that is not adopted yet (its drafters).
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The report's id")),
    request_body = NewRecommendation,
    responses(
        (status = 201, description = "Added", body = Recommendation, headers(("Location" = String))),
        (status = 409, description = "The report is adopted, or the number is taken", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Every problem with the input", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/reports/{id}/recommendations")]
pub async fn create_recommendation(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: Body<NewRecommendation>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    // Long: a recommendation's fields validated in one 422, its number given or taken, and the
    // report's state checked.
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let id = id.into_inner();
    let body = body.into_inner()?;
    let out = db::run_tx(&state.pool, move |conn| {
        let l = load(conn, id, Some(&principal))?;
        policy::draft_report(Some(&principal), &l.facts())?;
        rules::check_not_frozen(l.status())?;
        let lang = Lang::parse(&l.row.language).unwrap_or(Lang::En);
        let mut checks = Checks::new();
        let text = body.text.to_i18n(&mut checks, "text", lang, true, 5000);
        if body.number.is_some_and(|n| !(1..=9999).contains(&n)) {
            checks.add("number", "range", "must be from 1 to 9999");
        }
        let area = body
            .thematic_area
            .as_deref()
            .map(|a| a.trim().to_ascii_lowercase());
        if let Some(a) = &area {
            if !crate::experiences::store::area_exists(conn, a)? {
                checks.add(
                    "thematic_area",
                    "unknown",
                    format!("'{a}' is not a thematic area"),
                );
            }
        }
        let target = body
            .target_date
            .as_deref()
            .and_then(|d| checks.date("target_date", d));
        checks.finish()?;
        let number = match body.number {
            Some(n) if store::number_taken(conn, id, n)? => {
                return Err(ApiError::conflict(
                    "number-taken",
                    format!("the report already has a recommendation {n}"),
                    vec![],
                ))
            }
            Some(n) => n,
            None => store::next_number(conn, id)?,
        };
        let now = crate::time::now();
        let rid = store::insert_recommendation(
            conn,
            &NewRecommendationRow {
                report_id: id,
                number,
                language: lang.code().into(),
                text: i18n_to_json(&text),
                thematic_area: area,
                target_date: target,
                created_at: now,
                updated_at: now,
            },
        )?;
        audit.record(
            conn,
            "recommendation.create",
            "recommendation",
            rid,
            json!({"report": id, "number": number}),
        )?;
        crate::events::emit(
            conn,
            &audit,
            crate::events::Event {
                event_type: "recommendation.created",
                entity_type: "recommendation",
                entity_id: rid.to_string(),
                scope: l.event_scope(),
                payload: json!({"report": id, "number": number}),
            },
        )?;
        let r = store::find_recommendation(conn, rid)?
            .ok_or_else(|| ApiError::internal("recommendation vanished"))?;
        Ok((r, l.row))
    })
    .await?;
    let location = format!("/api/v1/recommendations/{}", out.0.id);
    crate::http::created(
        respond(&req, out.0, &out.1, Some(Vec::new()), pref)?,
        &location,
    )
}

impl RecommendationQuery {
    /// The filter these parameters ask for; every problem goes to `checks`.
    pub fn filter(&self, checks: &mut Checks) -> RecommendationFilter {
        let query = self;
        RecommendationFilter {
            round: checks.integer("round", query.round.as_deref()),
            country: query
                .country
                .as_deref()
                .map(|c| c.trim().to_ascii_uppercase()),
            thematic_area: query
                .thematic_area
                .as_deref()
                .map(|a| a.trim().to_ascii_lowercase()),
            status: query.status.as_deref().and_then(|s| {
                checks.one_of(
                    "status",
                    s,
                    FollowupStatus::parse,
                    "pending, in_progress, implemented, not_applicable",
                )
            }),
            assessed_status: query.assessed_status.as_deref().and_then(|s| {
                checks.one_of(
                    "assessed_status",
                    s,
                    FollowupStatus::parse,
                    "pending, in_progress, implemented, not_applicable",
                )
            }),
            assessment: query.assessment.as_deref().and_then(|s| {
                checks.one_of(
                    "assessment",
                    s,
                    AssessmentState::parse,
                    "awaiting, accepted, more_information_needed, not_accepted",
                )
            }),
            updated_since: query
                .updated_since
                .as_deref()
                .and_then(|t| checks.instant("updated_since", t)),
        }
    }
}

/// The recommendations tracker: recommendations of the reports the caller may read (published
/// ones for the public), with their latest follow-up.
#[utoipa::path(
    tag = "reports",
    params(RecommendationQuery, PageParams, LangParam),
    responses(
        (status = 200, description = "A page of recommendations", body = Page<Recommendation>),
        (status = 400, description = "Bad filter, limit or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/recommendations")]
pub async fn list_recommendations(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: MaybePrincipal,
    query: web::Query<RecommendationQuery>,
    page: web::Query<PageParams>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let mut checks = Checks::new();
    let filter = query.filter(&mut checks);
    let page = page.parse::<i64>(&mut checks.errors);
    checks.finish_query()?;
    let limit = page.limit;
    let rows = db::run(&state.pool, move |conn| {
        let scope = scope(conn, principal.0.as_ref())?;
        Ok(store::list_recommendations(
            conn, &filter, &scope, page.after, limit,
        )?)
    })
    .await?;
    let mut langs = LangTracker::default();
    let page = Page::from_rows(
        rows,
        limit,
        |(r, _)| r.id,
        |(r, report)| render(r, &report, None, pref, &mut langs),
    );
    page_response(&req, &page, Some(langs.header_value(pref)))
}

/// One recommendation with its whole follow-up history.
#[utoipa::path(
    tag = "reports",
    params(("id" = i64, Path, description = "The recommendation's id"), LangParam),
    responses(
        (status = 200, description = "The recommendation", body = Recommendation, headers(("ETag" = String))),
        (status = 404, description = "No such recommendation, or its report is not yours to see", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/recommendations/{id}")]
pub async fn get_recommendation(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: MaybePrincipal,
    id: web::Path<i64>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let (r, report, hist) = db::run(&state.pool, move |conn| {
        let (r, report) = load_one(conn, id, principal.0.as_ref())?;
        let hist = history(conn, id)?;
        Ok((r, report.row, hist))
    })
    .await?;
    respond(&req, r, &report, Some(hist), pref)
}

/// Report follow-up (the reviewed country's focal point, or the secretariat) once the report
/// is adopted: status, progress note, evidence. Every change is kept; honours `If-Match`.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The recommendation's id"), ("If-Match" = Option<String>, Header, description = "The ETag read")),
    request_body = FollowupIn,
    responses(
        (status = 200, description = "Recorded", body = Recommendation),
        (status = 403, description = "Not your country's recommendation", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The report is not adopted yet", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since read", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Every problem with the input", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/recommendations/{id}")]
pub async fn patch_recommendation(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: Body<FollowupIn>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    // Long: a follow-up declaration: who may declare, the report's state, each field's validation
    // and the history row.
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let if_match = etag::if_match_values(&req);
    let id = id.into_inner();
    let body = body.into_inner()?;
    let (r, report, hist) = db::run_tx(&state.pool, move |conn| {
        db::lock_id(conn, "recommendations", id)?;
        let (r, report) = load_one(conn, id, Some(&principal))?;
        match report.row.country.as_deref() {
            Some(c) => policy::update_followup(Some(&principal), c)?,
            None => policy::manage_rounds(Some(&principal))?,
        }
        if !report.status().frozen() {
            return Err(ApiError::conflict(
                "report-not-adopted",
                "follow-up is reported once the report is adopted",
                vec![],
            ));
        }
        etag::check_revision(
            if_match.as_deref(),
            etag::Entity("recommendation", r.id),
            r.revision,
        )?;
        let mut checks = Checks::new();
        let note = match &body.progress_note {
            Some(n) => Some(checks.text("progress_note", n, 0, 10_000)).filter(|n| !n.is_empty()),
            None => r.progress_note.clone(),
        };
        let evidence = match &body.evidence_urls {
            Some(list) => {
                if list.len() > 50 {
                    checks.add("evidence_urls", "too_many", "at most 50 URLs");
                }
                list.iter()
                    .enumerate()
                    .map(|(i, u)| checks.url(&format!("evidence_urls[{i}]"), u))
                    .collect()
            }
            None => r.evidence_urls.0.clone(),
        };
        checks.finish()?;
        let status = body.status.unwrap_or(r.status);
        declare(
            conn,
            &audit,
            &r,
            &report,
            Declaration {
                status,
                note,
                evidence,
                by: Some(principal.user_id),
                response: None,
            },
        )?;
        reread(conn, id, report.row)
    })
    .await?;
    respond(&req, r, &report, Some(hist), pref)
}
