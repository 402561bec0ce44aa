//! Tokens from the region's OpenID provider (issue 14), end to end: a test provider on loopback
//! serves discovery and a JWKS, the app fetches and caches its keys, and tokens signed with the
//! fixture keys (`tests/fixtures/oidc/`) are checked the way RFC 8725 asks.
//!
//! - [`identity`]: Inera's claims become the caller (`/me`, roles, licence, commission purpose,
//!   the access log's `commission_hsa_id`);
//! - [`clients`]: machine clients and the integration-clients API;
//! - [`attacks`]: every token that must be 401 next to the one that must not;
//! - [`keys`]: the key cache — unknown-`kid` floods, rotation, the provider down.

mod attacks;
mod clients;
mod identity;
mod keys;
pub mod provider;

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

use samverkan::config::identity::{KeySource, KeyTimings, ProviderConfig};
use samverkan::config::JwtConfig;

use crate::helpers::{Resp, TestApp, HALMSTAD_KOMMUN, TEST_AUDIENCE};
use provider::Provider;

/// The person of the nurse tokens.
pub const NURSE: &str = "SE2321000115-DEMOP0101";
/// Her medarbetaruppdrag.
pub const COMMISSION: &str = "SE2321000115-DEMOUPP0101";
/// Her care provider (vårdgivare).
pub const CARE_PROVIDER: &str = "SE2321000115-DEMOVG01";
/// The person of the admin tokens.
pub const ADMIN: &str = "SE2321000115-DEMOP0103";
/// The care purpose, as Inera's IdP writes it.
pub const CARE: &str = "Vård och behandling";

/// A signing key of the fixtures, with the `kid` and algorithm its tokens name.
pub struct Key {
    pub kid: &'static str,
    pub alg: Algorithm,
    pub enc: EncodingKey,
}

/// The provider's first RSA key, `kid` `k1`, RS256.
pub fn k1() -> Key {
    Key {
        kid: "k1",
        alg: Algorithm::RS256,
        enc: EncodingKey::from_rsa_pem(include_bytes!("../../fixtures/oidc/rsa-k1.pem")).unwrap(),
    }
}

/// The RSA key rotated in, `kid` `k2`, RS256.
pub fn k2() -> Key {
    Key {
        kid: "k2",
        alg: Algorithm::RS256,
        enc: EncodingKey::from_rsa_pem(include_bytes!("../../fixtures/oidc/rsa-k2.pem")).unwrap(),
    }
}

/// The provider's EC P-256 key, `kid` `k3`, ES256.
pub fn k3() -> Key {
    Key {
        kid: "k3",
        alg: Algorithm::ES256,
        enc: EncodingKey::from_ec_pem(include_bytes!("../../fixtures/oidc/ec-k3.pem")).unwrap(),
    }
}

/// A key the provider never published.
pub fn attacker() -> Key {
    Key {
        kid: "attacker",
        alg: Algorithm::RS256,
        enc: EncodingKey::from_rsa_pem(include_bytes!("../../fixtures/oidc/rsa-attacker.pem"))
            .unwrap(),
    }
}

/// k1's public key as PEM (SPKI): what an alg-confusion attacker uses as the HMAC secret.
pub const K1_PUBLIC_PEM: &[u8] = include_bytes!("../../fixtures/oidc/rsa-k1.pub.pem");

impl Key {
    /// The public JWK (`kid`, `alg`, `use: sig`), as a provider publishes it.
    pub fn jwk(&self) -> Value {
        let mut jwk = self.public();
        jwk.common.key_id = Some(self.kid.into());
        let mut v = serde_json::to_value(jwk).unwrap();
        v["use"] = json!("sig");
        v
    }

    /// The public JWK without `alg` (an RSA key then serves RS256 and PS256).
    pub fn jwk_without_alg(&self) -> Value {
        let mut v = self.jwk();
        v.as_object_mut().unwrap().remove("alg");
        v
    }

    /// The public key as `jsonwebtoken` models it (for a `jwk` header).
    pub fn public(&self) -> Jwk {
        Jwk::from_encoding_key(&self.enc, self.alg).unwrap()
    }

    /// A token of these claims with `alg` and `kid` of this key.
    pub fn sign(&self, claims: &Value) -> String {
        self.sign_as(self.alg, claims)
    }

    /// A token signed with `alg` (e.g. PS256 with an RSA key), `kid` of this key.
    pub fn sign_as(&self, alg: Algorithm, claims: &Value) -> String {
        let mut h = Header::new(alg);
        h.kid = Some(self.kid.into());
        self.sign_header(&h, claims)
    }

    /// A token with this header (whose `alg` must fit the key).
    pub fn sign_header(&self, header: &Header, claims: &Value) -> String {
        encode(header, claims, &self.enc).unwrap()
    }
}

/// A JWKS document of these keys.
pub fn jwks(keys: &[Value]) -> Value {
    json!({ "keys": keys })
}

/// What the provider serves unless a test says otherwise: k1 (RS256) and k3 (ES256).
pub fn default_jwks() -> Value {
    jwks(&[k1().jwk(), k3().jwk()])
}

/// A token with any header at all, signed over exactly these bytes with `key` as `alg`
/// (`jsonwebtoken::encode` refuses a header whose `alg` does not fit the key).
pub fn sign_raw(header: &Value, claims: &Value, key: &EncodingKey, alg: Algorithm) -> String {
    let message = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(header).unwrap()),
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap())
    );
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), key, alg).unwrap();
    format!("{message}.{signature}")
}

pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// A care nurse's token as Inera's IdP issues it: licensed (SJ), acting for Halmstads kommun
/// under a care commission.
pub fn nurse(iss: &str) -> Value {
    json!({
        "iss": iss,
        "aud": TEST_AUDIENCE,
        "sub": "b1e2c3d4-idp-subject-0101",
        "iat": now(),
        "exp": now() + 600,
        "employeeHsaId": NURSE,
        "commissionHsaId": COMMISSION,
        "commissionPurpose": CARE,
        "healthCareProviderHsaId": CARE_PROVIDER,
        "healthCareUnitHsaId": HALMSTAD_KOMMUN,
        "healthcareProfessionalLicense": ["SJ"],
        "given_name": "Kerstin",
        "family_name": "Provider",
    })
}

/// A directory admin's token: `roles: ["admin"]`, no unit or commission.
pub fn admin(iss: &str) -> Value {
    json!({
        "iss": iss,
        "aud": TEST_AUDIENCE,
        "sub": "b1e2c3d4-idp-subject-0103",
        "iat": now(),
        "exp": now() + 600,
        "employeeHsaId": ADMIN,
        "given_name": "Admin",
        "family_name": "Provider",
        "roles": ["admin"],
    })
}

/// A client-credentials token of a machine client: no person claims.
pub fn machine(iss: &str, client_id: &str) -> Value {
    json!({
        "iss": iss,
        "aud": TEST_AUDIENCE,
        "sub": client_id,
        "client_id": client_id,
        "iat": now(),
        "exp": now() + 600,
    })
}

pub fn with(mut c: Value, key: &str, value: Value) -> Value {
    c[key] = value;
    c
}

pub fn without(mut c: Value, key: &str) -> Value {
    c.as_object_mut().unwrap().remove(key);
    c
}

/// Timings for tests that wait on the cache: 1 s cooldown and lifetime, keys usable an hour.
pub fn fast() -> KeyTimings {
    KeyTimings {
        min_age: Duration::from_secs(1),
        max_age: Duration::from_secs(1),
        refetch_cooldown: Duration::from_secs(1),
        stale_for: Duration::from_secs(3600),
    }
}

/// The provider at `issuer` found by discovery, http allowed (loopback), these timings.
pub fn provider_config(issuer: &str, timings: KeyTimings) -> ProviderConfig {
    let mut p = ProviderConfig::new(issuer, KeySource::Discovery(issuer.to_string()));
    p.allow_http = true;
    p.timings = timings;
    p
}

/// A production-like configuration: the provider only, audience `samverkan`, 30 s leeway.
pub fn provider_only(p: ProviderConfig) -> JwtConfig {
    JwtConfig {
        hs256_secret: None,
        issuer: String::new(),
        audience: TEST_AUDIENCE.into(),
        leeway: Duration::from_secs(30),
        provider: Some(p),
    }
}

/// A provider serving `keys` and an app trusting it, keys fetched (as `startup::run` does).
pub async fn start(keys: Value, timings: KeyTimings) -> (Provider, TestApp) {
    let idp = Provider::start(keys, jwks(&[attacker().jwk()]));
    let app = app_for(&idp, timings).await;
    (idp, app)
}

/// An app trusting `idp`, keys fetched (the fetch must succeed).
pub async fn app_for(idp: &Provider, timings: KeyTimings) -> TestApp {
    let app = TestApp::spawn_with_jwt(provider_only(provider_config(&idp.base, timings))).await;
    keys_of(&app).refresh().await.expect("first key fetch");
    app
}

/// The app's key store.
pub fn keys_of(app: &TestApp) -> &std::sync::Arc<samverkan::auth::keys::KeyStore> {
    app.idp_keys.as_ref().expect("the app trusts a provider")
}

/// [`start`] with the default JWKS and default timings (30 s cooldown, 5 min cache).
pub async fn start_default() -> (Provider, TestApp) {
    start(default_jwks(), KeyTimings::default()).await
}

/// Starts the app's background key refresher (`startup::run` does); it ends with the test.
pub fn run_refresher(app: &TestApp) {
    actix_web::rt::spawn(keys_of(app).clone().run());
}

/// `GET /api/v1/me` with this token.
pub async fn me(app: &TestApp, token: &str) -> Resp {
    app.get_with_token("/api/v1/me", token).await
}

/// 401 `UNAUTHENTICATED` with `WWW-Authenticate: Bearer …, error="invalid_token"`.
#[track_caller]
pub fn assert_401(res: &Resp) {
    res.assert_problem(401, "UNAUTHENTICATED");
    let www = res.header("www-authenticate").unwrap_or_default();
    assert!(
        www.starts_with("Bearer") && www.contains("error=\"invalid_token\""),
        "WWW-Authenticate: {www}"
    );
}

/// 503 `IDP_UNAVAILABLE` with `Retry-After`.
#[track_caller]
pub fn assert_503(res: &Resp) -> Value {
    let p = res.assert_problem(503, "IDP_UNAVAILABLE");
    assert!(res.header("retry-after").is_some(), "no Retry-After");
    p
}

/// Polls `check` every 100 ms until it holds or `limit` passes; returns whether it held.
pub async fn eventually<F, Fut>(limit: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + limit;
    loop {
        if check().await {
            return true;
        }
        if std::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
