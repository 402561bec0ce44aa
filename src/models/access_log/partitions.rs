//! The monthly partitions of `access_log` (migration 15): what exists, creating the months
//! ahead (`maintain`, run hourly by the server and by `samverkan audit maintain`), and the
//! primitives the purge uses. The SQL functions `access_log_create_partition`,
//! `access_log_guard_partitions` and `access_log_drop_partition` do the work in the database,
//! so a partition made by hand with them is made the same way.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Integer, Nullable, Text, Timestamptz};
use time::OffsetDateTime;

use crate::domain::log_retention::{months_to_create, LogMonth, Retention};

/// The partition that takes entries whose month has none.
pub const DEFAULT_PARTITION: &str = "access_log_default";

/// The partitions of `access_log` as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Partitions {
    /// Month partitions, oldest first.
    pub months: Vec<LogMonth>,
    /// Whether the default partition is there.
    pub default: bool,
    /// Partitions by any other name (attached by hand).
    pub others: Vec<String>,
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Instant {
    #[diesel(sql_type = Timestamptz)]
    at: OffsetDateTime,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The partitions attached to `access_log`.
pub fn list(conn: &mut PgConnection) -> QueryResult<Partitions> {
    let names: Vec<Name> = diesel::sql_query(
        "SELECT c.relname::text AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
          WHERE i.inhparent = 'access_log'::regclass ORDER BY 1",
    )
    .load(conn)?;
    let mut parts = Partitions::default();
    for Name { name } in names {
        match LogMonth::from_partition_name(&name) {
            Some(month) => parts.months.push(month),
            None if name == DEFAULT_PARTITION => parts.default = true,
            None => parts.others.push(name),
        }
    }
    parts.months.sort();
    Ok(parts)
}

/// The database's time: it stamps the entries (`at` defaults to `clock_timestamp()`), so it
/// decides which month is the current one — never the application's clock.
pub fn database_now(conn: &mut PgConnection) -> QueryResult<OffsetDateTime> {
    diesel::sql_query("SELECT now() AS at")
        .get_result::<Instant>(conn)
        .map(|r| r.at)
}

/// The purge's limit: `retention` before the database's now, with the same interval
/// arithmetic as the append-only trigger's five years.
pub fn purge_limit(conn: &mut PgConnection, retention: Retention) -> QueryResult<OffsetDateTime> {
    diesel::sql_query("SELECT now() - make_interval(years => $1) AS at")
        .bind::<Integer, _>(retention.as_years() as i32)
        .get_result::<Instant>(conn)
        .map(|r| r.at)
}

/// Entries in the default partition, by month (UTC); entries at a time that is not finite are
/// counted in `total` only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Waiting {
    /// Months and their entries, oldest first.
    pub months: Vec<(LogMonth, i64)>,
    /// All entries in the default partition.
    pub total: i64,
}

/// What waits in the default partition (expected to be nothing: it is scanned whole).
pub fn waiting(conn: &mut PgConnection) -> QueryResult<Waiting> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Nullable<Text>)]
        month: Option<String>,
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT CASE WHEN isfinite(at) THEN to_char(at AT TIME ZONE 'UTC', 'YYYYMM') END AS month, \
                count(*) AS n \
           FROM access_log_default GROUP BY 1 ORDER BY 1",
    )
    .load(conn)?;
    let mut w = Waiting::default();
    for r in rows {
        w.total += r.n;
        if let Some(m) = r
            .month
            .and_then(|m| LogMonth::from_partition_name(&format!("access_log_p{m}")))
        {
            w.months.push((m, r.n));
        }
    }
    Ok(w)
}

/// Creates the partition of `month` unless it exists (taking in its entries from the default
/// partition); `Some(entries moved)` when it created it. Waits at most 2 s for its locks: a
/// long review query must not make every writer queue behind it.
pub fn create(conn: &mut PgConnection, month: LogMonth) -> QueryResult<Option<i64>> {
    #[derive(QueryableByName)]
    struct Moved {
        #[diesel(sql_type = Nullable<BigInt>)]
        moved: Option<i64>,
    }
    conn.transaction(|conn| {
        conn.batch_execute("SET LOCAL lock_timeout = '2s'")?;
        diesel::sql_query("SELECT access_log_create_partition($1) AS moved")
            .bind::<Date, _>(month.first_day())
            .get_result::<Moved>(conn)
            .map(|r| r.moved)
    })
}

/// Puts the TRUNCATE guard on every partition that lacks it (one attached by hand); the
/// partitions it guarded.
pub fn guard(conn: &mut PgConnection) -> QueryResult<Vec<String>> {
    let names: Vec<Name> =
        diesel::sql_query("SELECT access_log_guard_partitions() AS name").load(conn)?;
    Ok(names.into_iter().map(|n| n.name).collect())
}

/// What maintenance did.
#[derive(Debug, Clone, Default)]
pub struct MaintainReport {
    /// Months created, with the entries each took in from the default partition.
    pub created: Vec<(LogMonth, i64)>,
    /// Created months that lay between existing ones: their partition had been removed
    /// outside the purge.
    pub missing_inside: Vec<LogMonth>,
    /// Partitions that had no TRUNCATE guard.
    pub guarded: Vec<String>,
    /// The month partitions after maintenance, oldest first.
    pub months: Vec<LogMonth>,
    /// Partitions by another name.
    pub others: Vec<String>,
    /// Entries left in the default partition.
    pub waiting: i64,
    /// The default partition was missing (dropped by hand) and was created again.
    pub default_created: bool,
}

/// Makes sure the months ahead have their partitions, entries waiting in the default partition
/// are moved into theirs, and every partition refuses TRUNCATE. Each month is created in a
/// transaction of its own; safe to run from every process at once.
pub fn maintain(conn: &mut PgConnection) -> QueryResult<MaintainReport> {
    let now = database_now(conn)?;
    let mut parts = list(conn)?;
    let default_created = !parts.default;
    if default_created {
        create_default(conn)?;
        parts.default = true;
    }
    let waiting_before = if parts.default {
        waiting(conn)?
    } else {
        Waiting::default()
    };
    let waiting_months: Vec<LogMonth> = waiting_before.months.iter().map(|(m, _)| *m).collect();
    let plan = months_to_create(&parts.months, &waiting_months, now);
    let mut report = MaintainReport {
        missing_inside: plan.missing_inside,
        default_created,
        ..MaintainReport::default()
    };
    for month in plan.create {
        if let Some(moved) = create(conn, month)? {
            report.created.push((month, moved));
        }
    }
    report.guarded = guard(conn)?;
    let after = list(conn)?;
    report.months = after.months;
    report.others = after.others;
    report.waiting = if after.default {
        count_all(conn, DEFAULT_PARTITION)?
    } else {
        0
    };
    Ok(report)
}

/// Creates the default partition again (the migration made it; only DDL by hand removes it),
/// so that no write fails for want of a partition.
fn create_default(conn: &mut PgConnection) -> QueryResult<()> {
    conn.transaction(|conn| {
        conn.batch_execute(
            "SET LOCAL lock_timeout = '2s'; \
             CREATE TABLE IF NOT EXISTS access_log_default PARTITION OF access_log DEFAULT",
        )
    })
}

/// Entries in one partition (`name` is one of ours: a month's or the default's).
fn count_all(conn: &mut PgConnection, name: &str) -> QueryResult<i64> {
    diesel::sql_query(format!("SELECT count(*) AS n FROM {}", quoted(name)))
        .get_result::<Count>(conn)
        .map(|c| c.n)
}

/// Entries of partition `name` older than `before`.
pub fn count_before(
    conn: &mut PgConnection,
    name: &str,
    before: OffsetDateTime,
) -> QueryResult<i64> {
    diesel::sql_query(format!(
        "SELECT count(*) AS n FROM {} WHERE at < $1",
        quoted(name)
    ))
    .bind::<Timestamptz, _>(before)
    .get_result::<Count>(conn)
    .map(|c| c.n)
}

/// The planner's estimate of a partition's entries; counted when it was never analysed.
pub fn estimated_entries(conn: &mut PgConnection, name: &str) -> QueryResult<i64> {
    let estimate = diesel::sql_query(
        "SELECT reltuples::bigint AS n FROM pg_class WHERE oid = to_regclass($1)",
    )
    .bind::<Text, _>(quoted(name))
    .get_result::<Count>(conn)
    .optional()?
    .map_or(0, |c| c.n);
    if estimate < 0 {
        count_all(conn, name)
    } else {
        Ok(estimate)
    }
}

/// Drops the partition of `month`, all of whose entries must be older than `before` (itself
/// at least five years ago: the database checks both); the entries it held. Waits at most 1 s
/// for the lock on the log, which blocks writers while it waits.
pub fn drop_expired(
    conn: &mut PgConnection,
    month: LogMonth,
    before: OffsetDateTime,
) -> QueryResult<i64> {
    conn.transaction(|conn| {
        conn.batch_execute("SET LOCAL lock_timeout = '1s'")?;
        diesel::sql_query("SELECT access_log_drop_partition($1, $2) AS n")
            .bind::<Text, _>(month.partition_name())
            .bind::<Timestamptz, _>(before)
            .get_result::<Count>(conn)
            .map(|c| c.n)
    })
}

/// One batch of the purge in partition `name`: deletes up to `limit` entries older than
/// `before`, from `from` on (the newest time the previous batch deleted: the batches walk
/// the primary key forward instead of stepping over the dead rows of the batches before), in
/// a transaction of its own with the purge switch on. Returns the entries deleted and the
/// newest time among them.
pub fn delete_batch(
    conn: &mut PgConnection,
    name: &str,
    before: OffsetDateTime,
    from: Option<OffsetDateTime>,
    limit: i64,
) -> QueryResult<(i64, Option<OffsetDateTime>)> {
    #[derive(QueryableByName)]
    struct Deleted {
        #[diesel(sql_type = BigInt)]
        n: i64,
        #[diesel(sql_type = Nullable<Timestamptz>)]
        last: Option<OffsetDateTime>,
    }
    let table = quoted(name);
    let after = if from.is_some() { "AND at >= $3" } else { "" };
    conn.transaction(|conn| {
        conn.batch_execute("SET LOCAL samverkan.audit_purge = 'on'")?;
        let query = diesel::sql_query(format!(
            "WITH doomed AS (SELECT ctid FROM {table} WHERE at < $1 {after} \
                              ORDER BY at LIMIT $2), \
                  deleted AS (DELETE FROM {table} \
                               WHERE ctid = ANY (ARRAY(SELECT ctid FROM doomed)) RETURNING at) \
             SELECT count(*) AS n, max(at) AS last FROM deleted"
        ))
        .bind::<Timestamptz, _>(before)
        .bind::<BigInt, _>(limit);
        let deleted: Deleted = match from {
            Some(from) => query.bind::<Timestamptz, _>(from).get_result(conn)?,
            None => query.get_result(conn)?,
        };
        Ok((deleted.n, deleted.last))
    })
}

/// `name` as an SQL identifier.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
