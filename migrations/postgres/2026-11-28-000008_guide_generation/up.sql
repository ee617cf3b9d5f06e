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

CREATE TRIGGER experiences_bump_guide AFTER INSERT OR UPDATE OR DELETE ON experiences
    FOR EACH STATEMENT EXECUTE FUNCTION bump_guide_generation();
CREATE TRIGGER experience_versions_bump_guide AFTER INSERT ON experience_versions
    FOR EACH STATEMENT EXECUTE FUNCTION bump_guide_generation();
CREATE TRIGGER countries_bump_guide AFTER UPDATE ON countries
    FOR EACH STATEMENT EXECUTE FUNCTION bump_guide_generation();
