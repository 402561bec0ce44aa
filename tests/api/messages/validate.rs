//! Draft checks (`POST /api/v1/messages/{category}/validate`): the same verdict as sending,
//! as 200 `{valid, violations}` — even for incomplete drafts — and nothing is stored.

use serde_json::json;

use super::*;
use crate::helpers::VC_HALMSTAD;

fn validate_path(category: &str) -> String {
    format!("/api/v1/messages/{category}/validate")
}

#[actix_web::test]
async fn a_valid_draft_of_each_category_is_valid_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let (tolvan, vc) = (app.patient_id(TOLVAN), app.unit_id(VC_HALMSTAD));
    let before = stored_rows(&app);

    for category in CATEGORIES {
        let verdict = app
            .post(
                &validate_path(category),
                &kommun_nurse(),
                &body_of(category, tolvan, vc),
            )
            .await
            .assert_status(200);
        assert_eq!(
            verdict,
            json!({"valid": true, "violations": []}),
            "{category}"
        );
    }

    assert_eq!(before, (0, 0));
    assert_eq!(stored_rows(&app), before);
}

#[actix_web::test]
async fn an_urgent_draft_is_invalid_with_akut_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let mut body = recept_body(app.patient_id(TOLVAN), app.unit_id(VC_HALMSTAD));
    body["body"] = "Behöver förnyas snarast.".into();

    let verdict = app
        .post(&validate_path("recept"), &kommun_nurse(), &body)
        .await
        .assert_status(200);

    assert_eq!(verdict["valid"], false);
    assert_eq!(violations(&verdict), pairs(&[("AKUT", "body")]));
    assert!(!verdict["violations"][0]["message"]
        .as_str()
        .unwrap()
        .is_empty());
    assert_eq!(stored_rows(&app), (0, 0));
}

#[actix_web::test]
async fn a_draft_without_patient_or_recipient_is_checked_for_what_its_texts_say() {
    // As a frontend checks while the nurse types, before she has picked anyone.
    let app = TestApp::spawn().await;
    let body = json!({
        "subject": "Förnyelse",
        "body": "Behöver svar snarast.",
        "details": {"drug_name": "OxyNorm", "strength": "5 mg", "dosage": "1x2"}
    });

    let verdict = app
        .post(&validate_path("recept"), &kommun_nurse(), &body)
        .await
        .assert_status(200);

    let found = violations(&verdict);
    assert_eq!(verdict["valid"], false);
    assert!(
        found.iter().any(|(code, _)| code == "MISSING_FIELD"),
        "{found:?}"
    );
    for expected in [("AKUT", "body"), ("NARKOTIKA", "details.drug_name")] {
        assert!(
            found.contains(&(expected.0.to_string(), expected.1.to_string())),
            "{expected:?} in {found:?}"
        );
    }

    // Rephrased and with a drug that is no narcotic: only the missing fields are left.
    let body = json!({
        "subject": "Förnyelse",
        "body": "Tacksam för förnyelse i veckan.",
        "details": {"drug_name": "Enalapril", "strength": "10 mg", "dosage": "1x1"}
    });
    let verdict = app
        .post(&validate_path("recept"), &kommun_nurse(), &body)
        .await
        .assert_status(200);
    let rules: Vec<_> = violations(&verdict)
        .into_iter()
        .filter(|(code, _)| code == "AKUT" || code == "NARKOTIKA")
        .collect();
    assert!(rules.is_empty(), "{rules:?}");
    assert_eq!(stored_rows(&app), (0, 0));
}

#[actix_web::test]
async fn a_draft_breaking_rules_and_fields_lists_every_violation() {
    let app = TestApp::spawn().await;
    let mut body = recept_body(app.patient_id(TOLVAN), app.unit_id(VC_HALMSTAD));
    body["subject"] = "".into();
    body["details"]["drug_name"] = "OxyNorm".into();

    let verdict = app
        .post(
            &validate_path("recept"),
            &Persona::assistant(crate::helpers::HALMSTAD_KOMMUN),
            &body,
        )
        .await
        .assert_status(200);

    assert_eq!(verdict["valid"], false);
    assert_eq!(
        violations(&verdict),
        pairs(&[
            ("REQUIRED", "subject"),
            ("NARKOTIKA", "details.drug_name"),
            ("EJ_LEGITIMERAD", "sender"),
        ])
    );
}

#[actix_web::test]
async fn a_draft_with_missing_fields_is_invalid_but_not_an_error() {
    let app = TestApp::spawn().await;
    let body = json!({"subject": "Recept", "details": {"drug_name": "Enalapril"}});

    let verdict = app
        .post(&validate_path("recept"), &kommun_nurse(), &body)
        .await
        .assert_status(200);

    assert_eq!(verdict["valid"], false);
    let found = violations(&verdict);
    assert!(
        found.iter().any(|(code, _)| code == "MISSING_FIELD"),
        "{found:?}"
    );
    assert_eq!(stored_rows(&app), (0, 0));
}

#[actix_web::test]
async fn a_draft_that_is_not_an_object_is_invalid_but_not_an_error() {
    let app = TestApp::spawn().await;

    let verdict = app
        .post(&validate_path("bokning"), &kommun_nurse(), &json!([1, 2]))
        .await
        .assert_status(200);

    assert_eq!(verdict["valid"], false);
    assert!(!violations(&verdict).is_empty());
}

#[actix_web::test]
async fn malformed_json_is_400() {
    let app = TestApp::spawn().await;

    let res = app
        .post_raw(
            &validate_path("recept"),
            &kommun_nurse(),
            b"{\"subject\": ",
            "application/json",
        )
        .await;

    res.assert_problem(400, "MALFORMED_JSON");
}

#[actix_web::test]
async fn only_staff_may_check_drafts() {
    let app = TestApp::spawn().await;
    let body = recept_body(app.patient_id(TOLVAN), app.unit_id(VC_HALMSTAD));

    app.post(&validate_path("recept"), &Persona::admin(), &body)
        .await
        .assert_problem(403, "ROLE_REQUIRED");
    app.send_anonymous(
        actix_web::http::Method::POST,
        &validate_path("recept"),
        Some(&body),
    )
    .await
    .assert_problem(401, "UNAUTHENTICATED");
}
