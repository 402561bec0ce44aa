//! A unit's mailboxes: one keyset page of its inbox or outbox, and its counts per status and
//! overdue. The SQL is bound to `bench/pgbench/inbox*.sql` and `summary.sql` and to the plan
//! checks of `tests/api/messages/index.rs` (see the parent module).

use diesel::prelude::*;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{listed, recipient_units, sender_units, Listed, ListedTuple, MessageRow};
use crate::domain::category::Category;
use crate::domain::lifecycle::{Mailbox, Status};
use crate::schema::{messages, patients, units};

/// Filters of a mailbox listing.
#[derive(Debug, Clone)]
pub struct MessageFilter {
    pub unit_id: Uuid,
    pub mailbox: Mailbox,
    pub status: Option<Status>,
    pub category: Option<Category>,
    pub patient_id: Option<Uuid>,
    /// Only messages awaiting an answer past their due time at this instant.
    pub overdue_at: Option<OffsetDateTime>,
    /// Keyset: strictly older than (sent_at, id).
    pub before: Option<(OffsetDateTime, Uuid)>,
    pub limit: i64,
}

/// The boxed query of one mailbox page (shared by [`list`] and [`list_sql`]).
macro_rules! list_query {
    ($f:expr) => {{
        let f: &MessageFilter = $f;
        let mut q = listed_query!().into_boxed::<diesel::pg::Pg>();
        q = match f.mailbox {
            Mailbox::Inbox => q.filter(messages::recipient_unit_id.eq(f.unit_id)),
            Mailbox::Outbox => q.filter(messages::sender_unit_id.eq(f.unit_id)),
        };
        if let Some(s) = f.status {
            q = q.filter(messages::status.eq(s.as_str()));
        }
        if let Some(c) = f.category {
            q = q.filter(messages::category.eq(c.as_str()));
        }
        if let Some(p) = f.patient_id {
            q = q.filter(messages::patient_id.eq(p));
        }
        if let Some(now) = f.overdue_at {
            q = q
                .filter(AwaitingAnswer)
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
    }};
}

/// One page of a mailbox, newest first, with the names each message is shown with.
pub fn list(conn: &mut PgConnection, f: &MessageFilter) -> QueryResult<Vec<Listed>> {
    Ok(list_query!(f)
        .load::<ListedTuple>(conn)?
        .into_iter()
        .map(listed)
        .collect())
}

/// The SQL of [`list`] for `f`, without its bind values (for plan checks).
pub fn list_sql(f: &MessageFilter) -> String {
    sql_of(&list_query!(f))
}

/// The SQL diesel sends for `query`, without the bind values `debug_query` appends.
fn sql_of<Q>(query: &Q) -> String
where
    Q: diesel::query_builder::QueryFragment<diesel::pg::Pg>,
{
    let text = diesel::debug_query::<diesel::pg::Pg, _>(query).to_string();
    match text.split_once(" -- binds:") {
        Some((sql, _)) => sql.to_string(),
        None => text,
    }
}

/// Message counts of a unit per (mailbox, status), from the trigger-kept counters (a few
/// shard rows each, summed here).
pub fn counts(conn: &mut PgConnection, unit_id: Uuid) -> QueryResult<Vec<(String, Status, i64)>> {
    use crate::schema::message_counts;
    let rows: Vec<(String, Status, i64)> = message_counts::table
        .filter(message_counts::unit_id.eq(unit_id))
        .select((
            message_counts::mailbox,
            message_counts::status,
            message_counts::n,
        ))
        .load(conn)?;
    let mut sums: Vec<(String, Status, i64)> = Vec::new();
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

/// `status IN ('sent', 'read')` written out, not bound: the partial indexes
/// `messages_inbox_open_idx` and `messages_outbox_open_idx` carry exactly this predicate, and
/// PostgreSQL matches a partial index only against constants. With bound values, the plan made
/// once per connection (`plan_cache_mode`, see `db.rs`) could not use them. A type of its own
/// rather than `dsl::sql`: diesel never caches a statement with an SQL literal in it, and the
/// summary would be parsed and planned on every call.
#[derive(Debug, Clone, Copy, diesel::query_builder::QueryId)]
struct AwaitingAnswer;

impl diesel::Expression for AwaitingAnswer {
    type SqlType = diesel::sql_types::Bool;
}

impl diesel::query_builder::QueryFragment<diesel::pg::Pg> for AwaitingAnswer {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> QueryResult<()> {
        out.push_sql("\"messages\".\"status\" IN ('sent', 'read')");
        Ok(())
    }
}

impl<QS> diesel::AppearsOnTable<QS> for AwaitingAnswer {}
impl<QS> diesel::SelectableExpression<QS> for AwaitingAnswer {}
impl<GB> diesel::expression::ValidGrouping<GB> for AwaitingAnswer {
    type IsAggregate = diesel::expression::is_aggregate::Never;
}

/// `SELECT (inbox overdue count), (outbox overdue count)` (shared by [`count_overdue`] and
/// [`count_overdue_sql`]).
macro_rules! count_overdue_query {
    ($unit_id:expr, $now:expr) => {{
        let (unit_id, now): (Uuid, OffsetDateTime) = ($unit_id, $now);
        let open = || {
            messages::table
                .filter(AwaitingAnswer)
                .filter(messages::reply_due_by.lt(now))
        };
        let inbox = open()
            .filter(messages::recipient_unit_id.eq(unit_id))
            .select(diesel::dsl::count_star())
            .single_value();
        let outbox = open()
            .filter(messages::sender_unit_id.eq(unit_id))
            .select(diesel::dsl::count_star())
            .single_value();
        diesel::select((inbox, outbox))
    }};
}

/// Messages of the unit awaiting an answer past their due time: (inbox, outbox), in one
/// statement.
pub fn count_overdue(
    conn: &mut PgConnection,
    unit_id: Uuid,
    now: OffsetDateTime,
) -> QueryResult<(i64, i64)> {
    let (inbox, outbox): (Option<i64>, Option<i64>) =
        count_overdue_query!(unit_id, now).get_result(conn)?;
    Ok((inbox.unwrap_or(0), outbox.unwrap_or(0)))
}

/// The SQL of [`count_overdue`], without its bind values (for plan checks).
pub fn count_overdue_sql(unit_id: Uuid, now: OffsetDateTime) -> String {
    sql_of(&count_overdue_query!(unit_id, now))
}
