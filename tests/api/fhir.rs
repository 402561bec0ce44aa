//! `GET /api/v1/messages/{id}/fhir`: the message as an HL7 FHIR R4 `Communication`, checked
//! against the official FHIR R4 JSON schema (`tests/fixtures/fhir-r4.schema.json`, draft-06)
//! and for the Swedish identifiers: personnummer / samordningsnummer OIDs and HSA-ids.

use std::sync::OnceLock;

use jsonschema::Validator;
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::helpers::{
    recept_draft, Persona, Resp, TestApp, HALMSTAD_KOMMUN, VARBERG_KOMMUN, VC_HALMSTAD, VC_VARBERG,
};

const TOLVAN: &str = "191212121212";
const SAMORDNAD: &str = "197010632391";
const OID_PERSONNUMMER: &str = "urn:oid:1.2.752.129.2.1.3.1";
const OID_SAMORDNINGSNUMMER: &str = "urn:oid:1.2.752.129.2.1.3.3";
const OID_HSA: &str = "urn:oid:1.2.752.129.2.1.4.1";
/// FHIR R4 `Communication.status` (value set event-status, binding required). The JSON schema
/// types the element as a plain `code`, so the test checks the value set itself.
const EVENT_STATUS: [&str; 8] = [
    "preparation",
    "in-progress",
    "not-done",
    "on-hold",
    "stopped",
    "completed",
    "entered-in-error",
    "unknown",
];

/// The official schema as a whole (its root is a `oneOf` over every resource), and the same
/// document narrowed to `#/definitions/Communication`; compiled once for the test binary.
pub fn validators() -> &'static (Validator, Validator) {
    static VALIDATORS: OnceLock<(Validator, Validator)> = OnceLock::new();
    VALIDATORS.get_or_init(|| {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/fhir-r4.schema.json"
        );
        let text = std::fs::read_to_string(path).expect("read the FHIR schema");
        let schema: Value = serde_json::from_str(&text).expect("the FHIR schema is JSON");
        assert_eq!(schema["$schema"], "http://json-schema.org/draft-06/schema#");
        let whole = jsonschema::draft6::new(&schema).expect("compile the FHIR schema");
        let mut narrowed = schema;
        let root = narrowed.as_object_mut().unwrap();
        root.remove("discriminator");
        root.insert(
            "oneOf".into(),
            json!([{"$ref": "#/definitions/Communication"}]),
        );
        let communication = jsonschema::draft6::new(&narrowed).expect("compile Communication");
        (whole, communication)
    })
}

/// Schema errors of `instance` against the whole schema and against Communication.
pub fn schema_errors(instance: &Value) -> (Vec<String>, Vec<String>) {
    let (whole, communication) = validators();
    let errors = |v: &Validator| -> Vec<String> {
        v.iter_errors(instance)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect()
    };
    (errors(whole), errors(communication))
}

#[track_caller]
pub fn assert_valid_fhir(c: &Value) {
    let (whole, communication) = schema_errors(c);
    assert!(whole.is_empty(), "invalid FHIR R4: {whole:#?}\n{c:#}");
    assert!(
        communication.is_empty(),
        "invalid Communication: {communication:#?}\n{c:#}"
    );
    assert!(
        EVENT_STATUS.contains(&c["status"].as_str().unwrap_or_default()),
        "status {}",
        c["status"]
    );
}

#[track_caller]
fn assert_invalid_fhir(c: &Value, what: &str) {
    let (whole, communication) = schema_errors(c);
    assert!(!whole.is_empty(), "{what} passed the whole schema");
    assert!(
        !communication.is_empty(),
        "{what} passed the Communication schema"
    );
}

fn nurse() -> Persona {
    Persona::nurse(HALMSTAD_KOMMUN)
}

fn doctor() -> Persona {
    Persona::doctor(VC_HALMSTAD)
}

/// The export as `who`, asserting 200 and the FHIR media type.
pub async fn export(app: &TestApp, id: &str, who: &Persona) -> Value {
    let res: Resp = app.get(&format!("/api/v1/messages/{id}/fhir"), who).await;
    let body = res.assert_status(200);
    let ct = res.header("content-type").unwrap_or_default();
    assert!(ct.starts_with("application/fhir+json"), "content type {ct}");
    body
}

async fn send_recept(app: &TestApp, number12: &str) -> Value {
    let body = recept_draft(app.patient_id(number12), app.unit_id(VC_HALMSTAD));
    app.post("/api/v1/messages/recept", &nurse(), &body)
        .await
        .assert_status(201)
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().expect("id").to_string()
}

#[track_caller]
fn same_instant(fhir: &Value, api: &Value) {
    let parse = |v: &Value| {
        OffsetDateTime::parse(
            v.as_str().unwrap_or_else(|| panic!("no time: {v}")),
            &Rfc3339,
        )
        .unwrap_or_else(|e| panic!("{v}: {e}"))
    };
    assert_eq!(parse(fhir), parse(api));
}

#[track_caller]
fn assert_organization(reference: &Value, hsa: &str, name: &str) {
    assert_eq!(reference["type"], "Organization", "{reference}");
    assert_eq!(
        reference["identifier"],
        json!({"system": OID_HSA, "value": hsa}),
        "{reference}"
    );
    assert_eq!(reference["display"], name);
}

const HALMSTAD_NAME: &str = "Halmstads kommun hemsjukvård (demo)";
const VC_NAME: &str = "Vårdcentralen Halmstad (demo)";

#[actix_web::test]
async fn a_recept_with_two_replies_exports_as_a_valid_fhir_r4_communication() {
    let app = TestApp::spawn().await;
    let sent = send_recept(&app, TOLVAN).await;
    let m = id_of(&sent);
    app.post(&format!("/api/v1/messages/{m}/read"), &doctor(), &json!({}))
        .await
        .assert_status(200);
    app.post(
        &format!("/api/v1/messages/{m}/replies"),
        &doctor(),
        &json!({"body": "Förnyat i tre månader.", "outcome": "utfort"}),
    )
    .await
    .assert_status(201);
    let msg = app
        .post(
            &format!("/api/v1/messages/{m}/replies"),
            &nurse(),
            &json!({"body": "Tack, vi meddelar patienten."}),
        )
        .await
        .assert_status(201);

    let c = export(&app, &m, &nurse()).await;

    assert_valid_fhir(&c);
    assert_eq!(c["resourceType"], "Communication");
    assert_eq!(c["id"], m);
    assert_eq!(c["status"], "in-progress");
    assert_eq!(c["subject"]["type"], "Patient");
    assert_eq!(
        c["subject"]["identifier"],
        json!({"system": OID_PERSONNUMMER, "value": TOLVAN})
    );
    assert_organization(&c["sender"], HALMSTAD_KOMMUN, HALMSTAD_NAME);
    assert_eq!(c["recipient"].as_array().unwrap().len(), 1);
    assert_organization(&c["recipient"][0], VC_HALMSTAD, VC_NAME);
    same_instant(&c["sent"], &msg["sent_at"]);
    same_instant(&c["received"], &msg["read_at"]);
    assert_eq!(
        c["payload"],
        json!([
            {"contentString": sent["body"]},
            {"contentReference": {"reference": "#recept", "type": "MedicationRequest"}}
        ])
    );
    assert_eq!(c["topic"]["text"], sent["subject"]);
    assert_eq!(c["category"][0]["coding"][0]["code"], "recept");

    let contained = c["contained"].as_array().expect("contained resources");
    assert_eq!(contained[0]["resourceType"], "MedicationRequest");
    let contained = &contained[1..];
    let replies = msg["replies"].as_array().unwrap();
    assert_eq!(contained.len(), 2);
    for (fhir, api) in contained.iter().zip(replies) {
        assert_eq!(fhir["resourceType"], "Communication");
        assert_eq!(fhir["id"], api["id"]);
        assert_eq!(fhir["inResponseTo"], json!([{"reference": "#"}]));
        assert_eq!(fhir["payload"], json!([{"contentString": api["body"]}]));
        assert_eq!(fhir["subject"], c["subject"]);
        same_instant(&fhir["sent"], &api["created_at"]);
    }
    assert_organization(&contained[0]["sender"], VC_HALMSTAD, VC_NAME);
    assert_organization(
        &contained[0]["recipient"][0],
        HALMSTAD_KOMMUN,
        HALMSTAD_NAME,
    );
    assert_organization(&contained[1]["sender"], HALMSTAD_KOMMUN, HALMSTAD_NAME);
    assert_organization(&contained[1]["recipient"][0], VC_HALMSTAD, VC_NAME);

    // Both parties export the same document; closed, it is `completed` and still valid.
    assert_eq!(export(&app, &m, &doctor()).await, c);
    app.post(&format!("/api/v1/messages/{m}/close"), &nurse(), &json!({}))
        .await
        .assert_status(200);
    let closed = export(&app, &m, &doctor()).await;
    assert_eq!(closed["status"], "completed");
    assert_valid_fhir(&closed);

    // The validator really applies: broken copies fail.
    let mut broken = c.clone();
    broken.as_object_mut().unwrap().remove("resourceType");
    assert_invalid_fhir(&broken, "a Communication without resourceType");
    let mut broken = c.clone();
    broken["sentAt"] = json!("2026-01-01");
    assert_invalid_fhir(&broken, "an unknown element");
    let mut broken = c.clone();
    broken["sent"] = json!("yesterday");
    assert_invalid_fhir(&broken, "a `sent` that is no dateTime");
    let mut broken = c.clone();
    broken["contained"][1]["inResponseTo"] = json!({"reference": "#"});
    assert_invalid_fhir(&broken, "a contained reply with inResponseTo not a list");
    let mut broken = c.clone();
    broken["status"] = json!("bogus");
    assert!(!EVENT_STATUS.contains(&broken["status"].as_str().unwrap()));
}

#[actix_web::test]
async fn a_cancelled_message_exports_as_a_valid_communication_with_its_reason() {
    let app = TestApp::spawn().await;
    let wrong_patient = id_of(&send_recept(&app, TOLVAN).await);
    let other = id_of(&send_recept(&app, TOLVAN).await);
    app.post(
        &format!("/api/v1/messages/{wrong_patient}/cancel"),
        &nurse(),
        &json!({"reason": "wrong_patient"}),
    )
    .await
    .assert_status(200);
    app.post(
        &format!("/api/v1/messages/{other}/cancel"),
        &nurse(),
        &json!({"reason": "other", "comment": "Dubblett"}),
    )
    .await
    .assert_status(200);

    let c = export(&app, &wrong_patient, &doctor()).await;
    let d = export(&app, &other, &nurse()).await;

    assert_valid_fhir(&c);
    assert_valid_fhir(&d);
    assert_eq!(c["status"], "entered-in-error");
    let codes = |x: &Value| -> Vec<(String, String)> {
        x["statusReason"]["coding"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| {
                (
                    k["system"].as_str().unwrap().to_string(),
                    k["code"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let status = |code: &str| {
        (
            "urn:samverkan:codesystem:message-status".to_string(),
            code.to_string(),
        )
    };
    let reason = |code: &str| {
        (
            "urn:samverkan:codesystem:cancel-reason".to_string(),
            code.to_string(),
        )
    };
    assert_eq!(codes(&c), [status("cancelled"), reason("wrong_patient")]);
    assert!(c["statusReason"].get("text").is_none());
    assert_eq!(d["status"], "stopped");
    assert_eq!(codes(&d), [status("cancelled"), reason("other")]);
    assert_eq!(d["statusReason"]["text"], "Dubblett");
    for x in [&c, &d] {
        assert!(x.get("received").is_none(), "never read: {x}");
        let contained = x["contained"].as_array().unwrap();
        assert_eq!(contained.len(), 1, "no replies, only the prescription: {x}");
        assert_eq!(contained[0]["status"], "cancelled");
        assert!(x["sent"].is_string());
    }
}

#[actix_web::test]
async fn a_samordningsnummer_patient_is_identified_by_the_samordningsnummer_oid() {
    let app = TestApp::spawn().await;
    let patient = app.patient_id(SAMORDNAD);
    let today = samverkan::domain::reply_window::to_stockholm(OffsetDateTime::now_utc()).date();
    // Found by number first: that takes the patient into the unit's care.
    app.post(
        "/api/v1/patients/lookup",
        &nurse(),
        &json!({"personal_identity_number": "19701063-2391"}),
    )
    .await
    .assert_status(200);
    app.post(
        &format!("/api/v1/patients/{patient}/enrollments"),
        &nurse(),
        &json!({"start_date": today.to_string()}),
    )
    .await
    .assert_status(201);
    let m = id_of(&send_recept(&app, SAMORDNAD).await);

    let c = export(&app, &m, &doctor()).await;

    assert_valid_fhir(&c);
    assert_eq!(
        c["subject"]["identifier"],
        json!({"system": OID_SAMORDNINGSNUMMER, "value": SAMORDNAD})
    );
    assert_eq!(c["subject"]["display"], "Samordnad Testperson");
    assert!(c.get("received").is_none());
}

#[actix_web::test]
async fn a_third_unit_gets_404_as_for_a_message_that_does_not_exist() {
    let app = TestApp::spawn().await;
    let m = id_of(&send_recept(&app, TOLVAN).await);

    for who in [Persona::nurse(VARBERG_KOMMUN), Persona::doctor(VC_VARBERG)] {
        let res = app.get(&format!("/api/v1/messages/{m}/fhir"), &who).await;
        let body = res.assert_problem(404, "NOT_FOUND");
        assert!(!body.to_string().contains(TOLVAN), "{body}");
    }
    let missing = app
        .get(
            &format!("/api/v1/messages/{}/fhir", uuid::Uuid::new_v4()),
            &nurse(),
        )
        .await
        .assert_problem(404, "NOT_FOUND");
    let foreign = app
        .get(
            &format!("/api/v1/messages/{m}/fhir"),
            &Persona::nurse(VARBERG_KOMMUN),
        )
        .await
        .assert_problem(404, "NOT_FOUND");
    assert_eq!(missing["detail"], foreign["detail"]);
    assert_eq!(missing["title"], foreign["title"]);
}
