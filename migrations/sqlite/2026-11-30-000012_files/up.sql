-- Files: content stored once per SHA-256 (`blobs`); each upload is a `files` row naming it,
-- with its own name and uploader. With the embedded store the content is in `blob_chunks`,
-- written in the transaction that records the file, so no blob is ever half-stored or
-- unreferenced for long, and a backup of the database holds the files. With an object store
-- the content is under `blobs/<sha256>` there, and `blob_chunks` stays empty.
CREATE TABLE blobs (
    sha256     TEXT PRIMARY KEY CHECK (length(sha256) = 64),
    size       BIGINT NOT NULL CHECK (size > 0),
    used_at    TIMESTAMP NOT NULL
);

CREATE TABLE blob_chunks (
    sha256 TEXT NOT NULL REFERENCES blobs (sha256) ON DELETE CASCADE,
    seq    INTEGER NOT NULL CHECK (seq >= 0),
    data   BLOB NOT NULL,
    PRIMARY KEY (sha256, seq)
);

CREATE TABLE files (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    sha256          TEXT NOT NULL REFERENCES blobs (sha256),
    name            TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    media_type      TEXT NOT NULL,
    size            BIGINT NOT NULL CHECK (size > 0),
    -- None for content the system made (the demo library).
    uploaded_by     BIGINT REFERENCES users (id),
    country         TEXT,
    idempotency_key TEXT,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX files_sha256_idx ON files (sha256);
CREATE INDEX files_uploader_idx ON files (uploaded_by, id);
CREATE UNIQUE INDEX files_idempotency_idx ON files (uploaded_by, idempotency_key);

-- A file attached to what it is evidence of or an annex to. `slot` is the question code of
-- an answer's attachment (parent = the response); `<version>:<language>` a document's file.
CREATE TABLE attachments (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    file_id     BIGINT NOT NULL REFERENCES files (id),
    parent_type TEXT NOT NULL CHECK (parent_type IN ('answer', 'experience', 'followup', 'report', 'cooperation', 'need', 'offer', 'document')),
    parent_id   BIGINT NOT NULL,
    slot        TEXT NOT NULL DEFAULT '',
    caption     TEXT NOT NULL DEFAULT '' CHECK (length(caption) <= 500),
    attached_by BIGINT REFERENCES users (id),
    created_at  TIMESTAMP NOT NULL,
    UNIQUE (parent_type, parent_id, slot, file_id)
);
CREATE INDEX attachments_file_idx ON attachments (file_id);

-- The library: each document is a series of versions; readers see the latest published one.
CREATE TABLE documents (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT NOT NULL CHECK (kind IN ('terms_of_reference', 'methodology', 'regulations', 'concept_paper', 'questionnaire_template', 'country_report', 'hemispheric_report', 'study', 'analytical_framework', 'meeting_minutes', 'other')),
    report_id  BIGINT REFERENCES reports (id),
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX documents_report_idx ON documents (report_id);

CREATE TABLE document_versions (
    document_id    BIGINT NOT NULL REFERENCES documents (id),
    version        INTEGER NOT NULL CHECK (version >= 1),
    status         TEXT NOT NULL CHECK (status IN ('draft', 'published', 'superseded')),
    language       TEXT NOT NULL,
    title          TEXT NOT NULL,
    summary        TEXT NOT NULL,
    thematic_areas TEXT NOT NULL DEFAULT '[]',
    rounds         TEXT NOT NULL DEFAULT '[]',
    -- The languages it has a file in, as ',en,es,': what the library filters by.
    file_languages TEXT NOT NULL DEFAULT '',
    revision       INTEGER NOT NULL,
    published_at   TIMESTAMP,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (document_id, version)
);
CREATE INDEX document_versions_status_idx ON document_versions (status, document_id);

CREATE VIRTUAL TABLE document_search_fts USING fts5(
    title_text, body_text,
    tokenize = 'unicode61 remove_diacritics 2'
);
