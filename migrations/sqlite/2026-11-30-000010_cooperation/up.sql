-- Cooperation: what countries need to implement recommendations, what countries and partner
-- organisations offer, and the cooperations that pair them, followed to their outcome.
-- Translatable texts are JSON objects keyed by language; lists of kinds, languages and linked
-- ids are JSON arrays (read whole with their row, never filtered inside SQL but by `LIKE`).
CREATE TABLE partners (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
    acronym     TEXT CHECK (length(acronym) <= 50),
    kind        TEXT NOT NULL CHECK (kind IN ('oas_department', 'development_bank', 'university', 'agency', 'other')),
    website     TEXT CHECK (length(website) <= 2000),
    language    TEXT NOT NULL CHECK (language IN ('en', 'es', 'fr', 'pt')),
    description TEXT NOT NULL DEFAULT '{}',
    revision    INTEGER NOT NULL DEFAULT 1 CHECK (revision > 0),
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX partners_name_idx ON partners (lower(name));

CREATE TABLE needs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    country         TEXT NOT NULL REFERENCES countries (code),
    thematic_area   TEXT NOT NULL REFERENCES thematic_areas (slug),
    kind            TEXT NOT NULL CHECK (kind IN ('technical_assistance', 'training', 'peer_exchange', 'study_visit', 'expert_mission', 'documentation')),
    priority        TEXT NOT NULL CHECK (priority IN ('high', 'medium', 'low')),
    modality        TEXT NOT NULL CHECK (modality IN ('in_person', 'virtual', 'either')),
    language        TEXT NOT NULL CHECK (language IN ('en', 'es', 'fr', 'pt')),
    title           TEXT NOT NULL,
    description     TEXT NOT NULL,
    languages       TEXT NOT NULL DEFAULT '[]',
    recommendations TEXT NOT NULL DEFAULT '[]',
    experiences     TEXT NOT NULL DEFAULT '[]',
    confidential    BOOLEAN NOT NULL DEFAULT FALSE,
    status          TEXT NOT NULL CHECK (status IN ('draft', 'open', 'in_cooperation', 'met', 'withdrawn')),
    close_note      TEXT CHECK (length(close_note) <= 2000),
    revision        INTEGER NOT NULL DEFAULT 1 CHECK (revision > 0),
    created_by      BIGINT REFERENCES users (id),
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX needs_status_idx ON needs (status, thematic_area, id);
CREATE INDEX needs_country_idx ON needs (country, id);
CREATE INDEX needs_updated_idx ON needs (updated_at);

CREATE TABLE offers (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    country           TEXT REFERENCES countries (code),
    partner_id        BIGINT REFERENCES partners (id),
    thematic_area     TEXT NOT NULL REFERENCES thematic_areas (slug),
    language          TEXT NOT NULL CHECK (language IN ('en', 'es', 'fr', 'pt')),
    title             TEXT NOT NULL,
    description       TEXT NOT NULL,
    kinds             TEXT NOT NULL DEFAULT '[]',
    languages         TEXT NOT NULL DEFAULT '[]',
    modality          TEXT NOT NULL CHECK (modality IN ('in_person', 'virtual', 'either')),
    capacity_per_year INTEGER CHECK (capacity_per_year BETWEEN 1 AND 1000),
    valid_from        DATE NOT NULL,
    valid_until       DATE,
    experiences       TEXT NOT NULL DEFAULT '[]',
    status            TEXT NOT NULL CHECK (status IN ('draft', 'open', 'closed')),
    revision          INTEGER NOT NULL DEFAULT 1 CHECK (revision > 0),
    created_by        BIGINT REFERENCES users (id),
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    CHECK ((country IS NULL) <> (partner_id IS NULL)),
    CHECK (valid_until IS NULL OR valid_until >= valid_from)
);
CREATE INDEX offers_status_idx ON offers (status, thematic_area, id);
CREATE INDEX offers_country_idx ON offers (country, id);
CREATE INDEX offers_updated_idx ON offers (updated_at);

CREATE TABLE cooperations (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    need_id             BIGINT NOT NULL REFERENCES needs (id),
    offer_id            BIGINT REFERENCES offers (id),
    provider_country    TEXT REFERENCES countries (code),
    provider_partner    BIGINT REFERENCES partners (id),
    language            TEXT NOT NULL CHECK (language IN ('en', 'es', 'fr', 'pt')),
    title               TEXT NOT NULL,
    description         TEXT NOT NULL DEFAULT '{}',
    activities          TEXT NOT NULL DEFAULT '[]',
    status              TEXT NOT NULL CHECK (status IN ('proposed', 'agreed', 'in_progress', 'completed', 'cancelled')),
    requester_agreed_at TIMESTAMP,
    provider_agreed_at  TIMESTAMP,
    agreed_at           TIMESTAMP,
    started_at          TIMESTAMP,
    completed_at        TIMESTAMP,
    outcome             TEXT,
    rating              INTEGER CHECK (rating BETWEEN 1 AND 5),
    rating_comment      TEXT CHECK (length(rating_comment) <= 2000),
    rating_public       BOOLEAN NOT NULL DEFAULT FALSE,
    cancel_reason       TEXT CHECK (length(cancel_reason) <= 2000),
    proposed_by         BIGINT REFERENCES users (id),
    revision            INTEGER NOT NULL DEFAULT 1 CHECK (revision > 0),
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    CHECK ((provider_country IS NULL) <> (provider_partner IS NULL)),
    CHECK ((status = 'completed') = (completed_at IS NOT NULL))
);
CREATE INDEX cooperations_need_idx ON cooperations (need_id);
CREATE INDEX cooperations_status_idx ON cooperations (status, id);
CREATE INDEX cooperations_updated_idx ON cooperations (updated_at);

-- Full text of needs and offers (title and description in every language), for `q` and for
-- suggestions, accents folded. Row id = 2 × the need's id, or 2 × the offer's id + 1.
CREATE VIRTUAL TABLE cooperation_search_fts USING fts5(
    title_text, body_text,
    tokenize = 'unicode61 remove_diacritics 2'
);
