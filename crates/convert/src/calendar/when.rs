//! An event's times as EAS sees them: the event's zone, start, end and all-day flag, and how
//! a device's times are written back.

use chrono::{Datelike, Duration, NaiveDate, NaiveTime};

use crate::ical::{self, ICalendar, ICalendarProperty, ICalendarValue, When};
use crate::timezone::Zone;

/// The EAS view of a component's times.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Times {
    pub start: i64,
    pub end: i64,
    pub all_day: bool,
    /// The zone the event's wall times are in (UTC for floating times and dates).
    pub zone: Zone,
    /// The start is floating (no zone): read as UTC.
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
pub(crate) fn times_of(ical: &ICalendar, comp: usize) -> Option<Times> {
    let start = ical::when(ical, comp, &ICalendarProperty::Dtstart)?;
    let all_day = start.date_only;
    let floating = start.zone.is_none() && !all_day;
    let zone = start.zone.clone().unwrap_or(Zone::UTC);
    let start_utc = start.to_utc(&Zone::UTC);
    let end_utc =
        match ical::when(ical, comp, &ICalendarProperty::Dtend) {
            Some(end) => end.to_utc(&zone),
            None => {
                let dur = ical::find(&ical.components[comp], &ICalendarProperty::Duration)
                    .and_then(|e| match e.values.first() {
                        Some(ICalendarValue::Duration(d)) => Some(duration_seconds(d)),
                        _ => None,
                    });
                // RFC 5545 3.6.1: a date lasts a day, a date-time no time.
                start_utc + dur.unwrap_or(if all_day { 86_400 } else { 0 })
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

/// The UTC instant EAS uses for a `RECURRENCE-ID` or `EXDATE` value: a date is its midnight
/// UTC, as all-day starts are rendered; a floating time is read as UTC.
pub(crate) fn instant_of(w: &When) -> i64 {
    w.to_utc(&Zone::UTC)
}

/// The value naming the occurrence that starts at `utc` in a series whose start is `like`:
/// a date for an all-day series, else a wall time in the series' zone.
pub(crate) fn occurrence_value(utc: i64, like: &Times) -> When {
    if like.all_day {
        When::date(Zone::UTC.to_local(utc).date())
    } else if like.floating {
        When {
            local: Zone::UTC.to_local(utc),
            zone: None,
            date_only: false,
        }
    } else {
        When::in_zone(utc, &like.zone)
    }
}

/// Year of a UTC instant.
pub(crate) fn year(utc: i64) -> i32 {
    Zone::UTC.to_local(utc).year()
}
