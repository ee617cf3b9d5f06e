//! The demo library: the mechanism's founding documents, real-shaped, in several languages,
//! each with a file per language; the Terms of Reference in a second version.

use diesel::prelude::*;
use serde_json::json;

use crate::audit::AuditCtx;
use crate::cooperation::search::{self, Indexed};
use crate::db::DbConn;
use crate::documents::rules::{self as doc_rules, DocumentKind, DocumentStatus};
use crate::documents::store::{self, VersionValues};
use crate::error::ApiResult;
use crate::files::parents::ParentType;
use crate::files::sniff::Kind;
use crate::files::Storage;
use crate::http::lang::{i18n_to_json, I18n, Lang};

/// A demo document: kind, areas, then per language its title, summary and file text.
struct DemoDocument {
    kind: DocumentKind,
    areas: &'static [&'static str],
    texts: &'static [(Lang, &'static str, &'static str, &'static str)],
}

const LIBRARY: [DemoDocument; 4] = [
    DemoDocument {
        kind: DocumentKind::TermsOfReference,
        areas: &[],
        texts: &[
            (Lang::En, "Terms of Reference of MECIGEP",
             "Purpose, structure and working methods of the Inter-American Cooperation Mechanism for Effective Public Management: the Group of Member Countries, the Committee of Experts and the Technical Secretariat.",
             "TERMS OF REFERENCE\n\n1. Purpose. The Mechanism supports the implementation of the Inter-American Charter on Public Management through the exchange of experiences, peer review and horizontal cooperation.\n2. Structure. The Group of Member Countries, the Committee of Experts and the Technical Secretariat.\n3. Rounds. Each round reviews one or more thematic areas through a self-review questionnaire, country reports and a hemispheric report.\n"),
            (Lang::Es, "Términos de Referencia del MECIGEP",
             "Propósito, estructura y métodos de trabajo del Mecanismo de Cooperación Interamericano para la Gestión Pública Efectiva: el Grupo de Países Miembros, el Comité de Expertos y la Secretaría Técnica.",
             "TÉRMINOS DE REFERENCIA\n\n1. Propósito. El Mecanismo apoya la aplicación de la Carta Iberoamericana de la Función Pública mediante el intercambio de experiencias, la revisión entre pares y la cooperación horizontal.\n2. Estructura. El Grupo de Países Miembros, el Comité de Expertos y la Secretaría Técnica.\n3. Rondas. Cada ronda examina una o más áreas temáticas mediante un cuestionario de autoevaluación, informes por país y un informe hemisférico.\n"),
        ],
    },
    DemoDocument {
        kind: DocumentKind::Methodology,
        areas: &["civil-service", "public-budget"],
        texts: &[
            (Lang::En, "Methodology for the review of self-review questionnaires",
             "How the Committee of Experts draws reviewer countries by lot, drafts country reports, and follows up their recommendations.",
             "METHODOLOGY\n\nReviewer countries are drawn by lot, never a country reviewing itself. Experts of the drawn countries draft the country report from the questionnaire's answers and their evidence; the Committee adopts it; the country reports its progress on each recommendation.\n"),
            (Lang::Es, "Metodología para el examen de los cuestionarios de autoevaluación",
             "Cómo el Comité de Expertos sortea los países revisores, redacta los informes por país y da seguimiento a sus recomendaciones.",
             "METODOLOGÍA\n\nLos países revisores se sortean, sin que ningún país se revise a sí mismo. Los expertos de los países sorteados redactan el informe por país a partir de las respuestas del cuestionario y su evidencia; el Comité lo adopta; el país informa su avance en cada recomendación.\n"),
            (Lang::Fr, "Méthodologie de l'examen des questionnaires d'autoévaluation",
             "Comment le Comité d'experts tire au sort les pays examinateurs, rédige les rapports de pays et suit leurs recommandations.",
             "MÉTHODOLOGIE\n\nLes pays examinateurs sont tirés au sort; aucun pays ne s'examine lui-même. Les experts rédigent le rapport de pays à partir des réponses et de leurs preuves.\n"),
        ],
    },
    DemoDocument {
        kind: DocumentKind::ConceptPaper,
        areas: &[],
        texts: &[
            (Lang::En, "Concept paper: cooperation for effective public management",
             "Why a mechanism of peer review and horizontal cooperation, and what it adds to the Inter-American Program for Effective Public Management.",
             "CONCEPT PAPER\n\nPeer review turns national experience into shared knowledge; horizontal cooperation turns recommendations into change.\n"),
            (Lang::Pt, "Nota conceitual: cooperação para a gestão pública efetiva",
             "Por que um mecanismo de revisão entre pares e cooperação horizontal, e o que ele acrescenta ao Programa Interamericano de Gestão Pública Efetiva.",
             "NOTA CONCEITUAL\n\nA revisão entre pares transforma a experiência nacional em conhecimento compartilhado; a cooperação horizontal transforma recomendações em mudança.\n"),
        ],
    },
    DemoDocument {
        kind: DocumentKind::Study,
        areas: &["public-budget"],
        texts: &[
            (Lang::Es, "Presupuesto por resultados en las Américas",
             "Estudio comparado de los sistemas de evaluación de programas presupuestarios en doce países de la región.",
             "ESTUDIO\n\nDoce países vinculan la evaluación de sus programas con la asignación presupuestaria; este estudio compara sus instituciones, instrumentos y resultados.\n"),
            (Lang::En, "Results-based budgeting in the Americas",
             "A comparative study of budget program evaluation systems in twelve countries of the region.",
             "STUDY\n\nTwelve countries link the evaluation of their programs to budget allocation; this study compares their institutions, instruments and results.\n"),
        ],
    },
];

/// Loads the demo library unless some document exists; returns how many documents it added.
/// Their files go to `storage`, as uploads would.
pub fn load(conn: &mut DbConn, storage: &Storage) -> ApiResult<usize> {
    let any: i64 = crate::db::schema::documents::table
        .count()
        .get_result(conn)?;
    if any > 0 {
        return Ok(0);
    }
    let audit = AuditCtx::default();
    for d in &LIBRARY {
        let now = crate::time::now();
        let id = store::insert_document(conn, d.kind, None, None, now)?;
        let mut title = I18n::new();
        let mut summary = I18n::new();
        for (lang, t, s, _) in d.texts {
            title.insert(*lang, (*t).to_owned());
            summary.insert(*lang, (*s).to_owned());
        }
        let language = d.texts[0].0;
        // The Terms of Reference have a first version, superseded by the second.
        let versions = if d.kind == DocumentKind::TermsOfReference {
            2
        } else {
            1
        };
        for version in 1..=versions {
            let mut values = VersionValues {
                status: DocumentStatus::Draft,
                language: language.code().into(),
                title: i18n_to_json(&title),
                summary: i18n_to_json(&summary),
                thematic_areas: json!(d.areas).to_string(),
                rounds: "[]".into(),
                file_languages: String::new(),
                revision: 1,
                updated_at: now,
            };
            store::insert_version(conn, id, version, &values)?;
            let mut langs = Vec::new();
            for (lang, t, _, text) in d.texts {
                let body = format!("{text}\n(version {version})\n");
                let staged =
                    crate::files::routes::stage_bytes_here(storage, body.as_bytes(), Kind::Txt)?;
                let name = format!("{t} v{version} ({}).txt", lang.code());
                let f =
                    crate::files::routes::record_staged(conn, storage, &staged, &name, None, None)?;
                crate::files::store::insert_attachment(
                    conn,
                    &crate::files::store::NewAttachment {
                        file_id: f.id,
                        parent_type: ParentType::Document,
                        parent_id: id,
                        slot: &doc_rules::slot(version, *lang),
                        caption: "",
                        attached_by: None,
                        created_at: now,
                    },
                )?;
                langs.push(lang.code());
            }
            values.file_languages = format!(",{},", langs.join(","));
            store::update_version(conn, id, version, &values)?;
            let status = if version == versions {
                DocumentStatus::Published
            } else {
                DocumentStatus::Superseded
            };
            store::set_status(conn, id, version, status, Some(now), now)?;
        }
        search::index(conn, Indexed::Document, id, &title, &summary)?;
        audit.record(conn, "demo.load", "document", id, json!({"kind": d.kind}))?;
    }
    Ok(LIBRARY.len())
}
