//! Enrollment: only licensed kommun staff enroll, at most one open enrollment, only the
//! enrolling municipality ends it, and the rules' query sees the dates exactly.

use serde_json::{json, Value};
use time::{Duration, OffsetDateTime};

use crate::helpers::{Persona, TestApp, HALMSTAD_KOMMUN, VARBERG_KOMMUN, VC_HALMSTAD};

fn today() -> time::Date {
    samverkan::domain::reply_window::to_stockholm(OffsetDateTime::now_utc()).date()
}

/// A patient newly registered by the Halmstad kommun nurse: its id and number.
async fn new_patient(app: &TestApp) -> (String, &'static str) {
    let number = app.unregistered_number();
    let p = app
        .post(
            "/api/v1/patients",
            &Persona::nurse(HALMSTAD_KOMMUN),
            &json!({"personal_identity_number": number}),
        )
        .await
        .assert_status(201);
    (p["id"].as_str().unwrap().to_string(), number)
}

async fn enroll(app: &TestApp, who: &Persona, patient: &str, start: &str) -> crate::helpers::Resp {
    app.post(
        &format!("/api/v1/patients/{patient}/enrollments"),
        who,
        &json!({"start_date": start}),
    )
    .await
}

#[actix_web::test]
async fn a_licensed_kommun_nurse_enrolls_a_patient_in_her_municipality() {
    let app = TestApp::spawn().await;
    let (patient, number) = new_patient(&app).await;
    app.take_up(&Persona::nurse(VARBERG_KOMMUN), number).await;
    let res = enroll(
        &app,
        &Persona::nurse(VARBERG_KOMMUN),
        &patient,
        &today().to_string(),
    )
    .await;
    let e: Value = res.assert_status(201);
    assert_eq!(e["municipality_code"], "1383");
    assert_eq!(e["municipality_name"], "Varberg");
    assert_eq!(e["in_force_today"], true);
    assert!(e["end_date"].is_null());
    app.take_up(&Persona::doctor(VC_HALMSTAD), number).await;
    let got = app
        .get(
            &format!("/api/v1/patients/{patient}"),
            &Persona::doctor(VC_HALMSTAD),
        )
        .await
        .assert_status(200);
    assert_eq!(got["current_enrollment"]["id"], e["id"]);
}

#[actix_web::test]
async fn region_staff_and_unlicensed_staff_cannot_enroll() {
    let app = TestApp::spawn().await;
    let (patient, _) = new_patient(&app).await;
    enroll(&app, &Persona::doctor(VC_HALMSTAD), &patient, "2026-01-01")
        .await
        .assert_problem(403, "KOMMUN_UNIT_REQUIRED");
    enroll(
        &app,
        &Persona::assistant(HALMSTAD_KOMMUN),
        &patient,
        "2026-01-01",
    )
    .await
    .assert_problem(403, "LICENCE_REQUIRED");
}

#[actix_web::test]
async fn a_second_open_enrollment_is_409_naming_the_municipality() {
    let app = TestApp::spawn().await;
    let (patient, number) = new_patient(&app).await;
    enroll(
        &app,
        &Persona::nurse(HALMSTAD_KOMMUN),
        &patient,
        "2026-01-01",
    )
    .await
    .assert_status(201);
    app.take_up(&Persona::nurse(VARBERG_KOMMUN), number).await;
    let body = enroll(
        &app,
        &Persona::nurse(VARBERG_KOMMUN),
        &patient,
        "2026-02-01",
    )
    .await
    .assert_problem(409, "ALREADY_ENROLLED");
    assert!(body["detail"].as_str().unwrap().contains("Halmstad"));
}

#[actix_web::test]
async fn a_nurse_cannot_end_another_municipalitys_enrollment() {
    let app = TestApp::spawn().await;
    let (patient, number) = new_patient(&app).await;
    let e = enroll(
        &app,
        &Persona::nurse(HALMSTAD_KOMMUN),
        &patient,
        "2026-01-01",
    )
    .await
    .assert_status(201);
    let url = format!(
        "/api/v1/patients/{patient}/enrollments/{}/end",
        e["id"].as_str().unwrap()
    );
    // Both look the patient up first, so each is refused by the rule under test alone.
    app.take_up(&Persona::nurse(VARBERG_KOMMUN), number).await;
    app.take_up(&Persona::doctor(VC_HALMSTAD), number).await;
    app.post(
        &url,
        &Persona::nurse(VARBERG_KOMMUN),
        &json!({"end_date": "2026-02-01"}),
    )
    .await
    .assert_problem(403, "OTHER_MUNICIPALITY");
    app.post(
        &url,
        &Persona::doctor(VC_HALMSTAD),
        &json!({"end_date": "2026-02-01"}),
    )
    .await
    .assert_problem(403, "KOMMUN_UNIT_REQUIRED");
}

#[actix_web::test]
async fn the_end_date_may_equal_the_start_but_not_precede_it() {
    let app = TestApp::spawn().await;
    let (patient, _) = new_patient(&app).await;
    let nurse = Persona::nurse(HALMSTAD_KOMMUN);
    let e = enroll(&app, &nurse, &patient, "2026-03-10")
        .await
        .assert_status(201);
    let url = format!(
        "/api/v1/patients/{patient}/enrollments/{}/end",
        e["id"].as_str().unwrap()
    );
    let body = app
        .post(&url, &nurse, &json!({"end_date": "2026-03-09"}))
        .await
        .assert_problem(422, "VALIDATION_FAILED");
    assert_eq!(body["violations"][0]["code"], "END_BEFORE_START");
    let ended = app
        .post(&url, &nurse, &json!({"end_date": "2026-03-10"}))
        .await
        .assert_status(200);
    assert_eq!(ended["end_date"], "2026-03-10");
    app.post(&url, &nurse, &json!({"end_date": "2026-03-11"}))
        .await
        .assert_problem(409, "ALREADY_ENDED");
}

#[actix_web::test]
async fn after_an_end_a_new_enrollment_may_start_the_next_day_but_not_overlap() {
    let app = TestApp::spawn().await;
    let (patient, number) = new_patient(&app).await;
    let halmstad = Persona::nurse(HALMSTAD_KOMMUN);
    let e = enroll(&app, &halmstad, &patient, "2026-01-01")
        .await
        .assert_status(201);
    app.post(
        &format!(
            "/api/v1/patients/{patient}/enrollments/{}/end",
            e["id"].as_str().unwrap()
        ),
        &halmstad,
        &json!({"end_date": "2026-05-31"}),
    )
    .await
    .assert_status(200);
    app.take_up(&Persona::nurse(VARBERG_KOMMUN), number).await;
    enroll(
        &app,
        &Persona::nurse(VARBERG_KOMMUN),
        &patient,
        "2026-05-31",
    )
    .await
    .assert_problem(409, "ENROLLMENT_OVERLAP");
    enroll(
        &app,
        &Persona::nurse(VARBERG_KOMMUN),
        &patient,
        "2026-06-01",
    )
    .await
    .assert_status(201);
    app.take_up(&Persona::doctor(VC_HALMSTAD), number).await;
    let history = app
        .get(
            &format!("/api/v1/patients/{patient}/enrollments"),
            &Persona::doctor(VC_HALMSTAD),
        )
        .await
        .assert_status(200);
    let codes: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["municipality_code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["1383", "1380"]);
}

#[actix_web::test]
async fn dates_are_checked_for_format_and_horizon() {
    let app = TestApp::spawn().await;
    let (patient, _) = new_patient(&app).await;
    let nurse = Persona::nurse(HALMSTAD_KOMMUN);
    for (date, code) in [("2026-13-01", "DATE_FORMAT"), ("1/1/2026", "DATE_FORMAT")] {
        let body = enroll(&app, &nurse, &patient, date)
            .await
            .assert_problem(422, "VALIDATION_FAILED");
        assert_eq!(body["violations"][0]["code"], code);
    }
    let too_far = (today() + Duration::days(31)).to_string();
    let body = enroll(&app, &nurse, &patient, &too_far)
        .await
        .assert_problem(422, "VALIDATION_FAILED");
    assert_eq!(body["violations"][0]["code"], "DATE_TOO_FAR_AHEAD");
    let edge = (today() + Duration::days(30)).to_string();
    let e = enroll(&app, &nurse, &patient, &edge)
        .await
        .assert_status(201);
    assert_eq!(e["in_force_today"], false);
}

#[actix_web::test]
async fn the_enrollment_query_sees_an_enrollment_that_ended_yesterday_as_ended() {
    use samverkan::models::enrollment::is_enrolled;
    let app = TestApp::spawn().await;
    let (patient, _) = new_patient(&app).await;
    let nurse = Persona::nurse(HALMSTAD_KOMMUN);
    let start = today() - Duration::days(10);
    let e = enroll(&app, &nurse, &patient, &start.to_string())
        .await
        .assert_status(201);
    let yesterday = today() - Duration::days(1);
    app.post(
        &format!(
            "/api/v1/patients/{patient}/enrollments/{}/end",
            e["id"].as_str().unwrap()
        ),
        &nurse,
        &json!({"end_date": yesterday.to_string()}),
    )
    .await
    .assert_status(200);
    let id: uuid::Uuid = patient.parse().unwrap();
    let mut conn = app.db.conn();
    assert!(is_enrolled(&mut conn, id, "1380", yesterday).unwrap());
    assert!(!is_enrolled(&mut conn, id, "1380", today()).unwrap());
    assert!(!is_enrolled(&mut conn, id, "1383", yesterday).unwrap());
    assert!(!is_enrolled(&mut conn, id, "1380", start - Duration::days(1)).unwrap());
    assert!(is_enrolled(&mut conn, id, "1380", start).unwrap());
}

#[actix_web::test]
async fn enrolling_an_unknown_patient_is_404() {
    let app = TestApp::spawn().await;
    enroll(
        &app,
        &Persona::nurse(HALMSTAD_KOMMUN),
        &uuid::Uuid::new_v4().to_string(),
        "2026-01-01",
    )
    .await
    .assert_problem(404, "NOT_FOUND");
}
