//! NARKOTIKA and NYFORSKRIVNING: a renewal of a narcotic-classified drug is refused, whether
//! it is named by brand, substance, ATC code or NPL id, in any case and with or without
//! diacritics; look-alike names and ordinary drugs pass. Free text of any category asking for
//! a narcotic's renewal is refused; free text that only mentions one is not. A new
//! prescription is refused, a renewal is not.

use serde_json::Value;

use super::*;
use crate::helpers::VC_HALMSTAD;

fn recept_with(app: &TestApp, drug_name: &str, atc: Option<&str>, npl: Option<&str>) -> Value {
    let mut body = recept_body(app.patient_id(TOLVAN), app.unit_id(VC_HALMSTAD));
    let details = body["details"].as_object_mut().unwrap();
    details.insert("drug_name".into(), drug_name.into());
    details.remove("atc_code");
    if let Some(a) = atc {
        details.insert("atc_code".into(), a.into());
    }
    if let Some(n) = npl {
        details.insert("npl_id".into(), n.into());
    }
    body
}

#[actix_web::test]
async fn a_narcotic_brand_name_is_refused_on_the_drug_name() {
    let app = TestApp::spawn().await;
    for name in ["OxyNorm 5 mg", "Stesolid", "oxikodon"] {
        let res = send(
            &app,
            "recept",
            &kommun_nurse(),
            &recept_with(&app, name, None, None),
        )
        .await;
        let problem = assert_refused(&res, &[("NARKOTIKA", "details.drug_name")]);
        assert!(
            problem["violations"][0]["message"]
                .as_str()
                .unwrap()
                .contains("narkotikaklassat"),
            "{name}: {problem}"
        );
    }
}

#[actix_web::test]
async fn a_made_up_name_that_only_starts_like_a_narcotic_is_accepted() {
    let app = TestApp::spawn().await;

    let res = send(
        &app,
        "recept",
        &kommun_nurse(),
        &recept_with(&app, "Oxynormal", None, None),
    )
    .await;

    res.assert_status(201);
}

#[actix_web::test]
async fn case_and_diacritics_do_not_hide_a_narcotic() {
    let app = TestApp::spawn().await;
    for name in [
        "OXYNORM",
        "Tramadol Retard",
        "Oxíkodon Teva",
        "TRAMADO\u{301}L",
    ] {
        let res = send(
            &app,
            "recept",
            &kommun_nurse(),
            &recept_with(&app, name, None, None),
        )
        .await;
        assert_refused(&res, &[("NARKOTIKA", "details.drug_name")]);
    }
}

#[actix_web::test]
async fn a_narcotic_atc_code_behind_a_harmless_name_is_refused_on_the_atc_code() {
    let app = TestApp::spawn().await;
    for atc in ["N02AA05", "n02aa05"] {
        let res = send(
            &app,
            "recept",
            &kommun_nurse(),
            &recept_with(&app, "Smärtlindring enligt lista", Some(atc), None),
        )
        .await;
        assert_refused(&res, &[("NARKOTIKA", "details.atc_code")]);
    }
}

#[actix_web::test]
async fn a_narcotic_npl_id_behind_a_harmless_name_is_refused_on_the_npl_id() {
    let app = TestApp::spawn().await;

    let res = send(
        &app,
        "recept",
        &kommun_nurse(),
        &recept_with(&app, "Kombinationspreparat", None, Some("20141129000084")),
    )
    .await;

    assert_refused(&res, &[("NARKOTIKA", "details.npl_id")]);
}

#[actix_web::test]
async fn an_ordinary_drug_with_its_atc_code_is_accepted() {
    let app = TestApp::spawn().await;
    for (name, atc) in [
        ("Enalapril", "C09AA02"),
        ("Enalapril Sandoz 10 mg", "c09aa02"),
    ] {
        let msg = send(
            &app,
            "recept",
            &kommun_nurse(),
            &recept_with(&app, name, Some(atc), None),
        )
        .await
        .assert_status(201);
        assert_eq!(msg["details"]["atc_code"], "C09AA02", "stored normalised");
    }
}

#[actix_web::test]
async fn a_narcotic_renewal_asked_for_in_the_free_text_of_a_recept_is_refused_on_that_text() {
    let app = TestApp::spawn().await;
    let mut body = recept_with(&app, "Enalapril", Some("C09AA02"), None);
    body["body"] = "Förnya gärna Stesolid samtidigt.".into();

    let res = send(&app, "recept", &kommun_nurse(), &body).await;

    assert_refused(&res, &[("NARKOTIKA", "body")]);
}

#[actix_web::test]
async fn a_narcotic_only_mentioned_in_the_free_text_of_a_recept_is_accepted() {
    let app = TestApp::spawn().await;
    let mut body = recept_with(&app, "Enalapril", Some("C09AA02"), None);
    body["body"] = "Förnya Enalapril. Patienten tar även Stesolid vid behov, oförändrat.".into();

    send(&app, "recept", &kommun_nurse(), &body)
        .await
        .assert_status(201);
}

#[actix_web::test]
async fn a_narcotic_renewal_asked_for_in_any_category_is_refused_on_that_text() {
    let app = TestApp::spawn().await;
    let (patient, vc) = (app.patient_id(TOLVAN), app.unit_id(VC_HALMSTAD));
    for (category, field) in [
        ("provtagning", "body"),
        ("uppfoljning", "subject"),
        ("bokning", "details.reason"),
    ] {
        let mut body = body_of(category, patient, vc);
        let text = "Kan ni också förnya OxyNorm 5 mg?";
        match field {
            "details.reason" => body["details"]["reason"] = text.into(),
            other => body[other] = text.into(),
        }

        let res = send(&app, category, &kommun_nurse(), &body).await;

        assert_refused(&res, &[("NARKOTIKA", field)]);
    }
}

#[actix_web::test]
async fn a_narcotic_only_mentioned_in_any_category_is_accepted() {
    let app = TestApp::spawn().await;
    let (patient, vc) = (app.patient_id(TOLVAN), app.unit_id(VC_HALMSTAD));
    for category in ["provtagning", "uppfoljning", "bokning"] {
        let mut body = body_of(category, patient, vc);
        body["body"] =
            "Patienten tar OxyNorm vid behov, önskar blodtryckskontroll; ta leverprover.".into();

        send(&app, category, &kommun_nurse(), &body)
            .await
            .assert_status(201);
    }
}

#[actix_web::test]
async fn a_new_prescription_is_refused_as_nyforskrivning_on_the_kind() {
    let app = TestApp::spawn().await;
    let mut body = recept_body(app.patient_id(TOLVAN), app.unit_id(VC_HALMSTAD));
    body["details"]["kind"] = "nyforskrivning".into();

    let res = send(&app, "recept", &kommun_nurse(), &body).await;

    assert_refused(&res, &[("NYFORSKRIVNING", "details.kind")]);
}

#[actix_web::test]
async fn a_renewal_is_accepted_and_keeps_its_kind() {
    let app = TestApp::spawn().await;
    let body = recept_body(app.patient_id(TOLVAN), app.unit_id(VC_HALMSTAD));
    assert_eq!(body["details"]["kind"], "fornyelse");

    let msg = send(&app, "recept", &kommun_nurse(), &body)
        .await
        .assert_status(201);

    assert_eq!(msg["details"]["kind"], "fornyelse");
}
