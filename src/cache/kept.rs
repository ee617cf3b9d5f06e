//! The public's reads of single experiences, kept rendered and compressed in one buffer of a
//! fixed size ([`Shelf`]), for [`super::GuideCache`].
//!
//! Reads spread over the whole Guide churn through the kept experiences all the time. Kept as
//! separate allocations, their churn left the allocator's heap a third larger than what it
//! held; laid one after another in a ring, the oldest overwritten first, they take the ring's
//! size and nothing more, however they churn.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, OnceLock};

use actix_web::{HttpRequest, HttpResponse};

use crate::error::{ApiError, ApiResult};
use crate::http::etag;
use crate::http::lang::LangPref;

/// An experience as the anonymous public reads it: its id and the language asked for.
pub type ExperienceKey = (i64, LangPref);

/// The bytes every kept experience is compressed against: the first one kept, cut to
/// [`Dictionary::MAX`].
///
/// Experiences share their JSON's keys and much of their wording; one alone compresses to
/// less than half its size, against another to less than a third, so the ring holds half as
/// many again. Set once and never changed, so that every record reads back with it.
#[derive(Debug, Default)]
pub struct Dictionary(OnceLock<Arc<[u8]>>);

impl Dictionary {
    /// Longer buys little: a second experience adds no keys, and each compression reads the
    /// whole dictionary first.
    const MAX: usize = 8 * 1024;

    /// The dictionary, made of `body` if there is none yet.
    pub fn primed_with(&self, body: &[u8]) -> Arc<[u8]> {
        self.0
            .get_or_init(|| Arc::from(&body[..body.len().min(Self::MAX)]))
            .clone()
    }

    /// The dictionary, empty before the first experience is kept.
    pub fn get(&self) -> Arc<[u8]> {
        self.0.get().cloned().unwrap_or_else(|| Arc::from(&[][..]))
    }
}

/// A rendered public experience, its JSON compressed with LZ4 against the [`Dictionary`] (to
/// about a third of its size, at a few microseconds each way), with the headers that go with
/// it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptExperience {
    etag: String,
    content_language: String,
    compressed: Vec<u8>,
    len: usize,
    dictionary: Arc<[u8]>,
}

impl KeptExperience {
    pub fn new(
        body: &[u8],
        etag: String,
        content_language: String,
        dictionary: Arc<[u8]>,
    ) -> KeptExperience {
        KeptExperience {
            etag,
            content_language,
            compressed: lz4_flex::block::compress_with_dict(body, &dictionary),
            len: body.len(),
            dictionary,
        }
    }

    pub(super) fn body(&self) -> ApiResult<Vec<u8>> {
        lz4_flex::block::decompress_with_dict(&self.compressed, self.len, &self.dictionary)
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

    /// The record kept for `key`, to read back with the `dictionary` it was compressed with.
    pub fn get(&self, key: &ExperienceKey, dictionary: &Arc<[u8]>) -> Option<KeptExperience> {
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
            dictionary: dictionary.clone(),
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

    fn no_dictionary() -> Arc<[u8]> {
        Dictionary::default().get()
    }

    fn kept(id: i64, size: usize) -> KeptExperience {
        KeptExperience::new(
            &text(id, size),
            format!("\"{id}\""),
            "es, en".into(),
            no_dictionary(),
        )
    }

    #[test]
    fn compressed_and_given_back_whole() {
        let json = format!("{{\"title\":\"{}\"}}", "Gestión de caja ".repeat(200));
        let k = KeptExperience::new(
            json.as_bytes(),
            "\"t\"".into(),
            "es".into(),
            no_dictionary(),
        );
        assert!(k.compressed.len() * 4 < json.len(), "kept compressed");
        assert_eq!(k.body().unwrap(), json.as_bytes());
        let mut shelf = Shelf::new(1 << 20);
        shelf.put((1, LangPref::All), &k);
        assert_eq!(shelf.get(&(1, LangPref::All), &no_dictionary()), Some(k));
        assert_eq!(shelf.get(&(2, LangPref::All), &no_dictionary()), None);
    }

    /// An experience as the Guide renders it: the same keys, its own words.
    fn experience(id: i64) -> Vec<u8> {
        let words = String::from_utf8(text(id, 600)).unwrap();
        serde_json::to_vec(&serde_json::json!({
            "id": id,
            "status": "published",
            "country": {"code": "ARG", "name": "Argentina"},
            "thematic_area": {"slug": "public-budget", "name": "Presupuesto público"},
            "title": {"es": format!("Experiencia {id}"), "en": format!("Experience {id}")},
            "sections": [
                {"kind": "context", "text": {"es": words[..300].to_owned()}},
                {"kind": "results", "text": {"es": words[300..].to_owned()}},
            ],
            "institutions": [{"name": "Ministerio de Economía", "role": "lead"}],
            "legal_instruments": [{"kind": "law", "number": format!("{id}/2020")}],
            "links": {"self": format!("/api/v1/experiences/{id}")},
        }))
        .unwrap()
    }

    #[test]
    fn the_first_experience_kept_is_the_dictionary_of_all() {
        let dictionary = Dictionary::default();
        assert!(dictionary.get().is_empty());
        let first = dictionary.primed_with(&experience(1));
        assert_eq!(&first[..], &experience(1)[..]);
        assert_eq!(
            &dictionary.primed_with(&experience(2))[..],
            &first[..],
            "set once"
        );
        let long = vec![b'x'; 3 * Dictionary::MAX];
        assert_eq!(
            Dictionary::default().primed_with(&long).len(),
            Dictionary::MAX
        );

        let body = experience(2);
        let alone = KeptExperience::new(&body, "\"a\"".into(), "es".into(), no_dictionary());
        let against = KeptExperience::new(&body, "\"a\"".into(), "es".into(), first.clone());
        assert!(
            against.compressed.len() * 5 < alone.compressed.len() * 4,
            "the shared keys compress away: {} against {} bytes",
            against.compressed.len(),
            alone.compressed.len()
        );
        assert_eq!(against.body().unwrap(), body);
        let mut shelf = Shelf::new(1 << 20);
        shelf.put((2, LangPref::All), &against);
        let back = shelf.get(&(2, LangPref::All), &first).unwrap();
        assert_eq!(
            back.body().unwrap(),
            body,
            "read back with the same dictionary"
        );
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
                shelf
                    .get(&key(id), &no_dictionary())
                    .expect("the newest is kept"),
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
            assert_eq!(
                shelf.get(&key(id), &no_dictionary()),
                Some(kept(id, size)),
                "record {id}"
            );
        }
        assert_eq!(shelf.order.len(), shelf.slots.len());
        shelf.clear();
        assert_eq!(shelf.slots.len(), 0);
        shelf.put(key(5), &kept(5, 1000));
        assert_eq!(shelf.get(&key(5), &no_dictionary()), Some(kept(5, 1000)));
        shelf.put(key(6), &kept(6, capacity / 32));
        assert!(
            !shelf.slots.contains_key(&key(6)),
            "too large for the ring: not kept"
        );
    }
}
