//! `recept`: a prescription renewal (receptförnyelse).

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;

use super::Details;
use crate::domain::category::Category;
pub use crate::domain::draft::ReceptKind;
use crate::error::Violation;
use crate::i18n::Msg;
use crate::routes::messages::field_checks::check_text;

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
                    Msg::new(
                        "En ATC-kod har sju tecken, t.ex. C09AA02.",
                        "An ATC code has seven characters, e.g. C09AA02.",
                    ),
                ));
            }
        }
        if let Some(npl) = &mut self.npl_id {
            *npl = npl.trim().to_string();
            if npl.len() != 14 || !npl.bytes().all(|b| b.is_ascii_digit()) {
                out.push(Violation::new(
                    "NPL_FORMAT",
                    "details.npl_id",
                    Msg::new("Ett NPL-id har 14 siffror.", "An NPL id has 14 digits."),
                ));
            }
        }
    }
}

impl Details for ReceptDetails {
    const CATEGORY: Category = Category::Recept;
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
