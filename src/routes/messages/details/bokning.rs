//! `bokning`: booking a non-urgent visit (annual check-up, doctor's visit).

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;

use super::Details;
use crate::domain::category::Category;
use crate::error::Violation;
use crate::i18n::Msg;
use crate::routes::messages::field_checks::{check_future_date, check_text, DateString};

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
                Msg::new("Högst 10 önskade datum.", "At most 10 preferred dates."),
            ));
        }
        for (i, d) in self.preferred_dates.iter().enumerate() {
            check_future_date(out, &format!("details.preferred_dates[{i}]"), d, today);
        }
        check_text(out, "details.reason", &self.reason, 1000);
    }
}

impl Details for BokningDetails {
    const CATEGORY: Category = Category::Bokning;
    const KEYS: &'static [&'static str] = &["visit_type", "location", "preferred_dates", "reason"];
    fn check(&mut self, out: &mut Vec<Violation>, _: OffsetDateTime, today: Date) {
        BokningDetails::check(self, out, today);
    }
    fn texts(&self) -> Vec<(String, String)> {
        vec![("details.reason".into(), self.reason.clone())]
    }
}
