//! The message as responses show it: patient, parties, texts, details, times in Swedish local
//! time with offset, the reply window, `overdue`, the thread of replies and (for one message)
//! the status history.

use std::collections::HashMap;

use diesel::PgConnection;
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::access_log::Subject;
use crate::auth::{Caller, Role};
use crate::domain::category::Category;
use crate::domain::lifecycle::Status;
use crate::domain::personnummer::IdKind;
use crate::domain::reply_window::{is_overdue, to_stockholm};
use crate::error::{AppError, AppResult, Missing};
use crate::models::message::{self, Listed, ReplyWithUnit, StatusChangeRow};
use crate::models::raw_json::RawJson;
use crate::routes::access;
use crate::routes::messages::details::AnyDetails;

/// The patient a message is about.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PatientRef {
    /// Patient id.
    pub id: Uuid,
    /// Normalised 12-digit personnummer or samordningsnummer.
    pub personal_identity_number: String,
    /// `personnummer` or `samordningsnummer`.
    #[schema(value_type = String)]
    pub id_kind: IdKind,
    /// Name, when registered.
    pub name: Option<String>,
}

/// A unit taking part in a message.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitRef {
    /// Unit id.
    pub unit_id: Uuid,
    /// Unit HSA-id.
    pub unit_hsa_id: String,
    /// Unit name.
    pub unit_name: String,
}

/// Who sent a message.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SenderRef {
    /// Unit id.
    pub unit_id: Uuid,
    /// Unit HSA-id.
    pub unit_hsa_id: String,
    /// Unit name.
    pub unit_name: String,
    /// The person's HSA-id.
    pub hsa_id: String,
    /// The person's name.
    pub name: Option<String>,
    /// The person's profession.
    pub profession: Option<String>,
}

/// A reply in the thread.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Reply {
    /// Reply id.
    pub id: Uuid,
    /// The replying unit.
    pub unit: UnitRef,
    /// The person's HSA-id.
    pub hsa_id: String,
    /// The person's name.
    pub name: Option<String>,
    /// The person's profession.
    pub profession: Option<String>,
    /// Text.
    pub body: String,
    /// `utfort`, `ej_utfort` or `kontakt_behovs`, when given.
    pub outcome: Option<String>,
    /// When written.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// One change of status.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatusChange {
    /// Previous status (null for the creation).
    pub from_status: Option<String>,
    /// New status.
    pub to_status: String,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Who (HSA-id).
    pub actor_hsa_id: String,
    /// The acting unit.
    pub actor_unit_id: Uuid,
    /// A note (e.g. the cancellation reason).
    pub note: Option<String>,
}

/// Why a message was cancelled.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Cancellation {
    /// `wrong_patient`, `wrong_recipient` or `other`.
    pub reason: String,
    /// Free comment.
    pub comment: Option<String>,
}

/// A message outside a care episode.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Message {
    /// Message id.
    pub id: Uuid,
    /// `recept`, `provtagning`, `uppfoljning` or `bokning`.
    #[schema(value_type = String)]
    pub category: Category,
    /// `sent`, `read`, `answered`, `closed` or `cancelled`.
    #[schema(value_type = String)]
    pub status: Status,
    /// The patient.
    pub patient: PatientRef,
    /// The sender.
    pub sender: SenderRef,
    /// The recipient unit.
    pub recipient: UnitRef,
    /// Subject.
    pub subject: String,
    /// Body.
    pub body: String,
    /// Category details.
    #[schema(value_type = AnyDetails)]
    pub details: RawJson,
    /// When sent.
    #[serde(with = "time::serde::rfc3339")]
    pub sent_at: OffsetDateTime,
    /// When the recipient acknowledged it.
    #[serde(with = "time::serde::rfc3339::option")]
    pub read_at: Option<OffsetDateTime>,
    /// When the recipient first replied.
    #[serde(with = "time::serde::rfc3339::option")]
    pub answered_at: Option<OffsetDateTime>,
    /// When closed.
    #[serde(with = "time::serde::rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
    /// When cancelled.
    #[serde(with = "time::serde::rfc3339::option")]
    pub cancelled_at: Option<OffsetDateTime>,
    /// Why cancelled.
    pub cancellation: Option<Cancellation>,
    /// An answer is expected from (2nd working day after sending, same clock time).
    #[serde(with = "time::serde::rfc3339")]
    pub reply_expected_from: OffsetDateTime,
    /// An answer is due by (17:00 on the 7th working day after sending).
    #[serde(with = "time::serde::rfc3339")]
    pub reply_due_by: OffsetDateTime,
    /// Unanswered past `reply_due_by`.
    pub overdue: bool,
    /// The thread, oldest first.
    pub replies: Vec<Reply>,
    /// Status history, oldest first (only when reading one message).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<StatusChange>>,
}

fn local(t: OffsetDateTime) -> OffsetDateTime {
    to_stockholm(t)
}

/// Views of listed messages; one more query, for the replies of all of them.
pub fn build(
    conn: &mut PgConnection,
    rows: Vec<Listed>,
    now: OffsetDateTime,
) -> AppResult<Vec<Message>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = rows.iter().map(|l| l.row.id).collect();
    let mut by_message: HashMap<Uuid, Vec<ReplyWithUnit>> = HashMap::new();
    for r in message::replies_for(conn, &ids)? {
        by_message.entry(r.0.message_id).or_default().push(r);
    }
    Ok(rows
        .into_iter()
        .map(|l| {
            let replies = by_message.remove(&l.row.id).unwrap_or_default();
            assemble(l, replies, now)
        })
        .collect())
}

/// One message with its thread and status history.
pub fn build_one(
    conn: &mut PgConnection,
    listed: Listed,
    now: OffsetDateTime,
) -> AppResult<Message> {
    let id = listed.row.id;
    let replies = message::replies_for(conn, &[id])?;
    let mut view = assemble(listed, replies, now);
    view.history = Some(
        message::history(conn, id)?
            .into_iter()
            .map(|h: StatusChangeRow| StatusChange {
                from_status: h.from_status,
                to_status: h.to_status,
                at: local(h.at),
                actor_hsa_id: h.actor_hsa_id,
                actor_unit_id: h.actor_unit_id,
                note: h.note,
            })
            .collect(),
    );
    Ok(view)
}

/// The view of a message from what was read (no database); `replies` oldest first.
pub fn assemble(l: Listed, replies: Vec<ReplyWithUnit>, now: OffsetDateTime) -> Message {
    let Listed {
        row: r,
        patient: (pid, pnr, kind, pname),
        sender: (sender_hsa, sender_name),
        recipient: (recipient_hsa, recipient_name),
    } = l;
    let status = r.status;
    let replies = replies
        .into_iter()
        .map(|(rep, (unit_hsa_id, unit_name))| Reply {
            id: rep.id,
            unit: UnitRef {
                unit_id: rep.author_unit_id,
                unit_hsa_id,
                unit_name,
            },
            hsa_id: rep.author_hsa_id,
            name: rep.author_name,
            profession: rep.author_profession,
            body: rep.body,
            outcome: rep.outcome,
            created_at: local(rep.created_at),
        })
        .collect();
    Message {
        id: r.id,
        category: r.category,
        status: r.status,
        patient: PatientRef {
            id: pid,
            personal_identity_number: pnr,
            id_kind: kind,
            name: pname,
        },
        sender: SenderRef {
            unit_id: r.sender_unit_id,
            unit_hsa_id: sender_hsa,
            unit_name: sender_name,
            hsa_id: r.sender_hsa_id,
            name: r.sender_name,
            profession: r.sender_profession,
        },
        recipient: UnitRef {
            unit_id: r.recipient_unit_id,
            unit_hsa_id: recipient_hsa,
            unit_name: recipient_name,
        },
        subject: r.subject,
        body: r.body,
        details: r.details,
        sent_at: local(r.sent_at),
        read_at: r.read_at.map(local),
        answered_at: r.answered_at.map(local),
        closed_at: r.closed_at.map(local),
        cancelled_at: r.cancelled_at.map(local),
        cancellation: r.cancel_reason.map(|reason| Cancellation {
            reason,
            comment: r.cancel_comment,
        }),
        reply_expected_from: local(r.reply_expected_from),
        reply_due_by: local(r.reply_due_by),
        overdue: status.awaits_answer() && is_overdue(r.reply_due_by, now),
        replies,
        history: None,
    }
}

/// One message with its thread and history, for a reader who may see it — otherwise the same
/// 404 as for an id that does not exist. Care staff (`personal`) see the messages of their
/// acting unit; an integration platform (`integration`, without `personal`) those whose sender
/// or recipient is among its token's units. Notes the patient and the role on the access-log
/// subject.
pub fn read_one(
    conn: &mut diesel::PgConnection,
    caller: &Caller,
    id: Uuid,
    now: OffsetDateTime,
    subject: &mut Subject,
) -> AppResult<Message> {
    let visible: Vec<Uuid> =
        if caller.has_role(Role::Integration) && !caller.has_role(Role::Personal) {
            access::integration_units(conn, caller, subject)?
        } else {
            vec![access::staff_unit(conn, caller, subject)?.id]
        };
    let listed = message::find_listed(conn, id)?
        .filter(|l| {
            visible.contains(&l.row.sender_unit_id) || visible.contains(&l.row.recipient_unit_id)
        })
        .ok_or_else(|| AppError::not_found(Missing::Message))?;
    subject.patient_id = Some(listed.row.patient_id);
    build_one(conn, listed, now)
}
