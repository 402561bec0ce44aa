//! Conditional requests: `ETag` on a message and on the mailbox counts, `If-None-Match` → 304
//! with no body while nothing changed, and `If-Match` on the lifecycle POSTs → 412 when the
//! message changed meanwhile (and nothing is done).

use actix_web::http::{header, Method};
use serde_json::json;

use super::*;

async fn sent(app: &TestApp) -> String {
    id_of(&sent_recept(app).await)
}

async fn get_if_none_match(app: &TestApp, path: &str, who: &Persona, etag: &str) -> Resp {
    app.send(
        TestApp::request(Method::GET, path, Some(&who.token()))
            .insert_header((header::IF_NONE_MATCH, etag)),
    )
    .await
}

async fn post_if_match(app: &TestApp, path: &str, who: &Persona, etag: &str, body: Value) -> Resp {
    app.send(
        TestApp::request(Method::POST, path, Some(&who.token()))
            .insert_header((header::IF_MATCH, etag))
            .set_json(body),
    )
    .await
}

#[actix_web::test]
async fn an_unchanged_message_is_304_with_no_body_and_a_reply_changes_its_etag() {
    let app = TestApp::spawn().await;
    let id = sent(&app).await;
    let path = format!("/api/v1/messages/{id}");
    let doctor = vc_doctor();
    let first = app.get(&path, &doctor).await;
    first.assert_status(200);
    let etag = first.header("etag").expect("an ETag");
    assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");

    let again = get_if_none_match(&app, &path, &doctor, &etag).await;
    assert_eq!(again.status.as_u16(), 304);
    assert!(again.body.is_empty(), "304 has no body");
    assert_eq!(again.header("etag").as_deref(), Some(etag.as_str()));
    // A list naming it, or the weak form, matches too; another tag does not.
    let listed = get_if_none_match(&app, &path, &doctor, &format!("\"x\", W/{etag}")).await;
    assert_eq!(listed.status.as_u16(), 304);
    let other = get_if_none_match(&app, &path, &doctor, "\"nope\"").await;
    assert_eq!(other.status.as_u16(), 200);

    reply(&app, &id, &doctor, "Förnyat.")
        .await
        .assert_status(201);
    let after = get_if_none_match(&app, &path, &doctor, &etag).await;
    assert_eq!(after.status.as_u16(), 200);
    let new_etag = after.header("etag").unwrap();
    assert_ne!(new_etag, etag);
    assert_eq!(after.json()["status"], "answered");
}

#[actix_web::test]
async fn the_counts_are_304_until_a_message_arrives() {
    let app = TestApp::spawn().await;
    let doctor = vc_doctor();
    let first = app.get("/api/v1/messages/summary", &doctor).await;
    first.assert_status(200);
    let etag = first.header("etag").unwrap();
    let same = get_if_none_match(&app, "/api/v1/messages/summary", &doctor, &etag).await;
    assert_eq!(same.status.as_u16(), 304);
    sent(&app).await;
    let changed = get_if_none_match(&app, "/api/v1/messages/summary", &doctor, &etag).await;
    assert_eq!(changed.status.as_u16(), 200);
    assert_eq!(changed.json()["inbox"]["unread"], 1);
    assert_ne!(changed.header("etag").unwrap(), etag);
}

#[actix_web::test]
async fn a_change_with_the_current_etag_goes_through_and_answers_the_next_etag() {
    let app = TestApp::spawn().await;
    let id = sent(&app).await;
    let doctor = vc_doctor();
    let etag = app
        .get(&format!("/api/v1/messages/{id}"), &doctor)
        .await
        .header("etag")
        .unwrap();
    let read = post_if_match(&app, &action(&id, "read"), &doctor, &etag, json!({})).await;
    read.assert_status(200);
    let after_read = read
        .header("etag")
        .expect("the answer carries the new ETag");
    assert_ne!(after_read, etag);
    // The answer's tag is the tag a GET now shows: a frontend can chain changes.
    let shown = app.get(&format!("/api/v1/messages/{id}"), &doctor).await;
    assert_eq!(shown.header("etag").unwrap(), after_read);
    let replied = post_if_match(
        &app,
        &action(&id, "replies"),
        &doctor,
        &after_read,
        json!({"body": "Förnyat.", "outcome": "utfort"}),
    )
    .await;
    replied.assert_status(201);
}

#[actix_web::test]
async fn a_change_with_a_stale_etag_is_412_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let id = sent(&app).await;
    let doctor = vc_doctor();
    let stale = app
        .get(&format!("/api/v1/messages/{id}"), &doctor)
        .await
        .header("etag")
        .unwrap();
    read(&app, &id, &doctor).await.assert_status(200);
    let before = stored_rows(&app);

    let res = post_if_match(
        &app,
        &action(&id, "replies"),
        &doctor,
        &stale,
        json!({"body": "Förnyat.", "outcome": "utfort"}),
    )
    .await;
    res.assert_problem(412, "PRECONDITION_FAILED");
    assert_eq!(stored_rows(&app), before);
    let msg = app
        .get(&format!("/api/v1/messages/{id}"), &doctor)
        .await
        .assert_status(200);
    assert_eq!(msg["status"], "read");
    assert_eq!(msg["replies"], json!([]));

    let res = post_if_match(&app, &action(&id, "read"), &doctor, &stale, json!({})).await;
    res.assert_problem(412, "PRECONDITION_FAILED");
    // A change refused on its own grounds keeps its answer (RFC 9110 §13.2.1): a cancel of a
    // read message is 409 whatever the tag.
    let res = post_if_match(
        &app,
        &action(&id, "cancel"),
        &kommun_nurse(),
        &stale,
        json!({"reason": "wrong_patient"}),
    )
    .await;
    res.assert_problem(409, "INVALID_TRANSITION");
    let res = post_if_match(
        &app,
        &action(&id, "replies"),
        &doctor,
        &stale,
        json!({"body": ["inte text"], "outcome": "utfort"}),
    )
    .await;
    assert_eq!(
        res.status.as_u16(),
        422,
        "a malformed reply is 422 before any precondition"
    );
    assert_eq!(stored_rows(&app), before);
    // `*` matches any current version.
    post_if_match(&app, &action(&id, "read"), &doctor, "*", json!({}))
        .await
        .assert_status(200);
}
