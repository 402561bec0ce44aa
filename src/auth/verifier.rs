//! Token verification (RFC 8725, JWT Best Current Practices):
//!
//! - the algorithm decides the source, and each source has its own allow-list: RS256, PS256
//!   and ES256 only with a key from the provider's JWKS whose type and `alg` fit; HS256 only
//!   with our development secret. `none`, other algorithms, and HS256 "signed" with the
//!   provider's public key (the classic confusion) are refused;
//! - the key is chosen by `kid` from the JWKS we fetched ourselves: `jku`, `x5u`, `jwk` and
//!   `x5c` headers are never followed;
//! - `typ`, when present, must be `JWT` or `at+jwt` (RFC 9068); a `crit` header is refused, as
//!   we understand no extension;
//! - `iss`, `aud`, `exp` and `sub` are required; `exp`, `nbf` and `iat` are checked with the
//!   configured leeway.

use std::sync::Arc;

use base64::Engine;
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};

use super::claims::{self, Identity};
use super::dev::Claims;
use super::keys::KeyStore;
use super::{now_epoch, AuthError, Caller, Role, TokenSource, MAX_TOKEN_BYTES};
use crate::config::{ConfigError, JwtConfig};
use crate::db::{self, DbPool};
use crate::error::{AppError, AppResult};
use crate::models::integration_client;
use crate::text;

/// Verifies tokens from the configured sources.
pub struct JwtVerifier {
    dev: Option<(DecodingKey, String)>,
    provider: Option<Arc<KeyStore>>,
    audience: String,
    leeway: u64,
}

impl JwtVerifier {
    /// Builds the verifier; fails when the provider's HTTP client cannot be built.
    pub fn new(cfg: &JwtConfig) -> Result<Self, ConfigError> {
        let dev = cfg
            .hs256_secret
            .as_ref()
            .map(|s| (DecodingKey::from_secret(s), cfg.issuer.clone()));
        let provider = match &cfg.provider {
            Some(p) => Some(Arc::new(
                KeyStore::new(p.clone()).map_err(|e| ConfigError(e.to_string()))?,
            )),
            None => None,
        };
        Ok(Self {
            dev,
            provider,
            audience: cfg.audience.clone(),
            leeway: cfg.leeway.as_secs(),
        })
    }

    /// The provider's key store, when a provider is configured.
    pub fn provider(&self) -> Option<&Arc<KeyStore>> {
        self.provider.as_ref()
    }

    /// Checks the header, the signature, the times, the issuer and the audience; returns who
    /// the token names (a registered client is looked up by [`JwtVerifier::caller`]).
    pub async fn identify(&self, token: &str) -> Result<Identity, AuthError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(AuthError::Invalid("token too large".into()));
        }
        check_header_fields(token)?;
        // `alg: none` and unknown names fail to parse here.
        let header = decode_header(token).map_err(|e| AuthError::Invalid(e.to_string()))?;
        match header.alg {
            Algorithm::HS256 => {
                let (key, issuer) = self.dev.as_ref().ok_or_else(|| {
                    AuthError::Invalid("HS256 is not accepted: no development secret".into())
                })?;
                let claims: Claims = self.decode(token, key, Algorithm::HS256, issuer)?;
                if claims.sub.trim().is_empty() || claims.sub.len() > 64 {
                    return Err(AuthError::Invalid("sub is not an HSA-id".into()));
                }
                Ok(Identity::Person(Box::new(claims.into_caller())))
            }
            alg @ (Algorithm::RS256 | Algorithm::PS256 | Algorithm::ES256) => {
                let store = self.provider.as_ref().ok_or_else(|| {
                    AuthError::Invalid(format!("{alg:?} is not accepted: no identity provider"))
                })?;
                let key = store.key_for(header.kid.as_deref(), alg).await?;
                let cfg = store.config();
                let claims: Map<String, Value> = self.decode(token, &key, alg, &cfg.issuer)?;
                // RFC 7519 NumericDate may have a fraction; the library checked it already.
                let exp = claims
                    .get("exp")
                    .and_then(Value::as_f64)
                    .map_or(0, |e| e.floor() as i64);
                claims::identify(cfg, &claims, exp)
            }
            other => Err(AuthError::Invalid(format!(
                "algorithm {other:?} not allowed"
            ))),
        }
    }

    fn decode<T: serde::de::DeserializeOwned + HasIat>(
        &self,
        token: &str,
        key: &DecodingKey,
        alg: Algorithm,
        issuer: &str,
    ) -> Result<T, AuthError> {
        let mut validation = Validation::new(alg);
        validation.leeway = self.leeway;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[&self.audience]);
        let data =
            decode::<T>(token, key, &validation).map_err(|e| AuthError::Invalid(e.to_string()))?;
        let iat = data
            .claims
            .iat()
            .ok_or_else(|| AuthError::Invalid("iat is not a number".into()))?;
        if iat.is_some_and(|iat| iat > (now_epoch() + self.leeway as i64) as f64) {
            return Err(AuthError::Invalid("iat is in the future".into()));
        }
        Ok(data.claims)
    }

    /// Verifies and turns the token into a [`Caller`]; a machine client is looked up among the
    /// registered integration clients (403 `CLIENT_NOT_REGISTERED` when it is not there or is
    /// deactivated).
    pub async fn caller(&self, token: &str, pool: &DbPool) -> AppResult<Caller> {
        match self.identify(token).await? {
            Identity::Person(c) => Ok(*c),
            Identity::Client {
                client_id,
                expires_at,
            } => {
                let id = client_id.clone();
                let found = db::run(pool, move |conn| {
                    Ok(integration_client::units_of(conn, &id)?)
                })
                .await?;
                let units = found.ok_or_else(|| AppError::Forbidden {
                    code: "CLIENT_NOT_REGISTERED",
                    detail: text!(
                        "Klienten `{client_id}` är inte en registrerad, aktiv integrationsklient; \
                         en administratör registrerar den med POST /api/v1/integration-clients.",
                        "The client `{client_id}` is not a registered, active integration client; \
                         an admin registers it with POST /api/v1/integration-clients."
                    ),
                })?;
                Ok(Caller {
                    hsa_id: client_id.clone(),
                    name: None,
                    unit_hsa_id: None,
                    roles: vec![Role::Integration],
                    legitimerad: false,
                    profession: None,
                    units,
                    expires_at,
                    commission_hsa_id: None,
                    commission_purpose: None,
                    purpose_refused: false,
                    care_provider_hsa_id: None,
                    source: TokenSource::Provider,
                })
            }
        }
    }
}

/// `iat` of a claim set: `Some(None)` when it has none, `None` when it is not a number
/// (a NumericDate may have a fraction: RFC 7519 §2).
trait HasIat {
    fn iat(&self) -> Option<Option<f64>>;
}

impl HasIat for Claims {
    fn iat(&self) -> Option<Option<f64>> {
        Some(Some(self.iat as f64))
    }
}

impl HasIat for Map<String, Value> {
    fn iat(&self) -> Option<Option<f64>> {
        match self.get("iat") {
            None | Some(Value::Null) => Some(None),
            Some(v) => v.as_f64().map(Some),
        }
    }
}

/// The header checks the JWT library does not make: `typ` and `crit`.
fn check_header_fields(token: &str) -> Result<(), AuthError> {
    let encoded = token
        .split('.')
        .next()
        .ok_or_else(|| AuthError::Invalid("not a JWT".into()))?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(encoded)
        .map_err(|_| AuthError::Invalid("header is not base64url".into()))?;
    let header: Map<String, Value> = serde_json::from_slice(&bytes)
        .map_err(|_| AuthError::Invalid("header is not a JSON object".into()))?;
    if header.contains_key("crit") {
        return Err(AuthError::Invalid(
            "crit names extensions we do not understand".into(),
        ));
    }
    match header.get("typ") {
        None => Ok(()),
        Some(Value::String(t))
            if ["jwt", "at+jwt", "application/jwt", "application/at+jwt"]
                .contains(&t.to_ascii_lowercase().as_str()) =>
        {
            Ok(())
        }
        Some(other) => Err(AuthError::Invalid(format!("typ {other} is not a JWT"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(v: &str) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v)
    }

    #[test]
    fn typ_and_crit_are_checked() {
        let t = |h: &str| format!("{}.e30.sig", b64(h));
        assert!(check_header_fields(&t(r#"{"alg":"RS256"}"#)).is_ok());
        assert!(check_header_fields(&t(r#"{"alg":"RS256","typ":"JWT"}"#)).is_ok());
        assert!(check_header_fields(&t(r#"{"alg":"RS256","typ":"at+jwt"}"#)).is_ok());
        assert!(check_header_fields(&t(r#"{"alg":"RS256","typ":"dpop+jwt"}"#)).is_err());
        assert!(check_header_fields(&t(r#"{"alg":"RS256","typ":7}"#)).is_err());
        assert!(check_header_fields(&t(r#"{"alg":"RS256","crit":["exp"]}"#)).is_err());
        assert!(check_header_fields(&t(r#"["alg"]"#)).is_err());
        assert!(check_header_fields("!!!.e30.sig").is_err());
    }
}
