//! One language for people (issue 15 part 5): every text a nurse may read — problem `title`
//! and `detail`, violation `message`, the rule catalogue — is Swedish by default and English
//! with `Accept-Language: en`; codes, fields and statuses never change with the language.
//!
//! The test walks the catalogue: every kind of problem the API answers (400–415, 422 for each
//! field check and each rule of the routine), asked once without `Accept-Language` and once
//! with `en`. No Swedish answer may carry an English sentence and no English answer a Swedish
//! one; quoted values (`code`, "text") are what the caller sent or names, not sentences.

use std::collections::BTreeSet;

use actix_web::http::{header, Method};
use actix_web::test::TestRequest;
use serde_json::{json, Value};
use time::Duration;
use uuid::Uuid;

use crate::helpers::*;
use crate::messages::{
    kommun_nurse, recept_body, today, uppfoljning_body, vc_doctor, SAMORDNAD, TOLVAN,
};

/// Words that only an English sentence has.
const ENGLISH: &[&str] = &[
    "the",
    "is",
    "are",
    "must",
    "should",
    "not",
    "with",
    "this",
    "that",
    "which",
    "your",
    "you",
    "only",
    "may",
    "has",
    "have",
    "was",
    "of",
    "to",
    "and",
    "or",
    "for",
    "from",
    "at",
    "it",
    "no",
    "give",
    "send",
    "write",
    "phone",
    "field",
    "date",
    "message",
    "request",
    "unit",
    "characters",
    "most",
    "already",
    "there",
];

/// Words that only a Swedish sentence has.
const SWEDISH: &[&str] = &[
    "och",
    "är",
    "inte",
    "ska",
    "får",
    "med",
    "för",
    "att",
    "eller",
    "en",
    "ett",
    "det",
    "som",
    "har",
    "kan",
    "till",
    "på",
    "av",
    "om",
    "ingen",
    "inget",
    "högst",
    "ange",
    "skicka",
    "ring",
    "fältet",
    "datumet",
    "meddelandet",
    "enheten",
];

/// The words of a text outside its quotes: `code`, "value" and (…) quoting a cause verbatim are
/// left out, so a field name or a typed value does not count as a sentence.
fn words(text: &str) -> Vec<String> {
    let mut out = String::new();
    let mut quote: Option<char> = None;
    for c in text.chars() {
        match (quote, c) {
            (None, '`' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, c) => out.push(c),
            (Some(_), _) => {}
        }
    }
    out.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn assert_language(texts: &[String], forbidden: &[&str], what: &str, case: &str) {
    for t in texts {
        let found: Vec<String> = words(t)
            .into_iter()
            .filter(|w| forbidden.contains(&w.as_str()))
            .collect();
        assert!(
            found.is_empty(),
            "{case}: the {what} answer has words of the other language {found:?}: {t}"
        );
    }
}

/// Every text for people in an answer: title, detail, each violation's message.
fn texts_of(body: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for key in ["title", "detail"] {
        if let Some(s) = body[key].as_str() {
            out.push(s.to_string());
        }
    }
    for v in body["violations"].as_array().into_iter().flatten() {
        out.push(v["message"].as_str().unwrap_or_default().to_string());
    }
    out
}

/// `(code, field)` of each violation.
fn violation_keys(body: &Value) -> Vec<(String, String)> {
    body["violations"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| {
            (
                v["code"].as_str().unwrap_or_default().to_string(),
                v["field"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// One request of the catalogue, built fresh for each language.
struct Case {
    name: &'static str,
    status: u16,
    code: &'static str,
    make: Box<dyn Fn() -> TestRequest>,
}

fn case(
    name: &'static str,
    status: u16,
    code: &'static str,
    make: impl Fn() -> TestRequest + 'static,
) -> Case {
    Case {
        name,
        status,
        code,
        make: Box::new(make),
    }
}

fn post_json(path: String, token: String, body: Value) -> impl Fn() -> TestRequest {
    move || TestApp::request(Method::POST, &path, Some(&token)).set_json(&body)
}

fn get(path: String, token: Option<String>) -> impl Fn() -> TestRequest {
    move || TestApp::request(Method::GET, &path, token.as_deref())
}

/// Sends a case in both languages and checks the pair; returns the violation codes seen.
async fn check(app: &TestApp, c: &Case) -> BTreeSet<String> {
    let sv = app.send((c.make)()).await;
    let en = app
        .send((c.make)().insert_header((header::ACCEPT_LANGUAGE, "en-GB, en;q=0.9")))
        .await;
    let sv_body = sv.assert_problem(c.status, c.code);
    let en_body = en.assert_problem(c.status, c.code);
    assert_eq!(sv_body["type"], en_body["type"], "{}", c.name);
    assert_eq!(
        violation_keys(&sv_body),
        violation_keys(&en_body),
        "{}: the same violations in both languages",
        c.name
    );
    assert_eq!(
        sv.header("content-language").as_deref(),
        Some("sv"),
        "{}",
        c.name
    );
    assert_eq!(
        en.header("content-language").as_deref(),
        Some("en"),
        "{}",
        c.name
    );
    assert!(
        sv.headers
            .get_all(header::VARY)
            .any(|v| v.to_str().unwrap_or("").contains("Accept-Language")),
        "{}: Vary: Accept-Language",
        c.name
    );
    let (sv_texts, en_texts) = (texts_of(&sv_body), texts_of(&en_body));
    assert_language(&sv_texts, ENGLISH, "Swedish", c.name);
    assert_language(&en_texts, SWEDISH, "English", c.name);
    assert_ne!(sv_body["title"], en_body["title"], "{}", c.name);
    assert_ne!(sv_body["detail"], en_body["detail"], "{}", c.name);
    for (s, e) in sv_texts.iter().zip(&en_texts).skip(2) {
        assert_ne!(s, e, "{}: a violation message is translated", c.name);
    }
    violation_keys(&sv_body)
        .into_iter()
        .map(|(code, _)| code)
        .collect()
}

#[actix_web::test]
async fn every_problem_and_field_check_is_swedish_by_default_and_english_on_request() {
    let app = TestApp::spawn().await;
    let nurse = kommun_nurse().token();
    let doctor = vc_doctor().token();
    let admin = Persona::admin().token();
    let tolvan = app.patient_id(TOLVAN);
    let vc = app.unit_id(VC_HALMSTAD);
    let recept = |f: &dyn Fn(&mut Value)| {
        let mut b = recept_body(tolvan, vc);
        f(&mut b);
        b
    };
    let message = app
        .post(
            "/api/v1/messages/recept",
            &kommun_nurse(),
            &recept_body(tolvan, vc),
        )
        .await
        .assert_status(201);
    let message_id = message["id"].as_str().unwrap().to_string();
    let samordnad = app.take_up(&kommun_nurse(), SAMORDNAD).await;
    let in_past = (today() - Duration::days(1)).to_string();
    let far = (today() + Duration::days(400)).to_string();
    let future = (time::OffsetDateTime::now_utc() + Duration::days(2))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();

    let cases = vec![
        // 400, 401, 404, 405, 412, 413, 415
        case(
            "no token",
            401,
            "UNAUTHENTICATED",
            get("/api/v1/me".into(), None),
        ),
        case(
            "a forged token",
            401,
            "UNAUTHENTICATED",
            get("/api/v1/me".into(), Some("x.y.z".into())),
        ),
        case(
            "no such route",
            404,
            "NOT_FOUND",
            get("/api/v1/nothing-here".into(), Some(nurse.clone())),
        ),
        case(
            "an unknown message",
            404,
            "NOT_FOUND",
            get(
                format!("/api/v1/messages/{}", Uuid::new_v4()),
                Some(nurse.clone()),
            ),
        ),
        case(
            "an unknown patient",
            404,
            "NOT_FOUND",
            get(
                format!("/api/v1/patients/{}", Uuid::new_v4()),
                Some(nurse.clone()),
            ),
        ),
        case("a wrong method", 405, "METHOD_NOT_ALLOWED", {
            let t = nurse.clone();
            move || TestApp::request(Method::DELETE, "/api/v1/me", Some(&t))
        }),
        case("a text body", 415, "UNSUPPORTED_MEDIA_TYPE", {
            let t = nurse.clone();
            move || {
                TestApp::request(Method::POST, "/api/v1/messages/recept", Some(&t))
                    .insert_header((header::CONTENT_TYPE, "text/plain"))
                    .set_payload("hej")
            }
        }),
        case("broken JSON", 400, "MALFORMED_JSON", {
            let t = nurse.clone();
            move || {
                TestApp::request(Method::POST, "/api/v1/messages/recept", Some(&t))
                    .insert_header((header::CONTENT_TYPE, "application/json"))
                    .set_payload("{\"subject\": ")
            }
        }),
        case("a body over the limit", 413, "PAYLOAD_TOO_LARGE", {
            let t = nurse.clone();
            move || {
                TestApp::request(Method::POST, "/api/v1/messages/recept", Some(&t))
                    .insert_header((header::CONTENT_TYPE, "application/json"))
                    .set_payload(format!("{{\"body\": \"{}\"}}", "a".repeat(70_000)))
            }
        }),
        case(
            "a query that does not parse",
            400,
            "INVALID_QUERY",
            get("/api/v1/units?limit=abc".into(), Some(nurse.clone())),
        ),
        case(
            "a limit out of range",
            400,
            "INVALID_QUERY",
            get("/api/v1/units?limit=5000".into(), Some(nurse.clone())),
        ),
        case(
            "a made-up cursor",
            400,
            "INVALID_CURSOR",
            get("/api/v1/units?cursor=bm9wZQ".into(), Some(nurse.clone())),
        ),
        case("a bad idempotency key", 400, "INVALID_IDEMPOTENCY_KEY", {
            let t = nurse.clone();
            let b = recept_body(tolvan, vc);
            move || {
                TestApp::request(Method::POST, "/api/v1/messages/recept", Some(&t))
                    .insert_header(("idempotency-key", "å"))
                    .set_json(&b)
            }
        }),
        case("a stale If-Match", 412, "PRECONDITION_FAILED", {
            let t = doctor.clone();
            let path = format!("/api/v1/messages/{message_id}/read");
            move || {
                TestApp::request(Method::POST, &path, Some(&t))
                    .insert_header((header::IF_MATCH, "\"stale\""))
                    .set_json(json!({}))
            }
        }),
        // 403 and 409
        case(
            "a role the caller lacks",
            403,
            "ROLE_REQUIRED",
            get("/api/v1/audit".into(), Some(nurse.clone())),
        ),
        case(
            "the wrong party",
            403,
            "RECIPIENT_ONLY",
            post_json(
                format!("/api/v1/messages/{message_id}/read"),
                nurse.clone(),
                json!({}),
            ),
        ),
        case(
            "a transition that is not allowed",
            409,
            "INVALID_TRANSITION",
            post_json(
                format!("/api/v1/messages/{message_id}/close"),
                nurse.clone(),
                json!({}),
            ),
        ),
        case(
            "an open enrollment",
            409,
            "ALREADY_ENROLLED",
            post_json(
                format!("/api/v1/patients/{tolvan}/enrollments"),
                nurse.clone(),
                json!({"start_date": today().to_string()}),
            ),
        ),
        case(
            "a taken HSA-id",
            409,
            "HSA_ID_TAKEN",
            post_json(
                "/api/v1/units".into(),
                admin.clone(),
                json!({"hsa_id": VC_HALMSTAD, "name": "Dubblett", "kind": "narsjukvard"}),
            ),
        ),
        // 422: the routine's rules
        case(
            "urgent, attached, narcotic, new",
            422,
            "ROUTINE_VIOLATION",
            post_json(
                "/api/v1/messages/recept".into(),
                nurse.clone(),
                recept(&|b| {
                    b["body"] =
                        json!("Behöver svar snarast. data:application/pdf;base64,JVBERi0xLjQKJcfs");
                    b["details"]["drug_name"] = json!("OxyNorm");
                    b["details"]["kind"] = json!("nyforskrivning");
                    b["bilaga"] = json!("lakemedelslista.pdf");
                }),
            ),
        ),
        case(
            "a patient not enrolled",
            422,
            "ROUTINE_VIOLATION",
            post_json(
                "/api/v1/messages/recept".into(),
                nurse.clone(),
                recept_body(samordnad, vc),
            ),
        ),
        case(
            "a kommun recipient",
            422,
            "ROUTINE_VIOLATION",
            post_json(
                "/api/v1/messages/recept".into(),
                nurse.clone(),
                recept_body(tolvan, app.unit_id(VARBERG_KOMMUN)),
            ),
        ),
        case(
            "unlicensed staff",
            422,
            "ROUTINE_VIOLATION",
            post_json(
                "/api/v1/messages/recept".into(),
                Persona::assistant(HALMSTAD_KOMMUN).token(),
                recept_body(tolvan, vc),
            ),
        ),
        // 422: field checks
        case(
            "a missing field",
            422,
            "VALIDATION_FAILED",
            post_json(
                "/api/v1/messages/recept".into(),
                nurse.clone(),
                recept(&|b| {
                    b.as_object_mut().unwrap().remove("subject");
                }),
            ),
        ),
        case(
            "an unknown field and a value of the wrong type",
            422,
            "VALIDATION_FAILED",
            post_json(
                "/api/v1/messages/recept".into(),
                nurse.clone(),
                recept(&|b| {
                    b["colour"] = json!("blå");
                    b["subject"] = json!(5);
                }),
            ),
        ),
        case(
            "an unknown choice",
            422,
            "VALIDATION_FAILED",
            post_json(
                "/api/v1/messages/recept".into(),
                nurse.clone(),
                recept(&|b| {
                    b["details"]["kind"] = json!("kanske");
                }),
            ),
        ),
        case(
            "empty and long texts, bad codes",
            422,
            "VALIDATION_FAILED",
            post_json(
                "/api/v1/messages/recept".into(),
                nurse.clone(),
                recept(&|b| {
                    b["body"] = json!("   ");
                    b["subject"] = json!("x".repeat(300));
                    b["details"]["atc_code"] = json!("C09");
                    b["details"]["npl_id"] = json!("123");
                }),
            ),
        ),
        case(
            "dates",
            422,
            "VALIDATION_FAILED",
            post_json(
                "/api/v1/messages/provtagning".into(),
                nurse.clone(),
                json!({
                    "patient_id": tolvan, "recipient_unit_id": vc, "subject": "Prover", "body": "Prover vid hembesök.",
                    "details": {"analyses": [], "requested_date": "12/1/2026", "fasting": false, "sampled_by": "kommun"}
                }),
            ),
        ),
        case(
            "a date passed and one too far ahead",
            422,
            "VALIDATION_FAILED",
            post_json(
                "/api/v1/messages/bokning".into(),
                nurse.clone(),
                json!({
                    "patient_id": tolvan, "recipient_unit_id": vc, "subject": "Besök", "body": "Önskar besök.",
                    "details": {"visit_type": "arskontroll", "location": "hembesok", "preferred_dates": [in_past, far], "reason": "Kontroll."}
                }),
            ),
        ),
        case(
            "implausible measurements",
            422,
            "VALIDATION_FAILED",
            post_json("/api/v1/messages/uppfoljning".into(), nurse.clone(), {
                let mut b = uppfoljning_body(tolvan, vc);
                b["details"]["measurements"] = json!([
                    {"type": "blodtryck", "systolic": 80.0, "diastolic": 95.0, "measured_at": future},
                    {"type": "vikt", "kg": 900.0, "measured_at": future}
                ]);
                b
            }),
        ),
        case(
            "neither measurements nor a request",
            422,
            "VALIDATION_FAILED",
            post_json("/api/v1/messages/uppfoljning".into(), nurse.clone(), {
                let mut b = uppfoljning_body(tolvan, vc);
                b["details"]["measurements"] = json!([]);
                b
            }),
        ),
        case(
            "a personnummer with a wrong check digit",
            422,
            "VALIDATION_FAILED",
            post_json(
                "/api/v1/patients/lookup".into(),
                nurse.clone(),
                json!({"personal_identity_number": "19121212-1213"}),
            ),
        ),
        case(
            "a personnummer of the wrong shape",
            422,
            "VALIDATION_FAILED",
            post_json(
                "/api/v1/patients/lookup".into(),
                nurse.clone(),
                json!({"personal_identity_number": "12"}),
            ),
        ),
        case(
            "an enrollment date",
            422,
            "VALIDATION_FAILED",
            post_json(
                format!("/api/v1/patients/{samordnad}/enrollments"),
                nurse.clone(),
                json!({"start_date": "igår"}),
            ),
        ),
        case(
            "a unit that cannot be",
            422,
            "VALIDATION_FAILED",
            post_json(
                "/api/v1/units".into(),
                admin.clone(),
                json!({
                    "hsa_id": "nej", "name": "", "kind": "kommun", "municipality_code": "9999"
                }),
            ),
        ),
        case(
            "a reply that cancels nothing",
            422,
            "VALIDATION_FAILED",
            post_json(
                format!("/api/v1/messages/{message_id}/cancel"),
                nurse.clone(),
                json!({"reason": "other"}),
            ),
        ),
    ];

    let mut seen = BTreeSet::new();
    for c in &cases {
        seen.extend(check(&app, c).await);
    }
    for rule in samverkan::domain::rules::RuleCode::ALL {
        assert!(
            seen.contains(rule.as_str()),
            "the walk covers the rule {rule}"
        );
    }
    for code in [
        "REQUIRED",
        "TOO_LONG",
        "MISSING_FIELD",
        "UNKNOWN_FIELD",
        "INVALID_VALUE",
        "DATE_FORMAT",
        "DATE_IN_PAST",
        "DATE_TOO_FAR_AHEAD",
        "ATC_FORMAT",
        "NPL_FORMAT",
        "COUNT",
        "VALUE_OUT_OF_RANGE",
        "SYSTOLIC_NOT_ABOVE_DIASTOLIC",
        "MEASURED_AT_IN_FUTURE",
        "MEASUREMENTS_OR_REQUEST",
        "PNR_CHECKSUM",
        "PNR_FORMAT",
        "HSA_ID_FORMAT",
        "LENGTH",
        "MUNICIPALITY_CODE",
        "COMMENT_REQUIRED",
    ] {
        assert!(
            seen.contains(code),
            "the walk covers the field check {code}: {seen:?}"
        );
    }
}

#[actix_web::test]
async fn the_rule_catalogue_and_a_draft_check_follow_the_language() {
    let app = TestApp::spawn().await;
    let nurse = kommun_nurse();
    let sv = app.get("/api/v1/rules", &nurse).await.assert_status(200);
    let en = app
        .send(
            TestApp::request(Method::GET, "/api/v1/rules", Some(&nurse.token()))
                .insert_header((header::ACCEPT_LANGUAGE, "en")),
        )
        .await
        .assert_status(200);
    for (s, e) in sv.as_array().unwrap().iter().zip(en.as_array().unwrap()) {
        assert_eq!(s["code"], e["code"]);
        assert_eq!(
            s["routine_quote"], e["routine_quote"],
            "the routine's own words"
        );
        let texts = |v: &Value| {
            vec![
                v["title"].as_str().unwrap().to_string(),
                v["explanation"].as_str().unwrap().to_string(),
            ]
        };
        assert_language(&texts(s), ENGLISH, "Swedish", "rules");
        assert_language(&texts(e), SWEDISH, "English", "rules");
        assert_ne!(s["explanation"], e["explanation"]);
    }

    let mut draft = recept_body(app.patient_id(TOLVAN), app.unit_id(VC_HALMSTAD));
    draft["body"] = json!("Kan ni förnya snarast?");
    let path = "/api/v1/messages/recept/validate";
    let sv = app.post(path, &nurse, &draft).await.assert_status(200);
    let en = app
        .send(
            TestApp::request(Method::POST, path, Some(&nurse.token()))
                .insert_header((header::ACCEPT_LANGUAGE, "sv;q=0.5, en;q=0.8"))
                .set_json(&draft),
        )
        .await
        .assert_status(200);
    assert_eq!(sv["violations"][0]["code"], "AKUT");
    assert_eq!(en["violations"][0]["code"], "AKUT");
    let sv_text = sv["violations"][0]["message"].as_str().unwrap();
    let en_text = en["violations"][0]["message"].as_str().unwrap();
    assert!(
        sv_text.contains("\"snarast\"") && sv_text.contains("akut ärende"),
        "{sv_text}"
    );
    assert!(
        en_text.contains("\"snarast\"") && en_text.contains("urgent matter"),
        "{en_text}"
    );
}

#[actix_web::test]
async fn a_preference_for_another_language_or_swedish_gets_swedish() {
    let app = TestApp::spawn().await;
    for value in ["sv-SE", "de, fr;q=0.8", "*", "en;q=0", "sv, en"] {
        let res = app
            .send(
                TestApp::request(Method::GET, "/api/v1/me", None)
                    .insert_header((header::ACCEPT_LANGUAGE, value)),
            )
            .await;
        let body = res.assert_problem(401, "UNAUTHENTICATED");
        assert_eq!(
            res.header("content-language").as_deref(),
            Some("sv"),
            "{value}"
        );
        assert_eq!(body["title"], "Inte inloggad", "{value}");
    }
    let res = app
        .send(
            TestApp::request(Method::GET, "/api/v1/me", None)
                .insert_header((header::ACCEPT_LANGUAGE, "en-US")),
        )
        .await;
    assert_eq!(
        res.assert_problem(401, "UNAUTHENTICATED")["title"],
        "Unauthenticated"
    );
}
