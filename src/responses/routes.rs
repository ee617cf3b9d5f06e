//! `/responses` and the response endpoints under questionnaires and rounds.

use std::collections::HashSet;

use actix_web::{delete, get, post, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::{IntoParams, ToSchema};

use super::loaded::{
    after_save, begin_write, check_saving, current, facts, load_visible, render, respond,
    respond_saved, Loaded,
};
use super::model::ResponseRow;
use super::rules::{self, ResponseAction, ResponseStatus};
use super::saving::{record_answers, validate_answers, AnswerIn, ValueIn};
use super::store::{self, Change, ResponseFilter, Visibility};
use crate::audit::AuditCtx;
use crate::auth::policy;
use crate::auth::{MaybePrincipal, Principal, Role};
use crate::db::{self, DbConn};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::etag;
use crate::http::pagination::{page_response, Page, PageParams};
use crate::http::validate::Checks;
use crate::lifecycle::{self, Action};
use crate::questionnaires::model::QuestionnaireStatus;
use crate::rounds::rules::RoundStatus;
use crate::state::AppState;
use crate::time::utc;

/// One answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerOut {
    /// The question's code.
    #[schema(example = "B.2.1")]
    pub question: String,
    /// The value, typed by the question's kind.
    #[schema(value_type = Object)]
    pub value: Value,
    pub comment: Option<String>,
    pub updated_at: DateTime<Utc>,
    pub updated_by: Option<i64>,
}

/// How far a section is answered.
#[derive(Debug, Serialize, ToSchema)]
pub struct SectionProgress {
    pub code: String,
    pub questions: usize,
    pub answered: usize,
    pub required: usize,
    pub required_answered: usize,
}

/// An answer a new questionnaire version could not take over.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CarryOverItem {
    pub question: String,
    #[schema(value_type = Object)]
    pub value: Value,
    pub reason: String,
}

/// A country's response to a questionnaire version.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResponseOut {
    pub id: i64,
    /// The questionnaire version's id.
    pub questionnaire: i64,
    /// The round's id.
    pub round: i64,
    #[schema(example = "ARG")]
    pub country: String,
    pub status: ResponseStatus,
    /// Workflow actions the status allows now.
    pub allowed_actions: Vec<String>,
    /// Bumped by every change; the ETag starts with it.
    pub revision: i32,
    /// The due date for this country (its extension, else the round's).
    pub due_on: NaiveDate,
    pub submitted_at: Option<DateTime<Utc>>,
    pub submitted_by: Option<i64>,
    /// Submitted after the due date.
    pub late: bool,
    /// Why the secretariat returned it, when it did.
    pub return_reason: Option<String>,
    pub questions: usize,
    pub answered: usize,
    pub required: usize,
    pub required_answered: usize,
    pub sections: Vec<SectionProgress>,
    /// In questionnaire order. Left out of the answer to a save sent with
    /// `Prefer: return=minimal`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answers: Option<Vec<AnswerOut>>,
    /// Answers dropped when the response moved to a new questionnaire version.
    pub carry_over_report: Vec<CarryOverItem>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A response in a list (no answers).
#[derive(Debug, Serialize, ToSchema)]
pub struct ResponseSummary {
    pub id: i64,
    pub questionnaire: i64,
    pub round: i64,
    pub country: String,
    pub status: ResponseStatus,
    pub revision: i32,
    pub submitted_at: Option<DateTime<Utc>>,
    pub submitted_by: Option<i64>,
    pub late: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<ResponseRow> for ResponseSummary {
    fn from(r: ResponseRow) -> Self {
        ResponseSummary {
            status: status_of(&r),
            id: r.id,
            questionnaire: r.questionnaire_id,
            round: r.round_id,
            country: r.country,
            revision: r.revision,
            submitted_at: r.submitted_at.map(utc),
            submitted_by: r.submitted_by,
            late: r.late,
            created_at: utc(r.created_at),
            updated_at: utc(r.updated_at),
        }
    }
}

pub(super) fn status_of(r: &ResponseRow) -> ResponseStatus {
    r.status
}

/// Create the draft response of the caller's country (the secretariat names the country).
/// Only for the published questionnaire of an open round in which the country participates.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewResponse {
    /// Alpha-3 code: required from the secretariat (answering on a country's behalf);
    /// focal points answer for their own country.
    pub country: Option<String>,
}

/// Start a country's response to a published questionnaire.
#[utoipa::path(
    tag = "responses",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The questionnaire's id"), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body(content = Option<NewResponse>),
    responses(
        (status = 201, description = "The new draft response", body = ResponseOut, headers(("Location" = String), ("ETag" = String))),
        (status = 409, description = "The country already has a response (see `location`), the questionnaire is not the current version, or the round is not open", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No country given, or the country does not participate", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/questionnaires/{id}/responses")]
pub async fn create_response(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: Option<web::Json<NewResponse>>,
) -> ApiResult<HttpResponse> {
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let qid = id.into_inner();
    let body = body.map(|b| b.into_inner()).unwrap_or_default();
    let country = match (principal.role, body.country.as_deref()) {
        (Role::Secretariat, Some(c)) => c.trim().to_ascii_uppercase(),
        (Role::Secretariat, None) => {
            return Err(ApiError::validation(vec![FieldError::new(
                "country",
                "required",
                "name the country you answer for",
            )]))
        }
        (Role::MemberCountry, Some(c)) if !principal.of_country(&c.trim().to_ascii_uppercase()) => {
            return Err(ApiError::Forbidden(
                "focal points answer for their own country only".into(),
            ))
        }
        (Role::MemberCountry, _) => principal.country.clone().unwrap_or_default(),
        (Role::Expert, _) => {
            return Err(ApiError::Forbidden(
                "experts review responses; they do not write them".into(),
            ))
        }
    };
    let outcome = db::run_tx(&state.pool, move |conn| {
        let q = crate::questionnaires::store::find(conn, qid)?
            .filter(|q| q.status != QuestionnaireStatus::Draft || principal.is(Role::Secretariat))
            .ok_or_else(|| ApiError::not_found(format!("no questionnaire {qid}")))?;
        if q.status != QuestionnaireStatus::Published {
            return Err(ApiError::conflict(
                "questionnaire-not-current",
                format!(
                    "questionnaire {qid} is {}; answer the published version of its round",
                    q.status.as_str()
                ),
                vec![],
            ));
        }
        let round = crate::rounds::store::find(conn, q.round_id)?
            .ok_or_else(|| ApiError::internal("questionnaire without round"))?;
        if round.parsed_status() != RoundStatus::Open {
            return Err(ApiError::conflict(
                "round-not-open",
                format!("round {} is {}", round.number, round.status.as_str()),
                vec![],
            ));
        }
        if crate::rounds::store::participant(conn, round.id, &country)?.is_none() {
            return Err(ApiError::validation(vec![FieldError::new(
                "country",
                "not_participant",
                format!("{country} does not participate in round {}", round.number),
            )]));
        }
        if let Some(existing) = store::find_for(conn, qid, &country)? {
            let mut ext = serde_json::Map::new();
            ext.insert(
                "location".into(),
                Value::from(format!("/api/v1/responses/{}", existing.id)),
            );
            return Err(ApiError::Conflict {
                slug: "response-exists",
                detail: format!(
                    "{country} already has a response to this questionnaire: /api/v1/responses/{}",
                    existing.id
                ),
                extensions: ext,
            });
        }
        let id = store::insert(conn, qid, round.id, &country, principal.user_id)?;
        audit.record(
            conn,
            "response.create",
            "response",
            id,
            json!({"questionnaire": qid, "country": country}),
        )?;
        current(conn, id)
    })
    .await;
    let (revision, out) = outcome?;
    crate::http::created(
        respond(&req, revision, &out)?,
        &format!("/api/v1/responses/{}", out.id),
    )
}

/// One response with its answers and progress per section.
#[utoipa::path(
    tag = "responses",
    params(("id" = i64, Path, description = "The response's id")),
    responses(
        (status = 200, description = "The response", body = ResponseOut, headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 404, description = "No such response, or one the caller may not see", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/responses/{id}")]
pub async fn get_response(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: MaybePrincipal,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let (revision, out) = db::run(&state.pool, move |conn| {
        let l = load_visible(conn, id, caller.0.as_ref())?;
        let answers = store::answers(conn, id)?;
        Ok((l.row.revision, render(&l, answers, true)))
    })
    .await?;
    respond(&req, revision, &out)
}

/// Save many answers at once (up to the whole questionnaire). Atomic: every answer is checked
/// against its question and one bad answer saves nothing; the 422 lists every bad answer with
/// `field` = its question code. Honours `If-Match`.
#[utoipa::path(
    tag = "responses",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The response's id"), ("Prefer" = Option<String>, Header, description = "`return=minimal`: the answer leaves the answers out (`Preference-Applied: return=minimal`)")),
    request_body = Vec<AnswerIn>,
    responses(
        (status = 200, description = "The response after the save", body = ResponseOut, headers(("ETag" = String))),
        (status = 409, description = "Not editable (submitted or accepted), or the round is closed", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Every bad answer, by question code", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/responses/{id}/answers")]
pub async fn put_answers(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: web::Json<Vec<AnswerIn>>,
) -> ApiResult<HttpResponse> {
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let if_match = etag::if_match_values(&req);
    let minimal = crate::http::prefer::minimal(&req);
    let (id, answers) = (id.into_inner(), body.into_inner());
    if answers.len() > crate::questionnaires::rules::MAX_QUESTIONS {
        return Err(ApiError::validation(vec![FieldError::new(
            "body",
            "too_many",
            "at most 2000 answers per request",
        )]));
    }
    let (revision, out) = db::run_tx(&state.pool, move |conn| {
        let l = begin_write(
            conn,
            id,
            &principal,
            if_match.as_deref(),
            policy::write_response,
        )?;
        check_saving(&l)?;
        let changes = validate_answers(&l.doc, &answers)?;
        let saved = store::save(conn, id, &changes, Some(principal.user_id), "put")?;
        record_answers(conn, &audit, id, &changes, saved.changed)?;
        Ok(after_save(l, saved, minimal))
    })
    .await?;
    respond_saved(&req, revision, &out)
}

/// Path of one answer.
#[derive(Debug, Deserialize, IntoParams)]
pub struct AnswerPath {
    /// The response's id.
    pub id: i64,
    /// The question's code.
    pub code: String,
}

/// Save one answer. Honours `If-Match`.
#[utoipa::path(
    tag = "responses",
    security(("bearer" = [])),
    params(AnswerPath, ("Prefer" = Option<String>, Header, description = "`return=minimal`: the answer leaves the answers out (`Preference-Applied: return=minimal`)")),
    request_body = ValueIn,
    responses(
        (status = 200, description = "The response after the save", body = ResponseOut, headers(("ETag" = String))),
        (status = 409, description = "Not editable, or the round is closed", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The value does not fit the question", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/responses/{id}/answers/{code}")]
pub async fn put_answer(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<AnswerPath>,
    body: web::Json<ValueIn>,
) -> ApiResult<HttpResponse> {
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let if_match = etag::if_match_values(&req);
    let minimal = crate::http::prefer::minimal(&req);
    let AnswerPath { id, code } = path.into_inner();
    let body = body.into_inner();
    let (revision, out) = db::run_tx(&state.pool, move |conn| {
        let l = begin_write(
            conn,
            id,
            &principal,
            if_match.as_deref(),
            policy::write_response,
        )?;
        check_saving(&l)?;
        let changes = validate_answers(
            &l.doc,
            &[AnswerIn {
                question: code,
                value: body.value,
                comment: body.comment,
            }],
        )?;
        let saved = store::save(conn, id, &changes, Some(principal.user_id), "put")?;
        record_answers(conn, &audit, id, &changes, saved.changed)?;
        Ok(after_save(l, saved, minimal))
    })
    .await?;
    respond_saved(&req, revision, &out)
}

/// Clear one answer (kept in the history). Honours `If-Match`.
#[utoipa::path(
    tag = "responses",
    security(("bearer" = [])),
    params(AnswerPath, ("Prefer" = Option<String>, Header, description = "`return=minimal`: the answer leaves the answers out (`Preference-Applied: return=minimal`)")),
    responses(
        (status = 200, description = "The response after the change", body = ResponseOut, headers(("ETag" = String))),
        (status = 409, description = "Not editable, or the round is closed", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No such question", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/responses/{id}/answers/{code}")]
pub async fn delete_answer(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<AnswerPath>,
) -> ApiResult<HttpResponse> {
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let if_match = etag::if_match_values(&req);
    let minimal = crate::http::prefer::minimal(&req);
    let AnswerPath { id, code } = path.into_inner();
    let (revision, out) = db::run_tx(&state.pool, move |conn| {
        let l = begin_write(
            conn,
            id,
            &principal,
            if_match.as_deref(),
            policy::write_response,
        )?;
        check_saving(&l)?;
        if l.doc.question(&code).is_none() {
            return Err(ApiError::validation(vec![FieldError::new(
                &code,
                "unknown_question",
                "no question has this code",
            )]));
        }
        let changes = [Change {
            code: code.clone(),
            value: None,
            comment: None,
        }];
        let saved = store::save(conn, id, &changes, Some(principal.user_id), "delete")?;
        record_answers(conn, &audit, id, &changes, saved.changed)?;
        Ok(after_save(l, saved, minimal))
    })
    .await?;
    respond_saved(&req, revision, &out)
}

/// A reason, for returning a response.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonIn {
    /// Why (required to return a response).
    pub reason: Option<String>,
}

async fn workflow(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: i64,
    action: ResponseAction,
    reason: Option<String>,
) -> ApiResult<HttpResponse> {
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let if_match = etag::if_match_values(&req);
    let (revision, out) = db::run_tx(&state.pool, move |conn| {
        let check = match action {
            ResponseAction::Submit => policy::write_response,
            ResponseAction::Return | ResponseAction::Accept => policy::decide_response,
        };
        let act = Action {
            table: "responses",
            entity: "response",
            id,
            action,
            if_match: if_match.as_deref(),
            audit: &audit,
        };
        let load = |conn: &mut DbConn| load_visible(conn, id, Some(&principal));
        let authorize = |l: &Loaded| check(Some(&principal), &facts(&l.row, &l.round));
        lifecycle::act(conn, act, load, authorize, |conn, l, next| {
            let status = status_of(&l.row);
            let round = l.round.parsed_status();
            let round_ok = match action {
                ResponseAction::Submit => {
                    round == RoundStatus::Open
                        || (round == RoundStatus::InReview && status == ResponseStatus::Returned)
                }
                _ => matches!(round, RoundStatus::Open | RoundStatus::InReview),
            };
            if !round_ok {
                return Err(ApiError::conflict(
                    "round-not-open",
                    format!("the round is {}", round.as_str()),
                    vec![],
                ));
            }
            let mut submitted = None;
            let mut return_reason = None;
            match action {
                ResponseAction::Submit => {
                    let answered: HashSet<String> = store::answers(conn, id)?
                        .into_iter()
                        .map(|a| a.question_code)
                        .collect();
                    let missing: Vec<FieldError> = l
                        .doc
                        .questions()
                        .filter(|(_, q)| q.required && !answered.contains(&q.code))
                        .map(|(_, q)| {
                            FieldError::new(
                                &q.code,
                                "required",
                                "this required question has no answer",
                            )
                        })
                        .collect();
                    if !missing.is_empty() {
                        return Err(ApiError::Validation {
                            detail: format!(
                                "{} required question(s) have no answer",
                                missing.len()
                            ),
                            errors: missing,
                        });
                    }
                    let today = Utc::now().date_naive();
                    let late = rules::check_deadline(
                        today,
                        l.due_on,
                        status,
                        principal.is(Role::Secretariat),
                    )
                    .map_err(|_| {
                        let mut ext = serde_json::Map::new();
                        ext.insert("due_on".into(), Value::from(l.due_on.to_string()));
                        ApiError::Conflict {
                            slug: "deadline-passed",
                            detail: format!(
                                "the due date for {} was {}; ask the secretariat for an extension",
                                l.row.country, l.due_on
                            ),
                            extensions: ext,
                        }
                    })?;
                    submitted = Some((crate::time::now(), principal.user_id, late));
                }
                ResponseAction::Return => {
                    let mut checks = Checks::new();
                    let r = checks.text("reason", reason.as_deref().unwrap_or(""), 1, 5000);
                    checks.finish()?;
                    return_reason = Some(Some(r));
                }
                ResponseAction::Accept => {}
            }
            store::set_status(
                conn,
                id,
                next,
                l.row.revision + 1,
                submitted,
                return_reason.clone(),
            )?;
            let mut summary = serde_json::Map::new();
            summary.insert("late".into(), json!(submitted.map(|s| s.2)));
            summary.insert("reason".into(), json!(return_reason.flatten()));
            Ok(summary)
        })?;
        current(conn, id)
    })
    .await?;
    respond(&req, revision, &out)
}

/// Submit the response: every required question must be answered (the 422 lists every missing
/// code). After the due date (or the country's extension) a first submission answers 409
/// `deadline-passed`; `submitted_at`, `submitted_by` and `late` are recorded.
#[utoipa::path(
    tag = "responses",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The response's id"), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(
        (status = 200, description = "Submitted", body = ResponseOut),
        (status = 409, description = "`invalid-transition` (with `allowed`), `deadline-passed` or `round-not-open`", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Every required question without an answer", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/responses/{id}/submit")]
pub async fn submit_response(
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
        ResponseAction::Submit,
        None,
    )
    .await
}

/// Return a submitted response to its country with a reason (secretariat): it becomes editable.
#[utoipa::path(
    tag = "responses",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The response's id")),
    request_body = ReasonIn,
    responses(
        (status = 200, description = "Returned", body = ResponseOut),
        (status = 409, description = "Not submitted (`allowed` lists what is possible)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/responses/{id}/return")]
pub async fn return_response(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: Option<web::Json<ReasonIn>>,
) -> ApiResult<HttpResponse> {
    let reason = body.and_then(|b| b.into_inner().reason);
    workflow(
        req,
        state,
        principal,
        id.into_inner(),
        ResponseAction::Return,
        reason,
    )
    .await
}

/// Accept a submitted response (secretariat): final.
#[utoipa::path(
    tag = "responses",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The response's id")),
    responses(
        (status = 200, description = "Accepted", body = ResponseOut),
        (status = 409, description = "Not submitted (`allowed` lists what is possible)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/responses/{id}/accept")]
pub async fn accept_response(
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
        ResponseAction::Accept,
        None,
    )
    .await
}

/// What the caller may see, as a list condition.
pub fn visibility(caller: Option<&Principal>) -> Visibility {
    match caller {
        None => Visibility::Public,
        Some(p) => match p.role {
            Role::Secretariat => Visibility::All,
            Role::Expert => Visibility::NotDraft,
            Role::MemberCountry => {
                Visibility::CountryOrPublic(p.country.clone().unwrap_or_default())
            }
        },
    }
}

/// Filters of the response list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResponseQuery {
    /// Questionnaire version id.
    #[param(value_type = Option<i64>)]
    pub questionnaire: Option<String>,
    /// Round id.
    #[param(value_type = Option<i64>)]
    pub round: Option<String>,
    /// Alpha-3 code.
    pub country: Option<String>,
    #[param(value_type = Option<ResponseStatus>)]
    pub status: Option<String>,
    /// Only responses changed at or after this instant (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub updated_since: Option<String>,
}

impl ResponseQuery {
    /// The filter these parameters ask for; every problem goes to `checks`.
    pub fn filter(&self, checks: &mut Checks) -> ResponseFilter {
        let query = self;
        ResponseFilter {
            questionnaire: checks.integer("questionnaire", query.questionnaire.as_deref()),
            round: checks.integer("round", query.round.as_deref()),
            country: query
                .country
                .as_deref()
                .map(|c| c.trim().to_ascii_uppercase()),
            status: query.status.as_deref().and_then(|s| {
                checks.one_of(
                    "status",
                    s,
                    ResponseStatus::parse,
                    "draft, submitted, returned, accepted",
                )
            }),
            updated_since: match query.updated_since.as_deref() {
                None => None,
                Some(raw) => match DateTime::parse_from_rfc3339(raw) {
                    Ok(t) => Some(t.with_timezone(&Utc).naive_utc()),
                    Err(_) => {
                        checks.add("updated_since", "datetime", "must be an RFC 3339 instant");
                        None
                    }
                },
            },
        }
    }
}

/// Responses the caller may see: focal points their own country's (and public ones), experts
/// every non-draft one, the secretariat all, the public accepted responses of concluded rounds
/// that publish them.
#[utoipa::path(
    tag = "responses",
    params(ResponseQuery, PageParams),
    responses(
        (status = 200, description = "A page of responses (without answers)", body = Page<ResponseSummary>),
        (status = 400, description = "Bad filter, limit or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/responses")]
pub async fn list_responses(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: MaybePrincipal,
    query: web::Query<ResponseQuery>,
    page: web::Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let mut checks = Checks::new();
    let filter = query.filter(&mut checks);
    let page = page.parse::<i64>(&mut checks.errors);
    checks.finish_query()?;
    let vis = visibility(caller.0.as_ref());
    let limit = page.limit;
    let rows = db::run(&state.pool, move |conn| {
        Ok(store::list(conn, &filter, &vis, page.after, limit)?)
    })
    .await?;
    page_response(
        &req,
        &Page::from_rows(rows, limit, |r| r.id, ResponseSummary::from),
        None,
    )
}

/// One change of one answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEntry {
    /// The save (one request) the change belongs to.
    pub save: i64,
    pub question: String,
    #[schema(value_type = Option<Object>)]
    pub old_value: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub new_value: Option<Value>,
    pub old_comment: Option<String>,
    pub new_comment: Option<String>,
    /// `put`, `delete` or `carry_over`.
    pub via: String,
    pub changed_by: Option<i64>,
    pub changed_at: DateTime<Utc>,
}

/// Every change of every answer of the response, oldest first: who, when, old → new.
#[utoipa::path(
    tag = "responses",
    params(("id" = i64, Path, description = "The response's id"), PageParams),
    responses(
        (status = 200, description = "A page of changes", body = Page<HistoryEntry>),
        (status = 404, description = "No such response, or one the caller may not see", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/responses/{id}/history")]
pub async fn response_history(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: MaybePrincipal,
    id: web::Path<i64>,
    page: web::Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let mut checks = Checks::new();
    let page = page.parse::<(i64, usize)>(&mut checks.errors);
    checks.finish_query()?;
    let id = id.into_inner();
    let limit = page.limit;
    let after = page.after;
    let saves = db::run(&state.pool, move |conn| {
        load_visible(conn, id, caller.0.as_ref())?;
        Ok(store::history(conn, id, after.map(|a| a.0), limit + 1)?)
    })
    .await?;
    let mut entries = Vec::new();
    for save in saves {
        let changes: Vec<super::model::AnswerChange> =
            serde_json::from_str(&save.changes).unwrap_or_default();
        for (i, c) in changes.into_iter().enumerate() {
            if after.is_some_and(|(s, idx)| save.id == s && i <= idx) {
                continue;
            }
            entries.push((
                (save.id, i),
                HistoryEntry {
                    save: save.id,
                    question: c.question,
                    old_value: c.old_value,
                    new_value: c.new_value,
                    old_comment: c.old_comment,
                    new_comment: c.new_comment,
                    via: save.via.clone(),
                    changed_by: save.changed_by,
                    changed_at: utc(save.changed_at),
                },
            ));
        }
    }
    let page = Page::from_rows(entries, limit, |(k, _)| *k, |(_, e)| e);
    page_response(&req, &page, None)
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_response)
        .service(list_responses)
        .service(get_response)
        .service(put_answers)
        .service(put_answer)
        .service(delete_answer)
        .service(submit_response)
        .service(return_response)
        .service(accept_response)
        .service(response_history)
        .service(super::insights::round_progress)
        .service(super::insights::question_summary);
}
