-- A search reads the row of every match: narrow rows are fewer pages to read.
--
-- The plain texts and facet words are read by SQLite's full-text table only; here the tsvector
-- holds them all (`dialect::index_experience_texts`).
ALTER TABLE experience_search DROP COLUMN title_text, DROP COLUMN body_text, DROP COLUMN facets;

-- Ranking reads every match's tsvector. At its default storage a value of this size (~2 KB)
-- goes out of line: each read is then a TOAST index lookup and a fetch of chunks, ~12 µs a
-- row, most of a ranking (10 of 14 ms for the ~830 matches of a word in one thematic area of
-- 10,000 experiences). MAIN keeps it in the row.
ALTER TABLE experience_search ALTER COLUMN tsv SET STORAGE MAIN;
-- Rows keep the layout they were written with: write each again, as a new value so that it is
-- stored anew (and without the dropped columns).
UPDATE experience_search SET tsv = tsv || ''::tsvector;

-- The Guide is read far more than it is written: every search scanned the list of entries
-- written since a vacuum last merged them into the index (up to 4 MB); each write now puts
-- its entries in place.
ALTER INDEX experience_search_tsv_idx SET (fastupdate = off);
SELECT gin_clean_pending_list('experience_search_tsv_idx');
