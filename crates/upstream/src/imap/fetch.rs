//! Reading the selected mailbox: changes since a modseq, UID searches,
//! message summaries (BODYSTRUCTURE and a few header fields), flags and
//! body sections.
//!
//! Every FETCH response is matched by its UID: unsolicited FETCHes (flag
//! updates from other sessions) that arrive during a command are either
//! merged (same UID) or ignored. UIDs that no longer exist are simply
//! absent from the answers.

use std::collections::{BTreeMap, HashMap, HashSet};

use async_imap::imap_proto::{AttributeValue, MailboxDatum, MessageSection, Response, SectionPath};
use convert::mail::BodyPart;

use super::flags::Flags;
use super::mailbox::SyncMode;
use super::seqset::{self, MAX_SET_LEN};
use super::{ImapError, ImapSession, date, structure};
use crate::net::Failure;

/// Sections to fetch, each from its start up to a byte limit (None: whole).
pub type SectionList = Vec<(String, Option<u64>)>;
/// Sections as fetched, in the order asked.
pub type SectionData = Vec<(String, Vec<u8>)>;
/// Sections being fetched: their bytes once answered.
type Answering = Vec<(String, Option<Vec<u8>>)>;

/// One message's flags (and modseq with CONDSTORE).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagsOf {
    pub uid: u32,
    pub flags: Flags,
    pub modseq: Option<u64>,
}

/// Changes of the selected mailbox since a modseq.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// Messages whose flags changed, or that are new, ascending by UID.
    pub changed: Vec<FlagsOf>,
    /// Expunged UIDs, ascending (QRESYNC); None when the server cannot say
    /// (CONDSTORE only): list the UIDs instead.
    pub vanished: Option<Vec<u32>>,
}

/// What sync needs of a message before reading any of its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageSummary {
    pub uid: u32,
    pub flags: Flags,
    /// INTERNALDATE as unix seconds (0 if the server sent none or a
    /// malformed one).
    pub internal_date: i64,
    /// RFC822.SIZE.
    pub size: u64,
    /// With CONDSTORE.
    pub modseq: Option<u64>,
    pub structure: BodyPart,
    /// The requested header fields, raw, as the server returned them
    /// (ends with the empty line).
    pub header: Vec<u8>,
}

/// Above this many messages, UID SEARCH runs in UID windows (see
/// [`ImapSession::uid_search`]).
const SEARCH_WINDOW: u64 = 20_000;

/// UID ranges for searching a mailbox of `exists` messages below
/// `uid_next` so that each is expected to hold about `window` messages;
/// the last one is open (`n:*`).
fn search_windows(exists: u32, uid_next: u32, window: u64) -> Vec<(u32, Option<u32>)> {
    let exists = u64::from(exists);
    let uid_next = u64::from(uid_next);
    if exists <= window || uid_next == 0 {
        return vec![(1, None)];
    }
    let step = (window * uid_next / exists).max(window);
    let mut w = Vec::new();
    let mut start = 1u64;
    while start + step < uid_next {
        w.push((start as u32, Some((start + step - 1) as u32)));
        start += step;
    }
    w.push((start as u32, None));
    w
}

/// The most UIDs a VANISHED answer may expand to.
const MAX_VANISHED: usize = 10_000_000;

/// A section as a FETCH response names it: `""`, `"HEADER"`, `"1.2"`,
/// `"1.MIME"`. HEADER.FIELDS comes back as HEADER (the parser drops the
/// field list).
fn response_key(section: &Option<SectionPath>) -> String {
    let text = |m: &MessageSection| match m {
        MessageSection::Header => "HEADER",
        MessageSection::Mime => "MIME",
        MessageSection::Text => "TEXT",
    };
    match section {
        None => String::new(),
        Some(SectionPath::Full(m)) => text(m).to_string(),
        Some(SectionPath::Part(parts, m)) => {
            let mut key = parts
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(".");
            if let Some(m) = m {
                key.push('.');
                key.push_str(text(m));
            }
            key
        }
    }
}

/// The key of a requested section (see [`response_key`]).
fn request_key(section: &str) -> String {
    let upper = section.trim().to_ascii_uppercase();
    match upper.find("HEADER.FIELDS") {
        Some(i) => format!("{}HEADER", &upper[..i]),
        None => upper,
    }
}

/// A section spec that can be written between `[` and `]`.
fn check_section(section: &str) -> Result<(), ImapError> {
    let ok = section
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b' ' | b'(' | b')' | b'-' | b'_'));
    if ok {
        Ok(())
    } else {
        Err(ImapError::InvalidInput(format!(
            "{section:?} is not an IMAP section"
        )))
    }
}

/// `HEADER.FIELDS (FROM TO)` for the field names, or `HEADER` for none.
fn header_section(fields: &[&str]) -> Result<String, ImapError> {
    if fields.is_empty() {
        return Ok("HEADER".into());
    }
    for f in fields {
        if !super::flags::is_atom(f) || f.contains(':') {
            return Err(ImapError::InvalidInput(format!(
                "{f:?} is not a header field name"
            )));
        }
    }
    Ok(format!("HEADER.FIELDS ({})", fields.join(" ")))
}

fn uid_of(attrs: &[AttributeValue<'_>]) -> Option<u32> {
    attrs.iter().find_map(|a| match a {
        AttributeValue::Uid(u) => Some(*u),
        _ => None,
    })
}

#[derive(Default)]
struct Partial {
    flags: Option<Flags>,
    internal_date: Option<i64>,
    size: Option<u64>,
    modseq: Option<u64>,
    structure: Option<BodyPart>,
    header: Option<Vec<u8>>,
}

impl Partial {
    fn merge(&mut self, attrs: &[AttributeValue<'_>]) {
        for a in attrs {
            match a {
                AttributeValue::Flags(f) => self.flags = Some(Flags::from_wire(f)),
                AttributeValue::InternalDate(d) => {
                    self.internal_date = date::parse_internal_date(d)
                }
                AttributeValue::Rfc822Size(n) => self.size = Some(u64::from(*n)),
                AttributeValue::ModSeq(m) => self.modseq = Some(*m),
                AttributeValue::BodyStructure(bs) => {
                    self.structure = Some(structure::message_structure(bs))
                }
                AttributeValue::BodySection { data, .. } => {
                    self.header = Some(data.as_deref().unwrap_or_default().to_vec())
                }
                _ => {}
            }
        }
    }
}

impl ImapSession {
    /// Whether MODSEQ can be fetched.
    fn modseqs(&self) -> bool {
        self.mode >= SyncMode::Condstore
    }

    /// What changed in the selected mailbox since `modseq` (its
    /// HIGHESTMODSEQ at the last sync):
    ///
    /// - QRESYNC: `UID FETCH 1:* (UID FLAGS MODSEQ) (CHANGEDSINCE m
    ///   VANISHED)`: changed and new messages, and `VANISHED (EARLIER)`.
    /// - CONDSTORE: the same without VANISHED; `vanished` is None.
    ///
    /// Both are exact regardless of what the session saw before (the server
    /// answers from modseqs). Expunges that other sessions make during the
    /// command (unsolicited VANISHED) are included. Record the
    /// `highest_modseq` of the [`ImapSession::select`] made *before* this
    /// call as the next baseline: a change between the two is then reported
    /// once more next time, never lost.
    ///
    /// `Unsupported` without CONDSTORE or for a mailbox without modseqs.
    pub async fn changes_since(&mut self, modseq: u64) -> Result<Changes, ImapError> {
        let sel = self.selected_or_err()?;
        if self.mode < SyncMode::Condstore {
            return Err(ImapError::Unsupported("CONDSTORE"));
        }
        if sel.highest_modseq.is_none() {
            return Err(ImapError::Unsupported("modseqs in this mailbox (NOMODSEQ)"));
        }
        let vanished_too = self.mode == SyncMode::Qresync && self.qresync_enabled;
        let text = if vanished_too {
            format!("UID FETCH 1:* (UID FLAGS MODSEQ) (CHANGEDSINCE {modseq} VANISHED)")
        } else {
            format!("UID FETCH 1:* (UID FLAGS MODSEQ) (CHANGEDSINCE {modseq})")
        };
        let mut changed: BTreeMap<u32, FlagsOf> = BTreeMap::new();
        let mut vanished: Vec<u32> = Vec::new();
        let mut overflow = false;
        let cmd = self.command(text);
        self.run_ok("UID FETCH CHANGEDSINCE", cmd, |r| match r {
            Response::Fetch(_, attrs) => {
                let Some(uid) = uid_of(attrs) else { return };
                let mut p = Partial::default();
                p.merge(attrs);
                let entry = changed.entry(uid).or_insert_with(|| FlagsOf {
                    uid,
                    flags: Flags::default(),
                    modseq: None,
                });
                if let Some(f) = p.flags {
                    entry.flags = f;
                }
                if p.modseq.is_some() {
                    entry.modseq = p.modseq;
                }
            }
            Response::Vanished { uids, .. } => {
                overflow |= !seqset::expand_ranges(uids, &mut vanished, MAX_VANISHED);
            }
            _ => {}
        })
        .await?;
        if overflow {
            self.broken = true;
            return Err(self.unavailable(Failure::Protocol(format!(
                "VANISHED names more than {MAX_VANISHED} UIDs"
            ))));
        }
        vanished.sort_unstable();
        vanished.dedup();
        for uid in &vanished {
            changed.remove(uid);
        }
        tracing::debug!(
            modseq,
            changed = changed.len(),
            vanished = vanished.len(),
            "IMAP changes since modseq"
        );
        Ok(Changes {
            changed: changed.into_values().collect(),
            vanished: vanished_too.then_some(vanished),
        })
    }

    /// UIDs of the selected mailbox, all or those with INTERNALDATE on or
    /// after the day `since` (year, month, day; the server's time zone
    /// decides where a day starts), ascending.
    ///
    /// Plain `UID SEARCH`, not ESEARCH: async-imap's parser does not read
    /// `* ESEARCH` (and an unparsable response ends the session). To keep
    /// each answer short, a mailbox of more than 20,000 messages is
    /// searched in UID windows expected to hold about 20,000 each
    /// (`UID SEARCH UID a:b ...`), from UIDNEXT and EXISTS.
    pub async fn uid_search(
        &mut self,
        since: Option<(i32, u32, u32)>,
    ) -> Result<Vec<u32>, ImapError> {
        let sel = self.selected_or_err()?;
        let criteria = match since {
            None => "ALL".to_string(),
            Some((y, m, d)) => {
                let day = date::search_date(y, m, d)
                    .ok_or_else(|| ImapError::InvalidInput(format!("{y}-{m}-{d} is not a date")))?;
                format!("SINCE {day}")
            }
        };
        let windows = search_windows(sel.exists, sel.uid_next, SEARCH_WINDOW);
        let mut found: Vec<u32> = Vec::new();
        for (start, end) in windows {
            let text = match (start, end) {
                (1, None) => format!("UID SEARCH {criteria}"),
                (s, None) => format!("UID SEARCH UID {s}:* {criteria}"),
                (s, Some(e)) => format!("UID SEARCH UID {s}:{e} {criteria}"),
            };
            let high = end.unwrap_or(u32::MAX);
            let cmd = self.command(text);
            self.run_ok("UID SEARCH", cmd, |r| {
                if let Response::MailboxData(MailboxDatum::Search(uids)) = r {
                    // "n:*" matches the highest UID even below n.
                    found.extend(uids.iter().filter(|u| (start..=high).contains(*u)));
                }
            })
            .await?;
        }
        found.sort_unstable();
        found.dedup();
        Ok(found)
    }

    /// `UID FETCH <set> (UID FLAGS INTERNALDATE RFC822.SIZE [MODSEQ]
    /// BODYSTRUCTURE BODY.PEEK[HEADER.FIELDS (...)])`, ascending by UID.
    /// No header fields fetches the whole header. Long UID lists are sent
    /// in several commands.
    pub async fn fetch_summaries(
        &mut self,
        uids: &[u32],
        header_fields: &[&str],
    ) -> Result<Vec<MessageSummary>, ImapError> {
        self.selected_or_err()?;
        let header = header_section(header_fields)?;
        let modseq = if self.modseqs() { " MODSEQ" } else { "" };
        let mut out = Vec::new();
        for (set, members) in seqset::chunks(uids, MAX_SET_LEN) {
            let wanted: HashSet<u32> = members.into_iter().collect();
            let mut partial: BTreeMap<u32, Partial> = BTreeMap::new();
            let cmd = self.command(format!(
                "UID FETCH {set} (UID FLAGS INTERNALDATE RFC822.SIZE{modseq} BODYSTRUCTURE BODY.PEEK[{header}])"
            ));
            self.run_ok("UID FETCH summaries", cmd, |r| {
                if let Response::Fetch(_, attrs) = r
                    && let Some(uid) = uid_of(attrs)
                    && wanted.contains(&uid)
                {
                    partial.entry(uid).or_default().merge(attrs);
                }
            })
            .await?;
            for (uid, p) in partial {
                // Only a response to this command has the structure; a
                // flag update alone means the message is not (any more) here.
                let Some(structure) = p.structure else {
                    continue;
                };
                out.push(MessageSummary {
                    uid,
                    flags: p.flags.unwrap_or_default(),
                    internal_date: p.internal_date.unwrap_or(0),
                    size: p.size.unwrap_or(0),
                    modseq: p.modseq,
                    structure,
                    header: p.header.unwrap_or_default(),
                });
            }
        }
        Ok(out)
    }

    /// `UID FETCH <set> (UID FLAGS [MODSEQ])`, ascending by UID.
    pub async fn fetch_flags(&mut self, uids: &[u32]) -> Result<Vec<FlagsOf>, ImapError> {
        self.selected_or_err()?;
        let modseq = if self.modseqs() { " MODSEQ" } else { "" };
        let mut out = Vec::new();
        for (set, members) in seqset::chunks(uids, MAX_SET_LEN) {
            let wanted: HashSet<u32> = members.into_iter().collect();
            let mut found: BTreeMap<u32, Partial> = BTreeMap::new();
            let cmd = self.command(format!("UID FETCH {set} (UID FLAGS{modseq})"));
            self.run_ok("UID FETCH flags", cmd, |r| {
                if let Response::Fetch(_, attrs) = r
                    && let Some(uid) = uid_of(attrs)
                    && wanted.contains(&uid)
                {
                    found.entry(uid).or_default().merge(attrs);
                }
            })
            .await?;
            out.extend(found.into_iter().filter_map(|(uid, p)| {
                Some(FlagsOf {
                    uid,
                    flags: p.flags?,
                    modseq: p.modseq,
                })
            }));
        }
        Ok(out)
    }

    /// One section of one message: `UID FETCH uid (BODY.PEEK[section])`,
    /// or bytes `offset..offset+len` of it with `partial`. `""` is the
    /// whole message, `"1.2"` a part, `"1.MIME"`, `"HEADER"`, `"TEXT"`...
    /// The bytes are as stored (transfer-encoded). None when the message is
    /// gone.
    ///
    /// The answer is held in memory whole (async-imap reads one response at
    /// a time): read large parts in windows with `partial`.
    pub async fn fetch_section(
        &mut self,
        uid: u32,
        section: &str,
        partial: Option<(u64, u64)>,
    ) -> Result<Option<Vec<u8>>, ImapError> {
        self.selected_or_err()?;
        check_section(section)?;
        let range = match partial {
            None => String::new(),
            Some((_, 0)) => {
                return Err(ImapError::InvalidInput("a partial fetch of 0 bytes".into()));
            }
            Some((offset, len)) => format!("<{offset}.{len}>"),
        };
        let mut found = false;
        let mut data: Option<Vec<u8>> = None;
        let cmd = self.command(format!("UID FETCH {uid} (UID BODY.PEEK[{section}]{range})"));
        self.run_ok("UID FETCH section", cmd, |r| {
            if let Response::Fetch(_, attrs) = r
                && uid_of(attrs) == Some(uid)
            {
                found = true;
                for a in attrs {
                    if let AttributeValue::BodySection { data: d, .. } = a {
                        data = Some(d.as_deref().unwrap_or_default().to_vec());
                    }
                }
            }
        })
        .await?;
        if !found {
            return Ok(None);
        }
        Ok(Some(data.unwrap_or_default()))
    }

    /// Several sections of one message in one command, each from its start
    /// up to a byte limit (None: whole). Answers in the order asked, a
    /// section the server did not return as empty. None when the message
    /// is gone.
    pub async fn fetch_sections(
        &mut self,
        uid: u32,
        sections: &[(String, Option<u64>)],
    ) -> Result<Option<SectionData>, ImapError> {
        let mut found = self
            .fetch_sections_many(&[(uid, sections.to_vec())])
            .await?;
        Ok(found.remove(&uid))
    }

    /// [`ImapSession::fetch_sections`] of many messages: one `UID FETCH`
    /// per distinct section list (messages of one kind usually share
    /// theirs), not one per message. Messages that are gone are absent from
    /// the answer. Every answer is held in memory: the caller bounds how
    /// much one call asks for.
    pub async fn fetch_sections_many(
        &mut self,
        wanted: &[(u32, SectionList)],
    ) -> Result<BTreeMap<u32, SectionData>, ImapError> {
        self.selected_or_err()?;
        // Groups of messages with the same section list, in the order first seen.
        let mut groups: Vec<(&SectionList, Vec<u32>)> = Vec::new();
        for (uid, sections) in wanted {
            for (section, _) in sections {
                check_section(section)?;
            }
            match groups.iter_mut().find(|(s, _)| *s == sections) {
                Some((_, uids)) => uids.push(*uid),
                None => groups.push((sections, vec![*uid])),
            }
        }
        // One command per group (and per bounded UID set), all pipelined: the server
        // answers the next while this side parses the last.
        let mut commands = Vec::new();
        // Per message, its group's keys; per group, the empty answer.
        let mut group_of: HashMap<u32, usize> = HashMap::new();
        let mut keys: Vec<Vec<String>> = Vec::new();
        let mut empty: Vec<Answering> = Vec::new();
        for (g, (sections, uids)) in groups.into_iter().enumerate() {
            let mut items = String::from("UID");
            for (section, max) in sections {
                match max {
                    Some(0) => {}
                    Some(n) => items.push_str(&format!(" BODY.PEEK[{section}]<0.{n}>")),
                    None => items.push_str(&format!(" BODY.PEEK[{section}]")),
                }
            }
            keys.push(sections.iter().map(|(s, _)| request_key(s)).collect());
            empty.push(sections.iter().map(|(s, _)| (s.clone(), None)).collect());
            let mut sorted = uids;
            sorted.sort_unstable();
            sorted.dedup();
            for &uid in &sorted {
                group_of.entry(uid).or_insert(g);
            }
            for (set, _) in seqset::chunks(&sorted, MAX_SET_LEN) {
                commands.push(format!("UID FETCH {set} ({items})"));
            }
        }
        // Per message, each section's bytes once answered.
        let mut found: BTreeMap<u32, Answering> = BTreeMap::new();
        self.run_pipelined("UID FETCH sections", commands, |r| {
            let Response::Fetch(_, attrs) = r else { return };
            let Some((uid, g)) = uid_of(attrs).and_then(|u| Some((u, *group_of.get(&u)?))) else {
                return;
            };
            let keys = &keys[g];
            let out = found.entry(uid).or_insert_with(|| empty[g].clone());
            for a in attrs {
                if let AttributeValue::BodySection { section, data, .. } = a {
                    let key = response_key(section);
                    // The first request with this key still unanswered (two HEADER.FIELDS
                    // requests share the key HEADER; servers answer in the order asked).
                    if let Some(i) =
                        (0..keys.len()).find(|i| keys[*i] == key && out[*i].1.is_none())
                    {
                        out[i].1 = Some(data.as_deref().unwrap_or_default().to_vec());
                    }
                }
            }
        })
        .await?;
        Ok(found
            .into_iter()
            .map(|(uid, out)| {
                let out = out
                    .into_iter()
                    .map(|(s, d)| (s, d.unwrap_or_default()))
                    .collect();
                (uid, out)
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn section_keys_match_responses() {
        let key = |line: &'static str| match Response::parse(line.as_bytes()) {
            Ok((_, Response::Fetch(_, attrs))) => attrs
                .iter()
                .find_map(|a| match a {
                    AttributeValue::BodySection { section, index, .. } => {
                        Some((response_key(section), *index))
                    }
                    _ => None,
                })
                .unwrap(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            key("* 1 FETCH (UID 3 BODY[] {2}\r\nab)\r\n"),
            ("".into(), None)
        );
        assert_eq!(
            key("* 1 FETCH (UID 3 BODY[1.2]<0> {2}\r\nab)\r\n"),
            ("1.2".into(), Some(0))
        );
        assert_eq!(
            key("* 1 FETCH (UID 3 BODY[HEADER.FIELDS (FROM TO)] {2}\r\nab)\r\n"),
            ("HEADER".into(), None)
        );
        assert_eq!(
            key("* 1 FETCH (UID 3 BODY[2.MIME] {2}\r\nab)\r\n"),
            ("2.MIME".into(), None)
        );
        assert_eq!(
            key("* 1 FETCH (UID 3 BODY[3.TEXT] NIL)\r\n"),
            ("3.TEXT".into(), None)
        );
        assert_eq!(request_key(""), "");
        assert_eq!(request_key("1.2"), "1.2");
        assert_eq!(request_key("header.fields (From)"), "HEADER");
        assert_eq!(request_key("2.HEADER.FIELDS.NOT (X)"), "2.HEADER");
        assert_eq!(request_key("2.mime"), "2.MIME");
    }

    #[test]
    fn search_windows_hold_about_a_window_each() {
        assert_eq!(search_windows(10, 11, 20_000), [(1, None)]);
        assert_eq!(search_windows(50_000, 0, 20_000), [(1, None)]);
        // Dense: 50,000 messages in UIDs 1..50,000.
        assert_eq!(
            search_windows(50_000, 50_001, 20_000),
            [(1, Some(20_000)), (20_001, Some(40_000)), (40_001, None)]
        );
        // Sparse: 30,000 messages spread over 3,000,000 UIDs.
        let w = search_windows(30_000, 3_000_001, 20_000);
        assert_eq!(w.len(), 2);
        assert_eq!(w[0], (1, Some(2_000_000)));
        assert_eq!(w[1], (2_000_001, None));
        let w = search_windows(100_000, u32::MAX, 20_000);
        assert_eq!(w.len(), 5);
        assert_eq!(w.last().unwrap().1, None);
    }

    #[test]
    fn sections_and_fields_are_checked() {
        assert!(check_section("").is_ok());
        assert!(check_section("1.2.MIME").is_ok());
        assert!(check_section("HEADER.FIELDS (FROM TO)").is_ok());
        assert!(check_section("1]").is_err());
        assert!(check_section("1\r\n").is_err());
        assert_eq!(header_section(&[]).unwrap(), "HEADER");
        assert_eq!(
            header_section(&["From", "Message-ID"]).unwrap(),
            "HEADER.FIELDS (From Message-ID)"
        );
        assert!(header_section(&["From:"]).is_err());
        assert!(header_section(&["Fr om"]).is_err());
        assert!(header_section(&[""]).is_err());
    }

    #[test]
    fn summaries_merge_attributes() {
        let line = concat!(
            "* 4 FETCH (UID 9 FLAGS (\\Seen $Label1) INTERNALDATE \"22-Nov-2026 08:02:28 +0000\"",
            " RFC822.SIZE 1234 MODSEQ (77) BODYSTRUCTURE (\"text\" \"plain\" NIL NIL NIL \"7bit\" 5 1 NIL NIL NIL NIL)",
            " BODY[HEADER.FIELDS (SUBJECT)] {15}\r\nSubject: hi\r\n\r\n)\r\n"
        );
        let Ok((_, Response::Fetch(_, attrs))) = Response::parse(line.as_bytes()) else {
            panic!()
        };
        assert_eq!(uid_of(&attrs), Some(9));
        let mut p = Partial::default();
        p.merge(&attrs);
        assert_eq!(p.internal_date, Some(1_795_334_548));
        assert_eq!(p.size, Some(1234));
        assert_eq!(p.modseq, Some(77));
        assert_eq!(p.header.as_deref(), Some(&b"Subject: hi\r\n\r\n"[..]));
        assert!(p.flags.unwrap().has(&super::super::Flag::Seen));
        assert!(p.structure.unwrap().is("text", "plain"));
    }
}
