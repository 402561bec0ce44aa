//! Field checks shared by every message body and reply: required texts and their length, and
//! dates written `YYYY-MM-DD` that must lie between today and a year ahead. Each problem is a
//! [`Violation`] naming the field, with a message in Swedish and English.

use time::Date;

use crate::domain::iso_date;
use crate::error::Violation;
use crate::i18n::Msg;
use crate::text;

/// A calendar date `YYYY-MM-DD`.
pub type DateString = String;

/// Checks a required text's length in characters (after trimming for emptiness).
pub fn check_text(out: &mut Vec<Violation>, field: &str, value: &str, max: usize) {
    if value.trim().is_empty() {
        out.push(Violation::new(
            "REQUIRED",
            field,
            Msg::new("Fältet får inte vara tomt.", "The field must not be empty."),
        ));
    } else if value.chars().count() > max {
        out.push(Violation::new(
            "TOO_LONG",
            field,
            text!("Högst {max} tecken.", "At most {max} characters."),
        ));
    }
}

/// Checks a date that must be today or later (Swedish date).
pub fn check_future_date(out: &mut Vec<Violation>, field: &str, value: &str, today: Date) {
    match iso_date::parse(value) {
        None => out.push(Violation::new(
            "DATE_FORMAT",
            field,
            iso_date::format_problem(),
        )),
        Some(d) if d < today => out.push(Violation::new(
            "DATE_IN_PAST",
            field,
            Msg::new(
                "Datumet har redan passerat; ange i dag eller senare.",
                "The date has passed; give today or later.",
            ),
        )),
        Some(d) if d > today + time::Duration::days(366) => out.push(Violation::new(
            "DATE_TOO_FAR_AHEAD",
            field,
            Msg::new(
                "Datumet ligger mer än ett år fram i tiden.",
                "The date is more than a year ahead.",
            ),
        )),
        Some(_) => {}
    }
}
