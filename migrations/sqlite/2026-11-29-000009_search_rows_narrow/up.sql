-- A search reads the row of every match: with its plain texts (3 KB on average) each search row
-- filled a page of its own, and the first search in a thematic area read ~830 pages (20 to 60
-- ms). The texts move to a table of their own, which only the full-text table reads.
DROP TRIGGER experience_search_au;
DROP TRIGGER experience_search_ad;
DROP TRIGGER experience_search_ai;
DROP TABLE experience_search_fts;

CREATE TABLE experience_search_texts_moved AS
    SELECT id, title_text, body_text, facets FROM experience_search;

-- Rebuilt rather than altered: dropping columns in place leaves each row on a page of its own.
CREATE TABLE experience_search_narrow (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    experience_id BIGINT NOT NULL REFERENCES experiences (id) ON DELETE CASCADE,
    scope         TEXT NOT NULL CHECK (scope IN ('working', 'published')),
    snapshot_date DATE NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    -- ',tag-a,tag-b,' and ',en,es,': membership tests without a join.
    tags          TEXT NOT NULL,
    languages     TEXT NOT NULL,
    UNIQUE (experience_id, scope)
);
INSERT INTO experience_search_narrow (id, experience_id, scope, snapshot_date, updated_at, tags, languages)
    SELECT id, experience_id, scope, snapshot_date, updated_at, tags, languages FROM experience_search;
DROP TABLE experience_search;
ALTER TABLE experience_search_narrow RENAME TO experience_search;
CREATE INDEX experience_search_scope_idx ON experience_search (scope, snapshot_date, experience_id);

-- The texts of each search row, under its id.
CREATE TABLE experience_search_texts (
    search_id  INTEGER PRIMARY KEY REFERENCES experience_search (id) ON DELETE CASCADE,
    title_text TEXT NOT NULL,
    body_text  TEXT NOT NULL,
    -- Words that stand for the filters fixed per row (scope, area, country, languages, tags):
    -- the full-text match narrows to them before ranking.
    facets     TEXT NOT NULL
);
INSERT INTO experience_search_texts (search_id, title_text, body_text, facets)
    SELECT id, title_text, body_text, facets FROM experience_search_texts_moved;
DROP TABLE experience_search_texts_moved;

-- Full text of the search rows, accents folded (`gestion` finds `gestión`); its rowid is the
-- search row's id, and the triggers keep it in step with every write of its content table.
CREATE VIRTUAL TABLE experience_search_fts USING fts5(
    title_text, body_text, facets,
    content = 'experience_search_texts', content_rowid = 'search_id',
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO experience_search_fts (experience_search_fts) VALUES ('rebuild');
CREATE TRIGGER experience_search_texts_ai AFTER INSERT ON experience_search_texts BEGIN
    INSERT INTO experience_search_fts (rowid, title_text, body_text, facets)
        VALUES (new.search_id, new.title_text, new.body_text, new.facets);
END;
CREATE TRIGGER experience_search_texts_ad AFTER DELETE ON experience_search_texts BEGIN
    INSERT INTO experience_search_fts (experience_search_fts, rowid, title_text, body_text, facets)
        VALUES ('delete', old.search_id, old.title_text, old.body_text, old.facets);
END;
CREATE TRIGGER experience_search_texts_au AFTER UPDATE ON experience_search_texts BEGIN
    INSERT INTO experience_search_fts (experience_search_fts, rowid, title_text, body_text, facets)
        VALUES ('delete', old.search_id, old.title_text, old.body_text, old.facets);
    INSERT INTO experience_search_fts (rowid, title_text, body_text, facets)
        VALUES (new.search_id, new.title_text, new.body_text, new.facets);
END;
