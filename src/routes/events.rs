//! The change feed for integration platforms (role `integration`): what happened to messages
//! and enrollments of the units in the token's `units` claim, in one strictly increasing
//! order, without free text. A reader that always asks `after=<last seq seen>` sees every
//! event exactly once (see `models::event` for why that holds under concurrent writers).

use std::time::{Duration, Instant};

use actix_web::{get, web};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::access_log::{action, logged_page, Subject};
use crate::auth::{Caller, Role};
use crate::db;
use crate::domain::reply_window::to_stockholm;
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;
use crate::models::{event, unit};
use crate::routes::access;
use crate::state::AppState;

/// Longest long-poll.
pub const MAX_WAIT_SECONDS: u64 = 30;
/// How often a long-poll looks again.
const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// Feed query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// Only events after this sequence number (default 0: from the start).
    #[param(minimum = 0)]
    pub after: Option<i64>,
    /// At most this many events, 1–1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// Seconds to wait for an event when there is none yet, 0–30 (default 0).
    #[param(minimum = 0, maximum = 30)]
    pub wait: Option<u64>,
}

/// A unit an event concerns.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventUnit {
    /// Unit id.
    pub id: Uuid,
    /// HSA-id.
    pub hsa_id: String,
}

/// One change.
#[derive(Debug, Serialize, ToSchema)]
pub struct Event {
    /// Strictly increasing sequence number; pass the last one as `after`.
    pub seq: i64,
    /// `message.created`, `message.read`, `message.replied`, `message.closed`,
    /// `message.cancelled`, `enrollment.started` or `enrollment.ended`.
    #[serde(rename = "type")]
    pub type_: String,
    /// When the change happened.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The units concerned (sender and recipient; the enrolling unit).
    pub units: Vec<EventUnit>,
    /// The message, for message events.
    pub message_id: Option<Uuid>,
    /// The patient.
    pub patient_id: Option<Uuid>,
}

/// A batch of events.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventPage {
    /// In sequence order.
    pub events: Vec<Event>,
    /// The sequence number to pass as `after` next time.
    pub last_seq: i64,
}

/// Read the change feed.
///
/// Role `integration`: events of the units named in the token's `units` claim, in strictly
/// increasing `seq` order. Ask with `after=<last_seq>` to see every event exactly once; with
/// `wait` (≤ 30 s) the call answers as soon as an event arrives, or empty when the time is up.
/// Delivery to your system is at-least-once if you crash between storing events and storing
/// `last_seq`: make your handling idempotent on `seq`. Events name patients, so every batch is
/// an access: one `event.list` access-log entry per patient in it, with the client as actor.
#[utoipa::path(tag = "events", params(EventQuery), responses((status = 200, description = "Events after `after`.", body = EventPage)))]
#[get("/events")]
pub async fn list_events(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<EventQuery>,
) -> AppResult<web::Json<EventPage>> {
    let q = query.into_inner();
    let after = q.after.unwrap_or(0);
    if after < 0 {
        return Err(AppError::BadRequest {
            code: "INVALID_QUERY",
            detail: Msg::new(
                "`after` ska vara 0 eller mer.",
                "`after` must be 0 or more.",
            ),
        });
    }
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(AppError::BadRequest {
            code: "INVALID_QUERY",
            detail: Msg::new(
                "`limit` ska vara mellan 1 och 1000.",
                "`limit` must be between 1 and 1000.",
            ),
        });
    }
    let wait = q.wait.unwrap_or(0);
    if wait > MAX_WAIT_SECONDS {
        return Err(AppError::BadRequest {
            code: "INVALID_QUERY",
            detail: Msg::new(
                "`wait` får vara högst 30 sekunder.",
                "`wait` must be at most 30 seconds.",
            ),
        });
    }
    access::require_role(&caller, Role::Integration)?;
    let c = caller.clone();
    // Who reads, and for which units: resolved once for the whole long-poll.
    let (named, ids): (Subject, Vec<Uuid>) = db::run(&state.pool, move |conn| {
        let mut named = Subject::default();
        let ids = access::integration_units(conn, &c, &mut named)?;
        Ok((named, ids))
    })
    .await?;
    let deadline = Instant::now() + Duration::from_secs(wait);
    // A call that may wait is an open long-poll until it answers (or the client goes away).
    let _long_poll =
        (wait > 0).then(|| crate::instrument::Open::new(crate::instrument::name::LONG_POLLS));
    loop {
        let ids = ids.clone();
        // A batch names patients: it is logged, one `event.list` entry per patient, in the
        // transaction that reads it (an empty batch writes nothing).
        let (rows, hsa) = logged_page(
            &state.pool,
            &caller,
            action::EVENT_LIST,
            named.clone(),
            move |conn, subject| {
                event::number_pending(conn)?;
                let rows = event::after(conn, after, &ids, limit)?;
                subject.shown = rows.iter().filter_map(|r| r.patient_id).collect();
                let hsa = unit::hsa_ids_by_id(
                    conn,
                    rows.iter()
                        .flat_map(|r| r.unit_ids.iter().flatten().copied()),
                )?;
                Ok((rows, hsa))
            },
        )
        .await?;
        if !rows.is_empty() || Instant::now() >= deadline {
            let last_seq = rows.last().and_then(|r| r.seq).unwrap_or(after);
            let events = rows
                .into_iter()
                .map(|r| Event {
                    seq: r.seq.unwrap_or_default(),
                    type_: r.type_,
                    at: to_stockholm(r.at),
                    units: r
                        .unit_ids
                        .into_iter()
                        .flatten()
                        .map(|id| EventUnit {
                            id,
                            hsa_id: hsa.get(&id).cloned().unwrap_or_default(),
                        })
                        .collect(),
                    message_id: r.message_id,
                    patient_id: r.patient_id,
                })
                .collect();
            return Ok(web::Json(EventPage { events, last_seq }));
        }
        tokio::time::sleep(POLL_INTERVAL.min(deadline.saturating_duration_since(Instant::now())))
            .await;
    }
}

/// Registers the route.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_events);
}
