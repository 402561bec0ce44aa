//! Cancelling: only the sender, only while unread, with a reason (a comment for `other`); a
//! cancelled message stays, marked, and accepts nothing more; a read racing a cancel is
//! decided exactly one way.

use serde_json::json;

use super::*;

#[actix_web::test]
async fn the_sender_cancels_an_unread_message_with_a_reason() {
    let app = TestApp::spawn().await;
    let id = id_of(&sent_recept(&app).await);

    let msg = cancel(
        &app,
        &id,
        &kommun_nurse(),
        json!({"reason": "wrong_patient"}),
    )
    .await
    .assert_status(200);

    assert_eq!(msg["status"], "cancelled");
    assert!(msg["cancelled_at"].is_string());
    assert_eq!(msg["cancellation"]["reason"], "wrong_patient");
    let other = id_of(&sent_recept(&app).await);
    let msg = cancel(
        &app,
        &other,
        &kommun_nurse(),
        json!({"reason": "other", "comment": "Dubblett"}),
    )
    .await
    .assert_status(200);
    assert_eq!(
        msg["cancellation"],
        json!({"reason": "other", "comment": "Dubblett"})
    );
}

#[actix_web::test]
async fn cancelling_for_another_reason_needs_a_comment() {
    let app = TestApp::spawn().await;
    let id = id_of(&sent_recept(&app).await);

    for body in [
        json!({"reason": "other"}),
        json!({"reason": "other", "comment": "  "}),
    ] {
        let res = cancel(&app, &id, &kommun_nurse(), body).await;
        assert_invalid(&res, &[("COMMENT_REQUIRED", "comment")]);
    }
}

#[actix_web::test]
async fn a_read_message_cannot_be_cancelled() {
    let app = TestApp::spawn().await;
    let id = id_of(&sent_recept(&app).await);
    read(&app, &id, &vc_doctor()).await.assert_status(200);

    cancel(
        &app,
        &id,
        &kommun_nurse(),
        json!({"reason": "wrong_recipient"}),
    )
    .await
    .assert_problem(409, "INVALID_TRANSITION");
}

#[actix_web::test]
async fn only_the_sender_cancels() {
    let app = TestApp::spawn().await;
    let id = id_of(&sent_recept(&app).await);

    cancel(&app, &id, &vc_doctor(), json!({"reason": "wrong_patient"}))
        .await
        .assert_problem(403, "SENDER_ONLY");
}

#[actix_web::test]
async fn a_cancelled_message_cannot_be_read_replied_to_or_closed() {
    let app = TestApp::spawn().await;
    let id = id_of(&sent_recept(&app).await);
    cancel(
        &app,
        &id,
        &kommun_nurse(),
        json!({"reason": "wrong_patient"}),
    )
    .await
    .assert_status(200);

    read(&app, &id, &vc_doctor())
        .await
        .assert_problem(409, "INVALID_TRANSITION");
    reply(&app, &id, &vc_doctor(), "Klart.")
        .await
        .assert_problem(409, "INVALID_TRANSITION");
    close(&app, &id, &kommun_nurse())
        .await
        .assert_problem(409, "INVALID_TRANSITION");
    cancel(
        &app,
        &id,
        &kommun_nurse(),
        json!({"reason": "wrong_patient"}),
    )
    .await
    .assert_problem(409, "INVALID_TRANSITION");
}

#[actix_web::test]
async fn a_read_racing_a_cancel_is_decided_exactly_one_way() {
    let app = TestApp::spawn().await;
    let mut outcomes = (0, 0);
    for _ in 0..20 {
        let id = id_of(&sent_recept(&app).await);

        let (r, c) = futures_util::future::join(
            read(&app, &id, &vc_doctor()),
            cancel(
                &app,
                &id,
                &kommun_nurse(),
                json!({"reason": "wrong_patient"}),
            ),
        )
        .await;

        let final_status = app
            .get(&format!("/api/v1/messages/{id}"), &kommun_nurse())
            .await
            .assert_status(200)["status"]
            .clone();
        match (r.status.as_u16(), c.status.as_u16()) {
            (200, 409) => {
                c.assert_problem(409, "INVALID_TRANSITION");
                assert_eq!(final_status, "read");
                outcomes.0 += 1;
            }
            (409, 200) => {
                r.assert_problem(409, "INVALID_TRANSITION");
                assert_eq!(final_status, "cancelled");
                outcomes.1 += 1;
            }
            other => panic!("both or neither won: {other:?}; read {r:?}; cancel {c:?}"),
        }
        let history = app
            .get(&format!("/api/v1/messages/{id}"), &kommun_nurse())
            .await
            .assert_status(200)["history"]
            .as_array()
            .unwrap()
            .len();
        assert_eq!(history, 2, "one creation and one winning transition");
    }
    println!(
        "read won {} times, cancel won {} times",
        outcomes.0, outcomes.1
    );
}

#[actix_web::test]
async fn unlicensed_staff_of_the_sending_unit_cannot_cancel() {
    let app = TestApp::spawn().await;
    let id = id_of(&sent_recept(&app).await);

    cancel(
        &app,
        &id,
        &Persona::assistant(crate::helpers::HALMSTAD_KOMMUN),
        json!({"reason": "wrong_patient"}),
    )
    .await
    .assert_problem(403, "LICENCE_REQUIRED");
}

#[actix_web::test]
async fn a_cancelled_message_stays_visible_to_both_parties() {
    let app = TestApp::spawn().await;
    let id = id_of(&sent_recept(&app).await);
    cancel(
        &app,
        &id,
        &kommun_nurse(),
        json!({"reason": "wrong_recipient"}),
    )
    .await
    .assert_status(200);

    for party in [kommun_nurse(), vc_doctor()] {
        let msg = app
            .get(&format!("/api/v1/messages/{id}"), &party)
            .await
            .assert_status(200);
        assert_eq!(msg["status"], "cancelled");
        assert_eq!(msg["cancellation"]["reason"], "wrong_recipient");
        let last = msg["history"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["to_status"], "cancelled");
        assert_eq!(last["note"], "wrong_recipient");
    }
}
