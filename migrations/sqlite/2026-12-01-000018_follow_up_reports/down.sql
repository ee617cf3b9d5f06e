PRAGMA defer_foreign_keys = ON;
DELETE FROM reports WHERE kind = 'follow_up';
CREATE TABLE reports_rebuilt (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    round_id      BIGINT NOT NULL REFERENCES rounds (id),
    kind          TEXT NOT NULL CHECK (kind IN ('country', 'hemispheric')),
    country       TEXT REFERENCES countries (code),
    language      TEXT NOT NULL CHECK (language IN ('en', 'es', 'fr', 'pt')),
    -- Texts as JSON objects keyed by language; the body is Markdown.
    title         TEXT NOT NULL,
    body          TEXT NOT NULL DEFAULT '{}',
    status        TEXT NOT NULL DEFAULT 'draft'
                      CHECK (status IN ('draft', 'under_review', 'adopted', 'published')),
    version       INTEGER NOT NULL DEFAULT 1 CHECK (version > 0),
    revision      INTEGER NOT NULL DEFAULT 1 CHECK (revision > 0),
    decision_date DATE,
    decision_note TEXT CHECK (length(decision_note) <= 2000),
    adopted_at    TIMESTAMP,
    published_at  TIMESTAMP,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    meeting_id    BIGINT REFERENCES meetings (id),
    CHECK ((kind IN ('country')) = (country IS NOT NULL)),
    CHECK ((status IN ('adopted', 'published')) = (adopted_at IS NOT NULL AND decision_date IS NOT NULL)),
    CHECK ((status = 'published') = (published_at IS NOT NULL))
);
CREATE TEMP TABLE reports_kept AS SELECT * FROM reports;
DROP TABLE reports;
ALTER TABLE reports_rebuilt RENAME TO reports;
INSERT INTO reports (id, round_id, kind, country, language, title, body, status, version,
    revision, decision_date, decision_note, adopted_at, published_at, created_at, updated_at, meeting_id)
SELECT id, round_id, kind, country, language, title, body, status, version,
    revision, decision_date, decision_note, adopted_at, published_at, created_at, updated_at, meeting_id
FROM reports_kept;
DROP TABLE reports_kept;
CREATE UNIQUE INDEX reports_one_per_country ON reports (round_id, country) WHERE kind = 'country';
CREATE UNIQUE INDEX reports_one_hemispheric ON reports (round_id) WHERE kind = 'hemispheric';
