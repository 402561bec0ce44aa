//! `provtagning`: a sampling request.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;

use super::Details;
use crate::domain::category::Category;
use crate::error::Violation;
use crate::i18n::Msg;
use crate::routes::messages::field_checks::{check_future_date, check_text, DateString};

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
                Msg::new("Ange 1–20 analyser.", "Give 1–20 analyses."),
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

impl Details for ProvtagningDetails {
    const CATEGORY: Category = Category::Provtagning;
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
