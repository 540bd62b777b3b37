//! The IMAP client: checks a device's credentials by logging in upstream,
//! and hands out the authenticated session.

mod capabilities;
mod conn;
mod date;
mod flags;
mod seqset;
pub mod utf7;

pub use capabilities::{Capabilities, Capability, WANTED};
pub use flags::{Flag, Flags};
pub use seqset::compress as sequence_set;

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
}

impl ImapError {
    /// True for [`ImapError::AuthenticationFailed`] (HTTP 401), false for
    /// [`ImapError::Unavailable`] (HTTP 503).
    pub fn is_authentication_failure(&self) -> bool {
        matches!(self, ImapError::AuthenticationFailed(_))
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
                Ok(ImapSession {
                    session,
                    capabilities,
                    server: self.endpoint.to_string(),
                    timeouts: self.timeouts,
                })
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
#[derive(Debug)]
pub struct ImapSession {
    session: RawSession,
    capabilities: Capabilities,
    server: String,
    timeouts: Timeouts,
}

impl ImapSession {
    /// The capabilities the server announced after login.
    pub fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    /// True if the connection is TLS (implicit or STARTTLS).
    pub fn is_tls(&self) -> bool {
        self.session.get_ref().is_tls()
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
        let after = self.timeouts.response;
        match tokio::time::timeout(after, self.session.noop()).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(self.unavailable(map_error(e))),
            Err(_) => Err(self.unavailable(Failure::Timeout {
                phase: "NOOP",
                after,
            })),
        }
    }

    /// Says LOGOUT and closes the connection. Dropping the session also
    /// closes it, without telling the server.
    pub async fn logout(mut self) -> Result<(), ImapError> {
        let after = self.timeouts.response;
        match tokio::time::timeout(after, self.session.logout()).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(self.unavailable(map_error(e))),
            Err(_) => Err(self.unavailable(Failure::Timeout {
                phase: "logging out",
                after,
            })),
        }
    }
}

fn map_error(e: async_imap::error::Error) -> Failure {
    use async_imap::error::Error as E;
    match e {
        E::Io(io) => Failure::Io(io),
        E::ConnectionLost => Failure::Closed,
        E::No(text) | E::Bad(text) => Failure::Refused(text),
        other => Failure::Protocol(other.to_string()),
    }
}
