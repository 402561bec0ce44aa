//! A message as an HL7 FHIR R4 `Communication`, for EHRs that speak FHIR: the patient by
//! personnummer/samordningsnummer OID, the units as Organization identifiers by HSA-id, the
//! texts as payload, and the replies as contained Communications `inResponseTo` it.

use actix_web::{get, web, HttpResponse};
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::access_log::{action, logged, Subject};
use crate::auth::Caller;
use crate::domain::lifecycle::Status;
use crate::domain::personnummer::IdKind;
use crate::error::AppResult;
use crate::routes::messages::view::{read_one, Message, UnitRef};
use crate::state::AppState;

/// The FHIR JSON media type.
pub const FHIR_JSON: &str = "application/fhir+json";
/// OID of Swedish personnummer.
pub const OID_PERSONNUMMER: &str = "urn:oid:1.2.752.129.2.1.3.1";
/// OID of Swedish samordningsnummer.
pub const OID_SAMORDNINGSNUMMER: &str = "urn:oid:1.2.752.129.2.1.3.3";
/// OID of HSA-ids.
pub const OID_HSA: &str = "urn:oid:1.2.752.129.2.1.4.1";
/// Our code system for message categories.
pub const CATEGORY_SYSTEM: &str = "urn:samverkan:codesystem:message-category";

fn time(t: OffsetDateTime) -> Value {
    t.format(&Rfc3339).map(Value::String).unwrap_or(Value::Null)
}

fn organization(unit: &UnitRef) -> Value {
    json!({
        "type": "Organization",
        "identifier": {"system": OID_HSA, "value": unit.unit_hsa_id},
        "display": unit.unit_name,
    })
}

/// FHIR `Communication.status` for our lifecycle.
fn status(m: &Message) -> &'static str {
    match (m.status, m.cancellation.as_ref().map(|c| c.reason.as_str())) {
        (Status::Closed, _) => "completed",
        (Status::Cancelled, Some("wrong_patient" | "wrong_recipient")) => "entered-in-error",
        (Status::Cancelled, _) => "stopped",
        _ => "in-progress",
    }
}

/// Builds the Communication.
pub fn communication(m: &Message) -> Value {
    let subject_system = if m.patient.id_kind == IdKind::Samordningsnummer {
        OID_SAMORDNINGSNUMMER
    } else {
        OID_PERSONNUMMER
    };
    let sender = UnitRef {
        unit_id: m.sender.unit_id,
        unit_hsa_id: m.sender.unit_hsa_id.clone(),
        unit_name: m.sender.unit_name.clone(),
    };
    let mut c = json!({
        "resourceType": "Communication",
        "id": m.id.to_string(),
        "identifier": [{"system": "urn:ietf:rfc:3986", "value": format!("urn:uuid:{}", m.id)}],
        "status": status(m),
        "category": [{"coding": [{"system": CATEGORY_SYSTEM, "code": m.category.as_str(), "display": m.category.title_sv()}]}],
        "priority": "routine",
        "subject": {
            "type": "Patient",
            "identifier": {"system": subject_system, "value": m.patient.personal_identity_number},
        },
        "topic": {"text": m.subject},
        "sent": time(m.sent_at),
        "recipient": [organization(&m.recipient)],
        "sender": organization(&sender),
        "payload": [{"contentString": m.body}],
    });
    if let Some(name) = &m.patient.name {
        c["subject"]["display"] = json!(name);
    }
    if let Some(read) = m.read_at {
        c["received"] = time(read);
    }
    if let Some(cancel) = &m.cancellation {
        c["statusReason"] = json!({"text": match &cancel.comment {
            Some(comment) => format!("{}: {comment}", cancel.reason),
            None => cancel.reason.clone(),
        }});
    }
    if !m.replies.is_empty() {
        let replies: Vec<Value> = m
            .replies
            .iter()
            .map(|r| {
                let to = if r.unit.unit_id == m.recipient.unit_id { sender.clone() } else { m.recipient.clone() };
                json!({
                    "resourceType": "Communication",
                    "id": r.id.to_string(),
                    "identifier": [{"system": "urn:ietf:rfc:3986", "value": format!("urn:uuid:{}", r.id)}],
                    "inResponseTo": [{"reference": "#"}],
                    "status": "completed",
                    "subject": c["subject"].clone(),
                    "sent": time(r.created_at),
                    "sender": organization(&r.unit),
                    "recipient": [organization(&to)],
                    "payload": [{"contentString": r.body}],
                })
            })
            .collect();
        c["contained"] = Value::Array(replies);
    }
    c
}

/// The message as FHIR.
///
/// The message as an HL7 FHIR R4 `Communication` (`application/fhir+json`): identifier,
/// status, category in Samverkan's code system, the patient by personnummer
/// (1.2.752.129.2.1.3.1) or samordningsnummer (1.2.752.129.2.1.3.3), sender and recipient as
/// Organization identifiers by HSA-id (1.2.752.129.2.1.4.1), sent, received, the text as
/// payload, and the replies as contained Communications `inResponseTo` it. Same access rule
/// as reading the message — the two units' staff, and integration platforms for their units;
/// anyone else gets 404 — and logged the same way (`message.fhir`).
#[utoipa::path(tag = "messages", params(("id" = Uuid, Path, description = "Message id")), responses(
    (status = 200, description = "A FHIR R4 Communication.", content_type = "application/fhir+json", body = Object),
    (status = 404, description = "No such message, or not one of the caller's unit."),
))]
#[get("/messages/{id}/fhir")]
pub async fn get_message_fhir(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let c = caller.clone();
    let now = state.clock.now();
    let msg = logged(
        &state.pool,
        &caller,
        action::MESSAGE_FHIR,
        Subject::message(id),
        move |conn, subject| read_one(conn, &c, id, now, subject),
    )
    .await?;
    Ok(HttpResponse::Ok()
        .content_type(FHIR_JSON)
        .json(communication(&msg)))
}
