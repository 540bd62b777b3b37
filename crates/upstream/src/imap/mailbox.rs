//! Mailboxes: LIST, STATUS, SELECT (with ENABLE QRESYNC), CREATE, RENAME,
//! DELETE, SUBSCRIBE, UNSUBSCRIBE.
//!
//! Mailbox names are the wire names (modified UTF-7, what LIST returns):
//! sent as quoted strings, or as literals when they hold `"`, `\` or
//! anything outside printable ASCII.

use std::collections::HashSet;

use async_imap::imap_proto::{
    MailboxDatum, NameAttribute, Response, ResponseCode, StatusAttribute,
};

use super::capabilities::{Capabilities, Capability};
use super::raw::unescape;
use super::{ImapError, ImapSession, utf7};
use crate::net::Failure;

/// How changes of a mailbox can be found on this server, best last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SyncMode {
    /// No CONDSTORE: no modseqs; new and expunged messages by listing UIDs,
    /// flag changes only by fetching flags.
    Plain,
    /// CONDSTORE (RFC 7162): flag changes by CHANGEDSINCE; expunged
    /// messages by listing UIDs.
    Condstore,
    /// QRESYNC (RFC 7162): flag changes and expunged messages (VANISHED)
    /// by CHANGEDSINCE.
    Qresync,
}

impl SyncMode {
    pub(crate) fn from_capabilities(caps: &Capabilities) -> SyncMode {
        if caps.has(Capability::Qresync) && caps.has(Capability::Enable) {
            SyncMode::Qresync
        } else if caps.has(Capability::Condstore) {
            SyncMode::Condstore
        } else {
            SyncMode::Plain
        }
    }
}

/// SPECIAL-USE attributes (RFC 6154).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SpecialUse {
    All,
    Archive,
    Drafts,
    Flagged,
    Junk,
    Sent,
    Trash,
}

/// One mailbox as LIST shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailboxListing {
    /// The wire name (modified UTF-7): what SELECT and the others take.
    pub name: String,
    /// The decoded full name (`Archive/2026`); the wire name if it does
    /// not decode.
    pub display_path: String,
    pub delimiter: Option<char>,
    pub special_use: Option<SpecialUse>,
    /// `\Noselect` or `\NonExistent`: a hierarchy node that holds no
    /// messages (Dovecot lists the parent of `a/b` so when `a` was never
    /// created itself).
    pub no_select: bool,
    pub subscribed: bool,
}

/// STATUS of a mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailboxStatus {
    pub messages: u32,
    pub uid_next: u32,
    pub uid_validity: u32,
    /// None without CONDSTORE (or in [`SyncMode::Plain`]), or for a
    /// mailbox without modseqs.
    pub highest_modseq: Option<u64>,
    pub unseen: u32,
}

/// What SELECT reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Selected {
    pub uid_validity: u32,
    /// 0 if the server did not say (RFC 3501 servers do).
    pub uid_next: u32,
    pub exists: u32,
    /// None in [`SyncMode::Plain`] or when the server answers NOMODSEQ.
    pub highest_modseq: Option<u64>,
}

/// The session's selected mailbox.
#[derive(Debug, Clone)]
pub(crate) struct SelectedMailbox {
    pub name: String,
    pub uid_validity: u32,
    pub uid_next: u32,
    /// Kept current from EXISTS/EXPUNGE/VANISHED while selected.
    pub exists: u32,
    pub highest_modseq: Option<u64>,
    /// PERMANENTFLAGS, if the server sent them.
    pub permanent_flags: Option<Vec<String>>,
    /// When the SELECT was answered.
    pub selected_at: std::time::Instant,
    /// Nothing changed since the SELECT as far as this session can tell: only
    /// commands that change nothing were sent, and the server reported no
    /// new, expunged or re-flagged message (see [`ImapSession::refresh`]).
    pub unchanged: bool,
    /// The server sent an untagged NO or BAD while it was selected (Dovecot's
    /// NOOP when it was deleted under the session; an UNSELECT then gets BYE).
    pub failed: bool,
}

/// How long after a SELECT [`ImapSession::refresh`] may answer from it.
pub const TRUST_UNCHANGED: std::time::Duration = std::time::Duration::from_secs(300);

/// Commands after which the selected mailbox is as it was: they read, or act
/// on other mailboxes without touching this one's messages (phases of
/// [`ImapSession::run`]).
pub(crate) const CHANGE_NOTHING: &[&str] = &[
    "NOOP",
    "UID FETCH summaries",
    "UID FETCH flags",
    "UID FETCH section",
    "UID FETCH sections",
    "UID FETCH CHANGEDSINCE",
    "UID SEARCH",
    "STATUS",
    "LIST",
    "LSUB",
];

/// Refuses names no IMAP string can carry.
pub(crate) fn check_name(name: &str) -> Result<(), ImapError> {
    if name.is_empty() || name.contains(['\0', '\r', '\n']) {
        return Err(ImapError::InvalidInput(format!(
            "mailbox name {name:?} is empty or holds NUL, CR or LF"
        )));
    }
    Ok(())
}

fn special_use(attrs: &[NameAttribute<'_>]) -> Option<SpecialUse> {
    attrs.iter().find_map(|a| match a {
        NameAttribute::All => Some(SpecialUse::All),
        NameAttribute::Archive => Some(SpecialUse::Archive),
        NameAttribute::Drafts => Some(SpecialUse::Drafts),
        NameAttribute::Flagged => Some(SpecialUse::Flagged),
        NameAttribute::Junk => Some(SpecialUse::Junk),
        NameAttribute::Sent => Some(SpecialUse::Sent),
        NameAttribute::Trash => Some(SpecialUse::Trash),
        _ => None,
    })
}

fn has_extension(attrs: &[NameAttribute<'_>], name: &str) -> bool {
    attrs
        .iter()
        .any(|a| matches!(a, NameAttribute::Extension(e) if e.eq_ignore_ascii_case(name)))
}

pub(crate) fn listing(data: &async_imap::imap_proto::MailboxListData<'_>) -> MailboxListing {
    let name = unescape(&data.name).into_owned();
    let attrs = &data.name_attributes;
    MailboxListing {
        display_path: utf7::decode(&name).unwrap_or_else(|| name.clone()),
        delimiter: data
            .delimiter
            .as_deref()
            .and_then(|d| unescape(d).chars().next()),
        special_use: special_use(attrs),
        no_select: attrs.contains(&NameAttribute::NoSelect)
            || has_extension(attrs, "\\NonExistent"),
        subscribed: has_extension(attrs, "\\Subscribed"),
        name,
    }
}

impl ImapSession {
    /// How this session finds changes: from the capabilities, or lower
    /// after [`ImapSession::force_mode`].
    pub fn mode(&self) -> SyncMode {
        self.mode
    }

    /// Uses a lower mode than the server offers (for tests of the fallback
    /// paths); a higher one is ignored. Takes effect for the next SELECT
    /// (QRESYNC stays enabled if it already was; only VANISHED is no longer
    /// asked for).
    pub fn force_mode(&mut self, mode: SyncMode) {
        if mode < self.mode {
            self.mode = mode;
        }
    }

    /// The wire name of the selected mailbox.
    pub fn selected_mailbox(&self) -> Option<&str> {
        self.selected.as_ref().map(|s| s.name.as_str())
    }

    pub(crate) fn selected_or_err(&self) -> Result<&SelectedMailbox, ImapError> {
        self.selected
            .as_ref()
            .ok_or_else(|| ImapError::InvalidInput("no mailbox is selected".into()))
    }

    /// The mailboxes of the user: `LIST "" "*" RETURN (SUBSCRIBED
    /// SPECIAL-USE)` with LIST-EXTENDED, else LIST and LSUB (special-use
    /// attributes then come with plain LIST, RFC 6154 §2). INBOX is always
    /// in the list.
    ///
    /// Everything LIST shows under `*` is returned: async-imap's parser does
    /// not read NAMESPACE responses (and an unparsable response ends the
    /// session), so other users' and shared namespaces are not told apart;
    /// Dovecot lists them under `*` only when configured to.
    pub async fn list_mailboxes(&mut self) -> Result<Vec<MailboxListing>, ImapError> {
        let extended = self.capabilities.has(Capability::ListExtended);
        let special = self.capabilities.has(Capability::SpecialUse);
        let text = match (extended, special) {
            (true, true) => "LIST \"\" \"*\" RETURN (SUBSCRIBED SPECIAL-USE)",
            (true, false) => "LIST \"\" \"*\" RETURN (SUBSCRIBED)",
            (false, _) => "LIST \"\" \"*\"",
        };
        let mut found: Vec<MailboxListing> = Vec::new();
        let cmd = self.command(text);
        self.run_ok("LIST", cmd, |r| {
            if let Response::MailboxData(MailboxDatum::List(data)) = r {
                found.push(listing(data));
            }
        })
        .await?;
        if !extended {
            let mut subscribed: HashSet<String> = HashSet::new();
            let cmd = self.command("LSUB \"\" \"*\"");
            self.run_ok("LSUB", cmd, |r| {
                if let Response::MailboxData(MailboxDatum::List(data)) = r {
                    subscribed.insert(unescape(&data.name).into_owned());
                }
            })
            .await?;
            for m in &mut found {
                m.subscribed = subscribed.contains(&m.name);
            }
        }
        let mut seen = HashSet::new();
        found.retain(|m| seen.insert(m.name.clone()));
        if !found.iter().any(|m| m.name.eq_ignore_ascii_case("INBOX")) {
            let delimiter = found.iter().find_map(|m| m.delimiter);
            found.insert(
                0,
                MailboxListing {
                    name: "INBOX".into(),
                    display_path: "INBOX".into(),
                    delimiter,
                    special_use: None,
                    no_select: false,
                    subscribed: false,
                },
            );
        }
        Ok(found)
    }

    /// STATUS (MESSAGES UIDNEXT UIDVALIDITY UNSEEN, and HIGHESTMODSEQ with
    /// CONDSTORE). Works on the selected mailbox too (Dovecot answers OK
    /// with `[CLIENTBUG]`), but [`ImapSession::select`] is the way there.
    pub async fn status(&mut self, mailbox: &str) -> Result<MailboxStatus, ImapError> {
        check_name(mailbox)?;
        let modseq = self.mode >= SyncMode::Condstore;
        let items = if modseq {
            " (MESSAGES UIDNEXT UIDVALIDITY UNSEEN HIGHESTMODSEQ)"
        } else {
            " (MESSAGES UIDNEXT UIDVALIDITY UNSEEN)"
        };
        let cmd = self.command("STATUS ").string(mailbox).text(items);
        let mut status: Option<MailboxStatus> = None;
        self.run_ok("STATUS", cmd, |r| {
            if let Response::MailboxData(MailboxDatum::Status { status: attrs, .. }) = r {
                let mut s = MailboxStatus {
                    messages: 0,
                    uid_next: 0,
                    uid_validity: 0,
                    highest_modseq: None,
                    unseen: 0,
                };
                for a in attrs {
                    match a {
                        StatusAttribute::Messages(n) => s.messages = *n,
                        StatusAttribute::UidNext(n) => s.uid_next = *n,
                        StatusAttribute::UidValidity(n) => s.uid_validity = *n,
                        StatusAttribute::Unseen(n) => s.unseen = *n,
                        // 0 means "no modseqs" (RFC 7162 §3.1.2.1 NOMODSEQ).
                        StatusAttribute::HighestModSeq(m) if modseq && *m > 0 => {
                            s.highest_modseq = Some(*m)
                        }
                        _ => {}
                    }
                }
                status = Some(s);
            }
        })
        .await?;
        status.ok_or_else(|| {
            self.broken = true;
            self.unavailable(Failure::Protocol("STATUS returned no status".into()))
        })
    }

    /// `ENABLE QRESYNC`, once per session, before the first SELECT.
    pub(crate) async fn enable_qresync(&mut self) -> Result<(), ImapError> {
        if self.qresync_enabled || self.mode < SyncMode::Qresync {
            return Ok(());
        }
        let mut enabled = false;
        let cmd = self.command("ENABLE QRESYNC");
        self.run_ok("ENABLE QRESYNC", cmd, |r| {
            if let Response::Capabilities(caps) = r {
                enabled |= caps.iter().any(|c| {
                    matches!(c, async_imap::imap_proto::Capability::Atom(a) if a.eq_ignore_ascii_case("QRESYNC"))
                });
            }
        })
        .await?;
        if enabled {
            self.qresync_enabled = true;
        } else {
            tracing::debug!(server = %self.server, "ENABLE QRESYNC not confirmed; using CONDSTORE");
            self.mode = SyncMode::Condstore;
        }
        Ok(())
    }

    /// SELECTs `mailbox`, always, also when it is selected already: the
    /// answer's HIGHESTMODSEQ, UIDNEXT and EXISTS are then current, which
    /// neither NOOP (a server need not send HIGHESTMODSEQ after expunges)
    /// nor STATUS on a selected mailbox (RFC 3501 advises against it)
    /// guarantees; Dovecot answers a SELECT from its index in one round
    /// trip. Use [`ImapSession::ensure_selected`] when the counters are not
    /// needed.
    ///
    /// With QRESYNC, `ENABLE QRESYNC` is sent once before the first SELECT;
    /// with CONDSTORE only, `SELECT name (CONDSTORE)`. After a failed
    /// SELECT no mailbox is selected.
    pub async fn select(&mut self, mailbox: &str) -> Result<Selected, ImapError> {
        check_name(mailbox)?;
        self.enable_qresync().await?;
        let suffix = if self.mode == SyncMode::Condstore && !self.qresync_enabled {
            " (CONDSTORE)"
        } else {
            ""
        };
        let cmd = self.command("SELECT ").string(mailbox).text(suffix);
        self.selected = None;
        let mut sel = SelectedMailbox {
            name: mailbox.to_string(),
            uid_validity: 0,
            uid_next: 0,
            exists: 0,
            highest_modseq: None,
            permanent_flags: None,
            selected_at: std::time::Instant::now(),
            unchanged: true,
            failed: false,
        };
        let mut have_validity = false;
        let mut nomodseq = false;
        let done = self
            .run_ok("SELECT", cmd, |r| match r {
                Response::MailboxData(MailboxDatum::Exists(n)) => sel.exists = *n,
                Response::Data { outcome, .. } => match &outcome.code {
                    Some(ResponseCode::UidValidity(v)) => {
                        sel.uid_validity = *v;
                        have_validity = true;
                    }
                    Some(ResponseCode::UidNext(n)) => sel.uid_next = *n,
                    Some(ResponseCode::HighestModSeq(m)) => sel.highest_modseq = Some(*m),
                    Some(ResponseCode::PermanentFlags(flags)) => {
                        sel.permanent_flags = Some(flags.iter().map(|f| f.to_string()).collect())
                    }
                    None => {
                        let text = outcome.information.as_deref().unwrap_or_default();
                        if text
                            .get(..10)
                            .is_some_and(|t| t.eq_ignore_ascii_case("[NOMODSEQ]"))
                        {
                            nomodseq = true;
                        }
                    }
                    _ => {}
                },
                _ => {}
            })
            .await?;
        if !have_validity {
            self.broken = true;
            return Err(self.unavailable(Failure::Protocol(format!(
                "SELECT returned no UIDVALIDITY ({})",
                done.text
            ))));
        }
        if nomodseq || self.mode == SyncMode::Plain {
            sel.highest_modseq = None;
        }
        let selected = Selected {
            uid_validity: sel.uid_validity,
            uid_next: sel.uid_next,
            exists: sel.exists,
            highest_modseq: sel.highest_modseq,
        };
        tracing::debug!(mailbox, ?selected, "IMAP mailbox selected");
        self.selected = Some(sel);
        Ok(selected)
    }

    /// The counters of `mailbox` as a SELECT would report them now, with
    /// `mailbox` selected afterwards. When it is selected already and
    /// nothing changed since that SELECT, a NOOP confirms it and the
    /// SELECT's counters are returned; else (or if the NOOP reports a
    /// change) it is SELECTed again.
    ///
    /// Why: re-selecting makes the server close and re-open the mailbox;
    /// with Dovecot's Maildir the next message read then re-reads the whole
    /// `dovecot-uidlist`, work proportional to the mailbox's size on every
    /// Sync step. NOOP is where a server reports new messages (EXISTS, a
    /// MUST), expunges (VANISHED with QRESYNC) and flag changes (FETCH with
    /// MODSEQ); [`ImapSession`] watches every untagged response for them,
    /// and for an untagged NO (Dovecot's NOOP when the mailbox was deleted
    /// under the session).
    /// Flag changes are only a SHOULD (RFC 3501 §7.4.2), so the shortcut is
    /// taken only with QRESYNC enabled and for [`TRUST_UNCHANGED`] after
    /// the SELECT: a server that does not report them is seen to change
    /// at most that late.
    pub async fn refresh(&mut self, mailbox: &str) -> Result<Selected, ImapError> {
        match self.confirm_unchanged(mailbox).await? {
            Some(selected) => Ok(selected),
            None => self.select(mailbox).await,
        }
    }

    /// The NOOP half of [`ImapSession::refresh`]: the SELECT's counters
    /// when `mailbox` is selected, nothing changed since, and the NOOP
    /// reports no change either; None (after at most a NOOP) otherwise.
    pub async fn confirm_unchanged(
        &mut self,
        mailbox: &str,
    ) -> Result<Option<Selected>, ImapError> {
        let trusted = self.qresync_enabled
            && self.selected.as_ref().is_some_and(|s| {
                s.name == mailbox
                    && s.unchanged
                    && s.highest_modseq.is_some()
                    && s.selected_at.elapsed() < TRUST_UNCHANGED
            });
        if !trusted {
            return Ok(None);
        }
        let cmd = self.command("NOOP");
        self.run_ok("NOOP", cmd, |_| {}).await?;
        Ok(self
            .selected
            .as_ref()
            .filter(|s| s.unchanged)
            .map(|s| Selected {
                uid_validity: s.uid_validity,
                uid_next: s.uid_next,
                exists: s.exists,
                highest_modseq: s.highest_modseq,
            }))
    }

    /// SELECTs `mailbox` unless it is the selected one (for reading
    /// messages, where fresh counters are not needed).
    pub async fn ensure_selected(&mut self, mailbox: &str) -> Result<(), ImapError> {
        if self.selected_mailbox() == Some(mailbox) {
            return Ok(());
        }
        self.select(mailbox).await.map(|_| ())
    }

    /// UNSELECT, when the server offers it: no mailbox is selected
    /// afterwards, nothing is expunged. Returns false (and sends nothing)
    /// without UNSELECT, when no mailbox is selected, or when the server
    /// said NO to something while it was selected (Dovecot, when it was
    /// deleted under the session, answers UNSELECT with BYE; a SELECT is
    /// the way out then).
    ///
    /// For a cheap look at a mailbox that is selected: re-selecting it
    /// costs the server a close and a re-open (Dovecot's Maildir re-reads
    /// its whole `dovecot-uidlist`, work proportional to the mailbox's
    /// size), STATUS of an unselected one is answered from its indexes.
    pub async fn unselect(&mut self) -> Result<bool, ImapError> {
        let usable = self.selected.as_ref().is_some_and(|s| !s.failed);
        if !usable || !self.capabilities.has(Capability::Unselect) {
            return Ok(false);
        }
        let cmd = self.command("UNSELECT");
        self.run_ok("UNSELECT", cmd, |_| {}).await?;
        self.selected = None;
        Ok(true)
    }

    /// Leaves the selected mailbox before it is renamed or deleted
    /// (UNSELECT when offered; CLOSE would expunge).
    async fn leave(&mut self, mailbox: &str) -> Result<(), ImapError> {
        if self.selected_mailbox() != Some(mailbox) {
            return Ok(());
        }
        if self.capabilities.has(Capability::Unselect) {
            let cmd = self.command("UNSELECT");
            self.run_ok("UNSELECT", cmd, |_| {}).await?;
        }
        self.selected = None;
        Ok(())
    }

    async fn simple(
        &mut self,
        phase: &'static str,
        verb: &str,
        names: &[&str],
    ) -> Result<(), ImapError> {
        for n in names {
            check_name(n)?;
        }
        let mut cmd = self.command(verb);
        for n in names {
            cmd = cmd.text(" ").string(n);
        }
        self.run_ok(phase, cmd, |_| {}).await.map(|_| ())
    }

    /// CREATE. `Refused` with `ALREADYEXISTS` if it exists (see
    /// [`ImapError::is_already_exists`]). Dovecot creates missing parents
    /// (listed as `\NonExistent` afterwards).
    pub async fn create(&mut self, name: &str) -> Result<(), ImapError> {
        tracing::debug!(mailbox = name, "IMAP CREATE");
        self.simple("CREATE", "CREATE", &[name]).await
    }

    /// RENAME. `Refused` with `NONEXISTENT` or `ALREADYEXISTS`.
    pub async fn rename(&mut self, from: &str, to: &str) -> Result<(), ImapError> {
        tracing::debug!(from, to, "IMAP RENAME");
        self.leave(from).await?;
        self.simple("RENAME", "RENAME", &[from, to]).await
    }

    /// DELETE. `Refused` with `NONEXISTENT` if there is no such mailbox.
    pub async fn delete(&mut self, name: &str) -> Result<(), ImapError> {
        tracing::debug!(mailbox = name, "IMAP DELETE");
        self.leave(name).await?;
        self.simple("DELETE", "DELETE", &[name]).await
    }

    /// SUBSCRIBE. Dovecot refuses a mailbox that does not exist (without a
    /// response code; [`ImapError::is_nonexistent`] still says so).
    pub async fn subscribe(&mut self, name: &str) -> Result<(), ImapError> {
        self.simple("SUBSCRIBE", "SUBSCRIBE", &[name]).await
    }

    /// UNSUBSCRIBE. Dovecot accepts names that are not subscribed.
    pub async fn unsubscribe(&mut self, name: &str) -> Result<(), ImapError> {
        self.simple("UNSUBSCRIBE", "UNSUBSCRIBE", &[name]).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed_listing(line: &'static str) -> MailboxListing {
        match Response::parse(line.as_bytes()) {
            Ok((_, Response::MailboxData(MailboxDatum::List(data)))) => listing(&data),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn listings() {
        let m = parsed_listing("* LIST (\\Subscribed \\Sent) \"/\" Sent\r\n");
        assert_eq!(
            m,
            MailboxListing {
                name: "Sent".into(),
                display_path: "Sent".into(),
                delimiter: Some('/'),
                special_use: Some(SpecialUse::Sent),
                no_select: false,
                subscribed: true,
            }
        );
        let m = parsed_listing("* LIST (\\NonExistent) \"/\" Stra&AN8-e\r\n");
        assert!(m.no_select && !m.subscribed);
        assert_eq!(m.display_path, "Straße");
        let m = parsed_listing("* LIST (\\Noselect \\HasChildren) \".\" \"a\\\"b\"\r\n");
        assert_eq!(m.name, "a\"b");
        assert_eq!(m.delimiter, Some('.'));
        assert!(m.no_select);
        let m = parsed_listing("* LIST () \"\\\\\" \"a\\\\b\"\r\n");
        assert_eq!(m.name, "a\\b");
        assert_eq!(m.delimiter, Some('\\'));
        let m = parsed_listing("* LIST () NIL inbox\r\n");
        assert_eq!(m.name, "INBOX");
        assert_eq!(m.delimiter, None);
        // Not modified UTF-7: shown as it is.
        let m = parsed_listing("* LIST () \"/\" \"&Jjo\"\r\n");
        assert_eq!(m.display_path, "&Jjo");
    }

    #[test]
    fn names_are_checked() {
        assert!(check_name("INBOX").is_ok());
        for bad in ["", "a\r\nb", "a\0"] {
            assert!(matches!(check_name(bad), Err(ImapError::InvalidInput(_))));
        }
    }

    #[test]
    fn modes_from_capabilities() {
        let caps = |names: &[&str]| Capabilities::from_names(names.iter().copied());
        assert_eq!(
            SyncMode::from_capabilities(&caps(&["IMAP4rev1", "ENABLE", "QRESYNC", "CONDSTORE"])),
            SyncMode::Qresync
        );
        assert_eq!(
            SyncMode::from_capabilities(&caps(&["IMAP4rev1", "QRESYNC", "CONDSTORE"])),
            SyncMode::Condstore
        );
        assert_eq!(
            SyncMode::from_capabilities(&caps(&["IMAP4rev1"])),
            SyncMode::Plain
        );
        assert!(SyncMode::Plain < SyncMode::Condstore && SyncMode::Condstore < SyncMode::Qresync);
    }
}
