//! The directory's vocabulary: what kind of care a unit gives, and a specialist clinic's
//! specialty. Stored as their lower-case codes (the `units` table's CHECK constraints list
//! them); `models::codes` maps them to and from the text columns.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What kind of care a unit gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum UnitKind {
    /// Municipal home health care (kommunal hälso- och sjukvård); carries a municipality code.
    Kommun,
    /// Regional primary care (vårdcentral).
    Narsjukvard,
    /// Regional psychiatric outpatient care.
    Psykiatri,
    /// Specialist clinic; carries a specialty and takes part only while `participating`.
    Specialist,
}

impl UnitKind {
    /// Every kind, in the order the routine names them.
    pub const ALL: [UnitKind; 4] = [
        UnitKind::Kommun,
        UnitKind::Narsjukvard,
        UnitKind::Psykiatri,
        UnitKind::Specialist,
    ];

    /// The stored code.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Kommun => "kommun",
            Self::Narsjukvard => "narsjukvard",
            Self::Psykiatri => "psykiatri",
            Self::Specialist => "specialist",
        }
    }

    /// The kind with this stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == code)
    }
}

/// Specialty of a specialist clinic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Specialty {
    /// Habiliteringen.
    Habilitering,
    /// Palliativa konsultteam.
    Palliativ,
}

impl Specialty {
    /// Every specialty.
    pub const ALL: [Specialty; 2] = [Specialty::Habilitering, Specialty::Palliativ];

    /// The stored code.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Habilitering => "habilitering",
            Self::Palliativ => "palliativ",
        }
    }

    /// The specialty with this stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_match_the_json_names() {
        for kind in UnitKind::ALL {
            assert_eq!(UnitKind::from_code(kind.as_str()), Some(kind));
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::json!(kind.as_str())
            );
        }
        for specialty in Specialty::ALL {
            assert_eq!(Specialty::from_code(specialty.as_str()), Some(specialty));
            assert_eq!(
                serde_json::to_value(specialty).unwrap(),
                serde_json::json!(specialty.as_str())
            );
        }
        assert_eq!(UnitKind::from_code("Kommun"), None);
        assert!(serde_json::from_value::<UnitKind>(serde_json::json!("Kommun")).is_err());
        assert_eq!(Specialty::from_code(""), None);
    }
}
