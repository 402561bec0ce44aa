//! Maintenance: the months ahead, entries that went to the default partition moved into
//! their month (ids kept), a month removed by hand created again and reported — and a read
//! whose month has no partition still logged, never refused.

use diesel::connection::SimpleConnection;
use time::Duration;

use samverkan::domain::log_retention::{LogMonth, MONTHS_AHEAD};
use samverkan::models::access_log::partitions;

use super::{assert_refused, count, insert_spread, partition_names, partition_of};
use crate::helpers::{Persona, TestApp, TestDb, HALMSTAD_KOMMUN};

#[actix_web::test]
async fn maintenance_creates_the_months_ahead_and_moves_waiting_entries_into_their_month() {
    let db = TestDb::new();
    let mut conn = db.conn();
    let now = partitions::database_now(&mut conn).unwrap();
    let current = LogMonth::containing(now);
    // The migration made this month and three ahead.
    let months: Vec<String> = current
        .through(current.plus(MONTHS_AHEAD))
        .map(LogMonth::partition_name)
        .collect();
    let mut expected = vec!["access_log_default".to_string()];
    expected.extend(months.iter().cloned());
    assert_eq!(partition_names(&mut conn), expected);

    let two_years_ago = LogMonth::containing(now - Duration::days(730));
    insert_spread(
        &mut conn,
        two_years_ago.start(),
        two_years_ago.end(),
        4,
        "waiting",
    );
    let far_ahead = LogMonth::new(2099, 1).unwrap();
    insert_spread(
        &mut conn,
        far_ahead.start(),
        far_ahead.end(),
        2,
        "far-ahead",
    );
    assert_eq!(partition_of(&mut conn, "waiting-0"), "access_log_default");
    let ids_before = count(
        &mut conn,
        "SELECT sum(id)::bigint AS n FROM access_log WHERE request_id LIKE 'waiting-%'",
    );
    // A month ahead removed outside the purge.
    conn.batch_execute(&format!("DROP TABLE {}", months[1]))
        .unwrap();

    let report = partitions::maintain(&mut conn).unwrap();

    let created: Vec<LogMonth> = report.created.iter().map(|(m, _)| *m).collect();
    let mut want: Vec<LogMonth> = two_years_ago.through(current.minus(1)).collect();
    want.push(current.plus(1));
    assert_eq!(created, want);
    assert_eq!(report.created[0], (two_years_ago, 4), "moved in");
    assert_eq!(report.missing_inside, [current.plus(1)]);
    assert_eq!(report.waiting, 2, "2099 stays in the default partition");
    assert_eq!(
        partition_of(&mut conn, "waiting-3"),
        two_years_ago.partition_name()
    );
    assert_eq!(partition_of(&mut conn, "far-ahead-0"), "access_log_default");
    assert_eq!(
        count(
            &mut conn,
            "SELECT sum(id)::bigint AS n FROM access_log WHERE request_id LIKE 'waiting-%'"
        ),
        ids_before,
        "the moved entries keep their ids"
    );
    assert_eq!(
        report.months,
        two_years_ago
            .through(current.plus(MONTHS_AHEAD))
            .collect::<Vec<_>>()
    );

    let again = partitions::maintain(&mut conn).unwrap();
    assert!(again.created.is_empty(), "{again:?}");
    assert!(again.missing_inside.is_empty());
}

#[actix_web::test]
async fn a_read_is_logged_when_its_month_has_no_partition_and_found_in_the_extract_after_maintenance(
) {
    let app = TestApp::spawn().await;
    let mut conn = app.db.conn();
    let now = partitions::database_now(&mut conn).unwrap();
    let current = LogMonth::containing(now).partition_name();
    conn.batch_execute(&format!("DROP TABLE {current}"))
        .unwrap();
    let tolvan = app.patient_id("191212121212");

    let read = app
        .get(
            &format!("/api/v1/patients/{tolvan}"),
            &Persona::nurse(HALMSTAD_KOMMUN),
        )
        .await;

    read.assert_status(200);
    let request_id = read.header("x-request-id").unwrap();
    assert_eq!(
        partition_of(&mut conn, &request_id),
        "access_log_default",
        "the entry was written all the same"
    );
    let report = partitions::maintain(&mut conn).unwrap();
    assert!(report
        .created
        .iter()
        .any(|(m, moved)| m.partition_name() == current && *moved >= 1));
    assert_eq!(partition_of(&mut conn, &request_id), current);
    let extract = app
        .get(
            &format!("/api/v1/patients/{tolvan}/access-log"),
            &Persona::auditor(HALMSTAD_KOMMUN),
        )
        .await
        .assert_status(200);
    assert!(
        extract["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["request_id"] == request_id.as_str()),
        "{extract}"
    );
}

#[actix_web::test]
async fn a_dropped_default_partition_is_created_again_and_guarded() {
    let db = TestDb::new();
    let mut conn = db.conn();
    conn.batch_execute("DROP TABLE access_log_default").unwrap();

    let report = partitions::maintain(&mut conn).unwrap();

    assert!(report.default_created);
    assert_eq!(report.guarded, ["access_log_default"]);
    insert_spread(
        &mut conn,
        LogMonth::new(2099, 1).unwrap().start(),
        LogMonth::new(2099, 2).unwrap().start(),
        1,
        "far-ahead",
    );
    assert_eq!(partition_of(&mut conn, "far-ahead-0"), "access_log_default");
    assert_refused(&mut conn, "TRUNCATE access_log_default");
    assert!(!partitions::maintain(&mut conn).unwrap().default_created);
}
