//! The public's reads of single experiences, kept rendered and compressed in one buffer of a
//! fixed size ([`Shelf`]), for [`super::cache::GuideCache`].
//!
//! Reads spread over the whole Guide churn through the kept experiences all the time. Kept as
//! separate allocations, their churn left the allocator's heap a third larger than what it
//! held; laid one after another in a ring, the oldest overwritten first, they take the ring's
//! size and nothing more, however they churn.

use std::collections::{HashMap, VecDeque};

use actix_web::{HttpRequest, HttpResponse};

use crate::error::{ApiError, ApiResult};
use crate::http::etag;
use crate::http::lang::LangPref;

/// An experience as the anonymous public reads it: its id and the language asked for.
pub type ExperienceKey = (i64, LangPref);

/// A rendered public experience, its JSON compressed with LZ4 (to less than half its size, at
/// a few microseconds each way), with the headers that go with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptExperience {
    etag: String,
    content_language: String,
    compressed: Vec<u8>,
    len: usize,
}

impl KeptExperience {
    pub fn new(body: &[u8], etag: String, content_language: String) -> KeptExperience {
        KeptExperience {
            etag,
            content_language,
            compressed: lz4_flex::compress(body),
            len: body.len(),
        }
    }

    fn body(&self) -> ApiResult<Vec<u8>> {
        lz4_flex::decompress(&self.compressed, self.len)
            .map_err(|e| ApiError::internal(format!("decompressing an experience: {e}")))
    }

    /// The 200 answer (or 304 under a matching `If-None-Match`), as the first read sent it.
    pub fn respond(&self, req: &HttpRequest) -> ApiResult<HttpResponse> {
        etag::tagged_json(req, &self.etag, Some(&self.content_language), || {
            self.body()
        })
    }

    fn record_len(&self) -> usize {
        self.etag.len() + self.content_language.len() + self.compressed.len()
    }
}

/// Where a kept experience's record lies in the ring: its ETag, its `Content-Language` and its
/// compressed body, one after another.
#[derive(Debug, Clone, Copy)]
struct Slot {
    at: usize,
    etag: u16,
    lang: u16,
    compressed: u32,
    len: u32,
}

impl Slot {
    fn end(&self) -> usize {
        self.at + self.etag as usize + self.lang as usize + self.compressed as usize
    }
}

/// Kept experiences in a ring of `capacity` bytes (allocated as it first fills), the oldest
/// overwritten first. The live records run, in the order of `order`, from the oldest's
/// position round to `head`. The default keeps nothing.
#[derive(Debug, Default)]
pub struct Shelf {
    capacity: usize,
    ring: Vec<u8>,
    head: usize,
    slots: HashMap<ExperienceKey, Slot>,
    order: VecDeque<ExperienceKey>,
}

impl Shelf {
    pub fn new(capacity: usize) -> Shelf {
        Shelf {
            capacity,
            ring: Vec::new(),
            head: 0,
            slots: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    pub fn clear(&mut self) {
        self.slots.clear();
        self.order.clear();
        self.head = 0;
    }

    pub fn get(&self, key: &ExperienceKey) -> Option<KeptExperience> {
        let s = self.slots.get(key)?;
        let etag_end = s.at + s.etag as usize;
        let lang_end = etag_end + s.lang as usize;
        let text =
            |range: std::ops::Range<usize>| String::from_utf8_lossy(&self.ring[range]).into_owned();
        Some(KeptExperience {
            etag: text(s.at..etag_end),
            content_language: text(etag_end..lang_end),
            compressed: self.ring[lang_end..s.end()].to_vec(),
            len: s.len as usize,
        })
    }

    /// Keeps `kept` unless `key` is kept already (under the same generation, as new as it) or
    /// its record would take more than a 64th of the ring.
    pub fn put(&mut self, key: ExperienceKey, kept: &KeptExperience) {
        let n = kept.record_len();
        if self.slots.contains_key(&key)
            || n > self.capacity / 64
            || kept.etag.len() > usize::from(u16::MAX)
            || kept.content_language.len() > usize::from(u16::MAX)
            || u32::try_from(kept.len).is_err()
        {
            return;
        }
        if self.ring.capacity() < self.capacity {
            self.ring.reserve_exact(self.capacity - self.ring.len());
        }
        if self.head + n > self.capacity {
            // The end of the ring is too short: the records still there are the oldest.
            self.evict_while(|s, head| s.at >= head);
            self.head = 0;
        }
        let (start, end) = (self.head, self.head + n);
        self.evict_while(|s, _| s.at >= start && s.at < end);
        if self.ring.len() < end {
            self.ring.resize(end, 0);
        }
        let mut at = start;
        for part in [
            kept.etag.as_bytes(),
            kept.content_language.as_bytes(),
            &kept.compressed,
        ] {
            self.ring[at..at + part.len()].copy_from_slice(part);
            at += part.len();
        }
        self.slots.insert(
            key,
            Slot {
                at: start,
                etag: kept.etag.len() as u16,
                lang: kept.content_language.len() as u16,
                compressed: kept.compressed.len() as u32,
                len: kept.len as u32,
            },
        );
        self.order.push_back(key);
        self.head = end;
    }

    /// Drops the oldest records while `doomed(slot, head)` holds for the oldest.
    fn evict_while(&mut self, doomed: impl Fn(&Slot, usize) -> bool) {
        while let Some(key) = self.order.front() {
            match self.slots.get(key) {
                Some(s) if doomed(s, self.head) => {
                    self.slots.remove(key);
                    self.order.pop_front();
                }
                Some(_) => break,
                None => {
                    self.order.pop_front();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Random letters, which hardly compress: some 1,700 bytes kept each.
    fn text(id: i64, size: usize) -> Vec<u8> {
        let mut x = (id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..size)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                b'a' + (x % 26) as u8
            })
            .collect()
    }

    fn kept(id: i64, size: usize) -> KeptExperience {
        KeptExperience::new(&text(id, size), format!("\"{id}\""), "es, en".into())
    }

    #[test]
    fn compressed_and_given_back_whole() {
        let json = format!("{{\"title\":\"{}\"}}", "Gestión de caja ".repeat(200));
        let k = KeptExperience::new(json.as_bytes(), "\"t\"".into(), "es".into());
        assert!(k.compressed.len() * 4 < json.len(), "kept compressed");
        assert_eq!(k.body().unwrap(), json.as_bytes());
        let mut shelf = Shelf::new(1 << 20);
        shelf.put((1, LangPref::All), &k);
        assert_eq!(shelf.get(&(1, LangPref::All)), Some(k));
        assert_eq!(shelf.get(&(2, LangPref::All)), None);
    }

    #[test]
    fn the_oldest_leave_and_every_kept_record_reads_back_whole() {
        let capacity = 256 * 1024;
        let mut shelf = Shelf::new(capacity);
        let key = |id| (id, LangPref::All);
        let mut first_gone = None;
        // Sizes vary so that the ring's end is left short at each turn.
        for id in 0..2_000 {
            let size = 900 + (id as usize * 37) % 1400;
            shelf.put(key(id), &kept(id, size));
            assert_eq!(
                shelf.get(&key(id)).expect("the newest is kept"),
                kept(id, size)
            );
            if first_gone.is_none() && !shelf.slots.contains_key(&key(0)) {
                first_gone = Some(id);
            }
        }
        let first_gone = first_gone.expect("the ring went round");
        assert!(first_gone > 100, "a ring's worth is kept: {first_gone}");
        assert!(shelf.ring.len() <= capacity && shelf.ring.capacity() == capacity);
        let mut kept_ids: Vec<i64> = shelf.slots.keys().map(|k| k.0).collect();
        kept_ids.sort();
        assert!(kept_ids.len() > 100);
        assert_eq!(
            kept_ids,
            ((2_000 - kept_ids.len() as i64)..2_000).collect::<Vec<_>>(),
            "the newest are kept, the oldest gone"
        );
        for id in kept_ids {
            let size = 900 + (id as usize * 37) % 1400;
            assert_eq!(shelf.get(&key(id)), Some(kept(id, size)), "record {id}");
        }
        assert_eq!(shelf.order.len(), shelf.slots.len());
        shelf.clear();
        assert_eq!(shelf.slots.len(), 0);
        shelf.put(key(5), &kept(5, 1000));
        assert_eq!(shelf.get(&key(5)), Some(kept(5, 1000)));
        shelf.put(key(6), &kept(6, capacity / 32));
        assert!(
            !shelf.slots.contains_key(&key(6)),
            "too large for the ring: not kept"
        );
    }
}
