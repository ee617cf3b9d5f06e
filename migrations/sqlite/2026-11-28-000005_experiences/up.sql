-- The Guide (GEMGPE): experiences, their translations, child rows, published versions and the
-- search index.
CREATE TABLE experiences (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    country       TEXT NOT NULL REFERENCES countries (code),
    thematic_area TEXT NOT NULL REFERENCES thematic_areas (slug),
    language      TEXT NOT NULL CHECK (language IN ('en', 'es', 'fr', 'pt')),
    -- State of the working document; the public reads the latest published version.
    status        TEXT NOT NULL DEFAULT 'draft'
                      CHECK (status IN ('draft', 'in_review', 'published', 'archived')),
    -- Number of the latest published version (0: never published).
    version       INTEGER NOT NULL DEFAULT 0 CHECK (version >= 0),
    revision      INTEGER NOT NULL DEFAULT 1 CHECK (revision > 0),
    snapshot_date DATE NOT NULL,
    return_reason TEXT CHECK (length(return_reason) <= 2000),
    created_by    BIGINT REFERENCES users (id),
    updated_by    BIGINT REFERENCES users (id),
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    published_at  TIMESTAMP,
    CHECK (status NOT IN ('published', 'archived') OR version > 0),
    CHECK ((version = 0) = (published_at IS NULL))
);
CREATE INDEX experiences_country_area_idx ON experiences (country, thematic_area);
CREATE INDEX experiences_status_idx ON experiences (status, updated_at);

-- The translatable texts of the working document, one row per language.
CREATE TABLE experience_texts (
    experience_id BIGINT NOT NULL REFERENCES experiences (id) ON DELETE CASCADE,
    lang          TEXT NOT NULL CHECK (lang IN ('en', 'es', 'fr', 'pt')),
    title         TEXT NOT NULL DEFAULT '' CHECK (length(title) <= 300),
    introduction  TEXT NOT NULL DEFAULT '' CHECK (length(introduction) <= 100000),
    strategies    TEXT NOT NULL DEFAULT '' CHECK (length(strategies) <= 100000),
    PRIMARY KEY (experience_id, lang)
);

CREATE TABLE experience_institutions (
    experience_id BIGINT NOT NULL REFERENCES experiences (id) ON DELETE CASCADE,
    position      INTEGER NOT NULL CHECK (position BETWEEN 1 AND 100),
    name          TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
    acronym       TEXT CHECK (length(acronym) <= 50),
    role          TEXT CHECK (length(role) <= 2000),
    website       TEXT CHECK (length(website) <= 2000),
    PRIMARY KEY (experience_id, position)
);

CREATE TABLE experience_legal_instruments (
    experience_id BIGINT NOT NULL REFERENCES experiences (id) ON DELETE CASCADE,
    position      INTEGER NOT NULL CHECK (position BETWEEN 1 AND 200),
    title         TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
    kind          TEXT NOT NULL
                      CHECK (kind IN ('constitution', 'law', 'decree', 'regulation', 'policy', 'other')),
    number        TEXT CHECK (length(number) <= 100),
    year          INTEGER CHECK (year BETWEEN 1800 AND 2200),
    url           TEXT CHECK (length(url) <= 2000),
    PRIMARY KEY (experience_id, position)
);

CREATE TABLE experience_tags (
    experience_id BIGINT NOT NULL REFERENCES experiences (id) ON DELETE CASCADE,
    tag           TEXT NOT NULL CHECK (length(tag) BETWEEN 1 AND 50),
    PRIMARY KEY (experience_id, tag)
);
CREATE INDEX experience_tags_tag_idx ON experience_tags (tag);

-- Immutable snapshots of every published state.
CREATE TABLE experience_versions (
    experience_id BIGINT NOT NULL REFERENCES experiences (id),
    version       INTEGER NOT NULL CHECK (version > 0),
    snapshot_date DATE NOT NULL,
    -- The whole published document as JSON.
    document      TEXT NOT NULL,
    published_by  BIGINT REFERENCES users (id),
    published_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (experience_id, version)
);

CREATE TRIGGER experience_versions_no_update BEFORE UPDATE ON experience_versions
BEGIN
    SELECT RAISE(ABORT, 'published versions of experiences are immutable');
END;
CREATE TRIGGER experience_versions_no_delete BEFORE DELETE ON experience_versions
BEGIN
    SELECT RAISE(ABORT, 'published versions of experiences are immutable');
END;

-- What lists filter, sort and search: one row per experience and scope (`working` for the
-- editable document, `published` for the latest published version).
CREATE TABLE experience_search (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    experience_id BIGINT NOT NULL REFERENCES experiences (id) ON DELETE CASCADE,
    scope         TEXT NOT NULL CHECK (scope IN ('working', 'published')),
    snapshot_date DATE NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    -- ',tag-a,tag-b,' and ',en,es,': membership tests without a join.
    tags          TEXT NOT NULL,
    languages     TEXT NOT NULL,
    title_text    TEXT NOT NULL,
    body_text     TEXT NOT NULL,
    -- Words that stand for the filters fixed per row (scope, area, country, languages, tags):
    -- the full-text match narrows to them before ranking.
    facets        TEXT NOT NULL,
    UNIQUE (experience_id, scope)
);
CREATE INDEX experience_search_scope_idx ON experience_search (scope, snapshot_date, experience_id);

-- Full text of experience_search, accents folded (`gestion` finds `gestión`); the triggers keep
-- it in step with every write of its content table.
CREATE VIRTUAL TABLE experience_search_fts USING fts5(
    title_text, body_text, facets,
    content = 'experience_search', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
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
