//! Configuration: one [`Config`] built from environment variables or the matching flags, and
//! validated before anything starts.
//!
//! | variable | flag | default | meaning |
//! |---|---|---|---|
//! | `DATABASE_URL` | `--database-url` | — (required) | PostgreSQL connection URL |
//! | `SAMVERKAN_BIND` | `--bind` | `127.0.0.1:8080` | address the API listens on |
//! | `SAMVERKAN_JWT_HS256_SECRET` | `--jwt-hs256-secret` | — | shared secret for HS256 development tokens (development and test only; ≥ 32 bytes) |
//! | `SAMVERKAN_JWT_ISSUER` | `--jwt-issuer` | — (required with the secret) | the `iss` development tokens carry |
//! | `SAMVERKAN_JWT_AUDIENCE` | `--jwt-audience` | `samverkan` | the `aud` every token must carry |
//! | `SAMVERKAN_OIDC_*`, `SAMVERKAN_JWKS_URL`, `SAMVERKAN_CLAIM_*`, … | | | the region's identity provider: see [`identity`] |
//! | `SAMVERKAN_DB_POOL_SIZE` | `--db-pool-size` | `16` | database connections in the pool |
//! | `SAMVERKAN_DB_TIMEOUT_MS` | `--db-timeout-ms` | `2000` | how long a request waits for a pooled connection before 503 |
//! | `SAMVERKAN_BODY_LIMIT` | `--body-limit` | `65536` | largest accepted request body, bytes |
//! | `SAMVERKAN_LOG_FORMAT` | `--log-format` | `pretty` | `pretty` or `json` |
//! | `SAMVERKAN_WORKERS` | `--workers` | number of cores | HTTP worker threads |
//! | `SAMVERKAN_WEBHOOK_ALLOW_HTTP` | `--webhook-allow-http` | `false` | webhooks may go to `http://` URLs (development and tests) |
//! | `SAMVERKAN_WEBHOOK_ALLOW_PRIVATE` | `--webhook-allow-private` | `false` | webhooks may go to loopback, private and link-local addresses (development and tests) |
//! | `SAMVERKAN_WEBHOOK_CA_FILE` | `--webhook-ca-file` | — | PEM file of CA certificates trusted beside the public ones (the region's PKI) |
//! | `SAMVERKAN_WEBHOOK_RETRY_SCHEDULE` | `--webhook-retry-schedule` | `5s,5m,30m,2h,5h,10h,10h` | delays between delivery attempts (±10 % jitter) |
//! | `SAMVERKAN_WEBHOOK_TIMEOUT` | `--webhook-timeout` | `15s` | longest attempt; a slower receiver has failed |
//! | `SAMVERKAN_WEBHOOK_DISABLE_AFTER` | `--webhook-disable-after` | `5d` | an endpoint failing this long is disabled |
//! | `SAMVERKAN_WEBHOOK_DISPATCH` | `--webhook-dispatch` | `true` | this process sends webhook deliveries (false: it only serves the API; another process must dispatch) |
//! | `SAMVERKAN_STREAMS_PER_UNIT` | `--streams-per-unit` | `20` | open live-mailbox streams per acting unit and process (more: 503) |
//! | `SAMVERKAN_STREAMS_MAX` | `--streams-max` | `1000` | open live-mailbox streams per process (more: 503) |
//! | `SAMVERKAN_CORS_ORIGINS` | `--cors-origins` | — | comma-separated exact origins whose browser pages may call the API (CORS); empty: no CORS headers at all; never `*` |
//! | `RUST_LOG` | — | `info` | log filter |
//!
//! Secrets are never printed: [`Config`]'s `Debug` redacts them.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use std::time::Duration;

use clap::{Args, ValueEnum};

pub mod identity;

use identity::{IdentitySettings, ProviderConfig};

use crate::webhooks::destination::DestinationPolicy;
use crate::webhooks::dispatcher::DispatchConfig;

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable, for a terminal.
    Pretty,
    /// One JSON object per line, for log shipping.
    Json,
}

/// The raw settings as clap reads them from flags and environment.
#[derive(Args, Clone)]
pub struct Settings {
    /// PostgreSQL connection URL.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// Address to listen on.
    #[arg(
        long,
        env = "SAMVERKAN_BIND",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub bind: String,
    /// HS256 shared secret (development and test only; at least 32 bytes).
    #[arg(
        long,
        env = "SAMVERKAN_JWT_HS256_SECRET",
        global = true,
        hide_env_values = true
    )]
    pub jwt_hs256_secret: Option<String>,
    /// The issuer (`iss`) development tokens carry.
    #[arg(long, env = "SAMVERKAN_JWT_ISSUER", global = true)]
    pub jwt_issuer: Option<String>,
    /// The audience (`aud`) every token must carry.
    #[arg(
        long,
        env = "SAMVERKAN_JWT_AUDIENCE",
        default_value = "samverkan",
        global = true
    )]
    pub jwt_audience: String,
    /// Database connections in the pool.
    #[arg(
        long,
        env = "SAMVERKAN_DB_POOL_SIZE",
        default_value_t = 16,
        global = true
    )]
    pub db_pool_size: u32,
    /// Milliseconds a request waits for a pooled connection before it answers 503.
    #[arg(
        long,
        env = "SAMVERKAN_DB_TIMEOUT_MS",
        default_value_t = 2000,
        global = true
    )]
    pub db_timeout_ms: u64,
    /// Largest accepted request body in bytes.
    #[arg(
        long,
        env = "SAMVERKAN_BODY_LIMIT",
        default_value_t = 65536,
        global = true
    )]
    pub body_limit: usize,
    /// Log format.
    #[arg(
        long,
        env = "SAMVERKAN_LOG_FORMAT",
        value_enum,
        default_value = "pretty",
        global = true,
        ignore_case = true
    )]
    pub log_format: LogFormat,
    /// HTTP worker threads (default: number of cores).
    #[arg(long, env = "SAMVERKAN_WORKERS", global = true)]
    pub workers: Option<usize>,
    /// Webhooks may go to plain http:// URLs (development and tests).
    #[arg(long, env = "SAMVERKAN_WEBHOOK_ALLOW_HTTP", global = true, default_value_t = false, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub webhook_allow_http: bool,
    /// Webhooks may go to loopback, private and link-local addresses (development and tests).
    #[arg(long, env = "SAMVERKAN_WEBHOOK_ALLOW_PRIVATE", global = true, default_value_t = false, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub webhook_allow_private: bool,
    /// PEM file of CA certificates trusted for webhook destinations beside the public roots.
    #[arg(long, env = "SAMVERKAN_WEBHOOK_CA_FILE", global = true)]
    pub webhook_ca_file: Option<PathBuf>,
    /// Delays between webhook delivery attempts.
    #[arg(long, env = "SAMVERKAN_WEBHOOK_RETRY_SCHEDULE", global = true, default_value = crate::webhooks::schedule::DEFAULT_SCHEDULE)]
    pub webhook_retry_schedule: String,
    /// Longest webhook attempt.
    #[arg(
        long,
        env = "SAMVERKAN_WEBHOOK_TIMEOUT",
        global = true,
        default_value = "15s"
    )]
    pub webhook_timeout: String,
    /// A webhook endpoint whose every attempt fails for this long is disabled.
    #[arg(
        long,
        env = "SAMVERKAN_WEBHOOK_DISABLE_AFTER",
        global = true,
        default_value = "5d"
    )]
    pub webhook_disable_after: String,
    /// Serve `GET /metrics` (Prometheus) on this address instead of the API's port, so it
    /// need not be public (unset: on the API's port).
    #[arg(long, env = "SAMVERKAN_METRICS_BIND", global = true)]
    pub metrics_bind: Option<String>,
    /// Whether this process sends webhook deliveries (false: API only).
    #[arg(long, env = "SAMVERKAN_WEBHOOK_DISPATCH", global = true, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub webhook_dispatch: bool,
    /// Open live-mailbox streams per acting unit.
    #[arg(
        long,
        env = "SAMVERKAN_STREAMS_PER_UNIT",
        global = true,
        default_value_t = 20
    )]
    pub streams_per_unit: usize,
    /// Open live-mailbox streams in all.
    #[arg(
        long,
        env = "SAMVERKAN_STREAMS_MAX",
        global = true,
        default_value_t = 1000
    )]
    pub streams_max: usize,
    /// Exact origins allowed to call the API from a browser (CORS), comma-separated.
    #[arg(
        long,
        env = "SAMVERKAN_CORS_ORIGINS",
        global = true,
        default_value = ""
    )]
    pub cors_origins: String,
    /// The identity provider.
    #[command(flatten)]
    pub identity: IdentitySettings,
}

/// How tokens are verified (and, for development, minted).
#[derive(Clone)]
pub struct JwtConfig {
    /// HS256 development secret, when configured.
    pub hs256_secret: Option<Vec<u8>>,
    /// The issuer of development tokens (empty without a secret).
    pub issuer: String,
    /// Required audience, for every token.
    pub audience: String,
    /// Allowed clock difference.
    pub leeway: Duration,
    /// The region's OpenID provider, when configured.
    pub provider: Option<ProviderConfig>,
}

impl JwtConfig {
    /// Development tokens only (tests, `script/server`).
    pub fn development(secret: &[u8], issuer: &str, audience: &str) -> Self {
        Self {
            hs256_secret: Some(secret.to_vec()),
            issuer: issuer.into(),
            audience: audience.into(),
            leeway: Duration::from_secs(30),
            provider: None,
        }
    }
}

impl fmt::Debug for JwtConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtConfig")
            .field(
                "hs256_secret",
                &self.hs256_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("leeway", &self.leeway)
            .field(
                "provider",
                &self.provider.as_ref().map(|p| (&p.issuer, &p.source)),
            )
            .finish()
    }
}

/// The validated configuration of a running server.
#[derive(Clone)]
pub struct Config {
    /// PostgreSQL connection URL (may hold a password: redacted in `Debug`).
    pub database_url: String,
    /// Listen address.
    pub bind: SocketAddr,
    /// Token verification.
    pub jwt: JwtConfig,
    /// Pool size.
    pub db_pool_size: u32,
    /// Pool checkout timeout.
    pub db_timeout: std::time::Duration,
    /// Body limit in bytes.
    pub body_limit: usize,
    /// Worker threads.
    pub workers: usize,
    /// Webhook delivery.
    pub webhooks: crate::webhooks::dispatcher::DispatchConfig,
    /// Whether this process runs a webhook dispatcher.
    pub webhook_dispatch: bool,
    /// CORS origins.
    pub cors_origins: Vec<String>,
    /// Stream bounds: per unit, in all.
    pub streams: (usize, usize),
    /// Where `/metrics` is served when not on the API's port.
    pub metrics_bind: Option<SocketAddr>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &"<redacted>")
            .field("bind", &self.bind)
            .field("jwt", &self.jwt)
            .field("db_pool_size", &self.db_pool_size)
            .field("db_timeout", &self.db_timeout)
            .field("body_limit", &self.body_limit)
            .field("workers", &self.workers)
            .field("webhooks", &self.webhooks)
            .field("webhook_dispatch", &self.webhook_dispatch)
            .field("cors_origins", &self.cors_origins)
            .field("streams", &self.streams)
            .field("metrics_bind", &self.metrics_bind)
            .finish()
    }
}

/// A configuration problem, worded for the operator who has to fix it.
#[derive(Debug, thiserror::Error)]
#[error("configuration error: {0}")]
pub struct ConfigError(pub String);

/// Smallest accepted HS256 secret; shorter ones can be brute-forced from a single token.
pub const MIN_HS256_SECRET_BYTES: usize = 32;

impl Settings {
    /// The database URL, or a clear error naming the variable.
    pub fn database_url(&self) -> Result<String, ConfigError> {
        match self.database_url.as_deref().map(str::trim) {
            Some(url) if !url.is_empty() => {
                if url.starts_with("postgres://") || url.starts_with("postgresql://") {
                    Ok(url.to_string())
                } else {
                    Err(ConfigError(
                        "DATABASE_URL must be a postgres:// or postgresql:// URL".into(),
                    ))
                }
            }
            _ => Err(ConfigError(
                "DATABASE_URL is not set (script/bootstrap prints one for a local cluster)".into(),
            )),
        }
    }

    /// The token settings, validated: a provider or a development secret (both only with
    /// `SAMVERKAN_ALLOW_DEV_TOKENS_WITH_OIDC`), the issuers, the audience.
    pub fn jwt(&self) -> Result<JwtConfig, ConfigError> {
        let hs256_secret = match &self.jwt_hs256_secret {
            Some(s) if s.len() < MIN_HS256_SECRET_BYTES => {
                return Err(ConfigError(format!(
                    "SAMVERKAN_JWT_HS256_SECRET must be at least {MIN_HS256_SECRET_BYTES} bytes"
                )))
            }
            Some(s) => Some(s.as_bytes().to_vec()),
            None => None,
        };
        let jwt_issuer = self
            .jwt_issuer
            .as_deref()
            .map(str::trim)
            .filter(|i| !i.is_empty());
        let provider = self.identity.provider(jwt_issuer)?;
        match (&hs256_secret, &provider) {
            (None, None) => {
                return Err(ConfigError(
                    "no token source: set SAMVERKAN_OIDC_ISSUER (or SAMVERKAN_JWKS_URL) for the region's identity provider, or SAMVERKAN_JWT_HS256_SECRET for development".into(),
                ))
            }
            (Some(_), Some(_)) if !self.identity.allow_dev_tokens_with_oidc => {
                return Err(ConfigError(
                    "both an identity provider and SAMVERKAN_JWT_HS256_SECRET are set: a production process must not also accept development tokens (set SAMVERKAN_ALLOW_DEV_TOKENS_WITH_OIDC=true to allow it knowingly)".into(),
                ))
            }
            _ => {}
        }
        let issuer = match (jwt_issuer, &hs256_secret) {
            (Some(i), _) => i.to_string(),
            (None, Some(_)) => {
                return Err(ConfigError(
                    "SAMVERKAN_JWT_ISSUER is not set (the issuer of development tokens)".into(),
                ))
            }
            (None, None) => String::new(),
        };
        let audience = self.jwt_audience.trim().to_string();
        if audience.is_empty() {
            return Err(ConfigError(
                "SAMVERKAN_JWT_AUDIENCE must not be empty".into(),
            ));
        }
        Ok(JwtConfig {
            hs256_secret,
            issuer,
            audience,
            leeway: self.identity.leeway()?,
            provider,
        })
    }

    /// The webhook settings, validated.
    pub fn webhooks(&self) -> Result<DispatchConfig, ConfigError> {
        use crate::webhooks::schedule::{parse_duration, RetrySchedule};
        let schedule = RetrySchedule::parse(&self.webhook_retry_schedule)
            .map_err(|e| ConfigError(format!("SAMVERKAN_WEBHOOK_RETRY_SCHEDULE: {e}")))?;
        let timeout = parse_duration(&self.webhook_timeout)
            .map_err(|e| ConfigError(format!("SAMVERKAN_WEBHOOK_TIMEOUT: {e}")))?;
        if timeout < Duration::from_millis(100) || timeout > Duration::from_secs(60) {
            return Err(ConfigError(
                "SAMVERKAN_WEBHOOK_TIMEOUT must be between 100ms and 60s".into(),
            ));
        }
        let disable_after = parse_duration(&self.webhook_disable_after)
            .map_err(|e| ConfigError(format!("SAMVERKAN_WEBHOOK_DISABLE_AFTER: {e}")))?;
        let ca_pem = match &self.webhook_ca_file {
            Some(path) => Some(std::fs::read(path).map_err(|e| {
                ConfigError(format!(
                    "SAMVERKAN_WEBHOOK_CA_FILE {}: cannot read: {e}",
                    path.display()
                ))
            })?),
            None => None,
        };
        Ok(DispatchConfig {
            policy: DestinationPolicy {
                allow_http: self.webhook_allow_http,
                allow_private: self.webhook_allow_private,
            },
            schedule,
            timeout,
            disable_after,
            ca_pem,
            ..DispatchConfig::default()
        })
    }

    /// The full server configuration, validated.
    pub fn server(&self) -> Result<Config, ConfigError> {
        let bind = self.bind.parse().map_err(|_| {
            ConfigError(format!(
                "SAMVERKAN_BIND={:?} is not an address like 127.0.0.1:8080",
                self.bind
            ))
        })?;
        if self.db_pool_size == 0 || self.db_pool_size > 500 {
            return Err(ConfigError("SAMVERKAN_DB_POOL_SIZE must be 1..=500".into()));
        }
        if !(100..=60_000).contains(&self.db_timeout_ms) {
            return Err(ConfigError(
                "SAMVERKAN_DB_TIMEOUT_MS must be 100..=60000".into(),
            ));
        }
        if !(1024..=16 * 1024 * 1024).contains(&self.body_limit) {
            return Err(ConfigError(
                "SAMVERKAN_BODY_LIMIT must be between 1024 and 16777216 bytes".into(),
            ));
        }
        let workers = match self.workers {
            Some(0) => return Err(ConfigError("SAMVERKAN_WORKERS must be at least 1".into())),
            Some(n) => n,
            None => std::thread::available_parallelism().map_or(2, |n| n.get()),
        };
        let webhooks = self.webhooks()?;
        let cors_origins = crate::cors::parse_origins(&self.cors_origins)
            .map_err(|e| ConfigError(format!("SAMVERKAN_CORS_ORIGINS: {e}")))?;
        if self.streams_per_unit == 0 || self.streams_max == 0 {
            return Err(ConfigError(
                "SAMVERKAN_STREAMS_PER_UNIT and SAMVERKAN_STREAMS_MAX must be at least 1".into(),
            ));
        }
        let metrics_bind = match self.metrics_bind.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(addr) => Some(addr.parse().map_err(|_| {
                ConfigError(format!(
                    "SAMVERKAN_METRICS_BIND={addr:?} is not an address like 127.0.0.1:9464"
                ))
            })?),
        };
        if metrics_bind == Some(bind) {
            return Err(ConfigError(
                "SAMVERKAN_METRICS_BIND must differ from SAMVERKAN_BIND (leave it unset to serve \
                 /metrics on the API's port)"
                    .into(),
            ));
        }
        Ok(Config {
            metrics_bind,
            cors_origins,
            streams: (self.streams_per_unit, self.streams_max),
            webhooks,
            webhook_dispatch: self.webhook_dispatch,
            database_url: self.database_url()?,
            bind,
            jwt: self.jwt()?,
            db_pool_size: self.db_pool_size,
            db_timeout: std::time::Duration::from_millis(self.db_timeout_ms),
            body_limit: self.body_limit,
            workers,
        })
    }
}

#[cfg(test)]
mod tests;
