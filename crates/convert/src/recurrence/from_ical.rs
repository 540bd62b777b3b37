//! RRULE -> EAS pattern: exact or refused.

use calcard::common::{CalendarScale, IanaString, PartialDateTime};
use calcard::icalendar::{ICalendarFrequency, ICalendarRecurrenceRule, ICalendarSkip};
use chrono::{Datelike, NaiveDate};
use eas::recurrence::{Recurrence, RecurrenceType};

use super::SeriesStart;
use super::days::{EVERY_DAY, bit, chrono_weekday, min_month_len, occurs_on, visited_months};
use crate::merge::Loss;
use crate::timezone::Zone;

fn loss(reason: impl Into<String>) -> Loss {
    Loss::new("RRULE", reason)
}

/// What BYMONTHDAY, BYDAY and BYSETPOS select inside one month.
enum InMonth {
    /// None of them: the start's day.
    Default,
    /// `BYMONTHDAY=d`: day d, skipped in months that lack it (RFC 5545).
    Day(u8),
    /// Day d, or the month's last day if it lacks d: EAS's `DayOfMonth` (`SKIP=BACKWARD`, or
    /// `BYMONTHDAY=lo,...,d;BYSETPOS=-1` where every month has `lo`, checked by the caller).
    Clipped { lo: u8, day: u8 },
    /// The `week`-th (5 = last) of the days in `mask`.
    Nth { mask: u8, week: u8 },
    /// Every day of `mask` (BYDAY without position).
    Every(u8),
}

fn in_month(rule: &ICalendarRecurrenceRule) -> Result<InMonth, Loss> {
    let setpos = match rule.bysetpos.as_slice() {
        [] => None,
        [p] => Some(*p),
        _ => return Err(loss("several BYSETPOS values")),
    };
    // A position 1-4 or last (EAS week 5 is the last, not the fifth).
    let week = |p: i32| match p {
        1..=4 => Ok(p as u8),
        -1 => Ok(5),
        _ => Err(loss(format!(
            "position {p}: EAS knows weeks 1-4 and the last"
        ))),
    };
    let days = &rule.bymonthday;
    if !days.is_empty() && !rule.byday.is_empty() {
        return Err(loss("BYDAY with BYMONTHDAY"));
    }
    if !days.is_empty() {
        if days.iter().any(|d| !(1..=31).contains(d) && *d != -1) {
            return Err(loss("BYMONTHDAY counted from the end other than -1"));
        }
        return match (days.as_slice(), setpos) {
            ([-1], None | Some(1 | -1)) => Ok(InMonth::Nth {
                mask: EVERY_DAY,
                week: 5,
            }),
            ([d], None | Some(1 | -1)) if rule.skip == Some(ICalendarSkip::Backward) => {
                Ok(InMonth::Clipped {
                    lo: 1,
                    day: *d as u8,
                })
            }
            ([d], None | Some(1 | -1)) => Ok(InMonth::Day(*d as u8)),
            (_, Some(-1)) if days.iter().all(|d| *d > 0) => {
                let mut sorted = days.clone();
                sorted.sort_unstable();
                sorted.dedup();
                let lo = sorted.first().copied().unwrap_or(1);
                let hi = sorted.last().copied().unwrap_or(1);
                if sorted.len() == usize::from((hi - lo) as u8) + 1 {
                    Ok(InMonth::Clipped {
                        lo: lo as u8,
                        day: hi as u8,
                    })
                } else {
                    Err(loss("several BYMONTHDAY values"))
                }
            }
            _ => Err(loss("several BYMONTHDAY values")),
        };
    }
    if rule.byday.is_empty() {
        return match setpos {
            None => Ok(InMonth::Default),
            Some(_) => Err(loss("BYSETPOS without BYDAY or BYMONTHDAY")),
        };
    }
    let mask = rule
        .byday
        .iter()
        .fold(0u8, |m, d| m | bit(chrono_weekday(d.weekday)));
    let ordinals: Vec<Option<i16>> = rule.byday.iter().map(|d| d.ordwk).collect();
    let found = match (ordinals.as_slice(), setpos) {
        (ords, None) if ords.iter().all(Option::is_none) => InMonth::Every(mask),
        (ords, Some(p)) if ords.iter().all(Option::is_none) => InMonth::Nth {
            mask,
            week: week(p)?,
        },
        ([Some(n)], None) => InMonth::Nth {
            mask,
            week: week(i32::from(*n))?,
        },
        _ => return Err(loss("BYDAY with several or positioned ordinals")),
    };
    // "The n-th day of the month" (all seven days, n <= 4) is day n.
    Ok(match found {
        InMonth::Nth {
            mask: EVERY_DAY,
            week: w @ 1..=4,
        } => InMonth::Day(w),
        other => other,
    })
}

pub(super) fn from_rrule(
    rule: &ICalendarRecurrenceRule,
    start: &SeriesStart,
    zone: &Zone,
) -> Result<Recurrence, Loss> {
    check_supported(rule)?;
    let date = start.local.date();
    let interval = rule.interval.unwrap_or(1).max(1);
    if interval > 999 {
        return Err(loss(format!("INTERVAL={interval}: EAS stops at 999")));
    }
    let mut rec = match rule.freq {
        ICalendarFrequency::Daily => daily(rule, interval)?,
        ICalendarFrequency::Weekly => weekly(rule, interval, date)?,
        ICalendarFrequency::Monthly => {
            if !rule.bymonth.is_empty() {
                return Err(loss("BYMONTH in a monthly rule"));
            }
            monthly(rule, interval, date)?
        }
        ICalendarFrequency::Yearly => yearly(rule, interval, date)?,
        ICalendarFrequency::Hourly
        | ICalendarFrequency::Minutely
        | ICalendarFrequency::Secondly => {
            return Err(loss(format!(
                "FREQ={}: EAS repeats daily at the most",
                rule.freq.as_str()
            )));
        }
    };
    if rec.interval.is_none() {
        rec.interval = Some(interval);
    }
    if let Some(wkst) = rule.wkst {
        rec.first_day_of_week = Some(chrono_weekday(wkst).num_days_from_sunday() as u8);
    }
    if !occurs_on(&rec, date) {
        return Err(loss(
            "DTSTART is not an occurrence of the rule (RFC 5545 counts it, EAS does not)",
        ));
    }
    match (rule.count, &rule.until) {
        (Some(_), Some(_)) => return Err(loss("COUNT and UNTIL both")),
        (Some(count), None) => rec.occurrences = Some(count),
        (None, Some(until)) => rec.until = Some(eas_until(until, start, zone)?),
        (None, None) => {}
    }
    Ok(rec)
}

fn check_supported(rule: &ICalendarRecurrenceRule) -> Result<(), Loss> {
    if !rule.byhour.is_empty() || !rule.byminute.is_empty() || !rule.bysecond.is_empty() {
        return Err(loss(
            "BYHOUR/BYMINUTE/BYSECOND: EAS has one occurrence a day at the start's time",
        ));
    }
    if !rule.byyearday.is_empty() {
        return Err(loss("BYYEARDAY"));
    }
    if !rule.byweekno.is_empty() {
        return Err(loss("BYWEEKNO"));
    }
    if let Some(scale) = rule
        .rscale
        .as_ref()
        .filter(|s| **s != CalendarScale::Gregorian)
    {
        return Err(loss(format!(
            "RSCALE={}: non-Gregorian rules stay on the server",
            scale.as_str()
        )));
    }
    if rule.bymonth.len() > 1 {
        return Err(loss("several BYMONTH values"));
    }
    if rule.bymonth.iter().any(|m| m.is_leap() || m.month() > 12) {
        return Err(loss("a leap month in a Gregorian rule"));
    }
    if rule.skip == Some(ICalendarSkip::Forward) {
        return Err(loss("SKIP=FORWARD"));
    }
    if rule.count.is_some_and(|c| c > u32::from(u16::MAX)) {
        return Err(loss("COUNT above 65535"));
    }
    Ok(())
}

fn daily(rule: &ICalendarRecurrenceRule, interval: u16) -> Result<Recurrence, Loss> {
    if !rule.bymonth.is_empty() || !rule.bymonthday.is_empty() || !rule.bysetpos.is_empty() {
        return Err(loss("BYMONTH/BYMONTHDAY/BYSETPOS in a daily rule"));
    }
    match in_month(rule)? {
        InMonth::Default | InMonth::Every(EVERY_DAY) => Ok(Recurrence::new(RecurrenceType::Daily)),
        // Every day of some weekdays: EAS's weekly form ("every weekday").
        InMonth::Every(mask) if interval == 1 => Ok(Recurrence {
            day_of_week: Some(mask),
            ..Recurrence::new(RecurrenceType::Weekly)
        }),
        InMonth::Every(mask) => Ok(Recurrence {
            day_of_week: Some(mask),
            ..Recurrence::new(RecurrenceType::Daily)
        }),
        _ => Err(loss("BYDAY ordinals in a daily rule")),
    }
}

fn weekly(
    rule: &ICalendarRecurrenceRule,
    interval: u16,
    date: NaiveDate,
) -> Result<Recurrence, Loss> {
    if !rule.bymonth.is_empty() || !rule.bymonthday.is_empty() || !rule.bysetpos.is_empty() {
        return Err(loss("BYMONTH/BYMONTHDAY/BYSETPOS in a weekly rule"));
    }
    let mask = match in_month(rule)? {
        InMonth::Default => bit(date.weekday()),
        InMonth::Every(mask) => mask,
        _ => return Err(loss("BYDAY ordinals in a weekly rule")),
    };
    Ok(Recurrence {
        day_of_week: Some(mask),
        // RFC 5545's week starts on Monday unless WKST says otherwise (set by the caller).
        first_day_of_week: (interval > 1 && mask.count_ones() > 1).then_some(1),
        ..Recurrence::new(RecurrenceType::Weekly)
    })
}

/// Day `day` of every month of the series, where RFC 5545 skips the months that lack it.
fn plain_month_day(day: u8, floor: u32, kind: RecurrenceType) -> Result<Recurrence, Loss> {
    if u32::from(day) <= floor {
        Ok(Recurrence {
            day_of_month: Some(day),
            ..Recurrence::new(kind)
        })
    } else {
        Err(loss(format!(
            "day {day} is skipped in months that lack it; EAS moves it to the last day"
        )))
    }
}

fn monthly(
    rule: &ICalendarRecurrenceRule,
    interval: u16,
    date: NaiveDate,
) -> Result<Recurrence, Loss> {
    let floor = visited_months(date.month(), interval)
        .map(min_month_len)
        .min()
        .unwrap_or(28);
    let kind = RecurrenceType::Monthly;
    match in_month(rule)? {
        InMonth::Default => plain_month_day(date.day() as u8, floor, kind),
        InMonth::Day(day) => plain_month_day(day, floor, kind),
        InMonth::Clipped { lo, day } if u32::from(lo) <= floor => Ok(Recurrence {
            day_of_month: Some(day),
            ..Recurrence::new(kind)
        }),
        InMonth::Clipped { .. } => Err(loss("BYMONTHDAY list with BYSETPOS")),
        InMonth::Nth { mask, week } => Ok(Recurrence {
            day_of_week: Some(mask),
            week_of_month: Some(week),
            ..Recurrence::new(RecurrenceType::MonthlyNth)
        }),
        // Every Monday of every month is every Monday.
        InMonth::Every(mask) if interval == 1 => Ok(Recurrence {
            day_of_week: Some(mask),
            ..Recurrence::new(RecurrenceType::Weekly)
        }),
        InMonth::Every(_) => Err(loss("BYDAY without position in a monthly rule")),
    }
}

fn yearly(
    rule: &ICalendarRecurrenceRule,
    interval: u16,
    date: NaiveDate,
) -> Result<Recurrence, Loss> {
    let Some(month) = rule.bymonth.first().map(|m| m.month()) else {
        let found = in_month(rule)?;
        if !rule.bymonthday.is_empty() || matches!(found, InMonth::Every(_)) {
            // BYMONTHDAY, and BYDAY without position, expand to every month of the year (and
            // a BYSETPOS picks among the whole year's days).
            return if interval == 1 && rule.bysetpos.is_empty() {
                monthly(rule, 1, date)
            } else {
                Err(loss(
                    "BYMONTHDAY or BYDAY in a yearly rule without BYMONTH, with INTERVAL > 1 or BYSETPOS",
                ))
            };
        }
        return match found {
            // The first n of the year fall in January, the last in December.
            InMonth::Nth { mask, week } => Ok(Recurrence {
                day_of_week: Some(mask),
                week_of_month: Some(week),
                month_of_year: Some(if week == 5 { 12 } else { 1 }),
                ..Recurrence::new(RecurrenceType::YearlyNth)
            }),
            // The n-th day of the year (all seven days with a position).
            InMonth::Day(day) => yearly_on(1, day),
            _ => yearly_on(date.month() as u8, date.day() as u8),
        };
    };
    let floor = min_month_len(u32::from(month));
    match in_month(rule)? {
        InMonth::Default => yearly_on(month, date.day() as u8),
        InMonth::Day(day) => yearly_on(month, day),
        InMonth::Clipped { lo, day } if u32::from(lo) <= floor => Ok(Recurrence {
            month_of_year: Some(month),
            day_of_month: Some(day),
            ..Recurrence::new(RecurrenceType::Yearly)
        }),
        InMonth::Clipped { .. } => Err(loss("BYMONTHDAY list with BYSETPOS")),
        InMonth::Nth { mask, week } => Ok(Recurrence {
            month_of_year: Some(month),
            day_of_week: Some(mask),
            week_of_month: Some(week),
            ..Recurrence::new(RecurrenceType::YearlyNth)
        }),
        InMonth::Every(_) => Err(loss("BYDAY without position in a yearly rule")),
    }
}

fn yearly_on(month: u8, day: u8) -> Result<Recurrence, Loss> {
    let mut rec = plain_month_day(day, min_month_len(u32::from(month)), RecurrenceType::Yearly)?;
    rec.month_of_year = Some(month);
    Ok(rec)
}

/// EAS `Until` of an UNTIL: the start instant of the series' time of day on the last local
/// date UNTIL admits (a DATE admits its whole day; a date-time admits the occurrence starting
/// at or before it).
fn eas_until(until: &PartialDateTime, start: &SeriesStart, zone: &Zone) -> Result<i64, Loss> {
    let bad = || loss("an UNTIL that is not a date");
    let date = NaiveDate::from_ymd_opt(
        i32::from(until.year.ok_or_else(bad)?),
        u32::from(until.month.ok_or_else(bad)?),
        u32::from(until.day.ok_or_else(bad)?),
    )
    .ok_or_else(bad)?;
    let time = start.local.time();
    let last = if until.has_time() {
        let naive = date
            .and_hms_opt(
                u32::from(until.hour.unwrap_or(0)),
                u32::from(until.minute.unwrap_or(0)),
                u32::from(until.second.unwrap_or(0)).min(59),
            )
            .ok_or_else(bad)?;
        let instant = if until.has_zone() {
            let offset = i64::from(until.tz_hour.unwrap_or(0)) * 3600
                + i64::from(until.tz_minute.unwrap_or(0)) * 60;
            naive.and_utc().timestamp() - if until.tz_minus { -offset } else { offset }
        } else {
            zone.to_utc(naive)
        };
        let day = zone.to_local(instant).date();
        if zone.to_utc(day.and_time(time)) > instant {
            day.pred_opt().ok_or_else(bad)?
        } else {
            day
        }
    } else {
        date
    };
    Ok(zone.to_utc(last.and_time(time)))
}
