//! Searches of the Guide's index with the list's common filters only (status, country, area,
//! subregion, language): each word's matches are scored once per snapshot of the index and
//! kept, and a search intersects its words' matches, filters them on what each document holds
//! and ranks them, with no query run through the index.
//!
//! With real word frequencies a few words make most searches, and a common word matches most
//! of the Guide: run through the index, every search scored all of a word's matches again
//! (a union over the fields the word appears in). The scores are the index's own: a word's
//! matches are read with its query's weight, and a document's score is the sum of its words'.
//!
//! A word's matches are kept in score order too: a one-word search ordered by relevance (the
//! default with words) reads them best first and stops at the end of its page, a few dozen
//! matches instead of all of them. Searches of several words, and other orders, intersect the
//! words' matches in document order. Reading several words best first in turn until nothing
//! unread could enter the page (Fagin's threshold algorithm) was measured slower at 100,000
//! experiences: common words score evenly, so the bound falls slowly, and each document met
//! costs a lookup in every other list where the intersection takes a step.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap};
use std::sync::Arc;

use moka::sync::Cache;
use tantivy::query::{EnableScoring, Query};
use tantivy::{DocId, Score, Searcher};

use super::index_order::{country_key, cursor_key, page_size, Key, Row};
use super::search::{ListSpec, Sort};
use crate::http::lang::Lang;

/// The matches of one word, with the word's score in each.
pub(super) struct WordMatches {
    /// Each segment's matches, by document number.
    by_doc: Vec<Vec<(DocId, Score)>>,
    /// Every match as (segment, document, score) in the order of a search for this word alone:
    /// the best score first, then the lowest experience id.
    by_score: Vec<(u32, DocId, Score)>,
}

impl WordMatches {
    fn new(by_doc: Vec<Vec<(DocId, Score)>>, docs: &[&[DocFacts]]) -> WordMatches {
        let id = |ord: u32, doc: DocId| {
            docs.get(ord as usize)
                .and_then(|d| d.get(doc as usize))
                .map_or(0, |f| f.row.id)
        };
        let mut by_score: Vec<(u32, DocId, Score)> = by_doc
            .iter()
            .enumerate()
            .flat_map(|(ord, m)| {
                let ord = u32::try_from(ord).unwrap_or(u32::MAX);
                m.iter().map(move |(doc, score)| (ord, *doc, *score))
            })
            .collect();
        by_score.sort_unstable_by(|a, b| {
            b.2.total_cmp(&a.2)
                .then_with(|| id(a.0, a.1).cmp(&id(b.0, b.1)))
        });
        WordMatches { by_doc, by_score }
    }

    fn len(&self) -> usize {
        self.by_score.len()
    }
}

type Matches = Arc<WordMatches>;

/// Bytes of matches kept per snapshot: at least this much, and more for a larger Guide, whose
/// common words have as many more matches.
const BUDGET: u64 = 48 * 1024 * 1024;
/// Bytes of matches kept per indexed experience, beyond [`BUDGET`].
const BUDGET_PER_DOC: u64 = 1536;
/// Bytes one match takes: in document order (8) and in score order (12).
const MATCH_BYTES: usize = 20;

/// What the list's common filters look at in one indexed experience, as numbers: names are
/// numbered by [`Names`], countries by [`country_key`], languages are bits.
#[derive(Debug, Clone, Copy)]
pub(super) struct Facets {
    pub(super) status: u32,
    pub(super) country: u64,
    pub(super) area: u32,
    pub(super) subregion: u32,
    pub(super) languages: u8,
}

/// Never a name's number: filters on a name the index does not hold match nothing.
const UNKNOWN: u32 = u32::MAX;

/// The numbers of the names (statuses, areas, subregions) of one snapshot.
#[derive(Debug, Default)]
pub(super) struct Names(HashMap<String, u32>);

impl Names {
    /// The name's number, a new one if it has none.
    pub(super) fn number(&mut self, name: &str) -> u32 {
        let next = u32::try_from(self.0.len()).unwrap_or(UNKNOWN);
        *self.0.entry(name.to_owned()).or_insert(next)
    }

    fn known(&self, name: &str) -> u32 {
        self.0.get(name).copied().unwrap_or(UNKNOWN)
    }
}

/// The bit of a language in [`Facets::languages`].
pub(super) fn language_bit(lang: Lang) -> u8 {
    let at = Lang::ALL.iter().position(|l| *l == lang).unwrap_or(0);
    1 << at
}

/// A search's common filters, as numbers.
struct Filter {
    statuses: Vec<u32>,
    countries: Vec<u64>,
    own_country: Option<u64>,
    areas: Vec<u32>,
    subregion: Option<u32>,
    language: u8,
}

impl Filter {
    fn new(spec: &ListSpec, names: &Names) -> Filter {
        Filter {
            statuses: spec
                .statuses
                .iter()
                .map(|s| names.known(s.as_str()))
                .collect(),
            countries: spec.countries.iter().map(|c| country_key(c)).collect(),
            own_country: spec.only_country.as_deref().map(country_key),
            areas: spec.areas.iter().map(|a| names.known(a)).collect(),
            subregion: spec.subregion.as_deref().map(|s| names.known(s)),
            language: spec.language.map_or(0, language_bit),
        }
    }

    fn admits(&self, f: &Facets) -> bool {
        self.statuses.contains(&f.status)
            && self.own_country.is_none_or(|c| c == f.country)
            && (self.countries.is_empty() || self.countries.contains(&f.country))
            && (self.areas.is_empty() || self.areas.contains(&f.area))
            && self.subregion.is_none_or(|s| s == f.subregion)
            && (self.language == 0 || f.languages & self.language != 0)
    }
}

/// One document of a segment: its place in the list and its facets (`None` for a document
/// the snapshot does not know, which no search admits).
#[derive(Debug, Clone, Copy)]
pub(super) struct DocFacts {
    pub(super) row: Row,
    pub(super) facets: Option<Facets>,
}

/// Whether a search can be answered from kept matches: no filter the facets do not hold.
pub(super) fn answerable(spec: &ListSpec) -> bool {
    spec.tags.is_empty()
        && spec.snapshot_from.is_none()
        && spec.snapshot_to.is_none()
        && spec.updated_since.is_none()
}

/// The kept matches of one snapshot, by word (as the plainest analyzer writes it).
pub(super) struct Words {
    kept: Cache<String, Matches>,
}

impl Words {
    /// Kept matches for a snapshot of `documents` experiences.
    pub(super) fn new(documents: usize) -> Words {
        let budget = BUDGET.max(BUDGET_PER_DOC.saturating_mul(documents as u64));
        Words {
            kept: Cache::builder()
                .max_capacity(budget)
                .weigher(|word: &String, m: &Matches| {
                    u32::try_from(m.len() * MATCH_BYTES + word.len()).unwrap_or(u32::MAX)
                })
                .build(),
        }
    }

    /// The matches of `word`, whose query is `query`.
    fn matches(
        &self,
        searcher: &Searcher,
        docs: &[&[DocFacts]],
        word: &str,
        query: &dyn Query,
    ) -> tantivy::Result<Matches> {
        if let Some(m) = self.kept.get(word) {
            return Ok(m);
        }
        let weight = query.weight(EnableScoring::enabled_from_searcher(searcher))?;
        let mut all = Vec::with_capacity(searcher.segment_readers().len());
        for segment in searcher.segment_readers() {
            let alive = segment.alive_bitset();
            let mut found = Vec::new();
            weight.for_each(segment, &mut |doc, score| {
                if alive.is_none_or(|a| a.is_alive(doc)) {
                    found.push((doc, score));
                }
            })?;
            all.push(found);
        }
        let m = Arc::new(WordMatches::new(all, docs));
        self.kept.insert(word.to_owned(), Arc::clone(&m));
        Ok(m)
    }

    /// The keys of the documents matching every word and `spec`'s filters after its cursor,
    /// greatest first, up to [`page_size`]. `docs` holds each segment's documents, in the searcher's order.
    pub(super) fn ranked(
        &self,
        searcher: &Searcher,
        words: &[(String, Box<dyn Query>)],
        docs: &[&[DocFacts]],
        names: &Names,
        spec: &ListSpec,
    ) -> tantivy::Result<Vec<Key>> {
        let cursor = spec.after.as_ref().and_then(|c| cursor_key(c, spec.sort));
        let limit = page_size(spec);
        let lists = words
            .iter()
            .map(|(word, query)| self.matches(searcher, docs, word, query.as_ref()))
            .collect::<tantivy::Result<Vec<Matches>>>()?;
        let lists: Vec<&WordMatches> = lists.iter().map(Arc::as_ref).collect();
        let filter = Filter::new(spec, names);
        let admits = |f: &Facets| filter.admits(f);
        let page = Page::new(spec.sort, cursor, limit);
        Ok(
            if let (Sort::Relevance, [list]) = (spec.sort, lists.as_slice()) {
                in_score_order(list, docs, admits, page)
            } else {
                in_document_order(&lists, docs, admits, page)
            },
        )
    }
}

/// The best keys of a page so far: at most `limit`, the least of them on top.
struct Page {
    sort: Sort,
    cursor: Option<(f64, i64)>,
    limit: usize,
    best: BinaryHeap<Reverse<Ranked>>,
}

impl Page {
    fn new(sort: Sort, cursor: Option<(f64, i64)>, limit: usize) -> Page {
        Page {
            sort,
            cursor,
            limit,
            best: BinaryHeap::with_capacity(limit + 1),
        }
    }

    /// Takes `row` with `score` in if it is after the cursor and among the best so far.
    fn offer(&mut self, row: Row, score: Score) {
        let key = Ranked(Key::new(self.sort, self.cursor, Row { score, ..row }));
        if !key.0.after {
            return;
        }
        if self.best.len() < self.limit {
            self.best.push(Reverse(key));
        } else if self.best.peek().is_some_and(|least| key > least.0) {
            self.best.pop();
            self.best.push(Reverse(key));
        }
    }

    /// The page's last key, once the page is full.
    fn least(&self) -> Option<&Key> {
        (self.best.len() >= self.limit)
            .then(|| self.best.peek().map(|r| &r.0 .0))
            .flatten()
    }

    /// The keys, greatest first.
    fn keys(self) -> Vec<Key> {
        // Ascending order of `Reverse` is the keys' descending order.
        self.best
            .into_sorted_vec()
            .into_iter()
            .map(|r| r.0 .0)
            .collect()
    }
}

/// The documents of `docs` the filter admits that match every list, with the sum of their
/// scores (in the lists' order), read in document order: every match of the shortest list.
fn in_document_order(
    lists: &[&WordMatches],
    docs: &[&[DocFacts]],
    admits: impl Fn(&Facets) -> bool,
    mut page: Page,
) -> Vec<Key> {
    for (ord, facts) in docs.iter().enumerate() {
        let per_word: Vec<&[(DocId, Score)]> = lists
            .iter()
            .map(|m| m.by_doc.get(ord).map_or(&[][..], Vec::as_slice))
            .collect();
        intersect(&per_word, |doc, score| {
            let Some(fact) = facts.get(doc as usize) else {
                return;
            };
            if fact.facets.as_ref().is_some_and(&admits) {
                page.offer(fact.row, score);
            }
        });
    }
    page.keys()
}

/// What [`in_document_order`] finds for one word, ordered by relevance: the word's matches in
/// score order are in the page's order, so the first the filter admits after the cursor are
/// the page.
fn in_score_order(
    list: &WordMatches,
    docs: &[&[DocFacts]],
    admits: impl Fn(&Facets) -> bool,
    mut page: Page,
) -> Vec<Key> {
    for &(ord, doc, score) in &list.by_score {
        if page.least().is_some() {
            break;
        }
        let Some(fact) = docs.get(ord as usize).and_then(|d| d.get(doc as usize)) else {
            continue;
        };
        if fact.facets.as_ref().is_some_and(&admits) {
            page.offer(fact.row, score);
        }
    }
    page.keys()
}

/// Calls `found` with each document in every list (each sorted by document) and the sum of its
/// scores, in the lists' order.
fn intersect(lists: &[&[(DocId, Score)]], mut found: impl FnMut(DocId, Score)) {
    let Some(shortest) = (0..lists.len()).min_by_key(|i| lists[*i].len()) else {
        return;
    };
    let mut at = vec![0usize; lists.len()];
    'docs: for &(doc, own) in lists[shortest] {
        let mut score: Score = 0.0;
        for (i, list) in lists.iter().enumerate() {
            if i == shortest {
                score += own;
                continue;
            }
            at[i] = gallop(list, at[i], doc);
            match list.get(at[i]) {
                Some((d, s)) if *d == doc => score += s,
                _ => continue 'docs,
            }
        }
        found(doc, score);
    }
}

/// The first place at or after `from` whose document is not before `doc`: steps doubling from
/// `from`, then a binary search in the last step (the lists are read in order, the next match is
/// usually near).
fn gallop(list: &[(DocId, Score)], from: usize, doc: DocId) -> usize {
    let (mut low, mut high, mut step) = (from, from, 1);
    while high < list.len() && list[high].0 < doc {
        low = high + 1;
        high += step;
        step *= 2;
    }
    let high = high.min(list.len());
    low + list[low..high].partition_point(|(d, _)| *d < doc)
}

/// A key ordered for the heap (keys have no NaN: scores and dates are numbers).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Ranked(Key);

impl Eq for Ranked {}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.partial_cmp(&other.0).unwrap_or(Ordering::Equal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{rngs::StdRng, seq::SliceRandom, Rng, SeedableRng};

    /// Two segments of documents, and words matching some of them with scores drawn from a few
    /// values, so that many documents tie.
    fn guide(rng: &mut StdRng) -> (Vec<Vec<DocFacts>>, Vec<WordMatches>) {
        // Experience ids in no relation to the documents' numbers, as after reindexing.
        let mut ids: Vec<i64> = (1..=500).collect();
        ids.shuffle(rng);
        let mut ids = ids.into_iter();
        let docs: Vec<Vec<DocFacts>> = [300, 200]
            .iter()
            .map(|n| {
                (0..*n)
                    .map(|_| DocFacts {
                        row: Row {
                            id: ids.next().unwrap_or_default(),
                            ..Row::default()
                        },
                        facets: rng.gen_bool(0.95).then(|| Facets {
                            status: 0,
                            country: 0,
                            area: rng.gen_range(0..4),
                            subregion: 0,
                            languages: 1,
                        }),
                    })
                    .collect()
            })
            .collect();
        let slices: Vec<&[DocFacts]> = docs.iter().map(Vec::as_slice).collect();
        let words = [0.9, 0.5, 0.2]
            .iter()
            .map(|share| {
                WordMatches::new(
                    docs.iter()
                        .map(|segment| {
                            let mut matches = Vec::new();
                            for doc in 0..segment.len() as DocId {
                                if rng.gen_bool(*share) {
                                    matches.push((doc, f32::from(rng.gen_range(1u8..6)) * 0.25));
                                }
                            }
                            matches
                        })
                        .collect(),
                    &slices,
                )
            })
            .collect();
        (docs, words)
    }

    #[test]
    fn one_word_read_best_first_pages_as_reading_every_match_does() {
        let mut rng = StdRng::seed_from_u64(7);
        let mut compared = 0;
        for _ in 0..20 {
            let (docs, words) = guide(&mut rng);
            let docs: Vec<&[DocFacts]> = docs.iter().map(Vec::as_slice).collect();
            for (w, list) in words.iter().enumerate() {
                for area in [None, Some(2)] {
                    let admits = |f: &Facets| area.is_none_or(|a| f.area == a);
                    for limit in [1, 4, 21] {
                        // Every page, walked through the cursor.
                        let mut cursor = None;
                        loop {
                            let page = || Page::new(Sort::Relevance, cursor, limit);
                            let all = in_document_order(&[list], &docs, admits, page());
                            let ordered = in_score_order(list, &docs, admits, page());
                            assert_eq!(ordered, all, "word {w}, area {area:?}, limit {limit}");
                            compared += 1;
                            match all.last() {
                                Some(k) if all.len() == limit => {
                                    cursor = Some((k.primary, k.secondary));
                                }
                                _ => break,
                            }
                        }
                    }
                }
            }
        }
        assert!(compared > 500, "{compared}");
    }
}
