//! The EAS TimeZone blob (MS-ASDTYPE 2.6.4, a Windows TIME_ZONE_INFORMATION) <-> zones, with
//! the rules in force in one year (the event's).
//!
//! Bias is minutes WEST of UTC (UTC+1 is -60); StandardDate is when daylight time ends and
//! DaylightDate when it starts, both the local wall time before the transition; a year 0
//! SYSTEMTIME is a yearly rule ("the `day`-th `day_of_week` of `month`", 5 = last).

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, LazyLock, Mutex};

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone as _, Timelike};
use chrono_tz::Tz;
use eas::timezone::{SystemTime, TimeZone};

use super::rules::{clamp_utc, start_of_year, utc_to_local, weekday_from_sunday};
use super::windows::{iana_for_windows, mapped_zones, windows_name};
use super::{CustomZone, DaylightRule, YearlyRule, Zone};

/// Offsets beyond this are not zones (the blob's Bias is clamped to it).
const MAX_OFFSET: i32 = 24 * 3600;

/// What a blob means in one year: the standard offset and, with daylight time, its offset
/// and the wall times it starts and ends. Two blobs with the same behaviour are the same
/// zone in that year whatever their encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Behaviour {
    standard: i32,
    daylight: Option<(i32, NaiveDateTime, NaiveDateTime)>,
}

impl Zone {
    /// The zone of an EAS blob for an event in `year`. First by name: a StandardName (or
    /// DaylightName) that is a Windows zone name, an IANA name or another name calcard knows,
    /// accepted only when that zone's rules in `year` are the blob's. Then by rules: a zone of
    /// the CLDR mapping whose rules in `year` are the blob's (preferring one with the blob's
    /// Windows name, then for zones without daylight time an `Etc/` zone, then the "001" zones
    /// in the order of the CLDR file). Else a [`Zone::Custom`] of the blob's rules.
    pub fn from_eas(tz: &TimeZone, year: i32) -> Zone {
        let custom = CustomZone::from_eas(tz, year);
        let wanted = behaviour_of(&custom, year);
        let index = year_index(year);
        let mut candidates: Vec<(Tz, TimeZone)> = Vec::new();
        for name in [&tz.standard_name, &tz.daylight_name] {
            if let Some(known) = known_name(name) {
                let blob = iana_to_eas(known, year);
                if behaviour_of(&CustomZone::from_eas(&blob, year), year) == wanted {
                    candidates.push((known, blob));
                }
            }
        }
        candidates.extend(index.get(&wanted).into_iter().flatten().cloned());
        let name = tz.standard_name.trim();
        let same_name = |blob: &TimeZone| !name.is_empty() && blob.standard_name == name;
        // The zone writing this very blob, then one of its name, then (no daylight time, no
        // name) an Etc zone, then the first: the named zone, else the "001" zones first.
        let pick = candidates
            .iter()
            .find(|(_, blob)| blob == tz)
            .or_else(|| candidates.iter().find(|(_, blob)| same_name(blob)))
            .or_else(|| {
                candidates
                    .iter()
                    .find(|(c, _)| wanted.daylight.is_none() && c.name().starts_with("Etc/"))
            })
            .or_else(|| candidates.first());
        match pick {
            Some((tz, _)) => iana_zone(*tz),
            None => Zone::Custom(custom),
        }
    }

    /// The EAS blob of this zone with the rules in force in `year`. Names: the Windows zone
    /// name (DaylightName with "Standard" replaced by "Daylight"), the IANA name for zones
    /// CLDR does not map, the custom zone's name.
    pub fn to_eas(&self, year: i32) -> TimeZone {
        match self {
            Zone::Iana(tz) => iana_to_eas(*tz, year),
            Zone::Custom(custom) => custom.to_eas(),
        }
    }
}

impl CustomZone {
    /// The blob's rules as a custom zone. Absolute dates (a year in the SYSTEMTIME) become
    /// the yearly rule naming that date (in its own year); invalid dates mean no daylight
    /// time. StandardBias is folded into the standard offset. Named after the StandardName
    /// unless that names a known zone (whose rules these are not), else "Custom/UTC+hh:mm".
    pub fn from_eas(tz: &TimeZone, _year: i32) -> CustomZone {
        let minutes = |m: i32| m.clamp(-MAX_OFFSET / 60, MAX_OFFSET / 60) * 60;
        let standard_offset = -minutes(tz.bias.saturating_add(tz.standard_bias));
        let daylight = (tz.has_daylight())
            .then(|| {
                Some(DaylightRule {
                    offset: -minutes(tz.bias.saturating_add(tz.daylight_bias)),
                    start: rule_of(&tz.daylight_date)?,
                    end: rule_of(&tz.standard_date)?,
                })
            })
            .flatten()
            .filter(|d| d.offset != standard_offset);
        let name = tz.standard_name.trim();
        let name = if name.is_empty() || known_name(name).is_some() {
            format!("Custom/{}", utc_offset_name(standard_offset))
        } else {
            name.to_string()
        };
        CustomZone {
            name,
            standard_offset,
            daylight,
        }
    }

    /// The blob of this zone: its yearly rules, StandardBias 0.
    pub fn to_eas(&self) -> TimeZone {
        let bias = -self.standard_offset.div_euclid(60);
        match &self.daylight {
            Some(d) => TimeZone {
                bias,
                standard_name: self.name.clone(),
                standard_date: rule_time(&d.end),
                standard_bias: 0,
                daylight_name: self.name.clone(),
                daylight_date: rule_time(&d.start),
                daylight_bias: -(d.offset - self.standard_offset).div_euclid(60),
            },
            None => TimeZone {
                bias,
                standard_name: self.name.clone(),
                daylight_name: self.name.clone(),
                ..TimeZone::default()
            },
        }
    }
}

/// "UTC+01:00", "UTC-03:30".
pub(crate) fn utc_offset_name(offset: i32) -> String {
    let sign = if offset < 0 { '-' } else { '+' };
    let minutes = offset.unsigned_abs() / 60;
    format!("UTC{sign}{:02}:{:02}", minutes / 60, minutes % 60)
}

/// A name of a known zone: Windows (CLDR), IANA, or one calcard's `Tz::from_str` maps.
pub(crate) fn known_name(name: &str) -> Option<Tz> {
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    if let Some(tz) = iana_for_windows(name) {
        return Some(tz);
    }
    match calcard::common::timezone::Tz::from_str(name) {
        Ok(calcard::common::timezone::Tz::Tz(tz)) => Some(tz),
        _ => None,
    }
}

/// `Etc/UTC` and its links are [`Zone::UTC`].
fn iana_zone(tz: Tz) -> Zone {
    match tz {
        Tz::Etc__UTC | Tz::UTC | Tz::Etc__UCT | Tz::Etc__Universal | Tz::Etc__Zulu => Zone::UTC,
        tz => Zone::Iana(tz),
    }
}

fn rule_of(t: &SystemTime) -> Option<YearlyRule> {
    let time = NaiveTime::from_hms_milli_opt(
        u32::from(t.hour),
        u32::from(t.minute),
        u32::from(t.second),
        u32::from(t.milliseconds),
    )?;
    if t.year == 0 {
        let rule = YearlyRule {
            month: u8::try_from(t.month)
                .ok()
                .filter(|m| (1..=12).contains(m))?,
            week: u8::try_from(t.day).ok().filter(|w| (1..=5).contains(w))?,
            weekday: weekday_from_sunday(t.day_of_week)?,
            time,
        };
        Some(rule)
    } else {
        let date =
            NaiveDate::from_ymd_opt(i32::from(t.year), u32::from(t.month), u32::from(t.day))?;
        Some(YearlyRule::for_date(date.and_time(time)))
    }
}

fn rule_time(rule: &YearlyRule) -> SystemTime {
    SystemTime {
        year: 0,
        month: u16::from(rule.month),
        day_of_week: rule.weekday.num_days_from_sunday() as u16,
        day: u16::from(rule.week),
        hour: rule.time.hour() as u16,
        minute: rule.time.minute() as u16,
        second: rule.time.second() as u16,
        milliseconds: (rule.time.nanosecond() / 1_000_000).min(999) as u16,
    }
}

fn absolute_time(at: NaiveDateTime) -> SystemTime {
    SystemTime {
        year: u16::try_from(at.year()).unwrap_or(0),
        month: at.month() as u16,
        day_of_week: at.weekday().num_days_from_sunday() as u16,
        day: at.day() as u16,
        hour: at.hour() as u16,
        minute: at.minute() as u16,
        second: at.second() as u16,
        milliseconds: 0,
    }
}

fn behaviour_of(zone: &CustomZone, year: i32) -> Behaviour {
    let daylight = zone.daylight.as_ref().and_then(|d| {
        Some((d.offset, d.start.date_in(year)?, d.end.date_in(year)?))
            .filter(|(_, start, end)| start != end)
    });
    Behaviour {
        standard: zone.standard_offset,
        daylight,
    }
}

fn offset_of(tz: Tz, utc: i64) -> i32 {
    chrono::DateTime::from_timestamp(clamp_utc(utc), 0).map_or(0, |t| {
        tz.offset_from_utc_datetime(&t.naive_utc())
            .fix()
            .local_minus_utc()
    })
}

/// A change of the UTC offset: the instant, the offset before and after.
#[derive(Clone, Copy, Debug)]
struct Transition {
    at: i64,
    from: i32,
    to: i32,
}

impl Transition {
    /// The local wall time just before the transition.
    fn wall(&self) -> NaiveDateTime {
        utc_to_local(self.at, self.from)
    }
}

/// The offset changes whose wall time (before the change) is in `year`. Sampled weekly and
/// refined by bisection: two changes less than a week apart are not seen.
fn transitions_in(tz: Tz, year: i32) -> Vec<Transition> {
    const STEP: i64 = 7 * 86_400;
    let from = start_of_year(year).saturating_sub(2 * 86_400);
    let to = start_of_year(year.saturating_add(1)).saturating_add(2 * 86_400);
    let mut out = Vec::new();
    let mut at = from;
    let mut offset = offset_of(tz, at);
    while at < to {
        let next = at.saturating_add(STEP).min(to);
        let next_offset = offset_of(tz, next);
        if next_offset != offset {
            let (mut low, mut high) = (at, next);
            while high - low > 1 {
                let middle = low + (high - low) / 2;
                if offset_of(tz, middle) == offset {
                    low = middle;
                } else {
                    high = middle;
                }
            }
            out.push(Transition {
                at: high,
                from: offset,
                to: offset_of(tz, high),
            });
        }
        at = next;
        offset = next_offset;
    }
    out.retain(|t| t.wall().year() == year);
    out
}

fn daylight_name(standard: &str) -> String {
    if standard.contains("Standard") {
        standard.replacen("Standard", "Daylight", 1)
    } else {
        standard.to_string()
    }
}

/// The blob of an IANA zone in `year`. Two transitions there and back: yearly rules naming
/// that year's dates (exact for that year). None: no daylight time. Anything else (one
/// transition, more than two, or offsets that do not come back): absolute SYSTEMTIMEs of
/// that year, the smallest offset as standard and the largest as daylight time, January 1st
/// 00:00 standing for a missing start or end (more than two transitions lose the middle ones).
fn iana_to_eas(tz: Tz, year: i32) -> TimeZone {
    let standard_name = windows_name(tz).unwrap_or(tz.name()).to_string();
    let daylight_name = daylight_name(&standard_name);
    let transitions = transitions_in(tz, year);
    let minutes = |offset: i32| -(offset.div_euclid(60) + i32::from(offset.rem_euclid(60) >= 30));
    let blob = |standard: i32, daylight: i32, standard_date, daylight_date| TimeZone {
        bias: minutes(standard),
        standard_name: standard_name.clone(),
        standard_date,
        standard_bias: 0,
        daylight_name: daylight_name.clone(),
        daylight_date,
        daylight_bias: minutes(daylight) - minutes(standard),
    };
    match transitions.as_slice() {
        [] => {
            let mid = start_of_year(year).saturating_add(182 * 86_400);
            let offset = offset_of(tz, mid);
            blob(offset, offset, SystemTime::default(), SystemTime::default())
        }
        [a, b] if a.to == b.from && b.to == a.from => {
            let (start, end) = if a.to > a.from { (a, b) } else { (b, a) };
            blob(
                start.from,
                start.to,
                rule_time(&YearlyRule::for_date(end.wall())),
                rule_time(&YearlyRule::for_date(start.wall())),
            )
        }
        all => {
            let standard = all.iter().map(|t| t.from.min(t.to)).min().unwrap_or(0);
            let daylight = all.iter().map(|t| t.from.max(t.to)).max().unwrap_or(0);
            let new_year = NaiveDate::from_ymd_opt(year, 1, 1)
                .map_or(NaiveDateTime::MIN, |d| d.and_time(NaiveTime::MIN));
            let start = all
                .iter()
                .find(|t| t.to == daylight)
                .map_or(new_year, Transition::wall);
            let end = all
                .iter()
                .rev()
                .find(|t| t.from == daylight)
                .map_or(new_year, Transition::wall);
            blob(standard, daylight, absolute_time(end), absolute_time(start))
        }
    }
}

/// Per behaviour, the zones having it and their blobs.
type YearIndex = HashMap<Behaviour, Vec<(Tz, TimeZone)>>;

static INDEX: LazyLock<Mutex<HashMap<i32, Arc<YearIndex>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// The mapped zones by their behaviour in `year`, "001" zones first, then the others, each
/// in the order of the CLDR file. Built on first use per year and kept (at most 64 years).
fn year_index(year: i32) -> Arc<YearIndex> {
    if let Ok(cache) = INDEX.lock()
        && let Some(index) = cache.get(&year)
    {
        return index.clone();
    }
    let mut index = YearIndex::new();
    let golden = mapped_zones().iter().filter(|m| m.territory == "001");
    let rest = mapped_zones().iter().filter(|m| m.territory != "001");
    for zone in golden.chain(rest) {
        let blob = iana_to_eas(zone.tz, year);
        let behaviour = behaviour_of(&CustomZone::from_eas(&blob, year), year);
        let list = index.entry(behaviour).or_default();
        if !list.iter().any(|(tz, _)| *tz == zone.tz) {
            list.push((zone.tz, blob));
        }
    }
    let index = Arc::new(index);
    if let Ok(mut cache) = INDEX.lock() {
        if cache.len() >= 64 {
            cache.clear();
        }
        cache.insert(year, index.clone());
    }
    index
}
