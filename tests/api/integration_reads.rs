//! Integration platforms read what the feed announces: a token with role `integration` reads a
//! message and its FHIR export when the message's sender or recipient unit is among the token's
//! `units`, and gets the 404 of an unknown id otherwise. Every read is an access-log entry with
//! the client as actor and the role it acted in — as every entry now carries its role.

use actix_web::http::Method;
use uuid::Uuid;

use samverkan::models::access_log::AccessLogRow;

use crate::helpers::{
    integration_token, recept_draft, Persona, Resp, TestApp, HALMSTAD_KOMMUN, PSYKIATRI,
    VC_HALMSTAD, VC_VARBERG,
};

const TOLVAN: &str = "191212121212";
const CLIENT: &str = "SE2321000115-DEMOINT1";

/// A recept from Halmstad's home health care to Vårdcentralen Halmstad; its id and patient.
async fn a_message(app: &TestApp) -> (Uuid, Uuid) {
    let tolvan = app.patient_id(TOLVAN);
    let msg = app
        .post(
            "/api/v1/messages/recept",
            &Persona::nurse(HALMSTAD_KOMMUN),
            &recept_draft(tolvan, app.unit_id(VC_HALMSTAD)),
        )
        .await
        .assert_status(201);
    (msg["id"].as_str().unwrap().parse().unwrap(), tolvan)
}

async fn get(app: &TestApp, path: &str, token: &str, rid: &str) -> Resp {
    let req = TestApp::request(Method::GET, path, Some(token)).insert_header(("x-request-id", rid));
    app.send(req).await
}

fn entry(app: &TestApp, rid: &str) -> AccessLogRow {
    let mut rows: Vec<AccessLogRow> = app
        .access_log_rows()
        .into_iter()
        .filter(|r| r.request_id == rid)
        .collect();
    assert_eq!(rows.len(), 1, "{rid}: {rows:?}");
    rows.remove(0)
}

#[actix_web::test]
async fn a_platform_reads_the_messages_of_its_units_and_each_read_is_logged_as_integration() {
    let app = TestApp::spawn().await;
    let (id, tolvan) = a_message(&app).await;
    // The recipient's platform, and the sender's.
    for (units, rid) in [
        ([VC_HALMSTAD], "int-recipient"),
        ([HALMSTAD_KOMMUN], "int-sender"),
    ] {
        let token = integration_token(&units);

        let msg = get(&app, &format!("/api/v1/messages/{id}"), &token, rid)
            .await
            .assert_status(200);
        let fhir = get(
            &app,
            &format!("/api/v1/messages/{id}/fhir"),
            &token,
            &format!("{rid}-fhir"),
        )
        .await
        .assert_status(200);

        assert_eq!(msg["id"], id.to_string());
        assert_eq!(msg["patient"]["personal_identity_number"], TOLVAN);
        assert_eq!(fhir["resourceType"], "Communication");
        for (rid, action) in [
            (rid.to_string(), "message.read"),
            (format!("{rid}-fhir"), "message.fhir"),
        ] {
            let e = entry(&app, &rid);
            assert_eq!(e.actor_hsa_id, CLIENT);
            assert_eq!(e.actor_role.as_deref(), Some("integration"));
            assert_eq!(e.action, action);
            assert_eq!(e.outcome, "ok");
            assert_eq!(e.patient_id, Some(tolvan));
            assert_eq!(e.message_id, Some(id));
            // The acting unit is the token's `unit`.
            assert_eq!(e.unit_id, Some(app.unit_id(VC_HALMSTAD)));
        }
    }
}

#[actix_web::test]
async fn another_units_platform_gets_the_404_of_an_unknown_id_and_the_attempt_is_denied() {
    let app = TestApp::spawn().await;
    let (id, tolvan) = a_message(&app).await;
    let token = integration_token(&[VC_VARBERG, PSYKIATRI]);

    let res = get(&app, &format!("/api/v1/messages/{id}"), &token, "int-other").await;
    let unknown = get(
        &app,
        &format!("/api/v1/messages/{}", Uuid::new_v4()),
        &token,
        "int-unknown",
    )
    .await;
    get(
        &app,
        &format!("/api/v1/messages/{id}/fhir"),
        &token,
        "int-other-fhir",
    )
    .await
    .assert_problem(404, "NOT_FOUND");

    let body = res.assert_problem(404, "NOT_FOUND");
    let unknown_body = unknown.assert_problem(404, "NOT_FOUND");
    assert_eq!(body["detail"], unknown_body["detail"], "indistinguishable");
    let e = entry(&app, "int-other");
    assert_eq!(
        (e.action.as_str(), e.outcome.as_str(), e.patient_id),
        ("message.read", "denied", Some(tolvan))
    );
    assert_eq!(e.actor_role.as_deref(), Some("integration"));
}

#[actix_web::test]
async fn a_platform_whose_units_name_no_directory_unit_is_refused() {
    let app = TestApp::spawn().await;
    let (id, _) = a_message(&app).await;
    let token = integration_token(&["SE2321000115-NOSUCHUNIT"]);

    get(&app, &format!("/api/v1/messages/{id}"), &token, "int-none")
        .await
        .assert_problem(403, "NO_FEED_UNITS");
}

#[actix_web::test]
async fn every_entry_names_the_role_its_actor_acted_in() {
    let app = TestApp::spawn().await;
    let (id, tolvan) = a_message(&app).await;
    let doctor = Persona::doctor(VC_HALMSTAD);
    app.send_as(
        Method::GET,
        &format!("/api/v1/messages/{id}"),
        &doctor,
        None,
        "role-staff",
    )
    .await
    .assert_status(200);
    app.send_as(
        Method::GET,
        &format!("/api/v1/patients/{tolvan}/access-log"),
        &Persona::auditor(HALMSTAD_KOMMUN),
        None,
        "role-auditor",
    )
    .await
    .assert_status(200);
    get(
        &app,
        "/api/v1/events?limit=10",
        &integration_token(&[VC_HALMSTAD]),
        "role-feed",
    )
    .await
    .assert_status(200);

    assert_eq!(
        entry(&app, "role-staff").actor_role.as_deref(),
        Some("personal")
    );
    assert_eq!(
        entry(&app, "role-auditor").actor_role.as_deref(),
        Some("granskare")
    );
    assert_eq!(
        entry(&app, "role-feed").actor_role.as_deref(),
        Some("integration")
    );
    // The review shows it.
    let page = app
        .get(
            &format!("/api/v1/audit?patient_id={tolvan}&action=message.read"),
            &Persona::auditor(PSYKIATRI),
        )
        .await
        .assert_status(200);
    assert_eq!(page["items"][0]["actor_role"], "personal");
}
