//! Text normalisation and whole-word matching, shared by the urgency and narcotics checks.
//!
//! Nurses write "Brådskande", "BRADSKANDE" and "bradskande" for the same word, so matching
//! compares *folded* text: lower case, Unicode canonical decomposition (NFD) with the
//! combining marks removed (å→a, ä→a, ö→o, é→e).
//!
//! Matching is by whole words, never by substring: "akutmottagningen" must not match "akut",
//! and "Oxynormal" must not match "OxyNorm". A word is a run of alphanumeric characters
//! (plus combining marks, so text that arrives already decomposed stays one word); anything
//! else, including a hyphen, separates words, so "icke-akut" is the two words "icke" "akut".
//!
//! A phrase ("så snart som möjligt", "Equasym Depot") matches consecutive words that are
//! *joined*: separated only by spaces or the connectors `-`, `–`, `/`. Sentence punctuation
//! (`.`, `,`, `!`, `?`, `:`, `;`, brackets, line breaks) breaks a phrase, so words from two
//! different sentences never form one phrase or one negation.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Folds text for comparison: lower case, NFD, combining marks removed.
///
/// Lower-casing comes first because some lower-case mappings themselves produce a combining
/// mark (e.g. `İ` → `i` + U+0307), which the later steps then remove.
pub fn fold(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .collect()
}

/// Whether `c` belongs to a word (see the module documentation).
pub fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || is_combining_mark(c)
}

/// One word of a text, as written and folded, with its byte range in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token<'a> {
    /// The word exactly as written.
    pub text: &'a str,
    /// The word after [`fold`].
    pub folded: String,
    /// Byte offset of the word's first character.
    pub start: usize,
    /// Byte offset just past the word's last character.
    pub end: usize,
}

/// A phrase to look for: one or more folded words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phrase {
    words: Vec<String>,
}

impl Phrase {
    /// Builds a phrase from text written the way people write it ("Så snart som möjligt").
    pub fn new(text: &str) -> Phrase {
        let words = Tokens::new(text)
            .as_slice()
            .iter()
            .map(|t| t.folded.clone())
            .collect();
        Phrase { words }
    }

    /// The folded words of the phrase.
    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// Whether the phrase has no words at all (e.g. it was only punctuation).
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
}

/// Where a phrase matched: token indices (inclusive) and the byte range in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhraseMatch {
    /// Index of the first matched token.
    pub first: usize,
    /// Index of the last matched token.
    pub last: usize,
    /// Byte offset where the match starts.
    pub start: usize,
    /// Byte offset just past the match.
    pub end: usize,
}

/// A text split into words, remembering what separates them.
#[derive(Debug, Clone)]
pub struct Tokens<'a> {
    text: &'a str,
    tokens: Vec<Token<'a>>,
}

impl<'a> Tokens<'a> {
    /// Splits `text` into words.
    pub fn new(text: &'a str) -> Tokens<'a> {
        let mut tokens = Vec::new();
        let mut start: Option<usize> = None;
        for (i, c) in text.char_indices() {
            match (is_word_char(c), start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    tokens.push(make_token(text, s, i));
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(s) = start {
            tokens.push(make_token(text, s, text.len()));
        }
        Tokens { text, tokens }
    }

    /// The words in order.
    pub fn as_slice(&self) -> &[Token<'a>] {
        &self.tokens
    }

    /// Whether word `i` and word `i + 1` are joined (only spaces or connectors between them).
    pub fn joined(&self, i: usize) -> bool {
        match (self.tokens.get(i), self.tokens.get(i + 1)) {
            (Some(a), Some(b)) => self.text[a.end..b.start]
                .chars()
                .all(|c| c == ' ' || c == '\t' || c == '\u{a0}' || is_connector(c)),
            _ => false,
        }
    }

    /// Every place where `phrase` occurs as joined whole words.
    pub fn find(&self, phrase: &Phrase) -> Vec<PhraseMatch> {
        self.find_where(phrase, |word, token| word == token)
    }

    /// Like [`Tokens::find`], but the phrase's last word matches a token when
    /// `last_matches(word, folded_token)` says so (all other words must be equal).
    /// The narcotics index uses this to accept salt forms such as "oxikodonhydroklorid".
    pub fn find_where(
        &self,
        phrase: &Phrase,
        last_matches: impl Fn(&str, &str) -> bool,
    ) -> Vec<PhraseMatch> {
        let n = phrase.words.len();
        if n == 0 || n > self.tokens.len() {
            return Vec::new();
        }
        let mut found = Vec::new();
        for first in 0..=(self.tokens.len() - n) {
            let last = first + n - 1;
            let words_match = phrase.words.iter().enumerate().all(|(k, word)| {
                let token = &self.tokens[first + k].folded;
                if k + 1 == n {
                    last_matches(word, token)
                } else {
                    word == token
                }
            });
            if words_match && (first..last).all(|i| self.joined(i)) {
                found.push(PhraseMatch {
                    first,
                    last,
                    start: self.tokens[first].start,
                    end: self.tokens[last].end,
                });
            }
        }
        found
    }

    /// The original text of a match, as written.
    pub fn matched_text(&self, m: &PhraseMatch) -> &'a str {
        &self.text[m.start..m.end]
    }
}

fn make_token(text: &str, start: usize, end: usize) -> Token<'_> {
    let word = &text[start..end];
    Token {
        text: word,
        folded: fold(word),
        start,
        end,
    }
}

fn is_connector(c: char) -> bool {
    matches!(c, '-' | '\u{2010}' | '\u{2011}' | '\u{2013}' | '/')
}

/// Whether `phrase` occurs in `text` as joined whole words.
pub fn contains_phrase(text: &str, phrase: &str) -> bool {
    !Tokens::new(text).find(&Phrase::new(phrase)).is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_removes_swedish_diacritics_and_case() {
        assert_eq!(fold("BRÅDSKANDE Omgående Café"), "bradskande omgaende cafe");
        assert_eq!(fold("Öö Ää Åå"), "oo aa aa");
    }

    #[test]
    fn folding_treats_precomposed_and_decomposed_letters_alike() {
        assert_eq!(fold("bra\u{030A}dskande"), fold("brådskande"));
    }

    #[test]
    fn a_decomposed_letter_does_not_split_a_word() {
        let tokens = Tokens::new("bra\u{030A}dskande!");
        assert_eq!(tokens.as_slice().len(), 1);
        assert_eq!(tokens.as_slice()[0].folded, "bradskande");
    }

    #[test]
    fn hyphens_and_punctuation_split_words() {
        let tokens = Tokens::new("icke-akut, AKUT! (akutmottagningen)");
        let words: Vec<&str> = tokens.as_slice().iter().map(|t| t.text).collect();
        assert_eq!(words, ["icke", "akut", "AKUT", "akutmottagningen"]);
    }

    #[test]
    fn a_word_is_matched_whole_never_as_a_substring() {
        assert!(contains_phrase("Akut.", "akut"));
        assert!(!contains_phrase("akutmottagningen", "akut"));
        assert!(!contains_phrase("subakut", "akut"));
    }

    #[test]
    fn a_phrase_matches_across_spaces_and_connectors_but_not_punctuation() {
        assert!(contains_phrase(
            "svara så  snart som möjligt",
            "så snart som möjligt"
        ));
        assert!(contains_phrase(
            "Oxycodone/Naloxone Sandoz",
            "oxycodone naloxone"
        ));
        assert!(!contains_phrase("hög. Prio", "hög prio"));
        assert!(!contains_phrase("hög\nprio", "hög prio"));
    }

    #[test]
    fn a_match_reports_the_text_as_written() {
        let tokens = Tokens::new("Svara SÅ SNART som möjligt tack");
        let found = tokens.find(&Phrase::new("så snart som möjligt"));
        assert_eq!(found.len(), 1);
        assert_eq!(tokens.matched_text(&found[0]), "SÅ SNART som möjligt");
    }

    #[test]
    fn an_empty_phrase_never_matches() {
        assert!(Phrase::new(" - ").is_empty());
        assert!(!contains_phrase("text", "!!"));
    }
}
