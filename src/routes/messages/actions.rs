//! The lifecycle actions: acknowledge (read), reply, close, cancel. Each runs in one
//! transaction on the message row locked `FOR UPDATE`, so read, reply and cancel racing on the
//! same message are decided one after the other and none is lost.

use actix_web::{post, web};
use diesel::PgConnection;
use serde::Deserialize;
use serde_json::Value;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::audit::{action, audited_reply, Subject};
use crate::auth::Caller;
use crate::domain::lifecycle::{apply, Action, Party, Refusal, Status};
use crate::domain::narcotics::NarcoticsIndex;
use crate::domain::rules::{self, ReplyDraft};
use crate::error::{AppError, AppResult, Violation};
use crate::extract::{from_value, ApiJson};
use crate::idempotency::{Idempotency, PreparedKey};
use crate::models::event::{self, kind};
use crate::models::message::{self, MessageRow, NewStatusChange, ReplyRow};
use crate::models::unit::UnitRow;
use crate::reply::ApiReply;
use crate::routes::access;
use crate::routes::messages::draft_input::{refused, rule_violations, scan_keys};
use crate::routes::messages::field_checks::check_text;
use crate::routes::messages::view::{self, Message};
use crate::state::AppState;

/// How a reply concludes the request.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Done (e.g. the prescription was renewed).
    Utfort,
    /// Not done; the reply says why.
    EjUtfort,
    /// The sender needs to call.
    KontaktBehovs,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Self::Utfort => "utfort",
            Self::EjUtfort => "ej_utfort",
            Self::KontaktBehovs => "kontakt_behovs",
        }
    }
}

/// A reply.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReply {
    /// Text, 1–4000 characters; nothing urgent, no attachments.
    #[schema(min_length = 1, max_length = 4000)]
    pub body: String,
    /// How the request ended, when it did.
    pub outcome: Option<Outcome>,
}

/// Why the sender cancels.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CancelReason {
    /// Sent about the wrong patient.
    WrongPatient,
    /// Sent to the wrong unit.
    WrongRecipient,
    /// Another reason (say which in `comment`).
    Other,
}

impl CancelReason {
    fn as_str(self) -> &'static str {
        match self {
            Self::WrongPatient => "wrong_patient",
            Self::WrongRecipient => "wrong_recipient",
            Self::Other => "other",
        }
    }
}

/// A cancellation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelMessage {
    /// Why.
    pub reason: CancelReason,
    /// Free comment, up to 500 characters; required when `reason` is `other`.
    #[schema(max_length = 500)]
    pub comment: Option<String>,
}

/// The message, locked, if the caller's unit is a party to it — else the same 404 as for an
/// id that does not exist.
fn locked_for(
    conn: &mut PgConnection,
    caller: &Caller,
    id: Uuid,
    subject: &mut Subject,
) -> AppResult<(MessageRow, UnitRow, Party)> {
    let unit = access::staff_unit(conn, caller, subject)?;
    let row = message::find_for_update(conn, id)?.ok_or_else(|| AppError::not_found("message"))?;
    let party = if row.recipient_unit_id == unit.id {
        Party::Recipient
    } else if row.sender_unit_id == unit.id {
        Party::Sender
    } else {
        return Err(AppError::not_found("message"));
    };
    subject.patient_id = Some(row.patient_id);
    Ok((row, unit, party))
}

/// Decides the action: the statuses the message passes through (see [`apply`]); maps a
/// refusal to 403/409.
fn decide(row: &MessageRow, action: Action, party: Party) -> AppResult<&'static [Status]> {
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
                Action::Cancel => "Only the sending unit may cancel a message.".into(),
                _ => "Only the receiving unit may acknowledge a message.".into(),
            },
        }),
        Err(Refusal::InvalidTransition) => Err(AppError::Conflict {
            code: "INVALID_TRANSITION",
            detail: format!(
                "A message that is `{status}` cannot be {}.",
                match (action, party) {
                    (Action::Read, _) => "acknowledged",
                    (Action::Reply, Party::Sender) =>
                        "replied to by the sender before the recipient has answered",
                    (Action::Reply, Party::Recipient) => "replied to",
                    (Action::Close, _) => "closed (only an answered message can be closed)",
                    (Action::Cancel, _) => "cancelled (only an unread message can be cancelled)",
                }
            ),
        }),
    }
}

/// Who changes a message: the caller acting for a unit.
struct Actor<'a> {
    caller: &'a Caller,
    unit: &'a UnitRow,
}

/// Takes the message through `steps` (from [`decide`]), one status at a time: each step sets
/// its time, is saved with its history entry and — except `answered`, which the reply itself
/// announces as `message.replied` — appears in the feed. `note` goes with every history entry.
fn advance(
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
fn emit(
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

/// A change of one message by a party: runs `change` on the locked row under the access log
/// and the idempotency key, and answers with the message as it now is.
async fn change_message<F>(
    state: &AppState,
    caller: &Caller,
    audit_action: &'static str,
    id: Uuid,
    key: Option<PreparedKey>,
    created: bool,
    change: F,
) -> AppResult<ApiReply>
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
    audited_reply(
        &state.pool,
        caller,
        audit_action,
        Subject::message(id),
        key,
        move |conn, subject| {
            let now = clock.now();
            let (mut row, unit, party) = locked_for(conn, &c, id, subject)?;
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
            // Read back with the names it is shown with (the transaction sees its own change).
            let listed = message::find_listed(conn, row.id)?
                .ok_or_else(|| anyhow::anyhow!("changed message {} not found", row.id))?;
            let view = view::build_one(conn, listed, now)?;
            if created {
                ApiReply::created(format!("/api/v1/messages/{}", view.id), &view)
            } else {
                ApiReply::ok(&view)
            }
        },
    )
    .await
}

/// Acknowledge a message.
///
/// The receiving unit acknowledges reading the message: `sent` → `read`. Idempotent: reading a
/// message that is already read, answered or closed changes nothing. 409 `INVALID_TRANSITION`
/// for a cancelled message; 403 `RECIPIENT_ONLY` for the sender.
#[utoipa::path(tag = "messages", params(("id" = Uuid, Path, description = "Message id")), responses(
    (status = 200, description = "The message.", body = Message),
    (status = 404, description = "No such message, or not one of the caller's unit."),
    (status = 409, description = "`INVALID_TRANSITION`: the message is cancelled."),
))]
#[post("/messages/{id}/read")]
pub async fn read_message(
    state: web::Data<AppState>,
    caller: Caller,
    idem: Idempotency,
    id: web::Path<Uuid>,
) -> AppResult<ApiReply> {
    let key = idem.prepared(&caller.hsa_id);
    change_message(
        &state,
        &caller,
        action::MESSAGE_ACKNOWLEDGE,
        id.into_inner(),
        key,
        false,
        |conn, row, by, party, now| {
            let steps = decide(row, Action::Read, party)?;
            advance(conn, row, steps, by, now, None)
        },
    )
    .await
}

/// The keys a reply may have.
const REPLY_KEYS: &[&str] = &["body", "outcome"];

/// A reply body as sent: typed when it parsed, with its attachment-like fields and the field
/// problems found so far.
struct ParsedReply {
    reply: Option<NewReply>,
    attachments: Vec<String>,
    violations: Vec<Violation>,
}

/// Reads a reply body the way a message draft is read (see `draft_input`): attachment-like
/// keys are kept for `BILAGA`, other unknown keys are `UNKNOWN_FIELD`.
fn parse_reply(mut raw: Value) -> ParsedReply {
    let mut attachments = Vec::new();
    let mut violations = Vec::new();
    match raw.as_object_mut() {
        Some(obj) => scan_keys(obj, REPLY_KEYS, "", &mut attachments, &mut violations),
        None => {
            violations.push(Violation::new(
                "INVALID_VALUE",
                "(body)",
                "Skicka ett JSON-objekt.",
            ));
            return ParsedReply {
                reply: None,
                attachments,
                violations,
            };
        }
    }
    let reply = match from_value::<NewReply>(raw) {
        Ok(reply) => {
            check_text(&mut violations, "body", &reply.body, 4000);
            Some(reply)
        }
        Err(AppError::Unprocessable { violations: v, .. }) => {
            violations.extend(v);
            None
        }
        Err(_) => None,
    };
    ParsedReply {
        reply,
        attachments,
        violations,
    }
}

/// Every problem of a reply: its fields, then the routine's rules (the same checks as a
/// message's, see `rules::evaluate_reply`).
fn judge_reply(
    parsed: &ParsedReply,
    caller: &Caller,
    narcotics: &NarcoticsIndex,
) -> Vec<Violation> {
    let mut violations = parsed.violations.clone();
    let texts: Vec<(&str, &str)> = parsed
        .reply
        .iter()
        .map(|r| ("body", r.body.as_str()))
        .collect();
    let draft = ReplyDraft {
        author_licensed: caller.legitimerad,
        texts,
        attachment_fields: parsed.attachments.clone(),
    };
    rule_violations(rules::evaluate_reply(&draft, narcotics), &mut violations);
    violations
}

/// Reply to a message.
///
/// Adds a reply to the thread. The receiving unit's first reply answers the message
/// (`answered`); a reply to a message it has not acknowledged reads it first (history
/// `sent` → `read` → `answered`, feed `message.read` then `message.replied`). After that both
/// parties may reply. A reply is judged by the same rules as a message's text: only licensed
/// staff reply (`EJ_LEGITIMERAD`), and a reply must not be urgent (`AKUT`), carry attachments
/// or attachment fields (`BILAGA`) or ask for the renewal of a narcotic (`NARKOTIKA`): 422
/// `ROUTINE_VIOLATION` with every violation. 409 `INVALID_TRANSITION` for closed or cancelled
/// messages, or a sender replying before the answer.
#[utoipa::path(tag = "messages", params(("id" = Uuid, Path, description = "Message id")), request_body = NewReply, responses(
    (status = 201, description = "The message with its thread.", body = Message, headers(("Location" = String, description = "URL of the message"))),
    (status = 404, description = "No such message, or not one of the caller's unit."),
    (status = 409, description = "`INVALID_TRANSITION`."),
))]
#[post("/messages/{id}/replies")]
pub async fn reply_to_message(
    state: web::Data<AppState>,
    caller: Caller,
    idem: Idempotency,
    id: web::Path<Uuid>,
    body: ApiJson<Value>,
) -> AppResult<ApiReply> {
    let key = idem.prepared(&caller.hsa_id);
    let parsed = parse_reply(body.0);
    let st = state.clone();
    change_message(
        &state,
        &caller,
        action::MESSAGE_REPLY,
        id.into_inner(),
        key,
        true,
        move |conn, row, by, party, now| {
            // Outsiders got their 404 already; only a party learns what is wrong with its reply.
            let narcotics = st.narcotics.get(conn)?;
            let violations = judge_reply(&parsed, by.caller, &narcotics);
            let Some(reply) = parsed.reply.filter(|_| violations.is_empty()) else {
                return Err(refused("Svaret", violations));
            };
            let steps = decide(row, Action::Reply, party)?;
            advance(conn, row, steps, by, now, None)?;
            message::insert_reply(
                conn,
                &ReplyRow {
                    id: Uuid::now_v7(),
                    message_id: row.id,
                    author_unit_id: by.unit.id,
                    author_hsa_id: by.caller.hsa_id.clone(),
                    author_name: by.caller.name.clone(),
                    author_profession: by.caller.profession.clone(),
                    body: reply.body,
                    outcome: reply.outcome.map(|o| o.as_str().to_string()),
                    created_at: now,
                },
            )?;
            emit(conn, kind::MESSAGE_REPLIED, row, now)
        },
    )
    .await
}

/// Close a message.
///
/// Either party closes an answered message. Licensed staff only (403 `LICENCE_REQUIRED`);
/// 409 `INVALID_TRANSITION` unless the message is `answered`.
#[utoipa::path(tag = "messages", params(("id" = Uuid, Path, description = "Message id")), responses(
    (status = 200, description = "The closed message.", body = Message),
    (status = 404, description = "No such message, or not one of the caller's unit."),
    (status = 409, description = "`INVALID_TRANSITION`."),
))]
#[post("/messages/{id}/close")]
pub async fn close_message(
    state: web::Data<AppState>,
    caller: Caller,
    idem: Idempotency,
    id: web::Path<Uuid>,
) -> AppResult<ApiReply> {
    let key = idem.prepared(&caller.hsa_id);
    change_message(
        &state,
        &caller,
        action::MESSAGE_CLOSE,
        id.into_inner(),
        key,
        false,
        |conn, row, by, party, now| {
            access::require_licensed(by.caller)?;
            let steps = decide(row, Action::Close, party)?;
            advance(conn, row, steps, by, now, None)
        },
    )
    .await
}

/// Cancel a message.
///
/// The sending unit cancels a message the recipient has not yet read, giving a reason
/// (`wrong_patient`, `wrong_recipient`, `other` with a comment). The message stays, marked.
/// Licensed staff only; 403 `SENDER_ONLY` for the recipient; 409 `INVALID_TRANSITION` once read.
#[utoipa::path(tag = "messages", params(("id" = Uuid, Path, description = "Message id")), request_body = CancelMessage, responses(
    (status = 200, description = "The cancelled message.", body = Message),
    (status = 404, description = "No such message, or not one of the caller's unit."),
    (status = 409, description = "`INVALID_TRANSITION`."),
))]
#[post("/messages/{id}/cancel")]
pub async fn cancel_message(
    state: web::Data<AppState>,
    caller: Caller,
    idem: Idempotency,
    id: web::Path<Uuid>,
    body: ApiJson<CancelMessage>,
) -> AppResult<ApiReply> {
    let key = idem.prepared(&caller.hsa_id);
    let cancel = body.0;
    let comment = cancel
        .comment
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty());
    change_message(
        &state,
        &caller,
        action::MESSAGE_CANCEL,
        id.into_inner(),
        key,
        false,
        move |conn, row, by, party, now| {
            access::require_licensed(by.caller)?;
            let steps = decide(row, Action::Cancel, party)?;
            match (&comment, cancel.reason) {
                (Some(c), _) if c.chars().count() > 500 => {
                    return Err(AppError::invalid(
                        "TOO_LONG",
                        "comment",
                        "Högst 500 tecken.",
                    ))
                }
                (None, CancelReason::Other) => {
                    return Err(AppError::invalid(
                        "COMMENT_REQUIRED",
                        "comment",
                        "Skriv varför meddelandet återkallas.",
                    ))
                }
                _ => {}
            }
            if !steps.is_empty() {
                row.cancel_reason = Some(cancel.reason.as_str().into());
                row.cancel_comment = comment;
            }
            advance(conn, row, steps, by, now, Some(cancel.reason.as_str()))
        },
    )
    .await
}
