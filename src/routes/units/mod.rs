//! The directory of care units: list and read for every authenticated caller, create and
//! change for `admin` only. Nothing is deleted; a unit is deactivated with PATCH.

use actix_web::{get, patch, post, web};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::{Caller, Role};
use crate::db;
use crate::domain::unit_kind::{Specialty, UnitKind};
use crate::error::{on_constraint, AppError, AppResult, Missing};
use crate::extract::ApiJson;
use crate::i18n::Msg;
use crate::idempotency::{self, Idempotency};
use crate::models::unit::{self, NewUnit, UnitChanges, UnitFilter};
use crate::response::ApiResponse;
use crate::routes::{access, pagination};
use crate::state::AppState;

pub(crate) mod bodies;

use bodies::{check_name, participating_violation, validate_new};
pub use bodies::{CreateUnit, PatchUnit, Unit, UnitPage, UnitQuery};

fn hsa_taken() -> AppError {
    AppError::Conflict {
        code: "HSA_ID_TAKEN",
        detail: Msg::new(
            "En enhet med det HSA-id:t (utan hänsyn till versaler) är redan registrerad.",
            "A unit with that HSA-id (compared case-insensitively) is already registered.",
        ),
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
    let name_contains = crate::routes::unit_refs::name_search(q.q)?;
    let filter = UnitFilter {
        kind: q.kind,
        active: q.active,
        participating: q.participating,
        name_contains,
        counterparts_of: None,
        after,
        limit: limit + 1,
    };
    let mut rows = db::run(&state.pool, move |conn| {
        access::acting_unit_or_unitless_reader(conn, &caller)?;
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
        access::acting_unit_or_unitless_reader(conn, &caller)?;
        unit::find(conn, id)?.ok_or_else(|| AppError::not_found(Missing::Unit))
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
        let current = unit::find(conn, id)?.ok_or_else(|| AppError::not_found(Missing::Unit))?;
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
