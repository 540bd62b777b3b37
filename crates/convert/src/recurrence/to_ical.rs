//! EAS pattern -> RRULE.

use calcard::common::{CalendarScale, PartialDateTime};
use calcard::icalendar::{
    ICalendarDay, ICalendarFrequency, ICalendarMonth, ICalendarRecurrenceRule, ICalendarSkip,
};
use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use eas::recurrence::{Recurrence, RecurrenceType};

use super::SeriesStart;
use super::days::{
    EVERY_DAY, bit, byday, ical_weekday, min_month_len, visited_months, weekday_of_index,
};
use crate::merge::Loss;
use crate::timezone::Zone;

/// The calendar system of a `CalendarType` (MS-ASCAL 2.2.2.11): `Ok(None)` for the ones whose
/// months and days are Gregorian (the default, the localized Gregorian ones, and the era
/// calendars that only number years differently: Japanese Emperor Era 3, Taiwan 4, Korean
/// Tangun Era 5, Thai 7), `Ok(Some)` for the lunar calendars RFC 7529 names, `Err` for the
/// others (Korean/Japanese lunar 14, Saka 16, Umm al-Qura 23).
fn scale_of(calendar_type: Option<u8>) -> Result<Option<CalendarScale>, Loss> {
    match calendar_type {
        None | Some(0..=5 | 7 | 9..=12) => Ok(None),
        Some(6) => Ok(Some(CalendarScale::IslamicCivil)),
        Some(8) => Ok(Some(CalendarScale::Hebrew)),
        Some(15) => Ok(Some(CalendarScale::Chinese)),
        Some(other) => Err(Loss::new(
            "RRULE",
            format!("EAS CalendarType {other} has no RSCALE counterpart"),
        )),
    }
}

pub(super) fn try_to_rrule(
    rec: &Recurrence,
    start: &SeriesStart,
    zone: &Zone,
) -> Result<ICalendarRecurrenceRule, Loss> {
    let scale = scale_of(rec.calendar_type)?;
    if scale.is_some() {
        // The start is a Gregorian date: a lunar pattern must name its days itself.
        let named = match rec.kind {
            RecurrenceType::Daily | RecurrenceType::Weekly => true,
            RecurrenceType::Monthly => rec.day_of_month.is_some(),
            RecurrenceType::MonthlyNth => rec.day_of_week.is_some() && rec.week_of_month.is_some(),
            RecurrenceType::Yearly => rec.month_of_year.is_some() && rec.day_of_month.is_some(),
            RecurrenceType::YearlyNth => {
                rec.month_of_year.is_some()
                    && rec.day_of_week.is_some()
                    && rec.week_of_month.is_some()
            }
        };
        if !named {
            return Err(Loss::new(
                "RRULE",
                "a non-Gregorian pattern without its month or day",
            ));
        }
    }
    let mut rule = gregorian(rec, start, zone, scale.is_some());
    if scale.is_some() {
        if rec.is_leap_month == Some(true) {
            rule.bymonth = rule
                .bymonth
                .iter()
                .map(|m| ICalendarMonth::new(m.month(), true))
                .collect();
        }
        rule.rscale = scale;
    }
    Ok(rule)
}

/// The rule with Gregorian arithmetic; `lunar`: month lengths are unknown, so a day a month
/// lacks is moved back by `SKIP=BACKWARD` (RFC 7529) rather than by a BYSETPOS range.
fn gregorian(
    rec: &Recurrence,
    start: &SeriesStart,
    zone: &Zone,
    lunar: bool,
) -> ICalendarRecurrenceRule {
    let date = start.local.date();
    let interval = rec.interval.filter(|i| *i > 1);
    let start_bit = bit(date.weekday());
    let mut rule = ICalendarRecurrenceRule {
        interval,
        wkst: rec
            .first_day_of_week
            .and_then(weekday_of_index)
            .map(ical_weekday),
        ..ICalendarRecurrenceRule::default()
    };
    match rec.kind {
        RecurrenceType::Daily => match rec.day_of_week.filter(|m| *m & EVERY_DAY != EVERY_DAY) {
            None => rule.freq = ICalendarFrequency::Daily,
            // "Every weekday": a daily pattern on some days is a weekly rule.
            Some(mask) if interval.is_none() => {
                rule.freq = ICalendarFrequency::Weekly;
                rule.byday = byday(mask);
            }
            // Every n days, on those days only (the literal reading; Outlook never writes it).
            Some(mask) => {
                rule.freq = ICalendarFrequency::Daily;
                rule.byday = byday(mask);
            }
        },
        RecurrenceType::Weekly => {
            let mask = rec.day_of_week.unwrap_or(start_bit);
            rule.freq = ICalendarFrequency::Weekly;
            rule.byday = byday(mask);
            if rule.wkst.is_none() && interval.is_some() && mask.count_ones() > 1 {
                // The week boundary matters; EAS without FirstDayOfWeek means Sunday.
                rule.wkst = Some(calcard::icalendar::ICalendarWeekday::Sunday);
            }
        }
        RecurrenceType::Monthly => {
            rule.freq = ICalendarFrequency::Monthly;
            let day = rec.day_of_month.unwrap_or(date.day() as u8);
            let floor = visited_months(date.month(), rec.interval.unwrap_or(1))
                .map(min_month_len)
                .min()
                .unwrap_or(28);
            month_day(&mut rule, day, floor, lunar);
        }
        RecurrenceType::MonthlyNth => {
            rule.freq = ICalendarFrequency::Monthly;
            nth(&mut rule, rec, date, start_bit);
        }
        RecurrenceType::Yearly => {
            rule.freq = ICalendarFrequency::Yearly;
            let month = rec.month_of_year.unwrap_or(date.month() as u8);
            let day = rec.day_of_month.unwrap_or(date.day() as u8);
            rule.bymonth = vec![ICalendarMonth::new(month, false)];
            month_day(&mut rule, day, min_month_len(u32::from(month)), lunar);
        }
        RecurrenceType::YearlyNth => {
            rule.freq = ICalendarFrequency::Yearly;
            let month = rec.month_of_year.unwrap_or(date.month() as u8);
            rule.bymonth = vec![ICalendarMonth::new(month, false)];
            nth(&mut rule, rec, date, start_bit);
        }
    }
    if let Some(count) = rec.occurrences {
        rule.count = Some(count);
    } else if let Some(until) = rec.until {
        rule.until = Some(ical_until(until, start, zone));
    }
    rule
}

/// `day` of the month, as EAS means it: the last day in a month that lacks it. `floor` is the
/// fewest days a month of the series has; up to it BYMONTHDAY says the same.
fn month_day(rule: &mut ICalendarRecurrenceRule, day: u8, floor: u32, lunar: bool) {
    // Lunar months have 29 or 30 days.
    let floor = if lunar { 29 } else { floor };
    if u32::from(day) <= floor {
        rule.bymonthday = vec![day as i8];
    } else if lunar {
        rule.bymonthday = vec![day as i8];
        rule.skip = Some(ICalendarSkip::Backward);
    } else {
        // The last of floor..=day the month has (floor <= 31, day <= 31).
        rule.bymonthday = (floor as i8..=day as i8).collect();
        rule.bysetpos = vec![-1];
    }
}

/// The `week`-th (5 = last) of the pattern's weekdays.
fn nth(rule: &mut ICalendarRecurrenceRule, rec: &Recurrence, date: NaiveDate, start_bit: u8) {
    let mask = rec.day_of_week.unwrap_or(start_bit);
    let week = rec
        .week_of_month
        .unwrap_or(((date.day() - 1) / 7 + 1) as u8);
    let ord: i8 = if week >= 5 { -1 } else { week as i8 };
    if mask & EVERY_DAY == EVERY_DAY {
        // "The n-th day" is day n; 127 with week 5 is MS-ASCAL's "last day of the month".
        rule.bymonthday = vec![ord];
    } else if mask.count_ones() == 1 {
        rule.byday = byday(mask)
            .into_iter()
            .map(|d| ICalendarDay {
                ordwk: Some(i16::from(ord)),
                ..d
            })
            .collect();
    } else {
        rule.byday = byday(mask);
        rule.bysetpos = vec![i32::from(ord)];
    }
}

/// UNTIL of an EAS `Until`: occurrences fall at the start's time of day, at most one a day,
/// so the series ends with the occurrence on the local date of `Until` (see
/// the crate README). All-day: that date; timed: its start instant in UTC.
fn ical_until(until: i64, start: &SeriesStart, zone: &Zone) -> PartialDateTime {
    let last = zone.to_local(until).date();
    if start.all_day {
        PartialDateTime {
            year: Some(last.year() as u16),
            month: Some(last.month() as u8),
            day: Some(last.day() as u8),
            ..PartialDateTime::default()
        }
    } else {
        let instant = zone.to_utc(last.and_time(start.local.time()));
        let utc = chrono::DateTime::from_timestamp(instant, 0)
            .map_or(NaiveDateTime::default(), |t| t.naive_utc());
        PartialDateTime {
            year: Some(utc.year() as u16),
            month: Some(utc.month() as u8),
            day: Some(utc.day() as u8),
            hour: Some(utc.hour() as u8),
            minute: Some(utc.minute() as u8),
            second: Some(utc.second() as u8),
            tz_hour: Some(0),
            tz_minute: Some(0),
            tz_minus: false,
        }
    }
}
