//! All-day events and floating times in the user's zone (`CalendarOptions::zone`): before
//! 16.0 sent as the user's local midnights with the user's Timezone; from 16.0 as dates
//! without a time and without a Timezone (MS-ASCAL 2.2.2.1). Round trips change nothing.

use chrono::NaiveDate;
use chrono_tz::{America, Europe, UTC};
use convert::calendar::{CalendarOptions, delete_instance, event_to_eas, merge_event};
use convert::merge::Ghosting;
use convert::timezone::Zone;
use eas::ProtocolVersion;
use eas::calendar::{Calendar, Exception};

const NOW: i64 = 1_714_000_000;

fn opts(version: ProtocolVersion, zone: chrono_tz::Tz) -> CalendarOptions {
    CalendarOptions {
        version,
        body: None,
        user_addresses: vec!["me@example.com".into()],
        now: NOW,
        zone: Zone::Iana(zone),
    }
}

fn corpus(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/corpus/calendar/{name}.ics",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// Midnight of a date in a zone, UTC seconds.
fn midnight(zone: chrono_tz::Tz, y: i32, m: u32, d: u32) -> i64 {
    let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
    Zone::Iana(zone).to_utc(date.and_time(chrono::NaiveTime::MIN))
}

/// A weekly all-day series (Google style) with an excluded and a moved occurrence.
const SERIES: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Google Inc//Google Calendar \
70.9054//EN\r\nBEGIN:VEVENT\r\nUID:allday-series-1@google.com\r\nDTSTAMP:20240101T000000Z\r\n\
DTSTART;VALUE=DATE:20240105\r\nDTEND;VALUE=DATE:20240106\r\nRRULE:FREQ=WEEKLY;BYDAY=FR\r\n\
EXDATE;VALUE=DATE:20240112\r\nSUMMARY:Gym day\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\n\
UID:allday-series-1@google.com\r\nDTSTAMP:20240101T000000Z\r\nRECURRENCE-ID;VALUE=DATE:20240119\r\n\
DTSTART;VALUE=DATE:20240120\r\nDTEND;VALUE=DATE:20240121\r\nSUMMARY:Gym day (moved)\r\n\
END:VEVENT\r\nEND:VCALENDAR\r\n";

#[test]
fn before_16_an_all_day_event_is_local_midnight_with_the_users_timezone() {
    let o = opts(ProtocolVersion::V14_1, America::Los_Angeles);
    let (cal, losses) = event_to_eas(&corpus("all_day"), &o).unwrap();
    assert_eq!(cal.all_day_event, Some(true));
    assert_eq!(
        cal.start_time,
        Some(midnight(America::Los_Angeles, 2024, 7, 4))
    );
    assert_eq!(
        cal.end_time,
        Some(midnight(America::Los_Angeles, 2024, 7, 6))
    );
    assert_eq!(cal.timezone, Some(o.zone.to_eas(2024)));
    assert!(losses.is_empty(), "{losses:?}");
}

#[test]
fn in_16_an_all_day_event_is_midnight_utc_without_a_timezone() {
    let o = opts(ProtocolVersion::V16_1, America::Los_Angeles);
    let (cal, _) = event_to_eas(&corpus("all_day"), &o).unwrap();
    assert_eq!(cal.start_time, Some(midnight(UTC, 2024, 7, 4)));
    assert_eq!(cal.end_time, Some(midnight(UTC, 2024, 7, 6)));
    assert_eq!(cal.timezone, None);
}

#[test]
fn the_timezone_of_an_all_day_event_has_the_rules_of_its_local_year() {
    // 2024-01-01 in Berlin starts on 2023-12-31 UTC.
    let o = opts(ProtocolVersion::V14_1, Europe::Berlin);
    let (cal, _) = event_to_eas(&corpus("unrepresentable_rrule"), &o).unwrap();
    assert_eq!(cal.start_time, Some(midnight(Europe::Berlin, 2024, 1, 1)));
    assert_eq!(cal.timezone, Some(o.zone.to_eas(2024)));
}

#[test]
fn a_16_device_all_day_add_without_timezone_is_its_dates() {
    let change = Calendar {
        all_day_event: Some(true),
        start_time: Some(midnight(UTC, 2024, 7, 4)),
        end_time: Some(midnight(UTC, 2024, 7, 5)),
        subject: Some("Holiday".into()),
        ..Calendar::default()
    };
    for zone in [Europe::Berlin, UTC, America::Los_Angeles] {
        let o = opts(ProtocolVersion::V16_1, zone);
        let out = merge_event(None, &change, &Ghosting::NothingGhosted, &o).unwrap();
        assert!(
            out.contains("DTSTART;VALUE=DATE:20240704\r\n"),
            "{zone}: {out}"
        );
        assert!(
            out.contains("DTEND;VALUE=DATE:20240705\r\n"),
            "{zone}: {out}"
        );
    }
}

#[test]
fn a_16_device_sending_local_midnights_with_a_timezone_is_read_in_it() {
    let berlin = Zone::Iana(Europe::Berlin);
    let change = Calendar {
        timezone: Some(berlin.to_eas(2024)),
        all_day_event: Some(true),
        start_time: Some(midnight(Europe::Berlin, 2024, 7, 4)),
        end_time: Some(midnight(Europe::Berlin, 2024, 7, 5)),
        ..Calendar::default()
    };
    let o = opts(ProtocolVersion::V16_1, America::Los_Angeles);
    let out = merge_event(None, &change, &Ghosting::NothingGhosted, &o).unwrap();
    assert!(out.contains("DTSTART;VALUE=DATE:20240704\r\n"), "{out}");
    assert!(out.contains("DTEND;VALUE=DATE:20240705\r\n"), "{out}");
}

#[test]
fn a_16_device_turning_a_timed_event_all_day_keeps_its_date() {
    // A Los Angeles evening event; midnight UTC of its date is the afternoon before there.
    let stored = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Apple Inc.//iOS 17.4//EN\r\n\
BEGIN:VEVENT\r\nUID:la-1\r\nDTSTAMP:20240101T000000Z\r\n\
DTSTART;TZID=America/Los_Angeles:20240704T190000\r\n\
DTEND;TZID=America/Los_Angeles:20240704T220000\r\nSUMMARY:Fireworks\r\nEND:VEVENT\r\n\
END:VCALENDAR\r\n";
    let o = opts(ProtocolVersion::V16_1, America::Los_Angeles);
    let (mut change, _) = event_to_eas(stored, &o).unwrap();
    change.timezone = None;
    change.all_day_event = Some(true);
    change.start_time = Some(midnight(UTC, 2024, 7, 4));
    change.end_time = Some(midnight(UTC, 2024, 7, 5));
    let out = merge_event(Some(stored), &change, &Ghosting::NothingGhosted, &o).unwrap();
    assert!(out.contains("DTSTART;VALUE=DATE:20240704\r\n"), "{out}");
    assert!(out.contains("DTEND;VALUE=DATE:20240705\r\n"), "{out}");
}

#[test]
fn a_floating_time_is_read_in_the_users_zone_without_a_loss() {
    let o = opts(ProtocolVersion::V16_1, America::Los_Angeles);
    let (cal, losses) = event_to_eas(&corpus("floating"), &o).unwrap();
    // 07:00 floating on 2024-03-05 is 07:00 PST = 15:00 UTC.
    assert_eq!(cal.start_time, Some(1_709_650_800));
    assert_eq!(cal.end_time, Some(1_709_652_600));
    assert_eq!(cal.timezone, Some(o.zone.to_eas(2024)));
    assert!(losses.is_empty(), "{losses:?}");
}

#[test]
fn a_moved_floating_event_without_a_timezone_is_written_in_the_users_zone() {
    let o = opts(ProtocolVersion::V14_1, Europe::Berlin);
    let stored = corpus("floating");
    let (mut change, _) = event_to_eas(&stored, &o).unwrap();
    change.timezone = None;
    change.start_time = change.start_time.map(|t| t + 3600);
    change.end_time = change.end_time.map(|t| t + 3600);
    let out = merge_event(Some(&stored), &change, &Ghosting::NothingGhosted, &o).unwrap();
    assert!(
        out.contains("DTSTART;TZID=Europe/Berlin:20240305T080000\r\n"),
        "{out}"
    );
    assert!(out.contains("BEGIN:VTIMEZONE"), "{out}");
}

#[test]
fn an_all_day_series_round_trips_byte_identical_in_every_zone() {
    for zone in [Europe::Berlin, UTC, America::Los_Angeles] {
        for v in [
            ProtocolVersion::V12_1,
            ProtocolVersion::V14_1,
            ProtocolVersion::V16_1,
        ] {
            let o = opts(v, zone);
            let (echo, losses) = event_to_eas(SERIES, &o).unwrap();
            assert!(losses.is_empty(), "{losses:?}");
            let merged = merge_event(Some(SERIES), &echo, &Ghosting::NothingGhosted, &o).unwrap();
            assert_eq!(merged, SERIES, "{v} {zone}");
        }
    }
}

#[test]
fn before_16_all_day_exceptions_are_named_by_the_users_local_midnight() {
    let o = opts(ProtocolVersion::V14_1, Europe::Berlin);
    let (cal, _) = event_to_eas(SERIES, &o).unwrap();
    let list = cal.exceptions.unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(
        list[0].exception_start_time,
        Some(midnight(Europe::Berlin, 2024, 1, 12))
    );
    assert_eq!(list[0].deleted, Some(true));
    assert_eq!(
        list[1].exception_start_time,
        Some(midnight(Europe::Berlin, 2024, 1, 19))
    );
    assert_eq!(
        list[1].start_time,
        Some(midnight(Europe::Berlin, 2024, 1, 20))
    );
}

#[test]
fn in_16_all_day_instances_are_named_by_midnight_utc() {
    let o = opts(ProtocolVersion::V16_1, America::Los_Angeles);
    let (cal, _) = event_to_eas(SERIES, &o).unwrap();
    let list = cal.exceptions.unwrap();
    assert_eq!(list[0].instance_id, Some(midnight(UTC, 2024, 1, 12)));
    assert_eq!(list[1].instance_id, Some(midnight(UTC, 2024, 1, 19)));
    assert_eq!(list[1].start_time, Some(midnight(UTC, 2024, 1, 20)));
}

#[test]
fn a_deleted_all_day_occurrence_becomes_a_date_exdate() {
    let o = opts(ProtocolVersion::V16_1, America::Los_Angeles);
    let out = delete_instance(SERIES, midnight(UTC, 2024, 1, 26), &o).unwrap();
    assert!(
        out.contains("EXDATE;VALUE=DATE:20240112,20240126\r\n"),
        "{out}"
    );
    let o = opts(ProtocolVersion::V14_1, Europe::Berlin);
    let (mut change, _) = event_to_eas(SERIES, &o).unwrap();
    change.exceptions.as_mut().unwrap().push(Exception {
        deleted: Some(true),
        exception_start_time: Some(midnight(Europe::Berlin, 2024, 1, 26)),
        ..Exception::default()
    });
    let out = merge_event(Some(SERIES), &change, &Ghosting::NothingGhosted, &o).unwrap();
    assert!(
        out.contains("EXDATE;VALUE=DATE:20240112,20240126\r\n"),
        "{out}"
    );
    assert!(
        out.contains("RECURRENCE-ID;VALUE=DATE:20240119\r\n"),
        "{out}"
    );
}
