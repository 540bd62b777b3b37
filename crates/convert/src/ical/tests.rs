use super::*;
use crate::timezone::Zone;
use chrono::NaiveDate;
use eas::airsyncbase::{Body, BodyPreference, BodyType};

const EVENT: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\n\
BEGIN:VEVENT\r\nUID:u1\r\nDTSTAMP:20240101T000000Z\r\n\
DTSTART;TZID=Europe/Berlin;X-KEEP=1:20240110T100000\r\nDTEND;VALUE=DATE:20240111\r\n\
SUMMARY;LANGUAGE=de:Treffen\r\nCATEGORIES:Work,Blue\r\nCATEGORIES:Later\r\nCLASS:PRIVATE\r\n\
DESCRIPTION:line one\\nline two\r\nX-ALT-DESC;FMTTYPE=text/html:<p>line one</p>\r\n\
BEGIN:VALARM\r\nACTION:EMAIL\r\nTRIGGER:-PT1H\r\nEND:VALARM\r\n\
BEGIN:VALARM\r\nACTION:DISPLAY\r\nX-WR-ALARMUID:A1\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\n\
END:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:u1\r\nRECURRENCE-ID;TZID=Europe/Berlin:20240117T100000\r\nSUMMARY:moved\r\nEND:VEVENT\r\n\
END:VCALENDAR\r\n";

fn event() -> (ICalendar, usize) {
    let ical = parse(EVENT).unwrap();
    let m = master(&ical, &ICalendarComponentType::VEvent).unwrap();
    (ical, m)
}

#[test]
fn parse_then_write_keeps_the_object() {
    let (ical, _) = event();
    assert_eq!(write(&parse(&write(&ical)).unwrap()), write(&ical));
    assert!(write(&ical).contains("X-WR-ALARMUID:A1"));
}

#[test]
fn parse_rejects_what_is_not_a_vcalendar() {
    assert!(parse("hello").is_err());
    assert!(parse("BEGIN:VCARD\r\nVERSION:4.0\r\nEND:VCARD\r\n").is_err());
}

#[test]
fn master_is_the_component_without_recurrence_id_and_overrides_share_its_uid() {
    let (ical, m) = event();
    assert_eq!(
        text(&ical.components[m], &ICalendarProperty::Summary).unwrap(),
        "Treffen"
    );
    let o = overrides(&ical, m);
    assert_eq!(o.len(), 1);
    assert_eq!(
        text(&ical.components[o[0]], &ICalendarProperty::Summary).unwrap(),
        "moved"
    );
}

#[test]
fn set_text_keeps_parameters_and_skips_equal_values() {
    let (mut ical, m) = event();
    let c = &mut ical.components[m];
    assert!(!set_text(c, ICalendarProperty::Summary, "Treffen"));
    assert!(set_text(c, ICalendarProperty::Summary, "Meeting"));
    let e = find(c, &ICalendarProperty::Summary).unwrap();
    assert_eq!(param_text(e, &ICalendarParameterName::Language), Some("de"));
    assert!(remove(c, &ICalendarProperty::Summary));
    assert!(!remove(c, &ICalendarProperty::Summary));
}

#[test]
fn x_properties_are_found_whatever_their_case() {
    let ical =
        parse("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nx-foo:bar\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
            .unwrap();
    let m = master(&ical, &ICalendarComponentType::VEvent).unwrap();
    assert_eq!(
        text(&ical.components[m], &property("X-FOO")).as_deref(),
        Some("bar")
    );
}

#[test]
fn when_reads_zoned_dates_and_utc_values() {
    let (ical, m) = event();
    let start = when(&ical, m, &ICalendarProperty::Dtstart).unwrap();
    assert_eq!(start.zone, Some(Zone::Iana(chrono_tz::Europe::Berlin)));
    assert_eq!(start.to_utc(&Zone::UTC), 1_704_877_200); // 2024-01-10T09:00Z
    let end = when(&ical, m, &ICalendarProperty::Dtend).unwrap();
    assert!(end.date_only);
    assert_eq!(
        end,
        When::date(NaiveDate::from_ymd_opt(2024, 1, 11).unwrap())
    );
    let stamp = when(&ical, m, &ICalendarProperty::Dtstamp).unwrap();
    assert_eq!(stamp, When::utc(1_704_067_200));
}

#[test]
fn set_when_keeps_other_parameters_and_skips_equal_values() {
    let (mut ical, m) = event();
    let berlin = Zone::Iana(chrono_tz::Europe::Berlin);
    assert!(!set_when(
        &mut ical,
        m,
        ICalendarProperty::Dtstart,
        &When::in_zone(1_704_877_200, &berlin)
    ));
    assert!(set_when(
        &mut ical,
        m,
        ICalendarProperty::Dtstart,
        &When::in_zone(1_704_880_800, &berlin)
    ));
    let out = write(&ical);
    assert!(
        out.contains("DTSTART;TZID=Europe/Berlin;X-KEEP=1:20240110T110000\r\n"),
        "{out}"
    );
    assert!(set_when(
        &mut ical,
        m,
        ICalendarProperty::Dtstart,
        &When::utc(0)
    ));
    assert!(write(&ical).contains("DTSTART;X-KEEP=1:19700101T000000Z\r\n"));
    let d = When::date(NaiveDate::from_ymd_opt(2024, 2, 1).unwrap());
    assert!(set_when(&mut ical, m, ICalendarProperty::Dtstart, &d));
    assert!(write(&ical).contains("DTSTART;X-KEEP=1;VALUE=DATE:20240201\r\n"));
}

#[test]
fn set_whens_writes_a_list_and_an_empty_list_removes() {
    let (mut ical, m) = event();
    let berlin = Zone::Iana(chrono_tz::Europe::Berlin);
    let list = [
        When::in_zone(1_704_877_200, &berlin),
        When::utc(1_705_482_000),
    ];
    assert!(set_whens(&mut ical, m, ICalendarProperty::Exdate, &list));
    assert!(write(&ical).contains("EXDATE;TZID=Europe/Berlin:20240110T100000,20240117T100000\r\n"));
    assert!(set_whens(&mut ical, m, ICalendarProperty::Exdate, &[]));
    assert!(!write(&ical).contains("EXDATE"));
}

#[test]
fn categories_are_every_entry_and_set_as_one() {
    let (mut ical, m) = event();
    let c = &mut ical.components[m];
    assert_eq!(categories(c), ["Work", "Blue", "Later"]);
    assert!(!set_categories(
        c,
        &["Work".into(), "Blue".into(), "Later".into()]
    ));
    assert!(set_categories(c, &["A,B".into()]));
    assert!(write(&ical).contains("CATEGORIES:A\\,B\r\n"));
    assert!(set_categories(&mut ical.components[m], &[]));
    assert!(!write(&ical).contains("CATEGORIES"));
}

#[test]
fn class_maps_to_sensitivity() {
    let (mut ical, m) = event();
    let c = &mut ical.components[m];
    assert_eq!(sensitivity(c), Some(2));
    for s in [0, 1, 3, 2] {
        assert!(set_sensitivity(c, s));
        assert_eq!(sensitivity(c), Some(s));
    }
    remove(c, &ICalendarProperty::Class);
    assert!(!set_sensitivity(c, 0), "no CLASS already means normal");
}

#[test]
fn reminder_is_the_first_relative_display_alarm_and_others_stay() {
    let (mut ical, m) = event();
    assert_eq!(reminder(&ical, m), Some(Reminder::Minutes(15)));
    assert!(!set_reminder(&mut ical, m, Some(15)));
    assert!(set_reminder(&mut ical, m, Some(60)));
    let out = write(&ical);
    assert!(
        out.contains("X-WR-ALARMUID:A1\r\nTRIGGER:-PT1H\r\n"),
        "{out}"
    );
    assert!(out.contains("ACTION:EMAIL\r\nTRIGGER:-PT1H"));
    assert!(set_reminder(&mut ical, m, None));
    assert_eq!(reminder(&ical, m), None);
    assert!(write(&ical).contains("ACTION:EMAIL"));
    assert!(set_reminder(&mut ical, m, Some(10)));
    assert_eq!(reminder(&ical, m), Some(Reminder::Minutes(10)));
}

#[test]
fn an_absolute_trigger_is_reported_not_read_as_minutes() {
    let ical = parse(
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nBEGIN:VALARM\r\nACTION:AUDIO\r\n\
         TRIGGER;VALUE=DATE-TIME:20240101T090000Z\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
    )
    .unwrap();
    let m = master(&ical, &ICalendarComponentType::VEvent).unwrap();
    assert_eq!(reminder(&ical, m), Some(Reminder::Absolute(1_704_099_600)));
}

#[test]
fn body_follows_the_preference() {
    let (ical, m) = event();
    let c = &ical.components[m];
    let plain = body(c, None).unwrap();
    assert_eq!(plain.body_type, BodyType::Plain);
    assert_eq!(plain.data.as_deref(), Some("line one\r\nline two"));
    let html = body(c, Some(&BodyPreference::whole(BodyType::Html))).unwrap();
    assert_eq!(html.data.as_deref(), Some("<p>line one</p>"));
    let pref = BodyPreference {
        body_type: BodyType::Plain,
        truncation_size: Some(4),
        all_or_none: false,
        preview: Some(8),
    };
    let cut = body(c, Some(&pref)).unwrap();
    assert_eq!(
        (cut.data.as_deref(), cut.truncated, cut.estimated_data_size),
        (Some("line"), true, 18)
    );
    assert_eq!(cut.preview.as_deref(), Some("line one"));
    let none = body(
        c,
        Some(&BodyPreference {
            all_or_none: true,
            ..pref
        }),
    )
    .unwrap();
    assert_eq!((none.data, none.truncated), (None, true));
}

#[test]
fn a_plain_body_replaces_description_and_drops_stale_html() {
    let (mut ical, m) = event();
    let c = &mut ical.components[m];
    assert!(!apply_body(
        c,
        &Body::full(BodyType::Plain, "line one\r\nline two".into())
    ));
    assert!(apply_body(c, &Body::full(BodyType::Plain, "new".into())));
    assert_eq!(plain_of(c).as_deref(), Some("new"));
    assert_eq!(html_of(c), None);
}

#[test]
fn an_html_body_sets_x_alt_desc_and_a_text_description() {
    let (mut ical, m) = event();
    let c = &mut ical.components[m];
    assert!(!apply_body(
        c,
        &Body::full(BodyType::Html, "<p>line one</p>".into())
    ));
    assert!(apply_body(
        c,
        &Body::full(BodyType::Html, "<p>Hello <b>you</b></p>".into())
    ));
    assert_eq!(html_of(c).as_deref(), Some("<p>Hello <b>you</b></p>"));
    assert!(plain_of(c).unwrap().contains("Hello you"));
}

#[test]
fn a_truncated_body_is_never_applied() {
    let (mut ical, m) = event();
    let c = &mut ical.components[m];
    let mut b = Body::full(BodyType::Plain, "li".into());
    b.truncated = true;
    assert!(!apply_body(c, &b));
    assert_eq!(plain_of(c).as_deref(), Some("line one\nline two"));
}

#[test]
fn children_can_be_added_and_removed() {
    let (mut ical, m) = event();
    let n = children(&ical, m, &ICalendarComponentType::VAlarm).len();
    let a = add_child(&mut ical, m, component(ICalendarComponentType::VAlarm));
    assert_eq!(
        children(&ical, m, &ICalendarComponentType::VAlarm).len(),
        n + 1
    );
    assert!(remove_child(&mut ical, m, a));
    assert_eq!(children(&ical, m, &ICalendarComponentType::VAlarm).len(), n);
}

#[test]
fn set_when_in_a_zone_adds_its_vtimezone_once() {
    let mut ical =
        parse("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
            .unwrap();
    let m = master(&ical, &ICalendarComponentType::VEvent).unwrap();
    let ny = Zone::Iana(chrono_tz::America::New_York);
    assert!(set_when(
        &mut ical,
        m,
        ICalendarProperty::Dtstart,
        &When::in_zone(1_704_877_200, &ny)
    ));
    assert!(set_when(
        &mut ical,
        m,
        ICalendarProperty::Dtend,
        &When::in_zone(1_704_880_800, &ny)
    ));
    let out = write(&ical);
    assert_eq!(out.matches("BEGIN:VTIMEZONE").count(), 1, "{out}");
    assert!(out.contains("TZID:America/New_York"));
    let again = parse(&out).unwrap();
    let m = master(&again, &ICalendarComponentType::VEvent).unwrap();
    assert_eq!(
        when(&again, m, &ICalendarProperty::Dtstart)
            .unwrap()
            .to_utc(&Zone::UTC),
        1_704_877_200
    );
}
