//! AKUT: does a text signal urgency? "Informationen i Lifecare SP får ej vara av akut
//! karaktär."
//!
//! **Terms** (from `urgency_terms.csv`, category `urgent`, high/medium confidence), matched
//! as whole words or joined phrases, case- and diacritic-insensitively (see
//! [`crate::domain::text`]): akut, urakut, brådskande, brådskar, bråttom, "har brått",
//! omgående, omedelbart, genast, snarast, "så snart som möjligt", "så fort som möjligt",
//! "så snabbt som möjligt", "fortast möjligt", skyndsamt, asap, livshotande, "prio 1",
//! prio1, "hög prio", "högsta prio", "hög prioritet", "högsta prioritet".
//!
//! **Not used**, because they are too ambiguous to refuse a message on:
//! - `direkt` ("ringer direkt till…", "direkt efter maten");
//! - `idag`/`i dag`, `ikväll`, `inatt` ("tog medicinen idag");
//! - `prio` alone ("prioriterar", "vår prio är…"); only the explicit forms above count;
//! - `brått` alone: in clinical text it means *sudden* ("brått insjuknande"), so only
//!   "har brått" counts;
//! - inflections such as `akuta` ("inga akuta besvär" is a routine status note) and compounds
//!   (`akutmottagningen`, `akuten`, `akutsjukvård`, `subakut`: places and kinds of care);
//! - `brådska` alone appears only in "ingen brådska", which is a negation.
//!
//! **Negation**: a term is not a hit when the word right before it (optionally with one
//! degree word *så*, *alls*, *särskilt* or *speciellt* in between) is *ej*, *inte*, *icke*,
//! *inget*, *ingen* or *ingenting*: "ej akut", "inte så bråttom", "icke-akut", "inget
//! brådskande". Swedish puts *inte* after a verb, so the verb term "brådskar" is also
//! negated by a following *inte*/*ej* ("det brådskar inte"). The words must be joined (no
//! sentence punctuation between), so "Svarar inte. Akut!" is a hit. Negation covers only
//! its own term: a text with "ej akut" and a plain "brådskande" is a hit.
//!
//! Free text elsewhere in a message (e.g. a dosage) is checked too by the rules; see
//! [`crate::domain::rules`].

use std::sync::LazyLock;

use crate::domain::text::{Phrase, Tokens};

/// The urgency terms, as written in messages (see the module documentation).
pub const URGENT_TERMS: &[&str] = &[
    "akut",
    "urakut",
    "brådskande",
    "brådskar",
    "bråttom",
    "har brått",
    "omgående",
    "omedelbart",
    "genast",
    "snarast",
    "så snart som möjligt",
    "så fort som möjligt",
    "så snabbt som möjligt",
    "fortast möjligt",
    "skyndsamt",
    "asap",
    "livshotande",
    "prio 1",
    "prio1",
    "hög prio",
    "högsta prio",
    "hög prioritet",
    "högsta prioritet",
];

/// Words that negate the term right after them.
const NEGATORS: &[&str] = &["ej", "inte", "icke", "inget", "ingen", "ingenting"];

/// Degree words allowed between a negator and its term ("inte så akut").
const DEGREE_WORDS: &[&str] = &["sa", "alls", "sarskilt", "speciellt"];

/// Verb terms that a following "inte"/"ej" negates ("det brådskar inte").
const VERB_TERMS: &[&str] = &["bradskar"];

/// One urgency term found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrgencyHit {
    /// The term from [`URGENT_TERMS`].
    pub term: &'static str,
    /// The words as written in the text ("AKUT", "Så snart som möjligt").
    pub matched: String,
}

static TERMS: LazyLock<Vec<(&'static str, Phrase)>> = LazyLock::new(|| {
    URGENT_TERMS
        .iter()
        .map(|term| (*term, Phrase::new(term)))
        .collect()
});

/// Every non-negated urgency term in `text`, in order of appearance; overlapping matches
/// ("hög prio 1") are reported once, by the first.
pub fn find_urgency(text: &str) -> Vec<UrgencyHit> {
    let tokens = Tokens::new(text);
    let mut found: Vec<(usize, usize, &'static str)> = Vec::new();
    for (term, phrase) in TERMS.iter() {
        for m in tokens.find(phrase) {
            if !is_negated(&tokens, m.first, m.last) {
                found.push((m.start, m.end, term));
            }
        }
    }
    // Earliest first, and the longest of matches starting at the same word.
    found.sort_by_key(|(start, end, _)| (*start, usize::MAX - *end));
    let mut hits = Vec::new();
    let mut covered_until = 0;
    for (start, end, term) in found {
        if start >= covered_until {
            hits.push(UrgencyHit {
                term,
                matched: text[start..end].to_string(),
            });
            covered_until = end;
        }
    }
    hits
}

/// Whether the term at tokens `first..=last` is negated (see the module documentation).
fn is_negated(tokens: &Tokens<'_>, first: usize, last: usize) -> bool {
    let words = tokens.as_slice();
    let folded = |i: usize| words[i].folded.as_str();
    let mut before = first;
    if before >= 1 && tokens.joined(before - 1) && DEGREE_WORDS.contains(&folded(before - 1)) {
        before -= 1;
    }
    let negated_before =
        before >= 1 && tokens.joined(before - 1) && NEGATORS.contains(&folded(before - 1));
    let negated_after = first == last
        && VERB_TERMS.contains(&folded(first))
        && last + 1 < words.len()
        && tokens.joined(last)
        && ["inte", "ej"].contains(&folded(last + 1));
    negated_before || negated_after
}

#[cfg(test)]
mod tests;
