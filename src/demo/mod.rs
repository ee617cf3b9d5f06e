//! Demo content for newcomers (`mecigep seed --demo`, `mecigep serve --demo`): a concluded
//! first round and an open second round with a realistic Self-Review Questionnaire, written
//! for this project. Loading twice adds nothing.

use chrono::NaiveDate;
use diesel::Connection;
use serde_json::{json, Value};

mod answers;
mod cooperation;
pub mod guide;
mod library;
mod meetings;
pub mod review;

use crate::audit::AuditCtx;
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};
use crate::http::lang::{i18n_to_json, I18n, Lang, TextIn};
use crate::http::validate::Checks;
use crate::questionnaires::model::QuestionnaireStatus;
use crate::questionnaires::rules::{self as qrules, DocumentIn, SectionIn};
use crate::questionnaires::store as qstore;
use crate::rounds::model::{NewRoundRow, ParticipantRow, RoundChanges};
use crate::rounds::rules::ResponsePublication;
use crate::rounds::rules::RoundStatus;
use crate::rounds::store as rstore;

fn t(en: &str, es: &str) -> Value {
    json!({"en": en, "es": es})
}

fn opt(value: &str, en: &str, es: &str) -> Value {
    json!({"value": value, "label": t(en, es)})
}

/// The demo questionnaire: 31 questions over 6 sections, every kind of question.
pub fn questionnaire_sections() -> Value {
    // Long: demo content: the questionnaire's sections, written out.
    json!([
        {"code": "A", "title": t("General information", "Información general"), "questions": [
            {"code": "A.1", "kind": "text", "required": true, "max_length": 300,
             "prompt": t("Institution responding to this questionnaire", "Institución que responde este cuestionario")},
            {"code": "A.2", "kind": "text", "required": true, "max_length": 200,
             "prompt": t("Name and position of the national focal point", "Nombre y cargo del punto focal nacional")},
            {"code": "A.3", "kind": "url", "prompt": t("Website of the responding institution", "Sitio web de la institución que responde")},
            {"code": "A.4", "kind": "date", "required": true,
             "prompt": t("Date the information describes", "Fecha a la que corresponde la información"),
             "help": t("The answers are a snapshot of the formal framework on this date.", "Las respuestas describen el marco formal vigente en esta fecha.")}
        ]},
        {"code": "B", "title": t("Civil service framework", "Marco del servicio civil"), "questions": [
            {"code": "B.1", "kind": "boolean", "required": true, "thematic_area": "civil-service",
             "prompt": t("Is there a law that regulates the civil service?", "¿Existe una ley que regule el servicio civil?")},
            {"code": "B.2", "kind": "date", "thematic_area": "civil-service",
             "prompt": t("Date the civil service law was enacted", "Fecha de promulgación de la ley del servicio civil")},
            {"code": "B.3", "kind": "single_choice", "required": true, "thematic_area": "civil-service",
             "prompt": t("Scope of the civil service regime", "Alcance del régimen del servicio civil"),
             "options": [opt("central", "Central government only", "Solo el gobierno central"),
                         opt("central_subnational", "Central and subnational governments", "Gobierno central y subnacionales"),
                         opt("whole_public_sector", "The whole public sector", "Todo el sector público")]},
            {"code": "B.4", "kind": "integer", "min": 0, "max": 10000000, "thematic_area": "civil-service",
             "prompt": t("Number of civil servants in the central government", "Número de servidores públicos del gobierno central")},
            {"code": "B.5", "kind": "decimal", "min": 0, "max": 100, "thematic_area": "civil-service",
             "prompt": t("Share of permanent positions filled through merit-based competition (%)", "Porcentaje de cargos permanentes provistos por concurso de mérito (%)")},
            {"code": "B.6", "kind": "long_text", "max_length": 20000, "thematic_area": "civil-service",
             "prompt": t("Describe the institutions that govern the civil service and their roles", "Describa las instituciones que rigen el servicio civil y sus funciones")}
        ]},
        {"code": "C", "title": t("Recruitment and merit", "Reclutamiento y mérito"), "questions": [
            {"code": "C.1", "kind": "multi_choice", "required": true, "thematic_area": "civil-service",
             "prompt": t("Mechanisms used to recruit civil servants", "Mecanismos de reclutamiento de servidores públicos"),
             "options": [opt("open_competition", "Open competition", "Concurso abierto"),
                         opt("internal_competition", "Internal competition", "Concurso interno"),
                         opt("direct_appointment", "Direct appointment", "Designación directa"),
                         opt("temporary_contract", "Temporary contracts", "Contratos temporales")]},
            {"code": "C.2", "kind": "boolean", "thematic_area": "civil-service",
             "prompt": t("Are vacancies published on a single public job portal?", "¿Se publican las vacantes en un portal único de empleo público?")},
            {"code": "C.3", "kind": "url", "thematic_area": "civil-service",
             "prompt": t("Address of the public job portal", "Dirección del portal de empleo público")},
            {"code": "C.4", "kind": "single_choice", "thematic_area": "civil-service",
             "prompt": t("Who runs the competitions?", "¿Quién conduce los concursos?"),
             "options": [opt("central_agency", "A central civil service agency", "Una agencia central del servicio civil"),
                         opt("each_institution", "Each institution", "Cada institución"),
                         opt("mixed", "Both, depending on the position", "Ambos, según el cargo")]},
            {"code": "C.5", "kind": "integer", "min": 0, "max": 1000, "thematic_area": "civil-service",
             "prompt": t("Average number of days to fill a vacancy", "Promedio de días para cubrir una vacante")},
            {"code": "C.6", "kind": "long_text", "max_length": 20000, "thematic_area": "civil-service",
             "prompt": t("Main challenges to a merit-based civil service", "Principales desafíos para un servicio civil basado en el mérito")}
        ]},
        {"code": "D", "title": t("Public budget", "Presupuesto público"), "questions": [
            {"code": "D.1", "kind": "single_choice", "required": true, "thematic_area": "public-budget",
             "prompt": t("Horizon of the budget", "Horizonte del presupuesto"),
             "options": [opt("annual", "Annual", "Anual"), opt("multiannual", "Multi-annual", "Plurianual")]},
            {"code": "D.2", "kind": "multi_choice", "thematic_area": "public-budget",
             "prompt": t("Budgeting instruments in use", "Instrumentos presupuestarios en uso"),
             "options": [opt("mtef", "Medium-term expenditure framework", "Marco de gasto de mediano plazo"),
                         opt("performance", "Performance budgeting", "Presupuesto por resultados"),
                         opt("gender", "Gender budgeting", "Presupuesto con enfoque de género"),
                         opt("participatory", "Participatory budgeting", "Presupuesto participativo")]},
            {"code": "D.3", "kind": "boolean", "required": true, "thematic_area": "public-budget",
             "prompt": t("Is there a numerical fiscal rule in law?", "¿Existe una regla fiscal numérica establecida por ley?")},
            {"code": "D.4", "kind": "decimal", "min": 0, "max": 200, "thematic_area": "public-budget",
             "prompt": t("Execution rate of the last closed budget (%)", "Tasa de ejecución del último presupuesto cerrado (%)")},
            {"code": "D.5", "kind": "date", "thematic_area": "public-budget",
             "prompt": t("Date the current budget law was approved", "Fecha de aprobación de la ley de presupuesto vigente")},
            {"code": "D.6", "kind": "long_text", "max_length": 20000, "thematic_area": "public-budget",
             "prompt": t("How are national plans linked to the budget?", "¿Cómo se vinculan los planes nacionales con el presupuesto?")},
            {"code": "D.7", "kind": "text", "max_length": 300, "thematic_area": "public-budget",
             "prompt": t("Name of the national budget office", "Nombre de la oficina nacional de presupuesto")}
        ]},
        {"code": "E", "title": t("Evaluation and transparency", "Evaluación y transparencia"), "questions": [
            {"code": "E.1", "kind": "boolean", "thematic_area": "transparency-accountability",
             "prompt": t("Is budget execution published as open data?", "¿Se publica la ejecución presupuestaria como datos abiertos?")},
            {"code": "E.2", "kind": "url", "thematic_area": "transparency-accountability",
             "prompt": t("Address of the fiscal transparency portal", "Dirección del portal de transparencia fiscal")},
            {"code": "E.3", "kind": "single_choice", "thematic_area": "transparency-accountability",
             "prompt": t("How often are budget execution reports published?", "¿Con qué frecuencia se publican informes de ejecución presupuestaria?"),
             "options": [opt("monthly", "Monthly", "Mensual"), opt("quarterly", "Quarterly", "Trimestral"), opt("yearly", "Yearly", "Anual")]},
            {"code": "E.4", "kind": "integer", "min": 0, "max": 10000, "thematic_area": "policy-evaluation",
             "prompt": t("Program evaluations completed last year", "Evaluaciones de programas concluidas el año pasado")},
            {"code": "E.5", "kind": "multi_choice", "thematic_area": "policy-evaluation",
             "prompt": t("Who receives the results of evaluations?", "¿Quién recibe los resultados de las evaluaciones?"),
             "options": [opt("legislature", "The legislature", "El poder legislativo"),
                         opt("budget_office", "The budget office", "La oficina de presupuesto"),
                         opt("public", "The public", "La ciudadanía"),
                         opt("evaluated_agency", "The evaluated agency", "La entidad evaluada")]}
        ]},
        {"code": "F", "title": t("Cooperation", "Cooperación"), "questions": [
            {"code": "F.1", "kind": "multi_choice",
             "prompt": t("Areas where the country would welcome technical assistance", "Áreas en las que el país recibiría asistencia técnica"),
             "options": [opt("civil-service", "Professionalized civil service", "Servicio civil profesionalizado"),
                         opt("public-budget", "Public budget", "Presupuesto público"),
                         opt("policy-evaluation", "Evaluation of policies and programs", "Evaluación de políticas y programas"),
                         opt("ict", "Information and communication technologies", "Tecnologías de la información y la comunicación")]},
            {"code": "F.2", "kind": "long_text", "max_length": 20000,
             "prompt": t("Describe a practice your country could share with others", "Describa una práctica que su país podría compartir con otros")},
            {"code": "F.3", "kind": "text", "max_length": 300,
             "prompt": t("Contact for technical cooperation", "Contacto para la cooperación técnica")}
        ]}
    ])
}

struct DemoRound {
    number: i32,
    title: (&'static str, &'static str),
    description: (&'static str, &'static str),
    areas: &'static [&'static str],
    dates: (&'static str, &'static str, &'static str),
    status: RoundStatus,
    publication: ResponsePublication,
    participants: &'static [&'static str],
}

const ROUNDS: [DemoRound; 2] = [
    DemoRound {
        number: 1,
        title: ("First Round: planning and budgeting", "Primera Ronda: planificación y presupuesto"),
        description: (
            "The first exchange of the Mechanism looked at how national strategies are turned into budgets.",
            "El primer intercambio del Mecanismo examinó cómo las estrategias nacionales se traducen en presupuestos.",
        ),
        areas: &["national-planning", "public-budget"],
        dates: ("2025-02-03", "2025-05-30", "2025-12-12"),
        status: RoundStatus::Concluded,
        publication: ResponsePublication::PublicAfterConclusion,
        participants: &["ARG", "BRA", "CHL", "COL", "CRI", "MEX", "PER", "URY"],
    },
    DemoRound {
        number: 2,
        title: ("Second Round: civil service and public budget", "Segunda Ronda: servicio civil y presupuesto público"),
        description: (
            "The second exchange reviews merit-based civil service systems and their link with the budget.",
            "El segundo intercambio examina los sistemas de servicio civil basados en el mérito y su vínculo con el presupuesto.",
        ),
        areas: &["civil-service", "public-budget"],
        // Placed around the day the demo is loaded (`dates_of`): the open round always has
        // time left to answer, whenever someone tries it.
        dates: ("", "", ""),
        status: RoundStatus::Open,
        publication: ResponsePublication::Confidential,
        participants: &[
            "ARG", "BHS", "BRA", "CAN", "CHL", "COL", "DOM", "ECU", "GTM", "JAM", "MEX", "PAN", "PER", "PRY", "TTO", "URY",
        ],
    },
];

/// A round's start, due date and end: as written, or for a round without written dates,
/// started 90 days before `today`, due 60 days after it and ending 300 days after it.
fn dates_of(r: &DemoRound, today: NaiveDate) -> (NaiveDate, NaiveDate, NaiveDate) {
    if r.dates.0.is_empty() {
        let day = chrono::Duration::days;
        return (today - day(90), today + day(60), today + day(300));
    }
    (date(r.dates.0), date(r.dates.1), date(r.dates.2))
}

pub(crate) fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("demo dates are valid")
}

fn i18n(en: &str, es: &str) -> I18n {
    [(Lang::En, en.to_owned()), (Lang::Es, es.to_owned())]
        .into_iter()
        .collect()
}

fn load_round(conn: &mut DbConn, r: &DemoRound) -> ApiResult<bool> {
    // Long: demo content: one round, its participants, questionnaire and reviews loaded in order.
    if rstore::number_taken(conn, r.number)? {
        return Ok(false);
    }
    let now = crate::time::now();
    let dates = dates_of(r, now.date());
    let id = rstore::insert(
        conn,
        &NewRoundRow {
            number: r.number,
            status: RoundStatus::Planned,
            language: "en".into(),
            title: i18n_to_json(&i18n(r.title.0, r.title.1)),
            description: i18n_to_json(&i18n(r.description.0, r.description.1)),
            starts_on: dates.0,
            responses_due_on: dates.1,
            ends_on: dates.2,
            reviewers_per_country: 2,
            response_publication: r.publication,
            revision: 1,
            created_at: now,
            updated_at: now,
        },
    )?;
    rstore::set_areas(
        conn,
        id,
        &r.areas.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
    )?;
    for c in r.participants {
        rstore::insert_participant(
            conn,
            &ParticipantRow {
                round_id: id,
                country: (*c).into(),
                due_on_extension: None,
                extension_reason: None,
                created_at: now,
                updated_at: now,
            },
        )?;
    }
    let sections: Vec<SectionIn> = serde_json::from_value(questionnaire_sections())
        .map_err(|e| ApiError::internal(format!("demo questionnaire: {e}")))?;
    let title = TextIn::Many(
        [
            ("en", "Self-Review Questionnaire"),
            ("es", "Cuestionario de Autoevaluación"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), format!("{v} — {}", r.number)))
        .collect(),
    );
    let intro = TextIn::Many(
        [
            ("en", "Answer for the central government, describing the formal framework in force. Attach no value judgements."),
            ("es", "Responda para el gobierno central, describiendo el marco formal vigente, sin juicios de valor."),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect(),
    );
    let mut checks = Checks::new();
    let areas = qstore::known_areas(conn)?;
    let doc = qrules::validate(
        &mut checks,
        &DocumentIn {
            title: &title,
            introduction: Some(&intro),
            sections: &sections,
        },
        Lang::En,
        &areas,
    );
    checks.finish()?;
    let qid = qstore::insert(conn, id, 1, "en", &doc)?;
    qstore::set_status(conn, qid, QuestionnaireStatus::Published, 2)?;
    rstore::update(
        conn,
        id,
        &RoundChanges {
            status: Some(r.status),
            revision: Some(2),
            updated_at: Some(now),
            ..RoundChanges::default()
        },
    )?;
    if r.status == RoundStatus::Concluded {
        answers::load(conn, id, qid, &doc, r.participants, dates.1)?;
        review::load(conn, id, r.participants)?;
    }
    if r.status == RoundStatus::Open {
        review::follow_up_draft(conn, id, "ARG")?;
    }
    AuditCtx::default().record(conn, "demo.load", "round", id, json!({"number": r.number}))?;
    Ok(true)
}

/// Loads whatever of the demo content is missing; returns what was added, for the console.
/// The library's files go to `storage`.
pub fn load(conn: &mut DbConn, storage: &crate::files::Storage) -> ApiResult<Vec<String>> {
    conn.transaction(|conn| {
        let mut added = Vec::new();
        for r in &ROUNDS {
            if load_round(conn, r)? {
                added.push(format!(
                    "round {} ({}, {} participants)",
                    r.number,
                    r.status.as_str(),
                    r.participants.len()
                ));
            }
        }
        let experiences = guide::load(conn)?;
        if experiences > 0 {
            added.push(format!("{experiences} experiences of the Guide"));
        }
        let needs = cooperation::load(conn)?;
        if needs > 0 {
            added.push(format!(
                "{needs} cooperation needs, offers, a partner and two cooperations"
            ));
        }
        let documents = library::load(conn, storage)?;
        if documents > 0 {
            added.push(format!("{documents} documents of the library"));
        }
        let sessions = meetings::load(conn)?;
        if sessions > 0 {
            added.push(format!("{sessions} sessions of the mechanism's bodies"));
        }
        Ok(added)
    })
}
