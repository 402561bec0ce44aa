//! NARKOTIKA in free text: does a text *ask for the renewal* of a narcotic-classified drug?
//! "Lifecare SP ska inte användas för … receptförnyelse av narkotiska preparat."
//!
//! A text asks for a renewal of a narcotic when one **sentence** holds both a renewal word
//! ([`RENEWAL_TERMS`]) and a narcotic's substance or brand name from the operator's table
//! ([`NarcoticsIndex::find_in_text`]). A text that only *mentions* the drug ("tar OxyNorm vid
//! behov, önskar blodtryckskontroll") asks for nothing and passes: nurses must be able to say
//! what the patient takes.
//!
//! Decisions:
//! - **Sentences** end at `!`, `?`, `;`, a line break, or a `.` followed by white space or the
//!   end of the text ("2.5 mg" stays one sentence). A comma or a colon does not end one:
//!   "Förnyelse: OxyNorm 5 mg" and "förnya Alvedon, OxyNorm och Enalapril" are one sentence each.
//! - **Renewal words** are matched as whole, folded words (see [`crate::domain::text`]), in
//!   the inflections nurses write: förnya, förnyas, förnyar, förnyat, förnyad, förnyade,
//!   förnyelse(n), receptförnyelse(n), "nytt recept", "nya recept", "skriv ut", "skriva ut",
//!   förskriv, förskriva. Not "skrivs ut" (a patient is discharged, *skrivs ut*, from hospital)
//!   nor "förskrivet" (says who prescribed, asks for nothing).
//! - **A negated renewal still counts** ("förnya inte OxyNorm"): the sentence is about renewing a
//!   narcotic, and the answer (phone the prescriber) is the same. A false refusal costs a
//!   rephrasing; a missed one lets a narcotics renewal through the channel the routine closes.
//! - ATC codes and NPL ids are not looked for in prose (see [`crate::domain::narcotics`]).

use std::sync::LazyLock;

use crate::domain::narcotics::{NarcoticMatch, NarcoticsIndex};
use crate::domain::text::{Phrase, Tokens};

/// The words that ask for a renewal, as written (see the module documentation).
pub const RENEWAL_TERMS: &[&str] = &[
    "förnya",
    "förnyas",
    "förnyar",
    "förnyat",
    "förnyad",
    "förnyade",
    "förnyelse",
    "förnyelsen",
    "receptförnyelse",
    "receptförnyelsen",
    "nytt recept",
    "nya recept",
    "skriv ut",
    "skriva ut",
    "förskriv",
    "förskriva",
];

static RENEWAL_PHRASES: LazyLock<Vec<Phrase>> =
    LazyLock::new(|| RENEWAL_TERMS.iter().map(|t| Phrase::new(t)).collect());

/// The sentences of `text`, in order (see the module documentation for where one ends).
pub fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let ends = match c {
            '!' | '?' | ';' | '\n' | '\r' => true,
            '.' => chars.peek().is_none_or(|(_, next)| next.is_whitespace()),
            _ => false,
        };
        if ends {
            let end = i + c.len_utf8();
            out.push(&text[start..end]);
            start = end;
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out.retain(|s| !s.trim().is_empty());
    out
}

/// Whether `sentence` holds a renewal word.
pub fn asks_for_renewal(sentence: &str) -> bool {
    let tokens = Tokens::new(sentence);
    RENEWAL_PHRASES.iter().any(|p| !tokens.find(p).is_empty())
}

/// The first narcotic that `text` asks to renew: named in a sentence that also holds a
/// renewal word. `None` when the text only mentions narcotics, or names none.
pub fn find_renewal_request(text: &str, index: &NarcoticsIndex) -> Option<NarcoticMatch> {
    sentences(text)
        .into_iter()
        .filter(|s| asks_for_renewal(s))
        .find_map(|s| index.find_in_text(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIPPED: &str = include_str!("../../data/narcotics.csv");

    fn index() -> NarcoticsIndex {
        NarcoticsIndex::from_csv(SHIPPED).expect("the shipped table is valid")
    }

    fn request(text: &str) -> Option<String> {
        find_renewal_request(text, &index()).map(|m| m.term)
    }

    #[test]
    fn a_renewal_word_and_a_narcotic_in_one_sentence_is_a_request() {
        for (text, term) in [
            ("Förnya OxyNorm 5 mg, tack.", "OxyNorm"),
            ("Kan ni förnya oxikodon?", "oxikodon"),
            ("Receptförnyelse Concerta 36 mg önskas", "Concerta"),
            ("Behöver nytt recept på Stesolid", "Stesolid"),
            ("Stesolid behöver förnyas", "Stesolid"),
            ("Skriv ut OxyNorm igen", "OxyNorm"),
            ("FÖRNYELSE: OXYNORM", "OXYNORM"),
            ("Förnya inte OxyNorm", "OxyNorm"),
        ] {
            assert_eq!(request(text).as_deref(), Some(term), "{text}");
        }
    }

    #[test]
    fn a_narcotic_only_mentioned_is_not_a_request() {
        for text in [
            "Tar OxyNorm vid behov, önskar blodtryckskontroll.",
            "Förnyelse av Enalapril. Patienten tar även OxyNorm vid behov.",
            "Förnya Enalapril!\nOxyNorm oförändrat",
            "OxyNorm förskrivet av palliativa teamet.",
            "Patienten skrivs ut från sjukhuset på fredag, tar oxikodon.",
            "Förnya Alvedon 500 mg.",
        ] {
            assert_eq!(request(text), None, "{text}");
        }
    }

    #[test]
    fn sentences_end_at_sentence_punctuation_not_at_a_decimal_point_or_comma() {
        assert_eq!(
            sentences("Förnya 2.5 mg, tack. Tar OxyNorm! Ok?"),
            ["Förnya 2.5 mg, tack.", " Tar OxyNorm!", " Ok?"]
        );
        assert_eq!(sentences("a\nb;c"), ["a\n", "b;", "c"]);
        assert_eq!(sentences("slut."), ["slut."]);
        assert!(sentences("  ").is_empty());
    }

    #[test]
    fn renewal_words_match_whole_words_only() {
        assert!(asks_for_renewal("Kan ni FÖRNYA?"));
        assert!(asks_for_renewal("nytt  recept"));
        assert!(!asks_for_renewal("förnyelsebar energi"));
        assert!(!asks_for_renewal("nytt. Recept"));
    }
}
