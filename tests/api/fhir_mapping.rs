//! The FHIR export carries everything: every category's structured details as contained
//! resources — measurements as LOINC-coded `Observation`s with UCUM units, a renewal as a
//! `MedicationRequest` with its ATC code and NPL id, sampling and follow-up requests as
//! `ServiceRequest`s, a booking as a proposed `Appointment` —, replies with their outcome, and
//! the lifecycle in `status`/`statusReason`. Each export is valid against the official FHIR R4
//! JSON schema here, and is written to `target/tmp/fhir-exports/` where `script/test` runs a
//! second, independent validator over it (`script/fhir-validate`, @medplum/core).

use std::path::PathBuf;

use serde_json::{json, Value};
use time::{Duration, OffsetDateTime};

use crate::fhir::{assert_valid_fhir, export};
use crate::helpers::{Persona, TestApp, HALMSTAD_KOMMUN, VC_HALMSTAD};
use crate::messages::{body_of, rfc3339, today, uppfoljning_request_body};

const TOLVAN: &str = "191212121212";
const LOINC: &str = "http://loinc.org";
const UCUM: &str = "http://unitsofmeasure.org";

fn nurse() -> Persona {
    Persona::nurse(HALMSTAD_KOMMUN)
}

fn doctor() -> Persona {
    Persona::doctor(VC_HALMSTAD)
}

/// Writes an export for the second validator.
fn keep(name: &str, c: &Value) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fhir-exports");
    std::fs::create_dir_all(&dir).expect("create the export folder");
    std::fs::write(
        dir.join(format!("{name}.json")),
        serde_json::to_vec_pretty(c).unwrap(),
    )
    .expect("write the export");
}

async fn send(app: &TestApp, category: &str, who: &Persona, body: &Value) -> String {
    let msg = app
        .post(&format!("/api/v1/messages/{category}"), who, body)
        .await
        .assert_status(201);
    msg["id"].as_str().unwrap().to_string()
}

/// The contained resource a payload entry refers to.
fn referred<'a>(c: &'a Value, resource_type: &str) -> Vec<&'a Value> {
    let contained = c["contained"].as_array().expect("contained resources");
    c["payload"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["contentReference"]["reference"].as_str())
        .map(|r| {
            let id = r.trim_start_matches('#');
            contained
                .iter()
                .find(|x| x["id"] == id)
                .unwrap_or_else(|| panic!("{r} is not contained"))
        })
        .filter(|x| x["resourceType"] == resource_type)
        .collect()
}

fn loinc_of(resource: &Value) -> String {
    let coding = &resource["code"]["coding"][0];
    assert_eq!(coding["system"], LOINC, "{resource}");
    coding["code"].as_str().unwrap().to_string()
}

#[actix_web::test]
async fn a_renewal_exports_as_a_medication_request_with_atc_and_npl_id() {
    let app = TestApp::spawn().await;
    let mut body = body_of("recept", app.patient_id(TOLVAN), app.unit_id(VC_HALMSTAD));
    body["details"]["npl_id"] = json!("19890101000019");
    let id = send(&app, "recept", &nurse(), &body).await;

    let c = export(&app, &id, &doctor()).await;

    assert_valid_fhir(&c);
    keep("recept", &c);
    let meds = referred(&c, "MedicationRequest");
    assert_eq!(meds.len(), 1);
    let m = meds[0];
    assert_eq!(m["intent"], "proposal");
    assert_eq!(m["status"], "active");
    assert_eq!(
        m["medicationCodeableConcept"],
        json!({
            "text": "Enalapril Sandoz 10 mg",
            "coding": [
                {"system": "http://www.whocc.no/atc", "code": "C09AA02"},
                {"system": "urn:oid:1.2.752.129.2.1.5.1", "code": "19890101000019"}
            ]
        })
    );
    assert_eq!(m["dosageInstruction"][0]["text"], "1 tablett på morgonen");
    assert_eq!(m["subject"], c["subject"]);
    assert_eq!(m["requester"], c["sender"]);
    assert_eq!(m["performer"], c["recipient"][0]);
}

#[actix_web::test]
async fn sampling_exports_one_service_request_per_analysis() {
    let app = TestApp::spawn().await;
    let body = body_of(
        "provtagning",
        app.patient_id(TOLVAN),
        app.unit_id(VC_HALMSTAD),
    );
    let id = send(&app, "provtagning", &nurse(), &body).await;

    let c = export(&app, &id, &doctor()).await;

    assert_valid_fhir(&c);
    keep("provtagning", &c);
    let requests = referred(&c, "ServiceRequest");
    let analyses: Vec<&str> = requests
        .iter()
        .map(|r| r["code"]["text"].as_str().unwrap())
        .collect();
    assert_eq!(analyses, ["Hb", "CRP", "HbA1c", "P-Kreatinin"]);
    for r in requests {
        assert_eq!(r["occurrenceDateTime"], body["details"]["requested_date"]);
        assert_eq!(r["patientInstruction"], "Fastande prov.");
        assert_eq!(r["performerType"]["coding"][0]["code"], "kommun");
        assert_eq!(r["intent"], "proposal");
    }
}

#[actix_web::test]
async fn measurements_export_as_loinc_observations_with_ucum_units() {
    let app = TestApp::spawn().await;
    let at = rfc3339(OffsetDateTime::now_utc() - Duration::hours(2));
    let mut body = body_of(
        "uppfoljning",
        app.patient_id(TOLVAN),
        app.unit_id(VC_HALMSTAD),
    );
    body["details"]["measurements"] = json!([
        {"type": "blodtryck", "systolic": 142.0, "diastolic": 88.0, "pulse": 72.0, "measured_at": at},
        {"type": "vikt", "kg": 71.5, "measured_at": at},
        {"type": "blodsocker", "mmol_per_l": 6.4, "measured_at": at},
        {"type": "puls", "bpm": 68.0, "measured_at": at},
        {"type": "saturation", "percent": 96.0, "measured_at": at},
        {"type": "temperatur", "celsius": 37.2, "measured_at": at}
    ]);
    let id = send(&app, "uppfoljning", &nurse(), &body).await;

    let c = export(&app, &id, &doctor()).await;

    assert_valid_fhir(&c);
    keep("uppfoljning", &c);
    let obs = referred(&c, "Observation");
    let codes: Vec<String> = obs.iter().map(|o| loinc_of(o)).collect();
    assert_eq!(
        codes,
        ["85354-9", "29463-7", "15074-8", "8867-4", "59408-5", "8310-5"]
    );
    let bp = obs[0];
    let component = |loinc: &str| {
        bp["component"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["code"]["coding"][0]["code"] == loinc)
            .map(|c| c["valueQuantity"].clone())
            .unwrap_or_else(|| panic!("no component {loinc} in {bp}"))
    };
    assert_eq!(
        component("8480-6"),
        json!({"value": 142.0, "unit": "mmHg", "system": UCUM, "code": "mm[Hg]"})
    );
    assert_eq!(component("8462-4")["value"], 88.0);
    assert_eq!(component("8867-4")["code"], "/min");
    let units: Vec<&str> = obs[1..]
        .iter()
        .map(|o| o["valueQuantity"]["code"].as_str().unwrap())
        .collect();
    assert_eq!(units, ["kg", "mmol/L", "/min", "%", "Cel"]);
    assert_eq!(obs[2]["category"][0]["coding"][0]["code"], "laboratory");
    for o in &obs {
        assert_eq!(o["status"], "final");
        assert_eq!(o["subject"], c["subject"]);
        assert_eq!(
            OffsetDateTime::parse(
                o["effectiveDateTime"].as_str().unwrap(),
                &time::format_description::well_known::Rfc3339
            )
            .unwrap(),
            OffsetDateTime::parse(&at, &time::format_description::well_known::Rfc3339).unwrap()
        );
    }
}

#[actix_web::test]
async fn a_follow_up_request_exports_as_service_requests_with_their_timing() {
    let app = TestApp::spawn().await;
    let tolvan = app.take_up(&doctor(), "19121212-1212").await;
    let body = uppfoljning_request_body(tolvan, app.unit_id(HALMSTAD_KOMMUN));
    let id = send(&app, "uppfoljning", &doctor(), &body).await;

    let c = export(&app, &id, &nurse()).await;

    assert_valid_fhir(&c);
    keep("uppfoljning-request", &c);
    let requests = referred(&c, "ServiceRequest");
    let codes: Vec<String> = requests.iter().map(|r| loinc_of(r)).collect();
    assert_eq!(codes, ["85354-9", "8867-4"]);
    for r in requests {
        assert_eq!(r["occurrenceTiming"]["code"]["text"], "morgon och kväll");
        assert_eq!(
            r["occurrenceTiming"]["repeat"]["boundsPeriod"]["end"],
            body["details"]["request"]["until"]
        );
        assert_eq!(r["performer"][0], c["recipient"][0]);
    }
}

#[actix_web::test]
async fn a_booking_exports_as_a_proposed_appointment_with_the_wished_dates() {
    let app = TestApp::spawn().await;
    let mut body = body_of("bokning", app.patient_id(TOLVAN), app.unit_id(VC_HALMSTAD));
    let (d1, d2) = (today() + Duration::days(14), today() + Duration::days(16));
    body["details"]["preferred_dates"] = json!([d1.to_string(), d2.to_string()]);
    let id = send(&app, "bokning", &nurse(), &body).await;

    let c = export(&app, &id, &doctor()).await;

    assert_valid_fhir(&c);
    keep("bokning", &c);
    let a = referred(&c, "Appointment")[0];
    assert_eq!(a["status"], "proposed");
    assert_eq!(a["appointmentType"]["coding"][0]["code"], "arskontroll");
    assert_eq!(a["serviceType"][0]["coding"][0]["code"], "hembesok");
    assert_eq!(
        a["requestedPeriod"],
        json!([
            {"start": d1.to_string(), "end": d1.to_string()},
            {"start": d2.to_string(), "end": d2.to_string()}
        ])
    );
    assert_eq!(a["description"], "Årlig kontroll av diabetes och fötter.");
    assert_eq!(a["participant"][0]["actor"], c["subject"]);
}

#[actix_web::test]
async fn the_lifecycle_maps_onto_status_and_status_reason_and_replies_carry_their_outcome() {
    let app = TestApp::spawn().await;
    let body = body_of("recept", app.patient_id(TOLVAN), app.unit_id(VC_HALMSTAD));
    let id = send(&app, "recept", &nurse(), &body).await;
    let step = |path: &'static str, who: Persona, body: Value| {
        let app = &app;
        let id = id.clone();
        async move {
            app.post(&format!("/api/v1/messages/{id}/{path}"), &who, &body)
                .await;
        }
    };
    let ours = |c: &Value| {
        let coding = &c["statusReason"]["coding"][0];
        assert_eq!(coding["system"], "urn:samverkan:codesystem:message-status");
        (
            c["status"].as_str().unwrap().to_string(),
            coding["code"].as_str().unwrap().to_string(),
        )
    };
    let mut seen = vec![ours(&export(&app, &id, &doctor()).await)];
    step("read", doctor(), json!({})).await;
    seen.push(ours(&export(&app, &id, &doctor()).await));
    step(
        "replies",
        doctor(),
        json!({"body": "Förnyat.", "outcome": "utfort"}),
    )
    .await;
    let answered = export(&app, &id, &doctor()).await;
    seen.push(ours(&answered));
    step("close", nurse(), json!({})).await;
    let closed = export(&app, &id, &doctor()).await;
    seen.push(ours(&closed));

    let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        seen,
        [
            pair("in-progress", "sent"),
            pair("in-progress", "read"),
            pair("in-progress", "answered"),
            pair("completed", "closed"),
        ]
    );
    assert_valid_fhir(&closed);
    keep("recept-closed-with-reply", &closed);
    let reply = closed["contained"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["resourceType"] == "Communication")
        .expect("the reply");
    assert_eq!(reply["inResponseTo"], json!([{"reference": "#"}]));
    assert_eq!(
        reply["extension"],
        json!([{
            "url": "urn:samverkan:fhir:extension:reply-outcome",
            "valueCoding": {"system": "urn:samverkan:codesystem:reply-outcome", "code": "utfort", "display": "Utfört"}
        }])
    );
}
