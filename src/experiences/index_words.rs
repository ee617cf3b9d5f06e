//! Searches of the Guide's index with the list's common filters only (status, country, area,
//! subregion, language): each word's matches are scored once per snapshot of the index and
//! kept, and a search intersects its words' matches, filters them on what each document holds
//! and ranks them, with no query run through the index.
//!
//! With real word frequencies a few words make most searches, and a common word matches most
//! of the Guide: run through the index, every search scored all of a word's matches again
//! (a union over the fields the word appears in). The scores are the index's own: a word's
//! matches are read with its query's weight, and a document's score is the sum of its words'.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap};
use std::sync::Arc;

use moka::sync::Cache;
use tantivy::query::{EnableScoring, Query};
use tantivy::{DocId, Score, Searcher};

use super::index_order::{country_key, cursor_key, page_size, Key, Row};
use super::search::ListSpec;
use crate::http::lang::Lang;

/// Each segment's matches of one word, by document number, with the word's score.
type Matches = Arc<Vec<Vec<(DocId, Score)>>>;

/// Bytes of matches kept per snapshot (8 bytes a match): at least this much, and more for a
/// larger Guide, whose common words have as many more matches.
const BUDGET: u64 = 32 * 1024 * 1024;
/// Bytes of matches kept per indexed experience, beyond [`BUDGET`].
const BUDGET_PER_DOC: u64 = 1024;

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
                    let n: usize = m.iter().map(Vec::len).sum();
                    u32::try_from(n * 8 + word.len()).unwrap_or(u32::MAX)
                })
                .build(),
        }
    }

    /// The matches of `word`, whose query is `query`.
    fn matches(
        &self,
        searcher: &Searcher,
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
        let m = Arc::new(all);
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
            .map(|(word, query)| self.matches(searcher, word, query.as_ref()))
            .collect::<tantivy::Result<Vec<Matches>>>()?;
        let filter = Filter::new(spec, names);
        // The best `limit` keys so far, the least of them on top.
        let mut best: BinaryHeap<Reverse<Ranked>> = BinaryHeap::with_capacity(limit + 1);
        for (ord, facts) in docs.iter().enumerate() {
            let per_word: Vec<&[(DocId, Score)]> = lists
                .iter()
                .map(|m| m.get(ord).map_or(&[][..], Vec::as_slice))
                .collect();
            intersect(&per_word, |doc, score| {
                let Some(fact) = facts.get(doc as usize) else {
                    return;
                };
                if fact.facets.as_ref().is_some_and(|f| filter.admits(f)) {
                    let key = Ranked(Key::new(spec.sort, cursor, Row { score, ..fact.row }));
                    if !key.0.after {
                        return;
                    }
                    if best.len() < limit {
                        best.push(Reverse(key));
                    } else if best.peek().is_some_and(|least| key > least.0) {
                        best.pop();
                        best.push(Reverse(key));
                    }
                }
            });
        }
        // Ascending order of `Reverse` is the keys' descending order.
        Ok(best.into_sorted_vec().into_iter().map(|r| r.0 .0).collect())
    }
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
