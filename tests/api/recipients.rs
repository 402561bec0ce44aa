//! `GET /api/v1/recipients`: exactly the units the create check would accept as recipients,
//! for a municipal and a regional sender, filtered, paged, and following the directory.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::helpers::{recept_draft, Persona, TestApp, HALMSTAD_KOMMUN, VC_HALMSTAD};

const TOLVAN: &str = "191212121212";

fn hsa_ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["hsa_id"].as_str().unwrap().to_string())
        .collect()
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

const REGIONAL_PARTICIPANTS: &[&str] = &[
    "SE2321000115-DEMOVC01",
    "SE2321000115-DEMOVC02",
    "SE2321000115-DEMOVC03",
    "SE2321000115-DEMOPSY1",
    "SE2321000115-DEMOHAB1",
    "SE2321000115-DEMOPAL1",
];

const KOMMUNER: &[&str] = &[
    "SE2321000115-DEMOK1315",
    "SE2321000115-DEMOK1380",
    "SE2321000115-DEMOK1381",
    "SE2321000115-DEMOK1382",
    "SE2321000115-DEMOK1383",
    "SE2321000115-DEMOK1384",
];

#[actix_web::test]
async fn a_municipal_nurse_may_write_to_the_regional_units_that_take_part() {
    let app = TestApp::spawn().await;
    let page = app
        .get(
            "/api/v1/recipients?category=recept",
            &Persona::nurse(HALMSTAD_KOMMUN),
        )
        .await
        .assert_status(200);
    let got: BTreeSet<String> = hsa_ids(&page).into_iter().collect();
    assert_eq!(
        got,
        set(REGIONAL_PARTICIPANTS),
        "no kommun unit, no PAL2 (not taking part)"
    );
    assert!(page["next_cursor"].is_null());
    let names: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "ordered by name");
}

#[actix_web::test]
async fn a_vardcentral_doctor_may_write_to_every_municipal_unit_and_nothing_else() {
    let app = TestApp::spawn().await;
    let page = app
        .get("/api/v1/recipients", &Persona::doctor(VC_HALMSTAD))
        .await
        .assert_status(200);
    let got: BTreeSet<String> = hsa_ids(&page).into_iter().collect();
    assert_eq!(got, set(KOMMUNER));
    assert!(page["items"][0]["municipality_code"].is_string());
}

/// The list and the create check agree on every unit of the directory: a unit is listed
/// exactly when a draft to it is free of OGILTIG_MOTTAGARE.
#[actix_web::test]
async fn the_list_is_what_the_create_check_accepts_for_every_unit() {
    let app = TestApp::spawn().await;
    let nurse = Persona::nurse(HALMSTAD_KOMMUN);
    // One unit taking part and one not, beyond the demo's, and one inactive regional unit.
    for (hsa, participating, active) in [
        ("SE2321000115-TESTSP1", true, false),
        ("SE2321000115-TESTSP2", false, true),
    ] {
        app.post(
            "/api/v1/units",
            &Persona::admin(),
            &json!({"hsa_id": hsa, "name": format!("Test {hsa}"), "kind": "specialist",
                    "specialty": "habilitering", "participating": participating, "active": active}),
        )
        .await
        .assert_status(201);
    }
    let listed: BTreeSet<String> = hsa_ids(
        &app.get("/api/v1/recipients?limit=200", &nurse)
            .await
            .assert_status(200),
    )
    .into_iter()
    .collect();
    let all = app
        .get("/api/v1/units?limit=200", &Persona::admin())
        .await
        .assert_status(200);
    let tolvan = app.patient_id(TOLVAN);
    let mut accepted = BTreeSet::new();
    for unit in all["items"].as_array().unwrap() {
        let id: uuid::Uuid = unit["id"].as_str().unwrap().parse().unwrap();
        let verdict = app
            .post(
                "/api/v1/messages/recept/validate",
                &nurse,
                &recept_draft(tolvan, id),
            )
            .await
            .assert_status(200);
        let refused = verdict["violations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["code"] == "OGILTIG_MOTTAGARE");
        if !refused {
            accepted.insert(unit["hsa_id"].as_str().unwrap().to_string());
        }
    }
    assert_eq!(listed, accepted);
    assert!(!listed.contains("SE2321000115-TESTSP1"), "inactive");
    assert!(!listed.contains("SE2321000115-TESTSP2"), "not taking part");
}

#[actix_web::test]
async fn the_directory_changes_the_list_at_once() {
    let app = TestApp::spawn().await;
    let nurse = Persona::nurse(HALMSTAD_KOMMUN);
    let pal2 = app.unit_id("SE2321000115-DEMOPAL2");
    let vc2 = app.unit_id("SE2321000115-DEMOVC02");
    app.patch(
        &format!("/api/v1/units/{pal2}"),
        &Persona::admin(),
        &json!({"participating": true}),
    )
    .await
    .assert_status(200);
    app.patch(
        &format!("/api/v1/units/{vc2}"),
        &Persona::admin(),
        &json!({"active": false}),
    )
    .await
    .assert_status(200);
    let got = hsa_ids(
        &app.get("/api/v1/recipients", &nurse)
            .await
            .assert_status(200),
    );
    assert!(got.contains(&"SE2321000115-DEMOPAL2".to_string()));
    assert!(!got.contains(&"SE2321000115-DEMOVC02".to_string()));
}

#[actix_web::test]
async fn kind_and_name_filter_and_pages_cover_the_list_once() {
    let app = TestApp::spawn().await;
    let nurse = Persona::nurse(HALMSTAD_KOMMUN);
    let specialists = app
        .get("/api/v1/recipients?kind=specialist", &nurse)
        .await
        .assert_status(200);
    assert_eq!(
        hsa_ids(&specialists).into_iter().collect::<BTreeSet<_>>(),
        set(&["SE2321000115-DEMOHAB1", "SE2321000115-DEMOPAL1"])
    );
    let kommun = app
        .get("/api/v1/recipients?kind=kommun", &nurse)
        .await
        .assert_status(200);
    assert!(
        hsa_ids(&kommun).is_empty(),
        "a kommun unit never writes to a kommun unit"
    );
    let named = app
        .get("/api/v1/recipients?q=PALLIATIV", &nurse)
        .await
        .assert_status(200);
    assert_eq!(hsa_ids(&named), vec!["SE2321000115-DEMOPAL1"]);

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..10 {
        let path = match &cursor {
            Some(c) => format!("/api/v1/recipients?limit=4&cursor={c}"),
            None => "/api/v1/recipients?limit=4".to_string(),
        };
        let page = app.get(&path, &nurse).await.assert_status(200);
        seen.extend(hsa_ids(&page));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(seen.len(), REGIONAL_PARTICIPANTS.len(), "{seen:?}");
    assert_eq!(
        seen.into_iter().collect::<BTreeSet<_>>(),
        set(REGIONAL_PARTICIPANTS)
    );
}

#[actix_web::test]
async fn bad_queries_are_400_and_other_roles_403() {
    let app = TestApp::spawn().await;
    let nurse = Persona::nurse(HALMSTAD_KOMMUN);
    for path in [
        "/api/v1/recipients?category=akut",
        "/api/v1/recipients?kind=sjukhus",
        "/api/v1/recipients?limit=0",
        "/api/v1/recipients?cursor=inte-en-cursor",
        "/api/v1/recipients?unknown=1",
    ] {
        let res = app.get(path, &nurse).await;
        assert_eq!(res.status.as_u16(), 400, "{path}: {:?}", res.json());
    }
    let long = format!("/api/v1/recipients?q={}", "a".repeat(101));
    app.get(&long, &nurse)
        .await
        .assert_problem(400, "INVALID_QUERY");
    app.get("/api/v1/recipients", &Persona::admin())
        .await
        .assert_problem(403, "ROLE_REQUIRED");
    app.get("/api/v1/recipients", &Persona::auditor(HALMSTAD_KOMMUN))
        .await
        .assert_problem(403, "ROLE_REQUIRED");
}
