//! HTTP routes, one module per resource; [`configure_api`] registers everything under `/api/v1`.

pub mod access;
pub mod access_log;
pub mod enrollments;
pub mod events;
pub mod health;
pub mod integration_clients;
pub mod me;
pub mod messages;
pub mod pagination;
pub mod patient_views;
pub mod patients;
pub mod recipients;
pub mod rules;
pub mod statistics;
pub mod stream;
pub mod unit_refs;
pub mod units;
pub mod webhooks;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers every `/api/v1` route.
pub fn configure_api(cfg: &mut ServiceConfig) {
    me::configure(cfg);
    units::configure(cfg);
    recipients::configure(cfg);
    patients::configure(cfg);
    // Before messages: `/messages/{id}` would take `stream` for an id.
    stream::configure(cfg);
    enrollments::configure(cfg);
    messages::configure(cfg);
    rules::configure(cfg);
    statistics::configure(cfg);
    access_log::configure(cfg);
    events::configure(cfg);
    webhooks::configure(cfg);
    integration_clients::configure(cfg);
}
