//! `/reports/{id}/comments`: comments on a report while it is drafted and reviewed.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use serde_json::json;

use super::api::{Comment, CommentPatch, CommentQuery, NewComment};
use super::loaded::load;
use super::model::{CommentRow, NewCommentRow};
use super::rules::{self, COMMENT_EDIT_MINUTES};
use super::store;
use crate::audit::AuditCtx;
use crate::auth::{policy, Principal};
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::http::body::Body;
use crate::http::pagination::{page_response, Page, PageParams};
use crate::http::validate::Checks;
use crate::state::AppState;
use crate::time::utc;

impl From<CommentRow> for Comment {
    fn from(c: CommentRow) -> Comment {
        Comment {
            id: c.id,
            report: c.report_id,
            author: c.author_id,
            author_role: c.author_role,
            author_country: c.author_country,
            anchor: c.anchor,
            body: c.body,
            editable_until: utc(c.created_at + chrono::Duration::minutes(COMMENT_EDIT_MINUTES)),
            created_at: utc(c.created_at),
            updated_at: utc(c.updated_at),
        }
    }
}

/// The comments on a report, oldest first: for the secretariat, its assigned experts and the
/// reviewed country's focal points.
#[utoipa::path(
    tag = "reports",
    params(("id" = i64, Path, description = "The report's id"), CommentQuery, PageParams),
    responses(
        (status = 200, description = "A page of comments", body = Page<Comment>),
        (status = 400, description = "Bad `updated_since`, limit or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller's role may not read this report's comments", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such report, or not yours", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/{id}/comments")]
pub async fn list_comments(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    query: web::Query<CommentQuery>,
    page: web::Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let mut checks = Checks::new();
    let since = query
        .updated_since
        .as_deref()
        .and_then(|t| checks.instant("updated_since", t));
    let page = page.parse::<i64>(&mut checks.errors);
    checks.finish_query()?;
    let id = id.into_inner();
    let limit = page.limit;
    let rows = db::run(&state.pool, move |conn| {
        let l = load(conn, id, Some(&principal))?;
        policy::comment_report(Some(&principal), &l.facts())?;
        Ok(store::comments(conn, id, since, page.after, limit)?)
    })
    .await?;
    let page = Page::from_rows(rows, limit, |c| c.id, Comment::from);
    page_response(&req, &page, None)
}

/// Comment on a report that is a draft or under review (the same people).
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The report's id")),
    request_body = NewComment,
    responses(
        (status = 201, description = "Written", body = Comment, headers(("Location" = String))),
        (status = 409, description = "The report is adopted", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Empty or too long", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/reports/{id}/comments")]
pub async fn create_comment(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: Body<NewComment>,
) -> ApiResult<HttpResponse> {
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let id = id.into_inner();
    let body = body.into_inner()?;
    let comment = db::run_tx(&state.pool, move |conn| {
        let l = load(conn, id, Some(&principal))?;
        policy::comment_report(Some(&principal), &l.facts())?;
        rules::check_not_frozen(l.status())?;
        let mut checks = Checks::new();
        let text = checks.text("body", &body.body, 1, 10_000);
        let anchor = body
            .anchor
            .as_deref()
            .map(|a| checks.text("anchor", a, 0, 200))
            .filter(|a| !a.is_empty());
        checks.finish()?;
        let now = crate::time::now();
        let cid = store::insert_comment(
            conn,
            &NewCommentRow {
                report_id: id,
                author_id: principal.user_id,
                author_role: principal.role,
                author_country: principal.country.clone(),
                anchor,
                body: text,
                created_at: now,
                updated_at: now,
            },
        )?;
        audit.record(
            conn,
            "report.comment",
            "report",
            id,
            json!({"comment": cid}),
        )?;
        crate::events::emit(
            conn,
            &audit,
            crate::events::Event {
                event_type: "comment.created",
                entity_type: "report",
                entity_id: id.to_string(),
                scope: l.event_scope(),
                payload: json!({"comment": cid, "path": format!("/api/v1/reports/{id}/comments/{cid}")}),
            },
        )?;
        store::find_comment(conn, id, cid)?
            .map(Comment::from)
            .ok_or_else(|| ApiError::internal("comment vanished"))
    })
    .await?;
    let location = format!("/api/v1/reports/{}/comments/{}", comment.report, comment.id);
    crate::http::created(HttpResponse::Ok().json(&comment), &location)
}

/// Correct one's own comment, within 15 minutes of writing it and while the report is not
/// adopted. Comments are never deleted.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The report's id"), ("comment" = i64, Path, description = "The comment's id")),
    request_body = CommentPatch,
    responses(
        (status = 200, description = "Corrected", body = Comment),
        (status = 403, description = "Not your comment", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Too late, or the report is adopted", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/reports/{id}/comments/{comment}")]
pub async fn edit_comment(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(i64, i64)>,
    body: Body<CommentPatch>,
) -> ApiResult<HttpResponse> {
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let (id, cid) = path.into_inner();
    let body = body.into_inner()?;
    let comment = db::run_tx(&state.pool, move |conn| {
        let l = load(conn, id, Some(&principal))?;
        policy::comment_report(Some(&principal), &l.facts())?;
        let c = store::find_comment(conn, id, cid)?
            .ok_or_else(|| ApiError::not_found(format!("no comment {cid} on report {id}")))?;
        if c.author_id != principal.user_id {
            return Err(ApiError::Forbidden(
                "only its author may edit a comment".into(),
            ));
        }
        rules::check_not_frozen(l.status())?;
        let now = crate::time::now();
        if now > c.created_at + chrono::Duration::minutes(COMMENT_EDIT_MINUTES) {
            return Err(ApiError::conflict(
                "edit-window-closed",
                format!(
                    "comments can be edited for {COMMENT_EDIT_MINUTES} minutes; write a new one"
                ),
                vec![],
            ));
        }
        let mut checks = Checks::new();
        let text = body
            .body
            .as_deref()
            .map(|b| checks.text("body", b, 1, 10_000));
        let anchor = body.anchor.clone().map(|a| {
            a.map(|a| checks.text("anchor", &a, 0, 200))
                .filter(|a| !a.is_empty())
        });
        checks.finish()?;
        store::edit_comment(conn, cid, anchor, text, now)?;
        audit.record(
            conn,
            "report.comment_edit",
            "report",
            id,
            json!({"comment": cid, "before": c.body}),
        )?;
        store::find_comment(conn, id, cid)?
            .map(Comment::from)
            .ok_or_else(|| ApiError::internal("comment vanished"))
    })
    .await?;
    Ok(HttpResponse::Ok().json(&comment))
}
