//! Full text of needs and offers as each backend keeps it (PostgreSQL `tsvector` with a GIN
//! index, SQLite FTS5), and the searches the board and the suggestions run on it and on the
//! Guide's published experiences. The only SQL of the cooperation cycle that differs between
//! the backends.

use diesel::sql_types::{BigInt, Double};
use diesel::QueryableByName;

use crate::db::dialect::{self, Backend, Bind, Sql};
use crate::db::DbConn;
use crate::http::lang::{I18n, Lang};

/// What a search row holds: a need or an offer (row id = 2 × id, + 1 for offers, in
/// `cooperation_search`), or a library document (its id, in `document_search`: the text of its
/// published version).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Indexed {
    Need,
    Offer,
    Document,
}

impl Indexed {
    fn row_id(self, id: i64) -> i64 {
        match self {
            Indexed::Need => id * 2,
            Indexed::Offer => id * 2 + 1,
            Indexed::Document => id,
        }
    }

    /// PostgreSQL's table, then SQLite's.
    fn tables(self) -> (&'static str, &'static str) {
        match self {
            Indexed::Need | Indexed::Offer => ("cooperation_search", "cooperation_search_fts"),
            Indexed::Document => ("document_search", "document_search_fts"),
        }
    }

    /// The id of what a row holds, from its row id `column`, and the condition that keeps
    /// only rows of this kind.
    fn id_and_kind(self, column: &str) -> (String, Option<i64>) {
        match self {
            Indexed::Need => (format!("{column} / 2"), Some(0)),
            Indexed::Offer => (format!("{column} / 2"), Some(1)),
            Indexed::Document => (column.to_owned(), None),
        }
    }
}

/// Removes the search row of one need, offer or document.
pub fn unindex(conn: &mut DbConn, what: Indexed, id: i64) -> diesel::QueryResult<()> {
    let (pg, fts) = what.tables();
    let mut del = match dialect::backend(conn) {
        Backend::Postgres => Sql::new(&format!("DELETE FROM {pg} WHERE id = ")),
        Backend::Sqlite => Sql::new(&format!("DELETE FROM {fts} WHERE rowid = ")),
    };
    del.bind(Bind::BigInt(what.row_id(id)));
    dialect::execute(conn, &del).map(|_| ())
}

fn config(l: Lang) -> &'static str {
    match l {
        Lang::En => "mecigep_en",
        Lang::Es => "mecigep_es",
        Lang::Fr => "mecigep_fr",
        Lang::Pt => "mecigep_pt",
    }
}

/// Rewrites the search row of one need, offer or document from its title and description.
pub fn index(
    conn: &mut DbConn,
    what: Indexed,
    id: i64,
    title: &I18n,
    description: &I18n,
) -> diesel::QueryResult<()> {
    let row = what.row_id(id);
    let (pg, fts) = what.tables();
    unindex(conn, what, id)?;
    match dialect::backend(conn) {
        Backend::Postgres => {
            let mut sql = Sql::new(&format!("INSERT INTO {pg} (id, tsv) VALUES ("));
            sql.bind(Bind::BigInt(row))
                .push(", to_tsvector('mecigep_simple', ")
                .bind(Bind::Text(String::new()))
                .push(")");
            for (lang, t) in title {
                sql.push(&format!(" || setweight(to_tsvector('{}', ", config(*lang)))
                    .bind(Bind::Text(t.clone()))
                    .push("), 'A')");
            }
            for (lang, t) in description {
                sql.push(&format!(" || to_tsvector('{}', ", config(*lang)))
                    .bind(Bind::Text(t.clone()))
                    .push(")");
            }
            sql.push(")");
            dialect::execute(conn, &sql)?;
        }
        Backend::Sqlite => {
            let join = |t: &I18n| t.values().cloned().collect::<Vec<_>>().join("\n");
            let mut sql = Sql::new(&format!(
                "INSERT INTO {fts} (rowid, title_text, body_text) VALUES ("
            ));
            sql.bind(Bind::BigInt(row))
                .push(", ")
                .bind(Bind::Text(join(title)))
                .push(", ")
                .bind(Bind::Text(join(description)))
                .push(")");
            dialect::execute(conn, &sql)?;
        }
    }
    Ok(())
}

/// The words of a user's search, each quoted for FTS5 so that none is read as syntax.
fn fts5_words(words: &[String], op: &str) -> String {
    words
        .iter()
        .map(|w| format!("\"{}\"", w.replace('"', "")))
        .collect::<Vec<_>>()
        .join(op)
}

/// The words of `q`: letters and digits only.
pub fn query_words(q: &str) -> Vec<String> {
    q.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// PostgreSQL's query of `text` (websearch syntax) stemmed in each language, any of them.
fn pg_query(sql: &mut Sql, text: String) {
    sql.push("(");
    for (i, l) in [Lang::En, Lang::Es, Lang::Fr, Lang::Pt]
        .into_iter()
        .enumerate()
    {
        if i > 0 {
            sql.push(" || ");
        }
        sql.push(&format!("websearch_to_tsquery('{}', ", config(l)))
            .bind(Bind::Text(text.clone()))
            .push(")");
    }
    sql.push(" || websearch_to_tsquery('mecigep_simple', ")
        .bind(Bind::Text(text))
        .push("))");
}

#[derive(QueryableByName)]
struct Hit {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Double)]
    rank: f64,
}

/// Ids of the needs or offers whose texts hold every word of `q`.
pub fn matching(conn: &mut DbConn, what: Indexed, q: &str) -> diesel::QueryResult<Vec<i64>> {
    let words = query_words(q);
    if words.is_empty() {
        return Ok(Vec::new());
    }
    ranked(conn, what, &words, " ", " AND ")
}

/// Needs or offers whose texts share any of `words`, with the engine's relevance (higher is
/// closer).
pub fn similar(
    conn: &mut DbConn,
    what: Indexed,
    words: &[String],
) -> diesel::QueryResult<Vec<(i64, f64)>> {
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let hits = ranked_hits(conn, what, words, " or ", " OR ")?;
    Ok(hits.into_iter().map(|h| (h.id, h.rank)).collect())
}

fn ranked(
    conn: &mut DbConn,
    what: Indexed,
    words: &[String],
    pg_op: &str,
    fts_op: &str,
) -> diesel::QueryResult<Vec<i64>> {
    Ok(ranked_hits(conn, what, words, pg_op, fts_op)?
        .into_iter()
        .map(|h| h.id)
        .collect())
}

fn ranked_hits(
    conn: &mut DbConn,
    what: Indexed,
    words: &[String],
    pg_op: &str,
    fts_op: &str,
) -> diesel::QueryResult<Vec<Hit>> {
    let mut sql;
    let (pg, fts) = what.tables();
    match dialect::backend(conn) {
        Backend::Postgres => {
            let (id, kind) = what.id_and_kind("s.id");
            sql = Sql::new(&format!("SELECT {id} AS id, CAST(ts_rank(s.tsv, x.query) AS DOUBLE PRECISION) AS rank FROM {pg} s CROSS JOIN (SELECT "));
            pg_query(&mut sql, words.join(pg_op));
            sql.push(" AS query) x WHERE s.tsv @@ x.query");
            if let Some(r) = kind {
                sql.push(" AND s.id % 2 = ").bind(Bind::BigInt(r));
            }
        }
        Backend::Sqlite => {
            let (id, kind) = what.id_and_kind("rowid");
            sql = Sql::new(&format!("SELECT {id} AS id, CAST(-bm25({fts}, 10.0, 1.0) AS DOUBLE PRECISION) AS rank FROM {fts} WHERE {fts} MATCH "));
            sql.bind(Bind::Text(fts5_words(words, fts_op)));
            if let Some(r) = kind {
                sql.push(" AND rowid % 2 = ").bind(Bind::BigInt(r));
            }
        }
    }
    dialect::load::<Hit>(conn, &sql)
}

/// Published Guide experiences of countries other than `country` whose texts share any of
/// `words`, with the engine's relevance (higher is closer).
pub fn similar_experiences(
    conn: &mut DbConn,
    country: &str,
    words: &[String],
) -> diesel::QueryResult<Vec<(i64, f64)>> {
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql;
    match dialect::backend(conn) {
        Backend::Postgres => {
            sql = Sql::new("SELECT s.experience_id AS id, CAST(ts_rank(s.tsv, x.query) AS DOUBLE PRECISION) AS rank FROM experience_search s JOIN experiences e ON e.id = s.experience_id CROSS JOIN (SELECT ");
            pg_query(&mut sql, words.join(" or "));
            sql.push(
                " AS query) x WHERE s.scope = 'published' AND s.tsv @@ x.query AND e.country <> ",
            )
            .bind(Bind::Text(country.to_owned()));
        }
        Backend::Sqlite => {
            sql = Sql::new("SELECT s.experience_id AS id, CAST(-bm25(experience_search_fts, 10.0, 1.0, 0.0) AS DOUBLE PRECISION) AS rank FROM experience_search_fts CROSS JOIN experience_search s ON s.id = experience_search_fts.rowid JOIN experiences e ON e.id = s.experience_id WHERE experience_search_fts MATCH ");
            sql.bind(Bind::Text(format!(
                "{{title_text body_text}} : ({})",
                fts5_words(words, " OR ")
            )))
            .push(" AND s.scope = 'published' AND e.country <> ")
            .bind(Bind::Text(country.to_owned()));
        }
    }
    Ok(dialect::load::<Hit>(conn, &sql)?
        .into_iter()
        .map(|h| (h.id, h.rank))
        .collect())
}

/// Published experiences of countries other than `country` in `area`.
pub fn published_in_area(
    conn: &mut DbConn,
    country: &str,
    area: &str,
) -> diesel::QueryResult<Vec<i64>> {
    let mut sql = Sql::new("SELECT s.experience_id AS id, CAST(0 AS DOUBLE PRECISION) AS rank FROM experience_search s JOIN experiences e ON e.id = s.experience_id WHERE s.scope = 'published' AND e.thematic_area = ");
    sql.bind(Bind::Text(area.to_owned()))
        .push(" AND e.country <> ")
        .bind(Bind::Text(country.to_owned()))
        .push(" ORDER BY s.experience_id LIMIT 500");
    Ok(dialect::load::<Hit>(conn, &sql)?
        .into_iter()
        .map(|h| h.id)
        .collect())
}
