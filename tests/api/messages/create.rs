//! Sending a message: every category is accepted with 201 and a `Location`, the answer carries
//! every field a client needs, times are Swedish local time with offset and the stored reply
//! window is the routine's for the sending time (checked at fixed instants).

use serde_json::{json, Value};
use time::{Month, OffsetDateTime, UtcOffset, Weekday};

use super::*;
use crate::helpers::{HALMSTAD_KOMMUN, VC_HALMSTAD};

/// Stockholm's offset at `t` by the EU rule (summer time from 01:00 UTC on the last Sunday of
/// March to 01:00 UTC on the last Sunday of October), computed here independently of the code.
fn expected_offset(t: OffsetDateTime) -> UtcOffset {
    let t = t.to_offset(UtcOffset::UTC);
    let last_sunday_01_utc = |month: Month| {
        let mut d = time::Date::from_calendar_date(t.year(), month, 31).expect("day 31");
        while d.weekday() != Weekday::Sunday {
            d = d.previous_day().expect("previous day");
        }
        d.with_hms(1, 0, 0).expect("01:00").assume_utc()
    };
    let summer = t >= last_sunday_01_utc(Month::March) && t < last_sunday_01_utc(Month::October);
    UtcOffset::from_hms(if summer { 2 } else { 1 }, 0, 0).expect("offset")
}

/// Asserts `v` is an RFC 3339 time written with Stockholm's offset at that instant.
#[track_caller]
fn assert_swedish_time(field: &str, v: &Value) -> OffsetDateTime {
    let t = instant(v);
    let want = expected_offset(t);
    assert_eq!(t.offset(), want, "{field} = {v}");
    let suffix = if want.whole_hours() == 1 {
        "+01:00"
    } else {
        "+02:00"
    };
    assert!(v.as_str().unwrap().ends_with(suffix), "{field} = {v}");
    t
}

#[actix_web::test]
async fn each_category_is_accepted_with_201_and_a_location_that_shows_it() {
    let app = TestApp::spawn().await;
    let (tolvan, vc) = (app.patient_id(TOLVAN), app.unit_id(VC_HALMSTAD));
    for category in CATEGORIES {
        let body = body_of(category, tolvan, vc);
        let res = send(&app, category, &kommun_nurse(), &body).await;
        let msg = res.assert_status(201);
        assert_eq!(msg["category"], category);
        assert_eq!(msg["status"], "sent");
        assert_eq!(msg["details"], body["details"], "{category}");
        let location = res.header("location").expect("Location header");
        assert_eq!(location, format!("/api/v1/messages/{}", id_of(&msg)));
        let fetched = app.get(&location, &kommun_nurse()).await.assert_status(200);
        // The create's answer is built from what it wrote, not read back: it must show the
        // message exactly as a later read does (which adds only the history).
        let mut read = fetched.clone();
        read.as_object_mut().unwrap().remove("history");
        assert_eq!(read, msg, "{category}");
        assert_eq!(fetched["history"].as_array().map(Vec::len), Some(1));
    }
    assert_eq!(stored_rows(&app).0, 4);
}

#[actix_web::test]
async fn the_answer_carries_patient_parties_texts_and_an_empty_thread() {
    let app = TestApp::spawn().await;
    let (tolvan, vc) = (app.patient_id(TOLVAN), app.unit_id(VC_HALMSTAD));
    let body = recept_body(tolvan, vc);

    let msg = send(&app, "recept", &kommun_nurse(), &body)
        .await
        .assert_status(201);

    assert!(uuid::Uuid::parse_str(msg["id"].as_str().unwrap()).is_ok());
    assert_eq!(msg["category"], "recept");
    assert_eq!(msg["status"], "sent");
    assert_eq!(msg["patient"]["id"], tolvan.to_string());
    assert_eq!(msg["patient"]["personal_identity_number"], TOLVAN);
    let sender = &msg["sender"];
    assert_eq!(sender["unit_id"], app.unit_id(HALMSTAD_KOMMUN).to_string());
    assert_eq!(sender["unit_name"], "Halmstads kommun hemsjukvård (demo)");
    assert_eq!(sender["hsa_id"], kommun_nurse().sub);
    assert_eq!(sender["name"], "Kerstin Demo");
    assert_eq!(sender["profession"], "sjukskoterska");
    assert_eq!(msg["recipient"]["unit_id"], vc.to_string());
    assert_eq!(
        msg["recipient"]["unit_name"],
        "Vårdcentralen Halmstad (demo)"
    );
    assert_eq!(msg["subject"], body["subject"]);
    assert_eq!(msg["body"], body["body"]);
    assert_eq!(msg["details"], body["details"]);
    for key in ["sent_at", "reply_expected_from", "reply_due_by"] {
        assert!(msg[key].is_string(), "{key}: {msg}");
    }
    for key in [
        "read_at",
        "answered_at",
        "closed_at",
        "cancelled_at",
        "cancellation",
    ] {
        assert!(
            msg.get(key).is_some_and(Value::is_null),
            "{key} must be present and null: {msg}"
        );
    }
    assert_eq!(msg["overdue"], false);
    assert_eq!(msg["replies"], serde_json::json!([]));
}

#[actix_web::test]
async fn times_are_rfc3339_with_the_swedish_offset_of_their_instant() {
    let app = TestApp::spawn().await;
    let before = OffsetDateTime::now_utc();

    let msg = sent_recept(&app).await;

    let after = OffsetDateTime::now_utc();
    let sent_at = assert_swedish_time("sent_at", &msg["sent_at"]);
    assert!(before <= sent_at && sent_at <= after, "sent_at {sent_at}");
    let from = assert_swedish_time("reply_expected_from", &msg["reply_expected_from"]);
    let due = assert_swedish_time("reply_due_by", &msg["reply_due_by"]);
    assert!(sent_at < from && from < due);
    assert_eq!(
        (due.hour(), due.minute(), due.second()),
        (17, 0, 0),
        "due at 17:00 local"
    );
}

#[actix_web::test]
async fn the_reply_window_of_a_sent_message_is_the_routines_for_its_sending_time() {
    use diesel::prelude::*;
    use samverkan::schema::messages;
    use time::macros::datetime;
    // (clock, sent_at, expected from, due by), worked out by hand from the calendar.
    let cases = [
        // Monday 10:00: the same time two working days on; 17:00 seven working days on.
        (
            datetime!(2099-11-23 10:00 +01:00),
            "2099-11-23T10:00:00+01:00",
            "2099-11-25T10:00:00+01:00",
            "2099-12-02T17:00:00+01:00",
        ),
        // Friday 17:30 is after office hours: counted from Monday 08:00.
        (
            datetime!(2099-11-27 17:30 +01:00),
            "2099-11-27T17:30:00+01:00",
            "2099-12-02T08:00:00+01:00",
            "2099-12-09T17:00:00+01:00",
        ),
    ];
    for (clock, sent, from, due) in cases {
        let app = TestApp::spawn_at(clock).await;

        let msg = sent_recept(&app).await;

        assert_eq!(msg["sent_at"], sent);
        assert_eq!(msg["reply_expected_from"], from, "sent {sent}");
        assert_eq!(msg["reply_due_by"], due, "sent {sent}");
        let id: uuid::Uuid = id_of(&msg).parse().unwrap();
        let stored: (OffsetDateTime, OffsetDateTime, OffsetDateTime) = messages::table
            .find(id)
            .select((
                messages::sent_at,
                messages::reply_expected_from,
                messages::reply_due_by,
            ))
            .first(&mut app.db.conn())
            .unwrap();
        assert_eq!(
            (stored.0, stored.1, stored.2),
            (
                instant(&msg["sent_at"]),
                instant(&json!(from)),
                instant(&json!(due))
            ),
            "stored as answered"
        );
    }
}

#[actix_web::test]
async fn the_times_in_the_create_answer_are_the_ones_read_back() {
    let app = TestApp::spawn().await;
    let msg = sent_recept(&app).await;

    let fetched = app
        .get(
            &format!("/api/v1/messages/{}", id_of(&msg)),
            &kommun_nurse(),
        )
        .await
        .assert_status(200);

    for key in ["sent_at", "reply_expected_from", "reply_due_by"] {
        assert_eq!(msg[key], fetched[key], "{key}");
    }
}

#[actix_web::test]
async fn a_region_unit_may_write_to_the_kommun_where_the_patient_is_enrolled() {
    let app = TestApp::spawn().await;
    let body = uppfoljning_request_body(app.patient_id(TOLVAN), app.unit_id(HALMSTAD_KOMMUN));

    let msg = send(&app, "uppfoljning", &vc_doctor(), &body)
        .await
        .assert_status(201);

    assert_eq!(
        msg["sender"]["unit_id"],
        app.unit_id(VC_HALMSTAD).to_string()
    );
    assert_eq!(msg["sender"]["profession"], "lakare");
    assert_eq!(
        msg["recipient"]["unit_id"],
        app.unit_id(HALMSTAD_KOMMUN).to_string()
    );
    assert_eq!(msg["details"]["request"], body["details"]["request"]);
    assert_eq!(msg["details"]["measurements"], serde_json::json!([]));
    let inbox = app
        .get("/api/v1/messages?box=inbox", &kommun_nurse())
        .await
        .assert_status(200);
    assert_eq!(inbox["items"][0]["id"], msg["id"]);
}

#[actix_web::test]
async fn a_refused_message_stores_nothing() {
    let app = TestApp::spawn().await;
    let mut body = recept_body(app.patient_id(TOLVAN), app.unit_id(VC_HALMSTAD));
    body["body"] = "Behövs snarast.".into();

    send(&app, "recept", &kommun_nurse(), &body)
        .await
        .assert_problem(422, "ROUTINE_VIOLATION");

    assert_eq!(stored_rows(&app), (0, 0));
}
