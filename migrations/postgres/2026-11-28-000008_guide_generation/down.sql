DROP TRIGGER countries_bump_guide ON countries;
DROP TRIGGER experience_versions_bump_guide ON experience_versions;
DROP TRIGGER experiences_bump_guide ON experiences;
DROP FUNCTION bump_guide_generation();
DROP TABLE guide_generation;
