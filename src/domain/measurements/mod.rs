//! Plausibility of `uppfoljning` measurements ("Uppföljning av t ex blodtryck, vikt,
//! blodsocker") reported by the kommun.
//!
//! The ranges reject values that are *impossible* for a living patient or a home device
//! (typos such as 1200 for 120, a weight in grams, a temperature in Fahrenheit), never values
//! that are merely alarming: a systolic 250 or a saturation of 75 % must get through, because
//! that is exactly what the region needs to see. Bounds are inclusive.
//!
//! | measurement | range | why |
//! |---|---|---|
//! | blodtryck systolic | 50–300 mmHg | home cuffs read to ~300; below 50 no cuff reading is possible |
//! | blodtryck diastolic | 20–200 mmHg | and systolic must be above diastolic |
//! | puls (also with blodtryck) | 20–250 /min | covers extreme bradycardia to SVT |
//! | vikt | 0.5–400 kg | from a premature infant to the heaviest patients |
//! | blodsocker | 0.5–50 mmol/L | meters read ~0.6–33 ("HI"); 50 leaves room for lab values |
//! | saturation | 50–100 % | pulse oximeters are not reliable below ~50 %; above 100 is impossible |
//! | temperatur | 30.0–44.0 °C | covers deep hypothermia to extreme fever; 98.6 (°F) is refused |
//!
//! `measured_at` may be at most [`MAX_CLOCK_SKEW`] (5 minutes) ahead of `now`, for devices
//! and servers whose clocks differ, and at most [`MAX_AGE`] (366 days) old: a follow-up
//! reports recent values, a year covers the longest follow-up (a yearly check, with a leap
//! day), and anything older is almost certainly a wrong year.
//!
//! Each check returns every problem at once; the caller passes the JSON path of the
//! measurement object (e.g. `details.measurements[2]`) and problems are reported on its
//! fields `systolic`, `diastolic`, `pulse`, `value` and `measured_at`.

use crate::i18n::Msg;
use crate::text;
use serde::Serialize;
use time::{Duration, OffsetDateTime};

/// How far ahead of `now` a measurement time may be.
pub const MAX_CLOCK_SKEW: Duration = Duration::minutes(5);
/// How long ago a measurement may have been taken.
pub const MAX_AGE: Duration = Duration::days(366);

/// A plausible range, inclusive at both ends.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlausibleRange {
    /// Lowest plausible value.
    pub min: f64,
    /// Highest plausible value.
    pub max: f64,
    /// The unit, as shown to the nurse.
    pub unit: &'static str,
}

/// Systolic blood pressure.
pub const SYSTOLIC: PlausibleRange = PlausibleRange {
    min: 50.0,
    max: 300.0,
    unit: "mmHg",
};
/// Diastolic blood pressure.
pub const DIASTOLIC: PlausibleRange = PlausibleRange {
    min: 20.0,
    max: 200.0,
    unit: "mmHg",
};
/// Pulse.
pub const PULSE: PlausibleRange = PlausibleRange {
    min: 20.0,
    max: 250.0,
    unit: "slag/min",
};
/// Body weight.
pub const WEIGHT: PlausibleRange = PlausibleRange {
    min: 0.5,
    max: 400.0,
    unit: "kg",
};
/// Blood glucose.
pub const GLUCOSE: PlausibleRange = PlausibleRange {
    min: 0.5,
    max: 50.0,
    unit: "mmol/L",
};
/// Oxygen saturation.
pub const SATURATION: PlausibleRange = PlausibleRange {
    min: 50.0,
    max: 100.0,
    unit: "%",
};
/// Body temperature.
pub const TEMPERATURE: PlausibleRange = PlausibleRange {
    min: 30.0,
    max: 44.0,
    unit: "°C",
};

/// One implausible value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// JSON path of the offending field.
    pub field: String,
    /// Stable code: `VALUE_NOT_FINITE`, `VALUE_OUT_OF_RANGE`, `SYSTOLIC_NOT_ABOVE_DIASTOLIC`,
    /// `MEASURED_AT_IN_FUTURE`, `MEASURED_AT_TOO_OLD`.
    pub code: &'static str,
    /// What is wrong and what to check, in Swedish and English.
    pub message: Msg,
}

/// Blood pressure with optional pulse.
pub fn check_blodtryck(
    base: &str,
    systolic: f64,
    diastolic: f64,
    pulse: Option<f64>,
) -> Vec<FieldError> {
    let mut errors = check_range(
        &path(base, "systolic"),
        ("Systoliskt tryck", "Systolic pressure"),
        systolic,
        &SYSTOLIC,
    );
    errors.extend(check_range(
        &path(base, "diastolic"),
        ("Diastoliskt tryck", "Diastolic pressure"),
        diastolic,
        &DIASTOLIC,
    ));
    if systolic.is_finite() && diastolic.is_finite() && systolic <= diastolic {
        errors.push(FieldError {
            field: path(base, "systolic"),
            code: "SYSTOLIC_NOT_ABOVE_DIASTOLIC",
            message: text!(
                "Systoliskt tryck ({systolic}) måste vara högre än diastoliskt ({diastolic}). \
                 Kontrollera att värdena inte har bytt plats.",
                "Systolic pressure ({systolic}) must be higher than diastolic ({diastolic}). \
                 Check that the values have not been swapped."
            ),
        });
    }
    if let Some(pulse) = pulse {
        errors.extend(check_range(
            &path(base, "pulse"),
            ("Puls", "Pulse"),
            pulse,
            &PULSE,
        ));
    }
    errors
}

/// Body weight in kilograms.
pub fn check_vikt(base: &str, kg: f64) -> Vec<FieldError> {
    check_range(&path(base, "value"), ("Vikt", "Weight"), kg, &WEIGHT)
}

/// Blood glucose in mmol/L.
pub fn check_blodsocker(base: &str, mmol_per_l: f64) -> Vec<FieldError> {
    check_range(
        &path(base, "value"),
        ("Blodsocker", "Blood glucose"),
        mmol_per_l,
        &GLUCOSE,
    )
}

/// Pulse in beats per minute.
pub fn check_puls(base: &str, bpm: f64) -> Vec<FieldError> {
    check_range(&path(base, "value"), ("Puls", "Pulse"), bpm, &PULSE)
}

/// Oxygen saturation in percent.
pub fn check_saturation(base: &str, percent: f64) -> Vec<FieldError> {
    check_range(
        &path(base, "value"),
        ("Saturation", "Oxygen saturation"),
        percent,
        &SATURATION,
    )
}

/// Body temperature in degrees Celsius.
pub fn check_temperatur(base: &str, celsius: f64) -> Vec<FieldError> {
    check_range(
        &path(base, "value"),
        ("Temperatur", "Temperature"),
        celsius,
        &TEMPERATURE,
    )
}

/// When the measurement was taken, against the current time `now`.
pub fn check_measured_at(
    base: &str,
    measured_at: OffsetDateTime,
    now: OffsetDateTime,
) -> Vec<FieldError> {
    let field = path(base, "measured_at");
    // `checked_` arithmetic: near the end of the calendar there is simply no limit to pass.
    let in_future = now
        .checked_add(MAX_CLOCK_SKEW)
        .is_some_and(|latest| measured_at > latest);
    let too_old = now
        .checked_sub(MAX_AGE)
        .is_some_and(|earliest| measured_at < earliest);
    if in_future {
        vec![FieldError {
            field,
            code: "MEASURED_AT_IN_FUTURE",
            message: Msg::new(
                "Mättiden ligger i framtiden. Kontrollera datum och klockslag.",
                "The measuring time is in the future. Check the date and time of day.",
            ),
        }]
    } else if too_old {
        vec![FieldError {
            field,
            code: "MEASURED_AT_TOO_OLD",
            message: Msg::new(
                "Mättiden är mer än ett år gammal. Kontrollera årtalet; äldre värden \
                 rapporteras inte som uppföljning.",
                "The measuring time is more than a year ago. Check the year; older values are \
                 not reported as follow-up.",
            ),
        }]
    } else {
        Vec::new()
    }
}

fn path(base: &str, field: &str) -> String {
    if base.is_empty() {
        field.to_string()
    } else {
        format!("{base}.{field}")
    }
}

/// What a measurement is called, in Swedish and English.
type Named = (&'static str, &'static str);

fn check_range(field: &str, what: Named, value: f64, range: &PlausibleRange) -> Vec<FieldError> {
    let (sv, en) = what;
    if !value.is_finite() {
        return vec![FieldError {
            field: field.to_string(),
            code: "VALUE_NOT_FINITE",
            message: text!("{sv} måste vara ett tal.", "{en} must be a number."),
        }];
    }
    if value < range.min || value > range.max {
        let (unit, min, max) = (range.unit, range.min, range.max);
        return vec![FieldError {
            field: field.to_string(),
            code: "VALUE_OUT_OF_RANGE",
            message: text!(
                "{sv} {value} {unit} är inte ett möjligt mätvärde (rimligt: {min}–{max} {unit}). \
                 Kontrollera värdet och enheten.",
                "{en} {value} {unit} is not a possible measurement (plausible: {min}–{max} \
                 {unit}). Check the value and the unit."
            ),
        }];
    }
    Vec::new()
}

#[cfg(test)]
mod tests;
