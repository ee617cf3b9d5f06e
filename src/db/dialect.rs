//! What differs between PostgreSQL and SQLite. This is the only module that looks at which
//! backend a connection is; everything else sees one behaviour.

use diesel_migrations::{EmbeddedMigrations, MigrationHarness};

use super::migrate::{POSTGRES, SQLITE};
use super::DbConn;

pub type MigrationError = Box<dyn std::error::Error + Send + Sync>;

/// Name of the connection's backend, for health answers and logs.
pub fn backend_name(conn: &DbConn) -> &'static str {
    match conn {
        DbConn::Pg(_) => "postgresql",
        DbConn::Sqlite(_) => "sqlite",
    }
}

/// The embedded migrations of the connection's backend.
/// Checks a pooled connection before it is handed out. A server connection can drop (a
/// restart, a proxy's idle timeout), so PostgreSQL's is asked; an open SQLite file cannot, and
/// asking it cost a statement parse on every request.
pub fn check_alive(conn: &mut DbConn) -> diesel::QueryResult<()> {
    use diesel::connection::SimpleConnection;
    match conn {
        DbConn::Pg(c) => c.batch_execute("SELECT 1"),
        DbConn::Sqlite(_) => Ok(()),
    }
}

pub fn migrations(conn: &DbConn) -> EmbeddedMigrations {
    match conn {
        DbConn::Pg(_) => POSTGRES,
        DbConn::Sqlite(_) => SQLITE,
    }
}

/// Applies every pending migration; returns the versions applied.
pub fn run_pending_migrations(conn: &mut DbConn) -> Result<Vec<String>, MigrationError> {
    let applied = match conn {
        DbConn::Pg(c) => c.run_pending_migrations(POSTGRES)?,
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE)?,
    };
    Ok(applied.iter().map(|v| v.to_string()).collect())
}

/// Reverts every applied migration (used by the round-trip test and `migrate --redo`).
pub fn revert_all_migrations(conn: &mut DbConn) -> Result<Vec<String>, MigrationError> {
    let reverted = match conn {
        DbConn::Pg(c) => c.revert_all_migrations(POSTGRES)?,
        DbConn::Sqlite(c) => c.revert_all_migrations(SQLITE)?,
    };
    Ok(reverted.iter().map(|v| v.to_string()).collect())
}

/// Reverts the last applied migration, keeping the data the others hold (used by the tests of
/// a migration's way down and up again over data).
pub fn revert_last_migration(conn: &mut DbConn) -> Result<String, MigrationError> {
    let reverted = match conn {
        DbConn::Pg(c) => c.revert_last_migration(POSTGRES)?,
        DbConn::Sqlite(c) => c.revert_last_migration(SQLITE)?,
    };
    Ok(reverted.to_string())
}

/// Multi-row `INSERT` of `rows` (a slice of `Insertable` structs) into `table`: the enum cannot
/// express it, each backend can. Keep `rows` under ~100 for SQLite's parameter limit.
#[macro_export]
macro_rules! batch_insert {
    ($conn:expr, $table:expr, $rows:expr) => {{
        use diesel::RunQueryDsl as _;
        match $conn {
            $crate::db::DbConn::Pg(c) => diesel::insert_into($table).values($rows).execute(c),
            $crate::db::DbConn::Sqlite(c) => diesel::insert_into($table).values($rows).execute(c),
        }
    }};
}

static SQLITE_WRITER: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A transaction that writes. On SQLite it takes the write lock at `BEGIN` (`IMMEDIATE`): a
/// deferred transaction that reads first cannot upgrade once another writer has committed, and
/// fails instead of waiting its turn. PostgreSQL locks rows as they are written.
pub fn write_transaction<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, Connection, TransactionManager};
    type Manager = <DbConn as Connection>::TransactionManager;
    // SQLite has one writer at a time. Waiting in its busy handler means sleeping with growing
    // back-off (long tails under load), so this process's writers queue on a mutex instead;
    // the busy timeout still covers other processes.
    let _turn = match conn {
        DbConn::Pg(_) => return conn.transaction(f),
        DbConn::Sqlite(c) => {
            let turn = SQLITE_WRITER
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
            turn
        }
    };
    match f(conn) {
        Ok(value) => match Manager::commit_transaction(conn) {
            Ok(()) => Ok(value),
            Err(e) => {
                let _ = Manager::rollback_transaction(conn);
                Err(e.into())
            }
        },
        Err(user_error) => match Manager::rollback_transaction(conn) {
            Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(user_error),
            Err(rollback_error) => Err(rollback_error.into()),
        },
    }
}

/// Inserts answers of one response, or overwrites the value, comment and author of those that exist
/// (`ON CONFLICT … DO UPDATE`): an update in place costs the database far less than a delete
/// and a new row.
pub fn upsert_answers(
    conn: &mut DbConn,
    rows: &[crate::responses::model::AnswerRow],
) -> diesel::QueryResult<usize> {
    use super::schema::answers::dsl as a;
    use diesel::{ExpressionMethods, RunQueryDsl};
    match conn {
        // Six arrays instead of six binds per row: PostgreSQL parses and binds one small
        // statement whatever the number of answers (a 300-answer save had 1,800 parameters).
        DbConn::Pg(c) => {
            use diesel::sql_types::{Array, BigInt, Nullable, Text, Timestamp};
            diesel::sql_query(
                "INSERT INTO answers (response_id, question_code, value, comment, updated_by, \
                 updated_at) SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], \
                 $4::text[], $5::bigint[], $6::timestamp[]) \
                 ON CONFLICT (response_id, question_code) DO UPDATE SET value = excluded.value, \
                 comment = excluded.comment, updated_by = excluded.updated_by, \
                 updated_at = excluded.updated_at",
            )
            .bind::<Array<BigInt>, _>(rows.iter().map(|r| r.response_id).collect::<Vec<_>>())
            .bind::<Array<Text>, _>(
                rows.iter()
                    .map(|r| r.question_code.as_str())
                    .collect::<Vec<_>>(),
            )
            .bind::<Array<Text>, _>(rows.iter().map(|r| r.value.as_str()).collect::<Vec<_>>())
            .bind::<Array<Nullable<Text>>, _>(
                rows.iter()
                    .map(|r| r.comment.as_deref())
                    .collect::<Vec<_>>(),
            )
            .bind::<Array<Nullable<BigInt>>, _>(
                rows.iter().map(|r| r.updated_by).collect::<Vec<_>>(),
            )
            .bind::<Array<Timestamp>, _>(rows.iter().map(|r| r.updated_at).collect::<Vec<_>>())
            .execute(c)
        }
        // SQLite cannot take a multi-row upsert with nullable columns through diesel; with one
        // writer at a time, replacing the rows in two statements is as safe and faster.
        DbConn::Sqlite(c) => {
            use diesel::QueryDsl;
            let response = rows.first().map(|r| r.response_id).unwrap_or_default();
            let codes: Vec<&str> = rows.iter().map(|r| r.question_code.as_str()).collect();
            diesel::delete(
                a::answers
                    .filter(a::response_id.eq(response))
                    .filter(a::question_code.eq_any(codes)),
            )
            .execute(c)?;
            diesel::insert_into(a::answers).values(rows).execute(c)
        }
    }
}

/// A value bound to a `?` of an [`Sql`] text.
#[derive(Debug, Clone)]
pub enum Bind {
    Text(String),
    BigInt(i64),
    Date(chrono::NaiveDate),
    Timestamp(chrono::NaiveDateTime),
    Double(f64),
}

/// A hand-built statement: text with `?` placeholders and their values in order. For the few
/// queries the query builder cannot express on both backends (ranked full-text search).
#[derive(Debug, Clone, Default)]
pub struct Sql {
    text: String,
    binds: Vec<Bind>,
}

impl Sql {
    pub fn new(text: &str) -> Sql {
        Sql {
            text: text.to_owned(),
            binds: Vec::new(),
        }
    }

    pub fn push(&mut self, text: &str) -> &mut Sql {
        self.text.push_str(text);
        self
    }

    /// Appends another statement piece, its binds after these.
    pub fn append(&mut self, other: Sql) -> &mut Sql {
        self.text.push_str(&other.text);
        self.binds.extend(other.binds);
        self
    }

    pub fn bind(&mut self, value: Bind) -> &mut Sql {
        self.text.push('?');
        self.binds.push(value);
        self
    }

    /// The text for PostgreSQL, whose placeholders are numbered (`$1`, `$2`…). Values never
    /// appear in the text, so every `?` is a placeholder.
    fn numbered(&self) -> String {
        let mut out = String::with_capacity(self.text.len() + 16);
        let mut n = 0;
        for ch in self.text.chars() {
            if ch == '?' {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            } else {
                out.push(ch);
            }
        }
        out
    }
}

macro_rules! bound_query {
    ($db:ty, $text:expr, $binds:expr) => {{
        use diesel::sql_types as st;
        let mut q = diesel::sql_query($text).into_boxed::<$db>();
        for b in $binds {
            q = match b.clone() {
                Bind::Text(v) => q.bind::<st::Text, _>(v),
                Bind::BigInt(v) => q.bind::<st::BigInt, _>(v),
                Bind::Date(v) => q.bind::<st::Date, _>(v),
                Bind::Timestamp(v) => q.bind::<st::Timestamp, _>(v),
                Bind::Double(v) => q.bind::<st::Double, _>(v),
            };
        }
        q
    }};
}

/// Runs a hand-built query on either backend.
pub fn load<R>(conn: &mut DbConn, sql: &Sql) -> diesel::QueryResult<Vec<R>>
where
    R: diesel::QueryableByName<diesel::pg::Pg>
        + diesel::QueryableByName<diesel::sqlite::Sqlite>
        + 'static,
{
    use diesel::RunQueryDsl;
    match conn {
        DbConn::Pg(c) => bound_query!(diesel::pg::Pg, sql.numbered(), &sql.binds).load(c),
        DbConn::Sqlite(c) => {
            bound_query!(diesel::sqlite::Sqlite, sql.text.clone(), &sql.binds).load(c)
        }
    }
}

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
    match (conn, q) {
        (_, None) => {
            sql.push(" FROM experience_search s");
            "CAST(0 AS DOUBLE PRECISION)"
        }
        (DbConn::Pg(_), Some(q)) => {
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
        (DbConn::Sqlite(_), Some(q)) => {
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
    match conn {
        DbConn::Pg(_) => "s.tsv @@ (tq.query && tq.facets)",
        DbConn::Sqlite(_) => "1 = 1",
    }
}

/// Texts of one experience for the search index, by language where they have one.
#[derive(Debug, Default)]
pub struct SearchTexts {
    pub titles: Vec<(crate::http::lang::Lang, String)>,
    pub bodies: Vec<(crate::http::lang::Lang, String)>,
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
    use diesel::RunQueryDsl;
    match conn {
        DbConn::Pg(c) => {
            let sql = tsvector_update(id, texts);
            bound_query!(diesel::pg::Pg, sql.numbered(), &sql.binds).execute(c)?;
        }
        DbConn::Sqlite(c) => {
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
            bound_query!(diesel::sqlite::Sqlite, sql.text.clone(), &sql.binds).execute(c)?;
        }
    }
    Ok(())
}

/// PostgreSQL's `tsvector` of the search row `id`: each text with its language's configuration,
/// titles weighing most.
fn tsvector_update(id: i64, texts: &SearchTexts) -> Sql {
    use crate::http::lang::Lang;
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
