//! `GET /api/v1/statistics` against a fixture whose figures were computed by hand: messages
//! sent around a weekend, an office-hour edge and a holiday (trettondedag jul), answered in
//! time, late and never, one cancelled, refusals of creates and of a reply — checked number by
//! number, as JSON and as CSV.
//!
//! Hand computation (office hours 08–17 on working days, Stockholm time; "now" is
//! Wednesday 2027-01-20 12:00):
//!
//! | msg | sent | due by (7th working day, 17:00) | first answer | working hours | in time |
//! |---|---|---|---|---|---|
//! | M1 | Fri 2026-12-04 16:00 | Tue 12-15 | Mon 12-07 09:00, utfört | 1 + 1 = 2.00 | yes |
//! | M2 | Mon 2026-12-07 07:30 | Wed 12-16 | Tue 12-08 10:15, ej utfört | 9 + 2.25 = 11.25 | yes |
//! | M3 | Fri 2026-12-04 17:00 (closed: counts from Mon 08:00) | Wed 12-16 | Thu 12-17 08:30, kontakt behövs | 8 × 9 + 0.5 = 72.50 | no |
//! | M4 | Tue 2026-12-08 10:00 | Thu 12-17 | never: open and overdue now | — | — |
//! | M5 | Tue 2026-12-08 11:00 | — | cancelled, wrong patient | — | — |
//! | M6 | Mon 2027-01-04 09:00 | Thu 01-14 (06 Jan is a holiday) | Thu 01-07 09:00, no outcome | 8 + 9 + 0 + 1 = 18.00 | yes |
//! | M7 | Fri 2027-01-15 12:00 | Tue 01-26 | open, not yet due | — | — |
//!
//! Refusals: a create with "snarast" on 2026-12-10 (AKUT); a create of OxyNorm with "snarast" on
//! 2027-01-05 (AKUT, NARKOTIKA); a reply with "akut" on 2027-01-15 (AKUT). A draft check with
//! "snarast" is not a refusal.
//!
//! December: sent 5, cancelled 1, answered 3, in time 2, open overdue 1, share 2 / (3 + 1) = 0.5,
//! median of [2, 11.25, 72.5] = 11.25, p90 = 72.5, refusals AKUT 1.
//! January: sent 2, answered 1, in time 1, overdue 0, share 1.0, median = p90 = 18, AKUT 2,
//! NARKOTIKA 1. Total: sent 7, answered 4, in time 3, overdue 1, share 3 / 5 = 0.6, median of
//! [2, 11.25, 18, 72.5] = 11.25 (nearest rank 2), p90 = 72.5 (rank 4).

use actix_web::http::{header, Method};
use serde_json::{json, Value};
use time::macros::datetime;
use time::OffsetDateTime;

use crate::helpers::*;
use crate::messages::{kommun_nurse, recept_body, vc_doctor, TOLVAN};

fn statistiker() -> Persona {
    Persona {
        sub: "SE2321000115-DEMOP0006",
        unit: None,
        name: "Statistik Demo",
        roles: &["statistik"],
        legitimerad: false,
        profession: None,
    }
}

/// Sends a recept at `at`; returns its id.
async fn sent_at(app: &TestApp, at: OffsetDateTime) -> String {
    let body = recept_body(app.patient_id(TOLVAN), app.unit_id(VC_HALMSTAD));
    let msg = app
        .at(at)
        .await
        .post("/api/v1/messages/recept", &kommun_nurse(), &body)
        .await
        .assert_status(201);
    msg["id"].as_str().unwrap().to_string()
}

async fn answered_at(app: &TestApp, id: &str, at: OffsetDateTime, outcome: Option<&str>) {
    let mut body = json!({"body": "Klart, receptet är förnyat."});
    if let Some(o) = outcome {
        body["outcome"] = json!(o);
    }
    app.at(at)
        .await
        .post(
            &format!("/api/v1/messages/{id}/replies"),
            &vc_doctor(),
            &body,
        )
        .await
        .assert_status(201);
}

/// Builds the fixture of the module documentation; returns the app and "now".
async fn fixture() -> (TestApp, OffsetDateTime) {
    let app = TestApp::spawn().await;
    let m1 = sent_at(&app, datetime!(2026-12-04 16:00 +01:00)).await;
    let m3 = sent_at(&app, datetime!(2026-12-04 17:00 +01:00)).await;
    let m2 = sent_at(&app, datetime!(2026-12-07 07:30 +01:00)).await;
    let _m4 = sent_at(&app, datetime!(2026-12-08 10:00 +01:00)).await;
    let m5 = sent_at(&app, datetime!(2026-12-08 11:00 +01:00)).await;
    answered_at(
        &app,
        &m1,
        datetime!(2026-12-07 09:00 +01:00),
        Some("utfort"),
    )
    .await;
    answered_at(
        &app,
        &m2,
        datetime!(2026-12-08 10:15 +01:00),
        Some("ej_utfort"),
    )
    .await;
    answered_at(
        &app,
        &m3,
        datetime!(2026-12-17 08:30 +01:00),
        Some("kontakt_behovs"),
    )
    .await;
    app.at(datetime!(2026-12-08 11:05 +01:00))
        .await
        .post(
            &format!("/api/v1/messages/{m5}/cancel"),
            &kommun_nurse(),
            &json!({"reason": "wrong_patient"}),
        )
        .await
        .assert_status(200);

    let (tolvan, vc) = (app.patient_id(TOLVAN), app.unit_id(VC_HALMSTAD));
    let mut urgent = recept_body(tolvan, vc);
    urgent["body"] = json!("Behöver förnyas snarast.");
    let dec10 = app.at(datetime!(2026-12-10 09:00 +01:00)).await;
    dec10
        .post("/api/v1/messages/recept", &kommun_nurse(), &urgent)
        .await
        .assert_problem(422, "ROUTINE_VIOLATION");
    // A draft check is advice, not a refusal.
    dec10
        .post("/api/v1/messages/recept/validate", &kommun_nurse(), &urgent)
        .await
        .assert_status(200);
    let mut narcotic = urgent.clone();
    narcotic["details"]["drug_name"] = json!("OxyNorm");
    app.at(datetime!(2027-01-05 10:00 +01:00))
        .await
        .post("/api/v1/messages/recept", &kommun_nurse(), &narcotic)
        .await
        .assert_problem(422, "ROUTINE_VIOLATION");

    let m6 = sent_at(&app, datetime!(2027-01-04 09:00 +01:00)).await;
    answered_at(&app, &m6, datetime!(2027-01-07 09:00 +01:00), None).await;
    let m7 = sent_at(&app, datetime!(2027-01-15 12:00 +01:00)).await;
    app.at(datetime!(2027-01-15 13:00 +01:00))
        .await
        .post(
            &format!("/api/v1/messages/{m7}/replies"),
            &vc_doctor(),
            &json!({"body": "Detta är akut, ring oss."}),
        )
        .await
        .assert_problem(422, "ROUTINE_VIOLATION");
    (app, datetime!(2027-01-20 12:00 +01:00))
}

fn figures_of<'a>(report: &'a Value, month: &str) -> &'a Value {
    report["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"]["month"] == month)
        .map(|g| &g["figures"])
        .unwrap_or_else(|| panic!("no group {month} in {report}"))
}

fn refusals(akut: i64, narkotika: i64) -> Value {
    json!({"AKUT": akut, "BILAGA": 0, "NARKOTIKA": narkotika, "NYFORSKRIVNING": 0,
           "EJ_INSKRIVEN": 0, "OGILTIG_MOTTAGARE": 0, "EJ_LEGITIMERAD": 0})
}

#[actix_web::test]
async fn the_figures_of_the_fixture_are_the_hand_computed_ones() {
    let (app, now) = fixture().await;
    let report = app
        .at(now)
        .await
        .get(
            "/api/v1/statistics?from=2026-12-01&to=2027-01-31&group_by=month",
            &statistiker(),
        )
        .await
        .assert_status(200);

    assert_eq!(report["group_by"], json!(["month"]));
    assert_eq!(report["goal_in_time_share"], 1.0);
    let dec = figures_of(&report, "2026-12");
    assert_eq!(
        *dec,
        json!({
            "sent": 5,
            "cancelled": {"wrong_patient": 1, "wrong_recipient": 0, "other": 0, "total": 1},
            "answered": 3, "answered_in_time": 2, "answered_in_time_share": 0.5,
            "open_overdue": 1,
            "working_hours_to_answer": {"median": 11.25, "p90": 72.5, "answers": 3},
            "outcomes": {"utfort": 1, "ej_utfort": 1, "kontakt_behovs": 1, "none": 0},
            "refusals": refusals(1, 0)
        })
    );
    let jan = figures_of(&report, "2027-01");
    assert_eq!(
        *jan,
        json!({
            "sent": 2,
            "cancelled": {"wrong_patient": 0, "wrong_recipient": 0, "other": 0, "total": 0},
            "answered": 1, "answered_in_time": 1, "answered_in_time_share": 1.0,
            "open_overdue": 0,
            "working_hours_to_answer": {"median": 18.0, "p90": 18.0, "answers": 1},
            "outcomes": {"utfort": 0, "ej_utfort": 0, "kontakt_behovs": 0, "none": 1},
            "refusals": refusals(2, 1)
        })
    );
    let total = &report["total"];
    assert_eq!(total["sent"], 7);
    assert_eq!(total["answered"], 4);
    assert_eq!(total["answered_in_time"], 3);
    assert_eq!(total["open_overdue"], 1);
    assert_eq!(total["answered_in_time_share"], 0.6);
    assert_eq!(
        total["working_hours_to_answer"],
        json!({"median": 11.25, "p90": 72.5, "answers": 4})
    );
    assert_eq!(total["refusals"], refusals(3, 1));
    assert_eq!(report["groups"].as_array().unwrap().len(), 2);
}

/// Answers of one sending day and pair of units that reach the figures in separate catch-ups
/// are added to the day's one histogram row, quarter by quarter (migration 000014).
#[actix_web::test]
async fn answers_counted_in_separate_catch_ups_add_up_in_one_histogram_row() {
    let app = TestApp::spawn().await;
    let a = sent_at(&app, datetime!(2026-12-04 16:00 +01:00)).await;
    let b = sent_at(&app, datetime!(2026-12-04 17:00 +01:00)).await;
    let c = sent_at(&app, datetime!(2026-12-04 16:00 +01:00)).await;
    let q = "/api/v1/statistics?from=2026-12-01&to=2026-12-31";
    let hours = |r: &Value| r["total"]["working_hours_to_answer"].clone();

    answered_at(&app, &a, datetime!(2026-12-07 09:00 +01:00), None).await;
    let first = app
        .at(datetime!(2026-12-07 10:00 +01:00))
        .await
        .get(q, &statistiker())
        .await
        .assert_status(200);
    assert_eq!(
        hours(&first),
        json!({"median": 2.0, "p90": 2.0, "answers": 1})
    );

    // C took as long as A (the same quarter hour, 8), B 72.5 hours (quarter 290).
    answered_at(&app, &c, datetime!(2026-12-07 09:00 +01:00), None).await;
    answered_at(&app, &b, datetime!(2026-12-17 08:30 +01:00), None).await;
    let second = app
        .at(datetime!(2026-12-17 09:00 +01:00))
        .await
        .get(q, &statistiker())
        .await
        .assert_status(200);
    // Ranks: median ⌈1.5⌉ = 2 → 2 h; p90 ⌈2.7⌉ = 3 → 72.5 h.
    assert_eq!(
        hours(&second),
        json!({"median": 2.0, "p90": 72.5, "answers": 3})
    );

    use diesel::RunQueryDsl;
    let mut conn = app.db.conn();
    let rows: Vec<(Vec<i32>, Vec<i32>)> =
        diesel::sql_query("SELECT quarters, counts FROM message_answer_histograms")
            .load::<HistogramRow>(&mut conn)
            .unwrap()
            .into_iter()
            .map(|r| (r.quarters, r.counts))
            .collect();
    assert_eq!(rows, vec![(vec![8, 290], vec![2, 1])]);
}

#[derive(diesel::QueryableByName)]
struct HistogramRow {
    #[diesel(sql_type = diesel::sql_types::Array<diesel::sql_types::Integer>)]
    quarters: Vec<i32>,
    #[diesel(sql_type = diesel::sql_types::Array<diesel::sql_types::Integer>)]
    counts: Vec<i32>,
}

#[actix_web::test]
async fn weeks_units_kommun_and_category_group_the_same_messages() {
    let (app, now) = fixture().await;
    let at_now = app.at(now).await;
    let weeks = at_now
        .get(
            "/api/v1/statistics?from=2026-12-01&to=2027-01-31&group_by=week",
            &statistiker(),
        )
        .await
        .assert_status(200);
    let sent: Vec<(String, i64)> = weeks["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["key"]["week"].as_str().unwrap().to_string(),
                g["figures"]["sent"].as_i64().unwrap(),
            )
        })
        .collect();
    // W49: M1, M3 (Friday 4 Dec); W50: M2, M4, M5; 2027-W01: M6; W02: M7. The refusal of
    // 10 December (W50) has no message.
    assert_eq!(
        sent,
        vec![
            ("2026-W49".into(), 2),
            ("2026-W50".into(), 3),
            ("2027-W01".into(), 1),
            ("2027-W02".into(), 1)
        ]
    );

    let by_parties = at_now
        .get("/api/v1/statistics?from=2026-12-01&to=2027-01-31&group_by=kommun,recipient_unit,category", &statistiker())
        .await
        .assert_status(200);
    let groups = by_parties["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 1, "{by_parties}");
    let key = &groups[0]["key"];
    assert_eq!(key["kommun"], json!({"code": "1380", "name": "Halmstad"}));
    assert_eq!(key["recipient_unit"]["hsa_id"], VC_HALMSTAD);
    assert_eq!(key["category"], "recept");
    assert_eq!(groups[0]["figures"]["sent"], 7);
    assert_eq!(groups[0]["figures"]["refusals"], refusals(3, 1));

    // Filters: another category, or another unit, have nothing.
    let none = at_now
        .get(
            "/api/v1/statistics?from=2026-12-01&to=2027-01-31&category=bokning",
            &statistiker(),
        )
        .await
        .assert_status(200);
    assert_eq!(none["total"]["sent"], 0);
    assert_eq!(none["total"]["answered_in_time_share"], Value::Null);
    assert_eq!(
        none["total"]["working_hours_to_answer"]["median"],
        Value::Null
    );
    let psy = app.unit_id(PSYKIATRI);
    let other = at_now
        .get(
            &format!("/api/v1/statistics?from=2026-12-01&to=2027-01-31&unit_id={psy}"),
            &statistiker(),
        )
        .await
        .assert_status(200);
    assert_eq!(other["total"]["sent"], 0);
    // The period bounds sending days: January alone.
    let jan = at_now
        .get(
            "/api/v1/statistics?from=2027-01-01&to=2027-01-31",
            &statistiker(),
        )
        .await
        .assert_status(200);
    assert_eq!(jan["total"]["sent"], 2);
    assert_eq!(jan["groups"], json!([]));
}

#[actix_web::test]
async fn csv_is_the_same_table_for_swedish_spreadsheets() {
    let (app, now) = fixture().await;
    let res = app
        .at(now)
        .await
        .send(
            TestApp::request(
                Method::GET,
                "/api/v1/statistics?from=2026-12-01&to=2027-01-31&group_by=month",
                Some(&statistiker().token()),
            )
            .insert_header((header::ACCEPT, "text/csv")),
        )
        .await;
    assert_eq!(res.status.as_u16(), 200);
    assert!(res.header("content-type").unwrap().starts_with("text/csv"));
    assert!(res
        .header("content-disposition")
        .unwrap()
        .contains("samverkan-statistik-2026-12-01-2027-01-31.csv"));
    let text = String::from_utf8(res.body.clone()).unwrap();
    let text = text
        .strip_prefix('\u{feff}')
        .expect("UTF-8 byte-order mark");
    let rows: Vec<Vec<&str>> = text
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .map(|l| l.split(';').collect())
        .collect();
    let head = &rows[0];
    let col = |name: &str| {
        head.iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("column {name}: {head:?}"))
    };
    assert_eq!(rows.len(), 4, "header, two months, total");
    let dec = &rows[1];
    assert_eq!(dec[col("månad")], "2026-12");
    assert_eq!(dec[col("skickade")], "5");
    assert_eq!(dec[col("besvarade i tid")], "2");
    assert_eq!(dec[col("andel besvarade i tid (%)")], "50,0");
    assert_eq!(dec[col("arbetstimmar till svar: median")], "11,25");
    assert_eq!(
        dec[col("arbetstimmar till svar: 90:e percentilen")],
        "72,50"
    );
    assert_eq!(dec[col("återkallade: fel patient")], "1");
    assert_eq!(dec[col("stoppade av regeln AKUT")], "1");
    let total = &rows[3];
    assert_eq!(total[col("månad")], "totalt");
    assert_eq!(total[col("andel besvarade i tid (%)")], "60,0");
    assert_eq!(total[col("stoppade av regeln NARKOTIKA")], "1");
    assert!(rows.iter().all(|r| r.len() == head.len()));
}

#[actix_web::test]
async fn only_the_routines_owners_and_admins_read_statistics_and_bad_queries_are_400() {
    let app = TestApp::spawn().await;
    app.get("/api/v1/statistics", &kommun_nurse())
        .await
        .assert_problem(403, "ROLE_REQUIRED");
    app.get("/api/v1/statistics", &Persona::auditor(HALMSTAD_KOMMUN))
        .await
        .assert_problem(403, "ROLE_REQUIRED");
    let empty = app
        .get("/api/v1/statistics", &statistiker())
        .await
        .assert_status(200);
    assert_eq!(empty["total"]["sent"], 0);
    app.get("/api/v1/statistics?group_by=month", &Persona::admin())
        .await
        .assert_status(200);
    for q in [
        "group_by=unit",
        "group_by=day",
        "from=2026-13-01",
        "from=2026-12-02&to=2026-12-01",
        "from=2010-01-01&to=2026-01-01",
        "category=brev",
    ] {
        app.get(&format!("/api/v1/statistics?{q}"), &statistiker())
            .await
            .assert_problem(400, "INVALID_QUERY");
    }
}
