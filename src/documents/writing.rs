//! What the library's writes check and put in place: links to areas and rounds, a version's
//! files, a report rendered into the library.

use super::shown::version_files;
use std::collections::BTreeMap;

use super::rules::{self, DocumentKind};
use crate::auth::{policy, Principal};
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};
use crate::files::parents::ParentType;
use crate::http::lang::{I18n, Lang};
use crate::http::validate::Checks;

/// Ids of thematic areas and rounds that exist, without repeats.
pub(super) fn links(
    conn: &mut DbConn,
    checks: &mut Checks,
    areas: Option<&[String]>,
    rounds: Option<&[i64]>,
) -> ApiResult<(Vec<String>, Vec<i64>)> {
    let mut a_out: Vec<String> = Vec::new();
    for raw in areas.unwrap_or(&[]) {
        let slug = raw.trim().to_ascii_lowercase();
        if !crate::experiences::store::area_exists(conn, &slug)? {
            checks.add(
                "thematic_areas",
                "unknown",
                format!("'{slug}' is not a thematic area"),
            );
        } else if !a_out.contains(&slug) {
            a_out.push(slug);
        }
    }
    let mut r_out: Vec<i64> = Vec::new();
    for r in rounds.unwrap_or(&[]) {
        if crate::rounds::store::find(conn, *r)?.is_none() {
            checks.add("rounds", "unknown", format!("there is no round {r}"));
        } else if !r_out.contains(r) {
            r_out.push(*r);
        }
    }
    if a_out.len() > rules::MAX_LINKS || r_out.len() > rules::MAX_LINKS {
        checks.add(
            "thematic_areas",
            "too_many",
            format!(
                "at most {} areas and {} rounds",
                rules::MAX_LINKS,
                rules::MAX_LINKS
            ),
        );
    }
    Ok((a_out, r_out))
}

/// Checks the files given by language: known language codes, files the secretariat uploaded
/// or may attach. Returns them by language (`None`: remove that language's file).
pub(super) fn checked_files(
    conn: &mut DbConn,
    checks: &mut Checks,
    p: &Principal,
    given: &BTreeMap<String, Option<i64>>,
) -> ApiResult<BTreeMap<Lang, Option<i64>>> {
    let mut out = BTreeMap::new();
    for (code, file) in given {
        let Some(lang) = Lang::parse_code(code) else {
            checks.add(
                &format!("files.{code}"),
                "language",
                "keys must be en, es, fr or pt",
            );
            continue;
        };
        if let Some(id) = file {
            let usable = crate::files::store::find_file(conn, *id)?
                .is_some_and(|f| policy::attach_file(Some(p), f.uploaded_by, f.country.as_deref()));
            if !usable {
                checks.add(
                    &format!("files.{code}"),
                    "unknown",
                    format!("there is no file {id} you may attach: upload it first"),
                );
            }
        }
        out.insert(lang, *file);
    }
    Ok(out)
}

/// Puts the files of a version in place (one per language) and returns the version's
/// `file_languages`.
pub(super) fn place_files(
    conn: &mut DbConn,
    p: &Principal,
    id: i64,
    version: i32,
    files: &BTreeMap<Lang, Option<i64>>,
) -> ApiResult<String> {
    for (lang, file) in files {
        let slot = rules::slot(version, *lang);
        crate::files::store::detach_slot(conn, ParentType::Document, id, &slot)?;
        if let Some(f) = file {
            crate::files::store::insert_attachment(
                conn,
                &crate::files::store::NewAttachment {
                    file_id: *f,
                    parent_type: ParentType::Document,
                    parent_id: id,
                    slot: &slot,
                    caption: "",
                    attached_by: Some(p.user_id),
                    created_at: crate::time::now(),
                },
            )?;
        }
    }
    let present = version_files(conn, id, version)?;
    Ok(if present.is_empty() {
        String::new()
    } else {
        format!(
            ",{},",
            present.keys().cloned().collect::<Vec<_>>().join(",")
        )
    })
}

/// What a report renders into the library: its kind, title, summary, areas, round and, per
/// language of its text, a plain-text file of the report with its recommendations.
pub(super) struct Rendered {
    pub(super) kind: DocumentKind,
    pub(super) language: Lang,
    pub(super) title: I18n,
    pub(super) summary: I18n,
    pub(super) areas: Vec<String>,
    pub(super) round: i64,
    pub(super) texts: Vec<(Lang, String, String)>,
}

pub(super) fn render_report(conn: &mut DbConn, report: i64, p: &Principal) -> ApiResult<Rendered> {
    let l = crate::reports::loaded::load(conn, report, Some(p))?;
    policy::read_report(Some(p), &l.facts())?;
    if l.status() != crate::reports::rules::ReportStatus::Published {
        return Err(ApiError::conflict(
            "report-not-published",
            format!(
                "report {report} is {}: only published reports enter the library",
                l.status().as_str()
            ),
            vec![],
        ));
    }
    let r = &l.row;
    let recs = crate::reports::store::recommendations_of(conn, report)?;
    let language = Lang::parse_code(&r.language).unwrap_or(Lang::En);
    // One text per language of the report's title or body; what a language lacks comes from
    // the original.
    let pick = |texts: &I18n, lang: Lang| {
        texts
            .get(&lang)
            .or_else(|| texts.get(&language))
            .or_else(|| texts.values().next())
            .cloned()
            .unwrap_or_default()
    };
    let mut languages: Vec<Lang> = r.title.0.keys().chain(r.body.0.keys()).copied().collect();
    languages.sort();
    languages.dedup();
    let mut texts = Vec::new();
    for lang in languages {
        let title = pick(&r.title.0, lang);
        let mut text = format!("{title}\n\n{}\n", pick(&r.body.0, lang));
        if !recs.is_empty() {
            text.push_str("\n----\n");
            for rec in &recs {
                text.push_str(&format!("\n{}. {}\n", rec.number, pick(&rec.text.0, lang)));
            }
        }
        let stem: String = title
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == ' ')
            .take(80)
            .collect();
        texts.push((lang, format!("{} ({}).txt", stem.trim(), lang.code()), text));
    }
    let summary = r
        .body
        .0
        .iter()
        .map(|(l, b)| (*l, b.chars().take(2000).collect::<String>()))
        .collect();
    let mut areas: Vec<String> = recs
        .iter()
        .filter_map(|r| r.thematic_area.clone())
        .collect();
    areas.sort();
    areas.dedup();
    Ok(Rendered {
        kind: match r.kind {
            // The library files a follow-up report with the country reports.
            crate::reports::rules::ReportKindOut::Country
            | crate::reports::rules::ReportKindOut::FollowUp => DocumentKind::CountryReport,
            crate::reports::rules::ReportKindOut::Hemispheric => DocumentKind::HemisphericReport,
        },
        language,
        title: r.title.0.clone(),
        summary,
        areas,
        round: r.round_id,
        texts,
    })
}
