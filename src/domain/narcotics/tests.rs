//! The shipped narcotics table recognising drugs by name, ATC code and NPL id, and not others.

use super::*;

const SHIPPED: &str = include_str!("../../../data/narcotics.csv");

fn shipped() -> NarcoticsIndex {
    NarcoticsIndex::from_csv(SHIPPED).expect("the shipped table is valid")
}

fn substance_of(m: Option<NarcoticMatch>) -> Option<String> {
    m.map(|m| m.substance)
}

#[test]
fn the_shipped_table_recognises_common_narcotics_by_name() {
    let index = shipped();
    for name in [
        "OxyNorm 5 mg kapsel",
        "Concerta 36 mg",
        "Citodon 500 mg/30 mg",
        "Stesolid",
    ] {
        let found = index.find(name, None, None);
        assert_eq!(found.map(|m| m.matched_on), Some(MatchedOn::Name), "{name}");
    }
}

#[test]
fn the_shipped_table_recognises_atc_code_and_npl_id() {
    let index = shipped();
    let by_atc = index.find("Okänt preparat", Some("N02AA05"), None);
    assert_eq!(by_atc.as_ref().map(|m| m.matched_on), Some(MatchedOn::Atc));
    assert_eq!(substance_of(by_atc).as_deref(), Some("oxikodon"));
    let by_npl = index.find("Okänt preparat", None, Some("20141129000084"));
    assert_eq!(by_npl.map(|m| m.matched_on), Some(MatchedOn::Npl));
}

#[test]
fn the_shipped_table_does_not_flag_ordinary_drugs_or_atomoxetine() {
    let index = shipped();
    for name in [
        "Alvedon 500 mg",
        "Enalapril 5 mg",
        "Atomoxetin Teva",
        "Strattera 40 mg",
    ] {
        assert_eq!(index.find(name, None, None), None, "{name}");
    }
    assert_eq!(index.find("Strattera", Some("N06BA09"), None), None);
}

#[test]
fn a_name_must_be_whole_words_but_may_sit_inside_a_product_name() {
    let index = shipped();
    assert_eq!(index.find("Oxynormal", None, None), None);
    let combined = index.find("Oxycodone/Naloxone Sandoz", None, None);
    assert_eq!(substance_of(combined).as_deref(), Some("oxikodon"));
    assert!(index
        .find("Paracetamol/Kodein Evolan", None, None)
        .is_some());
}

#[test]
fn a_salt_written_together_with_the_substance_still_matches() {
    let index = shipped();
    assert!(index
        .find("Oxikodonhydroklorid Teva 10 mg", None, None)
        .is_some());
    assert!(index.find("Kodeinfosfat 25 mg", None, None).is_some());
    assert_eq!(index.find("Oxikodonal", None, None), None);
}

#[test]
fn names_match_regardless_of_case_and_report_the_words_as_written() {
    let found = shipped().find("OXYNORM", None, None).expect("a hit");
    assert_eq!(found.term, "OXYNORM");
}

#[test]
fn an_atc_code_matches_exactly_after_trimming_and_upper_casing_never_by_prefix() {
    let index = shipped();
    assert!(index.find("x", Some(" n02aa05 "), None).is_some());
    assert_eq!(index.find("x", Some("N02AA"), None), None);
    assert_eq!(index.find("x", Some("N06BA"), None), None);
    assert_eq!(index.find("x", Some("N02AA051"), None), None);
}

#[test]
fn free_text_is_searched_by_name_and_the_earliest_name_wins() {
    let index = shipped();
    let found = index.find_in_text("Förnya Stesolid och sedan OxyNorm, tack.");
    assert_eq!(found.map(|m| m.term).as_deref(), Some("Stesolid"));
    assert_eq!(index.find_in_text("N02AA05 20141129000084"), None);
}

#[test]
fn when_two_entries_share_a_code_the_first_wins() {
    let entry = |s: &str| NarcoticEntry {
        substance: s.into(),
        names: vec![],
        atc_codes: vec!["N02AA05".into()],
        npl_ids: vec![],
        schedule: "II".into(),
    };
    let index = NarcoticsIndex::new(vec![entry("first"), entry("second")]);
    assert_eq!(
        substance_of(index.find("", Some("N02AA05"), None)).as_deref(),
        Some("first")
    );
}
