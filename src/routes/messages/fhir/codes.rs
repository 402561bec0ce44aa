//! The code systems and identifier systems of the FHIR export, each with where it comes from,
//! and the LOINC/UCUM coding of every kind of measurement.

use crate::routes::messages::details::MeasurementType;

/// Personnummer (Skatteverket SKV 704), OID from Inera's list of national identifiers.
pub const OID_PERSONNUMMER: &str = "urn:oid:1.2.752.129.2.1.3.1";
/// Samordningsnummer (Skatteverket SKV 704).
pub const OID_SAMORDNINGSNUMMER: &str = "urn:oid:1.2.752.129.2.1.3.3";
/// HSA-id (Inera, HSA).
pub const OID_HSA: &str = "urn:oid:1.2.752.129.2.1.4.1";
/// NPL-id: "a certain medicinal product from a certain manufacturer in a certain form,
/// strength and flavour" — Läkemedelsverket's national product register (npl.mpa.se); OID from
/// Inera's list of identifiers used by the national service contracts
/// (inera.atlassian.net/wiki/spaces/KINT/pages/468746902). The pack id is 1.2.752.129.2.1.5.2.
pub const OID_NPL_ID: &str = "urn:oid:1.2.752.129.2.1.5.1";
/// WHO's ATC classification, as FHIR R4 names it.
pub const ATC: &str = "http://www.whocc.no/atc";
/// LOINC.
pub const LOINC: &str = "http://loinc.org";
/// UCUM units.
pub const UCUM: &str = "http://unitsofmeasure.org";
/// FHIR's observation categories.
pub const OBSERVATION_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/observation-category";
/// A message's id as a URI.
pub const URI: &str = "urn:ietf:rfc:3986";

/// Samverkan's own code systems (documented in README, "FHIR").
pub const MESSAGE_CATEGORY: &str = "urn:samverkan:codesystem:message-category";
/// A message's lifecycle status: `sent`, `read`, `answered`, `closed`, `cancelled`.
pub const MESSAGE_STATUS: &str = "urn:samverkan:codesystem:message-status";
/// Why a message was cancelled: `wrong_patient`, `wrong_recipient`, `other`.
pub const CANCEL_REASON: &str = "urn:samverkan:codesystem:cancel-reason";
/// How a reply concludes the request: `utfort`, `ej_utfort`, `kontakt_behovs`.
pub const REPLY_OUTCOME: &str = "urn:samverkan:codesystem:reply-outcome";
/// The extension that carries a reply's outcome (FHIR R4's Communication has no element for
/// it).
pub const REPLY_OUTCOME_EXTENSION: &str = "urn:samverkan:fhir:extension:reply-outcome";
/// Kind of visit: `arskontroll`, `lakarbesok`.
pub const VISIT_TYPE: &str = "urn:samverkan:codesystem:visit-type";
/// Where a visit takes place: `hembesok`, `mottagning`.
pub const VISIT_LOCATION: &str = "urn:samverkan:codesystem:visit-location";
/// Who takes the samples: `kommun`, `region`.
pub const SAMPLED_BY: &str = "urn:samverkan:codesystem:sampled-by";

/// A LOINC code with its display.
#[derive(Debug, Clone, Copy)]
pub struct Loinc {
    /// The code.
    pub code: &'static str,
    /// LOINC's long common name.
    pub display: &'static str,
}

/// The blood-pressure panel and its two components.
pub const BP_PANEL: Loinc = Loinc {
    code: "85354-9",
    display: "Blood pressure panel with all children optional",
};
/// Systolic blood pressure.
pub const BP_SYSTOLIC: Loinc = Loinc {
    code: "8480-6",
    display: "Systolic blood pressure",
};
/// Diastolic blood pressure.
pub const BP_DIASTOLIC: Loinc = Loinc {
    code: "8462-4",
    display: "Diastolic blood pressure",
};

/// How each kind of measurement is coded: LOINC code, UCUM unit code and its human-readable
/// form, and the observation category (FHIR's vital-signs profile codes; blood glucose is a
/// laboratory value).
pub fn measurement_coding(
    kind: MeasurementType,
) -> (Loinc, &'static str, &'static str, &'static str) {
    match kind {
        MeasurementType::Blodtryck => (BP_PANEL, "mm[Hg]", "mmHg", "vital-signs"),
        MeasurementType::Puls => (
            Loinc {
                code: "8867-4",
                display: "Heart rate",
            },
            "/min",
            "/min",
            "vital-signs",
        ),
        MeasurementType::Vikt => (
            Loinc {
                code: "29463-7",
                display: "Body weight",
            },
            "kg",
            "kg",
            "vital-signs",
        ),
        MeasurementType::Blodsocker => (
            Loinc {
                code: "15074-8",
                display: "Glucose [Moles/volume] in Blood",
            },
            "mmol/L",
            "mmol/L",
            "laboratory",
        ),
        MeasurementType::Saturation => (
            Loinc {
                code: "59408-5",
                display: "Oxygen saturation in Arterial blood by Pulse oximetry",
            },
            "%",
            "%",
            "vital-signs",
        ),
        MeasurementType::Temperatur => (
            Loinc {
                code: "8310-5",
                display: "Body temperature",
            },
            "Cel",
            "°C",
            "vital-signs",
        ),
    }
}
