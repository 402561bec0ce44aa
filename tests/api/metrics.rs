//! `GET /metrics`: Prometheus text after a few requests — the names and labels the operations
//! team relies on, the route template of the route that actually answered, and no id of any
//! kind in any label value.
//!
//! The recorder is one per process (src/instrument.rs) and the tests run in parallel, so the
//! assertions are about series being there and counters growing by at least what a test did.

use std::collections::BTreeMap;

use actix_web::http::Method;
use serde_json::json;

use crate::helpers::*;
use crate::messages::{kommun_nurse, recept_body, TOLVAN};

/// One sample: name, labels, value.
#[derive(Debug, Clone)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// Parses the text format (the subset the exporter writes: no escapes beyond `\"` and `\\`).
fn parse(text: &str) -> Vec<Sample> {
    let mut out = Vec::new();
    for line in text.lines() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (series, value) = line.rsplit_once(' ').expect("a sample line has a value");
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            v => v
                .parse()
                .unwrap_or_else(|_| panic!("not a number in {line:?}")),
        };
        let (name, labels) = match series.split_once('{') {
            None => (series.to_string(), BTreeMap::new()),
            Some((name, rest)) => {
                let body = rest.strip_suffix('}').expect("labels end with }");
                let mut labels = BTreeMap::new();
                let mut chars = body.chars().peekable();
                while chars.peek().is_some() {
                    let key: String = chars.by_ref().take_while(|c| *c != '=').collect();
                    assert_eq!(chars.next(), Some('"'), "label value quoted in {line:?}");
                    let mut value = String::new();
                    while let Some(c) = chars.next() {
                        match c {
                            '\\' => value.push(chars.next().unwrap()),
                            '"' => break,
                            c => value.push(c),
                        }
                    }
                    if chars.peek() == Some(&',') {
                        chars.next();
                    }
                    labels.insert(key, value);
                }
                (name.to_string(), labels)
            }
        };
        out.push(Sample {
            name,
            labels,
            value,
        });
    }
    out
}

async fn scrape(app: &TestApp) -> Vec<Sample> {
    let res = app
        .send(TestApp::request(Method::GET, "/metrics", None))
        .await;
    assert_eq!(res.status.as_u16(), 200);
    let ct = res.header("content-type").unwrap();
    assert!(ct.starts_with("text/plain; version=0.0.4"), "{ct}");
    parse(std::str::from_utf8(&res.body).unwrap())
}

/// The value of the series `name` whose labels include `want` (0 when absent).
fn value(samples: &[Sample], name: &str, want: &[(&str, &str)]) -> f64 {
    samples
        .iter()
        .filter(|s| s.name == name)
        .filter(|s| {
            want.iter()
                .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|s| s.value)
        .sum()
}

fn has(samples: &[Sample], name: &str, want: &[(&str, &str)]) -> bool {
    samples.iter().any(|s| {
        s.name == name
            && want
                .iter()
                .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
    })
}

/// Whether a label value looks like an id we must never expose: a UUID, an HSA-id, or a
/// personnummer/samordningsnummer (10 or 12 digits, with or without the separator).
fn looks_like_an_id(v: &str) -> bool {
    let is_uuid = v.len() == 36
        && v.chars().enumerate().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        });
    let is_hsa =
        v.starts_with("SE") && v.contains('-') && v[2..].starts_with(|c: char| c.is_ascii_digit());
    let digits: String = v.chars().filter(|c| c.is_ascii_digit()).collect();
    let only_number = v
        .chars()
        .all(|c| c.is_ascii_digit() || c == '-' || c == '+');
    let is_personnummer = only_number && (digits.len() == 10 || digits.len() == 12);
    is_uuid || is_hsa || is_personnummer
}

#[test]
fn the_id_detector_knows_the_shapes_it_guards_against() {
    assert!(looks_like_an_id("0b9e4a8c-8c1e-4c55-9a3f-5a2b6c7d8e9f"));
    assert!(looks_like_an_id("SE2321000115-DEMOP0001"));
    assert!(looks_like_an_id("19121212-1212"));
    assert!(looks_like_an_id("191212121212"));
    assert!(!looks_like_an_id("/api/v1/messages/{id}"));
    assert!(!looks_like_an_id("201"));
    assert!(!looks_like_an_id("0.005"));
    assert!(!looks_like_an_id("AKUT"));
}

#[actix_web::test]
async fn a_scrape_after_a_few_requests_has_every_family_with_route_templates_and_no_ids() {
    let app = TestApp::spawn().await;
    let before = scrape(&app).await;
    let route = "/api/v1/messages/recept";
    let created_before = value(
        &before,
        "samverkan_http_requests_total",
        &[("method", "POST"), ("route", route), ("status", "201")],
    );
    let akut_before = value(
        &before,
        "samverkan_rule_refusals_total",
        &[("rule", "AKUT"), ("operation", "create")],
    );
    let logged_before = value(
        &before,
        "samverkan_access_log_entries_total",
        &[("outcome", "ok")],
    );

    let body = recept_body(app.patient_id(TOLVAN), app.unit_id(VC_HALMSTAD));
    let msg = app
        .post(route, &kommun_nurse(), &body)
        .await
        .assert_status(201);
    let id = msg["id"].as_str().unwrap();
    app.get(&format!("/api/v1/messages/{id}"), &kommun_nurse())
        .await
        .assert_status(200);
    let mut urgent = body.clone();
    urgent["body"] = json!("Behöver förnyas snarast.");
    app.post(route, &kommun_nurse(), &urgent)
        .await
        .assert_problem(422, "ROUTINE_VIOLATION");
    app.get("/api/v1/no-such-route", &kommun_nurse())
        .await
        .assert_problem(404, "NOT_FOUND");

    let after = scrape(&app).await;
    // Counted under the route that answered, not the first pattern the path matches.
    assert!(
        value(
            &after,
            "samverkan_http_requests_total",
            &[("method", "POST"), ("route", route), ("status", "201")]
        ) >= created_before + 1.0
    );
    assert!(!has(
        &after,
        "samverkan_http_requests_total",
        &[("method", "POST"), ("route", "/api/v1/messages/{id}")]
    ));
    assert!(has(
        &after,
        "samverkan_http_requests_total",
        &[
            ("method", "GET"),
            ("route", "/api/v1/messages/{id}"),
            ("status", "200")
        ]
    ));
    assert!(has(
        &after,
        "samverkan_http_requests_total",
        &[("route", "unmatched"), ("status", "404")]
    ));
    for suffix in ["_bucket", "_sum", "_count"] {
        assert!(
            has(
                &after,
                &format!("samverkan_http_request_duration_seconds{suffix}"),
                &[("method", "POST"), ("route", route)]
            ),
            "duration{suffix}"
        );
    }
    assert!(has(
        &after,
        "samverkan_http_request_duration_seconds_bucket",
        &[("route", route), ("le", "0.025")]
    ));
    assert!(
        value(
            &after,
            "samverkan_rule_refusals_total",
            &[("rule", "AKUT"), ("operation", "create")]
        ) >= akut_before + 1.0
    );
    // The create and the read each wrote an entry.
    assert!(
        value(
            &after,
            "samverkan_access_log_entries_total",
            &[("outcome", "ok")]
        ) >= logged_before + 2.0
    );
    assert!(has(
        &after,
        "samverkan_access_log_write_failures_total",
        &[]
    ));

    // The pool, the feed, the queue, the open waits, the build.
    for state in ["in_use", "idle"] {
        assert!(has(
            &after,
            "samverkan_db_pool_connections",
            &[("state", state)]
        ));
    }
    assert!(value(&after, "samverkan_db_pool_max_connections", &[]) >= 1.0);
    assert!(has(&after, "samverkan_db_pool_waiting", &[]));
    assert!(value(&after, "samverkan_db_pool_wait_seconds_count", &[]) >= 3.0);
    assert_eq!(value(&after, "samverkan_database_up", &[]), 1.0);
    assert!(value(&after, "samverkan_feed_head_seq", &[]) >= 1.0);
    assert!(has(&after, "samverkan_webhook_queue_depth", &[]));
    assert!(has(&after, "samverkan_webhook_oldest_due_age_seconds", &[]));
    for outcome in ["succeeded", "retry", "failed"] {
        assert!(has(
            &after,
            "samverkan_webhook_attempts_total",
            &[("outcome", outcome)]
        ));
    }
    assert!(has(&after, "samverkan_open_long_polls", &[]));
    assert!(has(&after, "samverkan_open_streams", &[]));
    assert!(has(
        &after,
        "samverkan_build_info",
        &[("version", env!("CARGO_PKG_VERSION"))]
    ));

    // No id in any label value, whatever series the other tests made meanwhile.
    for s in &after {
        for (k, v) in &s.labels {
            assert!(
                !looks_like_an_id(v),
                "{}{{{k}={v:?}}} carries an id",
                s.name
            );
        }
    }
    // And no id of this test's own data anywhere in the text.
    let text = app
        .send(TestApp::request(Method::GET, "/metrics", None))
        .await;
    let text = String::from_utf8(text.body).unwrap();
    for secret in [
        id.to_string(),
        app.patient_id(TOLVAN).to_string(),
        TOLVAN.to_string(),
        "SE2321000115".to_string(),
    ] {
        assert!(!text.contains(&secret), "the scrape shows {secret}");
    }
}

#[actix_web::test]
async fn open_long_polls_are_counted_while_they_wait() {
    let app = TestApp::spawn().await;
    let token = integration_token(&[HALMSTAD_KOMMUN]);
    let poll = app.get_with_token("/api/v1/events?after=999999&wait=5", &token);
    // Scraped until the poll is seen waiting (it answers empty after 5 s).
    let check = async {
        let mut open = 0.0;
        for _ in 0..40 {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            open = value(&scrape(&app).await, "samverkan_open_long_polls", &[]);
            if open >= 1.0 {
                break;
            }
        }
        open
    };
    let (res, open) = tokio::join!(poll, check);
    assert_eq!(res.status.as_u16(), 200);
    assert!(open >= 1.0, "a waiting long-poll is counted: {open}");
}

#[actix_web::test]
async fn a_503_is_counted_by_its_cause() {
    use actix_web::{test, web};

    // A pool whose database never answers: every request that needs it is a 503 `database`.
    let state = app_state(samverkan::db::build_pool(
        "postgres://postgres@127.0.0.1:1/none",
        1,
        std::time::Duration::from_millis(300),
    ));
    let app = test::init_service(samverkan::startup::build_app(web::Data::new(state))).await;
    let count = |text: &str| {
        value(
            &parse(text),
            "samverkan_unavailable_responses_total",
            &[("cause", "database")],
        )
    };
    let scrape_text = || async {
        let res =
            test::call_service(&app, test::TestRequest::get().uri("/metrics").to_request()).await;
        assert_eq!(res.status().as_u16(), 200);
        String::from_utf8(test::read_body(res).await.to_vec()).unwrap()
    };
    let before = count(&scrape_text().await);
    let res = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/api/v1/units")
            .insert_header((
                "authorization",
                format!("Bearer {}", Persona::admin().token()),
            ))
            .to_request(),
    )
    .await;
    assert_eq!(res.status().as_u16(), 503);
    let text = scrape_text().await;
    assert!(count(&text) >= before + 1.0);
    // The scrape itself still answers, and says the database could not be read.
    assert_eq!(value(&parse(&text), "samverkan_database_up", &[]), 0.0);
}
