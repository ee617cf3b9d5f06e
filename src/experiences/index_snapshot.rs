//! One snapshot of the Guide's index, which searches read from start to end, and what each
//! indexed row was built from.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDateTime;
use tantivy::index::SegmentId;
use tantivy::Searcher;

use super::index_order::{country_key, Row};
use super::index_words::{language_bit, DocFacts, Facets, Names, Words};
use super::list::Brief;

/// The index as of one indexing, and what the list shows of each experience in it: a search
/// reads both from the same snapshot, so every hit has its summary and no database read is
/// needed.
pub(super) struct Snapshot {
    pub(super) searcher: Searcher,
    pub(super) briefs: HashMap<i64, Arc<Brief>>,
    /// Each segment's documents by number, in the searcher's order: what the list sorts and
    /// filters by, read once per indexing rather than for every match of every search.
    pub(super) docs: Vec<Vec<DocFacts>>,
    /// Each segment's place in `docs`.
    pub(super) ords: HashMap<SegmentId, usize>,
    pub(super) words: Words,
    pub(super) names: Names,
}

impl Snapshot {
    pub(super) fn new(
        searcher: Searcher,
        briefs: HashMap<i64, Arc<Brief>>,
        facets: &HashMap<i64, Facets>,
        names: Names,
    ) -> tantivy::Result<Snapshot> {
        let mut docs = Vec::new();
        let mut ords = HashMap::new();
        for (ord, segment) in searcher.segment_readers().iter().enumerate() {
            let fast = segment.fast_fields();
            let (ids, snapshots, updates) = (
                fast.i64("id")?.first_or_default_col(0),
                fast.i64("snapshot")?.first_or_default_col(0),
                fast.i64("updated")?.first_or_default_col(0),
            );
            let countries = fast.u64("country_key")?.first_or_default_col(0);
            let of_segment = (0..segment.max_doc())
                .map(|doc| {
                    let id = ids.get_val(doc);
                    DocFacts {
                        row: Row {
                            id,
                            score: 0.0,
                            snapshot: snapshots.get_val(doc),
                            updated: updates.get_val(doc),
                            country: countries.get_val(doc),
                        },
                        facets: facets.get(&id).copied(),
                    }
                })
                .collect();
            docs.push(of_segment);
            ords.insert(segment.segment_id(), ord);
        }
        let words = Words::new(briefs.len());
        Ok(Snapshot {
            searcher,
            briefs,
            docs,
            ords,
            words,
            names,
        })
    }
}

/// What an indexed row was built from: when any of it changes, the row is indexed again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Stamp {
    /// The search row's id, new each time the database indexes the experience again.
    pub(super) row: i64,
    pub(super) experience: i64,
    pub(super) version: i32,
    pub(super) status: String,
    pub(super) country: String,
    pub(super) area: String,
    pub(super) subregion: String,
    pub(super) updated_at: NaiveDateTime,
}

pub(super) type StampRow = (i64, i64, i32, String, String, String, String, NaiveDateTime);

impl Stamp {
    pub(super) fn from_row(r: StampRow) -> Stamp {
        Stamp {
            row: r.0,
            experience: r.1,
            version: r.2,
            status: r.3,
            country: r.4,
            area: r.5,
            subregion: r.6,
            updated_at: r.7,
        }
    }
}

/// Each experience's facets, numbered with the names they use.
pub(super) fn facets_of(
    stamps: &HashMap<i64, Stamp>,
    briefs: &HashMap<i64, Arc<Brief>>,
) -> (HashMap<i64, Facets>, Names) {
    let mut names = Names::default();
    let facets = stamps
        .values()
        .map(|s| {
            let facets = Facets {
                status: names.number(&s.status),
                country: country_key(&s.country),
                area: names.number(&s.area),
                subregion: names.number(&s.subregion),
                languages: briefs.get(&s.experience).map_or(0, |b| {
                    b.languages().iter().fold(0, |m, l| m | language_bit(*l))
                }),
            };
            (s.experience, facets)
        })
        .collect();
    (facets, names)
}
