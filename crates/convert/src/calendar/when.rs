//! An event's times as EAS sees them: the event's zone, start, end and all-day flag, and how
//! a device's times are written back.

use chrono::{Datelike, Duration, NaiveDate, NaiveTime};
use eas::ProtocolVersion;

use super::CalendarOptions;

use crate::ical::{self, ICalendar, ICalendarProperty, ICalendarValue, When};
use crate::timezone::Zone;

/// How the values of a stored object that carry no zone are read: dates (all-day events)
/// and floating date-times.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Frame {
    /// The zone whose midnights all-day dates are: the user's; UTC from 16.0, where all-day
    /// events are dates without a time and without a Timezone (MS-ASCAL 2.2.2.1).
    pub dates: Zone,
    /// The zone floating date-times are read in: the user's.
    pub floating: Zone,
}

impl Frame {
    pub fn of(opts: &CalendarOptions) -> Frame {
        Frame {
            dates: if opts.version >= ProtocolVersion::V16_0 {
                Zone::UTC
            } else {
                opts.zone.clone()
            },
            floating: opts.zone.clone(),
        }
    }

    /// The UTC instant of a value: a date is its midnight in `dates`, a floating time is
    /// read in `floating`. Also the instant EAS names a `RECURRENCE-ID` or `EXDATE` by.
    pub fn instant(&self, w: &When) -> i64 {
        w.to_utc(if w.date_only {
            &self.dates
        } else {
            &self.floating
        })
    }
}

/// The EAS view of a component's times.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Times {
    pub start: i64,
    pub end: i64,
    pub all_day: bool,
    /// The zone the event's wall times are in (the frame's zone for dates and floating
    /// times).
    pub zone: Zone,
    /// The start is floating (no zone): read in the user's zone.
    pub floating: bool,
    /// The start as written (local wall time), for the recurrence's series start.
    pub local_start: chrono::NaiveDateTime,
}

fn duration_seconds(d: &calcard::icalendar::ICalendarDuration) -> i64 {
    let s = i64::from(d.weeks) * 7 * 86_400
        + i64::from(d.days) * 86_400
        + i64::from(d.hours) * 3_600
        + i64::from(d.minutes) * 60
        + i64::from(d.seconds);
    if d.neg { -s } else { s }
}

/// The times of component `comp`; `None` without a readable `DTSTART`.
pub(crate) fn times_of(ical: &ICalendar, comp: usize, frame: &Frame) -> Option<Times> {
    let start = ical::when(ical, comp, &ICalendarProperty::Dtstart)?;
    let all_day = start.date_only;
    let floating = start.zone.is_none() && !all_day;
    let zone = start.zone.clone().unwrap_or_else(|| {
        if all_day {
            frame.dates.clone()
        } else {
            frame.floating.clone()
        }
    });
    let start_utc = start.to_utc(&zone);
    let end_utc =
        match ical::when(ical, comp, &ICalendarProperty::Dtend) {
            Some(end) => end.to_utc(&zone),
            None => {
                let dur = ical::find(&ical.components[comp], &ICalendarProperty::Duration)
                    .and_then(|e| match e.values.first() {
                        Some(ICalendarValue::Duration(d)) => Some(duration_seconds(d)),
                        _ => None,
                    });
                // RFC 5545 3.6.1: a date lasts a day, a date-time no time. The days of an
                // all-day event are nominal: its end is a local midnight too.
                let dur = dur.unwrap_or(if all_day { 86_400 } else { 0 });
                if all_day {
                    zone.to_utc(start.local + Duration::seconds(dur))
                } else {
                    start_utc + dur
                }
            }
        };
    Some(Times {
        start: start_utc,
        end: end_utc.max(start_utc),
        all_day,
        zone,
        floating,
        local_start: start.local,
    })
}

/// The zone of an EAS blob for an event starting at `start` (UTC seconds).
pub(crate) fn zone_of_blob(blob: &eas::timezone::TimeZone, start: i64) -> Zone {
    Zone::from_eas(blob, Zone::UTC.to_local(start).year())
}

/// The local date an all-day time stands for: a time past midnight counts as its day when it
/// is a start, and as the next day when it is an end (the server rounds outwards, as
/// Exchange does).
pub(crate) fn all_day_date(utc: i64, zone: &Zone, is_end: bool) -> NaiveDate {
    let local = zone.to_local(utc);
    if is_end && local.time() != NaiveTime::MIN {
        local.date() + Duration::days(1)
    } else {
        local.date()
    }
}

/// Writes `DTSTART` and `DTEND` (dropping `DURATION`) for the given times. All-day events
/// become dates of `zone`; timed ones wall times of `zone` (UTC as `...Z`). Returns whether
/// anything changed.
pub(crate) fn write_times(
    ical: &mut ICalendar,
    comp: usize,
    start: i64,
    end: i64,
    all_day: bool,
    zone: &Zone,
) -> bool {
    let (s, e) = if all_day {
        let s = all_day_date(start, zone, false);
        let mut e = all_day_date(end, zone, true);
        if e <= s {
            e = s + Duration::days(1);
        }
        (When::date(s), When::date(e))
    } else {
        (
            When::in_zone(start, zone),
            When::in_zone(end.max(start), zone),
        )
    };
    let mut changed = ical::set_when(ical, comp, ICalendarProperty::Dtstart, &s);
    let had_duration = ical::remove(&mut ical.components[comp], &ICalendarProperty::Duration);
    changed |= had_duration;
    changed |= ical::set_when(ical, comp, ICalendarProperty::Dtend, &e);
    changed
}

/// The value naming the occurrence that starts at `utc` in a series whose start is `like`:
/// a date for an all-day series, else a wall time in the series' zone.
pub(crate) fn occurrence_value(utc: i64, like: &Times) -> When {
    if like.all_day {
        When::date(like.zone.to_local(utc).date())
    } else if like.floating {
        When {
            local: like.zone.to_local(utc),
            zone: None,
            date_only: false,
        }
    } else {
        When::in_zone(utc, &like.zone)
    }
}
