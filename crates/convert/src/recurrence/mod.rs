//! The EAS recurrence pattern (MS-ASCAL 2.2.2.39, MS-ASTASK 2.2.2.21, MS-ASEMAIL 2.2.2.60) <->
//! the iCalendar RRULE (RFC 5545 3.3.10).
//!
//! EAS -> RRULE ([`to_rrule`]) always has an answer: every EAS pattern is an RRULE.
//! RRULE -> EAS ([`from_rrule`]) is exact or refused: a rule EAS cannot say is reported as a
//! [`Loss`] (and stays on the server), never approximated. "Exact" is checked against
//! Exchange's meaning of the pattern: a `DayOfMonth` a month lacks falls on that month's last
//! day (as EWS and Outlook define it), `WeekOfMonth` 5 is the last, `DayOfWeek` 127 with week
//! 5 is the last day of the month (MS-ASCAL 2.2.2.18). Every decision is in
//! the crate README.
//!
//! The normal form [`from_rrule`] returns (what `to_rrule` then `from_rrule` gives back):
//! every field the type uses is set (taken from the start when the rule leaves it implicit);
//! `interval` is `Some(n)`, 1 included; `calendar_type`, `is_leap_month`, `start`,
//! `regenerate`, `dead_occur` are `None`; "every weekday" is `Weekly` with the mask (a
//! `Daily` with a mask and interval 1 becomes that); `Daily` with mask 127 is plain `Daily`;
//! the n-th (1-4) of all seven days is `DayOfMonth` n; `first_day_of_week` is set when the
//! rule has WKST, or when the week boundary matters (weekly, interval > 1, several days:
//! Sunday if the EAS pattern had none); `until` is the series' time of day on the last date.

mod days;
mod from_ical;
mod to_ical;

use calcard::icalendar::ICalendarRecurrenceRule;
use eas::recurrence::Recurrence;

use crate::merge::Loss;
use crate::timezone::Zone;

/// Where the series starts, in the event's (or task's) own zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeriesStart {
    pub local: chrono::NaiveDateTime,
    pub all_day: bool,
}

/// The RRULE a device's pattern means. Fields the pattern leaves out are taken from the start
/// (a weekly pattern without `DayOfWeek` repeats on the start's weekday, ...). `Occurrences`
/// becomes COUNT; otherwise `Until` becomes UNTIL: for an all-day series the local date of
/// `Until`, for a timed one the UTC instant of the series' time of day on that local date.
///
/// A pattern in a calendar RFC 7529 cannot name (`CalendarType` 14, 16, 23), or a
/// non-Gregorian one that leaves its day to the (Gregorian) start, is written with Gregorian
/// arithmetic; [`try_to_rrule`] reports those instead.
pub fn to_rrule(rec: &Recurrence, start: &SeriesStart, zone: &Zone) -> ICalendarRecurrenceRule {
    try_to_rrule(rec, start, zone).unwrap_or_else(|_| {
        let gregorian = Recurrence {
            calendar_type: None,
            is_leap_month: None,
            ..rec.clone()
        };
        to_ical::try_to_rrule(&gregorian, start, zone).unwrap_or_default()
    })
}

/// As [`to_rrule`], but a pattern in a calendar iCalendar cannot carry is an Err.
/// `CalendarType` Hijri (6), Hebrew (8) and Chinese lunar (15) become `RSCALE`
/// (ISLAMIC-CIVIL, HEBREW, CHINESE) with `IsLeapMonth` as a leap BYMONTH (`5L`).
pub fn try_to_rrule(
    rec: &Recurrence,
    start: &SeriesStart,
    zone: &Zone,
) -> Result<ICalendarRecurrenceRule, Loss> {
    to_ical::try_to_rrule(rec, start, zone)
}

/// The EAS pattern of an RRULE, in the normal form above. Err: the rule cannot be carried by
/// EAS (kept on the server, reported): FREQ finer than daily, BYHOUR/BYMINUTE/BYSECOND,
/// BYWEEKNO, BYYEARDAY, several BYMONTH or BYMONTHDAY values, BYSETPOS other than one of
/// 1-4/-1, ordinals in a daily or weekly rule, several or fifth ordinals, COUNT with UNTIL,
/// a non-Gregorian RSCALE, a DTSTART the rule does not produce, and every day-of-month rule
/// whose short months RFC 5545 skips where EAS would move to the last day (BYMONTHDAY=31
/// monthly, Feb 29 yearly). The Tasks-only fields (`start`, `regenerate`, `dead_occur`) are
/// left `None` for the tasks converter to fill.
pub fn from_rrule(
    rule: &ICalendarRecurrenceRule,
    start: &SeriesStart,
    zone: &Zone,
) -> Result<Recurrence, Loss> {
    from_ical::from_rrule(rule, start, zone)
}
