//! The state every handler shares: the pool, the token verifier and request limits.

use crate::auth::JwtVerifier;
use crate::clock::Clock;
use crate::db::DbPool;
use crate::narcotics_cache::NarcoticsCache;
use crate::webhooks::destination::DestinationPolicy;

/// Shared application state, registered once as `web::Data<AppState>`.
pub struct AppState {
    /// The database pool.
    pub pool: DbPool,
    /// Verifies bearer tokens.
    pub verifier: JwtVerifier,
    /// Largest accepted request body in bytes.
    pub body_limit: usize,
    /// The narcotics reference, cached.
    pub narcotics: NarcoticsCache,
    /// Where handlers read the time (the system clock but in tests).
    pub clock: Clock,
    /// Which webhook destinations may be registered.
    pub webhook_policy: DestinationPolicy,
    /// Origins whose browser pages may call the API (CORS); empty: no CORS headers at all.
    pub cors_origins: Vec<String>,
    /// Open live-mailbox streams and their bounds.
    pub streams: crate::routes::stream::StreamSlots,
    /// Whether `GET /metrics` is served on the API's port (false: on its own listener,
    /// `SAMVERKAN_METRICS_BIND`).
    pub metrics_on_api_port: bool,
}
