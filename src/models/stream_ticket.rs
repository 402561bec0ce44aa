//! The `stream_tickets` table: one-time tickets for `GET /api/v1/messages/stream`, stored by
//! their SHA-256 with the caller they stand for.

use diesel::prelude::*;
use time::OffsetDateTime;

use crate::schema::stream_tickets;

/// Stores a ticket.
pub fn insert(
    conn: &mut PgConnection,
    ticket_hash: &[u8],
    caller: &str,
    expires_at: OffsetDateTime,
) -> QueryResult<()> {
    diesel::insert_into(stream_tickets::table)
        .values((
            stream_tickets::ticket_hash.eq(ticket_hash),
            stream_tickets::caller.eq(caller),
            stream_tickets::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Uses a ticket: deletes it and returns its caller, when it exists and has not expired. A
/// second use finds nothing (single use, also across processes).
pub fn redeem(
    conn: &mut PgConnection,
    ticket_hash: &[u8],
    now: OffsetDateTime,
) -> QueryResult<Option<String>> {
    diesel::delete(
        stream_tickets::table
            .filter(stream_tickets::ticket_hash.eq(ticket_hash))
            .filter(stream_tickets::expires_at.gt(now)),
    )
    .returning(stream_tickets::caller)
    .get_result(conn)
    .optional()
}

/// Removes expired tickets (housekeeping).
pub fn purge_expired(conn: &mut PgConnection, now: OffsetDateTime) -> QueryResult<usize> {
    diesel::delete(stream_tickets::table.filter(stream_tickets::expires_at.le(now))).execute(conn)
}
