//! AKUT and BILAGA: urgency in any free text (whole words, negation understood) and
//! attachments of any kind (attachment fields, data URIs, base64 blobs) are refused; ordinary
//! prose, places like "akutmottagningen" and plain links are not. Other unknown fields are a
//! field error, not BILAGA.

use serde_json::{json, Value};

use super::*;
use crate::helpers::VC_HALMSTAD;

fn recept(app: &TestApp) -> Value {
    recept_body(app.patient_id(TOLVAN), app.unit_id(VC_HALMSTAD))
}

fn with_body(app: &TestApp, text: &str) -> Value {
    let mut body = recept(app);
    body["body"] = text.into();
    body
}

/// 300 characters of base64 using the whole alphabet.
fn base64_blob(len: usize) -> String {
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
        .chars()
        .cycle()
        .take(len)
        .collect()
}

#[actix_web::test]
async fn snarast_in_the_body_is_refused_as_akut_on_the_body() {
    let app = TestApp::spawn().await;
    let body = with_body(&app, "Tabletterna är slut, behöver förnyelse snarast.");

    let res = send(&app, "recept", &kommun_nurse(), &body).await;

    let problem = assert_refused(&res, &[("AKUT", "body")]);
    assert!(problem["violations"][0]["message"]
        .as_str()
        .unwrap()
        .contains("snarast"));
}

#[actix_web::test]
async fn negated_urgency_is_accepted() {
    let app = TestApp::spawn().await;
    for text in [
        "Ej akut, räcker en vecka till.",
        "Det är inte akut.",
        "Ett icke-akut ärende.",
        "Ingen brådska med detta.",
    ] {
        send(&app, "recept", &kommun_nurse(), &with_body(&app, text))
            .await
            .assert_status(201);
    }
}

#[actix_web::test]
async fn akutmottagningen_and_subakut_are_not_urgency() {
    let app = TestApp::spawn().await;
    for text in [
        "Patienten var på akutmottagningen i förra veckan, nu stabil.",
        "Subakut förlopp enligt tidigare journal, följs upp som vanligt.",
    ] {
        send(&app, "recept", &kommun_nurse(), &with_body(&app, text))
            .await
            .assert_status(201);
    }
}

#[actix_web::test]
async fn akut_in_the_subject_is_refused_on_the_subject() {
    let app = TestApp::spawn().await;
    let mut body = recept(&app);
    body["subject"] = "AKUT! Receptförnyelse".into();

    let res = send(&app, "recept", &kommun_nurse(), &body).await;

    assert_refused(&res, &[("AKUT", "subject")]);
}

#[actix_web::test]
async fn urgency_in_a_detail_text_is_refused_on_that_field() {
    let app = TestApp::spawn().await;
    let mut body = bokning_body(app.patient_id(TOLVAN), app.unit_id(VC_HALMSTAD));
    body["details"]["reason"] = "Läkaren behöver komma genast.".into();

    let res = send(&app, "bokning", &kommun_nurse(), &body).await;

    assert_refused(&res, &[("AKUT", "details.reason")]);
}

#[actix_web::test]
async fn urgency_in_a_recept_dosage_is_refused_on_the_dosage() {
    let app = TestApp::spawn().await;
    let mut body = recept(&app);
    body["details"]["dosage"] = "1 tablett, skicka omgående".into();

    let res = send(&app, "recept", &kommun_nurse(), &body).await;

    assert_refused(&res, &[("AKUT", "details.dosage")]);
}

#[actix_web::test]
async fn an_attachments_field_at_the_top_level_is_bilaga_on_that_field() {
    let app = TestApp::spawn().await;
    let mut body = recept(&app);
    body["attachments"] = json!([{"name": "lakemedelslista.pdf", "content": "JVBERi0x"}]);

    let res = send(&app, "recept", &kommun_nurse(), &body).await;

    assert_refused(&res, &[("BILAGA", "attachments")]);
}

#[actix_web::test]
async fn an_attachment_field_inside_details_is_bilaga_on_that_field() {
    let app = TestApp::spawn().await;
    let mut body = recept(&app);
    body["details"]["attachments"] = json!(["ordination.pdf"]);

    let res = send(&app, "recept", &kommun_nurse(), &body).await;

    assert_refused(&res, &[("BILAGA", "details.attachments")]);
}

#[actix_web::test]
async fn an_attachment_field_inside_a_measurement_is_bilaga_on_its_path() {
    let app = TestApp::spawn().await;
    let mut body = uppfoljning_body(app.patient_id(TOLVAN), app.unit_id(VC_HALMSTAD));
    body["details"]["measurements"][1]["bilaga"] = "vikt.jpg".into();

    let res = send(&app, "uppfoljning", &kommun_nurse(), &body).await;

    assert_refused(&res, &[("BILAGA", "details.measurements[1].bilaga")]);
}

#[actix_web::test]
async fn a_data_uri_in_the_body_is_bilaga() {
    let app = TestApp::spawn().await;
    let body = with_body(
        &app,
        "Läkemedelslistan: data:application/pdf;base64,JVBERi0xLjcKJeLjz9MK",
    );

    let res = send(&app, "recept", &kommun_nurse(), &body).await;

    assert_refused(&res, &[("BILAGA", "body")]);
}

#[actix_web::test]
async fn a_300_character_base64_blob_in_the_body_is_bilaga() {
    let app = TestApp::spawn().await;
    let body = with_body(&app, &format!("Bifogar listan: {}", base64_blob(300)));

    let res = send(&app, "recept", &kommun_nurse(), &body).await;

    assert_refused(&res, &[("BILAGA", "body")]);
}

#[actix_web::test]
async fn a_base64_blob_wrapped_at_76_columns_is_bilaga() {
    let app = TestApp::spawn().await;
    let blob = base64_blob(760);
    let lines: Vec<&str> = (0..10).map(|i| &blob[i * 76..(i + 1) * 76]).collect();
    let body = with_body(&app, &format!("Bifogar listan:\n{}", lines.join("\n")));

    let res = send(&app, "recept", &kommun_nurse(), &body).await;

    assert_refused(&res, &[("BILAGA", "body")]);
}

#[actix_web::test]
async fn a_long_body_of_ordinary_swedish_prose_is_accepted() {
    let app = TestApp::spawn().await;
    let sentence = "Patienten mår bra och blodtrycket har legat stabilt runt 130/80 de senaste \
                    veckorna. Hon tar sina tabletter på morgonen med hjälp av hemtjänsten. ";
    let text: String = sentence.repeat(40).chars().take(3900).collect();
    assert_eq!(text.chars().count(), 3900);

    let msg = send(&app, "recept", &kommun_nurse(), &with_body(&app, &text))
        .await
        .assert_status(201);

    assert_eq!(msg["body"], text.as_str());
}

#[actix_web::test]
async fn a_plain_https_link_is_accepted() {
    let app = TestApp::spawn().await;
    let body = with_body(
        &app,
        "Se FASS för doseringen: https://www.fass.se/LIF/product?userType=0&nplId=19950518000051",
    );

    send(&app, "recept", &kommun_nurse(), &body)
        .await
        .assert_status(201);
}

#[actix_web::test]
async fn other_unknown_fields_are_validation_failed_naming_each_field() {
    let app = TestApp::spawn().await;
    let mut body = recept(&app);
    body["priority"] = "normal".into();
    body["details"]["comment"] = "tack".into();

    let res = send(&app, "recept", &kommun_nurse(), &body).await;

    assert_invalid(
        &res,
        &[
            ("UNKNOWN_FIELD", "priority"),
            ("UNKNOWN_FIELD", "details.comment"),
        ],
    );
}
