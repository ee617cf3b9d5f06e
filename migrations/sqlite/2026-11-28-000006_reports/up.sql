-- Review: reviewers drawn by lot, country and hemispheric reports, comments, recommendations
-- and their follow-up.
CREATE TABLE draws (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    round_id              BIGINT NOT NULL REFERENCES rounds (id),
    seed                  BIGINT NOT NULL CHECK (seed >= 0),
    reviewers_per_country INTEGER NOT NULL CHECK (reviewers_per_country BETWEEN 1 AND 34),
    participants          INTEGER NOT NULL CHECK (participants >= 2),
    superseded_at         TIMESTAMP,
    created_by            BIGINT REFERENCES users (id),
    created_at            TIMESTAMP NOT NULL
);
-- One current draw per round; superseded ones stay.
CREATE UNIQUE INDEX draws_one_current ON draws (round_id) WHERE superseded_at IS NULL;

CREATE TABLE draw_assignments (
    draw_id  BIGINT NOT NULL REFERENCES draws (id),
    country  TEXT NOT NULL REFERENCES countries (code),
    reviewer TEXT NOT NULL REFERENCES countries (code),
    PRIMARY KEY (draw_id, country, reviewer),
    CHECK (country <> reviewer)
);
CREATE INDEX draw_assignments_reviewer_idx ON draw_assignments (draw_id, reviewer);

CREATE TABLE reports (
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
    CHECK ((kind = 'country') = (country IS NOT NULL)),
    CHECK ((status IN ('adopted', 'published')) = (adopted_at IS NOT NULL AND decision_date IS NOT NULL)),
    CHECK ((status = 'published') = (published_at IS NOT NULL))
);
CREATE UNIQUE INDEX reports_one_per_country ON reports (round_id, country) WHERE kind = 'country';
CREATE UNIQUE INDEX reports_one_hemispheric ON reports (round_id) WHERE kind = 'hemispheric';

CREATE TABLE report_comments (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id      BIGINT NOT NULL REFERENCES reports (id),
    author_id      BIGINT NOT NULL REFERENCES users (id),
    author_role    TEXT NOT NULL,
    author_country TEXT,
    anchor         TEXT CHECK (length(anchor) <= 200),
    body           TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
CREATE INDEX report_comments_report_idx ON report_comments (report_id, id);

CREATE TRIGGER report_comments_no_delete BEFORE DELETE ON report_comments
BEGIN
    SELECT RAISE(ABORT, 'comments on reports are never deleted');
END;

CREATE TABLE recommendations (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id     BIGINT NOT NULL REFERENCES reports (id),
    number        INTEGER NOT NULL CHECK (number > 0),
    language      TEXT NOT NULL CHECK (language IN ('en', 'es', 'fr', 'pt')),
    text          TEXT NOT NULL,
    thematic_area TEXT REFERENCES thematic_areas (slug),
    target_date   DATE,
    status        TEXT NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'in_progress', 'implemented', 'not_applicable')),
    progress_note TEXT CHECK (length(progress_note) <= 10000),
    -- JSON array of URLs.
    evidence_urls TEXT NOT NULL DEFAULT '[]',
    revision      INTEGER NOT NULL DEFAULT 1 CHECK (revision > 0),
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    UNIQUE (report_id, number)
);
CREATE INDEX recommendations_status_idx ON recommendations (status, id);

-- Every follow-up change, as reported.
CREATE TABLE recommendation_followups (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    recommendation_id BIGINT NOT NULL REFERENCES recommendations (id),
    status            TEXT NOT NULL,
    progress_note     TEXT,
    evidence_urls     TEXT NOT NULL,
    changed_by        BIGINT REFERENCES users (id),
    changed_at        TIMESTAMP NOT NULL
);
CREATE INDEX recommendation_followups_idx ON recommendation_followups (recommendation_id, id);
