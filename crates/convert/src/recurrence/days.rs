//! Calendar arithmetic both directions share: weekday masks, month lengths, "the n-th of these
//! weekdays in a month", and whether a date is an occurrence of a pattern (interval aside).

use calcard::icalendar::{ICalendarDay, ICalendarWeekday};
use chrono::{Datelike, NaiveDate, Weekday};
use eas::recurrence::{Recurrence, RecurrenceType};

/// Every day of the week (also the special "day" of MS-ASCAL 2.2.2.18's last-day-of-month).
pub(crate) const EVERY_DAY: u8 = 127;

/// Monday first: the order BYDAY is written in.
const WEEK: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

/// The `DayOfWeek` bit of a weekday (Sunday 1 ... Saturday 64).
pub(crate) fn bit(day: Weekday) -> u8 {
    1 << day.num_days_from_sunday()
}

pub(crate) fn ical_weekday(day: Weekday) -> ICalendarWeekday {
    match day {
        Weekday::Sun => ICalendarWeekday::Sunday,
        Weekday::Mon => ICalendarWeekday::Monday,
        Weekday::Tue => ICalendarWeekday::Tuesday,
        Weekday::Wed => ICalendarWeekday::Wednesday,
        Weekday::Thu => ICalendarWeekday::Thursday,
        Weekday::Fri => ICalendarWeekday::Friday,
        Weekday::Sat => ICalendarWeekday::Saturday,
    }
}

pub(crate) fn chrono_weekday(day: ICalendarWeekday) -> Weekday {
    match day {
        ICalendarWeekday::Sunday => Weekday::Sun,
        ICalendarWeekday::Monday => Weekday::Mon,
        ICalendarWeekday::Tuesday => Weekday::Tue,
        ICalendarWeekday::Wednesday => Weekday::Wed,
        ICalendarWeekday::Thursday => Weekday::Thu,
        ICalendarWeekday::Friday => Weekday::Fri,
        ICalendarWeekday::Saturday => Weekday::Sat,
    }
}

/// `FirstDayOfWeek` (0 Sunday .. 6 Saturday) as a weekday.
pub(crate) fn weekday_of_index(index: u8) -> Option<Weekday> {
    // chrono counts from Monday = 0.
    (index <= 6)
        .then(|| Weekday::try_from((index + 6) % 7).ok())
        .flatten()
}

/// The BYDAY list (no ordinals) of a mask, Monday first.
pub(crate) fn byday(mask: u8) -> Vec<ICalendarDay> {
    WEEK.iter()
        .filter(|d| mask & bit(**d) != 0)
        .map(|d| ICalendarDay {
            ordwk: None,
            weekday: ical_weekday(*d),
        })
        .collect()
}

/// Days in `month` of `year`.
pub(crate) fn month_len(year: i32, month: u32) -> u32 {
    let (ny, nm) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(ny, nm, 1)
        .and_then(|d| d.pred_opt())
        .map_or(28, |d| d.day())
}

/// The fewest days `month` (1-12) ever has.
pub(crate) fn min_month_len(month: u32) -> u32 {
    match month {
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The months (1-12) a monthly series starting in `start_month` visits every `interval`
/// months.
pub(crate) fn visited_months(start_month: u32, interval: u16) -> impl Iterator<Item = u32> {
    let step = gcd(u32::from(interval.max(1)), 12);
    (0..12 / step).map(move |k| (start_month - 1 + k * step) % 12 + 1)
}

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// EAS `DayOfMonth` in a month: a day the month lacks is its last day (Exchange's rule, see
/// the crate README).
pub(crate) fn clipped_day(year: i32, month: u32, day: u8) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, u32::from(day).min(month_len(year, month)))
}

/// The `week`-th (5 = last) day of the month whose weekday is in `mask`.
pub(crate) fn nth_in_month(year: i32, month: u32, mask: u8, week: u8) -> Option<NaiveDate> {
    let days: Vec<NaiveDate> = (1..=month_len(year, month))
        .filter_map(|d| NaiveDate::from_ymd_opt(year, month, d))
        .filter(|d| mask & bit(d.weekday()) != 0)
        .collect();
    if week >= 5 {
        days.last().copied()
    } else {
        days.get(usize::from(week.max(1)) - 1).copied()
    }
}

/// Whether `date` is a day the (fully specified) pattern falls on, its interval aside.
pub(crate) fn occurs_on(rec: &Recurrence, date: NaiveDate) -> bool {
    let (y, m) = (date.year(), date.month());
    let mask = rec.day_of_week.unwrap_or(EVERY_DAY);
    let week = rec.week_of_month.unwrap_or(1);
    let in_month = rec.month_of_year.is_none_or(|moy| u32::from(moy) == m);
    match rec.kind {
        RecurrenceType::Daily | RecurrenceType::Weekly => mask & bit(date.weekday()) != 0,
        RecurrenceType::Monthly | RecurrenceType::Yearly => {
            in_month
                && rec
                    .day_of_month
                    .is_some_and(|d| clipped_day(y, m, d) == Some(date))
        }
        RecurrenceType::MonthlyNth | RecurrenceType::YearlyNth => {
            in_month && nth_in_month(y, m, mask, week) == Some(date)
        }
    }
}
