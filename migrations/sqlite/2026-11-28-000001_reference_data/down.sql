DROP TABLE thematic_area_texts;
DROP TABLE thematic_areas;
DROP TABLE country_names;
DROP TABLE countries;
