-- Reference data: OAS member states and the GEMGPE thematic areas, with their translations.
CREATE TABLE countries (
    code        TEXT PRIMARY KEY NOT NULL
                    CHECK (length(code) = 3 AND code GLOB '[A-Z][A-Z][A-Z]'),
    alpha2      TEXT NOT NULL UNIQUE CHECK (length(alpha2) = 2 AND alpha2 GLOB '[A-Z][A-Z]'),
    subregion   TEXT NOT NULL CHECK (subregion IN
                    ('north_america', 'central_america', 'caribbean', 'andean', 'southern_cone')),
    membership  TEXT NOT NULL CHECK (membership IN ('active', 'not_participating', 'withdrawn')),
    created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE country_names (
    country_code TEXT NOT NULL REFERENCES countries (code) ON DELETE CASCADE,
    lang         TEXT NOT NULL CHECK (lang IN ('en', 'es', 'fr', 'pt')),
    name         TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    PRIMARY KEY (country_code, lang)
);

CREATE TABLE thematic_areas (
    slug        TEXT PRIMARY KEY NOT NULL
                    CHECK (slug <> '' AND length(slug) <= 64 AND slug NOT GLOB '*[^a-z0-9-]*'
                           AND slug NOT GLOB '-*' AND slug NOT GLOB '*-' AND slug NOT GLOB '*--*'),
    position    INTEGER NOT NULL CHECK (position > 0),
    created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE thematic_area_texts (
    area_slug   TEXT NOT NULL REFERENCES thematic_areas (slug) ON DELETE CASCADE,
    lang        TEXT NOT NULL CHECK (lang IN ('en', 'es', 'fr', 'pt')),
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description TEXT NOT NULL CHECK (length(description) <= 10000),
    PRIMARY KEY (area_slug, lang)
);

CREATE INDEX countries_subregion_idx ON countries (subregion, code);
CREATE INDEX thematic_areas_position_idx ON thematic_areas (position, slug);
