//! The Guide's full-text index as each backend keeps it: PostgreSQL `tsvector` with a GIN
//! index, SQLite FTS5. The only SQL of the experience search that differs between them.

use crate::db::dialect::{self, Backend, Bind, Sql};
use crate::db::DbConn;
use crate::http::lang::Lang;

/// Words of a search as SQLite's FTS5 reads them: each one quoted, so that no character of
/// the user's text is taken for query syntax; all must match.
fn fts5_query(q: &str) -> String {
    q.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{w}\""))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether `q` holds anything to search for.
pub fn has_search_terms(q: &str) -> bool {
    q.chars().any(char::is_alphanumeric)
}

/// Starts the `FROM` clause of an experience list: the search rows `s`, restricted to those
/// matching `q` when there is one. Returns the expression of their rank, lower is better.
/// PostgreSQL matches the words stemmed in each language (accents folded by `unaccent`) through
/// the GIN index and ranks with `ts_rank`, titles first. SQLite matches FTS5 tokens with
/// diacritics removed and ranks with `bm25`, titles weighing ten times the rest; the full-text
/// table leads the join (`CROSS JOIN` fixes SQLite's order), so its match runs once rather than
/// once per row.
pub fn experience_search_from(
    conn: &DbConn,
    sql: &mut Sql,
    q: Option<&str>,
    facets: &[Vec<String>],
) -> &'static str {
    // Facet words are ASCII letters and digits (see `experiences::search::facet`): safe in both
    // query languages as they are.
    let all_of = |and: &str, or: &str| {
        facets
            .iter()
            .map(|any| format!("({})", any.join(or)))
            .collect::<Vec<_>>()
            .join(and)
    };
    match (dialect::backend(conn), q) {
        (_, None) => {
            sql.push(" FROM experience_search s");
            "CAST(0 AS DOUBLE PRECISION)"
        }
        (Backend::Postgres, Some(q)) => {
            sql.push(
                " FROM experience_search s CROSS JOIN (SELECT (websearch_to_tsquery('mecigep_en', x.q) \
                 || websearch_to_tsquery('mecigep_es', x.q) \
                 || websearch_to_tsquery('mecigep_fr', x.q) \
                 || websearch_to_tsquery('mecigep_pt', x.q) \
                 || websearch_to_tsquery('mecigep_simple', x.q)) AS query, \
                 to_tsquery('simple', x.f) AS facets FROM (SELECT CAST(",
            )
            .bind(Bind::Text(q.to_owned()))
            .push(" AS TEXT) AS q, CAST(")
            .bind(Bind::Text(all_of(" & ", " | ")))
            .push(" AS TEXT) AS f) x) tq");
            "CAST(-ts_rank(s.tsv, tq.query) AS DOUBLE PRECISION)"
        }
        (Backend::Sqlite, Some(q)) => {
            let mut query = format!("{{title_text body_text}} : ({})", fts5_query(q));
            if !facets.is_empty() {
                query.push_str(&format!(" AND facets : ({})", all_of(" AND ", " OR ")));
            }
            sql.push(
                " FROM experience_search_fts CROSS JOIN experience_search s \
                 ON s.id = experience_search_fts.rowid AND experience_search_fts MATCH ",
            )
            .bind(Bind::Text(query));
            "bm25(experience_search_fts, 10.0, 1.0, 0.0)"
        }
    }
}

/// The `WHERE` condition that goes with a search in [`experience_search_from`].
pub fn experience_text_condition(conn: &DbConn) -> &'static str {
    match dialect::backend(conn) {
        Backend::Postgres => "s.tsv @@ (tq.query && tq.facets)",
        Backend::Sqlite => "1 = 1",
    }
}

/// Texts of one experience for the search index, by language where they have one.
#[derive(Debug, Default)]
pub struct SearchTexts {
    pub titles: Vec<(Lang, String)>,
    pub bodies: Vec<(Lang, String)>,
    /// Names, acronyms, numbers, tags: words of no particular language.
    pub neutral: String,
    /// The row's facet words.
    pub facets: String,
}

/// Makes the search index match the row `id` of `experience_search`: PostgreSQL computes its
/// `tsvector` here, each text with its language's configuration; SQLite writes the plain texts
/// to `experience_search_texts` (under the same id), which its FTS5 table follows by triggers.
pub fn index_experience_texts(
    conn: &mut DbConn,
    id: i64,
    texts: &SearchTexts,
) -> diesel::QueryResult<()> {
    let sql = match dialect::backend(conn) {
        Backend::Postgres => tsvector_update(id, texts),
        Backend::Sqlite => {
            let title: Vec<&str> = texts.titles.iter().map(|t| t.1.as_str()).collect();
            let mut body: Vec<&str> = texts.bodies.iter().map(|b| b.1.as_str()).collect();
            body.push(&texts.neutral);
            let mut sql = Sql::new(
                "INSERT INTO experience_search_texts (search_id, title_text, body_text, facets) VALUES (",
            );
            sql.bind(Bind::BigInt(id))
                .push(", ")
                .bind(Bind::Text(title.join("\n")))
                .push(", ")
                .bind(Bind::Text(body.join("\n")))
                .push(", ")
                .bind(Bind::Text(texts.facets.clone()))
                .push(")");
            sql
        }
    };
    dialect::execute(conn, &sql)?;
    Ok(())
}

/// PostgreSQL's `tsvector` of the search row `id`: each text with its language's configuration,
/// titles weighing most.
fn tsvector_update(id: i64, texts: &SearchTexts) -> Sql {
    let config = |l: Lang| match l {
        Lang::En => "mecigep_en",
        Lang::Es => "mecigep_es",
        Lang::Fr => "mecigep_fr",
        Lang::Pt => "mecigep_pt",
    };
    let mut sql = Sql::new("UPDATE experience_search SET tsv = to_tsvector('simple', ");
    sql.bind(Bind::Text(texts.facets.clone()))
        .push(") || to_tsvector('mecigep_simple', ")
        .bind(Bind::Text(texts.neutral.clone()))
        .push(")");
    for (lang, title) in &texts.titles {
        sql.push(&format!(" || setweight(to_tsvector('{}', ", config(*lang)))
            .bind(Bind::Text(title.clone()))
            .push("), 'A')");
    }
    for (lang, body) in &texts.bodies {
        sql.push(&format!(" || to_tsvector('{}', ", config(*lang)))
            .bind(Bind::Text(body.clone()))
            .push(")");
    }
    sql.push(" WHERE id = ").bind(Bind::BigInt(id));
    sql
}
