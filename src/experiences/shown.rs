//! One experience as a reader sees it: the row and document of the chosen view, rendered to
//! the JSON, strong ETag and `Content-Language` every read answers with.

use std::collections::HashMap;

use crate::files::api::Attachment;
use actix_web::{HttpRequest, HttpResponse};

use super::api::{Experience, View};
use super::model::{ExperienceRow, VersionRow};
use super::rules::{Document, ExperienceAction, ExperienceStatus};
use super::store;
use super::working_docs::WorkingDocs;
use crate::auth::policy::ExperienceFacts;
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};
use crate::http::etag;
use crate::http::lang::{Lang, LangPref, LangTracker};
use crate::time::utc;

pub(super) fn facts(row: &ExperienceRow) -> ExperienceFacts<'_> {
    ExperienceFacts {
        country: &row.country,
        has_published_version: row.version > 0,
    }
}

pub(super) fn status_of(row: &ExperienceRow) -> ExperienceStatus {
    row.status
}

pub(super) fn lang_of(row: &ExperienceRow) -> Lang {
    Lang::parse(&row.language).unwrap_or(Lang::En)
}

/// The status the public sees for a published version.
pub(super) fn public_status(row: &ExperienceRow) -> ExperienceStatus {
    if status_of(row) == ExperienceStatus::Archived {
        ExperienceStatus::Archived
    } else {
        ExperienceStatus::Published
    }
}

pub(super) fn parse_version(v: &VersionRow) -> ApiResult<Document> {
    serde_json::from_str(&v.document).map_err(|e| {
        ApiError::internal(format!(
            "version {} of experience {}: {e}",
            v.version, v.experience_id
        ))
    })
}

/// One experience in the chosen view.
pub(super) struct Shown {
    pub(super) row: ExperienceRow,
    pub(super) doc: Document,
    pub(super) view: View,
    /// The version shown (published view).
    pub(super) version: Option<VersionRow>,
    /// Its annexes (read with single experiences; lists show none).
    pub(super) attachments: Vec<Attachment>,
}

impl Shown {
    fn render(self, pref: LangPref, langs: &mut LangTracker) -> Experience {
        let lang = lang_of(&self.row);
        let working = self.view == View::Working;
        let status = if working {
            status_of(&self.row)
        } else {
            public_status(&self.row)
        };
        Experience {
            id: self.row.id,
            country: self.row.country.clone(),
            thematic_area: self.row.thematic_area.clone(),
            language: lang,
            status,
            view: self.view,
            version: self
                .version
                .as_ref()
                .map_or(self.row.version, |v| v.version),
            snapshot_date: self.doc.snapshot_date,
            title: langs.pick(pref, &self.doc.title, lang),
            introduction: langs.pick(pref, &self.doc.introduction, lang),
            strategies: langs.pick(pref, &self.doc.strategies, lang),
            available_languages: self.doc.languages(),
            institutions: self.doc.institutions,
            legal_framework: self.doc.legal_framework,
            tags: self.doc.tags,
            has_unpublished_changes: working.then_some(
                self.row.version > 0
                    && matches!(status, ExperienceStatus::Draft | ExperienceStatus::InReview),
            ),
            return_reason: if working {
                self.row.return_reason.clone()
            } else {
                None
            },
            allowed_actions: if working {
                crate::lifecycle::allowed::<ExperienceAction>(status)
                    .into_iter()
                    .map(str::to_owned)
                    .collect()
            } else {
                Vec::new()
            },
            revision: working.then_some(self.row.revision),
            created_at: utc(self.row.created_at),
            updated_at: match &self.version {
                Some(v) if !working => utc(v.published_at),
                _ => utc(self.row.updated_at),
            },
            published_at: self.row.published_at.map(utc),
            attachments: self.attachments,
        }
    }
}

pub(super) fn respond(req: &HttpRequest, shown: Shown, pref: LangPref) -> ApiResult<HttpResponse> {
    let (body, tag, lang) = rendered(shown, pref)?;
    etag::tagged_json(req, &tag, Some(&lang), || Ok(body))
}

/// The JSON of one experience, its strong ETag and its `Content-Language`.
pub(super) fn rendered(shown: Shown, pref: LangPref) -> ApiResult<(Vec<u8>, String, String)> {
    let mut langs = LangTracker::default();
    let working = shown.view == View::Working;
    let (id, revision) = (shown.row.id, shown.row.revision);
    let body = serde_json::to_vec(&shown.render(pref, &mut langs))
        .map_err(|e| ApiError::internal(format!("serialising an experience: {e}")))?;
    // A published version has no revision to write against: its tag is a bare hash, which
    // `If-Match` on a write never accepts.
    let tag = if working {
        etag::versioned(etag::Entity("experience", id), revision, &body)
    } else {
        etag::of_bytes(&body)
    };
    Ok((body, tag, langs.header_value(pref)))
}

pub(super) fn load(conn: &mut DbConn, id: i64) -> ApiResult<ExperienceRow> {
    store::find(conn, id)?.ok_or_else(|| ApiError::not_found(format!("no experience {id}")))
}

/// The working view of `row`. Reads pass the kept documents; writes pass none, as what their
/// transaction reads may yet roll back and must not be kept. `latest`, the row's current
/// version when the caller read it already, spares a published experience's read its query.
pub(super) fn working(
    conn: &mut DbConn,
    row: ExperienceRow,
    latest: Option<VersionRow>,
    kept: Option<&WorkingDocs>,
) -> ApiResult<Shown> {
    let doc = match latest.filter(|v| is_its_working_document(&row, v)) {
        Some(v) => parse_version(&v)?,
        None => working_documents(conn, &[&row], kept)?
            .remove(&row.id)
            .ok_or_else(|| ApiError::internal("working document vanished"))?,
    };
    Ok(Shown {
        attachments: annexes(conn, row.id)?,
        row,
        doc,
        view: View::Working,
        version: None,
    })
}

/// The working documents of `rows`, as [`working`] reads them. A published experience's working
/// document is its current version: publishing writes the version from it, and any edit makes
/// the experience a draft again (`save_working`). Read from the versions, those cost one query
/// for all of them instead of the four that assemble a document from its child tables.
pub(super) fn working_documents(
    conn: &mut DbConn,
    rows: &[&ExperienceRow],
    kept: Option<&WorkingDocs>,
) -> ApiResult<HashMap<i64, Document>> {
    let (published, others): (Vec<&ExperienceRow>, Vec<&ExperienceRow>) = rows
        .iter()
        .partition(|r| status_of(r) == ExperienceStatus::Published && r.version > 0);
    let mut docs = match kept {
        Some(kept) => kept.documents(conn, &others)?,
        None => store::working_documents(conn, &others)?,
    };
    let pairs: Vec<(i64, i32)> = published.iter().map(|r| (r.id, r.version)).collect();
    for v in store::versions_of(conn, &pairs)?.into_values() {
        docs.insert(v.experience_id, parse_version(&v)?);
    }
    Ok(docs)
}

fn is_its_working_document(row: &ExperienceRow, v: &VersionRow) -> bool {
    status_of(row) == ExperienceStatus::Published
        && v.experience_id == row.id
        && v.version == row.version
}

/// The files attached to an experience.
pub(super) fn annexes(conn: &mut DbConn, id: i64) -> ApiResult<Vec<Attachment>> {
    Ok(crate::files::attachments::for_parent(
        conn,
        crate::files::parents::ParentType::Experience,
        id,
    )?)
}

pub(super) fn published(conn: &mut DbConn, row: ExperienceRow, n: i32) -> ApiResult<Shown> {
    let v = store::version(conn, row.id, n)?.ok_or_else(|| {
        ApiError::not_found(format!(
            "experience {} has no published version {n}",
            row.id
        ))
    })?;
    let doc = parse_version(&v)?;
    Ok(Shown {
        attachments: annexes(conn, row.id)?,
        row,
        doc,
        view: View::Published,
        version: Some(v),
    })
}

/// Each of these experiences with its published version (the row's current one), parsed;
/// experiences without one are left out.
pub(super) fn current_versions(
    conn: &mut DbConn,
    rows: impl IntoIterator<Item = ExperienceRow>,
) -> ApiResult<Vec<(ExperienceRow, VersionRow, Document)>> {
    let rows: Vec<ExperienceRow> = rows.into_iter().collect();
    let pairs: Vec<(i64, i32)> = rows.iter().map(|r| (r.id, r.version)).collect();
    let mut versions = store::versions_of(conn, &pairs)?;
    rows.into_iter()
        .filter_map(|row| versions.remove(&row.id).map(|v| (row, v)))
        .map(|(row, v)| {
            let doc = parse_version(&v)?;
            Ok((row, v, doc))
        })
        .collect()
}
