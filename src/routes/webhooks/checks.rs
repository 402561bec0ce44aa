//! The field checks of the bodies that register and change an endpoint: every fault of the
//! body's form at once, each on its field (the directory is consulted afterwards).

use crate::error::Violation;
use crate::i18n::Msg;
use crate::models::event::kind;
use crate::routes::unit_refs::check_hsa_ids;
use crate::text;
use crate::webhooks::destination::{self, DestinationPolicy};

use super::bodies::{MAX_DESCRIPTION, MAX_UNITS};

/// Checks a URL's form; names are resolved by the caller (async).
pub fn check_url(
    url: &str,
    policy: DestinationPolicy,
    out: &mut Vec<Violation>,
) -> Option<url::Url> {
    match destination::check_form(url, policy) {
        Ok(u) => Some(u),
        Err(e) => {
            out.push(url_violation(&e));
            None
        }
    }
}

/// The violation of a refused destination.
pub fn url_violation(e: &destination::Refused) -> Violation {
    Violation::new(e.code(), "url", e.message())
}

/// Checks the form of the units' HSA-ids (that they exist and are the caller's is checked
/// against the directory); returns them normalised, without repeats.
pub fn check_units(units: &[String], out: &mut Vec<Violation>) -> Vec<String> {
    check_hsa_ids(
        units,
        MAX_UNITS,
        ("vars händelser ska levereras", "whose events are delivered"),
        out,
    )
}

/// Checks event types against the feed's; an empty list is refused (leave it out for all).
pub fn check_event_types(types: &[String], out: &mut Vec<Violation>) -> Vec<Option<String>> {
    if types.is_empty() {
        out.push(Violation::new(
            "EVENT_TYPES_EMPTY",
            "event_types",
            Msg::new(
                "Ange minst en händelsetyp, eller utelämna `event_types` (eller null) för alla \
                 typer.",
                "Name at least one event type, or leave `event_types` out (or null) for every \
                 type.",
            ),
        ));
    }
    let mut kept: Vec<Option<String>> = Vec::new();
    for (i, t) in types.iter().enumerate() {
        if !kind::ALL.contains(&t.as_str()) {
            out.push(Violation::new(
                "UNKNOWN_EVENT_TYPE",
                format!("event_types[{i}]"),
                {
                    let all = kind::ALL.join(", ");
                    text!(
                        "Ingen händelsetyp; en av: {all}.",
                        "Not an event type; one of: {all}."
                    )
                },
            ));
        } else if !kept.contains(&Some(t.clone())) {
            kept.push(Some(t.clone()));
        }
    }
    kept
}

/// Checks a description's length; returns it trimmed, `None` when blank.
pub fn check_description(d: Option<&str>, out: &mut Vec<Violation>) -> Option<String> {
    let d = d?.trim();
    if d.chars().count() > MAX_DESCRIPTION || d.contains('\0') {
        out.push(Violation::new(
            "LENGTH",
            "description",
            text!(
                "Beskrivningen får vara högst {MAX_DESCRIPTION} tecken, utan NUL-tecken.",
                "The description must be at most {MAX_DESCRIPTION} characters, without NUL."
            ),
        ));
    }
    (!d.is_empty()).then(|| d.to_string())
}
