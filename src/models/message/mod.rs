//! The `messages`, `message_replies` and `message_status_changes` tables: rows, the insert of
//! a new message, the status changes, replies and history; the mailbox listing and counts are
//! in [`mailbox`].
//!
//! **What is bound to this SQL — change them together:**
//! - `bench/pgbench/create.sql`, `inbox.sql`, `inbox_deep.sql`, `message.sql` and `summary.sql`
//!   hold, statement for statement, the SQL these functions send; `bench/run` captures the
//!   API's statements on every run and stops when they differ.
//! - Every statement here must stay a cached prepared one: inserts use
//!   `treat_none_as_default_value = false` (a `None` is NULL, not DEFAULT, so the text never
//!   changes), no `dsl::sql` fragments (diesel never caches them: see `mailbox::AwaitingAnswer`).
//! - Connections plan once (`plan_cache_mode = force_generic_plan`, `db.rs`):
//!   `tests/api/messages/index.rs` checks the generic plans of [`list_sql`] and
//!   [`count_overdue_sql`] over 100,000 messages (index scans, no sequential scan).
//! - The partial indexes `messages_inbox_open_idx` / `messages_outbox_open_idx` (migration 2)
//!   carry the predicate `status IN ('sent', 'read')` that `mailbox::AwaitingAnswer` writes out.
//! - `tests/api/schema.rs` holds `src/schema.rs` equal to the migrated database.

use diesel::prelude::*;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::domain::category::Category;
use crate::domain::lifecycle::Status;
use crate::domain::personnummer::IdKind;
use crate::models::raw_json::RawJson;
use crate::schema::{message_replies, message_status_changes, messages, patients, units};

diesel::alias!(units as sender_units: SenderUnits, units as recipient_units: RecipientUnits);

/// A unit as a message shows it: HSA-id and name.
pub type UnitName = (String, String);

/// A patient as a message shows it: id, number, kind of number, name.
pub type PatientInfo = (Uuid, String, IdKind, Option<String>);

/// A message with the names it is shown with, read in the same statement (one round trip for a
/// whole page instead of three).
#[derive(Debug, Clone)]
pub struct Listed {
    pub row: MessageRow,
    pub patient: PatientInfo,
    pub sender: UnitName,
    pub recipient: UnitName,
}

/// A reply with its unit's HSA-id and name.
pub type ReplyWithUnit = (ReplyRow, UnitName);

/// `messages` joined with its patient and both units; `$filter` narrows it, the select is the
/// one [`Listed`] is built from.
macro_rules! listed_query {
    () => {
        messages::table
            .inner_join(patients::table)
            .inner_join(sender_units.on(sender_units.field(units::id).eq(messages::sender_unit_id)))
            .inner_join(
                recipient_units.on(recipient_units
                    .field(units::id)
                    .eq(messages::recipient_unit_id)),
            )
            .select((
                MessageRow::as_select(),
                (
                    patients::id,
                    patients::personal_identity_number,
                    patients::id_kind,
                    patients::name,
                ),
                sender_units.fields((units::hsa_id, units::name)),
                recipient_units.fields((units::hsa_id, units::name)),
            ))
    };
}

type ListedTuple = (MessageRow, PatientInfo, UnitName, UnitName);

fn listed((row, patient, sender, recipient): ListedTuple) -> Listed {
    Listed {
        row,
        patient,
        sender,
        recipient,
    }
}

mod mailbox;

pub use mailbox::{count_overdue, count_overdue_sql, counts, list, list_sql, MessageFilter};

/// A stored message.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = messages)]
pub struct MessageRow {
    pub id: Uuid,
    pub category: Category,
    pub status: Status,
    pub patient_id: Uuid,
    pub sender_unit_id: Uuid,
    pub recipient_unit_id: Uuid,
    pub sender_hsa_id: String,
    pub sender_name: Option<String>,
    pub sender_profession: Option<String>,
    pub subject: String,
    pub body: String,
    pub details: RawJson,
    pub sent_at: OffsetDateTime,
    pub read_at: Option<OffsetDateTime>,
    pub answered_at: Option<OffsetDateTime>,
    pub closed_at: Option<OffsetDateTime>,
    pub cancelled_at: Option<OffsetDateTime>,
    pub cancel_reason: Option<String>,
    pub cancel_comment: Option<String>,
    pub reply_expected_from: OffsetDateTime,
    pub reply_due_by: OffsetDateTime,
}

/// A stored reply.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = message_replies)]
#[diesel(treat_none_as_default_value = false)]
pub struct ReplyRow {
    pub id: Uuid,
    pub message_id: Uuid,
    pub author_unit_id: Uuid,
    pub author_hsa_id: String,
    pub author_name: Option<String>,
    pub author_profession: Option<String>,
    pub body: String,
    pub outcome: Option<String>,
    pub created_at: OffsetDateTime,
}

/// A stored status change.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = message_status_changes)]
pub struct StatusChangeRow {
    pub id: i64,
    pub message_id: Uuid,
    pub from_status: Option<String>,
    pub to_status: String,
    pub at: OffsetDateTime,
    pub actor_hsa_id: String,
    pub actor_unit_id: Uuid,
    pub note: Option<String>,
}

/// A status change to record.
#[derive(Debug, Insertable)]
#[diesel(table_name = message_status_changes)]
#[diesel(treat_none_as_default_value = false)]
pub struct NewStatusChange<'a> {
    pub message_id: Uuid,
    pub from_status: Option<&'a str>,
    pub to_status: &'a str,
    pub at: OffsetDateTime,
    pub actor_hsa_id: &'a str,
    pub actor_unit_id: Uuid,
    pub note: Option<&'a str>,
}

/// The columns a new message is written with; the lifecycle columns (`read_at`, …) start as
/// NULL. `None` is written as NULL, not DEFAULT, so the INSERT's text is the same for every
/// message and diesel prepares it once per connection instead of parsing it on every create.
#[derive(Debug, Insertable)]
#[diesel(table_name = messages)]
#[diesel(treat_none_as_default_value = false)]
struct NewMessage<'a> {
    id: Uuid,
    category: &'a str,
    status: &'a str,
    patient_id: Uuid,
    sender_unit_id: Uuid,
    recipient_unit_id: Uuid,
    sender_hsa_id: &'a str,
    sender_name: Option<&'a str>,
    sender_profession: Option<&'a str>,
    subject: &'a str,
    body: &'a str,
    details: &'a RawJson,
    sent_at: OffsetDateTime,
    reply_expected_from: OffsetDateTime,
    reply_due_by: OffsetDateTime,
}

/// A message's first status change (no previous status, no note): its own INSERT, so that it
/// binds no NULLs and is prepared like the others.
#[derive(Debug, Insertable)]
#[diesel(table_name = message_status_changes)]
// Without this diesel wraps every value as "maybe DEFAULT" and never caches the statement.
#[diesel(treat_none_as_default_value = false)]
struct FirstStatusChange<'a> {
    message_id: Uuid,
    to_status: &'a str,
    at: OffsetDateTime,
    actor_hsa_id: &'a str,
    actor_unit_id: Uuid,
}

/// Inserts a new message (its lifecycle columns must be empty) with its first status change,
/// made by `actor_hsa_id` of the sending unit at `row.sent_at`.
pub fn insert(conn: &mut PgConnection, row: &MessageRow, actor_hsa_id: &str) -> QueryResult<()> {
    debug_assert!(row.read_at.is_none() && row.cancel_reason.is_none());
    diesel::insert_into(messages::table)
        .values(&NewMessage {
            id: row.id,
            category: row.category.as_str(),
            status: row.status.as_str(),
            patient_id: row.patient_id,
            sender_unit_id: row.sender_unit_id,
            recipient_unit_id: row.recipient_unit_id,
            sender_hsa_id: &row.sender_hsa_id,
            sender_name: row.sender_name.as_deref(),
            sender_profession: row.sender_profession.as_deref(),
            subject: &row.subject,
            body: &row.body,
            details: &row.details,
            sent_at: row.sent_at,
            reply_expected_from: row.reply_expected_from,
            reply_due_by: row.reply_due_by,
        })
        .execute(conn)?;
    diesel::insert_into(message_status_changes::table)
        .values(&FirstStatusChange {
            message_id: row.id,
            to_status: row.status.as_str(),
            at: row.sent_at,
            actor_hsa_id,
            actor_unit_id: row.sender_unit_id,
        })
        .execute(conn)?;
    Ok(())
}

/// Finds a message.
pub fn find(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<MessageRow>> {
    messages::table
        .find(id)
        .select(MessageRow::as_select())
        .first(conn)
        .optional()
}

/// Finds a message with the names it is shown with.
pub fn find_listed(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<Listed>> {
    listed_query!()
        .filter(messages::id.eq(id))
        .first::<ListedTuple>(conn)
        .optional()
        .map(|o| o.map(listed))
}

/// Finds a message and locks it for the rest of the transaction, so concurrent transitions
/// (read, reply, cancel) are decided one after the other.
pub fn find_for_update(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<MessageRow>> {
    messages::table
        .find(id)
        .for_update()
        .select(MessageRow::as_select())
        .first(conn)
        .optional()
}

/// Writes a message's status columns back and records the change.
pub fn save_status(
    conn: &mut PgConnection,
    row: &MessageRow,
    change: &NewStatusChange<'_>,
) -> QueryResult<()> {
    diesel::update(messages::table.find(row.id))
        .set((
            messages::status.eq(row.status.as_str()),
            messages::read_at.eq(row.read_at),
            messages::answered_at.eq(row.answered_at),
            messages::closed_at.eq(row.closed_at),
            messages::cancelled_at.eq(row.cancelled_at),
            messages::cancel_reason.eq(&row.cancel_reason),
            messages::cancel_comment.eq(&row.cancel_comment),
        ))
        .execute(conn)?;
    diesel::insert_into(message_status_changes::table)
        .values(change)
        .execute(conn)?;
    Ok(())
}

/// Inserts a reply.
pub fn insert_reply(conn: &mut PgConnection, reply: &ReplyRow) -> QueryResult<()> {
    diesel::insert_into(message_replies::table)
        .values(reply)
        .execute(conn)?;
    Ok(())
}

/// Replies of the given messages with their units' names, oldest first.
pub fn replies_for(conn: &mut PgConnection, ids: &[Uuid]) -> QueryResult<Vec<ReplyWithUnit>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    message_replies::table
        .inner_join(units::table)
        .filter(message_replies::message_id.eq_any(ids))
        .order((message_replies::created_at.asc(), message_replies::id.asc()))
        .select((ReplyRow::as_select(), (units::hsa_id, units::name)))
        .load(conn)
}

/// A message's status history, oldest first.
pub fn history(conn: &mut PgConnection, id: Uuid) -> QueryResult<Vec<StatusChangeRow>> {
    message_status_changes::table
        .filter(message_status_changes::message_id.eq(id))
        .order(message_status_changes::id.asc())
        .select(StatusChangeRow::as_select())
        .load(conn)
}
