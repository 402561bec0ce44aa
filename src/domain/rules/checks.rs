//! The checks of a draft's content — its free texts and the fields it carries — that messages
//! and replies share: AKUT, BILAGA and NARKOTIKA. Each pushes its violations in the order of
//! the draft's fields.

use super::{violation, RuleViolation};
use crate::domain::attachments::find_embedded_document;
use crate::domain::draft::{ReceptFacts, FIELD_ATC_CODE, FIELD_DRUG_NAME, FIELD_NPL_ID};
use crate::domain::narcotic_renewal::find_renewal_request;
use crate::domain::narcotics::{MatchedOn, NarcoticMatch, NarcoticsIndex};
use crate::domain::rule_catalogue::RuleCode;
use crate::domain::urgency::find_urgency;

pub fn check_urgency(texts: &[(&str, &str)], found: &mut Vec<RuleViolation>) {
    for (field, text) in texts {
        let hits = find_urgency(text);
        if hits.is_empty() {
            continue;
        }
        let words: Vec<String> = hits.iter().map(|h| format!("\"{}\"", h.matched)).collect();
        found.push(violation(
            RuleCode::Akut,
            field,
            format!(
                "Texten innehåller {} och tyder på ett akut ärende. Samverkan är inte till för \
                 akuta ärenden: ring mottagaren, eller 112 vid livshotande tillstånd. Är det \
                 inte akut, formulera om texten.",
                words.join(", ")
            ),
        ));
    }
}

pub fn check_attachments(
    attachment_fields: &[String],
    texts: &[(&str, &str)],
    found: &mut Vec<RuleViolation>,
) {
    for field in attachment_fields {
        found.push(violation(
            RuleCode::Bilaga,
            field,
            format!(
                "Fältet \"{field}\" är en bilaga. Bilagor och journalhandlingar, t.ex. \
                 läkemedelslistor eller ordinationer, får inte skickas här. Skriv det som \
                 behövs som vanlig text."
            ),
        ));
    }
    for (field, text) in texts {
        if let Some(kind) = find_embedded_document(text) {
            found.push(violation(
                RuleCode::Bilaga,
                field,
                format!(
                    "Texten innehåller {}. Bilagor och inklistrade dokument får inte skickas \
                     här. Skriv det som behövs som vanlig text.",
                    kind.description_sv()
                ),
            ));
        }
    }
}

/// NARKOTIKA on a prescription: its drug name, ATC code or NPL id.
pub fn check_prescribed_drug(
    recept: &ReceptFacts<'_>,
    index: &NarcoticsIndex,
    found: &mut Vec<RuleViolation>,
) {
    if let Some(m) = index.find(recept.drug_name, recept.atc_code, recept.npl_id) {
        let field = match m.matched_on {
            MatchedOn::Name => FIELD_DRUG_NAME,
            MatchedOn::Atc => FIELD_ATC_CODE,
            MatchedOn::Npl => FIELD_NPL_ID,
        };
        found.push(violation(RuleCode::Narkotika, field, narcotic_message(&m)));
    }
}

/// NARKOTIKA in free text: a renewal of a narcotic asked for in a sentence. The drug name
/// field is left to [`check_prescribed_drug`].
pub fn check_renewal_requests(
    texts: &[(&str, &str)],
    index: &NarcoticsIndex,
    found: &mut Vec<RuleViolation>,
) {
    for (field, text) in texts {
        if *field == FIELD_DRUG_NAME {
            continue;
        }
        if let Some(m) = find_renewal_request(text, index) {
            found.push(violation(RuleCode::Narkotika, field, narcotic_message(&m)));
        }
    }
}

fn narcotic_message(m: &NarcoticMatch) -> String {
    let what = match m.matched_on {
        MatchedOn::Name if m.term.to_lowercase() == m.substance.to_lowercase() => {
            format!("\"{}\"", m.term)
        }
        MatchedOn::Name => format!("\"{}\" ({})", m.term, m.substance),
        MatchedOn::Atc => format!("ATC-koden {} ({})", m.term, m.substance),
        MatchedOn::Npl => format!("NPL-id {} ({})", m.term, m.substance),
    };
    format!(
        "{what} är narkotikaklassat. Receptförnyelse av narkotiska preparat görs inte här: \
         kontakta förskrivaren per telefon."
    )
}
