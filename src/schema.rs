// @generated automatically by Diesel CLI.

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

diesel::joinable!(enrollments -> patients (patient_id));
diesel::joinable!(enrollments -> units (unit_id));

diesel::allow_tables_to_appear_in_same_query!(enrollments, patients, units,);
