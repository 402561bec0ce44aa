//! How long the access log is kept and how it is cut into months: the monthly partitions of
//! `access_log` to create ahead, and which months a purge drops whole. Pure — the database says
//! which partitions exist and what time it is (its clock stamps the entries, so its clock
//! decides the months).
//!
//! HSLF-FS 2016:40 asks that the log be kept at least five years: a [`Retention`] cannot be
//! shorter, and the database refuses younger removals whatever the purge is told.

use std::fmt;
use std::str::FromStr;

use time::{Date, Month, OffsetDateTime, Time, UtcOffset};

/// Months created ahead of the current one, so a month's partition exists long before its
/// first entry (the server runs maintenance hourly; three months leave room for an outage).
pub const MONTHS_AHEAD: u32 = 3;

/// A calendar month in UTC: one partition of the access log, `access_log_pYYYYMM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LogMonth {
    year: i32,
    month: Month,
}

impl LogMonth {
    /// The month of `year`-`month` (1–12), or `None`.
    pub fn new(year: i32, month: u8) -> Option<Self> {
        let month = Month::try_from(month).ok()?;
        // Dates must exist for the whole month (time's range is ±9999 years).
        Date::from_calendar_date(year, month, 1).ok()?;
        Some(Self { year, month })
    }

    /// The month, in UTC, that `t` falls in.
    pub fn containing(t: OffsetDateTime) -> Self {
        let utc = t.to_offset(UtcOffset::UTC);
        Self {
            year: utc.year(),
            month: utc.month(),
        }
    }

    /// The following month.
    pub fn next(self) -> Self {
        match self.month {
            Month::December => Self {
                year: self.year + 1,
                month: Month::January,
            },
            m => Self {
                year: self.year,
                month: m.next(),
            },
        }
    }

    /// The month `n` months later.
    pub fn plus(self, n: u32) -> Self {
        (0..n).fold(self, |m, _| m.next())
    }

    /// The month `n` months earlier.
    pub fn minus(self, n: u32) -> Self {
        let index = self.year * 12 + i32::from(u8::from(self.month)) - 1 - n as i32;
        Self {
            year: index.div_euclid(12),
            month: Month::try_from((index.rem_euclid(12) + 1) as u8).unwrap_or(Month::January),
        }
    }

    /// Its first day.
    pub fn first_day(self) -> Date {
        Date::from_calendar_date(self.year, self.month, 1).unwrap_or(Date::MIN)
    }

    /// Midnight UTC on its first day: the partition's lower bound (inclusive).
    pub fn start(self) -> OffsetDateTime {
        self.first_day().with_time(Time::MIDNIGHT).assume_utc()
    }

    /// Midnight UTC on the next month's first day: the partition's upper bound (exclusive).
    pub fn end(self) -> OffsetDateTime {
        self.next().start()
    }

    /// The months from this one through `last`, in order (none when `last` is earlier).
    pub fn through(self, last: LogMonth) -> impl Iterator<Item = LogMonth> {
        std::iter::successors(Some(self), |m| Some(m.next())).take_while(move |m| *m <= last)
    }

    /// The name of its partition: `access_log_p202612`.
    pub fn partition_name(self) -> String {
        format!("access_log_p{:04}{:02}", self.year, u8::from(self.month))
    }

    /// The month a partition name stands for (`access_log_p202612`), or `None` for any other
    /// name (the default partition, one made by hand).
    pub fn from_partition_name(name: &str) -> Option<Self> {
        let digits = name.strip_prefix("access_log_p")?;
        if digits.len() != 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Self::new(digits[..4].parse().ok()?, digits[4..].parse().ok()?)
    }
}

impl fmt::Display for LogMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, u8::from(self.month))
    }
}

/// What maintenance creates, in order, given the month partitions that exist, the months of
/// the entries waiting in the default partition, and the database's time.
///
/// The log's months stay contiguous from the oldest partition through [`MONTHS_AHEAD`] months
/// after the current one. Entries waiting in the default partition get their month (and the
/// months between it and the log) when they are younger than the shortest retention; older
/// ones are left for the purge, later ones (a clock far ahead) stay where they are.
pub fn months_to_create(
    existing: &[LogMonth],
    waiting: &[LogMonth],
    now: OffsetDateTime,
) -> MaintenancePlan {
    let current = LogMonth::containing(now);
    let last = current.plus(MONTHS_AHEAD);
    let floor = current.minus(12 * Retention::MINIMUM_YEARS);
    let oldest_existing = existing.iter().copied().min();
    let first = oldest_existing
        .into_iter()
        .chain(
            waiting
                .iter()
                .copied()
                .filter(|m| *m >= floor && *m <= last),
        )
        .chain([current])
        .min()
        .unwrap_or(current);
    let create: Vec<LogMonth> = first
        .through(last)
        .filter(|m| !existing.contains(m))
        .collect();
    // A month missing between partitions that exist: dropped or detached by hand.
    let newest_existing = existing.iter().copied().max();
    let missing_inside = create
        .iter()
        .copied()
        .filter(|m| {
            oldest_existing.is_some_and(|o| *m > o) && newest_existing.is_some_and(|n| *m < n)
        })
        .collect();
    MaintenancePlan {
        create,
        missing_inside,
    }
}

/// The months maintenance creates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaintenancePlan {
    /// Every month to create, oldest first.
    pub create: Vec<LogMonth>,
    /// Those that lie between existing partitions: their partition was removed outside the
    /// purge (what it held is gone, unless the table was only detached and is attached again).
    pub missing_inside: Vec<LogMonth>,
}

/// The month partitions a purge drops whole: every one that ends at or before `before`,
/// oldest first.
pub fn expired_months(existing: &[LogMonth], before: OffsetDateTime) -> Vec<LogMonth> {
    let mut months: Vec<LogMonth> = existing
        .iter()
        .copied()
        .filter(|m| m.end() <= before)
        .collect();
    months.sort();
    months
}

/// The month partition `before` falls inside of (the purge deletes its older entries in
/// batches), if it exists and `before` is not its first instant.
pub fn boundary_month(existing: &[LogMonth], before: OffsetDateTime) -> Option<LogMonth> {
    existing
        .iter()
        .copied()
        .find(|m| m.start() < before && before < m.end())
}

/// How long the access log is kept: whole years, at least five (HSLF-FS 2016:40).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    years: u32,
}

impl Retention {
    /// The least the regulation allows.
    pub const MINIMUM_YEARS: u32 = 5;
    /// A bound against typing errors.
    pub const MAXIMUM_YEARS: u32 = 100;
    /// Five years.
    pub const MINIMUM: Retention = Retention {
        years: Self::MINIMUM_YEARS,
    };

    /// A retention of `years`; refused below five (and above a hundred).
    pub fn years(years: u32) -> Result<Self, RetentionError> {
        if years < Self::MINIMUM_YEARS {
            Err(RetentionError::TooShort(years))
        } else if years > Self::MAXIMUM_YEARS {
            Err(RetentionError::TooLong(years))
        } else {
            Ok(Self { years })
        }
    }

    /// The number of years.
    pub fn as_years(self) -> u32 {
        self.years
    }
}

impl Default for Retention {
    fn default() -> Self {
        Self::MINIMUM
    }
}

impl fmt::Display for Retention {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} years", self.years)
    }
}

impl FromStr for Retention {
    type Err = RetentionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let years: u32 = s
            .trim()
            .parse()
            .map_err(|_| RetentionError::NotYears(s.to_string()))?;
        Self::years(years)
    }
}

/// A retention that cannot be.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RetentionError {
    /// Shorter than the regulation allows.
    #[error(
        "the access log must be kept at least {min} years (HSLF-FS 2016:40); {0} is less",
        min = Retention::MINIMUM_YEARS
    )]
    TooShort(u32),
    /// Past the sanity bound.
    #[error("{0} years is more than {max} (a typing error?)", max = Retention::MAXIMUM_YEARS)]
    TooLong(u32),
    /// Not a whole number of years.
    #[error("the retention is a whole number of years, not {0:?}")]
    NotYears(String),
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn m(year: i32, month: u8) -> LogMonth {
        LogMonth::new(year, month).unwrap()
    }

    #[test]
    fn a_month_is_the_utc_month_and_runs_from_midnight_to_midnight() {
        // 00:30 in Stockholm on 1 January is still December in UTC.
        assert_eq!(
            LogMonth::containing(datetime!(2027-01-01 00:30 +01:00)),
            m(2026, 12)
        );
        assert_eq!(m(2026, 12).start(), datetime!(2026-12-01 00:00 UTC));
        assert_eq!(m(2026, 12).end(), datetime!(2027-01-01 00:00 UTC));
        assert_eq!(m(2024, 2).end(), datetime!(2024-03-01 00:00 UTC));
    }

    #[test]
    fn months_count_forwards_and_backwards_across_years() {
        assert_eq!(m(2026, 12).next(), m(2027, 1));
        assert_eq!(m(2026, 11).plus(3), m(2027, 2));
        assert_eq!(m(2027, 2).minus(3), m(2026, 11));
        assert_eq!(m(2026, 12).minus(60), m(2021, 12));
        assert_eq!(m(2026, 1).minus(1), m(2025, 12));
        assert_eq!(m(2026, 12).minus(0), m(2026, 12));
        assert_eq!(
            m(2026, 11).through(m(2027, 1)).collect::<Vec<_>>(),
            [m(2026, 11), m(2026, 12), m(2027, 1)]
        );
        assert_eq!(m(2027, 1).through(m(2026, 11)).count(), 0);
    }

    #[test]
    fn a_partition_name_names_its_month_and_nothing_else_does() {
        assert_eq!(m(2026, 3).partition_name(), "access_log_p202603");
        assert_eq!(
            LogMonth::from_partition_name("access_log_p202603"),
            Some(m(2026, 3))
        );
        for other in [
            "access_log_default",
            "access_log_p202613",
            "access_log_p20263",
            "access_log_p2026031",
            "access_log",
            "access_log_p+20263",
        ] {
            assert_eq!(LogMonth::from_partition_name(other), None, "{other}");
        }
    }

    #[test]
    fn maintenance_creates_the_months_ahead_that_are_missing() {
        let now = datetime!(2026-12-08 03:00 UTC);
        let plan = months_to_create(&[m(2026, 12), m(2027, 1)], &[], now);
        assert_eq!(plan.create, [m(2027, 2), m(2027, 3)]);
        assert!(plan.missing_inside.is_empty());
        // Nothing at all yet: this month and three ahead.
        let plan = months_to_create(&[], &[], now);
        assert_eq!(
            plan.create,
            [m(2026, 12), m(2027, 1), m(2027, 2), m(2027, 3)]
        );
        // Everything there: nothing to do.
        let all: Vec<_> = m(2026, 1).through(m(2027, 3)).collect();
        assert_eq!(months_to_create(&all, &[], now).create, []);
    }

    #[test]
    fn maintenance_after_an_outage_fills_every_month_since_the_newest() {
        let now = datetime!(2027-06-15 12:00 UTC);
        let plan = months_to_create(&[m(2026, 12), m(2027, 1)], &[], now);
        assert_eq!(
            plan.create,
            m(2027, 2).through(m(2027, 9)).collect::<Vec<_>>()
        );
        assert!(plan.missing_inside.is_empty(), "{plan:?}");
    }

    #[test]
    fn a_month_missing_between_partitions_is_created_again_and_reported() {
        let now = datetime!(2026-12-08 03:00 UTC);
        let existing = [m(2026, 9), m(2026, 11), m(2026, 12), m(2027, 1), m(2027, 2)];
        let plan = months_to_create(&existing, &[], now);
        assert_eq!(plan.create, [m(2026, 10), m(2027, 3)]);
        assert_eq!(plan.missing_inside, [m(2026, 10)]);
    }

    #[test]
    fn entries_waiting_in_the_default_partition_get_their_month_unless_expired_or_far_ahead() {
        let now = datetime!(2026-12-08 03:00 UTC);
        let existing: Vec<_> = m(2026, 12).through(m(2027, 3)).collect();
        // Two years back: that month and every one up to the log.
        let plan = months_to_create(&existing, &[m(2024, 12), m(2099, 1)], now);
        assert_eq!(
            plan.create,
            m(2024, 12).through(m(2026, 11)).collect::<Vec<_>>()
        );
        // Older than five years: left for the purge; far ahead: left in the default partition.
        let plan = months_to_create(&existing, &[m(2021, 11), m(2027, 4)], now);
        assert_eq!(plan.create, []);
        // Exactly five years back is still kept.
        let plan = months_to_create(&existing, &[m(2021, 12)], now);
        assert_eq!(plan.create.first(), Some(&m(2021, 12)));
    }

    #[test]
    fn the_purge_drops_the_months_that_end_before_the_limit_and_cuts_the_one_it_falls_in() {
        let existing: Vec<_> = m(2021, 9).through(m(2022, 2)).collect();
        let before = datetime!(2021-12-08 03:00 UTC);
        assert_eq!(
            expired_months(&existing, before),
            [m(2021, 9), m(2021, 10), m(2021, 11)]
        );
        assert_eq!(boundary_month(&existing, before), Some(m(2021, 12)));
        // A limit on a month's first instant drops the month before whole and cuts nothing.
        let on_start = datetime!(2021-12-01 00:00 UTC);
        assert_eq!(
            expired_months(&existing, on_start).last(),
            Some(&m(2021, 11))
        );
        assert_eq!(boundary_month(&existing, on_start), None);
        assert_eq!(boundary_month(&[], before), None);
    }

    #[test]
    fn retention_is_five_years_or_more() {
        assert_eq!(Retention::default().as_years(), 5);
        assert_eq!("7".parse::<Retention>().unwrap().as_years(), 7);
        assert_eq!("5".parse::<Retention>(), Ok(Retention::MINIMUM));
        assert_eq!("4".parse::<Retention>(), Err(RetentionError::TooShort(4)));
        assert_eq!("0".parse::<Retention>(), Err(RetentionError::TooShort(0)));
        assert!(matches!(
            "5.5".parse::<Retention>(),
            Err(RetentionError::NotYears(_))
        ));
        assert!(matches!(
            "-5".parse::<Retention>(),
            Err(RetentionError::NotYears(_))
        ));
        assert_eq!(
            "101".parse::<Retention>(),
            Err(RetentionError::TooLong(101))
        );
        assert_eq!(
            RetentionError::TooShort(3).to_string(),
            "the access log must be kept at least 5 years (HSLF-FS 2016:40); 3 is less"
        );
    }
}
