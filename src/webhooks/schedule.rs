//! When a failed delivery is tried again: the configured schedule (by default 5 s, 5 min,
//! 30 min, 2 h, 5 h, 10 h, 10 h after the attempts before), each delay spread by ±10 % so a
//! receiver that was down is not hit by every delivery at the same instant, and a receiver's
//! `Retry-After` (on 429 and 503) honoured: never sooner than it asks, never sooner than the
//! schedule.

use std::time::Duration;

/// The default retry delays, as `SAMVERKAN_WEBHOOK_RETRY_SCHEDULE` writes them.
pub const DEFAULT_SCHEDULE: &str = "5s,5m,30m,2h,5h,10h,10h";

/// Longest `Retry-After` honoured (a longer one waits this long).
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(10 * 3600);

/// Parses a duration: a whole number with `ms`, `s`, `m`, `h` or `d`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (digits, unit) = s.split_at(split);
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("`{s}` is not a duration (e.g. 500ms, 5s, 5m, 2h, 5d)"))?;
    let secs = |k: u64| Duration::from_secs(n.saturating_mul(k));
    match unit {
        "ms" => Ok(Duration::from_millis(n)),
        "s" => Ok(secs(1)),
        "m" => Ok(secs(60)),
        "h" => Ok(secs(3600)),
        "d" => Ok(secs(86400)),
        _ => Err(format!("`{s}` has no unit (ms, s, m, h or d)")),
    }
}

/// The delays between attempts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrySchedule(Vec<Duration>);

impl RetrySchedule {
    /// Parses a comma-separated list of durations (at least one, each at least one second…
    /// or less, for tests).
    pub fn parse(s: &str) -> Result<Self, String> {
        let delays = s
            .split(',')
            .map(parse_duration)
            .collect::<Result<Vec<_>, _>>()?;
        if delays.is_empty() {
            return Err("the retry schedule names no delay".into());
        }
        Ok(Self(delays))
    }

    /// Attempts in all: the first and one per delay.
    pub fn max_attempts(&self) -> i32 {
        self.0.len() as i32 + 1
    }

    /// The delay before the attempt after attempt number `attempts` (1 = the first), before
    /// jitter; `None` when the attempts are spent.
    pub fn delay_after(&self, attempts: i32) -> Option<Duration> {
        usize::try_from(attempts - 1)
            .ok()
            .and_then(|i| self.0.get(i))
            .copied()
    }
}

impl Default for RetrySchedule {
    fn default() -> Self {
        Self::parse(DEFAULT_SCHEDULE).expect("the default schedule parses")
    }
}

/// `delay` spread by ±10 %: `unit` is a random number in [0, 1).
pub fn jittered(delay: Duration, unit: f64) -> Duration {
    delay.mul_f64(0.9 + 0.2 * unit.clamp(0.0, 1.0))
}

/// The wait before the next attempt: the scheduled delay with jitter, or the receiver's
/// `Retry-After` when that is longer. A `Retry-After` never shortens the schedule: a receiver
/// answering `Retry-After: 0` (or 30 s through a long outage) would otherwise spend every
/// attempt within minutes, long before the schedule's 28 hours.
pub fn next_delay(scheduled: Duration, retry_after: Option<Duration>, unit: f64) -> Duration {
    let mine = jittered(scheduled, unit);
    retry_after.map_or(mine, |r| r.max(mine))
}

/// A random number in [0, 1) for [`jittered`].
pub fn random_unit() -> f64 {
    let mut b = [0u8; 8];
    if getrandom::fill(&mut b).is_err() {
        return 0.5;
    }
    (u64::from_le_bytes(b) >> 11) as f64 / (1u64 << 53) as f64
}

/// A `Retry-After` value: seconds, or an HTTP date (RFC 9110 `IMF-fixdate`) after `now`;
/// capped at [`MAX_RETRY_AFTER`]. `None` when it is neither.
pub fn parse_retry_after(value: &str, now: time::OffsetDateTime) -> Option<Duration> {
    let value = value.trim();
    let wait = if let Ok(secs) = value.parse::<u64>() {
        Duration::from_secs(secs)
    } else {
        let at = time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc2822)
            .ok()?;
        Duration::try_from(at - now).unwrap_or(Duration::ZERO)
    };
    Some(wait.min(MAX_RETRY_AFTER))
}

#[cfg(test)]
mod tests;
