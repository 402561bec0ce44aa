//! What `samverkan audit maintain` and `samverkan audit purge` tell the operator, on stderr
//! like the other subcommands: what exists and what was done, and for the purge its plan, its
//! progress (at most once a second, and every month dropped) and its outcome.

use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use diesel::PgConnection;
use time::format_description::well_known::Rfc3339;

use crate::domain::log_retention::Retention;
use crate::models::access_log::partitions::MaintainReport;
use crate::models::access_log::purge::{self, grouped, PurgeStep};

/// Prints what maintenance found and did.
pub fn print_maintained(report: &MaintainReport) {
    match (report.months.first(), report.months.last()) {
        (Some(first), Some(last)) => eprintln!(
            "audit maintain: the log has month partitions from {first} to {last} ({} months)",
            report.months.len()
        ),
        _ => eprintln!("audit maintain: the log has no month partitions"),
    }
    for (month, moved) in &report.created {
        eprintln!(
            "audit maintain: created {} ({} entries moved in from the default partition)",
            month.partition_name(),
            grouped(*moved)
        );
    }
    if report.created.is_empty() {
        eprintln!("audit maintain: nothing to create");
    }
    if report.default_created {
        eprintln!(
            "audit maintain: WARNING: access_log_default was missing (dropped outside the \
             purge); created again"
        );
    }
    for month in &report.missing_inside {
        eprintln!(
            "audit maintain: WARNING: {} was missing between other months: it was dropped or \
             detached outside the purge (created again, empty unless the detached table was there)",
            month.partition_name()
        );
    }
    for name in &report.guarded {
        eprintln!("audit maintain: {name} could be truncated; it refuses TRUNCATE now");
    }
    for name in &report.others {
        eprintln!("audit maintain: WARNING: {name} is a partition of access_log by another name");
    }
    if report.waiting > 0 {
        eprintln!(
            "audit maintain: WARNING: {} entries wait in the default partition (their month has \
             no partition: a time far ahead, or older than five years for the purge)",
            grouped(report.waiting)
        );
    }
}

/// Runs the purge, printing its plan, its progress and what it removed.
pub fn purge(conn: &mut PgConnection, retention: Retention, batch: i64) -> anyhow::Result<()> {
    let plan = purge::plan(conn, retention)?;
    let before = plan.before.format(&Rfc3339)?;
    eprintln!("audit purge: keeping {retention}: removing entries before {before}");
    let cut: i64 = plan.cut.iter().map(|(_, n)| n).sum();
    let from: Vec<&str> = plan.cut.iter().map(|(name, _)| name.as_str()).collect();
    eprintln!(
        "audit purge: to drop whole: {} (about {} entries); to delete in batches of {}: {} \
         entries from {}",
        counted(plan.expired.len(), "month partition", "month partitions"),
        grouped(plan.expired.iter().map(|(_, n)| n).sum()),
        grouped(batch),
        grouped(cut),
        if from.is_empty() {
            "no partition".to_string()
        } else {
            from.join(" and ")
        }
    );
    let mut last_print: Option<Instant> = None;
    let report = purge::run(conn, &plan, batch, &mut |p| {
        let due = last_print.is_none_or(|t| t.elapsed() >= Duration::from_secs(1));
        match &p.step {
            PurgeStep::Dropped { month, entries } => eprintln!(
                "audit purge: dropped {} ({} entries); {p}",
                month.partition_name(),
                grouped(*entries)
            ),
            PurgeStep::Batch { .. } if due => eprintln!("audit purge: {p}"),
            PurgeStep::Batch { .. } => return ControlFlow::Continue(()),
        }
        last_print = Some(Instant::now());
        ControlFlow::Continue(())
    })?;
    eprintln!(
        "audit purge: done in {}: {} dropped, {} entries removed ({} deleted in {}); no entry \
         before {before} is left",
        purge::duration(report.elapsed),
        counted(report.dropped.len(), "month partition", "month partitions"),
        grouped(report.entries_removed()),
        grouped(report.deleted),
        counted(report.batches, "batch", "batches"),
    );
    Ok(())
}

/// `1 batch`, `3 batches`.
fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
