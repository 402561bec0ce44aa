//! Liveness and readiness probes for orchestrators.

use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::keys::KeyStatus;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;
use crate::state::AppState;

/// Probe answer.
#[derive(Serialize, ToSchema)]
pub struct HealthStatus {
    /// `ok` when healthy.
    pub status: &'static str,
    /// The identity provider's keys, when a provider is configured (`stale`: refreshing
    /// fails and the last good keys are in use — still ready, but look at `last_error`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_provider: Option<KeyStatus>,
}

/// Liveness: the process answers.
///
/// Never touches the database, so an orchestrator does not restart the API while PostgreSQL is
/// down; use `/health/ready` to route traffic.
#[utoipa::path(tag = "health", responses((status = 200, description = "The process is alive.", body = HealthStatus)))]
#[get("/health/live")]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(HealthStatus {
        status: "ok",
        identity_provider: None,
    })
}

/// Readiness: the database answers, every migration is applied, and tokens can be checked.
///
/// Answers 503 problem+json while PostgreSQL is out of reach or migrations are pending
/// (`SERVICE_UNAVAILABLE`), and while the identity provider's keys have never been fetched or
/// have been stale past `SAMVERKAN_OIDC_KEYS_STALE_FOR` (`IDP_UNAVAILABLE`). The answer shows
/// the provider's state.
#[utoipa::path(tag = "health", responses(
    (status = 200, description = "Ready to serve.", body = HealthStatus),
    (status = 503, description = "Database unreachable, migrations pending (`SERVICE_UNAVAILABLE`), or no keys of the identity provider (`IDP_UNAVAILABLE`)."),
))]
#[get("/health/ready")]
pub async fn ready(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let idp = state.verifier.provider().map(|keys| keys.status());
    if let Some(s) = &idp {
        if s.status == "unavailable" {
            // For operations: the cause as the fetcher saw it (a network error, verbatim).
            let cause = s.last_error.clone();
            return Err(AppError::IdpUnavailable(Msg::owned(
                format!(
                    "Identitetsleverantörens nycklar är inte tillgängliga ({}); inloggningar kan \
                     inte kontrolleras.",
                    cause.as_deref().unwrap_or("inte hämtade än")
                ),
                format!(
                    "The identity provider's keys are not available ({}); tokens cannot be \
                     checked.",
                    cause.as_deref().unwrap_or("not fetched yet")
                ),
            )));
        }
    }
    db::run(&state.pool, |conn| {
        db::check_ready(conn).map_err(|m| AppError::Unavailable(crate::error::cause::NOT_READY, m))
    })
    .await?;
    Ok(HttpResponse::Ok().json(HealthStatus {
        status: "ok",
        identity_provider: idp,
    }))
}

/// Registers the probes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(live).service(ready);
}
