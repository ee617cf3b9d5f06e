//! `/attachments`: a file made evidence of an answer, an annex of an experience or a report,
//! proof of a follow-up declaration or of a cooperation's outcome, a need's or an offer's
//! document. Parents show theirs in their reads ([`for_parents`]).

use std::collections::HashMap;

use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use serde_json::json;

use super::api::{Attachment, AttachmentList, AttachmentQuery, NewAttachment};
use super::parents::{self, ParentType};
use super::store::{self, AttachmentRow, FileRow};
use crate::audit::AuditCtx;
use crate::auth::{policy, MaybePrincipal, Principal};
use crate::db::{self, DbConn};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::events::{self, Event};
use crate::http::body::Body;
use crate::http::validate::Checks;
use crate::state::AppState;
use crate::time::utc;

fn render(a: AttachmentRow, f: FileRow) -> Attachment {
    Attachment {
        id: a.id,
        parent_type: a.parent_type,
        parent_id: a.parent_id,
        question: (a.parent_type == ParentType::Answer).then_some(a.slot),
        caption: a.caption,
        file: super::routes::render(f, true),
        attached_at: utc(a.created_at),
    }
}

/// The attachments of parents of one type the caller already may read, by parent id: for
/// the parents' own reads.
pub fn for_parents(
    conn: &mut DbConn,
    parent: ParentType,
    ids: &[i64],
) -> diesel::QueryResult<HashMap<i64, Vec<Attachment>>> {
    Ok(store::attachments_of(conn, parent, ids)?
        .into_iter()
        .map(|(id, rows)| (id, rows.into_iter().map(|(a, f)| render(a, f)).collect()))
        .collect())
}

/// The attachments of one parent the caller may read.
pub fn for_parent(
    conn: &mut DbConn,
    parent: ParentType,
    id: i64,
) -> diesel::QueryResult<Vec<Attachment>> {
    Ok(for_parents(conn, parent, &[id])?
        .remove(&id)
        .unwrap_or_default())
}

fn event(
    conn: &mut DbConn,
    audit: &AuditCtx,
    target: &parents::Target,
    what: &str,
    a: &AttachmentRow,
    f: &FileRow,
) -> ApiResult<()> {
    let payload = json!({
        "attachment": a.id,
        "parent_type": a.parent_type,
        "parent_id": a.parent_id,
        "question": (a.parent_type == ParentType::Answer).then_some(&a.slot),
        "file": f.id,
        "name": f.name,
        "sha256": f.sha256,
    });
    audit.record(
        conn,
        &format!("{}.attachment_{}", target.entity, what),
        target.entity,
        target.entity_id,
        payload.clone(),
    )?;
    events::emit(
        conn,
        audit,
        Event {
            event_type: &format!("{}.attachment_{}", target.entity, what),
            entity_type: target.entity,
            entity_id: target.entity_id.to_string(),
            scope: target.scope.clone(),
            payload,
        },
    )?;
    Ok(())
}

/// Holds the parent's row until the transaction ends, so that what the attachment checked of
/// it (a response still a draft, a report not adopted) still holds when it commits. A
/// follow-up entry never changes; its recommendation's revision moves after the check.
fn lock_parent(conn: &mut DbConn, parent: ParentType, id: i64) -> ApiResult<()> {
    if parent != ParentType::Followup {
        db::lock_id(conn, parent.table(), id)?;
    }
    Ok(())
}

/// Attach an uploaded file (the caller's, their country's, or any for the secretariat) to
/// what it documents. Who may change the parent may attach to it: an answer's evidence while
/// the response is a draft or returned (and its question takes files), a report's annex until
/// it is adopted, a need until it is in cooperation, an offer until closed, an experience
/// (its country), a follow-up entry (its country), a cooperation (its parties). The file then
/// shows in the parent's reads and is visible to whoever may read the parent.
#[utoipa::path(
    tag = "files",
    security(("bearer" = [])),
    request_body = NewAttachment,
    responses(
        (status = 201, description = "Attached", body = Attachment, headers(("Location" = String))),
        (status = 401, description = "No token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The parent is visible to the caller, but not theirs to change", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such parent, or not yours to see", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The parent can no longer change (an accepted response, an adopted report…), or the file is attached there already", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No such file the caller may attach, a question missing, unknown or taking no files, a caption too long", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/attachments")]
pub async fn create_attachment(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    body: Body<NewAttachment>,
) -> ApiResult<HttpResponse> {
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let body = body.into_inner()?;
    let p = principal.clone();
    let out = db::run_tx(&state.pool, move |conn| {
        let mut checks = Checks::new();
        let caption = checks.text("caption", body.caption.as_deref().unwrap_or(""), 0, 500);
        let file = store::find_file(conn, body.file)?
            .filter(|f| policy::attach_file(Some(&p), f.uploaded_by, f.country.as_deref()));
        if file.is_none() {
            checks.add(
                "file",
                "unknown",
                format!(
                    "there is no file {} you may attach: upload it first",
                    body.file
                ),
            );
        }
        checks.finish()?;
        let file = file.ok_or_else(|| ApiError::internal("file checked above"))?;
        let question = body.question.as_deref().map(str::trim);
        lock_parent(conn, body.parent_type, body.parent_id)?;
        let target = parents::writable(conn, &p, body.parent_type, body.parent_id, question)?;
        let slot = question.unwrap_or("");
        if store::attachment_exists(conn, file.id, body.parent_type, body.parent_id, slot)? {
            return Err(ApiError::conflict(
                "already-attached",
                format!("file {} is attached there already", file.id),
                vec![],
            ));
        }
        let id = store::insert_attachment(
            conn,
            &store::NewAttachment {
                file_id: file.id,
                parent_type: body.parent_type,
                parent_id: body.parent_id,
                slot,
                caption: &caption,
                attached_by: Some(p.user_id),
                created_at: crate::time::now(),
            },
        )?;
        let a = store::find_attachment(conn, id)?
            .ok_or_else(|| ApiError::internal("attachment vanished"))?;
        target.touch(conn)?;
        event(conn, &audit, &target, "added", &a, &file)?;
        Ok(render(a, file))
    })
    .await?;
    let location = format!("/api/v1/attachments/{}", out.id);
    crate::http::created(HttpResponse::Ok().json(out), &location)
}

/// The attachments of one parent (whoever may read the parent).
#[utoipa::path(
    tag = "files",
    params(AttachmentQuery),
    responses(
        (status = 200, description = "Its attachments, oldest first", body = AttachmentList),
        (status = 400, description = "`parent_type` or `parent_id` missing or wrong", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such parent, or not yours to see", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/attachments")]
pub async fn list_attachments(
    state: web::Data<AppState>,
    principal: MaybePrincipal,
    query: web::Query<AttachmentQuery>,
) -> ApiResult<HttpResponse> {
    let mut errors = Vec::new();
    let parent = match query.parent_type.as_deref().map(ParentType::parse) {
        Some(Some(t)) => Some(t),
        Some(None) => {
            errors.push(FieldError::new(
                "parent_type",
                "invalid",
                format!("one of {}", ParentType::ALL.map(|t| t.as_str()).join(", ")),
            ));
            None
        }
        None => {
            errors.push(FieldError::new(
                "parent_type",
                "required",
                "name the parent's type",
            ));
            None
        }
    };
    if query.parent_id.is_none() {
        errors.push(FieldError::new(
            "parent_id",
            "required",
            "name the parent's id",
        ));
    }
    let (Some(parent), Some(id), true) = (parent, query.parent_id, errors.is_empty()) else {
        return Err(ApiError::invalid_query(errors));
    };
    let p = principal.0;
    let data = db::run(&state.pool, move |conn| {
        parents::readable(conn, p.as_ref(), parent, id, "")?;
        Ok(for_parent(conn, parent, id)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(AttachmentList { data }))
}

/// Remove an attachment (who may attach to its parent, while the parent may change). The file
/// itself goes after a day if it is then attached nowhere.
#[utoipa::path(
    tag = "files",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The attachment's id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "No token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The parent is not the caller's to change", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such attachment, or not yours to see", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The parent can no longer change", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/attachments/{id}")]
pub async fn delete_attachment(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let id = id.into_inner();
    db::run_tx(&state.pool, move |conn| {
        let missing = || ApiError::not_found(format!("no attachment {id}"));
        let a = store::find_attachment(conn, id)?.ok_or_else(missing)?;
        parents::readable(conn, Some(&principal), a.parent_type, a.parent_id, &a.slot)
            .map_err(|_| missing())?;
        if a.parent_type == ParentType::Document {
            return Err(ApiError::conflict(
                "use-documents",
                "a document's files change with the document (PATCH /documents/{id})",
                vec![],
            ));
        }
        let question = (a.parent_type == ParentType::Answer).then_some(a.slot.as_str());
        lock_parent(conn, a.parent_type, a.parent_id)?;
        let target = parents::writable(conn, &principal, a.parent_type, a.parent_id, question)?;
        let file = store::find_file(conn, a.file_id)?
            .ok_or_else(|| ApiError::internal("attached file vanished"))?;
        store::delete_attachment(conn, id)?;
        target.touch(conn)?;
        event(conn, &audit, &target, "removed", &a, &file)?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
