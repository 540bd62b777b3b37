//! The message headers EAS shows (MS-ASEMAIL To, From, Subject, DateReceived, Importance, ...),
//! read from the header fields the engine fetches with `BODY.PEEK[HEADER.FIELDS (...)]`.

use base64::Engine;
use mail_parser::parsers::MessageStream;
use mail_parser::{HeaderName, HeaderValue, MessageParser};

use super::text::utf8_or_cp1252;

/// The header fields to fetch, in the form `BODY.PEEK[HEADER.FIELDS (...)]` takes them.
pub const HEADER_FIELDS: &[&str] = &[
    "From",
    "Sender",
    "Reply-To",
    "To",
    "Cc",
    "Bcc",
    "Subject",
    "Date",
    "Message-ID",
    "In-Reply-To",
    "References",
    "Importance",
    "X-Priority",
    "Priority",
    "X-MSMail-Priority",
    "Thread-Topic",
    "Thread-Index",
    "Content-Class",
    "Content-Type",
    "Disposition-Notification-To",
    "Return-Receipt-To",
];

/// One mailbox. `email` is empty for a display name without an address (broken mail).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Address {
    pub name: Option<String>,
    pub email: String,
}

impl Address {
    /// `"Name" <a@b>` or `<a@b>`: the MS-ASEMAIL form of one address.
    pub fn to_eas(&self) -> String {
        let name = self
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty());
        match (name, self.email.is_empty()) {
            (Some(n), false) => format!("\"{}\" <{}>", quote(n), self.email),
            (Some(n), true) => format!("\"{}\"", quote(n)),
            (None, _) => format!("<{}>", self.email),
        }
    }

    /// The name when there is one, else the address.
    pub fn display(&self) -> &str {
        match self.name.as_deref().map(str::trim) {
            Some(n) if !n.is_empty() => n,
            _ => &self.email,
        }
    }
}

fn quote(name: &str) -> String {
    name.replace('\\', "\\\\").replace('"', "\\\"")
}

/// An address list as MS-ASEMAIL To/Cc/From/ReplyTo carry it: `"Name" <a@b>, <c@d>`.
pub fn address_list(list: &[Address]) -> String {
    let parts: Vec<String> = list.iter().map(Address::to_eas).collect();
    parts.join(", ")
}

/// MS-ASEMAIL DisplayTo: the recipients' names (or addresses) joined by "; ".
pub fn display_to(list: &[Address]) -> String {
    let parts: Vec<&str> = list.iter().map(Address::display).collect();
    parts.join("; ")
}

/// MS-ASEMAIL Importance.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Importance {
    Low,
    #[default]
    Normal,
    High,
}

impl Importance {
    /// The EAS value: 0 low, 1 normal, 2 high.
    pub fn code(self) -> u8 {
        match self {
            Importance::Low => 0,
            Importance::Normal => 1,
            Importance::High => 2,
        }
    }
}

/// The top-level Content-Type, lower-cased, with its parameters (names lower case).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MediaType {
    pub media_type: String,
    pub media_subtype: String,
    pub params: Vec<(String, String)>,
}

impl MediaType {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The headers of one message, decoded to UTF-8.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Headers {
    pub from: Vec<Address>,
    pub sender: Vec<Address>,
    pub reply_to: Vec<Address>,
    pub to: Vec<Address>,
    pub cc: Vec<Address>,
    pub bcc: Vec<Address>,
    pub subject: Option<String>,
    /// Date, in Unix seconds.
    pub date: Option<i64>,
    /// Message ids without the angle brackets.
    pub message_id: Option<String>,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub importance: Importance,
    pub thread_topic: Option<String>,
    /// Thread-Index, base64-decoded (Outlook's conversation index: 22 bytes + 5 per reply).
    pub thread_index: Option<Vec<u8>>,
    pub content_class: Option<String>,
    pub content_type: Option<MediaType>,
    /// Where a read receipt is asked to go (Disposition-Notification-To, or Return-Receipt-To).
    pub read_receipt_to: Vec<Address>,
}

/// Reads a header block. Never fails: what cannot be read is left empty. Raw 8-bit headers that
/// are not UTF-8 are read as Windows-1252.
pub fn parse_headers(raw: &[u8]) -> Headers {
    // Decoding the whole block keeps its ASCII structure and turns stray Latin-1 into text.
    let mut block = utf8_or_cp1252(raw).into_bytes();
    // mail-parser ends a value at a line end: make sure the last one has one, and that the
    // block ends.
    block.extend_from_slice(b"\r\n\r\n");
    let mut h = Headers::default();
    // Only the header boundaries are wanted from the parser: the values used are parsed below,
    // so every header is skipped unparsed (a non-empty map makes the default apply to all).
    let parser = MessageParser::new()
        .ignore_header(HeaderName::Subject)
        .default_header_ignore();
    let Some(msg) = parser.parse_headers(&block) else {
        return h;
    };
    let mut importance = [None; 4];
    for header in msg.headers() {
        let start = header.offset_start as usize;
        let end = header.offset_end as usize;
        let Some(value) = block.get(start..end) else {
            continue;
        };
        let name = header.name.as_str().to_ascii_lowercase();
        match name.as_str() {
            "from" => h.from = addresses(value),
            "sender" => h.sender = addresses(value),
            "reply-to" => h.reply_to = addresses(value),
            "to" => h.to.extend(addresses(value)),
            "cc" => h.cc.extend(addresses(value)),
            "bcc" => h.bcc.extend(addresses(value)),
            "subject" => h.subject = Some(text(value)),
            "date" => h.date = date(value),
            "message-id" => h.message_id = ids(value).into_iter().next(),
            "in-reply-to" => h.in_reply_to = ids(value).into_iter().next(),
            "references" => h.references = ids(value),
            "importance" => importance[0] = importance_word(&raw_text(value)),
            "x-priority" => importance[1] = x_priority(&raw_text(value)),
            "x-msmail-priority" => importance[2] = importance_word(&raw_text(value)),
            "priority" => importance[3] = priority_word(&raw_text(value)),
            "thread-topic" => h.thread_topic = Some(text(value)),
            "thread-index" => h.thread_index = thread_index(&raw_text(value)),
            "content-class" => h.content_class = Some(raw_text(value)).filter(|s| !s.is_empty()),
            "content-type" => h.content_type = content_type(value),
            "disposition-notification-to" => h.read_receipt_to = addresses(value),
            "return-receipt-to" if h.read_receipt_to.is_empty() => {
                h.read_receipt_to = addresses(value)
            }
            _ => {}
        }
    }
    // Importance is the standard (RFC 2156) one; the others are de-facto, in order of trust.
    h.importance = importance.into_iter().flatten().next().unwrap_or_default();
    h
}

fn raw_text(value: &[u8]) -> String {
    let s = String::from_utf8_lossy(value);
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn text(value: &[u8]) -> String {
    match MessageStream::new(value).parse_unstructured() {
        HeaderValue::Text(t) => t.trim().to_owned(),
        HeaderValue::TextList(l) => l.join(" ").trim().to_owned(),
        _ => String::new(),
    }
}

pub(crate) fn addresses(value: &[u8]) -> Vec<Address> {
    let parsed = MessageStream::new(value).parse_address();
    let HeaderValue::Address(addr) = parsed else {
        return Vec::new();
    };
    addr.iter()
        .filter_map(|a| {
            let email = a.address.as_deref().map(str::trim).unwrap_or("").to_owned();
            let name = a
                .name
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty() && *n != email)
                .map(str::to_owned);
            if email.is_empty() && name.is_none() {
                None
            } else {
                Some(Address { name, email })
            }
        })
        .collect()
}

fn ids(value: &[u8]) -> Vec<String> {
    match MessageStream::new(value).parse_id() {
        HeaderValue::Text(t) => vec![t.into_owned()],
        HeaderValue::TextList(l) => l.into_iter().map(|t| t.into_owned()).collect(),
        _ => Vec::new(),
    }
    .into_iter()
    .map(|id| id.trim().trim_matches(|c| c == '<' || c == '>').to_owned())
    .filter(|id| !id.is_empty())
    .collect()
}

fn date(value: &[u8]) -> Option<i64> {
    match MessageStream::new(value).parse_date() {
        HeaderValue::DateTime(dt) if dt.is_valid() => Some(dt.to_timestamp()),
        _ => None,
    }
}

fn content_type(value: &[u8]) -> Option<MediaType> {
    let HeaderValue::ContentType(ct) = MessageStream::new(value).parse_content_type() else {
        return None;
    };
    Some(MediaType {
        media_type: ct.ctype().to_ascii_lowercase(),
        media_subtype: ct.subtype().unwrap_or("").to_ascii_lowercase(),
        params: ct
            .attributes()
            .unwrap_or(&[])
            .iter()
            .map(|a| (a.name.to_ascii_lowercase(), a.value.to_string()))
            .collect(),
    })
}

fn importance_word(v: &str) -> Option<Importance> {
    let v = v.to_ascii_lowercase();
    if v.starts_with("high") || v.starts_with("urgent") {
        Some(Importance::High)
    } else if v.starts_with("low") || v.starts_with("non-urgent") {
        Some(Importance::Low)
    } else if v.starts_with("normal") || v.starts_with("medium") {
        Some(Importance::Normal)
    } else {
        None
    }
}

/// X-Priority: "1 (Highest)" .. "5 (Lowest)".
fn x_priority(v: &str) -> Option<Importance> {
    match v.trim_start().bytes().next()? {
        b'1' | b'2' => Some(Importance::High),
        b'3' => Some(Importance::Normal),
        b'4' | b'5' => Some(Importance::Low),
        _ => importance_word(v),
    }
}

/// Priority (RFC 2156): urgent, normal, non-urgent.
fn priority_word(v: &str) -> Option<Importance> {
    importance_word(v)
}

fn thread_index(v: &str) -> Option<Vec<u8>> {
    let compact: String = v.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .or_else(|_| {
            base64::engine::general_purpose::STANDARD_NO_PAD.decode(compact.trim_end_matches('='))
        })
        .ok()?;
    Some(bytes).filter(|b| !b.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x_priority_maps_one_and_two_to_high_four_and_five_to_low() {
        assert_eq!(x_priority("1 (Highest)"), Some(Importance::High));
        assert_eq!(x_priority("2"), Some(Importance::High));
        assert_eq!(x_priority("3 (Normal)"), Some(Importance::Normal));
        assert_eq!(x_priority("5 (Lowest)"), Some(Importance::Low));
    }

    #[test]
    fn importance_header_wins_over_x_priority() {
        let h = parse_headers(b"X-Priority: 5\r\nImportance: high\r\n\r\n");
        assert_eq!(h.importance, Importance::High);
    }
}
