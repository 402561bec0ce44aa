//! The Swedish calendar checked against the holidays of 2025–2028 from shared/domain and by properties.

use super::*;
use proptest::prelude::*;
use time::macros::date;

/// `/work/shared/domain/holidays_2025_2028.csv`, copied row by row:
/// (date, name, whether it removes a weekday from the working days).
const HOLIDAYS_2025_2028: &[(Date, &str, bool)] = &[
    (date!(2025 - 01 - 01), "Nyårsdagen", true),
    (date!(2025 - 01 - 06), "Trettondedag jul", true),
    (date!(2025 - 04 - 18), "Långfredagen", true),
    (date!(2025 - 04 - 20), "Påskdagen", false),
    (date!(2025 - 04 - 21), "Annandag påsk", true),
    (date!(2025 - 05 - 01), "Första maj", true),
    (date!(2025 - 05 - 29), "Kristi himmelsfärdsdag", true),
    (date!(2025 - 06 - 06), "Sveriges nationaldag", true),
    (date!(2025 - 06 - 08), "Pingstdagen", false),
    (date!(2025 - 06 - 20), "Midsommarafton", true),
    (date!(2025 - 06 - 21), "Midsommardagen", false),
    (date!(2025 - 11 - 01), "Alla helgons dag", false),
    (date!(2025 - 12 - 24), "Julafton", true),
    (date!(2025 - 12 - 25), "Juldagen", true),
    (date!(2025 - 12 - 26), "Annandag jul", true),
    (date!(2025 - 12 - 31), "Nyårsafton", true),
    (date!(2026 - 01 - 01), "Nyårsdagen", true),
    (date!(2026 - 01 - 06), "Trettondedag jul", true),
    (date!(2026 - 04 - 03), "Långfredagen", true),
    (date!(2026 - 04 - 05), "Påskdagen", false),
    (date!(2026 - 04 - 06), "Annandag påsk", true),
    (date!(2026 - 05 - 01), "Första maj", true),
    (date!(2026 - 05 - 14), "Kristi himmelsfärdsdag", true),
    (date!(2026 - 05 - 24), "Pingstdagen", false),
    (date!(2026 - 06 - 06), "Sveriges nationaldag", false),
    (date!(2026 - 06 - 19), "Midsommarafton", true),
    (date!(2026 - 06 - 20), "Midsommardagen", false),
    (date!(2026 - 10 - 31), "Alla helgons dag", false),
    (date!(2026 - 12 - 24), "Julafton", true),
    (date!(2026 - 12 - 25), "Juldagen", true),
    (date!(2026 - 12 - 26), "Annandag jul", false),
    (date!(2026 - 12 - 31), "Nyårsafton", true),
    (date!(2027 - 01 - 01), "Nyårsdagen", true),
    (date!(2027 - 01 - 06), "Trettondedag jul", true),
    (date!(2027 - 03 - 26), "Långfredagen", true),
    (date!(2027 - 03 - 28), "Påskdagen", false),
    (date!(2027 - 03 - 29), "Annandag påsk", true),
    (date!(2027 - 05 - 01), "Första maj", false),
    (date!(2027 - 05 - 06), "Kristi himmelsfärdsdag", true),
    (date!(2027 - 05 - 16), "Pingstdagen", false),
    (date!(2027 - 06 - 06), "Sveriges nationaldag", false),
    (date!(2027 - 06 - 25), "Midsommarafton", true),
    (date!(2027 - 06 - 26), "Midsommardagen", false),
    (date!(2027 - 11 - 06), "Alla helgons dag", false),
    (date!(2027 - 12 - 24), "Julafton", true),
    (date!(2027 - 12 - 25), "Juldagen", false),
    (date!(2027 - 12 - 26), "Annandag jul", false),
    (date!(2027 - 12 - 31), "Nyårsafton", true),
    (date!(2028 - 01 - 01), "Nyårsdagen", false),
    (date!(2028 - 01 - 06), "Trettondedag jul", true),
    (date!(2028 - 04 - 14), "Långfredagen", true),
    (date!(2028 - 04 - 16), "Påskdagen", false),
    (date!(2028 - 04 - 17), "Annandag påsk", true),
    (date!(2028 - 05 - 01), "Första maj", true),
    (date!(2028 - 05 - 25), "Kristi himmelsfärdsdag", true),
    (date!(2028 - 06 - 04), "Pingstdagen", false),
    (date!(2028 - 06 - 06), "Sveriges nationaldag", true),
    (date!(2028 - 06 - 23), "Midsommarafton", true),
    (date!(2028 - 06 - 24), "Midsommardagen", false),
    (date!(2028 - 11 - 04), "Alla helgons dag", false),
    (date!(2028 - 12 - 24), "Julafton", false),
    (date!(2028 - 12 - 25), "Juldagen", true),
    (date!(2028 - 12 - 26), "Annandag jul", true),
    (date!(2028 - 12 - 31), "Nyårsafton", false),
];

#[test]
fn easter_sunday_matches_known_dates_including_the_extremes() {
    for (year, expected) in [
        (2024, date!(2024 - 03 - 31)),
        (2025, date!(2025 - 04 - 20)),
        (2026, date!(2026 - 04 - 05)),
        (2027, date!(2027 - 03 - 28)),
        (2028, date!(2028 - 04 - 16)),
        (2038, date!(2038 - 04 - 25)),
        (2285, date!(2285 - 03 - 22)),
    ] {
        assert_eq!(easter_sunday(year), Some(expected), "{year}");
    }
}

#[test]
fn every_free_day_in_the_reference_table_is_computed_with_its_name() {
    for &(date, name, affects_working_days) in HOLIDAYS_2025_2028 {
        let free = free_day(date);
        assert_eq!(free.map(|f| f.name_sv()), Some(name), "{date}");
        assert!(!is_working_day(date), "{date}");
        let weekday = !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday);
        assert_eq!(weekday, affects_working_days, "{date}");
    }
}

#[test]
fn no_other_weekday_in_2025_to_2028_is_free() {
    let mut day = date!(2025 - 01 - 01);
    while day <= date!(2028 - 12 - 31) {
        let listed = HOLIDAYS_2025_2028
            .iter()
            .any(|&(d, _, affects)| d == day && affects);
        let weekend = matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday);
        assert_eq!(is_working_day(day), !listed && !weekend, "{day}");
        day = day
            .next_day()
            .expect("2028 is far from the end of the calendar");
    }
}

#[test]
fn de_facto_free_days_are_marked_as_such() {
    assert_eq!(FreeDay::Julafton.kind(), FreeDayKind::DeFacto);
    assert_eq!(FreeDay::Juldagen.kind(), FreeDayKind::Public);
    assert_eq!(FreeDay::Sondag.kind(), FreeDayKind::Weekend);
}

#[test]
fn the_next_working_day_after_a_friday_is_monday() {
    assert_eq!(
        next_working_day(date!(2026 - 11 - 27)),
        date!(2026 - 11 - 30)
    );
}

#[test]
fn working_days_skip_the_whole_christmas_run() {
    // 24 Thu julafton, 25 Fri juldagen, 26–27 weekend, 31 Thu nyårsafton, 1 Fri nyårsdagen.
    assert_eq!(
        add_working_days(date!(2026 - 12 - 23), 1),
        date!(2026 - 12 - 28)
    );
    assert_eq!(
        add_working_days(date!(2026 - 12 - 23), 3),
        date!(2026 - 12 - 30)
    );
    assert_eq!(
        add_working_days(date!(2026 - 12 - 23), 4),
        date!(2027 - 01 - 04)
    );
}

#[test]
fn adding_zero_working_days_gives_the_same_date_even_on_a_holiday() {
    assert_eq!(
        add_working_days(date!(2026 - 12 - 25), 0),
        date!(2026 - 12 - 25)
    );
}

#[test]
fn the_end_of_the_calendar_does_not_loop_forever() {
    assert_eq!(add_working_days(Date::MAX, 3), Date::MAX);
}

proptest! {
    #[test]
    fn the_nth_working_day_is_a_working_day_with_n_working_days_up_to_it(
        offset in 0i64..36_500, n in 0u32..30,
    ) {
        let start = date!(2000 - 01 - 01) + time::Duration::days(offset);
        let end = add_working_days(start, n);
        prop_assert!(end >= start);
        if n > 0 {
            prop_assert!(is_working_day(end));
        }
        let mut count = 0;
        let mut day = start;
        while day < end {
            day = day.next_day().ok_or_else(|| TestCaseError::fail("calendar end"))?;
            if is_working_day(day) {
                count += 1;
            }
        }
        prop_assert_eq!(count, n);
    }
}
