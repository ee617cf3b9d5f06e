DROP TABLE recommendation_followups;
DROP TABLE recommendations;
DROP TRIGGER report_comments_no_delete;
DROP TABLE report_comments;
DROP TABLE reports;
DROP TABLE draw_assignments;
DROP TABLE draws;
