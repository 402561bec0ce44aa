//! Field checks shared by every message body and reply: required texts and their length, and
//! dates written `YYYY-MM-DD` that must lie between today and a year ahead. Each problem is a
//! [`Violation`] naming the field, with a Swedish message.

use time::Date;

use crate::domain::iso_date;
use crate::error::Violation;

/// A calendar date `YYYY-MM-DD`.
pub type DateString = String;

/// Checks a required text's length in characters (after trimming for emptiness).
pub fn check_text(out: &mut Vec<Violation>, field: &str, value: &str, max: usize) {
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
pub fn check_future_date(out: &mut Vec<Violation>, field: &str, value: &str, today: Date) {
    match iso_date::parse(value) {
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
