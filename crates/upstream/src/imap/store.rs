//! Writing: flags, COPY/MOVE with the new UIDs (COPYUID), APPEND with
//! APPENDUID (from a slice or streamed from a reader), expunging exact UIDs.

use async_imap::imap_proto::rfc4315::UidSetMember;
use async_imap::imap_proto::{Response, ResponseCode};
use tokio::io::AsyncRead;

use super::capabilities::Capability;
use super::flags::{self, Flag};
use super::mailbox::check_name;
use super::raw::Command;
use super::seqset::{self, MAX_SET_LEN};
use super::{ImapError, ImapSession, date};

/// Add or remove flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreOp {
    Add,
    Remove,
}

/// (old, new) UID pairs of a COPYUID code; empty (and logged) when the two
/// sets do not pair up: the new UIDs are never guessed.
fn copyuid_pairs(src: &[UidSetMember], dst: &[UidSetMember], limit: usize) -> Vec<(u32, u32)> {
    match (seqset::expand(src, limit), seqset::expand(dst, limit)) {
        (Some(s), Some(d)) if s.len() == d.len() => s.into_iter().zip(d).collect(),
        _ => {
            tracing::warn!("COPYUID source and destination sets do not pair up; new UIDs unknown");
            Vec::new()
        }
    }
}

impl ImapSession {
    /// `UID STORE <set> +FLAGS.SILENT (...)` (or `-FLAGS.SILENT`) on the
    /// selected mailbox. Nothing to do for no UIDs or no flags.
    ///
    /// Keywords are checked before anything is sent: one that is not an
    /// IMAP atom, or (when adding) that the mailbox's PERMANENTFLAGS neither
    /// list nor allow (`\*`), is [`ImapError::KeywordNotAllowed`] and
    /// nothing is stored: a change the server would not keep must not be
    /// acknowledged to a device as if it had been.
    ///
    /// The server's FETCH responses with the new modseqs are not returned;
    /// a later [`ImapSession::changes_since`] reports these messages.
    pub async fn store_flags(
        &mut self,
        uids: &[u32],
        op: StoreOp,
        flags: &[Flag],
    ) -> Result<(), ImapError> {
        let sel = self.selected_or_err()?;
        if uids.is_empty() || flags.is_empty() {
            return Ok(());
        }
        let list = flags::list(flags).map_err(ImapError::KeywordNotAllowed)?;
        if op == StoreOp::Add
            && let Some(permanent) = &sel.permanent_flags
            && !permanent.iter().any(|p| p == "\\*")
        {
            for f in flags {
                if let Flag::Keyword(k) = f
                    && !permanent.iter().any(|p| p.eq_ignore_ascii_case(k))
                {
                    return Err(ImapError::KeywordNotAllowed(k.clone()));
                }
            }
        }
        let sign = match op {
            StoreOp::Add => '+',
            StoreOp::Remove => '-',
        };
        for (set, _) in seqset::chunks(uids, MAX_SET_LEN) {
            let cmd = self.command(format!("UID STORE {set} {sign}FLAGS.SILENT {list}"));
            self.run_ok("UID STORE", cmd, |_| {}).await?;
        }
        Ok(())
    }

    /// COPY or MOVE in chunks, collecting COPYUID from untagged OKs (MOVE,
    /// RFC 6851 §4.3) and the tagged OK (COPY).
    async fn transfer(
        &mut self,
        verb: &'static str,
        uids: &[u32],
        to: &str,
    ) -> Result<Vec<(u32, u32)>, ImapError> {
        check_name(to)?;
        self.selected_or_err()?;
        let mut pairs = Vec::new();
        for (set, members) in seqset::chunks(uids, MAX_SET_LEN) {
            let limit = members.len();
            let mut found: Vec<(u32, u32)> = Vec::new();
            let cmd = self.command(format!("UID {verb} {set} ")).string(to);
            let done = self
                .run_ok(verb, cmd, |r| {
                    if let Response::Data { outcome, .. } = r
                        && let Some(ResponseCode::CopyUid(_, src, dst)) = &outcome.code
                    {
                        found.extend(copyuid_pairs(src, dst, limit));
                    }
                })
                .await?;
            if let Some(ResponseCode::CopyUid(_, src, dst)) = &done.code {
                found.extend(copyuid_pairs(src, dst, limit));
            }
            pairs.extend(found);
        }
        pairs.sort_unstable();
        pairs.dedup();
        Ok(pairs)
    }

    /// Copies messages of the selected mailbox to `to`: (old UID, new UID)
    /// for each message the server reported in COPYUID (UIDPLUS). Without
    /// COPYUID the list is empty: new UIDs are never guessed; find them by
    /// searching the destination. UIDs that no longer exist are skipped by
    /// the server.
    pub async fn uid_copy(&mut self, uids: &[u32], to: &str) -> Result<Vec<(u32, u32)>, ImapError> {
        tracing::debug!(count = uids.len(), to, "IMAP UID COPY");
        self.transfer("COPY", uids, to).await
    }

    /// Moves messages of the selected mailbox to `to`, returning (old UID,
    /// new UID) as [`ImapSession::uid_copy`] does. `UID MOVE` with MOVE;
    /// else `UID COPY`, `UID STORE +FLAGS.SILENT (\Deleted)` and `UID
    /// EXPUNGE` (needs UIDPLUS; not atomic: if the last two fail, the
    /// messages are in both mailboxes).
    pub async fn uid_move(&mut self, uids: &[u32], to: &str) -> Result<Vec<(u32, u32)>, ImapError> {
        tracing::debug!(count = uids.len(), to, "IMAP UID MOVE");
        if self.capabilities.has(Capability::Move) {
            return self.transfer("MOVE", uids, to).await;
        }
        if !self.capabilities.has(Capability::Uidplus) {
            return Err(ImapError::Unsupported("MOVE or UIDPLUS"));
        }
        let pairs = self.transfer("COPY", uids, to).await?;
        self.expunge_uids(uids).await?;
        Ok(pairs)
    }

    /// `APPEND mailbox [(flags)] [date] ` before the message literal, or
    /// `InvalidInput`/`KeywordNotAllowed` (nothing sent).
    fn append_command<'a>(
        &self,
        mailbox: &'a str,
        flags: &[Flag],
        internal_date: Option<i64>,
    ) -> Result<Command<'a>, ImapError> {
        check_name(mailbox)?;
        let list = flags::list(flags).map_err(ImapError::KeywordNotAllowed)?;
        let mut cmd = self.command("APPEND ").string(mailbox);
        if !flags.is_empty() {
            cmd = cmd.text(format!(" {list}"));
        }
        if let Some(unix) = internal_date {
            let date = date::format_internal_date(unix).ok_or_else(|| {
                ImapError::InvalidInput(format!("{unix} is outside the years 1 to 9999"))
            })?;
            cmd = cmd.text(format!(" {date}"));
        }
        Ok(cmd.text(" "))
    }

    /// Runs an APPEND; (UIDVALIDITY, UID) from its APPENDUID.
    async fn run_append(&mut self, cmd: Command<'_>) -> Result<Option<(u32, u32)>, ImapError> {
        let done = self.run_ok("APPEND", cmd, |_| {}).await?;
        Ok(match &done.code {
            Some(ResponseCode::AppendUid(validity, set)) => seqset::expand(set, 1)
                .and_then(|uids| uids.first().copied())
                .map(|uid| (*validity, uid)),
            _ => None,
        })
    }

    /// APPENDs a message to `mailbox` (no selection needed) with flags and
    /// an INTERNALDATE (unix seconds; the server's clock when None).
    /// Returns (UIDVALIDITY, UID) from APPENDUID (UIDPLUS), None without.
    /// The message is sent as a literal, non-synchronizing with LITERAL+.
    pub async fn append(
        &mut self,
        mailbox: &str,
        flags: &[Flag],
        internal_date: Option<i64>,
        message: &[u8],
    ) -> Result<Option<(u32, u32)>, ImapError> {
        let cmd = self
            .append_command(mailbox, flags, internal_date)?
            .literal(message);
        tracing::debug!(mailbox, size = message.len(), "IMAP APPEND");
        self.run_append(cmd).await
    }

    /// APPEND whose message is read from `reader` (exactly `len` bytes), so
    /// a large message is never held whole: read and written 64 KiB at a
    /// time, each read and write with the response timeout. Otherwise as
    /// [`ImapSession::append`].
    ///
    /// If `reader` fails, ends before `len` bytes or has more, the literal
    /// is left unfinished (the server stores nothing), the session is no
    /// longer usable, and the error is [`ImapError::Unavailable`] (a
    /// `Protocol` failure naming the source, or a `Timeout`).
    pub async fn append_from<R: AsyncRead + Unpin + Send>(
        &mut self,
        mailbox: &str,
        flags: &[Flag],
        internal_date: Option<i64>,
        len: u64,
        mut reader: R,
    ) -> Result<Option<(u32, u32)>, ImapError> {
        let cmd = self
            .append_command(mailbox, flags, internal_date)?
            .literal_from(len, &mut reader);
        tracing::debug!(mailbox, size = len, "IMAP APPEND (streamed)");
        self.run_append(cmd).await
    }

    /// Expunges exactly these messages of the selected mailbox: `UID STORE
    /// +FLAGS.SILENT (\Deleted)` then `UID EXPUNGE` (UIDPLUS), so other
    /// messages marked \Deleted stay. `Unsupported` without UIDPLUS.
    pub async fn expunge_uids(&mut self, uids: &[u32]) -> Result<(), ImapError> {
        self.selected_or_err()?;
        if !self.capabilities.has(Capability::Uidplus) {
            return Err(ImapError::Unsupported("UIDPLUS"));
        }
        if uids.is_empty() {
            return Ok(());
        }
        self.store_flags(uids, StoreOp::Add, &[Flag::Deleted])
            .await?;
        for (set, _) in seqset::chunks(uids, MAX_SET_LEN) {
            let cmd = self.command(format!("UID EXPUNGE {set}"));
            self.run_ok("UID EXPUNGE", cmd, |_| {}).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copyuid_pairs_up() {
        let src = [UidSetMember::UidRange(3..=5), UidSetMember::Uid(9)];
        let dst = [UidSetMember::UidRange(100..=103)];
        assert_eq!(
            copyuid_pairs(&src, &dst, 4),
            [(3, 100), (4, 101), (5, 102), (9, 103)]
        );
        // Sets of different sizes, or larger than what was asked: no guess.
        assert_eq!(copyuid_pairs(&src, &dst[..0], 4), []);
        assert_eq!(copyuid_pairs(&src, &dst, 3), []);
        assert_eq!(
            copyuid_pairs(
                &[UidSetMember::UidRange(1..=u32::MAX)],
                &[UidSetMember::UidRange(1..=u32::MAX)],
                10
            ),
            []
        );
    }
}
