-- Conflicts of interest an expert declares with countries beyond its nationality: such an
-- expert is never assigned to those countries' reports, and the draw avoids giving a country
-- to review to a reviewer whose experts all have a conflict with it.
CREATE TABLE expert_conflicts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     BIGINT NOT NULL REFERENCES users (id),
    country     TEXT NOT NULL REFERENCES countries (code),
    reason      TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    declared_at TIMESTAMP NOT NULL,
    UNIQUE (user_id, country)
);
CREATE INDEX expert_conflicts_country_idx ON expert_conflicts (country, user_id);

-- The individual experts the secretariat names to a country report, within its reviewer
-- countries: one lead, a second, a substitute.
CREATE TABLE report_experts (
    report_id BIGINT NOT NULL REFERENCES reports (id),
    role      TEXT NOT NULL CHECK (role IN ('lead', 'second', 'substitute')),
    user_id   BIGINT NOT NULL REFERENCES users (id),
    named_by  BIGINT REFERENCES users (id),
    named_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (report_id, role),
    UNIQUE (report_id, user_id)
);
