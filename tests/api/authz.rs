//! The authorisation matrix: every endpoint × persona — another unit, the same unit but
//! unlicensed, a wrong role, an admin without a directory unit, an integration client, and no
//! token — answers exactly the expected status. Each persona runs on a database of its own so
//! that nothing one persona does (a lookup creating a care relation) changes another's answers.

use actix_web::http::Method;
use serde_json::{json, Value};

use crate::helpers::{
    integration_token, recept_draft, Persona, TestApp, HALMSTAD_KOMMUN, VARBERG_KOMMUN, VC_HALMSTAD,
};

const TOLVAN: &str = "191212121212";

/// The ids the matrix needs: Tolvan, his enrollment, Vårdcentralen Halmstad, and an unread
/// recept from the Halmstad nurse to the vårdcentral.
struct World {
    patient: String,
    enrollment: String,
    unit: String,
    message: String,
}

async fn world(app: &TestApp) -> World {
    let patient = app.patient_id(TOLVAN);
    let unit = app.unit_id(VC_HALMSTAD);
    let msg = app
        .post(
            "/api/v1/messages/recept",
            &Persona::nurse(HALMSTAD_KOMMUN),
            &recept_draft(patient, unit),
        )
        .await
        .assert_status(201);
    let enrollments = app
        .get(
            &format!("/api/v1/patients/{patient}/enrollments"),
            &Persona::nurse(HALMSTAD_KOMMUN),
        )
        .await
        .assert_status(200);
    World {
        patient: patient.to_string(),
        enrollment: enrollments[0]["id"].as_str().unwrap().to_string(),
        unit: unit.to_string(),
        message: msg["id"].as_str().unwrap().to_string(),
    }
}

/// One endpoint: method, path, body.
fn endpoints(w: &World) -> Vec<(&'static str, Method, String, Option<Value>)> {
    let (p, e, u, m) = (&w.patient, &w.enrollment, &w.unit, &w.message);
    let draft = recept_draft(p.parse().unwrap(), u.parse().unwrap());
    vec![
        ("me", Method::GET, "/api/v1/me".into(), None),
        ("list units", Method::GET, "/api/v1/units".into(), None),
        ("get unit", Method::GET, format!("/api/v1/units/{u}"), None),
        (
            "create unit",
            Method::POST,
            "/api/v1/units".into(),
            Some(json!({"hsa_id": "SE2321000115-AUTHZ1", "name": "Matris", "kind": "narsjukvard"})),
        ),
        (
            "patch unit",
            Method::PATCH,
            format!("/api/v1/units/{u}"),
            Some(json!({"name": "Vårdcentralen Halmstad (demo)"})),
        ),
        (
            "get patient",
            Method::GET,
            format!("/api/v1/patients/{p}"),
            None,
        ),
        (
            "list enrollments",
            Method::GET,
            format!("/api/v1/patients/{p}/enrollments"),
            None,
        ),
        (
            "start enrollment",
            Method::POST,
            format!("/api/v1/patients/{p}/enrollments"),
            Some(json!({"start_date": "2026-01-01"})),
        ),
        (
            "end enrollment",
            Method::POST,
            format!("/api/v1/patients/{p}/enrollments/{e}/end"),
            Some(json!({"end_date": "2026-11-30"})),
        ),
        (
            "access log extract",
            Method::GET,
            format!("/api/v1/patients/{p}/access-log"),
            None,
        ),
        (
            "get message",
            Method::GET,
            format!("/api/v1/messages/{m}"),
            None,
        ),
        (
            "message as FHIR",
            Method::GET,
            format!("/api/v1/messages/{m}/fhir"),
            None,
        ),
        (
            "acknowledge",
            Method::POST,
            format!("/api/v1/messages/{m}/read"),
            None,
        ),
        (
            "reply",
            Method::POST,
            format!("/api/v1/messages/{m}/replies"),
            Some(json!({"body": "Förnyat."})),
        ),
        (
            "close",
            Method::POST,
            format!("/api/v1/messages/{m}/close"),
            None,
        ),
        (
            "cancel",
            Method::POST,
            format!("/api/v1/messages/{m}/cancel"),
            Some(json!({"reason": "wrong_patient"})),
        ),
        (
            "create message",
            Method::POST,
            "/api/v1/messages/recept".into(),
            Some(draft.clone()),
        ),
        (
            "validate message",
            Method::POST,
            "/api/v1/messages/recept/validate".into(),
            Some(draft),
        ),
        (
            "inbox",
            Method::GET,
            "/api/v1/messages?box=inbox".into(),
            None,
        ),
        (
            "summary",
            Method::GET,
            "/api/v1/messages/summary".into(),
            None,
        ),
        (
            "register patient",
            Method::POST,
            "/api/v1/patients".into(),
            Some(json!({"personal_identity_number": "20170101-2393"})),
        ),
        (
            "lookup patient",
            Method::POST,
            "/api/v1/patients/lookup".into(),
            Some(json!({"personal_identity_number": "20170101-2393"})),
        ),
        ("rules", Method::GET, "/api/v1/rules".into(), None),
        (
            "reply window",
            Method::GET,
            "/api/v1/reply-window".into(),
            None,
        ),
        ("audit", Method::GET, "/api/v1/audit".into(), None),
        ("events", Method::GET, "/api/v1/events".into(), None),
        (
            "list webhooks",
            Method::GET,
            "/api/v1/webhooks".into(),
            None,
        ),
        (
            "create webhook",
            Method::POST,
            "/api/v1/webhooks".into(),
            Some(json!({"url": "https://93.184.216.34/hooks", "units": [VC_HALMSTAD]})),
        ),
    ]
}

/// Runs every endpoint as `token` (in list order) and compares with `expected` (same order).
async fn check(persona: &str, token: Option<String>, expected: &[u16]) {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let eps = endpoints(&w);
    assert_eq!(
        eps.len(),
        expected.len(),
        "{persona}: one expectation per endpoint"
    );
    let mut wrong = Vec::new();
    for ((name, method, path, body), want) in eps.into_iter().zip(expected) {
        let mut req = TestApp::request(method, &path, token.as_deref());
        if let Some(b) = &body {
            req = req.set_json(b);
        }
        let res = app.send(req).await;
        if res.status.as_u16() != *want {
            wrong.push(format!(
                "{name}: got {} want {want} ({})",
                res.status.as_u16(),
                String::from_utf8_lossy(&res.body)
            ));
        }
        if res.status.as_u16() >= 400 {
            res.assert_problem(
                res.status.as_u16(),
                res.json()["code"].as_str().unwrap_or_default(),
            );
        }
    }
    assert!(wrong.is_empty(), "{persona}:\n{}", wrong.join("\n"));
}

//                          me  lsU getU crU paU getP lsE stE endE log getM fhir read rep clo can crM val inb sum reg lkp rul win aud evt lsW crW
#[actix_web::test]
async fn no_token_is_401_everywhere() {
    check("no token", None, &[401; 28]).await;
}

#[actix_web::test]
async fn another_units_nurse_sees_neither_the_patient_nor_the_message() {
    let expected = [
        200, 200, 200, 403, 403, 404, 404, 404, 404, 403, 404, 404, 404, 404, 404, 404, 422, 200,
        200, 200, 200, 200, 200, 200, 403, 403, 403, 403,
    ];
    check(
        "Varberg kommun nurse",
        Some(Persona::nurse(VARBERG_KOMMUN).token()),
        &expected,
    )
    .await;
}

#[actix_web::test]
async fn unlicensed_staff_of_the_sending_unit_read_but_do_not_act() {
    let expected = [
        200, 200, 200, 403, 403, 200, 200, 403, 403, 403, 200, 200, 403, 422, 403, 403, 422, 200,
        200, 200, 200, 200, 200, 200, 403, 403, 403, 403,
    ];
    check(
        "Halmstad undersköterska",
        Some(Persona::assistant(HALMSTAD_KOMMUN).token()),
        &expected,
    )
    .await;
}

#[actix_web::test]
async fn an_auditor_reviews_the_log_but_touches_no_message() {
    let expected = [
        200, 200, 200, 403, 403, 403, 403, 403, 403, 200, 403, 403, 403, 403, 403, 403, 403, 403,
        403, 403, 403, 403, 200, 200, 200, 403, 403, 403,
    ];
    check(
        "granskare",
        Some(Persona::auditor(HALMSTAD_KOMMUN).token()),
        &expected,
    )
    .await;
}

#[actix_web::test]
async fn an_integration_client_reads_the_feed_and_the_messages_of_its_units_only() {
    let expected = [
        200, 200, 200, 403, 403, 403, 403, 403, 403, 403, 200, 200, 403, 403, 403, 403, 403, 403,
        403, 403, 403, 403, 200, 200, 403, 200, 200, 201,
    ];
    check(
        "integration",
        Some(integration_token(&[VC_HALMSTAD])),
        &expected,
    )
    .await;
}

#[actix_web::test]
async fn an_admin_without_a_directory_unit_maintains_the_directory_only() {
    let expected = [
        200, 200, 200, 201, 200, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403,
        403, 403, 403, 403, 200, 200, 403, 403, 200, 201,
    ];
    check("admin", Some(Persona::admin().token()), &expected).await;
}

#[actix_web::test]
async fn the_parties_themselves_get_through() {
    // The receiving doctor: everything a party may do to an unread message succeeds, except
    // what only the sender may do (cancel) and what needs an answer first (close).
    let expected = [
        200, 200, 200, 403, 403, 200, 200, 403, 403, 403, 200, 200, 200, 201, 200, 403, 422, 200,
        200, 200, 200, 200, 200, 200, 403, 403, 403, 403,
    ];
    // (read → reply answers it → close closes it; cancel is the sender's; the draft names the
    // doctor's own unit as recipient, so sending it breaks OGILTIG_MOTTAGARE.)
    check(
        "Vårdcentralen Halmstad doctor",
        Some(Persona::doctor(VC_HALMSTAD).token()),
        &expected,
    )
    .await;
}
