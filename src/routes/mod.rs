//! HTTP routes, one module per resource; [`configure_api`] registers everything under `/api/v1`.

pub mod access;
pub mod health;
pub mod me;
pub mod pagination;
pub mod units;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers every `/api/v1` route.
pub fn configure_api(cfg: &mut ServiceConfig) {
    me::configure(cfg);
    units::configure(cfg);
}
