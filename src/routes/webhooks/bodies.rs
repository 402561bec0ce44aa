//! What the webhook routes read and answer: an endpoint as shown (its secret only when made or
//! rotated), the bodies that register and change one, and deliveries (field checks: `checks`).

use std::collections::HashMap;

use serde::{Deserialize, Deserializer, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::domain::reply_window::to_stockholm;
use crate::models::event::kind;
use crate::models::webhook::{DeliveryRow, EndpointRow};
use crate::routes::events::EventUnit;
use crate::webhooks::dispatcher::webhook_id;

/// Most units one endpoint covers.
pub const MAX_UNITS: usize = 100;
/// Longest description.
pub const MAX_DESCRIPTION: usize = 500;

/// A registered webhook endpoint.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookEndpoint {
    /// Id.
    pub id: Uuid,
    /// Where deliveries are POSTed.
    #[schema(example = "https://integration.example.se/samverkan/webhooks")]
    pub url: String,
    /// Free text for the integrator.
    pub description: Option<String>,
    /// Events of these units are delivered.
    pub units: Vec<EventUnit>,
    /// Only these event types; null: every type.
    pub event_types: Option<Vec<String>>,
    /// Whether deliveries are made.
    pub active: bool,
    /// Why it is inactive: `manual` (PATCH), `gone` (the receiver answered 410), `failing`
    /// (every attempt failed for the configured time, 5 days by default).
    pub disabled_reason: Option<String>,
    /// When it was disabled.
    #[serde(with = "time::serde::rfc3339::option")]
    pub disabled_at: Option<OffsetDateTime>,
    /// Since when every attempt has failed; null while deliveries succeed.
    #[serde(with = "time::serde::rfc3339::option")]
    pub failing_since: Option<OffsetDateTime>,
    /// Until when the secret before the last rotation still signs beside the current one.
    #[serde(with = "time::serde::rfc3339::option")]
    pub previous_secret_expires_at: Option<OffsetDateTime>,
    /// Who registered it (the token's `sub`).
    pub owner_hsa_id: String,
    /// Registered.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl WebhookEndpoint {
    /// The endpoint as shown at `now`, its units named by `hsa`.
    pub fn new(r: EndpointRow, hsa: &HashMap<Uuid, String>, now: OffsetDateTime) -> Self {
        let units = r
            .unit_ids
            .iter()
            .flatten()
            .map(|id| EventUnit {
                id: *id,
                hsa_id: hsa.get(id).cloned().unwrap_or_default(),
            })
            .collect();
        Self {
            id: r.id,
            url: r.url,
            description: r.description,
            units,
            event_types: r.event_types.map(|t| t.into_iter().flatten().collect()),
            active: r.active,
            disabled_reason: r.disabled_reason,
            disabled_at: r.disabled_at.map(to_stockholm),
            failing_since: r.failing_since.map(to_stockholm),
            previous_secret_expires_at: r
                .previous_secret_until
                .filter(|until| *until > now)
                .map(to_stockholm),
            owner_hsa_id: r.owner_hsa_id,
            created_at: to_stockholm(r.created_at),
            updated_at: to_stockholm(r.updated_at),
        }
    }
}

/// An endpoint with its signing secret: only in the answers that make one.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookEndpointWithSecret {
    /// The endpoint.
    #[serde(flatten)]
    pub endpoint: WebhookEndpoint,
    /// The signing secret (`whsec_` + base64 of 32 random bytes). Shown only here: store it.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: String,
}

/// An endpoint to register.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhook {
    /// `https` URL the deliveries are POSTed to; it must not resolve to a loopback, private,
    /// link-local or metadata address, and must carry no credentials.
    #[schema(
        example = "https://integration.example.se/samverkan/webhooks",
        max_length = 2048
    )]
    pub url: String,
    /// HSA-ids of the units whose events are delivered: for an integration client, units of
    /// its token's `units` claim; 1–100.
    #[schema(schema_with = units_schema)]
    pub units: Vec<String>,
    /// Only these event types, at least one (default: every type).
    #[serde(default)]
    #[schema(schema_with = event_types_schema)]
    pub event_types: Option<Vec<String>>,
    /// Free text, at most 500 characters.
    #[serde(default)]
    #[schema(max_length = 500)]
    pub description: Option<String>,
}

/// Changes to an endpoint; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchWebhook {
    /// New URL (checked as on registration).
    #[schema(max_length = 2048)]
    pub url: Option<String>,
    /// New units, 1–100 HSA-ids (replaces the list).
    #[schema(schema_with = units_or_null_schema)]
    pub units: Option<Vec<String>>,
    /// New event types, at least one; null: every type.
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = event_types_schema)]
    pub event_types: Option<Option<Vec<String>>>,
    /// New description; null removes it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable, max_length = 500)]
    pub description: Option<Option<String>>,
    /// false stops deliveries (pending ones fail and can be recovered); true resumes them and
    /// clears a disabling.
    pub active: Option<bool>,
}

const UNITS_DESCRIPTION: &str = "HSA-ids of the units whose events are delivered (1–100); for an integration client, units of its token's `units` claim.";

/// `units`: 1–100 HSA-ids.
fn units_schema() -> utoipa::openapi::schema::Array {
    crate::routes::unit_refs::hsa_ids_schema(MAX_UNITS, UNITS_DESCRIPTION, false)
}

/// `units` of a change: as on registration, or null (no change).
fn units_or_null_schema() -> utoipa::openapi::schema::Array {
    crate::routes::unit_refs::hsa_ids_schema(MAX_UNITS, UNITS_DESCRIPTION, true)
}

/// `event_types`: at least one of the feed's types, or null for every type.
fn event_types_schema() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, SchemaType, Type};
    ArrayBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(kind::ALL.iter().copied())),
        )
        .min_items(Some(1))
        .description(Some(
            "Only these event types (at least one); absent or null: every type.",
        ))
        .examples([serde_json::json!(["message.created", "message.replied"])])
        .build()
}

/// A field that is present, even as null: `Some(None)`.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// A new secret, and until when the one it replaces keeps signing.
#[derive(Debug, Serialize, ToSchema)]
pub struct RotatedSecret {
    /// The new signing secret. Shown only here: store it.
    pub secret: String,
    /// The replaced secret signs beside the new one until then (24 hours).
    #[serde(with = "time::serde::rfc3339")]
    pub previous_secret_expires_at: OffsetDateTime,
}

/// One delivery of one event to one endpoint.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookDelivery {
    /// Id.
    pub id: Uuid,
    /// The `webhook-id` header it is sent with, the same on every attempt.
    #[schema(example = "msg_0193a0c4e6f27c1a9d0b5e8f3a2c1d4e")]
    pub webhook_id: String,
    /// The event type (`webhook.test` for a test).
    #[serde(rename = "type")]
    pub type_: String,
    /// The feed's sequence number of the event; null for a test.
    pub seq: Option<i64>,
    /// `pending`, `succeeded` or `failed`.
    pub status: String,
    /// Attempts made.
    pub attempts: i32,
    /// HTTP status of the last attempt, when the receiver answered.
    pub last_status_code: Option<i32>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When the last attempt was made.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_attempt_at: Option<OffsetDateTime>,
    /// When the next attempt is due (pending only).
    #[serde(with = "time::serde::rfc3339::option")]
    pub next_attempt_at: Option<OffsetDateTime>,
    /// Queued.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it succeeded or failed for good.
    #[serde(with = "time::serde::rfc3339::option")]
    pub completed_at: Option<OffsetDateTime>,
}

impl From<(DeliveryRow, Option<i64>)> for WebhookDelivery {
    fn from((r, seq): (DeliveryRow, Option<i64>)) -> Self {
        Self {
            webhook_id: webhook_id(r.id),
            id: r.id,
            type_: r.type_,
            seq,
            status: r.status,
            attempts: r.attempts,
            last_status_code: r.last_status,
            last_error: r.last_error,
            last_attempt_at: r.last_attempt_at.map(to_stockholm),
            next_attempt_at: r.next_attempt_at.map(to_stockholm),
            created_at: to_stockholm(r.created_at),
            completed_at: r.completed_at.map(to_stockholm),
        }
    }
}

/// A delivery state to filter on.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    /// Not yet delivered; will be tried (again).
    Pending,
    /// The receiver answered 2xx.
    Succeeded,
    /// Attempts spent, or the endpoint was disabled; `recover` queues it again.
    Failed,
}

impl DeliveryStatus {
    /// The stored code.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
        }
    }
}

/// Filters of the delivery listing.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// Only deliveries in this state.
    #[param(inline)]
    pub status: Option<DeliveryStatus>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

/// Paging of the endpoint listing.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WebhookQuery {
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

/// One page of endpoints.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookPage {
    /// Oldest first.
    pub items: Vec<WebhookEndpoint>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// One page of deliveries.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryPage {
    /// Newest first.
    pub items: Vec<WebhookDelivery>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// Failed deliveries to queue again.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecoverWebhook {
    /// Every failed delivery queued at or after this instant (RFC 3339) is queued again.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime, example = "2026-12-01T00:00:00+01:00")]
    pub since: OffsetDateTime,
}

/// How many deliveries were queued again.
#[derive(Debug, Serialize, ToSchema)]
pub struct Recovered {
    /// Failed deliveries now pending again, due at once.
    pub queued: usize,
}
