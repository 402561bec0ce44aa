//! The `messages`, `message_replies` and `message_status_changes` tables.

use diesel::prelude::*;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::schema::{message_replies, message_status_changes, messages};

/// A stored message.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = messages)]
pub struct MessageRow {
    pub id: Uuid,
    pub category: String,
    pub status: String,
    pub patient_id: Uuid,
    pub sender_unit_id: Uuid,
    pub recipient_unit_id: Uuid,
    pub sender_hsa_id: String,
    pub sender_name: Option<String>,
    pub sender_profession: Option<String>,
    pub subject: String,
    pub body: String,
    pub details: serde_json::Value,
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
pub struct NewStatusChange<'a> {
    pub message_id: Uuid,
    pub from_status: Option<&'a str>,
    pub to_status: &'a str,
    pub at: OffsetDateTime,
    pub actor_hsa_id: &'a str,
    pub actor_unit_id: Uuid,
    pub note: Option<&'a str>,
}

/// Which side of the unit's traffic to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mailbox {
    /// Messages the unit received.
    Inbox,
    /// Messages the unit sent.
    Outbox,
}

/// Filters of a mailbox listing.
#[derive(Debug, Clone)]
pub struct MessageFilter {
    pub unit_id: Uuid,
    pub mailbox: Mailbox,
    pub status: Option<String>,
    pub category: Option<String>,
    pub patient_id: Option<Uuid>,
    /// Only messages awaiting an answer past their due time at this instant.
    pub overdue_at: Option<OffsetDateTime>,
    /// Keyset: strictly older than (sent_at, id).
    pub before: Option<(OffsetDateTime, Uuid)>,
    pub limit: i64,
}

/// Inserts a message with its first status change.
pub fn insert(
    conn: &mut PgConnection,
    row: &MessageRow,
    change: &NewStatusChange<'_>,
) -> QueryResult<()> {
    diesel::insert_into(messages::table)
        .values(row)
        .execute(conn)?;
    diesel::insert_into(message_status_changes::table)
        .values(change)
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
            messages::status.eq(&row.status),
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

/// Replies of the given messages, oldest first.
pub fn replies_for(conn: &mut PgConnection, ids: &[Uuid]) -> QueryResult<Vec<ReplyRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    message_replies::table
        .filter(message_replies::message_id.eq_any(ids))
        .order((message_replies::created_at.asc(), message_replies::id.asc()))
        .select(ReplyRow::as_select())
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

/// One page of a mailbox, newest first.
pub fn list(conn: &mut PgConnection, f: &MessageFilter) -> QueryResult<Vec<MessageRow>> {
    let mut q = messages::table.select(MessageRow::as_select()).into_boxed();
    q = match f.mailbox {
        Mailbox::Inbox => q.filter(messages::recipient_unit_id.eq(f.unit_id)),
        Mailbox::Outbox => q.filter(messages::sender_unit_id.eq(f.unit_id)),
    };
    if let Some(s) = &f.status {
        q = q.filter(messages::status.eq(s.clone()));
    }
    if let Some(c) = &f.category {
        q = q.filter(messages::category.eq(c.clone()));
    }
    if let Some(p) = f.patient_id {
        q = q.filter(messages::patient_id.eq(p));
    }
    if let Some(now) = f.overdue_at {
        q = q
            .filter(messages::status.eq_any(["sent", "read"]))
            .filter(messages::reply_due_by.lt(now));
    }
    if let Some((t, id)) = f.before {
        // The redundant `sent_at <= t` lets PostgreSQL use it as an index range condition.
        q = q.filter(
            messages::sent_at
                .le(t)
                .and(messages::sent_at.lt(t).or(messages::id.lt(id))),
        );
    }
    q.order((messages::sent_at.desc(), messages::id.desc()))
        .limit(f.limit)
        .load(conn)
}

/// Message counts of a unit per (mailbox, status), from the trigger-kept counters (a few
/// shard rows each, summed here).
pub fn counts(conn: &mut PgConnection, unit_id: Uuid) -> QueryResult<Vec<(String, String, i64)>> {
    use crate::schema::message_counts;
    let rows: Vec<(String, String, i64)> = message_counts::table
        .filter(message_counts::unit_id.eq(unit_id))
        .select((
            message_counts::mailbox,
            message_counts::status,
            message_counts::n,
        ))
        .load(conn)?;
    let mut sums: Vec<(String, String, i64)> = Vec::new();
    for (mailbox, status, n) in rows {
        match sums
            .iter_mut()
            .find(|(m, s, _)| *m == mailbox && *s == status)
        {
            Some(entry) => entry.2 += n,
            None => sums.push((mailbox, status, n)),
        }
    }
    Ok(sums)
}

/// Messages awaiting an answer past their due time.
pub fn count_overdue(
    conn: &mut PgConnection,
    unit_id: Uuid,
    mailbox: Mailbox,
    now: OffsetDateTime,
) -> QueryResult<i64> {
    let q = messages::table
        .filter(messages::status.eq_any(["sent", "read"]))
        .filter(messages::reply_due_by.lt(now))
        .select(diesel::dsl::count_star());
    match mailbox {
        Mailbox::Inbox => q
            .filter(messages::recipient_unit_id.eq(unit_id))
            .first(conn),
        Mailbox::Outbox => q.filter(messages::sender_unit_id.eq(unit_id)).first(conn),
    }
}
