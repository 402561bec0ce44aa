//! A message as an HL7 FHIR R4 `Communication`, for EHRs that speak FHIR: the patient by
//! personnummer/samordningsnummer OID, the units as Organization identifiers by HSA-id, the
//! text and the structured details as payload (the details as contained resources, see
//! [`clinical`]), the lifecycle status mapped, and the replies as contained Communications
//! `inResponseTo` it. README's "FHIR" section has the mapping as a table.

mod clinical;
pub mod codes;
mod communication;

pub use communication::communication;

use actix_web::{get, web, HttpResponse};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::access_log::{action, logged, Subject};
use crate::auth::Caller;
use crate::error::AppResult;
use crate::routes::messages::view::read_one;
use crate::state::AppState;

/// The FHIR JSON media type.
pub const FHIR_JSON: &str = "application/fhir+json";

/// An instant as FHIR writes it (RFC 3339, with the Swedish offset the API shows).
fn time(t: OffsetDateTime) -> Value {
    t.format(&Rfc3339).map(Value::String).unwrap_or(Value::Null)
}

/// The message as FHIR.
///
/// The message as an HL7 FHIR R4 `Communication` (`application/fhir+json`): identifier,
/// status (the lifecycle mapped; our status and any cancellation in `statusReason`), category
/// in Samverkan's code system, the patient by personnummer (1.2.752.129.2.1.3.1) or
/// samordningsnummer (1.2.752.129.2.1.3.3), sender and recipient as Organization identifiers
/// by HSA-id (1.2.752.129.2.1.4.1), sent, received, the text as payload, the structured
/// details as contained resources the payload refers to — LOINC-coded `Observation`s with UCUM
/// units, a `MedicationRequest` with ATC code and NPL id (1.2.752.129.2.1.5.1), a
/// `ServiceRequest` per analysis or requested measurement, a proposed `Appointment` — and the
/// replies as contained Communications `inResponseTo` it with their outcome. Same access rule
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
        .json(communication(&msg)?))
}
