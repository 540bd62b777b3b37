//! One SMTP connection: commands out, replies (code and text lines) in.

use std::net::SocketAddr;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use zeroize::Zeroizing;

use crate::net::{Failure, Transport};

pub(super) struct Conn {
    pub io: BufReader<Transport>,
    pub local: SocketAddr,
}

/// One SMTP reply: a code and its text lines.
#[derive(Debug)]
pub(super) struct Reply {
    pub code: u16,
    pub lines: Vec<String>,
}

impl Reply {
    pub fn text(&self) -> String {
        self.lines.join(" ")
    }

    /// True if a line after the first (the EHLO keywords) starts with `keyword`.
    pub fn has(&self, keyword: &str) -> bool {
        self.param(keyword).is_some()
    }

    /// The parameters after `keyword` on its EHLO line.
    pub fn param(&self, keyword: &str) -> Option<&str> {
        self.lines.iter().skip(1).find_map(|l| {
            let (k, rest) = l.split_once(' ').unwrap_or((l, ""));
            k.eq_ignore_ascii_case(keyword).then_some(rest)
        })
    }

    /// The SASL mechanisms of an EHLO reply, upper-cased: `AUTH PLAIN LOGIN`,
    /// and the pre-standard `AUTH=PLAIN LOGIN` some servers still send.
    pub fn auth_mechanisms(&self) -> Vec<String> {
        let old = self.lines.iter().skip(1).find_map(|l| {
            l.get(..5)
                .filter(|k| k.eq_ignore_ascii_case("AUTH="))
                .map(|_| &l[5..])
        });
        self.param("AUTH")
            .or(old)
            .map(|p| p.split_whitespace().map(str::to_ascii_uppercase).collect())
            .unwrap_or_default()
    }

    /// The `SIZE` limit of an EHLO reply, if announced with a (non-zero) value.
    pub fn size_limit(&self) -> Option<u64> {
        self.param("SIZE")
            .and_then(|p| p.trim().parse().ok())
            .filter(|n| *n > 0)
    }

    /// The enhanced status code (RFC 3463) at the start of the text: `5.3.4`.
    pub fn enhanced(&self) -> Option<&str> {
        let first = self.lines.first()?.split_whitespace().next()?;
        let mut parts = first.split('.');
        let class = parts.next()?;
        let ok = matches!(class, "2" | "4" | "5")
            && parts.clone().count() == 2
            && parts
                .all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()));
        ok.then_some(first)
    }

    pub fn is_positive(&self) -> bool {
        (200..300).contains(&self.code)
    }

    pub fn is_transient(&self) -> bool {
        (400..500).contains(&self.code)
    }

    pub fn is_permanent(&self) -> bool {
        (500..600).contains(&self.code)
    }

    /// The code with its enhanced code, without the free text (which may
    /// echo addresses): `450 4.2.0`.
    pub fn codes(&self) -> String {
        match self.enhanced() {
            Some(e) => format!("{} {e}", self.code),
            None => self.code.to_string(),
        }
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
    /// Writes `line` and CRLF, flushes.
    pub async fn send(&mut self, line: &str) -> Result<(), Failure> {
        let stream = self.io.get_mut();
        stream
            .write_all(format!("{line}\r\n").as_bytes())
            .await
            .map_err(Failure::Io)?;
        stream.flush().await.map_err(Failure::Io)
    }

    /// Writes raw bytes (message data), flushes.
    pub async fn send_bytes(&mut self, bytes: &[u8]) -> Result<(), Failure> {
        let stream = self.io.get_mut();
        stream.write_all(bytes).await.map_err(Failure::Io)?;
        stream.flush().await.map_err(Failure::Io)
    }

    pub async fn command(&mut self, line: &str) -> Result<Reply, Failure> {
        self.send(line).await?;
        self.read_reply().await
    }

    /// A command line that carries a secret (AUTH): the buffer is wiped
    /// after the write. The caller passes the line with its CRLF.
    pub async fn secret_command(&mut self, line: Zeroizing<String>) -> Result<Reply, Failure> {
        self.send_bytes(line.as_bytes()).await?;
        self.read_reply().await
    }

    /// EHLO with the local address as an address literal (RFC 5321 §4.1.3):
    /// the gateway has no name of its own to announce.
    pub async fn ehlo(&mut self) -> Result<Reply, Failure> {
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

    pub async fn read_reply(&mut self) -> Result<Reply, Failure> {
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

    fn reply(code: u16, lines: &[&str]) -> Reply {
        Reply {
            code,
            lines: lines.iter().map(|l| l.to_string()).collect(),
        }
    }

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
        let reply = reply(
            250,
            &[
                "mail.example.org",
                "SIZE 67108864",
                "8BITMIME",
                "AUTH LOGIN PLAIN",
                "STARTTLS",
            ],
        );
        assert_eq!(reply.param("auth"), Some("LOGIN PLAIN"));
        assert_eq!(reply.param("SIZE"), Some("67108864"));
        assert_eq!(reply.param("8BITMIME"), Some(""));
        assert!(reply.has("STARTTLS"));
        assert_eq!(reply.auth_mechanisms(), ["LOGIN", "PLAIN"]);
        assert_eq!(reply.size_limit(), Some(67108864));
        // The greeting line is not a keyword.
        assert!(!reply.has("mail.example.org"));
    }

    #[test]
    fn old_style_auth_and_unlimited_size() {
        let r = reply(250, &["x", "AUTH=login plain", "SIZE"]);
        assert_eq!(r.auth_mechanisms(), ["LOGIN", "PLAIN"]);
        assert_eq!(r.size_limit(), None);
        assert_eq!(reply(250, &["x", "SIZE 0"]).size_limit(), None);
        assert!(reply(250, &["x"]).auth_mechanisms().is_empty());
    }

    #[test]
    fn enhanced_codes() {
        assert_eq!(
            reply(552, &["5.3.4 Message too big"]).enhanced(),
            Some("5.3.4")
        );
        assert_eq!(reply(452, &["4.2.2 full"]).codes(), "452 4.2.2");
        assert_eq!(reply(550, &["No such user"]).enhanced(), None);
        assert_eq!(reply(550, &["5.1"]).enhanced(), None);
        assert_eq!(reply(550, &["1.2.3 x"]).enhanced(), None);
        assert_eq!(reply(550, &[]).codes(), "550");
    }
}
