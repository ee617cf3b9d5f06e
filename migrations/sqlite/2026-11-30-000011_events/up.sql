-- Events: every state change that matters, appended in the transaction of the change (an
-- outbox). Who may read one is decided when it is written: `audience` with `country`,
-- `other_country` and `round_id` say which callers the policy let read the entity then.
CREATE TABLE events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    at            TIMESTAMP NOT NULL,
    event_type    TEXT NOT NULL CHECK (length(event_type) BETWEEN 1 AND 100),
    entity_type   TEXT NOT NULL,
    entity_id     TEXT NOT NULL,
    country       TEXT,
    other_country TEXT,
    round_id      BIGINT,
    audience      TEXT NOT NULL CHECK (audience IN ('public', 'country', 'country_and_experts', 'country_and_reviewers', 'experts', 'secretariat')),
    actor_id      BIGINT,
    actor_role    TEXT,
    payload       TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX events_country_idx ON events (country, id);
CREATE INDEX events_audience_idx ON events (audience, id);
CREATE INDEX events_at_idx ON events (at);

-- How far old events were removed: a cursor before it can no longer be served.
CREATE TABLE event_retention (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    pruned_through BIGINT NOT NULL
);
INSERT INTO event_retention (id, pruned_through) VALUES (1, 0);

-- Background jobs (webhook dispatch, reminders, pruning) run on one instance at a time: the
-- holder renews its lease; another instance takes over when it lapses.
CREATE TABLE job_leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL
);

CREATE TABLE webhooks (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id             BIGINT NOT NULL REFERENCES users (id),
    url                  TEXT NOT NULL CHECK (length(url) BETWEEN 1 AND 2000),
    description          TEXT CHECK (length(description) <= 500),
    event_types          TEXT NOT NULL DEFAULT '[]',
    secret               TEXT NOT NULL,
    status               TEXT NOT NULL CHECK (status IN ('active', 'paused', 'disabled')),
    disabled_reason      TEXT,
    -- The last event considered for this subscription.
    event_cursor         BIGINT NOT NULL,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    failing_since        TIMESTAMP,
    revision             INTEGER NOT NULL DEFAULT 1 CHECK (revision > 0),
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL
);
CREATE INDEX webhooks_owner_idx ON webhooks (owner_id, id);

CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id      BIGINT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id        BIGINT,
    message_id      TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    -- Deliveries of one entity go out in order.
    entity_key      TEXT NOT NULL,
    body            TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    lease_holder    TEXT,
    lease_until     TIMESTAMP,
    last_status     INTEGER,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, id);
CREATE INDEX webhook_deliveries_entity_idx ON webhook_deliveries (webhook_id, entity_key, id);

CREATE TABLE webhook_attempts (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id      BIGINT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    at               TIMESTAMP NOT NULL,
    status_code      INTEGER,
    latency_ms       BIGINT NOT NULL,
    error            TEXT,
    response_excerpt TEXT
);
CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, id);

-- Reminders already emitted: once per (round, country, kind, due date), so an extension arms
-- them again for the new date.
CREATE TABLE reminders_sent (
    round_id BIGINT NOT NULL REFERENCES rounds (id),
    country  TEXT NOT NULL,
    kind     TEXT NOT NULL CHECK (kind IN ('due_in_7_days', 'due_in_1_day', 'overdue')),
    due_on   DATE NOT NULL,
    PRIMARY KEY (round_id, country, kind, due_on)
);
