//! Machine clients: a client-credentials token acts as the integration client its `client_id`
//! names once an admin registered it, and only while it is active; the integration-clients API.

use actix_web::http::Method;
use serde_json::{json, Value};

use super::{admin, k1, machine, me, nurse, start_default};
use crate::helpers::{Resp, TestApp, HALMSTAD_KOMMUN, VC_HALMSTAD, VC_VARBERG};

const CLIENTS: &str = "/api/v1/integration-clients";

async fn call(app: &TestApp, method: Method, path: &str, token: &str, body: Option<Value>) -> Resp {
    app.send_with_token(method, path, token, body.as_ref())
        .await
}

/// The `(code, field)` of each violation of a 422.
fn violations(res: &Resp) -> Vec<(String, String)> {
    let p = res.assert_problem(422, "VALIDATION_FAILED");
    p["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["code"].as_str().unwrap().to_string(),
                v["field"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn pair(code: &str, field: &str) -> Vec<(String, String)> {
    vec![(code.to_string(), field.to_string())]
}

#[actix_web::test]
async fn a_machine_client_is_refused_until_registered_and_again_once_deactivated() {
    let (idp, app) = start_default().await;
    let admin = k1().sign(&admin(&idp.base));
    let platform = k1().sign(&machine(&idp.base, "platform-1"));

    app.get_with_token("/api/v1/events", &platform)
        .await
        .assert_problem(403, "CLIENT_NOT_REGISTERED");
    me(&app, &platform)
        .await
        .assert_problem(403, "CLIENT_NOT_REGISTERED");

    call(
        &app,
        Method::POST,
        CLIENTS,
        &admin,
        Some(json!({"client_id": "platform-1", "name": "Plattform 1", "units": [VC_HALMSTAD]})),
    )
    .await
    .assert_status(201);

    let m = me(&app, &platform).await.assert_status(200);
    assert_eq!(m["sub"], "platform-1");
    assert_eq!(m["roles"], json!(["integration"]));
    assert_eq!(m["units"], json!([VC_HALMSTAD]));
    assert_eq!(m["token_source"], "provider");
    app.get_with_token("/api/v1/events", &platform)
        .await
        .assert_status(200);
    // Another, unregistered client id is still refused.
    let other = k1().sign(&machine(&idp.base, "platform-2"));
    app.get_with_token("/api/v1/events", &other)
        .await
        .assert_problem(403, "CLIENT_NOT_REGISTERED");

    let path = format!("{CLIENTS}/platform-1");
    let off = call(
        &app,
        Method::PATCH,
        &path,
        &admin,
        Some(json!({"active": false})),
    )
    .await
    .assert_status(200);
    assert_eq!(off["active"], false);
    app.get_with_token("/api/v1/events", &platform)
        .await
        .assert_problem(403, "CLIENT_NOT_REGISTERED");

    call(
        &app,
        Method::PATCH,
        &path,
        &admin,
        Some(json!({"active": true})),
    )
    .await
    .assert_status(200);
    app.get_with_token("/api/v1/events", &platform)
        .await
        .assert_status(200);
}

#[actix_web::test]
async fn registering_a_client_answers_201_with_its_location_and_409_for_a_duplicate() {
    let (idp, app) = start_default().await;
    let admin = k1().sign(&admin(&idp.base));
    let body = json!({"client_id": "platform-1", "name": "Plattform 1", "units": [VC_HALMSTAD]});
    let res = call(&app, Method::POST, CLIENTS, &admin, Some(body.clone())).await;
    let c = res.assert_status(201);
    assert_eq!(
        res.header("location").as_deref(),
        Some("/api/v1/integration-clients/platform-1")
    );
    assert_eq!(c["client_id"], "platform-1");
    assert_eq!(c["name"], "Plattform 1");
    assert_eq!(c["active"], true);
    assert_eq!(c["created_by"], super::ADMIN);
    assert_eq!(c["units"].as_array().unwrap().len(), 1);
    assert_eq!(c["units"][0]["hsa_id"], VC_HALMSTAD);

    call(&app, Method::POST, CLIENTS, &admin, Some(body))
        .await
        .assert_problem(409, "CLIENT_EXISTS");
}

#[actix_web::test]
async fn a_registration_names_its_faults_field_by_field() {
    let (idp, app) = start_default().await;
    let admin = k1().sign(&admin(&idp.base));
    let post = |client_id: &str, units: Value| {
        call(
            &app,
            Method::POST,
            CLIENTS,
            &admin,
            Some(json!({"client_id": client_id, "name": "Plattform", "units": units})),
        )
    };
    for bad in ["a/b", "", "has space", "a?b", "a#b", "a%2f", "ö"] {
        assert_eq!(
            violations(&post(bad, json!([VC_HALMSTAD])).await),
            pair("CLIENT_ID_FORMAT", "client_id"),
            "{bad:?}"
        );
    }
    assert_eq!(
        violations(&post(&"x".repeat(201), json!([VC_HALMSTAD])).await),
        pair("CLIENT_ID_FORMAT", "client_id")
    );
    assert_eq!(
        violations(&post("platform-1", json!([VC_HALMSTAD, "SE2321000115-NOSUCH1"])).await),
        pair("UNIT_NOT_FOUND", "units[1]")
    );
    assert_eq!(
        violations(&post("platform-1", json!(["HSA-123"])).await),
        pair("HSA_ID_FORMAT", "units[0]")
    );
    assert_eq!(
        violations(&post("platform-1", json!([])).await),
        pair("UNITS_COUNT", "units")
    );
    // Nothing was registered; the edge cases that are fine register.
    let list = call(&app, Method::GET, CLIENTS, &admin, None)
        .await
        .assert_status(200);
    assert_eq!(list["items"], json!([]));
    post(&"x".repeat(200), json!([VC_HALMSTAD]))
        .await
        .assert_status(201);
    post(
        "urn:region:platform.1_~",
        json!([VC_HALMSTAD.to_lowercase()]),
    )
    .await
    .assert_status(201);
}

#[actix_web::test]
async fn only_an_admin_manages_integration_clients() {
    let (idp, app) = start_default().await;
    let admin = k1().sign(&admin(&idp.base));
    call(
        &app,
        Method::POST,
        CLIENTS,
        &admin,
        Some(json!({"client_id": "platform-1", "name": "Plattform 1", "units": [VC_HALMSTAD]})),
    )
    .await
    .assert_status(201);
    let nurse = k1().sign(&nurse(&idp.base));
    let path = format!("{CLIENTS}/platform-1");
    let body = json!({"client_id": "platform-2", "name": "Plattform 2", "units": [VC_HALMSTAD]});
    for (method, path, body) in [
        (Method::POST, CLIENTS, Some(body)),
        (Method::GET, CLIENTS, None),
        (Method::GET, path.as_str(), None),
        (Method::PATCH, path.as_str(), Some(json!({"active": false}))),
    ] {
        call(&app, method.clone(), path, &nurse, body)
            .await
            .assert_problem(403, "ROLE_REQUIRED");
    }
    // A registered machine client may not manage clients either, whatever roles it claims.
    for roles in [json!(null), json!(["admin"]), json!("admin")] {
        let claims = super::with(machine(&idp.base, "platform-1"), "roles", roles);
        let platform = k1().sign(&claims);
        assert_eq!(
            me(&app, &platform).await.assert_status(200)["roles"],
            json!(["integration"])
        );
        call(&app, Method::GET, CLIENTS, &platform, None)
            .await
            .assert_problem(403, "ROLE_REQUIRED");
    }
    let still = call(&app, Method::GET, &path, &admin, None)
        .await
        .assert_status(200);
    assert_eq!(still["active"], true);
}

#[actix_web::test]
async fn clients_are_listed_read_and_changed() {
    let (idp, app) = start_default().await;
    let admin = k1().sign(&admin(&idp.base));
    for (id, name) in [("platform-b", "B"), ("platform-a", "A")] {
        call(
            &app,
            Method::POST,
            CLIENTS,
            &admin,
            Some(json!({"client_id": id, "name": name, "units": [VC_HALMSTAD]})),
        )
        .await
        .assert_status(201);
    }
    let list = call(&app, Method::GET, CLIENTS, &admin, None)
        .await
        .assert_status(200);
    let ids: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["client_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["platform-a", "platform-b"]);

    let one = call(
        &app,
        Method::GET,
        &format!("{CLIENTS}/platform-a"),
        &admin,
        None,
    )
    .await
    .assert_status(200);
    assert_eq!(one["name"], "A");
    call(
        &app,
        Method::GET,
        &format!("{CLIENTS}/nosuch"),
        &admin,
        None,
    )
    .await
    .assert_problem(404, "NOT_FOUND");
    call(
        &app,
        Method::PATCH,
        &format!("{CLIENTS}/nosuch"),
        &admin,
        Some(json!({"name": "X"})),
    )
    .await
    .assert_problem(404, "NOT_FOUND");

    let path = format!("{CLIENTS}/platform-a");
    let changed = call(
        &app,
        Method::PATCH,
        &path,
        &admin,
        Some(json!({"name": "A2", "units": [VC_VARBERG, HALMSTAD_KOMMUN]})),
    )
    .await
    .assert_status(200);
    assert_eq!(changed["name"], "A2");
    let units: Vec<&str> = changed["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["hsa_id"].as_str().unwrap())
        .collect();
    assert_eq!(units, [HALMSTAD_KOMMUN, VC_VARBERG]);
    assert_eq!(changed["active"], true);
    // The client's next request acts for the new units.
    let m = me(&app, &k1().sign(&machine(&idp.base, "platform-a")))
        .await
        .assert_status(200);
    assert_eq!(m["units"], json!([HALMSTAD_KOMMUN, VC_VARBERG]));

    // A bad change changes nothing.
    assert_eq!(
        violations(
            &call(
                &app,
                Method::PATCH,
                &path,
                &admin,
                Some(json!({"name": " ", "units": ["SE2321000115-NOSUCH1"]})),
            )
            .await
        )[0],
        ("LENGTH".to_string(), "name".to_string())
    );
    let after = call(&app, Method::GET, &path, &admin, None)
        .await
        .assert_status(200);
    assert_eq!(after["name"], "A2");
    assert_eq!(after["units"].as_array().unwrap().len(), 2);
}

#[actix_web::test]
async fn a_client_whose_units_are_all_inactive_reads_no_feed() {
    let (idp, app) = start_default().await;
    let admin = k1().sign(&admin(&idp.base));
    call(
        &app,
        Method::POST,
        CLIENTS,
        &admin,
        Some(json!({"client_id": "platform-1", "name": "Plattform 1", "units": [VC_VARBERG]})),
    )
    .await
    .assert_status(201);
    let platform = k1().sign(&machine(&idp.base, "platform-1"));
    app.get_with_token("/api/v1/events", &platform)
        .await
        .assert_status(200);

    let unit = app.unit_id(VC_VARBERG);
    call(
        &app,
        Method::PATCH,
        &format!("/api/v1/units/{unit}"),
        &admin,
        Some(json!({"active": false})),
    )
    .await
    .assert_status(200);
    let m = me(&app, &platform).await.assert_status(200);
    assert_eq!(m["units"], json!([]));
    app.get_with_token("/api/v1/events", &platform)
        .await
        .assert_problem(403, "NO_FEED_UNITS");
}
