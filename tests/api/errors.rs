//! Error classes: every failure answers RFC 9457 problem+json with a stable code and the
//! request id — never HTML, plain text or a stack trace.

use actix_web::http::{header, Method};
use serde_json::json;

use crate::helpers::{Persona, TestApp};

fn admin_post(body: &'static [u8], content_type: Option<&str>) -> actix_web::test::TestRequest {
    let mut req = TestApp::request(
        Method::POST,
        "/api/v1/units",
        Some(&Persona::admin().token()),
    )
    .set_payload(body);
    if let Some(ct) = content_type {
        req = req.insert_header((header::CONTENT_TYPE, ct));
    }
    req
}

#[actix_web::test]
async fn malformed_json_is_400() {
    let app = TestApp::spawn().await;
    let res = app
        .send(admin_post(b"{\"hsa_id\": ", Some("application/json")))
        .await;
    res.assert_problem(400, "MALFORMED_JSON");
    let empty = app.send(admin_post(b"", Some("application/json"))).await;
    empty.assert_problem(400, "MALFORMED_JSON");
}

#[actix_web::test]
async fn a_body_that_is_not_json_is_415() {
    let app = TestApp::spawn().await;
    app.send(admin_post(
        b"hsa_id=x",
        Some("application/x-www-form-urlencoded"),
    ))
    .await
    .assert_problem(415, "UNSUPPORTED_MEDIA_TYPE");
    app.send(admin_post(b"{}", Some("text/plain")))
        .await
        .assert_problem(415, "UNSUPPORTED_MEDIA_TYPE");
    app.send(admin_post(b"{}", None))
        .await
        .assert_problem(415, "UNSUPPORTED_MEDIA_TYPE");
}

#[actix_web::test]
async fn a_body_over_the_limit_is_413_and_one_at_the_limit_is_read() {
    let app = TestApp::spawn_with_body_limit(2048).await;
    let big = format!("{{\"name\": \"{}\"}}", "x".repeat(2100));
    let req = TestApp::request(
        Method::POST,
        "/api/v1/units",
        Some(&Persona::admin().token()),
    )
    .insert_header((header::CONTENT_TYPE, "application/json"))
    .set_payload(big);
    app.send(req).await.assert_problem(413, "PAYLOAD_TOO_LARGE");

    // Exactly at the limit the body is read (and then judged on its content).
    let filler = 2048 - "{\"name\": \"\"}".len();
    let at_limit = format!("{{\"name\": \"{}\"}}", "x".repeat(filler));
    assert_eq!(at_limit.len(), 2048);
    let req = TestApp::request(
        Method::POST,
        "/api/v1/units",
        Some(&Persona::admin().token()),
    )
    .insert_header((header::CONTENT_TYPE, "application/json"))
    .set_payload(at_limit);
    app.send(req).await.assert_problem(422, "VALIDATION_FAILED");
}

#[actix_web::test]
async fn an_unknown_route_is_404() {
    let app = TestApp::spawn().await;
    app.get("/api/v1/nope", &Persona::admin())
        .await
        .assert_problem(404, "NOT_FOUND");
    app.send(TestApp::request(Method::GET, "/nothing/here", None))
        .await
        .assert_problem(404, "NOT_FOUND");
}

#[actix_web::test]
async fn a_wrong_method_is_405_with_allow() {
    let app = TestApp::spawn().await;
    let res = app
        .send(TestApp::request(
            Method::DELETE,
            "/api/v1/me",
            Some(&Persona::admin().token()),
        ))
        .await;
    res.assert_problem(405, "METHOD_NOT_ALLOWED");
    assert_eq!(res.header("allow").as_deref(), Some("GET"));
    let res = app
        .send(TestApp::request(Method::PUT, "/api/v1/units/123", None))
        .await;
    res.assert_problem(405, "METHOD_NOT_ALLOWED");
    assert_eq!(res.header("allow").as_deref(), Some("GET, PATCH"));
}

#[actix_web::test]
async fn the_request_id_is_echoed_in_the_problem_body() {
    let app = TestApp::spawn().await;
    let res = app
        .send(
            TestApp::request(Method::GET, "/api/v1/nope", None)
                .insert_header(("X-Request-Id", "trace-42")),
        )
        .await;
    let body = res.assert_problem(404, "NOT_FOUND");
    assert_eq!(body["request_id"], "trace-42");
    assert_eq!(res.header("x-request-id").as_deref(), Some("trace-42"));
}

#[actix_web::test]
async fn an_unknown_field_is_422_naming_it() {
    let app = TestApp::spawn().await;
    let res = app
        .post(
            "/api/v1/units",
            &Persona::admin(),
            &json!({"hsa_id": "SE2321000115-DEMOX1", "name": "X", "kind": "narsjukvard", "colour": "red"}),
        )
        .await;
    let body = res.assert_problem(422, "VALIDATION_FAILED");
    assert_eq!(body["violations"][0]["code"], "UNKNOWN_FIELD");
}

#[actix_web::test]
async fn a_wrong_type_is_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let res = app
        .post(
            "/api/v1/units",
            &Persona::admin(),
            &json!({"hsa_id": 12, "name": "X", "kind": "narsjukvard"}),
        )
        .await;
    let body = res.assert_problem(422, "VALIDATION_FAILED");
    assert_eq!(body["violations"][0]["field"], "hsa_id");
    assert_eq!(body["violations"][0]["code"], "INVALID_VALUE");
}

#[actix_web::test]
async fn a_nul_character_is_422_not_500() {
    let app = TestApp::spawn().await;
    let res = app
        .post(
            "/api/v1/units",
            &Persona::admin(),
            &json!({"hsa_id": "SE2321000115-DEMOX1", "name": "A\u{0}B", "kind": "narsjukvard"}),
        )
        .await;
    let body = res.assert_problem(422, "VALIDATION_FAILED");
    assert_eq!(body["violations"][0]["code"], "NUL_CHARACTER");
    assert_eq!(body["violations"][0]["field"], "name");
}

#[actix_web::test]
async fn a_malformed_id_in_the_path_is_404_and_a_bad_query_is_400() {
    let app = TestApp::spawn().await;
    app.get("/api/v1/units/not-a-uuid", &Persona::admin())
        .await
        .assert_problem(404, "NOT_FOUND");
    app.get("/api/v1/units?limit=abc", &Persona::admin())
        .await
        .assert_problem(400, "INVALID_QUERY");
    app.get("/api/v1/units?limit=0", &Persona::admin())
        .await
        .assert_problem(400, "INVALID_QUERY");
    app.get("/api/v1/units?cursor=forged", &Persona::admin())
        .await
        .assert_problem(400, "INVALID_CURSOR");
}

#[actix_web::test]
async fn a_panicking_handler_answers_500_problem_json_and_the_server_stays_up() {
    use actix_web::{test, web};

    let db = crate::helpers::TestDb::new();
    let state = crate::helpers::app_state(samverkan::db::build_pool(
        &db.url,
        2,
        std::time::Duration::from_secs(2),
    ));
    let app = test::init_service(samverkan::startup::build_app(web::Data::new(state)).route(
        "/test/panic",
        web::get().to(|| async { panic!("deliberate test panic") as &'static str }),
    ))
    .await;
    // The middleware hands the rendered 500 to the server as an error carrying its response,
    // exactly as the HTTP server turns it into the answer.
    let res = match test::try_call_service(
        &app,
        test::TestRequest::get().uri("/test/panic").to_request(),
    )
    .await
    {
        Ok(_) => panic!("a panicking handler must not produce a normal response"),
        Err(e) => e.error_response(),
    };
    assert_eq!(res.status().as_u16(), 500);
    assert!(res.headers().get("x-request-id").is_some());
    let ct = res
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(ct.starts_with("application/problem+json"), "{ct}");
    let bytes = actix_web::body::to_bytes(res.into_body())
        .await
        .unwrap_or_default();
    let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(body["code"], "INTERNAL_ERROR");
    assert!(
        !body.to_string().contains("deliberate"),
        "no panic text leaks: {body}"
    );
    // The same service keeps answering.
    let live = test::call_service(
        &app,
        test::TestRequest::get().uri("/health/live").to_request(),
    )
    .await;
    assert_eq!(live.status().as_u16(), 200);
}
