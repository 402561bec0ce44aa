//! Bearer-token authentication: who the caller is, as the token says, and the [`Caller`]
//! extractor handlers use.
//!
//! Tokens come from two sources (see `config::identity`):
//! - **the region's OpenID provider** (production): RS256, PS256 or ES256 tokens signed by a
//!   key of its JWKS, looked up by `kid` in a cache ([`keys`]); the claims are mapped by name
//!   ([`claims`]) — Inera's attribute names by default;
//! - **our HS256 development secret** (`script/server`, tests, the demo), with our own claim
//!   names ([`dev`]). Never in production: a process trusting a provider refuses HS256 unless
//!   it is explicitly allowed.
//!
//! Only `Authorization: Bearer <jwt>` is read; a token anywhere else (query string, cookie) is
//! ignored. The checks follow RFC 8725: see [`verifier`].

use actix_web::{http::header, web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::AppError;
use crate::i18n::Msg;
use crate::state::AppState;
use crate::text;

pub mod claims;
pub mod dev;
pub mod keys;
pub mod verifier;

pub use dev::{mint_hs256, Audience, Claims, TokenRequest};
pub use verifier::JwtVerifier;

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
    /// Follows the routine up: reads the answer-time statistics (aggregates, no patient data).
    Statistik,
}

impl Role {
    /// The code tokens and the access log use.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Personal => "personal",
            Self::Admin => "admin",
            Self::Granskare => "granskare",
            Self::Integration => "integration",
            Self::Statistik => "statistik",
        }
    }

    /// The role a development token's `roles` entry names.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "personal" => Some(Self::Personal),
            "admin" => Some(Self::Admin),
            "granskare" => Some(Self::Granskare),
            "integration" => Some(Self::Integration),
            "statistik" => Some(Self::Statistik),
            _ => None,
        }
    }
}

/// Which source vouched for the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TokenSource {
    /// The region's OpenID provider.
    Provider,
    /// Our HS256 development secret.
    Development,
}

/// The authenticated caller, as the API understood the token (serialisable: a stream ticket
/// keeps it until it is used).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Caller {
    /// The person's HSA-id, or a machine client's id.
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
    /// The commission (medarbetaruppdrag) HSA-id, from a provider token.
    pub commission_hsa_id: Option<String>,
    /// The commission's purpose, from a provider token.
    pub commission_purpose: Option<String>,
    /// A provider token's commission has another purpose than care: such a caller may not act
    /// as care staff (403 `COMMISSION_PURPOSE`).
    pub purpose_refused: bool,
    /// The care provider (vårdgivare) HSA-id, from a provider token.
    pub care_provider_hsa_id: Option<String>,
    /// Who vouched for the token.
    pub source: TokenSource,
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
    /// The token names several people (or units, or commissions) and none is chosen.
    #[error("ambiguous token: claim {claim} holds {values} different values")]
    Ambiguous { claim: String, values: usize },
    /// The provider's keys are not available (never fetched, or stale past the limit).
    #[error("identity provider unavailable: {0}")]
    Unavailable(String),
}

impl From<AuthError> for AppError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::Missing => AppError::Unauthenticated {
                code: "UNAUTHENTICATED",
                detail: missing_token_detail(),
            },
            AuthError::Invalid(why) => {
                tracing::info!(reason = %why, "token refused");
                AppError::Unauthenticated {
                    code: "UNAUTHENTICATED",
                    detail: Msg::new(
                        "Inloggningsbeviset (bearer token) är inte giltigt.",
                        "The bearer token is not valid.",
                    ),
                }
            }
            AuthError::Ambiguous { claim, values } => {
                tracing::info!(%claim, values, "ambiguous token refused");
                AppError::Unauthenticated {
                    code: "AMBIGUOUS_IDENTITY",
                    detail: text!(
                        "Inloggningen anger inte en enda identitet: anspråket {claim} har \
                         {values} olika värden. Logga in igen och välj ett medarbetaruppdrag.",
                        "The token does not name one identity: claim {claim} holds {values} \
                         different values. Sign in again and choose one medarbetaruppdrag."
                    ),
                }
            }
            AuthError::Unavailable(why) => {
                // The cause is for operations (also in /health/ready), not for the caller.
                tracing::warn!(reason = %why, "token not checked: no keys");
                AppError::IdpUnavailable(Msg::new(
                    "Inloggningar kan inte kontrolleras just nu: identitetsleverantörens nycklar \
                     är inte tillgängliga. Försök igen om en stund.",
                    "Tokens cannot be checked: the identity provider's keys are not available. \
                     Try again shortly.",
                ))
            }
        }
    }
}

/// The 401 detail when no bearer token was sent.
pub fn missing_token_detail() -> Msg {
    Msg::new(
        "Skicka ett inloggningsbevis: Authorization: Bearer <token>.",
        "Send a bearer token: Authorization: Bearer <token>.",
    )
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
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req).map(str::to_owned);
        Box::pin(async move {
            let state =
                state.ok_or_else(|| AppError::Internal(anyhow::anyhow!("AppState missing")))?;
            let token = token?;
            state.verifier.caller(&token, &state.pool).await
        })
    }
}
