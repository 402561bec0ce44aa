//! The reply window at fixed instants (office hours, weekends, holidays, DST) and by properties.

use super::*;
use proptest::prelude::*;
use time::macros::datetime;

fn window(sent_at: OffsetDateTime) -> (OffsetDateTime, OffsetDateTime, OffsetDateTime) {
    let w = ReplyWindow::for_sent_at(sent_at);
    (w.effective_sent_at, w.reply_expected_from, w.reply_due_by)
}

/// Asserts equal instants *and* equal offsets (`==` on OffsetDateTime ignores offsets).
fn assert_same(actual: OffsetDateTime, expected: OffsetDateTime) {
    assert_eq!(actual, expected);
    assert_eq!(actual.offset(), expected.offset(), "{actual} vs {expected}");
}

fn assert_window(
    sent: OffsetDateTime,
    effective: OffsetDateTime,
    from: OffsetDateTime,
    due: OffsetDateTime,
) {
    let (e, f, d) = window(sent);
    assert_same(e, effective);
    assert_same(f, from);
    assert_same(d, due);
}

#[test]
fn worked_example_monday_in_november() {
    assert_window(
        datetime!(2026-11-23 10:00 +1),
        datetime!(2026-11-23 10:00 +1),
        datetime!(2026-11-25 10:00 +1),
        datetime!(2026-12-02 17:00 +1),
    );
}

#[test]
fn worked_example_thursday_before_midsommarafton() {
    assert_window(
        datetime!(2026-06-18 16:00 +2),
        datetime!(2026-06-18 16:00 +2),
        datetime!(2026-06-23 16:00 +2),
        datetime!(2026-06-30 17:00 +2),
    );
}

#[test]
fn sent_at_0759_counts_from_0800_the_same_day() {
    let (e, f, _) = window(datetime!(2026-11-23 07:59 +1));
    assert_same(e, datetime!(2026-11-23 08:00 +1));
    assert_same(f, datetime!(2026-11-25 08:00 +1));
}

#[test]
fn sent_at_0800_counts_as_sent() {
    let (e, _, _) = window(datetime!(2026-11-23 08:00 +1));
    assert_same(e, datetime!(2026-11-23 08:00 +1));
}

#[test]
fn sent_at_1659_counts_as_sent() {
    let (e, f, d) = window(datetime!(2026-11-23 16:59:59.5 +1));
    assert_same(e, datetime!(2026-11-23 16:59:59.5 +1));
    assert_same(f, datetime!(2026-11-25 16:59:59.5 +1));
    assert_same(d, datetime!(2026-12-02 17:00 +1));
}

#[test]
fn sent_at_1700_counts_from_0800_the_next_working_day() {
    assert_window(
        datetime!(2026-11-23 17:00 +1),
        datetime!(2026-11-24 08:00 +1),
        datetime!(2026-11-26 08:00 +1),
        datetime!(2026-12-03 17:00 +1),
    );
}

#[test]
fn sent_on_saturday_or_sunday_counts_from_monday_0800() {
    for sent in [
        datetime!(2026-11-28 12:00 +1),
        datetime!(2026-11-29 23:59 +1),
    ] {
        assert_window(
            sent,
            datetime!(2026-11-30 08:00 +1),
            datetime!(2026-12-02 08:00 +1),
            datetime!(2026-12-09 17:00 +1),
        );
    }
}

#[test]
fn easter_skips_langfredagen_and_annandag_pask() {
    assert_window(
        datetime!(2026-04-02 10:00 +2),
        datetime!(2026-04-02 10:00 +2),
        datetime!(2026-04-08 10:00 +2),
        datetime!(2026-04-15 17:00 +2),
    );
    let (e, _, _) = window(datetime!(2026-04-03 09:00 +2));
    assert_same(e, datetime!(2026-04-07 08:00 +2));
}

#[test]
fn the_christmas_run_and_trettondedag_jul_are_skipped() {
    assert_window(
        datetime!(2026-12-23 15:00 +1),
        datetime!(2026-12-23 15:00 +1),
        datetime!(2026-12-29 15:00 +1),
        datetime!(2027-01-08 17:00 +1),
    );
    let (e, _, _) = window(datetime!(2026-12-24 10:00 +1));
    assert_same(e, datetime!(2026-12-28 08:00 +1));
}

#[test]
fn sent_on_midsommarafton_counts_from_monday() {
    let (e, _, _) = window(datetime!(2026-06-19 10:00 +2));
    assert_same(e, datetime!(2026-06-22 08:00 +2));
}

#[test]
fn kristi_himmelsfardsdag_is_skipped() {
    assert_window(
        datetime!(2026-05-13 11:00 +2),
        datetime!(2026-05-13 11:00 +2),
        datetime!(2026-05-18 11:00 +2),
        datetime!(2026-05-25 17:00 +2),
    );
}

#[test]
fn nationaldagen_on_a_tuesday_is_skipped() {
    assert_window(
        datetime!(2028-06-05 09:30 +2),
        datetime!(2028-06-05 09:30 +2),
        datetime!(2028-06-08 09:30 +2),
        datetime!(2028-06-15 17:00 +2),
    );
}

#[test]
fn the_spring_dst_switch_changes_the_offset_to_plus_two() {
    assert_window(
        datetime!(2026-03-27 10:00 +1),
        datetime!(2026-03-27 10:00 +1),
        datetime!(2026-03-31 10:00 +2),
        datetime!(2026-04-09 17:00 +2),
    );
}

#[test]
fn the_autumn_dst_switch_changes_the_offset_to_plus_one() {
    assert_window(
        datetime!(2026-10-23 10:00 +2),
        datetime!(2026-10-23 10:00 +2),
        datetime!(2026-10-27 10:00 +1),
        datetime!(2026-11-03 17:00 +1),
    );
}

#[test]
fn input_in_utc_or_another_offset_gives_the_same_stockholm_window() {
    assert_window(
        datetime!(2026-11-23 09:00 UTC),
        datetime!(2026-11-23 10:00 +1),
        datetime!(2026-11-25 10:00 +1),
        datetime!(2026-12-02 17:00 +1),
    );
    assert_window(
        datetime!(2026-06-18 10:00 -4),
        datetime!(2026-06-18 16:00 +2),
        datetime!(2026-06-23 16:00 +2),
        datetime!(2026-06-30 17:00 +2),
    );
}

#[test]
fn a_utc_sunday_evening_is_already_monday_morning_in_stockholm() {
    let (e, _, _) = window(datetime!(2026-11-22 23:30 UTC));
    assert_same(e, datetime!(2026-11-23 08:00 +1));
}

#[test]
fn overdue_means_strictly_after_due_by() {
    let due = datetime!(2026-12-02 17:00 +1);
    assert!(!is_overdue(due, due));
    assert!(is_overdue(due, due + Duration::nanoseconds(1)));
    assert!(!is_overdue(due, datetime!(2026-12-02 16:00 UTC)));
}

#[test]
fn office_time_is_0800_inclusive_to_1700_exclusive_on_working_days() {
    assert!(is_office_time(datetime!(2026-11-23 08:00 +1)));
    assert!(!is_office_time(datetime!(2026-11-23 17:00 +1)));
    assert!(!is_office_time(datetime!(2026-11-28 10:00 +1)));
}

#[test]
fn a_wall_time_in_the_spring_gap_moves_forward_one_hour() {
    assert_same(
        stockholm_datetime(time::macros::date!(2026 - 03 - 29), time!(02:30)),
        datetime!(2026-03-29 03:30 +2),
    );
}

#[test]
fn a_wall_time_in_the_autumn_overlap_is_its_first_occurrence() {
    assert_same(
        stockholm_datetime(time::macros::date!(2026 - 10 - 25), time!(02:30)),
        datetime!(2026-10-25 02:30 +2),
    );
    assert_same(
        stockholm_datetime(time::macros::date!(2026 - 10 - 25), time!(03:30)),
        datetime!(2026-10-25 03:30 +1),
    );
}

proptest! {
    #[test]
    fn every_window_in_2020_to_2035_is_ordered_and_within_office_hours(
        unix in 1_577_836_800i64..2_082_758_400, offset_minutes in -720i32..=840,
    ) {
        let offset = UtcOffset::from_whole_seconds(offset_minutes * 60)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let sent = OffsetDateTime::from_unix_timestamp(unix)
            .map_err(|e| TestCaseError::fail(e.to_string()))?
            .to_offset(offset);
        let w = ReplyWindow::for_sent_at(sent);
        prop_assert!(sent <= w.effective_sent_at);
        prop_assert!(w.effective_sent_at <= w.reply_expected_from);
        prop_assert!(w.reply_expected_from < w.reply_due_by);
        prop_assert!(is_office_time(w.effective_sent_at));
        for t in [w.effective_sent_at, w.reply_expected_from, w.reply_due_by] {
            prop_assert_eq!(t.offset(), stockholm_offset_at(t));
            prop_assert!(is_working_day(t.date()));
            prop_assert!((OFFICE_OPENS..=OFFICE_CLOSES).contains(&t.time()));
        }
        prop_assert_eq!(w.reply_expected_from.time(), w.effective_sent_at.time());
        prop_assert_eq!(w.reply_due_by.time(), OFFICE_CLOSES);
    }
}
