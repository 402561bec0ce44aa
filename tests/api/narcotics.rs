//! The narcotics reference is data an operator replaces (`samverkan narcotics import FILE`),
//! not a list in the code: after an import the NARKOTIKA rule matches the new table.

use serde_json::json;

use crate::helpers::{recept_draft, Persona, TestApp, HALMSTAD_KOMMUN, VC_HALMSTAD};

const HEADER: &str = "substance,names,atc_codes,npl_ids,schedule,status,source\n";

async fn send_recept(app: &TestApp, drug: &str) -> crate::helpers::Resp {
    let mut body = recept_draft(app.patient_id("191212121212"), app.unit_id(VC_HALMSTAD));
    body["details"]["drug_name"] = json!(drug);
    app.post(
        "/api/v1/messages/recept",
        &Persona::nurse(HALMSTAD_KOMMUN),
        &body,
    )
    .await
}

#[actix_web::test]
async fn an_imported_table_replaces_the_shipped_one() {
    let app = TestApp::spawn().await;
    let csv =
        format!("{HEADER}testsubstans,testsubstans;Testbrand,X99XX99,,II,verified,operator test\n");
    let n = samverkan::models::narcotic::import_csv(&mut app.db.conn(), &csv).unwrap();
    assert_eq!(n, 1);

    let refused = send_recept(&app, "Testbrand 5 mg")
        .await
        .assert_problem(422, "ROUTINE_VIOLATION");
    assert_eq!(refused["violations"][0]["code"], "NARKOTIKA");
    // OxyNorm was only in the shipped table, which the import replaced.
    send_recept(&app, "OxyNorm 5 mg").await.assert_status(201);
}

#[actix_web::test]
async fn the_shipped_table_is_loaded_into_a_fresh_database() {
    let app = TestApp::spawn().await;
    let count = samverkan::models::narcotic::count(&mut app.db.conn()).unwrap();
    assert!(count >= 40, "{count} substances");
    let refused = send_recept(&app, "OxyNorm 5 mg")
        .await
        .assert_problem(422, "ROUTINE_VIOLATION");
    assert_eq!(refused["violations"][0]["code"], "NARKOTIKA");
}

#[actix_web::test]
async fn an_empty_or_malformed_file_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let mut conn = app.db.conn();
    let before = samverkan::models::narcotic::count(&mut conn).unwrap();
    assert!(samverkan::models::narcotic::import_csv(&mut conn, HEADER).is_err());
    // Two good rows, then a quote that never closes on line 4, then one more good row.
    let good = "testsubstans,testsubstans,X99XX99,,II,verified,operator test\n";
    let broken = format!("{HEADER}{good}{good}\"unterminated,quote\n{good}");
    let err = samverkan::models::narcotic::import_csv(&mut conn, &broken)
        .unwrap_err()
        .to_string();
    assert_eq!(err, "line 4: a quoted field is never closed");
    // A row with too few fields on line 3.
    let short = format!("{HEADER}{good}kodein,kodein\n");
    let err = samverkan::models::narcotic::import_csv(&mut conn, &short)
        .unwrap_err()
        .to_string();
    assert_eq!(err, "line 3: 2 fields, the header has 7");
    assert_eq!(
        samverkan::models::narcotic::count(&mut conn).unwrap(),
        before
    );
}
