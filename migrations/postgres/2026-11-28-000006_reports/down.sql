DROP TABLE recommendation_followups;
DROP TABLE recommendations;
DROP TRIGGER report_comments_no_delete ON report_comments;
DROP TABLE report_comments;
DROP FUNCTION report_comments_kept();
DROP TABLE reports;
DROP TABLE draw_assignments;
DROP TABLE draws;
