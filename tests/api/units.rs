//! The directory of units: admin-only writes, validation of every field combination, filters
//! and keyset pagination.

use serde_json::{json, Value};

use crate::helpers::{Persona, TestApp, HALMSTAD_KOMMUN, VC_HALMSTAD};

fn new_vc(hsa: &str) -> Value {
    json!({"hsa_id": hsa, "name": "Vårdcentralen Test", "kind": "narsjukvard"})
}

fn codes(body: &Value) -> Vec<String> {
    body["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["code"].as_str().unwrap().to_string())
        .collect()
}

#[actix_web::test]
async fn an_admin_registers_a_unit_and_gets_201_with_location() {
    let app = TestApp::spawn().await;
    let res = app
        .post(
            "/api/v1/units",
            &Persona::admin(),
            &new_vc("SE2321000115-NEWVC1"),
        )
        .await;
    let unit = res.assert_status(201);
    assert_eq!(unit["hsa_id"], "SE2321000115-NEWVC1");
    assert_eq!(unit["active"], true);
    assert_eq!(unit["participating"], false);
    let location = res.header("location").unwrap();
    assert_eq!(
        location,
        format!("/api/v1/units/{}", unit["id"].as_str().unwrap())
    );
    let fetched = app
        .get(&location, &Persona::nurse(HALMSTAD_KOMMUN))
        .await
        .assert_status(200);
    assert_eq!(fetched["name"], "Vårdcentralen Test");
}

#[actix_web::test]
async fn a_non_admin_cannot_create_or_change_units() {
    let app = TestApp::spawn().await;
    app.post(
        "/api/v1/units",
        &Persona::nurse(HALMSTAD_KOMMUN),
        &new_vc("SE2321000115-NEWVC1"),
    )
    .await
    .assert_problem(403, "ROLE_REQUIRED");
    let id = app.unit_id(VC_HALMSTAD);
    app.patch(
        &format!("/api/v1/units/{id}"),
        &Persona::doctor(VC_HALMSTAD),
        &json!({"active": false}),
    )
    .await
    .assert_problem(403, "ROLE_REQUIRED");
}

#[actix_web::test]
async fn the_hsa_id_is_shown_as_written_and_unique_case_insensitively() {
    let app = TestApp::spawn().await;
    let unit = app
        .post(
            "/api/v1/units",
            &Persona::admin(),
            &new_vc("se2321000115-Mixed1"),
        )
        .await
        .assert_status(201);
    assert_eq!(unit["hsa_id"], "se2321000115-Mixed1");
    app.post(
        "/api/v1/units",
        &Persona::admin(),
        &new_vc("SE2321000115-MIXED1"),
    )
    .await
    .assert_problem(409, "HSA_ID_TAKEN");
}

#[actix_web::test]
async fn an_hsa_id_must_have_the_right_shape() {
    let app = TestApp::spawn().await;
    let ok_31 = format!("SE2321000115-{}", "A".repeat(18));
    assert_eq!(ok_31.len(), 31);
    app.post("/api/v1/units", &Persona::admin(), &new_vc(&ok_31))
        .await
        .assert_status(201);
    let too_long = format!("SE2321000115-{}", "A".repeat(19));
    for bad in [
        too_long.as_str(),
        "SE232100011-ABC",
        "SE2321000115ABC",
        "DK2321000115-ABC",
        "SE2321000115-ÅÄÖ",
        "SE2321000115-",
    ] {
        let body = app
            .post("/api/v1/units", &Persona::admin(), &new_vc(bad))
            .await
            .assert_problem(422, "VALIDATION_FAILED");
        assert_eq!(codes(&body), ["HSA_ID_FORMAT"], "{bad}");
    }
}

#[actix_web::test]
async fn a_kommun_unit_needs_exactly_a_halland_municipality_code() {
    let app = TestApp::spawn().await;
    let admin = Persona::admin();
    let body = app
        .post(
            "/api/v1/units",
            &admin,
            &json!({"hsa_id": "SE2321000115-K1", "name": "K", "kind": "kommun"}),
        )
        .await
        .assert_problem(422, "VALIDATION_FAILED");
    assert_eq!(codes(&body), ["MUNICIPALITY_REQUIRED"]);
    let body = app
        .post("/api/v1/units", &admin, &json!({"hsa_id": "SE2321000115-K1", "name": "K", "kind": "kommun", "municipality_code": "0180"}))
        .await
        .assert_problem(422, "VALIDATION_FAILED");
    assert_eq!(codes(&body), ["MUNICIPALITY_CODE"]);
    let body = app
        .post("/api/v1/units", &admin, &json!({"hsa_id": "SE2321000115-V1", "name": "V", "kind": "narsjukvard", "municipality_code": "1380"}))
        .await
        .assert_problem(422, "VALIDATION_FAILED");
    assert_eq!(codes(&body), ["MUNICIPALITY_NOT_ALLOWED"]);
    let unit = app
        .post("/api/v1/units", &admin, &json!({"hsa_id": "SE2321000115-K1", "name": "K", "kind": "kommun", "municipality_code": "1315"}))
        .await
        .assert_status(201);
    assert_eq!(unit["municipality_name"], "Hylte");
}

#[actix_web::test]
async fn a_specialist_needs_exactly_a_specialty_and_only_specialists_participate() {
    let app = TestApp::spawn().await;
    let admin = Persona::admin();
    let body = app
        .post(
            "/api/v1/units",
            &admin,
            &json!({"hsa_id": "SE2321000115-S1", "name": "S", "kind": "specialist"}),
        )
        .await
        .assert_problem(422, "VALIDATION_FAILED");
    assert_eq!(codes(&body), ["SPECIALTY_REQUIRED"]);
    let body = app
        .post("/api/v1/units", &admin, &json!({"hsa_id": "SE2321000115-P1", "name": "P", "kind": "psykiatri", "specialty": "palliativ", "participating": true}))
        .await
        .assert_problem(422, "VALIDATION_FAILED");
    assert_eq!(
        codes(&body),
        ["SPECIALTY_NOT_ALLOWED", "PARTICIPATING_ONLY_SPECIALIST"]
    );
    let unit = app
        .post("/api/v1/units", &admin, &json!({"hsa_id": "SE2321000115-S1", "name": "S", "kind": "specialist", "specialty": "habilitering"}))
        .await
        .assert_status(201);
    assert_eq!(unit["participating"], false);
    let id = unit["id"].as_str().unwrap();
    let changed = app
        .patch(
            &format!("/api/v1/units/{id}"),
            &admin,
            &json!({"participating": true}),
        )
        .await
        .assert_status(200);
    assert_eq!(changed["participating"], true);
}

#[actix_web::test]
async fn a_unit_is_deactivated_by_patch_never_deleted() {
    let app = TestApp::spawn().await;
    let id = app.unit_id(VC_HALMSTAD);
    let unit = app
        .patch(
            &format!("/api/v1/units/{id}"),
            &Persona::admin(),
            &json!({"active": false, "name": "Nytt namn"}),
        )
        .await
        .assert_status(200);
    assert_eq!(unit["active"], false);
    assert_eq!(unit["name"], "Nytt namn");
    let res = app
        .send(crate::helpers::TestApp::request(
            actix_web::http::Method::DELETE,
            &format!("/api/v1/units/{id}"),
            Some(&Persona::admin().token()),
        ))
        .await;
    res.assert_problem(405, "METHOD_NOT_ALLOWED");
    let kommun = app.unit_id(HALMSTAD_KOMMUN);
    app.patch(
        &format!("/api/v1/units/{kommun}"),
        &Persona::admin(),
        &json!({"participating": true}),
    )
    .await
    .assert_problem(422, "VALIDATION_FAILED");
    app.patch(
        &format!("/api/v1/units/{}", uuid::Uuid::new_v4()),
        &Persona::admin(),
        &json!({"active": true}),
    )
    .await
    .assert_problem(404, "NOT_FOUND");
}

#[actix_web::test]
async fn the_listing_filters_and_pages_through_every_unit_once() {
    let app = TestApp::spawn().await;
    let nurse = Persona::nurse(HALMSTAD_KOMMUN);
    let kommuner = app
        .get("/api/v1/units?kind=kommun&limit=200", &nurse)
        .await
        .assert_status(200);
    assert_eq!(kommuner["items"].as_array().unwrap().len(), 6);
    assert!(kommuner["next_cursor"].is_null());

    let participating = app
        .get("/api/v1/units?kind=specialist&participating=true", &nurse)
        .await
        .assert_status(200);
    assert_eq!(participating["items"].as_array().unwrap().len(), 2);

    let search = app
        .get("/api/v1/units?q=v%C3%85RDCENTRALEN", &nurse)
        .await
        .assert_status(200);
    assert_eq!(search["items"].as_array().unwrap().len(), 3);

    let mut seen = Vec::new();
    let mut url = "/api/v1/units?limit=4".to_string();
    loop {
        let page = app.get(&url, &nurse).await.assert_status(200);
        for u in page["items"].as_array().unwrap() {
            seen.push(u["hsa_id"].as_str().unwrap().to_string());
        }
        match page["next_cursor"].as_str() {
            Some(c) => url = format!("/api/v1/units?limit=4&cursor={c}"),
            None => break,
        }
    }
    let total = samverkan::seed::DEMO_UNITS.len();
    assert_eq!(seen.len(), total);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), total, "a unit appeared twice");
}

#[actix_web::test]
async fn an_unknown_unit_id_is_404() {
    let app = TestApp::spawn().await;
    app.get(
        &format!("/api/v1/units/{}", uuid::Uuid::new_v4()),
        &Persona::nurse(HALMSTAD_KOMMUN),
    )
    .await
    .assert_problem(404, "NOT_FOUND");
}
