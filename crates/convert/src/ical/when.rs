//! Date-time properties (`DTSTART`, `DTEND`, `RECURRENCE-ID`, `EXDATE`, ...) as [`When`].

use calcard::common::PartialDateTime;
use calcard::icalendar::ICalendarValueType;
use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};

use super::zones::{ensure_vtimezone, resolve_tzid, zone_tzid};
use super::{
    ICalendar, ICalendarEntry, ICalendarParameterName, ICalendarParameterValue, ICalendarProperty,
    ICalendarValue, is, param_text,
};
use crate::timezone::Zone;

/// A DATE or DATE-TIME value: a wall time in a zone, a floating time (`zone: None`), or a
/// date (`date_only`, time 00:00, zone `None`).
#[derive(Clone, Debug, PartialEq)]
pub struct When {
    pub local: NaiveDateTime,
    /// `None`: floating (or a date). `Some(Zone::UTC)` for a `...Z` value.
    pub zone: Option<Zone>,
    pub date_only: bool,
}

impl When {
    /// A UTC instant (`...Z`).
    pub fn utc(seconds: i64) -> When {
        When {
            local: Zone::UTC.to_local(seconds),
            zone: Some(Zone::UTC),
            date_only: false,
        }
    }

    /// A wall time in `zone`.
    pub fn in_zone(seconds: i64, zone: &Zone) -> When {
        When {
            local: zone.to_local(seconds),
            zone: Some(zone.clone()),
            date_only: false,
        }
    }

    /// A date.
    pub fn date(date: NaiveDate) -> When {
        When {
            local: date.and_time(chrono::NaiveTime::MIN),
            zone: None,
            date_only: true,
        }
    }

    /// The instant; a floating time or a date is read in `floating`.
    pub fn to_utc(&self, floating: &Zone) -> i64 {
        self.zone.as_ref().unwrap_or(floating).to_utc(self.local)
    }

    fn partial(&self) -> PartialDateTime {
        let l = self.local;
        let utc = matches!(&self.zone, Some(z) if *z == Zone::UTC);
        PartialDateTime {
            year: u16::try_from(l.year()).ok(),
            month: Some(l.month() as u8),
            day: Some(l.day() as u8),
            hour: (!self.date_only).then_some(l.hour() as u8),
            minute: (!self.date_only).then_some(l.minute() as u8),
            second: (!self.date_only).then_some(l.second() as u8),
            tz_hour: (utc && !self.date_only).then_some(0),
            tz_minute: (utc && !self.date_only).then_some(0),
            tz_minus: false,
        }
    }
}

/// The first `prop` of component `comp` of `ical`.
pub fn when(ical: &ICalendar, comp: usize, prop: &ICalendarProperty) -> Option<When> {
    let c = ical.components.get(comp)?;
    c.entries
        .iter()
        .find(|e| is(e, prop))
        .and_then(|e| when_of(ical, e))
}

/// The first value of a date-time entry.
pub fn when_of(ical: &ICalendar, entry: &ICalendarEntry) -> Option<When> {
    whens_of(ical, entry).into_iter().next()
}

/// Every value of a date-time entry (as `EXDATE` has). Values that are not dates (periods)
/// are skipped. A TZID that cannot be resolved reads as floating.
pub fn whens_of(ical: &ICalendar, entry: &ICalendarEntry) -> Vec<When> {
    let zone = param_text(entry, &ICalendarParameterName::Tzid).and_then(|t| resolve_tzid(ical, t));
    entry
        .values
        .iter()
        .filter_map(|v| match v {
            ICalendarValue::PartialDateTime(p) => from_partial(p, zone.as_ref()),
            _ => None,
        })
        .collect()
}

fn from_partial(p: &PartialDateTime, zone: Option<&Zone>) -> Option<When> {
    let date = NaiveDate::from_ymd_opt(i32::from(p.year?), u32::from(p.month?), u32::from(p.day?))?;
    let Some(hour) = p.hour else {
        return Some(When::date(date));
    };
    let local = date.and_hms_opt(
        u32::from(hour),
        u32::from(p.minute.unwrap_or(0)),
        u32::from(p.second.unwrap_or(0).min(59)),
    )?;
    let utc = p.tz_hour.is_some();
    let zone = if utc {
        // A value with an offset other than Z is not RFC 5545; read it as that offset in UTC.
        let offset =
            i64::from(p.tz_hour.unwrap_or(0)) * 3600 + i64::from(p.tz_minute.unwrap_or(0)) * 60;
        let offset = if p.tz_minus { -offset } else { offset };
        return Some(When {
            local: local - chrono::Duration::seconds(offset),
            zone: Some(Zone::UTC),
            date_only: false,
        });
    } else {
        zone.cloned()
    };
    Some(When {
        local,
        zone,
        date_only: false,
    })
}

/// Sets the first `prop` of component `comp` to `value` (adding the VTIMEZONE its zone needs);
/// the entry's other parameters are kept. Unchanged when it already reads as `value`.
pub fn set_when(ical: &mut ICalendar, comp: usize, prop: ICalendarProperty, value: &When) -> bool {
    set_whens(ical, comp, prop, std::slice::from_ref(value))
}

/// Sets `prop` to the list `values` in one entry (all in the first one's zone), as `EXDATE`;
/// an empty list removes `prop`. Unchanged when the entries already read as `values`.
pub fn set_whens(
    ical: &mut ICalendar,
    comp: usize,
    prop: ICalendarProperty,
    values: &[When],
) -> bool {
    let Some(c) = ical.components.get(comp) else {
        return false;
    };
    let current: Vec<When> = c
        .entries
        .iter()
        .filter(|e| is(e, &prop))
        .flat_map(|e| whens_of(ical, e))
        .collect();
    if current == values {
        return false;
    }
    let zone = values.first().and_then(|v| v.zone.clone());
    if let Some(z) = &zone {
        let instants = values.iter().map(|v| v.to_utc(z));
        let from = instants.clone().min().unwrap_or(0);
        let to = instants.max().unwrap_or(0);
        // One year either side, so that a series' later occurrences find their rules.
        ensure_vtimezone(ical, z, from - 366 * 86_400, to + 366 * 86_400);
    }
    let Some(c) = ical.components.get_mut(comp) else {
        return false;
    };
    let at = c.entries.iter().position(|e| is(e, &prop));
    let mut params = at.map(|i| c.entries[i].params.clone()).unwrap_or_default();
    c.entries.retain(|e| !is(e, &prop));
    if values.is_empty() {
        return true;
    }
    params.retain(|p| {
        !matches!(
            p.name,
            ICalendarParameterName::Tzid | ICalendarParameterName::Value
        )
    });
    let date_only = values.iter().all(|v| v.date_only);
    if date_only {
        params.push(super::ICalendarParameter {
            name: ICalendarParameterName::Value,
            value: ICalendarParameterValue::Value(ICalendarValueType::Date),
        });
    } else if let Some(z) = &zone
        && *z != Zone::UTC
    {
        params.insert(
            0,
            super::ICalendarParameter {
                name: ICalendarParameterName::Tzid,
                value: ICalendarParameterValue::Text(zone_tzid(z)),
            },
        );
    }
    let to_write = values.iter().map(|v| {
        // A list is written in the first value's zone.
        let v = match (&zone, &v.zone) {
            (Some(z), Some(vz)) if z != vz && !v.date_only => When::in_zone(vz.to_utc(v.local), z),
            _ => v.clone(),
        };
        ICalendarValue::PartialDateTime(Box::new(v.partial()))
    });
    let e = ICalendarEntry {
        name: prop,
        params,
        values: to_write.collect(),
    };
    let at = at.unwrap_or(c.entries.len()).min(c.entries.len());
    c.entries.insert(at, e);
    true
}
