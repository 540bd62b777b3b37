//! Notes in a Sync response validate against Microsoft's EAS schemas (14.1, 16.1), and a
//! device's Add reads back to the same note.

mod support;

use eas::airsyncbase::{Body, BodyType};
use eas::note::Note;
use eas::sync::{ServerCommand, SyncCollectionResponse, SyncResponse, SyncStatus};
use eas::{CollectionId, ProtocolVersion, SyncKey};
use support::assert_valid;

fn full_note() -> Note {
    Note {
        subject: Some("Ideas & <plans>".into()),
        body: Some(Body::full(BodyType::Plain, "one\r\ntwo".into())),
        message_class: Some("IPM.StickyNote".into()),
        categories: Some(vec!["Work".into()]),
        last_modified_date: Some(1_795_341_600),
    }
}

fn sync_with(notes: &[Note], v: ProtocolVersion) -> SyncResponse {
    let mut c = SyncCollectionResponse::new(
        SyncKey::new("{7a1b}4").expect("key"),
        CollectionId::new("12").expect("id"),
        SyncStatus::Success,
    );
    c.commands = notes
        .iter()
        .enumerate()
        .map(|(i, n)| ServerCommand::Add {
            server_id: format!("12:{i}"),
            application_data: n.to_application_data(v),
        })
        .collect();
    SyncResponse::new(vec![c])
}

#[test]
fn full_and_minimal_notes_validate_for_14_1_and_16_1() {
    for v in [ProtocolVersion::V14_1, ProtocolVersion::V16_1] {
        let minimal = Note::default();
        let cleared = Note {
            categories: Some(vec![]),
            ..full_note()
        };
        assert_valid(
            &format!("Sync Add notes, {v}"),
            &sync_with(&[full_note(), minimal, cleared], v).to_element(v),
        );
    }
}

#[test]
fn a_note_survives_the_wire_and_reads_back() {
    let v = ProtocolVersion::V16_1;
    let el = full_note().to_application_data(v);
    let tree = wbxml::decode(&wbxml::encode(&el)).expect("decodes");
    assert_eq!(Note::from_application_data(&tree, v).unwrap(), full_note());
}
