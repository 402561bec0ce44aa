//! The change feed (`GET /api/v1/events`, role `integration`): one strictly increasing order of
//! events without free text, scoped to the token's `units`, long-polled, and complete under
//! concurrent writers whose commits finish out of order.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use serde_json::{json, Value};
use time::OffsetDateTime;
use uuid::Uuid;

use samverkan::models::event::{self, kind};
use samverkan::schema::{events, units};

use crate::helpers::{
    integration_token, recept_draft, Persona, TestApp, TestDb, HALMSTAD_KOMMUN, VARBERG_KOMMUN,
    VC_HALMSTAD, VC_VARBERG,
};

const TOLVAN: &str = "191212121212";
const TEST_TESTSSON: &str = "201701012393";

fn nurse() -> Persona {
    Persona::nurse(HALMSTAD_KOMMUN)
}

fn doctor() -> Persona {
    Persona::doctor(VC_HALMSTAD)
}

fn halmstad_feed() -> String {
    integration_token(&[HALMSTAD_KOMMUN, VC_HALMSTAD])
}

fn today() -> String {
    samverkan::domain::reply_window::to_stockholm(OffsetDateTime::now_utc())
        .date()
        .to_string()
}

fn id_of(v: &Value) -> String {
    v["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id: {v}"))
        .to_string()
}

/// Sends the standard recept about Tolvan to Vårdcentralen Halmstad; its id.
async fn send_recept(app: &TestApp) -> String {
    let body = recept_draft(app.patient_id(TOLVAN), app.unit_id(VC_HALMSTAD));
    id_of(
        &app.post("/api/v1/messages/recept", &nurse(), &body)
            .await
            .assert_status(201),
    )
}

/// One page of the feed.
async fn feed(app: &TestApp, token: &str, query: &str) -> Value {
    app.get_with_token(&format!("/api/v1/events?{query}"), token)
        .await
        .assert_status(200)
}

fn event_list(page: &Value) -> &Vec<Value> {
    page["events"]
        .as_array()
        .unwrap_or_else(|| panic!("no events in {page}"))
}

fn types(page: &Value) -> Vec<String> {
    event_list(page)
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_string())
        .collect()
}

fn seqs(page: &Value) -> Vec<i64> {
    event_list(page)
        .iter()
        .map(|e| e["seq"].as_i64().expect("seq"))
        .collect()
}

/// Asserts an event has exactly the documented keys, with units as `{id, hsa_id}`.
#[track_caller]
fn assert_event_shape(e: &Value) {
    let keys: HashSet<&str> = e.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        HashSet::from(["seq", "type", "at", "units", "message_id", "patient_id"]),
        "{e}"
    );
    for u in e["units"].as_array().expect("units") {
        let keys: HashSet<&str> = u.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, HashSet::from(["id", "hsa_id"]), "{e}");
    }
    OffsetDateTime::parse(
        e["at"].as_str().expect("at"),
        &time::format_description::well_known::Rfc3339,
    )
    .expect("`at` is RFC 3339");
}

fn units_of(app: &TestApp, hsa: &[&str]) -> Value {
    Value::Array(
        hsa.iter()
            .map(|h| json!({"id": app.unit_id(h).to_string(), "hsa_id": h}))
            .collect(),
    )
}

#[actix_web::test]
async fn only_the_integration_role_reads_the_feed() {
    let app = TestApp::spawn().await;
    for who in [
        nurse(),
        doctor(),
        Persona::auditor(HALMSTAD_KOMMUN),
        Persona::admin(),
    ] {
        app.get("/api/v1/events", &who)
            .await
            .assert_problem(403, "ROLE_REQUIRED");
    }
    let page = feed(&app, &halmstad_feed(), "").await;
    assert_eq!(page, json!({"events": [], "last_seq": 0}));
}

#[actix_web::test]
async fn a_token_whose_units_name_no_directory_unit_is_refused_with_no_feed_units() {
    let app = TestApp::spawn().await;
    send_recept(&app).await;
    for units in [
        vec![],
        vec!["SE2321000115-DEMONOSUCH"],
        vec!["SE2321000115-DEMONOSUCH", "SE9999999999-X"],
    ] {
        app.get_with_token("/api/v1/events", &integration_token(&units))
            .await
            .assert_problem(403, "NO_FEED_UNITS");
    }
    // The claim is matched like HSA-ids are: case-insensitively.
    let page = feed(
        &app,
        &integration_token(&[&HALMSTAD_KOMMUN.to_lowercase()]),
        "",
    )
    .await;
    assert_eq!(types(&page), ["message.created"]);
}

#[actix_web::test]
async fn a_message_read_replied_and_closed_produces_four_events_in_order_without_free_text() {
    let app = TestApp::spawn().await;
    let tolvan = app.patient_id(TOLVAN);
    let m = send_recept(&app).await;
    for _ in 0..2 {
        // The second acknowledgement changes nothing and emits nothing.
        app.post(&format!("/api/v1/messages/{m}/read"), &doctor(), &json!({}))
            .await
            .assert_status(200);
    }
    // Reading and exporting are no changes.
    app.get(&format!("/api/v1/messages/{m}"), &nurse())
        .await
        .assert_status(200);
    app.get(&format!("/api/v1/messages/{m}/fhir"), &doctor())
        .await
        .assert_status(200);
    let reply_text = "Förnyat i två månader, hälsningar doktorn.";
    app.post(
        &format!("/api/v1/messages/{m}/replies"),
        &doctor(),
        &json!({"body": reply_text, "outcome": "utfort"}),
    )
    .await
    .assert_status(201);
    app.post(&format!("/api/v1/messages/{m}/close"), &nurse(), &json!({}))
        .await
        .assert_status(200);

    let page = feed(&app, &halmstad_feed(), "after=0").await;

    assert_eq!(
        types(&page),
        [
            "message.created",
            "message.read",
            "message.replied",
            "message.closed"
        ]
    );
    let seqs = seqs(&page);
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    assert_eq!(page["last_seq"], seqs[3]);
    for e in event_list(&page) {
        assert_event_shape(e);
        assert_eq!(
            e["units"],
            units_of(&app, &[HALMSTAD_KOMMUN, VC_HALMSTAD]),
            "{e}"
        );
        assert_eq!(e["message_id"], m);
        assert_eq!(e["patient_id"], tolvan.to_string());
    }
    let text = page.to_string();
    for secret in [
        "Enalapril",
        "Receptförnyelse",
        "tabletter",
        reply_text,
        TOLVAN,
        "Tolvan",
        "Kerstin",
    ] {
        assert!(!text.contains(secret), "the feed leaks {secret:?}: {text}");
    }
}

#[actix_web::test]
async fn a_cancellation_produces_message_cancelled() {
    let app = TestApp::spawn().await;
    let m = send_recept(&app).await;
    app.post(
        &format!("/api/v1/messages/{m}/cancel"),
        &nurse(),
        &json!({"reason": "other", "comment": "Fel dos angiven, skickar nytt."}),
    )
    .await
    .assert_status(200);

    // A refused cancellation (after the recipient read it) emits nothing.
    let read_first = send_recept(&app).await;
    app.post(
        &format!("/api/v1/messages/{read_first}/read"),
        &doctor(),
        &json!({}),
    )
    .await
    .assert_status(200);
    app.post(
        &format!("/api/v1/messages/{read_first}/cancel"),
        &nurse(),
        &json!({"reason": "wrong_patient"}),
    )
    .await
    .assert_problem(409, "INVALID_TRANSITION");

    let page = feed(&app, &halmstad_feed(), "").await;

    assert_eq!(
        types(&page),
        [
            "message.created",
            "message.cancelled",
            "message.created",
            "message.read"
        ]
    );
    let cancelled = &event_list(&page)[1];
    assert_event_shape(cancelled);
    assert_eq!(cancelled["message_id"], m);
    assert_eq!(
        cancelled["units"],
        units_of(&app, &[HALMSTAD_KOMMUN, VC_HALMSTAD])
    );
    assert!(
        !page.to_string().contains("Fel dos"),
        "no free text: {page}"
    );
}

/// Looks Test Testsson up as `unit`'s nurse, enrolls them in its municipality today and ends
/// the enrollment today; the enrollment id.
async fn enroll_and_end(app: &TestApp, unit: &'static str) -> String {
    let patient = app.patient_id(TEST_TESTSSON);
    let who = Persona::nurse(unit);
    // Found by number first: that takes the patient into the unit's care.
    app.post(
        "/api/v1/patients/lookup",
        &who,
        &json!({"personal_identity_number": "20170101-2393"}),
    )
    .await
    .assert_status(200);
    let enrollment = app
        .post(
            &format!("/api/v1/patients/{patient}/enrollments"),
            &who,
            &json!({"start_date": today()}),
        )
        .await
        .assert_status(201);
    let eid = id_of(&enrollment);
    app.post(
        &format!("/api/v1/patients/{patient}/enrollments/{eid}/end"),
        &who,
        &json!({"end_date": today()}),
    )
    .await
    .assert_status(200);
    eid
}

#[actix_web::test]
async fn an_enrollment_start_and_end_produce_enrollment_started_and_ended() {
    let app = TestApp::spawn().await;
    let testsson = app.patient_id(TEST_TESTSSON);
    enroll_and_end(&app, HALMSTAD_KOMMUN).await;

    let page = feed(&app, &integration_token(&[HALMSTAD_KOMMUN]), "").await;

    assert_eq!(types(&page), ["enrollment.started", "enrollment.ended"]);
    let halmstad =
        json!({"id": app.unit_id(HALMSTAD_KOMMUN).to_string(), "hsa_id": HALMSTAD_KOMMUN});
    for e in event_list(&page) {
        assert_event_shape(e);
        assert_eq!(e["message_id"], Value::Null);
        assert_eq!(e["patient_id"], testsson.to_string());
        let units = e["units"].as_array().unwrap();
        assert!(units.contains(&halmstad), "{e}");
        assert!(units.iter().all(|u| *u == halmstad), "{e}");
    }
    assert_eq!(event_list(&page)[0]["units"], json!([halmstad]));
}

#[actix_web::test]
async fn an_enrollment_end_names_each_unit_once() {
    let app = TestApp::spawn().await;
    enroll_and_end(&app, HALMSTAD_KOMMUN).await;

    let page = feed(&app, &integration_token(&[HALMSTAD_KOMMUN]), "").await;

    let ended = &event_list(&page)[1];
    assert_eq!(ended["type"], "enrollment.ended");
    assert_eq!(
        ended["units"],
        units_of(&app, &[HALMSTAD_KOMMUN]),
        "{ended}"
    );
}

#[actix_web::test]
async fn a_reader_sees_only_events_of_the_units_in_its_token() {
    let app = TestApp::spawn().await;
    let m = send_recept(&app).await;
    enroll_and_end(&app, VARBERG_KOMMUN).await;

    let varberg = feed(&app, &integration_token(&[VARBERG_KOMMUN, VC_VARBERG]), "").await;
    let halmstad = feed(&app, &integration_token(&[HALMSTAD_KOMMUN]), "").await;
    let vc = feed(&app, &integration_token(&[VC_HALMSTAD]), "").await;
    let both = feed(&app, &integration_token(&[VC_HALMSTAD, VARBERG_KOMMUN]), "").await;

    assert_eq!(types(&varberg), ["enrollment.started", "enrollment.ended"]);
    assert!(
        !varberg.to_string().contains(&m),
        "Varberg's reader sees Halmstad's message: {varberg}"
    );
    assert_eq!(types(&halmstad), ["message.created"]);
    assert_eq!(types(&vc), ["message.created"]);
    assert_eq!(
        types(&both),
        ["message.created", "enrollment.started", "enrollment.ended"]
    );
    assert!(seqs(&both).windows(2).all(|w| w[0] < w[1]));
}

#[actix_web::test]
async fn after_the_last_seq_there_is_nothing_new_and_limit_is_respected() {
    let app = TestApp::spawn().await;
    let token = halmstad_feed();
    for _ in 0..3 {
        let m = send_recept(&app).await;
        app.post(&format!("/api/v1/messages/{m}/read"), &doctor(), &json!({}))
            .await
            .assert_status(200);
    }
    let all = feed(&app, &token, "limit=1000").await;
    assert_eq!(event_list(&all).len(), 6);
    let last = all["last_seq"].as_i64().unwrap();

    let mut paged = Vec::new();
    let mut after = 0;
    let mut sizes = Vec::new();
    loop {
        let page = feed(&app, &token, &format!("after={after}&limit=4")).await;
        let n = event_list(&page).len();
        sizes.push(n);
        if n == 0 {
            assert_eq!(page["last_seq"], after, "an empty page keeps the cursor");
            break;
        }
        paged.extend(event_list(&page).iter().cloned());
        after = page["last_seq"].as_i64().unwrap();
    }

    assert_eq!(sizes, [4, 2, 0]);
    assert_eq!(Value::Array(paged), all["events"]);
    let nothing = feed(&app, &token, &format!("after={last}")).await;
    assert_eq!(nothing, json!({"events": [], "last_seq": last}));
    let one = feed(&app, &token, "limit=1").await;
    assert_eq!(event_list(&one).len(), 1);
    assert_eq!(one["last_seq"], one["events"][0]["seq"]);
}

#[actix_web::test]
async fn out_of_range_after_limit_and_wait_are_400() {
    let app = TestApp::spawn().await;
    for query in ["after=-1", "limit=0", "limit=1001", "wait=31"] {
        app.get_with_token(&format!("/api/v1/events?{query}"), &halmstad_feed())
            .await
            .assert_problem(400, "INVALID_QUERY");
    }
}

#[actix_web::test]
async fn waiting_with_nothing_new_answers_empty_after_about_the_wait() {
    let app = TestApp::spawn().await;
    send_recept(&app).await;
    let token = halmstad_feed();
    let last = feed(&app, &token, "").await["last_seq"].as_i64().unwrap();

    let started = Instant::now();
    let page = feed(&app, &token, &format!("after={last}&wait=1")).await;
    let took = started.elapsed();

    assert_eq!(page, json!({"events": [], "last_seq": last}));
    assert!(
        took >= Duration::from_millis(950) && took < Duration::from_secs(3),
        "took {took:?}"
    );
}

#[actix_web::test]
async fn a_long_poll_answers_as_soon_as_an_event_arrives() {
    let app = TestApp::spawn().await;
    let token = halmstad_feed();
    let last = feed(&app, &token, "").await["last_seq"].as_i64().unwrap();

    let started = Instant::now();
    let poll = async {
        let res = app
            .get_with_token(&format!("/api/v1/events?after={last}&wait=10"), &token)
            .await;
        (res, started.elapsed())
    };
    let write = async {
        actix_web::rt::time::sleep(Duration::from_millis(300)).await;
        send_recept(&app).await
    };
    let ((res, took), m) = futures_util::future::join(poll, write).await;

    let page = res.assert_status(200);
    assert_eq!(types(&page), ["message.created"], "{page}");
    assert_eq!(page["events"][0]["message_id"], m);
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_secs(3),
        "the long poll answered after {took:?}"
    );
}

// ---- The numbering under concurrent writers (model layer, real threads) ------------------------

/// A tiny deterministic PRNG (xorshift64).
struct XorShift(u64);

impl XorShift {
    fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

fn demo_unit_ids(conn: &mut PgConnection, hsa: &[&str]) -> Vec<Uuid> {
    hsa.iter()
        .map(|h| {
            units::table
                .filter(units::hsa_id_norm.eq(h.to_uppercase()))
                .select(units::id)
                .first(conn)
                .expect("demo unit")
        })
        .collect()
}

/// One reader exactly as `routes/events.rs` reads: number what has committed, then read
/// after its own cursor; `(seq, id, tag)` of every event seen.
fn read_new(
    conn: &mut PgConnection,
    cursor: &mut i64,
    units: &[Uuid],
    seen: &mut Vec<(i64, i64, Uuid)>,
) -> usize {
    event::number_pending(conn).expect("number pending");
    let rows = event::after(conn, *cursor, units, 100).expect("read after");
    for r in &rows {
        let seq = r.seq.expect("a read event is numbered");
        seen.push((seq, r.id, r.message_id.expect("tagged event")));
        *cursor = seq;
    }
    rows.len()
}

const WRITERS: usize = 8;
const EVENTS_PER_WRITER: usize = 50;
const READERS: usize = 2;
const ROUNDS: u64 = 20;

#[test]
fn sequence_values_commit_out_of_order_under_concurrent_writers_yet_every_reader_sees_each_event_once_in_order(
) {
    let db = TestDb::new();
    let mut control = db.conn();
    let units = demo_unit_ids(&mut control, &[HALMSTAD_KOMMUN, VC_HALMSTAD]);
    let mut writer_conns: Vec<PgConnection> = (0..WRITERS).map(|_| db.conn()).collect();
    let mut reader_conns: Vec<PgConnection> = (0..READERS).map(|_| db.conn()).collect();
    let mut inversions = 0usize;
    let started = Instant::now();

    for round in 0..ROUNDS {
        event::number_pending(&mut control).expect("number");
        let start: i64 = events::table
            .select(diesel::dsl::max(events::seq))
            .first::<Option<i64>>(&mut control)
            .expect("max seq")
            .unwrap_or(0);
        let done = AtomicBool::new(false);
        let units = &units;
        let (written, seen) = std::thread::scope(|s| {
            let writers: Vec<_> = writer_conns
                .iter_mut()
                .enumerate()
                .map(|(w, conn)| {
                    s.spawn(move || {
                        let mut rng = XorShift::new(round * 1000 + w as u64 + 1);
                        let mut tags = Vec::with_capacity(EVENTS_PER_WRITER);
                        for _ in 0..EVENTS_PER_WRITER {
                            let tag = Uuid::new_v4();
                            let pause = Duration::from_millis(rng.next() % 21);
                            conn.transaction(|c| {
                                event::emit(
                                    c,
                                    kind::MESSAGE_CREATED,
                                    OffsetDateTime::now_utc(),
                                    units,
                                    Some(tag),
                                    None,
                                )?;
                                std::thread::sleep(pause);
                                Ok::<_, diesel::result::Error>(())
                            })
                            .expect("writer transaction");
                            tags.push(tag);
                        }
                        tags
                    })
                })
                .collect();
            let readers: Vec<_> = reader_conns
                .iter_mut()
                .map(|conn| {
                    let done = &done;
                    s.spawn(move || {
                        let mut cursor = start;
                        let mut seen = Vec::new();
                        loop {
                            // Read the flag first: a pass that starts after the writers
                            // finished drains everything they committed.
                            let finished = done.load(Ordering::SeqCst);
                            while read_new(conn, &mut cursor, units, &mut seen) > 0 {}
                            if finished {
                                break;
                            }
                            std::thread::sleep(Duration::from_millis(2));
                        }
                        seen
                    })
                })
                .collect();
            let written: Vec<Uuid> = writers
                .into_iter()
                .flat_map(|h| h.join().expect("writer thread"))
                .collect();
            done.store(true, Ordering::SeqCst);
            let seen: Vec<Vec<(i64, i64, Uuid)>> = readers
                .into_iter()
                .map(|h| h.join().expect("reader thread"))
                .collect();
            (written, seen)
        });

        assert_eq!(written.len(), WRITERS * EVENTS_PER_WRITER);
        let written: HashSet<Uuid> = written.into_iter().collect();
        for (r, seen) in seen.iter().enumerate() {
            let seqs: Vec<i64> = seen.iter().map(|s| s.0).collect();
            assert!(
                seqs.windows(2).all(|w| w[0] < w[1]) && seqs.first().is_none_or(|s| *s > start),
                "round {round}, reader {r}: seq not strictly increasing"
            );
            let mut times: HashMap<Uuid, usize> = HashMap::new();
            for (_, _, tag) in seen {
                *times.entry(*tag).or_default() += 1;
            }
            let missed = written.iter().filter(|t| !times.contains_key(t)).count();
            let twice = times.values().filter(|n| **n > 1).count();
            let foreign = times.keys().filter(|t| !written.contains(t)).count();
            assert_eq!(
                (missed, twice, foreign, seen.len()),
                (0, 0, 0, WRITERS * EVENTS_PER_WRITER),
                "round {round}, reader {r}: missed, seen twice, foreign, total"
            );
            // Insertion order (id) against feed order (seq): every inversion is an event
            // whose transaction committed after one inserted later.
            inversions += seen.windows(2).filter(|w| w[0].1 > w[1].1).count();
        }
        assert_eq!(
            seen[0], seen[1],
            "round {round}: both readers saw one order"
        );
    }

    assert!(
        inversions > 0,
        "the writers never committed out of order; the test proved nothing"
    );
    eprintln!(
        "{ROUNDS} rounds of {WRITERS}x{EVENTS_PER_WRITER} events with {READERS} readers: {:?}, {inversions} out-of-order commits seen",
        started.elapsed()
    );
}

#[test]
fn a_reader_paging_by_insertion_order_would_miss_a_late_commit_that_the_seq_numbering_delivers() {
    let db = TestDb::new();
    let mut slow = db.conn();
    let mut fast = db.conn();
    let mut reader = db.conn();
    let units = demo_unit_ids(&mut reader, &[HALMSTAD_KOMMUN, VC_HALMSTAD]);
    let (slow_tag, fast_tag) = (Uuid::new_v4(), Uuid::new_v4());
    let emit = |conn: &mut PgConnection, tag: Uuid| {
        event::emit(
            conn,
            kind::MESSAGE_CREATED,
            OffsetDateTime::now_utc(),
            &units,
            Some(tag),
            None,
        )
        .expect("emit")
    };
    // A naive reader: events by insertion id, cursor = the last id seen.
    let naive = |conn: &mut PgConnection, after_id: i64| -> Vec<(i64, Uuid)> {
        events::table
            .filter(events::id.gt(after_id))
            .order(events::id.asc())
            .select((events::id, events::message_id))
            .load::<(i64, Option<Uuid>)>(conn)
            .expect("naive read")
            .into_iter()
            .map(|(id, tag)| (id, tag.unwrap()))
            .collect()
    };

    // The slow writer inserts first (the lower id) but has not committed yet …
    slow.batch_execute("BEGIN").unwrap();
    emit(&mut slow, slow_tag);
    // … when the fast writer inserts and commits.
    emit(&mut fast, fast_tag);

    let naive_first = naive(&mut reader, 0);
    let (mut cursor, mut seen) = (0, Vec::new());
    read_new(&mut reader, &mut cursor, &units, &mut seen);
    assert_eq!(
        naive_first.iter().map(|e| e.1).collect::<Vec<_>>(),
        [fast_tag]
    );
    assert_eq!(seen.iter().map(|e| e.2).collect::<Vec<_>>(), [fast_tag]);

    slow.batch_execute("COMMIT").unwrap();

    let slow_id: i64 = events::table
        .filter(events::message_id.eq(slow_tag))
        .select(events::id)
        .first(&mut reader)
        .unwrap();
    assert!(
        slow_id < naive_first[0].0,
        "the slow event has the lower id"
    );
    let naive_second = naive(&mut reader, naive_first[0].0);
    assert!(
        naive_second.is_empty(),
        "paging by id skips the late commit for ever: {naive_second:?}"
    );
    read_new(&mut reader, &mut cursor, &units, &mut seen);
    assert_eq!(
        seen.iter().map(|e| e.2).collect::<Vec<_>>(),
        [fast_tag, slow_tag],
        "the seq numbering delivers it"
    );
    assert!(seen[0].0 < seen[1].0);
}
