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
use crate::i18n::Msg;
use crate::text;

pub fn check_urgency(texts: &[(&str, &str)], found: &mut Vec<RuleViolation>) {
    for (field, text) in texts {
        let hits = find_urgency(text);
        if hits.is_empty() {
            continue;
        }
        let words: Vec<String> = hits.iter().map(|h| format!("\"{}\"", h.matched)).collect();
        let words = words.join(", ");
        found.push(violation(
            RuleCode::Akut,
            field,
            text!(
                "Texten innehåller {words} och tyder på ett akut ärende. Samverkan är inte till \
                 för akuta ärenden: ring mottagaren, eller 112 vid livshotande tillstånd. Är det \
                 inte akut, formulera om texten.",
                "The text contains {words}, which suggests an urgent matter. Samverkan is not \
                 for urgent matters: phone the recipient, or 112 when life is at risk. If it is \
                 not urgent, rephrase the text."
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
            text!(
                "Fältet \"{field}\" är en bilaga. Bilagor och journalhandlingar, t.ex. \
                 läkemedelslistor eller ordinationer, får inte skickas här. Skriv det som \
                 behövs som vanlig text.",
                "The field \"{field}\" is an attachment. Attachments and medical records, such \
                 as medication lists or orders, must not be sent here. Write what is needed as \
                 plain text."
            ),
        ));
    }
    for (field, text) in texts {
        if let Some(kind) = find_embedded_document(text) {
            found.push(violation(RuleCode::Bilaga, field, {
                let (sv, en) = (kind.description_sv(), kind.description_en());
                text!(
                    "Texten innehåller {sv}. Bilagor och inklistrade dokument får inte \
                         skickas här. Skriv det som behövs som vanlig text.",
                    "The text contains {en}. Attachments and pasted documents must not be \
                         sent here. Write what is needed as plain text."
                )
            }));
        }
    }
}

/// NARKOTIKA on a prescription: its drug name, ATC code or NPL id.
pub fn check_prescribed_drug(
    recept: &ReceptFacts<'_>,
    index: &NarcoticsIndex,
    found: &mut Vec<RuleViolation>,
) {
    check_drug(
        recept.drug_name,
        recept.atc_code,
        recept.npl_id,
        index,
        found,
    );
}

/// NARKOTIKA on a drug named by name, ATC code or NPL id (of a draft that may not parse yet).
pub fn check_drug(
    drug_name: &str,
    atc_code: Option<&str>,
    npl_id: Option<&str>,
    index: &NarcoticsIndex,
    found: &mut Vec<RuleViolation>,
) {
    if let Some(m) = index.find(drug_name, atc_code, npl_id) {
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

fn narcotic_message(m: &NarcoticMatch) -> Msg {
    let (term, substance) = (&m.term, &m.substance);
    let (sv, en) = match m.matched_on {
        MatchedOn::Name if term.to_lowercase() == substance.to_lowercase() => {
            let quoted = format!("\"{term}\"");
            (quoted.clone(), quoted)
        }
        MatchedOn::Name => {
            let quoted = format!("\"{term}\" ({substance})");
            (quoted.clone(), quoted)
        }
        MatchedOn::Atc => (
            format!("ATC-koden {term} ({substance})"),
            format!("The ATC code {term} ({substance})"),
        ),
        MatchedOn::Npl => (
            format!("NPL-id {term} ({substance})"),
            format!("The NPL id {term} ({substance})"),
        ),
    };
    text!(
        "{sv} är narkotikaklassat. Receptförnyelse av narkotiska preparat görs inte här: \
         kontakta förskrivaren per telefon.",
        "{en} is a narcotic. Narcotics are not renewed here: phone the prescriber."
    )
}
