//! Urgency terms, their negations and the words that only look like them.

use super::*;

fn terms(text: &str) -> Vec<&'static str> {
    find_urgency(text).into_iter().map(|h| h.term).collect()
}

#[test]
fn akut_alone_and_with_punctuation_is_urgent() {
    for text in ["akut", "AKUT!", "Akut.", "Detta är akut, ring", "(akut)"] {
        assert_eq!(terms(text), ["akut"], "{text}");
    }
}

#[test]
fn the_match_is_reported_as_written() {
    let hits = find_urgency("Svar önskas SÅ SNART SOM MÖJLIGT!");
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].term, "så snart som möjligt");
    assert_eq!(hits[0].matched, "SÅ SNART SOM MÖJLIGT");
}

#[test]
fn compounds_and_places_are_not_urgent() {
    for text in [
        "akutmottagningen",
        "Var på akuten igår",
        "akutsjukvård",
        "subakut",
        "ickeakut",
    ] {
        assert!(terms(text).is_empty(), "{text}");
    }
}

#[test]
fn every_listed_term_is_urgent_on_its_own() {
    for term in URGENT_TERMS {
        assert_eq!(terms(term), [*term], "{term}");
    }
}

#[test]
fn spelling_without_diacritics_or_in_capitals_is_still_urgent() {
    assert_eq!(terms("bradskande"), ["brådskande"]);
    assert_eq!(terms("OMGAENDE"), ["omgående"]);
    assert_eq!(terms("Bråttom"), ["bråttom"]);
}

#[test]
fn ambiguous_words_are_not_urgency_terms() {
    for text in [
        "Jag ringer direkt till er",
        "Tog medicinen idag",
        "Vi prioriterar detta",
        "prio",
        "Brått insjuknande i går",
        "Inga akuta besvär",
        "brådska",
    ] {
        assert!(terms(text).is_empty(), "{text}");
    }
}

#[test]
fn every_listed_negation_suppresses_its_term() {
    for text in [
        "ej akut",
        "inte akut",
        "icke akut",
        "icke-akut",
        "ickeakut",
        "inte så akut",
        "inget akut",
        "ej brådskande",
        "inte brådskande",
        "icke brådskande",
        "inget brådskande",
        "ingen brådska",
        "inte bråttom",
        "ej bråttom",
        "inte så bråttom",
        "Det är INTE AKUT.",
        "inte alls akut",
        "ej livshotande",
        "det brådskar inte",
        "Det brådskar ej.",
    ] {
        assert!(terms(text).is_empty(), "{text}");
    }
}

#[test]
fn a_negation_does_not_reach_across_punctuation_or_other_words() {
    assert_eq!(terms("Svarar inte. Akut!"), ["akut"]);
    assert_eq!(terms("inte, akut"), ["akut"]);
    assert_eq!(terms("inte så, akut"), ["akut"]);
    assert_eq!(terms("ej nu akut"), ["akut"]);
    assert_eq!(terms("det brådskar, inte"), ["brådskar"]);
}

#[test]
fn a_negated_term_and_a_plain_term_together_are_urgent() {
    assert_eq!(terms("Ej akut men brådskande"), ["brådskande"]);
    assert_eq!(terms("Inte akut. Eller jo, akut!"), ["akut"]);
}

#[test]
fn overlapping_terms_are_reported_once() {
    assert_eq!(terms("hög prio 1"), ["hög prio"]);
    assert_eq!(terms("akut akut"), ["akut", "akut"]);
}

#[test]
fn ordinary_text_is_not_urgent() {
    assert!(find_urgency("Hej! Kan ni förnya receptet på Enalapril? Tack.").is_empty());
}
