-- A report kind `follow_up`: per country in a later round, on its earlier recommendations.
ALTER TABLE reports DROP CONSTRAINT reports_kind_check;
ALTER TABLE reports ADD CONSTRAINT reports_kind_check
    CHECK (kind IN ('country', 'hemispheric', 'follow_up'));
ALTER TABLE reports DROP CONSTRAINT reports_check;
ALTER TABLE reports ADD CONSTRAINT reports_check
    CHECK ((kind IN ('country', 'follow_up')) = (country IS NOT NULL));
CREATE UNIQUE INDEX reports_one_follow_up ON reports (round_id, country) WHERE kind = 'follow_up';
