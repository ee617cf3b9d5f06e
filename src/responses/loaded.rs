//! A response as the handlers load, check and render it: its rows, its questionnaire and
//! round, what the caller may do with it, and the write's lock.

use std::collections::HashMap;
use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde_json::Value;

use super::api::{AnswerOut, ResponseOut, SectionProgress};
use super::model::{AnswerRow, ResponseRow};
use super::routes::status_of;
use super::rules::{self, ResponseAction, ResponseStatus};
use super::store;
use crate::auth::policy::{self, ResponseFacts};
use crate::auth::Principal;
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};
use crate::events::{Audience, Scope};
use crate::http::etag;
use crate::lifecycle::{Standing, Subject};
use crate::questionnaires::model::Document;
use crate::rounds::model::RoundRow;
use crate::rounds::rules::ResponsePublication;
use crate::rounds::rules::RoundStatus;
use crate::time::utc;

fn public_after_conclusion(round: &RoundRow) -> bool {
    round.status == RoundStatus::Concluded
        && round.response_publication == ResponsePublication::PublicAfterConclusion
}

pub(super) fn facts<'a>(r: &'a ResponseRow, round: &RoundRow) -> ResponseFacts<'a> {
    ResponseFacts {
        country: &r.country,
        state: rules::policy_state(status_of(r)),
        public_after_conclusion: public_after_conclusion(round),
    }
}

/// Everything a response's representation and rules need.
pub(super) struct Loaded {
    pub(super) row: ResponseRow,
    pub(super) doc: Arc<Document>,
    pub(super) round: RoundRow,
    pub(super) due_on: NaiveDate,
}

impl Subject<ResponseAction> for Loaded {
    fn standing(&self) -> Standing<ResponseStatus> {
        Standing {
            status: self.row.status,
            revision: self.row.revision,
        }
    }

    fn scope(&self) -> Scope {
        let audience = match self.row.status {
            ResponseStatus::Draft => Audience::Country,
            ResponseStatus::Accepted if public_after_conclusion(&self.round) => Audience::Public,
            _ => Audience::CountryAndExperts,
        };
        Scope::new(audience, Some(&self.row.country)).in_round(self.row.round_id)
    }
}

fn not_found(id: i64) -> ApiError {
    ApiError::not_found(format!("no response {id}"))
}

fn load(conn: &mut DbConn, id: i64) -> ApiResult<Loaded> {
    let row = store::find(conn, id)?.ok_or_else(|| not_found(id))?;
    let questionnaire = crate::questionnaires::store::find(conn, row.questionnaire_id)?
        .ok_or_else(|| ApiError::internal("response without questionnaire"))?;
    let round = crate::rounds::store::find(conn, row.round_id)?
        .ok_or_else(|| ApiError::internal("response without round"))?;
    let extension = crate::rounds::store::participant(conn, row.round_id, &row.country)?
        .and_then(|p| p.due_on_extension);
    // A country's response sees the sections asked of every participant and of it alone.
    let doc = questionnaire.shared_doc()?;
    let doc = match doc.for_country(&row.country) {
        Some(own) => Arc::new(own),
        None => doc,
    };
    Ok(Loaded {
        doc,
        due_on: rules::due_on(round.responses_due_on, extension),
        row,
        round,
    })
}

/// Loads a response the caller may read (404 otherwise).
pub(super) fn load_visible(
    conn: &mut DbConn,
    id: i64,
    caller: Option<&Principal>,
) -> ApiResult<Loaded> {
    let l = load(conn, id)?;
    policy::read_response(caller, &facts(&l.row, &l.round)).map_err(|_| not_found(id))?;
    Ok(l)
}

pub(super) fn render(
    l: &Loaded,
    answers: Vec<AnswerRow>,
    evidence: Option<Vec<crate::files::api::Attachment>>,
) -> ApiResult<ResponseOut> {
    let with_answers = evidence.is_some();
    let by_code: HashMap<&str, &AnswerRow> = answers
        .iter()
        .map(|a| (a.question_code.as_str(), a))
        .collect();
    let mut sections = Vec::new();
    let mut ordered = Vec::new();
    for s in &l.doc.sections {
        let mut p = SectionProgress {
            code: s.code.clone(),
            questions: s.questions.len(),
            answered: 0,
            required: 0,
            required_answered: 0,
        };
        for q in &s.questions {
            let a = by_code.get(q.code.as_str());
            p.answered += a.is_some() as usize;
            p.required += q.required as usize;
            p.required_answered += (q.required && a.is_some()) as usize;
            if let Some(a) = a.filter(|_| with_answers) {
                ordered.push(AnswerOut {
                    question: a.question_code.clone(),
                    value: stored_value(a)?,
                    comment: a.comment.clone(),
                    updated_at: utc(a.updated_at),
                    updated_by: a.updated_by,
                });
            }
        }
        sections.push(p);
    }
    let status = status_of(&l.row);
    Ok(ResponseOut {
        id: l.row.id,
        questionnaire: l.row.questionnaire_id,
        round: l.row.round_id,
        country: l.row.country.clone(),
        status,
        allowed_actions: crate::lifecycle::allowed::<ResponseAction>(status)
            .into_iter()
            .map(str::to_owned)
            .collect(),
        revision: l.row.revision,
        due_on: l.due_on,
        submitted_at: l.row.submitted_at.map(utc),
        submitted_by: l.row.submitted_by,
        late: l.row.late,
        return_reason: l.row.return_reason.clone(),
        questions: sections.iter().map(|s| s.questions).sum(),
        answered: sections.iter().map(|s| s.answered).sum(),
        required: sections.iter().map(|s| s.required).sum(),
        required_answered: sections.iter().map(|s| s.required_answered).sum(),
        sections,
        answers: with_answers.then_some(ordered),
        evidence,
        carry_over_report: l.row.carry_over_report.0.clone(),
        created_at: utc(l.row.created_at),
        updated_at: utc(l.row.updated_at),
    })
}

pub(super) fn current(conn: &mut DbConn, id: i64) -> ApiResult<(i32, ResponseOut)> {
    let l = load(conn, id)?;
    with_answers(conn, &l)
}

/// The full representation of a loaded response (its answers read now) and its revision.
pub(super) fn with_answers(conn: &mut DbConn, l: &Loaded) -> ApiResult<(i32, ResponseOut)> {
    let answers = store::answers(conn, l.row.id)?;
    let evidence = evidence(conn, l.row.id)?;
    Ok((l.row.revision, render(l, answers, Some(evidence))?))
}

pub(super) fn respond(
    req: &HttpRequest,
    revision: i32,
    out: &ResponseOut,
) -> ApiResult<HttpResponse> {
    etag::versioned_json(req, etag::Entity("response", out.id), revision, out, None)
}

/// The response may take answers now: its status, and its round's.
pub(super) fn check_saving(l: &Loaded) -> ApiResult<()> {
    let status = status_of(&l.row);
    if !status.editable() {
        return Err(ApiError::conflict(
            "response-not-editable",
            format!("a {} response no longer takes answers", status.as_str()),
            vec![],
        ));
    }
    match l.round.parsed_status() {
        RoundStatus::Open => Ok(()),
        RoundStatus::InReview if status == ResponseStatus::Returned => Ok(()),
        s => Err(ApiError::conflict(
            "round-not-open",
            format!("the round is {}: answers are no longer taken", s.as_str()),
            vec![],
        )),
    }
}

/// Locks the response for a write, loads it once and checks the caller may see it (404) and
/// make this write (403), then `If-Match` (412), and takes the next revision. A refusal rolls
/// the lock back with the transaction.
pub(super) fn begin_write(
    conn: &mut DbConn,
    id: i64,
    caller: &Principal,
    if_match: Option<&str>,
    check: impl Fn(Option<&Principal>, &ResponseFacts) -> Result<(), ApiError>,
) -> ApiResult<Loaded> {
    crate::db::lock_id(conn, "responses", id)?;
    let mut l = load_for_write(conn, id, caller, if_match, check)?;
    l.row.revision = store::next_revision(conn, id)?;
    Ok(l)
}

/// Loads a response and makes [`begin_write`]'s checks without locking it: for the work a write
/// can do before its transaction, which checks again.
pub(super) fn load_for_write(
    conn: &mut DbConn,
    id: i64,
    caller: &Principal,
    if_match: Option<&str>,
    check: impl Fn(Option<&Principal>, &ResponseFacts) -> Result<(), ApiError>,
) -> ApiResult<Loaded> {
    let l = load(conn, id)?;
    let f = facts(&l.row, &l.round);
    policy::read_response(Some(caller), &f).map_err(|_| not_found(id))?;
    check(Some(caller), &f)?;
    etag::check_revision(if_match, etag::Entity("response", id), l.row.revision)?;
    Ok(l)
}

/// The representation after a save of answers: the lock already bumped the revision that
/// `l` holds, and the save returned every answer.
pub(super) fn after_save(
    conn: &mut DbConn,
    l: Loaded,
    saved: store::Saved,
    minimal: bool,
) -> ApiResult<(i32, ResponseOut)> {
    let evidence = if minimal {
        None
    } else {
        Some(evidence(conn, l.row.id)?)
    };
    Ok((l.row.revision, render(&l, saved.answers, evidence)?))
}

/// The files attached to a response's answers.
pub(super) fn evidence(
    conn: &mut DbConn,
    id: i64,
) -> ApiResult<Vec<crate::files::api::Attachment>> {
    Ok(crate::files::attachments::for_parent(
        conn,
        crate::files::parents::ParentType::Answer,
        id,
    )?)
}

/// An answer's stored value; one that does not parse is a fault of the stored data (500).
pub(super) fn stored_value(a: &AnswerRow) -> ApiResult<Value> {
    crate::db::stored_json(
        format_args!(
            "value of answer {} of response {}",
            a.question_code, a.response_id
        ),
        &a.value,
    )
}

/// The answer to a save; `Prefer: return=minimal` leaves the answers out.
pub(super) fn respond_saved(
    req: &HttpRequest,
    revision: i32,
    out: &ResponseOut,
) -> ApiResult<HttpResponse> {
    let mut res = respond(req, revision, out)?;
    if out.answers.is_none() {
        crate::http::prefer::applied_minimal(&mut res);
    }
    Ok(res)
}
