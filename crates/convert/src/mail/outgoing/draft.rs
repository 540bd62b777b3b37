//! Drafts: a message built from the fields a device sends (Email class with Drafts support),
//! saved as an IMAP message.

use sha2::{Digest, Sha256};

use super::encode::{
    Node, address_field, base64_lines, encode_words, field, file_name_param, message_id_from, mix,
    rfc822_date, type_name_param,
};
use super::{Composed, OriginalPart, Piece};
use crate::mail::headers::{Address, addresses};
use crate::mail::html::html_to_text;

/// An attachment the device adds to a draft.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DraftAttachment {
    pub file_name: String,
    /// "image/png"; anything that is not `type/subtype` is written application/octet-stream.
    pub content_type: String,
    /// Without the angle brackets.
    pub content_id: Option<String>,
    pub inline: bool,
    pub content: Vec<u8>,
}

/// The fields of a draft as the device sends them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DraftFields {
    pub from: Option<Address>,
    /// As the device wrote them: addresses separated by commas or semicolons.
    pub to: String,
    pub cc: String,
    pub bcc: String,
    pub subject: String,
    /// 0 low, 1 normal, 2 high.
    pub importance: Option<u8>,
    pub body_html: Option<String>,
    pub body_plain: Option<String>,
}

/// Builds a draft. `kept`: attachments of the previous version of the draft kept as they were
/// (MIME header + [`Piece::Part`] of the old message). The draft keeps its Bcc: both header
/// blocks are the same. Text is UTF-8 quoted-printable (plain, or plain and HTML as
/// multipart/alternative, the plain derived from the HTML when missing), attachments base64
/// with RFC 2231 file names; inline attachments with a Content-ID go with the HTML in
/// multipart/related.
pub fn build_draft(
    fields: &DraftFields,
    new_attachments: &[DraftAttachment],
    kept: &[OriginalPart],
    now: i64,
    id_domain: &str,
    boundary_seed: u64,
) -> Composed {
    let html = fields.body_html.as_deref().filter(|h| !h.trim().is_empty());
    let plain = match (&fields.body_plain, html) {
        (Some(p), _) => p.clone(),
        (None, Some(h)) => html_to_text(h),
        (None, None) => String::new(),
    };
    let text = match html {
        Some(h) => Node::multi(
            "alternative",
            vec![Node::text("plain", &plain), Node::text("html", h)],
        ),
        None => Node::text("plain", &plain),
    };
    let related = html.is_some();
    let (inline, files): (Vec<&DraftAttachment>, Vec<&DraftAttachment>) = new_attachments
        .iter()
        .partition(|a| related && a.inline && a.content_id.is_some());
    let mut with_text = vec![text];
    with_text.extend(inline.into_iter().map(attachment));
    let mut parts = vec![Node::multi("related", with_text)];
    parts.extend(files.into_iter().map(attachment));
    parts.extend(kept.iter().map(Node::original));
    let (content, body) = Node::multi("mixed", parts).render(boundary_seed);

    let mut head = Vec::new();
    head.extend_from_slice(format!("Date: {}\r\n", rfc822_date(now)).as_bytes());
    let id = message_id(fields, now, id_domain, boundary_seed);
    head.extend_from_slice(format!("Message-ID: <{id}>\r\n").as_bytes());
    if let Some(from) = fields.from.as_ref().filter(|a| !a.email.is_empty()) {
        head.extend_from_slice(&address_field("From", std::slice::from_ref(from)));
    }
    for (name, list) in [("To", &fields.to), ("Cc", &fields.cc), ("Bcc", &fields.bcc)] {
        let list = device_addresses(list);
        if !list.is_empty() {
            head.extend_from_slice(&address_field(name, &list));
        }
    }
    head.extend_from_slice(&field("Subject", &encode_words(fields.subject.trim())));
    if let Some(i) = fields.importance {
        let (word, x) = match i {
            0 => ("low", "5 (Lowest)"),
            2 => ("high", "1 (Highest)"),
            _ => ("normal", "3 (Normal)"),
        };
        head.extend_from_slice(format!("Importance: {word}\r\nX-Priority: {x}\r\n").as_bytes());
    }
    head.extend_from_slice(&content);
    head.extend_from_slice(b"\r\n");
    Composed {
        head_submit: head.clone(),
        head_sent: head,
        body,
    }
}

/// The addresses a device wrote in a To, Cc or Bcc field: separated by commas or semicolons
/// (semicolons inside quotes and angle brackets are text).
fn device_addresses(list: &str) -> Vec<Address> {
    let mut value = String::with_capacity(list.len() + 2);
    let (mut quoted, mut angle, mut escaped) = (false, false, false);
    for c in list.chars() {
        let c = match c {
            _ if escaped => {
                escaped = false;
                c
            }
            '\\' if quoted => {
                escaped = true;
                c
            }
            '"' => {
                quoted = !quoted;
                c
            }
            '<' if !quoted => {
                angle = true;
                c
            }
            '>' if !quoted => {
                angle = false;
                c
            }
            ';' if !quoted && !angle => ',',
            '\r' | '\n' => ' ',
            _ => c,
        };
        value.push(c);
    }
    value.push_str("\r\n");
    addresses(value.as_bytes())
        .into_iter()
        .filter(|a| !a.email.is_empty())
        .collect()
}

fn attachment(a: &DraftAttachment) -> Node {
    let ct = a.content_type.trim().to_ascii_lowercase();
    let valid = ct.split_once('/').is_some_and(|(t, s)| {
        let token = |x: &str| {
            !x.is_empty()
                && x.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(&b))
        };
        token(t) && token(s)
    });
    let ct = if valid {
        ct
    } else {
        "application/octet-stream".to_owned()
    };
    let name = a.file_name.trim();
    let mut head = format!("Content-Type: {ct}");
    let mut disposition = if a.inline { "inline" } else { "attachment" }.to_owned();
    if !name.is_empty() {
        head.push_str(&type_name_param(name));
        disposition.push_str(&file_name_param("filename", name));
    }
    head.push_str(&format!(
        "\r\nContent-Disposition: {disposition}\r\nContent-Transfer-Encoding: base64\r\n"
    ));
    let cid = a
        .content_id
        .as_deref()
        .map(|c| c.trim().trim_matches(['<', '>']));
    if let Some(cid) = cid.filter(|c| !c.is_empty() && c.bytes().all(|b| (33..127).contains(&b))) {
        head.push_str(&format!("Content-ID: <{cid}>\r\n"));
    }
    head.push_str("\r\n");
    Node::Leaf {
        head: head.into_bytes(),
        body: vec![Piece::Bytes(base64_lines(&a.content))],
    }
}

/// A Message-ID for a draft version: from the seed, the time and the fields.
fn message_id(fields: &DraftFields, now: i64, id_domain: &str, seed: u64) -> String {
    let mut hash = Sha256::new();
    hash.update(mix(seed).to_be_bytes());
    hash.update(now.to_be_bytes());
    for s in [&fields.to, &fields.cc, &fields.bcc, &fields.subject] {
        hash.update(s.as_bytes());
        hash.update([0]);
    }
    message_id_from(&hash.finalize(), now, id_domain)
}
