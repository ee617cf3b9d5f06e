-- People and machine clients, their refresh tokens, and the append-only audit log.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         TEXT NOT NULL UNIQUE CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    display_name  TEXT NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
    role          TEXT NOT NULL CHECK (role IN ('member_country', 'expert', 'secretariat')),
    country       TEXT REFERENCES countries (code),
    password_hash TEXT NOT NULL,
    active        BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    -- Bumped whenever role, country, activity or password change: tokens carrying an older
    -- epoch stop working at once.
    auth_epoch    INTEGER NOT NULL DEFAULT 0,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    CHECK ((role = 'secretariat' AND country IS NULL) OR (role <> 'secretariat' AND country IS NOT NULL))
);

CREATE TABLE refresh_tokens (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     BIGINT NOT NULL REFERENCES users (id),
    family_id   TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP NOT NULL,
    rotated_at  TIMESTAMP,
    revoked_at  TIMESTAMP
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);

CREATE TABLE machine_clients (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      BIGINT NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    client_id    TEXT NOT NULL UNIQUE,
    secret_hash  TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP,
    last_used_at TIMESTAMP,
    revoked_at   TIMESTAMP
);
CREATE INDEX machine_clients_user_idx ON machine_clients (user_id, id);

CREATE TABLE audit_log (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    at            TIMESTAMP NOT NULL,
    actor_id      BIGINT REFERENCES users (id),
    actor_role    TEXT CHECK (actor_role IN ('member_country', 'expert', 'secretariat')),
    actor_country TEXT,
    client_id     TEXT,
    action        TEXT NOT NULL CHECK (length(action) BETWEEN 1 AND 100),
    entity_type   TEXT NOT NULL,
    entity_id     TEXT NOT NULL,
    request_id    TEXT,
    note          TEXT CHECK (length(note) <= 1000),
    summary       TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_entity_idx ON audit_log (entity_type, entity_id, id);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, id);
CREATE INDEX audit_log_action_idx ON audit_log (action, id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
