//! Server defects contract fuzzing (script/fuzz) found, each pinned by a test.

use actix_web::http::Method;
use serde_json::json;

use crate::helpers::*;

/// The shortest HSA-id (one suffix character, 14 in all) passed the API's checks and then broke
/// the database's length constraint: a 500.
#[actix_web::test]
async fn a_fourteen_character_hsa_id_registers_a_unit() {
    let app = TestApp::spawn().await;
    let res = app
        .post(
            "/api/v1/units",
            &Persona::admin(),
            &json!({"hsa_id": "SE4063068006-x", "name": "Kort id", "kind": "psykiatri"}),
        )
        .await;
    let body = res.assert_status(201);
    assert_eq!(body["hsa_id"], "SE4063068006-x");
}

/// A NUL in a free-text query parameter reached PostgreSQL, which cannot compare such text: a
/// 500. It is a 400 now, like any other bad query parameter.
#[actix_web::test]
async fn a_nul_in_a_text_query_parameter_is_400() {
    let app = TestApp::spawn().await;
    app.get("/api/v1/units?q=a%00b", &Persona::nurse(HALMSTAD_KOMMUN))
        .await
        .assert_problem(400, "INVALID_QUERY");
    app.get(
        "/api/v1/audit?actor=%00",
        &Persona::auditor(HALMSTAD_KOMMUN),
    )
    .await
    .assert_problem(400, "INVALID_QUERY");
}

/// `/patients/lookup` is a resource of its own (POST only), not a patient id for
/// `GET /patients/{id}`: another method is 405 and `Allow` names only POST.
#[actix_web::test]
async fn patients_lookup_takes_only_post() {
    let app = TestApp::spawn().await;
    let token = Persona::nurse(HALMSTAD_KOMMUN).token();
    for method in [Method::GET, Method::OPTIONS, Method::PUT] {
        let res = app
            .send(TestApp::request(
                method.clone(),
                "/api/v1/patients/lookup",
                Some(&token),
            ))
            .await;
        res.assert_problem(405, "METHOD_NOT_ALLOWED");
        assert_eq!(res.header("allow").as_deref(), Some("POST"), "{method}");
    }
    // A malformed id is still the 404 of an unknown one.
    app.get(
        "/api/v1/patients/not-an-id",
        &Persona::nurse(HALMSTAD_KOMMUN),
    )
    .await
    .assert_problem(404, "NOT_FOUND");
}
