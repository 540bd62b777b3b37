//! Each corpus vCard as the device receives it (snapshots of the ApplicationData and the
//! losses), valid against the schemas, and unchanged when the device sends it back.

use std::path::PathBuf;

use convert::contact::{merge_contact, vcard_to_contact};
use convert::merge::Ghosting;
use eas::sync::{ServerCommand, SyncCollectionResponse, SyncResponse, SyncStatus};
use eas::{CollectionId, ProtocolVersion, SyncKey};

use crate::opts;
use crate::support::assert_valid;

fn corpus() -> Vec<(String, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/contacts");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("corpus dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "vcf"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).expect("read");
            // Outlook's 2.1 export is Windows-1252 outside its quoted-printable lines.
            let text = String::from_utf8(bytes.clone())
                .unwrap_or_else(|_| bytes.iter().map(|&b| char::from(b)).collect());
            let name = p.file_stem().expect("stem").to_string_lossy().into_owned();
            (name, text)
        })
        .collect()
}

#[test]
fn the_corpus_has_at_least_ten_producers_styles() {
    assert!(corpus().len() >= 10);
}

#[test]
fn each_corpus_card_renders_as_its_snapshot() {
    for (name, text) in corpus() {
        let (contact, losses) = vcard_to_contact(&text, &opts()).expect("renders");
        let xml = wbxml::to_xml(&contact.to_application_data(ProtocolVersion::V16_1));
        let losses: Vec<String> = losses
            .iter()
            .map(|l| format!("{}: {}", l.property, l.reason))
            .collect();
        crate::snapshot(
            &format!("contact_corpus_{name}"),
            &format!("{xml}\n--- losses ---\n{}", losses.join("\n")),
        );
    }
}

#[test]
fn each_corpus_card_validates_in_a_sync_response() {
    for v in [ProtocolVersion::V14_1, ProtocolVersion::V16_1] {
        let mut c = SyncCollectionResponse::new(
            SyncKey::new("3").expect("key"),
            CollectionId::new("4").expect("id"),
            SyncStatus::Success,
        );
        for (name, text) in corpus() {
            let (contact, _) = vcard_to_contact(&text, &opts()).expect("renders");
            c.commands.push(ServerCommand::Add {
                server_id: format!("4:{name}"),
                application_data: contact.to_application_data(v),
            });
        }
        assert_valid(
            &format!("contact corpus, {v}"),
            &SyncResponse::new(vec![c]).to_element(v),
        );
    }
}

#[test]
fn sending_back_what_was_rendered_changes_no_byte() {
    for (name, text) in corpus() {
        let (contact, _) = vcard_to_contact(&text, &opts()).expect("renders");
        for ghosting in [Ghosting::NothingGhosted, Ghosting::Supported(vec![])] {
            let merged = merge_contact(Some(&text), &contact, &ghosting, &opts()).expect("merges");
            assert_eq!(merged, text, "{name} changed");
        }
    }
}
