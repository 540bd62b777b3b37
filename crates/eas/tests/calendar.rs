//! The Calendar class: a full event (attendees, recurrence, exceptions) validates against the
//! EAS schemas in a Sync Add for 12.1, 14.1 and 16.1, and reads back as written.

mod support;

use eas::airsyncbase::{Body, BodyType};
use eas::calendar::{
    Attendee, AttendeeStatus, AttendeeType, BusyStatus, Calendar, Exception, Location,
    MeetingStatus, ResponseType, Sensitivity,
};
use eas::recurrence::{Recurrence, RecurrenceType, day_bits};
use eas::sync::{ServerCommand, SyncCollectionResponse, SyncResponse, SyncStatus};
use eas::timezone::{SystemTime, TimeZone};
use eas::{CollectionId, ProtocolVersion, SyncKey};
use support::assert_valid;
use wbxml::Element;
use wbxml::tags::{airsyncbase as asb, calendar as cal};

fn sync_add(data: Element, version: ProtocolVersion) -> Element {
    let key = SyncKey::new("3").unwrap();
    let mut c =
        SyncCollectionResponse::new(key, CollectionId::new("4").unwrap(), SyncStatus::Success);
    c.commands = vec![ServerCommand::Add {
        server_id: "4:1".into(),
        application_data: data,
    }];
    SyncResponse::new(vec![c]).to_element(version)
}

fn berlin() -> TimeZone {
    let rule = |month, day, hour| SystemTime {
        month,
        day_of_week: 0,
        day,
        hour,
        ..SystemTime::default()
    };
    TimeZone {
        bias: -60,
        standard_name: "W. Europe Standard Time".into(),
        standard_date: rule(10, 5, 3),
        standard_bias: 0,
        daylight_name: "W. Europe Daylight Time".into(),
        daylight_date: rule(3, 5, 2),
        daylight_bias: -60,
    }
}

fn full_event() -> Calendar {
    let mut weekly = Recurrence::new(RecurrenceType::Weekly);
    weekly.interval = Some(1);
    weekly.day_of_week = Some(day_bits::TUESDAY);
    weekly.occurrences = Some(10);
    Calendar {
        timezone: Some(berlin()),
        all_day_event: Some(false),
        body: Some(Body::full(BodyType::Plain, "Agenda:\r\n1. Budget".into())),
        busy_status: Some(BusyStatus::Busy),
        organizer_name: Some("Ann Organizer".into()),
        organizer_email: Some("ann@example.org".into()),
        dt_stamp: Some(1_704_067_200),
        end_time: Some(1_704_880_800),
        location: Some(Location {
            display_name: Some("Room 1".into()),
            city: Some("Berlin".into()),
            latitude: Some(52.52),
            longitude: Some(13.405),
            ..Location::default()
        }),
        reminder: Some(15),
        sensitivity: Some(Sensitivity::Normal),
        subject: Some("Weekly sync".into()),
        start_time: Some(1_704_877_200),
        uid: Some("040000008200E00074C5B7101A82E008".into()),
        client_uid: None,
        meeting_status: Some(MeetingStatus::Received),
        attendees: Some(vec![
            Attendee {
                email: "bob@example.org".into(),
                name: "Bob".into(),
                status: Some(AttendeeStatus::Accept),
                kind: Some(AttendeeType::Required),
            },
            Attendee {
                email: "room1@example.org".into(),
                name: "Room 1".into(),
                status: None,
                kind: Some(AttendeeType::Resource),
            },
        ]),
        categories: Some(vec!["Work".into(), "Blue".into()]),
        recurrence: Some(weekly),
        exceptions: Some(vec![
            Exception {
                deleted: Some(true),
                exception_start_time: Some(1_705_482_000),
                ..Exception::default()
            },
            Exception {
                exception_start_time: Some(1_706_086_800),
                subject: Some("Weekly sync (moved)".into()),
                start_time: Some(1_706_090_400),
                end_time: Some(1_706_094_000),
                location: Some(Location::named("Room 2")),
                attendees: Some(vec![Attendee::new("bob@example.org", "Bob")]),
                response_type: Some(ResponseType::Tentative),
                ..Exception::default()
            },
        ]),
        response_requested: Some(true),
        appointment_reply_time: Some(1_704_100_000),
        response_type: Some(ResponseType::Accepted),
        disallow_new_time_proposal: Some(false),
        online_meeting_conf_link: Some("https://meet.example.org/abc".into()),
        online_meeting_external_link: Some("https://meet.example.org/abc?ext".into()),
        native_body_type: Some(BodyType::Plain),
    }
}

#[test]
fn a_full_event_validates_in_a_sync_add_for_12_1_14_1_and_16_1() {
    for v in [
        ProtocolVersion::V12_0,
        ProtocolVersion::V12_1,
        ProtocolVersion::V14_0,
        ProtocolVersion::V14_1,
        ProtocolVersion::V16_0,
        ProtocolVersion::V16_1,
    ] {
        let data = full_event().to_application_data(v);
        assert_valid(&format!("Calendar Add, {v}"), &sync_add(data, v));
    }
}

#[test]
fn elements_follow_the_version() {
    let v12 = full_event().to_application_data(ProtocolVersion::V12_1);
    assert!(v12.find(cal::RESPONSE_TYPE).is_none());
    assert!(v12.find(cal::ONLINE_MEETING_CONF_LINK).is_none());
    assert_eq!(v12.find(cal::LOCATION).unwrap().text().unwrap(), "Room 1");
    assert!(v12.find(asb::LOCATION).is_none());
    let v14 = full_event().to_application_data(ProtocolVersion::V14_0);
    assert!(v14.find(cal::RESPONSE_TYPE).is_some());
    assert!(v14.find(cal::ONLINE_MEETING_CONF_LINK).is_none());
    let v16 = full_event().to_application_data(ProtocolVersion::V16_1);
    assert!(v16.find(cal::LOCATION).is_none());
    let loc = v16.find(asb::LOCATION).unwrap();
    assert_eq!(loc.find(asb::CITY).unwrap().text().unwrap(), "Berlin");
    let x = v16
        .find(cal::EXCEPTIONS)
        .unwrap()
        .find(cal::EXCEPTION)
        .unwrap();
    assert!(x.find(cal::EXCEPTION_START_TIME).is_none());
    assert_eq!(
        x.find(asb::INSTANCE_ID).unwrap().text().unwrap(),
        "2024-01-17T09:00:00.000Z"
    );
}

#[test]
fn working_elsewhere_is_busy_before_16() {
    let mut e = full_event();
    e.busy_status = Some(BusyStatus::WorkingElsewhere);
    let v14 = e.to_application_data(ProtocolVersion::V14_1);
    assert_eq!(v14.find(cal::BUSY_STATUS).unwrap().text().unwrap(), "2");
    let v16 = e.to_application_data(ProtocolVersion::V16_1);
    assert_eq!(v16.find(cal::BUSY_STATUS).unwrap().text().unwrap(), "4");
}

#[test]
fn what_is_written_reads_back_the_same() {
    let v = ProtocolVersion::V14_1;
    let mut e = full_event();
    e.location = Some(Location::named("Room 1"));
    let back = Calendar::from_application_data(&e.to_application_data(v), v).unwrap();
    assert_eq!(back, e);
    let v = ProtocolVersion::V16_1;
    let e = full_event();
    let back = Calendar::from_application_data(&e.to_application_data(v), v).unwrap();
    let mut want = e.clone();
    for (x, w) in back
        .exceptions
        .iter()
        .flatten()
        .zip(want.exceptions.iter_mut().flatten())
    {
        assert_eq!(x.instance_id, w.exception_start_time);
        w.instance_id = w.exception_start_time.take();
    }
    assert_eq!(back, want);
}

#[test]
fn a_device_change_with_client_uid_and_empty_reminder_reads() {
    let mut data = Element::new(wbxml::tags::airsync::APPLICATION_DATA);
    data.push(Element::with_text(cal::CLIENT_UID, "ios-1234"));
    data.push(Element::with_text(cal::REMINDER, ""));
    data.push(Element::with_text(cal::SUBJECT, "Lunch"));
    data.push(Element::with_text(cal::START_TIME, "20240110T120000Z"));
    data.push(Element::new(cal::ATTENDEES));
    data.push(Element::with_text(wbxml::tags::email::SUBJECT, "ignored"));
    let c = Calendar::from_application_data(&data, ProtocolVersion::V16_1).unwrap();
    assert_eq!(c.client_uid.as_deref(), Some("ios-1234"));
    assert_eq!(c.reminder, None);
    assert_eq!(c.start_time, Some(1_704_888_000));
    assert_eq!(c.attendees, Some(vec![]));
}

#[test]
fn out_of_range_codes_are_refused() {
    let mut data = Element::new(wbxml::tags::airsync::APPLICATION_DATA);
    data.push(Element::with_text(cal::MEETING_STATUS, "2"));
    assert!(Calendar::from_application_data(&data, ProtocolVersion::V14_1).is_err());
}
