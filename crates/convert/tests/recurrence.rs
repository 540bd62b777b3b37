//! EAS recurrence patterns <-> RRULE, form by form: what each EAS pattern is written as, which
//! equivalent RRULE forms read back to the same pattern, and which rules EAS cannot carry.

use calcard::icalendar::{ICalendar, ICalendarProperty, ICalendarRecurrenceRule, ICalendarValue};
use chrono::NaiveDate;
use convert::recurrence::{SeriesStart, from_rrule, to_rrule, try_to_rrule};
use convert::timezone::Zone;
use eas::recurrence::{Recurrence, RecurrenceType as T};

fn rule(text: &str) -> ICalendarRecurrenceRule {
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

fn at(y: i32, m: u32, d: u32, h: u32) -> SeriesStart {
    SeriesStart {
        local: NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap(),
        all_day: false,
    }
}

fn all_day(y: i32, m: u32, d: u32) -> SeriesStart {
    SeriesStart {
        all_day: true,
        ..at(y, m, d, 0)
    }
}

fn new_york() -> Zone {
    Zone::Iana(chrono_tz::America::New_York)
}

/// Monday 2026-01-05 10:00.
fn monday() -> SeriesStart {
    at(2026, 1, 5, 10)
}

fn rec(kind: T) -> Recurrence {
    Recurrence::new(kind)
}

fn written(r: &Recurrence, start: &SeriesStart) -> String {
    to_rrule(r, start, &Zone::UTC).to_string()
}

fn read(text: &str, start: &SeriesStart) -> Recurrence {
    from_rrule(&rule(text), start, &Zone::UTC).unwrap_or_else(|l| panic!("{text}: {l:?}"))
}

fn refused(text: &str, start: &SeriesStart) -> String {
    match from_rrule(&rule(text), start, &Zone::UTC) {
        Err(loss) => {
            assert_eq!(loss.property, "RRULE");
            loss.reason
        }
        Ok(r) => panic!("{text} was converted to {r:?}"),
    }
}

// EAS -> RRULE

#[test]
fn daily_is_freq_daily_with_its_interval() {
    let r = Recurrence {
        interval: Some(3),
        ..rec(T::Daily)
    };
    assert_eq!(written(&r, &monday()), "FREQ=DAILY;INTERVAL=3");
    assert_eq!(written(&rec(T::Daily), &monday()), "FREQ=DAILY");
}

#[test]
fn a_daily_pattern_on_weekdays_is_a_weekly_byday() {
    let r = Recurrence {
        day_of_week: Some(62),
        ..rec(T::Daily)
    };
    assert_eq!(written(&r, &monday()), "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR");
}

#[test]
fn weekly_writes_the_mask_as_byday_and_first_day_of_week_as_wkst() {
    let r = Recurrence {
        interval: Some(2),
        day_of_week: Some(2 | 8 | 1),
        first_day_of_week: Some(1),
        ..rec(T::Weekly)
    };
    assert_eq!(
        written(&r, &monday()),
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE,SU;WKST=MO"
    );
}

#[test]
fn weekly_without_first_day_of_week_starts_weeks_on_sunday_where_it_matters() {
    let several = Recurrence {
        interval: Some(2),
        day_of_week: Some(2 | 64),
        ..rec(T::Weekly)
    };
    assert_eq!(
        written(&several, &monday()),
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,SA;WKST=SU"
    );
    let one = Recurrence {
        interval: Some(2),
        day_of_week: Some(2),
        ..rec(T::Weekly)
    };
    assert_eq!(written(&one, &monday()), "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO");
}

#[test]
fn fields_a_pattern_leaves_out_come_from_the_start() {
    assert_eq!(written(&rec(T::Weekly), &monday()), "FREQ=WEEKLY;BYDAY=MO");
    assert_eq!(
        written(&rec(T::Monthly), &monday()),
        "FREQ=MONTHLY;BYMONTHDAY=5"
    );
    assert_eq!(
        written(&rec(T::MonthlyNth), &monday()),
        "FREQ=MONTHLY;BYDAY=1MO"
    );
    assert_eq!(
        written(&rec(T::Yearly), &monday()),
        "FREQ=YEARLY;BYMONTHDAY=5;BYMONTH=1"
    );
    assert_eq!(
        written(&rec(T::YearlyNth), &monday()),
        "FREQ=YEARLY;BYDAY=1MO;BYMONTH=1"
    );
}

#[test]
fn a_day_of_month_some_months_lack_falls_on_their_last_day() {
    let on = |day| Recurrence {
        day_of_month: Some(day),
        ..rec(T::Monthly)
    };
    let jan_31 = at(2026, 1, 31, 9);
    assert_eq!(written(&on(28), &jan_31), "FREQ=MONTHLY;BYMONTHDAY=28");
    assert_eq!(
        written(&on(31), &jan_31),
        "FREQ=MONTHLY;BYMONTHDAY=28,29,30,31;BYSETPOS=-1"
    );
    assert_eq!(
        written(&on(30), &at(2026, 1, 30, 9)),
        "FREQ=MONTHLY;BYMONTHDAY=28,29,30;BYSETPOS=-1"
    );
}

#[test]
fn a_day_of_month_every_month_of_the_series_has_is_plain() {
    let r = Recurrence {
        interval: Some(12),
        day_of_month: Some(31),
        ..rec(T::Monthly)
    };
    assert_eq!(
        written(&r, &at(2026, 1, 31, 9)),
        "FREQ=MONTHLY;INTERVAL=12;BYMONTHDAY=31"
    );
    let r = Recurrence {
        interval: Some(2),
        day_of_month: Some(31),
        ..rec(T::Monthly)
    };
    // January, March, May, July, September, November: all have 30 days at least.
    assert_eq!(
        written(&r, &at(2026, 1, 31, 9)),
        "FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=30,31;BYSETPOS=-1"
    );
}

#[test]
fn monthly_nth_is_an_ordinal_byday_and_week_5_is_the_last() {
    let nth = |mask, week| Recurrence {
        day_of_week: Some(mask),
        week_of_month: Some(week),
        ..rec(T::MonthlyNth)
    };
    assert_eq!(written(&nth(4, 2), &monday()), "FREQ=MONTHLY;BYDAY=2TU");
    assert_eq!(written(&nth(32, 5), &monday()), "FREQ=MONTHLY;BYDAY=-1FR");
}

#[test]
fn several_days_with_a_week_are_a_bysetpos() {
    let nth = |mask, week| Recurrence {
        day_of_week: Some(mask),
        week_of_month: Some(week),
        ..rec(T::MonthlyNth)
    };
    assert_eq!(
        written(&nth(62, 5), &monday()),
        "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
        "last weekday of the month"
    );
    assert_eq!(
        written(&nth(65, 1), &monday()),
        "FREQ=MONTHLY;BYDAY=SA,SU;BYSETPOS=1",
        "first weekend day"
    );
}

#[test]
fn every_day_with_week_5_is_the_last_day_of_the_month() {
    let r = Recurrence {
        day_of_week: Some(127),
        week_of_month: Some(5),
        ..rec(T::MonthlyNth)
    };
    assert_eq!(
        written(&r, &at(2026, 1, 31, 9)),
        "FREQ=MONTHLY;BYMONTHDAY=-1"
    );
}

#[test]
fn yearly_is_bymonth_and_bymonthday_and_feb_29_falls_on_feb_28() {
    let on = |m, d| Recurrence {
        month_of_year: Some(m),
        day_of_month: Some(d),
        ..rec(T::Yearly)
    };
    assert_eq!(
        written(&on(11, 22), &at(2026, 11, 22, 9)),
        "FREQ=YEARLY;BYMONTHDAY=22;BYMONTH=11"
    );
    assert_eq!(
        written(&on(2, 29), &at(2028, 2, 29, 9)),
        "FREQ=YEARLY;BYMONTHDAY=28,29;BYMONTH=2;BYSETPOS=-1"
    );
}

#[test]
fn yearly_nth_is_bymonth_with_an_ordinal_byday() {
    let r = Recurrence {
        month_of_year: Some(11),
        day_of_week: Some(16),
        week_of_month: Some(4),
        ..rec(T::YearlyNth)
    };
    assert_eq!(
        written(&r, &at(2026, 11, 26, 12)),
        "FREQ=YEARLY;BYDAY=4TH;BYMONTH=11"
    );
}

#[test]
fn occurrences_become_count_and_win_over_until() {
    let r = Recurrence {
        occurrences: Some(10),
        until: Some(0),
        ..rec(T::Daily)
    };
    assert_eq!(written(&r, &monday()), "FREQ=DAILY;COUNT=10");
}

#[test]
fn a_timed_until_is_the_utc_start_on_the_local_date_of_until() {
    let zone = new_york();
    let start = at(2026, 1, 5, 10);
    // The device sent local midnight of the last day (05:00Z).
    let until = zone.to_utc(at(2026, 1, 30, 0).local);
    let r = Recurrence {
        until: Some(until),
        ..rec(T::Daily)
    };
    assert_eq!(
        to_rrule(&r, &start, &zone).to_string(),
        "FREQ=DAILY;UNTIL=20260130T150000Z"
    );
}

#[test]
fn an_all_day_until_is_the_local_date() {
    let zone = new_york();
    let until = zone.to_utc(at(2026, 1, 30, 0).local);
    let r = Recurrence {
        until: Some(until),
        ..rec(T::Daily)
    };
    assert_eq!(
        to_rrule(&r, &all_day(2026, 1, 5), &zone).to_string(),
        "FREQ=DAILY;UNTIL=20260130"
    );
}

#[test]
fn lunar_calendar_types_become_rscale_and_a_leap_month() {
    let r = Recurrence {
        month_of_year: Some(5),
        day_of_month: Some(30),
        calendar_type: Some(8),
        is_leap_month: Some(true),
        ..rec(T::Yearly)
    };
    assert_eq!(
        try_to_rrule(&r, &monday(), &Zone::UTC).unwrap().to_string(),
        "FREQ=YEARLY;BYMONTHDAY=30;BYMONTH=5L;RSCALE=HEBREW;SKIP=BACKWARD"
    );
}

#[test]
fn gregorian_calendar_types_write_no_rscale() {
    for ct in [0, 1, 2, 3, 4, 5, 7, 9, 10, 11, 12] {
        let r = Recurrence {
            calendar_type: Some(ct),
            ..rec(T::Daily)
        };
        assert_eq!(written(&r, &monday()), "FREQ=DAILY", "{ct}");
    }
}

#[test]
fn calendars_rscale_cannot_name_are_reported_and_written_gregorian() {
    let r = Recurrence {
        calendar_type: Some(23),
        day_of_month: Some(5),
        ..rec(T::Monthly)
    };
    let loss = try_to_rrule(&r, &monday(), &Zone::UTC).unwrap_err();
    assert!(loss.reason.contains("23"), "{loss:?}");
    assert_eq!(written(&r, &monday()), "FREQ=MONTHLY;BYMONTHDAY=5");
}

// RRULE -> EAS: equivalent forms

#[test]
fn weekly_without_byday_is_the_starts_weekday() {
    let r = read("FREQ=WEEKLY", &monday());
    assert_eq!(
        (r.kind, r.day_of_week, r.interval),
        (T::Weekly, Some(2), Some(1))
    );
}

#[test]
fn daily_on_some_weekdays_is_weekly() {
    let r = read("FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR", &monday());
    assert_eq!((r.kind, r.day_of_week), (T::Weekly, Some(62)));
    let r = read("FREQ=DAILY;BYDAY=SU,MO,TU,WE,TH,FR,SA", &monday());
    assert_eq!((r.kind, r.day_of_week), (T::Daily, None));
}

#[test]
fn monthly_without_bymonthday_is_the_starts_day() {
    let r = read("FREQ=MONTHLY", &monday());
    assert_eq!((r.kind, r.day_of_month), (T::Monthly, Some(5)));
}

#[test]
fn yearly_without_bymonth_is_the_starts_month_and_day() {
    let r = read("FREQ=YEARLY", &monday());
    assert_eq!(
        (r.kind, r.month_of_year, r.day_of_month),
        (T::Yearly, Some(1), Some(5))
    );
}

#[test]
fn last_friday_reads_the_same_in_both_forms() {
    let friday = at(2026, 1, 30, 9);
    let a = read("FREQ=MONTHLY;BYDAY=-1FR", &friday);
    let b = read("FREQ=MONTHLY;BYDAY=FR;BYSETPOS=-1", &friday);
    assert_eq!(a, b);
    assert_eq!(
        (a.kind, a.day_of_week, a.week_of_month),
        (T::MonthlyNth, Some(32), Some(5))
    );
}

#[test]
fn the_last_day_of_the_month_is_every_day_in_week_5() {
    for text in [
        "FREQ=MONTHLY;BYMONTHDAY=-1",
        "FREQ=MONTHLY;BYDAY=SU,MO,TU,WE,TH,FR,SA;BYSETPOS=-1",
    ] {
        let r = read(text, &at(2026, 1, 31, 9));
        assert_eq!(
            (r.kind, r.day_of_week, r.week_of_month),
            (T::MonthlyNth, Some(127), Some(5)),
            "{text}"
        );
    }
}

#[test]
fn the_last_of_a_day_range_is_a_day_of_month() {
    let r = read(
        "FREQ=MONTHLY;BYMONTHDAY=28,29,30,31;BYSETPOS=-1",
        &at(2026, 1, 31, 9),
    );
    assert_eq!((r.kind, r.day_of_month), (T::Monthly, Some(31)));
    let r = read(
        "RSCALE=GREGORIAN;FREQ=MONTHLY;BYMONTHDAY=31;SKIP=BACKWARD",
        &at(2026, 1, 31, 9),
    );
    assert_eq!((r.kind, r.day_of_month), (T::Monthly, Some(31)));
}

#[test]
fn the_last_weekday_and_the_first_weekend_day() {
    let r = read(
        "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
        &at(2026, 1, 30, 9),
    );
    assert_eq!((r.day_of_week, r.week_of_month), (Some(62), Some(5)));
    let r = read("FREQ=MONTHLY;BYDAY=SA,SU;BYSETPOS=1", &at(2026, 1, 3, 9));
    assert_eq!((r.day_of_week, r.week_of_month), (Some(65), Some(1)));
}

#[test]
fn every_monday_of_every_month_is_weekly() {
    let r = read("FREQ=MONTHLY;BYDAY=MO", &monday());
    assert_eq!((r.kind, r.day_of_week), (T::Weekly, Some(2)));
}

#[test]
fn the_first_monday_of_the_year_is_in_january() {
    let r = read("FREQ=YEARLY;BYDAY=1MO", &monday());
    assert_eq!(
        (r.kind, r.month_of_year, r.day_of_week, r.week_of_month),
        (T::YearlyNth, Some(1), Some(2), Some(1))
    );
}

#[test]
fn a_yearly_bymonthday_without_bymonth_is_monthly() {
    let r = read("FREQ=YEARLY;BYMONTHDAY=5", &monday());
    assert_eq!((r.kind, r.day_of_month), (T::Monthly, Some(5)));
}

#[test]
fn yearly_nth_with_bymonth() {
    let r = read("FREQ=YEARLY;BYMONTH=11;BYDAY=4TH", &at(2026, 11, 26, 12));
    assert_eq!(
        (r.kind, r.month_of_year, r.day_of_week, r.week_of_month),
        (T::YearlyNth, Some(11), Some(16), Some(4))
    );
}

#[test]
fn count_is_occurrences_and_wkst_is_first_day_of_week() {
    let r = read("FREQ=WEEKLY;COUNT=8;BYDAY=MO;WKST=SU", &monday());
    assert_eq!((r.occurrences, r.first_day_of_week), (Some(8), Some(0)));
}

#[test]
fn until_in_every_form_is_the_start_time_on_the_last_date() {
    let zone = new_york();
    let start = at(2026, 1, 5, 10);
    let last = zone.to_utc(at(2026, 1, 30, 10).local);
    for until in [
        "20260130T150000Z", // the last start, UTC
        "20260130T235959Z", // later that day
        "20260131T040000Z", // 23:00 local
        "20260130T100000",  // the last start, local
        "20260130",         // a DATE
    ] {
        let r = from_rrule(&rule(&format!("FREQ=DAILY;UNTIL={until}")), &start, &zone).unwrap();
        assert_eq!(r.until, Some(last), "{until}");
    }
    // Before the start time on the 30th: the 29th is the last.
    let r = from_rrule(&rule("FREQ=DAILY;UNTIL=20260130T120000Z"), &start, &zone).unwrap();
    assert_eq!(r.until, Some(last - 86_400));
}

#[test]
fn an_all_day_until_date_is_local_midnight_of_that_date() {
    let zone = new_york();
    let r = from_rrule(
        &rule("FREQ=DAILY;UNTIL=20260130"),
        &all_day(2026, 1, 5),
        &zone,
    )
    .unwrap();
    assert_eq!(r.until, Some(zone.to_utc(at(2026, 1, 30, 0).local)));
}

// RRULE -> EAS: refused

#[test]
fn rules_eas_cannot_say_are_refused_with_a_reason() {
    let jan_31 = at(2026, 1, 31, 9);
    for (text, start, why) in [
        ("FREQ=HOURLY", monday(), "FREQ=HOURLY"),
        ("FREQ=MINUTELY;INTERVAL=15", monday(), "FREQ=MINUTELY"),
        ("FREQ=DAILY;BYHOUR=10,14", monday(), "BYHOUR"),
        ("FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO", monday(), "BYWEEKNO"),
        ("FREQ=YEARLY;BYYEARDAY=5", monday(), "BYYEARDAY"),
        (
            "FREQ=MONTHLY;BYMONTHDAY=5,20",
            monday(),
            "several BYMONTHDAY",
        ),
        (
            "FREQ=YEARLY;BYMONTH=1,7;BYMONTHDAY=5",
            monday(),
            "several BYMONTH",
        ),
        ("FREQ=WEEKLY;BYDAY=MO;BYSETPOS=1", monday(), "weekly"),
        ("FREQ=WEEKLY;BYDAY=2MO", monday(), "ordinals in a weekly"),
        ("FREQ=DAILY;BYDAY=1MO", monday(), "ordinals in a daily"),
        ("FREQ=MONTHLY;BYDAY=1MO,3MO", monday(), "several"),
        ("FREQ=MONTHLY;BYDAY=5MO", at(2026, 3, 30, 9), "position 5"),
        ("FREQ=MONTHLY;BYDAY=-2MO", monday(), "position -2"),
        ("FREQ=MONTHLY;BYMONTHDAY=-2", monday(), "end"),
        (
            "FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13",
            at(2026, 2, 13, 9),
            "BYDAY with BYMONTHDAY",
        ),
        (
            "FREQ=MONTHLY;BYDAY=MO,TU;BYSETPOS=1,2",
            monday(),
            "several BYSETPOS",
        ),
        (
            "FREQ=MONTHLY;INTERVAL=2;BYDAY=MO",
            monday(),
            "without position",
        ),
        ("FREQ=MONTHLY;BYMONTH=3", monday(), "BYMONTH in a monthly"),
        (
            "FREQ=YEARLY;BYMONTHDAY=1;BYSETPOS=1",
            at(2026, 1, 1, 9),
            "BYSETPOS",
        ),
        (
            "FREQ=DAILY;COUNT=5;UNTIL=20260130T000000Z",
            monday(),
            "COUNT and UNTIL",
        ),
        ("FREQ=MONTHLY;BYMONTHDAY=31", jan_31, "day 31"),
        ("FREQ=MONTHLY", jan_31, "day 31"),
        (
            "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
            at(2028, 2, 29, 9),
            "day 29",
        ),
        ("FREQ=DAILY;INTERVAL=1000", monday(), "INTERVAL=1000"),
        (
            "RSCALE=HEBREW;FREQ=YEARLY;BYMONTH=5L",
            monday(),
            "RSCALE=HEBREW",
        ),
        ("FREQ=WEEKLY;BYDAY=TU", monday(), "DTSTART"),
        ("FREQ=MONTHLY;BYMONTHDAY=6", monday(), "DTSTART"),
    ] {
        let reason = refused(text, &start);
        assert!(reason.contains(why), "{text}: {reason}");
    }
}

#[test]
fn a_day_every_month_of_the_series_has_is_not_refused() {
    let r = read(
        "FREQ=MONTHLY;INTERVAL=12;BYMONTHDAY=31",
        &at(2026, 1, 31, 9),
    );
    assert_eq!(
        (r.kind, r.day_of_month, r.interval),
        (T::Monthly, Some(31), Some(12))
    );
}
