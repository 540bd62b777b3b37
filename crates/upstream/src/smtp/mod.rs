//! The SMTP submission client: a probe that connects, says EHLO (again
//! after STARTTLS) and reports what the server offers, and
//! [`SmtpClient::submit`], which sends one message, streaming it.
//!
//! SMTP is spoken here directly (a few dozen lines of reply parsing):
//! lettre does not expose the EHLO response of its async connection, and
//! cannot stream DATA (`send_raw` takes the whole message).

mod probe;
mod reply;
mod submit;

pub use submit::{Credentials, Envelope, RejectedRecipient, SubmitError};

use tokio::io::BufReader;

use crate::endpoint::{Security, SmtpEndpoint};
use crate::net::{self, Failure, Timeouts, Transport, within};
use crate::tls::TlsConfig;
use reply::{Conn, Reply};

/// Why the SMTP server could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SmtpError {
    /// Connect, TLS, I/O, timeout, refusal or an answer this client does
    /// not understand. Retryable.
    #[error("the SMTP server {server} is unavailable: {failure}")]
    Unavailable { server: String, failure: Failure },
}

/// What an SMTP server offers (for `airgate check`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpInfo {
    /// The greeting's text (after the 220).
    pub greeting: String,
    /// True if the EHLO below was said over TLS (implicit or STARTTLS).
    pub tls: bool,
    /// True if STARTTLS was offered on the plaintext connection.
    pub starttls_offered: bool,
    /// The EHLO keywords with their parameters (`SIZE 35882577`), the
    /// greeting line excluded. After STARTTLS, the second EHLO's.
    pub extensions: Vec<String>,
    /// SASL mechanisms from `AUTH`, upper-cased.
    pub auth_mechanisms: Vec<String>,
    /// The `SIZE` limit in bytes, if announced with a value.
    pub size_limit: Option<u64>,
}

impl SmtpInfo {
    /// True if the EHLO reply lists `keyword` (case-insensitive).
    pub fn has_extension(&self, keyword: &str) -> bool {
        self.extensions.iter().any(|e| {
            e.split_whitespace()
                .next()
                .is_some_and(|k| k.eq_ignore_ascii_case(keyword))
        })
    }
}

/// A client for one SMTP submission server. Cheap to clone; holds no
/// connection.
#[derive(Debug, Clone)]
pub struct SmtpClient {
    endpoint: SmtpEndpoint,
    tls: TlsConfig,
    timeouts: Timeouts,
}

/// A connection after the greeting and EHLO (the second one after
/// STARTTLS).
struct Opened {
    conn: Conn,
    greeting: Reply,
    ehlo: Reply,
    starttls_offered: bool,
}

impl SmtpClient {
    pub fn new(endpoint: SmtpEndpoint, tls: TlsConfig, timeouts: Timeouts) -> Self {
        Self {
            endpoint,
            tls,
            timeouts,
        }
    }

    pub fn endpoint(&self) -> &SmtpEndpoint {
        &self.endpoint
    }

    /// Connects (TLS from the first byte for `smtps://`), reads the
    /// greeting, says EHLO, and does STARTTLS where the endpoint's
    /// [`Security`] asks for it (then EHLO again).
    async fn open(&self) -> Result<Opened, Failure> {
        let addr = self.endpoint.addr();
        let (mut conn, greeting) = within(self.timeouts.connect, "connecting", async {
            let tcp = net::connect_tcp(addr).await?;
            let local = tcp.local_addr().map_err(Failure::Io)?;
            let transport = match self.endpoint.security() {
                Security::Tls => {
                    Transport::Tls(Box::new(net::tls_handshake(tcp, addr, &self.tls).await?))
                }
                _ => Transport::Plain(tcp),
            };
            let mut conn = Conn {
                io: BufReader::new(transport),
                local,
            };
            let greeting = conn.read_reply().await?;
            if greeting.code != 220 {
                return Err(Failure::Refused(greeting.to_string()));
            }
            Ok((conn, greeting))
        })
        .await?;
        tracing::debug!(command = "greeting", code = greeting.code, "SMTP reply");

        let response = self.timeouts.response;
        let mut ehlo = within(response, "EHLO", conn.ehlo()).await?;
        let starttls_offered = !conn.io.get_ref().is_tls() && ehlo.has("STARTTLS");
        let wants_starttls = match self.endpoint.security() {
            Security::StartTls if !starttls_offered => return Err(Failure::StartTlsNotOffered),
            Security::StartTls => true,
            Security::StartTlsIfOffered => starttls_offered,
            Security::Tls | Security::Plain => false,
        };
        if wants_starttls {
            let reply = within(response, "STARTTLS", conn.command("STARTTLS")).await?;
            if reply.code != 220 {
                return Err(Failure::Protocol(format!("STARTTLS refused: {reply}")));
            }
            // Bytes already buffered arrived before the handshake and are
            // not protected by it (STARTTLS injection): refuse them.
            if !conn.io.buffer().is_empty() {
                return Err(Failure::Protocol(
                    "the server sent data after its STARTTLS reply".into(),
                ));
            }
            let Conn { io, local } = conn;
            let tcp = io.into_inner().into_plain()?;
            let tls = within(
                self.timeouts.connect,
                "TLS handshake",
                net::tls_handshake(tcp, addr, &self.tls),
            )
            .await?;
            conn = Conn {
                io: BufReader::new(Transport::Tls(Box::new(tls))),
                local,
            };
            ehlo = within(response, "EHLO", conn.ehlo()).await?;
        }
        Ok(Opened {
            conn,
            greeting,
            ehlo,
            starttls_offered,
        })
    }
}
