-- Countries' responses to questionnaires, their answers and every change of an answer; and
-- the idempotency keys that make retried POSTs safe.
CREATE TABLE responses (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    questionnaire_id  BIGINT NOT NULL REFERENCES questionnaires (id),
    round_id          BIGINT NOT NULL REFERENCES rounds (id),
    country           TEXT NOT NULL REFERENCES countries (code),
    status            TEXT NOT NULL DEFAULT 'draft'
                          CHECK (status IN ('draft', 'submitted', 'returned', 'accepted')),
    revision          INTEGER NOT NULL DEFAULT 1,
    submitted_at      TIMESTAMP,
    submitted_by      BIGINT REFERENCES users (id),
    late              BOOLEAN NOT NULL DEFAULT FALSE,
    return_reason     TEXT CHECK (length(return_reason) <= 5000),
    -- JSON array of {question, reason} for answers a new version could not take over.
    carry_over_report TEXT NOT NULL DEFAULT '[]',
    created_by        BIGINT REFERENCES users (id),
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    UNIQUE (questionnaire_id, country),
    CHECK ((status IN ('draft')) OR submitted_at IS NOT NULL)
);
CREATE INDEX responses_round_idx ON responses (round_id, country);
CREATE INDEX responses_updated_idx ON responses (updated_at, id);

CREATE TABLE answers (
    response_id   BIGINT NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    question_code TEXT NOT NULL CHECK (length(question_code) BETWEEN 1 AND 30),
    -- The value as JSON, already checked against its question.
    value         TEXT NOT NULL,
    comment       TEXT CHECK (length(comment) <= 5000),
    updated_by    BIGINT REFERENCES users (id),
    updated_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (response_id, question_code)
);

-- One row per save: every answer it changed, old → new, as a JSON array of
-- {question, old_value, new_value, old_comment, new_comment}.
CREATE TABLE answer_history (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    response_id BIGINT NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    changes     TEXT NOT NULL,
    change_count INTEGER NOT NULL CHECK (change_count > 0),
    via         TEXT NOT NULL CHECK (via IN ('put', 'delete', 'carry_over')),
    changed_by  BIGINT REFERENCES users (id),
    changed_at  TIMESTAMP NOT NULL
);
CREATE INDEX answer_history_response_idx ON answer_history (response_id, id);

CREATE TABLE idempotency_keys (
    principal    TEXT NOT NULL,
    key          TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    fingerprint  TEXT NOT NULL,
    claimed_at   TIMESTAMP NOT NULL,
    -- Set in the same transaction as the request's effect.
    effect_at    TIMESTAMP,
    status       INTEGER,
    headers      TEXT,
    body         TEXT,
    completed_at TIMESTAMP,
    PRIMARY KEY (principal, key)
);
CREATE INDEX idempotency_keys_claimed_idx ON idempotency_keys (claimed_at);
