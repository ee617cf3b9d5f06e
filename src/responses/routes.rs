//! `/responses` and the response endpoints under questionnaires and rounds.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::api::{NewResponse, ResponseOut, ResponseQuery, ResponseSummary};
use super::loaded::{current, load_visible, respond, with_answers};
use super::model::ResponseRow;
use super::rules::ResponseStatus;
use super::store::{self, ResponseFilter};
use crate::audit::AuditCtx;
use crate::auth::{MaybePrincipal, Principal, Role};
use crate::db::{self};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::body::MaybeBody;
use crate::http::pagination::{page_response, Page, PageParams};
use crate::http::validate::Checks;
use crate::questionnaires::model::QuestionnaireStatus;
use crate::rounds::rules::RoundStatus;
use crate::state::AppState;
use crate::time::utc;

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
    body: MaybeBody<NewResponse>,
) -> ApiResult<HttpResponse> {
    // Long: the conditions of a new response (published version, open round, participating country,
    // one per country) each answer their own 409.
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let qid = id.into_inner();
    let body = body.into_inner()?.unwrap_or_default();
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
        let id = store::insert(conn, qid, round.id, &country, Some(principal.user_id))?;
        audit.record(
            conn,
            "response.create",
            "response",
            id,
            json!({"questionnaire": qid, "country": country}),
        )?;
        crate::events::emit(
            conn,
            &audit,
            crate::events::Event {
                event_type: "response.created",
                entity_type: "response",
                entity_id: id.to_string(),
                scope: crate::events::Scope::country(&country).in_round(round.id),
                payload: json!({"questionnaire": qid, "status": "draft"}),
            },
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
        with_answers(conn, &l)
    })
    .await?;
    respond(&req, revision, &out)
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
    let vis = store::visibility(caller.0.as_ref());
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

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    use super::actions::{accept_response, return_response, submit_response};
    use super::answers::{delete_answer, put_answer, put_answers, response_history};
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
