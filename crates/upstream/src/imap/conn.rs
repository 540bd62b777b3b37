//! Everything before an authenticated async-imap session exists: connect,
//! TLS, greeting, capabilities, STARTTLS and the login exchange.
//!
//! These exchanges are written by hand on top of async-imap's response
//! parser rather than with `Client::login`/`Client::authenticate`, because:
//!
//! - async-imap logs every command it sends at trace level (`log` crate,
//!   target `async_imap::imap_stream`), the LOGIN line and the AUTHENTICATE
//!   PLAIN response included: a password in the logs for anyone who turns
//!   tracing up. Credentials written here go straight to the socket.
//! - its login errors are strings; the RFC 5530 response code (e.g.
//!   `[UNAVAILABLE]` vs `[AUTHENTICATIONFAILED]`) decides between "bad
//!   password" and "try later", so it is read from the parsed response.
//! - LOGIN must send non-ASCII passwords as literals, and SASL-IR saves a
//!   round trip; async-imap does neither.
//!
//! Once the server accepted the login, [`ImapStream`] "adopts" the
//! connection into an async-imap `Session`: the only way to obtain one is
//! `Client::login`, so its LOGIN is swallowed by the stream and answered
//! locally with a tagged OK; nothing of it reaches the server.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use async_imap::imap_proto::{self, Response, ResponseCode, Status};
use base64::Engine as _;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::time::{Instant, Sleep};
use zeroize::Zeroizing;

use super::capabilities::{Capabilities, Capability};
use super::listext::ListFilter;
use crate::endpoint::{ImapEndpoint, Security};
use crate::net::{self, Failure, Transport};
use crate::tls::TlsConfig;

pub(crate) type RawClient = async_imap::Client<ImapStream>;
pub(crate) type RawSession = async_imap::Session<ImapStream>;

/// The byte stream under async-imap: the transport, plus the adoption mode
/// described in the module documentation, plus a read inactivity timer.
#[derive(Debug)]
pub(crate) struct ImapStream {
    transport: Transport,
    adopting: Option<Adoption>,
    /// While armed, a read that waits this long without receiving a byte
    /// fails with `TimedOut`: a deadline per piece of progress, so a large
    /// FETCH is not cut off while it is still arriving.
    read_timer: Option<(Duration, Pin<Box<Sleep>>)>,
    /// Read ahead of async-imap, which asks for at most a few KiB at a time: one
    /// large FETCH answer would otherwise cost hundreds of `recv` calls.
    read_ahead: Vec<u8>,
    /// The size `read_ahead` gets when it is allocated again (it is freed while idle).
    read_size: usize,
    /// What came from the server, through `filter`, for async-imap:
    /// `ready[ready_pos..]` is not handed out yet.
    ready: Vec<u8>,
    ready_pos: usize,
    /// Drops the extended data of LIST responses, which async-imap's parser
    /// cannot read (see `listext`).
    filter: ListFilter,
}

/// The read-ahead buffer's size: it starts small and doubles while reads fill it (a large
/// FETCH answer), up to the maximum.
const READ_AHEAD_MIN: usize = 4 * 1024;
const READ_AHEAD_MAX: usize = 64 * 1024;

#[derive(Debug, Default)]
struct Adoption {
    written: Vec<u8>,
    reply: Vec<u8>,
    read: usize,
}

impl ImapStream {
    fn new(transport: Transport) -> Self {
        Self {
            transport,
            adopting: None,
            read_timer: None,
            read_ahead: Vec::new(),
            read_size: READ_AHEAD_MIN,
            ready: Vec::new(),
            ready_pos: 0,
            filter: ListFilter::default(),
        }
    }

    /// Starts the read inactivity timer (from now), or stops it.
    pub(crate) fn set_read_timeout(&mut self, after: Option<Duration>) {
        self.read_timer =
            after.map(|d| (d, Box::pin(tokio::time::sleep_until(Instant::now() + d))));
    }

    pub(crate) fn is_tls(&self) -> bool {
        self.transport.is_tls()
    }
}

impl AsyncRead for ImapStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Some(a) = &mut this.adopting {
            let rest = &a.reply[a.read..];
            if rest.is_empty() {
                // Never wait on the server while adopting: it was not asked anything.
                return Poll::Ready(Err(io::Error::other(
                    "IMAP session adoption: nothing to read",
                )));
            }
            let n = rest.len().min(buf.remaining());
            buf.put_slice(&rest[..n]);
            a.read += n;
            return Poll::Ready(Ok(()));
        }
        loop {
            if this.ready_pos < this.ready.len() {
                let n = (this.ready.len() - this.ready_pos).min(buf.remaining());
                buf.put_slice(&this.ready[this.ready_pos..this.ready_pos + n]);
                this.ready_pos += n;
                if this.ready_pos == this.ready.len() {
                    this.ready.clear();
                    this.ready_pos = 0;
                }
                return Poll::Ready(Ok(()));
            }
            if this.read_ahead.is_empty() {
                this.read_ahead = vec![0; this.read_size];
            }
            let mut ahead = ReadBuf::new(&mut this.read_ahead);
            match Pin::new(&mut this.transport).poll_read(cx, &mut ahead) {
                Poll::Ready(r) => {
                    if let Some((after, timer)) = &mut this.read_timer {
                        timer.as_mut().reset(Instant::now() + *after);
                    }
                    let got = ahead.filled().len();
                    r?;
                    if got == 0 {
                        // The end of the stream: what the filter held is passed on as it is,
                        // then the end.
                        this.filter.finish(&mut this.ready);
                        if this.ready.is_empty() {
                            return Poll::Ready(Ok(()));
                        }
                    } else {
                        // The filter may hold all of it (an incomplete LIST response, which
                        // async-imap could not parse yet either): then read on.
                        this.filter.feed(&this.read_ahead[..got], &mut this.ready);
                        if got == this.read_ahead.len() && got < READ_AHEAD_MAX {
                            this.read_size = got * 2;
                            this.read_ahead = vec![0; this.read_size];
                        }
                    }
                }
                Poll::Pending => {
                    // Nothing to hand out and nothing arriving: a session that waits (a push
                    // watcher, a pooled session) keeps no buffers, which a thousand idle
                    // connections would otherwise hold.
                    this.read_ahead = Vec::new();
                    this.ready = Vec::new();
                    let expired = match &mut this.read_timer {
                        Some((_, timer)) => timer.as_mut().poll(cx).is_ready(),
                        None => false,
                    };
                    return if expired {
                        Poll::Ready(Err(io::Error::new(
                            io::ErrorKind::TimedOut,
                            "no data from the IMAP server",
                        )))
                    } else {
                        Poll::Pending
                    };
                }
            }
        }
    }
}

impl AsyncWrite for ImapStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if let Some(a) = &mut this.adopting {
            a.written.extend_from_slice(buf);
            if a.reply.is_empty() && a.written.windows(2).any(|w| w == b"\r\n") {
                let tag = a.written.split(|b| *b == b' ').next().unwrap_or_default();
                a.reply = [tag, b" OK adopted\r\n"].concat();
            }
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut this.transport).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.adopting.is_some() {
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.transport).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().transport).poll_shutdown(cx)
    }
}

/// How a tagged command ended.
#[derive(Debug)]
pub(crate) struct Completion {
    pub status: Outcome,
    /// The response code atom, upper-cased (`AUTHENTICATIONFAILED`).
    pub code: Option<String>,
    /// The human-readable text, code included.
    pub text: String,
    /// From an untagged CAPABILITY or a `[CAPABILITY ...]` code.
    pub capabilities: Option<Capabilities>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Ok,
    No,
    Bad,
}

/// Why a login did not produce a session.
#[derive(Debug)]
pub(crate) enum AuthError {
    /// The server said NO: the credentials are not accepted. Server text.
    Rejected(String),
    /// Anything else; retryable.
    Failure(Failure),
}

impl From<Failure> for AuthError {
    fn from(f: Failure) -> Self {
        AuthError::Failure(f)
    }
}

/// RFC 5530 codes that mean "not now" rather than "not these credentials".
const TEMPORARY_CODES: &[&str] = &[
    "UNAVAILABLE",
    "SERVERBUG",
    "LIMIT",
    "INUSE",
    "PRIVACYREQUIRED",
];

/// A connection that greeted and announced its capabilities, TLS done as
/// the endpoint asks, not yet logged in.
pub(crate) struct PreAuth {
    client: RawClient,
    next_tag: u32,
    pub capabilities: Capabilities,
    pub greeting: String,
}

impl PreAuth {
    pub(crate) async fn connect(endpoint: &ImapEndpoint, tls: &TlsConfig) -> Result<Self, Failure> {
        let addr = endpoint.addr();
        let tcp = net::connect_tcp(addr).await?;
        let transport = match endpoint.security() {
            Security::Tls => Transport::Tls(Box::new(net::tls_handshake(tcp, addr, tls).await?)),
            _ => Transport::Plain(tcp),
        };
        let mut conn = Self {
            client: async_imap::Client::new(ImapStream::new(transport)),
            next_tag: 1,
            capabilities: Capabilities::default(),
            greeting: String::new(),
        };
        let greeting_caps = conn.read_greeting().await?;
        conn.capabilities = match greeting_caps {
            Some(caps) => caps,
            None => conn.capability().await?,
        };

        let wants_starttls = match endpoint.security() {
            Security::StartTls => {
                if !conn.capabilities.has(Capability::StartTls) {
                    return Err(Failure::StartTlsNotOffered);
                }
                true
            }
            Security::StartTlsIfOffered => conn.capabilities.has(Capability::StartTls),
            Security::Tls | Security::Plain => false,
        };
        if wants_starttls {
            let tag = conn.tag();
            let done = conn
                .command(&tag, vec![line(format!("{tag} STARTTLS\r\n"))])
                .await?;
            if done.status != Outcome::Ok {
                return Err(Failure::Protocol(format!(
                    "STARTTLS refused: {}",
                    done.text
                )));
            }
            // into_inner drops whatever async-imap had buffered past the OK:
            // bytes that arrived before the handshake are not protected by
            // it and must not be read as if they were (STARTTLS injection).
            let tcp = conn.client.into_inner().transport.into_plain()?;
            let stream = net::tls_handshake(tcp, addr, tls).await?;
            conn.client =
                async_imap::Client::new(ImapStream::new(Transport::Tls(Box::new(stream))));
            // Capabilities from before TLS must be discarded (RFC 3501 §6.2.1).
            conn.capabilities = conn.capability().await?;
        }
        Ok(conn)
    }

    pub(crate) fn is_tls(&self) -> bool {
        self.client.get_ref().is_tls()
    }

    /// Logs in, preferring AUTHENTICATE PLAIN (UTF-8 safe, RFC 4616) when
    /// offered, else LOGIN. Returns the session and the post-login
    /// capabilities.
    pub(crate) async fn authenticate(
        mut self,
        user: &str,
        password: &str,
    ) -> Result<(RawSession, Capabilities), AuthError> {
        if user.contains('\0') || password.contains('\0') {
            // No IMAP login mechanism can carry NUL; no server can accept it.
            return Err(AuthError::Rejected(
                "user name or password contains a NUL character".into(),
            ));
        }
        let tag = self.tag();
        let segments = if self.capabilities.supports_auth("PLAIN") {
            plain_segments(
                &tag,
                user,
                password,
                self.capabilities.has(Capability::SaslIr),
            )
        } else if self.capabilities.has(Capability::LoginDisabled) {
            return Err(AuthError::Failure(Failure::Protocol(
                "the server allows neither LOGIN (LOGINDISABLED) nor AUTHENTICATE PLAIN; it probably requires TLS: use imaps:// or STARTTLS"
                    .into(),
            )));
        } else {
            let literal_plus = self.capabilities.has(Capability::LiteralPlus);
            let literal_minus = self.capabilities.has(Capability::LiteralMinus);
            login_segments(&tag, user, password, literal_plus, literal_minus)
        };
        let done = self.command(&tag, segments).await?;
        match done.status {
            Outcome::Ok => {}
            Outcome::No => {
                let temporary = done
                    .code
                    .as_deref()
                    .is_some_and(|c| TEMPORARY_CODES.contains(&c));
                return Err(if temporary {
                    AuthError::Failure(Failure::Refused(done.text))
                } else {
                    AuthError::Rejected(done.text)
                });
            }
            Outcome::Bad => {
                return Err(AuthError::Failure(Failure::Protocol(format!(
                    "login command rejected as BAD: {}",
                    done.text
                ))));
            }
        }
        let capabilities = match done.capabilities {
            Some(caps) => caps,
            None => self.capability().await?,
        };
        let session = adopt(self.client).await?;
        Ok((session, capabilities))
    }

    /// Says LOGOUT and waits for the answer; errors are of no interest to
    /// a caller that is done with the connection anyway.
    pub(crate) async fn logout(mut self) {
        let tag = self.tag();
        let _ = self
            .command(&tag, vec![line(format!("{tag} LOGOUT\r\n"))])
            .await;
    }

    fn tag(&mut self) -> String {
        let tag = format!("ag{}", self.next_tag);
        self.next_tag += 1;
        tag
    }

    async fn send(&mut self, bytes: &[u8]) -> Result<(), Failure> {
        // Straight to the socket, past async-imap's command logging.
        let stream = self.client.get_mut();
        stream.write_all(bytes).await.map_err(Failure::Io)?;
        stream.flush().await.map_err(Failure::Io)
    }

    /// Returns the capabilities if the greeting carries them.
    async fn read_greeting(&mut self) -> Result<Option<Capabilities>, Failure> {
        let resp = received(self.client.read_response().await)?;
        match resp.parsed() {
            Response::Data {
                status: Status::Ok,
                outcome,
            } => {
                self.greeting = outcome.information.as_deref().unwrap_or_default().to_string();
                Ok(match &outcome.code {
                    Some(ResponseCode::Capabilities(caps)) => Some(Capabilities::from_proto(caps)),
                    _ => None,
                })
            }
            Response::Data {
                status: Status::Bye,
                outcome,
            } => Err(Failure::Refused(render(outcome).1)),
            Response::Data {
                status: Status::PreAuth,
                ..
            } => Err(Failure::Protocol(
                "the server greets with PREAUTH (already logged in without credentials); airgate needs a server that checks logins"
                    .into(),
            )),
            other => Err(Failure::Protocol(format!("unexpected greeting {other:?}"))),
        }
    }

    async fn capability(&mut self) -> Result<Capabilities, Failure> {
        let tag = self.tag();
        let done = self
            .command(&tag, vec![line(format!("{tag} CAPABILITY\r\n"))])
            .await?;
        match (done.status, done.capabilities) {
            (Outcome::Ok, Some(caps)) => Ok(caps),
            (Outcome::Ok, None) => Err(Failure::Protocol(
                "CAPABILITY returned no capability list".into(),
            )),
            (_, _) => Err(Failure::Protocol(format!(
                "CAPABILITY failed: {}",
                done.text
            ))),
        }
    }

    /// Sends a command whose first segment is written at once and each
    /// further one after a continuation request (`+`), then reads to the
    /// tagged completion.
    async fn command(
        &mut self,
        tag: &str,
        segments: Vec<Zeroizing<Vec<u8>>>,
    ) -> Result<Completion, Failure> {
        let mut segments = segments.into_iter();
        if let Some(first) = segments.next() {
            self.send(&first).await?;
        }
        let mut capabilities = None;
        let mut bye = None;
        loop {
            let resp = match received(self.client.read_response().await) {
                Ok(r) => r,
                Err(Failure::Closed) if bye.is_some() => {
                    return Err(Failure::Refused(bye.unwrap_or_default()));
                }
                Err(e) => return Err(e),
            };
            match resp.parsed() {
                Response::Continue(_) => match segments.next() {
                    Some(seg) => self.send(&seg).await?,
                    // An unexpected challenge: "*" cancels an AUTHENTICATE
                    // (RFC 3501 §6.2.2) and the server then completes it.
                    None => self.send(b"*\r\n").await?,
                },
                Response::Capabilities(caps) => capabilities = Some(Capabilities::from_proto(caps)),
                Response::Data {
                    status: Status::Bye,
                    outcome,
                } => bye = Some(render(outcome).1),
                Response::Done {
                    tag: done_tag,
                    status,
                    outcome,
                } if done_tag.0 == tag => {
                    if let Some(ResponseCode::Capabilities(caps)) = &outcome.code {
                        capabilities = Some(Capabilities::from_proto(caps));
                    }
                    let status = match status {
                        Status::Ok => Outcome::Ok,
                        Status::No => Outcome::No,
                        _ => Outcome::Bad,
                    };
                    let (code, text) = render(outcome);
                    return Ok(Completion {
                        status,
                        code,
                        text,
                        capabilities,
                    });
                }
                // Other untagged data (notices, ENABLED...) does not concern
                // the commands sent before login.
                _ => {}
            }
        }
    }
}

/// Turns the authenticated client into an async-imap session without
/// sending anything (see the module documentation).
async fn adopt(mut client: RawClient) -> Result<RawSession, Failure> {
    client.get_mut().adopting = Some(Adoption::default());
    match client.login("adopt", "adopt").await {
        Ok(mut session) => {
            session.get_mut().adopting = None;
            Ok(session)
        }
        Err((e, _)) => Err(Failure::Protocol(format!(
            "cannot take over the IMAP session: {e}"
        ))),
    }
}

/// The outcome of reading one response. Generic because async-imap does
/// not export the name of its response type.
fn received<T>(read: io::Result<Option<T>>) -> Result<T, Failure> {
    match read {
        Ok(Some(r)) => Ok(r),
        Ok(None) => Err(Failure::Closed),
        Err(e) if e.kind() == io::ErrorKind::InvalidData => Err(Failure::Protocol(e.to_string())),
        Err(e) => Err(Failure::Io(e)),
    }
}

fn line(s: String) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(s.into_bytes())
}

/// The response code atom (upper-cased) and the text with the code in it.
/// imap-proto parses only the codes it knows; for the others (RFC 5530's
/// among them) the `[CODE ...]` stays at the start of the text.
fn render(outcome: &imap_proto::Outcome<'_>) -> (Option<String>, String) {
    let info = outcome.information.as_deref().unwrap_or_default();
    match &outcome.code {
        Some(ResponseCode::Alert) => (Some("ALERT".into()), format!("[ALERT] {info}")),
        Some(_) => (None, info.to_string()),
        None => {
            let code = info.strip_prefix('[').and_then(|rest| {
                let end = rest.find([']', ' '])?;
                Some(rest[..end].to_ascii_uppercase())
            });
            (code, info.to_string())
        }
    }
}

/// `AUTHENTICATE PLAIN` (RFC 4616): `\0user\0password`, base64, as an
/// initial response when SASL-IR is offered, else after the server's `+`.
fn plain_segments(tag: &str, user: &str, password: &str, sasl_ir: bool) -> Vec<Zeroizing<Vec<u8>>> {
    let mut message = Zeroizing::new(Vec::with_capacity(user.len() + password.len() + 2));
    message.push(0);
    message.extend_from_slice(user.as_bytes());
    message.push(0);
    message.extend_from_slice(password.as_bytes());
    let encoded = Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(&*message));
    if sasl_ir {
        vec![line(format!("{tag} AUTHENTICATE PLAIN {}\r\n", &*encoded))]
    } else {
        vec![
            line(format!("{tag} AUTHENTICATE PLAIN\r\n")),
            line(format!("{}\r\n", &*encoded)),
        ]
    }
}

/// `LOGIN user password`, each as a quoted string when it is printable
/// ASCII, else as a literal: non-synchronizing with LITERAL+ (or LITERAL-
/// up to 4096 bytes), else split where the server must say `+` first.
fn login_segments(
    tag: &str,
    user: &str,
    password: &str,
    literal_plus: bool,
    literal_minus: bool,
) -> Vec<Zeroizing<Vec<u8>>> {
    let mut segments = Vec::new();
    let mut current = line(format!("{tag} LOGIN "));
    for (i, value) in [user, password].into_iter().enumerate() {
        if i > 0 {
            current.push(b' ');
        }
        let bytes = value.as_bytes();
        if bytes.iter().all(|b| (0x20..0x7f).contains(b)) {
            current.push(b'"');
            for &b in bytes {
                if b == b'\\' || b == b'"' {
                    current.push(b'\\');
                }
                current.push(b);
            }
            current.push(b'"');
        } else if literal_plus || (literal_minus && bytes.len() <= 4096) {
            current.extend_from_slice(format!("{{{}+}}\r\n", bytes.len()).as_bytes());
            current.extend_from_slice(bytes);
        } else {
            current.extend_from_slice(format!("{{{}}}\r\n", bytes.len()).as_bytes());
            segments.push(std::mem::replace(&mut current, Zeroizing::new(Vec::new())));
            current.extend_from_slice(bytes);
        }
    }
    current.extend_from_slice(b"\r\n");
    segments.push(current);
    segments
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined(segments: &[Zeroizing<Vec<u8>>]) -> Vec<String> {
        segments
            .iter()
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .collect()
    }

    #[test]
    fn login_quotes_printable_ascii() {
        let segs = login_segments("ag1", "alice", r#"pa ss"wo\rd"#, false, false);
        assert_eq!(
            joined(&segs),
            [concat!(r#"ag1 LOGIN "alice" "pa ss\"wo\\rd""#, "\r\n")]
        );
    }

    #[test]
    fn login_sends_non_ascii_as_literals() {
        let segs = login_segments("ag2", "jürgen", "pässword", false, false);
        assert_eq!(
            joined(&segs),
            ["ag2 LOGIN {7}\r\n", "jürgen {9}\r\n", "pässword\r\n"]
        );
        let segs = login_segments("ag2", "bob", "pä\r\nss", true, false);
        assert_eq!(joined(&segs), ["ag2 LOGIN \"bob\" {7+}\r\npä\r\nss\r\n"]);
        let segs = login_segments("ag2", "bob", "ü", false, true);
        assert_eq!(joined(&segs), ["ag2 LOGIN \"bob\" {2+}\r\nü\r\n"]);
    }

    #[test]
    fn plain_uses_initial_response_when_offered() {
        // base64("\0alice\0alice-secret")
        let b64 = "AGFsaWNlAGFsaWNlLXNlY3JldA==";
        assert_eq!(
            joined(&plain_segments("ag3", "alice", "alice-secret", true)),
            [format!("ag3 AUTHENTICATE PLAIN {b64}\r\n")]
        );
        assert_eq!(
            joined(&plain_segments("ag3", "alice", "alice-secret", false)),
            [
                "ag3 AUTHENTICATE PLAIN\r\n".to_string(),
                format!("{b64}\r\n")
            ]
        );
    }

    #[test]
    fn response_codes_are_read_from_the_text() {
        let parse = |s: &'static str| match Response::parse(s.as_bytes()) {
            Ok((_, Response::Done { outcome, .. })) => render(&outcome),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            parse("ag1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n"),
            (
                Some("AUTHENTICATIONFAILED".into()),
                "[AUTHENTICATIONFAILED] Authentication failed.".into()
            )
        );
        assert_eq!(
            parse("ag1 NO [UNAVAILABLE] Temporary authentication failure. [host:2026-01-01]\r\n").0,
            Some("UNAVAILABLE".into())
        );
        assert_eq!(
            parse("ag1 NO Login failed\r\n"),
            (None, "Login failed".into())
        );
        assert_eq!(
            parse("ag1 NO [ALERT] Account locked\r\n").0,
            Some("ALERT".into())
        );
    }
}
