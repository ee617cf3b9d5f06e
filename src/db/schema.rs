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

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        display_name -> Text,
        role -> Text,
        country -> Nullable<Text>,
        password_hash -> Text,
        active -> Bool,
        auth_epoch -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        family_id -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        rotated_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    machine_clients (id) {
        id -> BigInt,
        user_id -> BigInt,
        name -> Text,
        client_id -> Text,
        secret_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        actor_id -> Nullable<BigInt>,
        actor_role -> Nullable<Text>,
        actor_country -> Nullable<Text>,
        client_id -> Nullable<Text>,
        action -> Text,
        entity_type -> Text,
        entity_id -> Text,
        request_id -> Nullable<Text>,
        note -> Nullable<Text>,
        summary -> Text,
    }
}

diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(machine_clients -> users (user_id));
diesel::joinable!(users -> countries (country));

diesel::allow_tables_to_appear_in_same_query!(
    countries,
    country_names,
    thematic_areas,
    thematic_area_texts,
    users,
    refresh_tokens,
    machine_clients,
    audit_log,
);
