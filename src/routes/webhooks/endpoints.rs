//! Registering, listing, reading and changing endpoints.

use actix_web::{get, patch, post, web};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::auth::Caller;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::extract::ApiJson;
use crate::idempotency::{self, Idempotency};
use crate::models::unit;
use crate::models::webhook::{self, EndpointChanges, NewEndpoint};
use crate::response::ApiResponse;
use crate::routes::pagination;
use crate::state::AppState;
use crate::webhooks::signing;

use super::bodies::{
    CreateWebhook, PatchWebhook, WebhookEndpoint, WebhookEndpointWithSecret, WebhookPage,
    WebhookQuery,
};
use super::checks::{check_description, check_event_types, check_url};
use super::{check_destination, indexed_units, manager, require_manager_role, resolve_units, show};

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
        // The page's units named in one query, not one per endpoint.
        let names = unit::hsa_ids_by_id(
            conn,
            rows.iter()
                .flat_map(|r| r.unit_ids.iter().flatten().copied()),
        )?;
        let items = rows
            .into_iter()
            .map(|r| WebhookEndpoint::new(r, &names, now))
            .collect();
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
            detail: crate::routes::pagination::bad_cursor(),
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
