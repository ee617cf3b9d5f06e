ALTER TABLE answers RESET (fillfactor);
ALTER TABLE answer_history ALTER COLUMN changes SET COMPRESSION default;
ALTER TABLE questionnaires ALTER COLUMN document SET COMPRESSION default;
