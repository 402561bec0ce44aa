//! Plausibility of measured values on both sides of every bound.

use super::*;
use time::macros::datetime;

fn codes(errors: &[FieldError]) -> Vec<(&str, &'static str)> {
    errors.iter().map(|e| (e.field.as_str(), e.code)).collect()
}

/// Asserts `min` and `max` pass and a step beyond either end fails.
fn assert_bounds(check: impl Fn(f64) -> Vec<FieldError>, range: &PlausibleRange, step: f64) {
    assert!(check(range.min).is_empty(), "min {}", range.min);
    assert!(check(range.max).is_empty(), "max {}", range.max);
    assert_eq!(check(range.min - step).len(), 1, "below {}", range.min);
    assert_eq!(check(range.max + step).len(), 1, "above {}", range.max);
}

#[test]
fn an_alarming_but_possible_blood_pressure_passes() {
    assert!(check_blodtryck("m", 250.0, 140.0, Some(130.0)).is_empty());
}

#[test]
fn blood_pressure_bounds_are_inclusive() {
    assert_bounds(|v| check_blodtryck("m", v, 40.0, None), &SYSTOLIC, 1.0);
    assert_bounds(|v| check_blodtryck("m", 300.0, v, None), &DIASTOLIC, 1.0);
    assert_bounds(|v| check_blodtryck("m", 120.0, 80.0, Some(v)), &PULSE, 1.0);
}

#[test]
fn systolic_must_be_above_diastolic() {
    let equal = check_blodtryck("m", 90.0, 90.0, None);
    assert_eq!(
        codes(&equal),
        [("m.systolic", "SYSTOLIC_NOT_ABOVE_DIASTOLIC")]
    );
    assert!(check_blodtryck("m", 91.0, 90.0, None).is_empty());
}

#[test]
fn every_blood_pressure_problem_is_reported_at_once() {
    let errors = check_blodtryck("details.measurements[0]", 1200.0, 800.0, Some(700.0));
    assert_eq!(
        codes(&errors),
        [
            ("details.measurements[0].systolic", "VALUE_OUT_OF_RANGE"),
            ("details.measurements[0].diastolic", "VALUE_OUT_OF_RANGE"),
            ("details.measurements[0].pulse", "VALUE_OUT_OF_RANGE"),
        ]
    );
}

#[test]
fn single_value_bounds_are_inclusive() {
    assert_bounds(|v| check_vikt("m", v), &WEIGHT, 0.1);
    assert_bounds(|v| check_blodsocker("m", v), &GLUCOSE, 0.1);
    assert_bounds(|v| check_puls("m", v), &PULSE, 1.0);
    assert_bounds(|v| check_saturation("m", v), &SATURATION, 1.0);
    assert_bounds(|v| check_temperatur("m", v), &TEMPERATURE, 0.1);
}

#[test]
fn a_temperature_in_fahrenheit_is_refused_with_a_swedish_hint() {
    let errors = check_temperatur("m", 98.6);
    assert_eq!(codes(&errors), [("m.value", "VALUE_OUT_OF_RANGE")]);
    assert!(errors[0]
        .message
        .sv()
        .contains("Kontrollera värdet och enheten"));
}

#[test]
fn a_value_that_is_not_a_number_is_refused() {
    assert_eq!(
        codes(&check_vikt("", f64::NAN)),
        [("value", "VALUE_NOT_FINITE")]
    );
    assert_eq!(
        codes(&check_puls("", f64::INFINITY)),
        [("value", "VALUE_NOT_FINITE")]
    );
}

#[test]
fn a_measurement_up_to_five_minutes_ahead_is_accepted_as_clock_skew() {
    let now = datetime!(2026-11-23 10:00 +1);
    assert!(check_measured_at("m", now + Duration::minutes(5), now).is_empty());
    let ahead = check_measured_at("m", now + Duration::minutes(5) + Duration::SECOND, now);
    assert_eq!(codes(&ahead), [("m.measured_at", "MEASURED_AT_IN_FUTURE")]);
}

#[test]
fn a_measurement_up_to_366_days_old_is_accepted() {
    let now = datetime!(2026-11-23 10:00 +1);
    assert!(check_measured_at("m", now - Duration::days(366), now).is_empty());
    let old = check_measured_at("m", now - Duration::days(366) - Duration::SECOND, now);
    assert_eq!(codes(&old), [("m.measured_at", "MEASURED_AT_TOO_OLD")]);
}

#[test]
fn measurement_times_compare_as_instants_across_offsets() {
    let now = datetime!(2026-11-23 10:00 +1);
    assert!(check_measured_at("m", datetime!(2026-11-23 09:04 UTC), now).is_empty());
}
