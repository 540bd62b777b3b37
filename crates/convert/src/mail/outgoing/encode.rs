//! The strict writers of outgoing mail: quoted-printable and base64 bodies, RFC 2047 words,
//! RFC 2231 parameters, folded header fields, addresses, and multipart bodies built of
//! [`Piece`]s with deterministic boundaries.

use base64::Engine;

use super::{OriginalPart, Piece};
use crate::mail::headers::Address;

/// Lines of encoded output are kept to this many characters (RFC 2045).
const MAX_LINE: usize = 76;

/// Quoted-printable (RFC 2045 6.7) of UTF-8 text: line ends become CRLF, lines are at most 76
/// characters, `=`, control and 8-bit bytes and trailing blanks are escaped.
pub(crate) fn quoted_printable(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + text.len() / 8);
    let lines: Vec<&str> = text.split('\n').collect();
    for (i, line) in lines.iter().enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line).as_bytes();
        let mut len = 0;
        for (j, &b) in line.iter().enumerate() {
            let last = j + 1 == line.len();
            let literal = match b {
                b' ' | b'\t' => !last,
                b'=' => false,
                33..=126 => true,
                _ => false,
            };
            let width = if literal { 1 } else { 3 };
            // Room for the token and, unless it ends the line, a soft break's `=`.
            let room = if last { MAX_LINE } else { MAX_LINE - 1 };
            if len + width > room {
                out.extend_from_slice(b"=\r\n");
                len = 0;
            }
            if literal {
                out.push(b);
            } else {
                out.extend_from_slice(format!("={b:02X}").as_bytes());
            }
            len += width;
        }
        if i + 1 < lines.len() {
            out.extend_from_slice(b"\r\n");
        }
    }
    out
}

/// Base64 in lines of 76 characters, each ended by CRLF.
pub(crate) fn base64_lines(data: &[u8]) -> Vec<u8> {
    let encoded = base64::engine::general_purpose::STANDARD.encode(data);
    let mut out = Vec::with_capacity(encoded.len() + encoded.len() / MAX_LINE * 2 + 2);
    for line in encoded.as_bytes().chunks(MAX_LINE) {
        out.extend_from_slice(line);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Text for an unstructured header (or a phrase): as it is when printable ASCII, else RFC 2047
/// B-encoded UTF-8 words of at most 75 characters, separated by spaces (where folding goes).
pub(crate) fn encode_words(text: &str) -> String {
    let plain = text.bytes().all(|b| (32..127).contains(&b)) && !text.contains("=?");
    if plain {
        return text.to_owned();
    }
    // 45 bytes make 60 base64 characters: 72 with "=?UTF-8?B?" and "?=".
    let mut words = Vec::new();
    let mut start = 0;
    while start < text.len() {
        let mut end = (start + 45).min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let chunk = &text.as_bytes()[start..end];
        let b64 = base64::engine::general_purpose::STANDARD.encode(chunk);
        words.push(format!("=?UTF-8?B?{b64}?="));
        start = end;
    }
    words.join(" ")
}

/// `Name: value` folded at spaces to lines of about 78 characters, ended by CRLF. Line ends in
/// the value become spaces.
pub(crate) fn field(name: &str, value: &str) -> Vec<u8> {
    let value: String = value
        .chars()
        .map(|c| if c == '\r' || c == '\n' { ' ' } else { c })
        .collect();
    let mut out = String::with_capacity(name.len() + value.len() + 8);
    out.push_str(name);
    out.push(':');
    let mut line_len = out.len();
    for (i, word) in value.split(' ').enumerate() {
        if i > 0 && line_len + 1 + word.len() > 78 && line_len > name.len() + 1 {
            out.push_str("\r\n");
            line_len = 0;
        }
        out.push(' ');
        out.push_str(word);
        line_len += 1 + word.len();
    }
    out.push_str("\r\n");
    out.into_bytes()
}

/// One mailbox: `Name <a@b>` (the name quoted or encoded as needed) or `a@b`.
pub(crate) fn mailbox(a: &Address) -> String {
    let name = a.name.as_deref().map(str::trim).filter(|n| !n.is_empty());
    match name {
        None => a.email.clone(),
        Some(n) if !n.is_ascii() => format!("{} <{}>", encode_words(n), a.email),
        Some(n)
            if n.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b" !#$%&'*+-/=?^_`{|}~".contains(&b))
                && !n.contains("=?") =>
        {
            format!("{n} <{}>", a.email)
        }
        Some(n) => {
            let quoted = n.replace('\\', "\\\\").replace('"', "\\\"");
            format!("\"{quoted}\" <{}>", a.email)
        }
    }
}

/// An address list field, one mailbox after another, folded between them.
pub(crate) fn address_field(name: &str, list: &[Address]) -> Vec<u8> {
    let mut out = format!("{name}:");
    let mut line_len = out.len();
    for (i, a) in list.iter().filter(|a| !a.email.is_empty()).enumerate() {
        let m = mailbox(a);
        if i > 0 {
            out.push(',');
            line_len += 1;
            if line_len + 1 + m.len() > 78 {
                out.push_str("\r\n");
                line_len = 0;
            }
        }
        out.push(' ');
        out.push_str(&m);
        line_len += 1 + m.len();
    }
    out.push_str("\r\n");
    out.into_bytes()
}

/// A list of message ids, one per line: `References: <a>\r\n <b>\r\n`.
pub(crate) fn id_field(name: &str, ids: &[String]) -> Vec<u8> {
    let list: Vec<String> = ids.iter().map(|id| format!("<{id}>")).collect();
    format!("{name}: {}\r\n", list.join("\r\n ")).into_bytes()
}

/// `; filename="a.pdf"`, or RFC 2231 (`filename*=utf-8''...`, in sections when long) for
/// names that are not printable ASCII or hold quotes.
pub(crate) fn file_name_param(param: &str, name: &str) -> String {
    let simple = name
        .bytes()
        .all(|b| (32..127).contains(&b) && b != b'"' && b != b'\\');
    if simple && name.len() <= 60 {
        return format!(";\r\n {param}=\"{name}\"");
    }
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    let mut sections = Vec::new();
    let mut rest = encoded.as_str();
    while !rest.is_empty() {
        // Cut at 50, never inside a %XX escape.
        let mut cut = rest.len().min(50);
        if let Some(p) = rest[..cut].rfind('%')
            && p + 3 > cut
        {
            cut = p;
        }
        sections.push(&rest[..cut]);
        rest = &rest[cut..];
    }
    if sections.len() <= 1 {
        return format!(";\r\n {param}*=utf-8''{encoded}");
    }
    let mut out = String::new();
    for (i, s) in sections.iter().enumerate() {
        let prefix = if i == 0 { "utf-8''" } else { "" };
        out.push_str(&format!(";\r\n {param}*{i}*={prefix}{s}"));
    }
    out
}

/// `; name="..."` for Content-Type: quoted ASCII, else one RFC 2047 word per 45 bytes (what
/// most mailers read, though RFC 2231 is the standard way).
pub(crate) fn type_name_param(name: &str) -> String {
    let escaped = encode_words(name)
        .replace('\\', "\\\\")
        .replace('"', "\\\"");
    // Encoded words are folded one to a line (folding is allowed in a quoted string).
    let folded = if escaped.starts_with("=?") {
        escaped.replace(' ', "\r\n ")
    } else {
        escaped
    };
    format!(";\r\n name=\"{folded}\"")
}

/// Line ends as CRLF (lone LF and lone CR both become CRLF).
pub(crate) fn crlf_bytes(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() + raw.len() / 32);
    for (i, &b) in raw.iter().enumerate() {
        match b {
            b'\n' if i == 0 || raw[i - 1] != b'\r' => out.extend_from_slice(b"\r\n"),
            b'\r' if raw.get(i + 1) != Some(&b'\n') => out.extend_from_slice(b"\r\n"),
            _ => out.push(b),
        }
    }
    out
}

/// A MIME header block with CRLF line ends that ends with the empty line.
pub(crate) fn header_block(raw: &[u8]) -> Vec<u8> {
    let mut out = crlf_bytes(raw);
    while out.ends_with(b"\r\n\r\n\r\n") {
        out.truncate(out.len() - 2);
    }
    if out.is_empty() || out == b"\r\n" {
        return b"\r\n".to_vec();
    }
    if !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    if !out.ends_with(b"\r\n\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// A MIME entity under construction.
pub(crate) enum Node {
    /// Its header block (ending with the empty line) and body.
    Leaf { head: Vec<u8>, body: Vec<Piece> },
    Multi {
        subtype: &'static str,
        children: Vec<Node>,
    },
}

impl Node {
    pub(crate) fn text(subtype: &str, text: &str) -> Node {
        let head = format!(
            "Content-Type: text/{subtype}; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
        );
        Node::Leaf {
            head: head.into_bytes(),
            body: vec![Piece::Bytes(quoted_printable(text))],
        }
    }

    /// A part of a stored message, copied verbatim: its MIME header, then the part.
    pub(crate) fn original(p: &OriginalPart) -> Node {
        Node::Leaf {
            head: header_block(&p.mime_header),
            body: vec![Piece::Part {
                section: p.section.clone(),
                size: p.size,
            }],
        }
    }

    /// `multipart/<subtype>` around `children`, or the one child alone.
    pub(crate) fn multi(subtype: &'static str, mut children: Vec<Node>) -> Node {
        if children.len() == 1 {
            return children.remove(0);
        }
        Node::Multi { subtype, children }
    }

    /// Whether `needle` occurs in bytes this node writes itself (not in copied parts).
    fn contains(&self, needle: &[u8]) -> bool {
        let has = |b: &[u8]| memchr::memmem::find(b, needle).is_some();
        match self {
            Node::Leaf { head, body } => {
                has(head)
                    || body.iter().any(|p| match p {
                        Piece::Bytes(b) => has(b),
                        Piece::Part { .. } => false,
                    })
            }
            Node::Multi { children, .. } => children.iter().any(|c| c.contains(needle)),
        }
    }

    /// The top-level content header fields (`MIME-Version` and `Content-*`) and the body.
    /// Boundaries come from `seed`; one that occurs in the content is replaced by the next.
    pub(crate) fn render(self, seed: u64) -> (Vec<u8>, Vec<Piece>) {
        let mut attempt = 0u64;
        let base = loop {
            // "=_" never occurs in quoted-printable or base64 text.
            let base = format!("=_ag{:016x}", mix(seed.wrapping_add(attempt)));
            if !self.contains(base.as_bytes()) {
                break base;
            }
            attempt += 1;
        };
        let mut head = b"MIME-Version: 1.0\r\n".to_vec();
        let mut counter = 0;
        let mut body = match self {
            Node::Leaf { head: h, body } => {
                // The leaf's own header block, less its empty line, joins the message's.
                head.extend_from_slice(&h[..h.len().saturating_sub(2)]);
                body
            }
            multi => {
                let mut out = Out(Vec::new());
                multi.write(&base, &mut counter, &mut out, Some(&mut head));
                out.0
            }
        };
        if body.is_empty() {
            body.push(Piece::Bytes(Vec::new()));
        }
        (head, body)
    }

    fn write(self, base: &str, counter: &mut u32, out: &mut Out, top: Option<&mut Vec<u8>>) {
        match self {
            Node::Leaf { head, body } => {
                out.bytes(&head);
                for p in body {
                    out.piece(p);
                }
            }
            Node::Multi { subtype, children } => {
                let boundary = format!("{base}_{counter}");
                *counter += 1;
                let ct =
                    format!("Content-Type: multipart/{subtype};\r\n boundary=\"{boundary}\"\r\n");
                match top {
                    Some(head) => head.extend_from_slice(ct.as_bytes()),
                    None => {
                        out.bytes(ct.as_bytes());
                        out.bytes(b"\r\n");
                    }
                }
                for (i, c) in children.into_iter().enumerate() {
                    let delimiter = if i == 0 { "" } else { "\r\n" };
                    out.bytes(format!("{delimiter}--{boundary}\r\n").as_bytes());
                    c.write(base, counter, out, None);
                }
                out.bytes(format!("\r\n--{boundary}--\r\n").as_bytes());
            }
        }
    }
}

/// Pieces with neighbouring bytes joined.
struct Out(Vec<Piece>);

impl Out {
    fn bytes(&mut self, b: &[u8]) {
        if let Some(Piece::Bytes(last)) = self.0.last_mut() {
            last.extend_from_slice(b);
        } else {
            self.0.push(Piece::Bytes(b.to_vec()));
        }
    }

    fn piece(&mut self, p: Piece) {
        match p {
            Piece::Bytes(b) => self.bytes(&b),
            part => self.0.push(part),
        }
    }
}

/// SplitMix64: a seed spread over all bits.
pub(crate) fn mix(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A Message-ID (without `<>`) made of a digest, the time, and `id_domain` (a placeholder
/// domain when that is empty).
pub(crate) fn message_id_from(digest: &[u8], now: i64, id_domain: &str) -> String {
    let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    let domain = id_domain.trim().trim_matches(['<', '>', '@']);
    let domain = if domain.is_empty() {
        "airgate.invalid"
    } else {
        domain
    };
    format!("{hex}.{now}@{domain}")
}

/// RFC 5322 date of unix seconds, in UTC.
pub fn rfc822_date(now: i64) -> String {
    mail_parser::DateTime::from_timestamp(now).to_rfc822()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::TransferDecoder;
    use crate::mail::structure::TransferEncoding;

    #[test]
    fn quoted_printable_keeps_lines_short_and_round_trips() {
        let text = format!("{}\r\nx = y \nünïcödé\t\n", "a".repeat(200));
        let qp = quoted_printable(&text);
        for line in qp.split(|&b| b == b'\n') {
            assert!(
                line.len() <= MAX_LINE + 1,
                "{}",
                String::from_utf8_lossy(line)
            );
        }
        let back = TransferDecoder::decode(&TransferEncoding::QuotedPrintable, &qp, true);
        assert_eq!(
            String::from_utf8(back).unwrap(),
            text.replace("\r\n", "\n").replace('\n', "\r\n")
        );
    }

    #[test]
    fn encoded_words_are_short_and_decode() {
        let name = "Grüße aus Köln, ".repeat(8);
        let words = encode_words(&name);
        assert!(words.split(' ').all(|w| w.len() <= 75));
        assert_eq!(crate::mail::text::decode_words(&words), name);
    }

    #[test]
    fn long_non_ascii_file_names_use_rfc2231_sections() {
        let p = file_name_param("filename", &"ü".repeat(40));
        assert!(p.contains("filename*0*=utf-8''%C3%BC"));
        assert!(p.contains("filename*1*="));
        assert_eq!(
            file_name_param("filename", "a.pdf"),
            ";\r\n filename=\"a.pdf\""
        );
    }
}
