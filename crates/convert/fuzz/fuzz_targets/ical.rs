//! Arbitrary text as a stored iCalendar object: rendered as an event, a task, a note and a
//! meeting request, and each rendering (with a changed subject) merged back into it. A stored
//! object is upstream data: nothing in it may panic.
#![no_main]

use convert::calendar::{self, CalendarOptions};
use convert::merge::Ghosting;
use convert::note::{self, NoteOptions};
use convert::task::{self, TaskOptions};
use convert::timezone::Zone;
use convert::meeting::{self, MeetingOptions, Response};
use eas::ProtocolVersion;
use libfuzzer_sys::fuzz_target;

const NOW: i64 = 1_795_000_000;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let zone = Zone::Iana(chrono_tz::Europe::Berlin);
    for version in [ProtocolVersion::V14_1, ProtocolVersion::V16_1] {
        let opts = CalendarOptions {
            version,
            body: None,
            user_addresses: vec!["me@example.org".to_owned()],
            now: NOW,
            zone: zone.clone(),
        };
        if let Ok((mut event, _)) = calendar::event_to_eas(text, &opts) {
            let _ = calendar::merge_event(Some(text), &event, &Ghosting::NothingGhosted, &opts);
            event.subject = Some("changed".to_owned());
            let _ = calendar::merge_event(Some(text), &event, &Ghosting::NothingGhosted, &opts);
            let _ = calendar::merge_instance(text, NOW, &event, &Ghosting::NothingGhosted, &opts);
            let _ = calendar::delete_instance(text, NOW, &opts);
        }
        let topts = TaskOptions { version, body: None, now: NOW, zone: zone.clone() };
        if let Ok((mut todo, _)) = task::todo_to_eas(text, &topts) {
            todo.subject = Some("changed".to_owned());
            let _ = task::merge_todo(Some(text), &todo, &Ghosting::NothingGhosted, &topts);
        }
        let nopts = NoteOptions { version, body: None, now: NOW };
        if let Ok((mut n, _)) = note::journal_to_eas(text, &nopts) {
            n.subject = Some("changed".to_owned());
            let _ = note::merge_journal(Some(text), &n, &nopts);
        }
        let mopts = MeetingOptions {
            version,
            user_addresses: vec!["me@example.org".to_owned()],
            now: NOW,
        };
        let _ = meeting::meeting_request(text, &mopts);
    }
    let _ = meeting::message_class(text);
    let _ = meeting::imip_reply(text, "me@example.org", Response::Accepted, Some("ok"), None, NOW);
});
