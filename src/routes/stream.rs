//! The live mailbox: `GET /api/v1/messages/stream` (`text/event-stream`) pushes the acting
//! unit's mailbox changes — new, read, replied, closed, cancelled: ids, status, category, no
//! free text and no patient — as they enter the feed. `id:` is the feed's `seq`, so a browser's
//! `EventSource` resumes after a reconnect with `Last-Event-ID` and loses and repeats nothing.
//!
//! `EventSource` cannot send `Authorization`, and tokens must never travel in URLs: `POST
//! /api/v1/stream-tickets` trades the token for a one-time ticket (60 s) for `?ticket=`. Open
//! streams are bounded per unit and in total ([`StreamSlots`]; over the bound 503 with
//! `Retry-After`), and a stream ends when its token expires (`event: token-expired`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, FromRequest, HttpRequest, HttpResponse, Responder};
use actix_web_lab::sse;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::access_log::Subject;
use crate::auth::{now_epoch, Caller};
use crate::db::{self, DbPool};
use crate::domain::reply_window::to_stockholm;
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;
use crate::models::event::{self, kind};
use crate::models::stream_ticket;
use crate::response::ApiResponse;
use crate::routes::access;
use crate::state::AppState;
use crate::text;

/// How long a ticket is valid.
pub const TICKET_SECONDS: i64 = 60;
/// How often an idle stream looks for new events.
const POLL: Duration = Duration::from_secs(1);
/// A keep-alive comment after this much silence.
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// The reconnection delay advised to the browser.
const RETRY: Duration = Duration::from_secs(3);
/// Events read per look.
const BATCH: i64 = 100;

/// Open streams: at most `per_unit` per acting unit and `max` in this process.
#[derive(Debug, Clone)]
pub struct StreamSlots {
    per_unit: usize,
    max: usize,
    open: Arc<Mutex<(usize, HashMap<Uuid, usize>)>>,
}

impl Default for StreamSlots {
    fn default() -> Self {
        Self::new(20, 1000)
    }
}

/// One open stream's place; given back when dropped.
#[derive(Debug)]
pub struct Slot {
    unit: Uuid,
    open: Arc<Mutex<(usize, HashMap<Uuid, usize>)>>,
    /// Counted in `samverkan_open_streams` while the stream is open.
    _counted: crate::instrument::Open,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.0 = open.0.saturating_sub(1);
        if let Some(n) = open.1.get_mut(&self.unit) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.1.remove(&self.unit);
            }
        }
    }
}

impl StreamSlots {
    /// Bounds per unit and in total.
    pub fn new(per_unit: usize, max: usize) -> Self {
        Self {
            per_unit,
            max,
            open: Arc::new(Mutex::new((0, HashMap::new()))),
        }
    }

    /// A place for one more stream of `unit`, or 503 when a bound is reached.
    pub fn acquire(&self, unit: Uuid) -> AppResult<Slot> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let of_unit = open.1.get(&unit).copied().unwrap_or(0);
        if open.0 >= self.max || of_unit >= self.per_unit {
            let (all, per_unit, max) = (open.0, self.per_unit, self.max);
            return Err(AppError::Unavailable(
                crate::error::cause::STREAMS,
                text!(
                    "För många öppna strömmar ({of_unit} för din enhet, {all} totalt; högst \
                 {per_unit} och {max}). Stäng en annan flik eller försök igen om en stund.",
                    "Too many open streams ({of_unit} for your unit, {all} in all; at most \
                 {per_unit} and {max}). Close another tab or try again shortly."
                ),
            ));
        }
        open.0 += 1;
        *open.1.entry(unit).or_insert(0) += 1;
        Ok(Slot {
            unit,
            open: self.open.clone(),
            _counted: crate::instrument::Open::new(crate::instrument::name::STREAMS),
        })
    }
}

/// A one-time stream ticket.
#[derive(Debug, Serialize, ToSchema)]
pub struct StreamTicket {
    /// Pass as `?ticket=` to `GET /api/v1/messages/stream`, once, before `expires_at`.
    pub ticket: String,
    /// When it stops being valid (60 s).
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// Stream query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StreamQuery {
    /// A ticket from `POST /api/v1/stream-tickets` (instead of `Authorization`).
    pub ticket: Option<String>,
    /// Start after this `seq` (like `Last-Event-ID`, for a first connection that knows where it
    /// stopped); without either, the stream starts with the next change.
    #[param(minimum = 0)]
    pub after: Option<i64>,
}

/// One mailbox change, as pushed (`data:` of an event named by its `type`).
#[derive(Debug, Serialize, ToSchema)]
pub struct MailboxChange {
    /// The feed's sequence number (also the event's `id:`).
    pub seq: i64,
    /// `message.created`, `message.read`, `message.replied`, `message.closed` or
    /// `message.cancelled`.
    #[serde(rename = "type")]
    pub type_: String,
    /// The message.
    pub message_id: Uuid,
    /// `inbox` or `outbox`, as the acting unit sees the message.
    pub mailbox: &'static str,
    /// Its category.
    pub category: String,
    /// Its status now.
    pub status: String,
    /// When the change happened.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

fn hash(ticket: &str) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    Sha256::digest(ticket.as_bytes()).to_vec()
}

fn ticket_refused() -> AppError {
    AppError::Unauthenticated {
        code: "UNAUTHENTICATED",
        detail: Msg::new(
            "Strömbiljetten är okänd, redan använd eller för gammal; hämta en ny med POST \
             /api/v1/stream-tickets.",
            "The stream ticket is unknown, used or expired; get a new one with POST \
             /api/v1/stream-tickets.",
        ),
    }
}

/// Get a stream ticket.
///
/// Care staff (role `personal`) with an active acting unit. Trades the bearer token for a
/// one-time ticket valid 60 s, for `GET /api/v1/messages/stream?ticket=` — browsers'
/// `EventSource` cannot send `Authorization`, and tokens must never travel in URLs. The ticket
/// stands for the caller as the token said, until the token expires.
#[utoipa::path(tag = "messages", responses(
    (status = 201, description = "The ticket.", body = StreamTicket),
))]
#[post("/stream-tickets")]
pub async fn create_stream_ticket(
    state: web::Data<AppState>,
    caller: Caller,
) -> AppResult<ApiResponse> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no random bytes: {e}"))?;
    let ticket = {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    };
    let now = state.clock.now();
    let expires_at = now + time::Duration::seconds(TICKET_SECONDS);
    let stored = serde_json::to_string(&caller).map_err(anyhow::Error::from)?;
    let digest = hash(&ticket);
    db::run(&state.pool, move |conn| {
        access::staff_unit(conn, &caller, &mut Subject::default())?;
        stream_ticket::insert(conn, &digest, &stored, expires_at)?;
        Ok(())
    })
    .await?;
    ApiResponse::with_status(
        StatusCode::CREATED,
        None,
        &StreamTicket {
            ticket,
            expires_at: to_stockholm(expires_at),
        },
    )
}

/// Follow the mailbox live.
///
/// `text/event-stream` of the acting unit's mailbox changes ([`MailboxChange`] as `data:`,
/// `event:` its type, `id:` the feed's `seq`): no free text, no patient — read the message for
/// that (logged). Authenticate with `Authorization` or `?ticket=` (one-time, from `POST
/// /api/v1/stream-tickets`). Resume with `Last-Event-ID` (or `?after=`): nothing is lost or
/// repeated across a reconnect. A `: keep-alive` comment every 15 s, `retry: 3000` advice, and
/// `event: token-expired` when the token expires, which ends the stream. 503 with `Retry-After`
/// when too many streams are open (per unit or in all).
#[utoipa::path(tag = "messages", params(StreamQuery, ("Last-Event-ID" = Option<String>, Header, description = "The `id:` of the last event seen: the stream continues after it.")), responses(
    (status = 200, description = "The event stream.", content_type = "text/event-stream", body = String),
))]
#[get("/messages/stream")]
pub async fn stream_mailbox(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<StreamQuery>,
) -> AppResult<HttpResponse> {
    let q = query.into_inner();
    let now = state.clock.now();
    let caller = match q.ticket.as_deref() {
        Some(ticket) => {
            let digest = hash(ticket);
            let stored = db::run(&state.pool, move |conn| {
                Ok(stream_ticket::redeem(conn, &digest, now)?)
            })
            .await?
            .ok_or_else(ticket_refused)?;
            let caller: Caller = serde_json::from_str(&stored).map_err(anyhow::Error::from)?;
            if caller.expires_at <= now_epoch() {
                return Err(ticket_refused());
            }
            caller
        }
        None => Caller::from_request(&req, &mut Payload::None).await?,
    };
    let last_event_id = req
        .headers()
        .get("last-event-id")
        .map(|v| {
            v.to_str()
                .ok()
                .and_then(|s| s.trim().parse::<i64>().ok())
                .filter(|n| *n >= 0)
                .ok_or(AppError::BadRequest {
                    code: "INVALID_LAST_EVENT_ID",
                    detail: Msg::new(
                        "`Last-Event-ID` ska vara en händelses `id:` (ett löpnummer ≥ 0).",
                        "`Last-Event-ID` must be an event's `id:` (a sequence number ≥ 0).",
                    ),
                })
        })
        .transpose()?;
    let resume = last_event_id.or(q.after);
    let c = caller.clone();
    let (unit, start) = db::run(&state.pool, move |conn| {
        let unit = access::staff_unit(conn, &c, &mut Subject::default())?;
        let start = match resume {
            Some(seq) => seq,
            None => {
                event::number_pending(conn)?;
                event::max_seq(conn)?
            }
        };
        Ok((unit.id, start))
    })
    .await?;
    let slot = state.streams.acquire(unit)?;
    let (tx, rx) = tokio::sync::mpsc::channel::<sse::Event>(16);
    let pool = state.pool.clone();
    actix_web::rt::spawn(follow(pool, unit, start, caller.expires_at, tx, slot));
    Ok(sse::Sse::from_infallible_receiver(rx)
        .with_keep_alive(KEEP_ALIVE)
        .with_retry_duration(RETRY)
        .respond_to(&req)
        .map_into_boxed_body())
}

/// Pushes the unit's mailbox changes after `seq` until the client goes or the token expires.
async fn follow(
    pool: DbPool,
    unit: Uuid,
    mut seq: i64,
    expires_at: i64,
    tx: tokio::sync::mpsc::Sender<sse::Event>,
    _slot: Slot,
) {
    loop {
        if now_epoch() >= expires_at {
            let _ = tx
                .send(sse::Data::new("{}").event("token-expired").into())
                .await;
            return;
        }
        let batch = db::run(&pool, move |conn| Ok(changes_after(conn, unit, seq)?)).await;
        let (changes, last, full) = match batch {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(error = %e, "mailbox stream could not read the feed; trying again");
                (Vec::new(), seq, false)
            }
        };
        for change in changes {
            let Ok(data) = sse::Data::new_json(&change) else {
                continue;
            };
            let data = data.id(change.seq.to_string()).event(change.type_.clone());
            if tx.send(data.into()).await.is_err() {
                return;
            }
        }
        seq = last;
        if full {
            continue;
        }
        tokio::select! {
            _ = tokio::time::sleep(POLL) => {}
            _ = tx.closed() => return,
        }
    }
}

/// The unit's message events after `seq` (numbering any committed ones first), with each
/// message's category and current status; the last `seq` read; whether the batch was full.
fn changes_after(
    conn: &mut PgConnection,
    unit: Uuid,
    seq: i64,
) -> QueryResult<(Vec<MailboxChange>, i64, bool)> {
    use crate::schema::messages;
    event::number_pending(conn)?;
    let rows = event::after(conn, seq, &[unit], BATCH)?;
    let full = rows.len() as i64 == BATCH;
    let last = rows.last().and_then(|r| r.seq).unwrap_or(seq);
    let ids: Vec<Uuid> = rows.iter().filter_map(|r| r.message_id).collect();
    let facts: HashMap<Uuid, (String, String, Uuid)> = messages::table
        .filter(messages::id.eq_any(&ids))
        .select((
            messages::id,
            messages::category,
            messages::status,
            messages::recipient_unit_id,
        ))
        .load::<(Uuid, String, String, Uuid)>(conn)?
        .into_iter()
        .map(|(id, category, status, recipient)| (id, (category, status, recipient)))
        .collect();
    let changes = rows
        .into_iter()
        .filter(|r| kind::is_message(&r.type_))
        .filter_map(|r| {
            let id = r.message_id?;
            let (category, status, recipient) = facts.get(&id)?;
            Some(MailboxChange {
                seq: r.seq?,
                type_: r.type_,
                message_id: id,
                mailbox: if *recipient == unit {
                    "inbox"
                } else {
                    "outbox"
                },
                category: category.clone(),
                status: status.clone(),
                at: to_stockholm(r.at),
            })
        })
        .collect();
    Ok((changes, last, full))
}

/// Registers the stream routes (before `/messages/{id}`, which would take `stream` for an id).
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_stream_ticket).service(stream_mailbox);
}

#[cfg(test)]
mod tests {
    use super::StreamSlots;
    use uuid::Uuid;

    #[test]
    fn slots_are_bounded_per_unit_and_in_all_and_given_back() {
        let slots = StreamSlots::new(2, 3);
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let a1 = slots.acquire(a).unwrap();
        let _a2 = slots.acquire(a).unwrap();
        assert!(slots.acquire(a).is_err(), "third for one unit");
        let _b1 = slots.acquire(b).unwrap();
        assert!(slots.acquire(b).is_err(), "fourth in all");
        drop(a1);
        assert!(
            slots.acquire(b).is_ok(),
            "a closed stream gives its place back"
        );
    }
}
