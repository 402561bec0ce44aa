//! The directory of care units: list and read for every authenticated caller, create and
//! change for `admin` only. Nothing is deleted; a unit is deactivated with PATCH.

use actix_web::{get, patch, post, web};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::{Caller, Role};
use crate::db;
use crate::domain::reply_window::to_stockholm;
use crate::domain::unit_kind::{Specialty, UnitKind};
use crate::domain::{hsa_id::HsaId, municipality};
use crate::error::{on_constraint, AppError, AppResult, Violation};
use crate::extract::ApiJson;
use crate::idempotency::{self, Idempotency};
use crate::models::unit::{self, NewUnit, UnitChanges, UnitFilter, UnitRow};
use crate::response::ApiResponse;
use crate::routes::{access, pagination};
use crate::state::AppState;

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

fn check_name(name: &str, out: &mut Vec<Violation>) {
    let len = name.trim().chars().count();
    if len == 0 || name.chars().count() > 200 {
        out.push(Violation::new(
            "LENGTH",
            "name",
            "The name must be 1–200 characters.",
        ));
    }
}

/// Checks the field combinations of a new unit; every problem is reported at once.
fn validate_new(body: &CreateUnit) -> Vec<Violation> {
    let mut v = Vec::new();
    if HsaId::parse(&body.hsa_id).is_err() {
        v.push(Violation::new(
            "HSA_ID_FORMAT",
            "hsa_id",
            "An HSA-id is SE + 10-digit organisation number + '-' + suffix of A–Z/0–9, at most 31 characters.",
        ));
    }
    check_name(&body.name, &mut v);
    match (body.kind, &body.municipality_code) {
        (UnitKind::Kommun, None) => v.push(Violation::new(
            "MUNICIPALITY_REQUIRED",
            "municipality_code",
            "A kommun unit needs its municipality code.",
        )),
        (UnitKind::Kommun, Some(code)) if municipality::name(code).is_none() => {
            v.push(Violation::new(
                "MUNICIPALITY_CODE",
                "municipality_code",
                "Not one of the Halland municipalities: 1315, 1380, 1381, 1382, 1383, 1384.",
            ))
        }
        (UnitKind::Kommun, Some(_)) | (_, None) => {}
        (_, Some(_)) => v.push(Violation::new(
            "MUNICIPALITY_NOT_ALLOWED",
            "municipality_code",
            "Only kommun units carry a municipality code.",
        )),
    }
    match (body.kind, body.specialty) {
        (UnitKind::Specialist, None) => v.push(Violation::new(
            "SPECIALTY_REQUIRED",
            "specialty",
            "A specialist unit needs its specialty: habilitering or palliativ.",
        )),
        (UnitKind::Specialist, Some(_)) | (_, None) => {}
        (_, Some(_)) => v.push(Violation::new(
            "SPECIALTY_NOT_ALLOWED",
            "specialty",
            "Only specialist units carry a specialty.",
        )),
    }
    if body.participating == Some(true) && body.kind != UnitKind::Specialist {
        v.push(participating_violation());
    }
    v
}

fn participating_violation() -> Violation {
    Violation::new(
        "PARTICIPATING_ONLY_SPECIALIST",
        "participating",
        "Only specialist units have a participating flag; kommun and regional units always take part.",
    )
}

fn hsa_taken() -> AppError {
    AppError::Conflict {
        code: "HSA_ID_TAKEN",
        detail: "A unit with that HSA-id (compared case-insensitively) is already registered."
            .into(),
    }
}

/// List units.
///
/// Any authenticated caller may read the directory (frontends pick recipients from it).
/// Ordered by name; keyset paginated with `cursor`/`limit`.
#[utoipa::path(tag = "units", params(UnitQuery), responses((status = 200, description = "One page of units.", body = UnitPage)))]
#[get("/units")]
pub async fn list_units(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<UnitQuery>,
) -> AppResult<web::Json<UnitPage>> {
    let q = query.into_inner();
    let limit = pagination::limit(q.limit)?;
    let after: Option<(String, Uuid)> = q.cursor.as_deref().map(pagination::decode).transpose()?;
    if q.q.as_ref().is_some_and(|s| s.chars().count() > 100) {
        return Err(AppError::BadRequest {
            code: "INVALID_QUERY",
            detail: "`q` must be at most 100 characters.".into(),
        });
    }
    // PostgreSQL cannot compare text with NUL in it (it would be a 500).
    if q.q.as_ref().is_some_and(|s| s.contains('\0')) {
        return Err(AppError::BadRequest {
            code: "INVALID_QUERY",
            detail: "`q` must not contain the NUL character.".into(),
        });
    }
    let filter = UnitFilter {
        kind: q.kind,
        active: q.active,
        participating: q.participating,
        name_contains: q.q.filter(|s| !s.trim().is_empty()),
        after,
        limit: limit + 1,
    };
    let mut rows = db::run(&state.pool, move |conn| {
        access::acting_unit_or_admin(conn, &caller)?;
        Ok(unit::list(conn, &filter)?)
    })
    .await?;
    let next_cursor = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last()
            .map(|r| pagination::encode(&(r.name.clone(), r.id)))
    } else {
        None
    };
    Ok(web::Json(UnitPage {
        items: rows.into_iter().map(Unit::from).collect(),
        next_cursor,
    }))
}

/// Get a unit.
///
/// Any authenticated caller may read a unit by id.
#[utoipa::path(tag = "units", params(("id" = Uuid, Path, description = "Unit id")), responses(
    (status = 200, description = "The unit.", body = Unit),
    (status = 404, description = "No unit with that id."),
))]
#[get("/units/{id}")]
pub async fn get_unit(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> AppResult<web::Json<Unit>> {
    let id = id.into_inner();
    let row = db::run(&state.pool, move |conn| {
        access::acting_unit_or_admin(conn, &caller)?;
        unit::find(conn, id)?.ok_or_else(|| AppError::not_found("unit"))
    })
    .await?;
    Ok(web::Json(row.into()))
}

/// Register a unit (admin).
///
/// Role `admin` only; an admin token need not name a directory unit. The HSA-id is unique,
/// compared case-insensitively (409 `HSA_ID_TAKEN`).
#[utoipa::path(tag = "units", request_body = CreateUnit, responses(
    (status = 201, description = "Registered; `Location` names the new unit.", body = Unit, headers(("Location" = String, description = "URL of the new unit"))),
    (status = 409, description = "`HSA_ID_TAKEN`: that HSA-id is already registered."),
))]
#[post("/units")]
pub async fn create_unit(
    state: web::Data<AppState>,
    caller: Caller,
    idem: Idempotency,
    body: ApiJson<CreateUnit>,
) -> AppResult<ApiResponse> {
    access::require_role(&caller, Role::Admin)?;
    let key = idem.prepared(&caller.hsa_id);
    let body = body.0;
    let violations = validate_new(&body);
    if !violations.is_empty() {
        return Err(AppError::validation(violations));
    }
    let new = NewUnit {
        id: Uuid::now_v7(),
        hsa_id: body.hsa_id,
        name: body.name.trim().to_string(),
        kind: body.kind.as_str(),
        municipality_code: body.municipality_code,
        specialty: body.specialty.map(Specialty::as_str),
        participating: body.participating.unwrap_or(false),
        active: body.active.unwrap_or(true),
    };
    idempotency::run(&state.pool, key, move |conn| {
        access::acting_unit_or_admin(conn, &caller)?;
        let row =
            unit::insert(conn, &new).map_err(on_constraint(&[("units_hsa_id_key", hsa_taken)]))?;
        ApiResponse::created(format!("/api/v1/units/{}", row.id), &Unit::from(row))
    })
    .await
}

/// Change a unit (admin).
///
/// Role `admin` only. Renames, sets `participating` (specialists) or deactivates/reactivates a
/// unit. Units are never deleted.
#[utoipa::path(tag = "units", params(("id" = Uuid, Path, description = "Unit id")), request_body = PatchUnit, responses(
    (status = 200, description = "The changed unit.", body = Unit),
    (status = 404, description = "No unit with that id."),
))]
#[patch("/units/{id}")]
pub async fn patch_unit(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    idem: Idempotency,
    body: ApiJson<PatchUnit>,
) -> AppResult<ApiResponse> {
    access::require_role(&caller, Role::Admin)?;
    let key = idem.prepared(&caller.hsa_id);
    let id = id.into_inner();
    let body = body.0;
    let now = state.clock.now();
    let mut violations = Vec::new();
    if let Some(name) = &body.name {
        check_name(name, &mut violations);
    }
    if !violations.is_empty() {
        return Err(AppError::validation(violations));
    }
    idempotency::run(&state.pool, key, move |conn| {
        access::acting_unit_or_admin(conn, &caller)?;
        let current = unit::find(conn, id)?.ok_or_else(|| AppError::not_found("unit"))?;
        if body.participating == Some(true) && current.kind != UnitKind::Specialist {
            return Err(AppError::validation(vec![participating_violation()]));
        }
        let changes = UnitChanges {
            name: body.name.map(|n| n.trim().to_string()),
            participating: body.participating,
            active: body.active,
            updated_at: Some(now),
        };
        ApiResponse::ok(&Unit::from(unit::update(conn, id, &changes)?))
    })
    .await
}

/// Registers the directory routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_units)
        .service(get_unit)
        .service(create_unit)
        .service(patch_unit);
}
