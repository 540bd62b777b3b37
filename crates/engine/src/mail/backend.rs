//! What the mail commands need from a mail store, as a trait: the real one is IMAP
//! (`imap.rs`), unit tests use an in-memory one (`memory.rs`).

use std::future::Future;

use convert::mail::BodyPart;

/// A system flag or a keyword.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Flag {
    Seen,
    Answered,
    Flagged,
    Deleted,
    Draft,
    /// `$Forwarded`, `$label1`, or a category keyword.
    Keyword(String),
}

impl Flag {
    pub fn forwarded() -> Flag {
        Flag::Keyword("$Forwarded".to_owned())
    }
}

/// SPECIAL-USE attributes (RFC 6154) that matter for folder types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpecialUse {
    All,
    Archive,
    Drafts,
    Flagged,
    Junk,
    Sent,
    Trash,
}

/// A mailbox as LIST shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mailbox {
    /// The name on the wire (modified UTF-7): what SELECT takes.
    pub name: String,
    /// The decoded full name, e.g. "Archive/2026".
    pub path: String,
    pub delimiter: Option<char>,
    pub special_use: Option<SpecialUse>,
    pub subscribed: bool,
    pub selectable: bool,
}

/// STATUS or SELECT: enough to tell whether anything changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MailboxState {
    pub uid_validity: u32,
    pub uid_next: u32,
    pub messages: u32,
    /// None without CONDSTORE.
    pub highest_modseq: Option<u64>,
}

/// How changes can be found on this server (best first).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ChangeTracking {
    /// No CONDSTORE: new and expunged messages by listing UIDs; flag changes are not seen.
    Listing,
    /// CONDSTORE: flag changes by CHANGEDSINCE; expunges by listing UIDs.
    Condstore,
    /// QRESYNC: flag changes and expunges (VANISHED) without listing.
    Qresync,
}

/// One message's flags.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlagsOf {
    pub uid: u32,
    pub flags: Vec<Flag>,
}

/// Changes of the selected mailbox since a modseq.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Changes {
    pub changed: Vec<FlagsOf>,
    /// None when the server cannot say (no QRESYNC): list UIDs instead.
    pub vanished: Option<Vec<u32>>,
}

/// What Sync needs of a message before reading any of its body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    pub uid: u32,
    pub flags: Vec<Flag>,
    /// INTERNALDATE, unix seconds.
    pub internal_date: i64,
    pub size: u64,
    pub structure: BodyPart,
    /// The header fields of `convert::mail::HEADER_FIELDS`, raw.
    pub header: Vec<u8>,
}

/// How a mailbox-level write failed.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// Retry later: connection, timeout, temporary refusal.
    #[error("the mail server is unavailable: {0}")]
    Unavailable(String),
    #[error("the mailbox already exists")]
    AlreadyExists,
    #[error("no such mailbox")]
    NoSuchMailbox,
    /// The server said no, for a reason other than the above.
    #[error("the mail server refused: {0}")]
    Refused(String),
}

pub type Result<T> = std::result::Result<T, BackendError>;

/// Section texts with their bytes, as [`MailBackend::sections`] returns them.
pub type SectionBytes = Vec<(String, Vec<u8>)>;
/// Sections to fetch, each from its start up to a byte limit (None: whole); `""` is the whole
/// message.
pub type SectionList = Vec<(String, Option<u64>)>;

/// One user's mail store, one connection's worth: commands run one after another.
/// Methods on messages act on the mailbox of the last `select`.
pub trait MailBackend: Send {
    fn tracking(&self) -> ChangeTracking;
    /// A mailbox name segment as the server spells it (modified UTF-7 for IMAP).
    fn wire_name(&self, name: &str) -> String;
    fn list(&mut self) -> impl Future<Output = Result<Vec<Mailbox>>> + Send;
    fn status(&mut self, mailbox: &str) -> impl Future<Output = Result<MailboxState>> + Send;
    fn select(&mut self, mailbox: &str) -> impl Future<Output = Result<MailboxState>> + Send;
    fn changes_since(&mut self, modseq: u64) -> impl Future<Output = Result<Changes>> + Send;
    /// UIDs of messages with INTERNALDATE on or after `since` (unix seconds), or all; ascending.
    fn search(&mut self, since: Option<i64>) -> impl Future<Output = Result<Vec<u32>>> + Send;
    fn summaries(&mut self, uids: &[u32]) -> impl Future<Output = Result<Vec<Summary>>> + Send;
    fn flags(&mut self, uids: &[u32]) -> impl Future<Output = Result<Vec<FlagsOf>>> + Send;
    /// Sections of one message, each from its start up to a byte limit; `""` is the whole
    /// message. `None` when the message is gone.
    fn sections(
        &mut self,
        uid: u32,
        sections: &[(String, Option<u64>)],
    ) -> impl Future<Output = Result<Option<SectionBytes>>> + Send;
    /// [`MailBackend::sections`] of several messages, each with its own list, in as few round
    /// trips as the store allows (IMAP: one `UID FETCH` per distinct section list). Messages
    /// that are gone are absent from the answer; the order is the store's. Everything asked
    /// for is held in memory at once: callers bound the size of one call.
    fn sections_many(
        &mut self,
        wanted: &[(u32, SectionList)],
    ) -> impl Future<Output = Result<Vec<(u32, SectionBytes)>>> + Send {
        async move {
            let mut out = Vec::with_capacity(wanted.len());
            for (uid, sections) in wanted {
                if let Some(found) = self.sections(*uid, sections).await? {
                    out.push((*uid, found));
                }
            }
            Ok(out)
        }
    }
    /// Bytes `offset..offset+len` of one section (for streaming); `None` when the message is
    /// gone.
    fn section_range(
        &mut self,
        uid: u32,
        section: &str,
        offset: u64,
        len: u64,
    ) -> impl Future<Output = Result<Option<Vec<u8>>>> + Send;
    fn add_flags(
        &mut self,
        uids: &[u32],
        flags: &[Flag],
    ) -> impl Future<Output = Result<()>> + Send;
    fn remove_flags(
        &mut self,
        uids: &[u32],
        flags: &[Flag],
    ) -> impl Future<Output = Result<()>> + Send;
    /// Moves messages; returns (old uid, new uid) for each one the server reported.
    fn move_to(
        &mut self,
        uids: &[u32],
        mailbox: &str,
    ) -> impl Future<Output = Result<Vec<(u32, u32)>>> + Send;
    /// Expunges exactly these messages.
    fn expunge(&mut self, uids: &[u32]) -> impl Future<Output = Result<()>> + Send;
    /// Adds a message of `len` bytes read from `message` to `mailbox` with these flags; its
    /// UID when the server says (UIDPLUS).
    fn append<R: tokio::io::AsyncRead + Unpin + Send>(
        &mut self,
        mailbox: &str,
        flags: &[Flag],
        len: u64,
        message: R,
    ) -> impl Future<Output = Result<Option<u32>>> + Send;
    fn create(&mut self, mailbox: &str) -> impl Future<Output = Result<()>> + Send;
    fn rename(&mut self, from: &str, to: &str) -> impl Future<Output = Result<()>> + Send;
    fn delete(&mut self, mailbox: &str) -> impl Future<Output = Result<()>> + Send;
    fn subscribe(&mut self, mailbox: &str) -> impl Future<Output = Result<()>> + Send;

    /// A hint: the caller will most likely ask for these messages' summaries and sections
    /// next (the next Sync window). A backend may fetch them meanwhile
    /// ([`super::read_ahead`]); commands issued before that is done wait for it.
    fn read_ahead(&mut self, _plan: super::read_ahead::ReadAheadPlan) {}
}
