//! The `events` table: the change feed, written in the same transaction as each change.
//!
//! Sequence values handed out at insert time would commit out of order under concurrent
//! writers, and a reader that saw 11 before 10 committed would skip 10 for ever. So writers
//! insert with `seq` NULL, and [`number_pending`] — run by readers, one at a time under an
//! advisory lock — numbers the committed events after the highest number given so far. A
//! number is only ever given to a committed event, and a later numbering always continues
//! above every earlier one, so `after=<last seq seen>` sees every event exactly once.

use diesel::prelude::*;
use diesel::sql_types::BigInt;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::schema::events;

/// The event kinds.
pub mod kind {
    pub const MESSAGE_CREATED: &str = "message.created";
    pub const MESSAGE_READ: &str = "message.read";
    pub const MESSAGE_REPLIED: &str = "message.replied";
    pub const MESSAGE_CLOSED: &str = "message.closed";
    pub const MESSAGE_CANCELLED: &str = "message.cancelled";
    pub const ENROLLMENT_STARTED: &str = "enrollment.started";
    pub const ENROLLMENT_ENDED: &str = "enrollment.ended";

    /// Every kind, in the order the documentation lists them.
    pub const ALL: &[&str] = &[
        MESSAGE_CREATED,
        MESSAGE_READ,
        MESSAGE_REPLIED,
        MESSAGE_CLOSED,
        MESSAGE_CANCELLED,
        ENROLLMENT_STARTED,
        ENROLLMENT_ENDED,
    ];

    /// Whether a kind is a message's change (a mailbox change).
    pub fn is_message(kind: &str) -> bool {
        kind.starts_with("message.")
    }
}

/// Advisory lock key of the numbering (any fixed value private to this table).
const NUMBERING_LOCK: i64 = 0x5a4d_e7e7;

/// Most events numbered in one go.
const NUMBERING_BATCH: i64 = 5000;

/// A numbered event.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = events)]
pub struct EventRow {
    pub id: i64,
    pub seq: Option<i64>,
    pub type_: String,
    pub at: OffsetDateTime,
    pub unit_ids: Vec<Option<Uuid>>,
    pub message_id: Option<Uuid>,
    pub patient_id: Option<Uuid>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = events)]
// `None` as NULL: one INSERT text, prepared once per connection (see `MessageRow`).
#[diesel(treat_none_as_default_value = false)]
struct NewEvent<'a> {
    type_: &'a str,
    at: OffsetDateTime,
    unit_ids: Vec<Option<Uuid>>,
    message_id: Option<Uuid>,
    patient_id: Option<Uuid>,
}

/// Records an event in the caller's transaction.
pub fn emit(
    conn: &mut PgConnection,
    kind: &str,
    at: OffsetDateTime,
    unit_ids: &[Uuid],
    message_id: Option<Uuid>,
    patient_id: Option<Uuid>,
) -> QueryResult<()> {
    diesel::insert_into(events::table)
        .values(NewEvent {
            type_: kind,
            at,
            unit_ids: unit_ids.iter().copied().map(Some).collect(),
            message_id,
            patient_id,
        })
        .execute(conn)
        .map(|_| ())
}

/// Numbers committed, unnumbered events (in insertion order); returns how many.
pub fn number_pending(conn: &mut PgConnection) -> QueryResult<usize> {
    conn.transaction(|conn| {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<BigInt, _>(NUMBERING_LOCK)
            .execute(conn)?;
        diesel::sql_query(
            "UPDATE events e SET seq = b.base + n.rn \
             FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn \
                   FROM (SELECT id FROM events WHERE seq IS NULL ORDER BY id LIMIT $1) p) n, \
                  (SELECT coalesce(max(seq), 0) AS base FROM events) b \
             WHERE e.id = n.id",
        )
        .bind::<BigInt, _>(NUMBERING_BATCH)
        .execute(conn)
    })
}

/// The highest sequence number given so far (0 before any).
pub fn max_seq(conn: &mut PgConnection) -> QueryResult<i64> {
    use diesel::dsl::max;
    Ok(events::table
        .select(max(events::seq))
        .first::<Option<i64>>(conn)?
        .unwrap_or(0))
}

/// Numbered events after `after` touching any of `unit_ids`, in order.
pub fn after(
    conn: &mut PgConnection,
    after: i64,
    unit_ids: &[Uuid],
    limit: i64,
) -> QueryResult<Vec<EventRow>> {
    let units: Vec<Option<Uuid>> = unit_ids.iter().copied().map(Some).collect();
    events::table
        .filter(events::seq.gt(after))
        .filter(events::unit_ids.overlaps_with(units))
        .order(events::seq.asc())
        .limit(limit)
        .select(EventRow::as_select())
        .load(conn)
}

/// Events by id (numbered or not).
pub fn by_ids(conn: &mut PgConnection, ids: &[i64]) -> QueryResult<Vec<EventRow>> {
    events::table
        .filter(events::id.eq_any(ids))
        .select(EventRow::as_select())
        .load(conn)
}
