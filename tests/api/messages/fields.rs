//! Field checks on both sides of each edge: lengths of subject and body, analyses count and
//! wished dates, the uppföljning content and plausibility of measurements, enum values and
//! NUL characters. A draft with only field problems is `VALIDATION_FAILED`, the field named.

use serde_json::{json, Value};
use time::{Duration, OffsetDateTime};

use super::*;
use crate::helpers::VC_HALMSTAD;

fn draft(app: &TestApp, category: &str) -> Value {
    body_of(category, app.patient_id(TOLVAN), app.unit_id(VC_HALMSTAD))
}

async fn send_as_nurse(app: &TestApp, category: &str, body: &Value) -> Resp {
    send(app, category, &kommun_nurse(), body).await
}

fn measurement_at(offset: Duration) -> String {
    rfc3339(OffsetDateTime::now_utc() + offset)
}

fn with_measurements(app: &TestApp, measurements: Value) -> Value {
    let mut body = draft(app, "uppfoljning");
    body["details"]["measurements"] = measurements;
    body
}

#[actix_web::test]
async fn a_subject_of_120_characters_is_accepted_and_121_refused() {
    let app = TestApp::spawn().await;
    let mut body = draft(&app, "recept");
    body["subject"] = "å".repeat(120).into();
    send_as_nurse(&app, "recept", &body)
        .await
        .assert_status(201);

    body["subject"] = "å".repeat(121).into();
    let res = send_as_nurse(&app, "recept", &body).await;

    assert_invalid(&res, &[("TOO_LONG", "subject")]);
}

#[actix_web::test]
async fn a_body_of_4000_characters_is_accepted_and_4001_refused() {
    let app = TestApp::spawn().await;
    let mut body = draft(&app, "recept");
    let text: String = "Blodtrycket är stabilt. "
        .repeat(200)
        .chars()
        .take(4000)
        .collect();
    body["body"] = text.clone().into();
    send_as_nurse(&app, "recept", &body)
        .await
        .assert_status(201);

    body["body"] = format!("{text}ö").into();
    let res = send_as_nurse(&app, "recept", &body).await;

    assert_invalid(&res, &[("TOO_LONG", "body")]);
}

#[actix_web::test]
async fn an_empty_or_blank_subject_is_required() {
    let app = TestApp::spawn().await;
    for subject in ["", "   "] {
        let mut body = draft(&app, "recept");
        body["subject"] = subject.into();
        let res = send_as_nurse(&app, "recept", &body).await;
        assert_invalid(&res, &[("REQUIRED", "subject")]);
    }
}

#[actix_web::test]
async fn provtagning_needs_one_to_twenty_analyses() {
    let app = TestApp::spawn().await;
    let analyses = |n: usize| -> Value { (1..=n).map(|i| format!("Analys {i}")).collect() };
    for n in [0, 21] {
        let mut body = draft(&app, "provtagning");
        body["details"]["analyses"] = analyses(n);
        let res = send_as_nurse(&app, "provtagning", &body).await;
        assert_invalid(&res, &[("COUNT", "details.analyses")]);
    }

    let mut body = draft(&app, "provtagning");
    body["details"]["analyses"] = analyses(20);
    send_as_nurse(&app, "provtagning", &body)
        .await
        .assert_status(201);
}

#[actix_web::test]
async fn a_wished_sampling_date_of_yesterday_is_refused_and_today_accepted() {
    let app = TestApp::spawn().await;
    let mut body = draft(&app, "provtagning");
    body["details"]["requested_date"] = (today() - Duration::days(1)).to_string().into();
    let res = send_as_nurse(&app, "provtagning", &body).await;
    assert_invalid(&res, &[("DATE_IN_PAST", "details.requested_date")]);

    body["details"]["requested_date"] = today().to_string().into();
    send_as_nurse(&app, "provtagning", &body)
        .await
        .assert_status(201);
}

#[actix_web::test]
async fn an_uppfoljning_with_neither_measurements_nor_request_is_refused() {
    let app = TestApp::spawn().await;
    let mut body = draft(&app, "uppfoljning");
    body["details"] = json!({});

    let res = send_as_nurse(&app, "uppfoljning", &body).await;

    assert_invalid(&res, &[("MEASUREMENTS_OR_REQUEST", "details")]);
}

#[actix_web::test]
async fn a_systolic_pressure_not_above_the_diastolic_is_refused_on_systolic() {
    let app = TestApp::spawn().await;
    let at = measurement_at(-Duration::hours(1));
    for (sys, dia) in [(80.0, 90.0), (90.0, 90.0)] {
        let body = with_measurements(
            &app,
            json!([{"type": "blodtryck", "systolic": sys, "diastolic": dia, "measured_at": at}]),
        );
        let res = send_as_nurse(&app, "uppfoljning", &body).await;
        assert_invalid(
            &res,
            &[(
                "SYSTOLIC_NOT_ABOVE_DIASTOLIC",
                "details.measurements[0].systolic",
            )],
        );
    }

    let body = with_measurements(
        &app,
        json!([{"type": "blodtryck", "systolic": 91.0, "diastolic": 90.0, "measured_at": at}]),
    );
    send_as_nurse(&app, "uppfoljning", &body)
        .await
        .assert_status(201);
}

#[actix_web::test]
async fn a_saturation_of_101_is_refused_and_100_accepted() {
    let app = TestApp::spawn().await;
    let at = measurement_at(-Duration::hours(1));
    let sat = |percent: f64| json!([{"type": "saturation", "percent": percent, "measured_at": at}]);
    let res = send_as_nurse(&app, "uppfoljning", &with_measurements(&app, sat(101.0))).await;
    assert_invalid(
        &res,
        &[("VALUE_OUT_OF_RANGE", "details.measurements[0].percent")],
    );

    send_as_nurse(&app, "uppfoljning", &with_measurements(&app, sat(100.0)))
        .await
        .assert_status(201);
}

#[actix_web::test]
async fn a_measurement_ten_minutes_in_the_future_is_refused_and_one_a_minute_ago_accepted() {
    let app = TestApp::spawn().await;
    let weight = |at: String| json!([{"type": "vikt", "kg": 70.0, "measured_at": at}]);
    let future = with_measurements(&app, weight(measurement_at(Duration::minutes(10))));
    let res = send_as_nurse(&app, "uppfoljning", &future).await;
    assert_invalid(
        &res,
        &[(
            "MEASURED_AT_IN_FUTURE",
            "details.measurements[0].measured_at",
        )],
    );

    let past = with_measurements(&app, weight(measurement_at(-Duration::minutes(1))));
    send_as_nurse(&app, "uppfoljning", &past)
        .await
        .assert_status(201);
}

#[actix_web::test]
async fn at_most_fifty_measurements_go_in_one_message() {
    let app = TestApp::spawn().await;
    let list = |n: i64| -> Value {
        (0..n)
            .map(|i| {
                json!({"type": "puls", "bpm": 70.0, "measured_at": measurement_at(-Duration::minutes(10 + i))})
            })
            .collect()
    };
    let res = send_as_nurse(&app, "uppfoljning", &with_measurements(&app, list(51))).await;
    assert_invalid(&res, &[("COUNT", "details.measurements")]);

    send_as_nurse(&app, "uppfoljning", &with_measurements(&app, list(50)))
        .await
        .assert_status(201);
}

#[actix_web::test]
async fn a_preferred_booking_date_of_yesterday_is_refused_and_today_accepted() {
    let app = TestApp::spawn().await;
    let mut body = draft(&app, "bokning");
    body["details"]["preferred_dates"] = json!([
        (today() + Duration::days(3)).to_string(),
        (today() - Duration::days(1)).to_string()
    ]);
    let res = send_as_nurse(&app, "bokning", &body).await;
    assert_invalid(&res, &[("DATE_IN_PAST", "details.preferred_dates[1]")]);

    body["details"]["preferred_dates"] = json!([today().to_string()]);
    send_as_nurse(&app, "bokning", &body)
        .await
        .assert_status(201);
}

#[actix_web::test]
async fn a_wrong_enum_value_is_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let cases = [
        ("recept", "kind", "ny"),
        ("bokning", "location", "hemma"),
        ("provtagning", "sampled_by", "patienten"),
    ];
    for (category, key, value) in cases {
        let mut body = draft(&app, category);
        body["details"][key] = value.into();
        let res = send_as_nurse(&app, category, &body).await;
        let field = format!("details.{key}");
        assert_invalid(&res, &[("INVALID_VALUE", field.as_str())]);
    }
}

#[actix_web::test]
async fn a_nul_character_in_a_text_is_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let mut body = draft(&app, "recept");
    body["body"] = "Hej\u{0}då".into();

    let res = send_as_nurse(&app, "recept", &body).await;

    assert_invalid(&res, &[("NUL_CHARACTER", "body")]);
    assert_eq!(stored_rows(&app), (0, 0));
}

#[actix_web::test]
async fn a_missing_field_is_reported_on_that_field() {
    let app = TestApp::spawn().await;
    let mut body = draft(&app, "recept");
    body.as_object_mut().unwrap().remove("subject");
    let res = send_as_nurse(&app, "recept", &body).await;
    assert_invalid(&res, &[("MISSING_FIELD", "subject")]);

    let mut body = draft(&app, "recept");
    body["details"].as_object_mut().unwrap().remove("strength");
    let res = send_as_nurse(&app, "recept", &body).await;
    assert_invalid(&res, &[("MISSING_FIELD", "details.strength")]);
}
