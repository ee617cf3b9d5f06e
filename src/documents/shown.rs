//! A document as loaded and shown: all its versions, which one a caller reads, its files.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse};

use super::api::Document;
use super::rules::{self, DocumentAction, DocumentStatus};
use super::store::{self, DocumentRow, VersionRow};
use crate::auth::{Principal, Role};
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};
use crate::events::{Audience, Scope};
use crate::files::api::File;
use crate::files::parents::ParentType;
use crate::http::etag;
use crate::http::lang::{Lang, LangPref, LangTracker};
use crate::lifecycle::{self, Standing, Subject};
use crate::time::utc;

/// A document and all its versions.
pub struct Loaded {
    pub doc: DocumentRow,
    pub versions: Vec<VersionRow>,
}

impl Loaded {
    pub fn latest(&self) -> &VersionRow {
        // A document is made with its first version, in one transaction.
        &self.versions[self.versions.len() - 1]
    }

    /// The version a caller reads by default: the secretariat the latest; others the published
    /// one, else the latest superseded (a document withdrawn as out of date).
    pub fn shown(&self, p: Option<&Principal>) -> Option<&VersionRow> {
        if p.is_some_and(|p| p.is(Role::Secretariat)) {
            return Some(self.latest());
        }
        self.versions
            .iter()
            .rev()
            .find(|v| v.status == DocumentStatus::Published)
            .or_else(|| {
                self.versions
                    .iter()
                    .rev()
                    .find(|v| v.status == DocumentStatus::Superseded)
            })
    }
}

impl Subject<DocumentAction> for Loaded {
    fn standing(&self) -> Standing<DocumentStatus> {
        Standing {
            status: self.latest().status,
            revision: self.latest().revision,
        }
    }

    fn scope(&self) -> Scope {
        version_scope(self.latest())
    }
}

pub(super) fn version_scope(v: &VersionRow) -> Scope {
    match v.status {
        DocumentStatus::Draft => Scope::new(Audience::Secretariat, None),
        _ => Scope::public(None),
    }
}

pub(super) fn no_document(id: i64) -> ApiError {
    ApiError::not_found(format!("no document {id}"))
}

/// A document the caller may read (404 otherwise: drafts are the secretariat's).
pub fn load(conn: &mut DbConn, id: i64, p: Option<&Principal>) -> ApiResult<Loaded> {
    let doc = store::find_document(conn, id)?.ok_or_else(|| no_document(id))?;
    let versions = store::versions(conn, id)?;
    let l = Loaded { doc, versions };
    if l.versions.is_empty() || l.shown(p).is_none() {
        return Err(no_document(id));
    }
    Ok(l)
}

/// Whether a version may be read: published and superseded ones by everyone, drafts by the
/// secretariat.
pub(super) fn version_readable(v: &VersionRow, p: Option<&Principal>) -> bool {
    v.status != DocumentStatus::Draft || p.is_some_and(|p| p.is(Role::Secretariat))
}

/// Whether the caller may read a document file's version (`slot` = `<version>:<language>`).
pub fn file_readable(
    conn: &mut DbConn,
    id: i64,
    slot: &str,
    p: Option<&Principal>,
) -> ApiResult<()> {
    let l = load(conn, id, p)?;
    let version = rules::parse_slot(slot).map(|(v, _)| v);
    match l.versions.iter().find(|v| Some(v.version) == version) {
        Some(v) if version_readable(v, p) => Ok(()),
        _ => Err(no_document(id)),
    }
}

pub(super) fn render(
    l: &Loaded,
    v: &VersionRow,
    files: BTreeMap<String, File>,
    pref: LangPref,
    langs: &mut LangTracker,
) -> Document {
    let lang = Lang::parse_code(&v.language).unwrap_or(Lang::En);
    Document {
        id: l.doc.id,
        kind: l.doc.kind,
        version: v.version,
        latest_version: l.latest().version,
        status: v.status,
        allowed_actions: if v.version == l.latest().version {
            lifecycle::allowed::<DocumentAction>(v.status)
                .into_iter()
                .map(str::to_owned)
                .chain((v.status != DocumentStatus::Draft).then(|| "new-version".to_owned()))
                .collect()
        } else {
            Vec::new()
        },
        language: lang,
        title: langs.pick(pref, &v.title.0, lang),
        summary: langs.pick(pref, &v.summary.0, lang),
        files,
        thematic_areas: v.thematic_areas.0.clone(),
        rounds: v.rounds.0.clone(),
        report: l.doc.report_id,
        revision: v.revision,
        published_at: v.published_at.map(utc),
        created_at: utc(v.created_at),
        updated_at: utc(v.updated_at),
    }
}

/// The files of one version, by language.
pub(super) fn version_files(
    conn: &mut DbConn,
    id: i64,
    version: i32,
) -> ApiResult<BTreeMap<String, File>> {
    Ok(
        crate::files::store::attachments_of(conn, ParentType::Document, &[id])?
            .remove(&id)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(a, f)| {
                let (v, l) = rules::parse_slot(&a.slot)?;
                (v == version).then(|| (l.code().to_owned(), crate::files::routes::render(f, true)))
            })
            .collect(),
    )
}

pub(super) fn respond(
    req: &HttpRequest,
    l: &Loaded,
    v: &VersionRow,
    files: BTreeMap<String, File>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let mut langs = LangTracker::default();
    let body = render(l, v, files, pref, &mut langs);
    etag::versioned_json(
        req,
        etag::Entity("document", l.doc.id),
        v.revision + v.version * 10_000,
        &body,
        Some(langs.header_value(pref)),
    )
}
