//! The reply window: "Återkoppling kan förväntas tidigast efter 48 timmar men senast inom
//! 7 dagar (vardagar-kontorstid)", made exact as in DOMAIN.md.
//!
//! All calendar reasoning happens in Europe/Stockholm local time; office hours are
//! 08:00 (inclusive) to 17:00 (exclusive) on working days (see [`crate::domain::calendar`]).
//! - *Effective sending moment* `s`: the sending time if it is within office hours on a
//!   working day; before 08:00 on a working day, 08:00 that day; otherwise 08:00 on the next
//!   working day.
//! - `reply_expected_from`: the clock time of `s` on the 2nd working day after `s`'s date.
//! - `reply_due_by`: 17:00 on the 7th working day after `s`'s date.
//!
//! Every instant returned carries the Stockholm offset in force at that instant (+01:00 in
//! winter, +02:00 in summer), whatever offset the input had. Offsets come from the tz
//! database bundled by `tzdb` (2026b), not from the machine, so results do not depend on
//! where the server runs.

use time::macros::{offset, time};
use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use crate::domain::calendar::{add_working_days, is_working_day, next_working_day};

/// Office hours start (inclusive).
pub const OFFICE_OPENS: Time = time!(08:00);
/// Office hours end (exclusive).
pub const OFFICE_CLOSES: Time = time!(17:00);
/// "tidigast efter 48 timmar": two working days.
pub const EXPECTED_AFTER_WORKING_DAYS: u32 = 2;
/// "senast inom 7 dagar": seven working days.
pub const DUE_WITHIN_WORKING_DAYS: u32 = 7;

/// Swedish standard time. Used only if the tz data cannot answer, which cannot happen for
/// any instant the `time` crate represents; a wrong hour is better than a crash there.
const STANDARD_OFFSET: UtcOffset = offset!(+1);

/// When a message counts as sent, and when its reply is expected and due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplyWindow {
    /// The effective sending moment `s`.
    pub effective_sent_at: OffsetDateTime,
    /// No reply should be expected before this moment.
    pub reply_expected_from: OffsetDateTime,
    /// The reply is due by this moment; after it an open message is overdue.
    pub reply_due_by: OffsetDateTime,
}

impl ReplyWindow {
    /// The reply window of a message sent at `sent_at` (any offset).
    pub fn for_sent_at(sent_at: OffsetDateTime) -> ReplyWindow {
        let effective = effective_sending_moment(to_stockholm(sent_at));
        let date = effective.date();
        ReplyWindow {
            effective_sent_at: effective,
            reply_expected_from: stockholm_datetime(
                add_working_days(date, EXPECTED_AFTER_WORKING_DAYS),
                effective.time(),
            ),
            reply_due_by: stockholm_datetime(
                add_working_days(date, DUE_WITHIN_WORKING_DAYS),
                OFFICE_CLOSES,
            ),
        }
    }
}

/// Whether a message due by `due_by` is overdue at `now` (strictly later). Whether it is
/// still open (not answered, closed or cancelled) is for the caller to know.
pub fn is_overdue(due_by: OffsetDateTime, now: OffsetDateTime) -> bool {
    now > due_by
}

/// Whether `instant` falls within office hours on a working day in Stockholm.
pub fn is_office_time(instant: OffsetDateTime) -> bool {
    let local = to_stockholm(instant);
    is_working_day(local.date()) && (OFFICE_OPENS..OFFICE_CLOSES).contains(&local.time())
}

/// The Stockholm UTC offset in force at `instant`.
pub fn stockholm_offset_at(instant: OffsetDateTime) -> UtcOffset {
    tzdb::time_zone::europe::STOCKHOLM
        .find_local_time_type(instant.unix_timestamp())
        .ok()
        .and_then(|local_type| UtcOffset::from_whole_seconds(local_type.ut_offset()).ok())
        .unwrap_or(STANDARD_OFFSET)
}

/// The same instant, expressed with the Stockholm offset in force at it.
pub fn to_stockholm(instant: OffsetDateTime) -> OffsetDateTime {
    // `checked_` only fails at the very ends of the calendar (year ±9999); keep the input's
    // offset there rather than panic.
    instant
        .checked_to_offset(stockholm_offset_at(instant))
        .unwrap_or(instant)
}

/// The instant at which Stockholm's wall clock shows `time` on `date`.
///
/// Two local times are not one-to-one with instants; office hours never touch them, but the
/// function is total:
/// - **overlap** (last Sunday of October, 02:00–02:59 happens twice): the *first*
///   occurrence, still at +02:00;
/// - **gap** (last Sunday of March, 02:00–02:59 does not exist): the time is read with the
///   offset before the gap (+01:00), which lands one hour later on the wall clock
///   (02:30 → 03:30+02:00), the way a clock that was not moved forward would read.
pub fn stockholm_datetime(date: Date, time: Time) -> OffsetDateTime {
    let local = PrimitiveDateTime::new(date, time);
    let guess = local.assume_utc();
    // DST switches are months apart, so the offsets a day either side are the only
    // candidates for this wall-clock time.
    let before = stockholm_offset_at(guess.checked_sub(Duration::DAY).unwrap_or(guess));
    let after = stockholm_offset_at(guess.checked_add(Duration::DAY).unwrap_or(guess));
    // A larger offset gives an earlier instant; trying it first picks the first occurrence.
    let (first, second) = if before.whole_seconds() >= after.whole_seconds() {
        (before, after)
    } else {
        (after, before)
    };
    for candidate in [first, second] {
        let instant = local.assume_offset(candidate);
        if stockholm_offset_at(instant) == candidate {
            return instant;
        }
    }
    to_stockholm(local.assume_offset(before))
}

/// The effective sending moment of a message sent at `local` (already in Stockholm time).
fn effective_sending_moment(local: OffsetDateTime) -> OffsetDateTime {
    let date = local.date();
    if is_office_time(local) {
        local
    } else if is_working_day(date) && local.time() < OFFICE_OPENS {
        stockholm_datetime(date, OFFICE_OPENS)
    } else {
        stockholm_datetime(next_working_day(date), OFFICE_OPENS)
    }
}

#[cfg(test)]
mod tests;
