//! The `details` of the four message categories, one module each with its typed schema and
//! field checks; the [`Details`] trait is what creating and checking a draft needs of any of
//! them. The routine's rules are decided afterwards by `domain::rules`.

mod bokning;
mod provtagning;
mod recept;
mod uppfoljning;

use serde::Serialize;
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;

use crate::domain::category::Category;
use crate::error::Violation;

pub use bokning::{BokningDetails, VisitLocation, VisitType};
pub use provtagning::{ProvtagningDetails, SampledBy};
pub use recept::{ReceptDetails, ReceptKind};
pub use uppfoljning::{FollowUpRequest, Measurement, MeasurementType, UppfoljningDetails};

/// Any category's details, for responses.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum AnyDetails {
    /// recept
    Recept(ReceptDetails),
    /// provtagning
    Provtagning(ProvtagningDetails),
    /// uppfoljning
    Uppfoljning(UppfoljningDetails),
    /// bokning
    Bokning(BokningDetails),
}

/// Category-specific checks of a typed body.
pub trait Details: Serialize + serde::de::DeserializeOwned + Send + 'static {
    /// The category.
    const CATEGORY: Category;
    /// The allowed keys of `details`, for the unknown-field scan.
    const KEYS: &'static [&'static str];
    /// Checks and normalises the fields; pushes every problem.
    fn check(&mut self, out: &mut Vec<Violation>, now: OffsetDateTime, today: Date);
    /// Free texts inside the details (field, text), for the AKUT and BILAGA rules.
    fn texts(&self) -> Vec<(String, String)>;
    /// The prescription facts, for recept.
    fn recept(&self) -> Option<&ReceptDetails> {
        None
    }
}
