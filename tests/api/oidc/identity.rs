//! Inera's claims, mapped: who the caller is, what the commission allows, whether the person is
//! licensed, which roles the token grants, and the commission on the access log.

use actix_web::http::Method;
use jsonwebtoken::Algorithm;
use serde_json::{json, Value};

use super::{
    admin, assert_401, jwks, k1, k2, k3, me, nurse, start, start_default, with, without, CARE,
    CARE_PROVIDER, COMMISSION, NURSE,
};
use crate::helpers::{Persona, TestApp, HALMSTAD_KOMMUN, VC_HALMSTAD};

const TOLVAN: &str = "19121212-1212";

#[actix_web::test]
async fn inera_claims_signed_rs256_make_a_licensed_nurse_of_the_commission_unit() {
    let (idp, app) = start_default().await;
    let m = me(&app, &k1().sign(&nurse(&idp.base)))
        .await
        .assert_status(200);
    assert_eq!(m["sub"], NURSE);
    assert_eq!(m["name"], "Kerstin Provider");
    assert_eq!(m["roles"], json!(["personal"]));
    assert_eq!(m["legitimerad"], true);
    assert_eq!(m["profession"], "sjukskoterska");
    assert_eq!(m["unit_hsa_id"], HALMSTAD_KOMMUN);
    assert_eq!(m["unit"]["hsa_id"], HALMSTAD_KOMMUN);
    assert_eq!(m["commission_hsa_id"], COMMISSION);
    assert_eq!(m["commission_purpose"], CARE);
    assert_eq!(m["care_provider_hsa_id"], CARE_PROVIDER);
    assert_eq!(m["token_source"], "provider");
    assert!(m["units"].as_array().unwrap().is_empty());
}

/// `token_expires_at` of `/me`, as seconds since the epoch.
fn expires_at(m: &Value) -> i64 {
    let text = m["token_expires_at"].as_str().unwrap();
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .unwrap()
        .unix_timestamp()
}

#[actix_web::test]
async fn me_shows_when_the_token_expires() {
    let (idp, app) = start_default().await;
    let exp = super::now() + 600;
    let m = me(&app, &k1().sign(&with(nurse(&idp.base), "exp", json!(exp))))
        .await
        .assert_status(200);
    assert_eq!(expires_at(&m), exp);
}

#[actix_web::test]
async fn me_shows_when_a_token_with_a_fractional_exp_expires() {
    let (idp, app) = start_default().await;
    let exp = super::now() + 600;
    let m = me(
        &app,
        &k1().sign(&with(nurse(&idp.base), "exp", json!(exp as f64 + 0.25))),
    )
    .await
    .assert_status(200);
    assert!(
        (expires_at(&m) - exp).abs() <= 1,
        "{}",
        m["token_expires_at"]
    );
}

#[actix_web::test]
async fn a_development_token_is_refused_by_an_app_that_only_trusts_the_provider() {
    let (_idp, app) = start_default().await;
    // Signed with the test suite's HS256 secret, which this app does not have.
    assert_401(&me(&app, &Persona::nurse(HALMSTAD_KOMMUN).token()).await);
}

#[actix_web::test]
async fn ps256_verifies_with_an_rsa_key_whose_jwk_names_no_alg_but_not_with_one_naming_rs256() {
    // k1 published without `alg` (RS256 and PS256), k2 published with `alg: RS256`.
    let (idp, app) = start(
        jwks(&[k1().jwk_without_alg(), k2().jwk()]),
        Default::default(),
    )
    .await;
    let claims = nurse(&idp.base);
    for alg in [Algorithm::PS256, Algorithm::RS256] {
        let m = me(&app, &k1().sign_as(alg, &claims))
            .await
            .assert_status(200);
        assert_eq!(m["sub"], NURSE, "{alg:?}");
    }
    me(&app, &k2().sign_as(Algorithm::RS256, &claims))
        .await
        .assert_status(200);
    assert_401(&me(&app, &k2().sign_as(Algorithm::PS256, &claims)).await);
}

#[actix_web::test]
async fn es256_tokens_verify_with_the_ec_p256_key() {
    let (idp, app) = start_default().await;
    let m = me(&app, &k3().sign(&nurse(&idp.base)))
        .await
        .assert_status(200);
    assert_eq!(m["sub"], NURSE);
    assert_eq!(m["token_source"], "provider");
}

#[actix_web::test]
async fn two_person_ids_are_ambiguous_one_in_an_array_is_that_person() {
    let (idp, app) = start_default().await;
    let two = with(
        nurse(&idp.base),
        "employeeHsaId",
        json!([NURSE, "SE2321000115-DEMOP0102"]),
    );
    let res = me(&app, &k1().sign(&two)).await;
    res.assert_problem(401, "AMBIGUOUS_IDENTITY");
    let www = res.header("www-authenticate").unwrap_or_default();
    assert!(
        www.contains("error=\"invalid_token\""),
        "WWW-Authenticate: {www}"
    );
    for one in [json!([NURSE]), json!([NURSE, NURSE])] {
        let c = with(nurse(&idp.base), "employeeHsaId", one);
        assert_eq!(
            me(&app, &k1().sign(&c)).await.assert_status(200)["sub"],
            NURSE
        );
    }
    // Two units or two commissions name no single medarbetaruppdrag either.
    let units = with(
        nurse(&idp.base),
        "healthCareUnitHsaId",
        json!([HALMSTAD_KOMMUN, VC_HALMSTAD]),
    );
    me(&app, &k1().sign(&units))
        .await
        .assert_problem(401, "AMBIGUOUS_IDENTITY");
    let commissions = with(
        nurse(&idp.base),
        "commissionHsaId",
        json!([COMMISSION, "SE2321000115-DEMOUPP0102"]),
    );
    me(&app, &k1().sign(&commissions))
        .await
        .assert_problem(401, "AMBIGUOUS_IDENTITY");
}

#[actix_web::test]
async fn a_commission_for_another_purpose_may_not_act_as_care_staff() {
    let (idp, app) = start_default().await;
    let inbox = "/api/v1/messages?box=inbox";
    let care = k1().sign(&nurse(&idp.base));
    app.get_with_token(inbox, &care).await.assert_status(200);
    let administration = k1().sign(&with(
        nurse(&idp.base),
        "commissionPurpose",
        json!("Administration"),
    ));
    app.get_with_token(inbox, &administration)
        .await
        .assert_problem(403, "COMMISSION_PURPOSE");
    me(&app, &administration)
        .await
        .assert_problem(403, "COMMISSION_PURPOSE");
    // No purpose at all is not care either.
    let none = k1().sign(&without(nurse(&idp.base), "commissionPurpose"));
    app.get_with_token(inbox, &none)
        .await
        .assert_problem(403, "COMMISSION_PURPOSE");
}

/// Registers a fresh patient as the licensed provider nurse; returns its id.
async fn new_patient(app: &TestApp, token: &str) -> String {
    let number = app.unregistered_number();
    let p = app
        .send_with_token(
            Method::POST,
            "/api/v1/patients",
            token,
            Some(&json!({"personal_identity_number": number})),
        )
        .await
        .assert_status(201);
    p["id"].as_str().unwrap().to_string()
}

#[actix_web::test]
async fn without_a_licence_claim_the_nurse_is_unlicensed_and_may_not_enroll() {
    let (idp, app) = start_default().await;
    let licensed = k1().sign(&nurse(&idp.base));
    let unlicensed = k1().sign(&without(nurse(&idp.base), "healthcareProfessionalLicense"));
    let empty = k1().sign(&with(
        nurse(&idp.base),
        "healthcareProfessionalLicense",
        json!([]),
    ));
    for t in [&unlicensed, &empty] {
        let m = me(&app, t).await.assert_status(200);
        assert_eq!(m["legitimerad"], false);
        assert!(m["profession"].is_null());
    }
    let patient = new_patient(&app, &licensed).await;
    let enroll = |token: String| {
        let app = &app;
        let path = format!("/api/v1/patients/{patient}/enrollments");
        async move {
            app.send_with_token(
                Method::POST,
                &path,
                &token,
                Some(&json!({"start_date": "2026-01-01"})),
            )
            .await
        }
    };
    enroll(unlicensed)
        .await
        .assert_problem(403, "LICENCE_REQUIRED");
    enroll(empty).await.assert_problem(403, "LICENCE_REQUIRED");
    enroll(licensed).await.assert_status(201);
}

/// The patient-lookup entries of the access log for `patient`, as `(actor, commission)`.
fn lookups(app: &TestApp, patient: &str) -> Vec<(String, Option<String>)> {
    app.access_log_rows()
        .into_iter()
        .filter(|r| {
            r.action == "patient.lookup"
                && r.patient_id.map(|p| p.to_string()) == Some(patient.into())
        })
        .map(|r| (r.actor_hsa_id, r.commission_hsa_id))
        .collect()
}

#[actix_web::test]
async fn the_access_log_names_the_commission_the_nurse_acted_under() {
    let (idp, app) = start_default().await;
    let lookup = |token: String| {
        let app = &app;
        async move {
            app.send_with_token(
                Method::POST,
                "/api/v1/patients/lookup",
                &token,
                Some(&json!({"personal_identity_number": TOLVAN})),
            )
            .await
            .assert_status(200)
        }
    };
    let patient: Value = lookup(k1().sign(&nurse(&idp.base))).await;
    let patient = patient["id"].as_str().unwrap().to_string();
    // The same nurse with a token that names no commission: logged without one.
    let other = "SE2321000115-DEMOP0109";
    lookup(k1().sign(&with(
        without(nurse(&idp.base), "commissionHsaId"),
        "employeeHsaId",
        json!(other),
    )))
    .await;
    assert_eq!(
        lookups(&app, &patient),
        vec![
            (NURSE.to_string(), Some(COMMISSION.to_string())),
            (other.to_string(), None),
        ]
    );

    // A reviewer sees it through the audit API.
    let granskare = k1().sign(&with(
        with(
            nurse(&idp.base),
            "employeeHsaId",
            json!("SE2321000115-DEMOP0104"),
        ),
        "roles",
        json!(["granskare"]),
    ));
    let page = app
        .get_with_token(
            &format!("/api/v1/audit?patient_id={patient}&action=patient.lookup"),
            &granskare,
        )
        .await
        .assert_status(200);
    let entries: Vec<(Value, Value)> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["actor_hsa_id"].clone(), e["commission_hsa_id"].clone()))
        .collect();
    assert_eq!(
        entries,
        vec![
            (json!(other), Value::Null),
            (json!(NURSE), json!(COMMISSION)),
        ],
        "newest first"
    );
}

#[actix_web::test]
async fn roles_admin_in_the_token_administers_and_roles_integration_grants_nothing() {
    let (idp, app) = start_default().await;
    let admin_token = k1().sign(&admin(&idp.base));
    let m = me(&app, &admin_token).await.assert_status(200);
    assert_eq!(m["roles"], json!(["admin"]));
    assert!(m["unit"].is_null());
    app.send_with_token(
        Method::POST,
        "/api/v1/integration-clients",
        &admin_token,
        Some(&json!({"client_id": "platform-1", "name": "Plattform", "units": [VC_HALMSTAD]})),
    )
    .await
    .assert_status(201);

    // `integration` in the roles claim is not a role the provider may grant.
    let claimed = with(admin(&idp.base), "roles", json!(["integration"]));
    let t = k1().sign(&claimed);
    app.get_with_token("/api/v1/events", &t)
        .await
        .assert_problem(403, "ROLE_REQUIRED");
    app.get_with_token("/api/v1/integration-clients", &t)
        .await
        .assert_problem(403, "ROLE_REQUIRED");
    // With a care unit it is care staff, nothing more.
    let nurse_claiming = k1().sign(&with(nurse(&idp.base), "roles", json!(["integration"])));
    let m = me(&app, &nurse_claiming).await.assert_status(200);
    assert_eq!(m["roles"], json!(["personal"]));
    app.get_with_token("/api/v1/events", &nurse_claiming)
        .await
        .assert_problem(403, "ROLE_REQUIRED");
}
