//! TZID + VTIMEZONE <-> zones.

use calcard::icalendar::ICalendar;
use chrono::{NaiveDate, Weekday};
use chrono_tz::Tz;
use convert::timezone::{CustomZone, DaylightRule, Zone};

fn parse(text: &str) -> ICalendar {
    ICalendar::parse(text.replace('\n', "\r\n")).unwrap()
}

fn utc(y: i32, m: u32, d: u32, h: u32) -> i64 {
    NaiveDate::from_ymd_opt(y, m, d)
        .unwrap()
        .and_hms_opt(h, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp()
}

const OUTLOOK: &str = "BEGIN:VCALENDAR
PRODID:Microsoft Exchange Server 2010
VERSION:2.0
BEGIN:VTIMEZONE
TZID:W. Europe Standard Time
BEGIN:STANDARD
DTSTART:16010101T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VEVENT
UID:1
DTSTART;TZID=W. Europe Standard Time:20240601T100000
END:VEVENT
END:VCALENDAR
";

#[test]
fn outlook_windows_tzid_is_the_cldr_zone() {
    let ical = parse(OUTLOOK);
    assert_eq!(
        Zone::resolve("W. Europe Standard Time", &ical),
        Some(Zone::Iana(Tz::Europe__Berlin))
    );
}

#[test]
fn google_or_apple_iana_tzid_is_that_zone_even_without_vtimezone() {
    let ical = parse(
        "BEGIN:VCALENDAR\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\nVERSION:2.0\nEND:VCALENDAR\n",
    );
    assert_eq!(
        Zone::resolve("America/Los_Angeles", &ical),
        Some(Zone::Iana(Tz::America__Los_Angeles))
    );
}

#[test]
fn softwarestudio_tzid_is_its_olson_zone() {
    let ical = parse(
        "BEGIN:VCALENDAR
PRODID:-//Ximian//NONSGML Evolution Calendar//EN
VERSION:2.0
BEGIN:VTIMEZONE
TZID:/softwarestudio.org/Olson_20011030_5/America/Chicago
X-LIC-LOCATION:America/Chicago
BEGIN:STANDARD
DTSTART:19701025T020000
TZOFFSETFROM:-0500
TZOFFSETTO:-0600
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10
END:STANDARD
END:VTIMEZONE
END:VCALENDAR
",
    );
    assert_eq!(
        Zone::resolve(
            "/softwarestudio.org/Olson_20011030_5/America/Chicago",
            &ical
        ),
        Some(Zone::Iana(Tz::America__Chicago))
    );
}

#[test]
fn x_lic_location_names_a_zone_with_an_unknown_tzid() {
    let ical = parse(
        "BEGIN:VCALENDAR
PRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN
VERSION:2.0
BEGIN:VTIMEZONE
TZID:Mitteleuropa
X-LIC-LOCATION:Europe/Vienna
BEGIN:STANDARD
DTSTART:19701025T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
END:STANDARD
END:VTIMEZONE
END:VCALENDAR
",
    );
    assert_eq!(
        Zone::resolve("Mitteleuropa", &ical),
        Some(Zone::Iana(Tz::Europe__Vienna))
    );
}

const CUSTOM: &str = "BEGIN:VCALENDAR
PRODID:-//Example Corp.//CalDAV Client//EN
VERSION:2.0
BEGIN:VTIMEZONE
TZID:Springfield Time
BEGIN:STANDARD
DTSTART:19671029T020000
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10;UNTIL=20061029T060000Z
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:19870405T020000
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=4;UNTIL=20060402T070000Z
END:DAYLIGHT
BEGIN:DAYLIGHT
DTSTART:20070311T020000
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3
END:DAYLIGHT
BEGIN:STANDARD
DTSTART:20071104T020000
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11
END:STANDARD
END:VTIMEZONE
END:VCALENDAR
";

#[test]
fn custom_vtimezone_is_converted_by_its_latest_rules() {
    let zone = Zone::resolve("Springfield Time", &parse(CUSTOM)).unwrap();
    let Zone::Custom(custom) = &zone else {
        panic!("expected a custom zone, got {zone:?}");
    };
    assert_eq!(custom.name, "Springfield Time");
    assert_eq!(custom.standard_offset, -5 * 3600);
    let daylight = custom.daylight.as_ref().unwrap();
    assert_eq!(daylight.offset, -4 * 3600);
    assert_eq!(
        (
            daylight.start.month,
            daylight.start.week,
            daylight.start.weekday
        ),
        (3, 2, Weekday::Sun)
    );
    assert_eq!((daylight.end.month, daylight.end.week), (11, 1));
    // Same offsets as New York in 2024.
    let new_york = Zone::Iana(Tz::America__New_York);
    for t in (0..365).map(|d| utc(2024, 1, 1, 7) + d * 86_400) {
        assert_eq!(zone.offset_at(t), new_york.offset_at(t));
    }
    assert_eq!(zone.tzid(), "Springfield Time");
}

#[test]
fn vtimezone_with_rdates_takes_the_dates_of_its_latest_year() {
    let ical = parse(
        "BEGIN:VCALENDAR
PRODID:-//Example//RDATE zones//EN
VERSION:2.0
BEGIN:VTIMEZONE
TZID:Island Time
BEGIN:DAYLIGHT
DTSTART:20230326T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RDATE:20230326T020000,20240331T020000
END:DAYLIGHT
BEGIN:STANDARD
DTSTART:20231029T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RDATE:20231029T030000
RDATE:20241027T030000
END:STANDARD
END:VTIMEZONE
END:VCALENDAR
",
    );
    let Some(Zone::Custom(custom)) = Zone::resolve("Island Time", &ical) else {
        panic!("expected a custom zone");
    };
    let daylight = custom.daylight.unwrap();
    assert_eq!((daylight.start.month, daylight.start.week), (3, 5));
    assert_eq!((daylight.end.month, daylight.end.week), (10, 5));
    assert_eq!(
        daylight.end.time,
        chrono::NaiveTime::from_hms_opt(3, 0, 0).unwrap()
    );
}

#[test]
fn vtimezone_whose_daylight_time_ended_long_ago_is_fixed() {
    let ical = parse(
        "BEGIN:VCALENDAR
PRODID:-//Example//EN
VERSION:2.0
BEGIN:VTIMEZONE
TZID:Former DST
BEGIN:DAYLIGHT
DTSTART:20000326T020000
TZOFFSETFROM:+0300
TZOFFSETTO:+0400
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3;UNTIL=20100328T000000Z
END:DAYLIGHT
BEGIN:STANDARD
DTSTART:20001029T030000
TZOFFSETFROM:+0400
TZOFFSETTO:+0300
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10
END:STANDARD
END:VTIMEZONE
END:VCALENDAR
",
    );
    assert_eq!(
        Zone::resolve("Former DST", &ical),
        Some(Zone::Custom(CustomZone::fixed("Former DST", 3 * 3600)))
    );
}

#[test]
fn unknown_tzid_without_vtimezone_is_none() {
    let ical = parse("BEGIN:VCALENDAR\nVERSION:2.0\nEND:VCALENDAR\n");
    assert_eq!(Zone::resolve("Nowhere Standard Time", &ical), None);
}

#[test]
fn add_vtimezone_writes_iana_zones_once() {
    let mut ical =
        parse("BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:1\nEND:VEVENT\nEND:VCALENDAR\n");
    let zone = Zone::Iana(Tz::Europe__Berlin);
    zone.add_vtimezone(&mut ical, utc(2024, 1, 1, 0), utc(2025, 1, 1, 0));
    zone.add_vtimezone(&mut ical, utc(2024, 1, 1, 0), utc(2025, 1, 1, 0));
    let text = ical.to_string();
    assert_eq!(text.matches("BEGIN:VTIMEZONE").count(), 1);
    assert!(text.contains("TZID:Europe/Berlin"));
    let reparsed = parse(&text.replace("\r\n", "\n"));
    assert_eq!(Zone::resolve("Europe/Berlin", &reparsed), Some(zone));
}

#[test]
fn add_vtimezone_writes_custom_zones_with_yearly_rules_that_resolve_back() {
    let custom = CustomZone {
        name: "Springfield Time".into(),
        standard_offset: -5 * 3600,
        daylight: Some(DaylightRule {
            offset: -4 * 3600,
            start: convert::timezone::YearlyRule {
                month: 3,
                week: 2,
                weekday: Weekday::Sun,
                time: chrono::NaiveTime::from_hms_opt(2, 0, 0).unwrap(),
            },
            end: convert::timezone::YearlyRule {
                month: 10,
                week: 5,
                weekday: Weekday::Sun,
                time: chrono::NaiveTime::from_hms_opt(2, 0, 0).unwrap(),
            },
        }),
    };
    let zone = Zone::Custom(custom);
    let mut ical =
        parse("BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:1\nEND:VEVENT\nEND:VCALENDAR\n");
    zone.add_vtimezone(&mut ical, utc(2024, 1, 1, 0), utc(2025, 1, 1, 0));
    let text = ical.to_string();
    assert!(
        text.contains("RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10"),
        "{text}"
    );
    assert!(
        text.contains("RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3"),
        "{text}"
    );
    let reparsed = parse(&text.replace("\r\n", "\n"));
    assert_eq!(Zone::resolve("Springfield Time", &reparsed), Some(zone));
}

#[test]
fn add_vtimezone_writes_a_fixed_custom_zone_as_one_standard_observance() {
    let zone = Zone::Custom(CustomZone::fixed("Custom/UTC+05:15", 5 * 3600 + 15 * 60));
    let mut ical = parse("BEGIN:VCALENDAR\nVERSION:2.0\nEND:VCALENDAR\n");
    zone.add_vtimezone(&mut ical, 0, 86_400);
    let text = ical.to_string();
    assert!(text.contains("TZOFFSETTO:+0515"), "{text}");
    assert_eq!(
        Zone::resolve("Custom/UTC+05:15", &parse(&text.replace("\r\n", "\n"))),
        Some(zone)
    );
}
