//! Public Guide search pages, kept per server process under the Guide's generation.
//!
//! Ranking a full-text search costs milliseconds of database time; the public asks the same
//! searches again and again and the published Guide changes a few times a day. The Guide's
//! generation (`guide_generation`) is bumped by triggers in the same transaction as any change
//! the Guide shows; a page computed under generation `g` holds data at least as new as `g`.
//! A public list request answers from here when its page was computed under the generation
//! last read from the database, and reads that generation again when this process has
//! finished a write transaction since, or when the read is older than the recheck interval.
//! So a change made through this server shows in the next search, and a change made through
//! another instance on the same database within the interval (plus one read of the
//! generation, which one request makes while the others answer from the last read); between
//! two reads the requests touch no database connection at all. Callers who may see unpublished work are
//! never served from here.
//!
//! The pages are kept in a `moka` cache bounded by their size, under typed keys (generation,
//! request line, language). One request at a time computes a missing page
//! ([`GuideCache::page`], moka's single-flight loading): after a publication, the many requests
//! for the same search wait for the first one's ranking instead of each ranking it again
//! (which, on 2 cores, queued them for seconds).
//!
//! The public's reads of one experience are kept the same way, compressed and in a ring of
//! their own ([`kept`]), so that reads spread over the whole Guide neither push the
//! search pages out nor grow the process past it.

pub mod kept;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::db::DbConn;
use crate::http::lang::LangPref;
use crate::http::pagination::PageBody;
use kept::{Dictionary, ExperienceKey, KeptExperience, Shelf};

/// Bounded map of public search pages for one generation.
#[derive(Debug)]
pub struct GuideCache {
    max_entries: usize,
    recheck: Duration,
    /// The server's count of finished write transactions ([`crate::db::DbPool::write_counter`]).
    writes: Arc<AtomicU64>,
    inner: Mutex<Inner>,
    pages: moka::future::Cache<KeptKey, Arc<PageBody>>,
    /// What kept experiences are compressed against; read without the lock.
    dictionary: Dictionary,
}

/// A kept page: its request under the generation it was computed at.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KeptKey {
    generation: i64,
    key: PageKey,
}

/// A public search page as requested: what one kept page answers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageKey {
    /// The request line: the path and every query parameter.
    pub uri: String,
    /// The language asked for.
    pub lang: LangPref,
}

#[derive(Debug, Default)]
struct Inner {
    generation: i64,
    experiences: Shelf,
    read: Option<GenerationRead>,
    /// When a request set out to read the generation again, the last read having expired.
    rereading_since: Option<Instant>,
}

impl Inner {
    /// Moves on to `generation` (dropping everything kept under an older one); false when
    /// `generation` is older than what is kept, which is then not to be replaced.
    fn at(&mut self, generation: i64) -> bool {
        if generation < self.generation {
            return false;
        }
        if generation > self.generation {
            self.experiences.clear();
            self.generation = generation;
        }
        true
    }
}

/// How long the other requests keep answering from the expired read while one request reads
/// the generation again; past it, another request tries.
const REREAD_GRACE: Duration = Duration::from_secs(1);

/// The generation as last read from the database, and what this process had written then.
#[derive(Debug, Clone, Copy)]
struct GenerationRead {
    generation: i64,
    writes: u64,
    at: Instant,
}

/// Largest total of page bodies kept, whatever the entry count: the cache never holds more
/// than this much memory.
const MAX_BYTES: usize = 6 * 1024 * 1024;

/// The size of the ring of kept experiences (compressed): some 6,500 of 4 KB of JSON each. The
/// public's reads of single experiences spread over the whole Guide while its searches repeat
/// a few dozen pages: of the 14 MiB both may hold, the ring has the larger part.
const MAX_EXPERIENCE_BYTES: usize = 8 * 1024 * 1024;

impl GuideCache {
    /// `max_entries` 0 turns the cache off; `recheck` zero reads the generation on every
    /// request.
    pub fn new(max_entries: usize, recheck: Duration, writes: Arc<AtomicU64>) -> GuideCache {
        GuideCache {
            max_entries,
            recheck,
            writes,
            inner: Mutex::new(Inner {
                experiences: Shelf::new(if max_entries > 0 {
                    MAX_EXPERIENCE_BYTES
                } else {
                    0
                }),
                ..Inner::default()
            }),
            pages: moka::future::Cache::builder()
                .max_capacity(if max_entries > 0 { MAX_BYTES as u64 } else { 0 })
                // Each page weighs its bytes, and at least an equal share of the budget among
                // `max_entries`: the cache holds neither more bytes nor more pages than that.
                .weigher(move |kept: &KeptKey, page: &Arc<PageBody>| {
                    let share = MAX_BYTES / max_entries.max(1);
                    (page.body.len() + kept.key.uri.len())
                        .max(share)
                        .try_into()
                        .unwrap_or(u32::MAX)
                })
                .build(),
            dictionary: Dictionary::default(),
        }
    }

    /// The generation read last, when it is still trusted: no write transaction finished in
    /// this process since, and read within the recheck interval. Once the interval is over,
    /// the next request (`None`) reads the generation again while the others keep answering
    /// from the last read: a slow database read then delays one request, not all of them.
    pub fn claim_generation(&self) -> Option<i64> {
        self.trusted_read(true)
    }

    /// The page for `key` under `generation`: kept, or computed by `compute` once however many
    /// requests ask for it meanwhile. `None` when the computation failed (nothing is kept).
    pub async fn page(
        &self,
        generation: i64,
        key: PageKey,
        compute: impl std::future::Future<Output = Option<PageBody>>,
    ) -> Option<Arc<PageBody>> {
        let kept = KeptKey { generation, key };
        let missed = std::sync::atomic::AtomicBool::new(false);
        let page = self
            .pages
            .optionally_get_with(kept, async {
                missed.store(true, Ordering::Relaxed);
                compute.await.map(Arc::new)
            })
            .await;
        crate::telemetry::cache("guide_pages", !missed.load(Ordering::Relaxed));
        page
    }

    /// The generation last read, while it is trusted; without claiming a re-read. Whatever is
    /// read from the database after this call is at least as new as it.
    pub fn trusted_generation(&self) -> Option<i64> {
        self.trusted_read(false)
    }

    fn trusted_read(&self, may_claim: bool) -> Option<i64> {
        if self.recheck.is_zero() {
            return None;
        }
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let read = inner.read?;
        if read.writes != self.writes() {
            return None;
        }
        if read.at.elapsed() >= self.recheck {
            if !may_claim {
                return None;
            }
            if inner
                .rereading_since
                .is_none_or(|t| t.elapsed() >= REREAD_GRACE)
            {
                inner.rereading_since = Some(Instant::now());
                return None;
            }
        }
        Some(read.generation)
    }

    /// The experience kept for `key`, under the same trust as [`Self::fresh`].
    pub fn experience(&self, key: &ExperienceKey) -> Option<KeptExperience> {
        let kept = self.trusted_read(true).and_then(|generation| {
            let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
            (inner.generation == generation)
                .then(|| inner.experiences.get(key, &self.dictionary.get()))
                .flatten()
        });
        crate::telemetry::cache("guide_experiences", kept.is_some());
        kept
    }

    /// Keeps the experience `body` with its headers for `key` under `generation`, as
    /// [`Self::put`] does a page; when the ring is full, the oldest leave first. Compresses
    /// before taking the lock.
    pub fn put_experience(
        &self,
        generation: i64,
        key: ExperienceKey,
        body: &[u8],
        etag: &str,
        content_language: &str,
    ) {
        if !self.enabled() {
            return;
        }
        let kept = KeptExperience::new(
            body,
            etag.to_owned(),
            content_language.to_owned(),
            self.dictionary.primed_with(body),
        );
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if inner.at(generation) {
            inner.experiences.put(key, &kept);
        }
    }

    /// Reads the Guide's generation from the database and remembers it for [`Self::fresh`].
    pub fn read_generation(&self, conn: &mut DbConn) -> diesel::QueryResult<i64> {
        // Taken before the read: a write finishing meanwhile makes the next request read again.
        let writes = self.writes();
        let generation = guide_generation(conn)?;
        self.remember(GenerationRead {
            generation,
            writes,
            at: Instant::now(),
        });
        Ok(generation)
    }

    fn writes(&self) -> u64 {
        self.writes.load(Ordering::Acquire)
    }

    fn remember(&self, read: GenerationRead) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.rereading_since = None;
        // A slower request's older read never replaces a newer one.
        if inner.read.is_none_or(|r| read.generation >= r.generation) {
            if inner.read.is_some_and(|r| read.generation > r.generation) {
                // Pages of older generations are never asked for again: free their memory.
                self.pages.invalidate_all();
            }
            inner.read = Some(read);
        }
    }

    pub fn enabled(&self) -> bool {
        self.max_entries > 0
    }
}

/// Answers a public list (one whose page depends on its request line and language alone)
/// from the pages kept under the current generation; a missing page is computed by
/// `compute`, once however many requests ask for it meanwhile. A failed computation keeps
/// nothing, and this request computes again to answer with the error.
pub async fn public_page<F, Fut>(
    state: &crate::state::AppState,
    req: &actix_web::HttpRequest,
    lang: LangPref,
    compute: F,
) -> crate::error::ApiResult<actix_web::HttpResponse>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = crate::error::ApiResult<PageBody>>,
{
    let cache = state.guide_cache.clone();
    if !cache.enabled() {
        return Ok(compute().await?.respond());
    }
    let generation = match cache.claim_generation() {
        Some(g) => g,
        None => {
            let reader = cache.clone();
            crate::db::run(&state.pool, move |conn| Ok(reader.read_generation(conn)?)).await?
        }
    };
    let key = PageKey {
        uri: req.uri().to_string(),
        lang,
    };
    match cache
        .page(generation, key, async { compute().await.ok() })
        .await
    {
        Some(page) => Ok(page.respond()),
        None => Ok(compute().await?.respond()),
    }
}

/// The Guide's generation: changes with anything the public Guide shows (bumped by
/// triggers in the transaction of the change).
pub fn guide_generation(conn: &mut DbConn) -> diesel::QueryResult<i64> {
    use crate::db::schema::guide_generation::dsl as g;
    use diesel::prelude::*;
    g::guide_generation.select(g::value).find(1).first(conn)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::lang::LangPref;
    use actix_web::web::Bytes;
    use std::sync::atomic::AtomicUsize;

    fn page(text: &str) -> PageBody {
        PageBody {
            body: Bytes::from(text.to_owned()),
            content_language: None,
            link: None,
        }
    }

    fn key(uri: &str) -> PageKey {
        PageKey {
            uri: uri.to_owned(),
            lang: LangPref::All,
        }
    }

    fn read(generation: i64, writes: u64) -> GenerationRead {
        GenerationRead {
            generation,
            writes,
            at: Instant::now(),
        }
    }

    #[actix_web::test]
    async fn pages_live_for_one_generation_and_within_bounds() {
        let c = GuideCache::new(2, Duration::ZERO, Arc::default());
        let computed = AtomicUsize::new(0);
        let compute = |text: &'static str| {
            computed.fetch_add(1, Ordering::SeqCst);
            async move { Some(page(text)) }
        };
        assert_eq!(c.page(5, key("a"), compute("A")).await.unwrap().body, "A");
        assert_eq!(
            c.page(5, key("a"), compute("X")).await.unwrap().body,
            "A",
            "kept"
        );
        assert_eq!(
            c.page(6, key("a"), compute("A6")).await.unwrap().body,
            "A6",
            "another generation computes its own"
        );
        assert!(c.page(5, key("b"), async { None }).await.is_none());
        assert_eq!(
            c.page(5, key("b"), compute("B")).await.unwrap().body,
            "B",
            "a failed computation keeps nothing"
        );
        for k in ["c", "d", "e", "f"] {
            c.page(5, key(k), compute("C")).await;
        }
        c.pages.run_pending_tasks().await;
        assert!(c.pages.entry_count() <= 2, "at most max_entries pages");
        assert!(c.pages.weighted_size() <= MAX_BYTES as u64);

        let off = GuideCache::new(0, Duration::ZERO, Arc::default());
        let before = computed.load(Ordering::SeqCst);
        off.page(1, key("a"), compute("A")).await;
        off.page(1, key("a"), compute("A")).await;
        off.pages.run_pending_tasks().await;
        assert_eq!(
            computed.load(Ordering::SeqCst),
            before + 2,
            "off: nothing kept"
        );
    }

    #[test]
    fn a_generation_read_is_trusted_for_the_interval_without_writes() {
        let writes = Arc::new(AtomicU64::new(0));
        let c = GuideCache::new(4, Duration::from_secs(600), writes.clone());
        assert!(c.claim_generation().is_none(), "nothing read yet");
        c.remember(read(5, 0));
        assert_eq!(c.claim_generation(), Some(5));
        c.remember(read(4, 0));
        assert_eq!(
            c.claim_generation(),
            Some(5),
            "an older read does not replace a newer"
        );
        c.remember(read(6, 0));
        assert_eq!(c.claim_generation(), Some(6));
        assert_eq!(c.trusted_generation(), Some(6));
        writes.fetch_add(1, Ordering::AcqRel);
        assert!(
            c.claim_generation().is_none(),
            "a write finished since the read"
        );
        let soon = GuideCache::new(4, Duration::from_millis(1), writes.clone());
        soon.remember(GenerationRead {
            generation: 5,
            writes: 1,
            at: Instant::now() - Duration::from_millis(5),
        });
        assert!(
            soon.claim_generation().is_none(),
            "expired: this request reads it again"
        );
        assert!(
            soon.trusted_generation().is_none(),
            "nor is it trusted without a claim"
        );
        assert_eq!(
            soon.claim_generation(),
            Some(5),
            "the others answer meanwhile"
        );
        soon.remember(read(5, 1));
        std::thread::sleep(Duration::from_millis(2));
        assert!(
            soon.claim_generation().is_none(),
            "the next expiry: read again"
        );
        writes.fetch_add(1, Ordering::AcqRel);
        assert!(
            soon.claim_generation().is_none(),
            "after a write here, every request reads it"
        );
        assert!(soon.claim_generation().is_none());
        let now = GuideCache::new(4, Duration::ZERO, writes.clone());
        now.remember(read(5, 0));
        assert!(
            now.claim_generation().is_none(),
            "no interval: never trusted"
        );
    }

    #[test]
    fn experiences_are_kept_per_generation() {
        let c = GuideCache::new(4, Duration::from_secs(600), Arc::default());
        let es = (7, LangPref::One(crate::http::lang::Lang::Es));
        let body = br#"{"id":7,"title":"Presupuesto por resultados"}"#;
        c.put_experience(5, es, body, "\"t\"", "es");
        assert!(c.experience(&es).is_none(), "nothing read yet");
        c.remember(read(5, 0));
        let kept = c.experience(&es).expect("kept");
        assert_eq!(kept.body().unwrap(), body);
        assert!(c.experience(&(7, LangPref::All)).is_none());
        c.put_experience(6, (8, LangPref::All), body, "\"u\"", "es");
        c.remember(read(6, 0));
        assert!(c.experience(&es).is_none(), "a newer generation drops them");
        c.put_experience(5, es, body, "\"t\"", "es");
        assert!(c.experience(&es).is_none(), "an older one is not kept");
        let off = GuideCache::new(0, Duration::from_secs(600), Arc::default());
        off.remember(read(6, 0));
        off.put_experience(6, es, body, "\"t\"", "es");
        assert!(off.experience(&es).is_none(), "the cache off keeps none");
    }

    #[actix_web::test]
    async fn one_request_at_a_time_computes_a_page() {
        let c = GuideCache::new(4, Duration::ZERO, Arc::default());
        let computed = AtomicUsize::new(0);
        let slow = |text: &'static str| {
            let computed = &computed;
            async move {
                computed.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(30)).await;
                Some(page(text))
            }
        };
        let (a1, a2, b) = tokio::join!(
            c.page(3, key("a"), slow("A")),
            c.page(3, key("a"), slow("A")),
            c.page(3, key("b"), slow("B")),
        );
        assert_eq!(a1.unwrap().body, "A");
        assert_eq!(a2.unwrap().body, "A");
        assert_eq!(b.unwrap().body, "B");
        assert_eq!(
            computed.load(Ordering::SeqCst),
            2,
            "the same page once, another page on its own"
        );
    }
}
