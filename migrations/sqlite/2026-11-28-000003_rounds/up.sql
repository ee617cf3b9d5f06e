-- Rounds of exchange, their participants, and the versioned Self-Review Questionnaires.
CREATE TABLE rounds (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    number                INTEGER NOT NULL UNIQUE CHECK (number > 0),
    status                TEXT NOT NULL DEFAULT 'planned'
                              CHECK (status IN ('planned', 'open', 'in_review', 'concluded', 'cancelled')),
    language              TEXT NOT NULL CHECK (language IN ('en', 'es', 'fr', 'pt')),
    -- Texts people read, as JSON objects keyed by language.
    title                 TEXT NOT NULL,
    description           TEXT NOT NULL DEFAULT '{}',
    starts_on             DATE NOT NULL,
    responses_due_on      DATE NOT NULL,
    ends_on               DATE NOT NULL,
    reviewers_per_country INTEGER NOT NULL DEFAULT 2 CHECK (reviewers_per_country BETWEEN 2 AND 4),
    response_publication  TEXT NOT NULL DEFAULT 'confidential'
                              CHECK (response_publication IN ('public_after_conclusion', 'confidential')),
    revision              INTEGER NOT NULL DEFAULT 1,
    created_at            TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL,
    CHECK (starts_on <= responses_due_on AND responses_due_on <= ends_on)
);
CREATE INDEX rounds_status_idx ON rounds (status, number);

CREATE TABLE round_areas (
    round_id  BIGINT NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    area_slug TEXT NOT NULL REFERENCES thematic_areas (slug),
    PRIMARY KEY (round_id, area_slug)
);
CREATE INDEX round_areas_area_idx ON round_areas (area_slug, round_id);

CREATE TABLE round_participants (
    round_id         BIGINT NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    country          TEXT NOT NULL REFERENCES countries (code),
    due_on_extension DATE,
    extension_reason TEXT CHECK (length(extension_reason) <= 1000),
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (round_id, country),
    CHECK ((due_on_extension IS NULL) = (extension_reason IS NULL))
);
CREATE INDEX round_participants_country_idx ON round_participants (country, round_id);

CREATE TABLE questionnaires (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    round_id     BIGINT NOT NULL REFERENCES rounds (id),
    version      INTEGER NOT NULL CHECK (version > 0),
    status       TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'retired')),
    language     TEXT NOT NULL CHECK (language IN ('en', 'es', 'fr', 'pt')),
    -- The whole document (title, introduction, sections, questions) as JSON.
    document     TEXT NOT NULL,
    revision     INTEGER NOT NULL DEFAULT 1,
    published_at TIMESTAMP,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    UNIQUE (round_id, version),
    CHECK ((status = 'draft') = (published_at IS NULL))
);
-- At most one published and one draft version per round.
CREATE UNIQUE INDEX questionnaires_one_published ON questionnaires (round_id) WHERE status = 'published';
CREATE UNIQUE INDEX questionnaires_one_draft ON questionnaires (round_id) WHERE status = 'draft';

-- One row per question of each version, so that the database knows the codes and kinds that
-- answers refer to.
CREATE TABLE questionnaire_questions (
    questionnaire_id BIGINT NOT NULL REFERENCES questionnaires (id) ON DELETE CASCADE,
    code             TEXT NOT NULL CHECK (length(code) BETWEEN 1 AND 30),
    position         INTEGER NOT NULL,
    section_code     TEXT NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('text', 'long_text', 'integer', 'decimal', 'boolean',
                                                   'date', 'single_choice', 'multi_choice', 'url')),
    required         BOOLEAN NOT NULL,
    PRIMARY KEY (questionnaire_id, code),
    UNIQUE (questionnaire_id, position)
);
