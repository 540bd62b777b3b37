//! Outgoing mail: what a device submits (SendMail, SmartReply, SmartForward) read once for
//! SMTP and the Sent copy, replies and forwards built around the original, and drafts built
//! from the fields a device sends.
//!
//! Bodies are not held whole where they need not be: a composed message is a list of
//! [`Piece`]s, either bytes written here or a part of the original message that the engine
//! copies from IMAP (`BODY.PEEK[<section>]`) chunk by chunk.

mod compose;
mod draft;
pub(crate) mod encode;
mod inspect;

pub use compose::{Original, OriginalPart, Smart, compose};
pub use draft::{DraftAttachment, DraftFields, build_draft};
pub use encode::rfc822_date;
pub use inspect::inspect;

use super::headers::Address;

/// A message a device submits, read once: who it is from and to, and its header block in the
/// two forms written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outgoing {
    pub from: Vec<Address>,
    pub sender: Option<Address>,
    pub to: Vec<Address>,
    pub cc: Vec<Address>,
    pub bcc: Vec<Address>,
    /// Decoded (RFC 2047).
    pub subject: Option<String>,
    /// Without `<>`; the one added when the device wrote none.
    pub message_id: Option<String>,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    /// The top-level header block as submitted over SMTP: Bcc removed, Date and Message-ID
    /// added when missing, CRLF line ends, ending with the empty line.
    pub head_submit: Vec<u8>,
    /// The same plus the Bcc field, for the Sent copy.
    pub head_sent: Vec<u8>,
    /// Where the body starts in the bytes given to [`inspect`].
    pub body_offset: usize,
}

impl Outgoing {
    /// The device's message as it goes out (SendMail): these header blocks and the body of
    /// `mime` (the bytes given to [`inspect`]), line ends CRLF.
    pub fn composed(&self, mime: &[u8]) -> Composed {
        let body = mime.get(self.body_offset..).unwrap_or_default();
        Composed {
            head_submit: self.head_submit.clone(),
            head_sent: self.head_sent.clone(),
            body: vec![Piece::Bytes(encode::crlf_bytes(body))],
        }
    }

    /// The To, Cc and Bcc addresses (groups expanded), each once (compared case-insensitively),
    /// in that order.
    pub fn recipients(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for a in self.to.iter().chain(&self.cc).chain(&self.bcc) {
            let email = a.email.trim();
            if email.is_empty() || out.iter().any(|o| o.eq_ignore_ascii_case(email)) {
                continue;
            }
            out.push(email.to_owned());
        }
        out
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OutgoingError {
    #[error("not a MIME message: {0}")]
    NotMime(String),
    #[error("the message has no From address")]
    NoSender,
    #[error("the message has no recipients")]
    NoRecipients,
}

/// One piece of a composed message's body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    /// Bytes written here.
    Bytes(Vec<u8>),
    /// `BODY.PEEK[<section>]` of the original message, `size` bytes, copied verbatim (still
    /// transfer-encoded).
    Part { section: String, size: u64 },
}

impl Piece {
    pub fn len(&self) -> u64 {
        match self {
            Piece::Bytes(b) => b.len() as u64,
            Piece::Part { size, .. } => *size,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A message ready to send: its two header blocks (each ending with the empty line) and the
/// body they share.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Composed {
    pub head_submit: Vec<u8>,
    pub head_sent: Vec<u8>,
    pub body: Vec<Piece>,
}

/// A draft the device wrote as a whole MIME message (airsyncbase Body Type 4): with Date and
/// Message-ID added when it reads as a message to send, else as written (a draft may have no
/// recipients yet), line ends CRLF. Bcc stays: it is the draft's.
pub fn draft_from_mime(raw: &[u8], now: i64, id_domain: &str) -> Composed {
    match inspect(raw, now, id_domain) {
        Ok(o) => {
            let c = o.composed(raw);
            Composed {
                head_submit: o.head_sent.clone(),
                ..c
            }
        }
        Err(_) => Composed {
            head_submit: Vec::new(),
            head_sent: Vec::new(),
            body: vec![Piece::Bytes(encode::crlf_bytes(raw))],
        },
    }
}

impl Composed {
    fn body_len(&self) -> u64 {
        self.body.iter().map(Piece::len).sum()
    }

    /// The exact size of the message submitted over SMTP (before dot-stuffing).
    pub fn len_submit(&self) -> u64 {
        self.head_submit.len() as u64 + self.body_len()
    }

    /// The exact size of the Sent copy (the IMAP APPEND literal).
    pub fn len_sent(&self) -> u64 {
        self.head_sent.len() as u64 + self.body_len()
    }
}

/// One field of a header block: its lower-case name and its lines, CRLF-ended.
#[derive(Clone, Debug)]
pub(crate) struct Field {
    pub name: String,
    pub raw: Vec<u8>,
}

/// Splits a header block into fields, tolerantly: bare LF and CR line ends become CRLF,
/// continuation lines join their field, a leading mbox `From ` line and stray continuation
/// lines before the first field are dropped. The block ends at the first empty line, or at the
/// first line that is not a field (the body then starts with that line). Returns the fields
/// and where the body starts.
pub(crate) fn split_fields(raw: &[u8]) -> (Vec<Field>, usize) {
    let mut fields: Vec<Field> = Vec::new();
    let mut pos = 0;
    while pos < raw.len() {
        let end = memchr::memchr(b'\n', &raw[pos..]).map_or(raw.len(), |p| pos + p + 1);
        let line = &raw[pos..end];
        let content = line.strip_suffix(b"\n").unwrap_or(line);
        let content = content.strip_suffix(b"\r").unwrap_or(content);
        if content.is_empty() {
            return (fields, end);
        }
        if content[0] == b' ' || content[0] == b'\t' {
            if let Some(f) = fields.last_mut() {
                f.raw.extend_from_slice(content);
                f.raw.extend_from_slice(b"\r\n");
            }
        } else if let Some(name) = field_name(content) {
            let mut raw_field = content.to_vec();
            raw_field.extend_from_slice(b"\r\n");
            fields.push(Field {
                name: name.to_ascii_lowercase(),
                raw: raw_field,
            });
        } else if !(pos == 0 && content.starts_with(b"From ")) {
            return (fields, pos);
        }
        pos = end;
    }
    (fields, raw.len())
}

/// The name of a header field line (`Name:` or the obsolete `Name :`), if it is one.
fn field_name(line: &[u8]) -> Option<&str> {
    let colon = memchr::memchr(b':', line)?;
    let name = line[..colon].trim_ascii_end();
    let ok = !name.is_empty() && name.iter().all(|&b| (33..127).contains(&b));
    if ok {
        std::str::from_utf8(name).ok()
    } else {
        None
    }
}
