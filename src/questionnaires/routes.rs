//! `/questionnaires`: versioned Self-Review Questionnaires.

use actix_web::{delete, get, post, put, web, HttpRequest, HttpResponse};
use serde_json::json;

use super::api::{
    NewQuestionnaire, OptionOut, QuestionOut, Questionnaire, QuestionnaireIn, QuestionnaireQuery,
    QuestionnaireSummary, SectionOut,
};
use super::model::{Document, QuestionnaireRow, QuestionnaireStatus};
use super::rules::{self, DocumentIn};
use super::store::{self, QuestionnaireFilter};
use crate::audit::AuditCtx;
use crate::auth::{policy, MaybePrincipal, Principal, Role};
use crate::db::{self, DbConn};
use crate::error::{ApiError, ApiResult};
use crate::http::body::Body;
use crate::http::etag;
use crate::http::lang::{Lang, LangParam, LangPref, LangTracker};
use crate::http::pagination::{page_response, Page, PageParams};
use crate::http::validate::Checks;
use crate::rounds::rules::RoundStatus;
use crate::state::AppState;
use crate::time::utc;

pub(super) fn status_of(row: &QuestionnaireRow) -> QuestionnaireStatus {
    row.status
}

fn lang_of(row: &QuestionnaireRow) -> Lang {
    Lang::parse(&row.language).unwrap_or(Lang::En)
}

/// The document in the negotiated language.
pub fn render(
    row: &QuestionnaireRow,
    doc: &Document,
    pref: LangPref,
    langs: &mut LangTracker,
) -> Questionnaire {
    let lang = lang_of(row);
    Questionnaire {
        id: row.id,
        round: row.round_id,
        version: row.version,
        status: status_of(row),
        language: lang,
        title: langs.pick(pref, &doc.title, lang),
        introduction: langs.pick(pref, &doc.introduction, lang),
        sections: doc
            .sections
            .iter()
            .map(|s| SectionOut {
                code: s.code.clone(),
                title: langs.pick(pref, &s.title, lang),
                questions: s
                    .questions
                    .iter()
                    .map(|q| QuestionOut {
                        code: q.code.clone(),
                        prompt: langs.pick(pref, &q.prompt, lang),
                        help: langs.pick(pref, &q.help, lang),
                        kind: q.kind,
                        required: q.required,
                        options: q
                            .options
                            .iter()
                            .map(|o| OptionOut {
                                value: o.value.clone(),
                                label: langs.pick(pref, &o.label, lang),
                            })
                            .collect(),
                        min: q.min,
                        max: q.max,
                        max_length: q.max_length,
                        thematic_area: q.thematic_area.clone(),
                        evidence: q.evidence,
                        recommendation: q.recommendation,
                    })
                    .collect(),
                country: s.country.clone(),
            })
            .collect(),
        question_count: doc.question_count(),
        revision: row.revision,
        published_at: row.published_at.map(utc),
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
    }
}

fn summary(
    row: QuestionnaireRow,
    pref: LangPref,
    langs: &mut LangTracker,
) -> ApiResult<QuestionnaireSummary> {
    let doc = row.doc()?;
    let lang = lang_of(&row);
    Ok(QuestionnaireSummary {
        id: row.id,
        round: row.round_id,
        version: row.version,
        status: status_of(&row),
        language: lang,
        title: langs.pick(pref, &doc.title, lang),
        question_count: doc.question_count(),
        revision: row.revision,
        published_at: row.published_at.map(utc),
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
    })
}

pub(super) fn respond(
    req: &HttpRequest,
    row: &QuestionnaireRow,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let mut langs = LangTracker::default();
    let q = render(row, &row.doc()?, pref, &mut langs);
    etag::versioned_json(
        req,
        etag::Entity("questionnaire", row.id),
        row.revision,
        &q,
        Some(langs.header_value(pref)),
    )
}

/// Loads a version the caller may see (drafts are the secretariat's: 404 for others).
pub(super) fn load_visible(
    conn: &mut DbConn,
    id: i64,
    caller: Option<&Principal>,
) -> ApiResult<QuestionnaireRow> {
    let row = store::find(conn, id)?
        .ok_or_else(|| ApiError::not_found(format!("no questionnaire {id}")))?;
    policy::read_questionnaire(caller, status_of(&row) == QuestionnaireStatus::Draft)
        .map_err(|_| ApiError::not_found(format!("no questionnaire {id}")))?;
    Ok(row)
}

pub(super) fn round_status(conn: &mut DbConn, round_id: i64) -> ApiResult<RoundStatus> {
    let round = crate::rounds::store::find(conn, round_id)?
        .ok_or_else(|| ApiError::not_found(format!("no round {round_id}")))?;
    Ok(round.parsed_status())
}

/// Drafts change only until the round is under review.
pub(super) fn check_round_allows_drafting(status: RoundStatus) -> ApiResult<()> {
    if matches!(status, RoundStatus::Planned | RoundStatus::Open) {
        Ok(())
    } else {
        Err(ApiError::conflict(
            "round-closed",
            format!(
                "the round is {}: its questionnaire can no longer change",
                status.as_str()
            ),
            vec![],
        ))
    }
}

/// List questionnaire versions. Drafts appear to the secretariat only.
#[utoipa::path(
    tag = "questionnaires",
    params(QuestionnaireQuery, PageParams, LangParam),
    responses(
        (status = 200, description = "A page of versions", body = Page<QuestionnaireSummary>),
        (status = 400, description = "Bad filter, limit or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/questionnaires")]
pub async fn list_questionnaires(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: MaybePrincipal,
    query: web::Query<QuestionnaireQuery>,
    page: web::Query<PageParams>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let mut checks = Checks::new();
    let round = checks.integer("round", query.round.as_deref());
    let status = query.status.as_deref().and_then(|s| {
        checks.one_of(
            "status",
            s,
            QuestionnaireStatus::parse,
            "draft, published, retired",
        )
    });
    let filter = QuestionnaireFilter {
        round,
        status,
        include_drafts: caller.0.as_ref().is_some_and(|p| p.is(Role::Secretariat)),
    };
    let page = page.parse::<i64>(&mut checks.errors);
    checks.finish_query()?;
    let limit = page.limit;
    let rows = db::run(&state.pool, move |conn| {
        Ok(store::list(conn, &filter, page.after, limit)?)
    })
    .await?;
    let mut langs = LangTracker::default();
    let page = Page::try_from_rows(rows, limit, |r| r.id, |r| summary(r, pref, &mut langs))?;
    page_response(&req, &page, Some(langs.header_value(pref)))
}

/// One questionnaire version, whole. Drafts are the secretariat's (404 for others).
#[utoipa::path(
    tag = "questionnaires",
    params(("id" = i64, Path, description = "The questionnaire's id"), LangParam),
    responses(
        (status = 200, description = "The questionnaire", body = Questionnaire, headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 404, description = "No such questionnaire (or a draft)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/questionnaires/{id}")]
pub async fn get_questionnaire(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: MaybePrincipal,
    id: web::Path<i64>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let row = db::run(&state.pool, move |conn| {
        load_visible(conn, id, caller.0.as_ref())
    })
    .await?;
    respond(&req, &row, pref)
}

/// Create a round's questionnaire (secretariat): version 1, a draft. Later versions come from
/// `POST …/new-version`.
#[utoipa::path(
    tag = "questionnaires",
    security(("bearer" = [])),
    request_body = NewQuestionnaire,
    responses(
        (status = 201, description = "Created", body = Questionnaire, headers(("Location" = String), ("ETag" = String))),
        (status = 409, description = "The round already has a questionnaire, or is under review", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Every problem with the structure", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/questionnaires")]
pub async fn create_questionnaire(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    body: Body<NewQuestionnaire>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    policy::manage_rounds(Some(&principal))?;
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let body = body.into_inner()?;
    let row = db::run_tx(&state.pool, move |conn| {
        let round = crate::rounds::store::find(conn, body.round)?;
        let mut checks = Checks::new();
        let Some(round) = round else {
            checks.add("round", "unknown", format!("no round {}", body.round));
            return Err(checks.finish().unwrap_err());
        };
        check_round_allows_drafting(round.parsed_status())?;
        let lang = body.language.unwrap_or(Lang::En);
        let areas = store::known_areas(conn)?;
        let doc = rules::validate(
            &mut checks,
            &DocumentIn {
                title: &body.title,
                introduction: body.introduction.as_ref(),
                sections: &body.sections,
            },
            lang,
            &areas,
        );
        super::follow_up::check(conn, &mut checks, &doc, round.id)?;
        checks.finish()?;
        if let Some(existing) = store::versions_of_round(conn, round.id)?.first() {
            return Err(ApiError::conflict(
                "questionnaire-exists",
                format!(
                    "round {} has a questionnaire (/api/v1/questionnaires/{}); draft a new version of it instead",
                    round.number, existing.id
                ),
                vec![],
            ));
        }
        let id = store::insert(conn, round.id, 1, lang.code(), &doc)?;
        audit.record(
            conn,
            "questionnaire.create",
            "questionnaire",
            id,
            json!({"round": round.id, "version": 1, "questions": doc.question_count()}),
        )?;
        store::find(conn, id)?.ok_or_else(|| ApiError::internal("questionnaire vanished"))
    })
    .await?;
    crate::http::created(
        respond(&req, &row, pref)?,
        &format!("/api/v1/questionnaires/{}", row.id),
    )
}

/// Replace the whole structure of a draft (secretariat). Requires `If-Match` (428 without,
/// 412 when stale). Atomic: all of it or nothing.
#[utoipa::path(
    tag = "questionnaires",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The questionnaire's id")),
    request_body = QuestionnaireIn,
    responses(
        (status = 200, description = "The new structure", body = Questionnaire, headers(("ETag" = String))),
        (status = 409, description = "Not a draft (published versions are frozen), or the round is under review", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Every problem with the structure", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 428, description = "`If-Match` is missing", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/questionnaires/{id}")]
pub async fn put_questionnaire(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: Body<QuestionnaireIn>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    policy::manage_rounds(Some(&principal))?;
    let if_match = etag::required_if_match(&req)?;
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let (id, body) = (id.into_inner(), body.into_inner()?);
    let row = db::run_tx(&state.pool, move |conn| {
        db::lock_id(conn, "questionnaires", id)?;
        let row = load_visible(conn, id, Some(&principal))?;
        etag::check_revision(
            Some(&if_match),
            etag::Entity("questionnaire", row.id),
            row.revision,
        )?;
        rules::check_editable(status_of(&row))
            .map_err(|why| ApiError::conflict("questionnaire-frozen", why, vec![]))?;
        check_round_allows_drafting(round_status(conn, row.round_id)?)?;
        let mut checks = Checks::new();
        let areas = store::known_areas(conn)?;
        let doc = rules::validate(
            &mut checks,
            &DocumentIn {
                title: &body.title,
                introduction: body.introduction.as_ref(),
                sections: &body.sections,
            },
            lang_of(&row),
            &areas,
        );
        super::follow_up::check(conn, &mut checks, &doc, row.round_id)?;
        checks.finish()?;
        store::replace(conn, &row, &doc)?;
        audit.record(
            conn,
            "questionnaire.update",
            "questionnaire",
            id,
            json!({"questions": doc.question_count(), "sections": doc.sections.len()}),
        )?;
        store::find(conn, id)?.ok_or_else(|| ApiError::internal("questionnaire vanished"))
    })
    .await?;
    respond(&req, &row, pref)
}

/// Delete a draft (secretariat). Published and retired versions are kept for ever.
#[utoipa::path(
    tag = "questionnaires",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The questionnaire's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 409, description = "Not a draft", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/questionnaires/{id}")]
pub async fn delete_questionnaire(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    policy::manage_rounds(Some(&principal))?;
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let if_match = etag::if_match_values(&req);
    let id = id.into_inner();
    db::run_tx(&state.pool, move |conn| {
        db::lock_id(conn, "questionnaires", id)?;
        let row = load_visible(conn, id, Some(&principal))?;
        etag::check_revision(
            if_match.as_deref(),
            etag::Entity("questionnaire", row.id),
            row.revision,
        )?;
        rules::check_editable(status_of(&row))
            .map_err(|why| ApiError::conflict("questionnaire-frozen", why, vec![]))?;
        store::delete(conn, id)?;
        audit.record(
            conn,
            "questionnaire.delete",
            "questionnaire",
            id,
            json!({"round": row.round_id, "version": row.version}),
        )?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_questionnaires)
        .service(create_questionnaire)
        .service(get_questionnaire)
        .service(put_questionnaire)
        .service(delete_questionnaire)
        .service(super::versions::publish_questionnaire)
        .service(super::versions::new_version)
        .service(super::follow_up::generate_follow_up);
}
