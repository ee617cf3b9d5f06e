//! Public Guide search pages, kept per server process under the Guide's generation.
//!
//! Ranking a full-text search costs milliseconds of database time; the public asks the same
//! searches again and again and the published Guide changes a few times a day. Each public
//! list request reads the generation (`guide_generation`, bumped by triggers in the same
//! transaction as any change the Guide shows) and answers from here when the page was computed
//! under that same generation. A page computed under generation `g` holds data at least as new
//! as `g`, so no reader ever gets a page older than what it would read from the database.
//! Callers who may see unpublished work are never served from here.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::http::pagination::PageBody;

/// Bounded map of public search pages for one generation.
#[derive(Debug)]
pub struct GuideCache {
    max_entries: usize,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    generation: i64,
    pages: HashMap<String, Arc<PageBody>>,
    bytes: usize,
}

/// Largest total of page bodies kept, whatever the entry count: the cache never holds more
/// than this much memory.
const MAX_BYTES: usize = 8 * 1024 * 1024;

impl GuideCache {
    /// `max_entries` 0 turns the cache off.
    pub fn new(max_entries: usize) -> GuideCache {
        GuideCache {
            max_entries,
            inner: Mutex::new(Inner::default()),
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
        if generation < inner.generation {
            return;
        }
        if generation > inner.generation
            || inner.pages.len() >= self.max_entries
            || inner.bytes + page.body.len() > MAX_BYTES
        {
            inner.pages.clear();
            inner.bytes = 0;
            inner.generation = generation;
        }
        inner.bytes += page.body.len();
        if let Some(old) = inner.pages.insert(key, Arc::new(page)) {
            inner.bytes -= old.body.len();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
        let c = GuideCache::new(2);
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
        let off = GuideCache::new(0);
        off.put(1, "a".into(), page("A"));
        assert!(off.get(1, "a").is_none());
    }
}
