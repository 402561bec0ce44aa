//! Replies: the thread of a message. A reply is read like a draft (attachment-like keys are
//! `BILAGA`, other unknown keys `UNKNOWN_FIELD`) and judged by the same rules as a message's
//! text (`rules::evaluate_reply`); the recipient's first reply answers the message.

use actix_web::{post, web};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::access_log::action;
use crate::auth::Caller;
use crate::domain::lifecycle::Action;
use crate::domain::narcotics::NarcoticsIndex;
use crate::domain::rules::{self, ReplyDraft};
use crate::error::{AppError, AppResult, Violation};
use crate::extract::{from_value, ApiJson, IfMatch};
use crate::i18n::Msg;
use crate::idempotency::Idempotency;
use crate::models::event::kind;
use crate::models::message::{self, ReplyRow};
use crate::models::statistics;
use crate::response::ApiResponse;
use crate::routes::messages::change::{advance, change_message, decide, emit, Guards};
use crate::routes::messages::draft_input::{
    count_refusal, refused, refusing_rules, rule_violations, scan_keys, Refused,
};
use crate::routes::messages::field_checks::check_text;
use crate::routes::messages::view::Message;
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
                Msg::new("Skicka ett JSON-objekt.", "Send a JSON object."),
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
#[utoipa::path(tag = "messages", params(("id" = Uuid, Path, description = "Message id"), ("If-Match" = Option<String>, Header, description = "Act only if the message is still as read: the `ETag` of `GET /messages/{id}` (412 `PRECONDITION_FAILED` otherwise).")), request_body = NewReply, responses(
    (status = 201, description = "The message with its thread.", body = Message, headers(("Location" = String, description = "URL of the message"), ("ETag" = String, description = "The message's entity tag after the reply"))),
    (status = 404, description = "No such message, or not one of the caller's unit."),
    (status = 409, description = "`INVALID_TRANSITION`."),
    (status = 412, description = "`PRECONDITION_FAILED`: `If-Match` names a version that is no longer current."),
))]
#[post("/messages/{id}/replies")]
pub async fn reply_to_message(
    state: web::Data<AppState>,
    caller: Caller,
    idem: Idempotency,
    if_match: IfMatch,
    id: web::Path<Uuid>,
    body: ApiJson<Value>,
) -> AppResult<ApiResponse> {
    let key = idem.prepared(&caller.hsa_id);
    let parsed = parse_reply(body.0);
    let st = state.clone();
    let message_id = id.into_inner();
    let result = change_message(
        &state,
        &caller,
        action::MESSAGE_REPLY,
        message_id,
        Guards {
            key,
            if_match: if_match.0,
        },
        true,
        move |conn, row, by, party, now| {
            // Outsiders got their 404 already; only a party learns what is wrong with its reply.
            let narcotics = st.narcotics.get(conn)?;
            let violations = judge_reply(&parsed, by.caller, &narcotics);
            let Some(reply) = parsed.reply.filter(|_| violations.is_empty()) else {
                return Err(refused(Refused::Reply, violations));
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
    .await;
    if let Err(e) = &result {
        let at = state.clock.now();
        count_refusal(&state, refusing_rules(e, "reply"), move |conn, rules| {
            statistics::on_reply_refused(conn, at, message_id, rules)
        })
        .await;
    }
    result
}
