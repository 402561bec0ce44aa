//! Webhook endpoints: who registers and sees them, what a registration must say, the secret
//! shown once, rotation, and which events queue a delivery (in the event's transaction).

use actix_web::http::Method;
use base64::Engine;
use diesel::prelude::*;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{
    integration_token, integration_token_for, recept_draft, Persona, TestApp, HALMSTAD_KOMMUN,
    PSYKIATRI, VARBERG_KOMMUN, VC_HALMSTAD, VC_VARBERG,
};

const TOLVAN: &str = "191212121212";
const PUBLIC_URL: &str = "https://93.184.216.34/samverkan/hooks";

async fn register(app: &TestApp, token: &str, body: Value) -> crate::helpers::Resp {
    app.send_with_token(Method::POST, "/api/v1/webhooks", token, Some(&body))
        .await
}

/// Deliveries queued for an endpoint: (type, event id), oldest first.
fn queued(app: &TestApp, endpoint: &str) -> Vec<(String, Option<i64>)> {
    use samverkan::schema::webhook_deliveries as d;
    let mut conn = app.db.conn();
    d::table
        .filter(d::endpoint_id.eq(endpoint.parse::<Uuid>().unwrap()))
        .order(d::created_at.asc())
        .select((d::type_, d::event_id))
        .load(&mut conn)
        .unwrap()
}

#[actix_web::test]
async fn a_platform_registers_an_endpoint_and_sees_the_secret_only_once() {
    let app = TestApp::spawn().await;
    let token = integration_token(&[VC_HALMSTAD, HALMSTAD_KOMMUN]);
    let res = register(
        &app,
        &token,
        json!({"url": PUBLIC_URL, "units": [VC_HALMSTAD, "se2321000115-demok1380"],
               "event_types": ["message.created", "message.replied"], "description": "EHR-brygga"}),
    )
    .await;
    let created = res.assert_status(201);
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(
        res.header("location").as_deref(),
        Some(format!("/api/v1/webhooks/{id}").as_str())
    );
    let secret = created["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"));
    let raw = base64::engine::general_purpose::STANDARD
        .decode(&secret[6..])
        .unwrap();
    assert!(
        raw.len() >= 24,
        "at least 24 random bytes, got {}",
        raw.len()
    );
    assert_eq!(created["url"], PUBLIC_URL);
    assert_eq!(created["active"], true);
    assert_eq!(created["owner_hsa_id"], "SE2321000115-DEMOINT1");
    assert_eq!(
        created["event_types"],
        json!(["message.created", "message.replied"])
    );
    let hsa: Vec<&str> = created["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["hsa_id"].as_str().unwrap())
        .collect();
    assert_eq!(hsa, [VC_HALMSTAD, HALMSTAD_KOMMUN]);

    let shown = app
        .get_with_token(&format!("/api/v1/webhooks/{id}"), &token)
        .await
        .assert_status(200);
    assert!(shown.get("secret").is_none(), "{shown}");
    assert!(!shown.to_string().contains(secret));
    let list = app
        .get_with_token("/api/v1/webhooks", &token)
        .await
        .assert_status(200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert!(!list.to_string().contains(secret));
}

#[actix_web::test]
async fn another_platforms_endpoint_is_unknown_and_an_admin_sees_every_one() {
    let app = TestApp::spawn().await;
    let mine = integration_token(&[VC_HALMSTAD]);
    let theirs = integration_token_for("SE2321000115-DEMOINT2", &[VC_HALMSTAD]);
    let id = register(
        &app,
        &mine,
        json!({"url": PUBLIC_URL, "units": [VC_HALMSTAD]}),
    )
    .await
    .assert_status(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    register(
        &app,
        &theirs,
        json!({"url": PUBLIC_URL, "units": [VC_HALMSTAD]}),
    )
    .await
    .assert_status(201);

    for (method, path, body) in [
        (Method::GET, format!("/api/v1/webhooks/{id}"), None),
        (
            Method::PATCH,
            format!("/api/v1/webhooks/{id}"),
            Some(json!({"active": false})),
        ),
        (
            Method::POST,
            format!("/api/v1/webhooks/{id}/rotate-secret"),
            None,
        ),
        (Method::POST, format!("/api/v1/webhooks/{id}/test"), None),
        (
            Method::GET,
            format!("/api/v1/webhooks/{id}/deliveries"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/webhooks/{id}/recover"),
            Some(json!({"since": "2026-01-01T00:00:00Z"})),
        ),
    ] {
        app.send_with_token(method.clone(), &path, &theirs, body.as_ref())
            .await
            .assert_problem(404, "NOT_FOUND");
    }
    let theirs_list = app
        .get_with_token("/api/v1/webhooks", &theirs)
        .await
        .assert_status(200);
    assert_eq!(theirs_list["items"].as_array().unwrap().len(), 1);
    assert_ne!(theirs_list["items"][0]["id"], id.as_str());

    let admin = Persona::admin().token();
    let all = app
        .get_with_token("/api/v1/webhooks?limit=1", &admin)
        .await
        .assert_status(200);
    assert_eq!(all["items"].as_array().unwrap().len(), 1);
    let cursor = all["next_cursor"].as_str().expect("a second page");
    let rest = app
        .get_with_token(&format!("/api/v1/webhooks?limit=1&cursor={cursor}"), &admin)
        .await
        .assert_status(200);
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    assert!(rest["next_cursor"].is_null());
    app.get_with_token(&format!("/api/v1/webhooks/{id}"), &admin)
        .await
        .assert_status(200);
    // An admin registers for any unit of the directory.
    register(
        &app,
        &admin,
        json!({"url": PUBLIC_URL, "units": [VC_VARBERG, PSYKIATRI]}),
    )
    .await
    .assert_status(201);
}

#[actix_web::test]
async fn care_staff_and_reviewers_manage_no_endpoints() {
    let app = TestApp::spawn().await;
    for who in [
        Persona::nurse(HALMSTAD_KOMMUN),
        Persona::auditor(HALMSTAD_KOMMUN),
    ] {
        app.get_with_token("/api/v1/webhooks", &who.token())
            .await
            .assert_problem(403, "ROLE_REQUIRED");
        register(
            &app,
            &who.token(),
            json!({"url": PUBLIC_URL, "units": [HALMSTAD_KOMMUN]}),
        )
        .await
        .assert_problem(403, "ROLE_REQUIRED");
    }
}

/// The violations of a refused registration: (code, field).
async fn refused(app: &TestApp, token: &str, body: Value) -> Vec<(String, String)> {
    let p = register(app, token, body)
        .await
        .assert_problem(422, "VALIDATION_FAILED");
    p["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["code"].as_str().unwrap().to_string(),
                v["field"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn pair(code: &str, field: &str) -> Vec<(String, String)> {
    vec![(code.to_string(), field.to_string())]
}

#[actix_web::test]
async fn a_registration_names_its_faults_field_by_field() {
    let app = TestApp::spawn().await;
    let t = integration_token(&[VC_HALMSTAD]);
    let units = json!([VC_HALMSTAD]);
    for (url, code) in [
        ("not a url", "WEBHOOK_URL_INVALID"),
        ("https://example.org/#x", "WEBHOOK_URL_INVALID"),
        ("http://93.184.216.34/hooks", "WEBHOOK_URL_NOT_HTTPS"),
        ("https://user:pw@93.184.216.34/", "WEBHOOK_URL_CREDENTIALS"),
        ("https://127.0.0.1:8443/hooks", "WEBHOOK_URL_PRIVATE"),
        ("https://10.20.30.40/hooks", "WEBHOOK_URL_PRIVATE"),
        (
            "https://169.254.169.254/latest/meta-data",
            "WEBHOOK_URL_PRIVATE",
        ),
        ("https://[::1]/hooks", "WEBHOOK_URL_PRIVATE"),
        ("https://localhost/hooks", "WEBHOOK_URL_PRIVATE"),
        (
            "https://no-such-host.invalid/hooks",
            "WEBHOOK_URL_UNRESOLVABLE",
        ),
    ] {
        assert_eq!(
            refused(&app, &t, json!({"url": url, "units": units})).await,
            pair(code, "url"),
            "{url}"
        );
    }
    assert_eq!(
        refused(&app, &t, json!({"url": PUBLIC_URL, "units": [VC_HALMSTAD], "event_types": ["message.created", "message.deleted"]})).await,
        pair("UNKNOWN_EVENT_TYPE", "event_types[1]")
    );
    assert_eq!(
        refused(
            &app,
            &t,
            json!({"url": PUBLIC_URL, "units": [VC_HALMSTAD], "event_types": []})
        )
        .await,
        pair("EVENT_TYPES_EMPTY", "event_types")
    );
    assert_eq!(
        refused(&app, &t, json!({"url": PUBLIC_URL, "units": []})).await,
        pair("UNITS_COUNT", "units")
    );
    assert_eq!(
        refused(
            &app,
            &t,
            json!({"url": PUBLIC_URL, "units": [VC_HALMSTAD, "HSA-123"]})
        )
        .await,
        pair("HSA_ID_FORMAT", "units[1]")
    );
    // A unit the token's claim does not name, and one the directory does not know.
    assert_eq!(
        refused(
            &app,
            &t,
            json!({"url": PUBLIC_URL, "units": [VC_HALMSTAD, VARBERG_KOMMUN]})
        )
        .await,
        pair("UNIT_OUT_OF_SCOPE", "units[1]")
    );
    assert_eq!(
        refused(
            &app,
            &Persona::admin().token(),
            json!({"url": PUBLIC_URL, "units": ["SE2321000115-NOSUCH1"]})
        )
        .await,
        pair("UNIT_NOT_FOUND", "units[0]")
    );
    assert_eq!(
        refused(
            &app,
            &t,
            json!({"url": PUBLIC_URL, "units": [VC_HALMSTAD], "description": "x".repeat(501)})
        )
        .await,
        pair("LENGTH", "description")
    );
    // Every fault at once.
    let all = refused(
        &app,
        &t,
        json!({"url": "ftp://x", "units": [], "event_types": ["nope"]}),
    )
    .await;
    assert_eq!(all.len(), 3, "{all:?}");
    // Unknown fields and wrong types are refused like everywhere else, never stored.
    let p = register(
        &app,
        &t,
        json!({"url": PUBLIC_URL, "units": [VC_HALMSTAD], "secret": "mine"}),
    )
    .await;
    assert!(p.status.is_client_error(), "{}", p.status);
    register(&app, &t, json!({"url": 42, "units": [VC_HALMSTAD]}))
        .await
        .assert_status(422);
    let list = app
        .get_with_token("/api/v1/webhooks", &t)
        .await
        .assert_status(200);
    assert_eq!(list["items"], json!([]));
}

#[actix_web::test]
async fn an_endpoint_is_changed_disabled_and_resumed() {
    let app = TestApp::spawn().await;
    let t = integration_token(&[VC_HALMSTAD, HALMSTAD_KOMMUN]);
    let id = register(&app, &t, json!({"url": PUBLIC_URL, "units": [VC_HALMSTAD], "event_types": ["message.replied"], "description": "a"}))
        .await
        .assert_status(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/api/v1/webhooks/{id}");
    let patch = |body: Value| {
        let (app, path, t) = (&app, path.clone(), t.clone());
        async move {
            app.send_with_token(Method::PATCH, &path, &t, Some(&body))
                .await
        }
    };
    let changed = patch(json!({"units": [HALMSTAD_KOMMUN], "event_types": null, "description": null, "url": "https://93.184.216.35/other"}))
        .await
        .assert_status(200);
    assert_eq!(changed["event_types"], Value::Null);
    assert_eq!(changed["description"], Value::Null);
    assert_eq!(changed["url"], "https://93.184.216.35/other");
    assert_eq!(changed["units"][0]["hsa_id"], HALMSTAD_KOMMUN);
    // Absent fields stay.
    let same = patch(json!({})).await.assert_status(200);
    assert_eq!(same["url"], "https://93.184.216.35/other");

    let off = patch(json!({"active": false})).await.assert_status(200);
    assert_eq!(off["active"], false);
    assert_eq!(off["disabled_reason"], "manual");
    assert!(off["disabled_at"].is_string());
    app.send_with_token(Method::POST, &format!("{path}/test"), &t, None)
        .await
        .assert_problem(409, "WEBHOOK_INACTIVE");
    app.send_with_token(
        Method::POST,
        &format!("{path}/recover"),
        &t,
        Some(&json!({"since": "2026-01-01T00:00:00Z"})),
    )
    .await
    .assert_problem(409, "WEBHOOK_INACTIVE");
    let on = patch(json!({"active": true})).await.assert_status(200);
    assert_eq!(on["active"], true);
    assert_eq!(on["disabled_reason"], Value::Null);
    assert_eq!(on["disabled_at"], Value::Null);

    // The same checks as on registration.
    let p = patch(
        json!({"url": "https://192.168.0.10/", "units": [VARBERG_KOMMUN], "event_types": ["x"]}),
    )
    .await
    .assert_problem(422, "VALIDATION_FAILED");
    assert_eq!(p["violations"].as_array().unwrap().len(), 2, "{p}");
    let p = patch(json!({"units": [VARBERG_KOMMUN]}))
        .await
        .assert_problem(422, "VALIDATION_FAILED");
    assert_eq!(p["violations"][0]["code"], "UNIT_OUT_OF_SCOPE");
    let p = patch(json!({"active": "yes"})).await;
    assert!(p.status.is_client_error());
    app.send_with_token(
        Method::PATCH,
        &format!("/api/v1/webhooks/{}", Uuid::now_v7()),
        &t,
        Some(&json!({})),
    )
    .await
    .assert_problem(404, "NOT_FOUND");
}

#[actix_web::test]
async fn a_rotated_secret_keeps_signing_for_24_hours_beside_the_new_one() {
    let app = TestApp::spawn().await;
    let t = integration_token(&[VC_HALMSTAD]);
    let created = register(&app, &t, json!({"url": PUBLIC_URL, "units": [VC_HALMSTAD]}))
        .await
        .assert_status(201);
    let id = created["id"].as_str().unwrap();
    let before = time::OffsetDateTime::now_utc();
    let rotated = app
        .send_with_token(
            Method::POST,
            &format!("/api/v1/webhooks/{id}/rotate-secret"),
            &t,
            None,
        )
        .await
        .assert_status(200);
    let new = rotated["secret"].as_str().unwrap();
    assert!(new.starts_with("whsec_"));
    assert_ne!(new, created["secret"].as_str().unwrap());
    let until = time::OffsetDateTime::parse(
        rotated["previous_secret_expires_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let overlap = until - before;
    assert!(
        overlap > time::Duration::hours(24) - time::Duration::minutes(1)
            && overlap <= time::Duration::hours(24) + time::Duration::minutes(1),
        "{overlap}"
    );
    let shown = app
        .get_with_token(&format!("/api/v1/webhooks/{id}"), &t)
        .await
        .assert_status(200);
    assert_eq!(
        shown["previous_secret_expires_at"],
        rotated["previous_secret_expires_at"]
    );

    // What signs: both secrets now; after the 24 hours only the new one.
    use samverkan::models::webhook;
    let mut conn = app.db.conn();
    let row = webhook::find(&mut conn, id.parse().unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(
        row.signing_secrets(before),
        vec![new, created["secret"].as_str().unwrap()]
    );
    assert_eq!(
        row.signing_secrets(until + time::Duration::seconds(1)),
        vec![new]
    );
}

#[actix_web::test]
async fn events_queue_a_delivery_for_each_endpoint_that_covers_them() {
    let app = TestApp::spawn().await;
    let t = integration_token(&[VC_HALMSTAD, VC_VARBERG]);
    let reg = |body: Value| {
        let (app, t) = (&app, t.clone());
        async move {
            register(app, &t, body).await.assert_status(201)["id"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    let all = reg(json!({"url": PUBLIC_URL, "units": [VC_HALMSTAD]})).await;
    let replies_only =
        reg(json!({"url": PUBLIC_URL, "units": [VC_HALMSTAD], "event_types": ["message.replied"]}))
            .await;
    let elsewhere = reg(json!({"url": PUBLIC_URL, "units": [VC_VARBERG]})).await;
    let off = reg(json!({"url": PUBLIC_URL, "units": [VC_HALMSTAD]})).await;
    app.send_with_token(
        Method::PATCH,
        &format!("/api/v1/webhooks/{off}"),
        &t,
        Some(&json!({"active": false})),
    )
    .await
    .assert_status(200);

    let tolvan = app.patient_id(TOLVAN);
    let nurse = Persona::nurse(HALMSTAD_KOMMUN);
    let msg = app
        .post(
            "/api/v1/messages/recept",
            &nurse,
            &recept_draft(tolvan, app.unit_id(VC_HALMSTAD)),
        )
        .await
        .assert_status(201);
    // A refused message rolls back and queues nothing.
    let mut urgent = recept_draft(tolvan, app.unit_id(VC_HALMSTAD));
    urgent["body"] = json!("AKUT: behöver förnyas i dag.");
    app.post("/api/v1/messages/recept", &nurse, &urgent)
        .await
        .assert_status(422);

    let q = queued(&app, &all);
    assert_eq!(q.len(), 1, "{q:?}");
    assert_eq!(q[0].0, "message.created");
    assert!(q[0].1.is_some());
    assert!(queued(&app, &replies_only).is_empty());
    assert!(queued(&app, &elsewhere).is_empty());
    assert!(queued(&app, &off).is_empty());

    let id = msg["id"].as_str().unwrap();
    let doctor = Persona::doctor(VC_HALMSTAD);
    app.post(
        &format!("/api/v1/messages/{id}/replies"),
        &doctor,
        &json!({"body": "Förnyat.", "outcome": "utfort"}),
    )
    .await
    .assert_status(201);
    let types: Vec<String> = queued(&app, &all).into_iter().map(|(t, _)| t).collect();
    assert_eq!(
        types,
        ["message.created", "message.read", "message.replied"]
    );
    assert_eq!(queued(&app, &replies_only).len(), 1);

    // The deliveries are listed, pending, with the feed's seq once numbered.
    let page = app
        .get_with_token(
            &format!("/api/v1/webhooks/{all}/deliveries?status=pending"),
            &t,
        )
        .await
        .assert_status(200);
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0]["type"], "message.replied", "newest first");
    assert!(items
        .iter()
        .all(|d| d["status"] == "pending" && d["attempts"] == 0));
    assert!(items
        .iter()
        .all(|d| d["webhook_id"].as_str().unwrap().starts_with("msg_")));
    assert!(
        !page.to_string().contains(&tolvan.to_string()),
        "no patient in the listing"
    );
    let none = app
        .get_with_token(
            &format!("/api/v1/webhooks/{all}/deliveries?status=failed"),
            &t,
        )
        .await
        .assert_status(200);
    assert_eq!(none["items"], json!([]));
    app.get_with_token(
        &format!("/api/v1/webhooks/{all}/deliveries?status=lost"),
        &t,
    )
    .await
    .assert_status(400);
}

#[actix_web::test]
async fn a_test_event_is_queued_for_the_endpoint() {
    let app = TestApp::spawn().await;
    let t = integration_token(&[VC_HALMSTAD]);
    let id = register(&app, &t, json!({"url": PUBLIC_URL, "units": [VC_HALMSTAD]}))
        .await
        .assert_status(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let d = app
        .send_with_token(
            Method::POST,
            &format!("/api/v1/webhooks/{id}/test"),
            &t,
            None,
        )
        .await
        .assert_status(202);
    assert_eq!(d["type"], "webhook.test");
    assert_eq!(d["status"], "pending");
    assert_eq!(d["seq"], Value::Null);
    let hex = d["id"].as_str().unwrap().replace('-', "");
    assert_eq!(d["webhook_id"], format!("msg_{hex}"));
    assert_eq!(queued(&app, &id), vec![("webhook.test".to_string(), None)]);
}
