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
mod tests;
