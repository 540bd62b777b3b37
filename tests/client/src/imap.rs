//! A small synchronous IMAP client, for tests to act on the mail server directly (not through
//! airgate): put messages in place before a Sync, change flags or move mail "on another
//! device", and check what a command did to the mailbox.
//!
//! Written on `std::net::TcpStream` with its own reader (lines and `{n}` literals) so that the
//! tests do not share an IMAP implementation with the server they test. Every method panics
//! with the command and the server's reply when something is not as expected.
//!
//! Mailbox names are wire names: ASCII as is, anything else in modified UTF-7
//! ([`mutf7_encode`]). Each method that works on messages selects its mailbox first (or sends
//! NOOP when it is already selected), so changes made by other sessions (airgate) are seen.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::Stack;

const TIMEOUT: Duration = Duration::from_secs(30);

/// One IMAP session, logged in.
pub struct Imap {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    next_tag: u32,
    user: String,
    /// The mailbox selected, if any (wire name).
    selected: Option<String>,
    /// LOGOUT was sent.
    closed: bool,
}

impl std::fmt::Debug for Imap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Imap")
            .field("user", &self.user)
            .field("selected", &self.selected)
            .finish_non_exhaustive()
    }
}

/// A parsed piece of an IMAP response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// An atom or number (also `NIL`, flags like `\Seen`, `BODY[]`).
    Atom(String),
    /// A quoted string or a literal.
    Str(Vec<u8>),
    List(Vec<Value>),
}

impl Value {
    /// The atom's text, or the string's text (lossy UTF-8).
    pub fn text(&self) -> String {
        match self {
            Value::Atom(a) => a.clone(),
            Value::Str(s) => String::from_utf8_lossy(s).into_owned(),
            Value::List(_) => panic!("expected an atom or string, got a list: {self:?}"),
        }
    }

    fn number(&self) -> u64 {
        let t = self.text();
        t.parse()
            .unwrap_or_else(|_| panic!("expected a number, got {t:?}"))
    }

    fn list(&self) -> &[Value] {
        match self {
            Value::List(l) => l,
            _ => panic!("expected a list, got {self:?}"),
        }
    }
}

/// The reply to one command.
#[derive(Debug)]
pub struct Reply {
    /// Every untagged response (`* ...`), parsed; the `*` is not included.
    pub untagged: Vec<Vec<Value>>,
    /// The tagged status: `OK`, `NO` or `BAD`.
    pub status: String,
    /// The rest of the tagged line (response code and text).
    pub text: String,
}

impl Reply {
    /// The numbers of a `[CODE a b c]` response code in the tagged line or an untagged OK.
    pub fn code(&self, name: &str) -> Option<Vec<String>> {
        let from_text = |t: &str| -> Option<Vec<String>> {
            let start = t.find(&format!("[{name} "))? + name.len() + 2;
            let end = start + t[start..].find(']')?;
            Some(t[start..end].split(' ').map(str::to_owned).collect())
        };
        if let Some(v) = from_text(&self.text) {
            return Some(v);
        }
        self.untagged
            .iter()
            .filter(|r| matches!(r.first(), Some(Value::Atom(a)) if a == "OK"))
            .find_map(|r| from_text(&untagged_text(r)))
    }
}

fn untagged_text(r: &[Value]) -> String {
    r.iter()
        .map(|v| match v {
            Value::List(_) => String::new(),
            v => v.text(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The mailbox's STATUS counters: `(messages, uidnext, uidvalidity, highestmodseq)`.
pub type StatusCounts = (u32, u32, u32, u64);

/// What [`Imap::change_uid_validity`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UidValidityChange {
    pub old_uid_validity: u32,
    pub new_uid_validity: u32,
    /// `(old uid, new uid)` of every message, in the old UID order.
    pub uids: Vec<(u32, u32)>,
}

impl Imap {
    /// Connects to the stack's Dovecot (`STACK_IMAP_URL`) and logs in; panics when either fails.
    pub fn connect(stack: &Stack, user: &str, password: &str) -> Imap {
        let mut imap = Imap::connect_only(stack, user);
        let reply = imap.run(&format!("LOGIN {} {}", quote(user), quote(password)));
        if reply.status != "OK" {
            panic!(
                "IMAP LOGIN as {user:?} failed: {} {}",
                reply.status, reply.text
            );
        }
        imap
    }

    /// Connects and tries to log in; `Err` with the server's reply when the login is refused.
    pub fn try_connect(stack: &Stack, user: &str, password: &str) -> Result<Imap, String> {
        let mut imap = Imap::connect_only(stack, user);
        let reply = imap.run(&format!("LOGIN {} {}", quote(user), quote(password)));
        if reply.status == "OK" {
            Ok(imap)
        } else {
            Err(format!("{} {}", reply.status, reply.text))
        }
    }

    fn connect_only(stack: &Stack, user: &str) -> Imap {
        let url = stack.imap_url();
        let addr = url
            .strip_prefix("imap://")
            .unwrap_or_else(|| panic!("STACK_IMAP_URL {url:?} is not imap://host:port"))
            .trim_end_matches('/');
        let stream = TcpStream::connect(addr)
            .unwrap_or_else(|e| panic!("cannot connect to IMAP at {addr}: {e}"));
        stream.set_read_timeout(Some(TIMEOUT)).expect("timeout");
        stream.set_write_timeout(Some(TIMEOUT)).expect("timeout");
        let writer = stream.try_clone().expect("clone the IMAP socket");
        let mut imap = Imap {
            reader: BufReader::new(stream),
            writer,
            next_tag: 1,
            user: user.to_owned(),
            selected: None,
            closed: false,
        };
        let greeting = imap.read_response();
        assert!(
            greeting.starts_with(b"* OK"),
            "unexpected IMAP greeting: {}",
            String::from_utf8_lossy(&greeting)
        );
        imap
    }

    /// The login name of this session.
    pub fn user(&self) -> &str {
        &self.user
    }

    // --- commands on messages --------------------------------------------------------------

    /// APPENDs a message; returns its UID (from APPENDUID). `internal_date` is IMAP's
    /// date-time, e.g. `"22-Nov-2026 10:00:00 +0000"`.
    pub fn append(
        &mut self,
        mailbox: &str,
        raw: &[u8],
        flags: &[&str],
        internal_date: Option<&str>,
    ) -> u32 {
        let mut cmd = format!("APPEND {}", quote(mailbox));
        cmd.push_str(&format!(" ({})", flags.join(" ")));
        if let Some(date) = internal_date {
            cmd.push_str(&format!(" {}", quote(date)));
        }
        let reply = self.ok_with_literal(&cmd, raw);
        let code = reply
            .code("APPENDUID")
            .unwrap_or_else(|| panic!("APPEND to {mailbox:?}: no APPENDUID in {:?}", reply.text));
        parse_u32(&code[1], "APPENDUID uid")
    }

    /// Every UID in the mailbox, ascending.
    pub fn uids(&mut self, mailbox: &str) -> Vec<u32> {
        self.select(mailbox);
        let reply = self.ok("UID SEARCH ALL");
        let mut uids: Vec<u32> = reply
            .untagged
            .iter()
            .filter(|r| matches!(r.first(), Some(Value::Atom(a)) if a == "SEARCH"))
            .flat_map(|r| r[1..].iter().map(|v| v.number() as u32))
            .collect();
        uids.sort_unstable();
        uids
    }

    /// UIDs matching an IMAP SEARCH (`"UNSEEN"`, `"HEADER Subject x"`, ...), ascending.
    pub fn search(&mut self, mailbox: &str, criteria: &str) -> Vec<u32> {
        self.select(mailbox);
        let reply = self.ok(&format!("UID SEARCH {criteria}"));
        let mut uids: Vec<u32> = reply
            .untagged
            .iter()
            .filter(|r| matches!(r.first(), Some(Value::Atom(a)) if a == "SEARCH"))
            .flat_map(|r| r[1..].iter().map(|v| v.number() as u32))
            .collect();
        uids.sort_unstable();
        uids
    }

    /// The flags of one message (system flags with their backslash, keywords as they are),
    /// without `\Recent`, which only says which session saw the message first.
    pub fn flags(&mut self, mailbox: &str, uid: u32) -> Vec<String> {
        let items = self.fetch_one(mailbox, uid, "FLAGS");
        let flags = fetch_item(&items, "FLAGS").unwrap_or_else(|| {
            panic!("UID FETCH {uid} FLAGS in {mailbox:?}: no FLAGS in {items:?}")
        });
        flags
            .list()
            .iter()
            .map(Value::text)
            .filter(|f| !f.eq_ignore_ascii_case("\\Recent"))
            .collect()
    }

    /// `UID STORE uid OP (flags)`, with OP `+FLAGS`, `-FLAGS` or `FLAGS`.
    pub fn store(&mut self, mailbox: &str, uid: u32, op: &str, flags: &[&str]) {
        assert!(
            matches!(
                op.to_ascii_uppercase().trim_end_matches(".SILENT"),
                "+FLAGS" | "-FLAGS" | "FLAGS"
            ),
            "store: op must be +FLAGS, -FLAGS or FLAGS, not {op:?}"
        );
        self.select(mailbox);
        self.ok(&format!("UID STORE {uid} {op} ({})", flags.join(" ")));
    }

    /// Removes one message for good: `\Deleted`, then `UID EXPUNGE uid` (UIDPLUS), so other
    /// messages flagged `\Deleted` stay.
    pub fn expunge(&mut self, mailbox: &str, uid: u32) {
        self.select(mailbox);
        self.ok(&format!("UID STORE {uid} +FLAGS.SILENT (\\Deleted)"));
        self.ok(&format!("UID EXPUNGE {uid}"));
    }

    /// `UID MOVE`; returns the UID in `to` (from COPYUID).
    pub fn uid_move(&mut self, from: &str, uid: u32, to: &str) -> u32 {
        self.select(from);
        let reply = self.ok(&format!("UID MOVE {uid} {}", quote(to)));
        let code = reply.code("COPYUID").unwrap_or_else(|| {
            panic!("UID MOVE {uid} from {from:?} to {to:?}: no COPYUID (no such message?)")
        });
        parse_u32(&code[2], "COPYUID destination uid")
    }

    /// `UID COPY`; returns the UID in `to` (from COPYUID).
    pub fn uid_copy(&mut self, from: &str, uid: u32, to: &str) -> u32 {
        self.select(from);
        let reply = self.ok(&format!("UID COPY {uid} {}", quote(to)));
        let code = reply.code("COPYUID").unwrap_or_else(|| {
            panic!("UID COPY {uid} from {from:?} to {to:?}: no COPYUID (no such message?)")
        });
        parse_u32(&code[2], "COPYUID destination uid")
    }

    /// The whole message as stored (`BODY.PEEK[]`, so `\Seen` is not set).
    pub fn fetch_raw(&mut self, mailbox: &str, uid: u32) -> Vec<u8> {
        let items = self.fetch_one(mailbox, uid, "BODY.PEEK[]");
        match fetch_item(&items, "BODY[]") {
            Some(Value::Str(b)) => b.clone(),
            other => panic!("UID FETCH {uid} BODY.PEEK[] in {mailbox:?}: got {other:?}"),
        }
    }

    /// One MIME part of a message as stored, still transfer-encoded (`BODY.PEEK[section]`,
    /// e.g. `"2"` or `"1.2"`).
    pub fn fetch_section(&mut self, mailbox: &str, uid: u32, section: &str) -> Vec<u8> {
        let items = self.fetch_one(mailbox, uid, &format!("BODY.PEEK[{section}]"));
        match fetch_item(&items, &format!("BODY[{section}]")) {
            Some(Value::Str(b)) => b.clone(),
            other => panic!("UID FETCH {uid} BODY.PEEK[{section}] in {mailbox:?}: got {other:?}"),
        }
    }

    /// The INTERNALDATE of a message, as the server writes it (`"22-Nov-2026 10:00:00 +0000"`).
    /// Dovecot's Maildir keeps the instant (the file's mtime), not the zone it was given in:
    /// the stack answers in UTC.
    pub fn internal_date(&mut self, mailbox: &str, uid: u32) -> String {
        let items = self.fetch_one(mailbox, uid, "INTERNALDATE");
        fetch_item(&items, "INTERNALDATE")
            .map(Value::text)
            .unwrap_or_else(|| panic!("UID FETCH {uid} INTERNALDATE in {mailbox:?}: {items:?}"))
    }

    /// The MODSEQ of a message (CONDSTORE).
    pub fn modseq(&mut self, mailbox: &str, uid: u32) -> u64 {
        let items = self.fetch_one(mailbox, uid, "MODSEQ");
        let v = fetch_item(&items, "MODSEQ")
            .unwrap_or_else(|| panic!("UID FETCH {uid} MODSEQ in {mailbox:?}: {items:?}"));
        v.list()[0].number()
    }

    // --- commands on mailboxes -------------------------------------------------------------

    pub fn create(&mut self, name: &str) {
        self.ok(&format!("CREATE {}", quote(name)));
    }

    pub fn rename(&mut self, from: &str, to: &str) {
        self.unselect_if(from);
        self.ok(&format!("RENAME {} {}", quote(from), quote(to)));
    }

    pub fn delete(&mut self, name: &str) {
        self.unselect_if(name);
        self.ok(&format!("DELETE {}", quote(name)));
    }

    pub fn subscribe(&mut self, name: &str) {
        self.ok(&format!("SUBSCRIBE {}", quote(name)));
    }

    pub fn unsubscribe(&mut self, name: &str) {
        self.ok(&format!("UNSUBSCRIBE {}", quote(name)));
    }

    /// Every mailbox's wire name (`LIST "" "*"`), in the server's order.
    pub fn list(&mut self) -> Vec<String> {
        self.list_with_attributes()
            .into_iter()
            .map(|(name, _)| name)
            .collect()
    }

    /// Every mailbox with its attributes (`\HasNoChildren`, `\Sent`, ...), from
    /// `LIST "" "*" RETURN (SPECIAL-USE)`.
    pub fn list_with_attributes(&mut self) -> Vec<(String, Vec<String>)> {
        let reply = self.ok("LIST \"\" \"*\" RETURN (SPECIAL-USE)");
        reply
            .untagged
            .iter()
            .filter(|r| matches!(r.first(), Some(Value::Atom(a)) if a == "LIST"))
            .map(|r| {
                let attrs = r[1].list().iter().map(Value::text).collect();
                (r[3].text(), attrs)
            })
            .collect()
    }

    /// `STATUS (MESSAGES UIDNEXT UIDVALIDITY HIGHESTMODSEQ)`.
    pub fn status(&mut self, mailbox: &str) -> StatusCounts {
        let reply = self.ok(&format!(
            "STATUS {} (MESSAGES UIDNEXT UIDVALIDITY HIGHESTMODSEQ)",
            quote(mailbox)
        ));
        let r = reply
            .untagged
            .iter()
            .find(|r| matches!(r.first(), Some(Value::Atom(a)) if a == "STATUS"))
            .unwrap_or_else(|| panic!("STATUS {mailbox:?}: no STATUS response"));
        let items = r.last().expect("STATUS response has its attributes").list();
        let get = |name: &str| -> u64 {
            items
                .chunks(2)
                .find(|kv| kv[0].text().eq_ignore_ascii_case(name))
                .map(|kv| kv[1].number())
                .unwrap_or_else(|| panic!("STATUS {mailbox:?}: no {name} in {items:?}"))
        };
        (
            get("MESSAGES") as u32,
            get("UIDNEXT") as u32,
            get("UIDVALIDITY") as u32,
            get("HIGHESTMODSEQ"),
        )
    }

    /// Gives a mailbox a new UIDVALIDITY, as a server may after losing its index: copies every
    /// message (raw, flags, internal date) out, DELETEs and re-CREATEs the mailbox under the
    /// same name (Dovecot allocates a new UIDVALIDITY for it), re-subscribes it when it was
    /// subscribed, and appends the messages back in their old order. Not for INBOX, which cannot
    /// be deleted. Panics when the UIDVALIDITY does not change.
    pub fn change_uid_validity(&mut self, mailbox: &str) -> UidValidityChange {
        assert!(
            !mailbox.eq_ignore_ascii_case("INBOX"),
            "change_uid_validity: INBOX cannot be deleted and re-created"
        );
        let (_, _, old_validity, _) = self.status(mailbox);
        let subscribed = {
            let reply = self.ok(&format!("LSUB \"\" {}", quote(mailbox)));
            reply
                .untagged
                .iter()
                .any(|r| matches!(r.first(), Some(Value::Atom(a)) if a == "LSUB"))
        };
        let mut saved = Vec::new();
        for uid in self.uids(mailbox) {
            let items = self.fetch_one(mailbox, uid, "(FLAGS INTERNALDATE BODY.PEEK[])");
            let flags: Vec<String> = fetch_item(&items, "FLAGS")
                .expect("FLAGS")
                .list()
                .iter()
                .map(Value::text)
                .filter(|f| !f.eq_ignore_ascii_case("\\Recent"))
                .collect();
            let date = fetch_item(&items, "INTERNALDATE")
                .expect("INTERNALDATE")
                .text();
            let raw = match fetch_item(&items, "BODY[]") {
                Some(Value::Str(b)) => b.clone(),
                other => panic!("BODY[] of {uid}: {other:?}"),
            };
            saved.push((uid, flags, date, raw));
        }
        self.delete(mailbox);
        self.create(mailbox);
        if subscribed {
            self.subscribe(mailbox);
        }
        let mut uids = Vec::new();
        for (old_uid, flags, date, raw) in saved {
            let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
            let new_uid = self.append(mailbox, &raw, &flags, Some(&date));
            uids.push((old_uid, new_uid));
        }
        let (_, _, new_validity, _) = self.status(mailbox);
        assert_ne!(
            old_validity, new_validity,
            "re-creating {mailbox:?} did not change its UIDVALIDITY"
        );
        UidValidityChange {
            old_uid_validity: old_validity,
            new_uid_validity: new_validity,
            uids,
        }
    }

    /// SELECTs a mailbox (or NOOPs when it is selected, to see other sessions' changes);
    /// returns the message count.
    pub fn select(&mut self, mailbox: &str) -> u32 {
        let reply = if self.selected.as_deref() == Some(mailbox) {
            self.ok("NOOP")
        } else {
            self.selected = None;
            let reply = self.ok(&format!("SELECT {}", quote(mailbox)));
            self.selected = Some(mailbox.to_owned());
            reply
        };
        // The last EXISTS is the current count; after a NOOP there may be none.
        match reply
            .untagged
            .iter()
            .rev()
            .find(|r| matches!(r.get(1), Some(Value::Atom(a)) if a == "EXISTS"))
        {
            Some(r) => r[0].number() as u32,
            None => self.status(mailbox).0,
        }
    }

    /// Closes the selected mailbox (without expunging), so it can be renamed or deleted.
    pub fn unselect(&mut self) {
        if self.selected.take().is_some() {
            self.ok("UNSELECT");
        }
    }

    fn unselect_if(&mut self, mailbox: &str) {
        if self.selected.as_deref() == Some(mailbox) {
            self.unselect();
        }
    }

    pub fn noop(&mut self) {
        self.ok("NOOP");
    }

    /// Logs out and closes the connection.
    pub fn logout(mut self) {
        let _ = self.run("LOGOUT");
        self.closed = true;
    }

    // --- the protocol ----------------------------------------------------------------------

    /// Runs a command (without its tag); panics unless the reply is OK.
    pub fn ok(&mut self, command: &str) -> Reply {
        let reply = self.run(command);
        if reply.status != "OK" {
            panic!(
                "IMAP ({}) `{}` failed: {} {}",
                self.user,
                redact(command),
                reply.status,
                reply.text
            );
        }
        reply
    }

    /// Runs a command (without its tag) and returns the reply, whatever its status.
    pub fn run(&mut self, command: &str) -> Reply {
        let tag = self.tag();
        self.send(format!("{tag} {command}\r\n").as_bytes());
        self.read_reply(&tag, command)
    }

    /// A command whose last argument is a literal: sends `{n}`, waits for the continuation,
    /// sends the bytes. Panics unless the reply is OK.
    fn ok_with_literal(&mut self, command: &str, literal: &[u8]) -> Reply {
        let tag = self.tag();
        self.send(format!("{tag} {command} {{{}}}\r\n", literal.len()).as_bytes());
        let line = self.read_response();
        if !line.starts_with(b"+") {
            panic!(
                "IMAP `{command}`: no continuation for the literal: {}",
                String::from_utf8_lossy(&line)
            );
        }
        self.send(literal);
        self.send(b"\r\n");
        let reply = self.read_reply(&tag, command);
        if reply.status != "OK" {
            panic!(
                "IMAP ({}) `{command} {{{}}}` failed: {} {}",
                self.user,
                literal.len(),
                reply.status,
                reply.text
            );
        }
        reply
    }

    fn fetch_one(&mut self, mailbox: &str, uid: u32, items: &str) -> Vec<Value> {
        self.select(mailbox);
        let reply = self.ok(&format!("UID FETCH {uid} {items}"));
        // `* n FETCH (... UID uid ...)`; other FETCH responses (flag changes by other sessions)
        // may come too.
        reply
            .untagged
            .into_iter()
            .filter(|r| matches!(r.get(1), Some(Value::Atom(a)) if a == "FETCH"))
            .map(|mut r| match r.pop() {
                Some(Value::List(l)) => l,
                other => panic!("malformed FETCH response: {other:?}"),
            })
            .find(|l| fetch_item(l, "UID").is_some_and(|v| v.number() == u64::from(uid)))
            .unwrap_or_else(|| panic!("UID FETCH {uid} {items} in {mailbox:?}: no such message"))
    }

    fn tag(&mut self) -> String {
        let tag = format!("T{}", self.next_tag);
        self.next_tag += 1;
        tag
    }

    fn send(&mut self, bytes: &[u8]) {
        self.writer
            .write_all(bytes)
            .unwrap_or_else(|e| panic!("IMAP write failed: {e}"));
    }

    fn read_reply(&mut self, tag: &str, command: &str) -> Reply {
        let mut untagged = Vec::new();
        loop {
            let resp = self.read_response();
            if let Some(rest) = resp.strip_prefix(b"* ") {
                untagged.push(parse_values(rest));
            } else if resp.starts_with(b"+") {
                panic!(
                    "IMAP `{}`: unexpected continuation request",
                    redact(command)
                );
            } else if let Some(rest) = resp
                .strip_prefix(tag.as_bytes())
                .and_then(|r| r.strip_prefix(b" "))
            {
                let line = String::from_utf8_lossy(rest).trim_end().to_owned();
                let (status, text) = line.split_once(' ').unwrap_or((&line, ""));
                return Reply {
                    untagged,
                    status: status.to_ascii_uppercase(),
                    text: text.to_owned(),
                };
            } else {
                panic!(
                    "IMAP `{}`: unexpected response {}",
                    redact(command),
                    String::from_utf8_lossy(&resp)
                );
            }
        }
    }

    /// One whole response: a line, with every `{n}` literal it announces and the rest of the
    /// line after each. The literals stay in place (`{n}\r\n<bytes>`); the final CRLF is
    /// removed.
    fn read_response(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        loop {
            let start = out.len();
            let n = self
                .reader
                .read_until(b'\n', &mut out)
                .unwrap_or_else(|e| panic!("IMAP read failed: {e}"));
            if n == 0 {
                panic!(
                    "IMAP connection closed by the server; so far: {}",
                    String::from_utf8_lossy(&out)
                );
            }
            let line = &out[start..];
            match literal_length(line) {
                Some(len) => {
                    let at = out.len();
                    out.resize(at + len, 0);
                    self.reader
                        .read_exact(&mut out[at..])
                        .unwrap_or_else(|e| panic!("IMAP literal read failed: {e}"));
                }
                None => {
                    while out.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                        out.pop();
                    }
                    return out;
                }
            }
        }
    }
}

impl Drop for Imap {
    fn drop(&mut self) {
        // Polite, best effort: a LOGOUT without waiting for the reply.
        if !self.closed {
            let _ = self.writer.write_all(b"X LOGOUT\r\n");
        }
    }
}

/// The length announced by a line ending in `{n}` or `{n+}` (CRLF included in `line`).
fn literal_length(line: &[u8]) -> Option<usize> {
    let line = line.strip_suffix(b"\n")?;
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let line = line.strip_suffix(b"}")?;
    let open = line.iter().rposition(|b| *b == b'{')?;
    let digits = &line[open + 1..];
    let digits = digits.strip_suffix(b"+").unwrap_or(digits);
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// Parses the values of a response (after `* `): atoms, quoted strings, literals and
/// parenthesised lists. Atoms may contain `[...]` sections (`BODY[]`, `[UIDNEXT 5]`).
pub fn parse_values(input: &[u8]) -> Vec<Value> {
    let mut pos = 0;
    parse_list_items(input, &mut pos, false)
}

fn parse_list_items(input: &[u8], pos: &mut usize, nested: bool) -> Vec<Value> {
    let mut items = Vec::new();
    loop {
        while *pos < input.len() && input[*pos] == b' ' {
            *pos += 1;
        }
        if *pos >= input.len() {
            assert!(
                !nested,
                "unterminated list in {}",
                String::from_utf8_lossy(input)
            );
            return items;
        }
        match input[*pos] {
            b')' if nested => {
                *pos += 1;
                return items;
            }
            b'(' => {
                *pos += 1;
                items.push(Value::List(parse_list_items(input, pos, true)));
            }
            b'"' => {
                *pos += 1;
                let mut s = Vec::new();
                while *pos < input.len() && input[*pos] != b'"' {
                    if input[*pos] == b'\\' && *pos + 1 < input.len() {
                        *pos += 1;
                    }
                    s.push(input[*pos]);
                    *pos += 1;
                }
                *pos += 1;
                items.push(Value::Str(s));
            }
            b'{' => {
                let close = input[*pos..]
                    .iter()
                    .position(|b| *b == b'}')
                    .map(|i| *pos + i)
                    .expect("literal length is closed");
                let digits = String::from_utf8_lossy(&input[*pos + 1..close]);
                let len: usize = digits
                    .trim_end_matches('+')
                    .parse()
                    .expect("literal length");
                // `}` CRLF, then the bytes.
                let start = close + 3;
                items.push(Value::Str(input[start..start + len].to_vec()));
                *pos = start + len;
            }
            _ => {
                let start = *pos;
                let mut depth = 0;
                while *pos < input.len() {
                    match input[*pos] {
                        b'[' => depth += 1,
                        b']' => depth -= 1,
                        b' ' | b'(' | b')' if depth == 0 => break,
                        _ => {}
                    }
                    *pos += 1;
                }
                items.push(Value::Atom(
                    String::from_utf8_lossy(&input[start..*pos]).into_owned(),
                ));
            }
        }
    }
}

/// The value after `name` in a FETCH item list (`UID 5 FLAGS (...)`).
fn fetch_item<'a>(items: &'a [Value], name: &str) -> Option<&'a Value> {
    items
        .chunks(2)
        .find(|kv| matches!(&kv[0], Value::Atom(a) if a.eq_ignore_ascii_case(name)))
        .and_then(|kv| kv.get(1))
}

/// A quoted string; panics on CR, LF or NUL (which need a literal).
pub fn quote(s: &str) -> String {
    assert!(
        !s.contains(['\r', '\n', '\0']),
        "{s:?} cannot be a quoted string"
    );
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn parse_u32(s: &str, what: &str) -> u32 {
    s.parse()
        .unwrap_or_else(|_| panic!("{what}: {s:?} is not a number"))
}

/// The command with a LOGIN password blanked, for messages.
fn redact(command: &str) -> String {
    if command.to_ascii_uppercase().starts_with("LOGIN ") {
        "LOGIN ...".to_owned()
    } else {
        command.to_owned()
    }
}

/// A mailbox name in IMAP's modified UTF-7 (RFC 3501 5.1.3): printable ASCII as is (`&` as
/// `&-`), anything else as `&` + modified base64 of UTF-16BE + `-`.
pub fn mutf7_encode(name: &str) -> String {
    use base64::Engine as _;
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::IMAP_MUTF7,
        base64::engine::general_purpose::NO_PAD,
    );
    let mut out = String::new();
    let mut pending: Vec<u16> = Vec::new();
    let flush = |pending: &mut Vec<u16>, out: &mut String| {
        if !pending.is_empty() {
            let bytes: Vec<u8> = pending.iter().flat_map(|u| u.to_be_bytes()).collect();
            out.push('&');
            out.push_str(&engine.encode(bytes));
            out.push('-');
            pending.clear();
        }
    };
    for c in name.chars() {
        if (' '..='~').contains(&c) {
            flush(&mut pending, &mut out);
            if c == '&' {
                out.push_str("&-");
            } else {
                out.push(c);
            }
        } else {
            let mut buf = [0u16; 2];
            pending.extend_from_slice(c.encode_utf16(&mut buf));
        }
    }
    flush(&mut pending, &mut out);
    out
}

/// The reverse of [`mutf7_encode`]; panics on malformed input.
pub fn mutf7_decode(wire: &str) -> String {
    use base64::Engine as _;
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::IMAP_MUTF7,
        base64::engine::general_purpose::NO_PAD,
    );
    let mut out = String::new();
    let mut rest = wire;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let dash = after
            .find('-')
            .unwrap_or_else(|| panic!("unterminated &-shift in {wire:?}"));
        if dash == 0 {
            out.push('&');
        } else {
            let bytes = engine
                .decode(&after[..dash])
                .unwrap_or_else(|e| panic!("bad modified base64 in {wire:?}: {e}"));
            let units: Vec<u16> = bytes
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
                .collect();
            out.push_str(
                &String::from_utf16(&units)
                    .unwrap_or_else(|e| panic!("bad UTF-16 in {wire:?}: {e}")),
            );
        }
        rest = &after[dash + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_with_literals_and_sections_are_parsed() {
        let v = parse_values(b"12 FETCH (UID 7 FLAGS (\\Seen $Forwarded) BODY[] {5}\r\nab)c\r)");
        assert_eq!(v[0], Value::Atom("12".into()));
        let items = v[2].list();
        assert_eq!(fetch_item(items, "UID"), Some(&Value::Atom("7".into())));
        assert_eq!(
            fetch_item(items, "FLAGS"),
            Some(&Value::List(vec![
                Value::Atom("\\Seen".into()),
                Value::Atom("$Forwarded".into())
            ]))
        );
        assert_eq!(
            fetch_item(items, "BODY[]"),
            Some(&Value::Str(b"ab)c\r".to_vec()))
        );
        let v = parse_values(b"LIST (\\HasNoChildren) \"/\" \"a \\\"b\\\"\"");
        assert_eq!(v[3], Value::Str(b"a \"b\"".to_vec()));
        let v = parse_values(b"OK [UIDNEXT 5] Predicted next UID");
        assert_eq!(v[1], Value::Atom("[UIDNEXT 5]".into()));
    }

    #[test]
    fn literal_lengths_are_found_at_line_ends() {
        assert_eq!(literal_length(b"* 1 FETCH (BODY[] {12}\r\n"), Some(12));
        assert_eq!(literal_length(b"A APPEND x {3+}\r\n"), Some(3));
        assert_eq!(literal_length(b"* OK done\r\n"), None);
    }

    #[test]
    fn response_codes_are_read_from_the_tagged_line() {
        let r = Reply {
            untagged: vec![parse_values(b"OK [COPYUID 9 1:2 5:6] Moved")],
            status: "OK".into(),
            text: "[APPENDUID 1700000000 42] Append completed.".into(),
        };
        assert_eq!(
            r.code("APPENDUID"),
            Some(vec!["1700000000".into(), "42".into()])
        );
        assert_eq!(
            r.code("COPYUID"),
            Some(vec!["9".into(), "1:2".into(), "5:6".into()])
        );
    }

    #[test]
    fn modified_utf7_round_trips() {
        assert_eq!(mutf7_encode("Entwürfe"), "Entw&APw-rfe");
        assert_eq!(mutf7_encode("A&B"), "A&-B");
        assert_eq!(mutf7_encode("日本語"), "&ZeVnLIqe-");
        for s in ["Entwürfe", "A&B", "日本語", "x/Ünter/y", "😀"] {
            assert_eq!(mutf7_decode(&mutf7_encode(s)), s);
        }
    }
}
