DROP TRIGGER countries_write_bump_guide ON countries;
DROP TRIGGER country_names_bump_guide ON country_names;
DROP TRIGGER thematic_areas_bump_guide ON thematic_areas;
DROP TRIGGER thematic_area_texts_bump_guide ON thematic_area_texts;
DROP TRIGGER rounds_bump_guide ON rounds;
DROP TRIGGER round_areas_bump_guide ON round_areas;
DROP TRIGGER round_participants_bump_guide ON round_participants;
DROP TRIGGER questionnaires_bump_guide ON questionnaires;
