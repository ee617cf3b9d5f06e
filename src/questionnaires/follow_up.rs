//! Follow-up sections: each participant's recommendations of earlier rounds still open, asked
//! in the new round's questionnaire, one question each (where it stands, the comment as the
//! narrative, attached files as evidence), in a section asked of that country alone. When the
//! response is accepted its answers become the country's follow-up declarations.

use actix_web::{post, web, HttpRequest, HttpResponse};
use serde_json::json;

use super::model::{ChoiceOption, Document, Evidence, Kind, Question, Section};
use super::routes::{check_round_allows_drafting, load_visible, respond, round_status, status_of};
use super::rules::{self, MAX_QUESTIONS, MAX_SECTIONS};
use super::store;
use crate::audit::AuditCtx;
use crate::auth::{policy, Principal};
use crate::db::{self, DbConn};
use crate::error::{ApiError, ApiResult};
use crate::http::etag;
use crate::http::lang::{I18n, Lang, LangPref};
use crate::http::validate::Checks;
use crate::reports::model::RecommendationRow;
use crate::reports::rules::FollowupStatus;
use crate::state::AppState;

const LANGS: [Lang; 4] = [Lang::En, Lang::Es, Lang::Fr, Lang::Pt];

fn texts(en: &str, es: &str, fr: &str, pt: &str) -> I18n {
    LANGS
        .into_iter()
        .zip([en, es, fr, pt])
        .map(|(l, t)| (l, t.to_owned()))
        .collect()
}

fn status_options() -> Vec<ChoiceOption> {
    [
        (
            FollowupStatus::Pending,
            texts("Pending", "Pendiente", "En attente", "Pendente"),
        ),
        (
            FollowupStatus::InProgress,
            texts("In progress", "En curso", "En cours", "Em andamento"),
        ),
        (
            FollowupStatus::Implemented,
            texts(
                "Implemented",
                "Implementada",
                "Mise en œuvre",
                "Implementada",
            ),
        ),
        (
            FollowupStatus::NotApplicable,
            texts("Not applicable", "No aplica", "Sans objet", "Não se aplica"),
        ),
    ]
    .into_iter()
    .map(|(v, label)| ChoiceOption {
        value: v.as_str().to_owned(),
        label,
    })
    .collect()
}

/// The section asking `country` about its open recommendations.
fn section_for(country: &str, open: &[(RecommendationRow, i32)]) -> Section {
    let questions = open
        .iter()
        .map(|(r, round)| {
            let original = Lang::parse(&r.language).unwrap_or(Lang::En);
            let text_in = |l: Lang| {
                r.text
                    .get(&l)
                    .or_else(|| r.text.get(&original))
                    .or_else(|| r.text.values().next())
                    .cloned()
                    .unwrap_or_default()
            };
            let lead = texts(
                &format!("Round {round}, recommendation {}", r.number),
                &format!("Ronda {round}, recomendación {}", r.number),
                &format!("Cycle {round}, recommandation {}", r.number),
                &format!("Rodada {round}, recomendação {}", r.number),
            );
            let prompt = lead
                .into_iter()
                .map(|(l, t)| (l, format!("{t}: {}", text_in(l))))
                .collect();
            Question {
                code: format!("FU-{country}-{}", r.id),
                prompt,
                help: texts(
                    "Where its implementation stands; explain in the comment and attach the evidence.",
                    "En qué punto está su implementación; explíquelo en el comentario y adjunte la evidencia.",
                    "Où en est sa mise en œuvre ; expliquez-le dans le commentaire et joignez les justificatifs.",
                    "Em que ponto está sua implementação; explique no comentário e anexe as evidências.",
                ),
                kind: Kind::SingleChoice,
                required: true,
                options: status_options(),
                min: None,
                max: None,
                max_length: None,
                thematic_area: r.thematic_area.clone(),
                evidence: Evidence::Optional,
                recommendation: Some(r.id),
            }
        })
        .collect();
    Section {
        code: format!("FU-{country}"),
        title: texts(
            &format!("Follow-up of earlier recommendations: {country}"),
            &format!("Seguimiento de recomendaciones anteriores: {country}"),
            &format!("Suivi des recommandations antérieures : {country}"),
            &format!("Acompanhamento de recomendações anteriores: {country}"),
        ),
        questions,
        country: Some(country.to_owned()),
    }
}

/// What the database says of a structure's follow-up parts: a country section names a
/// participant of the round; a follow-up question, a recommendation of that country from an
/// earlier round, asked as a choice among follow-up statuses.
pub fn check(conn: &mut DbConn, checks: &mut Checks, doc: &Document, round: i64) -> ApiResult<()> {
    let number = crate::rounds::store::find(conn, round)?.map(|r| r.number);
    for (i, s) in doc.sections.iter().enumerate() {
        let Some(country) = &s.country else { continue };
        if crate::rounds::store::participant(conn, round, country)?.is_none() {
            checks.add(
                &format!("sections[{i}].country"),
                "not_participant",
                format!("{country} does not take part in the round"),
            );
        }
        for (j, q) in s.questions.iter().enumerate() {
            let Some(rec) = q.recommendation else {
                continue;
            };
            let path = format!("sections[{i}].questions[{j}]");
            let found = crate::reports::store::find_recommendation(conn, rec)?;
            let report = match &found {
                Some(r) => crate::reports::store::find_report(conn, r.report_id)?,
                None => None,
            };
            let earlier = match &report {
                Some(rep) => crate::rounds::store::find(conn, rep.round_id)?
                    .is_some_and(|r| Some(r.number) < number),
                None => false,
            };
            if !(earlier && report.is_some_and(|r| r.country.as_deref() == Some(country))) {
                checks.add(
                    &format!("{path}.recommendation"),
                    "unknown",
                    format!("{country} has no recommendation {rec} from an earlier round"),
                );
            }
            let statuses_only = q
                .options
                .iter()
                .all(|o| FollowupStatus::parse(&o.value).is_some());
            if q.kind != Kind::SingleChoice || !statuses_only {
                checks.add(
                    &format!("{path}.kind"),
                    "follow_up",
                    "a follow-up question is a single_choice among pending, in_progress, implemented, not_applicable",
                );
            }
        }
    }
    Ok(())
}

/// (Re)generate the follow-up sections of a draft (secretariat): for each participant of the
/// round with recommendations of earlier rounds still open as assessed (`pending`,
/// `in_progress`), a section `FU-<country>` asked of that country alone, one required
/// question per recommendation (`FU-<country>-<recommendation id>`, a choice of its status; the
/// answer's comment is the narrative and its files the evidence). Earlier follow-up sections
/// are replaced; the rest of the document stays. When the response is accepted, each answer
/// becomes the country's follow-up declaration on the recommendation. Honours `If-Match`.
#[utoipa::path(
    tag = "questionnaires",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The questionnaire's id"), ("If-Match" = Option<String>, Header, description = "The ETag read")),
    responses(
        (status = 200, description = "The questionnaire with its follow-up sections", body = super::api::Questionnaire, headers(("ETag" = String))),
        (status = 404, description = "No such questionnaire", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a draft, the round is under review, or the sections would exceed the questionnaire's limits", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/questionnaires/{id}/follow-up")]
pub async fn generate_follow_up(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    policy::manage_rounds(Some(&principal))?;
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let if_match = etag::if_match_values(&req);
    let id = id.into_inner();
    let row = db::run_tx(&state.pool, move |conn| {
        db::lock_id(conn, "questionnaires", id)?;
        let row = load_visible(conn, id, Some(&principal))?;
        etag::check_revision(
            if_match.as_deref(),
            etag::Entity("questionnaire", row.id),
            row.revision,
        )?;
        rules::check_editable(status_of(&row))
            .map_err(|why| ApiError::conflict("questionnaire-frozen", why, vec![]))?;
        check_round_allows_drafting(round_status(conn, row.round_id)?)?;
        let number = crate::rounds::store::find(conn, row.round_id)?
            .map(|r| r.number)
            .unwrap_or(0);
        let mut doc = row.doc()?;
        doc.sections.retain(|s| s.country.is_none());
        let mut asked = Vec::new();
        for p in crate::rounds::store::participants(conn, row.round_id)? {
            let open = crate::reports::store::earlier_recommendations_of(conn, &p.country, number, true)?;
            if !open.is_empty() {
                asked.push(json!({"country": p.country, "recommendations": open.len()}));
                doc.sections.push(section_for(&p.country, &open));
            }
        }
        if doc.sections.len() > MAX_SECTIONS || doc.question_count() > MAX_QUESTIONS {
            return Err(ApiError::conflict(
                "questionnaire-too-large",
                format!(
                    "with its follow-up sections the questionnaire would have {} sections and {} questions; at most {MAX_SECTIONS} and {MAX_QUESTIONS}",
                    doc.sections.len(),
                    doc.question_count()
                ),
                vec![],
            ));
        }
        store::replace(conn, &row, &doc)?;
        audit.record(
            conn,
            "questionnaire.follow_up",
            "questionnaire",
            id,
            json!({"sections": asked}),
        )?;
        store::find(conn, id)?.ok_or_else(|| ApiError::internal("questionnaire vanished"))
    })
    .await?;
    respond(&req, &row, pref)
}
