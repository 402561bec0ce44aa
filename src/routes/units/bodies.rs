//! What the directory routes read and answer: a unit as shown, the bodies that register and
//! change one with their field checks, and the listing's filters and page.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::domain::reply_window::to_stockholm;
use crate::domain::unit_kind::{Specialty, UnitKind};
use crate::domain::{hsa_id::HsaId, municipality};
use crate::error::Violation;
use crate::i18n::Msg;
use crate::models::unit::UnitRow;

/// A care unit of the directory.
#[derive(Debug, Serialize, ToSchema)]
pub struct Unit {
    /// Id.
    pub id: Uuid,
    /// HSA-id, as written when registered.
    #[schema(example = "SE2321000115-DEMOVC01")]
    pub hsa_id: String,
    /// Name.
    pub name: String,
    /// Kind of care.
    #[schema(value_type = String)]
    pub kind: UnitKind,
    /// Municipality code (kommun units only).
    #[schema(example = "1380")]
    pub municipality_code: Option<String>,
    /// Municipality name (kommun units only).
    pub municipality_name: Option<String>,
    /// Specialty (specialist units only).
    #[schema(value_type = Option<String>)]
    pub specialty: Option<Specialty>,
    /// Whether a specialist unit takes part in the routine.
    pub participating: bool,
    /// Whether the unit is active.
    pub active: bool,
    /// Registered.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl From<UnitRow> for Unit {
    fn from(r: UnitRow) -> Self {
        Self {
            municipality_name: r
                .municipality_code
                .as_deref()
                .and_then(municipality::name)
                .map(Into::into),
            id: r.id,
            hsa_id: r.hsa_id,
            name: r.name,
            kind: r.kind,
            municipality_code: r.municipality_code,
            specialty: r.specialty,
            participating: r.participating,
            active: r.active,
            created_at: to_stockholm(r.created_at),
            updated_at: to_stockholm(r.updated_at),
        }
    }
}

/// A unit to register.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUnit {
    /// HSA-id: `SE` + 10-digit organisation number + `-` + suffix (A–Z, 0–9), ≤ 31 chars.
    #[schema(
        example = "SE2321000115-DEMOVC09",
        pattern = "^[Ss][Ee][0-9]{10}-[A-Za-z0-9]+$",
        min_length = 14,
        max_length = 31
    )]
    pub hsa_id: String,
    /// Name, 1–200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// Kind of care.
    pub kind: UnitKind,
    /// Required exactly for `kommun`: one of 1315, 1380, 1381, 1382, 1383, 1384.
    #[serde(default)]
    #[schema(schema_with = municipality_code_schema)]
    pub municipality_code: Option<String>,
    /// Required exactly for `specialist`.
    #[serde(default)]
    pub specialty: Option<Specialty>,
    /// Specialists only; default false.
    #[serde(default)]
    pub participating: Option<bool>,
    /// Default true.
    #[serde(default)]
    pub active: Option<bool>,
}

/// `municipality_code` of a new unit: a Halland municipality's code, or null.
fn municipality_code_schema() -> utoipa::openapi::Object {
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
    let mut codes: Vec<serde_json::Value> = municipality::HALLAND
        .iter()
        .map(|(code, _)| (*code).into())
        .collect();
    codes.push(serde_json::Value::Null);
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .enum_values(Some(codes))
        .description(Some(
            "Required exactly for `kommun`: one of 1315, 1380, 1381, 1382, 1383, 1384.",
        ))
        .build()
}

/// Changes to a unit; absent fields stay as they are. HSA-id, kind, municipality and specialty
/// are the unit's identity and cannot change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchUnit {
    /// New name, 1–200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    /// Specialists only.
    pub participating: Option<bool>,
    /// false deactivates the unit.
    pub active: Option<bool>,
}

/// Filters of the directory listing.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnitQuery {
    /// Only units of this kind.
    pub kind: Option<UnitKind>,
    /// Only active (true) or inactive (false) units.
    pub active: Option<bool>,
    /// Only participating (true) or non-participating (false) units.
    pub participating: Option<bool>,
    /// Case-insensitive text in the name.
    #[param(max_length = 100)]
    pub q: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

/// One page of units.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitPage {
    /// Units ordered by name.
    pub items: Vec<Unit>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// What a name of the wrong length is told.
pub fn name_length() -> Msg {
    Msg::new(
        "Namnet ska vara 1–200 tecken.",
        "The name must be 1–200 characters.",
    )
}

pub fn check_name(name: &str, out: &mut Vec<Violation>) {
    let len = name.trim().chars().count();
    if len == 0 || name.chars().count() > 200 {
        out.push(Violation::new("LENGTH", "name", name_length()));
    }
}

/// Checks the field combinations of a new unit; every problem is reported at once.
pub fn validate_new(body: &CreateUnit) -> Vec<Violation> {
    let mut v = Vec::new();
    if HsaId::parse(&body.hsa_id).is_err() {
        v.push(Violation::new(
            "HSA_ID_FORMAT",
            "hsa_id",
            crate::routes::unit_refs::hsa_id_format(),
        ));
    }
    check_name(&body.name, &mut v);
    match (body.kind, &body.municipality_code) {
        (UnitKind::Kommun, None) => v.push(Violation::new(
            "MUNICIPALITY_REQUIRED",
            "municipality_code",
            Msg::new(
                "En kommunal enhet behöver sin kommunkod.",
                "A kommun unit needs its municipality code.",
            ),
        )),
        (UnitKind::Kommun, Some(code)) if municipality::name(code).is_none() => {
            v.push(Violation::new(
                "MUNICIPALITY_CODE",
                "municipality_code",
                Msg::new(
                    "Inte en av Hallands kommuner: 1315, 1380, 1381, 1382, 1383, 1384.",
                    "Not one of the Halland municipalities: 1315, 1380, 1381, 1382, 1383, 1384.",
                ),
            ))
        }
        (UnitKind::Kommun, Some(_)) | (_, None) => {}
        (_, Some(_)) => v.push(Violation::new(
            "MUNICIPALITY_NOT_ALLOWED",
            "municipality_code",
            Msg::new(
                "Bara kommunala enheter har en kommunkod.",
                "Only kommun units carry a municipality code.",
            ),
        )),
    }
    match (body.kind, body.specialty) {
        (UnitKind::Specialist, None) => v.push(Violation::new(
            "SPECIALTY_REQUIRED",
            "specialty",
            Msg::new(
                "En specialistmottagning behöver sin specialitet: habilitering eller palliativ.",
                "A specialist unit needs its specialty: habilitering or palliativ.",
            ),
        )),
        (UnitKind::Specialist, Some(_)) | (_, None) => {}
        (_, Some(_)) => v.push(Violation::new(
            "SPECIALTY_NOT_ALLOWED",
            "specialty",
            Msg::new(
                "Bara specialistmottagningar har en specialitet.",
                "Only specialist units carry a specialty.",
            ),
        )),
    }
    if body.participating == Some(true) && body.kind != UnitKind::Specialist {
        v.push(participating_violation());
    }
    v
}

pub fn participating_violation() -> Violation {
    Violation::new(
        "PARTICIPATING_ONLY_SPECIALIST",
        "participating",
        Msg::new(
            "Bara specialistmottagningar har flaggan `participating`; kommunala och regionala \
             enheter deltar alltid.",
            "Only specialist units have a participating flag; kommun and regional units always \
             take part.",
        ),
    )
}
