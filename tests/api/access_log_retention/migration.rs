//! Migration 15 with entries in place: every entry, column for column and with its id, in the
//! partition of its month (or the default partition when no month took it), new ids continuing
//! from the old sequence, and the moved months append-only.

use std::time::Instant;

use diesel::connection::SimpleConnection;
use diesel::migration::MigrationSource;
use diesel::pg::Pg;
use diesel::Connection;
use diesel_migrations::MigrationHarness;

use samverkan::db;
use samverkan::domain::log_retention::{LogMonth, MONTHS_AHEAD};
use samverkan::models::access_log::partitions;

use super::{assert_refused, count, partition_names, partition_of};
use crate::helpers::TestDb;

/// The migration that partitions the log.
const PARTITIONING: &str = "2026-12-08-000015_access_log_partitions";

/// Entries spread over two years in the old table, and the special ones.
const SPREAD: i64 = 100_000;

#[actix_web::test]
async fn the_partitioning_migration_moves_every_entry_into_its_month_and_keeps_its_id() {
    let db = TestDb::empty();
    let mut conn = db.conn();
    let mut migrations = MigrationSource::<Pg>::migrations(&db::MIGRATIONS).unwrap();
    migrations.sort_by_key(|m| m.name().to_string());
    let position = migrations
        .iter()
        .position(|m| m.name().to_string() == PARTITIONING)
        .expect("the partitioning migration is embedded");
    diesel::migration::MigrationConnection::setup(&mut conn).unwrap();
    for m in &migrations[..position] {
        conn.run_migration(m.as_ref()).expect("earlier migration");
    }
    assert_eq!(position, 14, "the migrations before it: 1 to 14");

    // Entries of every kind over two years, one 6 years old, one in a month made ahead, one
    // far past the months made ahead, one at a time that is not finite; and ids used up by a
    // transaction that rolled back.
    conn.batch_execute(&format!(
        "INSERT INTO access_log (at, actor_hsa_id, actor_name, unit_id, unit_hsa_id, action, \
                                 outcome, patient_id, message_id, request_id, actor_role, \
                                 commission_hsa_id) \
         SELECT now() - g * (interval '730 days' / {SPREAD}), \
                'SE2321000115-P' || (g % 300), CASE WHEN g % 7 = 0 THEN NULL ELSE 'Namn ' || g END, \
                CASE WHEN g % 5 = 0 THEN NULL ELSE gen_random_uuid() END, 'SE2321000115-U' || (g % 20), \
                (ARRAY['message.read', 'message.list', 'audit.read'])[1 + g % 3], \
                (ARRAY['ok', 'denied'])[1 + g % 2], \
                CASE WHEN g % 11 = 0 THEN NULL ELSE gen_random_uuid() END, \
                CASE WHEN g % 2 = 0 THEN gen_random_uuid() END, md5(g::text), \
                (ARRAY[NULL, 'personal', 'granskare', 'integration', 'admin'])[1 + g % 5], \
                CASE WHEN g % 3 = 0 THEN 'SE2321000115-UPPDRAG' || g END \
           FROM generate_series(1, {SPREAD}) AS g; \
         INSERT INTO access_log (at, actor_hsa_id, action, outcome, request_id) VALUES \
             (now() - interval '6 years', 'SE2321000115-P1', 'patient.read', 'ok', 'six-years'), \
             (now() + interval '1 month', 'SE2321000115-P1', 'patient.read', 'ok', 'next-month'), \
             ('2099-06-01 12:00+00', 'SE2321000115-P1', 'patient.read', 'ok', 'far-ahead'), \
             ('infinity', 'SE2321000115-P1', 'patient.read', 'ok', 'infinity'); \
         CREATE TABLE before_migration AS SELECT * FROM access_log;"
    ))
    .unwrap();
    let rolled_back: diesel::QueryResult<()> = conn.transaction(|c| {
        c.batch_execute(
            "INSERT INTO access_log (actor_hsa_id, action, outcome, request_id) \
             SELECT 'x', 'patient.read', 'ok', 'rolled-back' FROM generate_series(1, 5)",
        )?;
        Err(diesel::result::Error::RollbackTransaction)
    });
    assert!(rolled_back.is_err());
    let entries = count(&mut conn, "SELECT count(*) AS n FROM before_migration");
    assert_eq!(entries, SPREAD + 4);

    let started = Instant::now();
    conn.run_pending_migrations(db::MIGRATIONS).unwrap();
    println!(
        "migration 15 with {entries} entries in place: {:?}",
        started.elapsed()
    );

    // Every entry, every column, every id: nothing lost, nothing added.
    for (what, sql) in [
        (
            "lost",
            "SELECT count(*) AS n FROM (SELECT * FROM before_migration \
                                        EXCEPT ALL SELECT * FROM access_log) AS d",
        ),
        (
            "added",
            "SELECT count(*) AS n FROM (SELECT * FROM access_log \
                                        EXCEPT ALL SELECT * FROM before_migration) AS d",
        ),
    ] {
        assert_eq!(count(&mut conn, sql), 0, "{what}");
    }
    assert_eq!(
        count(&mut conn, "SELECT count(*) AS n FROM access_log"),
        entries
    );
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM pg_class WHERE relname = 'access_log_unpartitioned'"
        ),
        0
    );

    // Each in the partition of its month.
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM access_log \
              WHERE tableoid::regclass::text <> 'access_log_p' || to_char(at AT TIME ZONE 'UTC', 'YYYYMM') \
                AND request_id NOT IN ('far-ahead', 'infinity')"
        ),
        0,
        "entries outside their month's partition"
    );
    assert_eq!(partition_of(&mut conn, "far-ahead"), "access_log_default");
    assert_eq!(partition_of(&mut conn, "infinity"), "access_log_default");
    let now = partitions::database_now(&mut conn).unwrap();
    let current = LogMonth::containing(now);
    // From the month of the oldest entry (checked above to be its partition's month).
    let oldest = LogMonth::from_partition_name(&partition_of(&mut conn, "six-years")).unwrap();
    assert!(
        (current.minus(73)..=current.minus(71)).contains(&oldest),
        "six years back: {oldest}"
    );
    let mut expected = vec!["access_log_default".to_string()];
    expected.extend(
        oldest
            .through(current.plus(MONTHS_AHEAD))
            .map(LogMonth::partition_name),
    );
    assert_eq!(partition_names(&mut conn), expected);

    // New ids continue after the rolled-back ones.
    let last_old = count(&mut conn, "SELECT max(id) AS n FROM before_migration");
    conn.batch_execute(
        "INSERT INTO access_log (actor_hsa_id, action, outcome, request_id) \
         VALUES ('SE2321000115-P1', 'patient.read', 'ok', 'after-migration')",
    )
    .unwrap();
    assert_eq!(
        count(
            &mut conn,
            "SELECT id AS n FROM access_log WHERE request_id = 'after-migration'"
        ),
        last_old + 6
    );

    // The months filled by the migration are append-only like the others.
    let filled = current.minus(12).partition_name();
    assert_refused(&mut conn, &format!("TRUNCATE {filled}"));
    assert_refused(&mut conn, &format!("DELETE FROM {filled}"));
    assert_refused(&mut conn, &format!("UPDATE {filled} SET action = 'x'"));
    assert_refused(&mut conn, "TRUNCATE access_log_default");
}
