//! The reply window calculator and the rule catalogue: DOMAIN.md's worked examples, the edges
//! of office hours, holidays and summer time, and the seven rules in their order.

use serde_json::Value;

use super::*;

async fn window(app: &TestApp, sent_at: &str) -> Value {
    let encoded = sent_at.replace('+', "%2B");
    app.get(
        &format!("/api/v1/reply-window?sent_at={encoded}"),
        &kommun_nurse(),
    )
    .await
    .assert_status(200)
}

#[track_caller]
fn assert_window(w: &Value, effective: &str, expected_from: &str, due_by: &str) {
    assert_eq!(w["effective_sent_at"], effective, "{w}");
    assert_eq!(w["reply_expected_from"], expected_from, "{w}");
    assert_eq!(w["reply_due_by"], due_by, "{w}");
}

#[actix_web::test]
async fn a_monday_morning_message_is_expected_wednesday_and_due_the_next_wednesday() {
    let app = TestApp::spawn().await;

    let w = window(&app, "2026-11-23T10:00:00+01:00").await;

    assert_eq!(w["sent_at"], "2026-11-23T10:00:00+01:00");
    assert_window(
        &w,
        "2026-11-23T10:00:00+01:00",
        "2026-11-25T10:00:00+01:00",
        "2026-12-02T17:00:00+01:00",
    );
}

#[actix_web::test]
async fn midsommarafton_is_not_a_working_day() {
    let app = TestApp::spawn().await;

    let w = window(&app, "2026-06-18T16:00:00+02:00").await;

    assert_window(
        &w,
        "2026-06-18T16:00:00+02:00",
        "2026-06-23T16:00:00+02:00",
        "2026-06-30T17:00:00+02:00",
    );
}

#[actix_web::test]
async fn a_sending_time_in_utc_is_answered_in_swedish_time() {
    let app = TestApp::spawn().await;

    let w = window(&app, "2026-11-23T09:00:00Z").await;

    assert_eq!(w["sent_at"], "2026-11-23T10:00:00+01:00");
    assert_eq!(w["reply_expected_from"], "2026-11-25T10:00:00+01:00");
}

#[actix_web::test]
async fn office_hours_start_at_eight_inclusive_and_end_at_five_exclusive() {
    let app = TestApp::spawn().await;
    let cases = [
        (
            "2026-11-23T07:00:00+01:00",
            "2026-11-23T08:00:00+01:00",
            "2026-11-25T08:00:00+01:00",
            "2026-12-02T17:00:00+01:00",
        ),
        (
            "2026-11-23T08:00:00+01:00",
            "2026-11-23T08:00:00+01:00",
            "2026-11-25T08:00:00+01:00",
            "2026-12-02T17:00:00+01:00",
        ),
        (
            "2026-11-23T16:59:59+01:00",
            "2026-11-23T16:59:59+01:00",
            "2026-11-25T16:59:59+01:00",
            "2026-12-02T17:00:00+01:00",
        ),
        (
            "2026-11-23T17:00:00+01:00",
            "2026-11-24T08:00:00+01:00",
            "2026-11-26T08:00:00+01:00",
            "2026-12-03T17:00:00+01:00",
        ),
        (
            "2026-11-28T12:00:00+01:00",
            "2026-11-30T08:00:00+01:00",
            "2026-12-02T08:00:00+01:00",
            "2026-12-09T17:00:00+01:00",
        ),
    ];
    for (sent, effective, from, due) in cases {
        let w = window(&app, sent).await;
        assert_window(&w, effective, from, due);
    }
}

#[actix_web::test]
async fn christmas_and_new_year_are_skipped() {
    let app = TestApp::spawn().await;

    let w = window(&app, "2026-12-23T17:30:00+01:00").await;

    assert_window(
        &w,
        "2026-12-28T08:00:00+01:00",
        "2026-12-30T08:00:00+01:00",
        "2027-01-11T17:00:00+01:00",
    );
}

#[actix_web::test]
async fn a_window_across_summer_time_and_easter_carries_the_summer_offset() {
    let app = TestApp::spawn().await;

    let w = window(&app, "2026-03-27T16:00:00+01:00").await;

    assert_window(
        &w,
        "2026-03-27T16:00:00+01:00",
        "2026-03-31T16:00:00+02:00",
        "2026-04-09T17:00:00+02:00",
    );
}

#[actix_web::test]
async fn a_sending_time_that_is_not_rfc3339_is_400() {
    let app = TestApp::spawn().await;
    for bad in [
        "2026-11-23",
        "2026-11-23T10:00:00",
        "23/11/2026%2010:00",
        "tomorrow",
        "2026-11-23T10:00:00%2B25:00",
    ] {
        app.get(
            &format!("/api/v1/reply-window?sent_at={bad}"),
            &kommun_nurse(),
        )
        .await
        .assert_problem(400, "INVALID_QUERY");
    }
}

#[actix_web::test]
async fn without_a_sending_time_the_window_is_for_now() {
    let app = TestApp::spawn_at(time::macros::datetime!(2099-11-23 10:00 +01:00)).await;

    let w = app
        .get("/api/v1/reply-window", &kommun_nurse())
        .await
        .assert_status(200);

    assert_eq!(w["sent_at"], "2099-11-23T10:00:00+01:00");
    assert_window(
        &w,
        "2099-11-23T10:00:00+01:00",
        "2099-11-25T10:00:00+01:00",
        "2099-12-02T17:00:00+01:00",
    );
}

#[actix_web::test]
async fn the_rule_catalogue_lists_the_seven_rules_in_order_with_their_texts() {
    let app = TestApp::spawn().await;

    let rules = app
        .get("/api/v1/rules", &kommun_nurse())
        .await
        .assert_status(200);

    let rules = rules.as_array().expect("a list");
    let codes: Vec<&str> = rules.iter().map(|r| r["code"].as_str().unwrap()).collect();
    assert_eq!(
        codes,
        [
            "AKUT",
            "BILAGA",
            "NARKOTIKA",
            "NYFORSKRIVNING",
            "EJ_INSKRIVEN",
            "OGILTIG_MOTTAGARE",
            "EJ_LEGITIMERAD"
        ]
    );
    for rule in rules {
        for key in ["title", "explanation", "routine_quote"] {
            let text = rule[key].as_str().unwrap_or_default();
            assert!(!text.trim().is_empty(), "{key} of {}", rule["code"]);
        }
    }
}

#[actix_web::test]
async fn the_calculator_and_catalogue_need_a_token() {
    let app = TestApp::spawn().await;
    for path in ["/api/v1/rules", "/api/v1/reply-window"] {
        app.send_anonymous(actix_web::http::Method::GET, path, None)
            .await
            .assert_problem(401, "UNAUTHENTICATED");
    }
}
