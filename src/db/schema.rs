//! Table definitions, in the column types both backends share.

diesel::table! {
    countries (code) {
        code -> Text,
        alpha2 -> Text,
        subregion -> Text,
        membership -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    country_names (country_code, lang) {
        country_code -> Text,
        lang -> Text,
        name -> Text,
    }
}

diesel::table! {
    thematic_areas (slug) {
        slug -> Text,
        position -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    thematic_area_texts (area_slug, lang) {
        area_slug -> Text,
        lang -> Text,
        name -> Text,
        description -> Text,
    }
}

diesel::joinable!(country_names -> countries (country_code));
diesel::joinable!(thematic_area_texts -> thematic_areas (area_slug));

diesel::allow_tables_to_appear_in_same_query!(
    countries,
    country_names,
    thematic_areas,
    thematic_area_texts,
);
