-- Civil society's written input on a (round, country): received during the window the round
-- defines, registered by the secretariat, screened (accepted or rejected, with a reason);
-- accepted inputs are read by the assigned experts and the reviewed country, which may reply,
-- and published with the country report when the round says so.
CREATE TABLE civil_society_windows (
    round_id            BIGINT PRIMARY KEY REFERENCES rounds (id),
    opens_on            DATE NOT NULL,
    closes_on           DATE NOT NULL,
    publish_with_report BOOLEAN NOT NULL DEFAULT 0 CHECK (publish_with_report IN (0, 1)),
    updated_at          TIMESTAMP NOT NULL,
    CHECK (opens_on <= closes_on)
);

CREATE TABLE civil_society_inputs (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    round_id         BIGINT NOT NULL REFERENCES rounds (id),
    country          TEXT NOT NULL REFERENCES countries (code),
    organisation     TEXT NOT NULL CHECK (length(organisation) BETWEEN 1 AND 300),
    contact_email    TEXT CHECK (length(contact_email) <= 254),
    title            TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    body             TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
    language         TEXT NOT NULL CHECK (language IN ('en', 'es', 'fr', 'pt')),
    received_on      DATE NOT NULL,
    status           TEXT NOT NULL DEFAULT 'submitted'
                         CHECK (status IN ('submitted', 'accepted', 'rejected')),
    screening_reason TEXT CHECK (length(screening_reason) <= 2000),
    screened_by      BIGINT REFERENCES users (id),
    screened_at      TIMESTAMP,
    reply            TEXT CHECK (length(reply) <= 20000),
    replied_by       BIGINT REFERENCES users (id),
    replied_at       TIMESTAMP,
    registered_by    BIGINT REFERENCES users (id),
    revision         INTEGER NOT NULL DEFAULT 1 CHECK (revision > 0),
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL
);
CREATE INDEX civil_society_inputs_round_idx ON civil_society_inputs (round_id, country, id);
