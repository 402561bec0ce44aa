//! How a party changes a message, shared by the lifecycle actions (read, reply, close,
//! cancel): the message row is locked `FOR UPDATE` in the action's one transaction — so read,
//! reply and cancel racing on the same message are decided one after the other and none is
//! lost —, the lifecycle decides (see `domain::lifecycle`), each step is saved with its history
//! entry and feed event, under the access log and the idempotency key.

use diesel::PgConnection;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::access_log::{logged_change, Subject};
use crate::auth::Caller;
use crate::domain::lifecycle::{apply, Action, Party, Refusal, Status};
use crate::error::{AppError, AppResult, Missing};
use crate::i18n::Msg;
use crate::idempotency::PreparedKey;
use crate::models::event::{self, kind};
use crate::models::message::{self, MessageRow, NewStatusChange};
use crate::models::unit::UnitRow;
use crate::response::{etag_listed, ApiResponse};
use crate::routes::access;
use crate::routes::messages::view;
use crate::state::AppState;
use crate::text;

/// The message, locked, if the caller's unit is a party to it — else the same 404 as for an
/// id that does not exist.
pub fn locked_for(
    conn: &mut PgConnection,
    caller: &Caller,
    id: Uuid,
    subject: &mut Subject,
) -> AppResult<(MessageRow, UnitRow, Party)> {
    let unit = access::staff_unit(conn, caller, subject)?;
    let row =
        message::find_for_update(conn, id)?.ok_or_else(|| AppError::not_found(Missing::Message))?;
    let party = if row.recipient_unit_id == unit.id {
        Party::Recipient
    } else if row.sender_unit_id == unit.id {
        Party::Sender
    } else {
        return Err(AppError::not_found(Missing::Message));
    };
    subject.patient_id = Some(row.patient_id);
    Ok((row, unit, party))
}

/// Decides the action: the statuses the message passes through (see [`apply`]); maps a
/// refusal to 403/409.
pub fn decide(row: &MessageRow, action: Action, party: Party) -> AppResult<&'static [Status]> {
    let status = row.status;
    match apply(status, action, party) {
        Ok(steps) => Ok(steps),
        Err(Refusal::WrongParty) => Err(AppError::Forbidden {
            code: if matches!(action, Action::Cancel) {
                "SENDER_ONLY"
            } else {
                "RECIPIENT_ONLY"
            },
            detail: match action {
                Action::Cancel => Msg::new(
                    "Bara den avsändande enheten får återkalla ett meddelande.",
                    "Only the sending unit may cancel a message.",
                ),
                _ => Msg::new(
                    "Bara den mottagande enheten får kvittera ett meddelande.",
                    "Only the receiving unit may acknowledge a message.",
                ),
            },
        }),
        Err(Refusal::InvalidTransition) => Err(AppError::Conflict {
            code: "INVALID_TRANSITION",
            detail: {
                let (sv, en) = match (action, party) {
                    (Action::Read, _) => ("kvitteras", "acknowledged"),
                    (Action::Reply, Party::Sender) => (
                        "besvaras av avsändaren innan mottagaren har svarat",
                        "replied to by the sender before the recipient has answered",
                    ),
                    (Action::Reply, Party::Recipient) => ("besvaras", "replied to"),
                    (Action::Close, _) => (
                        "avslutas (bara ett besvarat meddelande kan avslutas)",
                        "closed (only an answered message can be closed)",
                    ),
                    (Action::Cancel, _) => (
                        "återkallas (bara ett oläst meddelande kan återkallas)",
                        "cancelled (only an unread message can be cancelled)",
                    ),
                };
                let status_sv = match status {
                    Status::Sent => "skickat",
                    Status::Read => "läst",
                    Status::Answered => "besvarat",
                    Status::Closed => "avslutat",
                    Status::Cancelled => "återkallat",
                };
                text!(
                    "Ett meddelande med status `{status}` ({status_sv}) kan inte {sv}.",
                    "A message that is `{status}` cannot be {en}."
                )
            },
        }),
    }
}

/// Who changes a message: the caller acting for a unit.
pub struct Actor<'a> {
    /// The caller.
    pub caller: &'a Caller,
    /// The caller's acting unit.
    pub unit: &'a UnitRow,
}

/// Takes the message through `steps` (from [`decide`]), one status at a time: each step sets
/// its time, is saved with its history entry and — except `answered`, which the reply itself
/// announces as `message.replied` — appears in the feed. `note` goes with every history entry.
pub fn advance(
    conn: &mut PgConnection,
    row: &mut MessageRow,
    steps: &[Status],
    by: &Actor<'_>,
    at: OffsetDateTime,
    note: Option<&str>,
) -> AppResult<()> {
    for &to in steps {
        let from = row.status;
        let announce = match to {
            Status::Read => {
                row.read_at = Some(at);
                Some(kind::MESSAGE_READ)
            }
            Status::Answered => {
                row.answered_at = Some(at);
                None
            }
            Status::Closed => {
                row.closed_at = Some(at);
                Some(kind::MESSAGE_CLOSED)
            }
            Status::Cancelled => {
                row.cancelled_at = Some(at);
                Some(kind::MESSAGE_CANCELLED)
            }
            Status::Sent => return Err(anyhow::anyhow!("no action leads back to `sent`").into()),
        };
        if let Some(kind) = announce {
            emit(conn, kind, row, at)?;
        }
        row.status = to;
        message::save_status(
            conn,
            row,
            &NewStatusChange {
                message_id: row.id,
                from_status: Some(from.as_str()),
                to_status: to.as_str(),
                at,
                actor_hsa_id: &by.caller.hsa_id,
                actor_unit_id: by.unit.id,
                note,
            },
        )?;
    }
    Ok(())
}

/// Records the change in the feed.
pub fn emit(
    conn: &mut PgConnection,
    kind: &str,
    row: &MessageRow,
    at: OffsetDateTime,
) -> AppResult<()> {
    event::emit(
        conn,
        kind,
        at,
        &[row.sender_unit_id, row.recipient_unit_id],
        Some(row.id),
        Some(row.patient_id),
    )?;
    Ok(())
}

/// What a change is conditional on: its idempotency key and its `If-Match` (412
/// `PRECONDITION_FAILED` when the message's current `ETag` is not among the tags named).
pub struct Guards {
    /// The prepared `Idempotency-Key`.
    pub key: Option<PreparedKey>,
    /// The `If-Match` value.
    pub if_match: Option<String>,
}

/// A change of one message by a party: runs `change` on the locked row under the access log
/// and the idempotency key, and answers with the message as it now is.
pub async fn change_message<F>(
    state: &AppState,
    caller: &Caller,
    audit_action: &'static str,
    id: Uuid,
    guards: Guards,
    created: bool,
    change: F,
) -> AppResult<ApiResponse>
where
    F: FnOnce(
            &mut PgConnection,
            &mut MessageRow,
            &Actor<'_>,
            Party,
            OffsetDateTime,
        ) -> AppResult<()>
        + Send
        + 'static,
{
    let c = caller.clone();
    let clock = state.clock;
    logged_change(
        &state.pool,
        caller,
        audit_action,
        Subject::message(id),
        guards.key,
        move |conn, subject| {
            let now = clock.now();
            let (mut row, unit, party) = locked_for(conn, &c, id, subject)?;
            // The message as the caller's GET showed it, under the row lock, before the change.
            let before = match guards.if_match.as_deref() {
                Some(_) => {
                    let listed = message::find_listed(conn, row.id)?
                        .ok_or_else(|| anyhow::anyhow!("message {} not found", row.id))?;
                    ApiResponse::ok(&view::build_one(conn, listed, now)?)?
                        .with_etag()
                        .etag
                }
                None => None,
            };
            change(
                conn,
                &mut row,
                &Actor {
                    caller: &c,
                    unit: &unit,
                },
                party,
                now,
            )?;
            // The precondition is judged after the change's own checks (a refused change keeps
            // its 403/409/422: RFC 9110 §13.2.1); failing it rolls the change back.
            if let (Some(expected), Some(etag)) = (guards.if_match.as_deref(), before.as_deref()) {
                if !etag_listed(expected, etag) {
                    return Err(AppError::PreconditionFailed(text!(
                        "Meddelandet har ändrats sedan du läste det (dess ETag är nu {etag}); \
                         läs det igen innan du gör något med det.",
                        "The message has changed since you read it (its ETag is now {etag}); \
                         read it again before you act on it."
                    )));
                }
            }
            // Read back with the names it is shown with (the transaction sees its own change).
            let listed = message::find_listed(conn, row.id)?
                .ok_or_else(|| anyhow::anyhow!("changed message {} not found", row.id))?;
            let view = view::build_one(conn, listed, now)?;
            let answer = if created {
                ApiResponse::created(format!("/api/v1/messages/{}", view.id), &view)?
            } else {
                ApiResponse::ok(&view)?
            };
            Ok(answer.with_etag())
        },
    )
    .await
}
