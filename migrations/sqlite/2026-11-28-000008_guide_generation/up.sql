-- A number that changes, in the same transaction, with anything the public Guide shows: an
-- experience (any write, publication included), a published version, or a country's
-- subregion. A server keeps the public search pages it computed under this number and drops
-- them when it reads another.
CREATE TABLE guide_generation (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value INTEGER NOT NULL
);
INSERT INTO guide_generation (id, value) VALUES (1, 1);

CREATE TRIGGER experiences_insert_bump_guide AFTER INSERT ON experiences
BEGIN UPDATE guide_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER experiences_update_bump_guide AFTER UPDATE ON experiences
BEGIN UPDATE guide_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER experiences_delete_bump_guide AFTER DELETE ON experiences
BEGIN UPDATE guide_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER experience_versions_bump_guide AFTER INSERT ON experience_versions
BEGIN UPDATE guide_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER countries_bump_guide AFTER UPDATE ON countries
BEGIN UPDATE guide_generation SET value = value + 1 WHERE id = 1; END;
