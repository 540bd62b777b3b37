//! A message carrying a MeetingRequest validates against Microsoft's EAS response schemas
//! (Email.xsd MeetingRequest sequence) in a Sync Add, for every version.

mod support;

use eas::airsyncbase::{Body, BodyType};
use eas::email::EmailItem;
use eas::meeting_request::{
    BusyStatus, Forwardee, GlobalObjId, InstanceType, Location, MeetingMessageType, MeetingRequest,
    Sensitivity,
};
use eas::recurrence::{Recurrence, RecurrenceType, day_bits};
use eas::sync::{ServerCommand, SyncCollectionResponse, SyncResponse, SyncStatus};
use eas::timezone::{SystemTime, TimeZone};
use eas::{CollectionId, ProtocolVersion, SyncKey};
use support::assert_valid;
use wbxml::{Element, tags::email as em};

fn berlin() -> TimeZone {
    TimeZone {
        bias: -60,
        standard_name: "W. Europe Standard Time".into(),
        standard_date: SystemTime {
            month: 10,
            day: 5,
            hour: 3,
            ..SystemTime::default()
        },
        daylight_name: "W. Europe Daylight Time".into(),
        daylight_date: SystemTime {
            month: 3,
            day: 5,
            hour: 2,
            ..SystemTime::default()
        },
        daylight_bias: -60,
        ..TimeZone::default()
    }
}

fn recurring() -> MeetingRequest {
    let mut r = Recurrence::new(RecurrenceType::MonthlyNth);
    r.interval = Some(1);
    r.week_of_month = Some(2);
    r.day_of_week = Some(day_bits::TUESDAY);
    r.occurrences = Some(10);
    r.first_day_of_week = Some(1);
    MeetingRequest {
        all_day_event: Some(false),
        start_time: Some(1_795_341_600),
        dt_stamp: 1_795_000_000,
        end_time: Some(1_795_345_200),
        instance_type: Some(InstanceType::Master),
        location: Some(Location::named("Room 4 <north wing>")),
        organizer: Some("\"Al Org\" <al@example.org>".into()),
        reminder: Some(900),
        response_requested: Some(true),
        recurrence: Some(r),
        sensitivity: Some(Sensitivity::Private),
        busy_status: Some(BusyStatus::Tentative),
        time_zone: berlin(),
        global_obj_id: GlobalObjId::from_uid("7kq2@example.org"),
        uid: "7kq2@example.org".into(),
        disallow_new_time_proposal: Some(true),
        meeting_message_type: Some(MeetingMessageType::FullUpdate),
        proposed_start_time: Some(1_795_345_200),
        proposed_end_time: Some(1_795_348_800),
        forwardees: vec![Forwardee {
            name: Some("Bo".into()),
            email: "bo@example.org".into(),
        }],
        ..MeetingRequest::default()
    }
}

/// An occurrence cancelled: only the required children and a RecurrenceId.
fn minimal_occurrence() -> MeetingRequest {
    MeetingRequest {
        dt_stamp: 1_795_000_000,
        instance_type: Some(InstanceType::Exception),
        recurrence_id: Some(1_795_341_600),
        global_obj_id: GlobalObjId::from_uid("x").with_instance_date(2026, 11, 22),
        uid: "x".into(),
        ..MeetingRequest::default()
    }
}

/// The message's ApplicationData with the MeetingRequest (after MessageClass, where
/// MS-ASEMAIL 2.2.2 lists it).
fn application_data(m: &MeetingRequest, v: ProtocolVersion) -> Element {
    let item = EmailItem {
        to: "jo@example.org".into(),
        from: "\"Al Org\" <al@example.org>".into(),
        subject: "Planning".into(),
        date_received: eas::date::format_utc(1_795_000_000),
        message_class: "IPM.Schedule.Meeting.Request".into(),
        body: Some(Body::full(BodyType::Plain, "Agenda\r\n".into())),
        meeting_request: Some(m.clone()),
        ..EmailItem::default()
    };
    item.to_application_data(v)
}

fn sync(v: ProtocolVersion) -> SyncResponse {
    let mut c = SyncCollectionResponse::new(
        SyncKey::new("{a}2").expect("key"),
        CollectionId::new("5").expect("id"),
        SyncStatus::Success,
    );
    c.commands = vec![
        ServerCommand::Add {
            server_id: "5:1".into(),
            application_data: application_data(&recurring(), v),
        },
        ServerCommand::Add {
            server_id: "5:2".into(),
            application_data: application_data(&minimal_occurrence(), v),
        },
    ];
    SyncResponse::new(vec![c])
}

#[test]
fn meeting_requests_in_a_sync_add_validate_for_every_version() {
    for v in ProtocolVersion::ALL {
        assert_valid(&format!("Sync MeetingRequest, {v}"), &sync(v).to_element(v));
    }
}

#[test]
fn the_schema_test_covers_both_identifier_forms() {
    let old = recurring().to_element(ProtocolVersion::V14_1);
    assert!(old.find(em::GLOBAL_OBJ_ID).is_some());
    let new = recurring().to_element(ProtocolVersion::V16_1);
    assert!(new.find(wbxml::tags::calendar::UID).is_some());
}
