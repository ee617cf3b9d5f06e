-- What the Guide's in-process index compares with the database each time the Guide's
-- generation moves (src/experiences/guide_index.rs, `refresh`): every published search row's
-- id and update time. Read from this index alone, without the rows' text: at 100,000
-- experiences the scan took 333 ms through the table and 21 ms through the index.
CREATE INDEX experience_search_stamps_idx ON experience_search (scope, experience_id) INCLUDE (id, updated_at);
