//! The provider's signing keys: fetched from its JWKS (found by discovery or configured),
//! cached, looked up by `kid`.
//!
//! - The cache lives as long as the answer's `Cache-Control: max-age`, bounded by the
//!   configured minimum and maximum (no max-age: the minimum). A background task refreshes it
//!   when it ends ([`KeyStore::run`]).
//! - A token whose `kid` is unknown refetches at once, but at most once per cooldown whatever
//!   the traffic (any fetch counts), so random `kid`s cannot become a flood against the
//!   provider (the model is panva/jose's `cooldownDuration`).
//! - When refreshes fail, the last good keys keep working for `stale_for` after their cache
//!   lifetime; the failure is logged and shown by `/health/ready`. Without keys at all every
//!   token check is 503 `IDP_UNAVAILABLE`, not 401: the token may be fine.
//! - Only asymmetric signature keys are kept (RSA for RS256/PS256, EC P-256 for ES256); `oct`
//!   keys, encryption keys and keys whose `alg` names another algorithm are skipped, so a
//!   token can never be checked with a key of the wrong kind.

use std::sync::RwLock;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::AuthError;
use crate::config::identity::{KeySource, ProviderConfig};

/// Largest JWKS or discovery document read.
const MAX_DOCUMENT_BYTES: usize = 256 * 1024;

/// One usable key.
#[derive(Clone)]
struct CachedKey {
    kid: Option<String>,
    algs: Vec<Algorithm>,
    key: DecodingKey,
}

#[derive(Default)]
struct State {
    keys: Vec<CachedKey>,
    /// When the current keys were fetched (monotonic and wall clock).
    fetched: Option<(Instant, OffsetDateTime)>,
    /// The cache lifetime of the current keys.
    ttl: Duration,
    /// The last failure, if the last attempt failed.
    last_error: Option<String>,
    /// When the last fetch of any kind started (the cooldown counts from here).
    last_attempt: Option<Instant>,
}

/// What `/health/ready` shows of the provider.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KeyStatus {
    /// `ok`: fresh keys; `stale`: refreshing fails, the last good keys are used;
    /// `unavailable`: no usable keys.
    #[schema(example = "ok")]
    pub status: &'static str,
    /// The issuer.
    pub issuer: String,
    /// Usable keys.
    pub keys: usize,
    /// When the keys were fetched.
    #[serde(with = "time::serde::rfc3339::option")]
    pub fetched_at: Option<OffsetDateTime>,
    /// The last refresh failure, when the last refresh failed.
    pub last_error: Option<String>,
}

/// The provider's keys.
pub struct KeyStore {
    cfg: ProviderConfig,
    client: reqwest::Client,
    state: RwLock<State>,
    /// One fetch at a time; callers that lose the race see its result.
    fetching: tokio::sync::Mutex<()>,
}

impl KeyStore {
    /// Builds the HTTP client (rustls, the extra CA certificates, https only unless allowed,
    /// no redirects, 5 s timeout). Fetches nothing yet.
    pub fn new(cfg: ProviderConfig) -> anyhow::Result<Self> {
        let builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(5))
            .https_only(!cfg.allow_http)
            .user_agent(concat!("Samverkan/", env!("CARGO_PKG_VERSION")));
        let client =
            crate::tls::trust_extra_cas(builder, cfg.ca_pem.as_deref(), "SAMVERKAN_OIDC_CA_FILE")?
                .build()
                .map_err(|e| anyhow::anyhow!("identity provider HTTP client: {e}"))?;
        Ok(Self {
            cfg,
            client,
            state: RwLock::new(State::default()),
            fetching: tokio::sync::Mutex::new(()),
        })
    }

    /// The provider's configuration.
    pub fn config(&self) -> &ProviderConfig {
        &self.cfg
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether the current keys may still be used: within their lifetime plus `stale_for`.
    fn usable(&self, s: &State) -> bool {
        s.fetched
            .is_some_and(|(at, _)| at.elapsed() < s.ttl + self.cfg.timings.stale_for)
    }

    /// The provider's state for `/health/ready`.
    pub fn status(&self) -> KeyStatus {
        let s = self.read();
        let usable = self.usable(&s) && !s.keys.is_empty();
        let status = match (usable, &s.last_error) {
            (false, _) => "unavailable",
            (true, Some(_)) => "stale",
            (true, None) => "ok",
        };
        KeyStatus {
            status,
            issuer: self.cfg.issuer.clone(),
            keys: if usable { s.keys.len() } else { 0 },
            fetched_at: s.fetched.map(|(_, wall)| wall),
            last_error: s.last_error.clone(),
        }
    }

    /// The key for a token's `kid` and `alg`. An unknown `kid` refetches once (within the
    /// cooldown it does not); no usable keys at all is [`AuthError::Unavailable`].
    pub async fn key_for(
        &self,
        kid: Option<&str>,
        alg: Algorithm,
    ) -> Result<DecodingKey, AuthError> {
        match self.find(kid, alg) {
            Found::Key(k) => return Ok(k),
            Found::NotThere | Found::NoKeys => {}
        }
        self.refetch_unless_cooling().await;
        match self.find(kid, alg) {
            Found::Key(k) => Ok(k),
            Found::NotThere => Err(AuthError::Invalid(format!(
                "no key of the provider has kid {kid:?} for {alg:?}"
            ))),
            Found::NoKeys => Err(AuthError::Unavailable(
                self.read()
                    .last_error
                    .clone()
                    .unwrap_or_else(|| "no keys fetched yet".into()),
            )),
        }
    }

    fn find(&self, kid: Option<&str>, alg: Algorithm) -> Found {
        let s = self.read();
        if !self.usable(&s) || s.keys.is_empty() {
            return Found::NoKeys;
        }
        let fits = |k: &&CachedKey| k.algs.contains(&alg);
        let key = match kid {
            Some(kid) => s
                .keys
                .iter()
                .filter(fits)
                .find(|k| k.kid.as_deref() == Some(kid)),
            // Without a `kid` only an unambiguous key will do.
            None => {
                let mut candidates = s.keys.iter().filter(fits);
                match (candidates.next(), candidates.next()) {
                    (Some(k), None) => Some(k),
                    _ => None,
                }
            }
        };
        key.map_or(Found::NotThere, |k| Found::Key(k.key.clone()))
    }

    /// Fetches unless a fetch started within the cooldown. The lock comes first: a caller that
    /// arrives while a fetch runs waits for it and then sees its keys (after a rotation, every
    /// concurrent token of the new `kid` is accepted, not only the one that caused the fetch).
    async fn refetch_unless_cooling(&self) {
        let _one = self.fetching.lock().await;
        let cooling = self
            .read()
            .last_attempt
            .is_some_and(|t| t.elapsed() < self.cfg.timings.refetch_cooldown);
        if !cooling {
            let _ = self.fetch_locked().await;
        }
    }

    /// Fetches now (start-up, the background refresh), one at a time.
    pub async fn refresh(&self) -> Result<(), String> {
        let _one = self.fetching.lock().await;
        self.fetch_locked().await
    }

    async fn fetch_locked(&self) -> Result<(), String> {
        self.write().last_attempt = Some(Instant::now());
        match self.fetch().await {
            Ok((keys, ttl)) => {
                tracing::info!(issuer = %self.cfg.issuer, keys = keys.len(), ttl_s = ttl.as_secs(), "identity provider keys fetched");
                let mut s = self.write();
                s.keys = keys;
                s.ttl = ttl;
                s.fetched = Some((Instant::now(), OffsetDateTime::now_utc()));
                s.last_error = None;
                Ok(())
            }
            Err(e) => {
                tracing::warn!(issuer = %self.cfg.issuer, error = %e, "identity provider keys could not be fetched; the last good keys stay in use while they may");
                self.write().last_error = Some(e.clone());
                Err(e)
            }
        }
    }

    async fn get_json(&self, url: &str) -> Result<(serde_json::Value, Option<Duration>), String> {
        let mut resp = self
            .client
            .get(url)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| format!("GET {url}: {}", error_chain(&e)))?;
        let status = resp.status();
        if !status.is_success() {
            return Err(format!("GET {url}: HTTP {}", status.as_u16()));
        }
        let max_age = resp
            .headers()
            .get(reqwest::header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .and_then(max_age);
        let mut body = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| format!("GET {url}: {}", error_chain(&e)))?
        {
            if body.len() + chunk.len() > MAX_DOCUMENT_BYTES {
                return Err(format!("GET {url}: larger than {MAX_DOCUMENT_BYTES} bytes"));
            }
            body.extend_from_slice(&chunk);
        }
        let json =
            serde_json::from_slice(&body).map_err(|e| format!("GET {url}: not JSON: {e}"))?;
        Ok((json, max_age))
    }

    async fn fetch(&self) -> Result<(Vec<CachedKey>, Duration), String> {
        let jwks_url = match &self.cfg.source {
            KeySource::Jwks(url) => url.clone(),
            KeySource::Discovery(issuer) => {
                let url = format!("{issuer}/.well-known/openid-configuration");
                let (doc, _) = self.get_json(&url).await?;
                // OpenID Connect Discovery 1.0 §4.3: the document's issuer is the one asked for.
                let named = doc.get("issuer").and_then(|v| v.as_str()).unwrap_or("");
                if named.trim_end_matches('/') != self.cfg.issuer.trim_end_matches('/') {
                    return Err(format!(
                        "discovery names issuer {named:?}, not {:?}",
                        self.cfg.issuer
                    ));
                }
                let jwks = doc
                    .get("jwks_uri")
                    .and_then(|v| v.as_str())
                    .ok_or("discovery names no jwks_uri")?;
                let parsed = url::Url::parse(jwks).map_err(|e| format!("jwks_uri: {e}"))?;
                if parsed.scheme() != "https" && !(self.cfg.allow_http && parsed.scheme() == "http")
                {
                    return Err(format!("jwks_uri {jwks} is not https"));
                }
                jwks.to_string()
            }
        };
        let (doc, max_age) = self.get_json(&jwks_url).await?;
        let keys = parse_jwks(&doc)?;
        let t = self.cfg.timings;
        let ttl = max_age.unwrap_or(t.min_age).clamp(t.min_age, t.max_age);
        Ok((keys, ttl))
    }

    /// Refreshes for ever: when the cache lifetime ends, and while there are no keys or the
    /// last refresh failed, again after a short wait (2 s, doubling to the cooldown).
    pub async fn run(self: std::sync::Arc<Self>) {
        let mut backoff = Duration::from_secs(2);
        loop {
            let wait = {
                let s = self.read();
                match (&s.fetched, &s.last_error) {
                    (Some((at, _)), None) => s.ttl.saturating_sub(at.elapsed()),
                    _ => backoff,
                }
            };
            tokio::time::sleep(wait.max(Duration::from_millis(200))).await;
            match self.refresh().await {
                Ok(()) => backoff = Duration::from_secs(2),
                Err(_) => {
                    backoff = (backoff * 2).min(
                        self.cfg
                            .timings
                            .refetch_cooldown
                            .max(Duration::from_secs(2)),
                    )
                }
            }
        }
    }
}

enum Found {
    Key(DecodingKey),
    NotThere,
    NoKeys,
}

/// `max-age` of a `Cache-Control` value (`no-store`/`no-cache` count as 0).
fn max_age(value: &str) -> Option<Duration> {
    let mut age = None;
    for part in value.split(',').map(str::trim) {
        let lower = part.to_ascii_lowercase();
        if lower == "no-store" || lower == "no-cache" {
            return Some(Duration::ZERO);
        }
        if let Some(n) = lower.strip_prefix("max-age=") {
            age = n
                .trim_matches('"')
                .parse::<u64>()
                .ok()
                .map(Duration::from_secs);
        }
    }
    age
}

/// The usable signature keys of a JWKS document. A key that does not parse, is symmetric, is
/// for encryption, or is on another curve is skipped (logged); a document with none is an error.
fn parse_jwks(doc: &serde_json::Value) -> Result<Vec<CachedKey>, String> {
    let items = doc
        .get("keys")
        .and_then(|k| k.as_array())
        .ok_or("the JWKS has no `keys` array")?;
    let mut keys = Vec::new();
    for item in items {
        match usable_key(item) {
            Ok(k) => keys.push(k),
            Err(why) => tracing::debug!(%why, "JWKS key skipped"),
        }
    }
    if keys.is_empty() {
        return Err("the JWKS holds no usable signature key (RSA or EC P-256)".into());
    }
    Ok(keys)
}

fn usable_key(item: &serde_json::Value) -> Result<CachedKey, String> {
    if item
        .get("use")
        .and_then(|u| u.as_str())
        .is_some_and(|u| u != "sig")
    {
        return Err("not a signature key".into());
    }
    let jwk: Jwk = serde_json::from_value(item.clone()).map_err(|e| e.to_string())?;
    let kind: Vec<Algorithm> = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => vec![Algorithm::RS256, Algorithm::PS256],
        AlgorithmParameters::EllipticCurve(ec) if ec.curve == EllipticCurve::P256 => {
            vec![Algorithm::ES256]
        }
        _ => return Err("neither RSA nor EC P-256".into()),
    };
    let algs = match jwk.common.key_algorithm {
        None => kind.clone(),
        Some(KeyAlgorithm::RS256) => vec![Algorithm::RS256],
        Some(KeyAlgorithm::PS256) => vec![Algorithm::PS256],
        Some(KeyAlgorithm::ES256) => vec![Algorithm::ES256],
        Some(other) => return Err(format!("alg {other:?} is not accepted")),
    };
    let algs: Vec<Algorithm> = algs.into_iter().filter(|a| kind.contains(a)).collect();
    if algs.is_empty() {
        return Err("its alg does not fit its key type".into());
    }
    let key = DecodingKey::from_jwk(&jwk).map_err(|e| e.to_string())?;
    Ok(CachedKey {
        kid: jwk.common.key_id.clone(),
        algs,
        key,
    })
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text.chars().take(300).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_ca_file_without_certificates_is_refused_and_one_with_is_taken() {
        use crate::config::identity::{KeySource, ProviderConfig};
        let mut cfg = ProviderConfig::new(
            "https://idp.example",
            KeySource::Jwks("https://idp.example/jwks".into()),
        );
        cfg.ca_pem = Some(b"not a certificate\n".to_vec());
        let err = KeyStore::new(cfg.clone()).err().expect("refused");
        assert!(err.to_string().contains("SAMVERKAN_OIDC_CA_FILE"), "{err}");
        cfg.ca_pem = Some(include_bytes!("../../tests/fixtures/webhook-ca.pem").to_vec());
        assert!(KeyStore::new(cfg).is_ok());
    }

    #[test]
    fn cache_control_max_age_is_read() {
        assert_eq!(
            max_age("public, max-age=600"),
            Some(Duration::from_secs(600))
        );
        assert_eq!(max_age("no-store"), Some(Duration::ZERO));
        assert_eq!(max_age("public"), None);
        assert_eq!(max_age("max-age=x"), None);
    }

    #[test]
    fn symmetric_encryption_and_odd_keys_are_skipped() {
        let doc = json!({"keys": [
            {"kty": "oct", "k": "c2VjcmV0", "kid": "hs"},
            {"kty": "RSA", "use": "enc", "n": "sXch", "e": "AQAB", "kid": "enc"},
            {"kty": "RSA", "alg": "RS512", "n": "sXch", "e": "AQAB", "kid": "512"},
            {"kty": "RSA", "alg": "ES256", "n": "sXch", "e": "AQAB", "kid": "mismatch"},
            {"kty": "RSA", "alg": "RS256", "n": "sXchDH0", "e": "AQAB", "kid": "ok"},
        ]});
        let keys = parse_jwks(&doc).unwrap();
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].kid.as_deref(), Some("ok"));
        assert_eq!(keys[0].algs, vec![Algorithm::RS256]);
        assert!(parse_jwks(&json!({"keys": [{"kty": "oct", "k": "c2VjcmV0"}]})).is_err());
        assert!(parse_jwks(&json!({})).is_err());
    }
}
