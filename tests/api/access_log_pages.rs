//! Listings are accesses too: a mailbox page, a page of the access log and a batch of the
//! feed each leave one entry per patient they show (none when they show no patient); a filter
//! or draft naming a patient out of the unit's reach is `denied`, never `ok`; and a page whose
//! entries cannot be written is not shown.

use std::collections::BTreeSet;

use actix_web::http::Method;
use diesel::connection::SimpleConnection;
use serde_json::{json, Value};
use uuid::Uuid;

use samverkan::models::access_log::AccessLogRow;

use crate::helpers::{
    integration_token, recept_draft, Persona, TestApp, HALMSTAD_KOMMUN, PSYKIATRI, VARBERG_KOMMUN,
    VC_HALMSTAD, VC_VARBERG,
};

const TOLVAN: &str = "191212121212";

fn nurse() -> Persona {
    Persona::nurse(HALMSTAD_KOMMUN)
}

fn doctor() -> Persona {
    Persona::doctor(VC_HALMSTAD)
}

/// Entries of one request, oldest first.
fn entries_of(app: &TestApp, rid: &str) -> Vec<AccessLogRow> {
    app.access_log_rows()
        .into_iter()
        .filter(|r| r.request_id == rid)
        .collect()
}

/// (action, outcome, patient) of each entry.
fn summary(rows: &[AccessLogRow]) -> BTreeSet<(String, String, Option<Uuid>)> {
    rows.iter()
        .map(|r| (r.action.clone(), r.outcome.clone(), r.patient_id))
        .collect()
}

fn set(items: &[(&str, &str, Option<Uuid>)]) -> BTreeSet<(String, String, Option<Uuid>)> {
    items
        .iter()
        .map(|(a, o, p)| (a.to_string(), o.to_string(), *p))
        .collect()
}

/// Tolvan, and Test Testsson enrolled in Halmstad too; two recept messages about Tolvan and
/// one about Testsson, from Halmstad's home health care to Vårdcentralen Halmstad.
async fn two_patients_three_messages(app: &TestApp) -> (Uuid, Uuid) {
    let tolvan = app.patient_id(TOLVAN);
    let testsson = app.take_up(&nurse(), "20170101-2393").await;
    app.post(
        &format!("/api/v1/patients/{testsson}/enrollments"),
        &nurse(),
        &json!({"start_date": crate::messages::today().to_string()}),
    )
    .await
    .assert_status(201);
    for patient in [tolvan, testsson, tolvan] {
        app.post(
            "/api/v1/messages/recept",
            &nurse(),
            &recept_draft(patient, app.unit_id(VC_HALMSTAD)),
        )
        .await
        .assert_status(201);
    }
    (tolvan, testsson)
}

#[actix_web::test]
async fn a_mailbox_page_logs_each_patient_it_shows_once() {
    let app = TestApp::spawn().await;
    let (tolvan, testsson) = two_patients_three_messages(&app).await;

    let page = app
        .send_as(
            Method::GET,
            "/api/v1/messages?box=inbox",
            &doctor(),
            None,
            "inbox-1",
        )
        .await
        .assert_status(200);

    assert_eq!(page["items"].as_array().unwrap().len(), 3);
    let rows = entries_of(&app, "inbox-1");
    assert_eq!(
        rows.len(),
        2,
        "one entry per patient, not per message: {rows:?}"
    );
    assert_eq!(
        summary(&rows),
        set(&[
            ("message.list", "ok", Some(tolvan)),
            ("message.list", "ok", Some(testsson)),
        ])
    );
    for r in &rows {
        assert_eq!(r.actor_hsa_id, doctor().sub);
        assert_eq!(r.unit_id, Some(app.unit_id(VC_HALMSTAD)));
        assert_eq!(r.message_id, None);
    }
}

#[actix_web::test]
async fn a_page_logs_only_the_patients_on_that_page() {
    let app = TestApp::spawn().await;
    let (tolvan, testsson) = two_patients_three_messages(&app).await;

    // Newest first: Tolvan's second message alone on the first page, Testsson's next.
    let first = app
        .send_as(
            Method::GET,
            "/api/v1/messages?box=outbox&limit=1",
            &nurse(),
            None,
            "p1",
        )
        .await
        .assert_status(200);
    let cursor = first["next_cursor"].as_str().unwrap();
    app.send_as(
        Method::GET,
        &format!("/api/v1/messages?box=outbox&limit=1&cursor={cursor}"),
        &nurse(),
        None,
        "p2",
    )
    .await
    .assert_status(200);

    assert_eq!(
        summary(&entries_of(&app, "p1")),
        set(&[("message.list", "ok", Some(tolvan))])
    );
    assert_eq!(
        summary(&entries_of(&app, "p2")),
        set(&[("message.list", "ok", Some(testsson))])
    );
}

#[actix_web::test]
async fn an_empty_page_and_the_summary_show_no_patient_and_log_nothing() {
    let app = TestApp::spawn().await;
    two_patients_three_messages(&app).await;
    let before = app.access_log_rows().len();

    let empty = app
        .get("/api/v1/messages?box=inbox", &Persona::doctor(VC_VARBERG))
        .await
        .assert_status(200);
    assert_eq!(empty["items"], json!([]));
    app.get("/api/v1/messages?box=inbox&status=closed", &doctor())
        .await
        .assert_status(200);
    app.get("/api/v1/messages/summary", &doctor())
        .await
        .assert_status(200);

    assert_eq!(app.access_log_rows().len(), before);
}

#[actix_web::test]
async fn a_listing_filtered_on_a_patient_outside_the_units_care_is_denied_and_empty() {
    let app = TestApp::spawn().await;
    let (tolvan, _) = two_patients_three_messages(&app).await;
    let outsider = Persona::nurse(VARBERG_KOMMUN);

    let page = app
        .send_as(
            Method::GET,
            &format!("/api/v1/messages?box=inbox&patient_id={tolvan}"),
            &outsider,
            None,
            "filter-denied",
        )
        .await
        .assert_status(200);
    let seen = app
        .send_as(
            Method::GET,
            &format!("/api/v1/messages?box=inbox&patient_id={tolvan}"),
            &doctor(),
            None,
            "filter-ok",
        )
        .await
        .assert_status(200);

    assert_eq!(page, json!({"items": [], "next_cursor": null}));
    assert_eq!(
        summary(&entries_of(&app, "filter-denied")),
        set(&[("message.list_patient", "denied", Some(tolvan))])
    );
    assert_eq!(seen["items"].as_array().unwrap().len(), 2);
    assert_eq!(
        summary(&entries_of(&app, "filter-ok")),
        set(&[("message.list_patient", "ok", Some(tolvan))])
    );
}

#[actix_web::test]
async fn a_draft_check_naming_a_patient_outside_the_units_care_is_denied() {
    let app = TestApp::spawn().await;
    let tolvan = app.patient_id(TOLVAN);
    let outsider = Persona::nurse(VARBERG_KOMMUN);
    let varberg_vc = app.unit_id(VC_VARBERG);

    let refused = app
        .send_as(
            Method::POST,
            "/api/v1/messages/recept/validate",
            &outsider,
            Some(&recept_draft(tolvan, varberg_vc)),
            "validate-denied",
        )
        .await
        .assert_status(200);
    let accepted = app
        .send_as(
            Method::POST,
            "/api/v1/messages/recept/validate",
            &nurse(),
            Some(&recept_draft(tolvan, app.unit_id(VC_HALMSTAD))),
            "validate-ok",
        )
        .await
        .assert_status(200);

    assert_eq!(refused["valid"], false);
    assert_eq!(refused["violations"][0]["code"], "PATIENT_NOT_FOUND");
    assert_eq!(
        summary(&entries_of(&app, "validate-denied")),
        set(&[("message.validate", "denied", Some(tolvan))])
    );
    assert_eq!(accepted["valid"], true);
    assert_eq!(
        summary(&entries_of(&app, "validate-ok")),
        set(&[("message.validate", "ok", Some(tolvan))])
    );
}

#[actix_web::test]
async fn reading_the_access_log_is_logged_for_each_patient_shown_and_for_the_filtered_one() {
    let app = TestApp::spawn().await;
    let (tolvan, testsson) = two_patients_three_messages(&app).await;
    let reviewer = Persona::auditor(PSYKIATRI);

    let all = app
        .send_as(Method::GET, "/api/v1/audit", &reviewer, None, "review-all")
        .await
        .assert_status(200);
    let unknown = Uuid::new_v4();
    let filtered = app
        .send_as(
            Method::GET,
            &format!("/api/v1/audit?patient_id={unknown}"),
            &reviewer,
            None,
            "review-one",
        )
        .await
        .assert_status(200);

    let shown: BTreeSet<Uuid> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["patient_id"].as_str().map(|p| p.parse().unwrap()))
        .collect();
    assert_eq!(shown, BTreeSet::from([tolvan, testsson]));
    assert_eq!(
        summary(&entries_of(&app, "review-all")),
        set(&[
            ("audit.read", "ok", Some(tolvan)),
            ("audit.read", "ok", Some(testsson)),
        ])
    );
    assert_eq!(filtered["items"], json!([]));
    assert_eq!(
        summary(&entries_of(&app, "review-one")),
        set(&[("audit.read", "ok", Some(unknown))])
    );
    // The review filtered on Tolvan now shows that Tolvan's log was read.
    let again = app
        .get(
            &format!("/api/v1/audit?patient_id={tolvan}&action=audit.read"),
            &reviewer,
        )
        .await
        .assert_status(200);
    assert_eq!(again["items"][0]["request_id"], "review-all");
    // Staff are refused, and the refusal that named a patient is denied.
    app.send_as(
        Method::GET,
        &format!("/api/v1/audit?patient_id={tolvan}"),
        &nurse(),
        None,
        "review-staff",
    )
    .await
    .assert_problem(403, "ROLE_REQUIRED");
    assert_eq!(
        summary(&entries_of(&app, "review-staff")),
        set(&[("audit.read", "denied", Some(tolvan))])
    );
}

#[actix_web::test]
async fn a_feed_batch_is_logged_per_patient_with_the_client_as_actor_and_an_empty_one_is_not() {
    let app = TestApp::spawn().await;
    let (tolvan, testsson) = two_patients_three_messages(&app).await;
    let token = integration_token(&[VC_HALMSTAD]);

    let batch = feed(&app, &token, "limit=1000", "feed-1").await;
    let last = batch["last_seq"].as_i64().unwrap();
    let empty = feed(&app, &token, &format!("after={last}"), "feed-2").await;

    let rows = entries_of(&app, "feed-1");
    assert_eq!(
        summary(&rows),
        set(&[
            ("event.list", "ok", Some(tolvan)),
            ("event.list", "ok", Some(testsson)),
        ])
    );
    for r in &rows {
        assert_eq!(r.actor_hsa_id, "SE2321000115-DEMOINT1");
        assert_eq!(r.actor_name.as_deref(), Some("Integrationsplattform Demo"));
        assert_eq!(r.unit_id, Some(app.unit_id(VC_HALMSTAD)));
    }
    assert_eq!(empty["events"], json!([]));
    assert!(entries_of(&app, "feed-2").is_empty());
}

/// One batch of the feed, sent with a request id.
async fn feed(app: &TestApp, token: &str, query: &str, rid: &str) -> Value {
    let req = TestApp::request(Method::GET, &format!("/api/v1/events?{query}"), Some(token))
        .insert_header(("x-request-id", rid.to_string()));
    app.send(req).await.assert_status(200)
}

#[actix_web::test]
async fn a_page_whose_entries_cannot_be_written_is_not_shown() {
    let app = TestApp::spawn().await;
    two_patients_three_messages(&app).await;
    app.db
        .conn()
        .batch_execute("ALTER TABLE access_log ADD CONSTRAINT block CHECK (false) NOT VALID")
        .expect("block the access log");

    for path in [
        "/api/v1/messages?box=inbox",
        "/api/v1/messages?box=inbox&limit=1",
    ] {
        let res = app.get(path, &doctor()).await;
        let problem = res.assert_problem(503, "SERVICE_UNAVAILABLE");
        let text = problem.to_string();
        assert!(
            !text.contains("19121212") && !text.contains("Enalapril"),
            "{text}"
        );
    }
    app.get_with_token("/api/v1/events", &integration_token(&[VC_HALMSTAD]))
        .await
        .assert_problem(503, "SERVICE_UNAVAILABLE");
    app.get("/api/v1/audit", &Persona::auditor(PSYKIATRI))
        .await
        .assert_problem(503, "SERVICE_UNAVAILABLE");
    // A page with no patient needs no entry and is still answered.
    app.get("/api/v1/messages?box=inbox", &Persona::doctor(VC_VARBERG))
        .await
        .assert_status(200);
}
