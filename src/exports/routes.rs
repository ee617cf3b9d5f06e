//! `/exports/*` and `/questionnaires/{id}/dictionary`.

use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::{IntoParams, ToSchema};

use super::encode::{self, Encoder, Format};
use super::recommendations::Recommendations;
use super::sources::{shown, Answers, Experiences, Ready};
use crate::auth::{policy, MaybePrincipal, Principal};
use crate::db;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::experiences::api::ExperienceQuery;
use crate::experiences::list::list_spec;
use crate::http::lang::{Lang, LangChoice, LangParam, LangPref, TextIn as Text};
use crate::http::validate::Checks;
use crate::questionnaires::model::{Kind, QuestionnaireStatus};
use crate::reports::api::RecommendationQuery;
use crate::responses::api::ResponseQuery;
use crate::responses::store::visibility;
use crate::state::AppState;

/// How an export is written.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// `csv` (default; RFC 4180, UTF-8, header row) or `ndjson`; else taken from `Accept`
    /// (`text/csv`, `application/x-ndjson`).
    #[param(value_type = Option<Format>)]
    pub format: Option<String>,
}

/// Layout of the answers export.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ShapeParam {
    /// `long` (default: one row per answer) or `wide` (one row per response, one column per
    /// question code, multi-choice values joined with `;`; needs `questionnaire`).
    #[param(value_type = Option<Shape>)]
    pub shape: Option<String>,
}

/// Layouts of the answers export.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = AnswersShape)]
pub enum Shape {
    Long,
    Wide,
}

/// Every answer the caller may see, with the same filters and visibility as
/// `GET /responses`: one row per answer (`round, questionnaire, questionnaire_version, country,
/// response, section, question, kind, value, value_label, comment, response_status,
/// submitted_at, updated_at, evidence_names, evidence_sizes, evidence_sha256, evidence_paths`:
/// the files attached to the answer, as lists) or, with `shape=wide`, one row per response
/// (without evidence). `value_label` gives
/// the labels of choices in the requested language; with `lang=all` every translation (CSV:
/// `value_label_en`, `value_label_es`, …; NDJSON: an object keyed by language). Streamed; no
/// total count.
#[utoipa::path(
    tag = "exports",
    params(ResponseQuery, ShapeParam, ExportParams, LangParam),
    responses(
        (status = 200, description = "The rows, streamed", content((String = "text/csv"), (String = "application/x-ndjson")), headers(("Content-Disposition" = String))),
        (status = 400, description = "Bad filter, shape or format", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "Wide: no such questionnaire", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/exports/answers")]
pub async fn export_answers(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: MaybePrincipal,
    query: web::Query<ResponseQuery>,
    shape: web::Query<ShapeParam>,
    params: web::Query<ExportParams>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let format = Format::negotiate(&req, params.format.as_deref())?;
    let mut checks = Checks::new();
    let filter = query.filter(&mut checks);
    let wide = match shape.shape.as_deref().map(str::trim) {
        None | Some("long") => false,
        Some("wide") => {
            if filter.questionnaire.is_none() {
                checks.add(
                    "questionnaire",
                    "required",
                    "a wide export has one column per question: name the questionnaire version",
                );
            }
            true
        }
        Some(other) => {
            checks.add(
                "shape",
                "unknown",
                format!("'{other}' is not one of long, wide"),
            );
            false
        }
    };
    checks.finish_query()?;
    let codes = match (wide, filter.questionnaire) {
        (true, Some(q)) => Some(
            db::run(&state.pool, move |conn| {
                let row = crate::questionnaires::store::find(conn, q)?
                    .ok_or_else(|| ApiError::not_found(format!("no questionnaire {q}")))?;
                Ok(row
                    .doc()?
                    .questions()
                    .map(|(_, q)| q.code.clone())
                    .collect::<Vec<_>>())
            })
            .await?,
        ),
        _ => None,
    };
    let columns: Vec<String> = match &codes {
        Some(codes) => Answers::WIDE_LEAD
            .iter()
            .map(|c| c.to_string())
            .chain(codes.iter().cloned())
            .collect(),
        None => Answers::LONG.iter().map(|c| c.to_string()).collect(),
    };
    let name = match (filter.questionnaire, filter.round) {
        (Some(q), _) => format!(
            "answers-questionnaire-{q}{}",
            if wide { "-wide" } else { "" }
        ),
        (None, Some(r)) => format!("answers-round-{r}"),
        _ => "answers".to_owned(),
    };
    let source = Answers::new(filter, visibility(caller.0.as_ref()), pref, codes);
    encode::stream(
        state.pool.clone(),
        source,
        Encoder::new(format, columns).translated(pref, &Answers::TRANSLATED),
        &name,
    )
}

/// The Guide, one row per experience (sections as text in the requested language, or with
/// `lang=all` in every translation: CSV `title_en`, `title_es`…, NDJSON objects by language;
/// institutions and legal instruments flattened, lists joined with `;` in CSV), with the same
/// filters and visibility as `GET /experiences`. Streamed.
#[utoipa::path(
    tag = "exports",
    params(ExperienceQuery, ExportParams, LangParam),
    responses(
        (status = 200, description = "The rows, streamed", content((String = "text/csv"), (String = "application/x-ndjson")), headers(("Content-Disposition" = String))),
        (status = 400, description = "Bad filter or format", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/exports/experiences")]
pub async fn export_experiences(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: MaybePrincipal,
    query: web::Query<ExperienceQuery>,
    params: web::Query<ExportParams>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let format = Format::negotiate(&req, params.format.as_deref())?;
    let spec = list_spec(&query, None, caller.0.as_ref())?;
    let columns = Experiences::COLUMNS.iter().map(|c| c.to_string()).collect();
    encode::stream(
        state.pool.clone(),
        Experiences::new(spec, pref),
        Encoder::new(format, columns).translated(pref, &Experiences::TRANSLATED),
        "experiences",
    )
}

/// The recommendations tracker with each one's latest follow-up, with the same filters and
/// visibility as `GET /recommendations`. Streamed.
#[utoipa::path(
    tag = "exports",
    params(RecommendationQuery, ExportParams, LangParam),
    responses(
        (status = 200, description = "The rows, streamed", content((String = "text/csv"), (String = "application/x-ndjson")), headers(("Content-Disposition" = String))),
        (status = 400, description = "Bad filter or format", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/exports/recommendations")]
pub async fn export_recommendations(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: MaybePrincipal,
    query: web::Query<RecommendationQuery>,
    params: web::Query<ExportParams>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let format = Format::negotiate(&req, params.format.as_deref())?;
    let mut checks = Checks::new();
    let filter = query.filter(&mut checks);
    checks.finish_query()?;
    let scope = db::run(&state.pool, move |conn| {
        crate::reports::loaded::scope(conn, caller.0.as_ref())
    })
    .await?;
    let columns = Recommendations::COLUMNS
        .iter()
        .map(|c| c.to_string())
        .collect();
    encode::stream(
        state.pool.clone(),
        Recommendations::new(filter, scope, pref),
        Encoder::new(format, columns).translated(pref, &Recommendations::TRANSLATED),
        "recommendations",
    )
}

/// Filter of the progress export.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProgressQuery {
    /// The round (required).
    #[param(value_type = i64)]
    pub round: Option<String>,
}

/// A round's progress, one row per participant, as `GET /rounds/{id}/progress` shows it to
/// the caller.
#[utoipa::path(
    tag = "exports",
    security(("bearer" = [])),
    params(ProgressQuery, ExportParams),
    responses(
        (status = 200, description = "The rows", content((String = "text/csv"), (String = "application/x-ndjson")), headers(("Content-Disposition" = String))),
        (status = 400, description = "No round, or a bad format", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such round", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/exports/progress")]
pub async fn export_progress(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<ProgressQuery>,
    params: web::Query<ExportParams>,
) -> ApiResult<HttpResponse> {
    let format = Format::negotiate(&req, params.format.as_deref())?;
    let mut checks = Checks::new();
    let round = checks.integer("round", query.round.as_deref());
    if query.round.is_none() {
        checks.add("round", "required", "name the round");
    }
    checks.finish_query()?;
    let round = round.unwrap_or_default();
    let rows = db::run(&state.pool, move |conn| {
        crate::responses::insights::progress(conn, round, &principal)
    })
    .await?;
    let columns = [
        "round",
        "country",
        "status",
        "response",
        "questionnaire",
        "answered",
        "required",
        "required_answered",
        "submitted_at",
        "late",
        "due_on",
        "due_on_extension",
    ];
    let rows: Vec<Vec<Value>> = rows
        .into_iter()
        .map(|p| {
            vec![
                json!(round),
                json!(p.country),
                json!(p.status),
                json!(p.response),
                json!(p.questionnaire),
                json!(p.answered),
                json!(p.required),
                json!(p.required_answered),
                json!(p.submitted_at),
                json!(p.late),
                json!(p.due_on),
                json!(p.due_on_extension),
            ]
        })
        .collect();
    encode::stream(
        state.pool.clone(),
        Ready(Some(rows)),
        Encoder::new(format, columns.iter().map(|c| c.to_string()).collect()),
        &format!("progress-round-{round}"),
    )
}

/// Format of the data dictionary.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DictionaryParams {
    /// `json` (default) or `csv`.
    #[param(value_type = Option<DictionaryFormat>)]
    pub format: Option<String>,
}

/// Formats of a data dictionary.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DictionaryFormat {
    Json,
    Csv,
}

/// The data dictionary of a questionnaire version, what the wide export's columns mean: per
/// question its code, section, position, kind, whether required, prompt, limits and options
/// with labels, in the requested language. JSON (an array) or CSV (options as
/// `value=label` joined with `;`).
#[utoipa::path(
    tag = "exports",
    params(("id" = i64, Path, description = "The questionnaire version's id"), DictionaryParams, LangParam),
    responses(
        (status = 200, description = "One entry per question", content((Dictionary = "application/json"), (String = "text/csv"))),
        (status = 404, description = "No such questionnaire (drafts are the secretariat's)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/questionnaires/{id}/dictionary")]
pub async fn questionnaire_dictionary(
    state: web::Data<AppState>,
    caller: MaybePrincipal,
    id: web::Path<i64>,
    params: web::Query<DictionaryParams>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    // Long: the data dictionary's columns, one per question property, written in order.
    let csv = match params.format.as_deref().map(str::trim) {
        None | Some("json") => false,
        Some("csv") => true,
        Some(other) => {
            return Err(ApiError::invalid_query(vec![FieldError::new(
                "format",
                "unknown",
                format!("'{other}' is not one of json, csv"),
            )]))
        }
    };
    let id = id.into_inner();
    let row = db::run(&state.pool, move |conn| {
        let row = crate::questionnaires::store::find(conn, id)?
            .ok_or_else(|| ApiError::not_found(format!("no questionnaire {id}")))?;
        policy::read_questionnaire(caller.0.as_ref(), row.status == QuestionnaireStatus::Draft)?;
        Ok(row)
    })
    .await?;
    let original = Lang::parse(&row.language).unwrap_or(Lang::En);
    let doc = row.doc()?;
    let questions: Vec<DictionaryEntry> = doc
        .questions()
        .enumerate()
        .map(|(i, (s, q))| DictionaryEntry {
            code: q.code.clone(),
            section: s.code.clone(),
            position: i + 1,
            kind: q.kind,
            required: q.required,
            prompt: shown(&q.prompt, pref, original),
            thematic_area: q.thematic_area.clone(),
            min: q.min,
            max: q.max,
            max_length: q.max_length,
            options: q
                .options
                .iter()
                .map(|o| DictionaryOption {
                    value: o.value.clone(),
                    label: shown(&o.label, pref, original),
                })
                .collect(),
        })
        .collect();
    let (language, content_language) = match pref {
        LangPref::One(l) => (LangChoice::from(l), l.code().to_owned()),
        LangPref::All => (LangChoice::All, doc_languages(&doc)),
    };
    if !csv {
        return Ok(HttpResponse::Ok()
            .insert_header((actix_web::http::header::CONTENT_LANGUAGE, content_language))
            .json(Dictionary {
                questionnaire: id,
                version: row.version,
                language,
                questions,
            }));
    }
    let columns = [
        "code",
        "section",
        "position",
        "kind",
        "required",
        "prompt",
        "thematic_area",
        "min",
        "max",
        "max_length",
        "options",
    ];
    let rows: Vec<Vec<Value>> = questions
        .into_iter()
        .map(|q| {
            // Options as `value=label`, per language with `lang=all`.
            let options: Vec<Value> = q
                .options
                .iter()
                .map(|o| match &o.label {
                    Value::Object(texts) => Value::Object(
                        texts
                            .iter()
                            .map(|(l, t)| {
                                let label = t.as_str().unwrap_or_default();
                                (l.clone(), json!(format!("{}={label}", o.value)))
                            })
                            .collect(),
                    ),
                    one => json!(format!("{}={}", o.value, one.as_str().unwrap_or_default())),
                })
                .collect();
            vec![
                json!(q.code),
                json!(q.section),
                json!(q.position),
                json!(q.kind),
                json!(q.required),
                q.prompt,
                json!(q.thematic_area),
                json!(q.min),
                json!(q.max),
                json!(q.max_length),
                json!(options),
            ]
        })
        .collect();
    let enc = Encoder::new(Format::Csv, columns.iter().map(|c| c.to_string()).collect())
        .translated(pref, &["prompt", "options"]);
    let mut body = enc.header().to_vec();
    body.extend_from_slice(&enc.rows(&rows));
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"dictionary-questionnaire-{id}.csv\""),
        ))
        .insert_header((actix_web::http::header::CONTENT_LANGUAGE, content_language))
        .body(body))
}

/// What the columns of a questionnaire version's wide export mean.
#[derive(Debug, Serialize, ToSchema)]
pub struct Dictionary {
    /// The questionnaire version's id.
    pub questionnaire: i64,
    pub version: i32,
    /// The language of the texts, or `all` when they are given in every translation.
    pub language: LangChoice,
    pub questions: Vec<DictionaryEntry>,
}

/// One question, one column of the wide export.
#[derive(Debug, Serialize, ToSchema)]
pub struct DictionaryEntry {
    pub code: String,
    /// The code of its section.
    pub section: String,
    /// 1-based place in the questionnaire.
    pub position: usize,
    pub kind: Kind,
    pub required: bool,
    #[schema(value_type = Text)]
    pub prompt: Value,
    pub thematic_area: Option<String>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub max_length: Option<u32>,
    /// For choice kinds: the options' stored values and labels.
    pub options: Vec<DictionaryOption>,
}

/// A choice's stored value and what it means.
#[derive(Debug, Serialize, ToSchema)]
pub struct DictionaryOption {
    pub value: String,
    #[schema(value_type = Text)]
    pub label: Value,
}

/// The languages a questionnaire's prompts are written in, for `Content-Language`.
fn doc_languages(doc: &crate::questionnaires::model::Document) -> String {
    let mut used = std::collections::BTreeSet::new();
    for (_, q) in doc.questions() {
        used.extend(q.prompt.keys().copied());
    }
    used.iter().map(|l| l.code()).collect::<Vec<_>>().join(", ")
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(export_answers)
        .service(export_experiences)
        .service(export_recommendations)
        .service(export_progress)
        .service(questionnaire_dictionary);
}
