//! Where tokens come from: the region's OpenID provider (keys fetched from its JWKS, claims
//! mapped by name) and, for development, our HS256 secret.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `SAMVERKAN_OIDC_ISSUER` | — | the provider's issuer; keys are discovered at `{issuer}/.well-known/openid-configuration` → `jwks_uri`, and provider tokens must carry this `iss` |
//! | `SAMVERKAN_JWKS_URL` | — | fetch the keys here instead of discovering them (`iss` is then `SAMVERKAN_OIDC_ISSUER`, or `SAMVERKAN_JWT_ISSUER` when that is unset) |
//! | `SAMVERKAN_OIDC_CA_FILE` | — | PEM CA certificates trusted for the provider beside the public roots (SITHS-style PKI) |
//! | `SAMVERKAN_OIDC_ALLOW_HTTP` | `false` | allow an `http://` issuer or JWKS URL (development and tests on loopback) |
//! | `SAMVERKAN_OIDC_KEYS_MIN_AGE` / `_MAX_AGE` | `5m` / `24h` | the key cache lives as long as the JWKS answer's `Cache-Control: max-age`, bounded by these (no max-age: the minimum) |
//! | `SAMVERKAN_OIDC_REFETCH_COOLDOWN` | `30s` | a token with an unknown `kid` refetches the keys at most once per this interval |
//! | `SAMVERKAN_OIDC_KEYS_STALE_FOR` | `24h` | how long the last good keys keep working after their cache lifetime while the provider cannot be reached |
//! | `SAMVERKAN_JWT_LEEWAY` | `30s` | clock difference allowed on `exp`, `nbf` and `iat` |
//! | `SAMVERKAN_ALLOW_DEV_TOKENS_WITH_OIDC` | `false` | accept HS256 development tokens in a process that also trusts a provider |
//! | `SAMVERKAN_CLAIM_<NAME>` | Inera's names | the claim each attribute is read from; see [`ClaimNames`] |
//! | `SAMVERKAN_ROLE_VALUES` | `admin=admin,granskare=granskare,statistik=statistik` | which values of the roles claim grant our roles |
//! | `SAMVERKAN_COMMISSION_PURPOSE` | `Vård och behandling` | the `commissionPurpose` care staff must act under |

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::ConfigError;
use crate::auth::Role;
use crate::webhooks::schedule::parse_duration;

/// The identity settings as clap reads them (flattened into `Settings`).
#[derive(Args, Clone, Debug)]
pub struct IdentitySettings {
    /// The OpenID provider's issuer (discovery).
    #[arg(long, env = "SAMVERKAN_OIDC_ISSUER", global = true)]
    pub oidc_issuer: Option<String>,
    /// The provider's JWKS URL (instead of discovery).
    #[arg(long, env = "SAMVERKAN_JWKS_URL", global = true)]
    pub jwks_url: Option<String>,
    /// PEM CA certificates trusted for the provider.
    #[arg(long, env = "SAMVERKAN_OIDC_CA_FILE", global = true)]
    pub oidc_ca_file: Option<PathBuf>,
    /// Allow http:// for the provider (development and tests).
    #[arg(long, env = "SAMVERKAN_OIDC_ALLOW_HTTP", global = true, default_value_t = false, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub oidc_allow_http: bool,
    /// Shortest key cache lifetime.
    #[arg(
        long,
        env = "SAMVERKAN_OIDC_KEYS_MIN_AGE",
        global = true,
        default_value = "5m"
    )]
    pub oidc_keys_min_age: String,
    /// Longest key cache lifetime.
    #[arg(
        long,
        env = "SAMVERKAN_OIDC_KEYS_MAX_AGE",
        global = true,
        default_value = "24h"
    )]
    pub oidc_keys_max_age: String,
    /// Least time between two fetches caused by unknown `kid`s.
    #[arg(
        long,
        env = "SAMVERKAN_OIDC_REFETCH_COOLDOWN",
        global = true,
        default_value = "30s"
    )]
    pub oidc_refetch_cooldown: String,
    /// How long the last good keys keep working while the provider is unreachable.
    #[arg(
        long,
        env = "SAMVERKAN_OIDC_KEYS_STALE_FOR",
        global = true,
        default_value = "24h"
    )]
    pub oidc_keys_stale_for: String,
    /// Allowed clock difference on `exp`, `nbf`, `iat`.
    #[arg(
        long,
        env = "SAMVERKAN_JWT_LEEWAY",
        global = true,
        default_value = "30s"
    )]
    pub jwt_leeway: String,
    /// Accept HS256 development tokens beside a provider.
    #[arg(long, env = "SAMVERKAN_ALLOW_DEV_TOKENS_WITH_OIDC", global = true, default_value_t = false, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub allow_dev_tokens_with_oidc: bool,
    /// Claim of the person's HSA-id.
    #[arg(
        long,
        env = "SAMVERKAN_CLAIM_PERSON",
        global = true,
        default_value = "employeeHsaId"
    )]
    pub claim_person: String,
    /// Claim of the acting care unit's HSA-id.
    #[arg(
        long,
        env = "SAMVERKAN_CLAIM_UNIT",
        global = true,
        default_value = "healthCareUnitHsaId"
    )]
    pub claim_unit: String,
    /// Claim of the commission (medarbetaruppdrag) HSA-id.
    #[arg(
        long,
        env = "SAMVERKAN_CLAIM_COMMISSION",
        global = true,
        default_value = "commissionHsaId"
    )]
    pub claim_commission: String,
    /// Claim of the commission's purpose.
    #[arg(
        long,
        env = "SAMVERKAN_CLAIM_COMMISSION_PURPOSE",
        global = true,
        default_value = "commissionPurpose"
    )]
    pub claim_commission_purpose: String,
    /// Claim of the care provider (vårdgivare) HSA-id.
    #[arg(
        long,
        env = "SAMVERKAN_CLAIM_CARE_PROVIDER",
        global = true,
        default_value = "healthCareProviderHsaId"
    )]
    pub claim_care_provider: String,
    /// Claim of the licence (legitimation) codes.
    #[arg(
        long,
        env = "SAMVERKAN_CLAIM_LICENSE",
        global = true,
        default_value = "healthcareProfessionalLicense"
    )]
    pub claim_license: String,
    /// Claim of the given name.
    #[arg(
        long,
        env = "SAMVERKAN_CLAIM_GIVEN_NAME",
        global = true,
        default_value = "given_name"
    )]
    pub claim_given_name: String,
    /// Claim of the family name.
    #[arg(
        long,
        env = "SAMVERKAN_CLAIM_FAMILY_NAME",
        global = true,
        default_value = "family_name"
    )]
    pub claim_family_name: String,
    /// Claim of the roles.
    #[arg(
        long,
        env = "SAMVERKAN_CLAIM_ROLES",
        global = true,
        default_value = "roles"
    )]
    pub claim_roles: String,
    /// Claim of a machine client's id.
    #[arg(
        long,
        env = "SAMVERKAN_CLAIM_CLIENT_ID",
        global = true,
        default_value = "client_id"
    )]
    pub claim_client_id: String,
    /// Which values of the roles claim grant which of our roles.
    #[arg(
        long,
        env = "SAMVERKAN_ROLE_VALUES",
        global = true,
        default_value = "admin=admin,granskare=granskare,statistik=statistik"
    )]
    pub role_values: String,
    /// The commission purpose care staff must act under.
    #[arg(
        long,
        env = "SAMVERKAN_COMMISSION_PURPOSE",
        global = true,
        default_value = "Vård och behandling"
    )]
    pub commission_purpose: String,
}

/// The claim each attribute is read from. Defaults are Inera's OIDC attribute names; a Sambi
/// issuer names them by URI (e.g. `http://sambi.se/attributes/1/employeeHsaId`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimNames {
    /// The person's HSA-id (string, or an array that must hold one distinct value).
    pub person: String,
    /// The acting care unit's HSA-id.
    pub unit: String,
    /// The commission's HSA-id (stored on access-log entries).
    pub commission: String,
    /// The commission's purpose.
    pub commission_purpose: String,
    /// The care provider's HSA-id.
    pub care_provider: String,
    /// Licence codes; non-empty means licensed.
    pub license: String,
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Roles (string or array), mapped by [`ProviderConfig::role_values`].
    pub roles: String,
    /// A machine client's id (client-credentials tokens).
    pub client_id: String,
}

impl Default for ClaimNames {
    fn default() -> Self {
        Self {
            person: "employeeHsaId".into(),
            unit: "healthCareUnitHsaId".into(),
            commission: "commissionHsaId".into(),
            commission_purpose: "commissionPurpose".into(),
            care_provider: "healthCareProviderHsaId".into(),
            license: "healthcareProfessionalLicense".into(),
            given_name: "given_name".into(),
            family_name: "family_name".into(),
            roles: "roles".into(),
            client_id: "client_id".into(),
        }
    }
}

/// Where the provider's keys are fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// `{issuer}/.well-known/openid-configuration` → `jwks_uri`.
    Discovery(String),
    /// This JWKS URL.
    Jwks(String),
}

/// How the key cache behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyTimings {
    /// Shortest cache lifetime.
    pub min_age: Duration,
    /// Longest cache lifetime.
    pub max_age: Duration,
    /// Least time between fetches caused by unknown `kid`s.
    pub refetch_cooldown: Duration,
    /// How long the last good keys outlive their cache lifetime while refreshes fail.
    pub stale_for: Duration,
}

impl Default for KeyTimings {
    fn default() -> Self {
        Self {
            min_age: Duration::from_secs(300),
            max_age: Duration::from_secs(86_400),
            refetch_cooldown: Duration::from_secs(30),
            stale_for: Duration::from_secs(86_400),
        }
    }
}

/// The region's OpenID provider.
#[derive(Debug, Clone)]
pub struct ProviderConfig {
    /// The `iss` its tokens carry (and discovery must confirm).
    pub issuer: String,
    /// Where its keys are.
    pub source: KeySource,
    /// `http://` allowed.
    pub allow_http: bool,
    /// Extra trusted CA certificates (PEM).
    pub ca_pem: Option<Vec<u8>>,
    /// Key cache behaviour.
    pub timings: KeyTimings,
    /// Claim names.
    pub claims: ClaimNames,
    /// Roles-claim values that grant our roles.
    pub role_values: Vec<(Role, String)>,
    /// The purpose care staff must act under.
    pub commission_purpose: String,
}

impl ProviderConfig {
    /// A provider with default claims and timings (tests and examples).
    pub fn new(issuer: &str, source: KeySource) -> Self {
        Self {
            issuer: issuer.into(),
            source,
            allow_http: false,
            ca_pem: None,
            timings: KeyTimings::default(),
            claims: ClaimNames::default(),
            role_values: default_role_values(),
            commission_purpose: "Vård och behandling".into(),
        }
    }
}

/// `admin=admin,granskare=granskare,statistik=statistik`.
pub fn default_role_values() -> Vec<(Role, String)> {
    vec![
        (Role::Admin, "admin".into()),
        (Role::Granskare, "granskare".into()),
        (Role::Statistik, "statistik".into()),
    ]
}

/// Parses `role=value,role=value`; only `admin`, `granskare` and `statistik` come from the provider
/// (`personal` follows from a commission, `integration` from registration).
pub fn parse_role_values(text: &str) -> Result<Vec<(Role, String)>, String> {
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (role, value) = part
            .split_once('=')
            .ok_or_else(|| format!("`{part}` is not role=value"))?;
        let role = match role.trim() {
            "admin" => Role::Admin,
            "granskare" => Role::Granskare,
            "statistik" => Role::Statistik,
            other => {
                return Err(format!(
                    "`{other}` cannot be granted by the provider (admin, granskare or statistik)"
                ))
            }
        };
        let value = value.trim();
        if value.is_empty() {
            return Err(format!("`{part}` names no value"));
        }
        out.push((role, value.to_string()));
    }
    Ok(out)
}

fn duration(name: &str, text: &str) -> Result<Duration, ConfigError> {
    parse_duration(text).map_err(|e| ConfigError(format!("{name}: {e}")))
}

fn claim(name: &str, value: &str) -> Result<String, ConfigError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(ConfigError(format!("{name} must not be empty")));
    }
    Ok(v.to_string())
}

fn check_url(name: &str, url: &str, allow_http: bool) -> Result<String, ConfigError> {
    let parsed = url::Url::parse(url.trim())
        .map_err(|e| ConfigError(format!("{name}={url:?} is not a URL: {e}")))?;
    match parsed.scheme() {
        "https" => {}
        "http" if allow_http => {}
        "http" => {
            return Err(ConfigError(format!(
                "{name} is http://: the provider must be reached over https \
                 (SAMVERKAN_OIDC_ALLOW_HTTP=true for development on loopback)"
            )))
        }
        other => return Err(ConfigError(format!("{name}: scheme {other} is not https"))),
    }
    Ok(url.trim().trim_end_matches('/').to_string())
}

impl IdentitySettings {
    /// The provider, when one is configured. `jwt_issuer` is `SAMVERKAN_JWT_ISSUER`, the
    /// issuer of provider tokens fetched from a bare JWKS URL when no OIDC issuer is set.
    pub fn provider(
        &self,
        jwt_issuer: Option<&str>,
    ) -> Result<Option<ProviderConfig>, ConfigError> {
        let issuer = self
            .oidc_issuer
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let jwks = self
            .jwks_url
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let (issuer, source) = match (issuer, jwks) {
            (None, None) => return Ok(None),
            (Some(i), None) => {
                let i = check_url("SAMVERKAN_OIDC_ISSUER", i, self.oidc_allow_http)?;
                (i.clone(), KeySource::Discovery(i))
            }
            (i, Some(j)) => {
                let j = check_url("SAMVERKAN_JWKS_URL", j, self.oidc_allow_http)?;
                let iss = i.or(jwt_issuer).ok_or_else(|| {
                    ConfigError(
                        "SAMVERKAN_JWKS_URL needs the issuer its tokens carry: set SAMVERKAN_OIDC_ISSUER"
                            .into(),
                    )
                })?;
                (iss.to_string(), KeySource::Jwks(j))
            }
        };
        let timings = KeyTimings {
            min_age: duration("SAMVERKAN_OIDC_KEYS_MIN_AGE", &self.oidc_keys_min_age)?,
            max_age: duration("SAMVERKAN_OIDC_KEYS_MAX_AGE", &self.oidc_keys_max_age)?,
            refetch_cooldown: duration(
                "SAMVERKAN_OIDC_REFETCH_COOLDOWN",
                &self.oidc_refetch_cooldown,
            )?,
            stale_for: duration("SAMVERKAN_OIDC_KEYS_STALE_FOR", &self.oidc_keys_stale_for)?,
        };
        if timings.min_age > timings.max_age {
            return Err(ConfigError(
                "SAMVERKAN_OIDC_KEYS_MIN_AGE must not exceed SAMVERKAN_OIDC_KEYS_MAX_AGE".into(),
            ));
        }
        if timings.min_age < Duration::from_secs(1)
            || timings.refetch_cooldown < Duration::from_secs(1)
        {
            return Err(ConfigError(
                "SAMVERKAN_OIDC_KEYS_MIN_AGE and SAMVERKAN_OIDC_REFETCH_COOLDOWN must be at least 1s"
                    .into(),
            ));
        }
        let ca_pem = match &self.oidc_ca_file {
            Some(path) => Some(std::fs::read(path).map_err(|e| {
                ConfigError(format!(
                    "SAMVERKAN_OIDC_CA_FILE {}: cannot read: {e}",
                    path.display()
                ))
            })?),
            None => None,
        };
        let claims = ClaimNames {
            person: claim("SAMVERKAN_CLAIM_PERSON", &self.claim_person)?,
            unit: claim("SAMVERKAN_CLAIM_UNIT", &self.claim_unit)?,
            commission: claim("SAMVERKAN_CLAIM_COMMISSION", &self.claim_commission)?,
            commission_purpose: claim(
                "SAMVERKAN_CLAIM_COMMISSION_PURPOSE",
                &self.claim_commission_purpose,
            )?,
            care_provider: claim("SAMVERKAN_CLAIM_CARE_PROVIDER", &self.claim_care_provider)?,
            license: claim("SAMVERKAN_CLAIM_LICENSE", &self.claim_license)?,
            given_name: claim("SAMVERKAN_CLAIM_GIVEN_NAME", &self.claim_given_name)?,
            family_name: claim("SAMVERKAN_CLAIM_FAMILY_NAME", &self.claim_family_name)?,
            roles: claim("SAMVERKAN_CLAIM_ROLES", &self.claim_roles)?,
            client_id: claim("SAMVERKAN_CLAIM_CLIENT_ID", &self.claim_client_id)?,
        };
        let role_values = parse_role_values(&self.role_values)
            .map_err(|e| ConfigError(format!("SAMVERKAN_ROLE_VALUES: {e}")))?;
        Ok(Some(ProviderConfig {
            issuer,
            source,
            allow_http: self.oidc_allow_http,
            ca_pem,
            timings,
            claims,
            role_values,
            commission_purpose: claim("SAMVERKAN_COMMISSION_PURPOSE", &self.commission_purpose)?,
        }))
    }

    /// The leeway on token times.
    pub fn leeway(&self) -> Result<Duration, ConfigError> {
        let leeway = duration("SAMVERKAN_JWT_LEEWAY", &self.jwt_leeway)?;
        if leeway > Duration::from_secs(300) {
            return Err(ConfigError(
                "SAMVERKAN_JWT_LEEWAY must be at most 5m".into(),
            ));
        }
        Ok(leeway)
    }
}
