//! Drops the extended data of LIST and LSUB responses (RFC 5258
//! `mbox-list-extended`) from the bytes the server sends, before async-imap's
//! parser sees them.
//!
//! imap-proto 0.17 parses `* LIST (flags) "/" name` and nothing after the
//! name, and a response it cannot parse ends the session (it stays in
//! async-imap's buffer). Servers add extended data in two cases:
//!
//! - NOTIFY's MailboxName event for a rename (RFC 5465 §5.4): Dovecot 2.3
//!   sends `* LIST () "/" New2 ("OLDNAME" (New1))`.
//! - LIST-EXTENDED's CHILDINFO (RFC 5258 §3.5), when a LIST asks for
//!   RECURSIVEMATCH: `* LIST () "/" a ("CHILDINFO" ("SUBSCRIBED"))`.
//!
//! Neither is needed here (the watcher LISTs again on any unsolicited LIST;
//! this crate never asks for RECURSIVEMATCH), so the response is passed on
//! without its extended data: `* LIST () "/" New2`.
//!
//! To find LIST responses the byte stream is framed as IMAP frames it: lines,
//! and literals announced by `{n}` at a line's end (not in `+` lines and
//! status responses, whose text is free: imap-proto reads no literal there
//! either). Literal bytes (message bodies) pass untouched. A LIST or LSUB
//! response is held until complete (its line and literals), then rewritten;
//! every other line is passed on when its CRLF came (async-imap cannot parse
//! a response before that anyway), or in pieces when it is long.

/// A LIST or LSUB response longer than this is passed on as it is.
const MAX_HELD: usize = 64 * 1024;
/// A line longer than this is passed on in pieces (all but its last
/// [`TAIL`] bytes), so that memory is not held twice for long lines.
const LONG_LINE: usize = 64 * 1024;
/// Enough of a line's end to see a literal's announcement (`~{n}\r\n`).
const TAIL: usize = 32;

/// What the first line of a response is, for framing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `+ ...`, `* OK ...`, `tag NO ...`: free text, no literals.
    Text,
    /// `* LIST ...` or `* LSUB ...`: held and rewritten.
    List,
    /// Anything else: a `{n}` at a line's end announces a literal.
    Other,
}

/// The rewriting state of one connection's incoming bytes. Feed it what the
/// server sent, in any pieces; it appends what async-imap should read.
#[derive(Debug, Default)]
pub(crate) struct ListFilter {
    /// The current line, from its start or (with `kind` set) from where
    /// it was last passed on.
    line: Vec<u8>,
    /// The current line's kind, once part of it has been passed on.
    kind: Option<Kind>,
    /// The current line continues a response after a literal.
    continued: bool,
    /// Literal bytes still to come.
    literal: u64,
    /// A LIST or LSUB response held until complete.
    held: Option<Vec<u8>>,
}

impl ListFilter {
    /// Takes `input` (the next bytes from the server) and appends to `out`
    /// what can be passed on.
    pub(crate) fn feed(&mut self, mut input: &[u8], out: &mut Vec<u8>) {
        while !input.is_empty() {
            if self.literal > 0 {
                let n = usize::try_from(self.literal)
                    .unwrap_or(usize::MAX)
                    .min(input.len());
                self.pass(&input[..n], out);
                self.literal -= n as u64;
                input = &input[n..];
                continue;
            }
            match input.iter().position(|b| *b == b'\n') {
                Some(i) => {
                    self.line.extend_from_slice(&input[..=i]);
                    input = &input[i + 1..];
                    self.end_line(out);
                }
                None => {
                    self.line.extend_from_slice(input);
                    input = &[];
                    self.long_line(out);
                }
            }
        }
    }

    /// The stream ended: whatever is held is passed on as it is.
    pub(crate) fn finish(&mut self, out: &mut Vec<u8>) {
        if let Some(held) = self.held.take() {
            out.extend_from_slice(&held);
        }
        out.append(&mut self.line);
        *self = Self::default();
    }

    /// Literal bytes: into the held response, or on.
    fn pass(&mut self, bytes: &[u8], out: &mut Vec<u8>) {
        match &mut self.held {
            Some(held) => {
                held.extend_from_slice(bytes);
                self.check_held(out);
            }
            None => out.extend_from_slice(bytes),
        }
    }

    /// A held response that grew too long is given up on: passed on as it is.
    fn check_held(&mut self, out: &mut Vec<u8>) {
        if self.held.as_ref().is_some_and(|h| h.len() > MAX_HELD)
            && let Some(held) = self.held.take()
        {
            out.extend_from_slice(&held);
        }
    }

    /// The kind of the current line: a continuation line frames like
    /// [`Kind::Other`] (its response is held or not already).
    fn kind(&self) -> Kind {
        match self.kind {
            Some(k) => k,
            None if self.continued => Kind::Other,
            None => classify(&self.line),
        }
    }

    /// The current line has no end yet: when long, pass most of it on.
    fn long_line(&mut self, out: &mut Vec<u8>) {
        if self.line.len() <= LONG_LINE {
            return;
        }
        let kind = self.kind();
        if let Some(held) = self.held.take() {
            out.extend_from_slice(&held);
        }
        self.kind = Some(if kind == Kind::List {
            Kind::Other
        } else {
            kind
        });
        let keep = self.line.len() - TAIL;
        out.extend_from_slice(&self.line[..keep]);
        self.line.drain(..keep);
    }

    /// The current line ended (its LF is in it).
    fn end_line(&mut self, out: &mut Vec<u8>) {
        let kind = self.kind();
        self.kind = None;
        let literal = match kind {
            Kind::Text => None,
            _ => literal_at_end(&self.line),
        };
        if kind == Kind::List && !self.continued {
            self.held = Some(Vec::new());
        }
        match &mut self.held {
            Some(held) => held.append(&mut self.line),
            None => out.append(&mut self.line),
        }
        match literal {
            Some(n) => {
                self.literal = n;
                self.continued = true;
                self.check_held(out);
            }
            None => {
                self.continued = false;
                if let Some(held) = self.held.take() {
                    let kept = without_extended_data(&held);
                    out.extend_from_slice(kept);
                    if kept.len() < held.len() {
                        out.extend_from_slice(b"\r\n");
                    }
                }
            }
        }
    }
}

/// The kind of a response's first line, from its first two words.
fn classify(line: &[u8]) -> Kind {
    if line.starts_with(b"+") {
        return Kind::Text;
    }
    let mut words = line.splitn(3, |b| *b == b' ');
    let first = words.next().unwrap_or_default();
    let second = words.next().unwrap_or_default();
    let second = second.strip_suffix(b"\r\n").unwrap_or(second);
    let is = |w: &[u8]| second.eq_ignore_ascii_case(w);
    if first == b"*" && (is(b"LIST") || is(b"LSUB")) && words.next().is_some() {
        Kind::List
    } else if is(b"OK") || is(b"NO") || is(b"BAD") || is(b"BYE") || is(b"PREAUTH") {
        Kind::Text
    } else {
        Kind::Other
    }
}

/// The length of the literal a line announces at its end (`{n}\r\n`,
/// `~{n}\r\n`).
fn literal_at_end(line: &[u8]) -> Option<u64> {
    let rest = line.strip_suffix(b"}\r\n")?;
    let open = rest.iter().rposition(|b| *b == b'{')?;
    let digits = &rest[open + 1..];
    let digits = digits.strip_suffix(b"+").unwrap_or(digits);
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// A complete LIST or LSUB response (its literals in it) up to the end of
/// its mailbox name, when extended data follows (` (...)` before the final
/// CRLF); else all of it. `* LIST (flags) delimiter mailbox`, RFC 3501
/// §7.2.2 and RFC 5258 §9: flags are atoms, the delimiter a quoted
/// character or NIL, the name an atom, a quoted string or a literal.
fn without_extended_data(resp: &[u8]) -> &[u8] {
    match extended_data_at(resp) {
        Some(at) => &resp[..at],
        None => resp,
    }
}

fn extended_data_at(resp: &[u8]) -> Option<usize> {
    // "* LIST " and "* LSUB " (`classify` checked the words).
    let mut p = 7;
    let at = |p: usize| resp.get(p).copied();
    if at(p)? != b'(' {
        return None;
    }
    p += resp[p..]
        .iter()
        .position(|b| matches!(b, b')' | b'\r' | b'"'))?;
    if at(p)? != b')' {
        return None;
    }
    p += 1;
    if at(p)? != b' ' {
        return None;
    }
    p += 1;
    // The delimiter.
    match at(p)? {
        b'"' => {
            p += if at(p + 1)? == b'\\' { 2 } else { 1 };
            at(p)?;
            p += 1;
            if at(p)? != b'"' {
                return None;
            }
            p += 1;
        }
        b'N' | b'n' if resp.get(p..p + 3)?.eq_ignore_ascii_case(b"NIL") => p += 3,
        _ => return None,
    }
    if at(p)? != b' ' {
        return None;
    }
    p += 1;
    // The mailbox name.
    match at(p)? {
        b'"' => {
            p += 1;
            loop {
                match at(p)? {
                    b'\\' => p += 2,
                    b'"' => break,
                    b'\r' | b'\n' => return None,
                    _ => p += 1,
                }
            }
            p += 1;
        }
        b'{' => {
            let close = p + resp[p..].iter().position(|b| *b == b'}')?;
            if resp.get(close + 1..close + 3)? != b"\r\n" {
                return None;
            }
            let n = literal_at_end(&resp[p..close + 3])?;
            p = (close + 3).checked_add(usize::try_from(n).ok()?)?;
        }
        _ => {
            let len = resp[p..]
                .iter()
                .position(|b| matches!(b, b' ' | b'\r' | b'\n' | b'(' | b')'))?;
            if len == 0 {
                return None;
            }
            p += len;
        }
    }
    let rest = resp.get(p..)?;
    (rest.starts_with(b" (") && rest.ends_with(b")\r\n")).then_some(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_imap::imap_proto::{MailboxDatum, Response};

    /// Everything fed at once, the output.
    fn filtered(input: &[u8]) -> Vec<u8> {
        let mut f = ListFilter::default();
        let mut out = Vec::new();
        f.feed(input, &mut out);
        f.finish(&mut out);
        out
    }

    /// The same output whatever the pieces: one byte at a time, and split
    /// in two at every position.
    fn filtered_in_pieces(input: &[u8]) -> Vec<u8> {
        let whole = filtered(input);
        let mut f = ListFilter::default();
        let mut out = Vec::new();
        for b in input {
            f.feed(std::slice::from_ref(b), &mut out);
        }
        f.finish(&mut out);
        assert_eq!(
            String::from_utf8_lossy(&out),
            String::from_utf8_lossy(&whole)
        );
        for split in 0..=input.len() {
            let mut f = ListFilter::default();
            let mut out = Vec::new();
            f.feed(&input[..split], &mut out);
            f.feed(&input[split..], &mut out);
            f.finish(&mut out);
            assert_eq!(out, whole, "split at {split}");
        }
        whole
    }

    /// The (unescaped by hand) mailbox names of the LIST responses imap-proto
    /// parses from `bytes`, which must parse to the end.
    fn listed(mut bytes: &[u8]) -> Vec<String> {
        let mut names = Vec::new();
        while !bytes.is_empty() {
            let (rest, resp) = Response::parse(bytes)
                .unwrap_or_else(|e| panic!("{e:?}: {:?}", String::from_utf8_lossy(bytes)));
            if let Response::MailboxData(MailboxDatum::List(l)) = resp {
                names.push(l.name.to_string());
            }
            bytes = rest;
        }
        names
    }

    #[test]
    fn oldname_as_dovecot_sends_it_is_dropped() {
        // Bytes from Dovecot 2.3.19 (NOTIFY MailboxName, RENAME from another session).
        let cases: [(&[u8], &[u8]); 4] = [
            (
                b"* LIST () \"/\" New2 (\"OLDNAME\" (New1))\r\n",
                b"* LIST () \"/\" New2\r\n",
            ),
            (
                b"* LIST () \"/\" \"sp ace2\" (\"OLDNAME\" (\"sp ace\"))\r\n",
                b"* LIST () \"/\" \"sp ace2\"\r\n",
            ),
            (
                b"* LIST () \"/\" qx2 (\"OLDNAME\" (\"q\\\"x\"))\r\n",
                b"* LIST () \"/\" qx2\r\n",
            ),
            (
                b"* list (\\Subscribed) NIL \"a\\\\(b\" (\"OLDNAME\" (x))\r\n",
                b"* list (\\Subscribed) NIL \"a\\\\(b\"\r\n",
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(
                String::from_utf8_lossy(&filtered_in_pieces(input)),
                String::from_utf8_lossy(expected)
            );
        }
        assert!(
            Response::parse(cases[0].0).is_err(),
            "imap-proto still cannot"
        );
        assert_eq!(listed(&filtered(cases[0].0)), ["New2"]);
    }

    #[test]
    fn literal_names_and_literals_in_extended_data() {
        // The new name as a literal (with a space, a parenthesis and a CRLF-like "{1}").
        let input = b"* LIST () \"/\" {9}\r\nn (e{1}w) (\"OLDNAME\" ({3}\r\no)d))\r\n\
                      * LSUB () \"/\" {3}\r\nabc\r\n";
        let out = filtered_in_pieces(input);
        assert_eq!(
            String::from_utf8_lossy(&out),
            "* LIST () \"/\" {9}\r\nn (e{1}w)\r\n* LSUB () \"/\" {3}\r\nabc\r\n"
        );
        assert_eq!(listed(&out), ["n (e{1}w)", "abc"]);
        // A zero-length literal.
        assert_eq!(
            filtered_in_pieces(b"* LIST () \"/\" {0}\r\n (\"OLDNAME\" (a))\r\n"),
            b"* LIST () \"/\" {0}\r\n\r\n"
        );
    }

    #[test]
    fn childinfo_is_dropped_and_plain_lists_are_untouched() {
        let input = b"* LIST () \"/\" a (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n\
                      * LIST (\\Subscribed \\HasNoChildren) \"/\" Sent\r\n\
                      * LIST (\\NonExistent) \"/\" New3\r\n\
                      * LIST (\\Noselect) \"/\" \"x (y)\"\r\n\
                      ag4 OK List completed\r\n";
        let out = filtered_in_pieces(input);
        assert_eq!(
            String::from_utf8_lossy(&out),
            "* LIST () \"/\" a\r\n\
             * LIST (\\Subscribed \\HasNoChildren) \"/\" Sent\r\n\
             * LIST (\\NonExistent) \"/\" New3\r\n\
             * LIST (\\Noselect) \"/\" \"x (y)\"\r\n\
             ag4 OK List completed\r\n"
        );
        assert_eq!(listed(&out), ["a", "Sent", "New3", "x (y)"]);
    }

    #[test]
    fn literals_of_other_responses_pass_untouched() {
        // A message body that looks like a LIST response, then a real one.
        let body = "x\r\n* LIST () \"/\" a (\"OLDNAME\" (b))\r\n";
        let fetch = format!(
            "* 1 FETCH (UID 5 BODY[] {{{}}}\r\n{body} FLAGS (\\Seen))\r\n",
            body.len()
        );
        let input = format!("{fetch}* LIST () \"/\" c (\"OLDNAME\" (d))\r\n");
        let out = filtered_in_pieces(input.as_bytes());
        let expected = format!("{fetch}* LIST () \"/\" c\r\n");
        assert_eq!(String::from_utf8_lossy(&out), expected);
        assert_eq!(listed(&out), ["c"]);
    }

    #[test]
    fn status_text_announces_no_literal() {
        // imap-proto reads "{5}" here as text: so does the filter.
        let input = b"* OK [ALERT] see {5}\r\n* LIST () \"/\" a (\"OLDNAME\" (b))\r\n\
                      + go on {3}\r\n* LIST () \"/\" c (\"OLDNAME\" (d))\r\n";
        assert_eq!(
            String::from_utf8_lossy(&filtered_in_pieces(input)),
            "* OK [ALERT] see {5}\r\n* LIST () \"/\" a\r\n+ go on {3}\r\n* LIST () \"/\" c\r\n"
        );
    }

    #[test]
    fn what_is_not_understood_passes_as_it_is() {
        for input in [
            &b"* LIST () \"/\" a junk\r\n"[..],
            b"* LIST () \"/\" a (\"OLDNAME\" (b\r\n",
            b"* LIST \"/\" a (x)\r\n",
            b"* LIST\r\n",
            b"* LIST () \"/\" \"unterminated (x)\r\n",
            b"* LISTING () \"/\" a (x)\r\n",
        ] {
            assert_eq!(filtered_in_pieces(input), input);
        }
        // An incomplete response at the end of the stream.
        assert_eq!(
            filtered(b"* LIST () \"/\" {5}\r\nab"),
            b"* LIST () \"/\" {5}\r\nab"
        );
    }

    #[test]
    fn long_lines_and_long_lists_pass_on_in_pieces() {
        let mut f = ListFilter::default();
        let mut out = Vec::new();
        let mut line = b"* SEARCH".to_vec();
        while line.len() < 3 * LONG_LINE {
            line.extend_from_slice(b" 123456");
        }
        f.feed(&line, &mut out);
        assert!(out.len() >= line.len() - TAIL, "passed on before its end");
        f.feed(b" {3}\r\nabc\r\n* LIST () \"/\" a (x)\r\n", &mut out);
        f.finish(&mut out);
        assert!(out.ends_with(b" {3}\r\nabc\r\n* LIST () \"/\" a\r\n"));
        // A LIST response with a huge literal is given up on (passed as it is).
        let mut input = format!("* LIST () \"/\" {{{}}}\r\n", 2 * MAX_HELD).into_bytes();
        input.extend(std::iter::repeat_n(b'a', 2 * MAX_HELD));
        input.extend_from_slice(b" (x)\r\n");
        assert_eq!(filtered(&input), input);
    }
}
