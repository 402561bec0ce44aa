//! HSA-ids: every accepted form and every refusal with its code.

use std::collections::HashSet;

use super::*;

#[test]
fn region_hallands_unit_id_is_valid() {
    let id = HsaId::parse("SE2321000115-ABC").expect("valid");
    assert_eq!(id.organisation_number(), "2321000115");
    assert_eq!(id.suffix(), "ABC");
}

#[test]
fn lower_case_is_accepted_shown_as_written_and_equal_to_upper_case() {
    let lower = HsaId::parse("se2321000115-abc").expect("valid");
    let upper = HsaId::parse("SE2321000115-ABC").expect("valid");
    assert_eq!(lower.as_str(), "se2321000115-abc");
    assert_eq!(lower.normalized(), "SE2321000115-ABC");
    assert_eq!(lower, upper);
    assert_eq!(HashSet::from([lower, upper]).len(), 1);
}

#[test]
fn thirty_one_characters_are_allowed_and_thirty_two_are_not() {
    let base = "SE2321000115-"; // 13 characters
    let ok = format!("{base}{}", "A".repeat(18));
    let too_long = format!("{base}{}", "A".repeat(19));
    assert_eq!(ok.len(), 31);
    assert!(HsaId::parse(&ok).is_ok());
    assert_eq!(HsaId::parse(&too_long), Err(HsaIdError::TooLong));
}

#[test]
fn the_organisation_number_has_exactly_ten_digits() {
    assert!(HsaId::parse("SE2321000115-1").is_ok());
    assert_eq!(
        HsaId::parse("SE232100011-1"),
        Err(HsaIdError::OrganisationNumber)
    );
    assert_eq!(
        HsaId::parse("SE23210001155-1"),
        Err(HsaIdError::OrganisationNumber)
    );
}

#[test]
fn the_dash_and_a_suffix_are_required() {
    assert_eq!(
        HsaId::parse("SE2321000115ABC"),
        Err(HsaIdError::MissingDash)
    );
    assert_eq!(HsaId::parse("SE2321000115-"), Err(HsaIdError::Suffix));
}

#[test]
fn the_suffix_allows_only_a_to_z_and_digits() {
    assert_eq!(HsaId::parse("SE2321000115-ÅSA"), Err(HsaIdError::Suffix));
    assert_eq!(HsaId::parse("SE2321000115-åsa"), Err(HsaIdError::Suffix));
    assert_eq!(HsaId::parse("SE2321000115-A_B"), Err(HsaIdError::Suffix));
    assert_eq!(HsaId::parse("SE2321000115-A-B"), Err(HsaIdError::Suffix));
    assert!(HsaId::parse("SE2321000115-E0000123").is_ok());
}

#[test]
fn non_ascii_letters_that_upper_case_to_ascii_are_refused() {
    assert_eq!(
        HsaId::parse("SE2321000115-\u{131}D"),
        Err(HsaIdError::Suffix)
    );
    assert_eq!(
        HsaId::parse("\u{17F}E2321000115-A"),
        Err(HsaIdError::Prefix)
    );
}

#[test]
fn the_prefix_must_be_se() {
    assert_eq!(HsaId::parse("NO2321000115-ABC"), Err(HsaIdError::Prefix));
    assert_eq!(HsaId::parse("2321000115-ABC"), Err(HsaIdError::Prefix));
}

#[test]
fn surrounding_whitespace_is_refused_not_trimmed() {
    assert_eq!(
        HsaId::parse(" SE2321000115-ABC"),
        Err(HsaIdError::Whitespace)
    );
    assert_eq!(
        HsaId::parse("SE2321000115-ABC\n"),
        Err(HsaIdError::Whitespace)
    );
}

#[test]
fn every_error_has_the_same_code_and_a_swedish_message() {
    assert_eq!(HsaIdError::Suffix.code(), "HSA_ID_FORMAT");
    assert!(HsaIdError::TooLong.message().contains("högst 31"));
}
