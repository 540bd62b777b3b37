//! Read-ahead for Sync windows: while the device reads one window of pending adds, the next
//! window's summaries and body sections are fetched, so that the mail server's work overlaps
//! the device's and ours instead of following it.
//!
//! Safe to serve later because a message's content never changes under one UID and
//! UIDVALIDITY. Its flags may change after the read-ahead; the Sync state covers that: a
//! collection's modseq baseline predates the read-ahead, and changes since it are pulled
//! once the pending adds are sent. A message expunged meanwhile is deleted the same way.

use std::collections::HashMap;
use std::future::Future;

use super::backend::{
    ChangeTracking, Changes, Flag, FlagsOf, MailBackend, Mailbox, MailboxState, Result,
    SectionBytes, SectionList, Summary,
};
use super::items::{BodyChoice, SUMMARY_BATCH, group_by_sections};

/// What to read ahead for one collection: the adds its next window will most likely send.
#[derive(Clone, Debug)]
pub struct ReadAheadPlan {
    pub mailbox: String,
    pub uid_validity: u32,
    /// Newest first, as the window sends them.
    pub uids: Vec<u32>,
    pub choice: BodyChoice,
    /// Messages with an INTERNALDATE before this (unix seconds) are not sent: not fetched.
    pub since: Option<i64>,
    /// At most this many bytes of bodies.
    pub budget: u64,
}

/// Summaries and sections fetched ahead from one mailbox.
#[derive(Debug, Default)]
pub struct ReadAhead {
    mailbox: String,
    uid_validity: u32,
    summaries: HashMap<u32, Summary>,
    sections: HashMap<u32, (SectionList, SectionBytes)>,
}

impl ReadAhead {
    /// Messages held (summaries).
    pub fn len(&self) -> usize {
        self.summaries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.summaries.is_empty()
    }

    fn forget(&mut self, uids: &[u32]) {
        for uid in uids {
            self.summaries.remove(uid);
            self.sections.remove(uid);
        }
    }
}

/// Fetches what `plan` names, at most its budget of bytes. Nothing when the mailbox's
/// UIDVALIDITY is no longer the plan's.
pub async fn fetch<B: MailBackend>(backend: &mut B, plan: &ReadAheadPlan) -> Result<ReadAhead> {
    let mut left = plan.budget;
    let budget = &mut left;
    let mut ahead = ReadAhead {
        mailbox: plan.mailbox.clone(),
        uid_validity: plan.uid_validity,
        ..ReadAhead::default()
    };
    let st = backend.select(&plan.mailbox).await?;
    if st.uid_validity != plan.uid_validity {
        return Ok(ahead);
    }
    'chunks: for chunk in plan.uids.chunks(SUMMARY_BATCH) {
        let mut summaries = backend.summaries(chunk).await?;
        summaries.retain(|s| plan.since.is_none_or(|t| s.internal_date >= t));
        for s in &summaries {
            let bytes = s.header.len() as u64 + 512;
            if *budget < bytes {
                break 'chunks;
            }
            *budget -= bytes;
            ahead.summaries.insert(s.uid, s.clone());
        }
        // All of the chunk's bodies in one call: the IMAP backend pipelines its commands.
        let (batches, _) = group_by_sections(summaries, &plan.choice);
        let mut request: Vec<(u32, SectionList)> = Vec::new();
        let mut out_of_budget = false;
        for (wanted, members) in batches {
            let bytes: u64 = members.iter().map(|(_, p)| p.expected).sum();
            if *budget < bytes {
                out_of_budget = true;
                break;
            }
            *budget -= bytes;
            request.extend(members.iter().map(|(s, _)| (s.uid, wanted.clone())));
        }
        let lists: HashMap<u32, SectionList> = request.iter().cloned().collect();
        for (uid, parts) in backend.sections_many(&request).await? {
            if let Some(wanted) = lists.get(&uid) {
                ahead.sections.insert(uid, (wanted.clone(), parts));
            }
        }
        if out_of_budget {
            break;
        }
    }
    Ok(ahead)
}

/// A backend that serves summaries and sections from read-ahead where it has them, and asks
/// `inner` for everything else. Each held item is served once.
pub struct WithReadAhead<'a, B> {
    inner: &'a mut B,
    ahead: Vec<ReadAhead>,
    /// The selected mailbox and its UIDVALIDITY: held items of another are not served.
    selected: Option<(String, u32)>,
}

impl<'a, B: MailBackend> WithReadAhead<'a, B> {
    pub fn new(inner: &'a mut B, ahead: Vec<ReadAhead>) -> Self {
        WithReadAhead {
            inner,
            ahead,
            selected: None,
        }
    }

    fn current(&mut self) -> Option<&mut ReadAhead> {
        let (mailbox, validity) = self.selected.as_ref()?;
        self.ahead
            .iter_mut()
            .find(|a| &a.mailbox == mailbox && a.uid_validity == *validity)
    }

    fn forget(&mut self, uids: &[u32]) {
        if let Some(a) = self.current() {
            a.forget(uids);
        }
    }
}

impl<B: MailBackend> MailBackend for WithReadAhead<'_, B> {
    fn tracking(&self) -> ChangeTracking {
        self.inner.tracking()
    }

    fn wire_name(&self, name: &str) -> String {
        self.inner.wire_name(name)
    }

    fn list(&mut self) -> impl Future<Output = Result<Vec<Mailbox>>> + Send {
        self.inner.list()
    }

    fn status(&mut self, mailbox: &str) -> impl Future<Output = Result<MailboxState>> + Send {
        self.inner.status(mailbox)
    }

    async fn select(&mut self, mailbox: &str) -> Result<MailboxState> {
        self.selected = None;
        let st = self.inner.select(mailbox).await?;
        self.selected = Some((mailbox.to_owned(), st.uid_validity));
        Ok(st)
    }

    fn changes_since(&mut self, modseq: u64) -> impl Future<Output = Result<Changes>> + Send {
        self.inner.changes_since(modseq)
    }

    fn search(&mut self, since: Option<i64>) -> impl Future<Output = Result<Vec<u32>>> + Send {
        self.inner.search(since)
    }

    async fn summaries(&mut self, uids: &[u32]) -> Result<Vec<Summary>> {
        let mut out = Vec::with_capacity(uids.len());
        let mut missing = Vec::new();
        let mut held = self.current();
        for uid in uids {
            match held.as_mut().and_then(|a| a.summaries.remove(uid)) {
                Some(s) => out.push(s),
                None => missing.push(*uid),
            }
        }
        if !missing.is_empty() {
            out.extend(self.inner.summaries(&missing).await?);
        }
        out.sort_by_key(|s| s.uid);
        Ok(out)
    }

    fn flags(&mut self, uids: &[u32]) -> impl Future<Output = Result<Vec<FlagsOf>>> + Send {
        self.inner.flags(uids)
    }

    async fn sections(
        &mut self,
        uid: u32,
        sections: &[(String, Option<u64>)],
    ) -> Result<Option<SectionBytes>> {
        if let Some(a) = self.current()
            && a.sections.get(&uid).is_some_and(|(w, _)| w == sections)
            && let Some((_, parts)) = a.sections.remove(&uid)
        {
            return Ok(Some(parts));
        }
        self.inner.sections(uid, sections).await
    }

    async fn sections_many(
        &mut self,
        wanted: &[(u32, SectionList)],
    ) -> Result<Vec<(u32, SectionBytes)>> {
        let mut out = Vec::with_capacity(wanted.len());
        let mut missing = Vec::new();
        let mut held = self.current();
        for (uid, list) in wanted {
            let hit = held.as_mut().and_then(|a| match a.sections.get(uid) {
                Some((w, _)) if w == list => a.sections.remove(uid).map(|(_, p)| p),
                _ => None,
            });
            match hit {
                Some(parts) => out.push((*uid, parts)),
                None => missing.push((*uid, list.clone())),
            }
        }
        if !missing.is_empty() {
            out.extend(self.inner.sections_many(&missing).await?);
        }
        Ok(out)
    }

    fn section_range(
        &mut self,
        uid: u32,
        section: &str,
        offset: u64,
        len: u64,
    ) -> impl Future<Output = Result<Option<Vec<u8>>>> + Send {
        self.inner.section_range(uid, section, offset, len)
    }

    fn add_flags(
        &mut self,
        uids: &[u32],
        flags: &[Flag],
    ) -> impl Future<Output = Result<()>> + Send {
        self.forget(uids);
        self.inner.add_flags(uids, flags)
    }

    fn remove_flags(
        &mut self,
        uids: &[u32],
        flags: &[Flag],
    ) -> impl Future<Output = Result<()>> + Send {
        self.forget(uids);
        self.inner.remove_flags(uids, flags)
    }

    fn move_to(
        &mut self,
        uids: &[u32],
        mailbox: &str,
    ) -> impl Future<Output = Result<Vec<(u32, u32)>>> + Send {
        self.forget(uids);
        self.inner.move_to(uids, mailbox)
    }

    fn expunge(&mut self, uids: &[u32]) -> impl Future<Output = Result<()>> + Send {
        self.forget(uids);
        self.inner.expunge(uids)
    }

    fn append<R: tokio::io::AsyncRead + Unpin + Send>(
        &mut self,
        mailbox: &str,
        flags: &[Flag],
        len: u64,
        message: R,
    ) -> impl Future<Output = Result<Option<u32>>> + Send {
        self.inner.append(mailbox, flags, len, message)
    }

    fn create(&mut self, mailbox: &str) -> impl Future<Output = Result<()>> + Send {
        self.inner.create(mailbox)
    }

    fn rename(&mut self, from: &str, to: &str) -> impl Future<Output = Result<()>> + Send {
        self.inner.rename(from, to)
    }

    fn delete(&mut self, mailbox: &str) -> impl Future<Output = Result<()>> + Send {
        self.inner.delete(mailbox)
    }

    fn subscribe(&mut self, mailbox: &str) -> impl Future<Output = Result<()>> + Send {
        self.inner.subscribe(mailbox)
    }

    fn read_ahead(&mut self, plan: ReadAheadPlan) {
        self.inner.read_ahead(plan);
    }
}
