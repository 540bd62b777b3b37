//! The SMTP submission client. Today: a probe that connects, says EHLO
//! (again after STARTTLS) and reports what the server offers. Sending comes
//! with SendMail.
//!
//! The probe speaks SMTP itself (a dozen lines of reply parsing) because
//! lettre does not expose the EHLO response of its async connection.

use std::net::SocketAddr;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

use crate::endpoint::{Security, SmtpEndpoint};
use crate::net::{self, Failure, Timeouts, Transport, within};
use crate::tls::TlsConfig;

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

    /// Connects, EHLO, STARTTLS where the endpoint asks for it (and EHLO
    /// again), QUIT.
    pub async fn probe(&self) -> Result<SmtpInfo, SmtpError> {
        self.run_probe()
            .await
            .map_err(|failure| SmtpError::Unavailable {
                server: self.endpoint.to_string(),
                failure,
            })
    }

    async fn run_probe(&self) -> Result<SmtpInfo, Failure> {
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
        let _ = within(response, "QUIT", conn.command("QUIT")).await;

        Ok(SmtpInfo {
            greeting: greeting.text(),
            tls: conn.io.get_ref().is_tls(),
            starttls_offered,
            auth_mechanisms: ehlo
                .param("AUTH")
                .map(|p| p.split_whitespace().map(str::to_ascii_uppercase).collect())
                .unwrap_or_default(),
            size_limit: ehlo
                .param("SIZE")
                .and_then(|p| p.trim().parse().ok())
                .filter(|n| *n > 0),
            extensions: ehlo.lines.into_iter().skip(1).collect(),
        })
    }
}

struct Conn {
    io: BufReader<Transport>,
    local: SocketAddr,
}

/// One SMTP reply: a code and its text lines.
#[derive(Debug)]
struct Reply {
    code: u16,
    lines: Vec<String>,
}

impl Reply {
    fn text(&self) -> String {
        self.lines.join(" ")
    }

    /// True if a line after the first (the EHLO keywords) starts with `keyword`.
    fn has(&self, keyword: &str) -> bool {
        self.param(keyword).is_some()
    }

    /// The parameters after `keyword` on its EHLO line.
    fn param(&self, keyword: &str) -> Option<&str> {
        self.lines.iter().skip(1).find_map(|l| {
            let (k, rest) = l.split_once(' ').unwrap_or((l, ""));
            k.eq_ignore_ascii_case(keyword).then_some(rest)
        })
    }
}

impl std::fmt::Display for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.code, self.text())
    }
}

// A reply line is at most 512 octets (RFC 5321 §4.5.3.1.5); allow slack,
// but bound what a misbehaving peer can make us buffer.
const MAX_LINE: u64 = 4096;
const MAX_LINES: usize = 200;

impl Conn {
    async fn command(&mut self, line: &str) -> Result<Reply, Failure> {
        let stream = self.io.get_mut();
        stream
            .write_all(format!("{line}\r\n").as_bytes())
            .await
            .map_err(Failure::Io)?;
        stream.flush().await.map_err(Failure::Io)?;
        self.read_reply().await
    }

    /// EHLO with the local address as an address literal (RFC 5321 §4.1.3):
    /// the gateway has no name of its own to announce.
    async fn ehlo(&mut self) -> Result<Reply, Failure> {
        let literal = match self.local {
            SocketAddr::V4(a) => format!("[{}]", a.ip()),
            SocketAddr::V6(a) => format!("[IPv6:{}]", a.ip()),
        };
        let reply = self.command(&format!("EHLO {literal}")).await?;
        if reply.code != 250 {
            return Err(Failure::Protocol(format!("EHLO refused: {reply}")));
        }
        Ok(reply)
    }

    async fn read_reply(&mut self) -> Result<Reply, Failure> {
        let mut code = None;
        let mut lines = Vec::new();
        loop {
            let mut raw = Vec::new();
            let n = (&mut self.io)
                .take(MAX_LINE)
                .read_until(b'\n', &mut raw)
                .await
                .map_err(Failure::Io)?;
            if n == 0 {
                return Err(Failure::Closed);
            }
            if !raw.ends_with(b"\n") {
                return Err(Failure::Protocol("reply line too long".into()));
            }
            let text = String::from_utf8_lossy(&raw);
            let text = text.trim_end_matches(['\r', '\n']);
            let (this_code, more) = parse_reply_line(text)
                .ok_or_else(|| Failure::Protocol(format!("not an SMTP reply line: {text:?}")))?;
            if *code.get_or_insert(this_code) != this_code {
                return Err(Failure::Protocol(format!(
                    "reply code changed within a reply: {text:?}"
                )));
            }
            lines.push(text.get(4..).unwrap_or_default().to_string());
            if !more {
                return Ok(Reply {
                    code: this_code,
                    lines,
                });
            }
            if lines.len() >= MAX_LINES {
                return Err(Failure::Protocol("reply has too many lines".into()));
            }
        }
    }
}

/// `250-SIZE 100` → (250, more lines follow); `250 OK` / `250` → (250, last).
fn parse_reply_line(line: &str) -> Option<(u16, bool)> {
    let bytes = line.as_bytes();
    if bytes.len() < 3 || !bytes[..3].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let code = line[..3].parse().ok()?;
    match bytes.get(3) {
        None | Some(b' ') => Some((code, false)),
        Some(b'-') => Some((code, true)),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_lines() {
        assert_eq!(parse_reply_line("250-SIZE 100"), Some((250, true)));
        assert_eq!(parse_reply_line("250 HELP"), Some((250, false)));
        assert_eq!(parse_reply_line("250"), Some((250, false)));
        assert_eq!(parse_reply_line("25"), None);
        assert_eq!(parse_reply_line("250+x"), None);
        assert_eq!(parse_reply_line("abc def"), None);
    }

    #[test]
    fn ehlo_parameters() {
        let reply = Reply {
            code: 250,
            lines: [
                "mail.example.org",
                "SIZE 67108864",
                "8BITMIME",
                "AUTH LOGIN PLAIN",
                "STARTTLS",
            ]
            .map(String::from)
            .to_vec(),
        };
        assert_eq!(reply.param("auth"), Some("LOGIN PLAIN"));
        assert_eq!(reply.param("SIZE"), Some("67108864"));
        assert_eq!(reply.param("8BITMIME"), Some(""));
        assert!(reply.has("STARTTLS"));
        // The greeting line is not a keyword.
        assert!(!reply.has("mail.example.org"));
    }
}
