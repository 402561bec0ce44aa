// @generated automatically by Diesel CLI.

diesel::table! {
    access_log (at, id) {
        id -> Int8,
        at -> Timestamptz,
        actor_hsa_id -> Text,
        actor_name -> Nullable<Text>,
        unit_id -> Nullable<Uuid>,
        unit_hsa_id -> Nullable<Text>,
        action -> Text,
        outcome -> Text,
        patient_id -> Nullable<Uuid>,
        message_id -> Nullable<Uuid>,
        request_id -> Text,
        actor_role -> Nullable<Text>,
        commission_hsa_id -> Nullable<Text>,
    }
}

diesel::table! {
    enrollments (id) {
        id -> Uuid,
        patient_id -> Uuid,
        unit_id -> Uuid,
        municipality_code -> Text,
        start_date -> Date,
        end_date -> Nullable<Date>,
        started_by -> Text,
        ended_by -> Nullable<Text>,
        created_at -> Timestamptz,
        ended_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    events (id) {
        id -> Int8,
        seq -> Nullable<Int8>,
        #[sql_name = "type"]
        type_ -> Text,
        at -> Timestamptz,
        unit_ids -> Array<Nullable<Uuid>>,
        message_id -> Nullable<Uuid>,
        patient_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    idempotency_keys (caller_hsa_id, key) {
        caller_hsa_id -> Text,
        key -> Text,
        request_hash -> Text,
        status -> Nullable<Int2>,
        response_body -> Nullable<Text>,
        location -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    integration_clients (client_id) {
        client_id -> Text,
        name -> Text,
        unit_ids -> Array<Nullable<Uuid>>,
        active -> Bool,
        created_by -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    message_answer_histograms (sent_on, sender_unit_id, recipient_unit_id, category, shard) {
        sent_on -> Date,
        sender_unit_id -> Uuid,
        recipient_unit_id -> Uuid,
        category -> Text,
        shard -> Int2,
        quarters -> Array<Nullable<Int4>>,
        counts -> Array<Nullable<Int4>>,
    }
}

diesel::table! {
    message_counts (unit_id, mailbox, status, shard) {
        unit_id -> Uuid,
        mailbox -> Text,
        status -> Text,
        shard -> Int2,
        n -> Int8,
    }
}

diesel::table! {
    message_replies (id) {
        id -> Uuid,
        message_id -> Uuid,
        author_unit_id -> Uuid,
        author_hsa_id -> Text,
        author_name -> Nullable<Text>,
        author_profession -> Nullable<Text>,
        body -> Text,
        outcome -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    message_stats (sent_on, sender_unit_id, recipient_unit_id, category, due_on, shard) {
        sent_on -> Date,
        due_on -> Date,
        sender_unit_id -> Uuid,
        recipient_unit_id -> Uuid,
        category -> Text,
        shard -> Int2,
        sent -> Int4,
        cancelled_wrong_patient -> Int4,
        cancelled_wrong_recipient -> Int4,
        cancelled_other -> Int4,
        answered -> Int4,
        answered_in_time -> Int4,
        outcome_utfort -> Int4,
        outcome_ej_utfort -> Int4,
        outcome_kontakt_behovs -> Int4,
        outcome_none -> Int4,
    }
}

diesel::table! {
    message_status_changes (id) {
        id -> Int8,
        message_id -> Uuid,
        from_status -> Nullable<Text>,
        to_status -> Text,
        at -> Timestamptz,
        actor_hsa_id -> Text,
        actor_unit_id -> Uuid,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    messages (id) {
        id -> Uuid,
        category -> Text,
        status -> Text,
        patient_id -> Uuid,
        sender_unit_id -> Uuid,
        recipient_unit_id -> Uuid,
        sender_hsa_id -> Text,
        sender_name -> Nullable<Text>,
        sender_profession -> Nullable<Text>,
        subject -> Text,
        body -> Text,
        details -> Jsonb,
        sent_at -> Timestamptz,
        read_at -> Nullable<Timestamptz>,
        answered_at -> Nullable<Timestamptz>,
        closed_at -> Nullable<Timestamptz>,
        cancelled_at -> Nullable<Timestamptz>,
        cancel_reason -> Nullable<Text>,
        cancel_comment -> Nullable<Text>,
        reply_expected_from -> Timestamptz,
        reply_due_by -> Timestamptz,
    }
}

diesel::table! {
    narcotics (id) {
        id -> Int4,
        substance -> Text,
        names -> Array<Nullable<Text>>,
        atc_codes -> Array<Nullable<Text>>,
        npl_ids -> Array<Nullable<Text>>,
        schedule -> Text,
        imported_at -> Timestamptz,
    }
}

diesel::table! {
    patient_relations (unit_id, patient_id) {
        unit_id -> Uuid,
        patient_id -> Uuid,
        since -> Timestamptz,
    }
}

diesel::table! {
    patients (id) {
        id -> Uuid,
        #[max_length = 12]
        personal_identity_number -> Bpchar,
        id_kind -> Text,
        name -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    rule_refusals (id) {
        id -> Int8,
        at -> Timestamptz,
        refused_on -> Date,
        sender_unit_id -> Uuid,
        recipient_unit_id -> Nullable<Uuid>,
        category -> Text,
        operation -> Text,
        rule_code -> Text,
    }
}

diesel::table! {
    statistics_cursor (id) {
        id -> Int4,
        seq -> Int8,
    }
}

diesel::table! {
    stream_tickets (ticket_hash) {
        ticket_hash -> Bytea,
        caller -> Text,
        expires_at -> Timestamptz,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    units (id) {
        id -> Uuid,
        hsa_id -> Text,
        hsa_id_norm -> Nullable<Text>,
        name -> Text,
        kind -> Text,
        municipality_code -> Nullable<Text>,
        specialty -> Nullable<Text>,
        participating -> Bool,
        active -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Uuid,
        ordinal -> Int8,
        endpoint_id -> Uuid,
        event_id -> Nullable<Int8>,
        #[sql_name = "type"]
        type_ -> Text,
        status -> Text,
        attempts -> Int4,
        next_attempt_at -> Nullable<Timestamptz>,
        leased_until -> Nullable<Timestamptz>,
        last_attempt_at -> Nullable<Timestamptz>,
        last_status -> Nullable<Int4>,
        last_error -> Nullable<Text>,
        created_at -> Timestamptz,
        completed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    webhook_endpoints (id) {
        id -> Uuid,
        owner_hsa_id -> Text,
        owner_unit_id -> Nullable<Uuid>,
        owner_unit_hsa_id -> Nullable<Text>,
        owner_role -> Text,
        url -> Text,
        description -> Nullable<Text>,
        unit_ids -> Array<Nullable<Uuid>>,
        event_types -> Nullable<Array<Nullable<Text>>>,
        active -> Bool,
        disabled_reason -> Nullable<Text>,
        disabled_at -> Nullable<Timestamptz>,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_secret_until -> Nullable<Timestamptz>,
        failing_since -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::joinable!(enrollments -> patients (patient_id));
diesel::joinable!(enrollments -> units (unit_id));
diesel::joinable!(message_replies -> messages (message_id));
diesel::joinable!(message_replies -> units (author_unit_id));
diesel::joinable!(message_status_changes -> messages (message_id));
diesel::joinable!(message_status_changes -> units (actor_unit_id));
diesel::joinable!(messages -> patients (patient_id));
diesel::joinable!(patient_relations -> patients (patient_id));
diesel::joinable!(patient_relations -> units (unit_id));
diesel::joinable!(webhook_deliveries -> events (event_id));
diesel::joinable!(webhook_deliveries -> webhook_endpoints (endpoint_id));
diesel::joinable!(webhook_endpoints -> units (owner_unit_id));

diesel::allow_tables_to_appear_in_same_query!(
    access_log,
    enrollments,
    events,
    idempotency_keys,
    integration_clients,
    message_answer_histograms,
    message_counts,
    message_replies,
    message_stats,
    message_status_changes,
    messages,
    narcotics,
    patient_relations,
    patients,
    rule_refusals,
    statistics_cursor,
    stream_tickets,
    units,
    webhook_deliveries,
    webhook_endpoints,
);
