//! Notes: the corpus (jtx Board, Evolution, plain) as the EAS XML a device gets plus what it
//! cannot carry (snapshots, schema-validated), and merges of device edits.

#[path = "../../eas/tests/support/mod.rs"]
mod support;

use std::fmt::Write as _;

use convert::note::{NoteOptions, journal_to_eas, merge_journal};
use eas::airsyncbase::{Body, BodyType};
use eas::note::Note;
use eas::sync::{ServerCommand, SyncCollectionResponse, SyncResponse, SyncStatus};
use eas::{CollectionId, ProtocolVersion, SyncKey};
use proptest::prelude::*;

const NOW: i64 = 1_795_500_000; // 2026-11-24T06:00:00Z

fn opts() -> NoteOptions {
    NoteOptions {
        version: ProtocolVersion::V16_1,
        body: None,
        now: NOW,
    }
}

fn corpus(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/corpus/notes/{name}.ics",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

const CORPUS: [&str; 3] = ["jtx-board", "evolution-memo", "plain"];

#[test]
fn the_corpus_renders_as_snapshots_and_validates() {
    for name in CORPUS {
        let (note, losses) = journal_to_eas(&corpus(name), &opts()).unwrap();
        let mut out = wbxml::to_xml(&note.to_application_data(ProtocolVersion::V16_1));
        out.push_str("\n--- losses ---\n");
        for l in &losses {
            let _ = writeln!(out, "{}: {}", l.property, l.reason);
        }
        insta::assert_snapshot!(format!("note_{name}"), out);
        for v in [ProtocolVersion::V14_1, ProtocolVersion::V16_1] {
            let mut c = SyncCollectionResponse::new(
                SyncKey::new("1").unwrap(),
                CollectionId::new("12").unwrap(),
                SyncStatus::Success,
            );
            c.commands = vec![ServerCommand::Add {
                server_id: "12:1".into(),
                application_data: note.to_application_data(v),
            }];
            support::assert_valid(
                &format!("{name} {v}"),
                &SyncResponse::new(vec![c]).to_element(v),
            );
        }
    }
}

#[test]
fn a_device_echoing_the_note_it_got_changes_nothing() {
    for name in CORPUS {
        let stored = corpus(name);
        let (note, _) = journal_to_eas(&stored, &opts()).unwrap();
        let merged = merge_journal(Some(&stored), &note, &opts()).unwrap();
        let normalized = convert::ical::write(&convert::ical::parse(&stored).unwrap());
        assert_eq!(merged, normalized, "{name}");
    }
}

#[test]
fn a_body_edit_keeps_status_x_properties_and_the_date() {
    let stored = corpus("evolution-memo");
    let (mut note, _) = journal_to_eas(&stored, &opts()).unwrap();
    note.body = Some(Body::full(BodyType::Plain, "Guest: garden-2027".into()));
    let merged = merge_journal(Some(&stored), &note, &opts()).unwrap();
    for kept in [
        "DESCRIPTION:Guest: garden-2027",
        "DTSTART;VALUE=DATE:20261108",
        "CLASS:PUBLIC",
        "X-EVOLUTION-CALDAV-HREF:memo-1.ics",
        "SUMMARY:Wi-Fi password",
        "LAST-MODIFIED:20261124T060000Z",
    ] {
        assert!(merged.contains(kept), "{kept}:\n{merged}");
    }
}

#[test]
fn an_html_body_becomes_text_with_the_html_kept_beside_it() {
    let stored = corpus("plain");
    let note = Note {
        body: Some(Body::full(
            BodyType::Html,
            "<html><body><p>milk</p><p>bread</p></body></html>".into(),
        )),
        ..Note::default()
    };
    let merged = merge_journal(Some(&stored), &note, &opts()).unwrap();
    assert!(merged.contains("DESCRIPTION:milk\\nbread"), "{merged}");
    assert!(merged.contains("X-ALT-DESC;FMTTYPE=text/html:"));
    assert!(merged.contains("SUMMARY:Shopping"));
}

#[test]
fn omitted_elements_keep_their_properties() {
    let stored = corpus("jtx-board");
    let merged = merge_journal(Some(&stored), &Note::default(), &opts()).unwrap();
    assert!(merged.contains("SUMMARY:Gift ideas"));
    assert!(merged.contains("CATEGORIES:Personal"));
    assert!(merged.contains("DESCRIPTION:- book for Anna\\n- tea for Ben"));
}

#[test]
fn a_new_note_is_a_vjournal_without_a_date_and_a_custom_class_is_kept() {
    let note = Note {
        subject: Some("Idea".into()),
        message_class: Some("IPM.StickyNote.Yellow".into()),
        ..Note::default()
    };
    let ics = merge_journal(None, &note, &opts()).unwrap();
    assert!(ics.contains("BEGIN:VJOURNAL\r\nSUMMARY:Idea\r\n"));
    assert!(!ics.contains("DTSTART"));
    assert!(ics.contains("X-AIRGATE-MESSAGECLASS:IPM.StickyNote.Yellow"));
    let (back, _) = journal_to_eas(&ics, &opts()).unwrap();
    assert_eq!(back.message_class.as_deref(), Some("IPM.StickyNote.Yellow"));
    assert_eq!(back.last_modified_date, Some(NOW));
}

fn text() -> impl Strategy<Value = String> {
    "[A-Za-z0-9äß€ .,;:!?'-]{1,40}".prop_filter("not blank", |s| !s.trim().is_empty())
}

fn arb_note() -> impl Strategy<Value = Note> {
    (
        proptest::option::of(text()),
        proptest::option::of(proptest::collection::vec(text(), 1..4)),
        proptest::option::of(proptest::collection::vec("[A-Za-z0-9 ]{1,12}", 0..4)),
        proptest::option::of(prop_oneof![
            Just("IPM.StickyNote".to_owned()),
            "IPM\\.StickyNote\\.[A-Za-z]{1,8}"
        ]),
    )
        .prop_map(|(subject, lines, categories, message_class)| Note {
            subject,
            body: lines.map(|l| Body::full(BodyType::Plain, l.join("\n"))),
            message_class,
            categories: categories.map(|c| {
                c.into_iter()
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect()
            }),
            last_modified_date: None,
        })
}

/// What a note reads back as after a merge into nothing: line breaks as CRLF, no empty
/// categories, the default class spelled out, the server's modification time.
fn normalized(n: &Note) -> Note {
    Note {
        subject: n.subject.clone(),
        body: n
            .body
            .as_ref()
            .and_then(|b| b.data.clone())
            .map(|d| Body::full(BodyType::Plain, d.replace('\n', "\r\n"))),
        message_class: Some(
            n.message_class
                .clone()
                .unwrap_or_else(|| Note::DEFAULT_MESSAGE_CLASS.to_owned()),
        ),
        categories: n.categories.clone().filter(|c| !c.is_empty()),
        last_modified_date: Some(NOW),
    }
}

proptest! {
    #[test]
    fn any_note_merged_into_nothing_reads_back_as_itself(note in arb_note()) {
        let ics = merge_journal(None, &note, &opts()).unwrap();
        let (back, _) = journal_to_eas(&ics, &opts()).unwrap();
        prop_assert_eq!(back, normalized(&note));
    }
}
