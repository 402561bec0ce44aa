//! The access log that lasts (issue 17): `access_log` partitioned by month, append-only on
//! every partition including those created later, the months ahead created by maintenance,
//! the purge that drops expired months whole and deletes the rest of the boundary month in
//! batches, the migration that moved the existing entries, and the review's queries on their
//! indexes with a million entries over two years.

mod append_only;
mod maintain;
mod migration;
mod plans;
mod purge;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text, Timestamptz};
use time::OffsetDateTime;

/// `count(*) AS n` (or any bigint `n`) of `sql`.
fn count(conn: &mut PgConnection, sql: &str) -> i64 {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    diesel::sql_query(sql)
        .get_result::<N>(conn)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .n
}

/// The partitions of `access_log`, by name.
fn partition_names(conn: &mut PgConnection) -> Vec<String> {
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = Text)]
        name: String,
    }
    diesel::sql_query(
        "SELECT inhrelid::regclass::text AS name FROM pg_inherits \
          WHERE inhparent = 'access_log'::regclass ORDER BY 1",
    )
    .load::<Name>(conn)
    .expect("partitions")
    .into_iter()
    .map(|n| n.name)
    .collect()
}

/// The partition that holds the entry with `request_id`.
fn partition_of(conn: &mut PgConnection, request_id: &str) -> String {
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = Text)]
        name: String,
    }
    diesel::sql_query(
        "SELECT tableoid::regclass::text AS name FROM access_log WHERE request_id = $1",
    )
    .bind::<Text, _>(request_id)
    .get_result::<Name>(conn)
    .unwrap_or_else(|e| panic!("entry {request_id}: {e}"))
    .name
}

/// Inserts `n` entries spread evenly over [`from`, `to`), request ids `{tag}-0` … (SQL INSERT
/// is what the log allows, at any time).
fn insert_spread(
    conn: &mut PgConnection,
    from: OffsetDateTime,
    to: OffsetDateTime,
    n: i32,
    tag: &str,
) {
    diesel::sql_query(
        "INSERT INTO access_log (at, actor_hsa_id, action, outcome, request_id, patient_id) \
         SELECT $1 + ($2 - $1) * (g::float8 / $3), 'SE2321000115-DEMOP0009', 'patient.read', \
                'ok', $4 || '-' || g, gen_random_uuid() \
           FROM generate_series(0, $3 - 1) AS g",
    )
    .bind::<Timestamptz, _>(from)
    .bind::<Timestamptz, _>(to)
    .bind::<Integer, _>(n)
    .bind::<Text, _>(tag)
    .execute(conn)
    .expect("insert entries");
}

/// Entries whose request id starts with `tag-`.
fn tagged(conn: &mut PgConnection, tag: &str) -> i64 {
    count(
        conn,
        &format!("SELECT count(*) AS n FROM access_log WHERE request_id LIKE '{tag}-%'"),
    )
}

/// Asserts the statement is refused by the append-only trigger.
#[track_caller]
fn assert_refused(conn: &mut PgConnection, sql: &str) {
    match conn.batch_execute(sql) {
        Err(diesel::result::Error::DatabaseError(_, info)) => assert!(
            info.message().contains("append-only"),
            "{sql}: {}",
            info.message()
        ),
        other => panic!("{sql} must be refused, got {other:?}"),
    }
}
