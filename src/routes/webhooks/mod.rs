//! Webhook endpoints (Standard Webhooks v1.0): integration clients register where events of
//! their units are pushed, and follow and recover the deliveries. An integration client
//! manages its own endpoints, for units of its token's `units` claim; an `admin` manages all,
//! for any unit of the directory. Someone else's endpoint is the 404 of an unknown id.
//!
//! Deliveries are queued with the events (`models::webhook`) and sent by the dispatcher
//! (`webhooks::dispatcher`); what is sent, how it is signed and when it is retried is in
//! README's section for integrators.

use actix_web::{get, patch, post, web};
use diesel::PgConnection;
use time::{Duration, OffsetDateTime};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::access_log::Subject;
use crate::auth::{Caller, Role};
use crate::db;
use crate::error::{AppError, AppResult, Violation};
use crate::extract::ApiJson;
use crate::idempotency::{self, Idempotency};
use crate::models::unit;
use crate::models::webhook::{self, EndpointChanges, EndpointRow, NewEndpoint};
use crate::response::ApiResponse;
use crate::routes::{access, pagination};
use crate::state::AppState;
use crate::webhooks::destination::{self, DestinationPolicy};

use crate::webhooks::signing;

mod bodies;

use bodies::{check_description, check_event_types, check_units, check_url, url_violation};
pub use bodies::{
    CreateWebhook, DeliveryPage, DeliveryQuery, DeliveryStatus, PatchWebhook, RecoverWebhook,
    Recovered, RotatedSecret, WebhookDelivery, WebhookEndpoint, WebhookEndpointWithSecret,
    WebhookPage, WebhookQuery,
};

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
            _ => Err(AppError::not_found("webhook endpoint")),
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
            detail: "This needs the role `integration` or `admin`.".into(),
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
                format!("No unit {hsa} in the directory."),
            )),
            Some(u) if m.scope.as_ref().is_some_and(|s| !s.contains(&u.id)) => {
                violations.push(Violation::new(
                    "UNIT_OUT_OF_SCOPE",
                    format!("units[{i}]"),
                    format!("{hsa} is not among the units of your token's `units` claim."),
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
        detail: "The endpoint is inactive; activate it first (PATCH with `\"active\": true`)."
            .into(),
    }
}

/// Register a webhook endpoint.
///
/// Role `integration` (for units of the token's `units` claim) or `admin` (any unit). Events of
/// the named units — all types, or those in `event_types` — are POSTed to `url` after the
/// Standard Webhooks specification: thin JSON (`type`, `timestamp`, `data` with `seq`,
/// `message_id`, `patient_id` and `units`; no free text, no personnummer) with the headers
/// `webhook-id`, `webhook-timestamp` and `webhook-signature`. The answer holds the signing
/// secret, shown only here. The URL must be `https`, carry no credentials, and not resolve to
/// a loopback, private, link-local or metadata address (422 `WEBHOOK_URL_*` on `url`).
#[utoipa::path(tag = "webhooks", request_body = CreateWebhook, responses(
    (status = 201, description = "Registered; `Location` names it. The secret is shown only in this answer.", body = WebhookEndpointWithSecret, headers(("Location" = String, description = "URL of the new endpoint"))),
))]
#[post("/webhooks")]
pub async fn create_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    idem: Idempotency,
    body: ApiJson<CreateWebhook>,
) -> AppResult<ApiResponse> {
    require_manager_role(&caller)?;
    let key = idem.prepared(&caller.hsa_id);
    let body = body.0;
    let mut violations = Vec::new();
    let url = check_url(&body.url, state.webhook_policy, &mut violations);
    let named = indexed_units(&body.units, &mut violations);
    let event_types = body
        .event_types
        .as_deref()
        .map(|t| check_event_types(t, &mut violations));
    let description = check_description(body.description.as_deref(), &mut violations);
    if let Some(url) = &url {
        violations.extend(check_destination(url, state.webhook_policy).await);
    }
    if !violations.is_empty() {
        return Err(AppError::validation(violations));
    }
    let url = url.map(String::from).unwrap_or_default();
    let secret = signing::new_secret()?;
    let now = state.clock.now();
    idempotency::run(&state.pool, key, move |conn| {
        let m = manager(conn, &caller)?;
        let unit_ids = resolve_units(conn, &m, &named)?;
        let row = webhook::insert(
            conn,
            &NewEndpoint {
                id: Uuid::now_v7(),
                owner_hsa_id: m.hsa_id.clone(),
                owner_unit_id: m.unit.as_ref().map(|u| u.0),
                owner_unit_hsa_id: m.unit.as_ref().map(|u| u.1.clone()),
                owner_role: m.role.as_str(),
                url,
                description,
                unit_ids,
                event_types,
                secret: secret.clone(),
                created_at: now,
                updated_at: now,
            },
        )?;
        let location = format!("/api/v1/webhooks/{}", row.id);
        let endpoint = show(conn, row, now)?;
        ApiResponse::created(location, &WebhookEndpointWithSecret { endpoint, secret })
    })
    .await
}

/// List webhook endpoints.
///
/// An integration client sees the endpoints it registered; an `admin` sees all. Oldest first,
/// keyset paginated with `cursor`/`limit`. Secrets are never shown.
#[utoipa::path(tag = "webhooks", params(WebhookQuery), responses((status = 200, description = "One page of endpoints.", body = WebhookPage)))]
#[get("/webhooks")]
pub async fn list_webhooks(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<WebhookQuery>,
) -> AppResult<web::Json<WebhookPage>> {
    require_manager_role(&caller)?;
    let q = query.into_inner();
    let limit = pagination::limit(q.limit)?;
    let after = q
        .cursor
        .as_deref()
        .map(pagination::decode::<(i64, Uuid)>)
        .transpose()?
        .map(|(us, id)| (from_micros(us), id))
        .map(|(at, id)| at.map(|at| (at, id)))
        .transpose()?;
    let now = state.clock.now();
    let page = db::run(&state.pool, move |conn| {
        let m = manager(conn, &caller)?;
        let owner = m.scope.is_some().then_some(m.hsa_id.as_str());
        let mut rows = webhook::list(conn, owner, after, limit + 1)?;
        let next_cursor = if rows.len() as i64 > limit {
            rows.truncate(limit as usize);
            rows.last()
                .map(|r| pagination::encode(&(micros(r.created_at), r.id)))
        } else {
            None
        };
        let items = rows
            .into_iter()
            .map(|r| show(conn, r, now))
            .collect::<AppResult<Vec<_>>>()?;
        Ok(WebhookPage { items, next_cursor })
    })
    .await?;
    Ok(web::Json(page))
}

fn micros(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1000) as i64
}

fn from_micros(us: i64) -> AppResult<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000).map_err(|_| {
        AppError::BadRequest {
            code: "INVALID_CURSOR",
            detail: "The cursor is not one this API returned; start again without it.".into(),
        }
    })
}

/// Get a webhook endpoint.
///
/// Your own endpoint (any, for an `admin`), without its secret: its units, event types,
/// whether it is active (and why not), and since when it has been failing.
#[utoipa::path(tag = "webhooks", params(("id" = Uuid, Path, description = "Endpoint id")), responses(
    (status = 200, description = "The endpoint.", body = WebhookEndpoint),
    (status = 404, description = "No endpoint with that id that is yours."),
))]
#[get("/webhooks/{id}")]
pub async fn get_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> AppResult<web::Json<WebhookEndpoint>> {
    require_manager_role(&caller)?;
    let id = id.into_inner();
    let now = state.clock.now();
    let e = db::run(&state.pool, move |conn| {
        let m = manager(conn, &caller)?;
        let row = m.owned(conn, id)?;
        show(conn, row, now)
    })
    .await?;
    Ok(web::Json(e))
}

/// Change a webhook endpoint.
///
/// Changes the URL (checked as on registration), the units (replacing the list), the event
/// types (null: every type), the description, or `active`. `false` stops deliveries: pending
/// ones become `failed` and can be recovered. `true` resumes an endpoint that was disabled —
/// by hand, by a 410 answer or after failing for too long — and clears its failing streak.
#[utoipa::path(tag = "webhooks", params(("id" = Uuid, Path, description = "Endpoint id")), request_body = PatchWebhook, responses(
    (status = 200, description = "The changed endpoint.", body = WebhookEndpoint),
    (status = 404, description = "No endpoint with that id that is yours."),
))]
#[patch("/webhooks/{id}")]
pub async fn patch_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    idem: Idempotency,
    body: ApiJson<PatchWebhook>,
) -> AppResult<ApiResponse> {
    require_manager_role(&caller)?;
    let key = idem.prepared(&caller.hsa_id);
    let id = id.into_inner();
    let body = body.0;
    let mut violations = Vec::new();
    let url = body
        .url
        .as_deref()
        .and_then(|u| check_url(u, state.webhook_policy, &mut violations));
    let named = body
        .units
        .as_deref()
        .map(|u| indexed_units(u, &mut violations));
    let event_types = body
        .event_types
        .as_ref()
        .map(|t| t.as_deref().map(|t| check_event_types(t, &mut violations)));
    let description = body
        .description
        .as_ref()
        .map(|d| check_description(d.as_deref(), &mut violations));
    if let Some(url) = &url {
        violations.extend(check_destination(url, state.webhook_policy).await);
    }
    if !violations.is_empty() {
        return Err(AppError::validation(violations));
    }
    let now = state.clock.now();
    idempotency::run(&state.pool, key, move |conn| {
        let m = manager(conn, &caller)?;
        let current = m.owned(conn, id)?;
        let unit_ids = named.map(|n| resolve_units(conn, &m, &n)).transpose()?;
        let mut changes = EndpointChanges {
            url: url.map(String::from),
            description,
            unit_ids,
            event_types,
            updated_at: Some(now),
            ..Default::default()
        };
        match body.active {
            Some(false) if current.active => {
                changes.active = Some(false);
                changes.disabled_reason = Some(Some("manual"));
                changes.disabled_at = Some(Some(now));
                webhook::fail_pending(conn, id, "endpoint disabled by hand", now)?;
            }
            Some(true) if !current.active => {
                changes.active = Some(true);
                changes.disabled_reason = Some(None);
                changes.disabled_at = Some(None);
                changes.failing_since = Some(None);
            }
            _ => {}
        }
        let row = webhook::update(conn, id, &changes)?;
        ApiResponse::ok(&show(conn, row, now)?)
    })
    .await
}

/// Rotate a webhook endpoint's secret.
///
/// Makes a new signing secret, shown only in this answer. For 24 hours the replaced secret
/// signs beside it (`webhook-signature` then holds two space-separated signatures), so the
/// receiver can switch without losing a delivery. A secret replaced before that is dropped.
#[utoipa::path(tag = "webhooks", params(("id" = Uuid, Path, description = "Endpoint id")), responses(
    (status = 200, description = "The new secret.", body = RotatedSecret),
    (status = 404, description = "No endpoint with that id that is yours."),
))]
#[post("/webhooks/{id}/rotate-secret")]
pub async fn rotate_webhook_secret(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    idem: Idempotency,
) -> AppResult<ApiResponse> {
    require_manager_role(&caller)?;
    let key = idem.prepared(&caller.hsa_id);
    let id = id.into_inner();
    let secret = signing::new_secret()?;
    let now = state.clock.now();
    idempotency::run(&state.pool, key, move |conn| {
        let m = manager(conn, &caller)?;
        let current = m.owned(conn, id)?;
        let until = now + ROTATION_OVERLAP;
        webhook::update(
            conn,
            id,
            &EndpointChanges {
                secret: Some(secret.clone()),
                previous_secret: Some(Some(current.secret)),
                previous_secret_until: Some(Some(until)),
                updated_at: Some(now),
                ..Default::default()
            },
        )?;
        ApiResponse::ok(&RotatedSecret {
            secret,
            previous_secret_expires_at: crate::domain::reply_window::to_stockholm(until),
        })
    })
    .await
}

/// Send a test event.
///
/// Queues a `webhook.test` delivery to the endpoint, due at once: `{"type": "webhook.test",
/// "timestamp": …, "data": {"endpoint_id": …}}`, signed like every delivery. Follow it in the
/// deliveries. 409 `WEBHOOK_INACTIVE` when the endpoint is inactive.
#[utoipa::path(tag = "webhooks", params(("id" = Uuid, Path, description = "Endpoint id")), responses(
    (status = 202, description = "Queued.", body = WebhookDelivery),
    (status = 404, description = "No endpoint with that id that is yours."),
    (status = 409, description = "`WEBHOOK_INACTIVE`: the endpoint is inactive."),
))]
#[post("/webhooks/{id}/test")]
pub async fn test_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    idem: Idempotency,
) -> AppResult<ApiResponse> {
    require_manager_role(&caller)?;
    let key = idem.prepared(&caller.hsa_id);
    let id = id.into_inner();
    let now = state.clock.now();
    idempotency::run(&state.pool, key, move |conn| {
        let m = manager(conn, &caller)?;
        if !m.owned(conn, id)?.active {
            return Err(inactive());
        }
        let row = webhook::queue_test(conn, id, now)?;
        ApiResponse::with_status(
            actix_web::http::StatusCode::ACCEPTED,
            None,
            &WebhookDelivery::from((row, None)),
        )
    })
    .await
}

/// List an endpoint's deliveries.
///
/// Newest first, of one `status` when given: attempts made, the last HTTP status and error,
/// and when the next attempt is due. `seq` ties a delivery to the feed. Keyset paginated.
#[utoipa::path(tag = "webhooks", params(("id" = Uuid, Path, description = "Endpoint id"), DeliveryQuery), responses(
    (status = 200, description = "One page of deliveries.", body = DeliveryPage),
    (status = 404, description = "No endpoint with that id that is yours."),
))]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_deliveries(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<DeliveryQuery>,
) -> AppResult<web::Json<DeliveryPage>> {
    require_manager_role(&caller)?;
    let id = id.into_inner();
    let q = query.into_inner();
    let limit = pagination::limit(q.limit)?;
    let before = q
        .cursor
        .as_deref()
        .map(pagination::decode::<i64>)
        .transpose()?;
    let status = q.status.map(DeliveryStatus::as_str);
    let page = db::run(&state.pool, move |conn| {
        let m = manager(conn, &caller)?;
        m.owned(conn, id)?;
        let mut rows = webhook::deliveries(conn, id, status, before, limit + 1)?;
        let next_cursor = if rows.len() as i64 > limit {
            rows.truncate(limit as usize);
            rows.last().map(|(r, _)| pagination::encode(&r.ordinal))
        } else {
            None
        };
        Ok(DeliveryPage {
            items: rows.into_iter().map(WebhookDelivery::from).collect(),
            next_cursor,
        })
    })
    .await?;
    Ok(web::Json(page))
}

/// Queue failed deliveries again.
///
/// Every `failed` delivery of the endpoint queued at or after `since` becomes `pending` again,
/// due at once, with its attempts reset and the same `webhook-id`. For after an outage longer
/// than the retries, or after re-activating a disabled endpoint. 409 `WEBHOOK_INACTIVE` when
/// the endpoint is inactive.
#[utoipa::path(tag = "webhooks", params(("id" = Uuid, Path, description = "Endpoint id")), request_body = RecoverWebhook, responses(
    (status = 202, description = "How many were queued again.", body = Recovered),
    (status = 404, description = "No endpoint with that id that is yours."),
    (status = 409, description = "`WEBHOOK_INACTIVE`: the endpoint is inactive."),
))]
#[post("/webhooks/{id}/recover")]
pub async fn recover_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    idem: Idempotency,
    body: ApiJson<RecoverWebhook>,
) -> AppResult<ApiResponse> {
    require_manager_role(&caller)?;
    let key = idem.prepared(&caller.hsa_id);
    let id = id.into_inner();
    let since = body.0.since;
    let now = state.clock.now();
    idempotency::run(&state.pool, key, move |conn| {
        let m = manager(conn, &caller)?;
        if !m.owned(conn, id)?.active {
            return Err(inactive());
        }
        let queued = webhook::recover(conn, id, since, now)?;
        ApiResponse::with_status(
            actix_web::http::StatusCode::ACCEPTED,
            None,
            &Recovered { queued },
        )
    })
    .await
}

/// Registers the webhook routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_webhook)
        .service(list_webhooks)
        .service(get_webhook)
        .service(patch_webhook)
        .service(rotate_webhook_secret)
        .service(test_webhook)
        .service(list_deliveries)
        .service(recover_webhook);
}
