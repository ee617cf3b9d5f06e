-- A number that changes, in the same transaction, with anything the public Guide shows: an
-- experience (any write, publication included), a published version, or a country's
-- subregion. A server keeps the public search pages it computed under this number and drops
-- them when it reads another: safe with any number of server instances, for one tiny read.
CREATE TABLE guide_generation (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value BIGINT NOT NULL
);
INSERT INTO guide_generation (id, value) VALUES (1, 1);

CREATE FUNCTION bump_guide_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE guide_generation SET value = value + 1 WHERE id = 1;
    RETURN NULL;
END
$$;

-- Deferred to the commit: the one row is locked from the writer's commit to its end only, so
-- concurrent writers of experiences do not queue behind each other for their whole transaction.
CREATE CONSTRAINT TRIGGER experiences_bump_guide AFTER INSERT OR UPDATE OR DELETE ON experiences
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_guide_generation();
CREATE CONSTRAINT TRIGGER experience_versions_bump_guide AFTER INSERT ON experience_versions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_guide_generation();
CREATE CONSTRAINT TRIGGER countries_bump_guide AFTER UPDATE ON countries
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_guide_generation();
