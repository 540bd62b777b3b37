//! A black-box test harness for airgate: the upstream stack ([`Stack`]), a running `airgate`
//! binary ([`Airgate`]), and an EAS client ([`Client`]) that checks every WBXML response it
//! receives against Microsoft's schemas and an independent decoder ([`validate`]).
//!
//! For the mail tests: [`Stack::fresh_user`] gives each test its own mailbox, [`Imap`] acts on
//! the mail server directly, and [`mail_corpus`] / [`seed_corpus`] put the messages of
//! `tests/mail-corpus/` in place.
//!
//! Everything here panics on unexpected conditions: it is for tests, and a panic with a clear
//! message is a test failure with a clear message.

mod airgate;
mod client;
mod corpus;
pub mod docs;
pub mod imap;
pub mod query;
mod stack;
pub mod validate;

use std::path::PathBuf;

pub use airgate::{Airgate, AirgateBuilder};
/// For attachment data (`ItemOperations:Data`) and base64 MIME parts.
pub use base64;
pub use client::{Client, MULTIPART_CONTENT_TYPE, Response, multipart_parts};
pub use corpus::{
    ExpectedMail, corpus_message, mail_corpus, mail_corpus_dir, mail_corpus_expected, seed_corpus,
};
pub use docs::ElementExt;
pub use imap::Imap;
/// The HTTP client crate, for [`Client::raw_request`] and header types.
pub use reqwest;
/// For [`ExpectedMail::raw`].
pub use serde_json;
pub use stack::Stack;
pub use wbxml::{Element, Node, Tag, tags};

/// The repository root (two levels above this crate).
pub fn repo_root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent()
        .and_then(|p| p.parent())
        .map(PathBuf::from)
        .unwrap_or(here)
}

/// The conformance material: `$AIRGATE_CONFORMANCE_DIR`, else `<repo root>/../shared/conformance`
/// (CI clones the repository with `shared/` beside it).
pub fn conformance_dir() -> PathBuf {
    match std::env::var_os("AIRGATE_CONFORMANCE_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => repo_root().join("..").join("shared").join("conformance"),
    }
}

/// A device id unique within this test process, so tests never share device state: the ASCII
/// letters and digits of `name` (at most 24) and a counter. Every airgate instance has its own
/// state directory, so uniqueness within one process is enough.
pub fn device_id(name: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let clean: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(24)
        .collect();
    format!("{clean}{n}")
}
