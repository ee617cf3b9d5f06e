ALTER INDEX experience_search_tsv_idx RESET (fastupdate);
ALTER TABLE experience_search ALTER COLUMN tsv SET STORAGE EXTENDED;
-- The plain texts are not kept here any more (the tsvector is): they come back empty, and
-- PostgreSQL never read them.
ALTER TABLE experience_search
    ADD COLUMN title_text TEXT NOT NULL DEFAULT '',
    ADD COLUMN body_text  TEXT NOT NULL DEFAULT '',
    ADD COLUMN facets     TEXT NOT NULL DEFAULT '';
ALTER TABLE experience_search
    ALTER COLUMN title_text DROP DEFAULT,
    ALTER COLUMN body_text DROP DEFAULT,
    ALTER COLUMN facets DROP DEFAULT;
