//! The working document's writes: a whole body or a patch checked into a [`Document`], and
//! the revision-guarded save every edit goes through.

use super::api::{ExperienceIn, ExperiencePatch};
use super::model::{ExperienceChanges, ExperienceRow};
use super::rules::{self, Document, ExperienceStatus};
use super::shown::status_of;
use super::store::{self, Scope};
use crate::audit::AuditCtx;
use crate::db::DbConn;
use crate::error::ApiResult;
use crate::http::lang::{I18n, Lang};
use crate::http::validate::Checks;

/// The document of a write, from a whole body: texts in `lang`, every check at once.
pub(super) fn document_in(checks: &mut Checks, body: &ExperienceIn, lang: Lang) -> Document {
    let today = crate::time::now().date();
    let doc = Document {
        snapshot_date: rules::snapshot_date(checks, &body.snapshot_date, today).unwrap_or(today),
        title: rules::texts(checks, "title", &body.title, lang, rules::MAX_TITLE),
        introduction: rules::texts(
            checks,
            "introduction",
            &body.introduction,
            lang,
            rules::MAX_SECTION,
        ),
        institutions: rules::institutions(checks, &body.institutions),
        strategies: rules::texts(
            checks,
            "strategies",
            &body.strategies,
            lang,
            rules::MAX_SECTION,
        ),
        legal_framework: rules::legal_framework(checks, &body.legal_framework, today),
        tags: rules::tags(checks, &body.tags),
    };
    rules::check_complete(checks, &doc, lang);
    doc
}

fn merge(target: &mut I18n, changes: I18n) {
    target.extend(changes);
}

/// Applies a PATCH to `doc`; plain strings are in `lang`.
pub(super) fn apply_patch(
    checks: &mut Checks,
    doc: &mut Document,
    patch: &ExperiencePatch,
    lang: Lang,
) {
    let today = crate::time::now().date();
    if let Some(d) = &patch.snapshot_date {
        if let Some(d) = rules::snapshot_date(checks, d, today) {
            doc.snapshot_date = d;
        }
    }
    if let Some(t) = &patch.title {
        let t = rules::texts(checks, "title", t, lang, rules::MAX_TITLE);
        merge(&mut doc.title, t);
    }
    if let Some(t) = &patch.introduction {
        let t = rules::texts(checks, "introduction", t, lang, rules::MAX_SECTION);
        merge(&mut doc.introduction, t);
    }
    if let Some(t) = &patch.strategies {
        let t = rules::texts(checks, "strategies", t, lang, rules::MAX_SECTION);
        merge(&mut doc.strategies, t);
    }
    if let Some(items) = &patch.institutions {
        doc.institutions = rules::institutions(checks, items);
    }
    if let Some(items) = &patch.legal_framework {
        doc.legal_framework = rules::legal_framework(checks, items, today);
    }
    if let Some(items) = &patch.tags {
        doc.tags = rules::tags(checks, items);
    }
}

/// Writes a new working document: the row's revision moves on only if it is still the one
/// read (a concurrent writer gets a 412, never a silent overwrite); a published experience
/// starts a working copy (`draft`) and the public keeps its version.
pub(super) fn save_working(
    conn: &mut DbConn,
    audit: &AuditCtx,
    row: &ExperienceRow,
    doc: &Document,
    action: &str,
    summary: serde_json::Value,
) -> ApiResult<()> {
    let now = crate::time::now();
    let status = match status_of(row) {
        ExperienceStatus::Published => ExperienceStatus::Draft,
        s => s,
    };
    let changes = ExperienceChanges {
        status: Some(status),
        revision: Some(row.revision + 1),
        snapshot_date: Some(doc.snapshot_date),
        updated_by: Some(audit.actor_id),
        updated_at: Some(now),
        ..ExperienceChanges::default()
    };
    // The caller holds the row's lock (db::lock_id) and checked If-Match under it.
    store::update(conn, row.id, &changes)?;
    store::write_document(conn, row.id, doc)?;
    store::reindex(conn, row.id, Scope::Working, doc, now)?;
    audit.record(conn, action, "experience", row.id, summary)?;
    Ok(())
}
