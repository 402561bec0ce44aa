//! Deliveries, end to end: the dispatcher sends to a real HTTP receiver on loopback, signed
//! after Standard Webhooks, retries on failure with the same `webhook-id` and body, honours
//! `Retry-After`, gives up and keeps the delivery for `recover`, disables an endpoint on 410
//! or after failing too long, refuses destinations the policy forbids at delivery time, and
//! shares the work between dispatchers without sending anything twice.
//!
//! (`script/test` verifies the signatures once more with the specification's reference
//! library; here our own `signing::sign` checks them.)

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::http::Method;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use diesel::prelude::*;
use serde_json::{json, Value};

use samverkan::clock::Clock;
use samverkan::webhooks::destination::DestinationPolicy;
use samverkan::webhooks::dispatcher::{DispatchConfig, Dispatcher};
use samverkan::webhooks::schedule::RetrySchedule;
use samverkan::webhooks::signing;

use crate::helpers::{
    integration_token, recept_draft, Persona, TestApp, HALMSTAD_KOMMUN, VC_HALMSTAD,
};

const TOLVAN: &str = "191212121212";
const CLIENT: &str = "SE2321000115-DEMOINT1";

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    id: String,
    timestamp: String,
    signature: String,
    body: Vec<u8>,
}

/// An answer the receiver gives: status, `Retry-After`, delay before answering.
type Answer = (u16, Option<&'static str>, Duration);

#[derive(Default)]
struct ReceiverState {
    got: Vec<Received>,
    /// Answers to give, in order; 200 when none is left.
    script: VecDeque<Answer>,
}

/// A webhook receiver on 127.0.0.1, in its own server thread.
struct Receiver {
    url: String,
    state: Arc<Mutex<ReceiverState>>,
    handle: actix_web::dev::ServerHandle,
}

async fn receive(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<Arc<Mutex<ReceiverState>>>,
) -> HttpResponse {
    let h = |n: &str| {
        req.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let answer = {
        let mut s = state.lock().unwrap();
        s.got.push(Received {
            id: h("webhook-id"),
            timestamp: h("webhook-timestamp"),
            signature: h("webhook-signature"),
            body: body.to_vec(),
        });
        s.script.pop_front()
    };
    let (status, retry_after, delay) = answer.unwrap_or((200, None, Duration::ZERO));
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let mut res = HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap());
    if let Some(r) = retry_after {
        res.insert_header(("retry-after", r));
    }
    if status == 307 {
        res.insert_header(("location", "http://127.0.0.1:9/elsewhere"));
    }
    res.finish()
}

impl Receiver {
    fn start(script: Vec<Answer>) -> Self {
        let state = Arc::new(Mutex::new(ReceiverState {
            got: Vec::new(),
            script: script.into(),
        }));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let data = web::Data::new(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(receive))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        std::thread::spawn(move || actix_web::rt::System::new().block_on(server));
        Self {
            url: format!("http://127.0.0.1:{port}/hooks"),
            state,
            handle,
        }
    }

    fn got(&self) -> Vec<Received> {
        self.state.lock().unwrap().got.clone()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

fn config(schedule: &str) -> DispatchConfig {
    DispatchConfig {
        policy: DestinationPolicy {
            allow_http: true,
            allow_private: true,
        },
        schedule: RetrySchedule::parse(schedule).unwrap(),
        timeout: Duration::from_secs(2),
        ..DispatchConfig::default()
    }
}

fn dispatcher(app: &TestApp, cfg: DispatchConfig) -> Dispatcher {
    Dispatcher::new(app.pool.clone(), cfg, Clock::system()).unwrap()
}

/// Registers an endpoint for Vårdcentralen Halmstad's events; its id and secret.
async fn endpoint(app: &TestApp, url: &str) -> (String, String) {
    let created = app
        .send_with_token(
            Method::POST,
            "/api/v1/webhooks",
            &integration_token(&[VC_HALMSTAD]),
            Some(&json!({"url": url, "units": [VC_HALMSTAD]})),
        )
        .await
        .assert_status(201);
    (
        created["id"].as_str().unwrap().to_string(),
        created["secret"].as_str().unwrap().to_string(),
    )
}

/// Sends a recept to Vårdcentralen Halmstad; the message's id.
async fn a_message(app: &TestApp) -> String {
    let tolvan = app.patient_id(TOLVAN);
    app.post(
        "/api/v1/messages/recept",
        &Persona::nurse(HALMSTAD_KOMMUN),
        &recept_draft(tolvan, app.unit_id(VC_HALMSTAD)),
    )
    .await
    .assert_status(201)["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Due deliveries are due now: as if their wait (or a dead dispatcher's lease) had passed.
fn make_due(app: &TestApp) {
    let mut conn = app.db.conn();
    diesel::sql_query(
        "UPDATE webhook_deliveries SET next_attempt_at = now(), leased_until = NULL WHERE status = 'pending'",
    )
    .execute(&mut conn)
    .unwrap();
}

async fn deliveries(app: &TestApp, endpoint: &str) -> Vec<Value> {
    app.get_with_token(
        &format!("/api/v1/webhooks/{endpoint}/deliveries"),
        &integration_token(&[VC_HALMSTAD]),
    )
    .await
    .assert_status(200)["items"]
        .as_array()
        .unwrap()
        .clone()
}

async fn endpoint_now(app: &TestApp, id: &str) -> Value {
    app.get_with_token(
        &format!("/api/v1/webhooks/{id}"),
        &integration_token(&[VC_HALMSTAD]),
    )
    .await
    .assert_status(200)
}

#[actix_web::test]
async fn an_event_arrives_signed_thin_and_with_the_feeds_seq_and_the_delivery_is_logged() {
    let app = TestApp::spawn_for_local_webhooks().await;
    let rx = Receiver::start(vec![]);
    let (ep, secret) = endpoint(&app, &rx.url).await;
    let message = a_message(&app).await;
    let sent_at = time::OffsetDateTime::now_utc().unix_timestamp();
    assert_eq!(dispatcher(&app, config("1s")).run_once().await.unwrap(), 1);

    let got = rx.got();
    assert_eq!(got.len(), 1);
    let r = &got[0];
    let ts: i64 = r.timestamp.parse().unwrap();
    assert!(
        (ts - sent_at).abs() <= 5,
        "webhook-timestamp {ts} vs {sent_at}"
    );
    assert_eq!(
        r.signature,
        signing::sign(&secret, &r.id, ts, &r.body).unwrap()
    );
    assert_ne!(
        r.signature,
        signing::sign(&signing::new_secret().unwrap(), &r.id, ts, &r.body).unwrap()
    );

    let body: Value = serde_json::from_slice(&r.body).unwrap();
    let feed = app
        .get_with_token("/api/v1/events", &integration_token(&[VC_HALMSTAD]))
        .await
        .assert_status(200);
    let event = &feed["events"][0];
    assert_eq!(body["type"], "message.created");
    assert_eq!(body["data"]["seq"], event["seq"]);
    assert_eq!(body["data"]["message_id"], message.as_str());
    assert_eq!(
        body["data"]["patient_id"],
        app.patient_id(TOLVAN).to_string()
    );
    assert_eq!(body["data"]["units"], event["units"]);
    assert_eq!(body["timestamp"], event["at"]);
    let keys: Vec<&String> = body["data"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["message_id", "patient_id", "seq", "units"]);
    let text = String::from_utf8_lossy(&r.body);
    for secret_text in [TOLVAN, "19121212-1212", "Enalapril", "Receptförnyelse"] {
        assert!(
            !text.contains(secret_text),
            "no personnummer or free text: {text}"
        );
    }

    let d = deliveries(&app, &ep).await;
    assert_eq!(d[0]["status"], "succeeded");
    assert_eq!(d[0]["attempts"], 1);
    assert_eq!(d[0]["last_status_code"], 200);
    assert_eq!(d[0]["webhook_id"], r.id.as_str());
    assert!(d[0]["completed_at"].is_string());
    assert_eq!(d[0]["seq"], event["seq"]);

    let logged: Vec<_> = app
        .access_log_rows()
        .into_iter()
        .filter(|e| e.action == "webhook.delivery")
        .collect();
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert_eq!(logged[0].actor_hsa_id, CLIENT);
    assert_eq!(logged[0].actor_role.as_deref(), Some("integration"));
    assert_eq!(logged[0].patient_id, Some(app.patient_id(TOLVAN)));
    assert_eq!(logged[0].message_id.map(|m| m.to_string()), Some(message));
    assert_eq!(logged[0].request_id, r.id);

    // Nothing is due any more: a second round sends nothing.
    assert_eq!(dispatcher(&app, config("1s")).run_once().await.unwrap(), 0);
    assert_eq!(rx.got().len(), 1);
}

#[actix_web::test]
async fn a_failed_attempt_is_retried_with_the_same_id_and_body_after_the_scheduled_delay() {
    let app = TestApp::spawn_for_local_webhooks().await;
    let rx = Receiver::start(vec![
        (500, None, Duration::ZERO),
        (502, None, Duration::ZERO),
    ]);
    let (ep, _) = endpoint(&app, &rx.url).await;
    a_message(&app).await;
    let d = dispatcher(&app, config("60s,60s,60s"));
    let before = time::OffsetDateTime::now_utc();
    d.run_once().await.unwrap();
    let after_first = &deliveries(&app, &ep).await[0];
    assert_eq!(after_first["status"], "pending");
    assert_eq!(after_first["attempts"], 1);
    assert_eq!(after_first["last_status_code"], 500);
    assert_eq!(after_first["last_error"], "HTTP 500");
    let next = time::OffsetDateTime::parse(
        after_first["next_attempt_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let wait = (next - before).whole_seconds();
    assert!((53..=67).contains(&wait), "60 s ± 10 %: {wait}");
    // Not due yet: nothing is sent.
    assert_eq!(d.run_once().await.unwrap(), 0);
    assert!(endpoint_now(&app, &ep).await["failing_since"].is_string());

    make_due(&app);
    d.run_once().await.unwrap();
    make_due(&app);
    d.run_once().await.unwrap();
    let got = rx.got();
    assert_eq!(got.len(), 3);
    assert!(
        got.iter()
            .all(|r| r.id == got[0].id && r.body == got[0].body),
        "same webhook-id and body every time"
    );
    let done = &deliveries(&app, &ep).await[0];
    assert_eq!(done["status"], "succeeded");
    assert_eq!(done["attempts"], 3);
    assert_eq!(done["last_error"], Value::Null);
    assert_eq!(
        endpoint_now(&app, &ep).await["failing_since"],
        Value::Null,
        "a success ends the failing streak"
    );
}

#[actix_web::test]
async fn retry_after_on_429_and_503_lengthens_the_wait_but_never_shortens_the_schedule() {
    let app = TestApp::spawn_for_local_webhooks().await;
    let rx = Receiver::start(vec![
        (503, Some("120"), Duration::ZERO),
        (429, Some("7"), Duration::ZERO),
        (503, Some("2"), Duration::ZERO),
        (500, Some("999"), Duration::ZERO),
    ]);
    let (ep, _) = endpoint(&app, &rx.url).await;
    a_message(&app).await;
    let d = dispatcher(&app, config("1s,1s,60s,1s,1s"));
    // (what the receiver asked, the wait wanted: at least the schedule's delay ± 10 %)
    for (asked, want) in [
        ("120 on a 503", 119..=122),
        ("7 on a 429", 6..=9),
        ("2 on a 503, schedule 60 s", 53..=67),
        ("999 on a 500 (not honoured)", 0..=2),
    ] {
        let before = time::OffsetDateTime::now_utc();
        make_due(&app);
        d.run_once().await.unwrap();
        let next = deliveries(&app, &ep).await[0]["next_attempt_at"]
            .as_str()
            .unwrap()
            .to_string();
        let next =
            time::OffsetDateTime::parse(&next, &time::format_description::well_known::Rfc3339)
                .unwrap();
        let wait = (next - before).whole_seconds();
        assert!(
            want.contains(&wait),
            "Retry-After {asked}: waited {wait} s, wanted {want:?}"
        );
    }
}

#[actix_web::test]
async fn when_the_attempts_are_spent_the_delivery_fails_is_kept_and_can_be_recovered() {
    let app = TestApp::spawn_for_local_webhooks().await;
    let rx = Receiver::start(vec![(500, None, Duration::ZERO); 3]);
    let (ep, _) = endpoint(&app, &rx.url).await;
    a_message(&app).await;
    let d = dispatcher(&app, config("1s,1s"));
    for _ in 0..3 {
        make_due(&app);
        d.run_once().await.unwrap();
    }
    let failed = &deliveries(&app, &ep).await[0];
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["attempts"], 3, "the first attempt and one per delay");
    assert_eq!(failed["next_attempt_at"], Value::Null);
    make_due(&app);
    assert_eq!(
        d.run_once().await.unwrap(),
        0,
        "a failed delivery is not tried again by itself"
    );

    let t = integration_token(&[VC_HALMSTAD]);
    let listed = app
        .get_with_token(
            &format!("/api/v1/webhooks/{ep}/deliveries?status=failed"),
            &t,
        )
        .await
        .assert_status(200);
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    // Recovering from after it was queued finds nothing; from before, it is queued again.
    let later = (time::OffsetDateTime::now_utc() + time::Duration::minutes(1))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let r = app
        .send_with_token(
            Method::POST,
            &format!("/api/v1/webhooks/{ep}/recover"),
            &t,
            Some(&json!({"since": later})),
        )
        .await
        .assert_status(202);
    assert_eq!(r["queued"], 0);
    let r = app
        .send_with_token(
            Method::POST,
            &format!("/api/v1/webhooks/{ep}/recover"),
            &t,
            Some(&json!({"since": "2020-01-01T00:00:00+01:00"})),
        )
        .await
        .assert_status(202);
    assert_eq!(r["queued"], 1);
    app.send_with_token(
        Method::POST,
        &format!("/api/v1/webhooks/{ep}/recover"),
        &t,
        Some(&json!({"since": "yesterday"})),
    )
    .await
    .assert_status(422);
    assert_eq!(d.run_once().await.unwrap(), 1);
    let got = rx.got();
    assert_eq!(got.len(), 4);
    assert_eq!(got[3].id, got[0].id, "the same webhook-id after recovery");
    assert_eq!(deliveries(&app, &ep).await[0]["status"], "succeeded");
}

#[actix_web::test]
async fn a_410_disables_the_endpoint_at_once_and_fails_what_was_pending() {
    let app = TestApp::spawn_for_local_webhooks().await;
    let rx = Receiver::start(vec![(410, None, Duration::ZERO)]);
    let (ep, _) = endpoint(&app, &rx.url).await;
    a_message(&app).await;
    let d = dispatcher(
        &app,
        DispatchConfig {
            batch: 1,
            ..config("1s")
        },
    );
    a_message(&app).await;
    d.run_once().await.unwrap();
    let e = endpoint_now(&app, &ep).await;
    assert_eq!(e["active"], false);
    assert_eq!(e["disabled_reason"], "gone");
    let ds = deliveries(&app, &ep).await;
    assert_eq!(ds.len(), 2);
    assert!(ds.iter().all(|d| d["status"] == "failed"), "{ds:?}");
    assert_eq!(d.run_once().await.unwrap(), 0);
    // Events while inactive queue nothing.
    a_message(&app).await;
    assert_eq!(deliveries(&app, &ep).await.len(), 2);
    assert_eq!(rx.got().len(), 1);
}

#[actix_web::test]
async fn an_endpoint_failing_for_five_days_is_disabled_and_not_one_failing_for_less() {
    let app = TestApp::spawn_for_local_webhooks().await;
    let rx = Receiver::start(vec![(500, None, Duration::ZERO); 4]);
    let (ep, _) = endpoint(&app, &rx.url).await;
    let set_failing_since = |ago: &str| {
        let mut conn = app.db.conn();
        diesel::sql_query(format!(
            "UPDATE webhook_endpoints SET failing_since = now() - interval '{ago}'"
        ))
        .execute(&mut conn)
        .unwrap();
    };
    a_message(&app).await;
    let d = dispatcher(&app, config("1s,1s,1s,1s,1s,1s"));
    set_failing_since("4 days 23 hours");
    d.run_once().await.unwrap();
    assert_eq!(endpoint_now(&app, &ep).await["active"], true);
    set_failing_since("5 days 1 minute");
    make_due(&app);
    d.run_once().await.unwrap();
    let e = endpoint_now(&app, &ep).await;
    assert_eq!(e["active"], false);
    assert_eq!(e["disabled_reason"], "failing");
    assert_eq!(deliveries(&app, &ep).await[0]["status"], "failed");

    // Turned on again, its failed deliveries can be recovered and arrive.
    let t = integration_token(&[VC_HALMSTAD]);
    let on = app
        .send_with_token(
            Method::PATCH,
            &format!("/api/v1/webhooks/{ep}"),
            &t,
            Some(&json!({"active": true})),
        )
        .await
        .assert_status(200);
    assert_eq!(on["failing_since"], Value::Null);
    app.send_with_token(
        Method::POST,
        &format!("/api/v1/webhooks/{ep}/recover"),
        &t,
        Some(&json!({"since": "2020-01-01T00:00:00Z"})),
    )
    .await
    .assert_status(202);
    rx.state.lock().unwrap().script.clear();
    d.run_once().await.unwrap();
    assert_eq!(deliveries(&app, &ep).await[0]["status"], "succeeded");
}

#[actix_web::test]
async fn during_a_rotation_both_secrets_sign_and_the_test_event_arrives() {
    let app = TestApp::spawn_for_local_webhooks().await;
    let rx = Receiver::start(vec![]);
    let (ep, old) = endpoint(&app, &rx.url).await;
    let t = integration_token(&[VC_HALMSTAD]);
    let new = app
        .send_with_token(
            Method::POST,
            &format!("/api/v1/webhooks/{ep}/rotate-secret"),
            &t,
            None,
        )
        .await
        .assert_status(200)["secret"]
        .as_str()
        .unwrap()
        .to_string();
    app.send_with_token(
        Method::POST,
        &format!("/api/v1/webhooks/{ep}/test"),
        &t,
        None,
    )
    .await
    .assert_status(202);
    dispatcher(&app, config("1s")).run_once().await.unwrap();
    let r = &rx.got()[0];
    let ts: i64 = r.timestamp.parse().unwrap();
    let sigs: Vec<&str> = r.signature.split(' ').collect();
    assert_eq!(
        sigs,
        [
            signing::sign(&new, &r.id, ts, &r.body).unwrap(),
            signing::sign(&old, &r.id, ts, &r.body).unwrap()
        ]
    );
    let body: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(body["type"], "webhook.test");
    assert_eq!(body["data"]["endpoint_id"], ep.as_str());
    // A test names no patient: nothing is logged.
    assert!(app
        .access_log_rows()
        .iter()
        .all(|e| e.action != "webhook.delivery"));
}

#[actix_web::test]
async fn a_slow_receiver_a_redirect_and_a_closed_port_are_failed_attempts() {
    let app = TestApp::spawn_for_local_webhooks().await;
    let rx = Receiver::start(vec![
        (200, None, Duration::from_secs(4)),
        (307, None, Duration::ZERO),
    ]);
    let (ep, _) = endpoint(&app, &rx.url).await;
    a_message(&app).await;
    let d = dispatcher(&app, config("1s,1s,1s"));
    d.run_once().await.unwrap();
    let first = &deliveries(&app, &ep).await[0];
    assert_eq!(first["status"], "pending");
    assert_eq!(first["last_status_code"], Value::Null);
    assert!(
        first["last_error"].as_str().unwrap().contains("timed out")
            || first["last_error"].as_str().unwrap().contains("timeout"),
        "{first}"
    );
    make_due(&app);
    d.run_once().await.unwrap();
    let second = &deliveries(&app, &ep).await[0];
    assert_eq!(
        second["last_status_code"], 307,
        "a redirect is not followed"
    );
    assert_eq!(rx.got().len(), 2, "nothing reached the redirect's target");

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let t = integration_token(&[VC_HALMSTAD]);
    app.send_with_token(
        Method::PATCH,
        &format!("/api/v1/webhooks/{ep}"),
        &t,
        Some(&json!({"url": format!("http://127.0.0.1:{port}/")})),
    )
    .await
    .assert_status(200);
    make_due(&app);
    d.run_once().await.unwrap();
    let third = &deliveries(&app, &ep).await[0];
    assert_eq!(third["attempts"], 3);
    assert!(third["last_error"].as_str().unwrap().len() > 5, "{third}");
}

#[actix_web::test]
async fn a_destination_the_policy_forbids_is_refused_at_delivery_time_too() {
    let app = TestApp::spawn_for_local_webhooks().await;
    let rx = Receiver::start(vec![]);
    let (ep, _) = endpoint(&app, &rx.url).await;
    let t = integration_token(&[VC_HALMSTAD]);
    // A name that resolves to loopback, registered while loopback was allowed.
    let by_name = rx.url.replace("127.0.0.1", "localhost");
    app.send_with_token(
        Method::PATCH,
        &format!("/api/v1/webhooks/{ep}"),
        &t,
        Some(&json!({"url": by_name})),
    )
    .await
    .assert_status(200);
    a_message(&app).await;
    let strict = DispatchConfig {
        policy: DestinationPolicy {
            allow_http: true,
            allow_private: false,
        },
        ..config("1s,1s")
    };
    dispatcher(&app, strict.clone()).run_once().await.unwrap();
    let d = &deliveries(&app, &ep).await[0];
    assert_eq!(d["status"], "pending");
    assert!(
        d["last_error"].as_str().unwrap().contains("loopback"),
        "{d}"
    );
    // An address literal is refused before any connection.
    app.send_with_token(
        Method::PATCH,
        &format!("/api/v1/webhooks/{ep}"),
        &t,
        Some(&json!({"url": rx.url})),
    )
    .await
    .assert_status(200);
    make_due(&app);
    dispatcher(&app, strict).run_once().await.unwrap();
    let d = &deliveries(&app, &ep).await[0];
    assert!(
        d["last_error"]
            .as_str()
            .unwrap()
            .starts_with("destination refused"),
        "{d}"
    );
    assert!(rx.got().is_empty(), "nothing reached the receiver");
}

#[actix_web::test]
async fn two_dispatchers_share_the_work_and_send_nothing_twice() {
    let app = TestApp::spawn_for_local_webhooks().await;
    let rx = Receiver::start(vec![]);
    let (ep, _) = endpoint(&app, &rx.url).await;
    for _ in 0..12 {
        a_message(&app).await;
    }
    let cfg = DispatchConfig {
        batch: 3,
        ..config("1s")
    };
    let (a, b) = (dispatcher(&app, cfg.clone()), dispatcher(&app, cfg));
    loop {
        let (x, y) = tokio::join!(a.run_once(), b.run_once());
        if x.unwrap() + y.unwrap() == 0 {
            break;
        }
    }
    let got = rx.got();
    let mut ids: Vec<&str> = got.iter().map(|r| r.id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(got.len(), 12);
    assert_eq!(ids.len(), 12);
    assert!(deliveries(&app, &ep)
        .await
        .iter()
        .all(|d| d["status"] == "succeeded" && d["attempts"] == 1));
}

#[actix_web::test]
async fn a_delivery_whose_dispatcher_died_is_sent_again_with_the_same_id() {
    let app = TestApp::spawn_for_local_webhooks().await;
    let rx = Receiver::start(vec![]);
    let (ep, _) = endpoint(&app, &rx.url).await;
    a_message(&app).await;
    // A dispatcher claims it and dies before sending: the claim is all that is left.
    {
        let mut conn = app.db.conn();
        let now = time::OffsetDateTime::now_utc();
        let claimed = samverkan::models::webhook::claim_due(
            &mut conn,
            now,
            now + time::Duration::minutes(1),
            10,
        )
        .unwrap();
        assert_eq!(claimed.len(), 1);
    }
    let d = dispatcher(&app, config("1s"));
    assert_eq!(
        d.run_once().await.unwrap(),
        0,
        "claimed: not due while the lease runs"
    );
    make_due(&app); // the lease ran out
    assert_eq!(d.run_once().await.unwrap(), 1);
    let got = rx.got();
    assert_eq!(got.len(), 1);
    let row = &deliveries(&app, &ep).await[0];
    assert_eq!(row["webhook_id"], got[0].id.as_str());
    assert_eq!(
        row["attempts"], 2,
        "the dead dispatcher's claim counts as an attempt"
    );
    assert_eq!(row["status"], "succeeded");
}
