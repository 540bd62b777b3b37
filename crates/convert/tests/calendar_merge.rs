//! A device's event merged into the stored iCalendar object: what the device speaks for
//! changes, everything else survives; an equal change changes nothing.

use convert::calendar::{
    CalendarOptions, delete_instance, event_to_eas, merge_event, merge_instance,
};
use convert::merge::Ghosting;
use eas::ProtocolVersion;
use eas::airsyncbase::{Body, BodyPreference, BodyType};
use eas::calendar::{Attendee, AttendeeStatus, Calendar, Exception, Location};
use wbxml::tags::calendar as cal;

const NOW: i64 = 1_714_000_000;

fn opts(version: ProtocolVersion) -> CalendarOptions {
    CalendarOptions {
        version,
        body: Some(BodyPreference::whole(BodyType::Html)),
        user_addresses: vec!["me@example.com".into()],
        now: NOW,
        zone: convert::timezone::Zone::Iana(chrono_tz::Europe::Berlin),
    }
}

fn corpus(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/corpus/calendar/{name}.ics",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

const ALL: [&str; 13] = [
    "ios_lunch",
    "davx5_dentist",
    "thunderbird_invitation",
    "outlook_windows_tzid",
    "google_meet",
    "radicale_duration",
    "all_day",
    "weekly_overrides_exdate",
    "monthly_last_friday",
    "unrepresentable_rrule",
    "custom_vtimezone",
    "floating",
    "three_alarms_attach",
];

#[test]
fn a_change_equal_to_the_rendered_event_leaves_the_object_byte_identical() {
    use chrono_tz::{America, Europe, UTC};
    for zone in [Europe::Berlin, UTC, America::Los_Angeles] {
        for v in [
            ProtocolVersion::V14_1,
            ProtocolVersion::V16_1,
            ProtocolVersion::V12_1,
        ] {
            let o = CalendarOptions {
                zone: convert::timezone::Zone::Iana(zone),
                ..opts(v)
            };
            for name in ALL {
                let stored = corpus(name);
                let (echo, _) = event_to_eas(&stored, &o).unwrap();
                let merged =
                    merge_event(Some(&stored), &echo, &Ghosting::NothingGhosted, &o).unwrap();
                assert_eq!(merged, stored, "{name} {v} {zone}");
            }
        }
    }
}

fn edit_subject(name: &str, subject: &str, ghosting: &Ghosting) -> String {
    let stored = corpus(name);
    let o = opts(ProtocolVersion::V16_1);
    let (mut change, _) = event_to_eas(&stored, &o).unwrap();
    change.subject = Some(subject.into());
    merge_event(Some(&stored), &change, ghosting, &o).unwrap()
}

#[test]
fn x_properties_alarms_attachments_and_parameters_survive_a_subject_edit() {
    let out = edit_subject(
        "three_alarms_attach",
        "Tax deadline!",
        &Ghosting::NothingGhosted,
    );
    assert!(out.contains("SUMMARY:Tax deadline!\r\n"));
    assert!(out.contains("ATTACH;FMTTYPE=application/pdf:https://files.example.org/tax-form.pdf"));
    assert_eq!(out.matches("BEGIN:VALARM").count(), 3);
    let ios = edit_subject(
        "ios_lunch",
        "Lunch with Claire & Tom",
        &Ghosting::NothingGhosted,
    );
    assert!(ios.contains("X-APPLE-STRUCTURED-LOCATION"), "{ios}");
    assert!(ios.contains("X-WR-ALARMUID:6E2A9C41-7F0B-4D1E-9C2A-3B4D5E6F7A8B"));
    assert!(ios.contains("ACKNOWLEDGED:20240412T100001Z"));
    let ms = edit_subject("outlook_windows_tzid", "Budget", &Ghosting::NothingGhosted);
    assert!(ms.contains("SUMMARY;LANGUAGE=de:Budget\r\n"), "{ms}");
    assert!(ms.contains("X-MICROSOFT-CDO-BUSYSTATUS:OOF"));
    assert!(ms.contains("DTSTART;TZID=\"W. Europe Standard Time\":20240115T100000"));
    assert!(ms.contains("X-ALT-DESC;FMTTYPE=text/html"));
}

#[test]
fn per_instance_data_survives_a_subject_edit_of_the_series() {
    let out = edit_subject(
        "weekly_overrides_exdate",
        "Daily-ish standup",
        &Ghosting::NothingGhosted,
    );
    assert!(out.contains("SUMMARY:Daily-ish standup\r\n"));
    assert!(out.contains("SUMMARY:Team standup (long)\r\n"));
    assert!(out.contains("X-PER-INSTANCE:note"));
    assert!(out.contains("EXDATE;TZID=Europe/Berlin:20240112T093000"));
    assert!(out.contains("RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR"));
    assert!(
        out.contains("ATTENDEE;CN=Lars;PARTSTAT=ACCEPTED;X-EXTRA=keep:mailto:lars@example.com")
    );
    assert!(out.contains("X-TEAM-CODE:ALPHA"));
}

#[test]
fn a_changed_object_gets_a_new_dtstamp_and_last_modified() {
    let out = edit_subject("radicale_duration", "Bouldering", &Ghosting::NothingGhosted);
    assert!(out.contains("DTSTAMP:20240424T230640Z"), "{out}");
    assert!(out.contains("LAST-MODIFIED:20240424T230640Z"));
}

#[test]
fn without_supported_an_omitted_location_is_cleared() {
    let stored = corpus("davx5_dentist");
    let o = opts(ProtocolVersion::V14_1);
    let (mut change, _) = event_to_eas(&stored, &o).unwrap();
    change.location = None;
    let out = merge_event(Some(&stored), &change, &Ghosting::NothingGhosted, &o).unwrap();
    assert!(!out.contains("LOCATION"));
}

#[test]
fn with_supported_an_omitted_element_not_named_is_kept() {
    let stored = corpus("davx5_dentist");
    let o = opts(ProtocolVersion::V14_1);
    let (mut change, _) = event_to_eas(&stored, &o).unwrap();
    change.location = None;
    change.categories = None;
    let ghosting = Ghosting::from_supported(&[cal::SUBJECT]);
    let out = merge_event(Some(&stored), &change, &ghosting, &o).unwrap();
    assert_eq!(out, stored);
}

#[test]
fn an_omitted_or_truncated_body_is_never_a_deletion() {
    let stored = corpus("outlook_windows_tzid");
    let o = opts(ProtocolVersion::V16_1);
    let (mut change, _) = event_to_eas(&stored, &o).unwrap();
    change.body = None;
    assert_eq!(
        merge_event(Some(&stored), &change, &Ghosting::NothingGhosted, &o).unwrap(),
        stored
    );
    change.body = Some(Body {
        truncated: true,
        ..Body::full(BodyType::Plain, "Bitte".into())
    });
    assert_eq!(
        merge_event(Some(&stored), &change, &Ghosting::NothingGhosted, &o).unwrap(),
        stored
    );
}

#[test]
fn a_plain_body_replaces_the_description_and_the_stale_html() {
    let stored = corpus("outlook_windows_tzid");
    let o = opts(ProtocolVersion::V16_1);
    let (mut change, _) = event_to_eas(&stored, &o).unwrap();
    change.body = Some(Body::full(BodyType::Plain, "Neue Agenda".into()));
    let out = merge_event(Some(&stored), &change, &Ghosting::NothingGhosted, &o).unwrap();
    assert!(out.contains("DESCRIPTION:Neue Agenda\r\n"));
    assert!(!out.contains("X-ALT-DESC"));
}

#[test]
fn an_invitee_cannot_change_other_peoples_status_or_the_list() {
    let stored = corpus("thunderbird_invitation");
    let o = opts(ProtocolVersion::V16_1);
    let (mut change, _) = event_to_eas(&stored, &o).unwrap();
    let list = change.attendees.as_mut().unwrap();
    list[1].status = Some(AttendeeStatus::Decline);
    list.pop();
    list.push(Attendee::new("intruder@example.com", "X"));
    let out = merge_event(Some(&stored), &change, &Ghosting::NothingGhosted, &o).unwrap();
    assert_eq!(out, stored);
}

#[test]
fn an_organizer_edits_the_list_and_survivors_keep_their_parameters() {
    let stored = corpus("google_meet");
    let o = opts(ProtocolVersion::V16_1);
    let (mut change, _) = event_to_eas(&stored, &o).unwrap();
    let list = change.attendees.as_mut().unwrap();
    list.remove(2);
    list.push(Attendee::new("new@example.org", "Newcomer"));
    let out = merge_event(Some(&stored), &change, &Ghosting::NothingGhosted, &o).unwrap();
    assert!(!out.contains("c_1888abc"));
    assert!(
        out.contains("X-NUM-GUESTS=0:mailto:priya@example.net"),
        "{out}"
    );
    assert!(out.contains("ATTENDEE;CN=Newcomer:mailto:new@example.org"));
    assert!(out.contains("ORGANIZER;CN=me@example.com:mailto:me@example.com"));
}

#[test]
fn a_device_change_without_recurrence_keeps_an_rrule_it_never_saw() {
    let stored = corpus("unrepresentable_rrule");
    let o = opts(ProtocolVersion::V14_1);
    let (mut change, losses) = event_to_eas(&stored, &o).unwrap();
    assert!(change.recurrence.is_none());
    assert!(losses.iter().any(|l| l.property == "RRULE"));
    change.subject = Some("Pay all bills".into());
    let out = merge_event(Some(&stored), &change, &Ghosting::NothingGhosted, &o).unwrap();
    assert!(out.contains("RRULE:FREQ=MONTHLY;BYMONTHDAY=1,15"));
    assert!(out.contains("RDATE;VALUE=DATE:20240220"));
}

#[test]
fn a_new_event_takes_the_client_uid_and_the_devices_zone() {
    let berlin = convert::timezone::Zone::Iana(chrono_tz::Europe::Berlin).to_eas(2024);
    let change = Calendar {
        client_uid: Some("ios-CLIENT-1".into()),
        timezone: Some(berlin),
        start_time: Some(1_704_877_200),
        end_time: Some(1_704_880_800),
        subject: Some("Dentist".into()),
        reminder: Some(10),
        location: Some(Location::named("Praxis")),
        ..Calendar::default()
    };
    let o = opts(ProtocolVersion::V16_1);
    let out = merge_event(None, &change, &Ghosting::NothingGhosted, &o).unwrap();
    assert!(out.contains("UID:ios-CLIENT-1\r\n"));
    assert!(
        out.contains("DTSTART;TZID=Europe/Berlin:20240110T100000\r\n"),
        "{out}"
    );
    assert!(out.contains("BEGIN:VTIMEZONE"));
    assert!(out.contains("TRIGGER:-PT10M"));
    let (back, _) = event_to_eas(&out, &o).unwrap();
    assert_eq!(back.start_time, change.start_time);
    assert_eq!(back.end_time, change.end_time);
    assert_eq!(back.reminder, Some(10));
}

#[test]
fn a_new_all_day_event_is_dates_in_the_devices_zone() {
    let berlin = convert::timezone::Zone::Iana(chrono_tz::Europe::Berlin).to_eas(2024);
    // 2024-07-04 00:00 in Berlin is 2024-07-03 22:00 UTC.
    let change = Calendar {
        timezone: Some(berlin),
        all_day_event: Some(true),
        start_time: Some(1_720_044_000),
        end_time: Some(1_720_130_400),
        subject: Some("Holiday".into()),
        ..Calendar::default()
    };
    let o = opts(ProtocolVersion::V14_1);
    let out = merge_event(None, &change, &Ghosting::NothingGhosted, &o).unwrap();
    assert!(out.contains("DTSTART;VALUE=DATE:20240704\r\n"), "{out}");
    assert!(out.contains("DTEND;VALUE=DATE:20240705\r\n"));
    let (back, _) = event_to_eas(&out, &o).unwrap();
    assert_eq!(back.all_day_event, Some(true));
    // Rendered as midnight of the date in the user's zone (Berlin here).
    assert_eq!(back.start_time, Some(1_720_044_000));
    assert_eq!(back.end_time, Some(1_720_130_400));
}

#[test]
fn an_exceptions_list_is_the_full_list() {
    let stored = corpus("weekly_overrides_exdate");
    let o = opts(ProtocolVersion::V14_1);
    let (mut change, _) = event_to_eas(&stored, &o).unwrap();
    // The first EXDATE (2024-01-12 09:30 Berlin) stays; the second and the override go; a
    // new deleted occurrence is added.
    change.exceptions = Some(vec![
        Exception {
            deleted: Some(true),
            exception_start_time: Some(1_705_048_200),
            ..Exception::default()
        },
        Exception {
            deleted: Some(true),
            exception_start_time: Some(1_706_257_800),
            ..Exception::default()
        },
    ]);
    let out = merge_event(Some(&stored), &change, &Ghosting::NothingGhosted, &o).unwrap();
    assert!(
        out.contains("EXDATE;TZID=Europe/Berlin:20240112T093000,20240126T093000\r\n"),
        "{out}"
    );
    assert!(!out.contains("RECURRENCE-ID"));
}

#[test]
fn a_16_instance_change_makes_or_updates_its_override() {
    let stored = corpus("weekly_overrides_exdate");
    let o = opts(ProtocolVersion::V16_1);
    // 2024-01-22 09:30 Berlin, a plain occurrence.
    let change = Calendar {
        subject: Some("Standup at the cafe".into()),
        location: Some(Location::named("Cafe")),
        ..Calendar::default()
    };
    let out = merge_instance(
        &stored,
        1_705_912_200,
        &change,
        &Ghosting::NothingGhosted,
        &o,
    )
    .unwrap();
    assert!(
        out.contains("RECURRENCE-ID;TZID=Europe/Berlin:20240122T093000\r\n"),
        "{out}"
    );
    assert!(out.contains("SUMMARY:Standup at the cafe\r\n"));
    assert!(out.contains("DTSTART;TZID=Europe/Berlin:20240122T093000\r\n"));
    assert_eq!(
        out.matches("X-TEAM-CODE:ALPHA").count(),
        2,
        "copied from the master"
    );
    // The existing override (2024-01-15) keeps what the change does not speak for.
    let out = merge_instance(
        &stored,
        1_705_307_400,
        &change,
        &Ghosting::NothingGhosted,
        &o,
    )
    .unwrap();
    assert!(out.contains("X-PER-INSTANCE:note"));
    assert!(out.contains("DTSTART;TZID=Europe/Berlin:20240115T100000\r\n"));
    assert!(out.contains("LOCATION:Cafe\r\n"));
    // An equal change changes nothing.
    let same = Calendar {
        subject: Some("Team standup (long)".into()),
        ..Calendar::default()
    };
    assert_eq!(
        merge_instance(&stored, 1_705_307_400, &same, &Ghosting::NothingGhosted, &o).unwrap(),
        stored
    );
}

#[test]
fn a_16_instance_delete_is_an_exdate_and_drops_the_override() {
    let stored = corpus("weekly_overrides_exdate");
    let o = opts(ProtocolVersion::V16_1);
    let out = delete_instance(&stored, 1_705_307_400, &o).unwrap();
    assert!(!out.contains("RECURRENCE-ID"));
    assert!(out.contains("20240115T093000"), "{out}");
    assert_eq!(
        delete_instance(&stored, 1_705_048_200, &o).unwrap(),
        stored,
        "already excluded"
    );
}
