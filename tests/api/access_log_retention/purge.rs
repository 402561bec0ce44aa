//! The purge: expired months dropped whole, the rest of the boundary month (and anything old
//! in the default partition) deleted in batches, the count right; interrupted, it has done
//! whole steps and finishes when run again; a longer retention keeps more, and the database
//! refuses anything younger than five years whatever it is asked.

use std::ops::ControlFlow;
use std::process::Command;

use diesel::prelude::*;
use time::{Duration, OffsetDateTime};

use samverkan::domain::log_retention::{LogMonth, Retention};
use samverkan::models::access_log::partitions;
use samverkan::models::access_log::purge::{self, PurgeProgress, PurgeStep};

use super::{count, insert_spread, partition_names, tagged};
use crate::helpers::TestDb;

/// A log with three expired months (1,000, 2,000 and 3,000 entries), the month the five-year
/// limit falls in (25,000 entries before the limit, 500 after), 7 expired entries and 3 from
/// 2099 in the default partition, and 10 from the last hour.
struct ExpiredLog {
    boundary: LogMonth,
    expired: [LogMonth; 3],
    before: OffsetDateTime,
}

const EXPIRED_ENTRIES: i64 = 1_000 + 2_000 + 3_000 + 25_000 + 7;

fn arrange(conn: &mut PgConnection) -> ExpiredLog {
    let before = partitions::purge_limit(conn, Retention::MINIMUM).unwrap();
    let boundary = LogMonth::containing(before);
    let expired = [boundary.minus(3), boundary.minus(2), boundary.minus(1)];
    for (i, month) in expired.iter().enumerate() {
        partitions::create(conn, *month).unwrap();
        insert_spread(
            conn,
            month.start(),
            month.end(),
            1_000 * (i as i32 + 1),
            &format!("expired{i}"),
        );
    }
    partitions::create(conn, boundary).unwrap();
    // The purge's limit is taken a moment later; 10 s either side keeps each entry on its
    // side of it (unless the test starts within 20 s of midnight UTC on the 1st).
    insert_spread(
        conn,
        boundary.start(),
        before - Duration::seconds(10),
        25_000,
        "boundary-old",
    );
    insert_spread(
        conn,
        before + Duration::seconds(10),
        boundary.end(),
        500,
        "boundary-young",
    );
    let stray = boundary.minus(10);
    insert_spread(conn, stray.start(), stray.end(), 7, "stray-old");
    let ahead = LogMonth::new(2099, 1).unwrap();
    insert_spread(conn, ahead.start(), ahead.end(), 3, "stray-ahead");
    let now = partitions::database_now(conn).unwrap();
    insert_spread(conn, now - Duration::hours(1), now, 10, "recent");
    ExpiredLog {
        boundary,
        expired,
        before,
    }
}

/// What was kept is exactly what should be.
#[track_caller]
fn assert_kept(conn: &mut PgConnection, log: &ExpiredLog) {
    for (tag, kept) in [
        ("expired0", 0),
        ("expired1", 0),
        ("expired2", 0),
        ("boundary-old", 0),
        ("stray-old", 0),
        ("boundary-young", 500),
        ("stray-ahead", 3),
        ("recent", 10),
    ] {
        assert_eq!(tagged(conn, tag), kept, "{tag}");
    }
    let names = partition_names(conn);
    for month in log.expired {
        assert!(!names.contains(&month.partition_name()), "{month} dropped");
    }
    assert!(names.contains(&log.boundary.partition_name()));
    assert!(names.contains(&"access_log_default".to_string()));
}

#[actix_web::test]
async fn the_purge_drops_the_expired_months_and_deletes_the_rest_of_the_boundary_month_in_batches()
{
    let db = TestDb::new();
    let mut conn = db.conn();
    let log = arrange(&mut conn);
    let first_young_id = count(
        &mut conn,
        "SELECT min(id) AS n FROM access_log WHERE request_id LIKE 'boundary-young-%'",
    );

    let mut seen: Vec<PurgeProgress> = Vec::new();
    let report = purge::purge(&mut conn, Retention::MINIMUM, 10_000, &mut |p| {
        seen.push(p.clone());
        ControlFlow::Continue(())
    })
    .unwrap();

    assert_eq!(report.entries_removed(), EXPIRED_ENTRIES);
    assert_eq!(
        report.dropped,
        [
            (log.expired[0], 1_000),
            (log.expired[1], 2_000),
            (log.expired[2], 3_000)
        ]
    );
    assert_eq!(report.deleted, 25_007);
    assert_eq!(report.batches, 4, "10,000 + 10,000 + 5,000, then 7");
    assert!(!report.stopped);
    assert!(report.before >= log.before);
    assert_kept(&mut conn, &log);
    assert_eq!(
        count(
            &mut conn,
            "SELECT min(id) AS n FROM access_log WHERE request_id LIKE 'boundary-young-%'"
        ),
        first_young_id,
        "entries kept keep their ids"
    );

    // Progress after every step: what is done, how much is left.
    let steps: Vec<String> = seen
        .iter()
        .map(|p| match &p.step {
            PurgeStep::Dropped { month, entries } => format!("drop {month} {entries}"),
            PurgeStep::Batch { partition, entries } => format!("batch {partition} {entries}"),
        })
        .collect();
    let boundary = log.boundary.partition_name();
    assert_eq!(
        steps,
        [
            format!("drop {} 1000", log.expired[0]),
            format!("drop {} 2000", log.expired[1]),
            format!("drop {} 3000", log.expired[2]),
            format!("batch {boundary} 10000"),
            format!("batch {boundary} 10000"),
            format!("batch {boundary} 5000"),
            "batch access_log_default 7".to_string(),
        ]
    );
    let removed: Vec<i64> = seen.iter().map(|p| p.entries_removed).collect();
    assert_eq!(
        removed,
        [1_000, 3_000, 6_000, 16_000, 26_000, 31_000, EXPIRED_ENTRIES]
    );
    let dropped: Vec<usize> = seen.iter().map(|p| p.partitions_dropped).collect();
    assert_eq!(dropped, [1, 2, 3, 3, 3, 3, 3]);
    assert!(seen.iter().all(|p| p.partitions_to_drop == 3));
    let last = seen.last().unwrap();
    assert_eq!(last.entries_expected, EXPIRED_ENTRIES);
    assert_eq!(last.time_left, Some(std::time::Duration::ZERO));
    assert!(last.rate() > 0.0);

    let again = purge::purge(&mut conn, Retention::MINIMUM, 10_000, &mut |_| {
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(again.entries_removed(), 0);
    assert_eq!(again.batches, 0);
    assert_kept(&mut conn, &log);
}

#[actix_web::test]
async fn an_interrupted_purge_has_removed_whole_steps_and_finishes_when_run_again() {
    let db = TestDb::new();
    let mut conn = db.conn();
    let log = arrange(&mut conn);

    // Stopped after its first batch, as by Ctrl-C between two transactions.
    let first = purge::purge(&mut conn, Retention::MINIMUM, 10_000, &mut |p| {
        if matches!(p.step, PurgeStep::Batch { .. }) {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
    .unwrap();

    assert!(first.stopped);
    assert_eq!(first.dropped.len(), 3);
    assert_eq!(first.deleted, 10_000);
    assert_eq!(tagged(&mut conn, "boundary-old"), 15_000);
    assert_eq!(tagged(&mut conn, "stray-old"), 7);

    let second = purge::purge(&mut conn, Retention::MINIMUM, 10_000, &mut |_| {
        ControlFlow::Continue(())
    })
    .unwrap();

    assert!(!second.stopped);
    assert!(second.dropped.is_empty());
    assert_eq!(second.entries_removed(), 15_007);
    assert_eq!(
        first.entries_removed() + second.entries_removed(),
        EXPIRED_ENTRIES
    );
    assert_kept(&mut conn, &log);
}

#[actix_web::test]
async fn a_longer_retention_keeps_more_and_the_database_refuses_less_than_five_years() {
    let db = TestDb::new();
    let mut conn = db.conn();
    let now = partitions::database_now(&mut conn).unwrap();
    let six_before = partitions::purge_limit(&mut conn, Retention::years(6).unwrap()).unwrap();
    let over_six = LogMonth::containing(six_before).minus(1);
    let five_and_a_half = LogMonth::containing(now - Duration::days(5 * 365 + 182));
    for (month, n, tag) in [
        (over_six, 10, "over-six"),
        (five_and_a_half, 20, "five-half"),
    ] {
        partitions::create(&mut conn, month).unwrap();
        insert_spread(&mut conn, month.start(), month.end(), n, tag);
    }

    let six = purge::purge(&mut conn, Retention::years(6).unwrap(), 10_000, &mut |_| {
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(six.entries_removed(), 10);
    assert_eq!(tagged(&mut conn, "five-half"), 20);
    let five = purge::purge(&mut conn, Retention::MINIMUM, 10_000, &mut |_| {
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(five.entries_removed(), 20);

    // Asked directly for less than five years, the database refuses.
    let young = LogMonth::containing(now).minus(48);
    partitions::create(&mut conn, young).unwrap();
    insert_spread(&mut conn, young.start(), young.end(), 5, "four-years");
    let refused = partitions::drop_expired(&mut conn, young, now - Duration::days(4 * 365));
    assert!(
        format!("{refused:?}").contains("keeps entries five years"),
        "{refused:?}"
    );
    let refused = partitions::delete_batch(&mut conn, &young.partition_name(), now, None, 100);
    assert!(
        format!("{refused:?}").contains("append-only"),
        "{refused:?}"
    );
    // Nor does it drop the month the limit falls in: it holds entries after the limit.
    let before = partitions::purge_limit(&mut conn, Retention::MINIMUM).unwrap();
    let boundary = LogMonth::containing(before);
    partitions::create(&mut conn, boundary).unwrap();
    insert_spread(
        &mut conn,
        before + Duration::seconds(10),
        boundary.end(),
        5,
        "boundary-young",
    );
    let refused = partitions::drop_expired(&mut conn, boundary, before);
    assert!(
        format!("{refused:?}").contains("holds an entry from"),
        "{refused:?}"
    );
    assert_eq!(tagged(&mut conn, "boundary-young"), 5);
    assert_eq!(tagged(&mut conn, "four-years"), 5);
}

#[actix_web::test]
async fn samverkan_audit_purge_prints_its_progress_and_refuses_less_than_five_years() {
    let db = TestDb::new();
    let mut conn = db.conn();
    let before = partitions::purge_limit(&mut conn, Retention::MINIMUM).unwrap();
    let expired = LogMonth::containing(before).minus(1);
    partitions::create(&mut conn, expired).unwrap();
    insert_spread(&mut conn, expired.start(), expired.end(), 50, "cli-expired");
    let boundary = LogMonth::containing(before);
    partitions::create(&mut conn, boundary).unwrap();
    insert_spread(
        &mut conn,
        boundary.start(),
        before - Duration::seconds(10),
        250,
        "cli-boundary",
    );
    let samverkan = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_samverkan"))
            .args(["--database-url", &db.url])
            .args(args)
            .env_remove("SAMVERKAN_AUDIT_RETENTION_YEARS")
            .output()
            .expect("run samverkan")
    };

    let refused = samverkan(&["audit", "purge", "--retention-years", "4"]);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("must be kept at least 5 years (HSLF-FS 2016:40); 4 is less"),
        "{stderr}"
    );
    assert_eq!(tagged(&mut conn, "cli-expired"), 50);

    let out = samverkan(&["audit", "purge", "--batch-size", "100"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    println!("{stderr}");
    for expected in [
        "audit purge: keeping 5 years: removing entries before ",
        "audit purge: to drop whole: 1 month partition (about 50 entries); to delete in \
         batches of 100: 250 entries from ",
        &format!(
            "audit purge: dropped {} (50 entries); 1 of 1 partitions dropped, 50 of about 300 \
             entries removed, ",
            expired.partition_name()
        ),
        " entries/s, ",
        "audit purge: done in ",
        "1 month partition dropped, 300 entries removed (250 deleted in 3 batches)",
    ] {
        assert!(stderr.contains(expected), "{expected:?} in {stderr}");
    }
    assert_eq!(tagged(&mut conn, "cli-expired"), 0);
    assert_eq!(tagged(&mut conn, "cli-boundary"), 0);

    let out = samverkan(&["audit", "maintain"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("audit maintain: the log has month partitions from "),
        "{stderr}"
    );
}
