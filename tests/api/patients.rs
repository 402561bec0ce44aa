//! Patients: registration is idempotent on the normalised number, every number format is
//! accepted, and each validation code is refused with the field named.

use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{
    Persona, Resp, TestApp, HALMSTAD_KOMMUN, VARBERG_KOMMUN, VC_HALMSTAD, VC_VARBERG,
};
use crate::messages::{
    assert_invalid, assert_refused, pairs, recept_body, send, stored_rows, violations,
    TEST_TESTSSON, TOLVAN,
};

fn nurse() -> Persona {
    Persona::nurse(HALMSTAD_KOMMUN)
}

#[actix_web::test]
async fn registering_a_new_patient_answers_201_and_again_200_with_the_same_patient() {
    let app = TestApp::spawn().await;
    let first = app
        .post(
            "/api/v1/patients",
            &nurse(),
            &json!({"personal_identity_number": "20170101-2393", "name": "X"}),
        )
        .await;
    let created = first.assert_status(200);
    // 20170101-2393 is seeded in the demo template: it already exists.
    assert_eq!(created["personal_identity_number"], "201701012393");

    let number = app.unregistered_number();
    let res = app
        .post(
            "/api/v1/patients",
            &nurse(),
            &json!({"personal_identity_number": number}),
        )
        .await;
    let new = res.assert_status(201);
    assert_eq!(new["personal_identity_number"], "201212121212");
    assert_eq!(
        res.header("location").unwrap(),
        format!("/api/v1/patients/{}", new["id"].as_str().unwrap())
    );
    let again = app
        .post(
            "/api/v1/patients",
            &nurse(),
            &json!({"personal_identity_number": "201212121212"}),
        )
        .await
        .assert_status(200);
    assert_eq!(again["id"], new["id"]);
}

#[actix_web::test]
async fn every_accepted_format_normalises_to_twelve_digits() {
    let app = TestApp::spawn().await;
    for input in [
        "19121212-1212",
        "191212121212",
        "121212-1212",
        "1212121212",
        "121212+1212",
        " 19121212-1212 ",
    ] {
        let p = app
            .post(
                "/api/v1/patients/lookup",
                &nurse(),
                &json!({"personal_identity_number": input}),
            )
            .await;
        // 121212-1212 today means 2012; with + (aged 100 or more) it means 1912.
        let expected = if input == "121212-1212" || input == "1212121212" {
            "201212121212"
        } else {
            "191212121212"
        };
        assert_eq!(
            p.assert_status(200)["personal_identity_number"],
            expected,
            "{input}"
        );
    }
}

#[actix_web::test]
async fn a_samordningsnummer_is_accepted_and_marked() {
    let app = TestApp::spawn().await;
    let p = app
        .post(
            "/api/v1/patients/lookup",
            &nurse(),
            &json!({"personal_identity_number": "19701063-2391"}),
        )
        .await
        .assert_status(200);
    assert_eq!(p["id_kind"], "samordningsnummer");
    assert_eq!(p["personal_identity_number"], "197010632391");
}

#[actix_web::test]
async fn each_number_error_has_its_code_on_both_sides_of_the_edge() {
    let app = TestApp::spawn().await;
    let cases = [
        ("19121212-121", "PNR_FORMAT"),
        ("19121212_1212", "PNR_FORMAT"),
        ("abcdefghijkl", "PNR_FORMAT"),
        ("19121312-1212", "PNR_DATE"),
        ("19120230-1212", "PNR_DATE"),
        ("19701093-2391", "PNR_DATE"),
        ("19121212-1213", "PNR_CHECKSUM"),
        ("19701063-2392", "PNR_CHECKSUM"),
    ];
    for (input, code) in cases {
        let body = app
            .post(
                "/api/v1/patients",
                &nurse(),
                &json!({"personal_identity_number": input}),
            )
            .await
            .assert_problem(422, "VALIDATION_FAILED");
        assert_eq!(body["violations"][0]["code"], code, "{input}");
        assert_eq!(body["violations"][0]["field"], "personal_identity_number");
    }
}

#[actix_web::test]
async fn lookup_of_an_unknown_number_is_404_and_get_shows_the_current_enrollment() {
    let app = TestApp::spawn().await;
    let number = app.unregistered_number();
    app.post(
        "/api/v1/patients/lookup",
        &nurse(),
        &json!({"personal_identity_number": number}),
    )
    .await
    .assert_problem(404, "NOT_FOUND");
    let tolvan = app
        .post(
            "/api/v1/patients/lookup",
            &Persona::doctor(VC_HALMSTAD),
            &json!({"personal_identity_number": "19121212-1212"}),
        )
        .await
        .assert_status(200);
    assert_eq!(tolvan["current_enrollment"]["municipality_code"], "1380");
    let id = tolvan["id"].as_str().unwrap();
    let got = app
        .get(&format!("/api/v1/patients/{id}"), &nurse())
        .await
        .assert_status(200);
    assert_eq!(got["current_enrollment"]["municipality_name"], "Halmstad");
    assert_eq!(got["current_enrollment"]["in_force_today"], true);
    app.get(
        &format!("/api/v1/patients/{}", uuid::Uuid::new_v4()),
        &nurse(),
    )
    .await
    .assert_problem(404, "NOT_FOUND");
}

#[actix_web::test]
async fn patient_endpoints_need_the_personal_role() {
    let app = TestApp::spawn().await;
    app.post(
        "/api/v1/patients",
        &Persona::admin(),
        &json!({"personal_identity_number": "19121212-1212"}),
    )
    .await
    .assert_problem(403, "ROLE_REQUIRED");
    app.post(
        "/api/v1/patients/lookup",
        &Persona::auditor(HALMSTAD_KOMMUN),
        &json!({"personal_identity_number": "19121212-1212"}),
    )
    .await
    .assert_problem(403, "ROLE_REQUIRED");
}

// ---- Inre sekretess: a unit sees only patients whose care it takes part in -------------------

/// A 404 problem without its `request_id`: everything that could tell a hidden patient from a
/// nonexistent one.
#[track_caller]
fn not_found_body(res: &Resp) -> Value {
    let mut body = res.assert_problem(404, "NOT_FOUND");
    body.as_object_mut()
        .expect("problem object")
        .remove("request_id");
    body
}

/// A 422 problem without its `request_id`.
#[track_caller]
fn refusal_body(res: &Resp) -> Value {
    let mut body = res.json();
    body.as_object_mut()
        .expect("problem object")
        .remove("request_id");
    body
}

/// The patient reads that inre sekretess guards.
fn patient_reads(id: Uuid) -> [String; 2] {
    [
        format!("/api/v1/patients/{id}"),
        format!("/api/v1/patients/{id}/enrollments"),
    ]
}

/// Whether a relation of the unit to the patient is stored (a registration or lookup).
fn stored_relation(app: &TestApp, unit_hsa: &str, patient: Uuid) -> bool {
    use diesel::prelude::*;
    use samverkan::schema::patient_relations;
    let unit = app.unit_id(unit_hsa);
    let mut conn = app.db.conn();
    diesel::select(diesel::dsl::exists(
        patient_relations::table
            .filter(patient_relations::unit_id.eq(unit))
            .filter(patient_relations::patient_id.eq(patient)),
    ))
    .get_result(&mut conn)
    .expect("read patient_relations")
}

/// Asserts `who` gets, for each patient read, the very 404 an unknown id gets.
async fn assert_hidden(app: &TestApp, who: &Persona, patient: Uuid) {
    let unknown = Uuid::new_v4();
    for (hidden_path, unknown_path) in patient_reads(patient).iter().zip(patient_reads(unknown)) {
        let hidden = not_found_body(&app.get(hidden_path, who).await);
        let none = not_found_body(&app.get(&unknown_path, who).await);
        assert_eq!(hidden, none, "{hidden_path} as {:?}", who.unit);
        assert_eq!(hidden["detail"], "Ingen patient med det id:t.");
    }
}

#[actix_web::test]
async fn a_unit_that_never_took_the_patient_up_gets_the_404_of_an_unknown_id_until_it_looks_them_up(
) {
    let app = TestApp::spawn().await;
    // Registered by the demo seed; only Vårdcentralen Halmstad takes part in their care.
    let testsson = app.patient_id(TEST_TESTSSON);

    for who in [Persona::doctor(VC_VARBERG), Persona::nurse(VARBERG_KOMMUN)] {
        assert_hidden(&app, &who, testsson).await;
        let unit = who.unit.unwrap();
        assert!(
            !stored_relation(&app, unit, testsson),
            "a refused read takes no one into care"
        );

        assert_eq!(app.take_up(&who, "20170101-2393").await, testsson);

        let got = app
            .get(&format!("/api/v1/patients/{testsson}"), &who)
            .await
            .assert_status(200);
        assert_eq!(got["id"], testsson.to_string());
        assert_eq!(got["personal_identity_number"], TEST_TESTSSON);
        let history = app
            .get(&format!("/api/v1/patients/{testsson}/enrollments"), &who)
            .await
            .assert_status(200);
        assert_eq!(history, json!([]));
    }
}

#[actix_web::test]
async fn registering_a_known_number_takes_the_patient_into_the_units_care_too() {
    let app = TestApp::spawn().await;
    let testsson = app.patient_id(TEST_TESTSSON);
    let who = Persona::doctor(VC_VARBERG);
    assert_hidden(&app, &who, testsson).await;

    let registered = app
        .post(
            "/api/v1/patients",
            &who,
            &json!({"personal_identity_number": "20170101-2393"}),
        )
        .await
        .assert_status(200);

    assert_eq!(registered["id"], testsson.to_string());
    app.get(&format!("/api/v1/patients/{testsson}"), &who)
        .await
        .assert_status(200);
}

#[actix_web::test]
async fn enrolling_or_ending_outside_the_units_care_is_the_404_of_an_unknown_id() {
    let app = TestApp::spawn().await;
    let tolvan = app.patient_id(TOLVAN);
    let enrollment = app
        .get(&format!("/api/v1/patients/{tolvan}"), &nurse())
        .await
        .assert_status(200)["current_enrollment"]["id"]
        .as_str()
        .expect("Tolvan's enrollment in Halmstad")
        .to_string();
    let varberg = Persona::nurse(VARBERG_KOMMUN);
    let unknown = Uuid::new_v4();
    let start = json!({"start_date": "2026-11-01"});
    let end = json!({"end_date": "2026-11-01"});

    let enroll = |id: Uuid| format!("/api/v1/patients/{id}/enrollments");
    let end_it = |id: Uuid| format!("/api/v1/patients/{id}/enrollments/{enrollment}/end");
    assert_eq!(
        not_found_body(&app.post(&enroll(tolvan), &varberg, &start).await),
        not_found_body(&app.post(&enroll(unknown), &varberg, &start).await),
    );
    assert_eq!(
        not_found_body(&app.post(&end_it(tolvan), &varberg, &end).await),
        not_found_body(&app.post(&end_it(unknown), &varberg, &end).await),
    );

    // Once Varberg has looked Tolvan up, the enrollment rules themselves answer.
    app.take_up(&varberg, "19121212-1212").await;
    let body = app
        .post(&enroll(tolvan), &varberg, &start)
        .await
        .assert_problem(409, "ALREADY_ENROLLED");
    assert!(body["detail"].as_str().unwrap().contains("Halmstad"));
    app.post(&end_it(tolvan), &varberg, &end)
        .await
        .assert_problem(403, "OTHER_MUNICIPALITY");
    let history = app.get(&enroll(tolvan), &varberg).await.assert_status(200);
    assert_eq!(history.as_array().unwrap().len(), 1, "nothing was changed");
    assert!(history[0]["end_date"].is_null());
}

#[actix_web::test]
async fn a_kommun_unit_sees_a_patient_enrolled_in_its_municipality_without_a_lookup() {
    let app = TestApp::spawn().await;
    let tolvan = app.patient_id(TOLVAN);
    assert!(
        !stored_relation(&app, HALMSTAD_KOMMUN, tolvan),
        "the seed gives Halmstad its relation through the enrollment only"
    );

    for path in patient_reads(tolvan) {
        app.get(&path, &nurse()).await.assert_status(200);
    }
    assert_hidden(&app, &Persona::nurse(VARBERG_KOMMUN), tolvan).await;

    // An ended enrollment still counts: the municipality took part in the care.
    let got = app
        .get(&format!("/api/v1/patients/{tolvan}"), &nurse())
        .await
        .assert_status(200);
    let eid = got["current_enrollment"]["id"].as_str().unwrap();
    let yesterday = crate::messages::today() - time::Duration::days(1);
    app.post(
        &format!("/api/v1/patients/{tolvan}/enrollments/{eid}/end"),
        &nurse(),
        &json!({"end_date": yesterday.to_string()}),
    )
    .await
    .assert_status(200);
    let got = app
        .get(&format!("/api/v1/patients/{tolvan}"), &nurse())
        .await
        .assert_status(200);
    assert!(got["current_enrollment"].is_null());
    assert_hidden(&app, &Persona::nurse(VARBERG_KOMMUN), tolvan).await;
}

#[actix_web::test]
async fn a_vardcentral_that_receives_a_message_about_a_patient_sees_the_patient() {
    let app = TestApp::spawn().await;
    let varberg = Persona::nurse(VARBERG_KOMMUN);
    let vc_doctor = Persona::doctor(VC_VARBERG);
    let testsson = app.take_up(&varberg, "20170101-2393").await;
    let body = recept_body(testsson, app.unit_id(VC_VARBERG));

    // A refused message is no message: the vårdcentral still does not see the patient.
    assert_refused(
        &send(&app, "recept", &varberg, &body).await,
        &[("EJ_INSKRIVEN", "patient_id")],
    );
    assert_hidden(&app, &vc_doctor, testsson).await;

    app.post(
        &format!("/api/v1/patients/{testsson}/enrollments"),
        &varberg,
        &json!({"start_date": crate::messages::today().to_string()}),
    )
    .await
    .assert_status(201);
    assert_hidden(&app, &vc_doctor, testsson).await;
    send(&app, "recept", &varberg, &body)
        .await
        .assert_status(201);

    let got = app
        .get(&format!("/api/v1/patients/{testsson}"), &vc_doctor)
        .await
        .assert_status(200);
    assert_eq!(got["current_enrollment"]["municipality_code"], "1383");
    let history = app
        .get(
            &format!("/api/v1/patients/{testsson}/enrollments"),
            &vc_doctor,
        )
        .await
        .assert_status(200);
    assert_eq!(history.as_array().unwrap().len(), 1);
    assert!(
        !stored_relation(&app, VC_VARBERG, testsson),
        "the relation comes from the message, not from a lookup"
    );
}

#[actix_web::test]
async fn a_message_about_a_patient_outside_the_senders_care_is_refused_like_an_unknown_id() {
    let app = TestApp::spawn().await;
    let varberg = Persona::nurse(VARBERG_KOMMUN);
    let vc = app.unit_id(VC_VARBERG);
    let testsson = app.patient_id(TEST_TESTSSON);
    let before = stored_rows(&app);

    let hidden = send(&app, "recept", &varberg, &recept_body(testsson, vc)).await;
    let unknown = send(&app, "recept", &varberg, &recept_body(Uuid::new_v4(), vc)).await;

    assert_invalid(&hidden, &[("PATIENT_NOT_FOUND", "patient_id")]);
    assert_invalid(&unknown, &[("PATIENT_NOT_FOUND", "patient_id")]);
    assert_eq!(refusal_body(&hidden), refusal_body(&unknown));
    // The draft check says the same.
    let check = |id: Uuid| {
        let body = recept_body(id, vc);
        let varberg = varberg.clone();
        let app = &app;
        async move {
            app.post("/api/v1/messages/recept/validate", &varberg, &body)
                .await
                .assert_status(200)
        }
    };
    let verdict = check(testsson).await;
    assert_eq!(
        violations(&verdict),
        pairs(&[("PATIENT_NOT_FOUND", "patient_id")])
    );
    assert_eq!(verdict, check(Uuid::new_v4()).await);
    assert_eq!(stored_rows(&app), before, "nothing was stored");

    // After a lookup the patient is known, and the routine's own rule refuses the message.
    app.take_up(&varberg, "20170101-2393").await;
    assert_refused(
        &send(&app, "recept", &varberg, &recept_body(testsson, vc)).await,
        &[("EJ_INSKRIVEN", "patient_id")],
    );
}
