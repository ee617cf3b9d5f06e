-- A country's follow-up entry is a declaration; the report's assigned experts or the
-- secretariat assess it. The recommendation keeps the latest declaration's assessment
-- ('awaiting' until assessed; null before any declaration) and the status last accepted.
ALTER TABLE recommendation_followups ADD COLUMN assessment TEXT
    CHECK (assessment IN ('accepted', 'more_information_needed', 'not_accepted'));
ALTER TABLE recommendation_followups ADD COLUMN assessment_reason TEXT
    CHECK (length(assessment_reason) <= 5000);
ALTER TABLE recommendation_followups ADD COLUMN assessed_by BIGINT REFERENCES users (id);
ALTER TABLE recommendation_followups ADD COLUMN assessed_at TIMESTAMP;

ALTER TABLE recommendations ADD COLUMN assessment TEXT
    CHECK (assessment IN ('awaiting', 'accepted', 'more_information_needed', 'not_accepted'));
ALTER TABLE recommendations ADD COLUMN assessed_status TEXT NOT NULL DEFAULT 'pending'
    CHECK (assessed_status IN ('pending', 'in_progress', 'implemented', 'not_applicable'));
UPDATE recommendations SET assessment = 'awaiting'
    WHERE EXISTS (SELECT 1 FROM recommendation_followups f WHERE f.recommendation_id = recommendations.id);
CREATE INDEX recommendations_assessed_idx ON recommendations (assessed_status, id);
