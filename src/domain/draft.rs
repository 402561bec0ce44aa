//! What the rules are evaluated on: a draft message with the facts the API looked up, or a
//! draft reply, and the names of the fixed fields violations are reported on.
//! [`crate::domain::rules`] re-exports everything here.
//!
//! The API fills a [`Draft`] from the request and the directory: the caller's licence and
//! acting unit from the token, the recipient from the directory (`None` when the id is
//! unknown), enrollment for the message's kommun party, every free text with its JSON path,
//! the prescription of a `recept` message, and the names of attachment-like fields it saw.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::routing::UnitFacts;

/// Field name for the caller (acting person), used by EJ_LEGITIMERAD.
pub const FIELD_SENDER: &str = "sender";
/// Field name for the recipient unit, used by OGILTIG_MOTTAGARE.
pub const FIELD_RECIPIENT: &str = "recipient_unit_id";
/// Field name for the patient, used by EJ_INSKRIVEN.
pub const FIELD_PATIENT: &str = "patient";
/// Field name for a recept's drug name.
pub const FIELD_DRUG_NAME: &str = "details.drug_name";
/// Field name for a recept's ATC code.
pub const FIELD_ATC_CODE: &str = "details.atc_code";
/// Field name for a recept's NPL id.
pub const FIELD_NPL_ID: &str = "details.npl_id";
/// Field name for a recept's kind (`fornyelse` / `nyforskrivning`).
pub const FIELD_RECEPT_KIND: &str = "details.kind";

/// Kind of prescription request: only renewal is allowed; a new prescription exists so the
/// NYFORSKRIVNING rule can refuse it by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReceptKind {
    /// Renewal of an existing prescription.
    Fornyelse,
    /// A new prescription (always refused: NYFORSKRIVNING).
    Nyforskrivning,
}

/// The prescription part of a `recept` message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceptFacts<'a> {
    /// The drug name as written.
    pub drug_name: &'a str,
    /// Optional ATC code.
    pub atc_code: Option<&'a str>,
    /// Optional NPL id.
    pub npl_id: Option<&'a str>,
    /// Renewal or new prescription.
    pub kind: ReceptKind,
}

/// Everything the rules need to know about a message about to be sent (or a reply).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft<'a> {
    /// Whether the caller is licensed staff.
    pub sender_licensed: bool,
    /// The acting unit.
    pub sender_unit: UnitFacts,
    /// The recipient unit; `None` when the id is not in the directory.
    pub recipient_unit: Option<UnitFacts>,
    /// Whether the patient is enrolled in the kommun party's home health care now.
    pub patient_enrolled_in_kommun_party: bool,
    /// (field, text) for the subject, the body and every free-text detail.
    pub texts: Vec<(&'a str, &'a str)>,
    /// The prescription, for `recept` messages.
    pub recept: Option<ReceptFacts<'a>>,
    /// Names of fields the API saw that carry attachments.
    pub attachment_fields: Vec<String>,
}

/// Everything the rules need to know about a reply about to be added to a thread. A reply has
/// no routing, patient or prescription of its own: those were judged with its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyDraft<'a> {
    /// Whether the caller is licensed staff.
    pub author_licensed: bool,
    /// (field, text) for every free text of the reply (its `body`).
    pub texts: Vec<(&'a str, &'a str)>,
    /// Names of fields the API saw that carry attachments.
    pub attachment_fields: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recept_kinds_use_lower_case_names_in_json() {
        use serde::de::value::{Error, StrDeserializer};
        let parse = |name: &str| ReceptKind::deserialize(StrDeserializer::<Error>::new(name));
        assert_eq!(parse("fornyelse"), Ok(ReceptKind::Fornyelse));
        assert_eq!(parse("nyforskrivning"), Ok(ReceptKind::Nyforskrivning));
    }
}
