//! The inbox query stays on its index with a realistic table: 100,000 messages spread over
//! the demo units. The plan of the exact SQL diesel builds for the first page and for a page
//! deep behind a cursor must be an Index Scan on `messages_inbox_idx`, never a Seq Scan —
//! both as a custom plan and as the generic plan a cached prepared statement ends up with.

use std::time::Instant;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{Json, Timestamptz, Uuid as SqlUuid};
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use samverkan::domain::lifecycle::Mailbox;
use samverkan::models::message::{self, MessageFilter};
use samverkan::schema::messages;

use super::*;
use crate::helpers::VC_HALMSTAD;

#[derive(QueryableByName)]
struct Plan {
    #[diesel(sql_type = Json, column_name = "QUERY PLAN")]
    plan: Value,
}

#[derive(QueryableByName)]
struct Key {
    #[diesel(sql_type = Timestamptz)]
    sent_at: OffsetDateTime,
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
}

/// Inserts `n` messages set-based, spread over every unit and a month of sending times.
fn insert_messages(conn: &mut PgConnection, n: i64) {
    conn.batch_execute(&format!(
        "WITH u AS (SELECT array_agg(id ORDER BY hsa_id) AS ids FROM units), \
              p AS (SELECT id FROM patients WHERE personal_identity_number = '{TOLVAN}') \
         INSERT INTO messages (id, category, status, patient_id, sender_unit_id, \
              recipient_unit_id, sender_hsa_id, subject, body, details, sent_at, \
              reply_expected_from, reply_due_by) \
         SELECT gen_random_uuid(), \
              (ARRAY['recept','provtagning','uppfoljning','bokning'])[1 + g % 4], \
              (ARRAY['sent','read','answered','closed'])[1 + (g / 4) % 4], \
              p.id, \
              u.ids[1 + (g + 1) % array_length(u.ids, 1)], \
              u.ids[1 + g % array_length(u.ids, 1)], \
              'SE2321000115-DEMOP0001', 'Ämne ' || g, 'Meddelande nummer ' || g, '{{}}'::jsonb, \
              now() - g * interval '26 seconds', \
              now() - g * interval '26 seconds' + interval '2 days', \
              now() - g * interval '26 seconds' + interval '7 days' \
         FROM generate_series(1, {n}) AS g, u, p; \
         ANALYZE messages;"
    ))
    .expect("insert messages");
}

/// The SQL the API runs for one inbox page (`models::message::list`), without binds.
fn inbox_sql(unit: Uuid, before: Option<(OffsetDateTime, Uuid)>) -> String {
    message::list_sql(&MessageFilter {
        unit_id: unit,
        mailbox: Mailbox::Inbox,
        status: None,
        category: None,
        patient_id: None,
        overdue_at: None,
        before,
        limit: 51,
    })
}

/// Every (node type, relation, index) in a plan tree.
fn nodes(plan: &Value, out: &mut Vec<(String, String, String)>) {
    let s = |k: &str| plan[k].as_str().unwrap_or_default().to_string();
    out.push((s("Node Type"), s("Relation Name"), s("Index Name")));
    for child in plan["Plans"].as_array().into_iter().flatten() {
        nodes(child, out);
    }
}

/// Plans `sql` (prepared as `name`) with the given literal arguments in `mode`
/// (`force_custom_plan` or `force_generic_plan`); the plan's nodes.
fn plan_nodes(
    conn: &mut PgConnection,
    name: &str,
    sql: &str,
    args: &str,
    mode: &str,
) -> Vec<(String, String, String)> {
    conn.batch_execute(&format!(
        "DEALLOCATE ALL; SET plan_cache_mode = {mode}; PREPARE {name} AS {sql}"
    ))
    .expect("prepare");
    let plan: Plan = diesel::sql_query(format!("EXPLAIN (FORMAT JSON) EXECUTE {name}({args})"))
        .get_result(conn)
        .expect("explain");
    let mut out = Vec::new();
    nodes(&plan.plan[0]["Plan"], &mut out);
    out
}

#[track_caller]
fn assert_inbox_index(what: &str, found: &[(String, String, String)]) {
    assert!(
        found
            .iter()
            .any(|(node, _, index)| node == "Index Scan" && index == "messages_inbox_idx"),
        "{what}: no Index Scan on messages_inbox_idx: {found:?}"
    );
    assert!(
        !found
            .iter()
            .any(|(node, rel, _)| node.contains("Seq Scan") && rel == "messages"),
        "{what}: Seq Scan on messages: {found:?}"
    );
}

/// The literal arguments of `sql`'s placeholders, by what each is compared with.
fn overdue_args(sql: &str, unit: Uuid, now: OffsetDateTime) -> String {
    let mut args = Vec::new();
    let mut rest = sql;
    while let Some(i) = rest.find('$') {
        let before = rest[..i].trim_end();
        args.push(if before.ends_with("\"reply_due_by\" <") {
            lit(now)
        } else if before.ends_with("_unit_id\" =") {
            format!("'{unit}'::uuid")
        } else if before.ends_with("LIMIT") {
            "1".to_string()
        } else {
            panic!("unexpected placeholder after {before:?} in {sql}")
        });
        rest = &rest[i + 1..];
    }
    args.join(", ")
}

fn lit(t: OffsetDateTime) -> String {
    format!("'{}'::timestamptz", rfc3339(t))
}

#[actix_web::test]
async fn the_inbox_query_uses_its_index_with_100000_messages() {
    let app = TestApp::spawn().await;
    let mut conn = app.db.conn();
    let started = Instant::now();
    insert_messages(&mut conn, 100_000);
    println!("inserted 100,000 messages in {:?}", started.elapsed());
    let unit = app.unit_id(VC_HALMSTAD);
    let inbox_size: i64 = messages::table
        .filter(messages::recipient_unit_id.eq(unit))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert!(inbox_size > 5_000, "inbox of {inbox_size}");
    let deep: Key = diesel::sql_query(
        "SELECT sent_at, id FROM messages WHERE recipient_unit_id = $1 \
         ORDER BY sent_at DESC, id DESC OFFSET 5000 LIMIT 1",
    )
    .bind::<SqlUuid, _>(unit)
    .get_result(&mut conn)
    .unwrap();
    let first_sql = inbox_sql(unit, None);
    let deep_sql = inbox_sql(unit, Some((deep.sent_at, deep.id)));
    assert!(
        first_sql.contains("ORDER BY \"messages\".\"sent_at\" DESC"),
        "{first_sql}"
    );
    let first_args = format!("'{unit}', 51");
    let deep_args = format!(
        "'{unit}', {t}, {t}, '{id}', 51",
        t = lit(deep.sent_at),
        id = deep.id
    );

    for mode in ["force_custom_plan", "force_generic_plan"] {
        let first = plan_nodes(&mut conn, "inbox_first", &first_sql, &first_args, mode);
        assert_inbox_index(&format!("first page, {mode}"), &first);
        let after = plan_nodes(&mut conn, "inbox_deep", &deep_sql, &deep_args, mode);
        assert_inbox_index(&format!("deep page, {mode}"), &after);
    }

    // The summary's overdue counts: on the partial indexes of open messages, also when planned
    // once for the connection (the API's `plan_cache_mode`), never a scan of all messages.
    let overdue_sql = message::count_overdue_sql(unit, OffsetDateTime::now_utc());
    let overdue_args = overdue_args(&overdue_sql, unit, OffsetDateTime::now_utc());
    for mode in ["force_custom_plan", "force_generic_plan"] {
        let found = plan_nodes(&mut conn, "overdue", &overdue_sql, &overdue_args, mode);
        for index in ["messages_inbox_open_idx", "messages_outbox_open_idx"] {
            assert!(
                found
                    .iter()
                    .any(|(node, _, i)| node.contains("Index Scan") && i == index),
                "overdue counts, {mode}: no scan of {index}: {found:?}"
            );
        }
        assert!(
            !found
                .iter()
                .any(|(node, rel, _)| node.contains("Seq Scan") && rel == "messages"),
            "overdue counts, {mode}: Seq Scan on messages: {found:?}"
        );
    }

    conn.batch_execute("DEALLOCATE ALL; SET plan_cache_mode = auto")
        .unwrap();
    for (what, sql, args) in [
        ("first page", &first_sql, &first_args),
        ("deep page", &deep_sql, &deep_args),
    ] {
        conn.batch_execute(&format!("DEALLOCATE ALL; PREPARE q AS {sql}"))
            .unwrap();
        let analysed: Plan =
            diesel::sql_query(format!("EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE q({args})"))
                .get_result(&mut conn)
                .unwrap();
        println!(
            "EXPLAIN ANALYZE {what}: execution time {} ms",
            analysed.plan[0]["Execution Time"]
        );
    }
    let started = Instant::now();
    let page = app
        .get("/api/v1/messages?box=inbox", &vc_doctor())
        .await
        .assert_status(200);
    println!(
        "GET /api/v1/messages?box=inbox with {inbox_size} in the inbox: {:?}",
        started.elapsed()
    );
    assert_eq!(page["items"].as_array().unwrap().len(), 50);
    assert!(page["next_cursor"].is_string());
}
