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
//! One request at a time computes a missing page ([`GuideCache::turn`]): after a publication,
//! the many requests for the same search wait for the first one's ranking instead of each
//! ranking it again (which, on 2 cores, queued them for seconds).
//!
//! The public's reads of one experience are kept the same way, compressed and in a ring of
//! their own ([`kept`]), so that reads spread over the whole Guide neither push the
//! search pages out nor grow the process past it.

pub mod kept;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::db::DbConn;
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
    computing: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// What kept experiences are compressed against; read without the lock.
    dictionary: Dictionary,
}

/// The right to compute one page: later requests for it wait until it is dropped.
pub struct Turn {
    cache: Arc<GuideCache>,
    key: String,
    lock: Arc<tokio::sync::Mutex<()>>,
    _held: tokio::sync::OwnedMutexGuard<()>,
}

impl Drop for Turn {
    fn drop(&mut self) {
        let mut computing = self
            .cache
            .computing
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if computing
            .get(&self.key)
            .is_some_and(|l| Arc::ptr_eq(l, &self.lock))
        {
            computing.remove(&self.key);
        }
    }
}

#[derive(Debug, Default)]
struct Inner {
    generation: i64,
    pages: HashMap<String, Arc<PageBody>>,
    bytes: usize,
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
            self.pages.clear();
            self.bytes = 0;
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
            computing: Mutex::default(),
            dictionary: Dictionary::default(),
        }
    }

    /// Waits for the request computing `key`'s page, if any, then holds the turn: look in
    /// the cache again once it is yours.
    pub async fn turn(self: &Arc<Self>, key: &str) -> Turn {
        let lock = self
            .computing
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key.to_owned())
            .or_default()
            .clone();
        let held = lock.clone().lock_owned().await;
        Turn {
            cache: self.clone(),
            key: key.to_owned(),
            lock,
            _held: held,
        }
    }

    /// The page kept for `key` when the generation read last is still trusted: no write
    /// transaction finished in this process since, and read within the recheck interval. Once
    /// the interval is over, the next request (`None`) reads the generation again while the
    /// others keep answering from the last read: a slow database read then delays one request,
    /// not all of them.
    pub fn fresh(&self, key: &str) -> Option<Arc<PageBody>> {
        self.trusted(key, true)
    }

    /// For a request that waited its turn: the page kept under a read still within the
    /// interval. Never an expired read's page, and never a claim to read again: the waiter may
    /// be the very request that claimed the re-read before it waited.
    pub fn fresh_after_wait(&self, key: &str) -> Option<Arc<PageBody>> {
        self.trusted(key, false)
    }

    fn trusted(&self, key: &str, may_claim: bool) -> Option<Arc<PageBody>> {
        self.trusted_read(may_claim)
            .and_then(|generation| self.get(generation, key))
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
        let generation = self.trusted_read(true)?;
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if inner.generation != generation {
            return None;
        }
        inner.experiences.get(key, &self.dictionary.get())
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
            inner.read = Some(read);
        }
    }

    pub fn enabled(&self) -> bool {
        self.max_entries > 0
    }

    /// The page kept for `key`, if it was computed under `generation`.
    pub fn get(&self, generation: i64, key: &str) -> Option<Arc<PageBody>> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if inner.generation != generation {
            return None;
        }
        inner.pages.get(key).cloned()
    }

    /// Keeps `page` for `key` under `generation`; a newer generation drops every older page,
    /// an older one is not kept. When full, the map starts again empty (searches that matter
    /// come back at once).
    pub fn put(&self, generation: i64, key: String, page: PageBody) {
        if !self.enabled() || page.body.len() > MAX_BYTES / 16 {
            return;
        }
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if !inner.at(generation) {
            return;
        }
        if inner.pages.len() >= self.max_entries || inner.bytes + page.body.len() > MAX_BYTES {
            inner.pages.clear();
            inner.bytes = 0;
        }
        inner.bytes += page.body.len();
        if let Some(old) = inner.pages.insert(key, Arc::new(page)) {
            inner.bytes -= old.body.len();
        }
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

    fn page(text: &str) -> PageBody {
        PageBody {
            body: Bytes::from(text.to_owned()),
            content_language: None,
            link: None,
        }
    }

    #[test]
    fn pages_live_for_one_generation_and_within_bounds() {
        let c = GuideCache::new(2, Duration::ZERO, Arc::default());
        c.put(5, "a".into(), page("A"));
        assert_eq!(c.get(5, "a").unwrap().body, "A");
        assert!(c.get(6, "a").is_none(), "another generation never hits");
        c.put(4, "b".into(), page("B"));
        assert!(c.get(4, "b").is_none(), "an older generation is not kept");
        c.put(5, "b".into(), page("B"));
        c.put(5, "c".into(), page("C"));
        assert!(
            c.get(5, "a").is_none() && c.get(5, "c").is_some(),
            "full: starts again"
        );
        c.put(6, "d".into(), page("D"));
        assert!(c.get(5, "c").is_none() && c.get(6, "d").is_some());
        let off = GuideCache::new(0, Duration::ZERO, Arc::default());
        off.put(1, "a".into(), page("A"));
        assert!(off.get(1, "a").is_none());
    }

    #[test]
    fn a_generation_read_is_trusted_for_the_interval_without_writes() {
        let writes = Arc::new(AtomicU64::new(0));
        let c = GuideCache::new(4, Duration::from_secs(600), writes.clone());
        c.put(5, "a".into(), page("A"));
        assert!(c.fresh("a").is_none(), "nothing read yet");
        let read = |generation, writes| GenerationRead {
            generation,
            writes,
            at: Instant::now(),
        };
        c.remember(read(5, 0));
        assert_eq!(c.fresh("a").unwrap().body, "A");
        assert!(c.fresh("b").is_none());
        c.remember(read(4, 0));
        assert!(
            c.fresh("a").is_some(),
            "an older read does not replace a newer"
        );
        c.remember(read(6, 0));
        assert!(c.fresh("a").is_none(), "a page of an older generation");
        c.remember(read(5, 0));
        c.put(5, "a".into(), page("A"));
        assert!(
            c.fresh("a").is_none(),
            "an older generation's read is not kept"
        );
        let c = GuideCache::new(4, Duration::from_secs(600), writes.clone());
        c.put(5, "a".into(), page("A"));
        c.remember(read(5, 0));
        assert!(c.fresh("a").is_some());
        assert_eq!(
            c.fresh_after_wait("a").unwrap().body,
            "A",
            "a waiter takes the page of a read within the interval"
        );
        writes.fetch_add(1, Ordering::AcqRel);
        assert!(c.fresh("a").is_none(), "a write finished since the read");
        let soon = GuideCache::new(4, Duration::from_millis(1), writes.clone());
        soon.put(5, "a".into(), page("A"));
        soon.remember(GenerationRead {
            generation: 5,
            writes: 1,
            at: Instant::now() - Duration::from_millis(5),
        });
        assert!(
            soon.fresh("a").is_none(),
            "expired: this request reads it again"
        );
        assert!(
            soon.fresh_after_wait("a").is_none(),
            "the claimer, back from its turn, still reads it again"
        );
        assert!(soon.fresh("a").is_some(), "the others answer meanwhile");
        soon.remember(read(5, 1));
        std::thread::sleep(Duration::from_millis(2));
        assert!(soon.fresh("a").is_none(), "the next expiry: read again");
        writes.fetch_add(1, Ordering::AcqRel);
        assert!(
            soon.fresh("a").is_none(),
            "after a write here, every request reads it"
        );
        assert!(soon.fresh("a").is_none());
        let now = GuideCache::new(4, Duration::ZERO, writes.clone());
        now.put(5, "a".into(), page("A"));
        now.remember(read(5, 0));
        assert!(now.fresh("a").is_none(), "no interval: never trusted");
    }

    #[test]
    fn experiences_are_kept_per_generation() {
        let c = GuideCache::new(4, Duration::from_secs(600), Arc::default());
        let es = (7, LangPref::One(crate::http::lang::Lang::Es));
        let body = br#"{"id":7,"title":"Presupuesto por resultados"}"#;
        c.put_experience(5, es, body, "\"t\"", "es");
        assert!(c.experience(&es).is_none(), "nothing read yet");
        c.remember(GenerationRead {
            generation: 5,
            writes: 0,
            at: Instant::now(),
        });
        let kept = c.experience(&es).expect("kept");
        assert_eq!(kept.body().unwrap(), body);
        assert!(c.experience(&(7, LangPref::All)).is_none());
        c.put(6, "a".into(), page("A"));
        c.remember(GenerationRead {
            generation: 6,
            writes: 0,
            at: Instant::now(),
        });
        assert!(c.experience(&es).is_none(), "a newer generation drops them");
        c.put_experience(5, es, body, "\"t\"", "es");
        assert!(c.experience(&es).is_none(), "an older one is not kept");
        let off = GuideCache::new(0, Duration::from_secs(600), Arc::default());
        off.remember(GenerationRead {
            generation: 6,
            writes: 0,
            at: Instant::now(),
        });
        off.put_experience(6, es, body, "\"t\"", "es");
        assert!(off.experience(&es).is_none(), "the cache off keeps none");
    }

    #[actix_web::test]
    async fn one_request_at_a_time_computes_a_page() {
        use tokio::time::timeout;
        let c = Arc::new(GuideCache::new(4, Duration::ZERO, Arc::default()));
        let first = c.turn("a").await;
        let wait = Duration::from_millis(20);
        assert!(
            timeout(wait, c.turn("a")).await.is_err(),
            "the same page waits"
        );
        let other = timeout(wait, c.turn("b"))
            .await
            .expect("another page does not");
        drop(first);
        let next = timeout(Duration::from_secs(5), c.turn("a"))
            .await
            .expect("its turn comes once the first is done");
        drop((next, other));
        assert!(
            c.computing.lock().unwrap().is_empty(),
            "nothing left behind"
        );
    }
}
