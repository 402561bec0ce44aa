//! `uppfoljning`: a follow-up of e.g. blood pressure, weight or blood sugar — values the
//! municipality reports, a follow-up the region asks for, or both.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;

use super::Details;
use crate::domain::category::Category;
use crate::domain::measurements as m;
use crate::error::Violation;
use crate::i18n::Msg;
use crate::routes::messages::field_checks::{check_future_date, check_text, DateString};

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
                Msg::new(
                    "Ange mätvärden, en begäran om uppföljning, eller båda.",
                    "Give measurements, a request for follow-up, or both.",
                ),
            ));
        }
        if self.measurements.len() > 50 {
            out.push(Violation::new(
                "COUNT",
                "details.measurements",
                Msg::new(
                    "Högst 50 mätvärden per meddelande.",
                    "At most 50 measurements per message.",
                ),
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
                    Msg::new(
                        "Ange 1–6 typer av mätvärden.",
                        "Give 1–6 kinds of measurement.",
                    ),
                ));
            }
            req.frequency = req.frequency.trim().to_string();
            check_text(out, "details.request.frequency", &req.frequency, 200);
            check_future_date(out, "details.request.until", &req.until, today);
        }
    }
}

impl Details for UppfoljningDetails {
    const CATEGORY: Category = Category::Uppfoljning;
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
