//! EJ_INSKRIVEN, OGILTIG_MOTTAGARE and EJ_LEGITIMERAD: the patient must be enrolled in the
//! kommun party's home health care on the day of sending (end date inclusive), a message goes
//! between one kommun unit and one active regional unit that takes part, and only licensed
//! staff send. A draft breaking several rules hears about all of them at once.

use serde_json::json;
use time::Duration;
use uuid::Uuid;

use super::*;
use crate::helpers::{
    HABILITERING, HALMSTAD_KOMMUN, PALLIATIV_DELTAR, PALLIATIV_DELTAR_EJ, PSYKIATRI,
    VARBERG_KOMMUN, VC_HALMSTAD, VC_VARBERG,
};

/// Enrolls `patient` in Halmstad from `start`; the enrollment id.
async fn enroll_in_halmstad(app: &TestApp, patient: Uuid, start: time::Date) -> String {
    let e = app
        .post(
            &format!("/api/v1/patients/{patient}/enrollments"),
            &kommun_nurse(),
            &json!({"start_date": start.to_string()}),
        )
        .await
        .assert_status(201);
    e["id"].as_str().unwrap().to_string()
}

async fn end_enrollment(app: &TestApp, patient: Uuid, enrollment: &str, end: time::Date) {
    app.post(
        &format!("/api/v1/patients/{patient}/enrollments/{enrollment}/end"),
        &kommun_nurse(),
        &json!({"end_date": end.to_string()}),
    )
    .await
    .assert_status(200);
}

async fn set_active(app: &TestApp, unit: Uuid, active: bool) {
    app.patch(
        &format!("/api/v1/units/{unit}"),
        &Persona::admin(),
        &json!({"active": active}),
    )
    .await
    .assert_status(200);
}

async fn recept_about(app: &TestApp, patient: Uuid) -> Resp {
    let body = recept_body(patient, app.unit_id(VC_HALMSTAD));
    send(app, "recept", &kommun_nurse(), &body).await
}

#[actix_web::test]
async fn a_patient_enrolled_in_the_senders_municipality_is_accepted() {
    let app = TestApp::spawn().await;

    recept_about(&app, app.patient_id(TOLVAN))
        .await
        .assert_status(201);
}

#[actix_web::test]
async fn a_patient_enrolled_in_another_municipality_is_refused_on_the_patient() {
    let app = TestApp::spawn().await;
    // Varberg takes Tolvan up, so the refusal is about the enrollment, not inre sekretess.
    let tolvan = app.take_up(&Persona::nurse(VARBERG_KOMMUN), TOLVAN).await;
    let body = recept_body(tolvan, app.unit_id(VC_VARBERG));

    let res = send(&app, "recept", &Persona::nurse(VARBERG_KOMMUN), &body).await;

    assert_refused(&res, &[("EJ_INSKRIVEN", "patient_id")]);
}

#[actix_web::test]
async fn a_samordningsnummer_patient_is_refused_until_enrolled_through_the_api() {
    let app = TestApp::spawn().await;
    let patient = app.take_up(&kommun_nurse(), SAMORDNAD).await;
    assert_refused(
        &recept_about(&app, patient).await,
        &[("EJ_INSKRIVEN", "patient_id")],
    );

    enroll_in_halmstad(&app, patient, today()).await;
    let msg = recept_about(&app, patient).await.assert_status(201);

    assert_eq!(msg["patient"]["personal_identity_number"], SAMORDNAD);
    assert_eq!(msg["patient"]["id_kind"], "samordningsnummer");
}

#[actix_web::test]
async fn an_enrollment_that_ended_yesterday_is_refused() {
    let app = TestApp::spawn().await;
    let patient = app.take_up(&kommun_nurse(), TEST_TESTSSON).await;
    let e = enroll_in_halmstad(&app, patient, today() - Duration::days(10)).await;
    end_enrollment(&app, patient, &e, today() - Duration::days(1)).await;

    let res = recept_about(&app, patient).await;

    assert_refused(&res, &[("EJ_INSKRIVEN", "patient_id")]);
}

#[actix_web::test]
async fn an_enrollment_that_ends_today_is_still_in_force() {
    let app = TestApp::spawn().await;
    let patient = app.take_up(&kommun_nurse(), TEST_TESTSSON).await;
    let e = enroll_in_halmstad(&app, patient, today() - Duration::days(10)).await;
    end_enrollment(&app, patient, &e, today()).await;

    recept_about(&app, patient).await.assert_status(201);
}

#[actix_web::test]
async fn an_enrollment_that_starts_tomorrow_is_not_yet_in_force() {
    let app = TestApp::spawn().await;
    let patient = app.take_up(&kommun_nurse(), TEST_TESTSSON).await;
    enroll_in_halmstad(&app, patient, today() + Duration::days(1)).await;

    let res = recept_about(&app, patient).await;

    assert_refused(&res, &[("EJ_INSKRIVEN", "patient_id")]);
}

#[actix_web::test]
async fn an_unknown_patient_id_is_patient_not_found_on_patient_id() {
    let app = TestApp::spawn().await;

    let res = recept_about(&app, Uuid::new_v4()).await;

    assert_invalid(&res, &[("PATIENT_NOT_FOUND", "patient_id")]);
}

#[actix_web::test]
async fn kommun_to_kommun_is_refused_on_the_recipient_only() {
    let app = TestApp::spawn().await;
    let body = recept_body(app.patient_id(TOLVAN), app.unit_id(VARBERG_KOMMUN));

    let res = send(&app, "recept", &kommun_nurse(), &body).await;

    assert_refused(&res, &[("OGILTIG_MOTTAGARE", "recipient_unit_id")]);
}

#[actix_web::test]
async fn region_to_region_is_refused_on_the_recipient() {
    let app = TestApp::spawn().await;
    let body = uppfoljning_request_body(app.patient_id(TOLVAN), app.unit_id(PSYKIATRI));

    let res = send(&app, "uppfoljning", &vc_doctor(), &body).await;

    assert_refused(&res, &[("OGILTIG_MOTTAGARE", "recipient_unit_id")]);
}

#[actix_web::test]
async fn a_specialist_that_does_not_take_part_is_refused() {
    let app = TestApp::spawn().await;
    let body = recept_body(app.patient_id(TOLVAN), app.unit_id(PALLIATIV_DELTAR_EJ));

    let res = send(&app, "recept", &kommun_nurse(), &body).await;

    assert_refused(&res, &[("OGILTIG_MOTTAGARE", "recipient_unit_id")]);
}

#[actix_web::test]
async fn participating_specialists_and_psykiatri_are_valid_recipients() {
    let app = TestApp::spawn().await;
    for unit in [PALLIATIV_DELTAR, HABILITERING, PSYKIATRI] {
        let body = bokning_body(app.patient_id(TOLVAN), app.unit_id(unit));
        let msg = send(&app, "bokning", &kommun_nurse(), &body)
            .await
            .assert_status(201);
        assert_eq!(msg["recipient"]["unit_id"], app.unit_id(unit).to_string());
    }
}

#[actix_web::test]
async fn a_recipient_deactivated_by_the_admin_is_refused_until_reactivated() {
    let app = TestApp::spawn().await;
    let vc = app.unit_id(VC_HALMSTAD);
    set_active(&app, vc, false).await;

    let res = recept_about(&app, app.patient_id(TOLVAN)).await;
    assert_refused(&res, &[("OGILTIG_MOTTAGARE", "recipient_unit_id")]);

    set_active(&app, vc, true).await;
    recept_about(&app, app.patient_id(TOLVAN))
        .await
        .assert_status(201);
}

#[actix_web::test]
async fn a_specialist_that_stops_taking_part_is_refused() {
    let app = TestApp::spawn().await;
    let hab = app.unit_id(HABILITERING);
    app.patch(
        &format!("/api/v1/units/{hab}"),
        &Persona::admin(),
        &json!({"participating": false}),
    )
    .await
    .assert_status(200);
    let body = recept_body(app.patient_id(TOLVAN), hab);

    let res = send(&app, "recept", &kommun_nurse(), &body).await;

    assert_refused(&res, &[("OGILTIG_MOTTAGARE", "recipient_unit_id")]);
}

#[actix_web::test]
async fn an_unknown_recipient_id_is_refused_on_the_recipient() {
    let app = TestApp::spawn().await;
    let body = recept_body(app.patient_id(TOLVAN), Uuid::new_v4());

    let res = send(&app, "recept", &kommun_nurse(), &body).await;

    assert_refused(&res, &[("OGILTIG_MOTTAGARE", "recipient_unit_id")]);
}

#[actix_web::test]
async fn a_sender_whose_own_unit_is_inactive_is_403() {
    let app = TestApp::spawn().await;
    set_active(&app, app.unit_id(HALMSTAD_KOMMUN), false).await;

    let res = recept_about(&app, app.patient_id(TOLVAN)).await;

    res.assert_problem(403, "UNIT_NOT_AUTHORISED");
}

#[actix_web::test]
async fn unlicensed_staff_are_refused_as_ej_legitimerad_and_licensed_staff_are_not() {
    let app = TestApp::spawn().await;
    let body = recept_body(app.patient_id(TOLVAN), app.unit_id(VC_HALMSTAD));

    let res = send(&app, "recept", &Persona::assistant(HALMSTAD_KOMMUN), &body).await;
    assert_refused(&res, &[("EJ_LEGITIMERAD", "sender")]);

    send(&app, "recept", &kommun_nurse(), &body)
        .await
        .assert_status(201);
}

#[actix_web::test]
async fn a_draft_breaking_four_rules_reports_all_four_in_one_answer() {
    let app = TestApp::spawn().await;
    let mut body = recept_body(app.patient_id(TOLVAN), app.unit_id(VC_HALMSTAD));
    body["body"] = "Behövs snarast, se bifogad lista.".into();
    body["attachments"] = json!(["lista.pdf"]);
    body["details"]["kind"] = "nyforskrivning".into();

    let res = send(&app, "recept", &Persona::assistant(HALMSTAD_KOMMUN), &body).await;

    assert_refused(
        &res,
        &[
            ("AKUT", "body"),
            ("BILAGA", "attachments"),
            ("NYFORSKRIVNING", "details.kind"),
            ("EJ_LEGITIMERAD", "sender"),
        ],
    );
    assert_eq!(stored_rows(&app), (0, 0));
}

#[actix_web::test]
async fn field_errors_and_rule_violations_are_reported_together() {
    let app = TestApp::spawn().await;
    let mut body = recept_body(app.patient_id(TOLVAN), app.unit_id(VC_HALMSTAD));
    body["subject"] = "x".repeat(121).into();
    body["body"] = "Genast, tack.".into();

    let res = send(&app, "recept", &kommun_nurse(), &body).await;

    assert_refused(&res, &[("TOO_LONG", "subject"), ("AKUT", "body")]);
}

#[actix_web::test]
async fn rule_violations_known_before_parsing_are_reported_with_a_missing_field() {
    let app = TestApp::spawn().await;
    let mut body = recept_body(app.patient_id(TOLVAN), app.unit_id(VC_HALMSTAD));
    body.as_object_mut().unwrap().remove("subject");
    body["attachments"] = json!(["lista.pdf"]);

    let res = send(&app, "recept", &Persona::assistant(HALMSTAD_KOMMUN), &body).await;

    let problem = res.assert_problem(422, "ROUTINE_VIOLATION");
    let found = violations(&problem);
    assert!(
        found.iter().any(|(code, _)| code == "MISSING_FIELD"),
        "{found:?}"
    );
    for expected in [("BILAGA", "attachments"), ("EJ_LEGITIMERAD", "sender")] {
        assert!(
            found.contains(&(expected.0.to_string(), expected.1.to_string())),
            "{expected:?} missing in {found:?}"
        );
    }
}
