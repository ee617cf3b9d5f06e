//! Experience queries: the working document in its child rows, the published versions, and the
//! search index that lists read.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{
    ExperienceChanges, ExperienceRow, InstitutionRow, LegalRow, NewExperienceRow, NewSearchRow,
    TagRow, TextRow, VersionRow,
};
use super::rules::{Document, Institution, LegalInstrument};
use super::search::facet;
use super::search_index::{self, SearchTexts};
use crate::db::schema::{
    countries, experience_institutions as inst, experience_legal_instruments as legal,
    experience_search, experience_tags as tags, experience_texts as texts, experience_versions,
    experiences, thematic_areas,
};
use crate::db::DbConn;
use crate::http::lang::Lang;

/// Which state of an experience a search row describes.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum Scope {
    /// The editable document.
    Working,
    /// The latest published version.
    Published,
}

crate::text_enum!(Scope);

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Working => "working",
            Scope::Published => "published",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        [Scope::Working, Scope::Published]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<ExperienceRow>> {
    experiences::table
        .find(id)
        .select(ExperienceRow::as_select())
        .first(conn)
        .optional()
}

/// An experience with its latest published version, in one query (the public's read).
pub fn find_with_latest(
    conn: &mut DbConn,
    id: i64,
) -> QueryResult<Option<(ExperienceRow, Option<VersionRow>)>> {
    experiences::table
        .left_join(
            experience_versions::table.on(experience_versions::experience_id
                .eq(experiences::id)
                .and(experience_versions::version.eq(experiences::version))),
        )
        .filter(experiences::id.eq(id))
        .select((
            ExperienceRow::as_select(),
            Option::<VersionRow>::as_select(),
        ))
        .first(conn)
        .optional()
}

pub fn find_many(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, ExperienceRow>> {
    Ok(experiences::table
        .filter(experiences::id.eq_any(ids))
        .select(ExperienceRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|r| (r.id, r))
        .collect())
}

/// How many experiences exist, in any status.
pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    experiences::table.count().get_result(conn)
}

pub fn insert(conn: &mut DbConn, row: &NewExperienceRow) -> QueryResult<i64> {
    diesel::insert_into(experiences::table)
        .values(row)
        .returning(experiences::id)
        .get_result(conn)
}

pub fn update(conn: &mut DbConn, id: i64, changes: &ExperienceChanges) -> QueryResult<usize> {
    diesel::update(experiences::table.find(id))
        .set(changes)
        .execute(conn)
}

/// Deletes a never-published experience and its rows.
pub fn delete(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::delete(experiences::table.find(id)).execute(conn)
}

pub fn country_exists(conn: &mut DbConn, code: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(countries::table.find(code))).get_result(conn)
}

pub fn area_exists(conn: &mut DbConn, slug: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(thematic_areas::table.find(slug))).get_result(conn)
}

/// Writes `doc` as the working document of `id`, replacing every child row.
pub fn write_document(conn: &mut DbConn, id: i64, doc: &Document) -> QueryResult<()> {
    diesel::delete(texts::table.filter(texts::experience_id.eq(id))).execute(conn)?;
    diesel::delete(inst::table.filter(inst::experience_id.eq(id))).execute(conn)?;
    diesel::delete(legal::table.filter(legal::experience_id.eq(id))).execute(conn)?;
    diesel::delete(tags::table.filter(tags::experience_id.eq(id))).execute(conn)?;
    let langs: Vec<Lang> = Lang::ALL
        .into_iter()
        .filter(|l| {
            doc.title.contains_key(l)
                || doc.introduction.contains_key(l)
                || doc.strategies.contains_key(l)
        })
        .collect();
    let text_rows: Vec<TextRow> = langs
        .iter()
        .map(|l| TextRow {
            experience_id: id,
            lang: l.code().into(),
            title: doc.title.get(l).cloned().unwrap_or_default(),
            introduction: doc.introduction.get(l).cloned().unwrap_or_default(),
            strategies: doc.strategies.get(l).cloned().unwrap_or_default(),
        })
        .collect();
    if !text_rows.is_empty() {
        crate::batch_insert!(conn, texts::table, &text_rows)?;
    }
    let inst_rows: Vec<InstitutionRow> = doc
        .institutions
        .iter()
        .zip(1..)
        .map(|(i, position)| InstitutionRow {
            experience_id: id,
            position,
            name: i.name.clone(),
            acronym: i.acronym.clone(),
            role: i.role.clone(),
            website: i.website.clone(),
        })
        .collect();
    for chunk in inst_rows.chunks(50) {
        crate::batch_insert!(conn, inst::table, chunk)?;
    }
    let legal_rows: Vec<LegalRow> = doc
        .legal_framework
        .iter()
        .zip(1..)
        .map(|(l, position)| LegalRow {
            experience_id: id,
            position,
            title: l.title.clone(),
            kind: l.kind,
            number: l.number.clone(),
            year: l.year,
            url: l.url.clone(),
        })
        .collect();
    for chunk in legal_rows.chunks(50) {
        crate::batch_insert!(conn, legal::table, chunk)?;
    }
    let tag_rows: Vec<TagRow> = doc
        .tags
        .iter()
        .map(|t| TagRow {
            experience_id: id,
            tag: t.clone(),
        })
        .collect();
    if !tag_rows.is_empty() {
        crate::batch_insert!(conn, tags::table, &tag_rows)?;
    }
    Ok(())
}

/// The working documents of `rows`, assembled from their child rows in four queries.
pub fn working_documents(
    conn: &mut DbConn,
    rows: &[&ExperienceRow],
) -> QueryResult<HashMap<i64, Document>> {
    // Long: the working document of many experiences assembled from its four child tables in four
    // queries, each step short.
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut docs: HashMap<i64, Document> = rows
        .iter()
        .map(|r| {
            (
                r.id,
                Document {
                    snapshot_date: r.snapshot_date,
                    title: Default::default(),
                    introduction: Default::default(),
                    institutions: Vec::new(),
                    strategies: Default::default(),
                    legal_framework: Vec::new(),
                    tags: Vec::new(),
                },
            )
        })
        .collect();
    if ids.is_empty() {
        return Ok(docs);
    }
    for t in texts::table
        .filter(texts::experience_id.eq_any(&ids))
        .select(TextRow::as_select())
        .load(conn)?
    {
        let (Some(doc), Some(lang)) = (docs.get_mut(&t.experience_id), Lang::parse(&t.lang)) else {
            continue;
        };
        for (map, text) in [
            (&mut doc.title, t.title),
            (&mut doc.introduction, t.introduction),
            (&mut doc.strategies, t.strategies),
        ] {
            if !text.is_empty() {
                map.insert(lang, text);
            }
        }
    }
    for i in inst::table
        .filter(inst::experience_id.eq_any(&ids))
        .order((inst::experience_id, inst::position))
        .select(InstitutionRow::as_select())
        .load(conn)?
    {
        if let Some(doc) = docs.get_mut(&i.experience_id) {
            doc.institutions.push(Institution {
                name: i.name,
                acronym: i.acronym,
                role: i.role,
                website: i.website,
            });
        }
    }
    for l in legal::table
        .filter(legal::experience_id.eq_any(&ids))
        .order((legal::experience_id, legal::position))
        .select(LegalRow::as_select())
        .load(conn)?
    {
        if let Some(doc) = docs.get_mut(&l.experience_id) {
            doc.legal_framework.push(LegalInstrument {
                title: l.title,
                kind: l.kind,
                number: l.number,
                year: l.year,
                url: l.url,
            });
        }
    }
    for t in tags::table
        .filter(tags::experience_id.eq_any(&ids))
        .order((tags::experience_id, tags::tag))
        .select(TagRow::as_select())
        .load(conn)?
    {
        if let Some(doc) = docs.get_mut(&t.experience_id) {
            doc.tags.push(t.tag);
        }
    }
    Ok(docs)
}

pub fn insert_version(conn: &mut DbConn, row: &VersionRow) -> QueryResult<usize> {
    diesel::insert_into(experience_versions::table)
        .values(row)
        .execute(conn)
}

/// Freezes `doc` as version `version` of `id` and makes it what the public lists and searches.
pub fn publish(
    conn: &mut DbConn,
    id: i64,
    version: i32,
    doc: &Document,
    by: Option<i64>,
    at: NaiveDateTime,
) -> QueryResult<()> {
    let document = serde_json::to_string(doc)
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    insert_version(
        conn,
        &VersionRow {
            experience_id: id,
            version,
            snapshot_date: doc.snapshot_date,
            document,
            published_by: by,
            published_at: at,
        },
    )?;
    reindex(conn, id, Scope::Published, doc, at)
}

/// Every published version of `id`, oldest first.
pub fn versions(conn: &mut DbConn, id: i64) -> QueryResult<Vec<VersionRow>> {
    experience_versions::table
        .filter(experience_versions::experience_id.eq(id))
        .order(experience_versions::version.asc())
        .select(VersionRow::as_select())
        .load(conn)
}

pub fn version(conn: &mut DbConn, id: i64, n: i32) -> QueryResult<Option<VersionRow>> {
    experience_versions::table
        .find((id, n))
        .select(VersionRow::as_select())
        .first(conn)
        .optional()
}

/// The given `(experience, version)` snapshots, in one query.
pub fn versions_of(
    conn: &mut DbConn,
    pairs: &[(i64, i32)],
) -> QueryResult<HashMap<i64, VersionRow>> {
    if pairs.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<i64> = pairs.iter().map(|p| p.0).collect();
    let wanted: HashMap<i64, i32> = pairs.iter().copied().collect();
    Ok(experience_versions::table
        .filter(experience_versions::experience_id.eq_any(&ids))
        .select(VersionRow::as_select())
        .load(conn)?
        .into_iter()
        .filter(|v| wanted.get(&v.experience_id) == Some(&v.version))
        .map(|v| (v.experience_id, v))
        .collect())
}

/// Rewrites the search row of `id` in `scope` from `doc`.
pub fn reindex(
    conn: &mut DbConn,
    id: i64,
    scope: Scope,
    doc: &Document,
    updated_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::delete(
        experience_search::table
            .filter(experience_search::experience_id.eq(id))
            .filter(experience_search::scope.eq(scope)),
    )
    .execute(conn)?;
    let mut search = search_texts(doc);
    let (country, area): (String, String) = experiences::table
        .find(id)
        .select((experiences::country, experiences::thematic_area))
        .first(conn)?;
    let mut facets = vec![
        facet("scope", scope.as_str()),
        facet("area", &area),
        facet("country", &country),
    ];
    facets.extend(doc.languages().iter().map(|l| facet("lang", l.code())));
    facets.extend(doc.tags.iter().map(|t| facet("tag", t)));
    search.facets = facets.join(" ");
    let row = NewSearchRow {
        experience_id: id,
        scope,
        snapshot_date: doc.snapshot_date,
        updated_at,
        tags: format!(",{},", doc.tags.join(",")),
        languages: format!(
            ",{},",
            doc.languages()
                .iter()
                .map(|l| l.code())
                .collect::<Vec<_>>()
                .join(",")
        ),
    };
    let row_id: i64 = diesel::insert_into(experience_search::table)
        .values(&row)
        .returning(experience_search::id)
        .get_result(conn)?;
    search_index::index_experience_texts(conn, row_id, &search)
}

/// The texts of `doc` that the full-text search reads, by language where they have one.
pub fn search_texts(doc: &Document) -> SearchTexts {
    let mut search = SearchTexts::default();
    for (lang, title) in &doc.title {
        search.titles.push((*lang, title.clone()));
    }
    for lang in Lang::ALL {
        let body: Vec<&str> = [doc.introduction.get(&lang), doc.strategies.get(&lang)]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        if !body.is_empty() {
            search.bodies.push((lang, body.join("\n")));
        }
    }
    let mut neutral: Vec<&str> = Vec::new();
    for i in &doc.institutions {
        neutral.push(&i.name);
        neutral.extend(i.acronym.as_deref());
        neutral.extend(i.role.as_deref());
    }
    for l in &doc.legal_framework {
        neutral.push(&l.title);
        neutral.extend(l.number.as_deref());
    }
    neutral.extend(doc.tags.iter().map(String::as_str));
    search.neutral = neutral.join("\n");
    search
}

/// Each of these experiences' revision and update time, read now.
pub fn stamps(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, (i32, NaiveDateTime)>> {
    Ok(experiences::table
        .filter(experiences::id.eq_any(ids))
        .select((
            experiences::id,
            experiences::revision,
            experiences::updated_at,
        ))
        .load::<(i64, i32, NaiveDateTime)>(conn)?
        .into_iter()
        .map(|(id, revision, at)| (id, (revision, at)))
        .collect())
}
