-- What the Guide's in-process index compares with the database each time the Guide's
-- generation moves (src/experiences/guide_index.rs, `refresh`): every published search row's
-- id and update time, read from this index alone, without the rows' text.
CREATE INDEX experience_search_stamps_idx ON experience_search (scope, experience_id, id, updated_at);
