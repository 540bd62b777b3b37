use super::*;
use crate::recurrence::{RecurrenceType, day_bits};
use crate::timezone::SystemTime;

fn names(el: &Element) -> Vec<&'static str> {
    el.elements().map(|e| e.tag.name()).collect()
}

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
        standard_bias: 0,
        daylight_name: "W. Europe Daylight Time".into(),
        daylight_date: SystemTime {
            month: 3,
            day: 5,
            hour: 2,
            ..SystemTime::default()
        },
        daylight_bias: -60,
    }
}

fn weekly() -> MeetingRequest {
    let mut r = Recurrence::new(RecurrenceType::Weekly);
    r.interval = Some(1);
    r.day_of_week = Some(day_bits::MONDAY);
    r.until = Some(1_798_000_000);
    r.first_day_of_week = Some(1);
    MeetingRequest {
        all_day_event: Some(false),
        start_time: Some(1_795_341_600),
        dt_stamp: 1_795_000_000,
        end_time: Some(1_795_345_200),
        instance_type: Some(InstanceType::Master),
        location: Some(Location::named("Room 1")),
        organizer: Some("\"Al\" <al@example.org>".into()),
        recurrence_id: None,
        reminder: Some(900),
        response_requested: Some(true),
        recurrence: Some(r),
        sensitivity: Some(Sensitivity::Normal),
        busy_status: Some(BusyStatus::Busy),
        time_zone: berlin(),
        global_obj_id: GlobalObjId::from_uid("abc@example.org"),
        uid: "abc@example.org".into(),
        disallow_new_time_proposal: Some(false),
        meeting_message_type: Some(MeetingMessageType::InitialRequest),
        proposed_start_time: None,
        proposed_end_time: None,
        forwardees: vec![],
    }
}

#[test]
fn before_sixteen_the_request_carries_email_location_and_global_obj_id() {
    let el = weekly().to_element(ProtocolVersion::V14_1);
    assert_eq!(
        names(&el),
        [
            "AllDayEvent",
            "StartTime",
            "DtStamp",
            "EndTime",
            "InstanceType",
            "Location",
            "Organizer",
            "Reminder",
            "ResponseRequested",
            "Recurrences",
            "Sensitivity",
            "BusyStatus",
            "TimeZone",
            "GlobalObjId",
            "DisallowNewTimeProposal",
            "MeetingMessageType"
        ]
    );
    assert_eq!(
        el.find(em::LOCATION).map(Element::page),
        Some(wbxml::Page::Email)
    );
    assert_eq!(
        el.child_text(em::START_TIME).as_deref(),
        Some("2026-11-22T10:00:00.000Z")
    );
}

#[test]
fn from_sixteen_the_request_carries_airsyncbase_location_and_uid() {
    let mut m = weekly();
    m.proposed_start_time = Some(1_795_345_200);
    m.proposed_end_time = Some(1_795_348_800);
    m.forwardees = vec![Forwardee {
        name: Some("Bo".into()),
        email: "bo@example.org".into(),
    }];
    let el = m.to_element(ProtocolVersion::V16_1);
    let n = names(&el);
    assert!(n.ends_with(&[
        "TimeZone",
        "DisallowNewTimeProposal",
        "MeetingMessageType",
        "UID",
        "ProposedStartTime",
        "ProposedEndTime",
        "Forwardees"
    ]));
    assert!(!n.contains(&"GlobalObjId"));
    let loc = el.find(asb::LOCATION).expect("airsyncbase:Location");
    assert_eq!(loc.child_text(asb::DISPLAY_NAME).as_deref(), Some("Room 1"));
    assert_eq!(
        el.child_text(mr::PROPOSED_START_TIME).as_deref(),
        Some("20261122T110000Z")
    );
    // 16.0 has no proposed times.
    let n16 = names(&m.to_element(ProtocolVersion::V16_0));
    assert!(!n16.contains(&"ProposedStartTime") && n16.contains(&"Forwardees"));
}

#[test]
fn older_versions_lose_what_they_do_not_define() {
    let mut m = weekly();
    m.busy_status = Some(BusyStatus::WorkingElsewhere);
    let el = m.to_element(ProtocolVersion::V14_0);
    let n = names(&el);
    assert!(!n.contains(&"MeetingMessageType"));
    assert!(n.contains(&"DisallowNewTimeProposal"));
    assert_eq!(el.child_text(em::BUSY_STATUS).as_deref(), Some("2"));
    let rec = el
        .find(em::RECURRENCES)
        .and_then(|r| r.find(em::RECURRENCE))
        .expect("Recurrence");
    assert!(rec.find(em2::FIRST_DAY_OF_WEEK).is_none());
    let el = m.to_element(ProtocolVersion::V12_1);
    assert!(!names(&el).contains(&"DisallowNewTimeProposal"));
}

#[test]
fn every_version_round_trips_what_it_carries() {
    for v in ProtocolVersion::ALL {
        let m = weekly();
        let back = MeetingRequest::from_element(&m.to_element(v)).expect("reads back");
        assert_eq!(back.uid, m.uid, "{v}");
        assert_eq!(back.location, m.location, "{v}");
        assert_eq!(back.time_zone, m.time_zone, "{v}");
        assert_eq!(back.start_time, m.start_time, "{v}");
        assert_eq!(
            back.recurrence.as_ref().map(|r| r.day_of_week),
            Some(Some(day_bits::MONDAY))
        );
        if v < ProtocolVersion::V16_0 {
            assert_eq!(back.global_obj_id, m.global_obj_id, "{v}");
        }
    }
    let full = weekly();
    assert_eq!(
        MeetingRequest::from_element(&full.to_element(ProtocolVersion::V14_1)),
        Ok(full)
    );
}

#[test]
fn overlong_values_are_cut_to_the_schema_limits() {
    let mut m = weekly();
    m.uid = "é".repeat(400);
    m.reminder = Some(200_000);
    let el = m.to_element(ProtocolVersion::V16_1);
    assert_eq!(
        el.child_text(cal::UID).map(|u| u.chars().count()),
        Some(MAX_UID_CHARS)
    );
    assert_eq!(el.child_text(em::REMINDER).as_deref(), Some("65535"));
}

#[test]
fn malformed_values_name_their_element() {
    let bad = Element::new(em::MEETING_REQUEST).text_child(em::INSTANCE_TYPE, "9");
    assert!(matches!(
        MeetingRequest::from_element(&bad),
        Err(ProtocolError::Invalid {
            element: em::INSTANCE_TYPE,
            ..
        })
    ));
    let bad = Element::new(em::MEETING_REQUEST).text_child(em::START_TIME, "tomorrow");
    assert!(MeetingRequest::from_element(&bad).is_err());
    let odd = Element::new(em::MEETING_REQUEST).text_child(em::GLOBAL_OBJ_ID, "***");
    assert_eq!(
        MeetingRequest::from_element(&odd).map(|m| m.global_obj_id),
        Ok(GlobalObjId::default())
    );
}
