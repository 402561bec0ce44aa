//! The current time as the API records it: microsecond precision, like PostgreSQL's
//! `timestamptz`, so a time in a create answer is the same string when it is read back.
//!
//! Handlers read the time from the [`Clock`] in the application state, never from the system
//! directly, so a test can run the whole API at a known instant and check reply windows and
//! dates against fixed values.

use time::{Date, OffsetDateTime};

use crate::domain::reply_window::to_stockholm;

/// Where handlers read the time.
#[derive(Debug, Clone, Copy, Default)]
pub struct Clock {
    fixed: Option<OffsetDateTime>,
}

impl Clock {
    /// The system clock (production).
    pub fn system() -> Clock {
        Clock { fixed: None }
    }

    /// A clock that always says `at` (tests that need a known sending time).
    pub fn fixed(at: OffsetDateTime) -> Clock {
        Clock {
            fixed: Some(truncate(at)),
        }
    }

    /// Now, truncated to whole microseconds.
    pub fn now(&self) -> OffsetDateTime {
        self.fixed.unwrap_or_else(now)
    }

    /// Today's date in Sweden (Europe/Stockholm).
    pub fn today(&self) -> Date {
        to_stockholm(self.now()).date()
    }
}

/// Now by the system clock, truncated to whole microseconds.
pub fn now() -> OffsetDateTime {
    truncate(OffsetDateTime::now_utc())
}

fn truncate(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_nanosecond(t.nanosecond() / 1_000 * 1_000)
        .unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_has_no_sub_microsecond_digits() {
        assert_eq!(now().nanosecond() % 1_000, 0);
        assert_eq!(Clock::system().now().nanosecond() % 1_000, 0);
    }

    #[test]
    fn a_fixed_clock_always_says_its_instant() {
        let at = time::macros::datetime!(2026-11-23 09:00:00.123456789 UTC);
        let clock = Clock::fixed(at);
        assert_eq!(
            clock.now(),
            time::macros::datetime!(2026-11-23 09:00:00.123456 UTC)
        );
        assert_eq!(clock.now(), clock.now());
    }
}
