//! The `Recurrence` element of Calendar, Tasks and Email (MS-ASCAL 2.2.2.39, MS-ASTASK
//! 2.2.2.21, MS-ASEMAIL 2.2.2.60): read in any namespace, written per page in schema order and
//! for the version, and valid against Microsoft's schemas inside a Sync Add.

mod support;

use eas::recurrence::{Recurrence, RecurrencePage, RecurrenceType, day_bits};
use eas::sync::{ServerCommand, SyncCollectionResponse, SyncResponse, SyncStatus};
use eas::{CollectionId, ProtocolError, ProtocolVersion, SyncKey};
use proptest::prelude::*;
use support::assert_valid;
use wbxml::tags::{airsync, calendar as cal, email as em, email2 as em2, tasks as t};
use wbxml::{Element, Tag};

/// 2026-11-22T10:00:00Z.
const NOV_22: i64 = 1_795_341_600;

fn el(tag: Tag, children: &[(Tag, &str)]) -> Element {
    let mut e = Element::new(tag);
    for (tag, text) in children {
        e.push(Element::with_text(*tag, *text));
    }
    e
}

fn child_tags(e: &Element) -> Vec<Tag> {
    e.elements().map(|c| c.tag).collect()
}

/// Every field a page can carry set (Tasks fields included).
fn full() -> Recurrence {
    Recurrence {
        interval: Some(2),
        occurrences: Some(10),
        until: Some(NOV_22),
        day_of_week: Some(day_bits::MONDAY | day_bits::FRIDAY),
        day_of_month: Some(22),
        week_of_month: Some(5),
        month_of_year: Some(11),
        calendar_type: Some(1),
        is_leap_month: Some(false),
        first_day_of_week: Some(1),
        start: Some(NOV_22 - 86_400 * 30),
        regenerate: Some(false),
        dead_occur: Some(true),
        ..Recurrence::new(RecurrenceType::YearlyNth)
    }
}

#[test]
fn a_calendar_recurrence_reads_every_child() {
    let e = el(
        cal::RECURRENCE,
        &[
            (cal::TYPE, "3"),
            (cal::INTERVAL, "2"),
            (cal::UNTIL, "20261122T100000Z"),
            (cal::DAY_OF_WEEK, "62"),
            (cal::WEEK_OF_MONTH, "5"),
            (cal::CALENDAR_TYPE, "0"),
            (cal::IS_LEAP_MONTH, "0"),
            (cal::FIRST_DAY_OF_WEEK, "1"),
        ],
    );
    let rec = Recurrence::from_element(&e).unwrap();
    assert_eq!(
        rec,
        Recurrence {
            interval: Some(2),
            until: Some(NOV_22),
            day_of_week: Some(62),
            week_of_month: Some(5),
            calendar_type: Some(0),
            is_leap_month: Some(false),
            first_day_of_week: Some(1),
            ..Recurrence::new(RecurrenceType::MonthlyNth)
        }
    );
}

#[test]
fn a_task_recurrence_reads_start_regenerate_and_dead_occur() {
    let e = el(
        t::RECURRENCE,
        &[
            (t::TYPE, "2"),
            (t::START, "2026-10-22T00:00:00.000Z"),
            (t::UNTIL, "2026-11-22T10:00:00.000Z"),
            (t::DAY_OF_MONTH, "22"),
            (t::REGENERATE, "1"),
            (t::DEAD_OCCUR, "0"),
        ],
    );
    let rec = Recurrence::from_element(&e).unwrap();
    assert_eq!(rec.kind, RecurrenceType::Monthly);
    assert_eq!(rec.start, Some(NOV_22 - 31 * 86_400 - 36_000));
    assert_eq!(rec.until, Some(NOV_22));
    assert_eq!(rec.day_of_month, Some(22));
    assert_eq!(rec.regenerate, Some(true));
    assert_eq!(rec.dead_occur, Some(false));
}

#[test]
fn a_meeting_request_recurrence_reads_email2_children() {
    let e = el(
        em::RECURRENCE,
        &[
            (em::TYPE, "5"),
            (em::INTERVAL, "1"),
            (em::DAY_OF_MONTH, "22"),
            (em::MONTH_OF_YEAR, "11"),
            (em2::CALENDAR_TYPE, "1"),
            (em2::IS_LEAP_MONTH, "0"),
            (em2::FIRST_DAY_OF_WEEK, "0"),
        ],
    );
    let rec = Recurrence::from_element(&e).unwrap();
    assert_eq!(rec.kind, RecurrenceType::Yearly);
    assert_eq!(rec.month_of_year, Some(11));
    assert_eq!(rec.calendar_type, Some(1));
    assert_eq!(rec.first_day_of_week, Some(0));
}

#[test]
fn children_in_another_pages_namespace_are_read() {
    let e = el(
        cal::RECURRENCE,
        &[(t::TYPE, "1"), (em::DAY_OF_WEEK, "2"), (t::INTERVAL, "3")],
    );
    let rec = Recurrence::from_element(&e).unwrap();
    assert_eq!(rec.kind, RecurrenceType::Weekly);
    assert_eq!(rec.day_of_week, Some(2));
    assert_eq!(rec.interval, Some(3));
}

#[test]
fn until_is_read_in_both_forms_on_every_page() {
    for (rec_tag, type_tag, until_tag) in [
        (cal::RECURRENCE, cal::TYPE, cal::UNTIL),
        (t::RECURRENCE, t::TYPE, t::UNTIL),
        (em::RECURRENCE, em::TYPE, em::UNTIL),
    ] {
        for form in [
            "20261122T100000Z",
            "2026-11-22T10:00:00.000Z",
            "2026-11-22T10:00:00Z",
        ] {
            let e = el(rec_tag, &[(type_tag, "0"), (until_tag, form)]);
            assert_eq!(Recurrence::from_element(&e).unwrap().until, Some(NOV_22));
        }
    }
}

#[test]
fn unknown_children_are_ignored() {
    let e = el(cal::RECURRENCE, &[(cal::TYPE, "0"), (cal::SUBJECT, "x")]);
    assert_eq!(
        Recurrence::from_element(&e).unwrap(),
        Recurrence::new(RecurrenceType::Daily)
    );
}

#[test]
fn an_interval_of_zero_reads_as_absent() {
    let e = el(cal::RECURRENCE, &[(cal::TYPE, "0"), (cal::INTERVAL, "0")]);
    assert_eq!(Recurrence::from_element(&e).unwrap().interval, None);
}

#[test]
fn a_recurrence_without_type_is_missing_its_type() {
    let e = el(t::RECURRENCE, &[(t::INTERVAL, "1")]);
    assert_eq!(
        Recurrence::from_element(&e),
        Err(ProtocolError::Missing {
            element: t::TYPE,
            parent: t::RECURRENCE
        })
    );
}

#[test]
fn out_of_range_values_are_invalid() {
    for (tag, value) in [
        (cal::TYPE, "4"),
        (cal::TYPE, "7"),
        (cal::TYPE, "daily"),
        (cal::INTERVAL, "1000"),
        (cal::OCCURRENCES, "0"),
        (cal::OCCURRENCES, "-1"),
        (cal::DAY_OF_WEEK, "0"),
        (cal::DAY_OF_WEEK, "128"),
        (cal::DAY_OF_MONTH, "0"),
        (cal::DAY_OF_MONTH, "32"),
        (cal::WEEK_OF_MONTH, "0"),
        (cal::WEEK_OF_MONTH, "6"),
        (cal::MONTH_OF_YEAR, "13"),
        (cal::CALENDAR_TYPE, "24"),
        (cal::IS_LEAP_MONTH, "2"),
        (cal::FIRST_DAY_OF_WEEK, "7"),
        (cal::UNTIL, "2026-11-22"),
        (t::START, "tomorrow"),
    ] {
        let mut children = vec![(cal::TYPE, "1")];
        if tag != cal::TYPE {
            children.push((tag, value));
        } else {
            children[0].1 = value;
        }
        let e = el(cal::RECURRENCE, &children);
        match Recurrence::from_element(&e) {
            Err(ProtocolError::Invalid { element, .. }) => assert_eq!(element, tag, "{value}"),
            other => panic!("{tag:?}={value}: {other:?}"),
        }
    }
}

#[test]
fn calendar_children_follow_the_schema_order_with_until_compact() {
    let e = full().to_element(RecurrencePage::Calendar, ProtocolVersion::V16_1);
    assert_eq!(e.tag, cal::RECURRENCE);
    assert_eq!(
        child_tags(&e),
        [
            cal::TYPE,
            cal::OCCURRENCES,
            cal::INTERVAL,
            cal::WEEK_OF_MONTH,
            cal::DAY_OF_WEEK,
            cal::MONTH_OF_YEAR,
            cal::UNTIL,
            cal::DAY_OF_MONTH,
            cal::CALENDAR_TYPE,
            cal::IS_LEAP_MONTH,
            cal::FIRST_DAY_OF_WEEK,
        ]
    );
    assert_eq!(e.child_text(cal::UNTIL).unwrap(), "20261122T100000Z");
    assert_eq!(e.child_text(cal::TYPE).unwrap(), "6");
}

#[test]
fn task_children_follow_the_schema_order_with_datetime_forms() {
    let e = full().to_element(RecurrencePage::Tasks, ProtocolVersion::V16_1);
    assert_eq!(e.tag, t::RECURRENCE);
    assert_eq!(
        child_tags(&e),
        [
            t::TYPE,
            t::START,
            t::UNTIL,
            t::OCCURRENCES,
            t::INTERVAL,
            t::DAY_OF_WEEK,
            t::DAY_OF_MONTH,
            t::WEEK_OF_MONTH,
            t::MONTH_OF_YEAR,
            t::REGENERATE,
            t::DEAD_OCCUR,
            t::CALENDAR_TYPE,
            t::IS_LEAP_MONTH,
            t::FIRST_DAY_OF_WEEK,
        ]
    );
    assert_eq!(e.child_text(t::UNTIL).unwrap(), "2026-11-22T10:00:00.000Z");
    assert_eq!(e.child_text(t::START).unwrap(), "2026-10-23T10:00:00.000Z");
}

#[test]
fn email_children_follow_the_schema_sequence_with_email2_at_the_end() {
    let e = full().to_element(RecurrencePage::Email, ProtocolVersion::V16_1);
    assert_eq!(e.tag, em::RECURRENCE);
    assert_eq!(
        child_tags(&e),
        [
            em::TYPE,
            em::INTERVAL,
            em::UNTIL,
            em::OCCURRENCES,
            em::WEEK_OF_MONTH,
            em::DAY_OF_MONTH,
            em::DAY_OF_WEEK,
            em::MONTH_OF_YEAR,
            em2::CALENDAR_TYPE,
            em2::IS_LEAP_MONTH,
            em2::FIRST_DAY_OF_WEEK,
        ]
    );
    assert_eq!(e.child_text(em::UNTIL).unwrap(), "20261122T100000Z");
}

#[test]
fn email_always_carries_the_required_interval() {
    let e = Recurrence::new(RecurrenceType::Daily)
        .to_element(RecurrencePage::Email, ProtocolVersion::V14_0);
    assert_eq!(child_tags(&e), [em::TYPE, em::INTERVAL]);
    assert_eq!(e.child_text(em::INTERVAL).unwrap(), "1");
}

#[test]
fn calendar_type_and_leap_month_start_at_14_0_first_day_of_week_at_14_1() {
    for page in [
        RecurrencePage::Calendar,
        RecurrencePage::Tasks,
        RecurrencePage::Email,
    ] {
        let has = |v: ProtocolVersion| {
            let e = full().to_element(page, v);
            let tags = child_tags(&e);
            (
                tags.iter().any(|t| {
                    [cal::CALENDAR_TYPE, t::CALENDAR_TYPE, em2::CALENDAR_TYPE].contains(t)
                }),
                tags.iter().any(|t| {
                    [cal::IS_LEAP_MONTH, t::IS_LEAP_MONTH, em2::IS_LEAP_MONTH].contains(t)
                }),
                tags.iter().any(|t| {
                    [
                        cal::FIRST_DAY_OF_WEEK,
                        t::FIRST_DAY_OF_WEEK,
                        em2::FIRST_DAY_OF_WEEK,
                    ]
                    .contains(t)
                }),
            )
        };
        assert_eq!(
            has(ProtocolVersion::V12_1),
            (false, false, false),
            "{page:?}"
        );
        assert_eq!(has(ProtocolVersion::V14_0), (true, true, false), "{page:?}");
        assert_eq!(has(ProtocolVersion::V14_1), (true, true, true), "{page:?}");
    }
}

#[test]
fn task_only_fields_stay_off_calendar_and_email() {
    for page in [RecurrencePage::Calendar, RecurrencePage::Email] {
        let tags = child_tags(&full().to_element(page, ProtocolVersion::V16_1));
        for tag in [t::START, t::REGENERATE, t::DEAD_OCCUR] {
            assert!(!tags.contains(&tag), "{page:?}");
        }
    }
}

prop_compose! {
    fn any_recurrence()(
        kind in prop::sample::select(vec![
            RecurrenceType::Daily, RecurrenceType::Weekly, RecurrenceType::Monthly,
            RecurrenceType::MonthlyNth, RecurrenceType::Yearly, RecurrenceType::YearlyNth,
        ]),
        interval in prop::option::of(1u16..=999),
        occurrences in prop::option::of(1u32..=999),
        until in prop::option::of(0i64..4_000_000_000),
        day_of_week in prop::option::of(1u8..=127),
        day_of_month in prop::option::of(1u8..=31),
        week_of_month in prop::option::of(1u8..=5),
        month_of_year in prop::option::of(1u8..=12),
        calendar_type in prop::option::of(0u8..=23),
        is_leap_month in prop::option::of(any::<bool>()),
        first_day_of_week in prop::option::of(0u8..=6),
        start in prop::option::of(0i64..4_000_000_000),
        regenerate in prop::option::of(any::<bool>()),
        dead_occur in prop::option::of(any::<bool>()),
    ) -> Recurrence {
        Recurrence {
            kind, interval, occurrences, until, day_of_week, day_of_month, week_of_month,
            month_of_year, calendar_type, is_leap_month, first_day_of_week, start, regenerate,
            dead_occur,
        }
    }
}

proptest! {
    #[test]
    fn every_page_round_trips_what_it_carries(rec in any_recurrence()) {
        for page in [RecurrencePage::Calendar, RecurrencePage::Tasks, RecurrencePage::Email] {
            let e = rec.to_element(page, ProtocolVersion::V16_1);
            let e = wbxml::decode(&wbxml::encode(&e)).unwrap();
            let back = Recurrence::from_element(&e).unwrap();
            let mut expected = rec.clone();
            if page != RecurrencePage::Tasks {
                expected.start = None;
                expected.regenerate = None;
                expected.dead_occur = None;
            }
            if page == RecurrencePage::Email && expected.interval.is_none() {
                expected.interval = Some(1);
            }
            prop_assert_eq!(back, expected);
        }
    }
}

fn sync_add(server_id: &str, data: Element) -> Element {
    let key = SyncKey::new("3").unwrap();
    let mut c =
        SyncCollectionResponse::new(key, CollectionId::new("2").unwrap(), SyncStatus::Success);
    c.commands = vec![ServerCommand::Add {
        server_id: server_id.into(),
        application_data: data,
    }];
    SyncResponse::new(vec![c]).to_element(ProtocolVersion::V16_1)
}

fn application_data(recurrence: Element) -> Element {
    let mut data = Element::new(airsync::APPLICATION_DATA);
    data.push(recurrence);
    data
}

#[test]
fn a_calendar_recurrence_alone_validates_in_a_sync_add() {
    for v in ProtocolVersion::ALL {
        for rec in [full(), Recurrence::new(RecurrenceType::Weekly)] {
            let data = application_data(rec.to_element(RecurrencePage::Calendar, v));
            assert_valid(&format!("Calendar Recurrence, {v}"), &sync_add("2:1", data));
        }
    }
}

#[test]
fn a_task_recurrence_alone_validates_in_a_sync_add() {
    for v in ProtocolVersion::ALL {
        for rec in [full(), Recurrence::new(RecurrenceType::Daily)] {
            let data = application_data(rec.to_element(RecurrencePage::Tasks, v));
            assert_valid(&format!("Tasks Recurrence, {v}"), &sync_add("2:1", data));
        }
    }
}
