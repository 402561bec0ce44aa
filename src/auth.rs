//! Bearer-token authentication: the token's claims, their verification against the configured
//! keys, and the [`Caller`] extractor handlers use.
//!
//! Only `Authorization: Bearer <jwt>` is read; a token anywhere else (query string, cookie) is
//! ignored. The algorithm allow-list is exactly the keys configured: HS256 when a secret is set,
//! RS256 or ES256 when a public key is. `exp`, `iat`, `iss`, `aud` and `sub` are required,
//! `nbf` is honoured, and clocks may differ by at most [`LEEWAY_SECONDS`].

use std::future::{ready, Ready};

use actix_web::{http::header, web, FromRequest, HttpRequest};
use jsonwebtoken::{
    decode, decode_header, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::config::{ConfigError, JwtConfig, KeyAlgorithm};
use crate::error::AppError;
use crate::state::AppState;

/// The 401 detail when no bearer token was sent.
pub const MISSING_TOKEN_DETAIL: &str = "Send a bearer token: Authorization: Bearer <token>.";

/// Allowed clock difference between the token issuer and us.
pub const LEEWAY_SECONDS: u64 = 30;

/// Longest token we look at; anything larger is refused before parsing.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// A role a token may grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Care staff: sends and answers messages for the acting unit.
    Personal,
    /// Maintains the directory of units.
    Admin,
    /// Reviews the patient-data access log.
    Granskare,
    /// An integration platform reading the change feed.
    Integration,
}

impl Role {
    /// The code tokens and the access log use.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Personal => "personal",
            Self::Admin => "admin",
            Self::Granskare => "granskare",
            Self::Integration => "integration",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "personal" => Some(Self::Personal),
            "admin" => Some(Self::Admin),
            "granskare" => Some(Self::Granskare),
            "integration" => Some(Self::Integration),
            _ => None,
        }
    }
}

/// `aud` may be one string or a list of strings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    /// A single audience.
    One(String),
    /// Several audiences.
    Many(Vec<String>),
}

/// The claims of a Samverkan token.
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

/// The authenticated caller, as the API understood the token.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The person's HSA-id (`sub`).
    pub hsa_id: String,
    /// Display name.
    pub name: Option<String>,
    /// HSA-id of the acting unit, as the token named it.
    pub unit_hsa_id: Option<String>,
    /// Recognised roles.
    pub roles: Vec<Role>,
    /// Licensed staff.
    pub legitimerad: bool,
    /// Profession.
    pub profession: Option<String>,
    /// Units an integration client may read.
    pub units: Vec<String>,
    /// When the token expires (seconds since the epoch).
    pub expires_at: i64,
}

impl Caller {
    /// Whether the token grants `role`.
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

/// Why a token was refused; logged, and summarised to the client.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No `Authorization: Bearer` header.
    #[error("missing bearer token")]
    Missing,
    /// Anything else that is wrong with the token.
    #[error("invalid token: {0}")]
    Invalid(String),
}

impl From<AuthError> for AppError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::Missing => AppError::Unauthenticated(MISSING_TOKEN_DETAIL.into()),
            AuthError::Invalid(why) => {
                tracing::info!(reason = %why, "token refused");
                AppError::Unauthenticated("The bearer token is not valid.".into())
            }
        }
    }
}

/// Verifies tokens against the configured keys.
pub struct JwtVerifier {
    keys: Vec<(Algorithm, DecodingKey)>,
    issuer: String,
    audience: String,
}

impl JwtVerifier {
    /// Builds the verifier; fails when a configured key cannot be parsed.
    pub fn new(cfg: &JwtConfig) -> Result<Self, ConfigError> {
        let mut keys = Vec::new();
        if let Some(secret) = &cfg.hs256_secret {
            keys.push((Algorithm::HS256, DecodingKey::from_secret(secret)));
        }
        if let Some((alg, pem)) = &cfg.public_key {
            let (alg, key) = match alg {
                KeyAlgorithm::Rs256 => (Algorithm::RS256, DecodingKey::from_rsa_pem(pem)),
                KeyAlgorithm::Es256 => (Algorithm::ES256, DecodingKey::from_ec_pem(pem)),
            };
            let key = key.map_err(|e| {
                ConfigError(format!(
                    "SAMVERKAN_JWT_PUBLIC_KEY_FILE is not a valid {alg:?} public key: {e}"
                ))
            })?;
            keys.push((alg, key));
        }
        Ok(Self {
            keys,
            issuer: cfg.issuer.clone(),
            audience: cfg.audience.clone(),
        })
    }

    /// Checks signature, algorithm, times, issuer and audience; returns the claims.
    pub fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(AuthError::Invalid("token too large".into()));
        }
        // The header names the algorithm; `alg: none` and unknown names fail to parse here.
        let header = decode_header(token).map_err(|e| AuthError::Invalid(e.to_string()))?;
        let (alg, key) = self
            .keys
            .iter()
            .find(|(a, _)| *a == header.alg)
            .ok_or_else(|| AuthError::Invalid(format!("algorithm {:?} not allowed", header.alg)))?;
        let mut validation = Validation::new(*alg);
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        let data = decode::<Claims>(token, key, &validation)
            .map_err(|e| AuthError::Invalid(e.to_string()))?;
        let claims = data.claims;
        let now = now_epoch();
        if claims.iat > now + LEEWAY_SECONDS as i64 {
            return Err(AuthError::Invalid("iat is in the future".into()));
        }
        if claims.sub.trim().is_empty() || claims.sub.len() > 64 {
            return Err(AuthError::Invalid("sub is not an HSA-id".into()));
        }
        Ok(claims)
    }

    /// Verifies and turns the claims into a [`Caller`].
    pub fn caller(&self, token: &str) -> Result<Caller, AuthError> {
        let c = self.verify(token)?;
        Ok(Caller {
            hsa_id: c.sub,
            name: c.name,
            unit_hsa_id: c.unit,
            roles: c.roles.iter().filter_map(|r| Role::parse(r)).collect(),
            legitimerad: c.legitimerad,
            profession: c.profession,
            units: c.units,
            expires_at: c.exp,
        })
    }
}

/// Seconds since the epoch, now, by the system clock: tokens are issued and expire in real
/// time, whatever clock the handlers read (see `clock`).
pub fn now_epoch() -> i64 {
    crate::clock::now().unix_timestamp()
}

/// Reads the bearer token from the `Authorization` header only.
pub fn bearer_token(req: &HttpRequest) -> Result<&str, AuthError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or(AuthError::Missing)?
        .to_str()
        .map_err(|_| AuthError::Invalid("authorization header is not ASCII".into()))?;
    let (scheme, token) = value
        .split_once(' ')
        .ok_or_else(|| AuthError::Invalid("authorization header is not `Bearer <token>`".into()))?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AuthError::Missing);
    }
    let token = token.trim();
    if token.is_empty() {
        return Err(AuthError::Missing);
    }
    Ok(token)
}

impl FromRequest for Caller {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let result = (|| {
            let state = req
                .app_data::<web::Data<AppState>>()
                .ok_or_else(|| AppError::Internal(anyhow::anyhow!("AppState missing")))?;
            let token = bearer_token(req)?;
            Ok(state.verifier.caller(token)?)
        })();
        ready(result)
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
