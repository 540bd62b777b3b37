//! An in-memory mail store for the engine's unit tests: mailboxes of raw messages with flags
//! and modseqs, behaving like a QRESYNC server (or a lesser one, to test the fallbacks).

use std::collections::BTreeMap;

use super::backend::*;

#[derive(Clone, Debug)]
pub struct Message {
    pub raw: Vec<u8>,
    pub flags: Vec<Flag>,
    pub internal_date: i64,
    pub modseq: u64,
}

#[derive(Clone, Debug)]
pub struct Box_ {
    pub uid_validity: u32,
    pub uid_next: u32,
    pub messages: BTreeMap<u32, Message>,
    /// uid -> modseq of its expunge.
    pub expunged: BTreeMap<u32, u64>,
    pub special_use: Option<SpecialUse>,
    pub subscribed: bool,
}

#[derive(Clone, Debug)]
pub struct Memory {
    pub boxes: BTreeMap<String, Box_>,
    pub modseq: u64,
    pub selected: Option<String>,
    pub tracking: ChangeTracking,
    /// Commands issued, by name, for tests of what a step costs.
    pub log: Vec<&'static str>,
    /// Read-ahead hints received, for tests.
    pub read_ahead: Vec<super::read_ahead::ReadAheadPlan>,
    next_validity: u32,
}

impl Memory {
    /// INBOX, Drafts, Sent and Trash (with SPECIAL-USE), empty.
    pub fn new() -> Memory {
        let mut m = Memory {
            boxes: BTreeMap::new(),
            modseq: 1,
            selected: None,
            tracking: ChangeTracking::Qresync,
            log: Vec::new(),
            read_ahead: Vec::new(),
            next_validity: 100,
        };
        m.add_box("INBOX", None);
        m.add_box("Drafts", Some(SpecialUse::Drafts));
        m.add_box("Sent", Some(SpecialUse::Sent));
        m.add_box("Trash", Some(SpecialUse::Trash));
        m
    }

    pub fn add_box(&mut self, name: &str, special_use: Option<SpecialUse>) {
        self.next_validity += 1;
        self.boxes.insert(
            name.to_owned(),
            Box_ {
                uid_validity: self.next_validity,
                uid_next: 1,
                messages: BTreeMap::new(),
                expunged: BTreeMap::new(),
                special_use,
                subscribed: true,
            },
        );
    }

    /// Appends a message; returns its UID.
    pub fn append(&mut self, mailbox: &str, raw: &[u8], internal_date: i64) -> u32 {
        self.modseq += 1;
        let modseq = self.modseq;
        let b = self.boxes.get_mut(mailbox).expect("test mailbox");
        let uid = b.uid_next;
        b.uid_next += 1;
        b.messages.insert(
            uid,
            Message {
                raw: raw.to_vec(),
                flags: Vec::new(),
                internal_date,
                modseq,
            },
        );
        uid
    }

    pub fn set_flags(&mut self, mailbox: &str, uid: u32, flags: Vec<Flag>) {
        self.modseq += 1;
        let modseq = self.modseq;
        if let Some(m) = self
            .boxes
            .get_mut(mailbox)
            .and_then(|b| b.messages.get_mut(&uid))
        {
            m.flags = flags;
            m.modseq = modseq;
        }
    }

    pub fn remove(&mut self, mailbox: &str, uid: u32) {
        self.modseq += 1;
        let modseq = self.modseq;
        if let Some(b) = self.boxes.get_mut(mailbox)
            && b.messages.remove(&uid).is_some()
        {
            b.expunged.insert(uid, modseq);
        }
    }

    fn sel(&mut self) -> Result<&mut Box_> {
        let name = self.selected.clone().ok_or(BackendError::NoSuchMailbox)?;
        self.boxes.get_mut(&name).ok_or(BackendError::NoSuchMailbox)
    }

    fn state(&self, b: &Box_) -> MailboxState {
        let highest = b
            .messages
            .values()
            .map(|m| m.modseq)
            .chain(b.expunged.values().copied())
            .max()
            .unwrap_or(1);
        MailboxState {
            uid_validity: b.uid_validity,
            uid_next: b.uid_next,
            messages: b.messages.len() as u32,
            highest_modseq: (self.tracking >= ChangeTracking::Condstore).then_some(highest),
        }
    }
}

impl MailBackend for Memory {
    fn tracking(&self) -> ChangeTracking {
        self.tracking
    }

    fn wire_name(&self, name: &str) -> String {
        name.to_owned()
    }

    async fn list(&mut self) -> Result<Vec<Mailbox>> {
        self.log.push("LIST");
        Ok(self
            .boxes
            .iter()
            .map(|(name, b)| Mailbox {
                name: name.clone(),
                path: name.clone(),
                delimiter: Some('/'),
                special_use: b.special_use,
                subscribed: b.subscribed,
                selectable: true,
            })
            .collect())
    }

    async fn status(&mut self, mailbox: &str) -> Result<MailboxState> {
        self.log.push("STATUS");
        let b = self.boxes.get(mailbox).ok_or(BackendError::NoSuchMailbox)?;
        Ok(self.state(b))
    }

    async fn select(&mut self, mailbox: &str) -> Result<MailboxState> {
        self.log.push("SELECT");
        let b = self.boxes.get(mailbox).ok_or(BackendError::NoSuchMailbox)?;
        let s = self.state(b);
        self.selected = Some(mailbox.to_owned());
        Ok(s)
    }

    async fn changes_since(&mut self, modseq: u64) -> Result<Changes> {
        self.log.push("FETCH CHANGEDSINCE");
        let qresync = self.tracking == ChangeTracking::Qresync;
        let b = self.sel()?;
        Ok(Changes {
            changed: b
                .messages
                .iter()
                .filter(|(_, m)| m.modseq > modseq)
                .map(|(uid, m)| FlagsOf {
                    uid: *uid,
                    flags: m.flags.clone(),
                })
                .collect(),
            vanished: qresync.then(|| {
                b.expunged
                    .iter()
                    .filter(|(_, m)| **m > modseq)
                    .map(|(u, _)| *u)
                    .collect()
            }),
        })
    }

    async fn search(&mut self, since: Option<i64>) -> Result<Vec<u32>> {
        self.log.push("SEARCH");
        let b = self.sel()?;
        Ok(b.messages
            .iter()
            .filter(|(_, m)| since.is_none_or(|s| m.internal_date >= s))
            .map(|(u, _)| *u)
            .collect())
    }

    async fn summaries(&mut self, uids: &[u32]) -> Result<Vec<Summary>> {
        self.log.push("FETCH SUMMARY");
        let b = self.sel()?;
        Ok(uids
            .iter()
            .filter_map(|u| {
                let m = b.messages.get(u)?;
                let end = find_header_end(&m.raw);
                Some(Summary {
                    uid: *u,
                    flags: m.flags.clone(),
                    internal_date: m.internal_date,
                    size: m.raw.len() as u64,
                    structure: convert::mail::structure_of(&m.raw),
                    header: m.raw[..end].to_vec(),
                })
            })
            .collect())
    }

    async fn flags(&mut self, uids: &[u32]) -> Result<Vec<FlagsOf>> {
        self.log.push("FETCH FLAGS");
        let b = self.sel()?;
        Ok(uids
            .iter()
            .filter_map(|u| {
                b.messages.get(u).map(|m| FlagsOf {
                    uid: *u,
                    flags: m.flags.clone(),
                })
            })
            .collect())
    }

    async fn sections(
        &mut self,
        uid: u32,
        sections: &[(String, Option<u64>)],
    ) -> Result<Option<Vec<(String, Vec<u8>)>>> {
        self.log.push("FETCH BODY");
        let b = self.sel()?;
        Ok(b.messages.get(&uid).map(|m| sections_of(m, sections)))
    }

    async fn sections_many(
        &mut self,
        wanted: &[(u32, SectionList)],
    ) -> Result<Vec<(u32, SectionBytes)>> {
        // One command, as an IMAP store answers messages that share their section list.
        self.log.push("FETCH BODY");
        let b = self.sel()?;
        Ok(wanted
            .iter()
            .filter_map(|(uid, sections)| {
                let m = b.messages.get(uid)?;
                Some((*uid, sections_of(m, sections)))
            })
            .collect())
    }

    async fn section_range(
        &mut self,
        uid: u32,
        section: &str,
        offset: u64,
        len: u64,
    ) -> Result<Option<Vec<u8>>> {
        self.log.push("FETCH PARTIAL");
        let b = self.sel()?;
        let Some(m) = b.messages.get(&uid) else {
            return Ok(None);
        };
        let bytes = section_bytes(&m.raw, section);
        let start = (offset as usize).min(bytes.len());
        let end = (start + len as usize).min(bytes.len());
        Ok(Some(bytes[start..end].to_vec()))
    }

    async fn add_flags(&mut self, uids: &[u32], flags: &[Flag]) -> Result<()> {
        self.log.push("STORE");
        let name = self.selected.clone().ok_or(BackendError::NoSuchMailbox)?;
        for u in uids {
            let mut cur = match self.boxes.get(&name).and_then(|b| b.messages.get(u)) {
                Some(m) => m.flags.clone(),
                None => continue,
            };
            for f in flags {
                if !cur.contains(f) {
                    cur.push(f.clone());
                }
            }
            self.set_flags(&name, *u, cur);
        }
        Ok(())
    }

    async fn remove_flags(&mut self, uids: &[u32], flags: &[Flag]) -> Result<()> {
        self.log.push("STORE");
        let name = self.selected.clone().ok_or(BackendError::NoSuchMailbox)?;
        for u in uids {
            let mut cur = match self.boxes.get(&name).and_then(|b| b.messages.get(u)) {
                Some(m) => m.flags.clone(),
                None => continue,
            };
            cur.retain(|f| !flags.contains(f));
            self.set_flags(&name, *u, cur);
        }
        Ok(())
    }

    async fn move_to(&mut self, uids: &[u32], mailbox: &str) -> Result<Vec<(u32, u32)>> {
        self.log.push("MOVE");
        let from = self.selected.clone().ok_or(BackendError::NoSuchMailbox)?;
        if !self.boxes.contains_key(mailbox) {
            return Err(BackendError::NoSuchMailbox);
        }
        let mut pairs = Vec::new();
        for u in uids {
            let Some(m) = self
                .boxes
                .get(&from)
                .and_then(|b| b.messages.get(u))
                .cloned()
            else {
                continue;
            };
            self.remove(&from, *u);
            let new = self.append(mailbox, &m.raw, m.internal_date);
            self.set_flags(mailbox, new, m.flags);
            pairs.push((*u, new));
        }
        Ok(pairs)
    }

    async fn expunge(&mut self, uids: &[u32]) -> Result<()> {
        self.log.push("EXPUNGE");
        let name = self.selected.clone().ok_or(BackendError::NoSuchMailbox)?;
        for u in uids {
            self.remove(&name, *u);
        }
        Ok(())
    }

    async fn append<R: tokio::io::AsyncRead + Unpin + Send>(
        &mut self,
        mailbox: &str,
        flags: &[Flag],
        len: u64,
        mut message: R,
    ) -> Result<Option<u32>> {
        use tokio::io::AsyncReadExt;
        self.log.push("APPEND");
        if !self.boxes.contains_key(mailbox) {
            return Err(BackendError::NoSuchMailbox);
        }
        let mut raw = Vec::new();
        message
            .read_to_end(&mut raw)
            .await
            .map_err(|e| BackendError::Unavailable(e.to_string()))?;
        if raw.len() as u64 != len {
            return Err(BackendError::Unavailable("APPEND length mismatch".into()));
        }
        let uid = Memory::append(self, mailbox, &raw, 0);
        self.set_flags(mailbox, uid, flags.to_vec());
        Ok(Some(uid))
    }

    async fn create(&mut self, mailbox: &str) -> Result<()> {
        self.log.push("CREATE");
        if self.boxes.contains_key(mailbox) {
            return Err(BackendError::AlreadyExists);
        }
        self.add_box(mailbox, None);
        Ok(())
    }

    async fn rename(&mut self, from: &str, to: &str) -> Result<()> {
        self.log.push("RENAME");
        if self.boxes.contains_key(to) {
            return Err(BackendError::AlreadyExists);
        }
        let b = self.boxes.remove(from).ok_or(BackendError::NoSuchMailbox)?;
        self.boxes.insert(to.to_owned(), b);
        Ok(())
    }

    async fn delete(&mut self, mailbox: &str) -> Result<()> {
        self.log.push("DELETE");
        self.boxes
            .remove(mailbox)
            .map(|_| ())
            .ok_or(BackendError::NoSuchMailbox)
    }

    async fn subscribe(&mut self, mailbox: &str) -> Result<()> {
        self.log.push("SUBSCRIBE");
        if let Some(b) = self.boxes.get_mut(mailbox) {
            b.subscribed = true;
        }
        Ok(())
    }

    fn read_ahead(&mut self, plan: super::read_ahead::ReadAheadPlan) {
        self.read_ahead.push(plan);
    }
}

fn find_header_end(raw: &[u8]) -> usize {
    raw.windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| p + 4)
        .or_else(|| raw.windows(2).position(|w| w == b"\n\n").map(|p| p + 2))
        .unwrap_or(raw.len())
}

/// Each section from its start up to its limit.
fn sections_of(m: &Message, sections: &[(String, Option<u64>)]) -> SectionBytes {
    sections
        .iter()
        .map(|(sec, max)| {
            let bytes = section_bytes(&m.raw, sec);
            let n = max
                .map(|x| x as usize)
                .unwrap_or(bytes.len())
                .min(bytes.len());
            (sec.clone(), bytes[..n].to_vec())
        })
        .collect()
}

/// What BODY[<section>] gives.
fn section_bytes(raw: &[u8], section: &str) -> Vec<u8> {
    if let Some(part) = section.strip_suffix(".MIME") {
        return convert::mail::PartPath::parse(part)
            .and_then(|p| convert::mail::mime_header_of(raw, &p))
            .unwrap_or_default();
    }
    convert::mail::PartPath::parse(section)
        .and_then(|p| convert::mail::section_of(raw, &p))
        .unwrap_or_default()
}
