//! No UPDATE, DELETE or TRUNCATE on the log or on any of its partitions — the default one,
//! one created by maintenance years ahead, and one attached by hand once maintenance has run.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use time::Duration;

use samverkan::domain::log_retention::LogMonth;
use samverkan::models::access_log::partitions;

use super::{assert_refused, count, insert_spread, partition_of, tagged};
use crate::helpers::TestDb;

#[actix_web::test]
async fn every_partition_refuses_update_delete_and_truncate_also_one_created_years_ahead() {
    let db = TestDb::new();
    let mut conn = db.conn();
    let now = partitions::database_now(&mut conn).unwrap();
    let future = LogMonth::containing(now).plus(36);
    assert_eq!(partitions::create(&mut conn, future).unwrap(), Some(0));
    insert_spread(
        &mut conn,
        future.start() + Duration::days(1),
        future.end(),
        3,
        "future",
    );
    insert_spread(&mut conn, now - Duration::hours(1), now, 3, "now");
    // Past the months made ahead: waits in the default partition.
    let far_ahead = LogMonth::new(2099, 1).unwrap();
    insert_spread(&mut conn, far_ahead.start(), far_ahead.end(), 3, "stray");
    assert_eq!(partition_of(&mut conn, "future-0"), future.partition_name());
    assert_eq!(partition_of(&mut conn, "stray-0"), "access_log_default");
    let current = LogMonth::containing(now).partition_name();
    assert_eq!(partition_of(&mut conn, "now-0"), current);
    let before = count(&mut conn, "SELECT count(*) AS n FROM access_log");

    for table in [
        "access_log".to_string(),
        future.partition_name(),
        current,
        "access_log_default".to_string(),
    ] {
        assert_refused(&mut conn, &format!("UPDATE {table} SET action = 'x'"));
        assert_refused(&mut conn, &format!("DELETE FROM {table}"));
        assert_refused(&mut conn, &format!("TRUNCATE {table}"));
        // The purge's switch opens nothing younger than five years.
        let purge_switch = conn.transaction(|c| {
            c.batch_execute("SET LOCAL samverkan.audit_purge = 'on'")?;
            c.batch_execute(&format!("DELETE FROM {table}"))
        });
        assert!(purge_switch.is_err(), "{table}: {purge_switch:?}");
    }
    // The move switch opens the default partition only (for maintenance's move into a month).
    let move_switch = conn.transaction(|c| {
        c.batch_execute("SET LOCAL samverkan.audit_move = 'on'")?;
        c.batch_execute(&format!("DELETE FROM {}", future.partition_name()))
    });
    assert!(move_switch.is_err(), "{move_switch:?}");

    assert_eq!(
        count(&mut conn, "SELECT count(*) AS n FROM access_log"),
        before
    );
    assert_eq!(tagged(&mut conn, "future"), 3);
}

#[actix_web::test]
async fn a_partition_attached_by_hand_refuses_truncate_once_maintenance_has_run() {
    let db = TestDb::new();
    let mut conn = db.conn();
    // PostgreSQL clones the row triggers onto it, not the TRUNCATE trigger.
    conn.batch_execute(
        "CREATE TABLE access_log_p209901 PARTITION OF access_log \
             FOR VALUES FROM ('2099-01-01 00:00+00') TO ('2099-02-01 00:00+00'); \
         INSERT INTO access_log (at, actor_hsa_id, action, outcome, request_id) \
             VALUES ('2099-01-15 12:00+00', 'SE2321000115-DEMOP0009', 'patient.read', 'ok', 'by-hand-0')",
    )
    .unwrap();
    assert_refused(&mut conn, "DELETE FROM access_log_p209901");

    let report = partitions::maintain(&mut conn).unwrap();

    assert_eq!(report.guarded, ["access_log_p209901"]);
    assert_refused(&mut conn, "TRUNCATE access_log_p209901");
    assert_eq!(tagged(&mut conn, "by-hand"), 1);
    assert!(partitions::maintain(&mut conn).unwrap().guarded.is_empty());
}
