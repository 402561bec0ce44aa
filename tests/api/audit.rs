//! The patient-data access log (HSLF-FS 2016:40 4 kap. 9 §): exactly one complete entry per
//! patient a request touches or shows and none for requests that show no patient, refusals logged as `denied`, the table
//! append-only except the five-year purge, the granskare's review and patient extract, and
//! fail-closed when no entry can be written.

use std::collections::{HashMap, HashSet};

use actix_web::http::Method;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use serde_json::{json, Value};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use samverkan::models::access_log::{purge_older_than_five_years, AccessLogRow};
use samverkan::schema::access_log;

use crate::helpers::{
    recept_draft, Persona, Resp, TestApp, HABILITERING, HALMSTAD_KOMMUN, PALLIATIV_DELTAR,
    PSYKIATRI, VARBERG_KOMMUN, VC_HALMSTAD, VC_VARBERG,
};

/// Tolvan Tolvansson, enrolled in Halmstad by the demo seed.
const TOLVAN: &str = "191212121212";
/// Registered, not enrolled (personnummer).
const TEST_TESTSSON: &str = "201701012393";
/// Registered, not enrolled (samordningsnummer).
const SAMORDNAD: &str = "197010632391";

fn today() -> time::Date {
    samverkan::domain::reply_window::to_stockholm(OffsetDateTime::now_utc()).date()
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .expect("RFC 3339")
}

/// A correct draft of `category` from a kommun unit about `patient` to `recipient`.
fn draft(category: &str, patient: Uuid, recipient: Uuid) -> Value {
    match category {
        "recept" => recept_draft(patient, recipient),
        "provtagning" => json!({
            "patient_id": patient, "recipient_unit_id": recipient,
            "subject": "Provtagning inför årskontroll",
            "body": "Vi tar proverna vid nästa hembesök om ni vill.",
            "details": {"analyses": ["Hb", "CRP"], "requested_date": (today() + Duration::days(7)).to_string(),
                        "fasting": false, "sampled_by": "kommun"}
        }),
        "uppfoljning" => json!({
            "patient_id": patient, "recipient_unit_id": recipient,
            "subject": "Blodtryck senaste veckan",
            "body": "Här kommer värdena ni bad om.",
            "details": {"measurements": [{"type": "blodtryck", "systolic": 142.0, "diastolic": 88.0,
                        "measured_at": rfc3339(OffsetDateTime::now_utc() - Duration::hours(2))}]}
        }),
        "bokning" => json!({
            "patient_id": patient, "recipient_unit_id": recipient,
            "subject": "Årskontroll diabetes",
            "body": "Patienten önskar årskontroll i hemmet.",
            "details": {"visit_type": "arskontroll", "location": "hembesok",
                        "preferred_dates": [(today() + Duration::days(14)).to_string()],
                        "reason": "Årlig kontroll av diabetes och fötter."}
        }),
        other => panic!("no category {other}"),
    }
}

const CATEGORIES: [&str; 4] = ["recept", "provtagning", "uppfoljning", "bokning"];

fn uuid_of(v: &Value) -> Uuid {
    Uuid::parse_str(v["id"].as_str().unwrap_or_else(|| panic!("no id in {v}"))).expect("uuid")
}

/// What one request must have left in the access log.
#[derive(Debug, Clone)]
struct Expected {
    actor_hsa_id: &'static str,
    actor_name: &'static str,
    unit_hsa_id: &'static str,
    action: &'static str,
    outcome: &'static str,
    patient_id: Option<Uuid>,
    message_id: Option<Uuid>,
}

/// Sends requests with their own request ids and remembers what each must have logged.
struct Driver<'a> {
    app: &'a TestApp,
    sent: usize,
    /// Logged requests, in the order sent.
    logged: Vec<(String, Expected)>,
    /// Requests that touch no patient.
    silent: Vec<String>,
}

impl<'a> Driver<'a> {
    fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            sent: 0,
            logged: Vec::new(),
            silent: Vec::new(),
        }
    }

    async fn send(
        &mut self,
        method: Method,
        path: &str,
        who: &Persona,
        body: Option<&Value>,
    ) -> (String, Resp) {
        self.sent += 1;
        let rid = format!("audit-test-{:05}", self.sent);
        let res = self.app.send_as(method, path, who, body, &rid).await;
        assert_eq!(
            res.header("x-request-id").as_deref(),
            Some(rid.as_str()),
            "request id echoed"
        );
        (rid, res)
    }

    /// A request that must log one entry with `outcome`; returns the JSON body.
    #[allow(clippy::too_many_arguments)]
    async fn logged(
        &mut self,
        method: Method,
        path: &str,
        who: &Persona,
        body: Option<&Value>,
        status: u16,
        action: &'static str,
        outcome: &'static str,
        patient_id: Option<Uuid>,
        message_id: Option<Uuid>,
    ) -> Value {
        let (rid, res) = self.send(method, path, who, body).await;
        let json = res.assert_status(status);
        self.logged.push((
            rid,
            Expected {
                actor_hsa_id: who.sub,
                actor_name: who.name,
                unit_hsa_id: who.unit.expect("persona with a unit"),
                action,
                outcome,
                patient_id,
                message_id,
            },
        ));
        json
    }

    /// A create that must log `message.create` ok with the new message's id.
    async fn create(&mut self, category: &str, who: &Persona, body: &Value) -> Uuid {
        let patient = Uuid::parse_str(body["patient_id"].as_str().unwrap()).unwrap();
        let msg = self
            .logged(
                Method::POST,
                &format!("/api/v1/messages/{category}"),
                who,
                Some(body),
                201,
                "message.create",
                "ok",
                Some(patient),
                None,
            )
            .await;
        let id = uuid_of(&msg);
        self.logged.last_mut().unwrap().1.message_id = Some(id);
        id
    }

    /// A GET that touches no patient and must log nothing.
    async fn silent(&mut self, path: &str, who: &Persona) {
        let (rid, res) = self.send(Method::GET, path, who, None).await;
        res.assert_status(200);
        self.silent.push(rid);
    }
}

#[actix_web::test]
async fn a_thousand_mixed_patient_touching_requests_leave_exactly_one_complete_entry_each_per_patient(
) {
    let app = TestApp::spawn().await;
    let tolvan = app.patient_id(TOLVAN);
    let testsson = app.patient_id(TEST_TESTSSON);
    let samordnad = app.patient_id(SAMORDNAD);
    let units: HashMap<&str, Uuid> = [
        HALMSTAD_KOMMUN,
        VARBERG_KOMMUN,
        VC_HALMSTAD,
        VC_VARBERG,
        PSYKIATRI,
        HABILITERING,
        PALLIATIV_DELTAR,
    ]
    .into_iter()
    .map(|h| (h, app.unit_id(h)))
    .collect();
    let nurse = Persona::nurse(HALMSTAD_KOMMUN);
    let assistant = Persona::assistant(HALMSTAD_KOMMUN);
    let regions = [VC_HALMSTAD, PSYKIATRI, HABILITERING, PALLIATIV_DELTAR];
    let outsiders = [Persona::nurse(VARBERG_KOMMUN), Persona::doctor(VC_VARBERG)];
    let numbers = ["19121212-1212", "191212121212", "121212+1212"];
    let silent_paths = [
        "/api/v1/me",
        "/api/v1/units",
        "/api/v1/reply-window",
        "/api/v1/rules",
        "/api/v1/messages/summary",
    ];
    let started = OffsetDateTime::now_utc();
    let mut d = Driver::new(&app);

    for i in 0..50 {
        let region_hsa = regions[i % 4];
        let region = Persona::doctor(region_hsa);
        let region_id = units[region_hsa];
        let outsider = &outsiders[i % 2];
        let (c1, c2, c3) = (
            CATEGORIES[i % 4],
            CATEGORIES[(i + 1) % 4],
            CATEGORIES[(i + 2) % 4],
        );
        let (lookup_patient, lookup_number) = match i % 3 {
            0 => (tolvan, "19121212-1212"),
            1 => (testsson, "20170101-2393"),
            _ => (samordnad, "19701063-2391"),
        };
        // Staff read patients in their unit's care: the region one it just looked up, the
        // kommun the one enrolled there.
        let (reader, read_patient) = if i % 2 == 1 {
            (&region, lookup_patient)
        } else {
            (&assistant, tolvan)
        };

        // Patients and enrollments.
        let registered = d
            .logged(
                Method::POST,
                "/api/v1/patients",
                &nurse,
                Some(&json!({"personal_identity_number": numbers[i % 3]})),
                200,
                "patient.register",
                "ok",
                Some(tolvan),
                None,
            )
            .await;
        assert_eq!(uuid_of(&registered), tolvan);
        let found = d
            .logged(
                Method::POST,
                "/api/v1/patients/lookup",
                &region,
                Some(&json!({"personal_identity_number": lookup_number})),
                200,
                "patient.lookup",
                "ok",
                Some(lookup_patient),
                None,
            )
            .await;
        assert_eq!(uuid_of(&found), lookup_patient);
        d.logged(
            Method::GET,
            &format!("/api/v1/patients/{read_patient}"),
            reader,
            None,
            200,
            "patient.read",
            "ok",
            Some(read_patient),
            None,
        )
        .await;
        d.logged(
            Method::GET,
            &format!("/api/v1/patients/{lookup_patient}/enrollments"),
            &region,
            None,
            200,
            "enrollment.list",
            "ok",
            Some(lookup_patient),
            None,
        )
        .await;

        // A message through its whole life.
        let m1 = d.create(c1, &nurse, &draft(c1, tolvan, region_id)).await;
        d.logged(
            Method::POST,
            &format!("/api/v1/messages/{c2}/validate"),
            &nurse,
            Some(&draft(c2, tolvan, region_id)),
            200,
            "message.validate",
            "ok",
            Some(tolvan),
            None,
        )
        .await;
        d.logged(
            Method::GET,
            &format!("/api/v1/messages/{m1}"),
            &assistant,
            None,
            200,
            "message.read",
            "ok",
            Some(tolvan),
            Some(m1),
        )
        .await;
        d.logged(
            Method::POST,
            &format!("/api/v1/messages/{m1}/read"),
            &region,
            None,
            200,
            "message.acknowledge",
            "ok",
            Some(tolvan),
            Some(m1),
        )
        .await;
        d.logged(
            Method::POST,
            &format!("/api/v1/messages/{m1}/replies"),
            &region,
            Some(&json!({"body": "Klart, förnyat.", "outcome": "utfort"})),
            201,
            "message.reply",
            "ok",
            Some(tolvan),
            Some(m1),
        )
        .await;
        d.logged(
            Method::POST,
            &format!("/api/v1/messages/{m1}/replies"),
            &nurse,
            Some(&json!({"body": "Tack!"})),
            201,
            "message.reply",
            "ok",
            Some(tolvan),
            Some(m1),
        )
        .await;
        d.logged(
            Method::POST,
            &format!("/api/v1/messages/{m1}/close"),
            &nurse,
            None,
            200,
            "message.close",
            "ok",
            Some(tolvan),
            Some(m1),
        )
        .await;
        // A mailbox page: filtered on the patient, or not (every message is about Tolvan, so
        // either page shows one patient and leaves one entry).
        let (list_path, list_action) = if i % 2 == 0 {
            (
                format!("/api/v1/messages?box=outbox&patient_id={tolvan}&limit=5"),
                "message.list_patient",
            )
        } else {
            (
                "/api/v1/messages?box=outbox&limit=5".to_string(),
                "message.list",
            )
        };
        let page = d
            .logged(
                Method::GET,
                &list_path,
                &nurse,
                None,
                200,
                list_action,
                "ok",
                Some(tolvan),
                None,
            )
            .await;
        assert!(!page["items"].as_array().unwrap().is_empty(), "{page}");
        d.logged(
            Method::GET,
            &format!("/api/v1/messages/{m1}/fhir"),
            &region,
            None,
            200,
            "message.fhir",
            "ok",
            Some(tolvan),
            Some(m1),
        )
        .await;

        // A message cancelled before it was read.
        let m2 = d.create(c2, &nurse, &draft(c2, tolvan, region_id)).await;
        d.logged(
            Method::POST,
            &format!("/api/v1/messages/{m2}/cancel"),
            &nurse,
            Some(&json!({"reason": "wrong_patient"})),
            200,
            "message.cancel",
            "ok",
            Some(tolvan),
            Some(m2),
        )
        .await;

        // Refusals that named a patient or a message.
        let res = d
            .logged(
                Method::GET,
                &format!("/api/v1/messages/{m1}"),
                outsider,
                None,
                404,
                "message.read",
                "denied",
                Some(tolvan),
                Some(m1),
            )
            .await;
        assert_eq!(res["code"], "NOT_FOUND");
        let mut urgent = draft(c3, tolvan, region_id);
        urgent["body"] = json!("Ring snarast om detta.");
        let res = d
            .logged(
                Method::POST,
                &format!("/api/v1/messages/{c3}"),
                &nurse,
                Some(&urgent),
                422,
                "message.create",
                "denied",
                Some(tolvan),
                None,
            )
            .await;
        assert_eq!(res["violations"][0]["code"], "AKUT", "{res}");
        let m3 = d.create(c3, &nurse, &draft(c3, tolvan, region_id)).await;
        d.logged(
            Method::POST,
            &format!("/api/v1/messages/{m3}/read"),
            &region,
            None,
            200,
            "message.acknowledge",
            "ok",
            Some(tolvan),
            Some(m3),
        )
        .await;
        let res = d
            .logged(
                Method::POST,
                &format!("/api/v1/messages/{m3}/cancel"),
                &nurse,
                Some(&json!({"reason": "wrong_recipient"})),
                409,
                "message.cancel",
                "denied",
                Some(tolvan),
                Some(m3),
            )
            .await;
        assert_eq!(res["code"], "INVALID_TRANSITION");

        // Requests that touch no patient.
        let who = if i % 2 == 0 { &nurse } else { &region };
        d.silent(silent_paths[i % silent_paths.len()], who).await;
    }
    let finished = OffsetDateTime::now_utc();

    assert_eq!(
        d.logged.len(),
        1000,
        "the scenario drives 1,000 logged requests"
    );
    let rows = app.access_log_rows();
    let by_request: HashMap<&str, Vec<&AccessLogRow>> =
        rows.iter().fold(HashMap::new(), |mut m, r| {
            m.entry(r.request_id.as_str()).or_default().push(r);
            m
        });
    for rid in &d.silent {
        assert!(
            !by_request.contains_key(rid.as_str()),
            "{rid} touched no patient but was logged"
        );
    }
    let mut previous_at = started - Duration::seconds(1);
    for (rid, want) in &d.logged {
        let entries = by_request
            .get(rid.as_str())
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        assert_eq!(
            entries.len(),
            1,
            "{rid} ({want:?}) has {} entries",
            entries.len()
        );
        let got = entries[0];
        let context = format!("{rid}: expected {want:?}, got {got:?}");
        assert_eq!(got.actor_hsa_id, want.actor_hsa_id, "{context}");
        assert_eq!(
            got.actor_name.as_deref(),
            Some(want.actor_name),
            "{context}"
        );
        assert_eq!(got.unit_id, Some(units[want.unit_hsa_id]), "{context}");
        assert_eq!(
            got.unit_hsa_id.as_deref(),
            Some(want.unit_hsa_id),
            "{context}"
        );
        assert_eq!(got.action, want.action, "{context}");
        assert_eq!(got.outcome, want.outcome, "{context}");
        assert_eq!(got.patient_id, want.patient_id, "{context}");
        assert_eq!(got.message_id, want.message_id, "{context}");
        assert!(
            got.at >= previous_at && got.at <= finished + Duration::seconds(1),
            "{context}: entries are written as the requests happen"
        );
        previous_at = got.at;
    }
    let expected_ids: HashSet<&str> = d.logged.iter().map(|(r, _)| r.as_str()).collect();
    let stray: Vec<&AccessLogRow> = rows
        .iter()
        .filter(|r| !expected_ids.contains(r.request_id.as_str()))
        .collect();
    assert!(stray.is_empty(), "entries nobody asked for: {stray:?}");
    assert_eq!(rows.len(), 1000);
    let denied = rows.iter().filter(|r| r.outcome == "denied").count();
    assert_eq!(denied, 150, "three refusals in each of the 50 rounds");
}

#[actix_web::test]
async fn an_entry_carries_the_request_id_the_client_was_answered_with() {
    let app = TestApp::spawn().await;
    let tolvan = app.patient_id(TOLVAN);
    let nurse = Persona::nurse(HALMSTAD_KOMMUN);

    let chosen = app
        .send_as(
            Method::GET,
            &format!("/api/v1/patients/{tolvan}"),
            &nurse,
            None,
            "a b", // not a sane id: the server makes its own
        )
        .await;
    let generated = app.get(&format!("/api/v1/patients/{tolvan}"), &nurse).await;

    let rows = app.access_log_rows();
    let ids: Vec<&str> = rows.iter().map(|r| r.request_id.as_str()).collect();
    let answered: Vec<String> = [chosen, generated]
        .iter()
        .map(|r| r.header("x-request-id").expect("request id header"))
        .collect();
    assert_eq!(ids, answered);
    assert_ne!(ids[0], "a b");
    assert_ne!(ids[0], ids[1]);
}

// ---- Append-only, and the five-year purge -----------------------------------------------------

fn insert_entry(conn: &mut PgConnection, age: &str, request_id: &str) {
    diesel::sql_query(format!(
        "INSERT INTO access_log (at, actor_hsa_id, actor_name, action, outcome, request_id) \
         VALUES (now() - interval '{age}', 'SE2321000115-DEMOP0001', 'Kerstin Demo', 'patient.read', 'ok', '{request_id}')"
    ))
    .execute(conn)
    .expect("INSERT into access_log is allowed");
}

fn request_ids(conn: &mut PgConnection) -> Vec<String> {
    access_log::table
        .order(access_log::id.asc())
        .select(access_log::request_id)
        .load(conn)
        .expect("read access_log")
}

#[track_caller]
fn assert_refused_by_trigger(result: QueryResult<usize>, what: &str) {
    match result {
        Err(diesel::result::Error::DatabaseError(_, info)) => assert!(
            info.message().contains("append-only"),
            "{what}: {}",
            info.message()
        ),
        other => panic!("{what} must fail, got {other:?}"),
    }
}

#[actix_web::test]
async fn update_delete_and_truncate_on_the_access_log_are_refused() {
    let app = TestApp::spawn().await;
    let tolvan = app.patient_id(TOLVAN);
    app.get(
        &format!("/api/v1/patients/{tolvan}"),
        &Persona::nurse(HALMSTAD_KOMMUN),
    )
    .await
    .assert_status(200);
    let mut conn = app.db.conn();
    insert_entry(&mut conn, "1 day", "written-yesterday");
    let before = app.access_log_rows();
    assert_eq!(before.len(), 2);

    assert_refused_by_trigger(
        diesel::sql_query("UPDATE access_log SET action = 'x'").execute(&mut conn),
        "UPDATE",
    );
    assert_refused_by_trigger(
        diesel::sql_query(
            "UPDATE access_log SET patient_id = NULL WHERE request_id = 'written-yesterday'",
        )
        .execute(&mut conn),
        "UPDATE of one row",
    );
    assert_refused_by_trigger(
        diesel::sql_query("DELETE FROM access_log").execute(&mut conn),
        "DELETE",
    );
    assert_refused_by_trigger(
        diesel::sql_query("TRUNCATE access_log").execute(&mut conn),
        "TRUNCATE",
    );
    // The purge switch does not open the table for young entries either.
    assert_refused_by_trigger(
        conn.transaction(|c| {
            c.batch_execute("SET LOCAL samverkan.audit_purge = 'on'")?;
            diesel::sql_query("DELETE FROM access_log").execute(c)
        }),
        "DELETE of young entries with the purge switch on",
    );

    let after = app.access_log_rows();
    assert_eq!(
        format!("{before:?}"),
        format!("{after:?}"),
        "the entries are unchanged"
    );
}

#[actix_web::test]
async fn the_purge_deletes_only_entries_older_than_five_years() {
    let app = TestApp::spawn().await;
    let mut conn = app.db.conn();
    insert_entry(&mut conn, "6 years", "six-years-old");
    insert_entry(&mut conn, "5 years 1 day", "just-over-five-years-old");
    insert_entry(&mut conn, "4 years", "four-years-old");
    insert_entry(&mut conn, "4 years 11 months", "almost-five-years-old");
    insert_entry(&mut conn, "1 minute", "fresh");
    // Outside the purge, even an old entry cannot be deleted.
    assert_refused_by_trigger(
        diesel::sql_query("DELETE FROM access_log WHERE request_id = 'six-years-old'")
            .execute(&mut conn),
        "DELETE of an old entry without the purge",
    );

    let purged = purge_older_than_five_years(&mut conn).expect("purge");

    assert_eq!(purged, 2);
    assert_eq!(
        request_ids(&mut conn),
        ["four-years-old", "almost-five-years-old", "fresh"]
    );
    assert_eq!(
        purge_older_than_five_years(&mut conn).expect("purge again"),
        0
    );
    // The switch was local to the purge's transaction.
    assert_refused_by_trigger(
        diesel::sql_query("DELETE FROM access_log").execute(&mut conn),
        "DELETE after the purge",
    );
}

// ---- GET /api/v1/audit --------------------------------------------------------------------------

fn auditor() -> Persona {
    Persona::auditor(HALMSTAD_KOMMUN)
}

/// The request ids of a page, in order.
fn page_request_ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items in {page}"))
        .iter()
        .map(|i| i["request_id"].as_str().unwrap().to_string())
        .collect()
}

async fn audit_page(app: &TestApp, query: &str) -> Value {
    app.get(&format!("/api/v1/audit?{query}"), &auditor())
        .await
        .assert_status(200)
}

/// Logs a known set of accesses through the API, each with its own request id; Tolvan's id
/// and the message's.
async fn known_accesses(app: &TestApp) -> (Uuid, Uuid) {
    let tolvan = app.patient_id(TOLVAN);
    let samordnad = app.patient_id(SAMORDNAD);
    let nurse = Persona::nurse(HALMSTAD_KOMMUN);
    let msg = app
        .send_as(
            Method::POST,
            "/api/v1/messages/recept",
            &nurse,
            Some(&recept_draft(tolvan, app.unit_id(VC_HALMSTAD))),
            "k-create",
        )
        .await
        .assert_status(201);
    let m = uuid_of(&msg);
    let calls: [(&str, Persona, String, u16); 4] = [
        (
            "k-read-tolvan",
            nurse.clone(),
            format!("/api/v1/patients/{tolvan}"),
            200,
        ),
        (
            "k-doctor-enrollments",
            Persona::doctor(VC_HALMSTAD),
            format!("/api/v1/patients/{tolvan}/enrollments"),
            200,
        ),
        (
            "k-varberg-denied",
            Persona::nurse(VARBERG_KOMMUN),
            format!("/api/v1/messages/{m}"),
            404,
        ),
        (
            "k-doctor-message",
            Persona::doctor(VC_HALMSTAD),
            format!("/api/v1/messages/{m}"),
            200,
        ),
    ];
    for (rid, who, path, status) in calls {
        app.send_as(Method::GET, &path, &who, None, rid)
            .await
            .assert_status(status);
        if rid == "k-read-tolvan" {
            // The samordnad patient, found by number (which also takes them into the unit's care).
            let found = app
                .send_as(
                    Method::POST,
                    "/api/v1/patients/lookup",
                    &nurse,
                    Some(&json!({"personal_identity_number": "19701063-2391"})),
                    "k-lookup-samordnad",
                )
                .await
                .assert_status(200);
            assert_eq!(uuid_of(&found), samordnad);
        }
    }
    (tolvan, m)
}

#[actix_web::test]
async fn only_a_granskare_reviews_the_access_log() {
    let app = TestApp::spawn().await;
    for who in [
        Persona::nurse(HALMSTAD_KOMMUN),
        Persona::doctor(VC_HALMSTAD),
        Persona::admin(),
    ] {
        app.get("/api/v1/audit", &who)
            .await
            .assert_problem(403, "ROLE_REQUIRED");
    }
    audit_page(&app, "").await;
}

#[actix_web::test]
async fn the_review_shows_every_field_of_an_entry_newest_first() {
    let app = TestApp::spawn().await;
    let (tolvan, m) = known_accesses(&app).await;

    let page = audit_page(&app, "").await;

    assert_eq!(
        page_request_ids(&page),
        [
            "k-doctor-message",
            "k-varberg-denied",
            "k-doctor-enrollments",
            "k-lookup-samordnad",
            "k-read-tolvan",
            "k-create"
        ]
    );
    assert!(page["next_cursor"].is_null(), "{page}");
    let denied = &page["items"][1];
    let keys: HashSet<&str> = denied
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        HashSet::from([
            "id",
            "at",
            "actor_hsa_id",
            "actor_name",
            "actor_role",
            "commission_hsa_id",
            "unit_id",
            "unit_hsa_id",
            "unit_name",
            "action",
            "outcome",
            "patient_id",
            "message_id",
            "request_id"
        ])
    );
    assert_eq!(denied["actor_hsa_id"], Persona::nurse(VARBERG_KOMMUN).sub);
    assert_eq!(denied["actor_name"], "Kerstin Demo");
    assert_eq!(denied["unit_id"], app.unit_id(VARBERG_KOMMUN).to_string());
    assert_eq!(denied["unit_hsa_id"], VARBERG_KOMMUN);
    assert_eq!(denied["unit_name"], "Varbergs kommun hemsjukvård (demo)");
    assert_eq!(denied["action"], "message.read");
    assert_eq!(denied["outcome"], "denied");
    assert_eq!(denied["patient_id"], tolvan.to_string());
    assert_eq!(denied["message_id"], m.to_string());
    let at = OffsetDateTime::parse(
        denied["at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .expect("RFC 3339 time");
    assert!((OffsetDateTime::now_utc() - at).abs() < Duration::minutes(1));
}

#[actix_web::test]
async fn the_review_filters_by_patient_actor_unit_action_and_outcome() {
    let app = TestApp::spawn().await;
    let (tolvan, _) = known_accesses(&app).await;
    let samordnad = app.patient_id(SAMORDNAD);
    let doctor = Persona::doctor(VC_HALMSTAD);
    // A reviewer of a unit the accesses do not involve: the review's own `audit.read` entries
    // (one per patient each page shows) then stay out of the unit filters below.
    let reviewer = Persona::auditor(PSYKIATRI);
    let cases: Vec<(String, Vec<&str>)> = vec![
        (
            format!("patient_id={tolvan}"),
            vec![
                "k-doctor-message",
                "k-varberg-denied",
                "k-doctor-enrollments",
                "k-read-tolvan",
                "k-create",
            ],
        ),
        (
            format!("patient_id={samordnad}"),
            vec!["k-lookup-samordnad"],
        ),
        (format!("patient_id={}", Uuid::new_v4()), vec![]),
        (
            format!("actor={}", doctor.sub),
            vec!["k-doctor-message", "k-doctor-enrollments"],
        ),
        (
            format!("unit_id={}", app.unit_id(VARBERG_KOMMUN)),
            vec!["k-varberg-denied"],
        ),
        (
            format!("unit_id={}", app.unit_id(HALMSTAD_KOMMUN)),
            vec!["k-lookup-samordnad", "k-read-tolvan", "k-create"],
        ),
        (
            "action=message.read".into(),
            vec!["k-doctor-message", "k-varberg-denied"],
        ),
        ("action=message.create".into(), vec!["k-create"]),
        ("outcome=denied".into(), vec!["k-varberg-denied"]),
        (
            format!("outcome=ok&patient_id={tolvan}&action=message.read"),
            vec!["k-doctor-message"],
        ),
        (format!("actor={}&action=patient.read", doctor.sub), vec![]),
    ];
    for (query, want) in cases {
        let page = app
            .get(&format!("/api/v1/audit?{query}"), &reviewer)
            .await
            .assert_status(200);
        assert_eq!(page_request_ids(&page), want, "?{query}");
    }
}

/// Inserts an entry at a fixed instant (SQL INSERT is what the table allows).
fn insert_at(conn: &mut PgConnection, at: &str, request_id: &str) {
    diesel::sql_query(format!(
        "INSERT INTO access_log (at, actor_hsa_id, action, outcome, request_id) \
         VALUES ('{at}', 'SE2321000115-DEMOP0009', 'patient.read', 'ok', '{request_id}')"
    ))
    .execute(conn)
    .expect("insert entry");
}

#[actix_web::test]
async fn the_review_filters_by_time_from_inclusive_to_exclusive() {
    let app = TestApp::spawn().await;
    let mut conn = app.db.conn();
    insert_at(&mut conn, "2026-01-01T10:00:00Z", "ten");
    insert_at(&mut conn, "2026-01-01T11:00:00Z", "eleven");
    insert_at(&mut conn, "2026-01-01T11:59:59.999999Z", "almost-twelve");
    insert_at(&mut conn, "2026-01-01T12:00:00Z", "twelve");

    let cases = [
        (
            "from=2026-01-01T11:00:00Z",
            vec!["twelve", "almost-twelve", "eleven"],
        ),
        ("to=2026-01-01T11:00:00Z", vec!["ten"]),
        (
            "from=2026-01-01T11:00:00Z&to=2026-01-01T12:00:00Z",
            vec!["almost-twelve", "eleven"],
        ),
        // 12:00+01:00 is 11:00Z.
        (
            "from=2026-01-01T12:00:00%2B01:00&to=2026-01-01T13:00:00%2B01:00",
            vec!["almost-twelve", "eleven"],
        ),
        ("from=2026-01-02T00:00:00Z", vec![]),
    ];
    for (query, want) in cases {
        let page = audit_page(&app, query).await;
        assert_eq!(page_request_ids(&page), want, "?{query}");
    }
    let first = audit_page(&app, "to=2026-01-01T10:00:01Z").await;
    assert_eq!(
        first["items"][0]["at"], "2026-01-01T11:00:00+01:00",
        "times are Swedish local time"
    );
}

#[actix_web::test]
async fn the_review_pages_through_more_entries_than_the_limit_exactly_once_each() {
    let app = TestApp::spawn().await;
    let mut conn = app.db.conn();
    // 23 entries; runs of equal times so the id must break ties.
    let mut inserted = Vec::new();
    for i in 0..23 {
        let minute = i / 4;
        let rid = format!("e{i:02}");
        insert_at(&mut conn, &format!("2026-02-02T08:{minute:02}:00Z"), &rid);
        inserted.push(rid);
    }
    // Newest first: later minute first, and within a minute the later insert first.
    let mut want = inserted.clone();
    want.sort_by_key(|r| {
        let i: i32 = r[1..].parse().unwrap();
        (-(i / 4), -i)
    });

    let mut seen = Vec::new();
    let mut query = "limit=5".to_string();
    let mut pages = 0;
    loop {
        let page = audit_page(&app, &query).await;
        pages += 1;
        let ids = page_request_ids(&page);
        assert!(ids.len() <= 5, "page of {}", ids.len());
        seen.extend(ids);
        match page["next_cursor"].as_str() {
            Some(c) => query = format!("limit=5&cursor={c}"),
            None => break,
        }
        assert!(pages < 10, "pagination does not end");
    }

    assert_eq!(pages, 5);
    assert_eq!(seen, want);
    // Filters hold across pages.
    let mut seen = Vec::new();
    let mut query = "limit=2&from=2026-02-02T08:02:00Z".to_string();
    loop {
        let page = audit_page(&app, &query).await;
        seen.extend(page_request_ids(&page));
        match page["next_cursor"].as_str() {
            Some(c) => query = format!("limit=2&from=2026-02-02T08:02:00Z&cursor={c}"),
            None => break,
        }
    }
    let want_late: Vec<String> = want
        .iter()
        .filter(|r| r[1..].parse::<i32>().unwrap() >= 8)
        .cloned()
        .collect();
    assert_eq!(seen, want_late);
}

#[actix_web::test]
async fn the_review_refuses_unknown_outcomes_actions_times_limits_and_cursors() {
    let app = TestApp::spawn().await;
    for query in [
        "outcome=maybe",
        "outcome=OK",
        "action=message.delete",
        "action=",
        "from=yesterday",
        "to=2026-01-01",
        "limit=0",
        "limit=201",
    ] {
        let res = app.get(&format!("/api/v1/audit?{query}"), &auditor()).await;
        res.assert_problem(400, "INVALID_QUERY");
    }
    app.get("/api/v1/audit?cursor=not-a-cursor", &auditor())
        .await
        .assert_problem(400, "INVALID_CURSOR");
}

// ---- GET /api/v1/patients/{id}/access-log -------------------------------------------------------

#[actix_web::test]
async fn a_granskare_gets_the_patients_extract_with_units_and_times_including_denied_accesses() {
    let app = TestApp::spawn().await;
    let (tolvan, m) = known_accesses(&app).await;
    let path = format!("/api/v1/patients/{tolvan}/access-log");

    let extract = app
        .send_as(Method::GET, &path, &auditor(), None, "extract-1")
        .await
        .assert_status(200);

    assert_eq!(
        page_request_ids(&extract),
        [
            "k-doctor-message",
            "k-varberg-denied",
            "k-doctor-enrollments",
            "k-read-tolvan",
            "k-create"
        ]
    );
    let names: Vec<&str> = extract["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["unit_name"].as_str().unwrap_or("(none)"))
        .collect();
    assert_eq!(
        names,
        [
            "Vårdcentralen Halmstad (demo)",
            "Varbergs kommun hemsjukvård (demo)",
            "Vårdcentralen Halmstad (demo)",
            "Halmstads kommun hemsjukvård (demo)",
            "Halmstads kommun hemsjukvård (demo)"
        ]
    );
    for item in extract["items"].as_array().unwrap() {
        assert_eq!(item["patient_id"], tolvan.to_string());
        assert!(item["at"].is_string(), "{item}");
    }
    assert_eq!(extract["items"][1]["outcome"], "denied");
    assert_eq!(extract["items"][1]["message_id"], m.to_string());

    // Reading the extract is itself an access, and shows in the next extract.
    let rows = app.access_log_rows();
    let logged: Vec<&AccessLogRow> = rows
        .iter()
        .filter(|r| r.request_id == "extract-1")
        .collect();
    assert_eq!(logged.len(), 1, "{rows:?}");
    assert_eq!(logged[0].action, "patient.access_log");
    assert_eq!(logged[0].outcome, "ok");
    assert_eq!(logged[0].patient_id, Some(tolvan));
    assert_eq!(logged[0].actor_hsa_id, auditor().sub);
    assert_eq!(logged[0].unit_id, Some(app.unit_id(HALMSTAD_KOMMUN)));
    let again = app.get(&path, &auditor()).await.assert_status(200);
    assert_eq!(again["items"][0]["request_id"], "extract-1");
    assert_eq!(again["items"][0]["action"], "patient.access_log");
    assert_eq!(again["items"].as_array().unwrap().len(), 6);
}

#[actix_web::test]
async fn the_extract_pages_and_holds_only_that_patients_entries() {
    let app = TestApp::spawn().await;
    let (tolvan, _) = known_accesses(&app).await;
    let samordnad = app.patient_id(SAMORDNAD);

    let other = app
        .get(
            &format!("/api/v1/patients/{samordnad}/access-log"),
            &auditor(),
        )
        .await
        .assert_status(200);
    assert_eq!(page_request_ids(&other), ["k-lookup-samordnad"]);

    let first = app
        .get(
            &format!("/api/v1/patients/{tolvan}/access-log?limit=3"),
            &auditor(),
        )
        .await
        .assert_status(200);
    assert_eq!(
        page_request_ids(&first),
        [
            "k-doctor-message",
            "k-varberg-denied",
            "k-doctor-enrollments"
        ]
    );
    let cursor = first["next_cursor"].as_str().expect("a next page");
    let second = app
        .get(
            &format!("/api/v1/patients/{tolvan}/access-log?limit=3&cursor={cursor}"),
            &auditor(),
        )
        .await
        .assert_status(200);
    assert_eq!(page_request_ids(&second), ["k-read-tolvan", "k-create"]);
    assert!(second["next_cursor"].is_null());
}

#[actix_web::test]
async fn the_extract_of_an_unknown_patient_is_404_and_staff_may_not_read_extracts() {
    let app = TestApp::spawn().await;
    let tolvan = app.patient_id(TOLVAN);

    app.get(
        &format!("/api/v1/patients/{}/access-log", Uuid::new_v4()),
        &auditor(),
    )
    .await
    .assert_problem(404, "NOT_FOUND");
    app.get(
        &format!("/api/v1/patients/{tolvan}/access-log"),
        &Persona::nurse(HALMSTAD_KOMMUN),
    )
    .await
    .assert_problem(403, "ROLE_REQUIRED");

    let rows = app.access_log_rows();
    let outcomes: Vec<(&str, &str, Option<Uuid>)> = rows
        .iter()
        .map(|r| (r.action.as_str(), r.outcome.as_str(), r.patient_id))
        .collect();
    assert_eq!(outcomes.len(), 2, "{rows:?}");
    assert_eq!(outcomes[0].0, "patient.access_log");
    assert_eq!(outcomes[0].1, "denied");
    assert_eq!(outcomes[1], ("patient.access_log", "denied", Some(tolvan)));
}

// ---- Fail closed ----------------------------------------------------------------------------------

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Rows in a table, counted directly.
fn count(app: &TestApp, table: &str) -> i64 {
    let mut conn = app.db.conn();
    diesel::sql_query(format!("SELECT count(*) AS n FROM {table}"))
        .get_result::<Count>(&mut conn)
        .expect("count")
        .n
}

#[actix_web::test]
async fn when_no_entry_can_be_written_the_request_fails_with_503_and_has_no_effect() {
    let app = TestApp::spawn().await;
    let tolvan = app.patient_id(TOLVAN);
    let nurse = Persona::nurse(HALMSTAD_KOMMUN);
    let mut conn = app.db.conn();
    conn.batch_execute("ALTER TABLE access_log ADD CONSTRAINT block CHECK (false) NOT VALID")
        .expect("block the access log");

    app.get(&format!("/api/v1/patients/{tolvan}"), &nurse)
        .await
        .assert_problem(503, "SERVICE_UNAVAILABLE");
    app.post(
        "/api/v1/messages/recept",
        &nurse,
        &recept_draft(tolvan, app.unit_id(VC_HALMSTAD)),
    )
    .await
    .assert_problem(503, "SERVICE_UNAVAILABLE");
    // A refusal whose `denied` entry cannot be written fails closed too.
    app.get(&format!("/api/v1/patients/{}", Uuid::new_v4()), &nurse)
        .await
        .assert_problem(503, "SERVICE_UNAVAILABLE");

    assert_eq!(count(&app, "messages"), 0, "the message was rolled back");
    assert_eq!(count(&app, "message_status_changes"), 0);
    assert_eq!(count(&app, "events"), 0, "its event was rolled back");
    assert_eq!(count(&app, "access_log"), 0);

    // Once the log can be written again, so can everything else.
    conn.batch_execute("ALTER TABLE access_log DROP CONSTRAINT block")
        .expect("unblock");
    app.get(&format!("/api/v1/patients/{tolvan}"), &nurse)
        .await
        .assert_status(200);
    assert_eq!(count(&app, "access_log"), 1);
}
