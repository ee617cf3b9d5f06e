//! The published Guide's full-text index, kept and ranked in each server process (tantivy, in
//! memory), so that a public or signed-in search of the published Guide costs no ranking in the
//! database.
//!
//! A search in the database ranked every match of its words: with real word frequencies a
//! common word matches most of the Guide, and one search took tens to hundreds of milliseconds
//! of database time. Here a search is a few index lookups and a top-k ranking in memory.
//!
//! The index follows the database through the Guide's generation, the number triggers bump with
//! any change the public Guide shows: a search first learns the generation as the kept pages do
//! ([`crate::cache::GuideCache`]: at once after a write through this process, within
//! `MECIGEP_GUIDE_CACHE_RECHECK_MS` for another instance's), and when the index is older it
//! compares what each indexed row was built from (its [`Stamp`]) with the database and indexes
//! again only what changed. One request brings the index up to date and the others wait for it,
//! so no answer is older than the generation it was asked under; starting empty, the first
//! search indexes the whole published Guide.
//!
//! Words are matched as the database matched them: split on anything not a letter or digit,
//! lower-cased, accents removed, then stemmed with the Snowball stemmer of the text's language
//! (names, acronyms, numbers and tags without stemming), on both backends. Ranking is BM25 with
//! titles weighing ten times the rest; every word must match.

use std::collections::HashMap;
use std::ops::Bound;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use diesel::prelude::*;
use tantivy::collector::TopDocs;
use tantivy::indexer::NoMergePolicy;
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, Occur, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, STRING,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    TextAnalyzer,
};
use tantivy::{DocId, Index, IndexReader, IndexWriter, ReloadPolicy, Score, SegmentReader};
use tantivy::{TantivyDocument, Term};

use super::api::View;
use super::index_order::{country_key, cursor_key, days, micros, page_size, Key, Row};
use super::index_snapshot::{facets_of, Snapshot, Stamp, StampRow};
use super::index_words::{self, DocFacts, Names};
use super::list::Brief;
use super::rules::Document;
use super::search::{Hit, ListSpec};
use super::search_index::has_search_terms;
use super::shown::current_versions;
use super::store::{self, Scope};
use crate::db::schema::{countries, experience_search, experiences};
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};
use crate::http::lang::Lang;
use crate::state::AppState;

/// A page's hits in order, each with what the list shows of it.
pub(super) type Found = Vec<(Hit, Arc<Brief>)>;

/// Titles weigh this many times the other texts, as they did in the database's ranking.
const TITLE_WEIGHT: Score = 10.0;

/// Segments the index may have before the small ones are merged.
const MAX_SEGMENTS: usize = 8;

/// Versions read from the database per statement while indexing.
const BATCH: usize = 500;

struct Fields {
    id: Field,
    status: Field,
    country: Field,
    area: Field,
    subregion: Field,
    tag: Field,
    lang: Field,
    snapshot: Field,
    updated: Field,
    /// The country code as a number that sorts as the code does ([`country_key`]).
    country_key: Field,
    /// Texts by language, in [`Lang::ALL`]'s order.
    title: [Field; 4],
    body: [Field; 4],
    /// Names, acronyms, numbers and tags: no stemming.
    neutral: Field,
}

/// The analyzer names, registered with the index.
fn analyzer_name(lang: Option<Lang>) -> &'static str {
    match lang {
        Some(Lang::En) => "mecigep_en",
        Some(Lang::Es) => "mecigep_es",
        Some(Lang::Fr) => "mecigep_fr",
        Some(Lang::Pt) => "mecigep_pt",
        None => "mecigep_simple",
    }
}

fn analyzer(lang: Option<Lang>) -> TextAnalyzer {
    let base = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(64))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter);
    let stem = match lang {
        Some(Lang::En) => Language::English,
        Some(Lang::Es) => Language::Spanish,
        Some(Lang::Fr) => Language::French,
        Some(Lang::Pt) => Language::Portuguese,
        None => return base.build(),
    };
    base.filter(Stemmer::new(stem)).build()
}

fn lang_index(lang: Lang) -> usize {
    Lang::ALL.iter().position(|l| *l == lang).unwrap_or(0)
}

struct Engine {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter<TantivyDocument>>,
    fields: Fields,
    /// What searches read, replaced whole after each indexing.
    current: RwLock<Arc<Snapshot>>,
}

impl Engine {
    fn new() -> tantivy::Result<Engine> {
        let mut schema = Schema::builder();
        let number = NumericOptions::default().set_indexed().set_fast();
        let text = |lang: Option<Lang>| {
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(analyzer_name(lang))
                    .set_index_option(IndexRecordOption::WithFreqs),
            )
        };
        let fields = Fields {
            id: schema.add_i64_field("id", number.clone()),
            status: schema.add_text_field("status", STRING),
            country: schema.add_text_field("country", STRING),
            area: schema.add_text_field("area", STRING),
            subregion: schema.add_text_field("subregion", STRING),
            tag: schema.add_text_field("tag", STRING),
            lang: schema.add_text_field("lang", STRING),
            snapshot: schema.add_i64_field("snapshot", number.clone()),
            updated: schema.add_i64_field("updated", number),
            country_key: schema.add_u64_field("country_key", NumericOptions::default().set_fast()),
            title: Lang::ALL
                .map(|l| schema.add_text_field(&format!("title_{}", l.code()), text(Some(l)))),
            body: Lang::ALL
                .map(|l| schema.add_text_field(&format!("body_{}", l.code()), text(Some(l)))),
            neutral: schema.add_text_field("neutral", text(None)),
        };
        let index = Index::create_in_ram(schema.build());
        for lang in Lang::ALL.map(Some).into_iter().chain([None]) {
            index
                .tokenizers()
                .register(analyzer_name(lang), analyzer(lang));
        }
        // One indexing thread, the smallest arena tantivy allows: the Guide is small and
        // written rarely.
        let writer = index.writer_with_num_threads(1, 15_000_000)?;
        // Segments are merged when the index is refreshed ([`Engine::merge`]): in the
        // background, merged segments would stay unseen until the next refresh anyway.
        writer.set_merge_policy(Box::new(NoMergePolicy));
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let current = RwLock::new(Arc::new(Snapshot::new(
            reader.searcher(),
            HashMap::new(),
            &HashMap::new(),
            Names::default(),
        )?));
        Ok(Engine {
            index,
            reader,
            writer: Mutex::new(writer),
            fields,
            current,
        })
    }

    /// The text fields a word is looked up in, with their weights.
    fn text_fields(&self) -> Vec<(Field, Score)> {
        let f = &self.fields;
        let mut all: Vec<(Field, Score)> = f.title.iter().map(|t| (*t, TITLE_WEIGHT)).collect();
        all.extend(f.body.iter().map(|b| (*b, 1.0)));
        all.push((f.neutral, 1.0));
        all
    }

    /// The terms `word` stands for in `field`, as the field's analyzer makes them.
    fn terms(&self, field: Field, word: &str) -> Vec<Term> {
        let Ok(mut analyzer) = self.index.tokenizer_for_field(field) else {
            return Vec::new();
        };
        let mut stream = analyzer.token_stream(word);
        let mut terms = Vec::new();
        while stream.advance() {
            terms.push(Term::from_field_text(field, &stream.token().text));
        }
        terms
    }

    fn document(&self, stamp: &Stamp, doc: &Document) -> TantivyDocument {
        let f = &self.fields;
        let mut d = TantivyDocument::default();
        d.add_i64(f.id, stamp.experience);
        d.add_text(f.status, &stamp.status);
        d.add_text(f.country, &stamp.country);
        d.add_text(f.area, &stamp.area);
        d.add_text(f.subregion, &stamp.subregion);
        for tag in &doc.tags {
            d.add_text(f.tag, tag);
        }
        for lang in doc.languages() {
            d.add_text(f.lang, lang.code());
        }
        d.add_i64(f.snapshot, days(doc.snapshot_date));
        d.add_i64(f.updated, micros(stamp.updated_at));
        d.add_u64(f.country_key, country_key(&stamp.country));
        let texts = store::search_texts(doc);
        for (lang, title) in &texts.titles {
            d.add_text(f.title[lang_index(*lang)], title);
        }
        for (lang, body) in &texts.bodies {
            d.add_text(f.body[lang_index(*lang)], body);
        }
        d.add_text(f.neutral, &texts.neutral);
        d
    }

    /// Merges segments, as a search reads each of them: every one into one after the first
    /// indexing; the small ones into one when there are more than [`MAX_SEGMENTS`] (each
    /// refresh that changes something adds one).
    fn merge(&self, writer: &mut IndexWriter<TantivyDocument>, all: bool) -> tantivy::Result<()> {
        let mut segments = self.index.searchable_segment_metas()?;
        if segments.len() < 2 || (!all && segments.len() <= MAX_SEGMENTS) {
            return Ok(());
        }
        if !all {
            segments.sort_by_key(|m| std::cmp::Reverse(m.num_docs()));
            segments.remove(0);
        }
        let ids: Vec<_> = segments.iter().map(|m| m.id()).collect();
        writer.merge(&ids).wait()?;
        Ok(())
    }

    fn snapshot(&self) -> Arc<Snapshot> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Up to `limit + 1` hits of the published Guide for `spec` (which has words), in the
    /// list's order, after its cursor, each with its summary (`None` if one is missing, which
    /// a snapshot never lets happen).
    fn search(&self, spec: &ListSpec, q: &str) -> tantivy::Result<Option<Found>> {
        let f = &self.fields;
        let mut words: Vec<(String, Box<dyn Query>)> = Vec::new();
        for word in q
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            // Every analyzer starts as the plainest one does: what it makes of the word
            // stands for the word.
            let plain: Vec<String> = self
                .terms(f.neutral, word)
                .iter()
                .filter_map(|t| t.value().as_str().map(str::to_owned))
                .collect();
            let mut any: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            for (field, weight) in self.text_fields() {
                for term in self.terms(field, word) {
                    let query: Box<dyn Query> =
                        Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs));
                    let query: Box<dyn Query> = if weight == 1.0 {
                        query
                    } else {
                        Box::new(BoostQuery::new(query, weight))
                    };
                    any.push((Occur::Should, query));
                }
            }
            if any.is_empty() {
                continue;
            }
            words.push((plain.join(" "), Box::new(BooleanQuery::new(any))));
        }
        if words.is_empty() {
            return Ok(Some(Vec::new()));
        }
        let snapshot = self.snapshot();
        let keys = if index_words::answerable(spec) {
            let docs: Vec<&[DocFacts]> = snapshot.docs.iter().map(Vec::as_slice).collect();
            snapshot
                .words
                .ranked(&snapshot.searcher, &words, &docs, &snapshot.names, spec)?
        } else {
            self.ranked(&snapshot, words, spec)?
        };
        Ok(keys
            .into_iter()
            .filter_map(|key| key.row.hit())
            .map(|hit| snapshot.briefs.get(&hit.id).map(|b| (hit, b.clone())))
            .collect())
    }

    /// The keys of the documents matching every word and all of `spec`'s filters, greatest
    /// first, up to `limit`: a query through the index.
    fn ranked(
        &self,
        snapshot: &Arc<Snapshot>,
        words: Vec<(String, Box<dyn Query>)>,
        spec: &ListSpec,
    ) -> tantivy::Result<Vec<Key>> {
        let cursor = spec.after.as_ref().and_then(|c| cursor_key(c, spec.sort));
        let f = &self.fields;
        let mut all: Vec<(Occur, Box<dyn Query>)> =
            words.into_iter().map(|(_, q)| (Occur::Must, q)).collect();
        let statuses: Vec<String> = spec.statuses.iter().map(|s| s.as_str().into()).collect();
        let mut filters = vec![any_of(f.status, &statuses)];
        if let Some(own) = &spec.only_country {
            filters.push(any_of(f.country, std::slice::from_ref(own)));
        }
        for (field, values) in [
            (f.country, &spec.countries),
            (f.area, &spec.areas),
            (f.tag, &spec.tags),
        ] {
            if !values.is_empty() {
                filters.push(any_of(field, values));
            }
        }
        if let Some(s) = &spec.subregion {
            filters.push(any_of(f.subregion, std::slice::from_ref(s)));
        }
        if let Some(l) = spec.language {
            filters.push(any_of(f.lang, &[l.code().to_owned()]));
        }
        let range = |field: Field, from: Option<i64>, to: Option<i64>| -> Box<dyn Query> {
            let bound = |v: Option<i64>| {
                v.map_or(Bound::Unbounded, |v| {
                    Bound::Included(Term::from_field_i64(field, v))
                })
            };
            Box::new(RangeQuery::new(bound(from), bound(to)))
        };
        if spec.snapshot_from.is_some() || spec.snapshot_to.is_some() {
            filters.push(range(
                f.snapshot,
                spec.snapshot_from.map(days),
                spec.snapshot_to.map(days),
            ));
        }
        if let Some(t) = spec.updated_since {
            filters.push(range(f.updated, Some(micros(t)), None));
        }
        for filter in filters {
            all.push((Occur::Must, Box::new(ConstScoreQuery::new(filter, 0.0))));
        }
        let query = BooleanQuery::new(all);

        let sort = spec.sort;
        let facts = Arc::clone(snapshot);
        let top =
            TopDocs::with_limit(page_size(spec)).tweak_score(move |segment: &SegmentReader| {
                let facts = Arc::clone(&facts);
                let ord = facts.ords.get(&segment.segment_id()).copied();
                move |doc: DocId, score: Score| {
                    // A document the snapshot lacks (none should) gets id 0, which has no summary:
                    // the database then answers.
                    let row = ord
                        .and_then(|o| facts.docs[o].get(doc as usize))
                        .map_or_else(Row::default, |d| Row { score, ..d.row });
                    Key::new(sort, cursor, row)
                }
            });
        let found = snapshot.searcher.search(&query, &top)?;
        Ok(found
            .into_iter()
            .map(|(key, _)| key)
            .filter(|key| key.after)
            .collect())
    }
}

/// Matches any of `values` in a keyword field.
fn any_of(field: Field, values: &[String]) -> Box<dyn Query> {
    Box::new(BooleanQuery::new(
        values
            .iter()
            .map(|v| {
                let q: Box<dyn Query> = Box::new(TermQuery::new(
                    Term::from_field_text(field, v),
                    IndexRecordOption::Basic,
                ));
                (Occur::Should, q)
            })
            .collect(),
    ))
}

/// What the index holds: the generation it is at least as new as, and each experience's stamp.
#[derive(Default)]
struct Indexed {
    generation: i64,
    stamps: HashMap<i64, Stamp>,
}

/// The index of one server process; built at the first search.
pub struct GuideIndex {
    enabled: bool,
    engine: OnceLock<Option<Engine>>,
    indexed: Arc<tokio::sync::Mutex<Indexed>>,
    /// `Indexed::generation`, readable without the lock; -1 before the first indexing.
    at: AtomicI64,
}

impl GuideIndex {
    /// `enabled` false leaves every search to the database.
    pub fn new(enabled: bool) -> GuideIndex {
        GuideIndex {
            enabled,
            engine: OnceLock::new(),
            indexed: Arc::default(),
            at: AtomicI64::new(-1),
        }
    }

    fn engine(&self) -> Option<&Engine> {
        self.engine
            .get_or_init(|| match Engine::new() {
                Ok(e) => Some(e),
                Err(e) => {
                    tracing::error!(error = %e, "the in-memory search index could not be made; searches use the database");
                    None
                }
            })
            .as_ref()
    }

    /// The hits of a list from the index: `None` when the database is to answer (a list of
    /// unpublished work, no words to search, the index off or not to be made).
    pub(super) async fn hits(state: &AppState, spec: &ListSpec) -> ApiResult<Option<Found>> {
        let this = state.guide_index.clone();
        if !this.enabled || spec.scope != Scope::Published {
            return Ok(None);
        }
        let Some(q) = spec.q.as_deref().filter(|q| has_search_terms(q)) else {
            return Ok(None);
        };
        if this.engine().is_none() {
            return Ok(None);
        }
        // The answer must be at least as new as the generation the kept pages trust.
        let cache = state.guide_cache.clone();
        let wanted = match cache.trusted_generation() {
            Some(g) => g,
            None => {
                crate::db::run(&state.pool, move |conn| Ok(cache.read_generation(conn)?)).await?
            }
        };
        if this.at.load(Ordering::Acquire) < wanted {
            // While one request brings the index up to date the others wait for it, holding no
            // database connection, rather than rank in the database meanwhile: at 100,000
            // experiences on PostgreSQL one such ranking took seconds, and the searches
            // arriving during an indexing held every pooled connection. The indexing usually
            // reaches their generation too; a request that asked for a newer one indexes again.
            let mut indexed = this.indexed.clone().lock_owned().await;
            if indexed.generation < wanted {
                let me = this.clone();
                indexed = crate::db::run(&state.pool, move |conn| {
                    me.refresh(conn, &mut indexed)?;
                    Ok(indexed)
                })
                .await?;
                this.at.store(indexed.generation, Ordering::Release);
            }
        }
        let engine = this
            .engine()
            .ok_or_else(|| ApiError::internal("search index missing"))?;
        engine
            .search(spec, q)
            .map_err(|e| ApiError::internal(format!("searching the index: {e}")))
    }

    /// Brings the index up to the database's current generation: indexes again the published
    /// rows whose stamp changed and drops those gone.
    fn refresh(&self, conn: &mut DbConn, indexed: &mut Indexed) -> ApiResult<()> {
        let engine = self
            .engine()
            .ok_or_else(|| ApiError::internal("search index missing"))?;
        // Read first: everything read after it is at least as new.
        let generation = crate::cache::guide_generation(conn)?;
        let rows: Vec<StampRow> = experience_search::table
            .inner_join(experiences::table.on(experiences::id.eq(experience_search::experience_id)))
            .inner_join(countries::table.on(countries::code.eq(experiences::country)))
            .filter(experience_search::scope.eq(Scope::Published))
            .select((
                experience_search::id,
                experiences::id,
                experiences::version,
                experiences::status,
                experiences::country,
                experiences::thematic_area,
                countries::subregion,
                experience_search::updated_at,
            ))
            .load(conn)?;
        let mut current: HashMap<i64, Stamp> = HashMap::with_capacity(rows.len());
        for row in rows {
            let stamp = Stamp::from_row(row);
            current.insert(stamp.experience, stamp);
        }
        let gone: Vec<i64> = indexed
            .stamps
            .keys()
            .filter(|id| !current.contains_key(id))
            .copied()
            .collect();
        let changed: Vec<&Stamp> = current
            .values()
            .filter(|s| indexed.stamps.get(&s.experience) != Some(*s))
            .collect();
        if gone.is_empty() && changed.is_empty() {
            indexed.generation = generation;
            return Ok(());
        }
        let mut writer = engine.writer.lock().unwrap_or_else(|e| e.into_inner());
        let index_error =
            |e: tantivy::TantivyError| ApiError::internal(format!("indexing the Guide: {e}"));
        for id in &gone {
            writer.delete_term(Term::from_field_i64(engine.fields.id, *id));
        }
        let mut briefs = engine.snapshot().briefs.clone();
        for id in &gone {
            briefs.remove(id);
        }
        for batch in changed.chunks(BATCH) {
            let ids: Vec<i64> = batch.iter().map(|s| s.experience).collect();
            let rows = store::find_many(conn, &ids)?;
            for stamp in batch {
                writer.delete_term(Term::from_field_i64(engine.fields.id, stamp.experience));
                briefs.remove(&stamp.experience);
            }
            let stamps: HashMap<i64, &Stamp> = batch.iter().map(|s| (s.experience, *s)).collect();
            for (row, v, doc) in current_versions(conn, rows.into_values())? {
                let Some(stamp) = stamps.get(&row.id) else {
                    continue;
                };
                writer
                    .add_document(engine.document(stamp, &doc))
                    .map_err(index_error)?;
                briefs.insert(
                    row.id,
                    Arc::new(Brief::new(&row, &doc, View::Published, Some(&v))),
                );
            }
        }
        writer.commit().map_err(index_error)?;
        engine
            .merge(&mut writer, indexed.stamps.is_empty())
            .map_err(index_error)?;
        engine.reader.reload().map_err(index_error)?;
        let (facets, names) = facets_of(&current, &briefs);
        let snapshot =
            Snapshot::new(engine.reader.searcher(), briefs, &facets, names).map_err(index_error)?;
        *engine.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(snapshot);
        drop(writer);
        indexed.stamps = current;
        indexed.generation = generation;
        Ok(())
    }
}
