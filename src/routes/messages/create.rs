//! Sending a message: one plain handler per category, sharing [`create`]. The draft is judged
//! (see `draft`) and, when it breaks nothing, stored with its first status, its feed event and
//! its access-log entry in one transaction; the answer is built from what that transaction read
//! and wrote.

use actix_web::{post, web};
use serde_json::Value;
use uuid::Uuid;

use crate::access_log::{action, logged_change};
use crate::auth::Caller;
use crate::domain::lifecycle::Status;
use crate::domain::reply_window::ReplyWindow;
use crate::error::AppResult;
use crate::extract::ApiJson;
use crate::idempotency::Idempotency;
use crate::models::event::{self, kind};
use crate::models::message::{self, Listed, MessageRow};
use crate::models::raw_json::RawJson;
use crate::models::statistics;
use crate::response::ApiResponse;
use crate::routes::messages::details::{
    BokningDetails, Details, ProvtagningDetails, ReceptDetails, UppfoljningDetails,
};
use crate::routes::messages::draft::{judge, named, parse};
use crate::routes::messages::draft_input::{count_refusal, refused, refusing_rules, Refused};
use crate::routes::messages::new_message::{NewBokning, NewProvtagning, NewRecept, NewUppfoljning};
use crate::routes::messages::view::{self, Message};
use crate::state::AppState;

/// Sends a message of category `D` (see the module documentation).
pub async fn create<D: Details>(
    state: web::Data<AppState>,
    caller: Caller,
    idem: Idempotency,
    raw: Value,
) -> AppResult<ApiResponse> {
    let key = idem.prepared(&caller.hsa_id);
    let now = state.clock.now();
    let parsed = parse::<D>(raw, now);
    let st = state.clone();
    let c = caller.clone();
    let named = named(&parsed);
    let recipient = parsed.message.as_ref().map(|m| m.recipient_unit_id);
    let result = logged_change(
        &state.pool,
        &caller,
        action::MESSAGE_CREATE,
        named,
        key,
        move |conn, subject| {
            let caller = c;
            let judged = judge(conn, &st, &caller, &parsed, now, subject)?;
            if !judged.violations.is_empty() {
                return Err(refused(Refused::Message, judged.violations));
            }
            let msg = parsed
                .message
                .ok_or_else(|| anyhow::anyhow!("accepted draft without message"))?;
            let window = ReplyWindow::for_sent_at(now);
            let row = MessageRow {
                id: Uuid::now_v7(),
                category: D::CATEGORY,
                status: Status::Sent,
                patient_id: msg.patient_id,
                sender_unit_id: judged.sender.id,
                recipient_unit_id: msg.recipient_unit_id,
                sender_hsa_id: caller.hsa_id.clone(),
                sender_name: caller.name.clone(),
                sender_profession: caller.profession.clone(),
                subject: msg.subject,
                body: msg.body,
                details: RawJson::to_json(&msg.details).map_err(anyhow::Error::from)?,
                sent_at: now,
                read_at: None,
                answered_at: None,
                closed_at: None,
                cancelled_at: None,
                cancel_reason: None,
                cancel_comment: None,
                reply_expected_from: window.reply_expected_from,
                reply_due_by: window.reply_due_by,
            };
            message::insert(conn, &row, &caller.hsa_id)?;
            subject.message_id = Some(row.id);
            event::emit(
                conn,
                kind::MESSAGE_CREATED,
                now,
                &[row.sender_unit_id, row.recipient_unit_id],
                Some(row.id),
                Some(row.patient_id),
            )?;
            // Everything the view shows was read or made in this transaction: no read-back.
            let (Some(patient), Some(recipient)) = (judged.patient, judged.recipient) else {
                return Err(
                    anyhow::anyhow!("accepted message without patient or recipient").into(),
                );
            };
            let listed = Listed {
                row,
                patient: (
                    patient.id,
                    patient.personal_identity_number,
                    patient.id_kind,
                    patient.name,
                ),
                sender: (judged.sender.hsa_id, judged.sender.name),
                recipient: (recipient.hsa_id, recipient.name),
            };
            // A new message has no replies yet.
            let created = view::assemble(listed, Vec::new(), now);
            ApiResponse::created(format!("/api/v1/messages/{}", created.id), &created)
        },
    )
    .await;
    if let Err(e) = &result {
        let rules = refusing_rules(e, "create");
        if let Some(unit) = caller.unit_hsa_id.clone() {
            count_refusal(&state, rules, move |conn, rules| {
                statistics::on_create_refused(
                    conn,
                    now,
                    &unit,
                    recipient,
                    D::CATEGORY.as_str(),
                    rules,
                )
            })
            .await;
        }
    }
    result
}

/// Send a prescription renewal.
#[utoipa::path(tag = "messages", summary = "Send a prescription renewal", description = "Creates one receptförnyelse (renewal of an existing prescription) from the caller's acting unit. The body is checked against every rule of the routine — AKUT, BILAGA, NARKOTIKA (the drug by substance, brand, ATC code or NPL id, and a narcotic's renewal asked for in any text), NYFORSKRIVNING, EJ_INSKRIVEN, OGILTIG_MOTTAGARE, EJ_LEGITIMERAD — and every violation is reported at once in a 422 (`ROUTINE_VIOLATION`, or `VALIDATION_FAILED` for field problems only), in Swedish, saying what to do instead. The answer carries the reply window (`reply_expected_from`, `reply_due_by`).", request_body = NewRecept, responses(
    (status = 201, description = "Sent; `Location` names the message.", body = Message, headers(("Location" = String, description = "URL of the message"))),
))]
#[post("/messages/recept")]
pub async fn create_recept(
    state: web::Data<AppState>,
    caller: Caller,
    idem: Idempotency,
    body: ApiJson<Value>,
) -> AppResult<ApiResponse> {
    create::<ReceptDetails>(state, caller, idem, body.0).await
}

/// Send a sampling request.
#[utoipa::path(tag = "messages", summary = "Send a sampling request", description = "Creates one provtagning message (analyses, wished date, fasting, who samples) from the caller's acting unit. Every rule of the routine is checked and every violation reported at once in a 422 (`ROUTINE_VIOLATION` or `VALIDATION_FAILED`). The answer carries the reply window.", request_body = NewProvtagning, responses(
    (status = 201, description = "Sent; `Location` names the message.", body = Message, headers(("Location" = String, description = "URL of the message"))),
))]
#[post("/messages/provtagning")]
pub async fn create_provtagning(
    state: web::Data<AppState>,
    caller: Caller,
    idem: Idempotency,
    body: ApiJson<Value>,
) -> AppResult<ApiResponse> {
    create::<ProvtagningDetails>(state, caller, idem, body.0).await
}

/// Send a follow-up.
#[utoipa::path(tag = "messages", summary = "Send a follow-up", description = "Creates one uppföljning message: measured values (blood pressure, weight, blood sugar, pulse, saturation, temperature — physiologically impossible values are refused with the field named) and/or a request for follow-up. Every rule of the routine is checked and every violation reported at once in a 422. The answer carries the reply window.", request_body = NewUppfoljning, responses(
    (status = 201, description = "Sent; `Location` names the message.", body = Message, headers(("Location" = String, description = "URL of the message"))),
))]
#[post("/messages/uppfoljning")]
pub async fn create_uppfoljning(
    state: web::Data<AppState>,
    caller: Caller,
    idem: Idempotency,
    body: ApiJson<Value>,
) -> AppResult<ApiResponse> {
    create::<UppfoljningDetails>(state, caller, idem, body.0).await
}

/// Send a booking request.
#[utoipa::path(tag = "messages", summary = "Send a booking request", description = "Creates one bokning message: an annual check-up or a non-urgent doctor's visit, at home or at the clinic, with wished dates. Every rule of the routine is checked and every violation reported at once in a 422. The answer carries the reply window.", request_body = NewBokning, responses(
    (status = 201, description = "Sent; `Location` names the message.", body = Message, headers(("Location" = String, description = "URL of the message"))),
))]
#[post("/messages/bokning")]
pub async fn create_bokning(
    state: web::Data<AppState>,
    caller: Caller,
    idem: Idempotency,
    body: ApiJson<Value>,
) -> AppResult<ApiResponse> {
    create::<BokningDetails>(state, caller, idem, body.0).await
}
