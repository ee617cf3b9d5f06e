ALTER TABLE reports DROP COLUMN meeting_id;
DROP TABLE meeting_attendance;
DROP TABLE meeting_decisions;
DROP TABLE meeting_agenda_items;
DROP TABLE meetings;
