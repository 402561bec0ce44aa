//! Swedish working days, computed rather than listed, for the reply window
//! ("vardagar-kontorstid").
//!
//! A working day is Monday–Friday that is neither a public holiday (lagen om allmänna
//! helgdagar) nor one of the de facto free days midsommarafton, julafton and nyårsafton.
//! The Easter-based holidays follow from the anonymous Gregorian computus, so the calendar
//! works for any year without a table that someone must remember to extend.

use time::{Date, Month, Weekday};

/// A day on which no reply is expected, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FreeDay {
    /// 1 January.
    Nyarsdagen,
    /// 6 January.
    TrettondedagJul,
    /// Friday before Easter Sunday.
    Langfredagen,
    /// Easter Sunday.
    Paskdagen,
    /// Monday after Easter Sunday.
    AnnandagPask,
    /// 1 May.
    ForstaMaj,
    /// Easter Sunday + 39 days (a Thursday).
    KristiHimmelsfardsdag,
    /// Easter Sunday + 49 days.
    Pingstdagen,
    /// 6 June.
    Nationaldagen,
    /// Friday between 19 and 25 June (de facto free).
    Midsommarafton,
    /// Saturday between 20 and 26 June.
    Midsommardagen,
    /// Saturday between 31 October and 6 November.
    AllaHelgonsDag,
    /// 24 December (de facto free).
    Julafton,
    /// 25 December.
    Juldagen,
    /// 26 December.
    AnnandagJul,
    /// 31 December (de facto free).
    Nyarsafton,
    /// Any other Saturday.
    Lordag,
    /// Any other Sunday.
    Sondag,
}

/// What makes a [`FreeDay`] free.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FreeDayKind {
    /// A public holiday by law.
    Public,
    /// Not a holiday by law, but treated as one in practice.
    DeFacto,
    /// An ordinary Saturday or Sunday.
    Weekend,
}

impl FreeDay {
    /// The Swedish name, as in the project's holiday reference table.
    pub fn name_sv(&self) -> &'static str {
        match self {
            FreeDay::Nyarsdagen => "Nyårsdagen",
            FreeDay::TrettondedagJul => "Trettondedag jul",
            FreeDay::Langfredagen => "Långfredagen",
            FreeDay::Paskdagen => "Påskdagen",
            FreeDay::AnnandagPask => "Annandag påsk",
            FreeDay::ForstaMaj => "Första maj",
            FreeDay::KristiHimmelsfardsdag => "Kristi himmelsfärdsdag",
            FreeDay::Pingstdagen => "Pingstdagen",
            FreeDay::Nationaldagen => "Sveriges nationaldag",
            FreeDay::Midsommarafton => "Midsommarafton",
            FreeDay::Midsommardagen => "Midsommardagen",
            FreeDay::AllaHelgonsDag => "Alla helgons dag",
            FreeDay::Julafton => "Julafton",
            FreeDay::Juldagen => "Juldagen",
            FreeDay::AnnandagJul => "Annandag jul",
            FreeDay::Nyarsafton => "Nyårsafton",
            FreeDay::Lordag => "Lördag",
            FreeDay::Sondag => "Söndag",
        }
    }

    /// Whether the day is free by law, in practice, or as a weekend.
    pub fn kind(&self) -> FreeDayKind {
        match self {
            FreeDay::Midsommarafton | FreeDay::Julafton | FreeDay::Nyarsafton => {
                FreeDayKind::DeFacto
            }
            FreeDay::Lordag | FreeDay::Sondag => FreeDayKind::Weekend,
            _ => FreeDayKind::Public,
        }
    }
}

/// Easter Sunday of `year` by the anonymous Gregorian computus (Meeus/Jones/Butcher).
///
/// `None` only for years outside the range the `time` crate can represent (±9999), which
/// no date reaching this code can have.
pub fn easter_sunday(year: i32) -> Option<Date> {
    let a = year.rem_euclid(19);
    let b = year.div_euclid(100);
    let c = year.rem_euclid(100);
    let (d, e) = (b.div_euclid(4), b.rem_euclid(4));
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let (i, k) = (c / 4, c % 4);
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l) / 451;
    let n = h + l - 7 * m + 114;
    // n / 31 is 3 or 4 and n % 31 + 1 is a valid day of that month, for every year.
    let month = if n / 31 == 3 {
        Month::March
    } else {
        Month::April
    };
    Date::from_calendar_date(year, month, (n % 31 + 1) as u8).ok()
}

/// The reason `date` is free, or `None` for a working day. Named holidays win over the
/// plain weekend name (Påskdagen, not Söndag).
pub fn free_day(date: Date) -> Option<FreeDay> {
    holiday(date).or(match date.weekday() {
        Weekday::Saturday => Some(FreeDay::Lordag),
        Weekday::Sunday => Some(FreeDay::Sondag),
        _ => None,
    })
}

/// Whether `date` is a working day.
pub fn is_working_day(date: Date) -> bool {
    free_day(date).is_none()
}

/// The first working day strictly after `date`.
pub fn next_working_day(date: Date) -> Date {
    add_working_days(date, 1)
}

/// The `n`-th working day strictly after `date` (`n = 0` gives `date` itself).
pub fn add_working_days(date: Date, n: u32) -> Date {
    let mut current = date;
    let mut remaining = n;
    while remaining > 0 {
        match current.next_day() {
            Some(next) => current = next,
            // The `time` calendar ends on 9999-12-31; there is no later day to return.
            None => return current,
        }
        if is_working_day(current) {
            remaining -= 1;
        }
    }
    current
}

fn holiday(date: Date) -> Option<FreeDay> {
    easter_holiday(date)
        .or_else(|| fixed_holiday(date))
        .or_else(|| moving_weekend_holiday(date))
}

fn easter_holiday(date: Date) -> Option<FreeDay> {
    let easter = easter_sunday(date.year())?;
    match (date - easter).whole_days() {
        -2 => Some(FreeDay::Langfredagen),
        0 => Some(FreeDay::Paskdagen),
        1 => Some(FreeDay::AnnandagPask),
        39 => Some(FreeDay::KristiHimmelsfardsdag),
        49 => Some(FreeDay::Pingstdagen),
        _ => None,
    }
}

fn fixed_holiday(date: Date) -> Option<FreeDay> {
    match (date.month(), date.day()) {
        (Month::January, 1) => Some(FreeDay::Nyarsdagen),
        (Month::January, 6) => Some(FreeDay::TrettondedagJul),
        (Month::May, 1) => Some(FreeDay::ForstaMaj),
        (Month::June, 6) => Some(FreeDay::Nationaldagen),
        (Month::December, 24) => Some(FreeDay::Julafton),
        (Month::December, 25) => Some(FreeDay::Juldagen),
        (Month::December, 26) => Some(FreeDay::AnnandagJul),
        (Month::December, 31) => Some(FreeDay::Nyarsafton),
        _ => None,
    }
}

/// Midsommar and alla helgons dag fall on the Friday/Saturday within a fixed week.
fn moving_weekend_holiday(date: Date) -> Option<FreeDay> {
    let (month, day, weekday) = (date.month(), date.day(), date.weekday());
    match (weekday, month) {
        (Weekday::Friday, Month::June) if (19..=25).contains(&day) => Some(FreeDay::Midsommarafton),
        (Weekday::Saturday, Month::June) if (20..=26).contains(&day) => {
            Some(FreeDay::Midsommardagen)
        }
        (Weekday::Saturday, Month::October) if day == 31 => Some(FreeDay::AllaHelgonsDag),
        (Weekday::Saturday, Month::November) if day <= 6 => Some(FreeDay::AllaHelgonsDag),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
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
}
