//! The lifecycle: sent → read → answered → closed; who may read, reply and close, every
//! other transition 409, and every transition in the history with its actor.

use serde_json::{json, Value};

use super::*;
use crate::helpers::{HALMSTAD_KOMMUN, VC_HALMSTAD};

#[actix_web::test]
async fn the_recipient_reads_a_message_and_reading_again_changes_nothing() {
    let app = TestApp::spawn().await;
    let id = id_of(&sent_recept(&app).await);

    let first = read(&app, &id, &vc_doctor()).await.assert_status(200);
    let again = read(&app, &id, &vc_doctor()).await.assert_status(200);

    assert_eq!(first["status"], "read");
    assert_eq!(again["status"], "read");
    assert!(first["read_at"].is_string());
    assert_eq!(
        again["read_at"], first["read_at"],
        "the first read time is kept"
    );
    assert_eq!(again["history"].as_array().unwrap().len(), 2);
}

#[actix_web::test]
async fn the_sender_cannot_mark_its_own_message_read() {
    let app = TestApp::spawn().await;
    let id = id_of(&sent_recept(&app).await);

    read(&app, &id, &kommun_nurse())
        .await
        .assert_problem(403, "RECIPIENT_ONLY");

    let msg = app
        .get(&format!("/api/v1/messages/{id}"), &kommun_nurse())
        .await
        .assert_status(200);
    assert_eq!(msg["status"], "sent");
}

#[actix_web::test]
async fn the_recipients_reply_answers_the_message() {
    let app = TestApp::spawn().await;
    let id = id_of(&sent_recept(&app).await);
    read(&app, &id, &vc_doctor()).await.assert_status(200);

    let res = reply(&app, &id, &vc_doctor(), "Receptet är förnyat.").await;

    let msg = res.assert_status(201);
    assert_eq!(
        res.header("location").unwrap(),
        format!("/api/v1/messages/{id}")
    );
    assert_eq!(msg["status"], "answered");
    assert!(msg["answered_at"].is_string());
    let replies = msg["replies"].as_array().unwrap();
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0]["body"], "Receptet är förnyat.");
    assert_eq!(replies[0]["outcome"], "utfort");
    assert_eq!(
        replies[0]["unit"]["unit_id"],
        app.unit_id(VC_HALMSTAD).to_string()
    );
    assert_eq!(replies[0]["hsa_id"], vc_doctor().sub);
}

#[actix_web::test]
async fn a_reply_to_an_unread_message_answers_it_and_marks_it_read() {
    let app = TestApp::spawn().await;
    let id = id_of(&sent_recept(&app).await);

    let msg = reply(&app, &id, &vc_doctor(), "Klart.")
        .await
        .assert_status(201);

    assert_eq!(msg["status"], "answered");
    assert!(msg["read_at"].is_string());
}

#[actix_web::test]
async fn the_sender_may_reply_only_after_the_answer() {
    let app = TestApp::spawn().await;
    let id = id_of(&sent_recept(&app).await);
    reply(&app, &id, &kommun_nurse(), "Har ni sett detta?")
        .await
        .assert_problem(409, "INVALID_TRANSITION");
    read(&app, &id, &vc_doctor()).await.assert_status(200);
    reply(&app, &id, &kommun_nurse(), "Har ni sett detta?")
        .await
        .assert_problem(409, "INVALID_TRANSITION");

    reply(&app, &id, &vc_doctor(), "Förnyat.")
        .await
        .assert_status(201);
    let msg = reply(&app, &id, &kommun_nurse(), "Tack!")
        .await
        .assert_status(201);

    assert_eq!(msg["status"], "answered");
    let bodies: Vec<&str> = msg["replies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["Förnyat.", "Tack!"]);
}

#[actix_web::test]
async fn an_unlicensed_reply_is_refused_as_ej_legitimerad() {
    let app = TestApp::spawn().await;
    let id = id_of(&sent_recept(&app).await);

    let res = reply(&app, &id, &Persona::assistant(VC_HALMSTAD), "Förnyat.").await;

    assert_refused(&res, &[("EJ_LEGITIMERAD", "sender")]);
}

#[actix_web::test]
async fn an_urgent_reply_is_refused_as_akut() {
    let app = TestApp::spawn().await;
    let id = id_of(&sent_recept(&app).await);

    let res = reply(&app, &id, &vc_doctor(), "Ring mig omgående.").await;

    assert_refused(&res, &[("AKUT", "body")]);
    let msg = app
        .get(&format!("/api/v1/messages/{id}"), &vc_doctor())
        .await
        .assert_status(200);
    assert_eq!(msg["status"], "sent");
    assert_eq!(msg["replies"], json!([]));
}

#[actix_web::test]
async fn either_party_closes_but_only_once_answered_and_only_once() {
    let app = TestApp::spawn().await;
    for closer in [kommun_nurse(), vc_doctor()] {
        let id = id_of(&sent_recept(&app).await);
        close(&app, &id, &closer)
            .await
            .assert_problem(409, "INVALID_TRANSITION");
        read(&app, &id, &vc_doctor()).await.assert_status(200);
        close(&app, &id, &closer)
            .await
            .assert_problem(409, "INVALID_TRANSITION");
        reply(&app, &id, &vc_doctor(), "Klart.")
            .await
            .assert_status(201);

        let msg = close(&app, &id, &closer).await.assert_status(200);

        assert_eq!(msg["status"], "closed");
        assert!(msg["closed_at"].is_string());
        close(&app, &id, &closer)
            .await
            .assert_problem(409, "INVALID_TRANSITION");
    }
}

#[actix_web::test]
async fn nobody_replies_to_a_closed_message() {
    let app = TestApp::spawn().await;
    let id = id_of(&sent_recept(&app).await);
    reply(&app, &id, &vc_doctor(), "Klart.")
        .await
        .assert_status(201);
    close(&app, &id, &kommun_nurse()).await.assert_status(200);

    for who in [vc_doctor(), kommun_nurse()] {
        reply(&app, &id, &who, "En sak till.")
            .await
            .assert_problem(409, "INVALID_TRANSITION");
    }
}

#[actix_web::test]
async fn the_history_lists_every_transition_in_order_with_its_actor() {
    let app = TestApp::spawn().await;
    let id = id_of(&sent_recept(&app).await);
    read(&app, &id, &vc_doctor()).await.assert_status(200);
    reply(&app, &id, &vc_doctor(), "Klart.")
        .await
        .assert_status(201);
    close(&app, &id, &kommun_nurse()).await.assert_status(200);

    let msg = app
        .get(&format!("/api/v1/messages/{id}"), &kommun_nurse())
        .await
        .assert_status(200);

    let kommun = app.unit_id(HALMSTAD_KOMMUN).to_string();
    let vc = app.unit_id(VC_HALMSTAD).to_string();
    let history: Vec<(Value, Value, Value, Value)> = msg["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["from_status"].clone(),
                h["to_status"].clone(),
                h["actor_hsa_id"].clone(),
                h["actor_unit_id"].clone(),
            )
        })
        .collect();
    let step = |from: Value, to: &str, who: &Persona, unit: &str| {
        (from, json!(to), json!(who.sub), json!(unit))
    };
    assert_eq!(
        history,
        [
            step(Value::Null, "sent", &kommun_nurse(), &kommun),
            step(json!("sent"), "read", &vc_doctor(), &vc),
            step(json!("read"), "answered", &vc_doctor(), &vc),
            step(json!("answered"), "closed", &kommun_nurse(), &kommun),
        ]
    );
    let times: Vec<_> = msg["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| instant(&h["at"]))
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
}

#[actix_web::test]
async fn a_reply_with_an_embedded_document_is_refused_as_bilaga() {
    let app = TestApp::spawn().await;
    let id = id_of(&sent_recept(&app).await);

    let res = reply(
        &app,
        &id,
        &vc_doctor(),
        "Se ordinationen: data:image/png;base64,iVBORw0KGgoAAAANSUhEUg",
    )
    .await;

    assert_refused(&res, &[("BILAGA", "body")]);
}

#[actix_web::test]
async fn an_empty_reply_or_an_unknown_reply_field_is_validation_failed() {
    let app = TestApp::spawn().await;
    let id = id_of(&sent_recept(&app).await);

    let res = reply(&app, &id, &vc_doctor(), "   ").await;
    assert_invalid(&res, &[("REQUIRED", "body")]);
    let res = app
        .post(
            &action(&id, "replies"),
            &vc_doctor(),
            &json!({"body": "Klart.", "bilaga": "recept.pdf"}),
        )
        .await;
    let problem = res.assert_problem(422, "VALIDATION_FAILED");
    assert_eq!(violations(&problem)[0].0, "UNKNOWN_FIELD");
}

#[actix_web::test]
async fn unlicensed_staff_of_a_party_may_read_but_not_close() {
    let app = TestApp::spawn().await;
    let id = id_of(&sent_recept(&app).await);
    let assistant = Persona::assistant(VC_HALMSTAD);

    read(&app, &id, &assistant).await.assert_status(200);
    reply(&app, &id, &vc_doctor(), "Klart.")
        .await
        .assert_status(201);

    close(&app, &id, &assistant)
        .await
        .assert_problem(403, "LICENCE_REQUIRED");
}
