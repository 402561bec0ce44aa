//! Integration clients: the region's integration platforms, registered in the directory by an
//! admin. A client-credentials token from the identity provider whose client id is registered
//! (and active) acts as that client — role `integration`, for the registered units — so the
//! provider needs no custom claim. Nothing here is patient data: no access-log entries.

use actix_web::{get, patch, post, web};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::{Caller, Role};
use crate::db;
use crate::domain::reply_window::to_stockholm;
use crate::error::{AppError, AppResult, Missing, Violation};
use crate::extract::ApiJson;
use crate::i18n::Msg;
use crate::idempotency::{self, Idempotency};
use crate::models::integration_client::{
    self, IntegrationClientChanges, IntegrationClientRow, NewIntegrationClient,
};
use crate::models::unit;
use crate::response::ApiResponse;
use crate::routes::access;
use crate::routes::unit_refs::check_hsa_ids;
use crate::state::AppState;
use crate::text;

/// Most units one client serves.
pub const MAX_UNITS: usize = 100;

/// A unit a client may read, as shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClientUnit {
    /// Directory id.
    pub id: Uuid,
    /// HSA-id.
    pub hsa_id: String,
    /// Name.
    pub name: String,
    /// Whether the unit is active (an inactive unit's events are not the client's).
    pub active: bool,
}

/// A registered integration client.
#[derive(Debug, Serialize, ToSchema)]
pub struct IntegrationClient {
    /// The client id at the identity provider (the token's `client_id`).
    #[schema(example = "regionhalland-integrationsplattform")]
    pub client_id: String,
    /// What the platform is.
    pub name: String,
    /// The units whose messages and events it may read and be pushed.
    pub units: Vec<ClientUnit>,
    /// Whether its tokens are accepted.
    pub active: bool,
    /// Who registered it (HSA-id).
    pub created_by: String,
    /// Registered.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A client to register.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateIntegrationClient {
    /// The client id at the identity provider: 1–200 visible ASCII characters, none of
    /// `/ ? # %`.
    #[schema(
        example = "regionhalland-integrationsplattform",
        min_length = 1,
        max_length = 200,
        pattern = r#"^[!"$&-.0->@-~]+$"#
    )]
    pub client_id: String,
    /// What the platform is, 1–200 characters.
    #[schema(
        example = "Region Hallands integrationsplattform",
        min_length = 1,
        max_length = 200
    )]
    pub name: String,
    /// HSA-ids of the units it serves (1–100, in the directory).
    #[schema(schema_with = units_schema)]
    pub units: Vec<String>,
}

/// Changes to a client; absent fields stay.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchIntegrationClient {
    /// New name, 1–200 characters.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    /// New units (replaces the list).
    #[serde(default)]
    #[schema(schema_with = units_or_null_schema)]
    pub units: Option<Vec<String>>,
    /// `false`: its tokens are refused (403 `CLIENT_NOT_REGISTERED`) from the next request.
    #[serde(default)]
    pub active: Option<bool>,
}

const UNITS_DESCRIPTION: &str = "HSA-ids of the units the client serves (1–100, in the directory).";

fn units_schema() -> utoipa::openapi::schema::Array {
    crate::routes::unit_refs::hsa_ids_schema(MAX_UNITS, UNITS_DESCRIPTION, false)
}

fn units_or_null_schema() -> utoipa::openapi::schema::Array {
    crate::routes::unit_refs::hsa_ids_schema(MAX_UNITS, UNITS_DESCRIPTION, true)
}

/// Every registered client.
#[derive(Debug, Serialize, ToSchema)]
pub struct IntegrationClientList {
    /// By client id.
    pub items: Vec<IntegrationClient>,
}

fn check_client_id(id: &str, out: &mut Vec<Violation>) {
    let ok = (1..=200).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b"/?#%".contains(&b));
    if !ok {
        out.push(Violation::new(
            "CLIENT_ID_FORMAT",
            "client_id",
            Msg::new(
                "Ett klient-id är 1–200 synliga ASCII-tecken, inget av / ? # %.",
                "A client id is 1–200 visible ASCII characters, none of / ? # %.",
            ),
        ));
    }
}

fn check_name(name: &str, out: &mut Vec<Violation>) -> String {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 200 {
        out.push(Violation::new(
            "LENGTH",
            "name",
            Msg::new(
                "Namnet ska vara 1–200 tecken.",
                "The name is 1–200 characters.",
            ),
        ));
    }
    n.to_string()
}

/// The directory ids of the named units, or 422 `UNIT_NOT_FOUND` naming each unknown one.
fn resolve(
    conn: &mut diesel::PgConnection,
    units: &[String],
    normalised: &[String],
) -> AppResult<Vec<Option<Uuid>>> {
    let mut ids = Vec::new();
    let mut violations = Vec::new();
    for hsa in normalised {
        let i = units
            .iter()
            .position(|u| u.trim().eq_ignore_ascii_case(hsa))
            .unwrap_or(0);
        match unit::find_by_hsa_id(conn, hsa)? {
            Some(u) => ids.push(Some(u.id)),
            None => violations.push(Violation::new(
                "UNIT_NOT_FOUND",
                format!("units[{i}]"),
                text!(
                    "Enheten {hsa} finns inte i katalogen.",
                    "No unit {hsa} in the directory."
                ),
            )),
        }
    }
    if violations.is_empty() {
        Ok(ids)
    } else {
        Err(AppError::validation(violations))
    }
}

fn show(conn: &mut diesel::PgConnection, r: IntegrationClientRow) -> AppResult<IntegrationClient> {
    use crate::schema::units;
    use diesel::prelude::*;
    let ids: Vec<Uuid> = r.unit_ids.iter().flatten().copied().collect();
    let mut shown: Vec<ClientUnit> = units::table
        .filter(units::id.eq_any(&ids))
        .select((units::id, units::hsa_id, units::name, units::active))
        .load::<(Uuid, String, String, bool)>(conn)?
        .into_iter()
        .map(|(id, hsa_id, name, active)| ClientUnit {
            id,
            hsa_id,
            name,
            active,
        })
        .collect();
    shown.sort_by(|a, b| a.hsa_id.cmp(&b.hsa_id));
    Ok(IntegrationClient {
        client_id: r.client_id,
        name: r.name,
        units: shown,
        active: r.active,
        created_by: r.created_by,
        created_at: to_stockholm(r.created_at),
        updated_at: to_stockholm(r.updated_at),
    })
}

fn unknown() -> AppError {
    AppError::not_found(Missing::IntegrationClient)
}

/// Register an integration client (admin).
///
/// Role `admin`. From then on a client-credentials token from the identity provider whose
/// client id (`client_id` claim, `SAMVERKAN_CLAIM_CLIENT_ID`) is this one acts with role
/// `integration` for these units: it reads the feed, their messages and FHIR exports, and
/// manages its webhooks. 409 `CLIENT_EXISTS` when the id is registered already.
#[utoipa::path(tag = "integration-clients", request_body = CreateIntegrationClient, responses(
    (status = 201, description = "Registered; `Location` names it.", body = IntegrationClient, headers(("Location" = String, description = "URL of the client"))),
    (status = 409, description = "`CLIENT_EXISTS`: that client id is registered already."),
))]
#[post("/integration-clients")]
pub async fn create_integration_client(
    state: web::Data<AppState>,
    caller: Caller,
    idem: Idempotency,
    body: ApiJson<CreateIntegrationClient>,
) -> AppResult<ApiResponse> {
    access::require_role(&caller, Role::Admin)?;
    let key = idem.prepared(&caller.hsa_id);
    let body = body.0;
    let mut violations = Vec::new();
    check_client_id(&body.client_id, &mut violations);
    let name = check_name(&body.name, &mut violations);
    let normalised = check_hsa_ids(
        &body.units,
        MAX_UNITS,
        ("som klienten betjänar", "the client serves"),
        &mut violations,
    );
    if !violations.is_empty() {
        return Err(AppError::validation(violations));
    }
    idempotency::run(&state.pool, key, move |conn| {
        access::acting_unit_or_admin(conn, &caller)?;
        let unit_ids = resolve(conn, &body.units, &normalised)?;
        let row = integration_client::insert(
            conn,
            &NewIntegrationClient {
                client_id: &body.client_id,
                name: &name,
                unit_ids: &unit_ids,
                created_by: &caller.hsa_id,
            },
        )?
        .ok_or_else(|| AppError::Conflict {
            code: "CLIENT_EXISTS",
            detail: {
                let id = &body.client_id;
                text!(
                    "Klienten `{id}` är redan registrerad.",
                    "The client `{id}` is registered already."
                )
            },
        })?;
        let location = format!("/api/v1/integration-clients/{}", row.client_id);
        ApiResponse::created(location, &show(conn, row)?)
    })
    .await
}

/// List the integration clients (admin).
///
/// Role `admin`. Every registered client, by client id (a region has a handful).
#[utoipa::path(tag = "integration-clients", responses(
    (status = 200, description = "Every client.", body = IntegrationClientList),
))]
#[get("/integration-clients")]
pub async fn list_integration_clients(
    state: web::Data<AppState>,
    caller: Caller,
) -> AppResult<web::Json<IntegrationClientList>> {
    access::require_role(&caller, Role::Admin)?;
    let list = db::run(&state.pool, move |conn| {
        access::acting_unit_or_admin(conn, &caller)?;
        let rows = integration_client::list(conn)?;
        let items = rows
            .into_iter()
            .map(|r| show(conn, r))
            .collect::<AppResult<Vec<_>>>()?;
        Ok(IntegrationClientList { items })
    })
    .await?;
    Ok(web::Json(list))
}

/// Read an integration client (admin).
///
/// Role `admin`.
#[utoipa::path(tag = "integration-clients", params(("client_id" = String, Path, description = "Client id")), responses(
    (status = 200, description = "The client.", body = IntegrationClient),
    (status = 404, description = "No client with that id."),
))]
#[get("/integration-clients/{client_id}")]
pub async fn get_integration_client(
    state: web::Data<AppState>,
    caller: Caller,
    client_id: web::Path<String>,
) -> AppResult<web::Json<IntegrationClient>> {
    access::require_role(&caller, Role::Admin)?;
    let id = client_id.into_inner();
    let shown = db::run(&state.pool, move |conn| {
        access::acting_unit_or_admin(conn, &caller)?;
        let row = integration_client::find(conn, &id)?.ok_or_else(unknown)?;
        show(conn, row)
    })
    .await?;
    Ok(web::Json(shown))
}

/// Change an integration client (admin).
///
/// Role `admin`. Renames it, replaces its units, or deactivates it (`active: false`: its
/// tokens get 403 `CLIENT_NOT_REGISTERED` from the next request; its webhooks stay until
/// deactivated themselves).
#[utoipa::path(tag = "integration-clients", params(("client_id" = String, Path, description = "Client id")), request_body = PatchIntegrationClient, responses(
    (status = 200, description = "The changed client.", body = IntegrationClient),
    (status = 404, description = "No client with that id."),
))]
#[patch("/integration-clients/{client_id}")]
pub async fn patch_integration_client(
    state: web::Data<AppState>,
    caller: Caller,
    idem: Idempotency,
    client_id: web::Path<String>,
    body: ApiJson<PatchIntegrationClient>,
) -> AppResult<ApiResponse> {
    access::require_role(&caller, Role::Admin)?;
    let key = idem.prepared(&caller.hsa_id);
    let id = client_id.into_inner();
    let body = body.0;
    let mut violations = Vec::new();
    let name = body.name.as_deref().map(|n| check_name(n, &mut violations));
    let normalised = body.units.as_deref().map(|u| {
        check_hsa_ids(
            u,
            MAX_UNITS,
            ("som klienten betjänar", "the client serves"),
            &mut violations,
        )
    });
    if !violations.is_empty() {
        return Err(AppError::validation(violations));
    }
    idempotency::run(&state.pool, key, move |conn| {
        access::acting_unit_or_admin(conn, &caller)?;
        integration_client::find(conn, &id)?.ok_or_else(unknown)?;
        let unit_ids = match (&body.units, &normalised) {
            (Some(units), Some(n)) => Some(resolve(conn, units, n)?),
            _ => None,
        };
        let changes = IntegrationClientChanges {
            name,
            unit_ids,
            active: body.active,
            updated_at: Some(OffsetDateTime::now_utc()),
        };
        let row = integration_client::update(conn, &id, &changes)?.ok_or_else(unknown)?;
        ApiResponse::ok(&show(conn, row)?)
    })
    .await
}

/// Registers the integration-client routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_integration_client)
        .service(list_integration_clients)
        .service(get_integration_client)
        .service(patch_integration_client);
}
