//! Webhook endpoints (Standard Webhooks v1.0): integration clients register where events of
//! their units are pushed, and follow and recover the deliveries. An integration client
//! manages its own endpoints, for units of its token's `units` claim; an `admin` manages all,
//! for any unit of the directory. Someone else's endpoint is the 404 of an unknown id.
//!
//! Deliveries are queued with the events (`models::webhook`) and sent by the dispatcher
//! (`webhooks::dispatcher`); what is sent, how it is signed and when it is retried is in
//! README's section for integrators.

use diesel::PgConnection;
use time::{Duration, OffsetDateTime};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::access_log::Subject;
use crate::auth::{Caller, Role};
use crate::error::{AppError, AppResult, Missing, Violation};
use crate::i18n::Msg;
use crate::models::unit;
use crate::models::webhook::{self, EndpointRow};
use crate::routes::access;
use crate::text;
use crate::webhooks::destination::{self, DestinationPolicy};

mod actions;
mod bodies;
mod checks;
mod endpoints;

pub use bodies::{
    CreateWebhook, DeliveryPage, DeliveryQuery, DeliveryStatus, PatchWebhook, RecoverWebhook,
    Recovered, RotatedSecret, WebhookDelivery, WebhookEndpoint, WebhookEndpointWithSecret,
    WebhookPage, WebhookQuery,
};
use checks::{check_units, url_violation};

/// How long a rotated-out secret keeps signing beside the new one.
pub const ROTATION_OVERLAP: Duration = Duration::hours(24);

/// Who manages endpoints, as the token and the directory say.
struct Manager {
    hsa_id: String,
    role: Role,
    unit: Option<(Uuid, String)>,
    /// The units an integration client may name; `None` for an admin (any unit).
    scope: Option<Vec<Uuid>>,
}

impl Manager {
    /// The endpoint, if this manager may see it.
    fn owned(&self, conn: &mut PgConnection, id: Uuid) -> AppResult<EndpointRow> {
        match webhook::find(conn, id)? {
            Some(e) if self.scope.is_none() || e.owner_hsa_id == self.hsa_id => Ok(e),
            _ => Err(AppError::not_found(Missing::WebhookEndpoint)),
        }
    }

    /// The endpoint, if this manager may see it and it is active (409 `WEBHOOK_INACTIVE`
    /// otherwise: a test event or a recovery would never be sent).
    fn owned_active(&self, conn: &mut PgConnection, id: Uuid) -> AppResult<EndpointRow> {
        let e = self.owned(conn, id)?;
        if e.active {
            Ok(e)
        } else {
            Err(inactive())
        }
    }
}

/// Refuses before any work unless the token grants `integration` or `admin`.
fn require_manager_role(caller: &Caller) -> AppResult<()> {
    if caller.has_role(Role::Admin) || caller.has_role(Role::Integration) {
        Ok(())
    } else {
        Err(AppError::Forbidden {
            code: "ROLE_REQUIRED",
            detail: Msg::new(
                "Detta kräver rollen `integration` eller `admin`.",
                "This needs the role `integration` or `admin`.",
            ),
        })
    }
}

fn manager(conn: &mut PgConnection, caller: &Caller) -> AppResult<Manager> {
    if caller.has_role(Role::Admin) {
        let unit = access::acting_unit_or_admin(conn, caller)?;
        return Ok(Manager {
            hsa_id: caller.hsa_id.clone(),
            role: Role::Admin,
            unit: unit.map(|u| (u.id, u.hsa_id)),
            scope: None,
        });
    }
    let mut subject = Subject::default();
    let scope = access::integration_units(conn, caller, &mut subject)?;
    Ok(Manager {
        hsa_id: caller.hsa_id.clone(),
        role: Role::Integration,
        unit: subject.unit_id.zip(caller.unit_hsa_id.clone()),
        scope: Some(scope),
    })
}

/// The directory ids of the named units (normalised HSA-ids with their index in the request),
/// or the violations: unknown units, and units outside an integration client's claim.
fn resolve_units(
    conn: &mut PgConnection,
    m: &Manager,
    named: &[(usize, String)],
) -> AppResult<Vec<Option<Uuid>>> {
    let mut ids = Vec::new();
    let mut violations = Vec::new();
    for (i, hsa) in named {
        match unit::find_by_hsa_id(conn, hsa)? {
            None => violations.push(Violation::new(
                "UNIT_NOT_FOUND",
                format!("units[{i}]"),
                text!(
                    "Enheten {hsa} finns inte i katalogen.",
                    "No unit {hsa} in the directory."
                ),
            )),
            Some(u) if m.scope.as_ref().is_some_and(|s| !s.contains(&u.id)) => {
                violations.push(Violation::new(
                    "UNIT_OUT_OF_SCOPE",
                    format!("units[{i}]"),
                    text!(
                        "{hsa} är inte bland enheterna i inloggningens anspråk `units`.",
                        "{hsa} is not among the units of your token's `units` claim."
                    ),
                ))
            }
            Some(u) => ids.push(Some(u.id)),
        }
    }
    if violations.is_empty() {
        Ok(ids)
    } else {
        Err(AppError::validation(violations))
    }
}

/// An endpoint as shown, its units named by their HSA-ids.
fn show(
    conn: &mut PgConnection,
    e: EndpointRow,
    now: OffsetDateTime,
) -> AppResult<WebhookEndpoint> {
    let names = unit::hsa_ids_by_id(conn, e.unit_ids.iter().flatten().copied())?;
    Ok(WebhookEndpoint::new(e, &names, now))
}

/// Resolves a URL whose form passed; a violation when the name does not resolve or reaches a
/// refused address.
async fn check_destination(url: &url::Url, policy: DestinationPolicy) -> Option<Violation> {
    destination::check_resolved(url, policy)
        .await
        .err()
        .map(|e| url_violation(&e))
}

/// Form checks of a unit list, with each normalised HSA-id's index in the request.
fn indexed_units(units: &[String], out: &mut Vec<Violation>) -> Vec<(usize, String)> {
    let normalised = check_units(units, out);
    normalised
        .into_iter()
        .map(|n| {
            let i = units
                .iter()
                .position(|u| u.trim().eq_ignore_ascii_case(&n))
                .unwrap_or(0);
            (i, n)
        })
        .collect()
}

fn inactive() -> AppError {
    AppError::Conflict {
        code: "WEBHOOK_INACTIVE",
        detail: Msg::new(
            "Mottagaren är inaktiv; aktivera den först (PATCH med `\"active\": true`).",
            "The endpoint is inactive; activate it first (PATCH with `\"active\": true`).",
        ),
    }
}

/// Registers the webhook routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(endpoints::create_webhook)
        .service(endpoints::list_webhooks)
        .service(endpoints::get_webhook)
        .service(endpoints::patch_webhook)
        .service(actions::rotate_webhook_secret)
        .service(actions::test_webhook)
        .service(actions::list_deliveries)
        .service(actions::recover_webhook);
}
