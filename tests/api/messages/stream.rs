//! The live mailbox (`GET /api/v1/messages/stream`): changes pushed as they happen, resumed
//! after a reconnect without loss or repeat, one-time tickets for `EventSource`, the end of a
//! stream when its token expires, and the refusals.

use std::time::Duration;

use actix_web::http::{header, Method};
use serde_json::json;

use super::*;
use crate::helpers::{SseBlock, Streaming, TEST_AUDIENCE, TEST_ISSUER, TEST_SECRET};

const WAIT: Duration = Duration::from_secs(5);

async fn open_as(
    app: &TestApp,
    who: &Persona,
    path: &str,
    last_event_id: Option<&str>,
) -> Streaming {
    let mut req = TestApp::request(Method::GET, path, Some(&who.token()));
    if let Some(id) = last_event_id {
        req = req.insert_header(("Last-Event-ID", id));
    }
    app.open(req).await
}

fn data(block: &SseBlock) -> Value {
    serde_json::from_str(block.data.as_deref().unwrap()).unwrap()
}

#[actix_web::test]
async fn a_new_message_reaches_the_recipients_open_stream_without_free_text() {
    let app = TestApp::spawn().await;
    let mut stream = open_as(&app, &vc_doctor(), "/api/v1/messages/stream", None).await;
    assert_eq!(stream.status.as_u16(), 200);
    assert!(stream
        .headers
        .get(header::CONTENT_TYPE)
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let first = stream.next_block(WAIT).await.expect("retry advice first");
    assert_eq!(first.retry.as_deref(), Some("3000"));

    let id = id_of(&sent_recept(&app).await);
    let block = stream
        .next_event(WAIT)
        .await
        .expect("the new message is pushed");
    assert_eq!(block.event.as_deref(), Some("message.created"));
    let change = data(&block);
    assert_eq!(change["message_id"], id.as_str());
    assert_eq!(change["mailbox"], "inbox");
    assert_eq!(change["category"], "recept");
    assert_eq!(change["status"], "sent");
    assert_eq!(
        block.id.as_deref(),
        Some(change["seq"].to_string().as_str())
    );
    let text = block.data.unwrap();
    for secret in ["Enalapril", "patient", "191212121212", "body", "subject"] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    // The sender sees it in the outbox, and its reading as it happens.
    read(&app, &id, &vc_doctor()).await.assert_status(200);
    let block = stream.next_event(WAIT).await.expect("the read is pushed");
    assert_eq!(block.event.as_deref(), Some("message.read"));
    assert_eq!(data(&block)["status"], "read");
}

#[actix_web::test]
async fn a_reconnect_with_last_event_id_loses_and_repeats_nothing() {
    let app = TestApp::spawn().await;
    let doctor = vc_doctor();
    let mut stream = open_as(&app, &doctor, "/api/v1/messages/stream", None).await;
    let first = id_of(&sent_recept(&app).await);
    let seen = stream.next_event(WAIT).await.expect("first message");
    assert_eq!(data(&seen)["message_id"], first.as_str());
    let last = seen.id.clone().unwrap();
    drop(stream);

    // While the browser is away: two more messages and a reading.
    let second = id_of(&sent_recept(&app).await);
    let third = id_of(&sent_recept(&app).await);
    read(&app, &first, &doctor).await.assert_status(200);

    let mut again = open_as(&app, &doctor, "/api/v1/messages/stream", Some(&last)).await;
    let mut got = Vec::new();
    for _ in 0..3 {
        let b = again
            .next_event(WAIT)
            .await
            .expect("missed events are sent");
        let d = data(&b);
        got.push((
            d["type"].as_str().unwrap().to_string(),
            d["message_id"].as_str().unwrap().to_string(),
        ));
        assert!(b.id.unwrap().parse::<i64>().unwrap() > last.parse::<i64>().unwrap());
    }
    assert_eq!(
        got,
        vec![
            ("message.created".to_string(), second),
            ("message.created".to_string(), third),
            ("message.read".to_string(), first),
        ]
    );
    assert!(
        again
            .next_event(Duration::from_millis(1500))
            .await
            .is_none(),
        "nothing repeated"
    );
}

#[actix_web::test]
async fn a_ticket_opens_one_stream_once_and_not_after_it_expired() {
    let app = TestApp::spawn().await;
    let doctor = vc_doctor();
    let res = app
        .post("/api/v1/stream-tickets", &doctor, &json!({}))
        .await;
    let ticket = res.assert_status(201);
    let t = ticket["ticket"].as_str().unwrap().to_string();
    assert!(t.len() >= 43, "{t}");
    let path = format!("/api/v1/messages/stream?ticket={t}");
    let mut stream = app.open(TestApp::request(Method::GET, &path, None)).await;
    assert_eq!(stream.status.as_u16(), 200);
    let id = id_of(&sent_recept(&app).await);
    let b = stream
        .next_event(WAIT)
        .await
        .expect("pushed on a ticket's stream");
    assert_eq!(data(&b)["message_id"], id.as_str());

    let reused = app.send(TestApp::request(Method::GET, &path, None)).await;
    reused.assert_problem(401, "UNAUTHENTICATED");

    let res = app
        .post("/api/v1/stream-tickets", &doctor, &json!({}))
        .await;
    let t2 = res.assert_status(201)["ticket"]
        .as_str()
        .unwrap()
        .to_string();
    {
        use diesel::prelude::*;
        diesel::sql_query("UPDATE stream_tickets SET expires_at = now() - interval '1 second'")
            .execute(&mut app.db.conn())
            .unwrap();
    }
    let expired = app
        .send(TestApp::request(
            Method::GET,
            &format!("/api/v1/messages/stream?ticket={t2}"),
            None,
        ))
        .await;
    expired.assert_problem(401, "UNAUTHENTICATED");
    let unknown = app
        .send(TestApp::request(
            Method::GET,
            "/api/v1/messages/stream?ticket=inte-en-biljett",
            None,
        ))
        .await;
    unknown.assert_problem(401, "UNAUTHENTICATED");
}

/// A development token for the VC doctor that expires `seconds` from now.
fn short_token(seconds: i64) -> String {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let claims = json!({
        "sub": "SE2321000115-DEMOP0002", "iss": TEST_ISSUER, "aud": TEST_AUDIENCE,
        "exp": now + seconds, "iat": now, "unit": crate::helpers::VC_HALMSTAD,
        "roles": ["personal"], "legitimerad": true, "profession": "lakare",
    });
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(TEST_SECRET.as_bytes()),
    )
    .unwrap()
}

#[actix_web::test]
async fn the_stream_ends_when_its_token_expires() {
    let app = TestApp::spawn().await;
    let token = short_token(2);
    let mut stream = app
        .open(TestApp::request(
            Method::GET,
            "/api/v1/messages/stream",
            Some(&token),
        ))
        .await;
    assert_eq!(stream.status.as_u16(), 200);
    let end = stream
        .next_event(Duration::from_secs(6))
        .await
        .expect("an end event");
    assert_eq!(end.event.as_deref(), Some("token-expired"));
    assert!(
        stream.next_block(Duration::from_secs(2)).await.is_none(),
        "the stream is closed"
    );
}

#[actix_web::test]
async fn refusals_are_problems_not_streams() {
    let app = TestApp::spawn().await;
    let res = app
        .send(TestApp::request(
            Method::GET,
            "/api/v1/messages/stream",
            None,
        ))
        .await;
    res.assert_problem(401, "UNAUTHENTICATED");
    let res = app
        .send(
            TestApp::request(
                Method::GET,
                "/api/v1/messages/stream",
                Some(&vc_doctor().token()),
            )
            .insert_header(("Last-Event-ID", "igår")),
        )
        .await;
    res.assert_problem(400, "INVALID_LAST_EVENT_ID");
    let res = app.get("/api/v1/messages/stream", &Persona::admin()).await;
    res.assert_problem(403, "ROLE_REQUIRED");
    let res = app
        .post("/api/v1/stream-tickets", &Persona::admin(), &json!({}))
        .await;
    res.assert_problem(403, "ROLE_REQUIRED");
}
