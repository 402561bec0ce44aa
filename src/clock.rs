//! The current time as the API records it: microsecond precision, like PostgreSQL's
//! `timestamptz`, so a time in a create answer is the same string when it is read back.

use time::OffsetDateTime;

/// Now, truncated to whole microseconds.
pub fn now() -> OffsetDateTime {
    let t = OffsetDateTime::now_utc();
    t.replace_nanosecond(t.nanosecond() / 1_000 * 1_000)
        .unwrap_or(t)
}

#[cfg(test)]
mod tests {
    #[test]
    fn now_has_no_sub_microsecond_digits() {
        assert_eq!(super::now().nanosecond() % 1_000, 0);
    }
}
