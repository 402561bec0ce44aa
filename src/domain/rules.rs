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

use crate::domain::attachments::find_embedded_document;
pub use crate::domain::draft::{
    Draft, ReceptFacts, ReceptKind, ReplyDraft, FIELD_ATC_CODE, FIELD_DRUG_NAME, FIELD_NPL_ID,
    FIELD_PATIENT, FIELD_RECEPT_KIND, FIELD_RECIPIENT, FIELD_SENDER,
};
use crate::domain::narcotic_renewal::find_renewal_request;
use crate::domain::narcotics::{MatchedOn, NarcoticMatch, NarcoticsIndex};
use crate::domain::routing::routing_problem;
pub use crate::domain::routing::{RoutingProblem, UnitFacts, UnitKind};
pub use crate::domain::rule_catalogue::{catalogue, RuleCode, RuleInfo};
use crate::domain::urgency::find_urgency;

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleViolation {
    /// Which rule.
    pub code: RuleCode,
    /// The offending field, e.g. `body`, `details.drug_name`, `recipient_unit_id`.
    pub field: String,
    /// Swedish: what was found and what to do instead.
    pub message: String,
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
                "Nyförskrivning av läkemedel kan inte begäras här, bara förnyelse av ett \
                 befintligt recept. Ring läkaren eller boka ett läkarbesök."
                    .to_string(),
            ));
        }
    }
    let routing = routing_problem(&draft.sender_unit, draft.recipient_unit.as_ref());
    if routing.is_none() && !draft.patient_enrolled_in_kommun_party {
        found.push(violation(
            RuleCode::EjInskriven,
            FIELD_PATIENT,
            "Patienten är inte inskriven i den kommunala hälso- och sjukvården hos meddelandets \
             kommunala part. Samverkan gäller bara inskrivna patienter: ring i stället."
                .to_string(),
        ));
    }
    if let Some(problem) = routing {
        found.push(violation(
            RuleCode::OgiltigMottagare,
            FIELD_RECIPIENT,
            problem.message_sv().to_string(),
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
        "Bara legitimerad personal (t.ex. sjuksköterska, läkare, fysioterapeut eller \
         arbetsterapeut) får skicka meddelanden och svar. Be en legitimerad kollega skriva det."
            .to_string(),
    )
}

/// The rules that can be decided when the body did not parse into a message: attachment
/// fields (BILAGA) and the sender's licence (EJ_LEGITIMERAD), so that they are reported
/// together with the parse problem rather than after it is fixed.
pub fn evaluate_unparsed(
    sender_licensed: bool,
    attachment_fields: &[String],
) -> Vec<RuleViolation> {
    let mut found = Vec::new();
    check_attachments(attachment_fields, &[], &mut found);
    if !sender_licensed {
        found.push(licence_violation());
    }
    found
}

fn violation(code: RuleCode, field: &str, message: String) -> RuleViolation {
    RuleViolation {
        code,
        field: field.to_string(),
        message,
    }
}

fn check_urgency(texts: &[(&str, &str)], found: &mut Vec<RuleViolation>) {
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

fn check_attachments(
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
fn check_prescribed_drug(
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
fn check_renewal_requests(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::narcotics::NarcoticEntry;

    fn index() -> NarcoticsIndex {
        NarcoticsIndex::new(vec![NarcoticEntry {
            substance: "oxikodon".into(),
            names: vec!["oxikodon".into(), "OxyNorm".into()],
            atc_codes: vec!["N02AA05".into()],
            npl_ids: vec!["20141129000084".into()],
            schedule: "II".into(),
        }])
    }

    fn unit(kind: UnitKind) -> UnitFacts {
        UnitFacts {
            kind,
            active: true,
            participating: true,
        }
    }

    /// A licensed kommun nurse renewing Enalapril for an enrolled patient at a vårdcentral.
    fn clean_renewal<'a>() -> Draft<'a> {
        Draft {
            sender_licensed: true,
            sender_unit: unit(UnitKind::Kommun),
            recipient_unit: Some(unit(UnitKind::Narsjukvard)),
            patient_enrolled_in_kommun_party: true,
            texts: vec![
                ("subject", "Receptförnyelse"),
                ("body", "Ej akut. Räcker en vecka till."),
            ],
            recept: Some(ReceptFacts {
                drug_name: "Enalapril 5 mg",
                atc_code: Some("C09AA02"),
                npl_id: None,
                kind: ReceptKind::Fornyelse,
            }),
            attachment_fields: vec![],
        }
    }

    fn codes_and_fields(draft: &Draft<'_>) -> Vec<(RuleCode, String)> {
        evaluate(draft, &index())
            .into_iter()
            .map(|v| (v.code, v.field))
            .collect()
    }

    fn only(code: RuleCode, field: &str) -> Vec<(RuleCode, String)> {
        vec![(code, field.to_string())]
    }

    #[test]
    fn a_clean_renewal_breaks_no_rule() {
        assert!(evaluate(&clean_renewal(), &index()).is_empty());
    }

    #[test]
    fn urgency_in_any_text_is_akut_and_the_message_names_the_word() {
        let mut draft = clean_renewal();
        draft.texts = vec![("subject", "Recept"), ("details.comment", "Behövs GENAST")];
        let found = evaluate(&draft, &index());
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].code, found[0].field.as_str()),
            (RuleCode::Akut, "details.comment")
        );
        assert!(found[0].message.contains("\"GENAST\""));
        assert!(found[0].message.contains("ring"));
    }

    #[test]
    fn an_attachment_field_and_an_embedded_document_are_bilaga() {
        let mut draft = clean_renewal();
        draft.attachment_fields = vec!["bilaga".into()];
        draft.texts = vec![("body", "Se data:image/png;base64,iVBORw0KGgo=")];
        assert_eq!(
            codes_and_fields(&draft),
            [
                (RuleCode::Bilaga, "bilaga".into()),
                (RuleCode::Bilaga, "body".into())
            ]
        );
    }

    #[test]
    fn a_narcotic_recept_is_refused_on_the_field_that_identified_it() {
        let cases = [
            ("OxyNorm 5 mg", None, None, FIELD_DRUG_NAME),
            ("Okänt", Some("n02aa05"), None, FIELD_ATC_CODE),
            ("Okänt", None, Some("20141129000084"), FIELD_NPL_ID),
        ];
        for (drug_name, atc_code, npl_id, field) in cases {
            let mut draft = clean_renewal();
            draft.recept = Some(ReceptFacts {
                drug_name,
                atc_code,
                npl_id,
                kind: ReceptKind::Fornyelse,
            });
            assert_eq!(
                codes_and_fields(&draft),
                only(RuleCode::Narkotika, field),
                "{drug_name}"
            );
        }
    }

    #[test]
    fn the_narcotics_message_names_the_drug_and_says_to_call() {
        let mut draft = clean_renewal();
        draft.recept = Some(ReceptFacts {
            drug_name: "OxyNorm",
            atc_code: None,
            npl_id: None,
            kind: ReceptKind::Fornyelse,
        });
        let found = evaluate(&draft, &index());
        assert!(found[0].message.contains("\"OxyNorm\" (oxikodon)"));
        assert!(found[0].message.contains("telefon"));
    }

    #[test]
    fn a_renewal_of_a_narcotic_asked_for_in_the_text_is_refused_in_every_category() {
        for recept in [clean_renewal().recept, None] {
            let mut draft = clean_renewal();
            draft.recept = recept;
            draft.texts = vec![("body", "Och förnya även oxikodon.")];
            assert_eq!(codes_and_fields(&draft), only(RuleCode::Narkotika, "body"));
        }
    }

    #[test]
    fn a_narcotic_only_mentioned_in_the_text_is_allowed_in_every_category() {
        for recept in [clean_renewal().recept, None] {
            let mut draft = clean_renewal();
            draft.recept = recept;
            draft.texts = vec![
                ("body", "Blodtrycket stabilt, tar OxyNorm vid behov."),
                ("details.dosage", "1 x 1, OxyNorm oförändrat"),
            ];
            assert!(evaluate(&draft, &index()).is_empty());
        }
    }

    fn reply(body: &str) -> ReplyDraft<'_> {
        ReplyDraft {
            author_licensed: true,
            texts: vec![("body", body)],
            attachment_fields: vec![],
        }
    }

    #[test]
    fn a_reply_is_judged_with_the_messages_codes_fields_and_words() {
        let as_message = |body: &'static str| {
            let mut draft = clean_renewal();
            draft.texts = vec![("body", body)];
            evaluate(&draft, &index())
        };
        for body in [
            "Klart. Ring snarast.",
            "Se data:image/png;base64,iVBORw0KGgo=",
            "Jag förnyar OxyNorm i dag.",
        ] {
            let from_reply = evaluate_reply(&reply(body), &index());
            assert_eq!(from_reply.len(), 1, "{body}: {from_reply:?}");
            assert_eq!(from_reply, as_message(body), "{body}");
        }
    }

    #[test]
    fn a_clean_reply_passes_and_a_mention_of_a_narcotic_is_not_a_renewal() {
        assert!(evaluate_reply(&reply("Utfört, Enalapril förnyat."), &index()).is_empty());
        assert!(
            evaluate_reply(&reply("Förnyat. Fortsätter med OxyNorm v.b."), &index()).is_empty()
        );
    }

    #[test]
    fn a_reply_with_an_attachment_field_by_an_unlicensed_author_breaks_both_rules() {
        let mut draft = reply("Klart.");
        draft.author_licensed = false;
        draft.attachment_fields = vec!["bilaga".into()];
        let codes: Vec<(RuleCode, String)> = evaluate_reply(&draft, &index())
            .into_iter()
            .map(|v| (v.code, v.field))
            .collect();
        assert_eq!(
            codes,
            [
                (RuleCode::Bilaga, "bilaga".to_string()),
                (RuleCode::EjLegitimerad, FIELD_SENDER.to_string())
            ]
        );
    }

    #[test]
    fn a_new_prescription_is_nyforskrivning_and_a_renewal_is_not() {
        let mut draft = clean_renewal();
        if let Some(recept) = draft.recept.as_mut() {
            recept.kind = ReceptKind::Nyforskrivning;
        }
        assert_eq!(
            codes_and_fields(&draft),
            only(RuleCode::Nyforskrivning, FIELD_RECEPT_KIND)
        );
    }

    #[test]
    fn a_patient_not_enrolled_is_ej_inskriven_when_routing_is_valid() {
        let mut draft = clean_renewal();
        draft.patient_enrolled_in_kommun_party = false;
        assert_eq!(
            codes_and_fields(&draft),
            only(RuleCode::EjInskriven, FIELD_PATIENT)
        );
    }

    #[test]
    fn enrollment_is_not_judged_when_routing_fails() {
        let mut draft = clean_renewal();
        draft.patient_enrolled_in_kommun_party = false;
        draft.recipient_unit = Some(unit(UnitKind::Kommun));
        assert_eq!(
            codes_and_fields(&draft),
            only(RuleCode::OgiltigMottagare, FIELD_RECIPIENT)
        );
    }

    #[test]
    fn each_routing_failure_is_ogiltig_mottagare() {
        let inactive = UnitFacts {
            active: false,
            ..unit(UnitKind::Narsjukvard)
        };
        let outside = UnitFacts {
            participating: false,
            ..unit(UnitKind::Specialist)
        };
        for recipient in [
            None,
            Some(inactive),
            Some(outside),
            Some(unit(UnitKind::Kommun)),
        ] {
            let mut draft = clean_renewal();
            draft.recipient_unit = recipient;
            assert_eq!(
                codes_and_fields(&draft),
                only(RuleCode::OgiltigMottagare, FIELD_RECIPIENT)
            );
        }
    }

    #[test]
    fn a_region_to_kommun_message_is_valid_too() {
        let mut draft = clean_renewal();
        draft.sender_unit = unit(UnitKind::Psykiatri);
        draft.recipient_unit = Some(unit(UnitKind::Kommun));
        assert!(evaluate(&draft, &index()).is_empty());
    }

    #[test]
    fn an_unlicensed_sender_is_ej_legitimerad() {
        let mut draft = clean_renewal();
        draft.sender_licensed = false;
        assert_eq!(
            codes_and_fields(&draft),
            only(RuleCode::EjLegitimerad, FIELD_SENDER)
        );
    }

    #[test]
    fn a_draft_breaking_four_rules_reports_all_four_in_stable_order() {
        let mut draft = clean_renewal();
        draft.sender_licensed = false;
        draft.texts = vec![("body", "Akut! Se bifogad lista.")];
        draft.attachment_fields = vec!["attachments".into()];
        if let Some(recept) = draft.recept.as_mut() {
            recept.kind = ReceptKind::Nyforskrivning;
        }
        let codes: Vec<RuleCode> = evaluate(&draft, &index()).iter().map(|v| v.code).collect();
        assert_eq!(
            codes,
            [
                RuleCode::Akut,
                RuleCode::Bilaga,
                RuleCode::Nyforskrivning,
                RuleCode::EjLegitimerad
            ]
        );
    }
}
