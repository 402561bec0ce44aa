//! Probes and the documentation endpoints.

use actix_web::http::Method;

use crate::helpers::TestApp;

#[actix_web::test]
async fn liveness_answers_ok_without_a_token() {
    let app = TestApp::spawn().await;
    let res = app
        .send(TestApp::request(Method::GET, "/health/live", None))
        .await;
    assert_eq!(res.assert_status(200)["status"], "ok");
}

#[actix_web::test]
async fn readiness_answers_ok_when_the_database_is_migrated() {
    let app = TestApp::spawn().await;
    let res = app
        .send(TestApp::request(Method::GET, "/health/ready", None))
        .await;
    assert_eq!(res.assert_status(200)["status"], "ok");
}

#[actix_web::test]
async fn readiness_answers_503_when_migrations_are_pending() {
    let app = TestApp::spawn().await;
    {
        use diesel::connection::SimpleConnection;
        let mut conn = app.db.conn();
        conn.batch_execute("DELETE FROM __diesel_schema_migrations")
            .unwrap();
    }
    let res = app
        .send(TestApp::request(Method::GET, "/health/ready", None))
        .await;
    res.assert_problem(503, "SERVICE_UNAVAILABLE");
}

#[actix_web::test]
async fn the_openapi_document_and_swagger_ui_are_served() {
    let app = TestApp::spawn().await;
    let doc = app
        .send(TestApp::request(
            Method::GET,
            "/api-docs/openapi.json",
            None,
        ))
        .await;
    let doc = doc.assert_status(200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(doc["paths"]["/api/v1/me"]["get"].is_object());

    let ui = app
        .send(TestApp::request(Method::GET, "/swagger-ui/", None))
        .await;
    assert_eq!(ui.status.as_u16(), 200);
    assert!(String::from_utf8_lossy(&ui.body).contains("swagger"));

    let redirect = app
        .send(TestApp::request(Method::GET, "/swagger-ui", None))
        .await;
    assert!(redirect.status.is_redirection());
    assert_eq!(redirect.header("location").as_deref(), Some("/swagger-ui/"));
}

#[actix_web::test]
async fn every_response_carries_a_request_id_and_security_headers() {
    let app = TestApp::spawn().await;
    let res = app
        .send(
            TestApp::request(Method::GET, "/health/live", None)
                .insert_header(("X-Request-Id", "abc-123")),
        )
        .await;
    assert_eq!(res.header("x-request-id").as_deref(), Some("abc-123"));
    assert_eq!(
        res.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    assert_eq!(res.header("cache-control").as_deref(), Some("no-store"));

    let generated = app
        .send(TestApp::request(Method::GET, "/health/live", None))
        .await;
    assert_eq!(generated.header("x-request-id").unwrap().len(), 36);

    let hostile = app
        .send(
            TestApp::request(Method::GET, "/health/live", None)
                .insert_header(("X-Request-Id", "a b;<script>")),
        )
        .await;
    assert_ne!(
        hostile.header("x-request-id").as_deref(),
        Some("a b;<script>")
    );
}
