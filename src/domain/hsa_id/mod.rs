//! HSA-id: the national id of a care unit or a person, parsed once and then always valid.
//!
//! Form: `SE` + 10-digit organisation number + `-` + a suffix of one or more `A–Z`/`0–9`,
//! at most 31 characters in all (e.g. `SE2321000115-ABC`, Region Halland).
//!
//! Decisions:
//! - Letters are accepted in either case; the id is kept *as written* (`as_str`) but
//!   compared and hashed by its upper-case form, so `se2321000115-abc` and
//!   `SE2321000115-ABC` are the same unit.
//! - Surrounding whitespace is refused, not trimmed: an id arrives from a token or a
//!   directory, where stray whitespace means something upstream is broken.
//! - The organisation number's own check digit is not verified: the directory is the
//!   authority on which ids exist, and test directories use made-up numbers.

use std::fmt;
use std::hash::{Hash, Hasher};

use serde::{Deserialize, Serialize};

/// The longest HSA-id allowed.
pub const MAX_LEN: usize = 31;

/// A valid HSA-id.
#[derive(Clone, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct HsaId {
    written: String,
    upper: String,
}

/// Why a text is not a valid HSA-id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HsaIdError {
    /// Starts or ends with whitespace.
    #[error("HSA-id får inte börja eller sluta med mellanslag")]
    Whitespace,
    /// Longer than 31 characters.
    #[error("HSA-id får vara högst 31 tecken")]
    TooLong,
    /// Does not start with `SE`.
    #[error("HSA-id ska börja med SE")]
    Prefix,
    /// `SE` is not followed by exactly 10 digits.
    #[error("HSA-id ska ha ett organisationsnummer med 10 siffror efter SE")]
    OrganisationNumber,
    /// No `-` after the organisation number.
    #[error("HSA-id ska ha ett bindestreck efter organisationsnumret")]
    MissingDash,
    /// The suffix is empty or has a character other than A–Z or 0–9.
    #[error("HSA-id:ts sista del får bara innehålla A–Z och 0–9")]
    Suffix,
}

impl HsaIdError {
    /// The stable problem code (one for every way an HSA-id can be malformed).
    pub fn code(&self) -> &'static str {
        "HSA_ID_FORMAT"
    }

    /// A Swedish explanation.
    pub fn message(&self) -> String {
        self.to_string()
    }
}

impl HsaId {
    /// Parses an HSA-id (see the module documentation for the rules).
    pub fn parse(input: &str) -> Result<HsaId, HsaIdError> {
        if input.trim() != input {
            return Err(HsaIdError::Whitespace);
        }
        if input.chars().count() > MAX_LEN {
            return Err(HsaIdError::TooLong);
        }
        // ASCII-only upper-casing: a non-ASCII letter such as `ı` or `ſ` must not turn into
        // a valid ASCII letter; it stays as it is and fails the checks below.
        let upper = input.to_ascii_uppercase();
        let rest = upper.strip_prefix("SE").ok_or(HsaIdError::Prefix)?;
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits != 10 {
            return Err(HsaIdError::OrganisationNumber);
        }
        let suffix = rest[10..]
            .strip_prefix('-')
            .ok_or(HsaIdError::MissingDash)?;
        let suffix_ok = !suffix.is_empty()
            && suffix
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if !suffix_ok {
            return Err(HsaIdError::Suffix);
        }
        Ok(HsaId {
            written: input.to_string(),
            upper,
        })
    }

    /// The id exactly as it was written.
    pub fn as_str(&self) -> &str {
        &self.written
    }

    /// The id in upper case: the form to store and compare.
    pub fn normalized(&self) -> String {
        self.upper.clone()
    }

    /// The 10-digit organisation number (e.g. `2321000115` for Region Halland).
    pub fn organisation_number(&self) -> &str {
        &self.upper[2..12]
    }

    /// The part after the dash, upper case.
    pub fn suffix(&self) -> &str {
        &self.upper[13..]
    }
}

impl PartialEq for HsaId {
    fn eq(&self, other: &Self) -> bool {
        self.upper == other.upper
    }
}

impl Eq for HsaId {}

impl Hash for HsaId {
    // Must agree with `PartialEq`: hash the upper-case form only.
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.upper.hash(state);
    }
}

impl fmt::Display for HsaId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.written)
    }
}

impl fmt::Debug for HsaId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HsaId({})", self.written)
    }
}

impl TryFrom<String> for HsaId {
    type Error = HsaIdError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        HsaId::parse(&value)
    }
}

impl From<HsaId> for String {
    fn from(id: HsaId) -> String {
        id.written
    }
}

#[cfg(test)]
mod tests;
