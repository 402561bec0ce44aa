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
use crate::i18n::Msg;

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

    /// An explanation for the person who typed the number.
    pub fn message(&self) -> Msg {
        match self {
            PnrError::Format => Msg::new(
                "Personnumret har fel format. Skriv 12 siffror (ÅÅÅÅMMDD-NNNN) eller \
                 10 siffror (ÅÅMMDD-NNNN, med + för den som fyllt 100).",
                "The personal identity number has the wrong format. Write 12 digits \
                 (YYYYMMDD-NNNN) or 10 digits (YYMMDD-NNNN, with + for someone aged 100 or more).",
            ),
            PnrError::Date => Msg::new(
                "Personnumret innehåller inget giltigt födelsedatum. Kontrollera år, månad och dag.",
                "The personal identity number holds no valid date of birth. Check the year, \
                 month and day.",
            ),
            PnrError::Checksum => Msg::new(
                "Personnumrets kontrollsiffra stämmer inte. Kontrollera att alla siffror är rätt.",
                "The personal identity number's check digit does not match. Check that every \
                 digit is right.",
            ),
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
mod tests;
