//! Development tokens: HS256 with our own claim names, for `script/server`, the tests and the
//! demo. Never accepted in a process that trusts a provider unless explicitly allowed
//! (`SAMVERKAN_ALLOW_DEV_TOKENS_WITH_OIDC`).

use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};

use super::{now_epoch, Caller, Role, TokenSource};
use crate::config::{ConfigError, JwtConfig};

/// `aud` may be one string or a list of strings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    /// A single audience.
    One(String),
    /// Several audiences.
    Many(Vec<String>),
}

/// The claims of a development token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The person's HSA-id.
    pub sub: String,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: Audience,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// Issued at, seconds since the epoch.
    pub iat: i64,
    /// Not before, seconds since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// The person's display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// HSA-id of the acting unit (the medarbetaruppdrag).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Granted roles; unknown ones are ignored.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Whether the person is licensed (legitimerad) staff.
    #[serde(default)]
    pub legitimerad: bool,
    /// Profession, e.g. `sjukskoterska`, `lakare`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profession: Option<String>,
    /// For integration clients: HSA-ids of the units whose events they may read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub units: Vec<String>,
}

impl Claims {
    /// The caller a development token describes.
    pub fn into_caller(self) -> Caller {
        Caller {
            hsa_id: self.sub,
            name: self.name,
            unit_hsa_id: self.unit,
            roles: self.roles.iter().filter_map(|r| Role::parse(r)).collect(),
            legitimerad: self.legitimerad,
            profession: self.profession,
            units: self.units,
            expires_at: self.exp,
            commission_hsa_id: None,
            commission_purpose: None,
            purpose_refused: false,
            care_provider_hsa_id: None,
            source: TokenSource::Development,
        }
    }
}

/// What the `token` subcommand puts in a development token.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    /// Person HSA-id.
    pub sub: String,
    /// Acting unit HSA-id.
    pub unit: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// Roles.
    pub roles: Vec<String>,
    /// Licensed staff.
    pub legitimerad: bool,
    /// Profession.
    pub profession: Option<String>,
    /// Units for integration clients.
    pub units: Vec<String>,
    /// Lifetime in minutes.
    pub ttl_minutes: i64,
}

/// Signs a development token with the configured HS256 secret.
pub fn mint_hs256(cfg: &JwtConfig, req: &TokenRequest) -> Result<String, ConfigError> {
    let secret = cfg.hs256_secret.as_ref().ok_or_else(|| {
        ConfigError("`token` signs with SAMVERKAN_JWT_HS256_SECRET, which is not set".into())
    })?;
    let now = now_epoch();
    let claims = Claims {
        sub: req.sub.clone(),
        iss: cfg.issuer.clone(),
        aud: Audience::One(cfg.audience.clone()),
        exp: now + req.ttl_minutes * 60,
        iat: now,
        nbf: Some(now),
        name: req.name.clone(),
        unit: req.unit.clone(),
        roles: req.roles.clone(),
        legitimerad: req.legitimerad,
        profession: req.profession.clone(),
        units: req.units.clone(),
    };
    encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret),
    )
    .map_err(|e| ConfigError(format!("cannot sign token: {e}")))
}
