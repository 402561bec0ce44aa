//! Swedish personal identity numbers (personnummer) and coordination numbers
//! (samordningsnummer), parsed once and then always valid.
//!
//! Accepted forms, after trimming surrounding whitespace:
//! - 12 digits `YYYYMMDDNNNC`, or `YYYYMMDD-NNNC`;
//! - 10 digits `YYMMDDNNNC`, `YYMMDD-NNNC`, or `YYMMDD+NNNC` (the `+` marks age ≥ 100).
//!
//! Decisions:
//! - **10-digit century**: the latest century that puts the birth date on or before `today`;
//!   with `+`, one century earlier (Skatteverket's rule).
//! - **12 digits with `+` is refused** (`PnrError::Format`): the century is explicit, so the
//!   `+` either says nothing or contradicts it ("20121212+1212" would claim a 14-year-old is
//!   over 100). Refusing is safer than silently picking one reading.
//! - **A birth date after `today` is refused** (`PnrError::Date`), also for 12-digit input:
//!   nobody in care has one, and it usually means a mistyped century.
//! - A samordningsnummer has 60 added to the day; its birth date is the day minus 60.
//! - `Debug` prints the masked form so a number cannot leak into logs through `{:?}`;
//!   `Display` prints the full number for the places that must show it.

use std::fmt;

use time::{Date, Month};

use crate::domain::luhn;

/// A valid personnummer or samordningsnummer, stored as its 12 digits.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Personnummer {
    digits: String,
    birth_date: Date,
    kind: IdKind,
}

/// Which kind of identity number a [`Personnummer`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IdKind {
    /// An ordinary personnummer.
    Personnummer,
    /// A samordningsnummer (day of birth + 60), for people not registered as residents.
    Samordningsnummer,
}

impl IdKind {
    /// The stored code (`patients.id_kind`).
    pub fn as_str(self) -> &'static str {
        match self {
            IdKind::Personnummer => "personnummer",
            IdKind::Samordningsnummer => "samordningsnummer",
        }
    }

    /// The kind with this stored code.
    pub fn from_code(code: &str) -> Option<IdKind> {
        [IdKind::Personnummer, IdKind::Samordningsnummer]
            .into_iter()
            .find(|k| k.as_str() == code)
    }
}

/// Why a text is not a valid identity number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PnrError {
    /// Wrong length, letters, or a separator other than one `-`/`+` in the right place.
    #[error("PNR_FORMAT")]
    Format,
    /// The digits do not form a real date of birth (or it lies in the future).
    #[error("PNR_DATE")]
    Date,
    /// The last digit is not the Luhn check digit of the other nine.
    #[error("PNR_CHECKSUM")]
    Checksum,
}

impl PnrError {
    /// The stable problem code.
    pub fn code(&self) -> &'static str {
        match self {
            PnrError::Format => "PNR_FORMAT",
            PnrError::Date => "PNR_DATE",
            PnrError::Checksum => "PNR_CHECKSUM",
        }
    }

    /// A Swedish explanation for the person who typed the number.
    pub fn message(&self) -> &'static str {
        match self {
            PnrError::Format => {
                "Personnumret har fel format. Skriv 12 siffror (ÅÅÅÅMMDD-NNNN) eller \
                 10 siffror (ÅÅMMDD-NNNN, med + för den som fyllt 100)."
            }
            PnrError::Date => {
                "Personnumret innehåller inget giltigt födelsedatum. Kontrollera år, månad och dag."
            }
            PnrError::Checksum => {
                "Personnumrets kontrollsiffra stämmer inte. Kontrollera att alla siffror är rätt."
            }
        }
    }
}

/// The separator found in the input, if any.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Separator {
    None,
    Minus,
    Plus,
}

impl Personnummer {
    /// Parses a personnummer or samordningsnummer; `today` decides the century of 10-digit
    /// input and rejects future birth dates.
    pub fn parse(input: &str, today: Date) -> Result<Personnummer, PnrError> {
        let s = input.trim();
        if !s.is_ascii() {
            return Err(PnrError::Format);
        }
        let (digits, separator) = split_separator(s)?;
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PnrError::Format);
        }
        let full = match digits.len() {
            12 if separator == Separator::Plus => return Err(PnrError::Format),
            12 => digits,
            10 => with_century(&digits, separator == Separator::Plus, today)?,
            _ => return Err(PnrError::Format),
        };
        let (birth_date, kind) = birth_date_of(&full)?;
        if birth_date > today {
            return Err(PnrError::Date);
        }
        if !luhn::is_valid(&full[2..]) {
            return Err(PnrError::Checksum);
        }
        Ok(Personnummer {
            digits: full,
            birth_date,
            kind,
        })
    }

    /// The 12 digits, without separator (`YYYYMMDDNNNC`).
    pub fn as_str(&self) -> &str {
        &self.digits
    }

    /// Personnummer or samordningsnummer.
    pub fn kind(&self) -> IdKind {
        self.kind
    }

    /// The date of birth (for a samordningsnummer: the day with 60 subtracted).
    pub fn birth_date(&self) -> Date {
        self.birth_date
    }

    /// The form safe for logs: birth date digits and a masked tail, e.g. `19121212-****`.
    pub fn masked(&self) -> String {
        format!("{}-****", &self.digits[..8])
    }
}

impl fmt::Display for Personnummer {
    /// `YYYYMMDD-NNNC`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", &self.digits[..8], &self.digits[8..])
    }
}

impl fmt::Debug for Personnummer {
    // Masked on purpose: identity numbers must never reach logs (DOMAIN.md).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Personnummer({})", self.masked())
    }
}

/// Splits off at most one separator, which must sit before the last four digits.
fn split_separator(s: &str) -> Result<(String, Separator), PnrError> {
    let separators: Vec<(usize, char)> = s
        .char_indices()
        .filter(|(_, c)| *c == '-' || *c == '+')
        .collect();
    match separators.as_slice() {
        [] => Ok((s.to_string(), Separator::None)),
        [(i, c)] if *i + 5 == s.len() && (*i == 6 || *i == 8) => {
            let separator = if *c == '+' {
                Separator::Plus
            } else {
                Separator::Minus
            };
            Ok((format!("{}{}", &s[..*i], &s[*i + 1..]), separator))
        }
        _ => Err(PnrError::Format),
    }
}

/// Prefixes a 10-digit number with the century that makes the birth date the latest one
/// not after `today`; `plus` (age ≥ 100) goes one century further back.
fn with_century(digits: &str, plus: bool, today: Date) -> Result<String, PnrError> {
    let yy = number(&digits[0..2]);
    let mm = number(&digits[2..4]);
    let dd = number(&digits[4..6]);
    let real_day = if dd > 60 { dd - 60 } else { dd };
    let mut year = today.year() - today.year().rem_euclid(100) + yy as i32;
    // Compare as (year, month, day) so the century is chosen even before the date is
    // validated; an invalid date is reported by `birth_date_of` afterwards.
    if (year, mm, real_day)
        > (
            today.year(),
            u8::from(today.month()) as u32,
            today.day() as u32,
        )
    {
        year -= 100;
    }
    if plus {
        year -= 100;
    }
    if !(0..=9999).contains(&year) {
        return Err(PnrError::Date);
    }
    Ok(format!("{:02}{digits}", year / 100))
}

/// Validates the date part of 12 digits and tells the kind of number.
fn birth_date_of(full: &str) -> Result<(Date, IdKind), PnrError> {
    let year = number(&full[0..4]) as i32;
    let month = Month::try_from(number(&full[4..6]) as u8).map_err(|_| PnrError::Date)?;
    let day = number(&full[6..8]);
    let (day, kind) = if day > 60 {
        (day - 60, IdKind::Samordningsnummer)
    } else {
        (day, IdKind::Personnummer)
    };
    let date = Date::from_calendar_date(year, month, day as u8).map_err(|_| PnrError::Date)?;
    Ok((date, kind))
}

/// Parses ASCII digits already checked by the caller.
fn number(digits: &str) -> u32 {
    digits
        .bytes()
        .fold(0, |n, b| n * 10 + u32::from(b.wrapping_sub(b'0')))
}

#[cfg(test)]
mod tests {
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
        assert!(PnrError::Checksum.message().contains("kontrollsiffra"));
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
}
