//! Commands written by this crate on an authenticated session, and the loop
//! that reads their responses.
//!
//! async-imap's typed commands are not used after login: they drop
//! APPENDUID/COPYUID, know no QRESYNC, reduce NO to a string, log every
//! command line at trace level (an APPEND would log the message), and send
//! nothing as a literal. Commands are written straight to the stream here;
//! responses are read with async-imap's parser (`read_response`) and handed
//! to the caller one by one.
//!
//! Every write has the response timeout, and so has every wait for data
//! from the server (an inactivity timer in the stream: a large answer that
//! keeps arriving is not cut off). A session
//! whose exchange did not finish (timeout, I/O error, unparsable answer,
//! BYE, or a future dropped mid-command) is marked unusable: its position
//! in the response stream is unknown.

use std::borrow::Cow;

use async_imap::imap_proto::{Response, ResponseCode, Status};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};

use super::{ImapError, ImapSession};
use crate::net::Failure;

/// How a literal may be sent without waiting for the server's `+`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Literals {
    /// LITERAL+ (RFC 7888): any size.
    pub plus: bool,
    /// LITERAL- (RFC 7888): up to 4096 bytes.
    pub minus: bool,
}

/// One piece of a command: bytes, or the place of the literal read from
/// the command's [`Source`].
#[derive(Debug)]
enum Piece<'a> {
    Bytes(Cow<'a, [u8]>),
    Source,
}

/// The bytes of a literal read from a reader while the command is written,
/// 64 KiB at a time: exactly `len` of them.
pub(crate) struct Source<'a> {
    len: u64,
    reader: &'a mut (dyn AsyncRead + Unpin + Send),
}

impl std::fmt::Debug for Source<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source").field("len", &self.len).finish()
    }
}

/// One command: segments separated by synchronizing literals (each segment
/// after the first is sent when the server answered `+`).
#[derive(Debug)]
pub(crate) struct Command<'a> {
    segments: Vec<Vec<Piece<'a>>>,
    literals: Literals,
    source: Option<Source<'a>>,
}

impl<'a> Command<'a> {
    /// Starts a command with its name (and whatever plain text follows).
    pub(crate) fn new(literals: Literals, text: impl Into<String>) -> Self {
        Self {
            segments: vec![vec![Piece::Bytes(Cow::Owned(text.into().into_bytes()))]],
            literals,
            source: None,
        }
    }

    fn push(&mut self, bytes: Cow<'a, [u8]>) {
        if let Some(seg) = self.segments.last_mut() {
            seg.push(Piece::Bytes(bytes));
        }
    }

    /// Appends text as it is (atoms, numbers, parenthesized lists).
    pub(crate) fn text(mut self, text: impl Into<String>) -> Self {
        self.push(Cow::Owned(text.into().into_bytes()));
        self
    }

    /// Appends `value` as a quoted string when it is printable ASCII without
    /// `"` and `\`, else as a literal.
    pub(crate) fn string(self, value: &'a str) -> Self {
        if value
            .bytes()
            .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\')
        {
            self.text(format!("\"{value}\""))
        } else {
            self.literal(value.as_bytes())
        }
    }

    /// The literal's announcement (`{n+}` or `{n}`), and a new segment
    /// when it is synchronizing.
    fn literal_header(&mut self, len: u64) {
        if self.literals.plus || (self.literals.minus && len <= 4096) {
            self.push(Cow::Owned(format!("{{{len}+}}\r\n").into_bytes()));
        } else {
            self.push(Cow::Owned(format!("{{{len}}}\r\n").into_bytes()));
            self.segments.push(Vec::new());
        }
    }

    /// Appends a literal: non-synchronizing when the server allows it.
    pub(crate) fn literal(mut self, bytes: &'a [u8]) -> Self {
        self.literal_header(bytes.len() as u64);
        self.push(Cow::Borrowed(bytes));
        self
    }

    /// Appends a literal of `len` bytes read from `reader` while the command
    /// is written (one per command). Reading fails the command, and ends the
    /// session, if `reader` fails or does not give exactly `len` bytes.
    pub(crate) fn literal_from(
        mut self,
        len: u64,
        reader: &'a mut (dyn AsyncRead + Unpin + Send),
    ) -> Self {
        debug_assert!(self.source.is_none(), "one streamed literal per command");
        self.literal_header(len);
        if let Some(seg) = self.segments.last_mut() {
            seg.push(Piece::Source);
        }
        self.source = Some(Source { len, reader });
        self
    }

    /// The bytes of each segment, for tests (`<source>` for a streamed literal).
    #[cfg(test)]
    fn rendered(&self) -> Vec<String> {
        self.segments
            .iter()
            .map(|seg| {
                seg.iter()
                    .map(|p| match p {
                        Piece::Bytes(b) => String::from_utf8_lossy(b),
                        Piece::Source => Cow::Borrowed("<source>"),
                    })
                    .collect()
            })
            .collect()
    }
}

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Ok,
    No,
    Bad,
}

/// The tagged completion of a command.
#[derive(Debug)]
pub(crate) struct Done {
    pub status: Outcome,
    /// The response code, when async-imap's parser knows it.
    pub code: Option<ResponseCode<'static>>,
    /// The response code's atom, upper-cased (`ALREADYEXISTS`), known to
    /// the parser or not.
    pub code_name: Option<String>,
    /// The text after the code.
    pub text: String,
}

/// The atom of a response code, upper-cased. The parser keeps the codes it
/// does not know (RFC 5530's among them) at the start of the text.
pub(crate) fn code_name(code: Option<&ResponseCode<'_>>, text: &str) -> Option<String> {
    let known = match code {
        None => None,
        Some(ResponseCode::Alert) => Some("ALERT"),
        Some(ResponseCode::BadCharset(_)) => Some("BADCHARSET"),
        Some(ResponseCode::Capabilities(_)) => Some("CAPABILITY"),
        Some(ResponseCode::HighestModSeq(_)) => Some("HIGHESTMODSEQ"),
        Some(ResponseCode::Parse) => Some("PARSE"),
        Some(ResponseCode::PermanentFlags(_)) => Some("PERMANENTFLAGS"),
        Some(ResponseCode::ReadOnly) => Some("READ-ONLY"),
        Some(ResponseCode::ReadWrite) => Some("READ-WRITE"),
        Some(ResponseCode::TryCreate) => Some("TRYCREATE"),
        Some(ResponseCode::UidNext(_)) => Some("UIDNEXT"),
        Some(ResponseCode::UidValidity(_)) => Some("UIDVALIDITY"),
        Some(ResponseCode::Unseen(_)) => Some("UNSEEN"),
        Some(ResponseCode::AppendUid(..)) => Some("APPENDUID"),
        Some(ResponseCode::CopyUid(..)) => Some("COPYUID"),
        Some(ResponseCode::UidNotSticky) => Some("UIDNOTSTICKY"),
        Some(_) => Some("METADATA"),
    };
    if let Some(name) = known {
        return Some(name.to_string());
    }
    let rest = text.strip_prefix('[')?;
    let end = rest.find([']', ' '])?;
    let atom = &rest[..end];
    (!atom.is_empty()).then(|| atom.to_ascii_uppercase())
}

/// A string as the server meant it: async-imap's parser returns quoted
/// strings with their escapes (`a\"b` for `"a\\\"b"`). A literal with a
/// backslash would be changed too, but servers send literals only for
/// strings a quoted one cannot carry (CR, LF, 8-bit), which names and
/// BODYSTRUCTURE fields practically never hold.
pub(crate) fn unescape(s: &str) -> Cow<'_, str> {
    if !s.contains('\\') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// What to say about a response async-imap could not parse. Its error
/// holds the raw bytes, which may be mail: keep only the first three words
/// of the response (`* ESEARCH (TAG`).
fn unparsable(error: &str) -> String {
    let start = error
        .split_once("during parsing of \"")
        .map(|(_, rest)| rest)
        .unwrap_or_default();
    let words: Vec<&str> = start.split_whitespace().take(3).collect();
    format!(
        "a response this client cannot parse ({}...)",
        words.join(" ").replace("\\r\\n", " ")
    )
}

/// How much of a literal is written at a time (and read from its source).
const CHUNK: usize = 64 * 1024;

/// One read from a literal's source, with a deadline. Its failures are
/// `Protocol` (the connection is then given up with the literal unfinished).
async fn read_source(
    reader: &mut (dyn AsyncRead + Unpin + Send),
    buf: &mut [u8],
    after: std::time::Duration,
) -> Result<usize, Failure> {
    match tokio::time::timeout(after, reader.read(buf)).await {
        Ok(Ok(n)) => Ok(n),
        Ok(Err(e)) => Err(Failure::Protocol(format!(
            "reading the message to append failed: {e}"
        ))),
        Err(_) => Err(Failure::Timeout {
            phase: "reading the message to append",
            after,
        }),
    }
}

/// A command's tagged completion, with the response codes callers read kept.
fn done_of(status: &Status, outcome: &async_imap::imap_proto::Outcome<'_>) -> Done {
    let text = outcome
        .information
        .as_deref()
        .unwrap_or_default()
        .to_string();
    let code_name = code_name(outcome.code.as_ref(), &text);
    let code = match &outcome.code {
        Some(ResponseCode::CopyUid(a, b, c)) => {
            Some(ResponseCode::CopyUid(*a, b.clone(), c.clone()))
        }
        Some(ResponseCode::AppendUid(a, b)) => Some(ResponseCode::AppendUid(*a, b.clone())),
        Some(ResponseCode::HighestModSeq(m)) => Some(ResponseCode::HighestModSeq(*m)),
        Some(ResponseCode::ReadOnly) => Some(ResponseCode::ReadOnly),
        Some(ResponseCode::ReadWrite) => Some(ResponseCode::ReadWrite),
        Some(ResponseCode::TryCreate) => Some(ResponseCode::TryCreate),
        _ => None,
    };
    let status = match status {
        Status::Ok => Outcome::Ok,
        Status::No => Outcome::No,
        _ => Outcome::Bad,
    };
    Done {
        status,
        code,
        code_name,
        text,
    }
}

/// What the server said with its BYE.
fn bye_text(outcome: &async_imap::imap_proto::Outcome<'_>) -> String {
    outcome
        .information
        .as_deref()
        .unwrap_or("the server said BYE")
        .to_string()
}

/// A read response, or why there is none: the end of the stream is a refusal when the server
/// said BYE (`bye`), else a closed connection.
fn response_or_failure<T>(
    read: std::io::Result<Option<T>>,
    phase: &'static str,
    after: std::time::Duration,
    bye: &Option<String>,
) -> Result<T, Failure> {
    match read {
        Ok(Some(r)) => Ok(r),
        Ok(None) => Err(match bye {
            Some(text) => Failure::Refused(text.clone()),
            None => Failure::Closed,
        }),
        Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
            Err(Failure::Timeout { phase, after })
        }
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Err(Failure::Closed),
        Err(e) if e.kind() == std::io::ErrorKind::Other => {
            Err(Failure::Protocol(unparsable(&e.to_string())))
        }
        Err(e) => Err(Failure::Io(e)),
    }
}

/// The next response of a command, within `$after` (the stream's inactivity timer, re-armed
/// for every response: the server has `$after` to start answering, and `$after` between any
/// two pieces of an answer), as [`response_or_failure`] gives it. A macro: async-imap does not
/// let its response type be named.
macro_rules! read_timed {
    ($session:expr, $phase:expr, $after:expr, $bye:expr) => {{
        $session.session.get_mut().set_read_timeout(Some($after));
        let read = $session.session.read_response().await;
        $session.session.get_mut().set_read_timeout(None);
        response_or_failure(read, $phase, $after, $bye)
    }};
}

/// RFC 5530 codes that mean "not now" rather than "not this".
const TEMPORARY_CODES: &[&str] = &["UNAVAILABLE", "SERVERBUG", "LIMIT", "INUSE"];

impl ImapSession {
    pub(crate) fn literals(&self) -> Literals {
        use super::Capability;
        Literals {
            plus: self.capabilities.has(Capability::LiteralPlus),
            minus: self.capabilities.has(Capability::LiteralMinus),
        }
    }

    pub(crate) fn command<'a>(&self, text: impl Into<String>) -> Command<'a> {
        Command::new(self.literals(), text)
    }

    /// Runs `cmd` to its tagged completion; every untagged response goes to
    /// `each` (after the session noted what concerns it). NO and BAD are
    /// returned as a [`Done`], for the caller to judge (see [`Self::ok`]).
    pub(crate) async fn run<F>(
        &mut self,
        phase: &'static str,
        cmd: Command<'_>,
        mut each: F,
    ) -> Result<Done, ImapError>
    where
        F: FnMut(&Response<'_>) + Send,
    {
        if self.broken || self.in_command {
            return Err(self.unusable());
        }
        // The command's name only (a static phase): never its arguments, which may carry
        // mailbox names, search terms or message data. Counting these lines counts the
        // commands a request cost (docs/benchmarks.md).
        tracing::debug!(command = phase, "IMAP command");
        if !super::mailbox::CHANGE_NOTHING.contains(&phase)
            && let Some(sel) = self.selected.as_mut()
        {
            sel.unchanged = false;
        }
        self.in_command = true;
        let tag = format!("ag{}", self.next_tag);
        self.next_tag += 1;
        let result = self.exchange(phase, &tag, cmd, &mut each).await;
        // Whatever async-imap's own commands queued: nobody reads it.
        while self.session.unsolicited_responses.try_recv().is_ok() {}
        match result {
            Ok(done) => {
                self.in_command = false;
                if done.status == Outcome::Bad {
                    tracing::debug!(phase, text = %done.text, "IMAP command answered BAD");
                }
                Ok(done)
            }
            Err(failure) => Err(self.fail(phase, failure)),
        }
    }

    /// NO becomes [`ImapError::Refused`] (or `Unavailable` for the RFC 5530
    /// "try later" codes), BAD `Unavailable` (this client or the server is
    /// wrong; the session is not reused).
    pub(crate) fn ok(&mut self, phase: &'static str, done: Done) -> Result<Done, ImapError> {
        match done.status {
            Outcome::Ok => Ok(done),
            Outcome::No => {
                let temporary = done
                    .code_name
                    .as_deref()
                    .is_some_and(|c| TEMPORARY_CODES.contains(&c));
                if temporary {
                    self.broken = true;
                    Err(self.unavailable(Failure::Refused(format!("{phase}: {}", done.text))))
                } else {
                    Err(ImapError::Refused {
                        code: done.code_name,
                        text: done.text,
                    })
                }
            }
            Outcome::Bad => {
                self.broken = true;
                Err(self.unavailable(Failure::Protocol(format!(
                    "{phase}: the server answered BAD: {}",
                    done.text
                ))))
            }
        }
    }

    /// Runs plain-text commands (no literals) pipelined: all are sent at once, then responses
    /// are read until each has its tagged completion (RFC 3501 5.5 allows it for commands
    /// whose results do not depend on each other, such as FETCHes of one mailbox). The
    /// server then works on the next while this side reads the last. Every untagged
    /// response goes to `each`; a NO or BAD fails the whole run, as [`Self::ok`] says.
    pub(crate) async fn run_pipelined<F>(
        &mut self,
        phase: &'static str,
        commands: Vec<String>,
        mut each: F,
    ) -> Result<(), ImapError>
    where
        F: FnMut(&Response<'_>) + Send,
    {
        if commands.is_empty() {
            return Ok(());
        }
        if self.broken || self.in_command {
            return Err(self.unusable());
        }
        let mut tags = Vec::with_capacity(commands.len());
        let mut wire = Vec::new();
        for text in &commands {
            tracing::debug!(command = phase, "IMAP command");
            let tag = format!("ag{}", self.next_tag);
            self.next_tag += 1;
            wire.extend_from_slice(tag.as_bytes());
            wire.push(b' ');
            wire.extend_from_slice(text.as_bytes());
            wire.extend_from_slice(b"\r\n");
            tags.push(tag);
        }
        if !super::mailbox::CHANGE_NOTHING.contains(&phase)
            && let Some(sel) = self.selected.as_mut()
        {
            sel.unchanged = false;
        }
        self.in_command = true;
        let result = self.exchange_many(phase, &tags, &wire, &mut each).await;
        while self.session.unsolicited_responses.try_recv().is_ok() {}
        match result {
            Ok(dones) => {
                self.in_command = false;
                for done in dones {
                    self.ok(phase, done)?;
                }
                Ok(())
            }
            Err(failure) => Err(self.fail(phase, failure)),
        }
    }

    async fn exchange_many(
        &mut self,
        phase: &'static str,
        tags: &[String],
        wire: &[u8],
        each: &mut (dyn FnMut(&Response<'_>) + Send),
    ) -> Result<Vec<Done>, Failure> {
        self.write_segment(phase, None, &[Piece::Bytes(Cow::Borrowed(wire))], &mut None)
            .await?;
        let after = self.timeouts.response;
        let mut dones: Vec<Option<Done>> = tags.iter().map(|_| None).collect();
        let mut left = tags.len();
        let mut bye: Option<String> = None;
        while left > 0 {
            let response = read_timed!(self, phase, after, &bye)?;
            match response.parsed() {
                Response::Done {
                    tag: done_tag,
                    status,
                    outcome,
                } => {
                    let Some(i) = tags.iter().position(|t| *t == done_tag.0) else {
                        return Err(Failure::Protocol(
                            "a completion for a command this client did not send".into(),
                        ));
                    };
                    if dones[i].is_some() {
                        return Err(Failure::Protocol("a command completed twice".into()));
                    }
                    dones[i] = Some(done_of(status, outcome));
                    left -= 1;
                }
                Response::Continue(_) => {
                    return Err(Failure::Protocol(
                        "a continuation request this client did not ask for".into(),
                    ));
                }
                Response::Data {
                    status: Status::Bye,
                    outcome,
                } => {
                    bye = Some(bye_text(outcome));
                }
                other => {
                    self.note(other);
                    each(other);
                }
            }
        }
        Ok(dones.into_iter().flatten().collect())
    }

    /// [`Self::run`] then [`Self::ok`].
    pub(crate) async fn run_ok<F>(
        &mut self,
        phase: &'static str,
        cmd: Command<'_>,
        each: F,
    ) -> Result<Done, ImapError>
    where
        F: FnMut(&Response<'_>) + Send,
    {
        let done = self.run(phase, cmd, each).await?;
        self.ok(phase, done)
    }

    /// The error of a command asked of a session that is unusable (an earlier failure, or a
    /// command still in progress); the session stays unusable.
    fn unusable(&mut self) -> ImapError {
        self.broken = true;
        self.unavailable(Failure::Protocol(
            "the IMAP session is unusable after an earlier failure".into(),
        ))
    }

    /// Marks the session unusable after `failure` and says so.
    fn fail(&mut self, phase: &'static str, failure: Failure) -> ImapError {
        self.broken = true;
        self.selected = None;
        tracing::debug!(phase, %failure, "IMAP exchange failed; session discarded");
        self.unavailable(failure)
    }

    /// Waits up to `wait` for one response the server sends on its own: no
    /// command running (NOTIFY, RFC 5465 §3), or during IDLE (RFC 2177).
    /// Returns false when nothing came. The response goes where a command's
    /// untagged responses go ([`Self::note`], and the watcher's tap).
    ///
    /// Cancel-safe: async-imap buffers what it read in the session, so the
    /// read can be abandoned at any point (which is what the timeout does);
    /// the stream's inactivity timer is not armed, silence is not an error
    /// here. A BYE, the end of the stream, a tagged completion or a
    /// continuation request ends the session.
    pub(crate) async fn read_unsolicited(
        &mut self,
        phase: &'static str,
        wait: std::time::Duration,
    ) -> Result<bool, ImapError> {
        if self.broken || (self.in_command && self.idle_tag.is_none()) {
            return Err(self.unusable());
        }
        let read = match tokio::time::timeout(wait, self.session.read_response()).await {
            Ok(read) => read,
            Err(_) => return Ok(false),
        };
        let response = match response_or_failure(read, phase, wait, &None) {
            Ok(r) => r,
            Err(failure) => return Err(self.fail(phase, failure)),
        };
        let failure = match response.parsed() {
            Response::Data {
                status: Status::Bye,
                outcome,
            } => Failure::Refused(bye_text(outcome)),
            Response::Done { .. } => {
                Failure::Protocol("a completion for a command this client did not send".into())
            }
            Response::Continue(_) => {
                Failure::Protocol("a continuation request this client did not ask for".into())
            }
            other => {
                self.note(other);
                return Ok(true);
            }
        };
        Err(self.fail(phase, failure))
    }

    /// Sends IDLE (RFC 2177) and reads to the server's `+`. The session
    /// stays in the command until [`Self::idle_done`]: if the watcher is
    /// dropped while idling, the session is unusable, as it should be.
    pub(crate) async fn idle_start(&mut self) -> Result<(), ImapError> {
        const PHASE: &str = "IDLE";
        if self.broken || self.in_command {
            return Err(self.unusable());
        }
        tracing::debug!(command = PHASE, "IMAP command");
        self.in_command = true;
        let tag = format!("ag{}", self.next_tag);
        self.next_tag += 1;
        let line = format!("{tag} IDLE\r\n");
        if let Err(failure) = self
            .write_segment(
                PHASE,
                None,
                &[Piece::Bytes(Cow::Owned(line.into_bytes()))],
                &mut None,
            )
            .await
        {
            return Err(self.fail(PHASE, failure));
        }
        let after = self.timeouts.response;
        loop {
            let response = match read_timed!(self, PHASE, after, &None) {
                Ok(r) => r,
                Err(failure) => return Err(self.fail(PHASE, failure)),
            };
            let failure = match response.parsed() {
                Response::Continue(_) => {
                    self.idle_tag = Some(tag);
                    return Ok(());
                }
                Response::Done {
                    tag: done_tag,
                    status,
                    outcome,
                } if done_tag.0 == tag => {
                    // IDLE refused: the command is over, the session fine.
                    let done = done_of(status, outcome);
                    self.in_command = false;
                    return match self.ok(PHASE, done) {
                        Ok(done) => Err(self.fail(
                            PHASE,
                            Failure::Protocol(format!("IDLE completed at once: {}", done.text)),
                        )),
                        Err(e) => Err(e),
                    };
                }
                Response::Done { .. } => {
                    Failure::Protocol("a completion for a command this client did not send".into())
                }
                Response::Data {
                    status: Status::Bye,
                    outcome,
                } => Failure::Refused(bye_text(outcome)),
                other => {
                    self.note(other);
                    continue;
                }
            };
            return Err(self.fail(PHASE, failure));
        }
    }

    /// Ends IDLE: `DONE`, then the responses to IDLE's tagged completion.
    pub(crate) async fn idle_done(&mut self) -> Result<(), ImapError> {
        const PHASE: &str = "DONE";
        let Some(tag) = self.idle_tag.take() else {
            return Ok(());
        };
        if self.broken {
            return Err(self.unusable());
        }
        if let Err(failure) = self
            .write_segment(
                PHASE,
                None,
                &[Piece::Bytes(Cow::Borrowed(b"DONE\r\n"))],
                &mut None,
            )
            .await
        {
            return Err(self.fail(PHASE, failure));
        }
        let after = self.timeouts.response;
        let mut bye = None;
        loop {
            let response = match read_timed!(self, PHASE, after, &bye) {
                Ok(r) => r,
                Err(failure) => return Err(self.fail(PHASE, failure)),
            };
            match response.parsed() {
                Response::Done {
                    tag: done_tag,
                    status,
                    outcome,
                } if done_tag.0 == tag => {
                    let done = done_of(status, outcome);
                    self.in_command = false;
                    return self.ok(PHASE, done).map(|_| ());
                }
                Response::Done { .. } | Response::Continue(_) => {
                    return Err(self.fail(
                        PHASE,
                        Failure::Protocol("an answer to DONE this client did not expect".into()),
                    ));
                }
                Response::Data {
                    status: Status::Bye,
                    outcome,
                } => bye = Some(bye_text(outcome)),
                other => self.note(other),
            }
        }
    }

    async fn write_segment(
        &mut self,
        phase: &'static str,
        prefix: Option<&str>,
        segment: &[Piece<'_>],
        source: &mut Option<Source<'_>>,
    ) -> Result<(), Failure> {
        let after = self.timeouts.response;
        if let Some(prefix) = prefix {
            self.write_chunks(phase, prefix.as_bytes()).await?;
        }
        for piece in segment {
            match piece {
                Piece::Bytes(bytes) => self.write_chunks(phase, bytes).await?,
                Piece::Source => {
                    let Some(source) = source.take() else {
                        return Err(Failure::Protocol(
                            "a streamed literal without its source".into(),
                        ));
                    };
                    self.write_source(phase, source).await?;
                }
            }
        }
        let stream = self.session.get_mut();
        match tokio::time::timeout(after, stream.flush()).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(Failure::Io(e)),
            Err(_) => Err(Failure::Timeout { phase, after }),
        }
    }

    /// Writes `bytes` in 64 KiB slices, so that the deadline is per piece
    /// of progress, not for a whole large APPEND.
    async fn write_chunks(&mut self, phase: &'static str, bytes: &[u8]) -> Result<(), Failure> {
        let after = self.timeouts.response;
        let stream = self.session.get_mut();
        for chunk in bytes.chunks(CHUNK) {
            match tokio::time::timeout(after, stream.write_all(chunk)).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return Err(Failure::Io(e)),
                Err(_) => return Err(Failure::Timeout { phase, after }),
            }
        }
        Ok(())
    }

    /// Copies exactly `source.len` bytes from the source to the server, 64
    /// KiB at a time (each read and each write with the response timeout).
    /// A source that fails, ends early or has more is found out before its
    /// last piece is written, so the server never gets a complete literal
    /// of the wrong message.
    async fn write_source(
        &mut self,
        phase: &'static str,
        source: Source<'_>,
    ) -> Result<(), Failure> {
        let after = self.timeouts.response;
        let Source { len, reader } = source;
        let mut buf = vec![0u8; CHUNK.min(usize::try_from(len).unwrap_or(CHUNK)).max(1)];
        let mut remaining = len;
        while remaining > 0 {
            let want = usize::try_from(remaining)
                .unwrap_or(usize::MAX)
                .min(buf.len());
            let n = read_source(reader, &mut buf[..want], after).await?;
            if n == 0 {
                return Err(Failure::Protocol(format!(
                    "the message ended after {} of {len} bytes",
                    len - remaining
                )));
            }
            remaining -= n as u64;
            if remaining == 0 && read_source(reader, &mut [0u8; 1], after).await? != 0 {
                return Err(Failure::Protocol(format!(
                    "the message is longer than the {len} bytes announced"
                )));
            }
            self.write_chunks(phase, &buf[..n]).await?;
        }
        if len == 0 && read_source(reader, &mut [0u8; 1], after).await? != 0 {
            return Err(Failure::Protocol(
                "the message is longer than the 0 bytes announced".into(),
            ));
        }
        Ok(())
    }

    async fn exchange(
        &mut self,
        phase: &'static str,
        tag: &str,
        cmd: Command<'_>,
        each: &mut (dyn FnMut(&Response<'_>) + Send),
    ) -> Result<Done, Failure> {
        let mut source = cmd.source;
        let mut segments = cmd.segments.into_iter();
        let mut first = segments.next().unwrap_or_default();
        // The CRLF closes the last segment.
        let mut pending: Vec<Vec<Piece<'_>>> = segments.collect();
        let crlf = Piece::Bytes(Cow::Borrowed(b"\r\n"));
        match pending.last_mut() {
            Some(last) => last.push(crlf),
            None => first.push(crlf),
        }
        let mut pending = pending.into_iter();
        self.write_segment(phase, Some(&format!("{tag} ")), &first, &mut source)
            .await?;
        let after = self.timeouts.response;
        let mut bye: Option<String> = None;
        loop {
            let response = read_timed!(self, phase, after, &bye)?;
            match response.parsed() {
                Response::Done {
                    tag: done_tag,
                    status,
                    outcome,
                } if done_tag.0 == tag => {
                    return Ok(done_of(status, outcome));
                }
                Response::Done { .. } => {
                    // Another command's completion: none is outstanding.
                    return Err(Failure::Protocol(
                        "a completion for a command this client did not send".into(),
                    ));
                }
                Response::Continue(_) => match pending.next() {
                    Some(segment) => {
                        self.write_segment(phase, None, &segment, &mut source)
                            .await?
                    }
                    None => {
                        return Err(Failure::Protocol(
                            "a continuation request this client did not ask for".into(),
                        ));
                    }
                },
                Response::Data {
                    status: Status::Bye,
                    outcome,
                } => {
                    bye = Some(bye_text(outcome));
                }
                other => {
                    self.note(other);
                    each(other);
                }
            }
        }
    }

    /// Keeps the selected mailbox's counters current from untagged data, and
    /// notes any sign that it changed since the SELECT (new or expunged
    /// messages, a modseq above the SELECT's).
    fn note(&mut self, response: &Response<'_>) {
        use async_imap::imap_proto::{AttributeValue, MailboxDatum};
        if let Some(tap) = self.tap.as_mut()
            && let Some(t) = super::watch::Tapped::of(response)
        {
            tap.push(t);
        }
        let Some(sel) = self.selected.as_mut() else {
            return;
        };
        match response {
            Response::MailboxData(MailboxDatum::Exists(n)) => {
                sel.unchanged &= *n == sel.exists;
                sel.exists = *n;
            }
            Response::Expunge(_) => {
                sel.unchanged = false;
                sel.exists = sel.exists.saturating_sub(1);
            }
            Response::Vanished {
                earlier: false,
                uids,
            } => {
                sel.unchanged = false;
                let gone: u64 = uids
                    .iter()
                    .map(|r| (*r.end() as u64).saturating_sub(*r.start() as u64) + 1)
                    .sum();
                sel.exists = sel.exists.saturating_sub(gone.min(u32::MAX as u64) as u32);
            }
            Response::Fetch(_, attrs) => {
                // Fetched data carries modseqs up to the SELECT's; a higher one is a change.
                let newer = attrs.iter().any(
                    |a| matches!(a, AttributeValue::ModSeq(m) if Some(*m) > sel.highest_modseq),
                );
                sel.unchanged &= !newer;
            }
            // An untagged NO or BAD: Dovecot's answer to a NOOP when the mailbox was deleted
            // (and perhaps re-created) under this session, whose view is then stale.
            Response::Data {
                status: Status::No | Status::Bad,
                ..
            } => {
                sel.unchanged = false;
                sel.failed = true;
            }
            Response::Data { outcome, .. } => match &outcome.code {
                Some(ResponseCode::HighestModSeq(m)) => {
                    sel.unchanged &= Some(*m) == sel.highest_modseq;
                }
                Some(ResponseCode::UidValidity(v)) => sel.unchanged &= *v == sel.uid_validity,
                _ => {}
            },
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_quoted_or_literal() {
        let sync = Literals::default();
        let plus = Literals {
            plus: true,
            minus: false,
        };
        let minus = Literals {
            plus: false,
            minus: true,
        };
        assert_eq!(
            Command::new(sync, "CREATE ")
                .string("Stra&AN8-e")
                .rendered(),
            ["CREATE \"Stra&AN8-e\""]
        );
        assert_eq!(
            Command::new(sync, "CREATE ").string("a\"b").rendered(),
            ["CREATE {3}\r\n", "a\"b"]
        );
        assert_eq!(
            Command::new(plus, "CREATE ").string("a\\b").rendered(),
            ["CREATE {3+}\r\na\\b"]
        );
        assert_eq!(
            Command::new(minus, "RENAME ")
                .string("ä")
                .text(" ")
                .string("b")
                .rendered(),
            ["RENAME {2+}\r\nä \"b\""]
        );
        let big = vec![b'x'; 5000];
        assert_eq!(
            Command::new(minus, "APPEND INBOX ")
                .literal(&big)
                .rendered()[0],
            "APPEND INBOX {5000}\r\n"
        );
    }

    #[test]
    fn streamed_literals_are_announced_like_literals() {
        let plus = Literals {
            plus: true,
            minus: false,
        };
        let mut r: &[u8] = b"abc";
        assert_eq!(
            Command::new(plus, "APPEND INBOX ")
                .literal_from(3, &mut r)
                .rendered(),
            ["APPEND INBOX {3+}\r\n<source>"]
        );
        let mut r: &[u8] = b"abc";
        assert_eq!(
            Command::new(Literals::default(), "APPEND INBOX ")
                .literal_from(3, &mut r)
                .rendered(),
            ["APPEND INBOX {3}\r\n", "<source>"]
        );
    }

    #[test]
    fn unparsable_responses_are_named_not_quoted() {
        let e = r#"Error(Error { input: [42, 32], code: Tag }) during parsing of "* ESEARCH (TAG \"ag5\") UID ALL 1:9\r\nag5 OK done\r\n""#;
        assert_eq!(
            unparsable(e),
            "a response this client cannot parse (* ESEARCH (TAG...)"
        );
        assert_eq!(
            unparsable("odd"),
            "a response this client cannot parse (...)"
        );
    }

    #[test]
    fn quoted_strings_are_unescaped() {
        assert_eq!(unescape("plain"), "plain");
        assert_eq!(unescape(r#"a\"b"#), "a\"b");
        assert_eq!(unescape(r"a\\b"), r"a\b");
        assert_eq!(unescape(r"\\"), r"\");
    }

    #[test]
    fn response_code_names() {
        use async_imap::imap_proto::Response;
        let parse = |s: &'static str| match Response::parse(s.as_bytes()) {
            Ok((_, Response::Done { outcome, .. })) => {
                let text = outcome
                    .information
                    .as_deref()
                    .unwrap_or_default()
                    .to_string();
                code_name(outcome.code.as_ref(), &text)
            }
            other => panic!("{other:?}"),
        };
        assert_eq!(
            parse("a1 NO [ALREADYEXISTS] Mailbox already exists\r\n").as_deref(),
            Some("ALREADYEXISTS")
        );
        assert_eq!(
            parse("a1 NO [NONEXISTENT] Mailbox doesn't exist: x\r\n").as_deref(),
            Some("NONEXISTENT")
        );
        assert_eq!(
            parse("a1 NO [TRYCREATE] Mailbox doesn't exist: x\r\n").as_deref(),
            Some("TRYCREATE")
        );
        assert_eq!(
            parse("a1 OK [APPENDUID 38505 3955] APPEND completed\r\n").as_deref(),
            Some("APPENDUID")
        );
        assert_eq!(
            parse("a1 OK [CLIENTBUG] Status on selected mailbox\r\n").as_deref(),
            Some("CLIENTBUG")
        );
        assert_eq!(parse("a1 NO Mailbox doesn't exist: x\r\n"), None);
        assert_eq!(
            parse("a1 NO [unavailable] later\r\n").as_deref(),
            Some("UNAVAILABLE")
        );
    }
}
