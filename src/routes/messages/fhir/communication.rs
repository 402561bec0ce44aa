//! The Communication itself: identifier, status (the lifecycle mapped, with our status and any
//! cancellation in `statusReason`), category, subject, parties, times, the payload (the text,
//! then a reference to each contained clinical resource), and the thread of replies as
//! contained Communications `inResponseTo` it, each with its outcome.

use serde_json::{json, Value};

use super::clinical::{self, Parties};
use super::codes;
use super::time;
use crate::domain::lifecycle::Status;
use crate::domain::personnummer::IdKind;
use crate::error::AppResult;
use crate::routes::messages::view::{Message, Reply, UnitRef};

fn organization(unit: &UnitRef) -> Value {
    json!({
        "type": "Organization",
        "identifier": {"system": codes::OID_HSA, "value": unit.unit_hsa_id},
        "display": unit.unit_name,
    })
}

/// FHIR's `Communication.status` for our lifecycle, and our status's Swedish name.
fn status(m: &Message) -> (&'static str, &'static str) {
    let reason = m.cancellation.as_ref().map(|c| c.reason.as_str());
    match (m.status, reason) {
        (Status::Sent, _) => ("in-progress", "Skickat, inte läst"),
        (Status::Read, _) => ("in-progress", "Läst, inte besvarat"),
        (Status::Answered, _) => ("in-progress", "Besvarat"),
        (Status::Closed, _) => ("completed", "Avslutat"),
        (Status::Cancelled, Some("wrong_patient" | "wrong_recipient")) => {
            ("entered-in-error", "Återkallat")
        }
        (Status::Cancelled, _) => ("stopped", "Återkallat"),
    }
}

fn cancel_reason_display(reason: &str) -> &'static str {
    match reason {
        "wrong_patient" => "Fel patient",
        "wrong_recipient" => "Fel mottagare",
        _ => "Annat",
    }
}

fn outcome_display(outcome: &str) -> &'static str {
    match outcome {
        "utfort" => "Utfört",
        "ej_utfort" => "Ej utfört",
        _ => "Kontakt behövs",
    }
}

/// The message as a FHIR R4 Communication.
pub fn communication(m: &Message) -> AppResult<Value> {
    let subject_system = if m.patient.id_kind == IdKind::Samordningsnummer {
        codes::OID_SAMORDNINGSNUMMER
    } else {
        codes::OID_PERSONNUMMER
    };
    let sender = UnitRef {
        unit_id: m.sender.unit_id,
        unit_hsa_id: m.sender.unit_hsa_id.clone(),
        unit_name: m.sender.unit_name.clone(),
    };
    let mut patient = json!({
        "type": "Patient",
        "identifier": {"system": subject_system, "value": m.patient.personal_identity_number},
    });
    if let Some(name) = &m.patient.name {
        patient["display"] = json!(name);
    }
    let parties = Parties {
        patient: patient.clone(),
        sender: organization(&sender),
        recipient: organization(&m.recipient),
    };
    let (fhir_status, status_display) = status(m);
    let mut reason_codings = vec![json!({
        "system": codes::MESSAGE_STATUS, "code": m.status.as_str(), "display": status_display,
    })];
    let mut reason = json!({});
    if let Some(cancel) = &m.cancellation {
        reason_codings.push(json!({
            "system": codes::CANCEL_REASON,
            "code": cancel.reason,
            "display": cancel_reason_display(&cancel.reason),
        }));
        if let Some(comment) = &cancel.comment {
            reason["text"] = json!(comment);
        }
    }
    reason["coding"] = Value::Array(reason_codings);

    let clinical = clinical::resources(m, &parties)?;
    let mut payload = vec![json!({"contentString": m.body})];
    payload.extend(clinical.iter().map(|r| {
        json!({"contentReference": {
            "reference": format!("#{}", r["id"].as_str().unwrap_or_default()),
            "type": r["resourceType"],
        }})
    }));
    let mut contained = clinical;
    contained.extend(m.replies.iter().map(|r| reply(r, m, &sender, &patient)));

    let mut c = json!({
        "resourceType": "Communication",
        "id": m.id.to_string(),
        "identifier": [{"system": codes::URI, "value": format!("urn:uuid:{}", m.id)}],
        "status": fhir_status,
        "statusReason": reason,
        "category": [{"coding": [{"system": codes::MESSAGE_CATEGORY, "code": m.category.as_str(), "display": m.category.title_sv()}]}],
        "priority": "routine",
        "subject": patient,
        "topic": {"text": m.subject},
        "sent": time(m.sent_at),
        "recipient": [parties.recipient],
        "sender": parties.sender,
        "payload": payload,
    });
    if let Some(read) = m.read_at {
        c["received"] = time(read);
    }
    if !contained.is_empty() {
        c["contained"] = Value::Array(contained);
    }
    Ok(c)
}

/// One reply as a contained Communication answering the message, its outcome in an extension.
fn reply(r: &Reply, m: &Message, sender: &UnitRef, patient: &Value) -> Value {
    let to = if r.unit.unit_id == m.recipient.unit_id {
        sender
    } else {
        &m.recipient
    };
    let mut c = json!({
        "resourceType": "Communication",
        "id": r.id.to_string(),
        "identifier": [{"system": codes::URI, "value": format!("urn:uuid:{}", r.id)}],
        "inResponseTo": [{"reference": "#"}],
        "status": "completed",
        "subject": patient,
        "sent": time(r.created_at),
        "sender": organization(&r.unit),
        "recipient": [organization(to)],
        "payload": [{"contentString": r.body}],
    });
    if let Some(outcome) = &r.outcome {
        c["extension"] = json!([{
            "url": codes::REPLY_OUTCOME_EXTENSION,
            "valueCoding": {"system": codes::REPLY_OUTCOME, "code": outcome, "display": outcome_display(outcome)},
        }]);
    }
    c
}
