//! The provider's keys: fetched by discovery, cached as long as `Cache-Control` says (within the
//! configured bounds), refetched for an unknown `kid` at most once per cooldown, rotated without
//! a restart, and kept while the provider is down — but without keys every check is 503
//! `IDP_UNAVAILABLE`, never 401.

use std::time::Duration;

use actix_web::http::Method;
use futures_util::future::join_all;
use jsonwebtoken::{Algorithm, Header};
use serde_json::{json, Value};

use samverkan::config::identity::{KeySource, KeyTimings, ProviderConfig};

use super::provider::Provider;
use super::{
    app_for, assert_401, assert_503, attacker, default_jwks, eventually, fast, jwks, k1, k2, k3,
    keys_of, me, nurse, provider_config, provider_only, run_refresher, start, start_default,
};
use crate::helpers::{Resp, TestApp};

async fn ready(app: &TestApp) -> Resp {
    app.send(TestApp::request(Method::GET, "/health/ready", None))
        .await
}

/// `n` tokens signed by k1 under random, unknown kids (signed ahead: RSA signing in a debug
/// build is slow enough to outlast a 1 s cooldown).
fn unknown_kids(claims: &Value, n: usize) -> Vec<String> {
    (0..n)
        .map(|_| {
            let mut h = Header::new(Algorithm::RS256);
            h.kid = Some(uuid::Uuid::new_v4().to_string());
            k1().sign_header(&h, claims)
        })
        .collect()
}

/// Sends `/me` with each token, all at once.
async fn all_at_once(app: &TestApp, tokens: &[String]) -> Vec<Resp> {
    join_all(tokens.iter().map(|t| me(app, t))).await
}

#[actix_web::test]
async fn a_flood_of_unknown_kids_fetches_the_keys_at_most_once_per_cooldown() {
    // The default cooldown: 30 s.
    let (idp, app) = start_default().await;
    let claims = nurse(&idp.base);
    let flood = unknown_kids(&claims, 60);
    let before = idp.jwks_fetches();
    assert_eq!(before, 1, "the start-up fetch");
    for res in all_at_once(&app, &flood[..50]).await {
        assert_401(&res);
    }
    // One at a time, too.
    for t in &flood[50..] {
        assert_401(&me(&app, t).await);
    }
    assert!(
        idp.jwks_fetches() <= before + 1,
        "{} JWKS fetches for 60 unknown kids",
        idp.jwks_fetches() - before
    );
    me(&app, &k1().sign(&claims)).await.assert_status(200);
}

#[actix_web::test]
async fn an_unknown_kid_refetches_once_the_cooldown_has_passed_and_only_once() {
    // A long cache lifetime: only unknown kids make fetches.
    let timings = KeyTimings {
        min_age: Duration::from_secs(300),
        max_age: Duration::from_secs(300),
        refetch_cooldown: Duration::from_secs(1),
        stale_for: Duration::from_secs(3600),
    };
    let idp = Provider::start(jwks(&[k1().jwk()]), jwks(&[]));
    let claims = nurse(&idp.base);
    let (new, flood) = (k2().sign(&claims), unknown_kids(&claims, 50));
    let app = app_for(&idp, timings).await;
    idp.set_keys(jwks(&[k2().jwk(), k1().jwk()]));
    // Within the cooldown of the start-up fetch the new kid is unknown, and nothing is fetched.
    assert_401(&me(&app, &new).await);
    assert_eq!(idp.jwks_fetches(), 1);

    tokio::time::sleep(Duration::from_millis(1100)).await;
    me(&app, &new).await.assert_status(200);
    assert_eq!(idp.jwks_fetches(), 2, "the unknown kid refetched once");
    // The refetch started a new cooldown: a flood of unknown kids fetches nothing.
    let started = std::time::Instant::now();
    for res in all_at_once(&app, &flood).await {
        assert_401(&res);
    }
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "the flood outlasted the cooldown"
    );
    assert_eq!(idp.jwks_fetches(), 2);
    me(&app, &k1().sign(&claims)).await.assert_status(200);
}

#[actix_web::test]
async fn concurrent_tokens_of_a_new_kid_all_wait_for_the_one_refetch() {
    let timings = KeyTimings {
        min_age: Duration::from_secs(300),
        max_age: Duration::from_secs(300),
        refetch_cooldown: Duration::from_secs(1),
        stale_for: Duration::from_secs(3600),
    };
    let (idp, app) = start(jwks(&[k1().jwk()]), timings).await;
    let claims = nurse(&idp.base);
    idp.set_keys(jwks(&[k2().jwk(), k1().jwk()]));
    tokio::time::sleep(Duration::from_millis(1100)).await;
    // Ten requests with the rotated-in key arrive together: one fetches, the others see its
    // result (the key store's "callers that lose the race see its result").
    let token = k2().sign(&claims);
    let answers = join_all((0..10).map(|_| me(&app, &token))).await;
    let statuses: Vec<u16> = answers.iter().map(|r| r.status.as_u16()).collect();
    assert_eq!(statuses, vec![200; 10]);
    assert_eq!(idp.jwks_fetches(), 2);
}

#[actix_web::test]
async fn keys_rotate_without_a_restart() {
    let (idp, app) = start(jwks(&[k1().jwk()]), fast()).await;
    run_refresher(&app);
    let claims = nurse(&idp.base);
    let old = k1().sign(&claims);
    let new = k2().sign(&claims);
    me(&app, &old).await.assert_status(200);
    assert_401(&me(&app, &new).await);

    // The provider publishes k2 beside k1, then signs with k2.
    idp.set_keys(jwks(&[k2().jwk(), k1().jwk()]));
    tokio::time::sleep(Duration::from_millis(1100)).await;
    me(&app, &new).await.assert_status(200);
    me(&app, &old).await.assert_status(200);

    // k1 is withdrawn: within the cache lifetime and a refresh, its tokens are refused.
    idp.set_keys(jwks(&[k2().jwk()]));
    let refused = eventually(Duration::from_secs(4), || {
        let (app, old) = (&app, &old);
        async move { me(app, old).await.status.as_u16() == 401 }
    })
    .await;
    assert!(refused, "a withdrawn key was still accepted after 4 s");
    assert_401(&me(&app, &old).await);
    me(&app, &new).await.assert_status(200);
}

/// A provider configuration for an address nothing listens on.
fn nowhere() -> ProviderConfig {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://127.0.0.1:{}", closed.local_addr().unwrap().port());
    drop(closed);
    provider_config(&base, fast())
}

#[actix_web::test]
async fn a_provider_that_never_answered_makes_every_check_503_not_401() {
    let cfg = nowhere();
    let iss = cfg.issuer.clone();
    let app = TestApp::spawn_with_jwt(provider_only(cfg)).await;
    let err = keys_of(&app).refresh().await.unwrap_err();
    assert!(err.contains(&iss), "{err}");

    let p = assert_503(&ready(&app).await);
    assert!(p["detail"].as_str().unwrap().contains(&iss), "{p}");
    // A well-signed token might be fine: 503, not 401; and so is a forged one.
    assert_503(&me(&app, &k1().sign(&nurse(&iss))).await);
    assert_503(&me(&app, &attacker().sign(&nurse(&iss))).await);
    // Without a token it is still 401, and liveness does not depend on the provider.
    app.send(TestApp::request(Method::GET, "/api/v1/me", None))
        .await
        .assert_problem(401, "UNAUTHENTICATED");
    app.send(TestApp::request(Method::GET, "/health/live", None))
        .await
        .assert_status(200);
}

#[actix_web::test]
async fn a_provider_down_at_start_up_is_used_once_it_answers() {
    let idp = Provider::start(default_jwks(), jwks(&[]));
    idp.set_down(true);
    let app = TestApp::spawn_with_jwt(provider_only(provider_config(&idp.base, fast()))).await;
    let err = keys_of(&app).refresh().await.unwrap_err();
    assert!(err.contains("503"), "{err}");
    let token = k1().sign(&nurse(&idp.base));
    assert_503(&ready(&app).await);
    assert_503(&me(&app, &token).await);

    idp.set_down(false);
    // After the cooldown a token's check fetches the keys itself.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    me(&app, &token).await.assert_status(200);
    let r = ready(&app).await.assert_status(200);
    assert_eq!(r["identity_provider"]["status"], "ok");
    assert_eq!(r["identity_provider"]["keys"], 2);
    assert!(r["identity_provider"]["last_error"].is_null());
}

#[actix_web::test]
async fn the_last_good_keys_keep_working_while_the_provider_is_down() {
    let (idp, app) = start_default().await;
    let token = k1().sign(&nurse(&idp.base));
    let r = ready(&app).await.assert_status(200);
    assert_eq!(r["status"], "ok");
    assert_eq!(r["identity_provider"]["status"], "ok");
    assert_eq!(r["identity_provider"]["issuer"], idp.base);
    assert_eq!(r["identity_provider"]["keys"], 2);
    assert!(r["identity_provider"]["fetched_at"].is_string());
    assert!(r["identity_provider"]["last_error"].is_null());

    idp.set_down(true);
    let err = keys_of(&app).refresh().await.unwrap_err();
    assert!(err.contains("503"), "{err}");
    me(&app, &token).await.assert_status(200);
    let r = ready(&app).await.assert_status(200);
    assert_eq!(r["identity_provider"]["status"], "stale");
    assert_eq!(r["identity_provider"]["keys"], 2);
    let last = r["identity_provider"]["last_error"]
        .as_str()
        .unwrap_or_default();
    assert!(last.contains("503"), "last_error: {last}");
    // A forged token is still 401 (the keys are there), not 503.
    assert_401(&me(&app, &attacker().sign(&nurse(&idp.base))).await);

    idp.set_down(false);
    keys_of(&app).refresh().await.unwrap();
    let r = ready(&app).await.assert_status(200);
    assert_eq!(r["identity_provider"]["status"], "ok");
    assert!(r["identity_provider"]["last_error"].is_null());

    // A JWKS without a usable key is a failed refresh, not an empty key set.
    idp.set_keys(json!({"keys": [{"kty": "oct", "k": "c2VjcmV0", "kid": "k1"}]}));
    let err = keys_of(&app).refresh().await.unwrap_err();
    assert!(err.contains("usable"), "{err}");
    me(&app, &token).await.assert_status(200);
    let r = ready(&app).await.assert_status(200);
    assert_eq!(r["identity_provider"]["status"], "stale");
    assert_eq!(r["identity_provider"]["keys"], 2);
}

#[actix_web::test]
async fn stale_keys_expire_after_stale_for_and_come_back_with_the_provider() {
    let timings = KeyTimings {
        stale_for: Duration::from_secs(1),
        ..fast()
    };
    let idp = Provider::start(default_jwks(), jwks(&[]));
    let token = k1().sign(&nurse(&idp.base));
    let app = app_for(&idp, timings).await;
    run_refresher(&app);
    idp.set_down(true);
    me(&app, &token).await.assert_status(200);
    // Lifetime 1 s + stale_for 1 s: then no keys are usable.
    let gone = eventually(Duration::from_secs(5), || {
        let (app, token) = (&app, &token);
        async move { me(app, token).await.status.as_u16() == 503 }
    })
    .await;
    assert!(
        gone,
        "stale keys were still used 5 s after the provider went down"
    );
    assert_503(&me(&app, &token).await);
    assert_503(&ready(&app).await);

    // The next check after the provider is back fetches the keys again.
    idp.set_down(false);
    let back = eventually(Duration::from_secs(6), || {
        let (app, token) = (&app, &token);
        async move { me(app, token).await.status.as_u16() == 200 }
    })
    .await;
    assert!(
        back,
        "the keys did not come back within 6 s of the provider"
    );
    ready(&app).await.assert_status(200);
}

#[actix_web::test]
async fn the_cache_lives_as_long_as_cache_control_says_within_the_bounds() {
    let bounds = KeyTimings {
        min_age: Duration::from_secs(1),
        max_age: Duration::from_secs(3600),
        refetch_cooldown: Duration::from_secs(1),
        stale_for: Duration::from_secs(3600),
    };
    let short_max = KeyTimings {
        max_age: Duration::from_secs(1),
        ..bounds
    };
    // (Cache-Control, timings, whether the background refresh fetches again within 3.5 s)
    let cases = [
        (Some("public, max-age=1"), bounds, true),
        (Some("public, max-age=3600"), bounds, false),
        (Some("max-age=3600"), short_max, true),
        (None, bounds, true),
        (Some("no-store"), bounds, true),
    ];
    let mut running = Vec::new();
    for (cc, timings, _) in &cases {
        let idp = Provider::start(default_jwks(), jwks(&[]));
        idp.set_cache_control(*cc);
        let app = app_for(&idp, *timings).await;
        run_refresher(&app);
        running.push((idp, app));
    }
    tokio::time::sleep(Duration::from_millis(3500)).await;
    for ((cc, _, refetches), (idp, app)) in cases.iter().zip(&running) {
        let fetched = idp.jwks_fetches();
        if *refetches {
            assert!(fetched >= 3, "{cc:?}: {fetched} fetches in 3.5 s");
        } else {
            assert_eq!(fetched, 1, "{cc:?}");
        }
        me(app, &k3().sign(&nurse(&idp.base)))
            .await
            .assert_status(200);
    }
}

#[actix_web::test]
async fn a_discovery_document_naming_another_issuer_is_refused() {
    let idp = Provider::start(default_jwks(), jwks(&[]));
    // We trust `{base}/realm`, but the keys are discovered at `base`, which names itself.
    let issuer = format!("{}/realm", idp.base);
    let mut cfg = provider_config(&issuer, fast());
    cfg.source = KeySource::Discovery(idp.base.clone());
    let app = TestApp::spawn_with_jwt(provider_only(cfg)).await;
    let err = keys_of(&app).refresh().await.unwrap_err();
    assert!(err.contains("issuer"), "{err}");
    assert_eq!(
        idp.jwks_fetches(),
        0,
        "the JWKS of the wrong issuer was fetched"
    );
    assert_503(&me(&app, &k1().sign(&nurse(&issuer))).await);
    // The same provider, trusted under its own name, works.
    let ok = app_for(&idp, fast()).await;
    me(&ok, &k1().sign(&nurse(&idp.base)))
        .await
        .assert_status(200);
}

#[actix_web::test]
async fn an_http_provider_is_refused_unless_allowed_and_a_bare_jwks_url_works() {
    let idp = Provider::start(default_jwks(), jwks(&[]));
    let mut https_only = provider_config(&idp.base, fast());
    https_only.allow_http = false;
    let app = TestApp::spawn_with_jwt(provider_only(https_only)).await;
    assert!(keys_of(&app).refresh().await.is_err());
    assert_eq!(idp.discovery_fetches() + idp.jwks_fetches(), 0);
    assert_503(&ready(&app).await);

    let mut bare = provider_config(&idp.base, fast());
    bare.source = KeySource::Jwks(format!("{}/jwks", idp.base));
    let app = TestApp::spawn_with_jwt(provider_only(bare)).await;
    keys_of(&app).refresh().await.unwrap();
    assert_eq!(idp.discovery_fetches(), 0);
    assert_eq!(idp.jwks_fetches(), 1);
    me(&app, &k1().sign(&nurse(&idp.base)))
        .await
        .assert_status(200);
}
