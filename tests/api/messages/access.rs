//! Inre sekretess: only the two units of a message see it. Staff of any other unit get the
//! same 404 as for an id that does not exist, on every message endpoint; roles without patient
//! work get 403 and a missing token 401.

use actix_web::http::Method;
use serde_json::{json, Value};

use super::*;
use crate::helpers::{VARBERG_KOMMUN, VC_HALMSTAD, VC_VARBERG};

/// (method, path suffix, body) of every endpoint that takes a message id.
fn endpoints() -> Vec<(Method, &'static str, Option<Value>)> {
    vec![
        (Method::GET, "", None),
        (Method::POST, "/read", Some(json!({}))),
        (
            Method::POST,
            "/replies",
            Some(json!({"body": "Förnyat.", "outcome": "utfort"})),
        ),
        (Method::POST, "/close", Some(json!({}))),
        (
            Method::POST,
            "/cancel",
            Some(json!({"reason": "wrong_patient"})),
        ),
    ]
}

async fn call(
    app: &TestApp,
    who: &Persona,
    method: &Method,
    path: &str,
    body: &Option<Value>,
) -> Resp {
    let mut req = TestApp::request(method.clone(), path, Some(&who.token()));
    if let Some(b) = body {
        req = req.set_json(b);
    }
    app.send(req).await
}

#[actix_web::test]
async fn a_third_unit_gets_the_same_404_as_for_a_message_that_does_not_exist() {
    let app = TestApp::spawn().await;
    let id = id_of(&sent_recept(&app).await);
    let unknown = uuid::Uuid::new_v4().to_string();

    for outsider in [Persona::doctor(VC_VARBERG), Persona::nurse(VARBERG_KOMMUN)] {
        for (method, suffix, body) in endpoints() {
            let existing = call(
                &app,
                &outsider,
                &method,
                &format!("/api/v1/messages/{id}{suffix}"),
                &body,
            )
            .await
            .assert_problem(404, "NOT_FOUND");
            let missing = call(
                &app,
                &outsider,
                &method,
                &format!("/api/v1/messages/{unknown}{suffix}"),
                &body,
            )
            .await
            .assert_problem(404, "NOT_FOUND");
            for key in ["type", "title", "status", "code", "detail"] {
                assert_eq!(existing[key], missing[key], "{method} {suffix}: {key}");
            }
            assert!(existing.get("violations").is_none());
        }
    }

    let msg = app
        .get(&format!("/api/v1/messages/{id}"), &kommun_nurse())
        .await
        .assert_status(200);
    assert_eq!(msg["status"], "sent", "outsiders changed nothing");
    assert_eq!(msg["replies"], json!([]));
}

#[actix_web::test]
async fn a_third_unit_does_not_see_the_message_in_any_mailbox() {
    let app = TestApp::spawn().await;
    sent_recept(&app).await;

    for outsider in [Persona::doctor(VC_VARBERG), Persona::nurse(VARBERG_KOMMUN)] {
        for mailbox in ["inbox", "outbox"] {
            let page = app
                .get(&format!("/api/v1/messages?box={mailbox}"), &outsider)
                .await
                .assert_status(200);
            assert_eq!(page["items"], json!([]), "{mailbox}");
        }
    }
}

#[actix_web::test]
async fn both_parties_see_the_message() {
    let app = TestApp::spawn().await;
    let id = id_of(&sent_recept(&app).await);

    for party in [kommun_nurse(), vc_doctor(), Persona::assistant(VC_HALMSTAD)] {
        app.get(&format!("/api/v1/messages/{id}"), &party)
            .await
            .assert_status(200);
    }
}

#[actix_web::test]
async fn roles_without_patient_work_get_403_on_every_message_endpoint() {
    let app = TestApp::spawn().await;
    let id = id_of(&sent_recept(&app).await);
    let body = recept_body(app.patient_id(TOLVAN), app.unit_id(VC_HALMSTAD));
    let mut all = endpoints();
    all.push((Method::POST, "recept", Some(body.clone())));
    all.push((Method::POST, "recept/validate", Some(body)));
    all.push((Method::GET, "?box=inbox", None));
    all.push((Method::GET, "summary", None));

    for who in [Persona::auditor(VC_HALMSTAD), Persona::admin()] {
        for (method, suffix, body) in &all {
            let path = if suffix.is_empty() || suffix.starts_with('/') {
                format!("/api/v1/messages/{id}{suffix}")
            } else if suffix.starts_with('?') {
                format!("/api/v1/messages{suffix}")
            } else {
                format!("/api/v1/messages/{suffix}")
            };
            call(&app, &who, method, &path, body)
                .await
                .assert_problem(403, "ROLE_REQUIRED");
        }
    }
}

#[actix_web::test]
async fn no_token_is_401_on_every_message_endpoint() {
    let app = TestApp::spawn().await;
    let id = id_of(&sent_recept(&app).await);

    for (method, suffix, body) in endpoints() {
        app.send_anonymous(
            method,
            &format!("/api/v1/messages/{id}{suffix}"),
            body.as_ref(),
        )
        .await
        .assert_problem(401, "UNAUTHENTICATED");
    }
    app.send_anonymous(Method::GET, "/api/v1/messages?box=inbox", None)
        .await
        .assert_problem(401, "UNAUTHENTICATED");
}
