//! DTSTART / DUE / COMPLETED as the two forms EAS tasks carry: the device's local wall time
//! ("local seconds", floating) and the UTC instant.

use calcard::common::PartialDateTime;
use calcard::icalendar::{
    ICalendarComponent, ICalendarEntry, ICalendarParameter, ICalendarParameterName,
    ICalendarParameterValue, ICalendarProperty, ICalendarValue, ICalendarValueType,
};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use crate::timezone::Zone;

/// A date or date-time property's value as written.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum When {
    /// `VALUE=DATE`.
    Date(NaiveDate),
    /// No zone: the wall time wherever the user is.
    Floating(NaiveDateTime),
    Utc(i64),
    /// A wall time in a TZID's zone (`known`: the TZID names a zone we can compute with).
    Zoned {
        local: NaiveDateTime,
        tzid: String,
        zone: Option<Zone>,
    },
}

/// A date-time both ways: local seconds in the user's zone, and UTC seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Both {
    pub local: i64,
    pub utc: i64,
}

pub(crate) fn local_seconds(t: NaiveDateTime) -> i64 {
    t.and_utc().timestamp()
}

pub(crate) fn from_local_seconds(s: i64) -> NaiveDateTime {
    chrono::DateTime::from_timestamp(s, 0).map_or_else(NaiveDateTime::default, |d| d.naive_utc())
}

/// The zone a TZID names: an IANA name (also behind a `/mozilla.org/...`-style prefix).
/// Windows names and custom VTIMEZONEs are the tz helper's `Zone::resolve` (not merged when
/// this was written): until then they read as unknown.
pub(crate) fn zone_of(tzid: &str) -> Option<Zone> {
    let name = tzid.trim().trim_matches('"');
    if let Ok(tz) = name.parse::<chrono_tz::Tz>() {
        return Some(Zone::Iana(tz));
    }
    // "/freeassociation.sourceforge.net/Tzfile/Europe/Berlin", "/mozilla.org/.../Europe/Berlin"
    let parts: Vec<&str> = name.split('/').collect();
    (1..parts.len()).find_map(|i| {
        parts[i..]
            .join("/")
            .parse::<chrono_tz::Tz>()
            .ok()
            .map(Zone::Iana)
    })
}

fn naive(p: &PartialDateTime) -> Option<(NaiveDate, Option<NaiveTime>)> {
    let date = NaiveDate::from_ymd_opt(
        i32::from(p.year?),
        u32::from(p.month?),
        u32::from(p.day?),
    )?;
    let time = match p.hour {
        Some(h) => Some(NaiveTime::from_hms_opt(
            u32::from(h),
            u32::from(p.minute.unwrap_or(0)),
            u32::from(p.second.unwrap_or(0)).min(59),
        )?),
        None => None,
    };
    Some((date, time))
}

fn tzid_param(e: &ICalendarEntry) -> Option<String> {
    e.params.iter().find_map(|p| match (&p.name, &p.value) {
        (ICalendarParameterName::Tzid, ICalendarParameterValue::Text(t)) => Some(t.clone()),
        _ => None,
    })
}

/// Reads a date or date-time entry.
pub(crate) fn read(e: &ICalendarEntry) -> Option<When> {
    let p = e.values.first()?.as_partial_date_time()?;
    let (date, time) = naive(p)?;
    let Some(time) = time else {
        return Some(When::Date(date));
    };
    let local = date.and_time(time);
    if p.tz_hour.is_some() {
        let offset = i64::from(p.tz_hour.unwrap_or(0)) * 3600
            + i64::from(p.tz_minute.unwrap_or(0)) * 60;
        let offset = if p.tz_minus { -offset } else { offset };
        return Some(When::Utc(local_seconds(local) - offset));
    }
    match tzid_param(e) {
        Some(tzid) => {
            let zone = zone_of(&tzid);
            Some(When::Zoned { local, tzid, zone })
        }
        None => Some(When::Floating(local)),
    }
}

impl When {
    /// Both forms, for a user in `user`: a date is local midnight, a floating time is the
    /// user's wall time, a zoned time is converted to the user's zone (an unknown TZID reads
    /// as the user's zone).
    pub(crate) fn both(&self, user: &Zone) -> Both {
        match self {
            When::Date(d) => {
                let local = d.and_time(NaiveTime::MIN);
                Both {
                    local: local_seconds(local),
                    utc: user.to_utc(local),
                }
            }
            When::Floating(local) => Both {
                local: local_seconds(*local),
                utc: user.to_utc(*local),
            },
            When::Utc(utc) => Both {
                local: local_seconds(user.to_local(*utc)),
                utc: *utc,
            },
            When::Zoned { local, zone, .. } => {
                let utc = zone.as_ref().unwrap_or(user).to_utc(*local);
                Both {
                    local: local_seconds(user.to_local(utc)),
                    utc,
                }
            }
        }
    }

    /// The same kind of value for a new date-time: a date stays a date when the new local time
    /// is midnight, a zoned time stays in its zone, UTC stays UTC, floating stays floating.
    pub(crate) fn like(&self, new: Both, user: &Zone) -> When {
        let local = from_local_seconds(new.local);
        match self {
            When::Date(_) if local.time() == NaiveTime::MIN => When::Date(local.date()),
            When::Date(_) | When::Utc(_) => When::Utc(new.utc),
            When::Floating(_) => When::Floating(local),
            When::Zoned { tzid, zone, .. } => When::Zoned {
                local: zone.as_ref().unwrap_or(user).to_local(new.utc),
                tzid: tzid.clone(),
                zone: zone.clone(),
            },
        }
    }

    /// A value for a property the object did not have: a date when the local time is
    /// midnight (tasks are mostly dated), else the UTC instant (no VTIMEZONE needed).
    pub(crate) fn new(new: Both) -> When {
        let local = from_local_seconds(new.local);
        if local.time() == NaiveTime::MIN {
            When::Date(local.date())
        } else {
            When::Utc(new.utc)
        }
    }

    fn partial(&self) -> PartialDateTime {
        let (date, time, utc) = match self {
            When::Date(d) => (*d, None, false),
            When::Floating(t) | When::Zoned { local: t, .. } => (t.date(), Some(t.time()), false),
            When::Utc(s) => {
                let t = from_local_seconds(*s);
                (t.date(), Some(t.time()), true)
            }
        };
        use chrono::{Datelike, Timelike};
        PartialDateTime {
            year: u16::try_from(date.year()).ok(),
            month: u8::try_from(date.month()).ok(),
            day: u8::try_from(date.day()).ok(),
            hour: time.and_then(|t| u8::try_from(t.hour()).ok()),
            minute: time.and_then(|t| u8::try_from(t.minute()).ok()),
            second: time.and_then(|t| u8::try_from(t.second()).ok()),
            tz_hour: utc.then_some(0),
            tz_minute: utc.then_some(0),
            tz_minus: false,
        }
    }
}

/// Writes `when` into `prop`: an existing entry keeps its other parameters; VALUE and TZID
/// follow the value.
pub(crate) fn write(c: &mut ICalendarComponent, prop: ICalendarProperty, when: &When) {
    let value = ICalendarValue::PartialDateTime(Box::new(when.partial()));
    let mut params: Vec<ICalendarParameter> = c
        .property(&prop)
        .map(|e| {
            e.params
                .iter()
                .filter(|p| {
                    !matches!(
                        p.name,
                        ICalendarParameterName::Tzid | ICalendarParameterName::Value
                    )
                })
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    match when {
        When::Date(_) => params.insert(
            0,
            ICalendarParameter {
                name: ICalendarParameterName::Value,
                value: ICalendarParameterValue::Value(ICalendarValueType::Date),
            },
        ),
        When::Zoned { tzid, .. } => params.insert(
            0,
            ICalendarParameter {
                name: ICalendarParameterName::Tzid,
                value: ICalendarParameterValue::Text(tzid.clone()),
            },
        ),
        When::Floating(_) | When::Utc(_) => {}
    }
    match c.property_mut(&prop) {
        Some(e) => {
            e.params = params;
            e.values = vec![value];
        }
        None => c.entries.push(ICalendarEntry {
            name: prop,
            params,
            values: vec![value],
        }),
    }
}

/// A UTC date-time value (COMPLETED, DTSTAMP, LAST-MODIFIED, absolute TRIGGER).
pub(crate) fn utc_value(utc: i64) -> ICalendarValue {
    ICalendarValue::PartialDateTime(Box::new(When::Utc(utc).partial()))
}

/// Whether the device's pair says the same as the stored one: every form it sent equals the
/// stored form.
pub(crate) fn same(stored: Option<Both>, local: Option<i64>, utc: Option<i64>) -> bool {
    match stored {
        None => local.is_none() && utc.is_none(),
        Some(s) => {
            (local.is_some() || utc.is_some())
                && local.is_none_or(|l| l == s.local)
                && utc.is_none_or(|u| u == s.utc)
        }
    }
}

/// The pair a device means by what it sent: UTC wins for the instant; a missing form is
/// derived through the user's zone.
pub(crate) fn device_pair(local: Option<i64>, utc: Option<i64>, user: &Zone) -> Option<Both> {
    match (local, utc) {
        (Some(local), Some(utc)) => Some(Both { local, utc }),
        (Some(local), None) => Some(Both {
            local,
            utc: user.to_utc(from_local_seconds(local)),
        }),
        (None, Some(utc)) => Some(Both {
            local: local_seconds(user.to_local(utc)),
            utc,
        }),
        (None, None) => None,
    }
}
