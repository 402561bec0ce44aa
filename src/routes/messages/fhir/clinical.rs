//! A message's `details` as contained FHIR R4 resources, so that no structured content is lost:
//! measurements as `Observation`s (LOINC, UCUM), a renewal as a `MedicationRequest` (ATC, NPL
//! id), sampling as one `ServiceRequest` per analysis, a follow-up request as one
//! `ServiceRequest` per kind of measurement, a booking as a proposed `Appointment`. The
//! Communication refers to each from its `payload`. README's "FHIR" section has the table.

use serde_json::{json, Value};

use super::codes::{self, Loinc};
use super::time;
use crate::domain::category::Category;
use crate::domain::lifecycle::Status;
use crate::error::AppResult;
use crate::routes::messages::details::{
    BokningDetails, FollowUpRequest, Measurement, MeasurementType, ProvtagningDetails,
    ReceptDetails, SampledBy, UppfoljningDetails, VisitLocation, VisitType,
};
use crate::routes::messages::view::Message;

/// The parties every contained resource names: the patient and the two units, as logical
/// references (by identifier).
pub struct Parties {
    /// `Reference(Patient)` by personnummer or samordningsnummer.
    pub patient: Value,
    /// `Reference(Organization)` of the sending unit, by HSA-id.
    pub sender: Value,
    /// `Reference(Organization)` of the receiving unit, by HSA-id.
    pub recipient: Value,
}

fn coding(system: &str, code: &str, display: &str) -> Value {
    json!({"system": system, "code": code, "display": display})
}

fn loinc(l: Loinc) -> Value {
    coding(codes::LOINC, l.code, l.display)
}

fn quantity(value: f64, ucum: &str, unit: &str) -> Value {
    json!({"value": value, "unit": unit, "system": codes::UCUM, "code": ucum})
}

/// The contained resources of `m`'s details, in payload order.
pub fn resources(m: &Message, p: &Parties) -> AppResult<Vec<Value>> {
    let raw = m.details.get();
    let open = !matches!(m.status, Status::Cancelled);
    Ok(match m.category {
        Category::Recept => vec![medication_request(
            &serde_json::from_str::<ReceptDetails>(raw).map_err(anyhow::Error::from)?,
            m,
            p,
            open,
        )],
        Category::Provtagning => sampling(
            &serde_json::from_str::<ProvtagningDetails>(raw).map_err(anyhow::Error::from)?,
            m,
            p,
            open,
        ),
        Category::Uppfoljning => follow_up(
            &serde_json::from_str::<UppfoljningDetails>(raw).map_err(anyhow::Error::from)?,
            m,
            p,
            open,
        ),
        Category::Bokning => vec![appointment(
            &serde_json::from_str::<BokningDetails>(raw).map_err(anyhow::Error::from)?,
            m,
            p,
            open,
        )],
    })
}

fn request_status(open: bool) -> &'static str {
    if open {
        "active"
    } else {
        "revoked"
    }
}

fn medication_request(r: &ReceptDetails, m: &Message, p: &Parties, open: bool) -> Value {
    let mut concept = json!({"text": format!("{} {}", r.drug_name, r.strength)});
    let mut codings = Vec::new();
    if let Some(atc) = &r.atc_code {
        codings.push(json!({"system": codes::ATC, "code": atc}));
    }
    if let Some(npl) = &r.npl_id {
        codings.push(json!({"system": codes::OID_NPL_ID, "code": npl}));
    }
    if !codings.is_empty() {
        concept["coding"] = Value::Array(codings);
    }
    json!({
        "resourceType": "MedicationRequest",
        "id": "recept",
        // A nurse asks the prescriber to renew: a proposal, not yet an order.
        "status": if open { "active" } else { "cancelled" },
        "intent": "proposal",
        "medicationCodeableConcept": concept,
        "subject": p.patient,
        "authoredOn": time(m.sent_at),
        "requester": p.sender,
        "performer": p.recipient,
        "dosageInstruction": [{"text": r.dosage}],
        "note": [{"text": format!("Förnyelse av befintligt recept; styrka {}.", r.strength)}],
    })
}

fn sampling(s: &ProvtagningDetails, m: &Message, p: &Parties, open: bool) -> Vec<Value> {
    // Who samples is a kind of performer (the municipality's home health care or the region),
    // which the message does not tie to one of its two units.
    let (by, by_display) = match s.sampled_by {
        SampledBy::Kommun => ("kommun", "Kommunens hälso- och sjukvård tar proverna"),
        SampledBy::Region => ("region", "Regionen tar proverna"),
    };
    s.analyses
        .iter()
        .enumerate()
        .map(|(i, analysis)| {
            let mut r = json!({
                "resourceType": "ServiceRequest",
                "id": format!("prov-{i}"),
                "status": request_status(open),
                "intent": "proposal",
                "category": [{"coding": [coding("http://snomed.info/sct", "108252007", "Laboratory procedure")]}],
                "code": {"text": analysis},
                "subject": p.patient,
                "authoredOn": time(m.sent_at),
                "requester": p.sender,
                "performerType": {"coding": [coding(codes::SAMPLED_BY, by, by_display)]},
            });
            if let Some(date) = &s.requested_date {
                r["occurrenceDateTime"] = json!(date);
            }
            if s.fasting {
                r["patientInstruction"] = json!("Fastande prov.");
            }
            r
        })
        .collect()
}

fn follow_up(u: &UppfoljningDetails, m: &Message, p: &Parties, open: bool) -> Vec<Value> {
    let mut out: Vec<Value> = u
        .measurements
        .iter()
        .enumerate()
        .map(|(i, v)| observation(i, v, m, p))
        .collect();
    if let Some(req) = &u.request {
        out.extend(follow_up_requests(req, m, p, open));
    }
    out
}

fn observation(i: usize, v: &Measurement, m: &Message, p: &Parties) -> Value {
    let (kind, measured_at) = match v {
        Measurement::Blodtryck { measured_at, .. } => (MeasurementType::Blodtryck, measured_at),
        Measurement::Vikt { measured_at, .. } => (MeasurementType::Vikt, measured_at),
        Measurement::Blodsocker { measured_at, .. } => (MeasurementType::Blodsocker, measured_at),
        Measurement::Puls { measured_at, .. } => (MeasurementType::Puls, measured_at),
        Measurement::Saturation { measured_at, .. } => (MeasurementType::Saturation, measured_at),
        Measurement::Temperatur { measured_at, .. } => (MeasurementType::Temperatur, measured_at),
    };
    let (code, ucum, unit, category) = codes::measurement_coding(kind);
    let mut o = json!({
        "resourceType": "Observation",
        "id": format!("obs-{i}"),
        "status": "final",
        "category": [{"coding": [{"system": codes::OBSERVATION_CATEGORY, "code": category}]}],
        "code": {"coding": [loinc(code)]},
        "subject": p.patient,
        "effectiveDateTime": time(*measured_at),
        "issued": time(m.sent_at),
        "performer": [p.sender],
    });
    match v {
        Measurement::Blodtryck {
            systolic,
            diastolic,
            pulse,
            ..
        } => {
            let mut components = vec![
                json!({"code": {"coding": [loinc(codes::BP_SYSTOLIC)]}, "valueQuantity": quantity(*systolic, ucum, unit)}),
                json!({"code": {"coding": [loinc(codes::BP_DIASTOLIC)]}, "valueQuantity": quantity(*diastolic, ucum, unit)}),
            ];
            // A pulse taken with the blood pressure is a component of the panel too.
            if let Some(bpm) = pulse {
                let (hr, hr_ucum, hr_unit, _) = codes::measurement_coding(MeasurementType::Puls);
                components.push(json!({"code": {"coding": [loinc(hr)]}, "valueQuantity": quantity(*bpm, hr_ucum, hr_unit)}));
            }
            o["component"] = Value::Array(components);
        }
        Measurement::Vikt { kg: value, .. }
        | Measurement::Blodsocker {
            mmol_per_l: value, ..
        }
        | Measurement::Puls { bpm: value, .. }
        | Measurement::Saturation { percent: value, .. }
        | Measurement::Temperatur { celsius: value, .. } => {
            o["valueQuantity"] = quantity(*value, ucum, unit);
        }
    }
    o
}

fn follow_up_requests(r: &FollowUpRequest, m: &Message, p: &Parties, open: bool) -> Vec<Value> {
    r.measure
        .iter()
        .enumerate()
        .map(|(i, kind)| {
            let (code, ..) = codes::measurement_coding(*kind);
            json!({
                "resourceType": "ServiceRequest",
                "id": format!("uppf-{i}"),
                "status": request_status(open),
                "intent": "proposal",
                "code": {"coding": [loinc(code)], "text": format!("Uppföljning: {}", code.display)},
                "subject": p.patient,
                "occurrenceTiming": {
                    "repeat": {"boundsPeriod": {"end": r.until}},
                    "code": {"text": r.frequency},
                },
                "authoredOn": time(m.sent_at),
                "requester": p.sender,
                "performer": [p.recipient],
            })
        })
        .collect()
}

fn appointment(b: &BokningDetails, m: &Message, p: &Parties, open: bool) -> Value {
    let (visit, visit_display) = match b.visit_type {
        VisitType::Arskontroll => ("arskontroll", "Årskontroll"),
        VisitType::Lakarbesok => ("lakarbesok", "Läkarbesök av icke akut karaktär"),
    };
    let (place, place_display) = match b.location {
        VisitLocation::Hembesok => ("hembesok", "Hembesök"),
        VisitLocation::Mottagning => ("mottagning", "På mottagningen"),
    };
    let periods: Vec<Value> = b
        .preferred_dates
        .iter()
        .map(|d| json!({"start": d, "end": d}))
        .collect();
    let mut a = json!({
        "resourceType": "Appointment",
        "id": "bokning",
        "status": if open { "proposed" } else { "cancelled" },
        "appointmentType": {"coding": [coding(codes::VISIT_TYPE, visit, visit_display)]},
        "serviceType": [{"coding": [coding(codes::VISIT_LOCATION, place, place_display)]}],
        "description": b.reason,
        "created": time(m.sent_at),
        "participant": [{"actor": p.patient, "required": "required", "status": "needs-action"}],
    });
    if !periods.is_empty() {
        a["requestedPeriod"] = Value::Array(periods);
    }
    a
}
