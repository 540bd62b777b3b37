//! Tasks in a Sync response validate against Microsoft's EAS schemas (12.1, 14.1, 16.1), and a
//! device's Add reads back to the same task.

mod support;

use eas::airsyncbase::{Body, BodyType};
use eas::recurrence::{Recurrence, RecurrenceType, day_bits};
use eas::sync::{ServerCommand, SyncCollectionResponse, SyncResponse, SyncStatus};
use eas::task::{Importance, Sensitivity, Task};
use eas::{CollectionId, ProtocolVersion, SyncKey};
use support::assert_valid;

const VERSIONS: [ProtocolVersion; 3] = [
    ProtocolVersion::V12_1,
    ProtocolVersion::V14_1,
    ProtocolVersion::V16_1,
];

/// Every element a task can carry, with a weekly pattern that regenerates.
fn full_task() -> Task {
    let mut r = Recurrence::new(RecurrenceType::Weekly);
    r.interval = Some(2);
    r.day_of_week = Some(day_bits::MONDAY | day_bits::THURSDAY);
    r.start = Some(1_795_305_600);
    r.occurrences = Some(10);
    r.regenerate = Some(false);
    r.dead_occur = Some(false);
    Task {
        body: Some(Body::full(BodyType::Plain, "Milk & <eggs>".into())),
        subject: Some("Shopping".into()),
        importance: Some(Importance::High),
        utc_start_date: Some(1_795_302_000),
        start_date: Some(1_795_305_600),
        utc_due_date: Some(1_795_388_400),
        due_date: Some(1_795_392_000),
        categories: Some(vec!["Home".into(), "Errands".into()]),
        recurrence: Some(r),
        complete: Some(true),
        date_completed: Some(1_795_400_000),
        sensitivity: Some(Sensitivity::Private),
        reminder_time: Some(1_795_380_000),
        reminder_set: Some(true),
        ordinal_date: Some(1_795_000_000),
        sub_ordinal_date: Some("5555555".into()),
    }
}

fn sync_with(tasks: &[Task], v: ProtocolVersion) -> SyncResponse {
    let mut c = SyncCollectionResponse::new(
        SyncKey::new("{7a1b}3").expect("key"),
        CollectionId::new("9").expect("id"),
        SyncStatus::Success,
    );
    c.commands = tasks
        .iter()
        .enumerate()
        .map(|(i, t)| ServerCommand::Add {
            server_id: format!("9:{i}"),
            application_data: t.to_application_data(v),
        })
        .collect();
    SyncResponse::new(vec![c])
}

#[test]
fn a_full_task_validates_for_every_version() {
    for v in VERSIONS {
        assert_valid(
            &format!("Sync Add full task, {v}"),
            &sync_with(&[full_task()], v).to_element(v),
        );
    }
}

#[test]
fn a_minimal_and_an_open_task_validate() {
    let open = Task {
        subject: Some("Call Jo".into()),
        importance: Some(Importance::Normal),
        complete: Some(false),
        reminder_set: Some(false),
        categories: Some(vec![]),
        ..Task::default()
    };
    for v in VERSIONS {
        assert_valid(
            &format!("Sync Add minimal tasks, {v}"),
            &sync_with(&[Task::default(), open.clone()], v).to_element(v),
        );
    }
}

#[test]
fn a_task_survives_the_wire_and_reads_back() {
    for v in VERSIONS {
        let el = full_task().to_application_data(v);
        let xml_tree = wbxml::decode(&wbxml::encode(&el)).expect("decodes");
        assert_eq!(
            Task::from_application_data(&xml_tree, v).unwrap(),
            full_task()
        );
    }
}
