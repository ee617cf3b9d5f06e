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
        seq -> Nullable<BigInt>,
        prev_hash -> Nullable<Text>,
        hash -> Nullable<Text>,
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
    rounds,
    round_areas,
    round_participants,
    questionnaires,
    questionnaire_questions,
    responses,
    answers,
    answer_history,
    idempotency_keys,
    experiences,
    experience_texts,
    experience_institutions,
    experience_legal_instruments,
    experience_tags,
    experience_versions,
    experience_search,
    draws,
    draw_assignments,
    reports,
    report_comments,
    recommendations,
    recommendation_followups,
    expert_conflicts,
    civil_society_windows,
    civil_society_inputs,
    report_experts,
    partners,
    needs,
    offers,
    cooperations,
    events,
    event_retention,
    job_leases,
    webhooks,
    webhook_deliveries,
    webhook_attempts,
    reminders_sent,
    blobs,
    blob_chunks,
    files,
    attachments,
    documents,
    document_versions,
    meetings,
    meeting_agenda_items,
    meeting_decisions,
    meeting_attendance,
);

diesel::table! {
    rounds (id) {
        id -> BigInt,
        number -> Integer,
        status -> Text,
        language -> Text,
        title -> Text,
        description -> Text,
        starts_on -> Date,
        responses_due_on -> Date,
        ends_on -> Date,
        reviewers_per_country -> Integer,
        response_publication -> Text,
        revision -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    round_areas (round_id, area_slug) {
        round_id -> BigInt,
        area_slug -> Text,
    }
}

diesel::table! {
    round_participants (round_id, country) {
        round_id -> BigInt,
        country -> Text,
        due_on_extension -> Nullable<Date>,
        extension_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    questionnaires (id) {
        id -> BigInt,
        round_id -> BigInt,
        version -> Integer,
        status -> Text,
        language -> Text,
        document -> Text,
        revision -> Integer,
        published_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    questionnaire_questions (questionnaire_id, code) {
        questionnaire_id -> BigInt,
        code -> Text,
        position -> Integer,
        section_code -> Text,
        kind -> Text,
        required -> Bool,
    }
}

diesel::joinable!(round_areas -> rounds (round_id));
diesel::joinable!(round_participants -> rounds (round_id));
diesel::joinable!(questionnaires -> rounds (round_id));
diesel::joinable!(questionnaire_questions -> questionnaires (questionnaire_id));
diesel::joinable!(round_areas -> thematic_areas (area_slug));
diesel::joinable!(round_participants -> countries (country));

diesel::table! {
    responses (id) {
        id -> BigInt,
        questionnaire_id -> BigInt,
        round_id -> BigInt,
        country -> Text,
        status -> Text,
        revision -> Integer,
        submitted_at -> Nullable<Timestamp>,
        submitted_by -> Nullable<BigInt>,
        late -> Bool,
        return_reason -> Nullable<Text>,
        carry_over_report -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    answers (response_id, question_code) {
        response_id -> BigInt,
        question_code -> Text,
        value -> Text,
        comment -> Nullable<Text>,
        updated_by -> Nullable<BigInt>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    answer_history (id) {
        id -> BigInt,
        response_id -> BigInt,
        changes -> Text,
        change_count -> Integer,
        via -> Text,
        changed_by -> Nullable<BigInt>,
        changed_at -> Timestamp,
    }
}

diesel::table! {
    idempotency_keys (principal, key) {
        principal -> Text,
        key -> Text,
        fingerprint -> Text,
        claimed_at -> Timestamp,
        effect_at -> Nullable<Timestamp>,
        status -> Nullable<Integer>,
        headers -> Nullable<Text>,
        body -> Nullable<Text>,
        completed_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(responses -> questionnaires (questionnaire_id));
diesel::joinable!(answers -> responses (response_id));
diesel::joinable!(answer_history -> responses (response_id));

diesel::table! {
    experiences (id) {
        id -> BigInt,
        country -> Text,
        thematic_area -> Text,
        language -> Text,
        status -> Text,
        version -> Integer,
        revision -> Integer,
        snapshot_date -> Date,
        return_reason -> Nullable<Text>,
        created_by -> Nullable<BigInt>,
        updated_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        published_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    experience_texts (experience_id, lang) {
        experience_id -> BigInt,
        lang -> Text,
        title -> Text,
        introduction -> Text,
        strategies -> Text,
    }
}

diesel::table! {
    experience_institutions (experience_id, position) {
        experience_id -> BigInt,
        position -> Integer,
        name -> Text,
        acronym -> Nullable<Text>,
        role -> Nullable<Text>,
        website -> Nullable<Text>,
    }
}

diesel::table! {
    experience_legal_instruments (experience_id, position) {
        experience_id -> BigInt,
        position -> Integer,
        title -> Text,
        kind -> Text,
        number -> Nullable<Text>,
        year -> Nullable<Integer>,
        url -> Nullable<Text>,
    }
}

diesel::table! {
    experience_tags (experience_id, tag) {
        experience_id -> BigInt,
        tag -> Text,
    }
}

diesel::table! {
    guide_generation (id) {
        id -> Integer,
        value -> BigInt,
    }
}

diesel::table! {
    experience_versions (experience_id, version) {
        experience_id -> BigInt,
        version -> Integer,
        snapshot_date -> Date,
        document -> Text,
        published_by -> Nullable<BigInt>,
        published_at -> Timestamp,
    }
}

diesel::table! {
    experience_search (id) {
        id -> BigInt,
        experience_id -> BigInt,
        scope -> Text,
        snapshot_date -> Date,
        updated_at -> Timestamp,
        tags -> Text,
        languages -> Text,
    }
}

diesel::joinable!(experience_texts -> experiences (experience_id));
diesel::joinable!(experience_institutions -> experiences (experience_id));
diesel::joinable!(experience_legal_instruments -> experiences (experience_id));
diesel::joinable!(experience_tags -> experiences (experience_id));
diesel::joinable!(experience_versions -> experiences (experience_id));
diesel::joinable!(experience_search -> experiences (experience_id));
diesel::joinable!(experiences -> countries (country));

diesel::table! {
    draws (id) {
        id -> BigInt,
        round_id -> BigInt,
        seed -> BigInt,
        reviewers_per_country -> Integer,
        participants -> Integer,
        superseded_at -> Nullable<Timestamp>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    draw_assignments (draw_id, country, reviewer) {
        draw_id -> BigInt,
        country -> Text,
        reviewer -> Text,
    }
}

diesel::table! {
    reports (id) {
        id -> BigInt,
        round_id -> BigInt,
        kind -> Text,
        country -> Nullable<Text>,
        language -> Text,
        title -> Text,
        body -> Text,
        status -> Text,
        version -> Integer,
        revision -> Integer,
        decision_date -> Nullable<Date>,
        decision_note -> Nullable<Text>,
        adopted_at -> Nullable<Timestamp>,
        published_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        meeting_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    report_comments (id) {
        id -> BigInt,
        report_id -> BigInt,
        author_id -> BigInt,
        author_role -> Text,
        author_country -> Nullable<Text>,
        anchor -> Nullable<Text>,
        body -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    recommendations (id) {
        id -> BigInt,
        report_id -> BigInt,
        number -> Integer,
        language -> Text,
        text -> Text,
        thematic_area -> Nullable<Text>,
        target_date -> Nullable<Date>,
        status -> Text,
        progress_note -> Nullable<Text>,
        evidence_urls -> Text,
        revision -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        assessment -> Nullable<Text>,
        assessed_status -> Text,
    }
}

diesel::table! {
    recommendation_followups (id) {
        id -> BigInt,
        recommendation_id -> BigInt,
        status -> Text,
        progress_note -> Nullable<Text>,
        evidence_urls -> Text,
        changed_by -> Nullable<BigInt>,
        changed_at -> Timestamp,
        assessment -> Nullable<Text>,
        assessment_reason -> Nullable<Text>,
        assessed_by -> Nullable<BigInt>,
        assessed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    expert_conflicts (id) {
        id -> BigInt,
        user_id -> BigInt,
        country -> Text,
        reason -> Text,
        declared_at -> Timestamp,
    }
}

diesel::table! {
    report_experts (report_id, role) {
        report_id -> BigInt,
        role -> Text,
        user_id -> BigInt,
        named_by -> Nullable<BigInt>,
        named_at -> Timestamp,
    }
}

diesel::table! {
    civil_society_windows (round_id) {
        round_id -> BigInt,
        opens_on -> Date,
        closes_on -> Date,
        publish_with_report -> Bool,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    civil_society_inputs (id) {
        id -> BigInt,
        round_id -> BigInt,
        country -> Text,
        organisation -> Text,
        contact_email -> Nullable<Text>,
        title -> Text,
        body -> Text,
        language -> Text,
        received_on -> Date,
        status -> Text,
        screening_reason -> Nullable<Text>,
        screened_by -> Nullable<BigInt>,
        screened_at -> Nullable<Timestamp>,
        reply -> Nullable<Text>,
        replied_by -> Nullable<BigInt>,
        replied_at -> Nullable<Timestamp>,
        registered_by -> Nullable<BigInt>,
        revision -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(draw_assignments -> draws (draw_id));
diesel::joinable!(draws -> rounds (round_id));
diesel::joinable!(reports -> rounds (round_id));
diesel::joinable!(report_comments -> reports (report_id));
diesel::joinable!(recommendations -> reports (report_id));
diesel::joinable!(recommendation_followups -> recommendations (recommendation_id));

diesel::table! {
    partners (id) {
        id -> BigInt,
        name -> Text,
        acronym -> Nullable<Text>,
        kind -> Text,
        website -> Nullable<Text>,
        language -> Text,
        description -> Text,
        revision -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    needs (id) {
        id -> BigInt,
        country -> Text,
        thematic_area -> Text,
        kind -> Text,
        priority -> Text,
        modality -> Text,
        language -> Text,
        title -> Text,
        description -> Text,
        languages -> Text,
        recommendations -> Text,
        experiences -> Text,
        confidential -> Bool,
        status -> Text,
        close_note -> Nullable<Text>,
        revision -> Integer,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    offers (id) {
        id -> BigInt,
        country -> Nullable<Text>,
        partner_id -> Nullable<BigInt>,
        thematic_area -> Text,
        language -> Text,
        title -> Text,
        description -> Text,
        kinds -> Text,
        languages -> Text,
        modality -> Text,
        capacity_per_year -> Nullable<Integer>,
        valid_from -> Date,
        valid_until -> Nullable<Date>,
        experiences -> Text,
        status -> Text,
        revision -> Integer,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    cooperations (id) {
        id -> BigInt,
        need_id -> BigInt,
        offer_id -> Nullable<BigInt>,
        provider_country -> Nullable<Text>,
        provider_partner -> Nullable<BigInt>,
        language -> Text,
        title -> Text,
        description -> Text,
        activities -> Text,
        status -> Text,
        requester_agreed_at -> Nullable<Timestamp>,
        provider_agreed_at -> Nullable<Timestamp>,
        agreed_at -> Nullable<Timestamp>,
        started_at -> Nullable<Timestamp>,
        completed_at -> Nullable<Timestamp>,
        outcome -> Nullable<Text>,
        rating -> Nullable<Integer>,
        rating_comment -> Nullable<Text>,
        rating_public -> Bool,
        cancel_reason -> Nullable<Text>,
        proposed_by -> Nullable<BigInt>,
        revision -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(cooperations -> needs (need_id));
diesel::joinable!(offers -> partners (partner_id));

diesel::table! {
    events (id) {
        id -> BigInt,
        at -> Timestamp,
        event_type -> Text,
        entity_type -> Text,
        entity_id -> Text,
        country -> Nullable<Text>,
        other_country -> Nullable<Text>,
        round_id -> Nullable<BigInt>,
        audience -> Text,
        actor_id -> Nullable<BigInt>,
        actor_role -> Nullable<Text>,
        payload -> Text,
    }
}

diesel::table! {
    event_retention (id) {
        id -> Integer,
        pruned_through -> BigInt,
    }
}

diesel::table! {
    job_leases (name) {
        name -> Text,
        holder -> Text,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    webhooks (id) {
        id -> BigInt,
        owner_id -> BigInt,
        url -> Text,
        description -> Nullable<Text>,
        event_types -> Text,
        secret -> Text,
        status -> Text,
        disabled_reason -> Nullable<Text>,
        event_cursor -> BigInt,
        consecutive_failures -> Integer,
        failing_since -> Nullable<Timestamp>,
        revision -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> BigInt,
        webhook_id -> BigInt,
        event_id -> Nullable<BigInt>,
        message_id -> Text,
        event_type -> Text,
        entity_key -> Text,
        body -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        lease_holder -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        last_status -> Nullable<Integer>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> BigInt,
        delivery_id -> BigInt,
        at -> Timestamp,
        status_code -> Nullable<Integer>,
        latency_ms -> BigInt,
        error -> Nullable<Text>,
        response_excerpt -> Nullable<Text>,
    }
}

diesel::table! {
    reminders_sent (round_id, country, kind, due_on) {
        round_id -> BigInt,
        country -> Text,
        kind -> Text,
        due_on -> Date,
    }
}

diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));
diesel::joinable!(webhook_attempts -> webhook_deliveries (delivery_id));

diesel::table! {
    blobs (sha256) {
        sha256 -> Text,
        size -> BigInt,
        used_at -> Timestamp,
    }
}

diesel::table! {
    blob_chunks (sha256, seq) {
        sha256 -> Text,
        seq -> Integer,
        data -> Binary,
    }
}

diesel::table! {
    files (id) {
        id -> BigInt,
        sha256 -> Text,
        name -> Text,
        media_type -> Text,
        size -> BigInt,
        uploaded_by -> Nullable<BigInt>,
        country -> Nullable<Text>,
        idempotency_key -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    attachments (id) {
        id -> BigInt,
        file_id -> BigInt,
        parent_type -> Text,
        parent_id -> BigInt,
        slot -> Text,
        caption -> Text,
        attached_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    documents (id) {
        id -> BigInt,
        kind -> Text,
        report_id -> Nullable<BigInt>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    document_versions (document_id, version) {
        document_id -> BigInt,
        version -> Integer,
        status -> Text,
        language -> Text,
        title -> Text,
        summary -> Text,
        thematic_areas -> Text,
        rounds -> Text,
        file_languages -> Text,
        revision -> Integer,
        published_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(blob_chunks -> blobs (sha256));
diesel::joinable!(files -> blobs (sha256));
diesel::joinable!(attachments -> files (file_id));
diesel::joinable!(document_versions -> documents (document_id));

diesel::table! {
    meetings (id) {
        id -> BigInt,
        body -> Text,
        round_id -> Nullable<BigInt>,
        title -> Text,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        mode -> Text,
        place -> Nullable<Text>,
        online_url -> Nullable<Text>,
        status -> Text,
        cancel_reason -> Nullable<Text>,
        minutes_document_id -> Nullable<BigInt>,
        created_by -> Nullable<BigInt>,
        revision -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    meeting_agenda_items (id) {
        id -> BigInt,
        meeting_id -> BigInt,
        position -> Integer,
        kind -> Text,
        title -> Text,
        report_id -> Nullable<BigInt>,
        questionnaire_id -> Nullable<BigInt>,
        document_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    meeting_decisions (id) {
        id -> BigInt,
        meeting_id -> BigInt,
        agenda_item_id -> BigInt,
        outcome -> Text,
        text -> Text,
        recorded_by -> Nullable<BigInt>,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    meeting_attendance (meeting_id, country) {
        meeting_id -> BigInt,
        country -> Text,
        status -> Text,
        delegates -> Nullable<Integer>,
    }
}

diesel::joinable!(meeting_agenda_items -> meetings (meeting_id));
diesel::joinable!(meeting_decisions -> meeting_agenda_items (agenda_item_id));
diesel::joinable!(meeting_attendance -> meetings (meeting_id));
