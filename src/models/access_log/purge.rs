//! The purge: the only removal the access log allows (`samverkan audit purge`). Whole months
//! older than the retention are dropped, oldest first; what is left before the limit — the
//! older part of the month the limit falls in, and anything in the default partition — is
//! deleted in batches. Every drop and every batch commits on its own, so an interrupted purge
//! has removed whole steps only, and running it again carries on.

use std::fmt;
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use diesel::PgConnection;
use diesel::QueryResult;
use time::OffsetDateTime;

use super::partitions::{self, DEFAULT_PARTITION};
use crate::domain::log_retention::{boundary_month, expired_months, LogMonth, Retention};

/// Entries deleted per transaction in the month the limit falls in.
pub const DEFAULT_BATCH: i64 = 10_000;

/// How often a drop that cannot get its lock within a second is tried again.
const DROP_ATTEMPTS: u32 = 10;

/// What a purge will do, as it stands when it starts.
#[derive(Debug, Clone)]
pub struct PurgePlan {
    /// Entries before this time are removed (the database's now minus the retention).
    pub before: OffsetDateTime,
    /// Month partitions to drop whole, oldest first, with the planner's estimate of the
    /// entries each holds.
    pub expired: Vec<(LogMonth, i64)>,
    /// Partitions to delete from in batches, with their entries older than `before`.
    pub cut: Vec<(String, i64)>,
}

impl PurgePlan {
    /// All entries to remove (an estimate for the months dropped whole).
    pub fn entries_expected(&self) -> i64 {
        self.expired.iter().map(|(_, n)| n).sum::<i64>()
            + self.cut.iter().map(|(_, n)| n).sum::<i64>()
    }
}

/// What a purge just did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PurgeStep {
    /// A month's partition was dropped with its entries.
    Dropped { month: LogMonth, entries: i64 },
    /// A batch was deleted from a partition.
    Batch { partition: String, entries: i64 },
}

/// Where a purge stands, after each step.
#[derive(Debug, Clone)]
pub struct PurgeProgress {
    /// The step just done.
    pub step: PurgeStep,
    /// Month partitions dropped so far.
    pub partitions_dropped: usize,
    /// Month partitions to drop in all.
    pub partitions_to_drop: usize,
    /// Entries removed so far.
    pub entries_removed: i64,
    /// Entries to remove in all (estimated for the months not yet dropped).
    pub entries_expected: i64,
    /// Time since the purge started.
    pub elapsed: Duration,
    /// The rest, at the pace of each kind of step so far; `None` until it can be told.
    pub time_left: Option<Duration>,
}

impl PurgeProgress {
    /// Entries removed per second so far.
    pub fn rate(&self) -> f64 {
        self.entries_removed as f64 / self.elapsed.as_secs_f64().max(0.001)
    }
}

impl fmt::Display for PurgeProgress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} of {} partitions dropped, {} of about {} entries removed, {} entries/s, ",
            self.partitions_dropped,
            self.partitions_to_drop,
            grouped(self.entries_removed),
            grouped(self.entries_expected.max(self.entries_removed)),
            grouped(self.rate().round() as i64),
        )?;
        match self.time_left {
            Some(left) => write!(f, "about {} left", duration(left)),
            None => write!(f, "time left not known yet"),
        }
    }
}

/// What a purge did.
#[derive(Debug, Clone)]
pub struct PurgeReport {
    /// Entries before this time were removed.
    pub before: OffsetDateTime,
    /// Months dropped whole, with their entries.
    pub dropped: Vec<(LogMonth, i64)>,
    /// Entries deleted in batches.
    pub deleted: i64,
    /// Batches run.
    pub batches: usize,
    /// The caller stopped the purge before it was done.
    pub stopped: bool,
    /// How long it took.
    pub elapsed: Duration,
}

impl PurgeReport {
    /// Every entry removed.
    pub fn entries_removed(&self) -> i64 {
        self.deleted + self.dropped.iter().map(|(_, n)| n).sum::<i64>()
    }
}

/// What a purge with `retention` would do now.
pub fn plan(conn: &mut PgConnection, retention: Retention) -> QueryResult<PurgePlan> {
    let before = partitions::purge_limit(conn, retention)?;
    let parts = partitions::list(conn)?;
    let mut expired = Vec::new();
    for m in expired_months(&parts.months, before) {
        expired.push((m, partitions::estimated_entries(conn, &m.partition_name())?));
    }
    let mut cut = Vec::new();
    let boundary = boundary_month(&parts.months, before).map(LogMonth::partition_name);
    let default = parts.default.then(|| DEFAULT_PARTITION.to_string());
    for name in boundary.into_iter().chain(default) {
        let n = partitions::count_before(conn, &name, before)?;
        cut.push((name, n));
    }
    Ok(PurgePlan {
        before,
        expired,
        cut,
    })
}

/// Runs `plan`: drops its months, then deletes the rest in batches of `batch` entries.
/// `on_progress` hears of every step and may stop the purge after it (what is done stays
/// done; run again to finish).
pub fn run(
    conn: &mut PgConnection,
    plan: &PurgePlan,
    batch: i64,
    on_progress: &mut dyn FnMut(&PurgeProgress) -> ControlFlow<()>,
) -> QueryResult<PurgeReport> {
    let started = Instant::now();
    let mut report = PurgeReport {
        before: plan.before,
        dropped: Vec::new(),
        deleted: 0,
        batches: 0,
        stopped: false,
        elapsed: Duration::ZERO,
    };
    let mut pace = Pace::new(plan);
    for &(month, estimate) in &plan.expired {
        let step = Instant::now();
        let entries = drop_with_retries(conn, month, plan.before)?;
        pace.dropped(step.elapsed(), estimate, entries);
        report.dropped.push((month, entries));
        let progress = pace.progress(
            PurgeStep::Dropped { month, entries },
            &report,
            started.elapsed(),
        );
        if on_progress(&progress).is_break() {
            report.stopped = true;
            report.elapsed = started.elapsed();
            return Ok(report);
        }
    }
    for (name, _) in &plan.cut {
        let mut from = None;
        loop {
            let step = Instant::now();
            let (entries, last) = partitions::delete_batch(conn, name, plan.before, from, batch)?;
            if entries == 0 {
                break;
            }
            from = last;
            report.deleted += entries;
            report.batches += 1;
            pace.batch(step.elapsed(), entries);
            let progress = pace.progress(
                PurgeStep::Batch {
                    partition: name.clone(),
                    entries,
                },
                &report,
                started.elapsed(),
            );
            if on_progress(&progress).is_break() {
                report.stopped = true;
                report.elapsed = started.elapsed();
                return Ok(report);
            }
            if entries < batch {
                break;
            }
        }
    }
    report.elapsed = started.elapsed();
    Ok(report)
}

/// [`plan`] and [`run`] in one.
pub fn purge(
    conn: &mut PgConnection,
    retention: Retention,
    batch: i64,
    on_progress: &mut dyn FnMut(&PurgeProgress) -> ControlFlow<()>,
) -> QueryResult<PurgeReport> {
    let plan = plan(conn, retention)?;
    run(conn, &plan, batch, on_progress)
}

/// Drops a month, trying again while the log's lock is not to be had within a second (a long
/// review query holds it; writers queue behind the waiting drop, so it must not wait long).
fn drop_with_retries(
    conn: &mut PgConnection,
    month: LogMonth,
    before: OffsetDateTime,
) -> QueryResult<i64> {
    let mut attempt = 1;
    loop {
        match partitions::drop_expired(conn, month, before) {
            Err(diesel::result::Error::DatabaseError(_, info))
                if info.message().contains("lock timeout") && attempt < DROP_ATTEMPTS =>
            {
                tracing::warn!(%month, attempt, "access-log partition busy; trying again");
                std::thread::sleep(Duration::from_secs(u64::from(attempt)));
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// The pace of each kind of step, for the time left.
struct Pace {
    drops_left: usize,
    drop_time: Duration,
    drops: u32,
    /// Entries expected: the estimate for months not yet dropped, exact once dropped.
    expected: i64,
    batch_left: i64,
    batch_time: Duration,
    batch_entries: i64,
}

impl Pace {
    fn new(plan: &PurgePlan) -> Self {
        Self {
            drops_left: plan.expired.len(),
            drop_time: Duration::ZERO,
            drops: 0,
            expected: plan.entries_expected(),
            batch_left: plan.cut.iter().map(|(_, n)| n).sum(),
            batch_time: Duration::ZERO,
            batch_entries: 0,
        }
    }

    /// A month dropped: `estimate` was expected of it, `entries` it held.
    fn dropped(&mut self, took: Duration, estimate: i64, entries: i64) {
        self.drops_left = self.drops_left.saturating_sub(1);
        self.drop_time += took;
        self.drops += 1;
        self.expected += entries - estimate;
    }

    fn batch(&mut self, took: Duration, entries: i64) {
        self.batch_left = (self.batch_left - entries).max(0);
        self.batch_time += took;
        self.batch_entries += entries;
    }

    fn time_left(&self) -> Option<Duration> {
        let drops = match (self.drops_left, self.drops) {
            (0, _) => Duration::ZERO,
            (_, 0) => return None,
            (left, done) => self.drop_time / done * left as u32,
        };
        let batches = match (self.batch_left, self.batch_entries) {
            (0, _) => Duration::ZERO,
            (_, 0) => return None,
            (left, done) => self.batch_time.mul_f64(left as f64 / done as f64),
        };
        Some(drops + batches)
    }

    fn progress(&self, step: PurgeStep, report: &PurgeReport, elapsed: Duration) -> PurgeProgress {
        PurgeProgress {
            step,
            partitions_dropped: report.dropped.len(),
            partitions_to_drop: report.dropped.len() + self.drops_left,
            entries_removed: report.entries_removed(),
            entries_expected: self.expected,
            elapsed,
            time_left: self.time_left(),
        }
    }
}

/// `1234567` as `1,234,567`.
pub fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// A duration as an operator reads it: `45 s`, `2 min 5 s`, `1 h 3 min`.
pub fn duration(d: Duration) -> String {
    let s = d.as_secs_f64().round() as u64;
    match s {
        0..=59 => format!("{s} s"),
        60..=3599 => format!("{} min {} s", s / 60, s % 60),
        _ => format!("{} h {} min", s / 3600, s % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_durations_read_as_an_operator_expects() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1,000");
        assert_eq!(grouped(61_234_567), "61,234,567");
        assert_eq!(grouped(-1_000), "-1,000");
        assert_eq!(duration(Duration::from_millis(400)), "0 s");
        assert_eq!(duration(Duration::from_secs(125)), "2 min 5 s");
        assert_eq!(duration(Duration::from_secs(3_780)), "1 h 3 min");
    }

    fn plan(expired: usize, estimate: i64, cut: i64) -> PurgePlan {
        let first = LogMonth::new(2021, 1).unwrap();
        PurgePlan {
            before: OffsetDateTime::UNIX_EPOCH,
            expired: first
                .through(first.plus(expired as u32))
                .take(expired)
                .map(|m| (m, estimate / expired as i64))
                .collect(),
            cut: vec![("access_log_p202106".into(), cut)],
        }
    }

    #[test]
    fn the_time_left_follows_the_pace_of_each_kind_of_step() {
        let mut pace = Pace::new(&plan(4, 4_000_000, 30_000));
        assert_eq!(pace.time_left(), None, "nothing measured yet");
        pace.drops_left -= 1;
        pace.drops += 1;
        pace.drop_time = Duration::from_secs(2);
        assert_eq!(pace.time_left(), None, "batches not measured yet");
        pace.drops_left = 0;
        pace.batch(Duration::from_secs(1), 10_000);
        assert_eq!(pace.time_left(), Some(Duration::from_secs(2)));
        pace.batch(Duration::from_secs(1), 10_000);
        pace.batch(Duration::from_secs(1), 10_000);
        assert_eq!(pace.time_left(), Some(Duration::ZERO));
    }

    #[test]
    fn progress_says_what_is_done_how_fast_and_what_is_left() {
        let progress = PurgeProgress {
            step: PurgeStep::Batch {
                partition: "access_log_p202106".into(),
                entries: 10_000,
            },
            partitions_dropped: 3,
            partitions_to_drop: 14,
            entries_removed: 1_234_567,
            entries_expected: 61_000_000,
            elapsed: Duration::from_secs(10),
            time_left: Some(Duration::from_secs(125)),
        };
        assert_eq!(
            progress.to_string(),
            "3 of 14 partitions dropped, 1,234,567 of about 61,000,000 entries removed, \
             123,457 entries/s, about 2 min 5 s left"
        );
    }
}
