//! HSA-id: `SE` + 10-digit organisation number + `-` + suffix (A–Z, 0–9), at most 31 chars.
//! Accepted in any case, shown as written, compared case-insensitively.

use std::hash::{Hash, Hasher};

/// A syntactically valid HSA-id.
#[derive(Debug, Clone, Eq)]
pub struct HsaId(String);

/// Why a string is not an HSA-id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an HSA-id: expected SE + 10-digit organisation number + '-' + suffix (A-Z, 0-9), at most 31 characters")]
pub struct HsaIdError;

impl HsaId {
    /// Parses an HSA-id.
    pub fn parse(input: &str) -> Result<Self, HsaIdError> {
        let b = input.as_bytes();
        let ok = b.len() <= 31
            && b.len() >= 14
            && b[..2].eq_ignore_ascii_case(b"SE")
            && b[2..12].iter().all(u8::is_ascii_digit)
            && b[12] == b'-'
            && b[13..].iter().all(u8::is_ascii_alphanumeric);
        if ok {
            Ok(Self(input.to_string()))
        } else {
            Err(HsaIdError)
        }
    }

    /// As written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Upper-case form, for comparison and lookup.
    pub fn normalized(&self) -> String {
        self.0.to_ascii_uppercase()
    }
}

impl PartialEq for HsaId {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}

impl Hash for HsaId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.normalized().hash(state);
    }
}
