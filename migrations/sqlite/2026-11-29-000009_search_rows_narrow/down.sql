DROP TRIGGER experience_search_texts_au;
DROP TRIGGER experience_search_texts_ad;
DROP TRIGGER experience_search_texts_ai;
DROP TABLE experience_search_fts;

CREATE TABLE experience_search_wide (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    experience_id BIGINT NOT NULL REFERENCES experiences (id) ON DELETE CASCADE,
    scope         TEXT NOT NULL CHECK (scope IN ('working', 'published')),
    snapshot_date DATE NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    tags          TEXT NOT NULL,
    languages     TEXT NOT NULL,
    title_text    TEXT NOT NULL,
    body_text     TEXT NOT NULL,
    facets        TEXT NOT NULL,
    UNIQUE (experience_id, scope)
);
INSERT INTO experience_search_wide
    SELECT s.id, s.experience_id, s.scope, s.snapshot_date, s.updated_at, s.tags, s.languages,
           t.title_text, t.body_text, t.facets
    FROM experience_search s JOIN experience_search_texts t ON t.search_id = s.id;
DROP TABLE experience_search_texts;
DROP TABLE experience_search;
ALTER TABLE experience_search_wide RENAME TO experience_search;
CREATE INDEX experience_search_scope_idx ON experience_search (scope, snapshot_date, experience_id);

CREATE VIRTUAL TABLE experience_search_fts USING fts5(
    title_text, body_text, facets,
    content = 'experience_search', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO experience_search_fts (experience_search_fts) VALUES ('rebuild');
CREATE TRIGGER experience_search_ai AFTER INSERT ON experience_search BEGIN
    INSERT INTO experience_search_fts (rowid, title_text, body_text, facets)
        VALUES (new.id, new.title_text, new.body_text, new.facets);
END;
CREATE TRIGGER experience_search_ad AFTER DELETE ON experience_search BEGIN
    INSERT INTO experience_search_fts (experience_search_fts, rowid, title_text, body_text, facets)
        VALUES ('delete', old.id, old.title_text, old.body_text, old.facets);
END;
CREATE TRIGGER experience_search_au AFTER UPDATE ON experience_search BEGIN
    INSERT INTO experience_search_fts (experience_search_fts, rowid, title_text, body_text, facets)
        VALUES ('delete', old.id, old.title_text, old.body_text, old.facets);
    INSERT INTO experience_search_fts (rowid, title_text, body_text, facets)
        VALUES (new.id, new.title_text, new.body_text, new.facets);
END;
