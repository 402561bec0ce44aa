//! The routine's four categories ("Nedan punkter kan kommuniceras"): receptförnyelse,
//! provtagning, uppföljning and bokning. Stored as their codes (the `messages` table's CHECK
//! constraint lists them); `models::codes` maps them to and from the text column.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A message category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// Receptförnyelse.
    Recept,
    /// Provtagning.
    Provtagning,
    /// Uppföljning.
    Uppfoljning,
    /// Bokning.
    Bokning,
}

impl Category {
    /// Every category, in the routine's order.
    pub const ALL: [Category; 4] = [
        Category::Recept,
        Category::Provtagning,
        Category::Uppfoljning,
        Category::Bokning,
    ];

    /// The stored code, also the last segment of the category's URL.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Recept => "recept",
            Self::Provtagning => "provtagning",
            Self::Uppfoljning => "uppfoljning",
            Self::Bokning => "bokning",
        }
    }

    /// The routine's Swedish name.
    pub fn title_sv(self) -> &'static str {
        match self {
            Self::Recept => "Receptförnyelse",
            Self::Provtagning => "Provtagning",
            Self::Uppfoljning => "Uppföljning",
            Self::Bokning => "Bokning",
        }
    }

    /// The category with this stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_match_the_json_names() {
        for c in Category::ALL {
            assert_eq!(Category::from_code(c.as_str()), Some(c));
            assert_eq!(
                serde_json::to_value(c).unwrap(),
                serde_json::json!(c.as_str())
            );
        }
        assert_eq!(Category::from_code("Recept"), None);
    }
}
