//! Meeting mail, specified by example on invitations as Outlook/Exchange, Google Calendar,
//! iOS and Thunderbird send them (tests/corpus/meeting): the MeetingRequest element, the
//! message class, and the iMIP REPLY with the message that carries it.

#[path = "../../../eas/tests/support/mod.rs"]
mod support;

mod reply;
mod request;

use convert::meeting::MeetingOptions;
use eas::ProtocolVersion;

/// A corpus object as text.
pub fn corpus(name: &str) -> String {
    let path = format!("{}/tests/corpus/meeting/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The user: jo@example.org.
pub fn opts(version: ProtocolVersion) -> MeetingOptions {
    MeetingOptions {
        version,
        user_addresses: vec!["jo@example.org".into()],
        now: 1_795_000_000,
    }
}

pub const CORPUS: [&str; 7] = [
    "outlook_invitation.ics",
    "google_invitation.ics",
    "ios_invitation.ics",
    "thunderbird_invitation.ics",
    "recurring_invitation.ics",
    "cancellation.ics",
    "occurrence_update.ics",
];
