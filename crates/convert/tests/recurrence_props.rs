//! Property tests of EAS recurrence <-> RRULE:
//!
//! - every valid EAS pattern, with a start that is one of its occurrences, survives
//!   `to_rrule` -> RRULE text -> `from_rrule` as itself in the normal form
//!   (`convert::recurrence` documents it; `normal` below spells it out);
//! - the RRULE `to_rrule` writes expands (calcard's expansion) to exactly the dates the EAS
//!   pattern means, as an independent day-by-day reading of MS-ASCAL below computes them
//!   (a `DayOfMonth` a month lacks falls on its last day, `WeekOfMonth` 5 is the last,
//!   `Until` ends the series with the occurrence on its local date).

use calcard::common::timezone::Tz;
use calcard::icalendar::{ICalendar, ICalendarProperty, ICalendarRecurrenceRule, ICalendarValue};
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Weekday};
use convert::recurrence::{SeriesStart, from_rrule, to_rrule};
use convert::timezone::Zone;
use eas::recurrence::{Recurrence, RecurrenceType as T};
use proptest::prelude::*;

fn parse_rule(text: &str) -> ICalendarRecurrenceRule {
    let ics = format!(
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nRRULE:{text}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    );
    let cal = ICalendar::parse(&ics).unwrap();
    let entry = cal.components[1]
        .property(&ICalendarProperty::Rrule)
        .unwrap();
    match &entry.values[0] {
        ICalendarValue::RecurrenceRule(r) => (**r).clone(),
        other => panic!("{other:?}"),
    }
}

// An independent reading of the EAS pattern (MS-ASCAL 2.2.2.39 and children), day by day.

fn month_len(y: i32, m: u32) -> u32 {
    (28..=31)
        .rev()
        .find(|d| NaiveDate::from_ymd_opt(y, m, *d).is_some())
        .unwrap()
}

fn has_day(mask: u8, d: NaiveDate) -> bool {
    mask & (1 << d.weekday().num_days_from_sunday()) != 0
}

/// The `week`-th (5: last) day of the month with a weekday in `mask`.
fn nth(mask: u8, week: u8, y: i32, m: u32) -> Option<NaiveDate> {
    let days: Vec<NaiveDate> = (1..=month_len(y, m))
        .map(|d| NaiveDate::from_ymd_opt(y, m, d).unwrap())
        .filter(|d| has_day(mask, *d))
        .collect();
    if week == 5 {
        days.last().copied()
    } else {
        days.get(usize::from(week) - 1).copied()
    }
}

/// The pattern falls on `d` (the interval's phase aside).
fn on_pattern(r: &Recurrence, d: NaiveDate) -> bool {
    let (y, m) = (d.year(), d.month());
    let clipped = |dom: u8| d.day() == u32::from(dom).min(month_len(y, m));
    match r.kind {
        T::Daily => r.day_of_week.is_none_or(|mask| has_day(mask, d)),
        T::Weekly => has_day(r.day_of_week.unwrap(), d),
        T::Monthly => clipped(r.day_of_month.unwrap()),
        T::MonthlyNth => nth(r.day_of_week.unwrap(), r.week_of_month.unwrap(), y, m) == Some(d),
        T::Yearly => m == u32::from(r.month_of_year.unwrap()) && clipped(r.day_of_month.unwrap()),
        T::YearlyNth => {
            m == u32::from(r.month_of_year.unwrap())
                && nth(r.day_of_week.unwrap(), r.week_of_month.unwrap(), y, m) == Some(d)
        }
    }
}

/// How far the day-by-day reading looks: 200 years.
fn horizon(start: NaiveDate) -> NaiveDate {
    start + Duration::days(365 * 200)
}

/// The dates of the first `limit` occurrences of a series starting on `start` (an
/// occurrence), ending on or before `last` if given.
fn eas_dates(
    r: &Recurrence,
    start: NaiveDate,
    last: Option<NaiveDate>,
    limit: usize,
) -> Vec<NaiveDate> {
    let n = i64::from(r.interval.unwrap_or(1));
    let week_start = |d: NaiveDate| {
        let first = r.first_day_of_week.unwrap_or(0);
        let back = (d.weekday().num_days_from_sunday() + 7 - u32::from(first)) % 7;
        d - Duration::days(i64::from(back))
    };
    let months = |d: NaiveDate| i64::from(d.year()) * 12 + i64::from(d.month0());
    let mut out = Vec::new();
    let mut d = start;
    let horizon = horizon(start);
    while out.len() < limit && d < horizon && last.is_none_or(|l| d <= l) {
        let phase = match r.kind {
            T::Daily => (d - start).num_days() % n == 0 || r.day_of_week.is_some() && n == 1,
            T::Weekly => ((week_start(d) - week_start(start)).num_days() / 7) % n == 0,
            T::Monthly | T::MonthlyNth => (months(d) - months(start)) % n == 0,
            T::Yearly | T::YearlyNth => i64::from(d.year() - start.year()) % n == 0,
        };
        if phase && on_pattern(r, d) {
            out.push(d);
        }
        d += Duration::days(1);
    }
    out
}

// Generated patterns.

fn pattern() -> impl Strategy<Value = Recurrence> {
    let interval = |max: u16| (0..=max).prop_map(|i| (i > 0).then_some(i));
    let mask = 1u8..=127;
    prop_oneof![
        (interval(6), prop::option::of(mask.clone())).prop_map(|(interval, day_of_week)| {
            Recurrence {
                interval,
                day_of_week,
                ..Recurrence::new(T::Daily)
            }
        }),
        (interval(4), mask.clone()).prop_map(|(interval, m)| Recurrence {
            interval,
            day_of_week: Some(m),
            ..Recurrence::new(T::Weekly)
        }),
        (interval(13), 1u8..=31).prop_map(|(interval, d)| Recurrence {
            interval,
            day_of_month: Some(d),
            ..Recurrence::new(T::Monthly)
        }),
        (interval(13), mask.clone(), 1u8..=5).prop_map(|(interval, m, w)| Recurrence {
            interval,
            day_of_week: Some(m),
            week_of_month: Some(w),
            ..Recurrence::new(T::MonthlyNth)
        }),
        (interval(3), 1u8..=12, 1u8..=31).prop_map(|(interval, mo, d)| Recurrence {
            interval,
            month_of_year: Some(mo),
            day_of_month: Some(d),
            ..Recurrence::new(T::Yearly)
        }),
        (interval(3), 1u8..=12, mask, 1u8..=5).prop_map(|(interval, mo, m, w)| Recurrence {
            interval,
            month_of_year: Some(mo),
            day_of_week: Some(m),
            week_of_month: Some(w),
            ..Recurrence::new(T::YearlyNth)
        }),
    ]
}

#[derive(Clone, Debug)]
enum End {
    Never,
    Count(u32),
    /// Days and seconds after the start.
    Until(i64, i64),
}

#[derive(Clone, Debug)]
struct Case {
    rec: Recurrence,
    start: SeriesStart,
    zone: Zone,
}

fn zone_of(i: usize) -> Zone {
    [
        Zone::UTC,
        Zone::Iana(chrono_tz::America::New_York),
        Zone::Iana(chrono_tz::Europe::Berlin),
        Zone::Iana(chrono_tz::Australia::Sydney),
    ][i]
        .clone()
}

fn case(zones: usize) -> impl Strategy<Value = Case> {
    (
        pattern(),
        prop::option::of(0u8..=6),
        prop_oneof![
            Just(End::Never),
            (1u32..=60).prop_map(End::Count),
            (0i64..=900, 0i64..86_400).prop_map(|(d, s)| End::Until(d, s)),
        ],
        (2020i32..=2030, 1u32..=12, 1u32..=28),
        (0u32..=23, any::<bool>()),
        0..zones,
    )
        .prop_map(|(mut rec, fdow, end, (y, m, d), (hour, all_day), zone)| {
            rec.first_day_of_week = fdow;
            let zone = zone_of(zone);
            let anchor = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            // The start is the pattern's first day on or after the anchor.
            let date = (0..800)
                .map(|k| anchor + Duration::days(k))
                .find(|d| on_pattern(&rec, *d))
                .unwrap();
            let time = NaiveTime::from_hms_opt(if all_day { 0 } else { hour }, 0, 0).unwrap();
            let start = SeriesStart {
                local: NaiveDateTime::new(date, time),
                all_day,
            };
            match end {
                End::Never => {}
                End::Count(c) => rec.occurrences = Some(c),
                End::Until(days, secs) => {
                    rec.until = Some(zone.to_utc(start.local) + days * 86_400 + secs)
                }
            }
            Case { rec, start, zone }
        })
}

/// The normal form `from_rrule` gives back (see `convert::recurrence`).
fn normal(c: &Case) -> Recurrence {
    let mut r = c.rec.clone();
    let interval = r.interval.unwrap_or(1);
    r.interval = Some(interval);
    if r.kind == T::Daily && r.day_of_week == Some(127) {
        r.day_of_week = None;
    }
    if r.kind == T::Daily && r.day_of_week.is_some() && interval == 1 {
        r.kind = T::Weekly;
    }
    if matches!(r.kind, T::MonthlyNth | T::YearlyNth)
        && r.day_of_week == Some(127)
        && r.week_of_month.is_some_and(|w| w < 5)
    {
        r.kind = if r.kind == T::MonthlyNth {
            T::Monthly
        } else {
            T::Yearly
        };
        r.day_of_month = r.week_of_month.take();
        r.day_of_week = None;
    }
    if r.kind == T::Weekly
        && r.first_day_of_week.is_none()
        && interval > 1
        && r.day_of_week.unwrap().count_ones() > 1
    {
        r.first_day_of_week = Some(0);
    }
    if let Some(until) = r.until {
        let last = c.zone.to_local(until).date();
        r.until = Some(c.zone.to_utc(last.and_time(c.start.local.time())));
    }
    r
}

fn calcard_dates(rule: &str, start: &SeriesStart, limit: usize) -> Vec<NaiveDate> {
    calcard_expand(rule, start, limit).unwrap_or_else(|e| panic!("{rule}: {e}"))
}

/// calcard's expansion; Err for a rule it refuses.
fn calcard_expand(rule: &str, start: &SeriesStart, limit: usize) -> Result<Vec<NaiveDate>, String> {
    let local = start.local;
    let (dtstart, duration) = if start.all_day {
        (
            format!("DTSTART;VALUE=DATE:{}", local.format("%Y%m%d")),
            "P1D",
        )
    } else {
        (
            format!("DTSTART:{}", local.format("%Y%m%dT%H%M%SZ")),
            "PT1H",
        )
    };
    let ics = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//airgate//test//EN\r\nBEGIN:VEVENT\r\n\
         UID:t\r\nDTSTAMP:20260101T000000Z\r\n{dtstart}\r\nDURATION:{duration}\r\n\
         RRULE:{rule}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    );
    let cal = ICalendar::parse(&ics).unwrap();
    let expanded = cal.expand_dates(Tz::UTC, limit);
    if !expanded.errors.is_empty() {
        return Err(format!("{:?}", expanded.errors));
    }
    let mut dates: Vec<NaiveDate> = expanded
        .events
        .iter()
        .map(|e| e.start.naive_local().date())
        .collect();
    dates.sort();
    dates.retain(|d| *d < horizon(start.local.date()));
    Ok(dates)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn eas_patterns_survive_the_rrule_round_trip(c in case(4)) {
        let rule = to_rrule(&c.rec, &c.start, &c.zone);
        let text = rule.to_string();
        let back = from_rrule(&parse_rule(&text), &c.start, &c.zone);
        prop_assert_eq!(back, Ok(normal(&c)), "{} from {:?}", text, c.start);
    }

    #[test]
    fn the_rrule_expands_to_the_dates_the_eas_pattern_means(c in case(1)) {
        const N: usize = 40;
        let rule = to_rrule(&c.rec, &c.start, &c.zone).to_string();
        let limit = c.rec.occurrences.map_or(N, |n| (n as usize).min(N));
        let last = c.rec.until.map(|u| c.zone.to_local(u).date());
        let expected = eas_dates(&c.rec, c.start.local.date(), last, limit);
        let got = calcard_dates(&rule, &c.start, limit);
        prop_assert_eq!(got, expected, "{}", rule);
    }
}

/// RRULE text from parts that EAS sometimes can and often cannot say.
fn any_rule() -> impl Strategy<Value = String> {
    let day = prop::sample::select(vec!["MO", "TU", "WE", "TH", "FR", "SA", "SU"]);
    let ord = prop::sample::select(vec!["", "", "", "1", "2", "4", "5", "-1", "-2"]);
    let monthday = prop::sample::select(vec![1i8, 5, 15, 28, 29, 30, 31, -1, -2]);
    (
        prop::sample::select(vec!["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]),
        1u16..=4,
        prop_oneof![
            3 => prop::collection::vec((ord.clone(), day.clone()), 0..=1),
            1 => prop::collection::vec((ord, day), 0..=4),
        ],
        prop_oneof![
            3 => prop::collection::vec(monthday.clone(), 0..=1),
            1 => prop::collection::vec(monthday, 0..=4),
        ],
        prop::collection::vec(1u8..=12, 0..=1),
        prop::option::of(prop::sample::select(vec![1i8, 2, 3, -1, 5])),
        prop::option::of(prop::sample::select(vec!["MO", "SU"])),
        prop::option::of(1u32..=30),
    )
        .prop_map(
            |(freq, interval, days, monthdays, months, setpos, wkst, count)| {
                let mut text = format!("FREQ={freq};INTERVAL={interval}");
                let join = |v: Vec<String>| v.join(",");
                if !days.is_empty() {
                    text += &format!(
                        ";BYDAY={}",
                        join(days.iter().map(|(o, d)| format!("{o}{d}")).collect())
                    );
                }
                if !monthdays.is_empty() {
                    text += &format!(
                        ";BYMONTHDAY={}",
                        join(monthdays.iter().map(i8::to_string).collect())
                    );
                }
                if !months.is_empty() {
                    text += &format!(
                        ";BYMONTH={}",
                        join(months.iter().map(u8::to_string).collect())
                    );
                }
                if let Some(p) = setpos {
                    text += &format!(";BYSETPOS={p}");
                }
                if let Some(w) = wkst {
                    text += &format!(";WKST={w}");
                }
                if let Some(c) = count {
                    text += &format!(";COUNT={c}");
                }
                text
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    /// Whatever `from_rrule` accepts means the same dates as the RRULE.
    #[test]
    fn an_accepted_rrule_means_the_dates_of_its_eas_pattern(
        text in any_rule(),
        (y, m, d) in (2020i32..=2030, 1u32..=12, 1u32..=31),
        hour in 0u32..=23,
        use_anchor in prop::bool::weighted(0.2),
    ) {
        let Some(anchor) = NaiveDate::from_ymd_opt(y, m, d) else {
            return Ok(());
        };
        let rule = parse_rule(&text);
        let at = |d: NaiveDate| SeriesStart {
            local: d.and_hms_opt(hour, 0, 0).unwrap(),
            all_day: false,
        };
        // Mostly the first start from the anchor on that `from_rrule` accepts (looking for
        // one with calcard is slow for rules that never occur), sometimes the anchor itself.
        let date = if use_anchor {
            anchor
        } else {
            (0..400)
                .map(|k| anchor + Duration::days(k))
                .find(|d| from_rrule(&rule, &at(*d), &Zone::UTC).is_ok())
                .unwrap_or(anchor)
        };
        let start = at(date);
        if let Ok(rec) = from_rrule(&rule, &start, &Zone::UTC) {
            const N: usize = 40;
            let limit = rec.occurrences.map_or(N, |n| (n as usize).min(N));
            let expected = eas_dates(&rec, date, None, limit);
            let got = calcard_dates(&text, &start, limit);
            prop_assert_eq!(got, expected, "{} -> {:?}", text, rec);
        }
    }
}

#[test]
fn the_independent_reading_knows_the_last_weekday_of_the_month() {
    let r = Recurrence {
        day_of_week: Some(62),
        week_of_month: Some(5),
        ..Recurrence::new(T::MonthlyNth)
    };
    let start = NaiveDate::from_ymd_opt(2026, 1, 30).unwrap();
    let dates = eas_dates(&r, start, None, 3);
    let expect = [(2026, 1, 30), (2026, 2, 27), (2026, 3, 31)]
        .map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap());
    assert_eq!(dates, expect);
    assert_eq!(start.weekday(), Weekday::Fri);
}
