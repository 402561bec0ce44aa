//! Mailboxes: `GET /api/v1/messages?box=inbox|outbox` with filters on status, category,
//! patient and overdue, keyset paginated newest first; and the summary counts behind the
//! unread badge.

use std::collections::HashSet;

use diesel::prelude::*;
use serde_json::{json, Value};

use super::*;
use crate::helpers::{HALMSTAD_KOMMUN, VC_HALMSTAD};

/// Moves a message's sending time and window a month back, so it is past its due time.
fn make_overdue(app: &TestApp, id: &str) {
    let id: uuid::Uuid = id.parse().unwrap();
    let n = diesel::sql_query(
        "UPDATE messages SET sent_at = now() - interval '30 days', \
         reply_expected_from = now() - interval '28 days', \
         reply_due_by = now() - interval '20 days' WHERE id = $1",
    )
    .bind::<diesel::sql_types::Uuid, _>(id)
    .execute(&mut app.db.conn())
    .unwrap();
    assert_eq!(n, 1);
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items: {page}"))
        .iter()
        .map(id_of)
        .collect()
}

async fn list(app: &TestApp, who: &Persona, query: &str) -> Value {
    app.get(&format!("/api/v1/messages?{query}"), who)
        .await
        .assert_status(200)
}

async fn mark(app: &TestApp, id: &str, what: &str, who: &Persona, body: Value) {
    let res = app
        .post(&format!("/api/v1/messages/{id}/{what}"), who, &body)
        .await;
    assert!(res.status.is_success(), "{what}: {res:?}");
}

#[actix_web::test]
async fn the_box_parameter_is_required_and_checked() {
    let app = TestApp::spawn().await;
    for query in ["", "?status=sent", "?box=trash"] {
        app.get(&format!("/api/v1/messages{query}"), &kommun_nurse())
            .await
            .assert_problem(400, "INVALID_QUERY");
    }
}

#[actix_web::test]
async fn the_inbox_shows_received_and_the_outbox_sent_messages() {
    let app = TestApp::spawn().await;
    let to_vc = id_of(&sent_recept(&app).await);
    let body = uppfoljning_request_body(app.patient_id(TOLVAN), app.unit_id(HALMSTAD_KOMMUN));
    let to_kommun = id_of(
        &send(&app, "uppfoljning", &vc_doctor(), &body)
            .await
            .assert_status(201),
    );

    assert_eq!(
        ids(&list(&app, &kommun_nurse(), "box=inbox").await),
        [to_kommun.as_str()]
    );
    assert_eq!(
        ids(&list(&app, &kommun_nurse(), "box=outbox").await),
        [to_vc.as_str()]
    );
    assert_eq!(ids(&list(&app, &vc_doctor(), "box=inbox").await), [to_vc]);
    let outbox = list(&app, &vc_doctor(), "box=outbox").await;
    assert_eq!(ids(&outbox), [to_kommun]);
    assert!(outbox["next_cursor"].is_null());
}

#[actix_web::test]
async fn filters_on_status_category_patient_and_overdue_narrow_the_box() {
    let app = TestApp::spawn().await;
    let vc = app.unit_id(VC_HALMSTAD);
    let tolvan = app.patient_id(TOLVAN);
    let samordnad = app.take_up(&kommun_nurse(), SAMORDNAD).await;
    app.post(
        &format!("/api/v1/patients/{samordnad}/enrollments"),
        &kommun_nurse(),
        &json!({"start_date": today().to_string()}),
    )
    .await
    .assert_status(201);
    let recept = id_of(&sent_recept(&app).await);
    let prov = id_of(
        &send(
            &app,
            "provtagning",
            &kommun_nurse(),
            &provtagning_body(tolvan, vc),
        )
        .await
        .assert_status(201),
    );
    mark(&app, &prov, "read", &vc_doctor(), json!({})).await;
    let about_samordnad = id_of(
        &send(
            &app,
            "bokning",
            &kommun_nurse(),
            &bokning_body(samordnad, vc),
        )
        .await
        .assert_status(201),
    );
    let overdue = id_of(&sent_recept(&app).await);
    make_overdue(&app, &overdue);
    let answered_late = id_of(&sent_recept(&app).await);
    make_overdue(&app, &answered_late);
    mark(
        &app,
        &answered_late,
        "replies",
        &vc_doctor(),
        json!({"body": "Klart."}),
    )
    .await;

    let doctor = vc_doctor();
    assert_eq!(
        ids(&list(&app, &doctor, "box=inbox&status=read").await),
        [prov.as_str()]
    );
    assert_eq!(
        ids(&list(&app, &doctor, "box=inbox&category=provtagning").await),
        [prov]
    );
    assert_eq!(
        ids(&list(&app, &doctor, &format!("box=inbox&patient_id={samordnad}")).await),
        [about_samordnad]
    );
    let late = list(&app, &doctor, "box=inbox&overdue=true").await;
    assert_eq!(ids(&late), [overdue.as_str()]);
    assert_eq!(late["items"][0]["overdue"], true);
    let kommun_late = list(&app, &kommun_nurse(), "box=outbox&overdue=true").await;
    assert_eq!(ids(&kommun_late), [overdue]);
    let all = list(&app, &doctor, "box=inbox&category=recept").await;
    assert_eq!(ids(&all).len(), 3);
    let recept_item = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| id_of(m) == recept)
        .unwrap();
    assert_eq!(recept_item["overdue"], false);
    let answered_item = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| id_of(m) == answered_late)
        .unwrap();
    assert_eq!(
        answered_item["overdue"], false,
        "an answered message is not overdue"
    );
}

/// Pages through the doctor's inbox with `limit`, collecting ids and page sizes.
async fn all_pages(app: &TestApp, limit: usize) -> (Vec<String>, Vec<usize>, Vec<Value>) {
    let (mut seen, mut sizes, mut items) = (Vec::new(), Vec::new(), Vec::new());
    let mut cursor: Option<String> = None;
    loop {
        let query = match &cursor {
            None => format!("box=inbox&limit={limit}"),
            Some(c) => format!("box=inbox&limit={limit}&cursor={c}"),
        };
        let page = list(app, &vc_doctor(), &query).await;
        sizes.push(page["items"].as_array().unwrap().len());
        seen.extend(ids(&page));
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
        assert!(sizes.len() < 10, "pagination does not end");
    }
    (seen, sizes, items)
}

#[actix_web::test]
async fn keyset_pages_return_every_message_exactly_once_newest_first() {
    let app = TestApp::spawn().await;
    let mut created = Vec::new();
    for _ in 0..7 {
        created.push(id_of(&sent_recept(&app).await));
    }

    let (seen, sizes, items) = all_pages(&app, 3).await;

    assert_eq!(sizes, [3, 3, 1]);
    created.reverse();
    assert_eq!(seen, created, "newest first, each once");
    let times: Vec<_> = items.iter().map(|m| instant(&m["sent_at"])).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "{times:?}");
}

#[actix_web::test]
async fn keyset_pages_break_ties_of_the_same_sending_time_by_id() {
    let app = TestApp::spawn().await;
    let mut created = HashSet::new();
    for _ in 0..7 {
        created.insert(id_of(&sent_recept(&app).await));
    }
    diesel::sql_query("UPDATE messages SET sent_at = date_trunc('second', now())")
        .execute(&mut app.db.conn())
        .unwrap();

    let (seen, sizes, _) = all_pages(&app, 3).await;

    assert_eq!(sizes, [3, 3, 1]);
    assert_eq!(seen.iter().cloned().collect::<HashSet<_>>(), created);
    assert_eq!(seen.len(), 7, "no message twice: {seen:?}");
    let mut by_id_desc = seen.clone();
    by_id_desc.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, by_id_desc);
}

#[actix_web::test]
async fn a_page_size_outside_1_to_200_is_400() {
    let app = TestApp::spawn().await;
    for limit in [0, 201] {
        app.get(
            &format!("/api/v1/messages?box=inbox&limit={limit}"),
            &vc_doctor(),
        )
        .await
        .assert_problem(400, "INVALID_QUERY");
    }
    app.get("/api/v1/messages?box=inbox&limit=200", &vc_doctor())
        .await
        .assert_status(200);
}

#[actix_web::test]
async fn a_cursor_the_api_did_not_make_is_400() {
    let app = TestApp::spawn().await;
    use base64::Engine;
    let out_of_range = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(r#"[99999999999999999999999999,"0190a000-0000-7000-8000-000000000000"]"#);
    for cursor in ["not-a-cursor!", "eyJhIjoxfQ", "WzEsMl0", &out_of_range] {
        app.get(
            &format!("/api/v1/messages?box=inbox&cursor={cursor}"),
            &vc_doctor(),
        )
        .await
        .assert_problem(400, "INVALID_CURSOR");
    }
}

#[actix_web::test]
async fn the_summary_counts_each_status_unread_and_overdue_for_both_boxes() {
    let app = TestApp::spawn().await;
    let doctor = vc_doctor();
    let mut sent = Vec::new();
    for _ in 0..6 {
        sent.push(id_of(&sent_recept(&app).await));
    }
    mark(&app, &sent[1], "read", &doctor, json!({})).await;
    mark(
        &app,
        &sent[2],
        "replies",
        &doctor,
        json!({"body": "Klart."}),
    )
    .await;
    mark(
        &app,
        &sent[3],
        "replies",
        &doctor,
        json!({"body": "Klart."}),
    )
    .await;
    mark(&app, &sent[3], "close", &doctor, json!({})).await;
    mark(
        &app,
        &sent[4],
        "cancel",
        &kommun_nurse(),
        json!({"reason": "wrong_patient"}),
    )
    .await;
    make_overdue(&app, &sent[5]);
    let body = uppfoljning_request_body(app.patient_id(TOLVAN), app.unit_id(HALMSTAD_KOMMUN));
    send(&app, "uppfoljning", &doctor, &body)
        .await
        .assert_status(201);

    let kommun = app
        .get("/api/v1/messages/summary", &kommun_nurse())
        .await
        .assert_status(200);
    let vc = app
        .get("/api/v1/messages/summary", &doctor)
        .await
        .assert_status(200);

    let six = json!({"sent": 2, "read": 1, "answered": 1, "closed": 1, "cancelled": 1,
                     "unread": 2, "overdue": 1, "total": 6});
    let one = json!({"sent": 1, "read": 0, "answered": 0, "closed": 0, "cancelled": 0,
                     "unread": 1, "overdue": 0, "total": 1});
    assert_eq!(kommun["unit_id"], app.unit_id(HALMSTAD_KOMMUN).to_string());
    assert_eq!(kommun["outbox"], six);
    assert_eq!(kommun["inbox"], one);
    assert_eq!(vc["unit_id"], app.unit_id(VC_HALMSTAD).to_string());
    assert_eq!(vc["inbox"], six);
    assert_eq!(vc["outbox"], one);
}
