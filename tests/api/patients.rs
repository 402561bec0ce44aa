//! Patients: registration is idempotent on the normalised number, every number format is
//! accepted, and each validation code is refused with the field named.

use serde_json::json;

use crate::helpers::{Persona, TestApp, HALMSTAD_KOMMUN, VC_HALMSTAD};

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
