//! The catalogue of the routine's rules: stable codes, Swedish titles, what to do instead,
//! and the exact sentence of the routine each rule comes from. The API can serve it as-is
//! (e.g. for a "why was my message refused" page); [`crate::domain::rules`] re-exports it.

use std::fmt;

use crate::i18n::Msg;
use serde::{Deserialize, Serialize};

/// The routine's rules; the serialised codes never change meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RuleCode {
    /// `AKUT`: urgent matters do not belong here.
    Akut,
    /// `BILAGA`: no attachments or embedded documents.
    Bilaga,
    /// `NARKOTIKA`: no renewal of narcotic-classified drugs.
    Narkotika,
    /// `NYFORSKRIVNING`: renewal only, never a new prescription.
    Nyforskrivning,
    /// `EJ_INSKRIVEN`: the patient must be enrolled in the kommun party's home health care.
    EjInskriven,
    /// `OGILTIG_MOTTAGARE`: one active kommun unit and one active eligible regional unit.
    OgiltigMottagare,
    /// `EJ_LEGITIMERAD`: only licensed staff send and reply.
    EjLegitimerad,
}

impl RuleCode {
    /// All rules, in reporting order.
    pub const ALL: [RuleCode; 7] = [
        RuleCode::Akut,
        RuleCode::Bilaga,
        RuleCode::Narkotika,
        RuleCode::Nyforskrivning,
        RuleCode::EjInskriven,
        RuleCode::OgiltigMottagare,
        RuleCode::EjLegitimerad,
    ];

    /// The code as serialised (`"EJ_INSKRIVEN"`).
    pub fn as_str(&self) -> &'static str {
        self.info().code_str
    }

    /// The rule's catalogue entry.
    pub fn info(&self) -> &'static RuleInfo {
        // CATALOGUE lists the rules in the order of ALL, which is declaration order.
        &CATALOGUE[*self as usize]
    }
}

impl fmt::Display for RuleCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a rule is, what to do instead, and where the routine says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RuleInfo {
    /// The rule.
    pub code: RuleCode,
    #[serde(skip)]
    code_str: &'static str,
    /// A short Swedish title.
    pub title_sv: &'static str,
    /// What the nurse should do instead.
    pub explanation_sv: &'static str,
    /// The title in English.
    pub title_en: &'static str,
    /// The explanation in English.
    pub explanation_en: &'static str,
    /// The sentence of the routine the rule comes from, verbatim.
    pub routine_quote: &'static str,
}

const QUOTE_SCOPE: &str = "Rutinen gäller för informationsöverföring mellan berörd legitimerad \
personal i kommun, närsjukvård/psykiatrisk öppenvård samt specialistmottagningar (i nuläget \
Habiliteringen och Palliativa konsultteam).";
const QUOTE_NARCOTICS: &str = "Det ska heller inte användas vid behov av receptförnyelse av \
narkotiska preparat eller nyförskrivning av läkemedel.";

static CATALOGUE: [RuleInfo; 7] = [
    RuleInfo {
        code: RuleCode::Akut,
        code_str: "AKUT",
        title_sv: "Akut ärende",
        explanation_sv: "Samverkan är inte till för akuta ärenden: svar kan dröja upp till sju \
                         arbetsdagar. Ring mottagaren direkt, eller 112 vid livshotande tillstånd.",
        title_en: "Urgent matter",
        explanation_en: "Samverkan is not for urgent matters: an answer may take up to seven working days. Phone the recipient directly, or 112 when life is at risk.",
        routine_quote: "Informationen i Lifecare SP får ej vara av akut karaktär.",
    },
    RuleInfo {
        code: RuleCode::Bilaga,
        code_str: "BILAGA",
        title_sv: "Bilaga eller inbäddat dokument",
        explanation_sv: "Skicka inga bilagor, journalhandlingar, läkemedelslistor eller \
                         ordinationer. Skriv det som behövs som vanlig text; journalhandlingar \
                         skickas i ordinarie kanal.",
        title_en: "Attachment or embedded document",
        explanation_en: "Send no attachments, medical records, medication lists or orders. Write what is needed as plain text; medical records go through the usual channel.",
        routine_quote: "Lifecare SP ska inte användas för att bifoga journalhandlingar såsom \
                        läkemedelslistor eller ordinationer, ex Waran ordination eller annan \
                        originalhandling.",
    },
    RuleInfo {
        code: RuleCode::Narkotika,
        code_str: "NARKOTIKA",
        title_sv: "Narkotikaklassat läkemedel",
        explanation_sv: "Förnyelse av narkotikaklassade läkemedel görs inte här. Kontakta \
                         förskrivaren per telefon.",
        title_en: "Narcotic drug",
        explanation_en: "Narcotic drugs are not renewed here. Phone the prescriber.",
        routine_quote: QUOTE_NARCOTICS,
    },
    RuleInfo {
        code: RuleCode::Nyforskrivning,
        code_str: "NYFORSKRIVNING",
        title_sv: "Nyförskrivning",
        explanation_sv: "Här kan bara befintliga recept förnyas. För ett nytt läkemedel: ring \
                         läkaren eller boka ett läkarbesök.",
        title_en: "New prescription",
        explanation_en: "Only existing prescriptions can be renewed here. For a new drug: phone the doctor or book a doctor's appointment.",
        routine_quote: QUOTE_NARCOTICS,
    },
    RuleInfo {
        code: RuleCode::EjInskriven,
        code_str: "EJ_INSKRIVEN",
        title_sv: "Patienten är inte inskriven",
        explanation_sv: "Patienten måste vara inskriven i den kommunala hälso- och sjukvården hos \
                         meddelandets kommunala part. Är patienten inte inskriven: ring.",
        title_en: "The patient is not enrolled",
        explanation_en: "The patient must be enrolled in the home health care of the message's municipal party. If the patient is not enrolled: phone.",
        routine_quote: "Patienten ska vara inskriven i kommunal hälso-och sjukvård.",
    },
    RuleInfo {
        code: RuleCode::OgiltigMottagare,
        code_str: "OGILTIG_MOTTAGARE",
        title_sv: "Ogiltig mottagare",
        explanation_sv: "Meddelanden går mellan en aktiv kommunal enhet och en aktiv enhet i \
                         närsjukvård, psykiatrisk öppenvård eller deltagande specialistmottagning \
                         (Habiliteringen, Palliativa konsultteam). Välj en sådan mottagare eller ring.",
        title_en: "Invalid recipient",
        explanation_en: "Messages go between an active municipal unit and an active unit of primary care, psychiatric outpatient care or a participating specialist clinic (Habiliteringen, Palliativa konsultteam). Choose such a recipient or phone.",
        routine_quote: QUOTE_SCOPE,
    },
    RuleInfo {
        code: RuleCode::EjLegitimerad,
        code_str: "EJ_LEGITIMERAD",
        title_sv: "Ej legitimerad personal",
        explanation_sv: "Bara legitimerad personal får skicka och svara. Be en legitimerad \
                         kollega skicka meddelandet.",
        title_en: "Not licensed staff",
        explanation_en: "Only licensed staff may send and reply. Ask a licensed colleague to send the message.",
        routine_quote: QUOTE_SCOPE,
    },
];

impl RuleInfo {
    /// The title, in both languages.
    pub fn title(&self) -> Msg {
        Msg::new(self.title_sv, self.title_en)
    }

    /// What to do instead, in both languages.
    pub fn explanation(&self) -> Msg {
        Msg::new(self.explanation_sv, self.explanation_en)
    }
}

/// Every rule with its explanation and source, in reporting order.
pub fn catalogue() -> &'static [RuleInfo] {
    &CATALOGUE
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::value::{Error, StrDeserializer};

    #[test]
    fn codes_serialise_to_the_stable_upper_case_names() {
        let names: Vec<&str> = RuleCode::ALL.iter().map(RuleCode::as_str).collect();
        assert_eq!(
            names,
            [
                "AKUT",
                "BILAGA",
                "NARKOTIKA",
                "NYFORSKRIVNING",
                "EJ_INSKRIVEN",
                "OGILTIG_MOTTAGARE",
                "EJ_LEGITIMERAD"
            ]
        );
        for code in RuleCode::ALL {
            let parsed = RuleCode::deserialize(StrDeserializer::<Error>::new(code.as_str()));
            assert_eq!(parsed, Ok(code), "serde and as_str agree on {code}");
        }
    }

    #[test]
    fn the_catalogue_lists_every_rule_once_in_reporting_order() {
        let codes: Vec<RuleCode> = catalogue().iter().map(|info| info.code).collect();
        assert_eq!(codes, RuleCode::ALL);
        for code in RuleCode::ALL {
            assert_eq!(code.info().code, code);
        }
    }

    #[test]
    fn every_rule_quotes_the_routine_and_says_what_to_do_instead() {
        for info in catalogue() {
            assert!(info.routine_quote.ends_with('.'), "{}", info.code);
            assert!(!info.title_sv.is_empty());
            assert!(!info.title_en.is_empty() && !info.explanation_en.is_empty());
            let says_what_to_do = ["ring", "Ring", "Skriv", "Be en", "Kontakta"]
                .iter()
                .any(|verb| info.explanation_sv.contains(verb));
            assert!(says_what_to_do, "{}", info.code);
        }
    }

    #[test]
    fn the_quotes_are_the_routines_own_words() {
        assert_eq!(
            RuleCode::Akut.info().routine_quote,
            "Informationen i Lifecare SP får ej vara av akut karaktär."
        );
        assert!(RuleCode::Narkotika
            .info()
            .routine_quote
            .contains("receptförnyelse av narkotiska preparat"));
        assert!(RuleCode::EjLegitimerad
            .info()
            .routine_quote
            .contains("berörd legitimerad personal"));
    }
}
