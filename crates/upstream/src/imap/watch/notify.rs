//! NOTIFY mode (RFC 5465): the server reports, the watcher listens.

use std::time::{Duration, Instant};

use super::{BURST, ImapWatch, Ran, WatchEvent};
use crate::imap::ImapError;
use crate::net::Failure;

/// RFC 5465 §6: STATUS makes the server answer with a STATUS of every
/// mailbox of the set at once (the initial picture); `personal` is the
/// user's own namespace (§6.1). No `selected` set: nothing is selected in
/// this mode. MessageNew and MessageExpunge give STATUS with MESSAGES and
/// UIDNEXT, FlagChange with HIGHESTMODSEQ (CONDSTORE enabled) (§5.2);
/// MailboxName and SubscriptionChange give LIST (§5.4, §5.5).
const NOTIFY_SET: &str = "NOTIFY SET STATUS (personal (MessageNew MessageExpunge FlagChange \
                          MailboxName SubscriptionChange))";

/// How long a burst of unsolicited responses is read before it is acted on:
/// a bound for a server that never pauses.
const BURST_MAX: Duration = Duration::from_millis(500);

impl ImapWatch {
    /// NOTIFY SET; false when the server says NO (the watcher then IDLEs).
    pub(super) async fn notify_set(&mut self) -> Result<bool, ImapError> {
        let cmd = self.session.command(NOTIFY_SET);
        let done = self.session.run("NOTIFY", cmd, |_| {}).await?;
        let result = self.session.ok("NOTIFY", done);
        self.drain(Ran::Other);
        match result {
            Ok(_) => Ok(true),
            Err(ImapError::Refused { .. }) => {
                tracing::debug!("NOTIFY refused; watching with IDLE");
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }

    /// When the settle resync after a NOTIFY SET is due, if any.
    pub(super) fn settle_deadline(&self) -> Option<Instant> {
        (!self.config.settle.is_zero()).then(|| Instant::now() + self.config.settle)
    }

    /// LIST, then STATUS of every selectable mailbox: what the server failed
    /// to report shows as a difference like any other.
    async fn resync(&mut self, events: &mut Vec<WatchEvent>) -> Result<(), ImapError> {
        let done = self.relist(events).await?;
        let rest: Vec<String> = self
            .selectable()
            .filter(|n| !done.iter().any(|d| d == n))
            .map(str::to_string)
            .collect();
        self.statuses(&rest).await?;
        self.last_resync = Instant::now();
        Ok(())
    }

    /// NOTIFY NONE and NOTIFY SET again (the listing lost a name: Dovecot
    /// 2.3 may stop reporting a renamed mailbox), then STATUS of every
    /// selectable mailbox, as after the start, and a settle resync later.
    /// NONE first: Dovecot 2.3.19 reports nothing at all after a NOTIFY
    /// SET that replaces an earlier one (seen with raw sessions too).
    async fn renotify(&mut self) -> Result<(), ImapError> {
        self.renotify = false;
        tracing::debug!("the mailbox list lost a name; NOTIFY again");
        let cmd = self.session.command("NOTIFY NONE");
        let done = self.session.run("NOTIFY", cmd, |_| {}).await?;
        let result = self.session.ok("NOTIFY", done);
        self.drain(Ran::Other);
        result.map_err(|e| self.fatal(e))?;
        if !self.notify_set().await? {
            self.session.broken = true;
            return Err(self.session.unavailable(Failure::Protocol(
                "NOTIFY SET refused after a rename; reconnect".into(),
            )));
        }
        let all: Vec<String> = self.selectable().map(str::to_string).collect();
        self.statuses(&all).await?;
        self.settle_due = self.settle_deadline();
        Ok(())
    }

    /// Acts on what came, or waits for more: the events found (perhaps
    /// none).
    pub(super) async fn step_notify(&mut self) -> Result<Vec<WatchEvent>, ImapError> {
        let mut events = Vec::new();
        self.drain(Ran::Other);
        if self.renotify {
            self.renotify().await?;
        }
        let now = Instant::now();
        let settle = self.settle_due.is_some_and(|t| now >= t);
        if settle || now >= self.last_resync + self.config.keepalive {
            // Also the keepalive: a dead peer is only noticed by talking to it.
            self.settle_due = None;
            self.resync(&mut events).await?;
        } else if self.list_dirty {
            self.relist(&mut events).await?;
        }
        // A STATUS that left a mailbox incomplete (Dovecot sends only what an
        // event changed, and may have skipped the mailbox in the initial burst).
        let incomplete: Vec<String> = self
            .missing_statuses()
            .into_iter()
            .filter(|n| self.touched.contains(n))
            .collect();
        self.statuses(&incomplete).await?;
        self.flush(&mut events);
        if !events.is_empty() || self.renotify {
            return Ok(events);
        }
        let mut deadline = self.last_resync + self.config.keepalive;
        if let Some(t) = self.settle_due {
            deadline = deadline.min(t);
        }
        let wait = deadline.saturating_duration_since(Instant::now());
        if wait.is_zero() || !self.session.read_unsolicited("NOTIFY", wait).await? {
            // A resync is due: the next step runs it.
            return Ok(events);
        }
        // One change often comes as several responses (a rename: LIST, then
        // STATUS); read them all before acting, so one LIST answers them.
        let until = Instant::now() + BURST_MAX;
        while Instant::now() < until {
            match self.session.read_unsolicited("NOTIFY", BURST).await {
                Ok(true) => {}
                Ok(false) => break,
                // The last words before a BYE are still news: report what needs no
                // command, then the failure.
                Err(e) => {
                    self.drain(Ran::Other);
                    self.flush(&mut events);
                    if events.is_empty() {
                        return Err(e);
                    }
                    self.failed = Some(e);
                    break;
                }
            }
        }
        Ok(events)
    }
}
