//! The engine's mail store over IMAP: a pooled upstream session behind
//! `engine::mail::MailBackend`, with the upstream types and errors mapped to the engine's.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;

use engine::mail::backend::{
    BackendError, ChangeTracking, Changes, Flag, FlagsOf, MailBackend, Mailbox, MailboxState,
    Result, SectionBytes, SectionList, SpecialUse, Summary,
};

use crate::read_ahead::ReadAheads;
use engine::mail::read_ahead::{self, ReadAheadPlan};
use state::DeviceKey;
use tokio::sync::oneshot;
use upstream::imap::{self as imap, ImapError, PooledSession, StoreOp, SyncMode};

/// One request's IMAP session, back to the pool when dropped.
pub struct ImapMail {
    /// None while a read-ahead has it.
    session: Option<PooledSession>,
    /// Where the session comes back from a read-ahead.
    returning: Option<oneshot::Receiver<PooledSession>>,
    mode: SyncMode,
    /// Where read-ahead goes, for the device's next command; None: no read-ahead.
    ahead: Option<(Arc<ReadAheads>, DeviceKey)>,
}

impl ImapMail {
    pub fn new(session: PooledSession, ahead: Option<(Arc<ReadAheads>, DeviceKey)>) -> Self {
        ImapMail {
            mode: session.mode(),
            session: Some(session),
            returning: None,
            ahead,
        }
    }

    /// The session, back from a read-ahead first if one has it (commands wait for it).
    async fn session(&mut self) -> Result<&mut PooledSession> {
        if let Some(rx) = self.returning.take() {
            match rx.await {
                Ok(s) => self.session = Some(s),
                Err(_) => {
                    return Err(BackendError::Unavailable(
                        "the IMAP session failed during a read-ahead".into(),
                    ));
                }
            }
        }
        self.session.as_mut().ok_or_else(|| {
            BackendError::Unavailable("the IMAP session failed during a read-ahead".into())
        })
    }
}

fn map_err(e: ImapError) -> BackendError {
    if e.is_already_exists() {
        BackendError::AlreadyExists
    } else if e.is_nonexistent() {
        BackendError::NoSuchMailbox
    } else if e.is_unavailable() {
        BackendError::Unavailable(e.to_string())
    } else {
        BackendError::Refused(e.to_string())
    }
}

fn from_flag(f: imap::Flag) -> Flag {
    match f {
        imap::Flag::Seen => Flag::Seen,
        imap::Flag::Answered => Flag::Answered,
        imap::Flag::Flagged => Flag::Flagged,
        imap::Flag::Deleted => Flag::Deleted,
        imap::Flag::Draft => Flag::Draft,
        imap::Flag::Keyword(k) => Flag::Keyword(k),
    }
}

fn to_flag(f: &Flag) -> imap::Flag {
    match f {
        Flag::Seen => imap::Flag::Seen,
        Flag::Answered => imap::Flag::Answered,
        Flag::Flagged => imap::Flag::Flagged,
        Flag::Deleted => imap::Flag::Deleted,
        Flag::Draft => imap::Flag::Draft,
        Flag::Keyword(k) => imap::Flag::Keyword(k.clone()),
    }
}

fn flags_of(f: imap::FlagsOf) -> FlagsOf {
    FlagsOf {
        uid: f.uid,
        flags: f.flags.0.into_iter().map(from_flag).collect(),
    }
}

/// The UTC calendar date of a unix time (for SEARCH SINCE, which takes a date).
fn utc_date(secs: i64) -> (i32, u32, u32) {
    // Howard Hinnant's days-to-civil.
    let z = secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = (yoe + era * 400 + i64::from(m <= 2)) as i32;
    (y, m, d)
}

/// A LIST entry as the engine sees it (also what the push watcher publishes).
pub(crate) fn mailbox_of(m: imap::MailboxListing) -> Mailbox {
    Mailbox {
        name: m.name,
        path: m.display_path,
        delimiter: m.delimiter,
        special_use: m.special_use.map(|s| match s {
            imap::SpecialUse::All => SpecialUse::All,
            imap::SpecialUse::Archive => SpecialUse::Archive,
            imap::SpecialUse::Drafts => SpecialUse::Drafts,
            imap::SpecialUse::Flagged => SpecialUse::Flagged,
            imap::SpecialUse::Junk => SpecialUse::Junk,
            imap::SpecialUse::Sent => SpecialUse::Sent,
            imap::SpecialUse::Trash => SpecialUse::Trash,
        }),
        subscribed: m.subscribed,
        selectable: !m.no_select,
    }
}

/// How a session of this mode finds changes.
pub(crate) fn tracking_of(mode: SyncMode) -> ChangeTracking {
    match mode {
        SyncMode::Qresync => ChangeTracking::Qresync,
        SyncMode::Condstore => ChangeTracking::Condstore,
        SyncMode::Plain => ChangeTracking::Listing,
    }
}

/// STATUS counters as the engine sees them.
pub(crate) fn status_state(s: imap::MailboxStatus) -> MailboxState {
    MailboxState {
        uid_validity: s.uid_validity,
        uid_next: s.uid_next,
        messages: s.messages,
        highest_modseq: s.highest_modseq,
    }
}

fn selected_state(s: imap::Selected) -> MailboxState {
    MailboxState {
        uid_validity: s.uid_validity,
        uid_next: s.uid_next,
        messages: s.exists,
        highest_modseq: s.highest_modseq,
    }
}

impl MailBackend for ImapMail {
    fn tracking(&self) -> ChangeTracking {
        tracking_of(self.mode)
    }

    fn wire_name(&self, name: &str) -> String {
        imap::utf7::encode(name)
    }

    async fn list(&mut self) -> Result<Vec<Mailbox>> {
        let listing = self
            .session()
            .await?
            .list_mailboxes()
            .await
            .map_err(map_err)?;
        Ok(listing.into_iter().map(mailbox_of).collect())
    }

    async fn status(&mut self, mailbox: &str) -> Result<MailboxState> {
        // The no-change check of every Sync and Ping: it must not cost work proportional to
        // the mailbox's size (design invariant 3). With Dovecot's Maildir, a SELECT of the
        // selected mailbox re-opens it and re-reads its whole UID list, and so does STATUS of
        // INBOX in a session that has LISTed (every FolderSync does).
        if mailbox.eq_ignore_ascii_case("INBOX") {
            // Kept selected: a NOOP confirms that nothing changed since the SELECT (see
            // ImapSession::refresh), and a SELECT happens only after a change (or every few
            // minutes). INBOX cannot be deleted (RFC 3501 6.3.4), the one case where the NOOP
            // hurts: Dovecot answers it NO and every later command BYE.
            return self.select(mailbox).await;
        }
        // Other mailboxes: STATUS of an unselected one comes from the indexes. The selected
        // one is left first (STATUS of it is a client bug to Dovecot).
        let session = self.session().await?;
        if session.selected_mailbox() == Some(mailbox)
            && !session.unselect().await.map_err(map_err)?
        {
            return self.select(mailbox).await;
        }
        let s = self
            .session()
            .await?
            .status(mailbox)
            .await
            .map_err(map_err)?;
        Ok(status_state(s))
    }

    async fn select(&mut self, mailbox: &str) -> Result<MailboxState> {
        // Selected already and unchanged since: a NOOP says so, without re-opening it (each
        // step of a windowed Sync selects; see ImapSession::refresh).
        let s = self
            .session()
            .await?
            .refresh(mailbox)
            .await
            .map_err(map_err)?;
        Ok(selected_state(s))
    }

    async fn changes_since(&mut self, modseq: u64) -> Result<Changes> {
        let c = self
            .session()
            .await?
            .changes_since(modseq)
            .await
            .map_err(map_err)?;
        Ok(Changes {
            changed: c.changed.into_iter().map(flags_of).collect(),
            vanished: c.vanished,
        })
    }

    async fn search(&mut self, since: Option<i64>) -> Result<Vec<u32>> {
        self.session()
            .await?
            .uid_search(since.map(utc_date))
            .await
            .map_err(map_err)
    }

    async fn summaries(&mut self, uids: &[u32]) -> Result<Vec<Summary>> {
        let s = self
            .session()
            .await?
            .fetch_summaries(uids, convert::mail::HEADER_FIELDS)
            .await
            .map_err(map_err)?;
        Ok(s.into_iter()
            .map(|m| Summary {
                uid: m.uid,
                flags: m.flags.0.into_iter().map(from_flag).collect(),
                internal_date: m.internal_date,
                size: m.size,
                structure: m.structure,
                header: m.header,
            })
            .collect())
    }

    async fn flags(&mut self, uids: &[u32]) -> Result<Vec<FlagsOf>> {
        let f = self
            .session()
            .await?
            .fetch_flags(uids)
            .await
            .map_err(map_err)?;
        Ok(f.into_iter().map(flags_of).collect())
    }

    async fn sections(
        &mut self,
        uid: u32,
        sections: &[(String, Option<u64>)],
    ) -> Result<Option<Vec<(String, Vec<u8>)>>> {
        self.session()
            .await?
            .fetch_sections(uid, sections)
            .await
            .map_err(map_err)
    }

    async fn sections_many(
        &mut self,
        wanted: &[(u32, SectionList)],
    ) -> Result<Vec<(u32, SectionBytes)>> {
        let found = self
            .session()
            .await?
            .fetch_sections_many(wanted)
            .await
            .map_err(map_err)?;
        Ok(found.into_iter().collect())
    }

    async fn section_range(
        &mut self,
        uid: u32,
        section: &str,
        offset: u64,
        len: u64,
    ) -> Result<Option<Vec<u8>>> {
        self.session()
            .await?
            .fetch_section(uid, section, Some((offset, len)))
            .await
            .map_err(map_err)
    }

    async fn add_flags(&mut self, uids: &[u32], flags: &[Flag]) -> Result<()> {
        let f: Vec<imap::Flag> = flags.iter().map(to_flag).collect();
        self.session()
            .await?
            .store_flags(uids, StoreOp::Add, &f)
            .await
            .map_err(map_err)
    }

    async fn remove_flags(&mut self, uids: &[u32], flags: &[Flag]) -> Result<()> {
        let f: Vec<imap::Flag> = flags.iter().map(to_flag).collect();
        self.session()
            .await?
            .store_flags(uids, StoreOp::Remove, &f)
            .await
            .map_err(map_err)
    }

    async fn move_to(&mut self, uids: &[u32], mailbox: &str) -> Result<Vec<(u32, u32)>> {
        self.session()
            .await?
            .uid_move(uids, mailbox)
            .await
            .map_err(map_err)
    }

    async fn expunge(&mut self, uids: &[u32]) -> Result<()> {
        self.session()
            .await?
            .expunge_uids(uids)
            .await
            .map_err(map_err)
    }

    async fn append<R: tokio::io::AsyncRead + Unpin + Send>(
        &mut self,
        mailbox: &str,
        flags: &[Flag],
        len: u64,
        message: R,
    ) -> Result<Option<u32>> {
        let f: Vec<imap::Flag> = flags.iter().map(to_flag).collect();
        let done = self
            .session()
            .await?
            .append_from(mailbox, &f, None, len, message)
            .await
            .map_err(map_err)?;
        Ok(done.map(|(_, uid)| uid))
    }

    async fn create(&mut self, mailbox: &str) -> Result<()> {
        self.session().await?.create(mailbox).await.map_err(map_err)
    }

    async fn rename(&mut self, from: &str, to: &str) -> Result<()> {
        self.session()
            .await?
            .rename(from, to)
            .await
            .map_err(map_err)
    }

    async fn delete(&mut self, mailbox: &str) -> Result<()> {
        self.session().await?.delete(mailbox).await.map_err(map_err)
    }

    async fn subscribe(&mut self, mailbox: &str) -> Result<()> {
        self.session()
            .await?
            .subscribe(mailbox)
            .await
            .map_err(map_err)
    }

    /// Fetches the next window in the background with this session, which comes back when
    /// that is done: to this request if it has more commands, else to the pool.
    fn read_ahead(&mut self, plan: ReadAheadPlan) {
        let Some((reads, device)) = &self.ahead else {
            return;
        };
        if self.returning.is_some() {
            return;
        }
        let Some(session) = self.session.take() else {
            return;
        };
        let (tx, rx) = oneshot::channel();
        self.returning = Some(rx);
        let mut backend = ImapMail {
            session: Some(session),
            returning: None,
            mode: self.mode,
            ahead: None,
        };
        reads.start(device.clone(), async move {
            let got = read_ahead::fetch(&mut backend, &plan).await;
            // A failed send means the request is over: the session goes to the pool.
            if let Some(s) = backend.session.take() {
                let _ = tx.send(s);
            }
            got
        });
    }
}

/// One lock per device: a device's commands change its sync state one at a time (clients
/// do send overlapping requests; the later one waits).
#[derive(Default)]
pub struct DeviceLocks {
    locks: Mutex<HashMap<DeviceKey, Arc<tokio::sync::Mutex<()>>>>,
}

impl DeviceLocks {
    pub async fn lock(&self, device: &DeviceKey) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = {
            let mut map = self.locks.lock().unwrap_or_else(|p| p.into_inner());
            // Forget locks nobody holds, so the map does not grow with every device ever seen.
            if map.len() > 1024 {
                map.retain(|_, l| Arc::strong_count(l) > 1);
            }
            map.entry(device.clone()).or_default().clone()
        };
        lock.lock_owned().await
    }
}

#[cfg(test)]
mod tests {
    use super::utc_date;

    #[test]
    fn unix_times_become_utc_dates() {
        assert_eq!(utc_date(0), (1970, 1, 1));
        assert_eq!(utc_date(951_782_400), (2000, 2, 29));
        assert_eq!(utc_date(1_795_305_600), (2026, 11, 22));
        assert_eq!(utc_date(-1), (1969, 12, 31));
    }
}
