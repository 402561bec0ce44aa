//! Calendar dates as the API writes them: `YYYY-MM-DD` (ISO 8601's extended calendar date), read
//! from request fields and written in answers. One format, one place.

use crate::i18n::Msg;
use time::Date;

// `#[serde(with = "iso_date::serde_format")]` for a `Date` (and
// `iso_date::serde_format::option` for an `Option<Date>`): written `2026-11-02`.
time::serde::format_description!(pub serde_format, Date, "[year]-[month]-[day]");

/// The date a `YYYY-MM-DD` text names, or `None`.
pub fn parse(value: &str) -> Option<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(value, &format).ok()
}

/// What a field that is not a `YYYY-MM-DD` date is told.
pub fn format_problem() -> Msg {
    Msg::new(
        "Ange datumet som ÅÅÅÅ-MM-DD.",
        "Give the date as YYYY-MM-DD.",
    )
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    #[test]
    fn a_date_is_year_month_day_with_zero_padding() {
        assert_eq!(super::parse("2026-11-02"), Some(date!(2026 - 11 - 02)));
        for bad in [
            "2026-11-2",
            "02/11/2026",
            "2026-02-30",
            "",
            "2026-11-02T00:00",
        ] {
            assert_eq!(super::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_date_is_written_as_it_is_read() {
        #[derive(serde::Serialize)]
        struct Row {
            #[serde(with = "super::serde_format")]
            day: time::Date,
            #[serde(with = "super::serde_format::option")]
            end: Option<time::Date>,
        }
        let json = serde_json::to_string(&Row {
            day: date!(2026 - 01 - 05),
            end: None,
        })
        .unwrap();
        assert_eq!(json, r#"{"day":"2026-01-05","end":null}"#);
    }
}
