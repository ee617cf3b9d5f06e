//! What the answers add up to: a round's progress per participant, and figures over the
//! answers to one question, each over what the caller may see.

use std::collections::{BTreeMap, HashMap, HashSet};

use actix_web::{get, web, HttpRequest, HttpResponse};
use serde_json::Value;

use super::api::{ParticipantProgress, QuestionPath, QuestionSummary};
use super::model::ResponseRow;
use super::routes::status_of;
use super::rules::{self};
use super::store;
use super::store::visibility;
use crate::auth::policy;
use crate::auth::{MaybePrincipal, Principal, Role};
use crate::db::{self, DbConn};
use crate::error::{ApiError, ApiResult};
use crate::http::pagination::{page_response, Page};
use crate::questionnaires::model::{Document, Kind, QuestionnaireStatus};
use crate::state::AppState;
use crate::time::utc;

/// Progress of every participant of a round, as `principal` may see it (a focal point: its own
/// row only).
pub fn progress(
    conn: &mut DbConn,
    round_id: i64,
    principal: &Principal,
) -> ApiResult<Vec<ParticipantProgress>> {
    let round = crate::rounds::store::find(conn, round_id)?
        .ok_or_else(|| ApiError::not_found(format!("no round {round_id}")))?;
    let participants = crate::rounds::store::participants(conn, round_id)?;
    let responses = store::of_round(conn, round_id)?;
    let ids: Vec<i64> = responses.iter().map(|r| r.id).collect();
    let mut answers = store::answers_of(conn, &ids)?;
    let qids: Vec<i64> = responses
        .iter()
        .map(|r| r.questionnaire_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let docs: HashMap<i64, Document> = crate::questionnaires::store::find_many(conn, &qids)?
        .into_iter()
        .map(|(id, row)| row.doc().map(|doc| (id, doc)))
        .collect::<ApiResult<_>>()?;
    let mut by_country: HashMap<String, ResponseRow> = HashMap::new();
    // A row shows only a response the caller may read: an expert learns that a country has
    // not submitted, never what its draft holds.
    let readable = |r: &ResponseRow| {
        crate::security::policy::read_response(Some(principal), &super::loaded::facts(r, &round))
            .is_ok()
    };
    for r in responses.into_iter().filter(|r| readable(r)) {
        // The response on the newest version speaks for the country.
        let keep = by_country
            .get(&r.country)
            .is_none_or(|o| o.questionnaire_id < r.questionnaire_id);
        if keep {
            by_country.insert(r.country.clone(), r);
        }
    }
    Ok(participants
        .into_iter()
        .filter(|p| principal.role != Role::MemberCountry || principal.of_country(&p.country))
        .map(|p| {
            let r = by_country.remove(&p.country);
            let (answered, required, required_answered) = match &r {
                Some(r) => {
                    let codes: HashSet<String> = answers
                        .remove(&r.id)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|a| a.question_code)
                        .collect();
                    let doc = docs.get(&r.questionnaire_id);
                    let qs: Vec<_> = doc
                        .map(|d| d.questions().map(|(_, q)| q).collect())
                        .unwrap_or_default();
                    (
                        qs.iter().filter(|q| codes.contains(&q.code)).count(),
                        qs.iter().filter(|q| q.required).count(),
                        qs.iter()
                            .filter(|q| q.required && codes.contains(&q.code))
                            .count(),
                    )
                }
                None => (0, 0, 0),
            };
            ParticipantProgress {
                status: r.as_ref().map(status_of),
                response: r.as_ref().map(|r| r.id),
                questionnaire: r.as_ref().map(|r| r.questionnaire_id),
                answered,
                required,
                required_answered,
                submitted_at: r.as_ref().and_then(|r| r.submitted_at).map(utc),
                late: r.as_ref().is_some_and(|r| r.late),
                due_on: rules::due_on(round.responses_due_on, p.due_on_extension),
                due_on_extension: p.due_on_extension,
                country: p.country,
            }
        })
        .collect::<Vec<_>>())
}

/// Progress of every participant of a round (secretariat and experts; a focal point sees its
/// own country's row). A row shows a response only when the caller may read it: for an expert a
/// country whose response is still a draft shows `status: null` and no counts, as one that has
/// not started.
#[utoipa::path(
    tag = "responses",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The round's id")),
    responses(
        (status = 200, description = "One row per participant, by country code", body = Page<ParticipantProgress>),
        (status = 404, description = "No such round", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/rounds/{id}/progress")]
pub async fn round_progress(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let round_id = id.into_inner();
    let rows = db::run(&state.pool, move |conn| {
        progress(conn, round_id, &principal)
    })
    .await?;
    page_response(
        &req,
        &Page {
            data: rows,
            next_cursor: None,
        },
        None,
    )
}

/// Counts per option, or count/min/max/mean/median, over the responses the caller may see.
#[utoipa::path(
    tag = "responses",
    params(QuestionPath),
    responses(
        (status = 200, description = "The figures", body = QuestionSummary),
        (status = 404, description = "No such questionnaire (or a draft) or question", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/questionnaires/{id}/questions/{code}/summary")]
pub async fn question_summary(
    state: web::Data<AppState>,
    caller: MaybePrincipal,
    path: web::Path<QuestionPath>,
) -> ApiResult<HttpResponse> {
    // Long: one question's answers summarised per kind (counts, ranges, texts), one arm per kind.
    let QuestionPath { id, code } = path.into_inner();
    let summary = db::run(&state.pool, move |conn| {
        let q = crate::questionnaires::store::find(conn, id)?
            .filter(|q| {
                policy::read_questionnaire(
                    caller.0.as_ref(),
                    q.status == QuestionnaireStatus::Draft,
                )
                .is_ok()
            })
            .ok_or_else(|| ApiError::not_found(format!("no questionnaire {id}")))?;
        let doc = q.doc()?;
        let question = doc.question(&code).cloned().ok_or_else(|| {
            ApiError::not_found(format!("questionnaire {id} has no question {code}"))
        })?;
        let rows = store::visible_of_questionnaire(conn, id, &visibility(caller.0.as_ref()))?;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let values: Vec<Value> = store::answers_of(conn, &ids)?
            .into_values()
            .flatten()
            .filter(|a| a.question_code == code)
            .map(|a| super::loaded::stored_value(&a))
            .collect::<ApiResult<_>>()?;
        let mut s = QuestionSummary {
            questionnaire: id,
            question: code.clone(),
            kind: question.kind,
            responses: rows.len(),
            answered: values.len(),
            counts: None,
            true_count: None,
            false_count: None,
            min: None,
            max: None,
            mean: None,
            median: None,
        };
        match question.kind {
            Kind::SingleChoice | Kind::MultiChoice => {
                let mut counts: BTreeMap<String, usize> = question
                    .options
                    .iter()
                    .map(|o| (o.value.clone(), 0))
                    .collect();
                for v in &values {
                    let chosen: Vec<&str> = match v {
                        Value::String(s) => vec![s.as_str()],
                        Value::Array(a) => a.iter().filter_map(|x| x.as_str()).collect(),
                        _ => vec![],
                    };
                    for c in chosen {
                        *counts.entry(c.to_owned()).or_default() += 1;
                    }
                }
                s.counts = Some(counts);
            }
            Kind::Boolean => {
                s.true_count = Some(values.iter().filter(|v| v.as_bool() == Some(true)).count());
                s.false_count = Some(values.iter().filter(|v| v.as_bool() == Some(false)).count());
            }
            Kind::Integer | Kind::Decimal => {
                let mut nums: Vec<f64> = values.iter().filter_map(|v| v.as_f64()).collect();
                nums.sort_by(|a, b| a.total_cmp(b));
                if !nums.is_empty() {
                    let n = nums.len();
                    s.min = nums.first().copied();
                    s.max = nums.last().copied();
                    s.mean = Some(nums.iter().sum::<f64>() / n as f64);
                    s.median = Some(if n % 2 == 1 {
                        nums[n / 2]
                    } else {
                        (nums[n / 2 - 1] + nums[n / 2]) / 2.0
                    });
                }
            }
            _ => {}
        }
        Ok(s)
    })
    .await?;
    Ok(HttpResponse::Ok().json(summary))
}
