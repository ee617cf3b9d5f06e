DROP INDEX recommendations_assessed_idx;
ALTER TABLE recommendations DROP COLUMN assessed_status;
ALTER TABLE recommendations DROP COLUMN assessment;
ALTER TABLE recommendation_followups DROP COLUMN assessed_at;
ALTER TABLE recommendation_followups DROP COLUMN assessed_by;
ALTER TABLE recommendation_followups DROP COLUMN assessment_reason;
ALTER TABLE recommendation_followups DROP COLUMN assessment;
