//! What an endpoint's owner does with it: rotate its secret, send a test event, follow its
//! deliveries and queue the failed ones again.

use actix_web::{get, post, web};
use uuid::Uuid;

use crate::auth::Caller;
use crate::db;
use crate::error::AppResult;
use crate::extract::ApiJson;
use crate::idempotency::{self, Idempotency};
use crate::models::webhook::{self, EndpointChanges};
use crate::response::ApiResponse;
use crate::routes::pagination;
use crate::state::AppState;
use crate::webhooks::signing;

use super::bodies::{
    DeliveryPage, DeliveryQuery, DeliveryStatus, RecoverWebhook, Recovered, RotatedSecret,
    WebhookDelivery,
};
use super::{manager, require_manager_role, ROTATION_OVERLAP};

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
        manager(conn, &caller)?.owned_active(conn, id)?;
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
        manager(conn, &caller)?.owned_active(conn, id)?;
        let queued = webhook::recover(conn, id, since, now)?;
        ApiResponse::with_status(
            actix_web::http::StatusCode::ACCEPTED,
            None,
            &Recovered { queued },
        )
    })
    .await
}
