//! Answers as a focal point sends them: their validation against the questionnaire version, the
//! save worked out before its write, and the audit record of a save.

use std::collections::HashSet;
use std::sync::Arc;

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use super::api::AnswerIn;
use super::loaded::{
    begin_write, check_saving, evidence, load_for_write, render, respond_saved, Loaded,
};
use super::rules;
use super::store::{self, Change};
use crate::audit::AuditCtx;
use crate::auth::{policy, Principal};
use crate::db::{self, DbConn};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::etag;
use crate::questionnaires::model::Document;
use crate::state::AppState;

/// What a save of answers does: the answers validated, and the plan of the writes.
#[derive(Clone)]
struct Work {
    changes: Vec<Change>,
    plan: store::Plan,
}

fn work_out(conn: &mut DbConn, l: &Loaded, answers: &[AnswerIn]) -> ApiResult<Work> {
    let changes = validate_answers(&l.doc, answers)?;
    let plan = store::Plan::new(store::answers(conn, l.row.id)?, &changes);
    Ok(Work { changes, plan })
}

/// Saves `answers` to response `id` for the handlers of one answer and of many. Validating the
/// answers and comparing them with the stored ones is most of a save's work. Where writes take
/// turns (SQLite), the turn would hold it, so it is done first, from a read, with every check
/// of the write; the write transaction checks again and uses that work when the response is
/// still at the revision it was done at (every change of a response's answers or of its
/// questionnaire moves its revision) and under the same questionnaire document, and does the
/// work again otherwise. Where writes do not take turns (PostgreSQL), the work is done once,
/// in the transaction: done twice it cost a tenth of the saves per second there.
pub(super) async fn save_answers(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    principal: Principal,
    id: i64,
    answers: Vec<AnswerIn>,
) -> ApiResult<HttpResponse> {
    let audit = AuditCtx::new(req, Some(&principal))?;
    let if_match = etag::if_match_values(req);
    let minimal = crate::http::prefer::minimal(req);
    let by = Some(principal.user_id);
    let answers = Arc::new(answers);
    let prepared = if state.pool.writes_take_turns() {
        let (caller, if_match, answers) = (principal.clone(), if_match.clone(), answers.clone());
        let work = db::run(&state.pool, move |conn| {
            let l = load_for_write(
                conn,
                id,
                &caller,
                if_match.as_deref(),
                policy::write_response,
            )?;
            check_saving(&l)?;
            let work = work_out(conn, &l, &answers)?;
            Ok((l.row.revision, l.doc, Arc::new(work)))
        })
        .await?;
        Some(work)
    } else {
        None
    };
    let (l, work, at, evidence) = db::run_tx(&state.pool, move |conn| {
        let l = begin_write(
            conn,
            id,
            &principal,
            if_match.as_deref(),
            policy::write_response,
        )?;
        check_saving(&l)?;
        // `begin_write` took the next revision: one more than the read's if nothing came between.
        // A questionnaire with sections for some countries only gives each load its own copy of
        // the country's document: the same when equal.
        let work = match &prepared {
            Some((read_at, doc, work))
                if l.row.revision == read_at + 1 && (Arc::ptr_eq(&l.doc, doc) || l.doc == *doc) =>
            {
                work.clone()
            }
            _ => Arc::new(work_out(conn, &l, &answers)?),
        };
        let at = store::apply(conn, id, &work.plan, by, "put")?;
        record_answers(conn, &audit, id, &work.changes, work.plan.changed())?;
        let evidence = if minimal {
            None
        } else {
            Some(evidence(conn, id)?)
        };
        Ok((l, work, at, evidence))
    })
    .await?;
    let work = Arc::unwrap_or_clone(work);
    let out = render(&l, work.plan.answers_after(id, by, at), evidence)?;
    respond_saved(req, l.row.revision, &out)
}

/// Validates answers against the document; every problem is reported, keyed by question code.
pub(super) fn validate_answers(doc: &Document, answers: &[AnswerIn]) -> ApiResult<Vec<Change>> {
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    let mut changes = Vec::new();
    let questions = doc.index();
    for a in answers {
        let code = a.question.trim();
        if !seen.insert(code.to_owned()) {
            errors.push(FieldError::new(
                code,
                "duplicate",
                "this question is answered twice in the request",
            ));
            continue;
        }
        let Some(q) = questions.get(code).copied() else {
            errors.push(FieldError::new(
                code,
                "unknown_question",
                "no question has this code in this questionnaire version",
            ));
            continue;
        };
        if a.comment
            .as_ref()
            .is_some_and(|c| c.chars().count() > rules::MAX_COMMENT)
        {
            errors.push(FieldError::new(
                code,
                "comment_length",
                format!(
                    "the comment must have at most {} characters",
                    rules::MAX_COMMENT
                ),
            ));
        }
        match rules::validate_value(q, &a.value) {
            Ok(v) => changes.push(Change {
                code: code.to_owned(),
                value: Some(v.to_string()),
                comment: a.comment.clone().filter(|c| !c.trim().is_empty()),
            }),
            Err((c, m)) => errors.push(FieldError::new(code, c, m)),
        }
    }
    if errors.is_empty() {
        Ok(changes)
    } else {
        Err(ApiError::Validation {
            detail: format!("{} answer(s) are invalid; nothing was saved", errors.len()),
            errors,
        })
    }
}

pub(super) fn record_answers(
    conn: &mut DbConn,
    audit: &AuditCtx,
    id: i64,
    changes: &[Change],
    changed: usize,
) -> ApiResult<()> {
    let codes: Vec<&str> = changes.iter().take(50).map(|c| c.code.as_str()).collect();
    audit.record(
        conn,
        "response.answers",
        "response",
        id,
        json!({"sent": changes.len(), "changed": changed, "codes": codes}),
    )?;
    Ok(())
}
