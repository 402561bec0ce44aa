//! Request bodies of the four message categories, each with its own typed schema, and their
//! field checks (lengths, dates, plausibility of measurements). The routine's rules are
//! decided afterwards by `domain::rules`.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::measurements as m;
use crate::error::Violation;

/// A calendar date `YYYY-MM-DD`.
pub type DateString = String;

pub(crate) fn parse_date(value: &str) -> Option<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(value, &format).ok()
}

/// Checks a required text's length in characters (after trimming for emptiness).
pub(crate) fn check_text(out: &mut Vec<Violation>, field: &str, value: &str, max: usize) {
    if value.trim().is_empty() {
        out.push(Violation::new(
            "REQUIRED",
            field,
            "Fältet får inte vara tomt.",
        ));
    } else if value.chars().count() > max {
        out.push(Violation::new(
            "TOO_LONG",
            field,
            format!("Högst {max} tecken."),
        ));
    }
}

/// Checks a date that must be today or later (Swedish date).
fn check_future_date(out: &mut Vec<Violation>, field: &str, value: &str, today: Date) {
    match parse_date(value) {
        None => out.push(Violation::new(
            "DATE_FORMAT",
            field,
            "Ange datumet som ÅÅÅÅ-MM-DD.",
        )),
        Some(d) if d < today => out.push(Violation::new(
            "DATE_IN_PAST",
            field,
            "Datumet har redan passerat; ange i dag eller senare.",
        )),
        Some(d) if d > today + time::Duration::days(366) => out.push(Violation::new(
            "DATE_TOO_FAR_AHEAD",
            field,
            "Datumet ligger mer än ett år fram i tiden.",
        )),
        Some(_) => {}
    }
}

/// Kind of prescription request: only renewal is allowed; a new prescription exists so the
/// NYFORSKRIVNING rule can refuse it by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReceptKind {
    /// Renewal of an existing prescription.
    Fornyelse,
    /// A new prescription (always refused: NYFORSKRIVNING).
    Nyforskrivning,
}

/// Details of a prescription renewal (receptförnyelse).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceptDetails {
    /// Drug (product) name, e.g. "Enalapril Sandoz".
    #[schema(min_length = 1, max_length = 200, example = "Enalapril Sandoz")]
    pub drug_name: String,
    /// Strength, e.g. "10 mg".
    #[schema(min_length = 1, max_length = 100, example = "10 mg")]
    pub strength: String,
    /// Dosage, e.g. "1 tablett morgon".
    #[schema(min_length = 1, max_length = 500, example = "1 tablett på morgonen")]
    pub dosage: String,
    /// ATC code (7 characters), e.g. C09AA02.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(pattern = "^[A-Za-z][0-9]{2}[A-Za-z]{2}[0-9]{2}$", example = "C09AA02")]
    pub atc_code: Option<String>,
    /// NPL id (14 digits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(pattern = "^[0-9]{14}$")]
    pub npl_id: Option<String>,
    /// `fornyelse` (renewal); `nyforskrivning` is refused.
    pub kind: ReceptKind,
}

impl ReceptDetails {
    fn check(&mut self, out: &mut Vec<Violation>) {
        check_text(out, "details.drug_name", &self.drug_name, 200);
        check_text(out, "details.strength", &self.strength, 100);
        check_text(out, "details.dosage", &self.dosage, 500);
        if let Some(atc) = &mut self.atc_code {
            *atc = atc.trim().to_ascii_uppercase();
            let b = atc.as_bytes();
            let ok = b.len() == 7
                && b[0].is_ascii_alphabetic()
                && b[1..3].iter().all(u8::is_ascii_digit)
                && b[3..5].iter().all(u8::is_ascii_alphabetic)
                && b[5..7].iter().all(u8::is_ascii_digit);
            if !ok {
                out.push(Violation::new(
                    "ATC_FORMAT",
                    "details.atc_code",
                    "En ATC-kod har sju tecken, t.ex. C09AA02.",
                ));
            }
        }
        if let Some(npl) = &mut self.npl_id {
            *npl = npl.trim().to_string();
            if npl.len() != 14 || !npl.bytes().all(|b| b.is_ascii_digit()) {
                out.push(Violation::new(
                    "NPL_FORMAT",
                    "details.npl_id",
                    "Ett NPL-id har 14 siffror.",
                ));
            }
        }
    }
}

/// Who takes the samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SampledBy {
    /// The municipal home health care.
    Kommun,
    /// The region (e.g. at the vårdcentral).
    Region,
}

/// Details of a sampling request (provtagning).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProvtagningDetails {
    /// Analyses, e.g. Hb, CRP, HbA1c, P-Kreatinin (1–20, each 1–100 characters).
    #[schema(schema_with = analyses_schema)]
    pub analyses: Vec<String>,
    /// Wished date, today or later.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Date)]
    pub requested_date: Option<DateString>,
    /// Whether the patient must fast.
    pub fasting: bool,
    /// Who takes the samples.
    pub sampled_by: SampledBy,
}

/// `analyses`: 1–20 names of 1–100 characters each (utoipa cannot bound the items' length).
fn analyses_schema() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(100)),
        )
        .min_items(Some(1))
        .max_items(Some(20))
        .description(Some(
            "Analyses, e.g. Hb, CRP, HbA1c, P-Kreatinin (1–20, each 1–100 characters).",
        ))
        .examples([serde_json::json!(["Hb", "CRP"])])
        .build()
}

impl ProvtagningDetails {
    fn check(&mut self, out: &mut Vec<Violation>, today: Date) {
        if self.analyses.is_empty() || self.analyses.len() > 20 {
            out.push(Violation::new(
                "COUNT",
                "details.analyses",
                "Ange 1–20 analyser.",
            ));
        }
        for (i, a) in self.analyses.iter_mut().enumerate() {
            *a = a.trim().to_string();
            check_text(out, &format!("details.analyses[{i}]"), a, 100);
        }
        if let Some(d) = &self.requested_date {
            check_future_date(out, "details.requested_date", d, today);
        }
    }
}

/// One measured value, tagged by `type`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum Measurement {
    /// Blood pressure, mmHg.
    Blodtryck {
        /// Systolic pressure, mmHg (50–300, above diastolic).
        #[schema(minimum = 50, maximum = 300)]
        systolic: f64,
        /// Diastolic pressure, mmHg (20–200).
        #[schema(minimum = 20, maximum = 200)]
        diastolic: f64,
        /// Pulse, beats per minute (20–250).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schema(minimum = 20, maximum = 250)]
        pulse: Option<f64>,
        /// When measured (not in the future).
        #[serde(with = "time::serde::rfc3339")]
        measured_at: OffsetDateTime,
    },
    /// Weight, kg.
    Vikt {
        /// Kilograms (0.5–400).
        #[schema(minimum = 0.5, maximum = 400)]
        kg: f64,
        /// When measured.
        #[serde(with = "time::serde::rfc3339")]
        measured_at: OffsetDateTime,
    },
    /// Blood glucose, mmol/L.
    Blodsocker {
        /// mmol/L (0.5–50).
        #[schema(minimum = 0.5, maximum = 50)]
        mmol_per_l: f64,
        /// When measured.
        #[serde(with = "time::serde::rfc3339")]
        measured_at: OffsetDateTime,
    },
    /// Pulse, beats per minute.
    Puls {
        /// Beats per minute (20–250).
        #[schema(minimum = 20, maximum = 250)]
        bpm: f64,
        /// When measured.
        #[serde(with = "time::serde::rfc3339")]
        measured_at: OffsetDateTime,
    },
    /// Oxygen saturation, %.
    Saturation {
        /// Percent (50–100).
        #[schema(minimum = 50, maximum = 100)]
        percent: f64,
        /// When measured.
        #[serde(with = "time::serde::rfc3339")]
        measured_at: OffsetDateTime,
    },
    /// Body temperature, °C.
    Temperatur {
        /// Degrees Celsius (30–44).
        #[schema(minimum = 30, maximum = 44)]
        celsius: f64,
        /// When measured.
        #[serde(with = "time::serde::rfc3339")]
        measured_at: OffsetDateTime,
    },
}

/// Kinds of measurement a follow-up may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MeasurementType {
    /// Blood pressure.
    Blodtryck,
    /// Weight.
    Vikt,
    /// Blood glucose.
    Blodsocker,
    /// Pulse.
    Puls,
    /// Oxygen saturation.
    Saturation,
    /// Temperature.
    Temperatur,
}

/// A follow-up the region asks the municipality to do.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowUpRequest {
    /// What to measure (1–6 kinds).
    #[schema(min_items = 1, max_items = 6)]
    pub measure: Vec<MeasurementType>,
    /// How often, e.g. "morgon och kväll".
    #[schema(min_length = 1, max_length = 200, example = "morgon och kväll")]
    pub frequency: String,
    /// Until when (today or later).
    #[schema(value_type = String, format = Date)]
    pub until: DateString,
}

/// Details of a follow-up (uppföljning): reported values and/or a request; at least one.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UppfoljningDetails {
    /// Measured values (0–50), reported by the municipality.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub measurements: Vec<Measurement>,
    /// A follow-up the region asks for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<FollowUpRequest>,
}

fn push_all(out: &mut Vec<Violation>, errors: Vec<m::FieldError>) {
    push_named(out, errors, "value");
}

/// Like `push_all`, naming the measured value's field as the body does (`kg`, `bpm`, …)
/// where the domain calls it `value`.
fn push_named(out: &mut Vec<Violation>, errors: Vec<m::FieldError>, key: &str) {
    out.extend(errors.into_iter().map(|e| {
        let field = match e.field.strip_suffix(".value") {
            Some(base) => format!("{base}.{key}"),
            None => e.field,
        };
        Violation::new(e.code, field, e.message)
    }));
}

impl UppfoljningDetails {
    fn check(&mut self, out: &mut Vec<Violation>, now: OffsetDateTime, today: Date) {
        if self.measurements.is_empty() && self.request.is_none() {
            out.push(Violation::new(
                "MEASUREMENTS_OR_REQUEST",
                "details",
                "Ange mätvärden, en begäran om uppföljning, eller båda.",
            ));
        }
        if self.measurements.len() > 50 {
            out.push(Violation::new(
                "COUNT",
                "details.measurements",
                "Högst 50 mätvärden per meddelande.",
            ));
        }
        for (i, meas) in self.measurements.iter().enumerate() {
            let base = format!("details.measurements[{i}]");
            let at = match meas {
                Measurement::Blodtryck {
                    systolic,
                    diastolic,
                    pulse,
                    measured_at,
                } => {
                    push_all(
                        out,
                        m::check_blodtryck(&base, *systolic, *diastolic, *pulse),
                    );
                    measured_at
                }
                Measurement::Vikt { kg, measured_at } => {
                    push_named(out, m::check_vikt(&base, *kg), "kg");
                    measured_at
                }
                Measurement::Blodsocker {
                    mmol_per_l,
                    measured_at,
                } => {
                    push_named(out, m::check_blodsocker(&base, *mmol_per_l), "mmol_per_l");
                    measured_at
                }
                Measurement::Puls { bpm, measured_at } => {
                    push_named(out, m::check_puls(&base, *bpm), "bpm");
                    measured_at
                }
                Measurement::Saturation {
                    percent,
                    measured_at,
                } => {
                    push_named(out, m::check_saturation(&base, *percent), "percent");
                    measured_at
                }
                Measurement::Temperatur {
                    celsius,
                    measured_at,
                } => {
                    push_named(out, m::check_temperatur(&base, *celsius), "celsius");
                    measured_at
                }
            };
            push_all(out, m::check_measured_at(&base, *at, now));
        }
        if let Some(req) = &mut self.request {
            if req.measure.is_empty() || req.measure.len() > 6 {
                out.push(Violation::new(
                    "COUNT",
                    "details.request.measure",
                    "Ange 1–6 typer av mätvärden.",
                ));
            }
            req.frequency = req.frequency.trim().to_string();
            check_text(out, "details.request.frequency", &req.frequency, 200);
            check_future_date(out, "details.request.until", &req.until, today);
        }
    }
}

/// Kind of visit to book.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum VisitType {
    /// Annual check-up (årskontroll).
    Arskontroll,
    /// Non-urgent doctor's visit (läkarbesök).
    Lakarbesok,
}

/// Where the visit takes place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum VisitLocation {
    /// Home visit.
    Hembesok,
    /// At the clinic.
    Mottagning,
}

/// Details of a booking request (bokning).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BokningDetails {
    /// Annual check-up or doctor's visit.
    pub visit_type: VisitType,
    /// Home visit or at the clinic.
    pub location: VisitLocation,
    /// Wished dates, today or later (0–10).
    #[serde(default)]
    #[schema(value_type = Vec<time::Date>, max_items = 10)]
    pub preferred_dates: Vec<DateString>,
    /// Why the visit is needed.
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: String,
}

impl BokningDetails {
    fn check(&mut self, out: &mut Vec<Violation>, today: Date) {
        if self.preferred_dates.len() > 10 {
            out.push(Violation::new(
                "COUNT",
                "details.preferred_dates",
                "Högst 10 önskade datum.",
            ));
        }
        for (i, d) in self.preferred_dates.iter().enumerate() {
            check_future_date(out, &format!("details.preferred_dates[{i}]"), d, today);
        }
        check_text(out, "details.reason", &self.reason, 1000);
    }
}

/// Any category's details, for responses.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum AnyDetails {
    /// recept
    Recept(ReceptDetails),
    /// provtagning
    Provtagning(ProvtagningDetails),
    /// uppfoljning
    Uppfoljning(UppfoljningDetails),
    /// bokning
    Bokning(BokningDetails),
}

/// Category-specific checks of a typed body.
pub trait Details: Serialize + serde::de::DeserializeOwned + Send + 'static {
    /// The category code.
    const CATEGORY: &'static str;
    /// The allowed keys of `details`, for the unknown-field scan.
    const KEYS: &'static [&'static str];
    /// Checks and normalises the fields; pushes every problem.
    fn check(&mut self, out: &mut Vec<Violation>, now: OffsetDateTime, today: Date);
    /// Free texts inside the details (field, text), for the AKUT and BILAGA rules.
    fn texts(&self) -> Vec<(String, String)>;
    /// The prescription facts, for recept.
    fn recept(&self) -> Option<&ReceptDetails> {
        None
    }
}

impl Details for ReceptDetails {
    const CATEGORY: &'static str = "recept";
    const KEYS: &'static [&'static str] = &[
        "drug_name",
        "strength",
        "dosage",
        "atc_code",
        "npl_id",
        "kind",
    ];
    fn check(&mut self, out: &mut Vec<Violation>, _: OffsetDateTime, _: Date) {
        ReceptDetails::check(self, out);
    }
    fn texts(&self) -> Vec<(String, String)> {
        vec![
            ("details.drug_name".into(), self.drug_name.clone()),
            ("details.strength".into(), self.strength.clone()),
            ("details.dosage".into(), self.dosage.clone()),
        ]
    }
    fn recept(&self) -> Option<&ReceptDetails> {
        Some(self)
    }
}

impl Details for ProvtagningDetails {
    const CATEGORY: &'static str = "provtagning";
    const KEYS: &'static [&'static str] = &["analyses", "requested_date", "fasting", "sampled_by"];
    fn check(&mut self, out: &mut Vec<Violation>, _: OffsetDateTime, today: Date) {
        ProvtagningDetails::check(self, out, today);
    }
    fn texts(&self) -> Vec<(String, String)> {
        self.analyses
            .iter()
            .enumerate()
            .map(|(i, a)| (format!("details.analyses[{i}]"), a.clone()))
            .collect()
    }
}

impl Details for UppfoljningDetails {
    const CATEGORY: &'static str = "uppfoljning";
    const KEYS: &'static [&'static str] = &["measurements", "request"];
    fn check(&mut self, out: &mut Vec<Violation>, now: OffsetDateTime, today: Date) {
        UppfoljningDetails::check(self, out, now, today);
    }
    fn texts(&self) -> Vec<(String, String)> {
        self.request
            .iter()
            .map(|r| ("details.request.frequency".to_string(), r.frequency.clone()))
            .collect()
    }
}

impl Details for BokningDetails {
    const CATEGORY: &'static str = "bokning";
    const KEYS: &'static [&'static str] = &["visit_type", "location", "preferred_dates", "reason"];
    fn check(&mut self, out: &mut Vec<Violation>, _: OffsetDateTime, today: Date) {
        BokningDetails::check(self, out, today);
    }
    fn texts(&self) -> Vec<(String, String)> {
        vec![("details.reason".into(), self.reason.clone())]
    }
}

/// A new message of one category.
#[derive(Debug, Clone, Deserialize)]
pub struct NewMessage<D> {
    /// The patient (must be enrolled in the kommun party's home health care).
    pub patient_id: Uuid,
    /// The receiving unit.
    pub recipient_unit_id: Uuid,
    /// Subject, 1–120 characters.
    pub subject: String,
    /// Body, 1–4000 characters.
    pub body: String,
    /// Category details.
    pub details: D,
}

/// Allowed top-level keys of a message body.
pub const MESSAGE_KEYS: &[&str] = &[
    "patient_id",
    "recipient_unit_id",
    "subject",
    "body",
    "details",
];

macro_rules! message_schema {
    ($name:ident, $details:ty, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, ToSchema)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        pub struct $name {
            /// The patient (must be enrolled in the kommun party's home health care).
            patient_id: Uuid,
            /// The receiving unit.
            recipient_unit_id: Uuid,
            /// Subject, 1–120 characters; nothing urgent.
            #[schema(min_length = 1, max_length = 120)]
            subject: String,
            /// Body, 1–4000 characters; nothing urgent, no attachments.
            #[schema(min_length = 1, max_length = 4000)]
            body: String,
            /// Category details.
            details: $details,
        }
    };
}

message_schema!(
    NewRecept,
    ReceptDetails,
    "A prescription renewal request (receptförnyelse)."
);
message_schema!(
    NewProvtagning,
    ProvtagningDetails,
    "A sampling request (provtagning)."
);
message_schema!(
    NewUppfoljning,
    UppfoljningDetails,
    "A follow-up (uppföljning): values and/or a request."
);
message_schema!(
    NewBokning,
    BokningDetails,
    "A booking request (bokning) for a non-urgent visit."
);

impl<D: Details> NewMessage<D> {
    /// Field checks and normalisation; every problem is pushed.
    pub fn check(&mut self, out: &mut Vec<Violation>, now: OffsetDateTime, today: Date) {
        self.subject = self.subject.trim().to_string();
        check_text(out, "subject", &self.subject, 120);
        check_text(out, "body", &self.body, 4000);
        self.details.check(out, now, today);
    }

    /// Every free text of the message, for the rules.
    pub fn texts(&self) -> Vec<(String, String)> {
        let mut t = vec![
            ("subject".to_string(), self.subject.clone()),
            ("body".to_string(), self.body.clone()),
        ];
        t.extend(self.details.texts());
        t
    }
}
