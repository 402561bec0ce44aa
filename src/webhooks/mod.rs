//! Push to integration platforms after the Standard Webhooks specification (v1.0).
//!
//! - [`signing`]: secrets and `webhook-signature`s.
//! - [`destination`]: where a webhook may be sent (no server-side request forgery).
//! - [`schedule`]: when a failed delivery is tried again.
//! - [`dispatcher`]: claims due deliveries and sends them, in every server process.
//!
//! The deliveries themselves are queued by a trigger on `events`, in the transaction of the
//! change (see `models::webhook`): an event that commits is delivered at least once.

pub mod destination;
pub mod dispatcher;
pub mod schedule;
pub mod signing;
