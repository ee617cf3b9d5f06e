//! A response's answers: saved in bulk or one by one, deleted, and their history.

use actix_web::{delete, get, put, web, HttpRequest, HttpResponse};

use super::api::{AnswerIn, AnswerPath, HistoryEntry, ResponseOut, ValueIn};
use super::loaded::{after_save, begin_write, check_saving, load_visible, respond_saved};
use super::saving::{record_answers, save_answers};
use super::store::{self, Change};
use crate::audit::AuditCtx;
use crate::auth::policy;
use crate::auth::{MaybePrincipal, Principal};
use crate::db::{self};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::body::Body;
use crate::http::etag;
use crate::http::pagination::{page_response, Page, PageParams};
use crate::http::validate::Checks;
use crate::state::AppState;
use crate::time::utc;

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
    body: Body<Vec<AnswerIn>>,
) -> ApiResult<HttpResponse> {
    let (id, answers) = (id.into_inner(), body.into_inner()?);
    if answers.len() > crate::questionnaires::rules::MAX_QUESTIONS {
        return Err(ApiError::validation(vec![FieldError::new(
            "body",
            "too_many",
            "at most 2000 answers per request",
        )]));
    }
    save_answers(&req, &state, principal, id, answers).await
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
    body: Body<ValueIn>,
) -> ApiResult<HttpResponse> {
    let AnswerPath { id, code } = path.into_inner();
    let body = body.into_inner()?;
    let answer = AnswerIn {
        question: code,
        value: body.value,
        comment: body.comment,
    };
    save_answers(&req, &state, principal, id, vec![answer]).await
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
            return Err(ApiError::not_found(format!(
                "the questionnaire of response {id} has no question '{code}'"
            )));
        }
        let changes = [Change {
            code: code.clone(),
            value: None,
            comment: None,
        }];
        let saved = store::save(conn, id, &changes, Some(principal.user_id), "delete")?;
        record_answers(conn, &audit, id, &changes, saved.changed)?;
        after_save(conn, l, saved, minimal)
    })
    .await?;
    respond_saved(&req, revision, &out)
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
        let changes = save.changes.0;
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
