//! The Guide (GEMGPE): each country's formal framework in each thematic area, edited as a
//! working document, reviewed, published as immutable versions, searched in four languages.

pub mod actions;
pub mod api;
pub mod coverage;
mod edit;
pub mod guide_index;
mod index_order;
mod index_snapshot;
mod index_words;
pub mod list;
pub mod model;
pub mod routes;
pub mod rules;
pub mod search;
pub mod search_index;
mod shown;
pub mod store;
pub mod versions;
pub mod working_docs;

/// Whether the caller may read an experience's annexes, or attach to it (its country or the
/// secretariat): the scope of the attachment's events. See [`crate::files::parents`].
pub fn attachment_scope(
    conn: &mut crate::db::DbConn,
    id: i64,
    p: Option<&crate::auth::Principal>,
    intent: crate::files::parents::Intent<'_>,
) -> crate::error::ApiResult<crate::events::Scope> {
    use crate::lifecycle::Subject;
    let row = shown::load(conn, id)?;
    let facts = shown::facts(&row);
    crate::auth::policy::read_experience(p, &facts)?;
    if let crate::files::parents::Intent::Change { .. } = intent {
        crate::auth::policy::edit_experience(p, &facts)?;
    }
    Ok(Subject::<rules::ExperienceAction>::scope(&row))
}
