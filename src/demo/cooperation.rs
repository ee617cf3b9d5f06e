//! Demo cooperation: needs derived from the first round's recommendations, offers of countries
//! whose practice the Guide publishes, a partner organisation, one cooperation in progress and
//! one completed whose outcome is in a recommendation's follow-up.

use chrono::Days;
use diesel::prelude::*;
use serde_json::json;

use crate::audit::AuditCtx;
use crate::cooperation::api::{Activity, Outcome};
use crate::cooperation::model::{
    CooperationChanges, NeedValues, NewCooperationRow, NewPartnerRow, OfferValues,
};
use crate::cooperation::rules::{
    CooperationStatus, Modality, NeedKind, NeedStatus, OfferStatus, PartnerKind, Priority,
};
use crate::cooperation::search::{self, Indexed};
use crate::cooperation::{cooperation_actions, store};
use crate::db::schema::{experiences, recommendations, reports, rounds};
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};
use crate::http::lang::{i18n_to_json, I18n, Lang};

fn texts(en: &str, es: &str) -> I18n {
    [(Lang::En, en.to_owned()), (Lang::Es, es.to_owned())]
        .into_iter()
        .collect()
}

/// The recommendation `number` of `country`'s report in round 1.
fn recommendation(conn: &mut DbConn, country: &str, number: i32) -> ApiResult<Option<i64>> {
    Ok(recommendations::table
        .inner_join(reports::table.inner_join(rounds::table))
        .filter(rounds::number.eq(1))
        .filter(reports::country.eq(country))
        .filter(recommendations::number.eq(number))
        .select(recommendations::id)
        .first(conn)
        .optional()?)
}

fn published_experiences(conn: &mut DbConn, country: &str, area: &str) -> ApiResult<Vec<i64>> {
    Ok(experiences::table
        .filter(experiences::country.eq(country))
        .filter(experiences::thematic_area.eq(area))
        .filter(experiences::published_at.is_not_null())
        .select(experiences::id)
        .load(conn)?)
}

/// Needs: `(country, kind, priority, title en/es, description en/es)`, each serving the
/// country's third recommendation of round 1 (evaluate a budget program every year).
const NEEDS: [(&str, NeedKind, Priority, &str, &str, &str, &str); 4] = [
    ("PER", NeedKind::TechnicalAssistance, Priority::High,
     "Evaluating budget programs every year",
     "Evaluar programas presupuestarios cada año",
     "The budget office needs a method and a calendar to evaluate one major budget program each year and report the results to Congress.",
     "La oficina de presupuesto necesita un método y un calendario para evaluar cada año un programa presupuestario importante e informar al Congreso."),
    ("COL", NeedKind::PeerExchange, Priority::Medium,
     "Program evaluation reports for Congress",
     "Informes de evaluación de programas para el Congreso",
     "Learn how other budget offices present program evaluation results to Congress and use them in budget allocation.",
     "Conocer cómo otras oficinas de presupuesto presentan los resultados de las evaluaciones al Congreso y los usan en la asignación."),
    ("CRI", NeedKind::Training, Priority::High,
     "Training evaluators of budget programs",
     "Formación de evaluadores de programas presupuestarios",
     "Train ministry staff to evaluate budget programs with performance indicators.",
     "Formar al personal de los ministerios para evaluar programas presupuestarios con indicadores de desempeño."),
    ("URY", NeedKind::StudyVisit, Priority::Low,
     "Performance budgeting study visit",
     "Visita de estudio sobre presupuesto por resultados",
     "A study visit to a budget office that links program evaluation with budget decisions.",
     "Una visita de estudio a una oficina de presupuesto que vincula la evaluación de programas con las decisiones presupuestarias."),
];

/// Offers of countries whose budget practice the Guide publishes.
const OFFERS: [(&str, &str, &str, &str, &str); 2] = [
    ("CHL",
     "Program evaluation and performance agreements",
     "Evaluación de programas y convenios de desempeño",
     "The budget office shares how it evaluates programs every year and links the results to the budget.",
     "La Dirección de Presupuestos comparte cómo evalúa programas cada año y vincula los resultados con el presupuesto."),
    ("MEX",
     "Performance evaluation system of budget programs",
     "Sistema de evaluación del desempeño de programas presupuestarios",
     "Technical assistance on performance indicators and annual evaluation plans of budget programs.",
     "Asistencia técnica sobre indicadores de desempeño y programas anuales de evaluación de programas presupuestarios."),
];

/// Loads the demo cooperation unless some need exists; returns how many needs it added.
pub fn load(conn: &mut DbConn) -> ApiResult<usize> {
    // Long: demo content written in the order a front end would see it happen.
    let any: i64 = crate::db::schema::needs::table.count().get_result(conn)?;
    if any > 0 {
        return Ok(0);
    }
    let audit = AuditCtx::default();
    let now = crate::time::now();
    let today = crate::time::today();
    let partner = store::insert_partner(
        conn,
        &NewPartnerRow {
            name: "OAS Department for Effective Public Management".into(),
            acronym: Some("DEPM".into()),
            kind: PartnerKind::OasDepartment,
            website: Some("https://www.oas.org/en/spa/depm/".into()),
            language: "en".into(),
            description: i18n_to_json(&texts(
                "Supports member states in modernising public management.",
                "Apoya a los Estados miembros en la modernización de la gestión pública.",
            )),
            created_at: now,
            updated_at: now,
        },
    )?;
    audit.record(conn, "demo.load", "partner", partner, json!({}))?;

    let mut needs = Vec::new();
    for (country, kind, priority, title_en, title_es, text_en, text_es) in NEEDS {
        let recs: Vec<i64> = recommendation(conn, country, 3)?.into_iter().collect();
        let title = texts(title_en, title_es);
        let description = texts(text_en, text_es);
        let values = NeedValues {
            country: country.into(),
            thematic_area: "public-budget".into(),
            kind,
            priority,
            modality: Modality::Either,
            language: "en".into(),
            title: i18n_to_json(&title),
            description: i18n_to_json(&description),
            languages: json!(["es", "en"]).to_string(),
            recommendations: json!(recs).to_string(),
            experiences: json!(published_experiences(conn, country, "public-budget")?).to_string(),
            confidential: false,
            status: NeedStatus::Open,
            close_note: None,
            revision: 2,
            updated_at: now,
        };
        let id = store::insert_need(conn, &values, None, now)?;
        search::index(conn, Indexed::Need, id, &title, &description)?;
        audit.record(conn, "demo.load", "need", id, json!({"country": country}))?;
        needs.push((id, values));
    }

    let mut offers = Vec::new();
    for (country, title_en, title_es, text_en, text_es) in OFFERS {
        let title = texts(title_en, title_es);
        let description = texts(text_en, text_es);
        let shown = published_experiences(conn, country, "public-budget")?;
        let id = store::insert_offer(
            conn,
            &OfferValues {
                country: Some(country.into()),
                partner_id: None,
                thematic_area: "public-budget".into(),
                language: "en".into(),
                title: i18n_to_json(&title),
                description: i18n_to_json(&description),
                kinds: json!([
                    NeedKind::TechnicalAssistance,
                    NeedKind::StudyVisit,
                    NeedKind::PeerExchange
                ])
                .to_string(),
                languages: json!(["es"]).to_string(),
                modality: Modality::Either,
                capacity_per_year: Some(3),
                valid_from: today - Days::new(60),
                valid_until: Some(today + Days::new(365)),
                experiences: json!(shown).to_string(),
                status: OfferStatus::Open,
                revision: 2,
                updated_at: now,
            },
            None,
            now,
        )?;
        search::index(conn, Indexed::Offer, id, &title, &description)?;
        audit.record(conn, "demo.load", "offer", id, json!({"country": country}))?;
        offers.push((id, country));
    }
    let title = texts(
        "Courses on results-based management",
        "Cursos de gestión para resultados",
    );
    let description = texts(
        "Virtual courses for public servants on planning, budgeting and evaluation for results.",
        "Cursos virtuales para servidores públicos sobre planificación, presupuesto y evaluación para resultados.",
    );
    let partner_offer = store::insert_offer(
        conn,
        &OfferValues {
            country: None,
            partner_id: Some(partner),
            thematic_area: "public-budget".into(),
            language: "en".into(),
            title: i18n_to_json(&title),
            description: i18n_to_json(&description),
            kinds: json!([NeedKind::Training]).to_string(),
            languages: json!(["en", "es", "fr", "pt"]).to_string(),
            modality: Modality::Virtual,
            capacity_per_year: Some(10),
            valid_from: today - Days::new(30),
            valid_until: None,
            experiences: "[]".into(),
            status: OfferStatus::Open,
            revision: 2,
            updated_at: now,
        },
        None,
        now,
    )?;
    search::index(conn, Indexed::Offer, partner_offer, &title, &description)?;

    // PER with CHL, under way; COL with MEX, completed.
    let pairs = [
        (&needs[0], offers[0], CooperationStatus::InProgress),
        (&needs[1], offers[1], CooperationStatus::Completed),
    ];
    for ((need_id, need), (offer_id, provider), status) in pairs {
        let started = now - Days::new(45);
        let activities = vec![
            Activity {
                kind: NeedKind::StudyVisit,
                title: format!("Study visit to the budget office of {provider}"),
                starts_on: Some(today - Days::new(40)),
                ends_on: Some(today - Days::new(36)),
                modality: Some(Modality::InPerson),
                participants: Some(4),
            },
            Activity {
                kind: NeedKind::TechnicalAssistance,
                title: "Remote assistance on the evaluation calendar".into(),
                starts_on: Some(today - Days::new(30)),
                ends_on: Some(today + Days::new(30)),
                modality: Some(Modality::Virtual),
                participants: Some(6),
            },
        ];
        let id = store::insert_cooperation(
            conn,
            &NewCooperationRow {
                need_id: *need_id,
                offer_id: Some(offer_id),
                provider_country: Some(provider.into()),
                provider_partner: None,
                language: "en".into(),
                title: need.title.clone(),
                description: "{}".into(),
                activities: json!(activities).to_string(),
                status: CooperationStatus::Proposed,
                proposed_by: None,
                created_at: started - Days::new(15),
                updated_at: started,
            },
        )?;
        let mut changes = CooperationChanges {
            status: Some(status),
            requester_agreed_at: Some(started - Days::new(10)),
            provider_agreed_at: Some(started - Days::new(12)),
            agreed_at: Some(started - Days::new(10)),
            started_at: Some(started),
            revision: Some(4),
            updated_at: Some(now),
            ..CooperationChanges::default()
        };
        let mut need_status = NeedStatus::InCooperation;
        if status == CooperationStatus::Completed {
            let outcome = Outcome {
                summary: "The budget office adopted an annual evaluation calendar and evaluated its first program.".into(),
                results: Some("Two programs evaluated; results sent to Congress with the budget bill.".into()),
                lessons: Some("Start with a program whose data are already collected.".into()),
            };
            changes.completed_at = Some(now);
            changes.outcome = Some(json!(outcome).to_string());
            changes.rating = Some(4);
            changes.rating_comment = Some("Practical and well organised.".into());
            changes.rating_public = Some(true);
            need_status = NeedStatus::Met;
            let row = store::find_need(conn, *need_id)?
                .ok_or_else(|| ApiError::internal("demo need vanished"))?;
            cooperation_actions::attach_outcome(conn, None, id, &row.row, &outcome, now)?;
        }
        store::update_cooperation(conn, id, &changes)?;
        let row = store::find_need(conn, *need_id)?
            .ok_or_else(|| ApiError::internal("demo need vanished"))?;
        store::set_need_status(conn, &row.row, need_status, None, now)?;
        audit.record(
            conn,
            "demo.load",
            "cooperation",
            id,
            json!({"status": status}),
        )?;
    }
    Ok(needs.len())
}
