//! Review: reviewer countries drawn by lot, country and hemispheric reports, comments,
//! adoption, recommendations and their follow-up.

pub mod actions;
pub mod api;
pub mod assessment;
pub mod comments;
pub mod conflicts;
pub mod draw;
pub mod draws;
pub mod loaded;
pub mod model;
pub mod naming;
pub mod recommendations;
pub mod routes;
pub mod rules;
pub mod stats;
pub mod store;

/// Whether the caller may read a report's annexes, or attach to it (who may draft it, until
/// it is adopted): the scope of the attachment's events. See [`crate::files::parents`].
pub fn attachment_scope(
    conn: &mut crate::db::DbConn,
    id: i64,
    p: Option<&crate::auth::Principal>,
    intent: crate::files::parents::Intent<'_>,
) -> crate::error::ApiResult<crate::events::Scope> {
    let report = loaded::load(conn, id, p)?;
    crate::auth::policy::read_report(p, &report.facts())?;
    if let crate::files::parents::Intent::Change { .. } = intent {
        crate::auth::policy::draft_report(p, &report.facts())?;
        if report.status().frozen() {
            return Err(crate::files::parents::frozen(
                "report",
                report.status().as_str(),
            ));
        }
    }
    Ok(report.event_scope())
}

/// Like [`attachment_scope`] for a follow-up entry (evidence of what a country declared it
/// did): its country or the secretariat attach. Returns the scope and the recommendation.
pub fn followup_attachment_scope(
    conn: &mut crate::db::DbConn,
    entry: i64,
    p: Option<&crate::auth::Principal>,
    intent: crate::files::parents::Intent<'_>,
) -> crate::error::ApiResult<(crate::events::Scope, i64)> {
    let missing = || crate::error::ApiError::not_found(format!("no follow-up entry {entry}"));
    let rec = store::followup_recommendation(conn, entry)?.ok_or_else(missing)?;
    let r = store::find_recommendation(conn, rec)?.ok_or_else(missing)?;
    let report = loaded::load(conn, r.report_id, p)?;
    crate::auth::policy::read_report(p, &report.facts()).map_err(|_| missing())?;
    if let crate::files::parents::Intent::Change { .. } = intent {
        match report.row.country.as_deref() {
            Some(c) => crate::auth::policy::update_followup(p, c)?,
            None => crate::auth::policy::manage_rounds(p)?,
        }
    }
    Ok((report.event_scope(), rec))
}
