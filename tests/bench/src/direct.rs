//! The ceiling: the same data airgate needs for an initial Sync, fetched straight from Dovecot
//! over one IMAP connection by a minimal client (no MIME work, no conversion): per window of
//! UIDs (newest first), one `UID FETCH` of the summaries (the FETCH items airgate asks for) and
//! one `UID FETCH` per distinct planned body section, all of a window's commands pipelined.
//! The body sections come from the same planner airgate uses (`convert::mail::plan_body`) run
//! on the generated messages, so no BODYSTRUCTURE has to be parsed here.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// The sections (and byte limits) to fetch for one message.
pub type Plan = Vec<(String, Option<u64>)>;

pub struct DirectRun {
    pub messages: u64,
    pub commands: u64,
    pub bytes: u64,
    pub took: Duration,
}

struct Conn {
    r: BufReader<TcpStream>,
    w: TcpStream,
    tag: u32,
    bytes: u64,
}

impl Conn {
    fn connect(addr: &str) -> Conn {
        let s = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect {addr}: {e}"));
        s.set_nodelay(true).ok();
        let w = s.try_clone().expect("clone socket");
        let mut c = Conn {
            r: BufReader::with_capacity(256 * 1024, s),
            w,
            tag: 0,
            bytes: 0,
        };
        let mut greeting = Vec::new();
        c.r.read_until(b'\n', &mut greeting).expect("greeting");
        c
    }

    fn send(&mut self, text: &str) -> String {
        self.tag += 1;
        let tag = format!("d{}", self.tag);
        self.w
            .write_all(format!("{tag} {text}\r\n").as_bytes())
            .expect("write");
        tag
    }

    /// Reads responses until `tag` completes; returns (summaries seen, the untagged lines
    /// without literals when `keep` is set).
    fn finish(&mut self, tag: &str, keep: bool) -> (u64, Vec<String>) {
        let mut fetches = 0;
        let mut kept = Vec::new();
        let tagged = format!("{tag} ");
        loop {
            let mut line = Vec::new();
            // One response: lines joined by literals.
            loop {
                let start = line.len();
                let n = self.r.read_until(b'\n', &mut line).expect("read");
                assert!(n > 0, "the server closed the connection");
                self.bytes += n as u64;
                let l = &line[start..];
                let Some(len) = literal_len(l) else { break };
                let mut lit = vec![0u8; len];
                self.r.read_exact(&mut lit).expect("read literal");
                self.bytes += len as u64;
            }
            // Dovecot runs pipelined FETCHes side by side, so a summary (the only answer
            // with a BODYSTRUCTURE) may arrive before another command's completion.
            if line.starts_with(b"* ") && line.windows(14).any(|w| w == b" BODYSTRUCTURE") {
                fetches += 1;
            }
            if line.starts_with(tagged.as_bytes()) {
                let text = String::from_utf8_lossy(&line);
                assert!(
                    text[tagged.len()..].starts_with("OK"),
                    "command {tag} failed: {text}"
                );
                return (fetches, kept);
            }
            if keep {
                kept.push(String::from_utf8_lossy(&line).into_owned());
            }
        }
    }

    fn ok(&mut self, text: &str) -> Vec<String> {
        let tag = self.send(text);
        self.finish(&tag, true).1
    }
}

/// `{123}\r\n` at the end of a line.
fn literal_len(line: &[u8]) -> Option<usize> {
    let l = line.strip_suffix(b"\r\n")?.strip_suffix(b"}")?;
    let open = l.iter().rposition(|b| *b == b'{')?;
    let digits = &l[open + 1..];
    let digits = digits.strip_suffix(b"+").unwrap_or(digits);
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// `a:b,c` for UIDs.
pub fn uid_set(uids: &[u32]) -> String {
    let mut sorted = uids.to_vec();
    sorted.sort_unstable();
    let mut out = String::new();
    let mut i = 0;
    while i < sorted.len() {
        let mut j = i;
        while j + 1 < sorted.len() && sorted[j + 1] == sorted[j] + 1 {
            j += 1;
        }
        if !out.is_empty() {
            out.push(',');
        }
        if i == j {
            out.push_str(&sorted[i].to_string());
        } else {
            out.push_str(&format!("{}:{}", sorted[i], sorted[j]));
        }
        i = j + 1;
    }
    out
}

/// Fetches what an initial Sync of `mailbox` needs, `window` messages at a time, newest first.
pub fn initial_sync(
    addr: &str,
    user: &str,
    password: &str,
    window: usize,
    plan_of_uid: &dyn Fn(u32) -> Plan,
    before_logout: &mut dyn FnMut(),
) -> DirectRun {
    let mut c = Conn::connect(addr);
    c.ok(&format!("LOGIN \"{user}\" \"{password}\""));
    let start = Instant::now();
    let mut commands = 0u64;
    c.ok("ENABLE QRESYNC");
    c.ok("SELECT INBOX");
    let search = c.ok("UID SEARCH ALL");
    commands += 3;
    let mut uids: Vec<u32> = search
        .iter()
        .filter_map(|l| l.strip_prefix("* SEARCH"))
        .flat_map(|l| l.split_whitespace().filter_map(|u| u.parse().ok()))
        .collect::<Vec<u32>>();
    uids.sort_unstable_by(|a, b| b.cmp(a));
    let header = format!(
        "BODY.PEEK[HEADER.FIELDS ({})]",
        convert::mail::HEADER_FIELDS.join(" ")
    );
    let mut messages = 0;
    for chunk in uids.chunks(window) {
        let mut groups: BTreeMap<(String, Option<u64>), Vec<u32>> = BTreeMap::new();
        for &uid in chunk {
            for (section, max) in plan_of_uid(uid) {
                groups.entry((section, max)).or_default().push(uid);
            }
        }
        let mut tags = vec![c.send(&format!(
            "UID FETCH {} (UID FLAGS INTERNALDATE RFC822.SIZE MODSEQ BODYSTRUCTURE {header})",
            uid_set(chunk)
        ))];
        for ((section, max), uids) in &groups {
            let range = max.map(|m| format!("<0.{m}>")).unwrap_or_default();
            tags.push(c.send(&format!(
                "UID FETCH {} (UID BODY.PEEK[{section}]{range})",
                uid_set(uids)
            )));
        }
        commands += tags.len() as u64;
        for tag in &tags {
            messages += c.finish(tag, false).0;
        }
    }
    let took = start.elapsed();
    // While Dovecot's process for this connection still runs (its CPU time is counted).
    before_logout();
    c.ok("LOGOUT");
    DirectRun {
        messages,
        commands,
        bytes: c.bytes,
        took,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn literals_and_sets() {
        assert_eq!(super::literal_len(b"* 1 FETCH (BODY[] {12}\r\n"), Some(12));
        assert_eq!(super::literal_len(b"* 1 FETCH (FLAGS ())\r\n"), None);
        assert_eq!(super::uid_set(&[5, 3, 4, 9, 1]), "1,3:5,9");
    }
}
