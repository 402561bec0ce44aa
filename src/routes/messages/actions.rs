//! The lifecycle actions other than replying: acknowledge (read), close and cancel, each one
//! change of the message by a party (see `change`).

use actix_web::{post, web};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::access_log::action;
use crate::auth::Caller;
use crate::domain::lifecycle::Action;
use crate::error::{AppError, AppResult};
use crate::extract::{ApiJson, IfMatch};
use crate::i18n::Msg;
use crate::idempotency::Idempotency;
use crate::response::ApiResponse;
use crate::routes::access;
use crate::routes::messages::change::{advance, change_message, decide, Guards};
use crate::routes::messages::view::Message;
use crate::state::AppState;

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

/// Acknowledge a message.
///
/// The receiving unit acknowledges reading the message: `sent` → `read`. Idempotent: reading a
/// message that is already read, answered or closed changes nothing. 409 `INVALID_TRANSITION`
/// for a cancelled message; 403 `RECIPIENT_ONLY` for the sender.
#[utoipa::path(tag = "messages", params(("id" = Uuid, Path, description = "Message id"), ("If-Match" = Option<String>, Header, description = "Act only if the message is still as read: the `ETag` of `GET /messages/{id}` (412 `PRECONDITION_FAILED` otherwise).")), responses(
    (status = 200, description = "The message.", body = Message, headers(("ETag" = String, description = "The message's entity tag after the change"))),
    (status = 404, description = "No such message, or not one of the caller's unit."),
    (status = 409, description = "`INVALID_TRANSITION`: the message is cancelled."),
    (status = 412, description = "`PRECONDITION_FAILED`: `If-Match` names a version that is no longer current."),
))]
#[post("/messages/{id}/read")]
pub async fn read_message(
    state: web::Data<AppState>,
    caller: Caller,
    idem: Idempotency,
    if_match: IfMatch,
    id: web::Path<Uuid>,
) -> AppResult<ApiResponse> {
    let key = idem.prepared(&caller.hsa_id);
    change_message(
        &state,
        &caller,
        action::MESSAGE_ACKNOWLEDGE,
        id.into_inner(),
        Guards {
            key,
            if_match: if_match.0,
        },
        false,
        |conn, row, by, party, now| {
            let steps = decide(row, Action::Read, party)?;
            advance(conn, row, steps, by, now, None)
        },
    )
    .await
}

/// Close a message.
///
/// Either party closes an answered message. Licensed staff only (403 `LICENCE_REQUIRED`);
/// 409 `INVALID_TRANSITION` unless the message is `answered`.
#[utoipa::path(tag = "messages", params(("id" = Uuid, Path, description = "Message id"), ("If-Match" = Option<String>, Header, description = "Act only if the message is still as read: the `ETag` of `GET /messages/{id}` (412 `PRECONDITION_FAILED` otherwise).")), responses(
    (status = 200, description = "The closed message.", body = Message, headers(("ETag" = String, description = "The message's entity tag after the change"))),
    (status = 404, description = "No such message, or not one of the caller's unit."),
    (status = 409, description = "`INVALID_TRANSITION`."),
    (status = 412, description = "`PRECONDITION_FAILED`: `If-Match` names a version that is no longer current."),
))]
#[post("/messages/{id}/close")]
pub async fn close_message(
    state: web::Data<AppState>,
    caller: Caller,
    idem: Idempotency,
    if_match: IfMatch,
    id: web::Path<Uuid>,
) -> AppResult<ApiResponse> {
    let key = idem.prepared(&caller.hsa_id);
    change_message(
        &state,
        &caller,
        action::MESSAGE_CLOSE,
        id.into_inner(),
        Guards {
            key,
            if_match: if_match.0,
        },
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
#[utoipa::path(tag = "messages", params(("id" = Uuid, Path, description = "Message id"), ("If-Match" = Option<String>, Header, description = "Act only if the message is still as read: the `ETag` of `GET /messages/{id}` (412 `PRECONDITION_FAILED` otherwise).")), request_body = CancelMessage, responses(
    (status = 200, description = "The cancelled message.", body = Message, headers(("ETag" = String, description = "The message's entity tag after the change"))),
    (status = 404, description = "No such message, or not one of the caller's unit."),
    (status = 409, description = "`INVALID_TRANSITION`."),
    (status = 412, description = "`PRECONDITION_FAILED`: `If-Match` names a version that is no longer current."),
))]
#[post("/messages/{id}/cancel")]
pub async fn cancel_message(
    state: web::Data<AppState>,
    caller: Caller,
    idem: Idempotency,
    if_match: IfMatch,
    id: web::Path<Uuid>,
    body: ApiJson<CancelMessage>,
) -> AppResult<ApiResponse> {
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
        Guards {
            key,
            if_match: if_match.0,
        },
        false,
        move |conn, row, by, party, now| {
            access::require_licensed(by.caller)?;
            let steps = decide(row, Action::Cancel, party)?;
            match (&comment, cancel.reason) {
                (Some(c), _) if c.chars().count() > 500 => {
                    return Err(AppError::invalid(
                        "TOO_LONG",
                        "comment",
                        Msg::new("Högst 500 tecken.", "At most 500 characters."),
                    ))
                }
                (None, CancelReason::Other) => {
                    return Err(AppError::invalid(
                        "COMMENT_REQUIRED",
                        "comment",
                        Msg::new(
                            "Skriv varför meddelandet återkallas.",
                            "Write why the message is cancelled.",
                        ),
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
