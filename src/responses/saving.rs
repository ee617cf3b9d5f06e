//! Answers as a focal point sends them: their validation against the questionnaire version and
//! the audit record of a save.

use std::collections::HashSet;

use serde_json::json;

use super::api::AnswerIn;
use super::rules;
use super::store::Change;
use crate::audit::AuditCtx;
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::questionnaires::model::Document;

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
