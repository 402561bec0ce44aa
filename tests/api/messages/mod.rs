//! Messages outside a care episode: sending each category, the routine's rules on both sides
//! of every edge, draft checks, the lifecycle, who may see what, mailboxes, the reply window
//! and the inbox index. Shared fixtures live here.

mod access;
mod cancel;
mod conditional;
mod create;
mod fields;
mod index;
mod lifecycle;
mod mailbox;
mod reply_window;
mod rules_parties;
mod rules_recept;
mod rules_text;
mod stream;
mod validate;

use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::helpers::{Persona, Resp, TestApp, HALMSTAD_KOMMUN, VC_HALMSTAD};

/// Tolvan Tolvansson, enrolled in Halmstad (1380) by the demo seed.
pub const TOLVAN: &str = "191212121212";
/// A registered, not enrolled patient (personnummer).
pub const TEST_TESTSSON: &str = "201701012393";
/// A registered, not enrolled patient (samordningsnummer).
pub const SAMORDNAD: &str = "197010632391";

/// The four categories, as in the URLs.
pub const CATEGORIES: [&str; 4] = ["recept", "provtagning", "uppfoljning", "bokning"];

/// The licensed kommun nurse in Halmstad, Tolvan's municipality.
pub fn kommun_nurse() -> Persona {
    Persona::nurse(HALMSTAD_KOMMUN)
}

/// The licensed doctor at Vårdcentralen Halmstad.
pub fn vc_doctor() -> Persona {
    Persona::doctor(VC_HALMSTAD)
}

/// Today in Sweden.
pub fn today() -> time::Date {
    samverkan::domain::reply_window::to_stockholm(OffsetDateTime::now_utc()).date()
}

/// An instant as RFC 3339.
pub fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).expect("format RFC 3339")
}

/// Parses an RFC 3339 field of a response.
#[track_caller]
pub fn instant(v: &Value) -> OffsetDateTime {
    let s = v
        .as_str()
        .unwrap_or_else(|| panic!("not a time string: {v}"));
    OffsetDateTime::parse(s, &Rfc3339).unwrap_or_else(|e| panic!("not RFC 3339: {s}: {e}"))
}

/// A receptförnyelse of Enalapril (not narcotic), correct in every way.
pub fn recept_body(patient_id: Uuid, recipient_unit_id: Uuid) -> Value {
    json!({
        "patient_id": patient_id,
        "recipient_unit_id": recipient_unit_id,
        "subject": "Receptförnyelse Enalapril",
        "body": "Hej! Patienten har tabletter kvar i en vecka. Ej akut. Tacksam för förnyelse.",
        "details": {
            "drug_name": "Enalapril Sandoz",
            "strength": "10 mg",
            "dosage": "1 tablett på morgonen",
            "atc_code": "C09AA02",
            "kind": "fornyelse"
        }
    })
}

/// A provtagning request, correct in every way.
pub fn provtagning_body(patient_id: Uuid, recipient_unit_id: Uuid) -> Value {
    json!({
        "patient_id": patient_id,
        "recipient_unit_id": recipient_unit_id,
        "subject": "Provtagning inför årskontroll",
        "body": "Vi tar proverna vid nästa hembesök om ni vill.",
        "details": {
            "analyses": ["Hb", "CRP", "HbA1c", "P-Kreatinin"],
            "requested_date": (today() + Duration::days(7)).to_string(),
            "fasting": true,
            "sampled_by": "kommun"
        }
    })
}

/// An uppföljning reporting two measurements, correct in every way.
pub fn uppfoljning_body(patient_id: Uuid, recipient_unit_id: Uuid) -> Value {
    let at = rfc3339(OffsetDateTime::now_utc() - Duration::hours(2));
    json!({
        "patient_id": patient_id,
        "recipient_unit_id": recipient_unit_id,
        "subject": "Blodtryck och vikt senaste veckan",
        "body": "Här kommer värdena ni bad om.",
        "details": {
            "measurements": [
                {"type": "blodtryck", "systolic": 142.0, "diastolic": 88.0, "pulse": 72.0, "measured_at": at},
                {"type": "vikt", "kg": 71.5, "measured_at": at}
            ]
        }
    })
}

/// An uppföljning where the region asks the kommun to measure (region → kommun).
pub fn uppfoljning_request_body(patient_id: Uuid, recipient_unit_id: Uuid) -> Value {
    json!({
        "patient_id": patient_id,
        "recipient_unit_id": recipient_unit_id,
        "subject": "Önskar blodtrycksuppföljning",
        "body": "Vi har justerat dosen och vill följa blodtrycket en tid.",
        "details": {
            "request": {
                "measure": ["blodtryck", "puls"],
                "frequency": "morgon och kväll",
                "until": (today() + Duration::days(14)).to_string()
            }
        }
    })
}

/// A bokning of an annual check-up at home, correct in every way.
pub fn bokning_body(patient_id: Uuid, recipient_unit_id: Uuid) -> Value {
    json!({
        "patient_id": patient_id,
        "recipient_unit_id": recipient_unit_id,
        "subject": "Årskontroll diabetes",
        "body": "Patienten önskar årskontroll i hemmet.",
        "details": {
            "visit_type": "arskontroll",
            "location": "hembesok",
            "preferred_dates": [(today() + Duration::days(14)).to_string()],
            "reason": "Årlig kontroll av diabetes och fötter."
        }
    })
}

/// A correct body of a category.
pub fn body_of(category: &str, patient_id: Uuid, recipient_unit_id: Uuid) -> Value {
    match category {
        "recept" => recept_body(patient_id, recipient_unit_id),
        "provtagning" => provtagning_body(patient_id, recipient_unit_id),
        "uppfoljning" => uppfoljning_body(patient_id, recipient_unit_id),
        "bokning" => bokning_body(patient_id, recipient_unit_id),
        other => panic!("no category {other}"),
    }
}

/// Sends a message of `category` as `who`.
pub async fn send(app: &TestApp, category: &str, who: &Persona, body: &Value) -> Resp {
    app.post(&format!("/api/v1/messages/{category}"), who, body)
        .await
}

/// A recept about Tolvan from the Halmstad kommun nurse to Vårdcentralen Halmstad; the
/// created message.
pub async fn sent_recept(app: &TestApp) -> Value {
    let body = recept_body(app.patient_id(TOLVAN), app.unit_id(VC_HALMSTAD));
    send(app, "recept", &kommun_nurse(), &body)
        .await
        .assert_status(201)
}

/// The id of a message answer.
pub fn id_of(msg: &Value) -> String {
    msg["id"].as_str().expect("message id").to_string()
}

/// `(code, field)` of every violation of a problem (or a draft check).
pub fn violations(body: &Value) -> Vec<(String, String)> {
    body["violations"]
        .as_array()
        .unwrap_or_else(|| panic!("no violations in {body}"))
        .iter()
        .map(|v| {
            (
                v["code"].as_str().unwrap_or_default().to_string(),
                v["field"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// Owned pairs for comparing with [`violations`].
pub fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(c, f)| (c.to_string(), f.to_string()))
        .collect()
}

/// Asserts a 422 `ROUTINE_VIOLATION` listing exactly `expected` `(code, field)`; every
/// violation carries a Swedish message.
#[track_caller]
pub fn assert_refused(res: &Resp, expected: &[(&str, &str)]) -> Value {
    let body = res.assert_problem(422, "ROUTINE_VIOLATION");
    assert_eq!(violations(&body), pairs(expected), "body: {body}");
    for v in body["violations"].as_array().unwrap() {
        assert!(
            !v["message"].as_str().unwrap_or_default().is_empty(),
            "violation without message: {v}"
        );
    }
    body
}

/// Asserts a 422 `VALIDATION_FAILED` listing exactly `expected` `(code, field)`.
#[track_caller]
pub fn assert_invalid(res: &Resp, expected: &[(&str, &str)]) -> Value {
    let body = res.assert_problem(422, "VALIDATION_FAILED");
    assert_eq!(violations(&body), pairs(expected), "body: {body}");
    body
}

/// Number of stored messages and status changes.
pub fn stored_rows(app: &TestApp) -> (i64, i64) {
    use diesel::prelude::*;
    use samverkan::schema::{message_status_changes, messages};
    let mut conn = app.db.conn();
    let m = messages::table
        .count()
        .get_result(&mut conn)
        .expect("count messages");
    let s = message_status_changes::table
        .count()
        .get_result(&mut conn)
        .expect("count status changes");
    (m, s)
}

/// The URL of an action on a message.
pub fn action(id: &str, what: &str) -> String {
    format!("/api/v1/messages/{id}/{what}")
}

/// Acknowledges a message.
pub async fn read(app: &TestApp, id: &str, who: &Persona) -> Resp {
    app.post(&action(id, "read"), who, &json!({})).await
}

/// Replies with outcome `utfort`.
pub async fn reply(app: &TestApp, id: &str, who: &Persona, body: &str) -> Resp {
    app.post(
        &action(id, "replies"),
        who,
        &json!({"body": body, "outcome": "utfort"}),
    )
    .await
}

/// Closes a message.
pub async fn close(app: &TestApp, id: &str, who: &Persona) -> Resp {
    app.post(&action(id, "close"), who, &json!({})).await
}

/// Cancels a message with `reason` (the whole body).
pub async fn cancel(app: &TestApp, id: &str, who: &Persona, reason: Value) -> Resp {
    app.post(&action(id, "cancel"), who, &reason).await
}
