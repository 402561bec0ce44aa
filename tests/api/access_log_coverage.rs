//! No hole in the access log: every operation whose answer carries patient data — found in the
//! OpenAPI document, so a new endpoint cannot be forgotten — is called, and for **each patient
//! the answer shows** the patient's extract (`GET /patients/{id}/access-log`) and the review
//! filtered on the patient (`GET /audit?patient_id=`) hold an entry of that request.
//!
//! An operation carries patient data when a 2xx answer is FHIR, or its schema has (at any
//! depth) a property `patient_id`, `patient` or `personal_identity_number`.

use std::collections::{BTreeSet, HashSet};

use actix_web::http::Method;
use serde_json::{json, Value};
use uuid::Uuid;

use samverkan::startup::openapi_document;

use crate::helpers::{integration_token, Persona, Resp, TestApp, HALMSTAD_KOMMUN, VC_HALMSTAD};
use crate::messages::body_of;

const TOLVAN: &str = "191212121212";
const TESTSSON: &str = "201701012393";
const SAMORDNAD: &str = "197010632391";

/// Property names that put patient data in an answer.
const PATIENT_PROPERTIES: &[&str] = &["patient_id", "patient", "personal_identity_number"];

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.trim_start_matches("#/components/schemas/");
            &doc["components"]["schemas"][name]
        }
        None => schema,
    }
}

/// Whether `schema` has a patient property at any depth.
fn carries_patient_data(doc: &Value, schema: &Value, seen: &mut HashSet<String>) -> bool {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        if !seen.insert(r.to_string()) {
            return false;
        }
    }
    let schema = resolve(doc, schema);
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        if props
            .keys()
            .any(|k| PATIENT_PROPERTIES.contains(&k.as_str()))
        {
            return true;
        }
        if props.values().any(|p| carries_patient_data(doc, p, seen)) {
            return true;
        }
    }
    let nested = ["items", "additionalProperties"]
        .iter()
        .filter_map(|k| schema.get(*k))
        .chain(
            ["allOf", "oneOf", "anyOf"]
                .iter()
                .filter_map(|k| schema.get(*k).and_then(Value::as_array))
                .flatten(),
        )
        .collect::<Vec<_>>();
    nested
        .into_iter()
        .any(|s| carries_patient_data(doc, s, seen))
}

/// `METHOD /path` of every operation with patient data in a 2xx answer.
fn patient_data_operations(doc: &Value) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            let carries = responses
                .iter()
                .filter(|(status, _)| status.starts_with('2'))
                .filter_map(|(_, r)| resolve(doc, r).get("content").and_then(Value::as_object))
                .flatten()
                .any(|(media, content)| {
                    media == "application/fhir+json"
                        || carries_patient_data(doc, &content["schema"], &mut HashSet::new())
                });
            if carries {
                found.insert(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    found
}

/// The patients an answer shows: every `patient_id`, every object with a personal identity
/// number (its `id`), and a FHIR resource's subject (by number).
fn patients_shown(app: &TestApp, answer: &Value, out: &mut BTreeSet<Uuid>) {
    match answer {
        Value::Object(map) => {
            if let Some(Value::String(p)) = map.get("patient_id") {
                out.insert(p.parse().unwrap());
            }
            if map.contains_key("personal_identity_number") {
                out.insert(map["id"].as_str().unwrap().parse().unwrap());
            }
            if map.get("resourceType").is_some() {
                if let Some(number) = map["subject"]["identifier"]["value"].as_str() {
                    out.insert(app.patient_id(number));
                }
            }
            for v in map.values() {
                patients_shown(app, v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| patients_shown(app, v, out)),
        _ => {}
    }
}

/// What the calls below need: two patients with messages between Halmstad's home health
/// care and Vårdcentralen Halmstad.
struct World {
    tolvan: Uuid,
    testsson: Uuid,
    samordnad: Uuid,
    answered: String,
    unread: String,
    enrollment: Option<String>,
}

fn nurse() -> Persona {
    Persona::nurse(HALMSTAD_KOMMUN)
}

fn doctor() -> Persona {
    Persona::doctor(VC_HALMSTAD)
}

fn auditor() -> Persona {
    Persona::auditor(HALMSTAD_KOMMUN)
}

async fn create(app: &TestApp, category: &str, patient: Uuid) -> String {
    let msg = app
        .post(
            &format!("/api/v1/messages/{category}"),
            &nurse(),
            &body_of(category, patient, app.unit_id(VC_HALMSTAD)),
        )
        .await
        .assert_status(201);
    msg["id"].as_str().unwrap().to_string()
}

async fn world(app: &TestApp) -> World {
    let tolvan = app.patient_id(TOLVAN);
    let testsson = app.take_up(&nurse(), "20170101-2393").await;
    let samordnad = app.take_up(&nurse(), "19701063-2391").await;
    app.post(
        &format!("/api/v1/patients/{testsson}/enrollments"),
        &nurse(),
        &json!({"start_date": crate::messages::today().to_string()}),
    )
    .await
    .assert_status(201);
    assert_eq!(app.patient_id(TESTSSON), testsson);
    assert_eq!(app.patient_id(SAMORDNAD), samordnad);
    let answered = create(app, "recept", tolvan).await;
    let unread = create(app, "provtagning", testsson).await;
    World {
        tolvan,
        testsson,
        samordnad,
        answered,
        unread,
        enrollment: None,
    }
}

/// Sends a request with a request id, as a persona or with a ready token.
async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
    rid: &str,
) -> Resp {
    let mut req = TestApp::request(method, path, Some(token)).insert_header(("x-request-id", rid));
    if let Some(b) = body {
        req = req.set_json(b);
    }
    app.send(req).await
}

/// Calls `op` the way a client would; the answer.
async fn call(app: &TestApp, w: &mut World, op: &str, rid: &str) -> Value {
    let (n, d, a) = (nurse().token(), doctor().token(), auditor().token());
    let (method, path, token, body, status): (Method, String, String, Option<Value>, u16) = match op
    {
        "POST /api/v1/patients/lookup" => (
            Method::POST,
            "/api/v1/patients/lookup".into(),
            n,
            Some(json!({"personal_identity_number": "19121212-1212"})),
            200,
        ),
        "POST /api/v1/patients" => (
            Method::POST,
            "/api/v1/patients".into(),
            n,
            Some(json!({"personal_identity_number": "19121212-1212"})),
            200,
        ),
        "GET /api/v1/patients/{id}" => (
            Method::GET,
            format!("/api/v1/patients/{}", w.tolvan),
            n,
            None,
            200,
        ),
        "GET /api/v1/patients/{id}/enrollments" => (
            Method::GET,
            format!("/api/v1/patients/{}/enrollments", w.tolvan),
            n,
            None,
            200,
        ),
        "POST /api/v1/patients/{id}/enrollments" => (
            Method::POST,
            format!("/api/v1/patients/{}/enrollments", w.samordnad),
            n,
            Some(json!({"start_date": crate::messages::today().to_string()})),
            201,
        ),
        "POST /api/v1/patients/{id}/enrollments/{eid}/end" => (
            Method::POST,
            format!(
                "/api/v1/patients/{}/enrollments/{}/end",
                w.samordnad,
                w.enrollment
                    .as_deref()
                    .expect("the enrollment is started first")
            ),
            n,
            Some(json!({"end_date": crate::messages::today().to_string()})),
            200,
        ),
        "GET /api/v1/messages" => (
            Method::GET,
            "/api/v1/messages?box=inbox".into(),
            d,
            None,
            200,
        ),
        "GET /api/v1/messages/{id}" => (
            Method::GET,
            format!("/api/v1/messages/{}", w.answered),
            d,
            None,
            200,
        ),
        "GET /api/v1/messages/{id}/fhir" => (
            Method::GET,
            format!("/api/v1/messages/{}/fhir", w.answered),
            d,
            None,
            200,
        ),
        "POST /api/v1/messages/recept"
        | "POST /api/v1/messages/provtagning"
        | "POST /api/v1/messages/uppfoljning"
        | "POST /api/v1/messages/bokning" => {
            let category = op.rsplit('/').next().unwrap();
            (
                Method::POST,
                format!("/api/v1/messages/{category}"),
                n,
                Some(body_of(category, w.tolvan, app.unit_id(VC_HALMSTAD))),
                201,
            )
        }
        "POST /api/v1/messages/{id}/read" => (
            Method::POST,
            format!("/api/v1/messages/{}/read", w.answered),
            d,
            Some(json!({})),
            200,
        ),
        "POST /api/v1/messages/{id}/replies" => (
            Method::POST,
            format!("/api/v1/messages/{}/replies", w.answered),
            d,
            Some(json!({"body": "Receptet är förnyat.", "outcome": "utfort"})),
            201,
        ),
        "POST /api/v1/messages/{id}/close" => (
            Method::POST,
            format!("/api/v1/messages/{}/close", w.answered),
            n,
            Some(json!({})),
            200,
        ),
        "POST /api/v1/messages/{id}/cancel" => (
            Method::POST,
            format!("/api/v1/messages/{}/cancel", w.unread),
            n,
            Some(json!({"reason": "wrong_recipient"})),
            200,
        ),
        "GET /api/v1/audit" => (Method::GET, "/api/v1/audit?limit=200".into(), a, None, 200),
        "GET /api/v1/patients/{id}/access-log" => (
            Method::GET,
            format!("/api/v1/patients/{}/access-log", w.testsson),
            a,
            None,
            200,
        ),
        "GET /api/v1/events" => (
            Method::GET,
            "/api/v1/events?limit=1000".into(),
            integration_token(&[VC_HALMSTAD]),
            None,
            200,
        ),
        other => panic!(
            "no call for `{other}`: its answer carries patient data, so add it here and make \
                 sure it logs an entry for each patient it shows"
        ),
    };
    let answer = send(app, method, &path, &token, body, rid)
        .await
        .assert_status(status);
    if op == "POST /api/v1/patients/{id}/enrollments" {
        w.enrollment = answer["id"].as_str().map(str::to_string);
    }
    answer
}

/// The order the calls run in: a message is read before it is replied to and closed, an
/// enrollment started before it is ended.
fn ordered(ops: &BTreeSet<String>) -> Vec<String> {
    const LATE: &[&str] = &[
        "POST /api/v1/messages/{id}/read",
        "POST /api/v1/messages/{id}/replies",
        "POST /api/v1/messages/{id}/close",
        "POST /api/v1/patients/{id}/enrollments/{eid}/end",
        "GET /api/v1/audit",
        "GET /api/v1/events",
    ];
    let mut out: Vec<String> = ops
        .iter()
        .filter(|o| !LATE.contains(&o.as_str()))
        .cloned()
        .collect();
    out.extend(
        LATE.iter()
            .filter(|o| ops.contains(**o))
            .map(|o| o.to_string()),
    );
    out
}

/// Request ids in a patient's extract (every page) and in the review filtered on them.
async fn logged_request_ids(app: &TestApp, patient: Uuid) -> (HashSet<String>, HashSet<String>) {
    let mut extract = HashSet::new();
    let mut path = format!("/api/v1/patients/{patient}/access-log?limit=200");
    loop {
        let page = app.get(&path, &auditor()).await.assert_status(200);
        for item in page["items"].as_array().unwrap() {
            extract.insert(item["request_id"].as_str().unwrap().to_string());
        }
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/patients/{patient}/access-log?limit=200&cursor={c}"),
            None => break,
        }
    }
    let review = app
        .get(
            &format!("/api/v1/audit?patient_id={patient}&limit=200"),
            &auditor(),
        )
        .await
        .assert_status(200);
    let review = review["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["request_id"].as_str().unwrap().to_string())
        .collect();
    (extract, review)
}

#[test]
fn the_document_names_the_operations_that_carry_patient_data() {
    let doc = serde_json::to_value(openapi_document()).unwrap();
    let ops = patient_data_operations(&doc);
    for op in [
        "GET /api/v1/messages",
        "GET /api/v1/messages/{id}/fhir",
        "GET /api/v1/events",
        "GET /api/v1/audit",
        "POST /api/v1/patients/lookup",
    ] {
        assert!(ops.contains(op), "{op} not found in {ops:?}");
    }
    for op in [
        "GET /api/v1/messages/summary",
        "GET /api/v1/me",
        "GET /api/v1/units",
        "POST /api/v1/messages/recept/validate",
        "GET /api/v1/reply-window",
    ] {
        assert!(!ops.contains(op), "{op} carries no patient data");
    }
}

#[actix_web::test]
async fn every_answer_with_patient_data_is_in_the_extract_of_each_patient_it_shows() {
    let app = TestApp::spawn().await;
    let doc = serde_json::to_value(openapi_document()).unwrap();
    let ops = patient_data_operations(&doc);
    let mut w = world(&app).await;

    let mut calls: Vec<(String, String, BTreeSet<Uuid>)> = Vec::new();
    for (i, op) in ordered(&ops).into_iter().enumerate() {
        let rid = format!("coverage-{i:02}");
        let answer = call(&app, &mut w, &op, &rid).await;
        let mut shown = BTreeSet::new();
        patients_shown(&app, &answer, &mut shown);
        assert!(!shown.is_empty(), "{op} showed no patient: {answer}");
        calls.push((op, rid, shown));
    }

    let mut all: BTreeSet<Uuid> = BTreeSet::new();
    calls.iter().for_each(|(_, _, s)| all.extend(s));
    assert!(all.contains(&w.tolvan) && all.contains(&w.testsson) && all.contains(&w.samordnad));
    let mut missing = Vec::new();
    for patient in all {
        let (extract, review) = logged_request_ids(&app, patient).await;
        for (op, rid, shown) in &calls {
            if shown.contains(&patient) {
                if !extract.contains(rid) {
                    missing.push(format!("{op} ({rid}) in the extract of {patient}"));
                }
                if !review.contains(rid) {
                    missing.push(format!("{op} ({rid}) in /audit?patient_id={patient}"));
                }
            }
        }
    }
    assert!(missing.is_empty(), "not logged: {missing:#?}");
    // The mailbox page showed both patients with messages.
    let inbox = calls
        .iter()
        .find(|(op, _, _)| op == "GET /api/v1/messages")
        .unwrap();
    assert!(inbox.2.contains(&w.tolvan) && inbox.2.contains(&w.testsson));
}
