//! IDLE mode (RFC 2177): INBOX selected and IDLE on it; the other mailboxes
//! of interest polled with STATUS.

use std::collections::BTreeSet;
use std::time::Instant;

use super::{ImapWatch, Known, Ran, WatchEvent, is_inbox};
use crate::imap::{Capability, ImapError, MailboxStatus};

/// Why the wait while idling ended.
enum Woke {
    /// A response (true) or the deadline (false).
    Read(bool),
    /// The interest changed (true) or its sender is gone (false).
    Interest(bool),
}

impl ImapWatch {
    /// SELECTs INBOX again for fresh counters: a SELECT, not STATUS, of the
    /// selected mailbox (RFC 3501 §6.3.10 advises against STATUS there;
    /// Dovecot answers `[CLIENTBUG]`). SELECT reports no unseen count: 0.
    pub(super) async fn select_inbox(&mut self) -> Result<(), ImapError> {
        self.inbox_dirty = false;
        let sel = self
            .session
            .select("INBOX")
            .await
            .map_err(|e| self.fatal(e))?;
        self.drain(Ran::Select);
        let status = MailboxStatus {
            messages: sel.exists,
            uid_next: sel.uid_next,
            uid_validity: sel.uid_validity,
            highest_modseq: if self.condstore {
                sel.highest_modseq
            } else {
                None
            },
            unseen: 0,
        };
        self.known.insert("INBOX".into(), Known::of(status));
        self.touched.insert("INBOX".into());
        Ok(())
    }

    /// Ends IDLE (DONE and its tagged OK), keeping what came meanwhile.
    async fn stop_idle(&mut self) -> Result<(), ImapError> {
        self.idle_since = None;
        let result = self.session.idle_done().await;
        self.drain(Ran::Other);
        result.map_err(|e| self.fatal(e))
    }

    /// Not idling: re-select, poll and LIST as due, then report or IDLE.
    /// Idling: wait for INBOX, the deadline or the interest. Returns the
    /// events found (perhaps none).
    pub(super) async fn step_idle(
        &mut self,
        interest: &mut tokio::sync::watch::Receiver<BTreeSet<String>>,
    ) -> Result<Vec<WatchEvent>, ImapError> {
        let mut events = Vec::new();
        if self.idle_since.is_none() {
            self.drain(Ran::Other);
            let wanted: BTreeSet<String> = if self.interest_closed {
                self.polled.clone()
            } else {
                interest.borrow_and_update().clone()
            };
            let due = self.last_poll.elapsed() >= self.config.poll_interval;
            let to_poll: Vec<String> = wanted
                .iter()
                .filter(|n| !is_inbox(n) && (due || !self.polled.contains(*n)))
                .cloned()
                .collect();
            self.statuses(&to_poll).await?;
            if due {
                self.polled = wanted;
                self.last_poll = Instant::now();
                self.relist(&mut events).await?;
            } else {
                self.polled.extend(to_poll);
            }
            if self.list_dirty {
                self.relist(&mut events).await?;
            }
            if self.inbox_dirty || (due && !self.can_idle()) {
                self.select_inbox().await?;
            }
            self.flush(&mut events);
            if !events.is_empty() {
                return Ok(events);
            }
            if self.can_idle() {
                self.session.idle_start().await.map_err(|e| self.fatal(e))?;
                self.drain(Ran::Other);
            }
            self.idle_since = Some(Instant::now());
        }
        if self.inbox_dirty {
            self.stop_idle().await?;
            return Ok(events);
        }
        let since = self.idle_since.unwrap_or_else(Instant::now);
        let deadline =
            (since + self.config.idle_renewal).min(self.last_poll + self.config.poll_interval);
        let wait = deadline.saturating_duration_since(Instant::now());
        let woke = if wait.is_zero() {
            Woke::Read(false)
        } else if !self.can_idle() {
            // Without IDLE, INBOX is re-selected at every poll.
            tokio::select! {
                _ = tokio::time::sleep(wait) => Woke::Read(false),
                c = interest.changed(), if !self.interest_closed => Woke::Interest(c.is_ok()),
            }
        } else {
            tokio::select! {
                r = self.session.read_unsolicited("IDLE", wait) => Woke::Read(r?),
                c = interest.changed(), if !self.interest_closed => Woke::Interest(c.is_ok()),
            }
        };
        match woke {
            Woke::Read(true) => {
                // EXISTS, EXPUNGE, VANISHED, FETCH: INBOX changed. `* OK Still here` is not.
                self.drain(Ran::Other);
                if self.inbox_dirty {
                    self.stop_idle().await?;
                }
            }
            // Renewal (RFC 2177 §3: re-issue IDLE at least every 29 minutes) or poll due.
            Woke::Read(false) => self.stop_idle().await?,
            Woke::Interest(false) => self.interest_closed = true,
            Woke::Interest(true) => {
                let new = interest
                    .borrow_and_update()
                    .iter()
                    .any(|n| !is_inbox(n) && !self.polled.contains(n));
                if new {
                    self.stop_idle().await?;
                }
            }
        }
        Ok(events)
    }

    fn can_idle(&self) -> bool {
        self.session.capabilities().has(Capability::Idle)
    }
}
