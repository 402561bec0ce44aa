//! The lifecycle: sent → read → answered → closed; who may read, reply and close, every
//! other transition 409, and every transition in the history with its actor.

use serde_json::{json, Value};

use super::*;
use crate::helpers::{HALMSTAD_KOMMUN, VC_HALMSTAD};

/// The message's status history, as the receiving doctor reads it.
async fn history(app: &TestApp, id: &str) -> Vec<Value> {
    let msg = app
        .get(&format!("/api/v1/messages/{id}"), &vc_doctor())
        .await
        .assert_status(200);
    msg["history"].as_array().expect("a history").clone()
}

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
async fn a_reply_to_an_unread_message_reads_it_first_in_the_history_and_the_feed() {
    let app = TestApp::spawn().await;
    let id = id_of(&sent_recept(&app).await);

    let msg = reply(&app, &id, &vc_doctor(), "Klart.")
        .await
        .assert_status(201);

    assert_eq!(msg["status"], "answered");
    assert!(msg["read_at"].is_string());
    assert_eq!(msg["read_at"], msg["answered_at"]);
    let steps: Vec<(Value, Value)> = history(&app, &id)
        .await
        .iter()
        .map(|h| (h["from_status"].clone(), h["to_status"].clone()))
        .collect();
    assert_eq!(
        steps,
        [
            (Value::Null, json!("sent")),
            (json!("sent"), json!("read")),
            (json!("read"), json!("answered")),
        ]
    );
    let feed = app
        .get_with_token(
            "/api/v1/events?limit=1000",
            &crate::helpers::integration_token(&[VC_HALMSTAD]),
        )
        .await
        .assert_status(200);
    let kinds: Vec<&str> = feed["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["message_id"] == json!(id))
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["message.created", "message.read", "message.replied"]
    );
}

#[actix_web::test]
async fn a_reply_to_a_read_message_records_only_the_answer() {
    let app = TestApp::spawn().await;
    let id = id_of(&sent_recept(&app).await);
    read(&app, &id, &vc_doctor()).await.assert_status(200);

    reply(&app, &id, &vc_doctor(), "Klart.")
        .await
        .assert_status(201);

    let to: Vec<String> = history(&app, &id)
        .await
        .iter()
        .map(|h| h["to_status"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(to, ["sent", "read", "answered"]);
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
            &json!({"body": "Klart.", "priority": "hög"}),
        )
        .await;
    assert_invalid(&res, &[("UNKNOWN_FIELD", "priority")]);
}

#[actix_web::test]
async fn an_attachment_field_in_a_reply_is_bilaga_as_on_a_message() {
    let app = TestApp::spawn().await;
    let id = id_of(&sent_recept(&app).await);

    let res = app
        .post(
            &action(&id, "replies"),
            &vc_doctor(),
            &json!({"body": "Klart.", "bilaga": "recept.pdf"}),
        )
        .await;
    let in_reply = assert_refused(&res, &[("BILAGA", "bilaga")]);
    let mut draft = recept_body(app.patient_id(TOLVAN), app.unit_id(VC_HALMSTAD));
    draft["bilaga"] = json!("recept.pdf");
    let res = app
        .post("/api/v1/messages/recept", &kommun_nurse(), &draft)
        .await;
    let in_message = assert_refused(&res, &[("BILAGA", "bilaga")]);
    assert_eq!(
        in_reply["violations"][0]["message"], in_message["violations"][0]["message"],
        "the same Swedish message"
    );
}

#[actix_web::test]
async fn a_reply_asking_to_renew_a_narcotic_is_narkotika_but_one_mentioning_it_is_not() {
    let app = TestApp::spawn().await;
    let id = id_of(&sent_recept(&app).await);

    let res = reply(&app, &id, &vc_doctor(), "Jag förnyar OxyNorm också.").await;
    let problem = assert_refused(&res, &[("NARKOTIKA", "body")]);
    assert!(
        problem["violations"][0]["message"]
            .as_str()
            .unwrap()
            .contains("\"OxyNorm\" (oxikodon)"),
        "{problem}"
    );
    let msg = reply(
        &app,
        &id,
        &vc_doctor(),
        "Enalapril förnyat. Fortsätter med OxyNorm vid behov som tidigare.",
    )
    .await
    .assert_status(201);
    assert_eq!(msg["status"], "answered");
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
