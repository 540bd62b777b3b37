//! One long-lived connection per user that reports mailbox changes, for EAS
//! Ping and Sync with Wait.
//!
//! With NOTIFY (RFC 5465) the server reports every mailbox of the personal
//! namespace on its own: STATUS responses for new, expunged and re-flagged
//! messages, LIST responses for created, deleted, renamed and (un)subscribed
//! mailboxes. Without it (or with [`WatchConfig::force_idle`]) INBOX is
//! SELECTed and watched with IDLE (RFC 2177), and the mailboxes the waiting
//! devices care about are polled with STATUS.
//!
//! Every untagged STATUS, LIST and selected-mailbox response of every
//! command the watcher runs is kept by the session's tap, so that a NOTIFY
//! event arriving in the middle of a LIST or STATUS is not lost.

mod idle;
mod notify;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use async_imap::imap_proto::{MailboxDatum, Response, StatusAttribute};

use super::raw::unescape;
use super::{Capability, ImapError, ImapSession, MailboxListing, MailboxStatus, SyncMode};
use crate::net::Failure;

/// How the watcher behaves; see the fields.
#[derive(Debug, Clone)]
pub struct WatchConfig {
    /// Use IDLE plus STATUS polls even where NOTIFY is offered.
    pub force_idle: bool,
    /// IDLE mode: how often the mailboxes of interest other than INBOX are
    /// polled with STATUS (and the listing with LIST). Default 60 s.
    pub poll_interval: Duration,
    /// IDLE mode: IDLE is ended (DONE) and re-issued after this long.
    /// Default 25 min (RFC 2177 §3: before the server's 30-minute
    /// inactivity logout).
    pub idle_renewal: Duration,
    /// NOTIFY mode: a resync (LIST, then STATUS of every selectable
    /// mailbox) this long after the last one, whatever came meanwhile: it
    /// finds what the server failed to report (Dovecot 2.3 loses some
    /// events) and notices a dead connection. Default 4 min.
    pub keepalive: Duration,
    /// NOTIFY mode: one resync this long after [`ImapWatch::start`]
    /// returned (and after NOTIFY SET is re-issued): Dovecot 2.3 can lose
    /// the changes made around its initial STATUS burst. Default 2 s;
    /// zero: none.
    pub settle: Duration,
}

impl Default for WatchConfig {
    fn default() -> Self {
        Self {
            force_idle: false,
            poll_interval: Duration::from_secs(60),
            idle_renewal: Duration::from_secs(25 * 60),
            keepalive: Duration::from_secs(4 * 60),
            settle: Duration::from_secs(2),
        }
    }
}

/// How a watcher learns of changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchMode {
    /// RFC 5465: the server reports every mailbox.
    Notify,
    /// RFC 2177 on INBOX, STATUS polls of the others.
    Idle,
}

/// A change seen by an [`ImapWatch`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchEvent {
    /// The current counters of a mailbox (wire name, as LIST gives it).
    /// Always complete: partial STATUS responses (NOTIFY sends only the
    /// items an event changed) are merged into what the watcher knew
    /// before. Only sent when something differs from the last status
    /// reported for that mailbox.
    Status {
        mailbox: String,
        status: MailboxStatus,
    },
    /// The mailbox list changed (created, deleted, renamed, subscribed or
    /// unsubscribed): the whole new listing exactly as
    /// [`ImapSession::list_mailboxes`] returns it. Only sent when it
    /// differs from the last listing reported.
    Listing(Vec<MailboxListing>),
}

/// What the session's tap keeps of an untagged response.
#[derive(Debug, Clone)]
pub(crate) enum Tapped {
    Status {
        mailbox: String,
        attrs: Vec<StatusAttribute>,
    },
    /// A LIST response (outside a LIST of ours: a NOTIFY MailboxName or
    /// SubscriptionChange event, RFC 5465 §5.4, §5.5).
    List,
    /// EXISTS, EXPUNGE, VANISHED or FETCH: the selected mailbox changed.
    Selected,
}

impl Tapped {
    pub(crate) fn of(response: &Response<'_>) -> Option<Tapped> {
        match response {
            Response::MailboxData(MailboxDatum::Status { mailbox, status }) => {
                Some(Tapped::Status {
                    mailbox: unescape(mailbox).into_owned(),
                    attrs: status.clone(),
                })
            }
            Response::MailboxData(MailboxDatum::List(_)) => Some(Tapped::List),
            Response::MailboxData(MailboxDatum::Exists(_))
            | Response::Expunge(_)
            | Response::Vanished { earlier: false, .. }
            | Response::Fetch(..) => Some(Tapped::Selected),
            _ => None,
        }
    }
}

/// What the watcher knows of a mailbox's counters: STATUS items as they
/// came, merged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Known {
    messages: Option<u32>,
    uid_next: Option<u32>,
    uid_validity: Option<u32>,
    unseen: Option<u32>,
    /// `Some(None)`: the server said HIGHESTMODSEQ 0 (no modseqs, RFC 7162
    /// §3.1.2.1).
    highest_modseq: Option<Option<u64>>,
}

impl Known {
    fn merge(&mut self, attrs: &[StatusAttribute], condstore: bool) {
        for a in attrs {
            match a {
                StatusAttribute::Messages(n) => self.messages = Some(*n),
                StatusAttribute::UidNext(n) => self.uid_next = Some(*n),
                StatusAttribute::UidValidity(n) => self.uid_validity = Some(*n),
                StatusAttribute::Unseen(n) => self.unseen = Some(*n),
                StatusAttribute::HighestModSeq(m) if condstore => {
                    self.highest_modseq = Some((*m > 0).then_some(*m))
                }
                _ => {}
            }
        }
    }

    fn of(status: MailboxStatus) -> Known {
        Known {
            messages: Some(status.messages),
            uid_next: Some(status.uid_next),
            uid_validity: Some(status.uid_validity),
            unseen: Some(status.unseen),
            highest_modseq: Some(status.highest_modseq),
        }
    }

    /// The status, when every item it needs is known.
    fn complete(&self, condstore: bool) -> Option<MailboxStatus> {
        let highest_modseq = match (condstore, self.highest_modseq) {
            (false, _) => None,
            (true, Some(m)) => m,
            (true, None) => return None,
        };
        Some(MailboxStatus {
            messages: self.messages?,
            uid_next: self.uid_next?,
            uid_validity: self.uid_validity?,
            unseen: self.unseen?,
            highest_modseq,
        })
    }
}

/// A logged-in session that watches a user's mailboxes (see the module
/// documentation). Made by [`ImapWatch::start`]; [`ImapWatch::next`] waits
/// for changes.
#[derive(Debug)]
pub struct ImapWatch {
    session: ImapSession,
    config: WatchConfig,
    mode: WatchMode,
    /// STATUS carries HIGHESTMODSEQ.
    condstore: bool,
    /// The last listing LIST gave (and, once reported, the one reported).
    listing: Vec<MailboxListing>,
    known: BTreeMap<String, Known>,
    reported: BTreeMap<String, MailboxStatus>,
    /// Mailboxes whose known status changed since the last report.
    touched: BTreeSet<String>,
    /// A LIST response came outside a LIST of ours: LIST again.
    list_dirty: bool,
    /// IDLE mode: the selected INBOX changed; SELECT it again.
    inbox_dirty: bool,
    /// NOTIFY mode: when the last resync (or the start) was.
    last_resync: Instant,
    /// NOTIFY mode: a resync is due then (after NOTIFY SET).
    settle_due: Option<Instant>,
    /// NOTIFY mode: the listing lost a name (rename, delete); the NOTIFY
    /// registration may be stale: NOTIFY SET again, at the next call.
    renotify: bool,
    /// IDLE mode: IDLE is in progress, since then.
    idle_since: Option<Instant>,
    /// IDLE mode: when the mailboxes of interest were last polled.
    last_poll: Instant,
    /// IDLE mode: the mailboxes of interest polled so far.
    polled: BTreeSet<String>,
    /// IDLE mode: the interest's sender is gone; stop watching it.
    interest_closed: bool,
    /// The connection ended after responses that still had to be reported:
    /// the next call returns this.
    failed: Option<ImapError>,
}

/// Silence after an unsolicited response that ends a burst: the LISTs of
/// one change come in one go, and one LIST of ours answers them all.
const BURST: Duration = Duration::from_millis(25);

impl ImapWatch {
    /// Turns a freshly logged-in session into a watcher. Enables CONDSTORE
    /// where offered (ENABLE QRESYNC in [`SyncMode::Qresync`]), LISTs, then
    /// uses NOTIFY when offered (and not [`WatchConfig::force_idle`]),
    /// else IDLE on INBOX (see [`WatchMode`]).
    ///
    /// Returns the watcher plus the initial picture: the listing and the
    /// status of every selectable mailbox.
    pub async fn start(
        session: ImapSession,
        config: WatchConfig,
    ) -> Result<(ImapWatch, Vec<MailboxListing>, Vec<(String, MailboxStatus)>), ImapError> {
        let mut session = session;
        session.tap = Some(Vec::new());
        let now = Instant::now();
        let mut w = ImapWatch {
            session,
            config,
            mode: WatchMode::Idle,
            condstore: false,
            listing: Vec::new(),
            known: BTreeMap::new(),
            reported: BTreeMap::new(),
            touched: BTreeSet::new(),
            list_dirty: false,
            inbox_dirty: false,
            last_resync: now,
            settle_due: None,
            renotify: false,
            idle_since: None,
            last_poll: now,
            polled: BTreeSet::new(),
            interest_closed: false,
            failed: None,
        };
        w.enable().await?;
        w.condstore = w.session.mode() >= SyncMode::Condstore;
        w.listing = w.session.list_mailboxes().await.map_err(|e| w.fatal(e))?;
        w.drain(Ran::List);
        let notify = !w.config.force_idle && w.session.capabilities().has(Capability::Notify);
        if notify && w.notify_set().await? {
            w.mode = WatchMode::Notify;
            let missing = w.missing_statuses();
            w.statuses(&missing).await?;
        } else {
            w.mode = WatchMode::Idle;
            let others: Vec<String> = w
                .selectable()
                .filter(|n| !is_inbox(n))
                .map(str::to_string)
                .collect();
            w.statuses(&others).await?;
            // Polled just now: a poll of these is due in `poll_interval`.
            w.polled = others.into_iter().collect();
            w.select_inbox().await?;
        }
        tracing::debug!(mode = ?w.mode, "IMAP watch started");
        // The picture is what is reported first: nothing in it is a change.
        w.touched.clear();
        let mut statuses = Vec::new();
        for name in w.selectable().map(str::to_string).collect::<Vec<_>>() {
            if let Some(s) = w.known.get(&name).and_then(|k| k.complete(w.condstore)) {
                w.reported.insert(name.clone(), s);
                statuses.push((name, s));
            }
        }
        w.last_resync = Instant::now();
        w.last_poll = Instant::now();
        if w.mode == WatchMode::Notify {
            w.settle_due = w.settle_deadline();
        }
        let listing = w.listing.clone();
        Ok((w, listing, statuses))
    }

    pub fn mode(&self) -> WatchMode {
        self.mode
    }

    /// Waits for the next change(s) and returns them (never an empty Vec).
    ///
    /// `interest` names the mailboxes (wire names) the waiting devices care
    /// about: in IDLE mode they are polled with STATUS every
    /// [`WatchConfig::poll_interval`], and names new in `interest` are
    /// polled at once; NOTIFY mode covers every mailbox and does not look
    /// at `interest`.
    ///
    /// Errors are [`ImapError::Unavailable`] (connection lost, BYE,
    /// timeout): drop the watcher and reconnect with backoff.
    ///
    /// Cancel-safe while it waits, not while it runs a command (LIST,
    /// STATUS, SELECT, NOTIFY, or the DONE that ends IDLE): if the future is
    /// dropped then, the session is unusable and the next call fails; drop
    /// the watcher too.
    pub async fn next(
        &mut self,
        interest: &mut tokio::sync::watch::Receiver<BTreeSet<String>>,
    ) -> Result<Vec<WatchEvent>, ImapError> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        loop {
            let events = match self.mode {
                WatchMode::Notify => self.step_notify().await?,
                WatchMode::Idle => self.step_idle(interest).await?,
            };
            if !events.is_empty() {
                return Ok(events);
            }
        }
    }

    /// ENABLE CONDSTORE, or QRESYNC in QRESYNC mode (as SELECT would, so the
    /// session's mode stays what it enabled): NOTIFY's STATUS responses then
    /// carry HIGHESTMODSEQ (RFC 5465 §5.2 with RFC 7162 §3.1.2.1).
    async fn enable(&mut self) -> Result<(), ImapError> {
        match self.session.mode() {
            SyncMode::Qresync => {
                self.session
                    .enable_qresync()
                    .await
                    .map_err(|e| self.fatal(e))?;
            }
            SyncMode::Condstore if self.session.capabilities().has(Capability::Enable) => {
                let cmd = self.session.command("ENABLE CONDSTORE");
                let done = self.session.run("ENABLE CONDSTORE", cmd, |_| {}).await?;
                // A NO leaves STATUS HIGHESTMODSEQ working (it needs only the capability).
                if let Err(e @ ImapError::Unavailable { .. }) =
                    self.session.ok("ENABLE CONDSTORE", done)
                {
                    return Err(e);
                }
            }
            _ => {}
        }
        self.drain(Ran::Other);
        Ok(())
    }

    /// Any error of a command the watcher needs as `Unavailable`: the
    /// caller's answer to all of them is to reconnect.
    fn fatal(&mut self, e: ImapError) -> ImapError {
        match e {
            ImapError::Unavailable { .. } => e,
            other => {
                self.session.broken = true;
                self.session
                    .unavailable(Failure::Protocol(format!("watching mailboxes: {other}")))
            }
        }
    }

    /// The selectable mailboxes of the listing.
    fn selectable(&self) -> impl Iterator<Item = &str> {
        self.listing
            .iter()
            .filter(|m| !m.no_select)
            .map(|m| m.name.as_str())
    }

    fn is_listed(&self, name: &str) -> bool {
        self.selectable().any(|n| n == name)
    }

    /// Selectable mailboxes without a complete status.
    fn missing_statuses(&self) -> Vec<String> {
        self.selectable()
            .filter(|n| {
                self.known
                    .get(*n)
                    .and_then(|k| k.complete(self.condstore))
                    .is_none()
            })
            .map(str::to_string)
            .collect()
    }

    /// Takes what the tap kept since the last command. LIST responses during
    /// a LIST of ours are taken as its answer: an event that came while it
    /// ran is in it already (a mailbox deleted meanwhile may be listed as
    /// `\NonExistent`, not selectable, until the next LIST).
    fn drain(&mut self, ran: Ran) {
        let tapped = self
            .session
            .tap
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default();
        for t in tapped {
            match t {
                Tapped::Status { mailbox, attrs } => {
                    self.known
                        .entry(mailbox.clone())
                        .or_default()
                        .merge(&attrs, self.condstore);
                    self.touched.insert(mailbox);
                }
                Tapped::List => self.list_dirty |= ran != Ran::List,
                // The SELECT's own EXISTS is no change.
                Tapped::Selected => self.inbox_dirty |= ran != Ran::Select,
            }
        }
    }

    /// STATUS of each of `names`; a refused one (deleted meanwhile) is
    /// forgotten.
    async fn statuses(&mut self, names: &[String]) -> Result<(), ImapError> {
        for name in names {
            match self.session.status(name).await {
                // The answer is in the tap too; merged there in the order it came.
                Ok(_) => {}
                Err(ImapError::Refused { .. } | ImapError::InvalidInput(_)) => {
                    self.known.remove(name);
                }
                Err(e) => return Err(self.fatal(e)),
            }
            self.drain(Ran::Other);
        }
        Ok(())
    }

    /// LIST again: the new listing when it differs, statuses of the new
    /// selectable mailboxes, the vanished ones forgotten. Returns the
    /// mailboxes it sent STATUS for. In NOTIFY mode, a name gone from the
    /// listing (or no longer selectable) schedules a new NOTIFY SET.
    async fn relist(&mut self, events: &mut Vec<WatchEvent>) -> Result<Vec<String>, ImapError> {
        self.list_dirty = false;
        let listing = self
            .session
            .list_mailboxes()
            .await
            .map_err(|e| self.fatal(e))?;
        self.drain(Ran::List);
        if listing == self.listing {
            return Ok(Vec::new());
        }
        let lost_name = self.listing.iter().any(|old| {
            !listing
                .iter()
                .any(|m| m.name == old.name && (old.no_select || !m.no_select))
        });
        if lost_name && self.mode == WatchMode::Notify {
            self.renotify = true;
        }
        self.listing = listing;
        events.push(WatchEvent::Listing(self.listing.clone()));
        let listed: BTreeSet<String> = self.selectable().map(str::to_string).collect();
        self.known.retain(|n, _| listed.contains(n));
        self.reported.retain(|n, _| listed.contains(n));
        let new: Vec<String> = listed
            .iter()
            .filter(|n| !self.reported.contains_key(*n))
            .cloned()
            .collect();
        // In IDLE mode INBOX's counters come from SELECT, never STATUS.
        let new: Vec<String> = new
            .into_iter()
            .filter(|n| !(self.mode == WatchMode::Idle && is_inbox(n)))
            .collect();
        self.touched.extend(new.iter().cloned());
        let missing: Vec<String> = new
            .into_iter()
            .filter(|n| {
                self.known
                    .get(n)
                    .and_then(|k| k.complete(self.condstore))
                    .is_none()
            })
            .collect();
        self.statuses(&missing).await?;
        Ok(missing)
    }

    /// Status events for the touched mailboxes whose complete status
    /// differs from the one last reported.
    fn flush(&mut self, events: &mut Vec<WatchEvent>) {
        for name in std::mem::take(&mut self.touched) {
            if !self.is_listed(&name) {
                // Reported once LIST shows it (relist touches new mailboxes).
                continue;
            }
            let Some(status) = self
                .known
                .get(&name)
                .and_then(|k| k.complete(self.condstore))
            else {
                continue;
            };
            if self.reported.get(&name) != Some(&status) {
                self.reported.insert(name.clone(), status);
                events.push(WatchEvent::Status {
                    mailbox: name,
                    status,
                });
            }
        }
    }
}

/// Which command the tapped responses came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ran {
    List,
    Select,
    Other,
}

fn is_inbox(name: &str) -> bool {
    name.eq_ignore_ascii_case("INBOX")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_statuses_merge_into_complete_ones() {
        let mut k = Known::default();
        k.merge(
            &[
                StatusAttribute::Messages(1),
                StatusAttribute::UidNext(2),
                StatusAttribute::Unseen(1),
            ],
            true,
        );
        assert_eq!(k.complete(true), None);
        assert!(k.clone().complete(false).is_none(), "no UIDVALIDITY yet");
        k.merge(
            &[
                StatusAttribute::UidValidity(9),
                StatusAttribute::HighestModSeq(0),
            ],
            true,
        );
        let s = k.complete(true).unwrap();
        assert_eq!(
            s,
            MailboxStatus {
                messages: 1,
                uid_next: 2,
                uid_validity: 9,
                highest_modseq: None,
                unseen: 1
            }
        );
        k.merge(&[StatusAttribute::HighestModSeq(5)], true);
        assert_eq!(k.complete(true).unwrap().highest_modseq, Some(5));
        assert_eq!(k.complete(false).unwrap().highest_modseq, None);
        assert_eq!(Known::of(s).complete(true), Some(s));
    }
}
