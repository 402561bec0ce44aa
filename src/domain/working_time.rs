//! Working time: the part of an interval that falls in office hours (08:00–17:00, Stockholm
//! time) on working days — the clock the routine's promise runs on ("vardagar-kontorstid").
//! A message sent on Friday at 16:00 and answered on Monday at 09:00 took two working hours.
//! Daylight-saving changes happen at night, so every working day has nine office hours.

use time::{Duration, OffsetDateTime};

use crate::domain::calendar::is_working_day;
use crate::domain::reply_window::{stockholm_datetime, to_stockholm, OFFICE_CLOSES, OFFICE_OPENS};

/// Longest interval looked at, in days (longer ones count up to it): the statistics care about
/// days and weeks, and a bound keeps a bad date from looping for long.
const MAX_DAYS: i64 = 3 * 366;

/// The working time between `from` and `to` (zero when `to` is not after `from`).
pub fn between(from: OffsetDateTime, to: OffsetDateTime) -> Duration {
    if to <= from {
        return Duration::ZERO;
    }
    let first = to_stockholm(from).date();
    let last = to_stockholm(to)
        .date()
        .min(first + Duration::days(MAX_DAYS));
    let mut total = Duration::ZERO;
    let mut day = first;
    while day <= last {
        if is_working_day(day) {
            let opens = stockholm_datetime(day, OFFICE_OPENS).max(from);
            let closes = stockholm_datetime(day, OFFICE_CLOSES).min(to);
            if closes > opens {
                total += closes - opens;
            }
        }
        match day.next_day() {
            Some(next) => day = next,
            None => break,
        }
    }
    total
}

/// The working time between `from` and `to` in whole minutes (rounded down).
pub fn minutes_between(from: OffsetDateTime, to: OffsetDateTime) -> i64 {
    between(from, to).whole_minutes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn hours(from: OffsetDateTime, to: OffsetDateTime) -> f64 {
        between(from, to).as_seconds_f64() / 3600.0
    }

    #[test]
    fn friday_afternoon_to_monday_morning_is_two_working_hours() {
        // 2026-11-27 is a Friday.
        assert_eq!(
            hours(
                datetime!(2026-11-27 16:00 +01:00),
                datetime!(2026-11-30 09:00 +01:00)
            ),
            2.0
        );
    }

    #[test]
    fn time_outside_office_hours_does_not_count() {
        let tue = datetime!(2026-11-24 07:00 +01:00);
        assert_eq!(hours(tue, datetime!(2026-11-24 08:00 +01:00)), 0.0);
        assert_eq!(hours(tue, datetime!(2026-11-24 08:30 +01:00)), 0.5);
        assert_eq!(
            hours(
                datetime!(2026-11-24 17:00 +01:00),
                datetime!(2026-11-25 08:00 +01:00)
            ),
            0.0
        );
        assert_eq!(
            hours(
                datetime!(2026-11-24 16:59 +01:00),
                datetime!(2026-11-24 23:00 +01:00)
            ),
            1.0 / 60.0
        );
        // A whole working day is nine hours, and a weekend none.
        assert_eq!(
            hours(
                datetime!(2026-11-24 00:00 +01:00),
                datetime!(2026-11-25 00:00 +01:00)
            ),
            9.0
        );
        assert_eq!(
            hours(
                datetime!(2026-11-28 00:00 +01:00),
                datetime!(2026-11-30 00:00 +01:00)
            ),
            0.0
        );
    }

    #[test]
    fn holidays_and_their_eves_are_free_days() {
        // 2026-12-24 (julafton, a Thursday) to 2026-12-28 (Monday): 24, 25 free, 26–27 weekend.
        assert_eq!(
            hours(
                datetime!(2026-12-23 16:00 +01:00),
                datetime!(2026-12-28 09:00 +01:00)
            ),
            2.0
        );
        // Midsommarafton 2026-06-19 (Friday) is free: Thursday 16:00 to Monday 08:30.
        assert_eq!(
            hours(
                datetime!(2026-06-18 16:00 +02:00),
                datetime!(2026-06-22 08:30 +02:00)
            ),
            1.5
        );
    }

    #[test]
    fn daylight_saving_changes_keep_nine_office_hours() {
        // 2026-03-30 is the Monday after the change to summer time (29 March).
        assert_eq!(
            hours(
                datetime!(2026-03-27 08:00 +01:00),
                datetime!(2026-03-30 17:00 +02:00)
            ),
            18.0
        );
        // Offsets of the input do not matter: the same instants in UTC.
        assert_eq!(
            hours(
                datetime!(2026-03-27 07:00 UTC),
                datetime!(2026-03-30 15:00 UTC)
            ),
            18.0
        );
    }

    #[test]
    fn an_interval_backwards_or_empty_is_zero_and_minutes_round_down() {
        let t = datetime!(2026-11-24 10:00 +01:00);
        assert_eq!(between(t, t), Duration::ZERO);
        assert_eq!(between(t, t - Duration::hours(1)), Duration::ZERO);
        assert_eq!(minutes_between(t, t + Duration::seconds(119)), 1);
    }
}
