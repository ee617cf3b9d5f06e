//! Country queries.

use std::collections::{BTreeMap, HashSet};

use diesel::prelude::*;

use super::data::COUNTRIES;
use super::model::{CountryNameRow, CountryRow, Membership, Subregion};
use crate::db::schema::{countries, country_names};
use crate::db::DbConn;
use crate::http::lang::Lang;

/// A country with its names by language.
pub struct CountryRecord {
    pub row: CountryRow,
    pub names: BTreeMap<Lang, String>,
}

#[derive(Debug, Default, Clone)]
pub struct CountryFilter {
    pub subregion: Option<Subregion>,
    pub membership: Option<Membership>,
}

fn with_names(conn: &mut DbConn, rows: Vec<CountryRow>) -> QueryResult<Vec<CountryRecord>> {
    let codes: Vec<&str> = rows.iter().map(|r| r.code.as_str()).collect();
    let names: Vec<CountryNameRow> = country_names::table
        .filter(country_names::country_code.eq_any(&codes))
        .select(CountryNameRow::as_select())
        .load(conn)?;
    let mut by_code: BTreeMap<String, BTreeMap<Lang, String>> = BTreeMap::new();
    for n in names {
        if let Some(lang) = Lang::parse(&n.lang) {
            by_code
                .entry(n.country_code)
                .or_default()
                .insert(lang, n.name);
        }
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let names = by_code.remove(&row.code).unwrap_or_default();
            CountryRecord { row, names }
        })
        .collect())
}

/// Up to `limit + 1` countries after `after` in code order: two queries whatever the size.
pub fn list(
    conn: &mut DbConn,
    filter: &CountryFilter,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<CountryRecord>> {
    let mut query = countries::table.into_boxed();
    if let Some(s) = filter.subregion {
        query = query.filter(countries::subregion.eq(s));
    }
    if let Some(m) = filter.membership {
        query = query.filter(countries::membership.eq(m));
    }
    if let Some(code) = after {
        query = query.filter(countries::code.gt(code.to_owned()));
    }
    let rows = query
        .order(countries::code.asc())
        .limit(limit + 1)
        .select(CountryRow::as_select())
        .load(conn)?;
    with_names(conn, rows)
}

/// A country by alpha-3 or alpha-2 code, any case.
/// Every country's subregion, by code.
pub fn subregions(conn: &mut DbConn) -> QueryResult<std::collections::HashMap<String, Subregion>> {
    Ok(countries::table
        .select((countries::code, countries::subregion))
        .load::<(String, Subregion)>(conn)?
        .into_iter()
        .collect())
}

pub fn find(conn: &mut DbConn, code: &str) -> QueryResult<Option<CountryRecord>> {
    let code = code.trim().to_ascii_uppercase();
    let query = countries::table.select(CountryRow::as_select());
    let row = match code.len() {
        3 => query
            .filter(countries::code.eq(&code))
            .first(conn)
            .optional()?,
        2 => query
            .filter(countries::alpha2.eq(&code))
            .first(conn)
            .optional()?,
        _ => None,
    };
    match row {
        Some(row) => Ok(with_names(conn, vec![row])?.pop()),
        None => Ok(None),
    }
}

/// Inserts the member states and names that are missing; never touches existing rows, so
/// edits made through the API survive restarts. Returns how many rows were added.
pub fn seed_reference(conn: &mut DbConn) -> QueryResult<usize> {
    let now = crate::time::now();
    let existing: HashSet<String> = countries::table
        .select(countries::code)
        .load(conn)?
        .into_iter()
        .collect();
    let existing_names: HashSet<(String, String)> = country_names::table
        .select((country_names::country_code, country_names::lang))
        .load(conn)?
        .into_iter()
        .collect();
    let mut added = 0;
    for c in COUNTRIES.iter() {
        if !existing.contains(c.code) {
            diesel::insert_into(countries::table)
                .values(CountryRow {
                    code: c.code.into(),
                    alpha2: c.alpha2.into(),
                    subregion: c.subregion,
                    membership: c.membership,
                    created_at: now,
                    updated_at: now,
                })
                .execute(conn)?;
            added += 1;
        }
        for (lang, name) in Lang::ALL.iter().zip(c.names) {
            if !existing_names.contains(&(c.code.to_owned(), lang.code().to_owned())) {
                diesel::insert_into(country_names::table)
                    .values(CountryNameRow {
                        country_code: c.code.into(),
                        lang: lang.code().into(),
                        name: name.into(),
                    })
                    .execute(conn)?;
                added += 1;
            }
        }
    }
    Ok(added)
}

/// Sets the translations given (adds missing languages, replaces present ones).
pub fn set_names(conn: &mut DbConn, code: &str, names: &BTreeMap<Lang, String>) -> QueryResult<()> {
    for (lang, name) in names {
        let n = diesel::update(
            country_names::table
                .filter(country_names::country_code.eq(code))
                .filter(country_names::lang.eq(lang.code())),
        )
        .set(country_names::name.eq(name))
        .execute(conn)?;
        if n == 0 {
            diesel::insert_into(country_names::table)
                .values(CountryNameRow {
                    country_code: code.into(),
                    lang: lang.code().into(),
                    name: name.clone(),
                })
                .execute(conn)?;
        }
    }
    Ok(())
}

/// Changes a country's subregion or membership; always touches `updated_at`.
pub fn update(
    conn: &mut DbConn,
    code: &str,
    subregion: Option<Subregion>,
    membership: Option<Membership>,
) -> QueryResult<usize> {
    let now = crate::time::now();
    let target = countries::table.filter(countries::code.eq(code));
    diesel::update(target)
        .set(countries::updated_at.eq(now))
        .execute(conn)?;
    if let Some(s) = subregion {
        diesel::update(target)
            .set(countries::subregion.eq(s))
            .execute(conn)?;
    }
    if let Some(m) = membership {
        diesel::update(target)
            .set(countries::membership.eq(m))
            .execute(conn)?;
    }
    Ok(1)
}
