//! NOTIFY mode (RFC 5465): the server reports, the watcher listens.

use std::time::{Duration, Instant};

use super::{BURST, ImapWatch, Ran, WatchEvent};
use crate::imap::ImapError;

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

    /// Acts on what came, or waits for more: the events found (perhaps
    /// none).
    pub(super) async fn step_notify(&mut self) -> Result<Vec<WatchEvent>, ImapError> {
        let mut events = Vec::new();
        self.drain(Ran::Other);
        if self.list_dirty {
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
        if !events.is_empty() {
            return Ok(events);
        }
        let wait = self
            .config
            .keepalive
            .saturating_sub(self.last_heard.elapsed());
        if wait.is_zero() || !self.session.read_unsolicited("NOTIFY", wait).await? {
            // Silence for `keepalive`: a dead peer is only noticed by talking to it.
            self.session.noop().await.map_err(|e| self.fatal(e))?;
            self.last_heard = Instant::now();
            return Ok(events);
        }
        self.last_heard = Instant::now();
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
