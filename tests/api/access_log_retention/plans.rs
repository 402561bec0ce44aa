//! The extract and the review stay on their indexes in a partitioned log: with 1,000,000
//! entries over 24 months, the exact SQL diesel builds for each shape of query, planned as the
//! pool's sessions plan it (`force_generic_plan`: once per connection, with parameters), is an
//! index scan on every month it reads, merged newest first without a sort, and a time range
//! or a cursor removes the months outside it when the statement starts (run-time pruning).

use std::time::Instant;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{Json, Text, Timestamptz};
use serde_json::Value;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use samverkan::domain::log_retention::LogMonth;
use samverkan::models::access_log::{list_sql, partitions, AccessLogFilter};

use crate::helpers::{Persona, TestApp, HALMSTAD_KOMMUN};

const ENTRIES: i64 = 1_000_000;
const MONTHS: u32 = 24;

#[derive(QueryableByName)]
struct Plan {
    #[diesel(sql_type = Json, column_name = "QUERY PLAN")]
    plan: Value,
}

/// The arguments of `f`'s placeholders as SQL literals, in the order `list_sql` binds them.
fn literal_args(f: &AccessLogFilter) -> String {
    let t = |t: OffsetDateTime| {
        format!(
            "'{}'::timestamptz",
            t.format(&time::format_description::well_known::Rfc3339)
                .unwrap()
        )
    };
    let mut args = Vec::new();
    if let Some(p) = f.patient_id {
        args.push(format!("'{p}'::uuid"));
    }
    if let Some(a) = &f.actor_hsa_id {
        args.push(format!("'{a}'"));
    }
    if let Some(u) = f.unit_id {
        args.push(format!("'{u}'::uuid"));
    }
    if let Some(a) = &f.action {
        args.push(format!("'{a}'"));
    }
    if let Some(o) = &f.outcome {
        args.push(format!("'{o}'"));
    }
    if let Some(from) = f.from {
        args.push(t(from));
    }
    if let Some(to) = f.to {
        args.push(t(to));
    }
    if let Some((at, id)) = f.before {
        args.extend([t(at), t(at), id.to_string()]);
    }
    args.push(f.limit.to_string());
    args.join(", ")
}

/// Every node of a plan tree.
fn nodes<'a>(plan: &'a Value, out: &mut Vec<&'a Value>) {
    out.push(plan);
    for child in plan["Plans"].as_array().into_iter().flatten() {
        nodes(child, out);
    }
}

/// What a query must look like.
struct Expect {
    what: &'static str,
    filter: AccessLogFilter,
    /// The index every month is read with (by the suffix of its per-partition name).
    index: &'static str,
    /// At most this many months (and the default partition) are read: pruning.
    at_most_read: usize,
}

#[actix_web::test]
async fn the_extract_and_review_queries_use_indexes_and_prune_months_with_1000000_entries() {
    let app = TestApp::spawn().await;
    let mut conn = app.db.conn();
    let tolvan = app.patient_id("191212121212");
    let unit = app.unit_id(HALMSTAD_KOMMUN);
    let now = partitions::database_now(&mut conn).unwrap();
    let first = LogMonth::containing(now).minus(MONTHS - 1);
    let started = Instant::now();
    for month in first.through(LogMonth::containing(now)) {
        partitions::create(&mut conn, month).unwrap();
    }
    // 20,000 patients (Tolvan one of them: 50 entries), 2,000 actors, 50 units.
    diesel::sql_query(format!(
        "INSERT INTO access_log (at, actor_hsa_id, unit_id, unit_hsa_id, action, outcome, \
                                 patient_id, request_id, actor_role) \
         SELECT $1 + ($2 - $1) * (g::float8 / {ENTRIES}), \
                'SE2321000115-P' || lpad((g % 2000)::text, 4, '0'), \
                CASE WHEN g % 50 = 0 THEN $3::uuid \
                     ELSE ('00000000-0000-4000-8000-' || lpad((g % 50)::text, 12, '0'))::uuid END, \
                'SE2321000115-U' || (g % 50), \
                (ARRAY['message.list', 'message.read', 'patient.read', 'audit.read'])[1 + g % 4], \
                'ok', \
                CASE WHEN g % 20000 = 17 THEN $4::uuid \
                     ELSE ('00000000-0000-4000-9000-' || lpad((g % 20000)::text, 12, '0'))::uuid END, \
                md5(g::text), 'personal' \
           FROM generate_series(0, {ENTRIES} - 1) AS g"
    ))
    .bind::<Timestamptz, _>(first.start())
    .bind::<Timestamptz, _>(now - Duration::minutes(1))
    .bind::<Text, _>(unit.to_string())
    .bind::<Text, _>(tolvan.to_string())
    .execute(&mut conn)
    .unwrap();
    let inserted = started.elapsed();
    conn.batch_execute("ANALYZE access_log").unwrap();
    println!(
        "{ENTRIES} entries over {MONTHS} months: inserted in {inserted:?}, analysed in {:?}",
        started.elapsed() - inserted
    );

    // A cursor deep in Tolvan's extract (the 30th newest) and in an actor's entries.
    #[derive(QueryableByName)]
    struct Key {
        #[diesel(sql_type = Timestamptz)]
        at: OffsetDateTime,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    let key = |conn: &mut PgConnection, filter: &str, offset: i64| -> (OffsetDateTime, i64) {
        let k: Key = diesel::sql_query(format!(
            "SELECT at, id FROM access_log WHERE {filter} ORDER BY at DESC, id DESC OFFSET {offset} LIMIT 1"
        ))
        .get_result(conn)
        .unwrap();
        (k.at, k.id)
    };
    let deep_extract = key(&mut conn, &format!("patient_id = '{tolvan}'"), 30);
    let deep_actor = key(&mut conn, "actor_hsa_id = 'SE2321000115-P0042'", 300);
    let year_ago = LogMonth::containing(now).minus(12).start() + Duration::days(3);
    let page = |f: AccessLogFilter| AccessLogFilter { limit: 51, ..f };
    // The 24 months, the 3 made ahead and the default partition.
    let all = super::partition_names(&mut conn).len();
    assert_eq!(all, MONTHS as usize + 3 + 1);
    // Behind a cursor: the months up to the cursor's, and the default partition.
    let up_to = |at: OffsetDateTime| first.through(LogMonth::containing(at)).count() + 1;
    let cases = [
        Expect {
            what: "a patient's extract, first page",
            filter: page(AccessLogFilter {
                patient_id: Some(tolvan),
                ..Default::default()
            }),
            index: "_patient_id_at_id_idx",
            at_most_read: all,
        },
        Expect {
            what: "a patient's extract behind a cursor",
            filter: page(AccessLogFilter {
                patient_id: Some(tolvan),
                before: Some(deep_extract),
                ..Default::default()
            }),
            index: "_patient_id_at_id_idx",
            at_most_read: up_to(deep_extract.0),
        },
        Expect {
            what: "a patient that has no entry",
            filter: page(AccessLogFilter {
                patient_id: Some(Uuid::new_v4()),
                ..Default::default()
            }),
            index: "_patient_id_at_id_idx",
            at_most_read: all,
        },
        Expect {
            what: "the review, first page",
            filter: page(AccessLogFilter::default()),
            index: "_pkey",
            at_most_read: all,
        },
        Expect {
            what: "the review, one week a year ago",
            filter: page(AccessLogFilter {
                from: Some(year_ago),
                to: Some(year_ago + Duration::days(7)),
                ..Default::default()
            }),
            index: "_pkey",
            at_most_read: 2,
        },
        Expect {
            what: "the review of a patient in a week",
            filter: page(AccessLogFilter {
                patient_id: Some(tolvan),
                from: Some(year_ago),
                to: Some(year_ago + Duration::days(7)),
                ..Default::default()
            }),
            index: "_patient_id_at_id_idx",
            at_most_read: 2,
        },
        Expect {
            what: "the review of an actor",
            filter: page(AccessLogFilter {
                actor_hsa_id: Some("SE2321000115-P0042".into()),
                ..Default::default()
            }),
            index: "_actor_hsa_id_at_id_idx",
            at_most_read: all,
        },
        Expect {
            what: "the review of an actor behind a cursor",
            filter: page(AccessLogFilter {
                actor_hsa_id: Some("SE2321000115-P0042".into()),
                before: Some(deep_actor),
                ..Default::default()
            }),
            index: "_actor_hsa_id_at_id_idx",
            at_most_read: up_to(deep_actor.0),
        },
        Expect {
            what: "the review of a unit",
            filter: page(AccessLogFilter {
                unit_id: Some(unit),
                ..Default::default()
            }),
            index: "_unit_id_at_id_idx",
            at_most_read: all,
        },
    ];

    conn.batch_execute("SET plan_cache_mode = force_generic_plan")
        .unwrap();
    for case in &cases {
        let sql = list_sql(&case.filter);
        conn.batch_execute(&format!("DEALLOCATE ALL; PREPARE q AS {sql}"))
            .unwrap();
        let explained: Plan = diesel::sql_query(format!(
            "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE q({})",
            literal_args(&case.filter)
        ))
        .get_result(&mut conn)
        .unwrap();
        let root = &explained.plan[0]["Plan"];
        let mut all_nodes = Vec::new();
        nodes(root, &mut all_nodes);
        let what = case.what;
        let shape: Vec<String> = all_nodes
            .iter()
            .map(|n| {
                format!(
                    "{} {}",
                    n["Node Type"].as_str().unwrap_or_default(),
                    n["Index Name"].as_str().unwrap_or_default()
                )
            })
            .collect();
        // Planned once with parameters, as the pool's sessions do.
        assert_eq!(
            super::count(
                &mut conn,
                "SELECT generic_plans AS n FROM pg_prepared_statements WHERE name = 'q'"
            ),
            1,
            "{what}: not a generic plan"
        );
        for node in &all_nodes {
            let kind = node["Node Type"].as_str().unwrap_or_default();
            assert!(
                !matches!(
                    kind,
                    "Seq Scan" | "Sort" | "Bitmap Heap Scan" | "Incremental Sort"
                ),
                "{what}: {kind} in {shape:?}"
            );
            if node.get("Relation Name").is_some() {
                assert!(
                    kind == "Index Scan" || kind == "Index Only Scan",
                    "{what}: {kind} in {shape:?}"
                );
                let index = node["Index Name"].as_str().unwrap_or_default();
                assert!(index.ends_with(case.index), "{what}: {index} in {shape:?}");
            }
        }
        let scans = all_nodes
            .iter()
            .filter(|n| n.get("Relation Name").is_some())
            .count();
        let removed: u64 = all_nodes
            .iter()
            .filter_map(|n| n["Subplans Removed"].as_u64())
            .sum();
        assert!(
            scans <= case.at_most_read,
            "{what}: {scans} partitions read (at most {}), {removed} pruned: {shape:?}",
            case.at_most_read
        );
        assert_eq!(
            scans as u64 + removed,
            all as u64,
            "{what}: every month either read or pruned"
        );
        let buffers = root["Shared Hit Blocks"].as_u64().unwrap()
            + root["Shared Read Blocks"].as_u64().unwrap();
        assert!(buffers < 1_000, "{what}: {buffers} buffers");
        println!(
            "{what}: {} ms, {buffers} buffers, {scans} partitions read, {removed} pruned at start",
            explained.plan[0]["Execution Time"]
        );
    }
    conn.batch_execute("DEALLOCATE ALL").unwrap();
    println!("the whole test until here: {:?}", started.elapsed());

    // Through the API (its pool plans generically too).
    let auditor = Persona::auditor(HALMSTAD_KOMMUN);
    let timed = Instant::now();
    let extract = app
        .get(&format!("/api/v1/patients/{tolvan}/access-log"), &auditor)
        .await
        .assert_status(200);
    println!("GET the extract: {:?}", timed.elapsed());
    assert_eq!(extract["items"].as_array().unwrap().len(), 50);
    let timed = Instant::now();
    let review = app
        .get("/api/v1/audit?actor=SE2321000115-P0042", &auditor)
        .await
        .assert_status(200);
    println!("GET the review of an actor: {:?}", timed.elapsed());
    assert_eq!(review["items"].as_array().unwrap().len(), 50);
}
