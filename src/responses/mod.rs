//! Countries' responses to questionnaires: answers saved one by one or in bulk, validated on
//! save, submitted by a deadline, reviewed by the secretariat; never lost.

pub mod actions;
pub mod answers;
pub mod api;
mod follow_up;
pub mod insights;
mod loaded;
pub mod model;
pub mod reminders;
pub mod routes;
pub mod rules;
mod saving;
pub mod store;

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::audit::AuditCtx;
use crate::db::DbConn;
use crate::error::ApiResult;
use crate::questionnaires::model::QuestionnaireRow;
use api::CarryOverItem;
use store::Change;

/// Moves the draft and returned responses of `from` to the newly published `to`: answers keep
/// their question code when the kind is still compatible and the value still fits; the others
/// are removed (kept in the history) and listed in the response's `carry_over_report`.
/// Returns how many responses moved.
pub fn carry_over(
    conn: &mut DbConn,
    audit: &AuditCtx,
    from: &QuestionnaireRow,
    to: &QuestionnaireRow,
) -> ApiResult<usize> {
    let (old_doc, new_doc) = (from.doc()?, to.doc()?);
    let (old_questions, new_questions) = (old_doc.index(), new_doc.index());
    let moving: Vec<_> = store::of_round(conn, from.round_id)?
        .into_iter()
        .filter(|r| r.questionnaire_id == from.id && r.status.editable())
        .collect();
    let ids: Vec<i64> = moving.iter().map(|r| r.id).collect();
    let mut answers = store::answers_of(conn, &ids)?;
    for r in &moving {
        let mut report = Vec::new();
        let mut changes = Vec::new();
        for a in answers.remove(&r.id).unwrap_or_default() {
            let value: Value = crate::db::stored_json("value of an answer", &a.value)?;
            let old_kind = old_questions.get(a.question_code.as_str()).map(|q| q.kind);
            let outcome = match (old_kind, new_questions.get(a.question_code.as_str())) {
                (_, None) => Err("the question is not in the new version".to_owned()),
                (None, Some(_)) => Err("the question was unknown to the old version".to_owned()),
                (Some(k), Some(q)) => rules::carry_over(k, q, &value),
            };
            match outcome {
                Ok(v) if v == value => {}
                Ok(v) => changes.push(Change {
                    code: a.question_code,
                    value: Some(v.to_string()),
                    comment: a.comment,
                }),
                Err(reason) => {
                    report.push(CarryOverItem {
                        question: a.question_code.clone(),
                        value,
                        reason,
                    });
                    changes.push(Change {
                        code: a.question_code,
                        value: None,
                        comment: None,
                    });
                }
            }
        }
        store::save(conn, r.id, &changes, audit.actor_id, "carry_over")?;
        let report_json = serde_json::to_string(&report).unwrap_or_else(|_| "[]".into());
        store::move_to(conn, r.id, to.id, &report_json)?;
        let dropped: HashMap<&str, &str> = report
            .iter()
            .map(|i| (i.question.as_str(), i.reason.as_str()))
            .collect();
        audit.record(
            conn,
            "response.carry_over",
            "response",
            r.id,
            json!({"from": from.id, "to": to.id, "dropped": dropped}),
        )?;
    }
    Ok(moving.len())
}

/// Whether the caller may read a response's evidence, or attach to it (its country or the
/// secretariat, while the response is a draft or returned, for a question that takes files):
/// the scope of the attachment's events. See [`crate::files::parents`].
pub fn attachment_scope(
    conn: &mut DbConn,
    id: i64,
    p: Option<&crate::auth::Principal>,
    intent: crate::files::parents::Intent<'_>,
) -> ApiResult<crate::events::Scope> {
    use crate::files::parents::Intent;
    use crate::lifecycle::Subject;
    let l = loaded::load_visible(conn, id, p)?;
    if let Intent::Change { question } = intent {
        crate::auth::policy::write_response(p, &loaded::facts(&l.row, &l.round))?;
        if !l.row.status.editable() {
            return Err(crate::files::parents::frozen(
                "response",
                l.row.status.as_str(),
            ));
        }
        let mut checks = crate::http::validate::Checks::new();
        match question.map(|q| (q, l.doc.question(q))) {
            None => checks.add(
                "question",
                "required",
                "name the question the file is evidence for",
            ),
            Some((q, None)) => checks.add(
                "question",
                "unknown",
                format!("the questionnaire has no question {q:?}"),
            ),
            Some((q, Some(found)))
                if found.evidence == crate::questionnaires::model::Evidence::None =>
            {
                checks.add(
                    "question",
                    "no-evidence",
                    format!("question {q} takes no files"),
                )
            }
            Some(_) => {}
        }
        checks.finish()?;
    }
    Ok(Subject::<rules::ResponseAction>::scope(&l))
}
