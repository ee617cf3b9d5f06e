//! The list of experiences: filters, full-text search, sorts and keyset cursors in one query
//! over the search index, whatever the page size.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::sql_types::{BigInt, Date, Double, Text, Timestamp};
use diesel::QueryableByName;
use serde::{Deserialize, Serialize};

use super::rules::ExperienceStatus;
use super::search_index;
use super::store::Scope;
use crate::db::dialect::{self, Bind, Sql};
use crate::db::DbConn;
use crate::http::lang::Lang;

/// Orders of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[schema(as = ExperienceSort)]
pub enum Sort {
    #[serde(rename = "-snapshot_date")]
    SnapshotDesc,
    #[serde(rename = "country")]
    Country,
    #[serde(rename = "-updated_at")]
    UpdatedDesc,
    #[serde(rename = "relevance")]
    Relevance,
}

impl Sort {
    pub const NAMES: &'static str = "-snapshot_date, country, -updated_at, relevance";

    pub fn parse(s: &str) -> Option<Sort> {
        match s {
            "-snapshot_date" => Some(Sort::SnapshotDesc),
            "country" => Some(Sort::Country),
            "-updated_at" => Some(Sort::UpdatedDesc),
            "relevance" => Some(Sort::Relevance),
            _ => None,
        }
    }
}

/// Where a page ended: the sort key of its last row and its id.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListCursor {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub d: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub t: Option<NaiveDateTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub c: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub r: Option<f64>,
    pub i: i64,
}

/// What a list asks for, validated.
#[derive(Debug, Clone)]
pub struct ListSpec {
    pub scope: Scope,
    /// Statuses of the experience row to keep.
    pub statuses: Vec<ExperienceStatus>,
    /// Set for a focal point listing unpublished work: its own country only.
    pub only_country: Option<String>,
    pub countries: Vec<String>,
    pub areas: Vec<String>,
    pub subregion: Option<String>,
    pub tags: Vec<String>,
    pub language: Option<Lang>,
    pub snapshot_from: Option<NaiveDate>,
    pub snapshot_to: Option<NaiveDate>,
    pub updated_since: Option<NaiveDateTime>,
    pub q: Option<String>,
    pub sort: Sort,
    pub after: Option<ListCursor>,
    pub limit: i64,
}

/// One row of the list: the experience and the keys it sorts by.
#[derive(Debug, Clone, QueryableByName)]
pub struct Hit {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub country: String,
    #[diesel(sql_type = Date)]
    pub snapshot_date: NaiveDate,
    #[diesel(sql_type = Timestamp)]
    pub updated_at: NaiveDateTime,
    /// Lower is more relevant; 0 without `q`.
    #[diesel(sql_type = Double)]
    pub rank: f64,
}

impl Hit {
    pub fn cursor(&self, sort: Sort) -> ListCursor {
        let mut c = ListCursor {
            d: None,
            t: None,
            c: None,
            r: None,
            i: self.id,
        };
        match sort {
            Sort::SnapshotDesc => c.d = Some(self.snapshot_date),
            Sort::UpdatedDesc => c.t = Some(self.updated_at),
            Sort::Country => c.c = Some(self.country.clone()),
            Sort::Relevance => c.r = Some(self.rank),
        }
        c
    }
}

fn any_of(sql: &mut Sql, column: &str, values: &[String]) {
    if values.is_empty() {
        return;
    }
    sql.push(&format!(" AND {column} IN ("));
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.bind(Bind::Text(v.clone()));
    }
    sql.push(")");
}

/// Whether a cursor fits the sort (a cursor of another sort is refused, not misread).
pub fn cursor_fits(c: &ListCursor, sort: Sort) -> bool {
    match sort {
        Sort::SnapshotDesc => c.d.is_some(),
        Sort::UpdatedDesc => c.t.is_some(),
        Sort::Country => c.c.is_some(),
        Sort::Relevance => c.r.is_some(),
    }
}

/// A word that stands for a filter value in the search index: `kind` and `value` as ASCII
/// letters and digits only, so that no tokenizer splits it.
pub fn facet(kind: &str, value: &str) -> String {
    let mut out = format!("x{kind}");
    out.extend(
        value
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase()),
    );
    out
}

/// The filters fixed per search row, as facet words: all of the groups, any word of each.
fn facets(spec: &ListSpec) -> Vec<Vec<String>> {
    let mut all = vec![vec![facet("scope", spec.scope.as_str())]];
    for (kind, values) in [
        ("area", &spec.areas),
        ("country", &spec.countries),
        ("tag", &spec.tags),
    ] {
        if !values.is_empty() {
            all.push(values.iter().map(|v| facet(kind, v)).collect());
        }
    }
    if let Some(l) = spec.language {
        all.push(vec![facet("lang", l.code())]);
    }
    all
}

/// Up to `limit + 1` hits in the list's order.
pub fn list(conn: &mut DbConn, spec: &ListSpec) -> diesel::QueryResult<Vec<Hit>> {
    // Long: one SQL statement assembled clause by clause (search, filters, cursor, order) so that
    // the database runs one query per page.
    let mut sql = Sql::new("SELECT id, country, snapshot_date, updated_at, rank FROM (SELECT e.id AS id, e.country AS country, s.snapshot_date AS snapshot_date, s.updated_at AS updated_at, ");
    let q = spec
        .q
        .as_deref()
        .filter(|q| search_index::has_search_terms(q));
    let mut from = Sql::default();
    let rank = search_index::experience_search_from(conn, &mut from, q, &facets(spec));
    from.push(
        " JOIN experiences e ON e.id = s.experience_id JOIN countries c ON c.code = e.country",
    );
    sql.push(rank);
    sql.push(" AS rank");
    sql.append(from);
    sql.push(" WHERE s.scope = ")
        .bind(Bind::Text(spec.scope.as_str().into()));
    if q.is_some() {
        sql.push(" AND ")
            .push(search_index::experience_text_condition(conn));
    }
    let statuses: Vec<String> = spec.statuses.iter().map(|s| s.as_str().into()).collect();
    any_of(&mut sql, "e.status", &statuses);
    if let Some(own) = &spec.only_country {
        sql.push(" AND e.country = ").bind(Bind::Text(own.clone()));
    }
    any_of(&mut sql, "e.country", &spec.countries);
    any_of(&mut sql, "e.thematic_area", &spec.areas);
    if let Some(s) = &spec.subregion {
        sql.push(" AND c.subregion = ").bind(Bind::Text(s.clone()));
    }
    if !spec.tags.is_empty() {
        sql.push(" AND (");
        for (i, t) in spec.tags.iter().enumerate() {
            if i > 0 {
                sql.push(" OR ");
            }
            sql.push("s.tags LIKE ")
                .bind(Bind::Text(format!("%,{t},%")));
        }
        sql.push(")");
    }
    if let Some(l) = spec.language {
        sql.push(" AND s.languages LIKE ")
            .bind(Bind::Text(format!("%,{},%", l.code())));
    }
    if let Some(d) = spec.snapshot_from {
        sql.push(" AND s.snapshot_date >= ").bind(Bind::Date(d));
    }
    if let Some(d) = spec.snapshot_to {
        sql.push(" AND s.snapshot_date <= ").bind(Bind::Date(d));
    }
    if let Some(t) = spec.updated_since {
        sql.push(" AND s.updated_at >= ").bind(Bind::Timestamp(t));
    }
    sql.push(") hits");
    let (column, descending) = match spec.sort {
        Sort::SnapshotDesc => ("snapshot_date", true),
        Sort::UpdatedDesc => ("updated_at", true),
        Sort::Country => ("country", false),
        Sort::Relevance => ("rank", false),
    };
    if let Some(after) = &spec.after {
        let key = match spec.sort {
            Sort::SnapshotDesc => after.d.map(Bind::Date),
            Sort::UpdatedDesc => after.t.map(Bind::Timestamp),
            Sort::Country => after.c.clone().map(Bind::Text),
            Sort::Relevance => after.r.map(Bind::Double),
        };
        if let Some(key) = key {
            let op = if descending { "<" } else { ">" };
            sql.push(&format!(" WHERE ({column} {op} "))
                .bind(key.clone())
                .push(&format!(" OR ({column} = "))
                .bind(key)
                .push(&format!(" AND id {op} "))
                .bind(Bind::BigInt(after.i))
                .push("))");
        }
    }
    let dir = if descending { "DESC" } else { "ASC" };
    sql.push(&format!(" ORDER BY {column} {dir}, id {dir} LIMIT "))
        .bind(Bind::BigInt(spec.limit + 1));
    dialect::load(conn, &sql)
}
