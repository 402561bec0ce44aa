use std::time::Duration;

use time::macros::datetime;

use super::*;

#[test]
fn the_default_schedule_is_the_documented_one() {
    let s = RetrySchedule::default();
    let h = |n: u64| Duration::from_secs(n * 3600);
    let want = [
        Duration::from_secs(5),
        Duration::from_secs(300),
        Duration::from_secs(1800),
        h(2),
        h(5),
        h(10),
        h(10),
    ];
    for (i, d) in want.iter().enumerate() {
        assert_eq!(
            s.delay_after(i as i32 + 1),
            Some(*d),
            "after attempt {}",
            i + 1
        );
    }
    assert_eq!(s.delay_after(8), None, "eight attempts in all");
    assert_eq!(s.max_attempts(), 8);
    assert_eq!(s.delay_after(0), None);
}

#[test]
fn durations_parse_with_their_unit_and_not_without() {
    assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
    assert_eq!(parse_duration("15s"), Ok(Duration::from_secs(15)));
    assert_eq!(parse_duration("5d"), Ok(Duration::from_secs(5 * 86400)));
    assert!(parse_duration("5").is_err());
    assert!(parse_duration("5w").is_err());
    assert!(parse_duration("-5s").is_err());
    assert!(parse_duration("").is_err());
    assert!(RetrySchedule::parse("1s,,2s").is_err());
}

#[test]
fn jitter_stays_within_ten_per_cent() {
    let d = Duration::from_secs(100);
    assert_eq!(jittered(d, 0.0), Duration::from_secs(90));
    assert_eq!(jittered(d, 0.5), Duration::from_secs(100));
    assert!(jittered(d, 0.999_999) < Duration::from_secs(110));
    for _ in 0..1000 {
        let u = random_unit();
        assert!((0.0..1.0).contains(&u));
    }
}

#[test]
fn retry_after_reads_seconds_and_http_dates() {
    let now = datetime!(2026-12-07 12:00:00 UTC);
    assert_eq!(
        parse_retry_after("120", now),
        Some(Duration::from_secs(120))
    );
    assert_eq!(
        parse_retry_after("Mon, 07 Dec 2026 12:01:30 GMT", now),
        Some(Duration::from_secs(90))
    );
    assert_eq!(
        parse_retry_after("Mon, 07 Dec 2026 11:00:00 GMT", now),
        Some(Duration::ZERO),
        "a date in the past: at once"
    );
    assert_eq!(parse_retry_after("999999999", now), Some(MAX_RETRY_AFTER));
    assert_eq!(parse_retry_after("soon", now), None);
}

#[test]
fn retry_after_lengthens_the_wait_but_never_shortens_the_schedule() {
    let five_min = Duration::from_secs(300);
    assert_eq!(next_delay(five_min, None, 0.5), five_min);
    assert_eq!(
        next_delay(five_min, Some(Duration::from_secs(3600)), 0.5),
        Duration::from_secs(3600),
        "a longer Retry-After is honoured"
    );
    assert_eq!(
        next_delay(five_min, Some(Duration::from_secs(1)), 0.5),
        five_min,
        "a shorter one does not spend the attempts faster"
    );
    assert_eq!(
        next_delay(five_min, Some(Duration::ZERO), 0.0),
        Duration::from_secs(270)
    );
}
