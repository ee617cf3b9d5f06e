//! What each export reads, batch by batch, and how it lays out its rows.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use serde_json::{json, Value};

use super::encode::{Batch, Cell, Source};
use crate::db::DbConn;
use crate::error::ApiResult;
use crate::experiences::rules::ExperienceStatus;
use crate::experiences::search::{self, ListSpec};
use crate::experiences::store::{self as experiences, Scope};
use crate::http::lang::{I18n, Lang, LangPref};
use crate::questionnaires::model::{Document, Kind};
use crate::responses::store::{self as responses, ResponseFilter, Visibility};
use crate::time::utc;

/// The text in `lang`, else the original language, else any.
pub fn text(texts: &I18n, lang: Lang, original: Lang) -> String {
    texts
        .get(&lang)
        .or_else(|| texts.get(&original))
        .or_else(|| texts.values().next())
        .cloned()
        .unwrap_or_default()
}

/// A translatable text as an export shows it: in one language (`text`), or with `lang=all`
/// every translation keyed by language (CSV spreads them over one column per language).
pub fn shown(texts: &I18n, pref: LangPref, original: Lang) -> Value {
    match pref {
        LangPref::One(lang) => Value::String(text(texts, lang, original)),
        LangPref::All => Value::Object(
            texts
                .iter()
                .map(|(l, t)| (l.code().to_owned(), Value::String(t.clone())))
                .collect(),
        ),
    }
}

pub(super) fn ts(t: Option<NaiveDateTime>) -> Value {
    t.map_or(Value::Null, |t| Value::String(stamp(t)))
}

/// A timestamp as the API shows it (RFC 3339, UTC, `Z`), as text.
fn stamp(t: NaiveDateTime) -> String {
    utc(t).to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// Rows aimed at per batch: enough to keep the database busy, few enough that a batch's
/// memory (rows read, values, encoded bytes) stays a few MiB.
const ROWS_PER_BATCH: usize = 4000;

/// Questionnaire versions kept at once by an answers export: responses come in id order, so
/// versions seldom alternate, and an export of many rounds must not keep all of them.
const VERSIONS_KEPT: usize = 8;

/// What the answers export needs of one question: its place, its kind, and for choice kinds
/// each option's label already as the export shows it.
struct Asked {
    section: String,
    position: usize,
    kind: Kind,
    labels: Vec<(String, Value)>,
}

/// One questionnaire version as the exports need it.
struct Version {
    number: i32,
    /// Question code → what the export shows of it: one lookup per answer.
    order: HashMap<String, Asked>,
}

/// Answers, one row per answer (long) or per response (wide).
pub struct Answers {
    pub filter: ResponseFilter,
    pub visibility: Visibility,
    pub lang: LangPref,
    /// Wide: the question codes, in the questionnaire's order.
    pub wide: Option<Vec<String>>,
    after: Option<i64>,
    done: bool,
    /// Questionnaire id → version, the most recently used last.
    versions: Vec<(i64, Version)>,
}

/// Where, in an attachment as the API shows it, the value of a file column is.
pub fn attachment_pointer(column: &str) -> &'static str {
    match column.rsplit('_').next() {
        Some("names") => "/file/name",
        Some("sizes") => "/file/size",
        Some("sha256") => "/file/sha256",
        _ => "/file/download",
    }
}

/// The file columns (names, sizes, SHA-256, download paths: each a list, in the order the
/// files were attached) of each response's questions: the answers' evidence.
type Evidence = HashMap<i64, HashMap<String, [Value; 4]>>;

fn evidence_of(conn: &mut DbConn, responses: &[i64]) -> ApiResult<Evidence> {
    let mut out: Evidence = HashMap::new();
    let all = crate::files::store::attachments_of(
        conn,
        crate::files::parents::ParentType::Answer,
        responses,
    )?;
    for (response, list) in all {
        for (a, f) in list {
            let cols = out
                .entry(response)
                .or_default()
                .entry(a.slot)
                .or_insert_with(|| std::array::from_fn(|_| Value::Array(Vec::new())));
            let values = [
                json!(f.name),
                json!(f.size),
                json!(f.sha256),
                json!(format!("/api/v1/files/{}", f.id)),
            ];
            for (col, v) in cols.iter_mut().zip(values) {
                if let Value::Array(items) = col {
                    items.push(v);
                }
            }
        }
    }
    Ok(out)
}

impl Answers {
    pub const LONG: [&'static str; 18] = [
        "round",
        "questionnaire",
        "questionnaire_version",
        "country",
        "response",
        "section",
        "question",
        "kind",
        "value",
        "value_label",
        "comment",
        "response_status",
        "submitted_at",
        "updated_at",
        "evidence_names",
        "evidence_sizes",
        "evidence_sha256",
        "evidence_paths",
    ];
    /// The columns that hold translatable text.
    pub const TRANSLATED: [&'static str; 1] = ["value_label"];
    pub const WIDE_LEAD: [&'static str; 8] = [
        "round",
        "questionnaire",
        "questionnaire_version",
        "country",
        "response",
        "response_status",
        "submitted_at",
        "updated_at",
    ];

    pub fn new(
        filter: ResponseFilter,
        visibility: Visibility,
        lang: LangPref,
        wide: Option<Vec<String>>,
    ) -> Answers {
        Answers {
            filter,
            visibility,
            lang,
            wide,
            after: None,
            done: false,
            versions: Vec::new(),
        }
    }

    /// Loads the versions of `ids` that are not kept, and keeps at most the last
    /// [`VERSIONS_KEPT`] used (and every one this batch needs).
    fn version(&mut self, conn: &mut DbConn, ids: &[i64]) -> ApiResult<()> {
        let mut missing: Vec<i64> = Vec::new();
        for id in ids {
            if let Some(at) = self.versions.iter().position(|(k, _)| k == id) {
                let used = self.versions.remove(at);
                self.versions.push(used);
            } else if !missing.contains(id) {
                missing.push(*id);
            }
        }
        if missing.is_empty() {
            return Ok(());
        }
        let lang = self.lang;
        for (id, row) in crate::questionnaires::store::find_many(conn, &missing)? {
            let doc: Document = row.doc()?;
            let original = Lang::parse(&row.language).unwrap_or(Lang::En);
            let order = doc
                .questions()
                .enumerate()
                .map(|(position, (s, q))| {
                    let labels = q
                        .options
                        .iter()
                        .map(|o| (o.value.clone(), shown(&o.label, lang, original)))
                        .collect();
                    let asked = Asked {
                        section: s.code.clone(),
                        position,
                        kind: q.kind,
                        labels,
                    };
                    (q.code.clone(), asked)
                })
                .collect();
            self.versions.push((
                id,
                Version {
                    number: row.version,
                    order,
                },
            ));
        }
        let needed: std::collections::HashSet<&i64> = ids.iter().collect();
        let keep = VERSIONS_KEPT.max(needed.len());
        if self.versions.len() > keep {
            self.versions.drain(..self.versions.len() - keep);
        }
        Ok(())
    }

    fn kept(&self, questionnaire: i64) -> Option<&Version> {
        self.versions
            .iter()
            .find(|(id, _)| *id == questionnaire)
            .map(|(_, v)| v)
    }
}

/// A stored answer value as the export shows it, and its label for choices.
fn value_of(raw: &str, asked: Option<&Asked>) -> ApiResult<(Value, Value)> {
    let value: Value = crate::db::stored_json("value of an answer", raw)?;
    let label = match asked {
        Some(a) if a.kind.is_choice() => {
            let pick = |code: &Value| {
                a.labels
                    .iter()
                    .find(|(v, _)| Some(v.as_str()) == code.as_str())
                    .map_or(Value::Null, |(_, label)| label.clone())
            };
            match &value {
                Value::Array(items) => Value::Array(items.iter().map(pick).collect()),
                one => pick(one),
            }
        }
        _ => Value::Null,
    };
    Ok((value, label))
}

impl Source for Answers {
    fn next_batch(&mut self, conn: &mut DbConn, out: &mut Batch) -> ApiResult<bool> {
        // Long: one batch of rows read, joined with its labels and written cell by cell in the
        // export's column order; the columns read best side by side.
        if self.done {
            return Ok(false);
        }
        // Responses per batch from the largest questionnaire seen so far (the first batch
        // learns it with one response).
        let per_batch = self
            .versions
            .iter()
            .map(|(_, v)| v.order.len())
            .max()
            .map_or(1, |q| (ROWS_PER_BATCH / q.max(1)).clamp(1, 25)) as i64;
        let mut rs = responses::list(conn, &self.filter, &self.visibility, self.after, per_batch)?;
        if rs.len() as i64 <= per_batch {
            self.done = true;
        }
        rs.truncate(per_batch as usize);
        let Some(last) = rs.last() else {
            return Ok(false);
        };
        self.after = Some(last.id);
        let qids: Vec<i64> = rs.iter().map(|r| r.questionnaire_id).collect();
        self.version(conn, &qids)?;
        let ids: Vec<i64> = rs.iter().map(|r| r.id).collect();
        let mut answers = responses::answers_of(conn, &ids)?;
        let evidence = match self.wide {
            Some(_) => HashMap::new(),
            None => evidence_of(conn, &ids)?,
        };
        let none: [Value; 4] = std::array::from_fn(|_| Value::Null);
        let since = self.filter.updated_since;
        // One row at a time, written out at once: a batch never holds its rows.
        let mut row: Vec<Value> = Vec::new();
        for r in &rs {
            let v = self.kept(r.questionnaire_id);
            let lead = |cols: &mut Vec<Value>| {
                cols.push(json!(r.round_id));
                cols.push(json!(r.questionnaire_id));
                cols.push(v.map_or(Value::Null, |v| json!(v.number)));
                cols.push(json!(r.country));
                cols.push(json!(r.id));
            };
            let mut list = answers.remove(&r.id).unwrap_or_default();
            list.retain(|a| since.is_none_or(|s| a.updated_at >= s));
            match &self.wide {
                Some(codes) => {
                    let by_code: HashMap<&str, &str> = list
                        .iter()
                        .map(|a| (a.question_code.as_str(), a.value.as_str()))
                        .collect();
                    row.clear();
                    lead(&mut row);
                    row.push(json!(r.status));
                    row.push(ts(r.submitted_at));
                    row.push(ts(Some(r.updated_at)));
                    for c in codes {
                        row.push(match by_code.get(c.as_str()) {
                            Some(raw) => crate::db::stored_json("value of an answer", raw)?,
                            None => Value::Null,
                        });
                    }
                    out.row(&row);
                }
                None => {
                    let number = v.map_or(Cell::Null, |v| Cell::Int(i64::from(v.number)));
                    let submitted = r.submitted_at.map(stamp);
                    let submitted = submitted.as_deref().map_or(Cell::Null, Cell::Text);
                    // One lookup per answer, then in the questionnaire's order.
                    let mut list: Vec<_> = list
                        .into_iter()
                        .map(|a| (v.and_then(|v| v.order.get(&a.question_code)), a))
                        .collect();
                    list.sort_by_key(|(asked, _)| asked.map_or(usize::MAX, |q| q.position));
                    // Answers saved together share their time: formatted once.
                    let mut updated: Option<(NaiveDateTime, String)> = None;
                    for (asked, a) in &list {
                        let (value, label) = value_of(&a.value, *asked)?;
                        let files = evidence
                            .get(&r.id)
                            .and_then(|q| q.get(a.question_code.as_str()))
                            .unwrap_or(&none);
                        if updated.as_ref().is_none_or(|(t, _)| *t != a.updated_at) {
                            updated = Some((a.updated_at, stamp(a.updated_at)));
                        }
                        out.cells(&[
                            Cell::Int(r.round_id),
                            Cell::Int(r.questionnaire_id),
                            number,
                            Cell::Text(&r.country),
                            Cell::Int(r.id),
                            asked.map_or(Cell::Null, |q| Cell::Text(&q.section)),
                            Cell::Text(&a.question_code),
                            asked.map_or(Cell::Null, |q| Cell::Text(q.kind.as_str())),
                            Cell::Value(&value),
                            Cell::Value(&label),
                            a.comment.as_deref().map_or(Cell::Null, Cell::Text),
                            Cell::Text(r.status.as_str()),
                            submitted,
                            updated.as_ref().map_or(Cell::Null, |(_, s)| Cell::Text(s)),
                            Cell::Value(&files[0]),
                            Cell::Value(&files[1]),
                            Cell::Value(&files[2]),
                            Cell::Value(&files[3]),
                        ]);
                    }
                }
            }
        }
        Ok(true)
    }
}

/// Experiences, one row per experience, sections as text and child rows flattened.
pub struct Experiences {
    pub spec: ListSpec,
    pub lang: LangPref,
    done: bool,
}

impl Experiences {
    pub const COLUMNS: [&'static str; 17] = [
        "id",
        "country",
        "thematic_area",
        "language",
        "status",
        "version",
        "snapshot_date",
        "title",
        "introduction",
        "institutions",
        "strategies",
        "legal_framework",
        "tags",
        "available_languages",
        "created_at",
        "updated_at",
        "published_at",
    ];

    /// The columns that hold translatable text.
    pub const TRANSLATED: [&'static str; 3] = ["title", "introduction", "strategies"];

    pub fn new(mut spec: ListSpec, lang: LangPref) -> Experiences {
        spec.limit = 200;
        Experiences {
            spec,
            lang,
            done: false,
        }
    }
}

impl Source for Experiences {
    fn next_batch(&mut self, conn: &mut DbConn, out: &mut Batch) -> ApiResult<bool> {
        // Long: one batch of rows read, joined with its labels and written cell by cell in the
        // export's column order; the columns read best side by side.
        if self.done {
            return Ok(false);
        }
        let mut hits = search::list(conn, &self.spec)?;
        if hits.len() as i64 <= self.spec.limit {
            self.done = true;
        }
        hits.truncate(self.spec.limit as usize);
        let Some(last) = hits.last() else {
            return Ok(false);
        };
        self.spec.after = Some(last.cursor(self.spec.sort));
        let ids: Vec<i64> = hits.iter().map(|h| h.id).collect();
        let rows = experiences::find_many(conn, &ids)?;
        let working = self.spec.scope == Scope::Working;
        let mut docs = HashMap::new();
        let mut published_at = HashMap::new();
        if working {
            let refs: Vec<_> = rows.values().collect();
            docs = experiences::working_documents(conn, &refs)?;
        } else {
            let pairs: Vec<(i64, i32)> = rows.values().map(|r| (r.id, r.version)).collect();
            for (id, v) in experiences::versions_of(conn, &pairs)? {
                if let Ok(doc) = serde_json::from_str(&v.document) {
                    docs.insert(id, doc);
                    published_at.insert(id, v.published_at);
                }
            }
        }
        for h in &hits {
            let (Some(row), Some(doc)) = (rows.get(&h.id), docs.get(&h.id)) else {
                continue;
            };
            let doc: &crate::experiences::rules::Document = doc;
            let original = Lang::parse(&row.language).unwrap_or(Lang::En);
            let status = if working || row.status == ExperienceStatus::Archived {
                row.status
            } else {
                ExperienceStatus::Published
            };
            let institutions: Vec<String> = doc
                .institutions
                .iter()
                .map(|i| {
                    [
                        Some(i.name.clone()),
                        i.acronym.as_ref().map(|a| format!("({a})")),
                        i.role.as_ref().map(|r| format!("— {r}")),
                        i.website.as_ref().map(|w| format!("<{w}>")),
                    ]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ")
                })
                .collect();
            let legal: Vec<String> = doc
                .legal_framework
                .iter()
                .map(|l| {
                    [
                        Some(format!("{}: {}", l.kind.as_str(), l.title)),
                        l.number.as_ref().map(|n| format!("No. {n}")),
                        l.year.map(|y| format!("({y})")),
                        l.url.as_ref().map(|u| format!("<{u}>")),
                    ]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ")
                })
                .collect();
            out.row(&[
                json!(row.id),
                json!(row.country),
                json!(row.thematic_area),
                json!(row.language),
                json!(status),
                json!(row.version),
                json!(doc.snapshot_date),
                shown(&doc.title, self.lang, original),
                shown(&doc.introduction, self.lang, original),
                json!(institutions),
                shown(&doc.strategies, self.lang, original),
                json!(legal),
                json!(doc.tags),
                json!(doc.languages()),
                ts(Some(row.created_at)),
                ts(if working {
                    Some(row.updated_at)
                } else {
                    published_at.get(&row.id).copied()
                }),
                ts(row.published_at),
            ]);
        }
        Ok(true)
    }
}

/// Rows computed up front (small exports: progress, dictionaries), sent as one batch.
pub struct Ready(pub Option<Vec<Vec<Value>>>);

impl Source for Ready {
    fn next_batch(&mut self, _conn: &mut DbConn, out: &mut Batch) -> ApiResult<bool> {
        let Some(rows) = self.0.take() else {
            return Ok(false);
        };
        for r in &rows {
            out.row(r);
        }
        Ok(true)
    }
}
