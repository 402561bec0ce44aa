//! `GET /api/v1/me`: the caller as the API understood the token.

use actix_web::{get, web};
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::{Caller, Role, TokenSource};
use crate::db;
use crate::error::AppResult;
use crate::routes::{access, units::Unit};
use crate::state::AppState;

/// The authenticated caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// The person's HSA-id (a development token's `sub`, a provider token's person claim), or a
    /// machine client's id.
    pub sub: String,
    /// Display name.
    pub name: Option<String>,
    /// Recognised roles (unknown roles in the token are ignored).
    pub roles: Vec<Role>,
    /// Licensed staff (legitimerad personal).
    pub legitimerad: bool,
    /// Profession.
    pub profession: Option<String>,
    /// The acting unit's HSA-id as the token named it.
    pub unit_hsa_id: Option<String>,
    /// The acting unit resolved in the directory (absent only for an admin without one).
    pub unit: Option<Unit>,
    /// Units an integration client may read events of.
    pub units: Vec<String>,
    /// When the token expires.
    #[serde(with = "time::serde::rfc3339")]
    pub token_expires_at: OffsetDateTime,
    /// Who vouched for the token: `provider` (the region's identity provider) or
    /// `development` (our HS256 secret; never in production).
    pub token_source: TokenSource,
    /// The medarbetaruppdrag (commission) HSA-id, from a provider token.
    pub commission_hsa_id: Option<String>,
    /// The commission's purpose, from a provider token.
    pub commission_purpose: Option<String>,
    /// The care provider (vårdgivare) HSA-id, from a provider token.
    pub care_provider_hsa_id: Option<String>,
}

/// Who am I?
///
/// Returns the caller as the API understood the bearer token, with the acting unit resolved in
/// the directory. 403 `UNIT_NOT_AUTHORISED` when that unit is unknown or inactive (an `admin`,
/// and a `statistik` token naming no unit, may have none).
#[utoipa::path(tag = "me", responses((status = 200, description = "The caller.", body = Me)))]
#[get("/me")]
pub async fn get_me(state: web::Data<AppState>, caller: Caller) -> AppResult<web::Json<Me>> {
    let c = caller.clone();
    // A registered integration client acts for its units, not for one acting unit.
    let unit = if c.unit_hsa_id.is_none() && c.has_role(Role::Integration) {
        None
    } else {
        db::run(&state.pool, move |conn| {
            access::acting_unit_or_unitless_reader(conn, &c)
        })
        .await?
    };
    Ok(web::Json(Me {
        sub: caller.hsa_id,
        name: caller.name,
        roles: caller.roles,
        legitimerad: caller.legitimerad,
        profession: caller.profession,
        unit_hsa_id: caller.unit_hsa_id,
        unit: unit.map(Unit::from),
        units: caller.units,
        token_expires_at: OffsetDateTime::from_unix_timestamp(caller.expires_at)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH),
        token_source: caller.source,
        commission_hsa_id: caller.commission_hsa_id,
        commission_purpose: caller.commission_purpose,
        care_provider_hsa_id: caller.care_provider_hsa_id,
    }))
}

/// Registers `/me`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_me);
}
