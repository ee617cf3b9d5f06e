-- Sessions of the Group of Member Countries and of the Committee of Experts: when and where,
-- the agenda (reports to adopt, questionnaires to approve, documents, other business), the
-- decision taken on each item, attendance by country and the minutes (a library document).
-- A report adopted by a session's decision names that session.
CREATE TABLE meetings (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    body                TEXT NOT NULL CHECK (body IN ('group_of_member_countries', 'committee_of_experts')),
    round_id            BIGINT REFERENCES rounds (id),
    title               TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    starts_at           TIMESTAMP NOT NULL,
    ends_at             TIMESTAMP NOT NULL,
    mode                TEXT NOT NULL CHECK (mode IN ('in_person', 'virtual', 'hybrid')),
    place               TEXT CHECK (length(place) BETWEEN 1 AND 300),
    online_url          TEXT CHECK (length(online_url) BETWEEN 1 AND 2000),
    status              TEXT NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'held', 'cancelled')),
    cancel_reason       TEXT CHECK (length(cancel_reason) <= 2000),
    minutes_document_id BIGINT REFERENCES documents (id),
    created_by          BIGINT REFERENCES users (id),
    revision            INTEGER NOT NULL DEFAULT 1 CHECK (revision > 0),
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    CHECK (starts_at < ends_at),
    CHECK (mode = 'virtual' OR place IS NOT NULL),
    CHECK (mode = 'in_person' OR online_url IS NOT NULL)
);
CREATE INDEX meetings_starts_idx ON meetings (starts_at, id);

CREATE TABLE meeting_agenda_items (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    meeting_id       BIGINT NOT NULL REFERENCES meetings (id),
    position         INTEGER NOT NULL CHECK (position > 0),
    kind             TEXT NOT NULL CHECK (kind IN ('report_adoption', 'questionnaire_approval', 'document', 'other')),
    title            TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    report_id        BIGINT REFERENCES reports (id),
    questionnaire_id BIGINT REFERENCES questionnaires (id),
    document_id      BIGINT REFERENCES documents (id),
    created_at       TIMESTAMP NOT NULL,
    UNIQUE (meeting_id, position),
    CHECK ((kind = 'report_adoption') = (report_id IS NOT NULL)),
    CHECK ((kind = 'questionnaire_approval') = (questionnaire_id IS NOT NULL)),
    CHECK ((kind = 'document') = (document_id IS NOT NULL))
);

CREATE TABLE meeting_decisions (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    meeting_id     BIGINT NOT NULL REFERENCES meetings (id),
    agenda_item_id BIGINT NOT NULL UNIQUE REFERENCES meeting_agenda_items (id),
    outcome        TEXT NOT NULL CHECK (outcome IN ('adopted', 'approved', 'noted', 'deferred', 'rejected')),
    text           TEXT NOT NULL CHECK (length(text) <= 4000),
    recorded_by    BIGINT REFERENCES users (id),
    recorded_at    TIMESTAMP NOT NULL
);
CREATE INDEX meeting_decisions_meeting_idx ON meeting_decisions (meeting_id, id);

CREATE TABLE meeting_attendance (
    meeting_id BIGINT NOT NULL REFERENCES meetings (id),
    country    TEXT NOT NULL REFERENCES countries (code),
    status     TEXT NOT NULL CHECK (status IN ('present', 'excused', 'absent')),
    delegates  INTEGER CHECK (delegates BETWEEN 0 AND 100),
    PRIMARY KEY (meeting_id, country)
);

ALTER TABLE reports ADD COLUMN meeting_id BIGINT REFERENCES meetings (id);
