//! The IMAP client: checks a device's credentials by logging in upstream,
//! and hands out the authenticated session with the mail operations the
//! sync engine needs (mailboxes, QRESYNC/CONDSTORE changes, summaries,
//! sections, flags, moves, appends), and a per-user session pool.

mod capabilities;
mod conn;
mod date;
mod fetch;
mod flags;
mod listext;
mod mailbox;
mod pool;
mod raw;
mod seqset;
mod store;
mod structure;
pub mod utf7;
mod watch;

pub use capabilities::{Capabilities, Capability, WANTED};
pub use fetch::{Changes, FlagsOf, MessageSummary, SectionData, SectionList};
pub use flags::{Flag, Flags};
pub use mailbox::{MailboxListing, MailboxStatus, Selected, SpecialUse, SyncMode};
pub use pool::{PooledSession, SessionPool};
pub use seqset::compress as sequence_set;
pub use store::StoreOp;
pub use watch::{ImapWatch, WatchConfig, WatchEvent, WatchMode};

use conn::{AuthError, PreAuth, RawSession};

use crate::endpoint::ImapEndpoint;
use crate::net::{Failure, Timeouts, within};
use crate::tls::TlsConfig;

/// Why a login (or probe) did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum ImapError {
    /// The server said NO to the login: the credentials are not accepted.
    /// The text is the server's, for logs; never show it to a device.
    #[error("the IMAP server refused the login: {0}")]
    AuthenticationFailed(String),
    /// Connect, TLS, I/O, timeout, a temporary refusal or an answer this
    /// client does not understand. Retryable; says nothing about the
    /// credentials.
    #[error("the IMAP server {server} is unavailable: {failure}")]
    Unavailable { server: String, failure: Failure },
    /// The server said NO to a command after login: the mailbox exists
    /// already (`code` `ALREADYEXISTS`), does not exist (`NONEXISTENT`,
    /// `TRYCREATE`), or another reason. The session stays usable. See
    /// [`ImapError::is_already_exists`], [`ImapError::is_nonexistent`].
    #[error("the IMAP server refused: {text}")]
    Refused { code: Option<String>, text: String },
    /// A keyword the selected mailbox cannot store: its PERMANENTFLAGS do
    /// not list it and do not allow new keywords (`\*`), or it is not an
    /// IMAP atom. Nothing was changed.
    #[error("the keyword {0:?} cannot be stored in this mailbox")]
    KeywordNotAllowed(String),
    /// The request cannot be said in IMAP (a date that does not exist, a
    /// name with NUL, a zero-length partial fetch) or needs a selected
    /// mailbox and none is. Nothing was sent.
    #[error("invalid IMAP request: {0}")]
    InvalidInput(String),
    /// The server lacks an extension the operation needs (UIDPLUS for
    /// expunging exact UIDs, CONDSTORE for changes since a modseq).
    #[error("the IMAP server does not support {0}")]
    Unsupported(&'static str),
}

impl ImapError {
    /// True for [`ImapError::AuthenticationFailed`] (HTTP 401), false for
    /// [`ImapError::Unavailable`] (HTTP 503).
    pub fn is_authentication_failure(&self) -> bool {
        matches!(self, ImapError::AuthenticationFailed(_))
    }

    /// True for [`ImapError::Unavailable`]: retry later (the session it
    /// happened on is not reused).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, ImapError::Unavailable { .. })
    }

    /// The server refused because the mailbox exists (`[ALREADYEXISTS]`,
    /// RFC 5530): CREATE, RENAME to an existing name.
    pub fn is_already_exists(&self) -> bool {
        matches!(self, ImapError::Refused { code: Some(c), .. } if c == "ALREADYEXISTS")
    }

    /// The server refused because the mailbox does not exist:
    /// `[NONEXISTENT]` (RFC 5530) or `[TRYCREATE]` (APPEND, COPY, MOVE).
    /// Dovecot 2.3 answers SELECT, EXAMINE, STATUS and SUBSCRIBE of a
    /// missing mailbox without a code ("Mailbox doesn't exist: x"), so a NO
    /// without a code whose text says so counts too.
    pub fn is_nonexistent(&self) -> bool {
        match self {
            ImapError::Refused { code: Some(c), .. } => c == "NONEXISTENT" || c == "TRYCREATE",
            ImapError::Refused { code: None, text } => {
                let t = text.to_ascii_lowercase();
                [
                    "doesn't exist",
                    "does not exist",
                    "no such mailbox",
                    "unknown mailbox",
                ]
                .iter()
                .any(|p| t.contains(p))
            }
            _ => false,
        }
    }
}

/// What a server offers before login (for `airgate check`).
#[derive(Debug, Clone)]
pub struct ImapProbe {
    /// Pre-login capabilities, after STARTTLS if that was done. Servers
    /// usually list more after login.
    pub capabilities: Capabilities,
    /// True if the connection was TLS (implicit or STARTTLS).
    pub tls: bool,
    /// The greeting's text.
    pub greeting: String,
}

/// A client for one IMAP server. Cheap to clone; holds no connection.
#[derive(Debug, Clone)]
pub struct ImapClient {
    endpoint: ImapEndpoint,
    tls: TlsConfig,
    timeouts: Timeouts,
}

impl ImapClient {
    pub fn new(endpoint: ImapEndpoint, tls: TlsConfig, timeouts: Timeouts) -> Self {
        Self {
            endpoint,
            tls,
            timeouts,
        }
    }

    pub fn endpoint(&self) -> &ImapEndpoint {
        &self.endpoint
    }

    fn unavailable(&self, failure: Failure) -> ImapError {
        ImapError::Unavailable {
            server: self.endpoint.to_string(),
            failure,
        }
    }

    async fn connect(&self) -> Result<PreAuth, ImapError> {
        within(
            self.timeouts.connect,
            "connecting",
            PreAuth::connect(&self.endpoint, &self.tls),
        )
        .await
        .map_err(|f| self.unavailable(f))
    }

    /// Connects, reads the greeting and the capabilities (after STARTTLS
    /// where the endpoint asks for it) and logs out.
    pub async fn probe(&self) -> Result<ImapProbe, ImapError> {
        let conn = self.connect().await?;
        let probe = ImapProbe {
            capabilities: conn.capabilities.clone(),
            tls: conn.is_tls(),
            greeting: conn.greeting.clone(),
        };
        // The answer to LOGOUT changes nothing; don't wait long for it.
        let _ = tokio::time::timeout(self.timeouts.response, conn.logout()).await;
        Ok(probe)
    }

    /// Logs in as `user`. AUTHENTICATE PLAIN when the server offers it
    /// (UTF-8 safe), else LOGIN with quoted strings or literals. The
    /// password is written to the socket only: never logged, never kept.
    pub async fn login(&self, user: &str, password: &str) -> Result<ImapSession, ImapError> {
        let conn = self.connect().await?;
        let tls = conn.is_tls();
        let result =
            tokio::time::timeout(self.timeouts.response, conn.authenticate(user, password)).await;
        match result {
            Ok(Ok((session, capabilities))) => {
                tracing::debug!(server = %self.endpoint, user, tls, "IMAP login succeeded");
                Ok(ImapSession::new(
                    session,
                    capabilities,
                    self.endpoint.to_string(),
                    self.timeouts,
                ))
            }
            Ok(Err(AuthError::Rejected(text))) => {
                tracing::debug!(server = %self.endpoint, user, reply = %text, "IMAP login refused");
                Err(ImapError::AuthenticationFailed(text))
            }
            Ok(Err(AuthError::Failure(failure))) => {
                tracing::debug!(server = %self.endpoint, user, %failure, "IMAP login failed");
                Err(self.unavailable(failure))
            }
            Err(_) => Err(self.unavailable(Failure::Timeout {
                phase: "logging in",
                after: self.timeouts.response,
            })),
        }
    }
}

/// An authenticated IMAP connection.
///
/// Commands run one at a time (`&mut self`). Message operations act on the
/// mailbox of the last [`ImapSession::select`]. After an
/// [`ImapError::Unavailable`] (I/O, timeout, BAD, BYE, an unparsable
/// answer) or a command future dropped before it finished, the session
/// refuses further commands ([`ImapSession::is_usable`] is false): drop it.
#[derive(Debug)]
pub struct ImapSession {
    session: RawSession,
    capabilities: Capabilities,
    server: String,
    timeouts: Timeouts,
    mode: SyncMode,
    qresync_enabled: bool,
    selected: Option<mailbox::SelectedMailbox>,
    next_tag: u32,
    broken: bool,
    in_command: bool,
    /// Set by [`ImapWatch`]: the STATUS, LIST and selected-mailbox changes
    /// among the untagged responses of every command, kept for it to read.
    tap: Option<Vec<watch::Tapped>>,
    /// The tag of the IDLE in progress (between `+` and DONE).
    idle_tag: Option<String>,
}

impl ImapSession {
    fn new(
        session: RawSession,
        capabilities: Capabilities,
        server: String,
        timeouts: Timeouts,
    ) -> Self {
        let mode = SyncMode::from_capabilities(&capabilities);
        Self {
            session,
            capabilities,
            server,
            timeouts,
            mode,
            qresync_enabled: false,
            selected: None,
            next_tag: 1,
            broken: false,
            in_command: false,
            tap: None,
            idle_tag: None,
        }
    }

    /// The capabilities the server announced after login.
    pub fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    /// True if the connection is TLS (implicit or STARTTLS).
    pub fn is_tls(&self) -> bool {
        self.session.get_ref().is_tls()
    }

    /// False once a command failed in a way that leaves the connection in
    /// an unknown state, or a command's future was dropped mid-way.
    pub fn is_usable(&self) -> bool {
        !self.broken && !self.in_command
    }

    fn unavailable(&self, failure: Failure) -> ImapError {
        ImapError::Unavailable {
            server: self.server.clone(),
            failure,
        }
    }

    /// NOOP: checks that the connection still works (and lets the server
    /// deliver pending updates).
    pub async fn noop(&mut self) -> Result<(), ImapError> {
        let cmd = self.command("NOOP");
        self.run_ok("NOOP", cmd, |_| {}).await.map(|_| ())
    }

    /// Says LOGOUT and closes the connection. Dropping the session also
    /// closes it, without telling the server.
    pub async fn logout(mut self) -> Result<(), ImapError> {
        let cmd = self.command("LOGOUT");
        self.run_ok("logging out", cmd, |_| {}).await.map(|_| ())
    }
}
