//! RFC 8725 (JWT Best Current Practices): each way to forge or stretch a provider token is 401
//! `UNAUTHENTICATED`, next to the honest token that passes.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

use super::provider::Provider;
use super::{
    assert_401, attacker, jwks, k1, k2, k3, me, now, nurse, provider_config, sign_raw, start,
    start_default, with, without, K1_PUBLIC_PEM, NURSE,
};
use crate::helpers::{Persona, TestApp, HALMSTAD_KOMMUN, TEST_AUDIENCE, TEST_ISSUER, TEST_SECRET};

fn b64(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
}

#[actix_web::test]
async fn alg_none_is_401() {
    let (idp, app) = start_default().await;
    let claims = nurse(&idp.base);
    me(&app, &k1().sign(&claims)).await.assert_status(200);
    for alg in ["none", "None", "NONE"] {
        let header = b64(&json!({"alg": alg, "typ": "JWT", "kid": "k1"}));
        let payload = b64(&claims);
        assert_401(&me(&app, &format!("{header}.{payload}.")).await);
        assert_401(&me(&app, &format!("{header}.{payload}")).await);
    }
}

/// HS256 "signed" with k1's public key: its PEM, and its JWK as JSON.
fn confused(claims: &Value) -> Vec<String> {
    let jwk_json = serde_json::to_vec(&k1().jwk()).unwrap();
    [K1_PUBLIC_PEM.to_vec(), jwk_json]
        .iter()
        .map(|secret| {
            let mut h = Header::new(Algorithm::HS256);
            h.kid = Some("k1".into());
            encode(&h, claims, &EncodingKey::from_secret(secret)).unwrap()
        })
        .collect()
}

#[actix_web::test]
async fn hs256_signed_with_the_providers_public_key_is_401() {
    let (idp, app) = start_default().await;
    for token in confused(&nurse(&idp.base)) {
        assert_401(&me(&app, &token).await);
    }
    // And HS256 with the test suite's development secret: this app has none.
    let dev = with(nurse(&idp.base), "iss", json!(TEST_ISSUER));
    let dev = encode(
        &Header::new(Algorithm::HS256),
        &dev,
        &EncodingKey::from_secret(TEST_SECRET.as_bytes()),
    )
    .unwrap();
    assert_401(&me(&app, &dev).await);
}

#[actix_web::test]
async fn hs256_signed_with_the_providers_public_key_is_401_beside_a_development_secret_too() {
    // A process that knowingly accepts both (SAMVERKAN_ALLOW_DEV_TOKENS_WITH_OIDC).
    let idp = Provider::start(super::default_jwks(), json!({"keys": []}));
    let mut cfg = crate::helpers::jwt_config();
    cfg.provider = Some(provider_config(&idp.base, Default::default()));
    let app = TestApp::spawn_with_jwt(cfg).await;
    app.idp_keys.as_ref().unwrap().refresh().await.unwrap();

    // Both honest sources pass.
    me(&app, &k1().sign(&nurse(&idp.base)))
        .await
        .assert_status(200);
    let dev = me(&app, &Persona::nurse(HALMSTAD_KOMMUN).token())
        .await
        .assert_status(200);
    assert_eq!(dev["token_source"], "development");

    // The confusion, with provider-shaped claims and with development-shaped ones.
    for token in confused(&nurse(&idp.base)) {
        assert_401(&me(&app, &token).await);
    }
    let dev_shaped = json!({
        "sub": "SE2321000115-DEMOP0003",
        "iss": TEST_ISSUER,
        "aud": TEST_AUDIENCE,
        "iat": now(),
        "exp": now() + 600,
        "unit": HALMSTAD_KOMMUN,
        "roles": ["admin", "personal"],
        "legitimerad": true,
    });
    for token in confused(&dev_shaped) {
        assert_401(&me(&app, &token).await);
    }
}

#[actix_web::test]
async fn a_symmetric_key_in_the_providers_jwks_is_never_used() {
    // The provider (mis)publishes an `oct` key: HS256 "signed" with it must not pass.
    let secret = b"a-shared-secret-the-provider-should-never-publish";
    let oct =
        json!({"kty": "oct", "kid": "hs", "alg": "HS256", "k": URL_SAFE_NO_PAD.encode(secret)});
    let (idp, app) = start(jwks(&[k1().jwk(), oct]), Default::default()).await;
    let claims = nurse(&idp.base);
    me(&app, &k1().sign(&claims)).await.assert_status(200);
    for kid in ["hs", "k1"] {
        let mut h = Header::new(Algorithm::HS256);
        h.kid = Some(kid.into());
        let token = encode(&h, &claims, &EncodingKey::from_secret(secret)).unwrap();
        assert_401(&me(&app, &token).await);
    }
}

#[actix_web::test]
async fn a_key_sent_in_the_jwk_header_is_never_used() {
    let (idp, app) = start_default().await;
    let claims = nurse(&idp.base);
    for kid in ["attacker", "k1"] {
        let mut h = Header::new(Algorithm::RS256);
        h.kid = Some(kid.into());
        h.jwk = Some(attacker().public());
        assert_401(&me(&app, &attacker().sign_header(&h, &claims)).await);
    }
    // The provider's own key in the header changes nothing for a token k1 signed.
    let mut h = Header::new(Algorithm::RS256);
    h.kid = Some("k1".into());
    h.jwk = Some(k1().public());
    me(&app, &k1().sign_header(&h, &claims))
        .await
        .assert_status(200);
}

#[actix_web::test]
async fn jku_and_x5u_are_never_followed() {
    let (idp, app) = start_default().await;
    let claims = nurse(&idp.base);
    for kid in ["attacker", "k1"] {
        let mut jku = Header::new(Algorithm::RS256);
        jku.kid = Some(kid.into());
        jku.jku = Some(idp.trap_url("jwks"));
        assert_401(&me(&app, &attacker().sign_header(&jku, &claims)).await);

        let mut x5u = Header::new(Algorithm::RS256);
        x5u.kid = Some(kid.into());
        x5u.x5u = Some(idp.trap_url("cert.pem"));
        assert_401(&me(&app, &attacker().sign_header(&x5u, &claims)).await);
    }
    assert_eq!(idp.trap_hits(), 0, "the API fetched a URL a token named");
    // The trap itself answers (the count would have shown a fetch).
    let probe = reqwest::get(idp.trap_url("probe"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(probe.contains("\"keys\""), "{probe}");
    assert_eq!(idp.trap_hits(), 1);
}

#[actix_web::test]
async fn a_crit_header_is_401() {
    let (idp, app) = start_default().await;
    let claims = nurse(&idp.base);
    for crit in [vec!["exp"], vec!["b64"], vec![]] {
        let mut h = Header::new(Algorithm::RS256);
        h.kid = Some("k1".into());
        h.crit = Some(crit.iter().map(|c| c.to_string()).collect());
        assert_401(&me(&app, &k1().sign_header(&h, &claims)).await);
    }
    let mut h = Header::new(Algorithm::RS256);
    h.kid = Some("k1".into());
    me(&app, &k1().sign_header(&h, &claims))
        .await
        .assert_status(200);
}

#[actix_web::test]
async fn typ_must_name_a_jwt_or_an_access_token() {
    let (idp, app) = start_default().await;
    let claims = nurse(&idp.base);
    let typed = |typ: Option<&str>| {
        let mut h = Header::new(Algorithm::RS256);
        h.kid = Some("k1".into());
        h.typ = typ.map(String::from);
        k1().sign_header(&h, &claims)
    };
    for ok in [
        Some("JWT"),
        Some("at+jwt"),
        Some("application/at+jwt"),
        None,
    ] {
        me(&app, &typed(ok)).await.assert_status(200);
    }
    for bad in ["secevent+jwt", "dpop+jwt", "logout+jwt", "JOSE", ""] {
        assert_401(&me(&app, &typed(Some(bad))).await);
    }
    // A typ that is not a string.
    let header = json!({"alg": "RS256", "kid": "k1", "typ": 1});
    assert_401(
        &me(
            &app,
            &sign_raw(&header, &claims, &k1().enc, Algorithm::RS256),
        )
        .await,
    );
}

#[actix_web::test]
async fn a_header_whose_alg_or_kid_does_not_fit_the_key_is_401() {
    let (idp, app) = start_default().await;
    let claims = nurse(&idp.base);
    let raw = |alg: &str, kid: &str, key: &EncodingKey, signed: Algorithm| {
        sign_raw(
            &json!({"alg": alg, "kid": kid, "typ": "JWT"}),
            &claims,
            key,
            signed,
        )
    };
    // The honest pairs.
    me(&app, &raw("RS256", "k1", &k1().enc, Algorithm::RS256))
        .await
        .assert_status(200);
    me(&app, &raw("ES256", "k3", &k3().enc, Algorithm::ES256))
        .await
        .assert_status(200);
    // An RS256 signature by k1 whose header says ES256 (k1 or k3), or names the EC key.
    assert_401(&me(&app, &raw("ES256", "k1", &k1().enc, Algorithm::RS256)).await);
    assert_401(&me(&app, &raw("ES256", "k3", &k1().enc, Algorithm::RS256)).await);
    assert_401(&me(&app, &raw("RS256", "k3", &k1().enc, Algorithm::RS256)).await);
    // k1 publishes `alg: RS256`: a PS256 header (and signature) is refused.
    assert_401(&me(&app, &raw("PS256", "k1", &k1().enc, Algorithm::PS256)).await);
    assert_401(&me(&app, &raw("PS256", "k1", &k1().enc, Algorithm::RS256)).await);
    // An ES256 signature by k3 that claims to be k1's.
    assert_401(&me(&app, &raw("ES256", "k1", &k3().enc, Algorithm::ES256)).await);
    // Algorithms outside the allow-list, even with a fitting key.
    for (alg, a) in [("RS384", Algorithm::RS384), ("RS512", Algorithm::RS512)] {
        assert_401(&me(&app, &raw(alg, "k1", &k1().enc, a)).await);
    }
    // A key the provider does not publish, under a published kid.
    assert_401(&me(&app, &raw("RS256", "k1", &k2().enc, Algorithm::RS256)).await);
    // A tampered payload keeps k1's signature.
    let good = raw("RS256", "k1", &k1().enc, Algorithm::RS256);
    let parts: Vec<&str> = good.split('.').collect();
    let evil = b64(&with(claims.clone(), "roles", json!(["admin"])));
    assert_401(&me(&app, &format!("{}.{evil}.{}", parts[0], parts[2])).await);
}

#[actix_web::test]
async fn without_a_kid_only_an_unambiguous_key_verifies() {
    // Two RSA keys: a token without a kid names neither.
    let (idp, app) = start(
        jwks(&[k1().jwk(), k2().jwk(), k3().jwk()]),
        Default::default(),
    )
    .await;
    let claims = nurse(&idp.base);
    let no_kid = |alg: Algorithm, key: &EncodingKey| {
        let mut h = Header::new(alg);
        h.kid = None;
        encode(&h, &claims, key).unwrap()
    };
    assert_401(&me(&app, &no_kid(Algorithm::RS256, &k1().enc)).await);
    // One EC key: it is the one.
    me(&app, &no_kid(Algorithm::ES256, &k3().enc))
        .await
        .assert_status(200);
}

#[actix_web::test]
async fn an_iat_in_the_future_is_401_even_with_a_fraction_of_a_second() {
    let (idp, app) = start_default().await;
    let c = nurse(&idp.base);
    me(
        &app,
        &k1().sign(&with(c.clone(), "iat", json!(now() as f64 + 0.5))),
    )
    .await
    .assert_status(200);
    // RFC 7519 §2: a NumericDate is a JSON number and may have a fraction.
    assert_401(
        &me(
            &app,
            &k1().sign(&with(c.clone(), "iat", json!(now() as f64 + 60.5))),
        )
        .await,
    );
    assert_401(
        &me(
            &app,
            &k1().sign(&with(c.clone(), "iat", json!(now() as f64 + 1e9))),
        )
        .await,
    );
}

#[actix_web::test]
async fn the_issuer_audience_subject_and_expiry_are_required_and_checked() {
    let (idp, app) = start_default().await;
    let c = nurse(&idp.base);
    let sign = |c: &Value| k1().sign(c);
    me(&app, &sign(&c)).await.assert_status(200);
    for bad in [
        with(c.clone(), "iss", json!("http://127.0.0.1:1")),
        with(c.clone(), "iss", json!(format!("{}/other", idp.base))),
        with(c.clone(), "aud", json!("other-api")),
        with(c.clone(), "aud", json!([])),
        without(c.clone(), "iss"),
        without(c.clone(), "aud"),
        without(c.clone(), "exp"),
        without(c.clone(), "sub"),
        with(c.clone(), "exp", json!((now() + 600).to_string())),
    ] {
        assert_401(&me(&app, &sign(&bad)).await);
    }
    // An audience list that holds ours is fine.
    me(
        &app,
        &sign(&with(c.clone(), "aud", json!(["other-api", TEST_AUDIENCE]))),
    )
    .await
    .assert_status(200);
}

#[actix_web::test]
async fn exp_nbf_and_iat_are_checked_with_30_seconds_of_leeway() {
    let (idp, app) = start_default().await;
    let c = || nurse(&idp.base);
    let t = |claims: Value| k1().sign(&claims);
    let status = |claims: Value| {
        let app = &app;
        let token = t(claims);
        async move { me(app, &token).await }
    };
    // exp
    status(with(c(), "exp", json!(now() - 10)))
        .await
        .assert_status(200);
    assert_401(&status(with(c(), "exp", json!(now() - 60))).await);
    // nbf
    status(with(c(), "nbf", json!(now() + 10)))
        .await
        .assert_status(200);
    assert_401(&status(with(c(), "nbf", json!(now() + 60))).await);
    // iat
    status(with(c(), "iat", json!(now() + 10)))
        .await
        .assert_status(200);
    assert_401(&status(with(c(), "iat", json!(now() + 60))).await);
    // RFC 7519 NumericDates may have a fraction: a fractional time is checked all the same.
    let in_a_minute = now() as f64 + 60.5;
    assert_401(&status(with(c(), "nbf", json!(in_a_minute))).await);
    assert_401(&status(with(c(), "exp", json!(now() as f64 - 60.5))).await);
    // The caller is the token's person whatever the times.
    assert_eq!(
        status(with(c(), "exp", json!(now() - 10)))
            .await
            .assert_status(200)["sub"],
        NURSE
    );
}
