//! The dispatcher: runs in every server process, claims due deliveries (`FOR UPDATE SKIP
//! LOCKED`, so replicas share the work), sends them signed, and records each attempt.
//!
//! One round: claim up to [`DispatchConfig::batch`] due deliveries (their next attempt moves a
//! lease ahead in the same statement), build each body from its event, send them all at once,
//! then record every outcome in one transaction. A process killed mid-round leaves
//! its claimed deliveries due again when the lease ends; whoever claims them sends the same
//! `webhook-id` and body, so a receiver that keeps the ids it handled sees each event once.

use std::collections::HashMap;
use std::time::Duration;

use diesel::prelude::*;
use futures_util::StreamExt;
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::clock::Clock;
use crate::db::{self, DbPool};
use crate::domain::reply_window::to_stockholm;
use crate::error::AppResult;
use crate::models::event::{self, EventRow};
use crate::models::unit;
use crate::models::webhook::{self, Claimed, EndpointRow};
use crate::webhooks::destination::{self, DestinationPolicy, SafeResolver};
use crate::webhooks::schedule::{self, RetrySchedule};
use crate::webhooks::signing;

/// How the dispatcher delivers (`SAMVERKAN_WEBHOOK_*`, see `config`).
#[derive(Debug, Clone)]
pub struct DispatchConfig {
    /// Which destinations may be reached.
    pub policy: DestinationPolicy,
    /// Delays between attempts.
    pub schedule: RetrySchedule,
    /// How long an attempt may take, connecting included; longer is a failure.
    pub timeout: Duration,
    /// An endpoint whose every attempt has failed for this long is disabled.
    pub disable_after: Duration,
    /// How often an idle dispatcher looks for due deliveries.
    pub poll: Duration,
    /// Most deliveries claimed per round (sent [`MAX_IN_FLIGHT`] at a time).
    pub batch: i64,
    /// Extra trusted CA certificates (PEM), e.g. the region's (SITHS-style PKI).
    pub ca_pem: Option<Vec<u8>>,
}

impl DispatchConfig {
    /// How long a claim holds a delivery: longer than one round can take (its attempts run
    /// in at most two waves of [`MAX_IN_FLIGHT`], each attempt at most `timeout`, then the
    /// outcomes are recorded), short enough that a delivery whose dispatcher died is sent
    /// again soon (35 s by default).
    pub fn lease(&self) -> Duration {
        let waves = (self.batch.max(1) as u32).div_ceil(MAX_IN_FLIGHT as u32);
        self.timeout * waves + Duration::from_secs(5)
    }
}

impl Default for DispatchConfig {
    fn default() -> Self {
        Self {
            policy: DestinationPolicy::default(),
            schedule: RetrySchedule::default(),
            timeout: Duration::from_secs(15),
            disable_after: Duration::from_secs(5 * 86400),
            poll: Duration::from_millis(200),
            batch: 64,
            ca_pem: None,
        }
    }
}

/// Most attempts a dispatcher has open at once: the most connections a process opens to
/// receivers. A round of [`DispatchConfig::batch`] (64) is sent in at most two waves, which
/// [`DispatchConfig::lease`] allows for.
pub const MAX_IN_FLIGHT: usize = 32;

mod record;

use record::{record_failure, record_successes};

/// Sends due deliveries.
pub struct Dispatcher {
    pool: DbPool,
    client: reqwest::Client,
    cfg: DispatchConfig,
    clock: Clock,
}

/// A claimed delivery, ready to send.
struct Outgoing {
    claimed: Claimed,
    endpoint: EndpointRow,
    webhook_id: String,
    body: Vec<u8>,
    patient_id: Option<Uuid>,
    message_id: Option<Uuid>,
}

/// What one attempt came to.
#[derive(Debug)]
struct Outcome {
    http_status: Option<u16>,
    retry_after: Option<Duration>,
    error: Option<String>,
}

impl Outcome {
    fn succeeded(&self) -> bool {
        self.http_status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// The `webhook-id` of a delivery: `msg_` and the delivery's id.
pub fn webhook_id(delivery_id: Uuid) -> String {
    format!("msg_{}", delivery_id.simple())
}

impl Dispatcher {
    /// Builds the HTTP client: no redirects, no proxies (a proxy would resolve names where
    /// [`SafeResolver`] cannot check them), the timeout, and the extra CA certificates.
    pub fn new(pool: DbPool, cfg: DispatchConfig, clock: Clock) -> anyhow::Result<Self> {
        let builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(cfg.timeout)
            .connect_timeout(cfg.timeout.min(Duration::from_secs(10)))
            .pool_idle_timeout(Duration::from_secs(30))
            .user_agent(concat!("Samverkan-Webhooks/", env!("CARGO_PKG_VERSION")))
            .https_only(!cfg.policy.allow_http)
            .dns_resolver(std::sync::Arc::new(SafeResolver(cfg.policy)));
        let client = crate::tls::trust_extra_cas(
            builder,
            cfg.ca_pem.as_deref(),
            "SAMVERKAN_WEBHOOK_CA_FILE",
        )?
        .build()
        .map_err(|e| anyhow::anyhow!("webhook HTTP client: {e}"))?;
        Ok(Self {
            pool,
            client,
            cfg,
            clock,
        })
    }

    /// Runs rounds for ever: the next at once after a full batch (a backlog), else after
    /// `poll` — so under a steady trickle of events a round carries what arrived in the last
    /// `poll` instead of one delivery each (a round costs a dozen statements whatever its
    /// size) — and after a database error a few seconds later.
    pub async fn run(self) {
        loop {
            match self.run_once().await {
                Ok(n) if n as i64 >= self.cfg.batch => {}
                Ok(_) => tokio::time::sleep(self.cfg.poll).await,
                Err(e) => {
                    tracing::warn!(error = %e, "webhook dispatch round failed");
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
            }
        }
    }

    /// One round; returns how many deliveries it attempted.
    pub async fn run_once(&self) -> AppResult<usize> {
        let now = self.clock.now();
        let lease_until = now + self.cfg.lease();
        let batch = self.cfg.batch;
        let outgoing = db::run(&self.pool, move |conn| {
            // One statement, atomic by itself: no transaction around it.
            let claimed = webhook::claim_due(conn, now, lease_until, batch)?;
            if claimed.is_empty() {
                return Ok(Vec::new());
            }
            prepare(conn, claimed)
        })
        .await?;
        let n = outgoing.len();
        if n == 0 {
            return Ok(0);
        }
        let attempts = outgoing.into_iter().map(|o| async move {
            let outcome = self.send(&o).await;
            (o, outcome)
        });
        let results: Vec<(Outgoing, Outcome)> = futures_util::stream::iter(attempts)
            .buffer_unordered(MAX_IN_FLIGHT)
            .collect()
            .await;
        let cfg = self.cfg.clone();
        let clock = self.clock;
        // One transaction for the round's outcomes: one commit (one WAL flush) instead of one
        // per delivery. Should it fail, the round's deliveries are sent again after the lease,
        // with the same ids.
        let (succeeded, logged, failures) = db::transaction(&self.pool, move |conn| {
            let now = clock.now();
            let (ok, failed): (Vec<_>, Vec<_>) =
                results.iter().partition(|(_, outcome)| outcome.succeeded());
            let (succeeded, logged) = record_successes(conn, &ok, now)?;
            let mut failures = Vec::with_capacity(failed.len());
            for (o, outcome) in failed {
                failures.extend(record_failure(conn, &cfg, o, outcome, now)?);
            }
            Ok((succeeded, logged, failures))
        })
        .await?;
        // Counted once the round's outcomes are committed.
        crate::instrument::webhook_attempts("succeeded", succeeded);
        crate::instrument::access_log_written("ok", logged);
        for f in failures {
            crate::instrument::webhook_attempts(if f.retry { "retry" } else { "failed" }, 1);
            if let Some(reason) = f.disabled {
                crate::instrument::webhook_endpoint_disabled(reason);
            }
        }
        Ok(n)
    }

    async fn send(&self, o: &Outgoing) -> Outcome {
        let failed = |error: String| Outcome {
            http_status: None,
            retry_after: None,
            error: Some(error),
        };
        // The registered URL is checked again: the operator's policy may have changed.
        let url = match destination::check_form(&o.endpoint.url, self.cfg.policy) {
            Ok(url) => url,
            Err(e) => return failed(format!("destination refused: {e}")),
        };
        let now = self.clock.now();
        let timestamp = now.unix_timestamp();
        let secrets = o.endpoint.signing_secrets(now);
        let signature = signing::signature_header(&secrets, &o.webhook_id, timestamp, &o.body);
        let request = self
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("webhook-id", &o.webhook_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(o.body.clone());
        match request.send().await {
            Ok(mut resp) => {
                let status = resp.status().as_u16();
                let retry_after = if status == 429 || status == 503 {
                    resp.headers()
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| schedule::parse_retry_after(v, now))
                } else {
                    None
                };
                // Read (and drop) up to 64 KiB of the answer so the connection can be reused.
                let mut read = 0usize;
                while read < 64 * 1024 {
                    match resp.chunk().await {
                        Ok(Some(c)) => read += c.len(),
                        _ => break,
                    }
                }
                let error = (!(200..300).contains(&status)).then(|| format!("HTTP {status}"));
                Outcome {
                    http_status: Some(status),
                    retry_after,
                    error,
                }
            }
            Err(e) => failed(error_chain(&e)),
        }
    }
}

/// An error and its causes on one line ("error sending request: …: connection refused").
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
    text.chars().take(500).collect()
}

/// Loads what the claimed deliveries carry and builds their bodies. An event not numbered yet
/// is numbered first, so a delivery carries the same `seq` as the feed.
fn prepare(conn: &mut PgConnection, claimed: Vec<Claimed>) -> AppResult<Vec<Outgoing>> {
    let mut endpoint_ids: Vec<Uuid> = claimed.iter().map(|c| c.endpoint_id).collect();
    endpoint_ids.sort();
    endpoint_ids.dedup();
    let endpoints: HashMap<Uuid, EndpointRow> = webhook::find_many(conn, &endpoint_ids)?
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    let event_ids: Vec<i64> = claimed.iter().filter_map(|c| c.event_id).collect();
    let mut events = event::by_ids(conn, &event_ids)?;
    if events.iter().any(|e| e.seq.is_none()) {
        event::number_pending(conn)?;
        events = event::by_ids(conn, &event_ids)?;
    }
    let hsa = unit::hsa_ids_by_id(
        conn,
        events
            .iter()
            .flat_map(|e| e.unit_ids.iter().flatten().copied()),
    )?;
    let events: HashMap<i64, EventRow> = events.into_iter().map(|e| (e.id, e)).collect();
    let mut out = Vec::with_capacity(claimed.len());
    for c in claimed {
        let Some(endpoint) = endpoints.get(&c.endpoint_id).cloned() else {
            continue;
        };
        let event = c.event_id.and_then(|id| events.get(&id));
        let body = match event {
            Some(e) => event_body(e, &hsa),
            None => json!({
                "type": c.type_,
                "timestamp": rfc3339(to_stockholm(c.created_at)),
                "data": { "endpoint_id": endpoint.id },
            }),
        };
        out.push(Outgoing {
            webhook_id: webhook_id(c.id),
            body: serde_json::to_vec(&body).unwrap_or_default(),
            patient_id: event.and_then(|e| e.patient_id),
            message_id: event.and_then(|e| e.message_id),
            claimed: c,
            endpoint,
        });
    }
    Ok(out)
}

/// The thin payload of an event: what the feed says, no free text, no personnummer.
fn event_body(e: &EventRow, hsa: &HashMap<Uuid, String>) -> serde_json::Value {
    let units: Vec<serde_json::Value> = e
        .unit_ids
        .iter()
        .flatten()
        .map(|id| json!({ "id": id, "hsa_id": hsa.get(id).cloned().unwrap_or_default() }))
        .collect();
    json!({
        "type": e.type_,
        "timestamp": rfc3339(to_stockholm(e.at)),
        "data": {
            "seq": e.seq,
            "message_id": e.message_id,
            "patient_id": e.patient_id,
            "units": units,
        },
    })
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
