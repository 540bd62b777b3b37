//! Invitations and cancellations as the MeetingRequest element.

use convert::meeting::{meeting_request, meeting_request_with_losses, message_class};
use eas::ProtocolVersion::{self, V14_1, V16_1};
use eas::airsyncbase::{Body, BodyType};
use eas::email::EmailItem;
use eas::meeting_request::{
    BusyStatus, GlobalObjId, InstanceType, MeetingMessageType, MeetingRequest, Sensitivity,
};
use eas::sync::{ServerCommand, SyncCollectionResponse, SyncResponse, SyncStatus};
use eas::{CollectionId, SyncKey};
use wbxml::Element;

use super::{CORPUS, corpus, opts, support};

fn request(name: &str, v: ProtocolVersion) -> MeetingRequest {
    meeting_request(&corpus(name), &opts(v))
        .expect("readable")
        .expect("a MeetingRequest")
}

/// 2026-11-23T09:00:00Z etc.
fn utc(text: &str) -> i64 {
    eas::date::parse_utc(text).expect("date")
}

#[test]
fn every_corpus_invitation_renders_for_fourteen_one_and_sixteen_one() {
    for name in CORPUS {
        for v in [V14_1, V16_1] {
            let xml = wbxml::to_xml(&request(name, v).to_element(v));
            let stem = name.trim_end_matches(".ics");
            insta::assert_snapshot!(format!("{stem}_{}", v.as_str().replace('.', "_")), xml);
        }
    }
}

fn sync_add(m: &MeetingRequest, class: &str, v: ProtocolVersion) -> Element {
    let item = EmailItem {
        to: "jo@example.org".into(),
        from: "organizer@example.org".into(),
        subject: "Invitation".into(),
        date_received: eas::date::format_utc(1_795_000_000),
        message_class: class.into(),
        body: Some(Body::full(BodyType::Plain, "x".into())),
        meeting_request: Some(m.clone()),
        ..EmailItem::default()
    };
    let data = item.to_application_data(v);
    let mut c = SyncCollectionResponse::new(
        SyncKey::new("{m}1").expect("key"),
        CollectionId::new("5").expect("id"),
        SyncStatus::Success,
    );
    c.commands = vec![ServerCommand::Add {
        server_id: "5:1".into(),
        application_data: data,
    }];
    SyncResponse::new(vec![c]).to_element(v)
}

#[test]
fn every_corpus_invitation_validates_in_a_sync_add_for_every_version() {
    for name in CORPUS {
        let class = message_class(&corpus(name)).expect("a meeting class");
        for v in ProtocolVersion::ALL {
            let doc = sync_add(&request(name, v), class, v);
            support::assert_valid(&format!("{name}, {v}"), &doc);
        }
    }
}

#[test]
fn outlook_windows_zone_and_cdo_properties_are_read() {
    let m = request("outlook_invitation.ics", V14_1);
    // 10:00 W. Europe (CET, UTC+1) in November.
    assert_eq!(m.start_time, Some(utc("2026-11-23T09:00:00Z")));
    assert_eq!(m.end_time, Some(utc("2026-11-23T10:30:00Z")));
    assert_eq!(m.time_zone.bias, -60);
    assert!(m.time_zone.has_daylight());
    assert_eq!(
        m.busy_status,
        Some(BusyStatus::Busy),
        "INTENDEDSTATUS, not BUSYSTATUS"
    );
    assert_eq!(m.disallow_new_time_proposal, Some(true));
    assert_eq!(m.reminder, Some(900), "seconds");
    assert_eq!(
        m.organizer.as_deref(),
        Some("\"Anna Berger\" <anna.berger@contoso.example>")
    );
    assert_eq!(
        m.location.and_then(|l| l.display_name).as_deref(),
        Some("Raum 4.12 (Nord)")
    );
    assert_eq!(m.sensitivity, Some(Sensitivity::Normal));
    assert_eq!(m.instance_type, Some(InstanceType::Single));
    assert_eq!(
        m.meeting_message_type,
        Some(MeetingMessageType::InitialRequest)
    );
    assert_eq!(m.response_requested, Some(true));
}

#[test]
fn an_outlook_uid_is_its_global_obj_id_and_other_uids_are_wrapped() {
    let m = request("outlook_invitation.ics", V14_1);
    assert_eq!(m.global_obj_id.uid(), m.uid);
    assert_eq!(m.global_obj_id.vcal_uid(), None);
    assert_eq!(m.global_obj_id.0.len(), 56);
    let g = request("google_invitation.ics", V14_1);
    assert_eq!(
        g.global_obj_id,
        GlobalObjId::from_uid("3k9v7r2d1q0mfbn5o8c6t4e2aa@google.com")
    );
    assert_eq!(g.global_obj_id.vcal_uid().as_deref(), Some(g.uid.as_str()));
}

#[test]
fn google_attendee_match_is_case_insensitive_and_empty_location_is_none() {
    let m = request("google_invitation.ics", V16_1);
    assert_eq!(
        m.response_requested,
        Some(true),
        "Jo@Example.org is jo@example.org"
    );
    assert_eq!(m.location, None);
    assert_eq!(m.reminder, Some(1800));
    assert_eq!(m.start_time, Some(utc("2026-12-01T19:00:00Z")));
    assert_eq!(m.time_zone.bias, 300);
}

#[test]
fn ios_all_day_invitation_is_midnight_to_midnight_in_utc() {
    let m = request("ios_invitation.ics", V16_1);
    assert_eq!(m.all_day_event, Some(true));
    assert_eq!(m.start_time, Some(utc("2026-12-05T00:00:00Z")));
    assert_eq!(m.end_time, Some(utc("2026-12-06T00:00:00Z")));
    assert_eq!(m.time_zone, eas::timezone::TimeZone::utc());
    assert_eq!(m.sensitivity, Some(Sensitivity::Private));
    assert_eq!(m.reminder, Some(15 * 3600));
    assert_eq!(
        m.organizer.as_deref(),
        Some("\"Chloé Martin\" <chloe@icloud.example>")
    );
}

#[test]
fn thunderbird_duration_transparency_and_rsvp_false() {
    let m = request("thunderbird_invitation.ics", V14_1);
    assert_eq!(m.start_time, Some(utc("2026-11-24T15:30:00Z")));
    assert_eq!(
        m.end_time,
        Some(utc("2026-11-24T16:15:00Z")),
        "DTSTART + DURATION"
    );
    assert_eq!(m.busy_status, Some(BusyStatus::Free));
    assert_eq!(m.response_requested, Some(false));
    assert_eq!(m.reminder, None);
}

#[test]
fn a_series_invitation_is_a_master_and_reports_what_it_cannot_carry() {
    let (m, losses) =
        meeting_request_with_losses(&corpus("recurring_invitation.ics"), &opts(V16_1))
            .expect("readable")
            .expect("a MeetingRequest");
    assert_eq!(m.instance_type, Some(InstanceType::Master));
    assert!(losses.iter().any(|l| l.property == "EXDATE"), "{losses:?}");
}

#[test]
fn a_weekly_series_carries_its_pattern() {
    use eas::recurrence::{RecurrenceType, day_bits};
    let m = request("recurring_invitation.ics", V16_1);
    let r = m.recurrence.expect("Recurrences");
    assert_eq!(r.kind, RecurrenceType::Weekly);
    assert_eq!(
        r.day_of_week,
        Some(day_bits::MONDAY | day_bits::WEDNESDAY | day_bits::FRIDAY)
    );
}

#[test]
fn a_cancellation_frees_the_time_and_asks_for_no_answer() {
    let m = request("cancellation.ics", V16_1);
    assert_eq!(m.busy_status, Some(BusyStatus::Free));
    assert_eq!(m.response_requested, Some(false));
    assert_eq!(m.meeting_message_type, Some(MeetingMessageType::Silent));
    assert_eq!(
        message_class(&corpus("cancellation.ics")),
        Some("IPM.Schedule.Meeting.Canceled")
    );
}

#[test]
fn an_update_of_one_occurrence_is_an_exception_with_its_recurrence_id() {
    let m = request("occurrence_update.ics", V14_1);
    assert_eq!(m.instance_type, Some(InstanceType::Exception));
    assert_eq!(m.recurrence_id, Some(utc("2026-11-11T08:30:00Z")));
    assert_eq!(m.start_time, Some(utc("2026-11-11T10:00:00Z")));
    assert_eq!(m.global_obj_id.instance_date(), Some((2026, 11, 11)));
    assert_eq!(
        m.meeting_message_type,
        Some(MeetingMessageType::FullUpdate),
        "SEQUENCE 1"
    );
    assert!(m.recurrence.is_none());
}

fn with_method(method: &str) -> String {
    corpus("thunderbird_invitation.ics").replace("METHOD:REQUEST", &format!("METHOD:{method}"))
}

#[test]
fn other_methods_and_objects_without_a_vevent_have_no_meeting_request() {
    for method in ["REPLY", "COUNTER", "PUBLISH", "REFRESH"] {
        assert_eq!(
            meeting_request(&with_method(method), &opts(V16_1)),
            Ok(None),
            "{method}"
        );
    }
    let todo = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VTODO\r\nUID:t\r\nEND:VTODO\r\nEND:VCALENDAR\r\n";
    assert_eq!(meeting_request(todo, &opts(V16_1)), Ok(None));
    let no_method = corpus("thunderbird_invitation.ics").replace("METHOD:REQUEST\r\n", "");
    assert_eq!(meeting_request(&no_method, &opts(V16_1)), Ok(None));
    assert!(meeting_request("not a calendar", &opts(V16_1)).is_err());
}

#[test]
fn message_classes_follow_method_and_the_replying_partstat() {
    assert_eq!(
        message_class(&corpus("outlook_invitation.ics")),
        Some("IPM.Schedule.Meeting.Request")
    );
    let reply = |partstat: &str| {
        format!(
            "BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:u\r\nATTENDEE;PARTSTAT={partstat}:mailto:a@b\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        )
    };
    assert_eq!(
        message_class(&reply("ACCEPTED")),
        Some("IPM.Schedule.Meeting.Resp.Pos")
    );
    assert_eq!(
        message_class(&reply("TENTATIVE")),
        Some("IPM.Schedule.Meeting.Resp.Tent")
    );
    assert_eq!(
        message_class(&reply("DECLINED")),
        Some("IPM.Schedule.Meeting.Resp.Neg")
    );
    assert_eq!(message_class(&reply("NEEDS-ACTION")), None);
    assert_eq!(message_class(&with_method("PUBLISH")), None);
    assert_eq!(message_class("garbage"), None);
}
