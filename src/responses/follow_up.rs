//! An accepted response's answers to its follow-up questions become the country's follow-up
//! declarations on the recommendations they ask about.

use std::collections::HashMap;

use super::loaded::{stored_value, Loaded};
use super::store;
use crate::audit::AuditCtx;
use crate::auth::Principal;
use crate::db::DbConn;
use crate::error::ApiResult;
use crate::files::parents::ParentType;
use crate::reports::recommendations::{declare, load_for_declaration, Declaration};
use crate::reports::rules::FollowupStatus;

/// Declares, for each answered follow-up question of the response's own sections, the status
/// answered, the answer's comment as the progress note (the earlier note when it has none),
/// and attaches the answer's files to the declaration as its evidence. Returns the
/// recommendations declared on.
pub(super) fn declare_answers(
    conn: &mut DbConn,
    audit: &AuditCtx,
    principal: &Principal,
    l: &Loaded,
) -> ApiResult<Vec<i64>> {
    let asked: Vec<(&str, i64)> = l
        .doc
        .sections
        .iter()
        .filter(|s| s.country.as_deref() == Some(l.row.country.as_str()))
        .flat_map(|s| s.questions.iter())
        .filter_map(|q| q.recommendation.map(|r| (q.code.as_str(), r)))
        .collect();
    if asked.is_empty() {
        return Ok(Vec::new());
    }
    let answers: HashMap<String, _> = store::answers(conn, l.row.id)?
        .into_iter()
        .map(|a| (a.question_code.clone(), a))
        .collect();
    let evidence = crate::files::store::attachments_of(conn, ParentType::Answer, &[l.row.id])?
        .remove(&l.row.id)
        .unwrap_or_default();
    let mut declared = Vec::new();
    for (code, rec) in asked {
        let Some(answer) = answers.get(code) else {
            continue;
        };
        let Some(status) = stored_value(answer)?
            .as_str()
            .and_then(FollowupStatus::parse)
        else {
            continue;
        };
        let (r, report) = load_for_declaration(conn, rec, principal)?;
        if report.row.country.as_deref() != Some(l.row.country.as_str()) {
            continue;
        }
        let note = answer
            .comment
            .clone()
            .filter(|c| !c.trim().is_empty())
            .or_else(|| r.progress_note.clone());
        let entry = declare(
            conn,
            audit,
            &r,
            &report,
            Declaration {
                status,
                note,
                evidence: r.evidence_urls.0.clone(),
                by: Some(principal.user_id),
                response: Some(l.row.id),
            },
        )?;
        let now = crate::time::now();
        for (a, _) in evidence.iter().filter(|(a, _)| a.slot == code) {
            crate::files::store::insert_attachment(
                conn,
                &crate::files::store::NewAttachment {
                    file_id: a.file_id,
                    parent_type: ParentType::Followup,
                    parent_id: entry,
                    slot: "",
                    caption: &a.caption,
                    attached_by: Some(principal.user_id),
                    created_at: now,
                },
            )?;
        }
        declared.push(rec);
    }
    Ok(declared)
}
