-- The public reference lists (countries, thematic areas, rounds) are kept per server process
-- like the Guide's search pages, under the same generation: it now also changes with what
-- those lists show. A change to any of them drops every kept public page, which is rare
-- (a round's transitions, an edit of the reference data) and keeps one mechanism.
CREATE CONSTRAINT TRIGGER countries_write_bump_guide AFTER INSERT OR DELETE ON countries
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_guide_generation();
CREATE CONSTRAINT TRIGGER country_names_bump_guide AFTER INSERT OR UPDATE OR DELETE ON country_names
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_guide_generation();
CREATE CONSTRAINT TRIGGER thematic_areas_bump_guide AFTER INSERT OR UPDATE OR DELETE ON thematic_areas
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_guide_generation();
CREATE CONSTRAINT TRIGGER thematic_area_texts_bump_guide AFTER INSERT OR UPDATE OR DELETE ON thematic_area_texts
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_guide_generation();
CREATE CONSTRAINT TRIGGER rounds_bump_guide AFTER INSERT OR UPDATE OR DELETE ON rounds
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_guide_generation();
CREATE CONSTRAINT TRIGGER round_areas_bump_guide AFTER INSERT OR UPDATE OR DELETE ON round_areas
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_guide_generation();
CREATE CONSTRAINT TRIGGER round_participants_bump_guide AFTER INSERT OR UPDATE OR DELETE ON round_participants
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_guide_generation();
CREATE CONSTRAINT TRIGGER questionnaires_bump_guide AFTER INSERT OR UPDATE OF status OR DELETE ON questionnaires
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_guide_generation();
