//! Recording a round's attempts: the deliveries' new states, the endpoints' failing streaks
//! and disablings, and the access-log entries of the deliveries that reached their receivers.

use diesel::prelude::*;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::access_log::action;
use crate::error::AppResult;
use crate::models::access_log::{self, DeliveryEntries};
use crate::models::webhook::{self, AttemptResult, EndpointChanges};
use crate::webhooks::schedule;

use super::{DispatchConfig, Outcome, Outgoing};

/// Records the round's successes in two statements whatever their number: the deliveries,
/// and for those that named a patient an access-log entry each, with the endpoint's owner as
/// actor (a delivery discloses the patient's id to the platform, like a feed batch). A delivery
/// claimed again meanwhile (its lease ran out) is left to the attempt that holds it. Returns
/// how many were recorded and how many access-log entries they wrote.
pub(super) fn record_successes(
    conn: &mut PgConnection,
    ok: &[&(Outgoing, Outcome)],
    now: OffsetDateTime,
) -> AppResult<(usize, usize)> {
    if ok.is_empty() {
        return Ok((0, 0));
    }
    let ids: Vec<Uuid> = ok.iter().map(|(o, _)| o.claimed.id).collect();
    let attempts: Vec<i32> = ok.iter().map(|(o, _)| o.claimed.attempts).collect();
    let codes: Vec<i32> = ok
        .iter()
        .map(|(_, r)| i32::from(r.http_status.unwrap_or(200)))
        .collect();
    let recorded = webhook::record_successes(conn, &ids, &attempts, &codes, now)?;
    let mut cleared: Vec<Uuid> = Vec::new();
    let mut entries = DeliveryEntries::default();
    for (o, _) in ok {
        if !recorded.contains(&o.claimed.id) {
            tracing::info!(webhook_id = %o.webhook_id, "delivery claimed again meanwhile; this attempt is not recorded");
            continue;
        }
        let e = &o.endpoint;
        if e.failing_since.is_some() && !cleared.contains(&e.id) {
            webhook::clear_failing(conn, e.id)?;
            cleared.push(e.id);
        }
        if let Some(patient_id) = o.patient_id {
            entries.actor_hsa_id.push(e.owner_hsa_id.clone());
            entries.unit_id.push(e.owner_unit_id);
            entries.unit_hsa_id.push(e.owner_unit_hsa_id.clone());
            entries.actor_role.push(e.owner_role.clone());
            entries.patient_id.push(patient_id);
            entries.message_id.push(o.message_id);
            entries.request_id.push(o.webhook_id.clone());
        }
    }
    let logged = access_log::append_deliveries(conn, action::WEBHOOK_DELIVERY, &entries)
        .inspect_err(|_| crate::instrument::access_log_failed())?;
    Ok((recorded.len(), logged))
}

/// Records a failed attempt: when the next one is due (or that the attempts are spent), the
/// endpoint's failing streak, and its disabling on 410 or after `disable_after` of failures.
pub(super) fn record_failure(
    conn: &mut PgConnection,
    cfg: &DispatchConfig,
    o: &Outgoing,
    outcome: &Outcome,
    now: OffsetDateTime,
) -> AppResult<Option<Failed>> {
    let gone = outcome.http_status == Some(410);
    let next_attempt_at = if gone {
        None
    } else {
        cfg.schedule
            .delay_after(o.claimed.attempts)
            .map(|d| schedule::next_delay(d, outcome.retry_after, schedule::random_unit()))
            .map(|d| now + d)
    };
    let result = AttemptResult {
        http_status: outcome.http_status.map(i32::from),
        error: outcome.error.as_deref(),
        next_attempt_at,
        succeeded: false,
    };
    if !webhook::record_attempt(conn, &o.claimed, &result, now)? {
        tracing::info!(webhook_id = %o.webhook_id, "delivery claimed again meanwhile; this attempt is not recorded");
        return Ok(None);
    }
    let endpoint = &o.endpoint;
    tracing::info!(
        webhook_id = %o.webhook_id,
        endpoint = %endpoint.id,
        attempt = o.claimed.attempts,
        error = outcome.error.as_deref().unwrap_or(""),
        next_attempt_at = ?next_attempt_at,
        "webhook delivery failed"
    );
    if endpoint.failing_since.is_none() {
        webhook::mark_failing(conn, endpoint.id, now)?;
    }
    let failing_too_long = endpoint
        .failing_since
        .is_some_and(|since| now - since >= cfg.disable_after);
    let reason = if gone {
        Some("gone")
    } else if failing_too_long {
        Some("failing")
    } else {
        None
    };
    if let Some(reason) = reason {
        disable(conn, endpoint.id, reason, now)?;
        tracing::warn!(endpoint = %endpoint.id, reason, "webhook endpoint disabled");
    }
    Ok(Some(Failed {
        retry: next_attempt_at.is_some() && reason.is_none(),
        disabled: reason,
    }))
}

/// What a failed attempt led to, for the metrics.
#[derive(Debug, Clone, Copy)]
pub(super) struct Failed {
    /// Another attempt is scheduled.
    pub retry: bool,
    /// The endpoint was disabled, and why (`gone`, `failing`).
    pub disabled: Option<&'static str>,
}

/// Disables an endpoint and fails its pending deliveries (recoverable once it is active again).
fn disable(
    conn: &mut PgConnection,
    endpoint_id: Uuid,
    reason: &'static str,
    now: OffsetDateTime,
) -> QueryResult<()> {
    webhook::update(
        conn,
        endpoint_id,
        &EndpointChanges {
            active: Some(false),
            disabled_reason: Some(Some(reason)),
            disabled_at: Some(Some(now)),
            updated_at: Some(now),
            ..Default::default()
        },
    )?;
    let why = match reason {
        "gone" => "endpoint disabled: the receiver answered 410 Gone",
        "failing" => "endpoint disabled: every attempt failed for too long",
        _ => "endpoint disabled",
    };
    webhook::fail_pending(conn, endpoint_id, why, now)?;
    Ok(())
}
