//! Tasks: the corpus (iOS, DAVx5/jtx Board, Thunderbird, Outlook, Nextcloud, Radicale) as the
//! EAS XML a device gets plus what it cannot carry (snapshots, schema-validated), and merges
//! of device edits that keep everything else.

#[path = "../../eas/tests/support/mod.rs"]
mod support;

use std::fmt::Write as _;

use convert::merge::{Ghosting, Loss};
use convert::task::{TaskOptions, merge_todo, todo_to_eas};
use convert::timezone::Zone;
use eas::ProtocolVersion;
use eas::airsyncbase::{Body, BodyType};
use eas::sync::{ServerCommand, SyncCollectionResponse, SyncResponse, SyncStatus};
use eas::task::{Importance, Task};
use eas::{CollectionId, SyncKey};

const NOW: i64 = 1_795_500_000; // 2026-11-24T06:00:00Z

fn opts() -> TaskOptions {
    TaskOptions {
        version: ProtocolVersion::V16_1,
        body: None,
        now: NOW,
        zone: Zone::Iana(chrono_tz::Europe::Berlin),
    }
}

fn corpus(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/corpus/tasks/{name}.ics",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

const CORPUS: [&str; 7] = [
    "ios-reminders",
    "davx5-jtx-board",
    "thunderbird",
    "outlook",
    "nextcloud-subtask",
    "completed",
    "recurring",
];

fn render(task: &Task, losses: &[Loss]) -> String {
    let mut out = wbxml::to_xml(&task.to_application_data(ProtocolVersion::V16_1));
    out.push_str("\n--- losses ---\n");
    for l in losses {
        let _ = writeln!(out, "{}: {}", l.property, l.reason);
    }
    out
}

fn in_sync_add(task: &Task, v: ProtocolVersion) -> wbxml::Element {
    let mut c = SyncCollectionResponse::new(
        SyncKey::new("1").unwrap(),
        CollectionId::new("9").unwrap(),
        SyncStatus::Success,
    );
    c.commands = vec![ServerCommand::Add {
        server_id: "9:1".into(),
        application_data: task.to_application_data(v),
    }];
    SyncResponse::new(vec![c]).to_element(v)
}

#[test]
fn the_corpus_renders_as_snapshots_and_validates() {
    for name in CORPUS {
        let (task, losses) = todo_to_eas(&corpus(name), &opts()).unwrap();
        insta::assert_snapshot!(format!("task_{name}"), render(&task, &losses));
        for v in [ProtocolVersion::V12_1, ProtocolVersion::V16_1] {
            support::assert_valid(&format!("{name} {v}"), &in_sync_add(&task, v));
        }
    }
}

fn normalized(ics: &str) -> String {
    convert::ical::write(&convert::ical::parse(ics).unwrap())
}

#[test]
fn a_device_echoing_the_task_it_got_changes_nothing() {
    for name in CORPUS {
        let stored = corpus(name);
        let (task, _) = todo_to_eas(&stored, &opts()).unwrap();
        let merged = merge_todo(Some(&stored), &task, &Ghosting::NothingGhosted, &opts()).unwrap();
        assert_eq!(merged, normalized(&stored), "{name}");
    }
}

fn edit(name: &str, f: impl FnOnce(&mut Task)) -> String {
    let stored = corpus(name);
    let (mut task, _) = todo_to_eas(&stored, &opts()).unwrap();
    f(&mut task);
    merge_todo(Some(&stored), &task, &Ghosting::NothingGhosted, &opts()).unwrap()
}

#[test]
fn unknown_properties_alarms_and_time_zones_survive_a_subject_edit() {
    let merged = edit("ios-reminders", |t| {
        t.subject = Some("Pick up suits".into())
    });
    assert!(merged.contains("SUMMARY:Pick up suits"));
    for kept in [
        "X-APPLE-SORT-ORDER:721205730",
        "X-WR-ALARMUID:1F0C2B9E-5A4D-4E3F-8C1B-0A9D8E7F6C5B",
        "BEGIN:VTIMEZONE",
        "DUE;TZID=Europe/Berlin:20261124T173000",
        "TRIGGER;VALUE=DATE-TIME:20261124T163000Z",
        "PRIORITY:1",
        "UID:7E5B4C32-1D2B-4A5C-9F6E-3B2A1C0D9E8F",
    ] {
        assert!(merged.contains(kept), "{kept} lost:\n{merged}");
    }
    assert!(merged.contains("LAST-MODIFIED:20261124T060000Z"));
}

#[test]
fn jtx_progress_location_and_x_properties_survive_a_due_date_edit() {
    // 2026-12-03 local midnight.
    let merged = edit("davx5-jtx-board", |t| {
        t.due_date = Some(1_796_256_000);
        t.utc_due_date = Some(1_796_256_000 - 3600);
    });
    assert!(merged.contains("DUE;VALUE=DATE:20261203"), "{merged}");
    for kept in [
        "GEO:52.520008;13.404954",
        "LOCATION:Bürgeramt Mitte",
        "PERCENT-COMPLETE:40",
        "STATUS:IN-PROCESS",
        "X-JTX-COLLECTION-COLOR:-16777216",
        "TRIGGER;RELATED=END:-P1D",
    ] {
        assert!(merged.contains(kept), "{kept} lost:\n{merged}");
    }
}

#[test]
fn a_priority_the_device_cannot_show_stays_when_its_importance_is_unchanged() {
    let stored = corpus("nextcloud-subtask").replace("PERCENT-COMPLETE:0", "PRIORITY:3");
    let (task, _) = todo_to_eas(&stored, &opts()).unwrap();
    assert_eq!(task.importance, Some(Importance::High));
    let merged = merge_todo(Some(&stored), &task, &Ghosting::NothingGhosted, &opts()).unwrap();
    assert!(merged.contains("PRIORITY:3"));
    let lowered = Task {
        importance: Some(Importance::Low),
        ..task
    };
    let merged = merge_todo(Some(&stored), &lowered, &Ghosting::NothingGhosted, &opts()).unwrap();
    assert!(merged.contains("PRIORITY:9"));
}

#[test]
fn completing_sets_status_completed_and_the_date() {
    let merged = edit("thunderbird", |t| {
        t.complete = Some(true);
        t.date_completed = Some(1_795_400_000);
    });
    assert!(merged.contains("STATUS:COMPLETED"));
    assert!(merged.contains("COMPLETED:20261123T021320Z"), "{merged}");
    let (task, _) = todo_to_eas(&merged, &opts()).unwrap();
    assert_eq!(task.date_completed, Some(1_795_400_000));
}

#[test]
fn uncompleting_removes_the_date_and_a_full_percentage() {
    let merged = edit("completed", |t| t.complete = Some(false));
    assert!(merged.contains("STATUS:NEEDS-ACTION"));
    assert!(!merged.contains("COMPLETED:"));
    assert!(!merged.contains("PERCENT-COMPLETE"));
    assert!(merged.contains("CATEGORIES:Finance"));
}

#[test]
fn a_relative_reminder_moves_and_stays_relative() {
    // Thunderbird: -PT15M before DTSTART 08:00Z; the device asks for 07:30Z.
    let merged = edit("thunderbird", |t| {
        t.reminder_time = Some(1_795_161_600 - 1800)
    });
    assert!(merged.contains("TRIGGER;VALUE=DURATION:-PT30M"), "{merged}");
    assert!(merged.contains("ACTION:EMAIL"));
}

#[test]
fn turning_the_reminder_off_removes_only_the_reminder_alarm() {
    let merged = edit("thunderbird", |t| {
        t.reminder_set = Some(false);
        t.reminder_time = None;
    });
    assert!(!merged.contains("Default Mozilla Description"));
    assert!(merged.contains("ACTION:EMAIL"), "{merged}");
}

#[test]
fn a_reminder_on_a_task_without_alarms_adds_an_absolute_display_alarm() {
    let merged = edit("completed", |t| {
        t.reminder_set = Some(true);
        t.reminder_time = Some(1_795_000_000);
    });
    assert!(merged.contains("BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Reminder\r\nTRIGGER;VALUE=DATE-TIME:20261118T110640Z\r\nEND:VALARM"), "{merged}");
}

#[test]
fn a_due_date_sent_only_in_local_form_gets_its_utc_through_the_zone() {
    // 2026-11-28T09:00 local, Berlin is UTC+1 then.
    let merged = edit("thunderbird", |t| {
        t.due_date = Some(1_795_856_400);
        t.utc_due_date = None;
    });
    assert!(merged.contains("DUE:20261128T080000Z"), "{merged}");
}

#[test]
fn ghosting_decides_whether_an_omitted_subject_clears() {
    let stored = corpus("outlook");
    let (mut task, _) = todo_to_eas(&stored, &opts()).unwrap();
    task.subject = None;
    let kept = merge_todo(
        Some(&stored),
        &task,
        &Ghosting::Supported(vec![wbxml::tags::calendar::SUBJECT]),
        &opts(),
    )
    .unwrap();
    assert!(kept.contains("SUMMARY;LANGUAGE=en-us:Budget review"));
    let cleared = merge_todo(Some(&stored), &task, &Ghosting::NothingGhosted, &opts()).unwrap();
    assert!(!cleared.contains("SUMMARY"));
}

#[test]
fn a_truncated_or_missing_body_never_clears_the_description() {
    let stored = corpus("outlook");
    let (mut task, _) = todo_to_eas(&stored, &opts()).unwrap();
    task.body = Some(Body {
        body_type: BodyType::Plain,
        estimated_data_size: 100,
        truncated: true,
        data: Some("Bud".into()),
        preview: None,
    });
    let merged = merge_todo(Some(&stored), &task, &Ghosting::NothingGhosted, &opts()).unwrap();
    assert!(merged.contains("DESCRIPTION:Budget review with finance.\\n"));
    task.body = None;
    let merged = merge_todo(Some(&stored), &task, &Ghosting::NothingGhosted, &opts()).unwrap();
    assert!(merged.contains("DESCRIPTION:Budget review with finance.\\n"));
}

#[test]
fn a_new_task_merges_into_an_empty_vtodo() {
    let task = Task {
        subject: Some("Call Jo".into()),
        due_date: Some(1_795_824_000), // 2026-11-28 local midnight
        complete: Some(false),
        ..Task::default()
    };
    let ics = merge_todo(None, &task, &Ghosting::NothingGhosted, &opts()).unwrap();
    assert!(
        ics.starts_with(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//airgate//EN\r\nBEGIN:VTODO\r\n"
        )
    );
    for line in [
        "SUMMARY:Call Jo",
        "DUE;VALUE=DATE:20261128",
        "DTSTAMP:20261124T060000Z",
        "UID:",
    ] {
        assert!(ics.contains(line), "{line}:\n{ics}");
    }
    let (back, _) = todo_to_eas(&ics, &opts()).unwrap();
    assert_eq!(back.due_date, task.due_date);
    assert_eq!(back.utc_due_date, Some(1_795_824_000 - 3600));
}

#[test]
fn an_object_without_a_vtodo_is_an_error() {
    let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    assert!(todo_to_eas(ics, &opts()).is_err());
    assert!(
        merge_todo(
            Some(ics),
            &Task::default(),
            &Ghosting::NothingGhosted,
            &opts()
        )
        .is_err()
    );
}

mod properties {
    use super::*;
    use eas::task::Sensitivity;
    use proptest::prelude::*;

    fn text() -> impl Strategy<Value = String> {
        "[A-Za-z0-9äß€ .,;:!?'-]{1,40}".prop_filter("not blank", |s| !s.trim().is_empty())
    }

    /// A (local, UTC) pair of the Berlin user: an instant to the minute, or a local midnight.
    fn pair() -> impl Strategy<Value = (i64, i64)> {
        let zone = opts().zone;
        (1_000_000_000i64 / 60..2_000_000_000i64 / 60, any::<bool>()).prop_map(
            move |(minutes, midnight)| {
                let utc = minutes * 60;
                let local = zone.to_local(utc);
                if midnight {
                    let day = local.date().and_time(chrono::NaiveTime::MIN);
                    (day.and_utc().timestamp(), zone.to_utc(day))
                } else {
                    (local.and_utc().timestamp(), utc)
                }
            },
        )
    }

    fn importance() -> impl Strategy<Value = Importance> {
        prop_oneof![
            Just(Importance::Low),
            Just(Importance::Normal),
            Just(Importance::High)
        ]
    }

    fn sensitivity() -> impl Strategy<Value = Sensitivity> {
        (0u8..4).prop_map(|c| Sensitivity::from_code(c).unwrap())
    }

    prop_compose! {
        fn arb_task()(
            subject in proptest::option::of(text()),
            lines in proptest::option::of(proptest::collection::vec(text(), 1..4)),
            importance in proptest::option::of(importance()),
            start in proptest::option::of(pair()),
            due in proptest::option::of(pair()),
            categories in proptest::option::of(proptest::collection::vec("[A-Za-z0-9]{1,12}", 0..4)),
            completed in proptest::option::of(1_000_000_000i64..2_000_000_000),
            sensitivity in proptest::option::of(sensitivity()),
            reminder in proptest::option::of(1_000_000_000i64..2_000_000_000),
            ordinal in proptest::option::of(1_000_000_000i64..2_000_000_000),
            sub_ordinal in proptest::option::of("[0-9]{1,10}"),
        ) -> Task {
            Task {
                body: lines.map(|l| Body::full(BodyType::Plain, l.join("\n"))),
                subject,
                importance,
                start_date: start.map(|p| p.0),
                utc_start_date: start.map(|p| p.1),
                due_date: due.map(|p| p.0),
                utc_due_date: due.map(|p| p.1),
                categories,
                recurrence: None,
                complete: Some(completed.is_some()),
                date_completed: completed,
                sensitivity,
                reminder_set: Some(reminder.is_some()),
                reminder_time: reminder,
                ordinal_date: ordinal,
                sub_ordinal_date: sub_ordinal,
            }
        }
    }

    /// What a task reads back as after a merge into nothing: CRLF line breaks, importance and
    /// sensitivity always said (normal by default), no empty category list.
    fn normalized(t: &Task) -> Task {
        Task {
            body: t
                .body
                .as_ref()
                .and_then(|b| b.data.clone())
                .map(|d| Body::full(BodyType::Plain, d.replace('\n', "\r\n"))),
            importance: Some(t.importance.unwrap_or(Importance::Normal)),
            sensitivity: Some(t.sensitivity.unwrap_or(Sensitivity::Normal)),
            categories: t.categories.clone().filter(|c| !c.is_empty()),
            ..t.clone()
        }
    }

    proptest! {
        #[test]
        fn any_task_merged_into_nothing_reads_back_as_itself(task in arb_task()) {
            let ics = merge_todo(None, &task, &Ghosting::NothingGhosted, &opts()).unwrap();
            let (back, _) = todo_to_eas(&ics, &opts()).unwrap();
            prop_assert_eq!(back, normalized(&task), "{}", ics);
        }

        /// A second device edit wins over the first, except where it says nothing and the
        /// property is not cleared by omission (Body, the sort keys).
        #[test]
        fn a_second_edit_replaces_the_first(task in arb_task(), again in arb_task()) {
            let first = merge_todo(None, &task, &Ghosting::NothingGhosted, &opts()).unwrap();
            let second = merge_todo(Some(&first), &again, &Ghosting::NothingGhosted, &opts()).unwrap();
            let (back, _) = todo_to_eas(&second, &opts()).unwrap();
            let expected = normalized(&Task {
                body: again.body.clone().or(task.body.clone()),
                ordinal_date: again.ordinal_date.or(task.ordinal_date),
                sub_ordinal_date: again.sub_ordinal_date.clone().or(task.sub_ordinal_date.clone()),
                ..again.clone()
            });
            prop_assert_eq!(back, expected, "{}", second);
        }
    }
}

#[test]
fn a_device_adding_a_weekly_pattern_writes_an_rrule() {
    use eas::recurrence::{Recurrence, RecurrenceType, day_bits};
    let merged = edit("nextcloud-subtask", |t| {
        let mut r = Recurrence::new(RecurrenceType::Weekly);
        r.day_of_week = Some(day_bits::SATURDAY);
        r.regenerate = Some(true);
        t.recurrence = Some(r);
    });
    assert!(merged.contains("RRULE:FREQ=WEEKLY;BYDAY=SA"), "{merged}");
    assert!(merged.contains("X-AIRGATE-REGENERATE:1"));
    assert!(merged.contains("RELATED-TO;RELTYPE=PARENT:f0e1d2c3-b4a5-4968-8776-655443322110"));
}

#[test]
fn a_device_dropping_the_pattern_removes_the_rrule_and_its_x_properties() {
    let merged = edit("recurring", |t| t.recurrence = None);
    assert!(!merged.contains("RRULE"), "{merged}");
    assert!(!merged.contains("X-AIRGATE-REGENERATE"));
}

#[test]
fn an_rrule_the_device_never_saw_survives_its_edits() {
    let stored = corpus("recurring").replace(
        "RRULE:FREQ=WEEKLY;BYDAY=MO",
        "RRULE:FREQ=WEEKLY;BYDAY=MO;BYHOUR=9,17",
    );
    let (mut task, losses) = todo_to_eas(&stored, &opts()).unwrap();
    assert!(task.recurrence.is_none());
    assert!(losses.iter().any(|l| l.property == "RRULE"));
    task.subject = Some("Bins".into());
    let merged = merge_todo(Some(&stored), &task, &Ghosting::NothingGhosted, &opts()).unwrap();
    assert!(
        merged.contains("RRULE:FREQ=WEEKLY;BYHOUR=9,17;BYDAY=MO"),
        "{merged}"
    );
}
