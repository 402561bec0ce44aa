//! The `webhook_endpoints` and `webhook_deliveries` tables: the endpoints integration platforms
//! register, and one delivery per event and endpoint, which the `events` trigger queues in the
//! event's own transaction (migration `2026-12-07-000010_webhooks`).
//!
//! A delivery is `pending` until it succeeds or its attempts are spent (`failed`, kept, and
//! queued again by [`recover`]). A dispatcher claims due deliveries with `FOR UPDATE SKIP
//! LOCKED` and, in the same statement, leases them (`leased_until`): a dispatcher that dies
//! mid-delivery leaves them due again when the lease ends, so another process (or the same one
//! restarted) sends them again with the same id — at least once, never lost.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Int4, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::schema::{events, webhook_deliveries, webhook_endpoints};

/// Delivery states.
pub mod status {
    pub const PENDING: &str = "pending";
    pub const SUCCEEDED: &str = "succeeded";
    pub const FAILED: &str = "failed";
}

/// The type of a delivery that `POST /webhooks/{id}/test` queues.
pub const TEST_EVENT: &str = "webhook.test";

/// A stored endpoint.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_endpoints)]
pub struct EndpointRow {
    pub id: Uuid,
    pub owner_hsa_id: String,
    pub owner_unit_id: Option<Uuid>,
    pub owner_unit_hsa_id: Option<String>,
    pub owner_role: String,
    pub url: String,
    pub description: Option<String>,
    pub unit_ids: Vec<Option<Uuid>>,
    pub event_types: Option<Vec<Option<String>>>,
    pub active: bool,
    pub disabled_reason: Option<String>,
    pub disabled_at: Option<OffsetDateTime>,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_secret_until: Option<OffsetDateTime>,
    pub failing_since: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl EndpointRow {
    /// The secrets that sign at `now`: the current one, and the previous one until it expires.
    pub fn signing_secrets(&self, now: OffsetDateTime) -> Vec<&str> {
        let mut secrets = vec![self.secret.as_str()];
        if let (Some(prev), Some(until)) = (&self.previous_secret, self.previous_secret_until) {
            if now < until {
                secrets.push(prev);
            }
        }
        secrets
    }
}

/// An endpoint to insert.
#[derive(Debug, Insertable)]
#[diesel(table_name = webhook_endpoints)]
pub struct NewEndpoint {
    pub id: Uuid,
    pub owner_hsa_id: String,
    pub owner_unit_id: Option<Uuid>,
    pub owner_unit_hsa_id: Option<String>,
    pub owner_role: &'static str,
    pub url: String,
    pub description: Option<String>,
    pub unit_ids: Vec<Option<Uuid>>,
    pub event_types: Option<Vec<Option<String>>>,
    pub secret: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// Changed columns of an endpoint (`None` = unchanged; `Some(None)` = set NULL).
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = webhook_endpoints)]
pub struct EndpointChanges {
    pub url: Option<String>,
    pub description: Option<Option<String>>,
    pub unit_ids: Option<Vec<Option<Uuid>>>,
    pub event_types: Option<Option<Vec<Option<String>>>>,
    pub active: Option<bool>,
    pub disabled_reason: Option<Option<&'static str>>,
    pub disabled_at: Option<Option<OffsetDateTime>>,
    pub failing_since: Option<Option<OffsetDateTime>>,
    pub secret: Option<String>,
    pub previous_secret: Option<Option<String>>,
    pub previous_secret_until: Option<Option<OffsetDateTime>>,
    pub updated_at: Option<OffsetDateTime>,
}

/// A stored delivery, with the `seq` of the event it carries.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries)]
pub struct DeliveryRow {
    pub id: Uuid,
    pub ordinal: i64,
    pub endpoint_id: Uuid,
    pub event_id: Option<i64>,
    pub type_: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: Option<OffsetDateTime>,
    pub leased_until: Option<OffsetDateTime>,
    pub last_attempt_at: Option<OffsetDateTime>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: OffsetDateTime,
    pub completed_at: Option<OffsetDateTime>,
}

/// Inserts an endpoint.
pub fn insert(conn: &mut PgConnection, new: &NewEndpoint) -> QueryResult<EndpointRow> {
    diesel::insert_into(webhook_endpoints::table)
        .values(new)
        .returning(EndpointRow::as_returning())
        .get_result(conn)
}

/// An endpoint by id.
pub fn find(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<EndpointRow>> {
    webhook_endpoints::table
        .find(id)
        .select(EndpointRow::as_select())
        .first(conn)
        .optional()
}

/// Endpoints in registration order, after the keyset `after`; only `owner`'s when given.
pub fn list(
    conn: &mut PgConnection,
    owner: Option<&str>,
    after: Option<(OffsetDateTime, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<EndpointRow>> {
    let mut q = webhook_endpoints::table
        .select(EndpointRow::as_select())
        .into_boxed();
    if let Some(owner) = owner {
        q = q.filter(webhook_endpoints::owner_hsa_id.eq(owner.to_string()));
    }
    if let Some((at, id)) = after {
        q = q.filter(
            webhook_endpoints::created_at
                .gt(at)
                .or(webhook_endpoints::created_at
                    .eq(at)
                    .and(webhook_endpoints::id.gt(id))),
        );
    }
    q.order((
        webhook_endpoints::created_at.asc(),
        webhook_endpoints::id.asc(),
    ))
    .limit(limit)
    .load(conn)
}

/// Changes an endpoint.
pub fn update(
    conn: &mut PgConnection,
    id: Uuid,
    changes: &EndpointChanges,
) -> QueryResult<EndpointRow> {
    diesel::update(webhook_endpoints::table.find(id))
        .set(changes)
        .returning(EndpointRow::as_returning())
        .get_result(conn)
}

/// Ends the pending deliveries of an endpoint that no longer takes any (it was disabled): they
/// are `failed`, with `why`, and [`recover`] can queue them again.
pub fn fail_pending(
    conn: &mut PgConnection,
    endpoint_id: Uuid,
    why: &str,
    now: OffsetDateTime,
) -> QueryResult<usize> {
    diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::endpoint_id.eq(endpoint_id))
            .filter(webhook_deliveries::status.eq(status::PENDING)),
    )
    .set((
        webhook_deliveries::status.eq(status::FAILED),
        webhook_deliveries::next_attempt_at.eq(None::<OffsetDateTime>),
        webhook_deliveries::leased_until.eq(None::<OffsetDateTime>),
        webhook_deliveries::completed_at.eq(Some(now)),
        webhook_deliveries::last_error.eq(Some(why)),
    ))
    .execute(conn)
}

/// Queues a `webhook.test` delivery, due at once.
pub fn queue_test(
    conn: &mut PgConnection,
    endpoint_id: Uuid,
    now: OffsetDateTime,
) -> QueryResult<DeliveryRow> {
    diesel::insert_into(webhook_deliveries::table)
        .values((
            webhook_deliveries::endpoint_id.eq(endpoint_id),
            webhook_deliveries::type_.eq(TEST_EVENT),
            webhook_deliveries::next_attempt_at.eq(Some(now)),
            webhook_deliveries::created_at.eq(now),
        ))
        .returning(DeliveryRow::as_returning())
        .get_result(conn)
}

/// An endpoint's deliveries, newest first (before the `ordinal` `before`), with their events'
/// `seq`; of one status when given.
pub fn deliveries(
    conn: &mut PgConnection,
    endpoint_id: Uuid,
    of_status: Option<&str>,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<(DeliveryRow, Option<i64>)>> {
    let mut q = webhook_deliveries::table
        .left_join(events::table)
        .filter(webhook_deliveries::endpoint_id.eq(endpoint_id))
        .select((DeliveryRow::as_select(), events::seq.nullable()))
        .into_boxed();
    if let Some(s) = of_status {
        q = q.filter(webhook_deliveries::status.eq(s.to_string()));
    }
    if let Some(before) = before {
        q = q.filter(webhook_deliveries::ordinal.lt(before));
    }
    q.order(webhook_deliveries::ordinal.desc())
        .limit(limit)
        .load(conn)
}

/// Queues every failed delivery of an endpoint made at or after `since` again, as new: no
/// attempts, due at once, the same id. Returns how many.
pub fn recover(
    conn: &mut PgConnection,
    endpoint_id: Uuid,
    since: OffsetDateTime,
    now: OffsetDateTime,
) -> QueryResult<usize> {
    diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::endpoint_id.eq(endpoint_id))
            .filter(webhook_deliveries::status.eq(status::FAILED))
            .filter(webhook_deliveries::created_at.ge(since)),
    )
    .set((
        webhook_deliveries::status.eq(status::PENDING),
        webhook_deliveries::attempts.eq(0),
        webhook_deliveries::next_attempt_at.eq(Some(now)),
        webhook_deliveries::leased_until.eq(None::<OffsetDateTime>),
        webhook_deliveries::completed_at.eq(None::<OffsetDateTime>),
    ))
    .execute(conn)
}

/// A delivery a dispatcher has claimed, with what it needs to send it.
#[derive(Debug, Clone, QueryableByName)]
pub struct Claimed {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub endpoint_id: Uuid,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub event_id: Option<i64>,
    #[diesel(sql_type = Text)]
    pub type_: String,
    /// This attempt's number (1 = the first).
    #[diesel(sql_type = Int4)]
    pub attempts: i32,
    /// When it was queued.
    #[diesel(sql_type = Timestamptz)]
    pub created_at: OffsetDateTime,
}

/// Claims up to `limit` due deliveries of active endpoints, oldest due first, skipping rows
/// another dispatcher holds: each one's attempt count goes up and it is leased until
/// `lease_until`, so it is not claimed again while this attempt runs. Only unindexed columns
/// change (the table keeps 30 % of each page free), so the claim is a HOT update.
pub fn claim_due(
    conn: &mut PgConnection,
    now: OffsetDateTime,
    lease_until: OffsetDateTime,
    limit: i64,
) -> QueryResult<Vec<Claimed>> {
    diesel::sql_query(
        "WITH due AS ( \
             SELECT d.id FROM webhook_deliveries d \
             JOIN webhook_endpoints w ON w.id = d.endpoint_id AND w.active \
             WHERE d.status = 'pending' AND d.next_attempt_at <= $1 \
               AND (d.leased_until IS NULL OR d.leased_until <= $1) \
             ORDER BY d.next_attempt_at \
             LIMIT $3 \
             FOR UPDATE OF d SKIP LOCKED) \
         UPDATE webhook_deliveries d \
            SET attempts = d.attempts + 1, last_attempt_at = $1, leased_until = $2 \
           FROM due WHERE d.id = due.id \
         RETURNING d.id, d.endpoint_id, d.event_id, d.type AS type_, d.attempts, d.created_at",
    )
    .bind::<Timestamptz, _>(now)
    .bind::<Timestamptz, _>(lease_until)
    .bind::<BigInt, _>(limit)
    .load(conn)
}

/// What became of one attempt.
#[derive(Debug, Clone)]
pub struct AttemptResult<'a> {
    /// The HTTP status, when the receiver answered.
    pub http_status: Option<i32>,
    /// Why it failed, when it did.
    pub error: Option<&'a str>,
    /// `None`: done (succeeded, or failed for good); `Some`: try again then.
    pub next_attempt_at: Option<OffsetDateTime>,
    /// The receiver answered 2xx.
    pub succeeded: bool,
}

/// Records an attempt, unless the delivery was claimed again since (its lease ran out and
/// another dispatcher took it): then nothing changes and `false` is returned.
pub fn record_attempt(
    conn: &mut PgConnection,
    claimed: &Claimed,
    result: &AttemptResult<'_>,
    now: OffsetDateTime,
) -> QueryResult<bool> {
    let new_status = if result.succeeded {
        status::SUCCEEDED
    } else if result.next_attempt_at.is_some() {
        status::PENDING
    } else {
        status::FAILED
    };
    let done = result.next_attempt_at.is_none().then_some(now);
    let n = diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::id.eq(claimed.id))
            .filter(webhook_deliveries::attempts.eq(claimed.attempts))
            .filter(webhook_deliveries::status.eq(status::PENDING)),
    )
    .set((
        webhook_deliveries::status.eq(new_status),
        webhook_deliveries::next_attempt_at.eq(result.next_attempt_at),
        webhook_deliveries::leased_until.eq(None::<OffsetDateTime>),
        webhook_deliveries::last_status.eq(result.http_status),
        webhook_deliveries::last_error.eq(result.error),
        webhook_deliveries::completed_at.eq(done),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// An attempt succeeded: the endpoint is no longer failing. Writes only when it was, so a
/// healthy endpoint's row is not rewritten (and locked) by every delivery.
pub fn clear_failing(conn: &mut PgConnection, endpoint_id: Uuid) -> QueryResult<usize> {
    diesel::update(
        webhook_endpoints::table
            .find(endpoint_id)
            .filter(webhook_endpoints::failing_since.is_not_null()),
    )
    .set(webhook_endpoints::failing_since.eq(None::<OffsetDateTime>))
    .execute(conn)
}

/// An attempt failed: the endpoint is failing since `now`, unless it already was.
pub fn mark_failing(
    conn: &mut PgConnection,
    endpoint_id: Uuid,
    now: OffsetDateTime,
) -> QueryResult<usize> {
    diesel::update(
        webhook_endpoints::table
            .find(endpoint_id)
            .filter(webhook_endpoints::failing_since.is_null()),
    )
    .set(webhook_endpoints::failing_since.eq(Some(now)))
    .execute(conn)
}

/// Endpoints by id.
pub fn find_many(conn: &mut PgConnection, ids: &[Uuid]) -> QueryResult<Vec<EndpointRow>> {
    webhook_endpoints::table
        .filter(webhook_endpoints::id.eq_any(ids))
        .select(EndpointRow::as_select())
        .load(conn)
}

#[derive(QueryableByName)]
struct RecordedId {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
}

/// Records the successful attempts of a round in one statement: each delivery (`id` with the
/// attempt number it was claimed with) becomes `succeeded` with its HTTP status, unless it was
/// claimed again meanwhile. Returns the ids recorded.
pub fn record_successes(
    conn: &mut PgConnection,
    ids: &[Uuid],
    attempts: &[i32],
    http_status: &[i32],
    now: OffsetDateTime,
) -> QueryResult<Vec<Uuid>> {
    use diesel::sql_types::Array;
    let rows: Vec<RecordedId> = diesel::sql_query(
        "UPDATE webhook_deliveries d \
            SET status = 'succeeded', next_attempt_at = NULL, leased_until = NULL, \
                last_status = u.code, \
                last_error = NULL, completed_at = $4 \
           FROM unnest(CAST($1 AS uuid[]), CAST($2 AS int[]), CAST($3 AS int[])) AS u(id, attempts, code) \
          WHERE d.id = u.id AND d.attempts = u.attempts AND d.status = 'pending' \
         RETURNING d.id",
    )
    .bind::<Array<SqlUuid>, _>(ids)
    .bind::<Array<Int4>, _>(attempts)
    .bind::<Array<Int4>, _>(http_status)
    .bind::<Timestamptz, _>(now)
    .load(conn)?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}
