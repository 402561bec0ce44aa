//! Idempotency-Key: a retried request gets the first answer and causes no second effect; a key
//! reused for another request is refused; a key held by a request in progress is 409 until it
//! completes; a failed request stores nothing.

use actix_web::http::{header, Method};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use futures_util::future::join_all;
use serde_json::{json, Value};

use crate::helpers::{recept_draft, Persona, Resp, TestApp, HALMSTAD_KOMMUN, VC_HALMSTAD};

fn nurse() -> Persona {
    Persona::nurse(HALMSTAD_KOMMUN)
}

async fn post_with_key(app: &TestApp, path: &str, who: &Persona, key: &str, body: &Value) -> Resp {
    app.send(
        TestApp::request(Method::POST, path, Some(&who.token()))
            .insert_header(("Idempotency-Key", key.to_string()))
            .set_json(body),
    )
    .await
}

fn message_count(app: &TestApp) -> i64 {
    use samverkan::schema::messages;
    messages::table
        .count()
        .get_result(&mut app.db.conn())
        .unwrap()
}

fn draft(app: &TestApp) -> Value {
    recept_draft(app.patient_id("191212121212"), app.unit_id(VC_HALMSTAD))
}

#[actix_web::test]
async fn a_retry_with_the_same_key_and_body_gets_the_first_answer_and_no_second_row() {
    let app = TestApp::spawn().await;
    let body = draft(&app);
    let first = post_with_key(&app, "/api/v1/messages/recept", &nurse(), "key-1", &body).await;
    let created = first.assert_status(201);
    assert_eq!(first.header("idempotent-replayed"), None);

    let again = post_with_key(&app, "/api/v1/messages/recept", &nurse(), "key-1", &body).await;
    assert_eq!(again.assert_status(201), created);
    assert_eq!(
        again.body, first.body,
        "the replay is byte for byte the first answer"
    );
    assert_eq!(again.header("location"), first.header("location"));
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(message_count(&app), 1);
}

#[actix_web::test]
async fn the_same_key_with_another_body_is_refused() {
    let app = TestApp::spawn().await;
    let body = draft(&app);
    post_with_key(&app, "/api/v1/messages/recept", &nurse(), "key-2", &body)
        .await
        .assert_status(201);
    let mut other = body.clone();
    other["subject"] = json!("Ett annat ämne");
    post_with_key(&app, "/api/v1/messages/recept", &nurse(), "key-2", &other)
        .await
        .assert_problem(422, "IDEMPOTENCY_KEY_REUSED");
    // The same key on another endpoint is another request too.
    post_with_key(
        &app,
        "/api/v1/messages/provtagning",
        &nurse(),
        "key-2",
        &body,
    )
    .await
    .assert_problem(422, "IDEMPOTENCY_KEY_REUSED");
    assert_eq!(message_count(&app), 1);
}

#[actix_web::test]
async fn keys_belong_to_their_caller() {
    let app = TestApp::spawn().await;
    let body = draft(&app);
    let mut colleague = nurse();
    colleague.sub = "SE2321000115-DEMOP0009";
    post_with_key(&app, "/api/v1/messages/recept", &nurse(), "shared", &body)
        .await
        .assert_status(201);
    let second = post_with_key(&app, "/api/v1/messages/recept", &colleague, "shared", &body).await;
    second.assert_status(201);
    assert_eq!(second.header("idempotent-replayed"), None);
    assert_eq!(message_count(&app), 2);
}

#[actix_web::test]
async fn a_refused_request_stores_nothing_so_the_fixed_request_may_reuse_the_key() {
    let app = TestApp::spawn().await;
    let mut body = draft(&app);
    body["body"] = json!("Behöver förnyas snarast!");
    post_with_key(&app, "/api/v1/messages/recept", &nurse(), "key-3", &body)
        .await
        .assert_problem(422, "ROUTINE_VIOLATION");
    body["body"] = json!("Behöver förnyas inom en vecka.");
    post_with_key(&app, "/api/v1/messages/recept", &nurse(), "key-3", &body)
        .await
        .assert_status(201);
    assert_eq!(message_count(&app), 1);
}

#[actix_web::test]
async fn a_key_held_by_a_request_in_progress_answers_409_until_it_completes() {
    let app = TestApp::spawn().await;
    let body = draft(&app);
    // Another transaction holds the key, as a request still running would.
    let mut holder = app.db.conn();
    holder
        .batch_execute(
            "BEGIN; INSERT INTO idempotency_keys (caller_hsa_id, key, request_hash) \
             VALUES ('SE2321000115-DEMOP0001', 'busy', 'x')",
        )
        .unwrap();
    let started = std::time::Instant::now();
    post_with_key(&app, "/api/v1/messages/recept", &nurse(), "busy", &body)
        .await
        .assert_problem(409, "IDEMPOTENCY_IN_PROGRESS");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "the wait is bounded"
    );
    assert_eq!(message_count(&app), 0);
    // The holder gives up (as a crashed request's transaction would be rolled back).
    holder.batch_execute("ROLLBACK").unwrap();
    post_with_key(&app, "/api/v1/messages/recept", &nurse(), "busy", &body)
        .await
        .assert_status(201);
    assert_eq!(message_count(&app), 1);
}

#[actix_web::test]
async fn concurrent_requests_with_one_key_make_exactly_one_effect() {
    let app = TestApp::spawn().await;
    let body = draft(&app);
    let who = nurse();
    let requests =
        (0..8).map(|_| post_with_key(&app, "/api/v1/messages/recept", &who, "race", &body));
    let answers = join_all(requests).await;
    let mut ids = Vec::new();
    for a in &answers {
        match a.status.as_u16() {
            201 => ids.push(a.json()["id"].clone()),
            409 => {
                a.assert_problem(409, "IDEMPOTENCY_IN_PROGRESS");
            }
            other => panic!("unexpected {other}: {}", String::from_utf8_lossy(&a.body)),
        }
    }
    assert!(!ids.is_empty(), "at least one request succeeded");
    assert!(
        ids.iter().all(|id| *id == ids[0]),
        "every 201 names the same message"
    );
    assert_eq!(message_count(&app), 1);
}

#[actix_web::test]
async fn lifecycle_actions_replay_too() {
    let app = TestApp::spawn().await;
    let msg = app
        .post("/api/v1/messages/recept", &nurse(), &draft(&app))
        .await
        .assert_status(201);
    let id = msg["id"].as_str().unwrap();
    let doctor = Persona::doctor(VC_HALMSTAD);
    let reply = json!({"body": "Förnyat.", "outcome": "utfort"});
    let path = format!("/api/v1/messages/{id}/replies");
    let first = post_with_key(&app, &path, &doctor, "reply-1", &reply).await;
    first.assert_status(201);
    let again = post_with_key(&app, &path, &doctor, "reply-1", &reply).await;
    assert_eq!(again.body, first.body);
    let replies: i64 = samverkan::schema::message_replies::table
        .count()
        .get_result(&mut app.db.conn())
        .unwrap();
    assert_eq!(replies, 1, "the retried reply was not added twice");
}

#[actix_web::test]
async fn a_malformed_key_is_400() {
    let app = TestApp::spawn().await;
    let body = draft(&app);
    for key in ["x".repeat(256), "with space".to_string(), String::new()] {
        let res = app
            .send(
                TestApp::request(
                    Method::POST,
                    "/api/v1/messages/recept",
                    Some(&nurse().token()),
                )
                .insert_header(("Idempotency-Key", key.clone()))
                .insert_header((header::CONTENT_TYPE, "application/json"))
                .set_payload(body.to_string()),
            )
            .await;
        res.assert_problem(400, "INVALID_IDEMPOTENCY_KEY");
    }
    post_with_key(
        &app,
        "/api/v1/messages/recept",
        &nurse(),
        &"k".repeat(255),
        &body,
    )
    .await
    .assert_status(201);
}

#[actix_web::test]
async fn keys_are_kept_at_least_a_day_and_purged_after_two() {
    let app = TestApp::spawn().await;
    let mut conn = app.db.conn();
    conn.batch_execute(
        "INSERT INTO idempotency_keys (caller_hsa_id, key, request_hash, created_at) VALUES \
         ('a', 'day-old', 'h', now() - interval '25 hours'), \
         ('a', 'three-days-old', 'h', now() - interval '72 hours')",
    )
    .unwrap();
    assert_eq!(samverkan::idempotency::purge_expired(&mut conn).unwrap(), 1);
    let left: Vec<String> = diesel::sql_query("SELECT key FROM idempotency_keys")
        .load::<KeyRow>(&mut conn)
        .unwrap()
        .into_iter()
        .map(|r| r.key)
        .collect();
    assert_eq!(left, ["day-old"]);
}

#[derive(QueryableByName)]
struct KeyRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    key: String,
}
