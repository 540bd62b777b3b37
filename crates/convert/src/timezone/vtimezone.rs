//! VTIMEZONE <-> zones: a TZID resolved by name or by the rules of its VTIMEZONE, and the
//! VTIMEZONE written for a zone.

use std::str::FromStr;

use calcard::common::PartialDateTime;
use calcard::common::timezone::Tz as CalTz;
use calcard::icalendar::{
    ICalendar, ICalendarComponent, ICalendarComponentType, ICalendarDay, ICalendarEntry,
    ICalendarFrequency, ICalendarMonth, ICalendarPeriod, ICalendarProperty,
    ICalendarRecurrenceRule, ICalendarValue, ICalendarWeekday,
};
use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Weekday};

use super::rules::{naive_seconds, year_of};
use super::windows::iana_for_windows;
use super::{CustomZone, DaylightRule, YearlyRule, Zone};

impl Zone {
    /// The zone a TZID names in this object: a known name (IANA, Windows, and the other
    /// names calcard's `Tz::from_str` and the VTIMEZONE's X-LIC-LOCATION /
    /// X-MICROSOFT-CDO-TZID resolve), else the object's VTIMEZONE with that TZID converted by
    /// its rules (a [`Zone::Custom`] named after the TZID); `None` if neither.
    pub fn resolve(tzid: &str, ical: &ICalendar) -> Option<Zone> {
        if let Ok(tz) = chrono_tz::Tz::from_str(tzid) {
            return Some(Zone::Iana(tz));
        }
        if let Some(tz) = iana_for_windows(tzid) {
            return Some(Zone::Iana(tz));
        }
        if let Some(zone) = CalTz::from_str(tzid)
            .ok()
            .and_then(|tz| from_calcard(tz, tzid))
        {
            return Some(zone);
        }
        let component = ical.timezones().find(|c| tzid_of(c) == Some(tzid))?;
        if let Some(zone) = component
            .timezone()
            .and_then(|(_, tz)| from_calcard(tz, tzid))
        {
            return Some(zone);
        }
        rules_of(ical, component, tzid).map(Zone::Custom)
    }

    /// Adds a VTIMEZONE for this zone covering `from..=to` (UTC unix seconds) to `ical`
    /// unless one with the same TZID is there or `ical` has no VCALENDAR root. IANA zones:
    /// calcard's `ICalendar::add_timezone` (observances of the tz database in that range);
    /// custom zones: a STANDARD and a DAYLIGHT observance with yearly RRULEs starting the
    /// year before `from`'s, or one STANDARD observance without daylight time.
    pub fn add_vtimezone(&self, ical: &mut ICalendar, from: i64, to: i64) {
        let tzid = self.tzid();
        if ical.timezones().any(|c| tzid_of(c) == Some(tzid.as_str())) {
            return;
        }
        match self {
            Zone::Iana(tz) => {
                ical.add_timezone(tz.name(), from, to.max(from));
            }
            Zone::Custom(custom) => add_custom(ical, custom, from),
        }
    }
}

/// `Tz::Floating` is no zone; fixed offsets are `Etc/GMT∓h` when whole hours, else a custom
/// zone named after the TZID.
fn from_calcard(tz: CalTz, tzid: &str) -> Option<Zone> {
    match tz {
        CalTz::Tz(tz) => Some(Zone::Iana(tz)),
        CalTz::Fixed(offset) => {
            let seconds = offset.local_minus_utc();
            let etc = (seconds % 3600 == 0)
                .then(|| {
                    let hours = -seconds / 3600;
                    let name = match hours {
                        0 => "Etc/UTC".to_string(),
                        h => format!("Etc/GMT{h:+}"),
                    };
                    chrono_tz::Tz::from_str(&name).ok()
                })
                .flatten();
            Some(etc.map_or_else(
                || Zone::Custom(CustomZone::fixed(tzid, seconds)),
                Zone::Iana,
            ))
        }
        CalTz::Floating => None,
    }
}

fn tzid_of(component: &ICalendarComponent) -> Option<&str> {
    component
        .property(&ICalendarProperty::Tzid)
        .and_then(|e| e.values.first())
        .and_then(|v| v.as_text())
}

/// One STANDARD or DAYLIGHT observance as read.
struct Observance {
    daylight: bool,
    to: i32,
    dtstart: NaiveDateTime,
    rule: Option<ICalendarRecurrenceRule>,
    rdates: Vec<NaiveDateTime>,
}

impl Observance {
    /// The last onset: `None` for an open-ended RRULE (still in force), else the latest of
    /// UNTIL (or DTSTART's year + COUNT - 1), RDATEs and DTSTART.
    fn last(&self) -> Option<NaiveDateTime> {
        let mut last = self.dtstart;
        if let Some(rule) = &self.rule {
            match (&rule.until, rule.count) {
                (Some(until), _) => {
                    last = last.max(until.to_date_time().map_or(last, |u| u.date_time))
                }
                (None, Some(count)) => {
                    let years = i32::try_from(count.saturating_sub(1)).unwrap_or(i32::MAX);
                    let year = self.dtstart.year().saturating_add(years);
                    last = last.max(self.dtstart.with_year(year).unwrap_or(last));
                }
                (None, None) => return None,
            }
        }
        Some(self.rdates.iter().copied().fold(last, NaiveDateTime::max))
    }

    /// The yearly rule of the last onset: the RRULE's BYMONTH/BYDAY (-1 = last = week 5,
    /// or a BYMONTHDAY range with a plain BYDAY), else the rule naming the last date.
    fn yearly_rule(&self) -> YearlyRule {
        let last = self.last().unwrap_or(self.dtstart);
        let time = if self.rdates.contains(&last) {
            last.time()
        } else {
            self.dtstart.time()
        };
        let by_rule = self.rule.as_ref().and_then(|rule| {
            let month = rule
                .bymonth
                .first()
                .map_or(self.dtstart.month() as u8, |m| m.month());
            let day = rule.byday.first()?;
            let week = match (day.ordwk, rule.bymonthday.iter().copied().min()) {
                (Some(-1), _) => 5,
                (Some(n @ 1..=5), _) => n as u8,
                (None, Some(first @ 1..=31)) => {
                    if first >= 22 && rule.bymonthday.iter().any(|&d| d >= 28) {
                        5
                    } else {
                        ((first - 1) / 7 + 1) as u8
                    }
                }
                _ => return None,
            };
            Some(YearlyRule {
                month,
                week,
                weekday: weekday_of(day.weekday),
                time,
            })
        });
        by_rule.unwrap_or_else(|| {
            let mut rule = YearlyRule::for_date(last);
            rule.time = time;
            rule
        })
    }
}

/// A custom zone from the observances in force in the latest years: per kind the one with
/// the latest onset. Daylight time when both kinds are still in force (open-ended RRULEs)
/// or their last onsets are within about a year of each other; else the offset of the
/// latest one, fixed.
fn rules_of(ical: &ICalendar, vtimezone: &ICalendarComponent, tzid: &str) -> Option<CustomZone> {
    let observances: Vec<Observance> = vtimezone
        .component_ids
        .iter()
        .filter_map(|id| ical.components.get(*id as usize))
        .filter_map(observance)
        .collect();
    let latest = |daylight: bool| {
        observances
            .iter()
            .filter(|o| o.daylight == daylight)
            .max_by_key(|o| (o.last().unwrap_or(NaiveDateTime::MAX), o.dtstart))
    };
    let (standard, daylight) = match (latest(false), latest(true)) {
        (None, None) => return None,
        (Some(only), None) | (None, Some(only)) => {
            return Some(CustomZone::fixed(tzid, only.to));
        }
        (Some(s), Some(d)) => (s, d),
    };
    let end_of = |o: &Observance| o.last().unwrap_or(NaiveDateTime::MAX);
    let (s_last, d_last) = (end_of(standard), end_of(daylight));
    let apart = |a: NaiveDateTime, b: NaiveDateTime| {
        naive_seconds(a).saturating_sub(naive_seconds(b)) > 400 * 86_400
    };
    if standard.to == daylight.to || apart(s_last, d_last) {
        return Some(CustomZone::fixed(tzid, standard.to));
    }
    if apart(d_last, s_last) {
        return Some(CustomZone::fixed(tzid, daylight.to));
    }
    Some(CustomZone {
        name: tzid.to_string(),
        standard_offset: standard.to,
        daylight: Some(DaylightRule {
            offset: daylight.to,
            start: daylight.yearly_rule(),
            end: standard.yearly_rule(),
        }),
    })
}

fn observance(component: &ICalendarComponent) -> Option<Observance> {
    let daylight = match component.component_type {
        ICalendarComponentType::Standard => false,
        ICalendarComponentType::Daylight => true,
        _ => return None,
    };
    let value = |prop: &ICalendarProperty| {
        component
            .property(prop)
            .and_then(|e| e.values.first())
            .and_then(|v| match v {
                ICalendarValue::PartialDateTime(p) => Some(p.as_ref()),
                _ => None,
            })
    };
    let to = offset_of(value(&ICalendarProperty::Tzoffsetto)?);
    let dtstart = naive_of(value(&ICalendarProperty::Dtstart)?)?;
    let rule = component
        .property(&ICalendarProperty::Rrule)
        .and_then(|e| e.values.first())
        .and_then(|v| match v {
            ICalendarValue::RecurrenceRule(r) if r.freq == ICalendarFrequency::Yearly => {
                Some(r.as_ref().clone())
            }
            _ => None,
        });
    let rdates = component
        .properties(&ICalendarProperty::Rdate)
        .flat_map(|e| e.values.iter())
        .filter_map(|v| match v {
            ICalendarValue::PartialDateTime(p) => naive_of(p),
            ICalendarValue::Period(ICalendarPeriod::Range { start, .. })
            | ICalendarValue::Period(ICalendarPeriod::Duration { start, .. }) => naive_of(start),
            _ => None,
        })
        .collect();
    Some(Observance {
        daylight,
        to,
        dtstart,
        rule,
        rdates,
    })
}

fn naive_of(p: &PartialDateTime) -> Option<NaiveDateTime> {
    p.to_date_time().map(|d| d.date_time)
}

fn offset_of(p: &PartialDateTime) -> i32 {
    let seconds =
        i32::from(p.tz_hour.unwrap_or(0)) * 3600 + i32::from(p.tz_minute.unwrap_or(0)) * 60;
    if p.tz_minus { -seconds } else { seconds }
}

fn offset_value(offset: i32) -> PartialDateTime {
    let minutes = (offset.unsigned_abs() + 30) / 60;
    PartialDateTime {
        tz_hour: u8::try_from(minutes / 60).ok(),
        tz_minute: u8::try_from(minutes % 60).ok(),
        tz_minus: offset < 0,
        ..PartialDateTime::default()
    }
}

fn weekday_of(day: ICalendarWeekday) -> Weekday {
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

fn ical_weekday(day: Weekday) -> ICalendarWeekday {
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

fn observance_component(
    daylight: bool,
    dtstart: NaiveDateTime,
    from: i32,
    to: i32,
    rule: Option<&YearlyRule>,
) -> ICalendarComponent {
    let mut component = ICalendarComponent::new(if daylight {
        ICalendarComponentType::Daylight
    } else {
        ICalendarComponentType::Standard
    });
    component
        .entries
        .push(ICalendarEntry::new(ICalendarProperty::Dtstart).with_value(
            PartialDateTime::from_naive_timestamp(naive_seconds(dtstart)),
        ));
    component
        .entries
        .push(ICalendarEntry::new(ICalendarProperty::Tzoffsetfrom).with_value(offset_value(from)));
    component
        .entries
        .push(ICalendarEntry::new(ICalendarProperty::Tzoffsetto).with_value(offset_value(to)));
    if let Some(rule) = rule {
        let ordwk = if rule.week >= 5 {
            -1
        } else {
            i16::from(rule.week)
        };
        component
            .entries
            .push(ICalendarEntry::new(ICalendarProperty::Rrule).with_value(
                ICalendarRecurrenceRule {
                    freq: ICalendarFrequency::Yearly,
                    bymonth: vec![ICalendarMonth::new(rule.month, false)],
                    byday: vec![ICalendarDay {
                        ordwk: Some(ordwk),
                        weekday: ical_weekday(rule.weekday),
                    }],
                    ..ICalendarRecurrenceRule::default()
                },
            ));
    }
    component
}

fn add_custom(ical: &mut ICalendar, zone: &CustomZone, from: i64) {
    if ical
        .components
        .first()
        .is_none_or(|root| root.component_type != ICalendarComponentType::VCalendar)
    {
        return;
    }
    let year = year_of(from).saturating_sub(1);
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1)
        .map_or(NaiveDateTime::MIN, |d| d.and_time(NaiveTime::MIN));
    let observances = match &zone.daylight {
        Some(d) => vec![
            observance_component(
                false,
                d.end.date_in(year).unwrap_or(epoch),
                d.offset,
                zone.standard_offset,
                Some(&d.end),
            ),
            observance_component(
                true,
                d.start.date_in(year).unwrap_or(epoch),
                zone.standard_offset,
                d.offset,
                Some(&d.start),
            ),
        ],
        None => vec![observance_component(
            false,
            epoch,
            zone.standard_offset,
            zone.standard_offset,
            None,
        )],
    };
    let insert_at = ical.components[0]
        .component_ids
        .iter()
        .position(|id| {
            ical.components
                .get(*id as usize)
                .is_none_or(|c| c.component_type != ICalendarComponentType::VTimezone)
        })
        .unwrap_or(ical.components[0].component_ids.len());
    let Ok(tz_id) = u32::try_from(ical.components.len()) else {
        return;
    };
    let mut vtimezone = ICalendarComponent::new(ICalendarComponentType::VTimezone);
    vtimezone
        .entries
        .push(ICalendarEntry::new(ICalendarProperty::Tzid).with_value(zone.name.clone()));
    vtimezone.component_ids = (1..=observances.len() as u32).map(|i| tz_id + i).collect();
    ical.components.push(vtimezone);
    ical.components.extend(observances);
    ical.components[0].component_ids.insert(insert_at, tz_id);
}
