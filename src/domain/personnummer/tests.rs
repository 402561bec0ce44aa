//! Personnummer and samordningsnummer: every accepted form, every refusal with its code, and
//! properties over generated numbers.

use super::*;
use proptest::prelude::*;
use time::macros::date;

const TODAY: Date = date!(2026 - 06 - 15);

fn parse(s: &str) -> Result<Personnummer, PnrError> {
    Personnummer::parse(s, TODAY)
}

/// Appends the Luhn digit to `YYYYMMDDNNN`.
fn with_check(eleven: &str) -> String {
    let mut nine = [0u8; 9];
    for (slot, b) in nine.iter_mut().zip(eleven[2..].bytes()) {
        *slot = b - b'0';
    }
    format!("{eleven}{}", luhn::check_digit(&nine))
}

#[test]
fn the_safe_test_identities_are_valid() {
    for (input, birth) in [
        ("19121212-1212", date!(1912 - 12 - 12)),
        ("20121212-1212", date!(2012 - 12 - 12)),
        ("20170101-2393", date!(2017 - 01 - 01)),
    ] {
        let pnr = parse(input).expect(input);
        assert_eq!(pnr.to_string(), input);
        assert_eq!(pnr.birth_date(), birth);
        assert_eq!(pnr.kind(), IdKind::Personnummer);
    }
}

#[test]
fn a_samordningsnummer_has_sixty_added_to_the_day() {
    let pnr = parse("19701063-2391").expect("safe samordningsnummer");
    assert_eq!(pnr.kind(), IdKind::Samordningsnummer);
    assert_eq!(pnr.birth_date(), date!(1970 - 10 - 03));
    assert_eq!(pnr.as_str(), "197010632391");
}

#[test]
fn all_written_forms_normalise_to_twelve_digits() {
    for input in [
        "191212121212",
        "19121212-1212",
        "121212+1212",
        " 19121212-1212\n",
    ] {
        assert_eq!(
            parse(input).map(|p| p.as_str().to_string()),
            Ok("191212121212".into())
        );
    }
    for input in ["1212121212", "121212-1212", "201212121212"] {
        assert_eq!(
            parse(input).map(|p| p.as_str().to_string()),
            Ok("201212121212".into())
        );
    }
}

#[test]
fn a_ten_digit_number_born_today_is_this_century_and_born_tomorrow_the_last() {
    let today = with_check("20260615123");
    let tomorrow = with_check("20260616123");
    let ten = |full: &str| format!("{}-{}", &full[2..8], &full[8..]);
    assert_eq!(
        parse(&ten(&today)).map(|p| p.birth_date()),
        Ok(date!(2026 - 06 - 15))
    );
    assert_eq!(
        parse(&ten(&tomorrow)).map(|p| p.birth_date()),
        Ok(date!(1926 - 06 - 16))
    );
}

#[test]
fn a_plus_moves_a_ten_digit_number_one_century_back() {
    assert_eq!(
        parse("121212+1212").map(|p| p.birth_date()),
        Ok(date!(1912 - 12 - 12))
    );
    assert_eq!(
        parse("121212-1212").map(|p| p.birth_date()),
        Ok(date!(2012 - 12 - 12))
    );
}

#[test]
fn a_plus_in_a_twelve_digit_number_is_a_format_error() {
    assert_eq!(parse("19121212+1212"), Err(PnrError::Format));
}

#[test]
fn anything_but_digits_and_one_separator_is_a_format_error() {
    for input in [
        "",
        "19121212-121",
        "1912121212120",
        "12121-21212",
        "121212 1212",
        "121212/1212",
        "1912-1212-1212",
        "19121212--1212",
        "19121212-12a2",
        "١٩١٢١٢١٢١٢١٢",
        "121212-+1212",
    ] {
        assert_eq!(parse(input), Err(PnrError::Format), "{input:?}");
    }
}

#[test]
fn an_impossible_date_is_a_date_error() {
    for eleven in [
        "19121312121",
        "19120230121",
        "19121200121",
        "19121292121",
        "19000229121",
    ] {
        assert_eq!(parse(&with_check(eleven)), Err(PnrError::Date), "{eleven}");
    }
    assert!(
        parse(&with_check("20000229121")).is_ok(),
        "2000 is a leap year"
    );
}

#[test]
fn a_birth_date_after_today_is_a_date_error() {
    assert_eq!(parse(&with_check("20260616123")), Err(PnrError::Date));
    assert!(parse(&with_check("20260615123")).is_ok());
}

#[test]
fn a_wrong_check_digit_is_a_checksum_error() {
    assert_eq!(parse("19121212-1213"), Err(PnrError::Checksum));
}

#[test]
fn errors_have_stable_codes_and_swedish_messages() {
    assert_eq!(PnrError::Format.code(), "PNR_FORMAT");
    assert_eq!(PnrError::Date.code(), "PNR_DATE");
    assert_eq!(PnrError::Checksum.code(), "PNR_CHECKSUM");
    assert!(PnrError::Checksum.message().sv().contains("kontrollsiffra"));
}

#[test]
fn logs_only_ever_see_the_masked_number() {
    let pnr = parse("19121212-1212").expect("valid");
    assert_eq!(pnr.masked(), "19121212-****");
    assert_eq!(format!("{pnr:?}"), "Personnummer(19121212-****)");
}

/// A valid number born between 1901 and today: (12 digits, birth date).
fn valid_number() -> impl Strategy<Value = (String, Date)> {
    (
        1901i32..=2026,
        1u8..=12,
        1u8..=31,
        0u32..1000,
        any::<bool>(),
    )
        .prop_filter_map(
            "a real date not after today",
            |(y, m, d, serial, samordning)| {
                let month = Month::try_from(m).ok()?;
                let birth = Date::from_calendar_date(y, month, d).ok()?;
                if birth > TODAY {
                    return None;
                }
                let day = if samordning { d + 60 } else { d };
                Some((
                    with_check(&format!("{y:04}{m:02}{day:02}{serial:03}")),
                    birth,
                ))
            },
        )
}

proptest! {
    #[test]
    fn every_valid_number_round_trips_through_all_written_forms((full, birth) in valid_number()) {
        let ten = &full[2..];
        let under_100 = birth > date!(1926 - 06 - 15);
        let sep = if under_100 { '-' } else { '+' };
        let mut forms = vec![full.clone(), format!("{}-{}", &full[..8], &full[8..]),
                             format!("{}{sep}{}", &ten[..6], &ten[6..])];
        if under_100 {
            forms.push(ten.to_string());
        }
        for form in forms {
            let pnr = parse(&form).map_err(|e| TestCaseError::fail(format!("{form}: {e}")))?;
            prop_assert_eq!(pnr.as_str(), full.as_str());
            prop_assert_eq!(pnr.birth_date(), birth);
        }
    }

    #[test]
    fn a_single_changed_digit_is_never_accepted_as_the_same_number(
        (full, _) in valid_number(), position in 0usize..12, delta in 1u8..10,
    ) {
        let mut bytes = full.clone().into_bytes();
        bytes[position] = b'0' + (bytes[position] - b'0' + delta) % 10;
        let changed = String::from_utf8(bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
        match parse(&changed) {
            // The Luhn digit covers the last ten digits: every single change there fails.
            Ok(_) if position >= 2 => prop_assert!(false, "{} accepted", changed),
            Ok(other) => prop_assert_ne!(other.as_str(), full.as_str()),
            Err(_) => {}
        }
    }
}
