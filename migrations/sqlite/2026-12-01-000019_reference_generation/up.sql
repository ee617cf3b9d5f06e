-- The public reference lists (countries, thematic areas, rounds) are kept per server process
-- like the Guide's search pages, under the same generation: it now also changes with what
-- those lists show. A change to any of them drops every kept public page, which is rare
-- (a round's transitions, an edit of the reference data) and keeps one mechanism.
CREATE TRIGGER countries_insert_bump_guide AFTER INSERT ON countries
BEGIN UPDATE guide_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER countries_delete_bump_guide AFTER DELETE ON countries
BEGIN UPDATE guide_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER country_names_insert_bump_guide AFTER INSERT ON country_names
BEGIN UPDATE guide_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER country_names_update_bump_guide AFTER UPDATE ON country_names
BEGIN UPDATE guide_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER country_names_delete_bump_guide AFTER DELETE ON country_names
BEGIN UPDATE guide_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER thematic_areas_insert_bump_guide AFTER INSERT ON thematic_areas
BEGIN UPDATE guide_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER thematic_areas_update_bump_guide AFTER UPDATE ON thematic_areas
BEGIN UPDATE guide_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER thematic_areas_delete_bump_guide AFTER DELETE ON thematic_areas
BEGIN UPDATE guide_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER thematic_area_texts_insert_bump_guide AFTER INSERT ON thematic_area_texts
BEGIN UPDATE guide_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER thematic_area_texts_update_bump_guide AFTER UPDATE ON thematic_area_texts
BEGIN UPDATE guide_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER thematic_area_texts_delete_bump_guide AFTER DELETE ON thematic_area_texts
BEGIN UPDATE guide_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER rounds_insert_bump_guide AFTER INSERT ON rounds
BEGIN UPDATE guide_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER rounds_update_bump_guide AFTER UPDATE ON rounds
BEGIN UPDATE guide_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER rounds_delete_bump_guide AFTER DELETE ON rounds
BEGIN UPDATE guide_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER round_areas_insert_bump_guide AFTER INSERT ON round_areas
BEGIN UPDATE guide_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER round_areas_update_bump_guide AFTER UPDATE ON round_areas
BEGIN UPDATE guide_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER round_areas_delete_bump_guide AFTER DELETE ON round_areas
BEGIN UPDATE guide_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER round_participants_insert_bump_guide AFTER INSERT ON round_participants
BEGIN UPDATE guide_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER round_participants_update_bump_guide AFTER UPDATE ON round_participants
BEGIN UPDATE guide_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER round_participants_delete_bump_guide AFTER DELETE ON round_participants
BEGIN UPDATE guide_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER questionnaires_insert_bump_guide AFTER INSERT ON questionnaires
BEGIN UPDATE guide_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER questionnaires_update_bump_guide AFTER UPDATE OF status ON questionnaires
BEGIN UPDATE guide_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER questionnaires_delete_bump_guide AFTER DELETE ON questionnaires
BEGIN UPDATE guide_generation SET value = value + 1 WHERE id = 1; END;
