//! NARKOTIKA: which drugs are narcotic-classified, from the project's own replaceable table
//! (`data/narcotics.csv`, see `data/NARCOTICS.md`), and how a drug is recognised.
//!
//! A drug is recognised by any of:
//! - **name**: a substance (Swedish or INN) or brand name found as whole words inside the
//!   drug name, case- and diacritic-insensitively: "OxyNorm 5 mg kapsel" and
//!   "Oxycodone/Naloxone Sandoz" hit, "Oxynormal" does not. A name's last word may also
//!   carry a salt suffix written together with it, as Swedish product names do
//!   ("Oxikodonhydroklorid Teva", "Kodeinfosfat"), see [`SALT_SUFFIXES`];
//! - **ATC code**: exact 7-character code after trimming and upper-casing. Prefixes are wrong
//!   both ways: N06BA holds methylphenidate (narcotic) and atomoxetine N06BA09 (not), while
//!   codeine sits in R05DA and buprenorphine in N07BC, far from the "opioid" groups;
//! - **NPL id**: exact product id from the national product register.
//!
//! Free text (subject, body) is searched by name only: codes in prose are too easily
//! something else (a phone number, a date).

use std::collections::HashMap;

pub use crate::domain::narcotics_csv::{parse_csv, NarcoticsCsvError};
use crate::domain::text::{Phrase, Tokens};

/// Salt and hydrate endings that Swedish product names write together with the substance.
/// Folded (no diacritics): `vatetartrat` is "vätetartrat".
pub const SALT_SUFFIXES: &[&str] = &[
    "hydroklorid",
    "hydrochlorid",
    "hydrochloride",
    "hydrobromid",
    "klorid",
    "sulfat",
    "tartrat",
    "vatetartrat",
    "bitartrat",
    "citrat",
    "fosfat",
    "maleat",
    "mesilat",
    "acetat",
    "bromid",
    "fumarat",
    "natrium",
    "base",
];

/// One narcotic substance and every way to recognise it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NarcoticEntry {
    /// The substance as the table names it (Swedish), e.g. "oxikodon".
    pub substance: String,
    /// Swedish and INN substance names and brand names.
    pub names: Vec<String>,
    /// Exact ATC codes (7 characters).
    pub atc_codes: Vec<String>,
    /// NPL product ids (14 digits).
    pub npl_ids: Vec<String>,
    /// Swedish narcotics schedule (förteckning) I–V.
    pub schedule: String,
}

/// What identified a drug as narcotic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MatchedOn {
    /// A substance or brand name in the drug name or text.
    Name,
    /// The ATC code.
    Atc,
    /// The NPL id.
    Npl,
}

/// A narcotic found, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NarcoticMatch {
    /// The substance from the table.
    pub substance: String,
    /// Which input identified it.
    pub matched_on: MatchedOn,
    /// What matched: the words as written for a name, the normalised code or id otherwise.
    pub term: String,
}

/// The narcotics table, indexed for lookups.
#[derive(Debug, Clone)]
pub struct NarcoticsIndex {
    entries: Vec<NarcoticEntry>,
    names: Vec<(usize, Phrase)>,
    atc: HashMap<String, usize>,
    npl: HashMap<String, usize>,
}

impl NarcoticsIndex {
    /// Indexes `entries`. When two entries share a code or id, the first one wins.
    pub fn new(entries: Vec<NarcoticEntry>) -> NarcoticsIndex {
        let mut names = Vec::new();
        let mut atc = HashMap::new();
        let mut npl = HashMap::new();
        for (i, entry) in entries.iter().enumerate() {
            for name in &entry.names {
                let phrase = Phrase::new(name);
                if !phrase.is_empty() {
                    names.push((i, phrase));
                }
            }
            for code in &entry.atc_codes {
                atc.entry(code.trim().to_uppercase()).or_insert(i);
            }
            for id in &entry.npl_ids {
                npl.entry(id.trim().to_string()).or_insert(i);
            }
        }
        NarcoticsIndex {
            entries,
            names,
            atc,
            npl,
        }
    }

    /// Parses and indexes a narcotics CSV (see [`parse_csv`]).
    pub fn from_csv(text: &str) -> Result<NarcoticsIndex, NarcoticsCsvError> {
        parse_csv(text).map(NarcoticsIndex::new)
    }

    /// The indexed entries.
    pub fn entries(&self) -> &[NarcoticEntry] {
        &self.entries
    }

    /// Whether a prescribed drug is narcotic, by name, then ATC code, then NPL id.
    pub fn find(
        &self,
        drug_name: &str,
        atc_code: Option<&str>,
        npl_id: Option<&str>,
    ) -> Option<NarcoticMatch> {
        self.find_in_text(drug_name)
            .or_else(|| self.find_atc(atc_code?))
            .or_else(|| self.find_npl(npl_id?))
    }

    /// The first narcotic name in free text (earliest position; longest name on a tie).
    pub fn find_in_text(&self, text: &str) -> Option<NarcoticMatch> {
        let tokens = Tokens::new(text);
        self.names
            .iter()
            .flat_map(|(entry, phrase)| {
                tokens
                    .find_where(phrase, name_word_matches)
                    .into_iter()
                    .map(move |m| (m, *entry))
            })
            .min_by_key(|(m, _)| (m.start, usize::MAX - m.end))
            .map(|(m, entry)| NarcoticMatch {
                substance: self.entries[entry].substance.clone(),
                matched_on: MatchedOn::Name,
                term: tokens.matched_text(&m).to_string(),
            })
    }

    fn find_atc(&self, code: &str) -> Option<NarcoticMatch> {
        let code = code.trim().to_uppercase();
        let entry = *self.atc.get(&code)?;
        Some(self.matched(entry, MatchedOn::Atc, code))
    }

    fn find_npl(&self, id: &str) -> Option<NarcoticMatch> {
        let id = id.trim();
        let entry = *self.npl.get(id)?;
        Some(self.matched(entry, MatchedOn::Npl, id.to_string()))
    }

    fn matched(&self, entry: usize, matched_on: MatchedOn, term: String) -> NarcoticMatch {
        NarcoticMatch {
            substance: self.entries[entry].substance.clone(),
            matched_on,
            term,
        }
    }
}

/// A name's (last) word matches a token that equals it or adds a salt suffix.
fn name_word_matches(word: &str, token: &str) -> bool {
    token == word
        || (word.chars().count() >= 4
            && token
                .strip_prefix(word)
                .is_some_and(|rest| SALT_SUFFIXES.iter().any(|salt| rest.starts_with(salt))))
}

#[cfg(test)]
mod tests;
