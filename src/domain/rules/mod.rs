//! The routine's rules as one pure decision: given what a draft message says and the facts
//! the API looked up, which rules does it break?
//!
//! [`evaluate`] reports **every** violation at once, in a stable order: rules in the order of
//! [`RuleCode::ALL`] (as in DOMAIN.md's table), and within a rule in the order of the
//! draft's fields. Each violation names the offending field and says, in Swedish, what to do
//! instead.
//!
//! Decisions the API must know:
//! - **AKUT is checked in every free text the draft carries** (`texts`), not only subject
//!   and body: urgency written in a comment is still urgency, and a missed urgent message
//!   is the harm the routine guards against. The message names the word, so a false alarm
//!   (e.g. "genast" in a dosage) is easy to rephrase.
//! - **Messages and replies are judged by the same checks** ([`evaluate`] and
//!   [`evaluate_reply`]): AKUT, BILAGA, NARKOTIKA and EJ_LEGITIMERAD give the same codes, fields
//!   and Swedish messages whichever the text is in. A reply has no routing, enrollment or
//!   prescription of its own, so the other three rules do not apply to it.
//! - **NARKOTIKA** looks at a recept's drug name, ATC code and NPL id, and at every free text
//!   of a message of any category or of a reply (except the drug name field, already checked):
//!   a text is refused when it *asks for a renewal* of a narcotic — a renewal word and the
//!   drug's name in one sentence, see [`crate::domain::narcotic_renewal`]. A text that only
//!   mentions the drug ("tar OxyNorm vid behov") is not a renewal.
//! - **EJ_INSKRIVEN is only evaluated when routing is valid.** Enrollment is defined
//!   against the message's kommun party; when routing fails there may be no kommun party
//!   (two regional units) or two (two kommun units), so the question has no answer and
//!   OGILTIG_MOTTAGARE already stops the message. The API computes
//!   `patient_enrolled_in_kommun_party` only for a valid kommun party; any value is ignored
//!   otherwise.
//! - Field names: texts and attachment fields are reported under the names the API passes
//!   in; the fixed fields use the `FIELD_*` constants (`details.drug_name`, …), defined in
//!   [`crate::domain::draft`] and re-exported here.
//!   EJ_LEGITIMERAD is reported under [`FIELD_SENDER`], which is not a body field but the
//!   caller (from the token).
//! - NYFORSKRIVNING is decided by the recept's `kind` alone; free text is not parsed for
//!   "nytt recept" (too easy to misread "förnyat recept").

use serde::Serialize;

mod checks;

use checks::{
    check_attachments, check_drug, check_prescribed_drug, check_renewal_requests, check_urgency,
};

pub use crate::domain::draft::{
    Draft, ReceptFacts, ReceptKind, ReplyDraft, FIELD_ATC_CODE, FIELD_DRUG_NAME, FIELD_NPL_ID,
    FIELD_PATIENT, FIELD_RECEPT_KIND, FIELD_RECIPIENT, FIELD_SENDER,
};
use crate::domain::narcotics::NarcoticsIndex;
use crate::domain::routing::routing_problem;
pub use crate::domain::routing::{RoutingProblem, UnitFacts, UnitKind};
pub use crate::domain::rule_catalogue::{catalogue, RuleCode, RuleInfo};
use crate::i18n::Msg;

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleViolation {
    /// Which rule.
    pub code: RuleCode,
    /// The offending field, e.g. `body`, `details.drug_name`, `recipient_unit_id`.
    pub field: String,
    /// What was found and what to do instead (Swedish, or English on request).
    pub message: Msg,
}

/// Every rule `draft` breaks, in a stable order (see the module documentation).
pub fn evaluate(draft: &Draft<'_>, narcotics: &NarcoticsIndex) -> Vec<RuleViolation> {
    let mut found = Vec::new();
    check_urgency(&draft.texts, &mut found);
    check_attachments(&draft.attachment_fields, &draft.texts, &mut found);
    if let Some(recept) = &draft.recept {
        check_prescribed_drug(recept, narcotics, &mut found);
    }
    check_renewal_requests(&draft.texts, narcotics, &mut found);
    if let Some(recept) = &draft.recept {
        if recept.kind == ReceptKind::Nyforskrivning {
            found.push(violation(
                RuleCode::Nyforskrivning,
                FIELD_RECEPT_KIND,
                Msg::new(
                    "Nyförskrivning av läkemedel kan inte begäras här, bara förnyelse av ett \
                     befintligt recept. Ring läkaren eller boka ett läkarbesök.",
                    "A new prescription cannot be asked for here, only the renewal of an \
                     existing one. Phone the doctor or book a doctor's appointment.",
                ),
            ));
        }
    }
    let routing = routing_problem(&draft.sender_unit, draft.recipient_unit.as_ref());
    if routing.is_none() && !draft.patient_enrolled_in_kommun_party {
        found.push(violation(
            RuleCode::EjInskriven,
            FIELD_PATIENT,
            Msg::new(
                "Patienten är inte inskriven i den kommunala hälso- och sjukvården hos \
                 meddelandets kommunala part. Samverkan gäller bara inskrivna patienter: ring i \
                 stället.",
                "The patient is not enrolled in the home health care of the message's municipal \
                 party. Samverkan is only for enrolled patients: phone instead.",
            ),
        ));
    }
    if let Some(problem) = routing {
        found.push(violation(
            RuleCode::OgiltigMottagare,
            FIELD_RECIPIENT,
            problem.message(),
        ));
    }
    if !draft.sender_licensed {
        found.push(licence_violation());
    }
    found
}

/// Every rule a reply breaks, in the same order and with the same codes, fields and messages
/// as [`evaluate`]: AKUT, BILAGA, NARKOTIKA (a renewal asked for in the text) and
/// EJ_LEGITIMERAD.
pub fn evaluate_reply(reply: &ReplyDraft<'_>, narcotics: &NarcoticsIndex) -> Vec<RuleViolation> {
    let mut found = Vec::new();
    check_urgency(&reply.texts, &mut found);
    check_attachments(&reply.attachment_fields, &reply.texts, &mut found);
    check_renewal_requests(&reply.texts, narcotics, &mut found);
    if !reply.author_licensed {
        found.push(licence_violation());
    }
    found
}

fn licence_violation() -> RuleViolation {
    violation(
        RuleCode::EjLegitimerad,
        FIELD_SENDER,
        Msg::new(
            "Bara legitimerad personal (t.ex. sjuksköterska, läkare, fysioterapeut eller \
             arbetsterapeut) får skicka meddelanden och svar. Be en legitimerad kollega skriva det.",
            "Only licensed staff (e.g. nurses, doctors, physiotherapists or occupational \
             therapists) may send messages and replies. Ask a licensed colleague to write it.",
        ),
    )
}

/// What the rules can see of a draft that did not parse into a message (a frontend checks it
/// while the nurse is still writing, before a patient or a recipient is chosen).
#[derive(Debug, Clone, Copy, Default)]
pub struct Unparsed<'a> {
    /// The free texts found, (field, text), in the order of a parsed draft's.
    pub texts: &'a [(&'a str, &'a str)],
    /// A prescription's drug name, ATC code and NPL id, when the draft names a drug.
    pub drug: Option<(&'a str, Option<&'a str>, Option<&'a str>)>,
}

/// The rules that can be decided when the body did not parse into a message: AKUT, BILAGA and
/// NARKOTIKA on what the texts and the drug fields say, and the sender's licence
/// (EJ_LEGITIMERAD), so that they are reported together with the parse problem — and while the
/// nurse types — rather than after it is fixed. NYFORSKRIVNING, EJ_INSKRIVEN and
/// OGILTIG_MOTTAGARE need the parsed draft.
pub fn evaluate_unparsed(
    sender_licensed: bool,
    attachment_fields: &[String],
    draft: Unparsed<'_>,
    narcotics: &NarcoticsIndex,
) -> Vec<RuleViolation> {
    let mut found = Vec::new();
    check_urgency(draft.texts, &mut found);
    check_attachments(attachment_fields, draft.texts, &mut found);
    if let Some((name, atc, npl)) = draft.drug {
        check_drug(name, atc, npl, narcotics, &mut found);
    }
    check_renewal_requests(draft.texts, narcotics, &mut found);
    if !sender_licensed {
        found.push(licence_violation());
    }
    found
}

fn violation(code: RuleCode, field: &str, message: Msg) -> RuleViolation {
    RuleViolation {
        code,
        field: field.to_string(),
        message,
    }
}

#[cfg(test)]
mod tests;
