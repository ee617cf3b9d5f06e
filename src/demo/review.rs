//! Demo review of the concluded first round: its draw, the adopted and published country
//! reports with recommendations at various stages of follow-up, and the hemispheric report.

use chrono::NaiveDate;
use serde_json::json;

use crate::audit::AuditCtx;
use crate::countries::data::COUNTRIES;
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};
use crate::http::lang::{i18n_to_json, I18n, Lang};
use crate::reports::draw;
use crate::reports::model::{
    NewDrawRow, NewFollowupRow, NewRecommendationRow, NewReportRow, ReportChanges,
};
use crate::reports::rules::{Assessment, FollowupStatus, ReportKindOut, ReportStatus};
use crate::reports::store::{self, AssessmentRow};

fn texts(en: String, es: String) -> I18n {
    [(Lang::En, en), (Lang::Es, es)].into_iter().collect()
}

/// Recommendations of every country report: text, area, and the follow-up reached.
const RECOMMENDATIONS: [(&str, &str, &str, FollowupStatus); 3] = [
    (
        "Link each budget program to the targets of the national plan and publish the link.",
        "Vincular cada programa presupuestario con las metas del plan nacional y publicar el vínculo.",
        "national-planning",
        FollowupStatus::InProgress,
    ),
    (
        "Publish the performance indicators of budget programs in open data formats.",
        "Publicar los indicadores de desempeño de los programas presupuestarios en formatos abiertos.",
        "public-budget",
        FollowupStatus::Implemented,
    ),
    (
        "Evaluate at least one major budget program each year and report the results to Congress.",
        "Evaluar al menos un programa presupuestario importante cada año e informar los resultados al Congreso.",
        "public-budget",
        FollowupStatus::Pending,
    ),
];

/// Loads the review of round `round_id` (concluded) among `participants`.
pub fn load(conn: &mut DbConn, round_id: i64, participants: &[&str]) -> ApiResult<()> {
    // Long: demo content: the draw, the country reports and their recommendations at their stages,
    // in order.
    let audit = AuditCtx::default();
    let now = crate::time::now();
    let decided = NaiveDate::from_ymd_opt(2025, 11, 20).unwrap_or_default();
    let published = decided.and_hms_opt(15, 0, 0).map_or(now, |t| t.min(now));
    let codes: Vec<String> = participants.iter().map(|c| c.to_string()).collect();
    let seed: i64 = 20_251_001;
    let pairs = draw::draw(&codes, 2, seed as u64).map_err(ApiError::internal)?;
    let (draw_id, _) = store::replace_draw(
        conn,
        &NewDrawRow {
            round_id,
            seed,
            reviewers_per_country: 2,
            participants: codes.len() as i32,
            created_by: None,
            created_at: published,
        },
        &pairs,
    )?;
    audit.record(
        conn,
        "round.draw",
        "round",
        round_id,
        json!({"draw": draw_id, "seed": seed}),
    )?;
    let adopted = ReportChanges {
        status: Some(ReportStatus::Published),
        revision: Some(4),
        decision_date: Some(Some(decided)),
        decision_note: Some(Some(
            "Adopted by the Committee of Experts at its plenary session.".into(),
        )),
        adopted_at: Some(Some(published)),
        published_at: Some(Some(published)),
        updated_at: Some(published),
        ..ReportChanges::default()
    };
    for (i, code) in codes.iter().enumerate() {
        let (en, es) = COUNTRIES
            .iter()
            .find(|c| c.code == code)
            .map(|c| (c.names[0], c.names[1]))
            .unwrap_or((code.as_str(), code.as_str()));
        let reviewers: Vec<&str> = pairs
            .iter()
            .filter(|(c, _)| c == code)
            .map(|(_, r)| r.as_str())
            .collect();
        let id = store::insert_report(
            conn,
            &NewReportRow {
                round_id,
                kind: ReportKindOut::Country,
                country: Some(code.clone()),
                language: "en".into(),
                title: i18n_to_json(&texts(
                    format!("Country Report: {en}"),
                    format!("Informe por País: {es}"),
                )),
                body: i18n_to_json(&texts(
                    format!(
                        "## Summary\n\nThe review of {en}, carried out with the experts of {}, covers how the national plan is turned into the budget.\n\n## Findings\n\nThe formal framework links planning and budgeting; performance information is produced but not yet used across all programs.",
                        reviewers.join(" and ")
                    ),
                    format!(
                        "## Resumen\n\nLa revisión de {es}, realizada con los expertos de {}, abarca cómo el plan nacional se traduce en el presupuesto.\n\n## Hallazgos\n\nEl marco formal vincula la planificación y el presupuesto; la información de desempeño se produce pero aún no se usa en todos los programas.",
                        reviewers.join(" y ")
                    ),
                )),
                created_at: published,
                updated_at: published,
            },
        )?;
        store::update_report(conn, id, &adopted)?;
        for (n, (text_en, text_es, area, stage)) in RECOMMENDATIONS.iter().enumerate() {
            let rid = store::insert_recommendation(
                conn,
                &NewRecommendationRow {
                    report_id: id,
                    number: n as i32 + 1,
                    language: "en".into(),
                    text: i18n_to_json(&texts((*text_en).into(), (*text_es).into())),
                    thematic_area: Some((*area).into()),
                    target_date: NaiveDate::from_ymd_opt(2027, 6, 30),
                    created_at: published,
                    updated_at: published,
                },
            )?;
            // Countries are at different stages: every other one has reported nothing yet.
            if *stage != FollowupStatus::Pending && i % 2 == 0 {
                let row = store::find_recommendation(conn, rid)?
                    .ok_or_else(|| ApiError::internal("demo recommendation vanished"))?;
                let (note, evidence) = if *stage == FollowupStatus::Implemented {
                    (
                        "Indicators are published quarterly on the open data portal.",
                        json!(["https://example.org/open-data/performance-indicators"]),
                    )
                } else {
                    (
                        "A working group of planning and budget offices was set up.",
                        json!([]),
                    )
                };
                store::record_followup(
                    conn,
                    &row,
                    &NewFollowupRow {
                        recommendation_id: rid,
                        status: *stage,
                        progress_note: Some(note.into()),
                        evidence_urls: evidence.to_string(),
                        changed_by: None,
                        changed_at: now,
                    },
                )?;
                // The reviewers have assessed some declarations: accepted in every fourth
                // country, asked for more in the others' half.
                let assessment = match i % 4 {
                    0 => (Assessment::Accepted, None),
                    _ => (
                        Assessment::MoreInformationNeeded,
                        Some("Send the decree or the published data that show it."),
                    ),
                };
                let row = store::find_recommendation(conn, rid)?
                    .ok_or_else(|| ApiError::internal("demo recommendation vanished"))?;
                let entries = store::followups(conn, rid)?;
                if let Some(entry) = entries.last() {
                    store::assess_followup(
                        conn,
                        &row,
                        entry,
                        &AssessmentRow {
                            assessment: assessment.0,
                            reason: assessment.1,
                            by: None,
                            at: now,
                        },
                    )?;
                }
            }
        }
        audit.record(conn, "demo.load", "report", id, json!({"country": code}))?;
    }
    let id = store::insert_report(
        conn,
        &NewReportRow {
            round_id,
            kind: ReportKindOut::Hemispheric,
            country: None,
            language: "en".into(),
            title: i18n_to_json(&texts(
                "Hemispheric Report of the First Round".into(),
                "Informe Hemisférico de la Primera Ronda".into(),
            )),
            body: i18n_to_json(&texts(
                format!("## Overview\n\n{} countries took part. Every one of them links its national plan with the budget in law; fewer use performance information when allocating resources.", codes.len()),
                format!("## Panorama\n\nParticiparon {} países. Todos vinculan por ley su plan nacional con el presupuesto; menos usan la información de desempeño al asignar recursos.", codes.len()),
            )),
            created_at: published,
            updated_at: published,
        },
    )?;
    store::update_report(conn, id, &adopted)?;
    audit.record(
        conn,
        "demo.load",
        "report",
        id,
        json!({"kind": "hemispheric"}),
    )?;
    civil_society(conn, round_id, &codes, published)
}

/// Civil society's input on the round: a window, published with the reports; one input
/// accepted and answered by the country, one rejected.
fn civil_society(
    conn: &mut DbConn,
    round_id: i64,
    codes: &[String],
    at: chrono::NaiveDateTime,
) -> ApiResult<()> {
    use crate::civil_society::{store as cs, CivilSocietyStatus};
    let (Some(first), Some(second)) = (codes.first(), codes.get(1)) else {
        return Ok(());
    };
    let opens = NaiveDate::from_ymd_opt(2025, 8, 1).unwrap_or_default();
    let closes = NaiveDate::from_ymd_opt(2025, 9, 30).unwrap_or_default();
    cs::set_window(conn, round_id, opens, closes, true)?;
    let inputs = [
        (first, "Observatorio de Gestión Pública", "Budget programs and the national plan",
         "Program budgets name their plan targets, but the links are not published in a reusable format.",
         CivilSocietyStatus::Accepted, "Relevant to the round's thematic areas."),
        (second, "Foro Ciudadano", "Municipal elections",
         "Observations on the electoral calendar of 2025.",
         CivilSocietyStatus::Rejected, "Outside the round's thematic areas."),
    ];
    for (country, organisation, title, body, status, reason) in inputs {
        let id = cs::insert(
            conn,
            &cs::NewInputRow {
                round_id,
                country: country.clone(),
                organisation: organisation.into(),
                contact_email: None,
                title: title.into(),
                body: body.into(),
                language: "en".into(),
                received_on: opens + chrono::Duration::days(20),
                registered_by: None,
                created_at: at,
                updated_at: at,
            },
        )?;
        let row = cs::find(conn, id)?.ok_or_else(|| ApiError::internal("demo input vanished"))?;
        cs::screen(conn, &row, status, Some(reason), None)?;
        if status == CivilSocietyStatus::Accepted {
            let row =
                cs::find(conn, id)?.ok_or_else(|| ApiError::internal("demo input vanished"))?;
            cs::reply(
                conn,
                &row,
                "The links are published as open data since the 2026 budget.",
                None,
            )?;
        }
    }
    Ok(())
}

/// A draft follow-up report of `country` in the open round `round_id`, on its first-round
/// recommendations.
pub fn follow_up_draft(conn: &mut DbConn, round_id: i64, country: &str) -> ApiResult<()> {
    let now = crate::time::now();
    let id = store::insert_report(
        conn,
        &NewReportRow {
            round_id,
            kind: ReportKindOut::FollowUp,
            country: Some(country.to_owned()),
            language: "en".into(),
            title: i18n_to_json(&texts(
                format!("Follow-up Report: {country}"),
                format!("Informe de Seguimiento: {country}"),
            )),
            body: i18n_to_json(&texts(
                "## Progress\n\nWhat the country reports of the first round's recommendations, and what the Committee's experts found.".into(),
                "## Avances\n\nLo que el país informa sobre las recomendaciones de la primera ronda y lo que constataron los expertos del Comité.".into(),
            )),
            created_at: now,
            updated_at: now,
        },
    )?;
    AuditCtx::default().record(
        conn,
        "report.create",
        "report",
        id,
        json!({"round": round_id, "kind": "follow_up", "country": country}),
    )?;
    Ok(())
}
