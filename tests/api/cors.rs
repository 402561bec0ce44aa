//! CORS: exact origins only. An allowed origin's preflight is answered with the API's methods
//! and headers, and its responses expose the headers a frontend reads; any other origin gets
//! no CORS header (its preflight is refused); without configured origins nothing is CORS.

use actix_web::http::{header, Method};
use actix_web::test::TestRequest;

use crate::helpers::{Persona, TestApp, HALMSTAD_KOMMUN};

const FRONTEND: &str = "https://vard.example.se";

fn preflight(origin: &str, method: &str, headers: &str) -> TestRequest {
    TestRequest::default()
        .method(Method::OPTIONS)
        .uri("/api/v1/messages/recept")
        .insert_header((header::ORIGIN, origin))
        .insert_header((header::ACCESS_CONTROL_REQUEST_METHOD, method))
        .insert_header((header::ACCESS_CONTROL_REQUEST_HEADERS, headers))
}

fn list(value: Option<String>) -> Vec<String> {
    value
        .unwrap_or_default()
        .split(',')
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect()
}

#[actix_web::test]
async fn an_allowed_origins_preflight_names_the_methods_and_headers_a_frontend_sends() {
    let app = TestApp::spawn_with_cors(&[FRONTEND, "http://localhost:5173"]).await;
    let res = app
        .send(preflight(
            FRONTEND,
            "POST",
            "authorization, content-type, idempotency-key, if-match, x-request-id",
        ))
        .await;
    assert_eq!(res.status.as_u16(), 200);
    assert_eq!(
        res.header("access-control-allow-origin").as_deref(),
        Some(FRONTEND)
    );
    let methods = list(res.header("access-control-allow-methods"));
    for m in ["get", "post", "patch"] {
        assert!(methods.contains(&m.to_string()), "{methods:?}");
    }
    let headers = list(res.header("access-control-allow-headers"));
    for h in [
        "authorization",
        "content-type",
        "idempotency-key",
        "x-request-id",
        "if-none-match",
        "if-match",
        "last-event-id",
    ] {
        assert!(headers.contains(&h.to_string()), "{h} in {headers:?}");
    }
    assert!(res.header("access-control-max-age").is_some());
}

#[actix_web::test]
async fn an_allowed_origins_answers_expose_the_headers_a_frontend_reads() {
    let app = TestApp::spawn_with_cors(&[FRONTEND]).await;
    let token = Persona::nurse(HALMSTAD_KOMMUN).token();
    let res = app
        .send(
            TestApp::request(Method::GET, "/api/v1/me", Some(&token))
                .insert_header((header::ORIGIN, FRONTEND)),
        )
        .await;
    assert_eq!(res.status.as_u16(), 200);
    assert_eq!(
        res.header("access-control-allow-origin").as_deref(),
        Some(FRONTEND)
    );
    let exposed = list(res.header("access-control-expose-headers"));
    for h in [
        "location",
        "x-request-id",
        "etag",
        "idempotent-replayed",
        "retry-after",
    ] {
        assert!(exposed.contains(&h.to_string()), "{h} in {exposed:?}");
    }
    assert!(list(res.header("vary")).contains(&"origin".to_string()));
}

#[actix_web::test]
async fn another_origin_gets_no_cors_headers_and_its_preflight_is_refused() {
    let app = TestApp::spawn_with_cors(&[FRONTEND]).await;
    for origin in [
        "https://evil.example",
        "https://vard.example.se.evil.example",
        "null",
    ] {
        let res = app.send(preflight(origin, "POST", "authorization")).await;
        assert_eq!(res.status.as_u16(), 400, "{origin}");
        assert!(
            res.header("access-control-allow-origin").is_none(),
            "{origin}"
        );
        assert_eq!(res.json()["status"], 400, "a problem document");

        let token = Persona::nurse(HALMSTAD_KOMMUN).token();
        let res = app
            .send(
                TestApp::request(Method::GET, "/api/v1/me", Some(&token))
                    .insert_header((header::ORIGIN, origin)),
            )
            .await;
        assert_eq!(
            res.status.as_u16(),
            200,
            "non-browser clients are unaffected"
        );
        assert!(
            res.header("access-control-allow-origin").is_none(),
            "{origin}"
        );
    }
}

#[actix_web::test]
async fn a_preflight_for_a_header_or_method_the_api_does_not_take_is_refused() {
    let app = TestApp::spawn_with_cors(&[FRONTEND]).await;
    let res = app
        .send(preflight(FRONTEND, "POST", "x-custom-secret"))
        .await;
    assert_eq!(res.status.as_u16(), 400);
    assert!(res.header("access-control-allow-origin").is_none());
    let res = app
        .send(preflight(FRONTEND, "TRACE", "authorization"))
        .await;
    assert_eq!(res.status.as_u16(), 400);
}

#[actix_web::test]
async fn without_configured_origins_nothing_is_cors() {
    let app = TestApp::spawn().await;
    let res = app.send(preflight(FRONTEND, "POST", "authorization")).await;
    assert!(res.header("access-control-allow-origin").is_none());
    assert_ne!(res.status.as_u16(), 200);
    let token = Persona::nurse(HALMSTAD_KOMMUN).token();
    let res = app
        .send(
            TestApp::request(Method::GET, "/api/v1/me", Some(&token))
                .insert_header((header::ORIGIN, FRONTEND)),
        )
        .await;
    assert_eq!(res.status.as_u16(), 200);
    assert!(res.header("access-control-allow-origin").is_none());
    assert!(res.header("access-control-expose-headers").is_none());
}
