DROP TABLE questionnaire_questions;
DROP TABLE questionnaires;
DROP TABLE round_participants;
DROP TABLE round_areas;
DROP TABLE rounds;
