//! Liveness and readiness probes for orchestrators.

use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::db;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Probe answer.
#[derive(Serialize, ToSchema)]
pub struct HealthStatus {
    /// `ok` when healthy.
    pub status: &'static str,
}

/// Liveness: the process answers.
///
/// Never touches the database, so an orchestrator does not restart the API while PostgreSQL is
/// down; use `/health/ready` to route traffic.
#[utoipa::path(tag = "health", responses((status = 200, description = "The process is alive.", body = HealthStatus)))]
#[get("/health/live")]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(HealthStatus { status: "ok" })
}

/// Readiness: the database answers and every migration is applied.
///
/// Answers 503 problem+json while PostgreSQL is out of reach or migrations are pending.
#[utoipa::path(tag = "health", responses(
    (status = 200, description = "Ready to serve.", body = HealthStatus),
    (status = 503, description = "Database unreachable or migrations pending."),
))]
#[get("/health/ready")]
pub async fn ready(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    db::run(&state.pool, |conn| {
        db::check_ready(conn).map_err(AppError::Unavailable)
    })
    .await?;
    Ok(HttpResponse::Ok().json(HealthStatus { status: "ok" }))
}

/// Registers the probes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(live).service(ready);
}
