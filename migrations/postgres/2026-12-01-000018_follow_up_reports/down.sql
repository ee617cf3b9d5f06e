DROP INDEX reports_one_follow_up;
DELETE FROM reports WHERE kind = 'follow_up';
ALTER TABLE reports DROP CONSTRAINT reports_check;
ALTER TABLE reports ADD CONSTRAINT reports_check CHECK ((kind = 'country') = (country IS NOT NULL));
ALTER TABLE reports DROP CONSTRAINT reports_kind_check;
ALTER TABLE reports ADD CONSTRAINT reports_kind_check CHECK (kind IN ('country', 'hemispheric'));
