//! Authentication: every way a token can be wrong answers 401 problem+json with
//! `WWW-Authenticate: Bearer`, and `/me` shows the caller as the API understood it.

use actix_web::http::{header, Method};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

use crate::helpers::{
    Persona, TestApp, HALMSTAD_KOMMUN, TEST_AUDIENCE, TEST_ISSUER, TEST_SECRET, VC_HALMSTAD,
};

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn claims() -> Value {
    json!({
        "sub": "SE2321000115-DEMOP0001",
        "iss": TEST_ISSUER,
        "aud": TEST_AUDIENCE,
        "iat": now(),
        "exp": now() + 600,
        "unit": HALMSTAD_KOMMUN,
        "roles": ["personal"],
        "legitimerad": true,
        "name": "Kerstin Demo",
        "profession": "sjukskoterska"
    })
}

fn sign(claims: &Value) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(TEST_SECRET.as_bytes()),
    )
    .unwrap()
}

fn with(mut c: Value, key: &str, value: Value) -> Value {
    c[key] = value;
    c
}

fn without(mut c: Value, key: &str) -> Value {
    c.as_object_mut().unwrap().remove(key);
    c
}

async fn me_with_token(app: &TestApp, token: &str) -> crate::helpers::Resp {
    app.send(TestApp::request(Method::GET, "/api/v1/me", Some(token)))
        .await
}

#[track_caller]
fn assert_401(res: &crate::helpers::Resp) {
    res.assert_problem(401, "UNAUTHENTICATED");
    let www = res.header("www-authenticate").unwrap_or_default();
    assert!(www.starts_with("Bearer"), "WWW-Authenticate: {www}");
}

#[actix_web::test]
async fn a_valid_token_shows_the_caller_and_the_resolved_unit() {
    let app = TestApp::spawn().await;
    let res = me_with_token(&app, &sign(&claims())).await;
    let me = res.assert_status(200);
    assert_eq!(me["sub"], "SE2321000115-DEMOP0001");
    assert_eq!(me["legitimerad"], true);
    assert_eq!(me["roles"], json!(["personal"]));
    assert_eq!(me["unit"]["hsa_id"], HALMSTAD_KOMMUN);
    assert_eq!(me["unit"]["kind"], "kommun");
    assert_eq!(me["unit"]["municipality_name"], "Halmstad");
}

#[actix_web::test]
async fn the_unit_claim_is_matched_case_insensitively() {
    let app = TestApp::spawn().await;
    let token = sign(&with(claims(), "unit", json!(VC_HALMSTAD.to_lowercase())));
    let me = me_with_token(&app, &token).await.assert_status(200);
    assert_eq!(me["unit"]["hsa_id"], VC_HALMSTAD);
}

#[actix_web::test]
async fn no_token_is_401() {
    let app = TestApp::spawn().await;
    assert_401(
        &app.send(TestApp::request(Method::GET, "/api/v1/me", None))
            .await,
    );
}

#[actix_web::test]
async fn a_token_in_the_query_string_is_ignored() {
    let app = TestApp::spawn().await;
    let token = sign(&claims());
    let res = app
        .send(TestApp::request(
            Method::GET,
            &format!("/api/v1/me?access_token={token}"),
            None,
        ))
        .await;
    assert_401(&res);
}

#[actix_web::test]
async fn a_non_bearer_scheme_or_garbage_is_401() {
    let app = TestApp::spawn().await;
    let basic = TestApp::request(Method::GET, "/api/v1/me", None)
        .insert_header((header::AUTHORIZATION, "Basic dXNlcjpwYXNz"));
    assert_401(&app.send(basic).await);
    assert_401(&me_with_token(&app, "not.a.jwt").await);
    assert_401(&me_with_token(&app, "garbage").await);
}

#[actix_web::test]
async fn an_expired_token_is_401_but_one_inside_the_leeway_passes() {
    let app = TestApp::spawn().await;
    let expired = with(
        with(claims(), "exp", json!(now() - 120)),
        "iat",
        json!(now() - 600),
    );
    assert_401(&me_with_token(&app, &sign(&expired)).await);
    let just = with(claims(), "exp", json!(now() - 5));
    me_with_token(&app, &sign(&just)).await.assert_status(200);
}

#[actix_web::test]
async fn a_token_not_yet_valid_is_401() {
    let app = TestApp::spawn().await;
    let future = with(claims(), "nbf", json!(now() + 300));
    assert_401(&me_with_token(&app, &sign(&future)).await);
}

#[actix_web::test]
async fn a_token_issued_in_the_future_is_401() {
    let app = TestApp::spawn().await;
    let future = with(claims(), "iat", json!(now() + 300));
    assert_401(&me_with_token(&app, &sign(&future)).await);
}

#[actix_web::test]
async fn a_wrong_or_missing_audience_is_401() {
    let app = TestApp::spawn().await;
    assert_401(&me_with_token(&app, &sign(&with(claims(), "aud", json!("other-api")))).await);
    assert_401(&me_with_token(&app, &sign(&without(claims(), "aud"))).await);
    // An audience list that contains ours is fine.
    me_with_token(
        &app,
        &sign(&with(claims(), "aud", json!(["x", TEST_AUDIENCE]))),
    )
    .await
    .assert_status(200);
}

#[actix_web::test]
async fn a_wrong_or_missing_issuer_is_401() {
    let app = TestApp::spawn().await;
    assert_401(&me_with_token(&app, &sign(&with(claims(), "iss", json!("evil-idp")))).await);
    assert_401(&me_with_token(&app, &sign(&without(claims(), "iss"))).await);
}

#[actix_web::test]
async fn missing_sub_exp_or_iat_is_401() {
    let app = TestApp::spawn().await;
    for claim in ["sub", "exp", "iat"] {
        assert_401(&me_with_token(&app, &sign(&without(claims(), claim))).await);
    }
}

#[actix_web::test]
async fn exp_given_as_a_string_is_401() {
    let app = TestApp::spawn().await;
    let c = with(claims(), "exp", json!((now() + 600).to_string()));
    assert_401(&me_with_token(&app, &sign(&c)).await);
}

#[actix_web::test]
async fn a_bad_signature_is_401() {
    let app = TestApp::spawn().await;
    let other = encode(
        &Header::new(Algorithm::HS256),
        &claims(),
        &EncodingKey::from_secret(b"another-secret-another-secret-another"),
    )
    .unwrap();
    assert_401(&me_with_token(&app, &other).await);
    // A valid token with its payload swapped keeps the old signature.
    let good = sign(&claims());
    let parts: Vec<&str> = good.split('.').collect();
    let evil_payload = URL_SAFE_NO_PAD
        .encode(serde_json::to_vec(&with(claims(), "roles", json!(["admin"]))).unwrap());
    assert_401(&me_with_token(&app, &format!("{}.{}.{}", parts[0], evil_payload, parts[2])).await);
}

#[actix_web::test]
async fn alg_none_is_401() {
    let app = TestApp::spawn().await;
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims()).unwrap());
    assert_401(&me_with_token(&app, &format!("{header}.{payload}.")).await);
    assert_401(&me_with_token(&app, &format!("{header}.{payload}")).await);
}

#[actix_web::test]
async fn an_algorithm_outside_the_allow_list_is_401() {
    let app = TestApp::spawn().await;
    let hs512 = encode(
        &Header::new(Algorithm::HS512),
        &claims(),
        &EncodingKey::from_secret(TEST_SECRET.as_bytes()),
    )
    .unwrap();
    assert_401(&me_with_token(&app, &hs512).await);
    let hs384 = encode(
        &Header::new(Algorithm::HS384),
        &claims(),
        &EncodingKey::from_secret(TEST_SECRET.as_bytes()),
    )
    .unwrap();
    assert_401(&me_with_token(&app, &hs384).await);
}

#[actix_web::test]
async fn a_kid_with_injection_strings_changes_nothing() {
    let app = TestApp::spawn().await;
    for kid in [
        "../../../../dev/null",
        "' OR 1=1 --",
        "x\"; DROP TABLE units; --",
        "|/bin/sh",
    ] {
        let mut h = Header::new(Algorithm::HS256);
        h.kid = Some(kid.into());
        let token = encode(
            &h,
            &claims(),
            &EncodingKey::from_secret(TEST_SECRET.as_bytes()),
        )
        .unwrap();
        // The kid selects nothing: the token verifies with the configured key or not at all.
        me_with_token(&app, &token).await.assert_status(200);
        let bad = encode(&h, &claims(), &EncodingKey::from_secret(b"")).unwrap();
        assert_401(&me_with_token(&app, &bad).await);
    }
}

#[actix_web::test]
async fn an_oversized_token_is_401() {
    let app = TestApp::spawn().await;
    let big = with(claims(), "name", json!("x".repeat(9000)));
    assert_401(&me_with_token(&app, &sign(&big)).await);
}

#[actix_web::test]
async fn a_token_for_an_unknown_or_inactive_unit_is_403() {
    let app = TestApp::spawn().await;
    let unknown = sign(&with(claims(), "unit", json!("SE2321000115-NOSUCHUNIT")));
    me_with_token(&app, &unknown)
        .await
        .assert_problem(403, "UNIT_NOT_AUTHORISED");
    let no_unit = sign(&without(claims(), "unit"));
    me_with_token(&app, &no_unit)
        .await
        .assert_problem(403, "UNIT_NOT_AUTHORISED");

    let vc = app.unit_id(VC_HALMSTAD);
    app.patch(
        &format!("/api/v1/units/{vc}"),
        &Persona::admin(),
        &json!({"active": false}),
    )
    .await
    .assert_status(200);
    let inactive = sign(&with(claims(), "unit", json!(VC_HALMSTAD)));
    me_with_token(&app, &inactive)
        .await
        .assert_problem(403, "UNIT_NOT_AUTHORISED");
}

#[actix_web::test]
async fn an_admin_may_call_me_without_a_directory_unit() {
    let app = TestApp::spawn().await;
    let me = app
        .get("/api/v1/me", &Persona::admin())
        .await
        .assert_status(200);
    assert_eq!(me["roles"], json!(["admin"]));
    assert!(me["unit"].is_null());
}
