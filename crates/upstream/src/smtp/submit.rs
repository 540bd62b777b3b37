//! Submission of one message: AUTH, MAIL FROM, RCPT TO, DATA with the
//! message streamed (line ends made CRLF, dot-stuffed), QUIT.
//!
//! Logged at debug: command names, reply codes, byte counts. Never the
//! AUTH lines, addresses, reply texts (they echo addresses) or message
//! bytes.

use std::time::Duration;

use base64::Engine as _;
use tokio::io::{AsyncRead, AsyncReadExt};
use zeroize::Zeroizing;

use super::SmtpClient;
use super::reply::{Conn, Reply};
use crate::net::{Failure, within};

/// How long the server may take to answer the end of DATA (RFC 5321
/// §4.5.3.2.6: 10 minutes; it may be scanning or delivering the message).
const DATA_END_TIMEOUT: Duration = Duration::from_secs(600);

/// How much of the message is read (and written) at a time.
const CHUNK: usize = 64 * 1024;

/// Reverse-path and recipients of one submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The reverse-path, without angle brackets; empty for the null
    /// reverse-path `<>`.
    pub mail_from: String,
    /// The forward-paths, without angle brackets.
    pub rcpt_to: Vec<String>,
}

/// The user's credentials for AUTH. Debug does not show the password.
#[derive(Clone, Copy)]
pub struct Credentials<'a> {
    pub user: &'a str,
    pub password: &'a str,
}

impl std::fmt::Debug for Credentials<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// A recipient the server refused, with its reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedRecipient {
    pub address: String,
    pub code: u16,
    pub text: String,
}

/// Why a submission did not happen. Only [`SubmitError::Unavailable`] is
/// worth retrying; with every other variant nothing was sent to anyone.
/// The Display forms carry codes, not the server's texts (which may echo
/// addresses): those are in the fields.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// Connect, TLS, I/O, timeout, 421 or any 4xx reply, an answer this
    /// client does not understand, or a message source that failed or gave
    /// a different length than announced: try again later.
    #[error("the SMTP server {server} is unavailable: {failure}")]
    Unavailable { server: String, failure: Failure },
    /// The server refused the credentials (535, 534, 530, 538 after AUTH).
    #[error("the SMTP server refused the credentials ({code})")]
    AuthFailed { code: u16 },
    /// The message is bigger than the server's EHLO SIZE (checked before
    /// MAIL FROM), or the server answered 552 or an enhanced 5.3.4.
    #[error("the message is too large for the SMTP server (limit {limit:?} bytes)")]
    TooLarge { limit: Option<u64> },
    /// 5xx to MAIL FROM (e.g. 553 sender not owned by the user), or a
    /// sender address that cannot be sent (553 from this client: CR/LF,
    /// angle brackets, or non-ASCII without SMTPUTF8).
    #[error("the SMTP server refused the sender ({code})")]
    SenderRejected { code: u16, text: String },
    /// A 5xx to any RCPT TO: the transaction was abandoned (RSET, QUIT)
    /// before DATA, so nothing was sent to anyone. Lists every refused
    /// recipient (553 from this client for addresses that cannot be sent;
    /// empty for an envelope without recipients).
    #[error("the SMTP server refused {} recipient(s)", rejected.len())]
    RecipientsRejected { rejected: Vec<RejectedRecipient> },
    /// 5xx after the message (end of DATA), or to DATA itself.
    #[error("the SMTP server refused the message ({code})")]
    MessageRejected { code: u16, text: String },
}

impl SubmitError {
    /// True for [`SubmitError::Unavailable`] only: retry later.
    pub fn is_temporary(&self) -> bool {
        matches!(self, SubmitError::Unavailable { .. })
    }
}

/// How a step ended early.
enum Stop {
    /// The connection failed or is in an unknown state (or was given up on
    /// mid-DATA on purpose, or the server said 421): `Unavailable`, no QUIT.
    Down(Failure),
    /// The server said "later" (4xx) or refused something that is not about
    /// this message, and the connection is in step: `Unavailable` after QUIT.
    Later(Failure),
    /// A final answer, after QUIT.
    Final(SubmitError),
}

impl From<Failure> for Stop {
    fn from(f: Failure) -> Self {
        Stop::Down(f)
    }
}

impl From<SubmitError> for Stop {
    fn from(e: SubmitError) -> Self {
        Stop::Final(e)
    }
}

/// What is wrong with an address that cannot go into MAIL FROM / RCPT TO
/// as given.
fn address_problem(address: &str) -> Option<&'static str> {
    if address
        .bytes()
        .any(|b| b.is_ascii_control() || b == b' ' || b == b'<' || b == b'>')
    {
        Some("5.1.3 the address holds a space, a control character or an angle bracket")
    } else {
        None
    }
}

const NEEDS_SMTPUTF8: &str =
    "5.6.7 the address is not ASCII and the server does not offer SMTPUTF8";

/// Was the size the problem? 552 (RFC 5321), or enhanced 5.3.4 (RFC 3463:
/// message too big for system).
fn too_large(reply: &Reply) -> bool {
    reply.code == 552 || (reply.is_permanent() && reply.enhanced() == Some("5.3.4"))
}

/// The stop for a 4xx (or other not-final) reply; 421 means the server is
/// closing the connection. MAIL and RCPT replies echo addresses: only their
/// codes are kept.
fn later(phase: &str, reply: &Reply, with_text: bool) -> Stop {
    let failure = if with_text {
        Failure::Refused(format!("{phase}: {reply}"))
    } else {
        Failure::Refused(format!("{phase}: {}", reply.codes()))
    };
    if reply.code == 421 {
        Stop::Down(failure)
    } else {
        Stop::Later(failure)
    }
}

impl SmtpClient {
    /// Submits `len` bytes read from `message` (RFC 5322, CRLF or bare LF
    /// line ends) to `envelope`'s recipients.
    ///
    /// AUTH PLAIN (else LOGIN) when the server offers AUTH; without AUTH
    /// the message is submitted unauthenticated (a trusted relay). `MAIL
    /// FROM` carries `SIZE=len`, `BODY=8BITMIME` and `SMTPUTF8` when the
    /// server offers them (SMTPUTF8 only for non-ASCII addresses). A
    /// message over the EHLO SIZE limit is refused before MAIL FROM. A
    /// refused recipient abandons the transaction before DATA (all or
    /// none). The message is read and sent 64 KiB at a time, line ends made
    /// CRLF (a lone CR or LF is a line end), lines starting with `.`
    /// doubled, a final CRLF added if missing; exactly `len` bytes must
    /// come from `message`, else the connection is closed without the final
    /// dot (nothing is sent) and the result is `Unavailable`.
    ///
    /// Each reply has `Timeouts::response` (so has each read from `message`
    /// and each write), except the one after the message: 10 minutes.
    pub async fn submit<R: AsyncRead + Unpin + Send>(
        &self,
        creds: Credentials<'_>,
        envelope: &Envelope,
        len: u64,
        message: R,
    ) -> Result<(), SubmitError> {
        match self.run_submit(creds, envelope, len, message).await {
            Ok(()) => Ok(()),
            Err(Stop::Final(e)) => {
                tracing::debug!(error = %e, "SMTP submission refused");
                Err(e)
            }
            Err(Stop::Down(failure) | Stop::Later(failure)) => {
                tracing::debug!(%failure, "SMTP submission failed");
                Err(SubmitError::Unavailable {
                    server: self.endpoint.to_string(),
                    failure,
                })
            }
        }
    }

    async fn run_submit<R: AsyncRead + Unpin + Send>(
        &self,
        creds: Credentials<'_>,
        envelope: &Envelope,
        len: u64,
        message: R,
    ) -> Result<(), Stop> {
        // What can be judged without the server.
        if let Some(text) = address_problem(&envelope.mail_from) {
            return Err(SubmitError::SenderRejected {
                code: 553,
                text: text.into(),
            }
            .into());
        }
        let bad: Vec<RejectedRecipient> = envelope
            .rcpt_to
            .iter()
            .filter_map(|a| {
                address_problem(a).map(|text| RejectedRecipient {
                    address: a.clone(),
                    code: 553,
                    text: text.into(),
                })
            })
            .collect();
        if !bad.is_empty() || envelope.rcpt_to.is_empty() {
            return Err(SubmitError::RecipientsRejected { rejected: bad }.into());
        }

        let opened = self.open().await?;
        let mut conn = opened.conn;
        let ehlo = opened.ehlo;
        let limit = ehlo.size_limit();
        let result = self
            .transaction(&mut conn, &ehlo, creds, envelope, len, message)
            .await;
        match &result {
            // The connection's state is unknown (or it was closed on
            // purpose mid-DATA): just drop it.
            Err(Stop::Down(_)) => {}
            _ => {
                let _ = within(self.timeouts.response, "QUIT", conn.command("QUIT")).await;
            }
        }
        result.map_err(|stop| match stop {
            Stop::Final(SubmitError::TooLarge { limit: None }) => {
                Stop::Final(SubmitError::TooLarge { limit })
            }
            other => other,
        })
    }

    /// Everything between EHLO and QUIT. Returns with the connection at a
    /// point where QUIT may be said, except for `Stop::Down`.
    async fn transaction<R: AsyncRead + Unpin + Send>(
        &self,
        conn: &mut Conn,
        ehlo: &Reply,
        creds: Credentials<'_>,
        envelope: &Envelope,
        len: u64,
        mut message: R,
    ) -> Result<(), Stop> {
        let response = self.timeouts.response;

        // Checks against what the server offers, before anything is sent.
        let utf8 = !envelope.mail_from.is_ascii() || envelope.rcpt_to.iter().any(|a| !a.is_ascii());
        if utf8 && !ehlo.has("SMTPUTF8") {
            if !envelope.mail_from.is_ascii() {
                return Err(SubmitError::SenderRejected {
                    code: 553,
                    text: NEEDS_SMTPUTF8.into(),
                }
                .into());
            }
            let rejected = envelope
                .rcpt_to
                .iter()
                .filter(|a| !a.is_ascii())
                .map(|a| RejectedRecipient {
                    address: a.clone(),
                    code: 553,
                    text: NEEDS_SMTPUTF8.into(),
                })
                .collect();
            return Err(SubmitError::RecipientsRejected { rejected }.into());
        }
        if let Some(limit) = ehlo.size_limit()
            && len > limit
        {
            tracing::debug!(len, limit, "SMTP message over the SIZE limit");
            return Err(SubmitError::TooLarge { limit: Some(limit) }.into());
        }

        self.authenticate(conn, ehlo, creds).await?;

        // MAIL FROM.
        let mut mail = format!("MAIL FROM:<{}>", envelope.mail_from);
        if ehlo.has("SIZE") {
            mail.push_str(&format!(" SIZE={len}"));
        }
        if ehlo.has("8BITMIME") {
            mail.push_str(" BODY=8BITMIME");
        }
        if utf8 {
            mail.push_str(" SMTPUTF8");
        }
        let reply = within(response, "MAIL FROM", conn.command(&mail)).await?;
        tracing::debug!(command = "MAIL", code = reply.code, "SMTP reply");
        if !reply.is_positive() {
            return Err(if too_large(&reply) {
                SubmitError::TooLarge { limit: None }.into()
            } else if reply.is_permanent() {
                SubmitError::SenderRejected {
                    code: reply.code,
                    text: reply.text(),
                }
                .into()
            } else {
                later("MAIL FROM", &reply, false)
            });
        }

        // RCPT TO, each; all must be accepted.
        let mut rejected = Vec::new();
        for address in &envelope.rcpt_to {
            let reply = within(
                response,
                "RCPT TO",
                conn.command(&format!("RCPT TO:<{address}>")),
            )
            .await?;
            tracing::debug!(command = "RCPT", code = reply.code, "SMTP reply");
            if reply.is_positive() {
                continue;
            }
            if too_large(&reply) {
                self.reset(conn).await?;
                return Err(SubmitError::TooLarge { limit: None }.into());
            }
            if !reply.is_permanent() {
                let stop = later("RCPT TO", &reply, false);
                if let Stop::Later(_) = stop {
                    self.reset(conn).await?;
                }
                return Err(stop);
            }
            rejected.push(RejectedRecipient {
                address: address.clone(),
                code: reply.code,
                text: reply.text(),
            });
        }
        if !rejected.is_empty() {
            self.reset(conn).await?;
            return Err(SubmitError::RecipientsRejected { rejected }.into());
        }

        // DATA.
        let reply = within(response, "DATA", conn.command("DATA")).await?;
        tracing::debug!(command = "DATA", code = reply.code, "SMTP reply");
        if reply.code != 354 {
            return Err(rejected_message("DATA", &reply));
        }
        let sent = self.stream_message(conn, len, &mut message).await?;
        tracing::debug!(read = len, sent, "SMTP message sent");
        let reply = within(DATA_END_TIMEOUT, "end of DATA", conn.read_reply()).await?;
        tracing::debug!(command = "end of DATA", code = reply.code, "SMTP reply");
        if !reply.is_positive() {
            return Err(rejected_message("end of DATA", &reply));
        }
        Ok(())
    }

    /// RSET: abandons the transaction (its failure leaves the connection
    /// unknown: `Down`).
    async fn reset(&self, conn: &mut Conn) -> Result<(), Failure> {
        let reply = within(self.timeouts.response, "RSET", conn.command("RSET")).await?;
        tracing::debug!(command = "RSET", code = reply.code, "SMTP reply");
        Ok(())
    }

    /// AUTH PLAIN (initial response) or LOGIN, when AUTH is offered.
    async fn authenticate(
        &self,
        conn: &mut Conn,
        ehlo: &Reply,
        creds: Credentials<'_>,
    ) -> Result<(), Stop> {
        let mechanisms = ehlo.auth_mechanisms();
        if mechanisms.is_empty() {
            tracing::debug!("SMTP server offers no AUTH; submitting unauthenticated");
            return Ok(());
        }
        let b64 =
            |bytes: &[u8]| Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(bytes));
        let response = self.timeouts.response;
        let reply = if mechanisms.iter().any(|m| m == "PLAIN") {
            let mut plain = Zeroizing::new(Vec::with_capacity(
                creds.user.len() + creds.password.len() + 2,
            ));
            plain.push(0);
            plain.extend_from_slice(creds.user.as_bytes());
            plain.push(0);
            plain.extend_from_slice(creds.password.as_bytes());
            let line = Zeroizing::new(format!("AUTH PLAIN {}\r\n", &*b64(&plain)));
            within(response, "AUTH", conn.secret_command(line)).await?
        } else if mechanisms.iter().any(|m| m == "LOGIN") {
            let mut reply = within(response, "AUTH", conn.command("AUTH LOGIN")).await?;
            for secret in [creds.user, creds.password] {
                if reply.code != 334 {
                    break;
                }
                let line = Zeroizing::new(format!("{}\r\n", &*b64(secret.as_bytes())));
                reply = within(response, "AUTH", conn.secret_command(line)).await?;
            }
            reply
        } else {
            return Err(Stop::Later(Failure::Protocol(format!(
                "the server offers neither AUTH PLAIN nor LOGIN (offers {})",
                mechanisms.join(" ")
            ))));
        };
        tracing::debug!(command = "AUTH", code = reply.code, "SMTP reply");
        match reply.code {
            235 => Ok(()),
            530 | 534 | 535 | 538 => Err(SubmitError::AuthFailed { code: reply.code }.into()),
            // A challenge where none was expected: the exchange is out of step.
            334 => Err(Stop::Down(Failure::Protocol(
                "the server asked for more AUTH data than the mechanism has".into(),
            ))),
            _ if reply.is_transient() => Err(later("AUTH", &reply, true)),
            // 500, 501, 504...: not about the credentials, and not fixed by a retry
            // either; the operator must look.
            _ => Err(Stop::Later(Failure::Protocol(format!(
                "AUTH refused: {reply}"
            )))),
        }
    }

    /// Sends exactly `len` bytes of `message` as DATA and the final dot.
    /// Returns the bytes written. Any trouble with the source (error, too
    /// short, too long) is found before the last piece is written, and the
    /// final dot is then never sent.
    async fn stream_message<R: AsyncRead + Unpin + Send>(
        &self,
        conn: &mut Conn,
        len: u64,
        message: &mut R,
    ) -> Result<u64, Failure> {
        let after = self.timeouts.response;
        let mut stuffer = DotStuffer::default();
        let mut buf = vec![0u8; CHUNK];
        let mut out = Vec::with_capacity(CHUNK * 2 + 8);
        let mut remaining = len;
        let mut sent = 0u64;
        loop {
            out.clear();
            if remaining > 0 {
                let want = remaining.min(CHUNK as u64) as usize;
                let n = read_source(message, &mut buf[..want], after).await?;
                if n == 0 {
                    return Err(Failure::Protocol(format!(
                        "the message ended after {} of {len} bytes",
                        len - remaining
                    )));
                }
                remaining -= n as u64;
                stuffer.push(&buf[..n], &mut out);
            }
            if remaining == 0 {
                let mut extra = [0u8; 1];
                if read_source(message, &mut extra, after).await? != 0 {
                    return Err(Failure::Protocol(format!(
                        "the message is longer than the {len} bytes announced"
                    )));
                }
                stuffer.finish(&mut out);
            }
            within(after, "sending the message", conn.send_bytes(&out)).await?;
            sent += out.len() as u64;
            if remaining == 0 {
                return Ok(sent);
            }
        }
    }
}

/// One read from the message source, with a deadline.
async fn read_source<R: AsyncRead + Unpin>(
    source: &mut R,
    buf: &mut [u8],
    after: Duration,
) -> Result<usize, Failure> {
    match tokio::time::timeout(after, source.read(buf)).await {
        Ok(Ok(n)) => Ok(n),
        Ok(Err(e)) => Err(Failure::Protocol(format!(
            "reading the message to send failed: {e}"
        ))),
        Err(_) => Err(Failure::Timeout {
            phase: "reading the message to send",
            after,
        }),
    }
}

/// The error for a reply other than 354 to DATA, or other than 2xx after
/// the message.
fn rejected_message(phase: &str, reply: &Reply) -> Stop {
    if too_large(reply) {
        SubmitError::TooLarge { limit: None }.into()
    } else if reply.is_permanent() {
        SubmitError::MessageRejected {
            code: reply.code,
            text: reply.text(),
        }
        .into()
    } else if reply.is_transient() {
        later(phase, reply, true)
    } else {
        Stop::Down(Failure::Protocol(format!(
            "unexpected reply to {phase}: {reply}"
        )))
    }
}

/// DATA encoding (RFC 5321 §4.5.2), fed in pieces: every line end (CRLF,
/// a lone LF or a lone CR) becomes CRLF, a line starting with `.` gets
/// another `.` in front, and [`DotStuffer::finish`] ends the last line
/// and adds the terminating `.` line.
#[derive(Debug)]
struct DotStuffer {
    line_start: bool,
    pending_cr: bool,
}

impl Default for DotStuffer {
    fn default() -> Self {
        Self {
            line_start: true,
            pending_cr: false,
        }
    }
}

impl DotStuffer {
    fn push(&mut self, input: &[u8], out: &mut Vec<u8>) {
        for &b in input {
            if self.pending_cr {
                self.pending_cr = false;
                out.extend_from_slice(b"\r\n");
                self.line_start = true;
                if b == b'\n' {
                    continue;
                }
            }
            match b {
                b'\r' => self.pending_cr = true,
                b'\n' => {
                    out.extend_from_slice(b"\r\n");
                    self.line_start = true;
                }
                _ => {
                    if self.line_start && b == b'.' {
                        out.push(b'.');
                    }
                    out.push(b);
                    self.line_start = false;
                }
            }
        }
    }

    fn finish(&mut self, out: &mut Vec<u8>) {
        if self.pending_cr || !self.line_start {
            out.extend_from_slice(b"\r\n");
        }
        self.pending_cr = false;
        self.line_start = true;
        out.extend_from_slice(b".\r\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stuff(pieces: &[&[u8]]) -> String {
        let mut s = DotStuffer::default();
        let mut out = Vec::new();
        for p in pieces {
            s.push(p, &mut out);
        }
        s.finish(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn line_ends_become_crlf_and_dots_are_doubled() {
        assert_eq!(stuff(&[b"a\nb\r\nc"]), "a\r\nb\r\nc\r\n.\r\n");
        assert_eq!(stuff(&[b".x\n..y\r\n.\n"]), "..x\r\n...y\r\n..\r\n.\r\n");
        assert_eq!(stuff(&[b"a.b\n"]), "a.b\r\n.\r\n");
        assert_eq!(stuff(&[b""]), ".\r\n");
        assert_eq!(stuff(&[b"a\rb\r"]), "a\r\nb\r\n.\r\n");
    }

    #[test]
    fn pieces_split_anywhere_give_the_same_bytes() {
        let msg: &[u8] = b"Subject: x\r\n\r\n.one\n\r\n.\r\ntwo\r\r\n..three";
        let whole = stuff(&[msg]);
        for i in 0..=msg.len() {
            for j in i..=msg.len() {
                assert_eq!(stuff(&[&msg[..i], &msg[i..j], &msg[j..]]), whole, "{i} {j}");
            }
        }
    }

    #[test]
    fn addresses_that_cannot_be_sent() {
        assert!(address_problem("a@b.example").is_none());
        assert!(address_problem("").is_none());
        assert!(address_problem("jörg@b.example").is_none());
        assert!(address_problem("a@b>\r\nRCPT TO:<c@d").is_some());
        assert!(address_problem("a b@c").is_some());
    }

    #[test]
    fn credentials_debug_hides_the_password() {
        let c = Credentials {
            user: "alice",
            password: "s3cret",
        };
        let shown = format!("{c:?}");
        assert!(
            shown.contains("alice") && !shown.contains("s3cret"),
            "{shown}"
        );
    }

    #[test]
    fn only_unavailable_is_temporary() {
        let down = SubmitError::Unavailable {
            server: "x".into(),
            failure: Failure::Closed,
        };
        assert!(down.is_temporary());
        assert!(!SubmitError::AuthFailed { code: 535 }.is_temporary());
        assert!(!SubmitError::TooLarge { limit: None }.is_temporary());
    }
}
