//! Thematic area queries.

use std::collections::{BTreeMap, HashSet};

use diesel::prelude::*;

use super::data::AREAS;
use super::model::{AreaRow, AreaTextRow};
use crate::db::schema::{thematic_area_texts, thematic_areas};
use crate::db::DbConn;
use crate::http::lang::Lang;

/// An area with its name and description by language.
pub struct AreaRecord {
    pub row: AreaRow,
    pub names: BTreeMap<Lang, String>,
    pub descriptions: BTreeMap<Lang, String>,
}

/// Names and descriptions of one area, by language.
type Texts = (BTreeMap<Lang, String>, BTreeMap<Lang, String>);

fn with_texts(conn: &mut DbConn, rows: Vec<AreaRow>) -> QueryResult<Vec<AreaRecord>> {
    let slugs: Vec<&str> = rows.iter().map(|r| r.slug.as_str()).collect();
    let texts: Vec<AreaTextRow> = thematic_area_texts::table
        .filter(thematic_area_texts::area_slug.eq_any(&slugs))
        .select(AreaTextRow::as_select())
        .load(conn)?;
    let mut by_slug: BTreeMap<String, Texts> = BTreeMap::new();
    for t in texts {
        if let Some(lang) = Lang::parse(&t.lang) {
            let entry = by_slug.entry(t.area_slug).or_default();
            entry.0.insert(lang, t.name);
            entry.1.insert(lang, t.description);
        }
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let (names, descriptions) = by_slug.remove(&row.slug).unwrap_or_default();
            AreaRecord {
                row,
                names,
                descriptions,
            }
        })
        .collect())
}

/// Up to `limit + 1` areas after `(position, slug)` in display order: two queries.
pub fn list(
    conn: &mut DbConn,
    after: Option<&(i32, String)>,
    limit: i64,
) -> QueryResult<Vec<AreaRecord>> {
    let mut query = thematic_areas::table.into_boxed();
    if let Some((pos, slug)) = after {
        query = query.filter(
            thematic_areas::position
                .gt(*pos)
                .or(thematic_areas::position
                    .eq(*pos)
                    .and(thematic_areas::slug.gt(slug.clone()))),
        );
    }
    let rows = query
        .order((thematic_areas::position.asc(), thematic_areas::slug.asc()))
        .limit(limit + 1)
        .select(AreaRow::as_select())
        .load(conn)?;
    with_texts(conn, rows)
}

pub fn find(conn: &mut DbConn, slug: &str) -> QueryResult<Option<AreaRecord>> {
    let row = thematic_areas::table
        .filter(thematic_areas::slug.eq(slug.trim().to_ascii_lowercase()))
        .select(AreaRow::as_select())
        .first(conn)
        .optional()?;
    match row {
        Some(row) => Ok(with_texts(conn, vec![row])?.pop()),
        None => Ok(None),
    }
}

/// Inserts the areas and translations that are missing; never overwrites edits.
pub fn seed_reference(conn: &mut DbConn) -> QueryResult<usize> {
    let now = crate::time::now();
    let existing: HashSet<String> = thematic_areas::table
        .select(thematic_areas::slug)
        .load(conn)?
        .into_iter()
        .collect();
    let existing_texts: HashSet<(String, String)> = thematic_area_texts::table
        .select((thematic_area_texts::area_slug, thematic_area_texts::lang))
        .load(conn)?
        .into_iter()
        .collect();
    let mut added = 0;
    for (i, area) in AREAS.iter().enumerate() {
        if !existing.contains(area.slug) {
            diesel::insert_into(thematic_areas::table)
                .values(AreaRow {
                    slug: area.slug.into(),
                    position: i as i32 + 1,
                    created_at: now,
                    updated_at: now,
                })
                .execute(conn)?;
            added += 1;
        }
        for (lang, (name, description)) in Lang::ALL.iter().zip(area.texts) {
            if !existing_texts.contains(&(area.slug.to_owned(), lang.code().to_owned())) {
                diesel::insert_into(thematic_area_texts::table)
                    .values(AreaTextRow {
                        area_slug: area.slug.into(),
                        lang: lang.code().into(),
                        name: name.into(),
                        description: description.into(),
                    })
                    .execute(conn)?;
                added += 1;
            }
        }
    }
    Ok(added)
}

/// Sets the names and descriptions given, by language (a new language needs both).
pub fn set_texts(
    conn: &mut DbConn,
    slug: &str,
    names: &BTreeMap<Lang, String>,
    descriptions: &BTreeMap<Lang, String>,
) -> QueryResult<()> {
    let langs: std::collections::BTreeSet<Lang> =
        names.keys().chain(descriptions.keys()).copied().collect();
    for lang in langs {
        let target = thematic_area_texts::table
            .filter(thematic_area_texts::area_slug.eq(slug))
            .filter(thematic_area_texts::lang.eq(lang.code()));
        let exists: i64 = target.count().get_result(conn)?;
        if exists == 0 {
            diesel::insert_into(thematic_area_texts::table)
                .values(AreaTextRow {
                    area_slug: slug.into(),
                    lang: lang.code().into(),
                    name: names.get(&lang).cloned().unwrap_or_default(),
                    description: descriptions.get(&lang).cloned().unwrap_or_default(),
                })
                .execute(conn)?;
            continue;
        }
        if let Some(n) = names.get(&lang) {
            diesel::update(target)
                .set(thematic_area_texts::name.eq(n))
                .execute(conn)?;
        }
        if let Some(d) = descriptions.get(&lang) {
            diesel::update(target)
                .set(thematic_area_texts::description.eq(d))
                .execute(conn)?;
        }
    }
    Ok(())
}

pub fn insert(conn: &mut DbConn, slug: &str, position: i32) -> QueryResult<usize> {
    let now = crate::time::now();
    diesel::insert_into(thematic_areas::table)
        .values(AreaRow {
            slug: slug.into(),
            position,
            created_at: now,
            updated_at: now,
        })
        .execute(conn)
}

pub fn update(conn: &mut DbConn, slug: &str, position: Option<i32>) -> QueryResult<usize> {
    let target = thematic_areas::table.filter(thematic_areas::slug.eq(slug));
    diesel::update(target)
        .set(thematic_areas::updated_at.eq(crate::time::now()))
        .execute(conn)?;
    if let Some(p) = position {
        diesel::update(target)
            .set(thematic_areas::position.eq(p))
            .execute(conn)?;
    }
    Ok(1)
}

pub fn next_position(conn: &mut DbConn) -> QueryResult<i32> {
    let max: Option<i32> = thematic_areas::table
        .select(diesel::dsl::max(thematic_areas::position))
        .first(conn)?;
    Ok(max.unwrap_or(0).saturating_add(1))
}
