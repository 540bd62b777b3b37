//! SmartReply and SmartForward: the device sends its new text as a MIME message, the original
//! is added here (quoted text, and for a forward its attachments copied from IMAP).

use super::encode::{Node, crlf_bytes, header_block, id_field};
use super::{Composed, Outgoing, OutgoingError, Piece, split_fields};
use crate::mail::attachments::attachments;
use crate::mail::body::{BodyPlan, WantedBody, part_text};
use crate::mail::from_raw::{Span, spans_of, structure_of};
use crate::mail::headers::Address;
use crate::mail::html::{body_content, escape_html, html_to_text, text_to_html};
use crate::mail::select::{Prefer, is_html, text_parts};
use crate::mail::structure::BodyPart;

/// A part of the original message, copied verbatim.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OriginalPart {
    /// The IMAP section ("2", "1.3").
    pub section: String,
    /// `BODY[<section>.MIME]` as fetched.
    pub mime_header: Vec<u8>,
    /// The size of `BODY[<section>]`.
    pub size: u64,
}

/// What a reply or forward needs of the original message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Original {
    pub from: Vec<Address>,
    pub to: Vec<Address>,
    pub cc: Vec<Address>,
    /// The Date header as written.
    pub date: Option<String>,
    pub subject: Option<String>,
    pub message_id: Option<String>,
    pub references: Vec<String>,
    /// Its decoded text bodies, if any.
    pub plain: Option<String>,
    pub html: Option<String>,
    /// Forwarded verbatim (forward only).
    pub attachments: Vec<OriginalPart>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Smart {
    Reply,
    Forward,
}

/// Builds the message to send for SmartReply or SmartForward: the device's text with the
/// original's below it (quoted with `> ` and in a `<blockquote>` for a reply), as
/// multipart/alternative of UTF-8 quoted-printable plain text and HTML; then the device's
/// attachments and, for a forward, the original's as [`Piece::Part`]s; all in
/// multipart/mixed when there are attachments. The header is the device's with new content
/// fields, and In-Reply-To (reply) and References (both) when the device set none.
///
/// With `replace_mime` the device's message already holds everything and is sent as it is
/// (its body with line ends made CRLF, as SMTP needs).
pub fn compose(
    kind: Smart,
    new: &Outgoing,
    new_mime: &[u8],
    original: &Original,
    replace_mime: bool,
    boundary_seed: u64,
) -> Result<Composed, OutgoingError> {
    let Some(device_body) = new_mime.get(new.body_offset..) else {
        return Err(OutgoingError::NotMime("body offset past the end".into()));
    };
    if replace_mime {
        return Ok(Composed {
            head_submit: new.head_submit.clone(),
            head_sent: new.head_sent.clone(),
            body: vec![Piece::Bytes(crlf_bytes(device_body))],
        });
    }
    let device = Device::read(new_mime);
    let (plain, html) = texts(kind, &device, original);
    let alternative = Node::multi(
        "alternative",
        vec![Node::text("plain", &plain), Node::text("html", &html)],
    );
    let (inline, files): (Vec<_>, Vec<_>) = device.attachments.into_iter().partition(|a| a.0);
    let mut text = vec![alternative];
    text.extend(inline.into_iter().map(|a| a.1));
    let mut parts = vec![Node::multi("related", text)];
    parts.extend(files.into_iter().map(|a| a.1));
    if kind == Smart::Forward {
        parts.extend(original.attachments.iter().map(Node::original));
    }
    let (content, body) = Node::multi("mixed", parts).render(boundary_seed);
    let threading = threading(kind, &new.head_submit, original);
    let head = |device_head: &[u8]| {
        let mut head: Vec<u8> = split_fields(device_head)
            .0
            .into_iter()
            .filter(|f| !is_content_field(&f.name))
            .flat_map(|f| f.raw)
            .collect();
        head.extend_from_slice(&threading);
        head.extend_from_slice(&content);
        head.extend_from_slice(b"\r\n");
        head
    };
    Ok(Composed {
        head_submit: head(&new.head_submit),
        head_sent: head(&new.head_sent),
        body,
    })
}

/// The fields that describe the top-level content, replaced by the composed message's own.
fn is_content_field(name: &str) -> bool {
    name == "mime-version"
        || (name.starts_with("content-") && name != "content-class" && name != "content-language")
}

/// In-Reply-To (reply) and References, unless the device wrote them.
fn threading(kind: Smart, device_head: &[u8], original: &Original) -> Vec<u8> {
    let fields = split_fields(device_head).0;
    let has = |name: &str| fields.iter().any(|f| f.name == name);
    let mut out = Vec::new();
    let Some(id) = original.message_id.as_deref().filter(|id| !id.is_empty()) else {
        return out;
    };
    if kind == Smart::Reply && !has("in-reply-to") {
        out.extend_from_slice(&id_field("In-Reply-To", &[id.to_owned()]));
    }
    if !has("references") {
        let mut refs = original.references.clone();
        if !refs.iter().any(|r| r == id) {
            refs.push(id.to_owned());
        }
        out.extend_from_slice(&id_field("References", &refs));
    }
    out
}

/// What the device's message holds: its text and its attachments (each with whether it is an
/// inline image of the HTML, which stays with the text in multipart/related).
struct Device {
    plain: Option<String>,
    html: Option<String>,
    attachments: Vec<(bool, Node)>,
}

impl Device {
    fn read(raw: &[u8]) -> Device {
        let structure = structure_of(raw);
        let spans = spans_of(raw);
        let span = |p: &BodyPart| spans.iter().find(|s| s.path == p.path).cloned();
        let text_of = |p: &BodyPart| {
            let bytes = span(p).and_then(|s| raw.get(s.body..s.end)).unwrap_or(&[]);
            part_text(p, bytes, true, None).0
        };
        let plain_parts = text_parts(&structure, Prefer::Plain);
        let plain =
            (!plain_parts.is_empty() && !plain_parts.iter().any(|p| is_html(p))).then(|| {
                plain_parts
                    .iter()
                    .map(|p| text_of(p))
                    .collect::<Vec<_>>()
                    .join("\r\n")
            });
        let html_parts = text_parts(&structure, Prefer::Html);
        let html = html_parts.iter().any(|p| is_html(p)).then(|| {
            html_parts
                .iter()
                .map(|p| match is_html(p) {
                    true => body_content(&text_of(p)).to_owned(),
                    false => text_to_html(&text_of(p)),
                })
                .collect::<String>()
        });
        let plan = BodyPlan {
            delivered: WantedBody::Plain,
            fetch: Vec::new(),
            native: 1,
            estimated_size: 0,
        };
        let attachments = attachments(&structure, &plan)
            .into_iter()
            .filter_map(|a| {
                let s = spans.iter().find(|s| s.path == a.path)?;
                let inline = a.is_inline && a.content_id.is_some();
                Some((inline, copied_part(raw, s)))
            })
            .collect();
        Device {
            plain,
            html,
            attachments,
        }
    }
}

/// One of the device's parts, its MIME header and body as they are (line ends made CRLF).
fn copied_part(raw: &[u8], s: &Span) -> Node {
    let header = raw.get(s.header..s.body).unwrap_or(&[]);
    // A single-part message's "MIME header" is the message header: keep its content fields.
    let header = if s.header == 0 {
        let fields = split_fields(header).0;
        fields
            .into_iter()
            .filter(|f| f.name.starts_with("content-"))
            .flat_map(|f| f.raw)
            .collect()
    } else {
        header.to_vec()
    };
    Node::Leaf {
        head: header_block(&header),
        body: vec![Piece::Bytes(crlf_bytes(
            raw.get(s.body..s.end).unwrap_or(&[]),
        ))],
    }
}

/// The plain text and HTML of the composed message.
fn texts(kind: Smart, device: &Device, original: &Original) -> (String, String) {
    let mine_plain = match (&device.plain, &device.html) {
        (Some(p), _) => p.clone(),
        (None, Some(h)) => html_to_text(h),
        (None, None) => String::new(),
    };
    let mine_html = match &device.html {
        Some(h) => h.clone(),
        None => text_to_html(&mine_plain),
    };
    let header = original_header(original);

    let mut plain = mine_plain.trim_end_matches(['\r', '\n']).to_owned();
    plain.push_str("\r\n\r\n-----Original Message-----\r\n");
    for (label, value) in &header {
        plain.push_str(&format!("{label}: {value}\r\n"));
    }
    plain.push_str("\r\n");
    let orig_plain = match (&original.plain, &original.html) {
        (Some(p), _) => p.clone(),
        (None, Some(h)) => html_to_text(h),
        (None, None) => String::new(),
    };
    match kind {
        Smart::Reply => {
            for line in orig_plain.trim_end_matches(['\r', '\n']).split('\n') {
                let line = line.strip_suffix('\r').unwrap_or(line);
                plain.push_str(if line.is_empty() { ">" } else { "> " });
                plain.push_str(line);
                plain.push_str("\r\n");
            }
        }
        Smart::Forward => plain.push_str(&orig_plain),
    }

    let orig_html = match (&original.html, &original.plain) {
        (Some(h), _) => body_content(h).to_owned(),
        (None, Some(p)) => text_to_html(p),
        (None, None) => String::new(),
    };
    let mut html = String::with_capacity(mine_html.len() + orig_html.len() + 512);
    html.push_str("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"></head><body>\r\n");
    html.push_str(&mine_html);
    html.push_str("\r\n<hr>\r\n<div>");
    for (i, (label, value)) in header.iter().enumerate() {
        if i > 0 {
            html.push_str("<br>\r\n");
        }
        html.push_str(&format!("<b>{label}:</b> {}", escape_html(value)));
    }
    html.push_str("</div>\r\n");
    match kind {
        Smart::Reply => html.push_str(
            "<blockquote style=\"margin:0 0 0 .8ex;border-left:1px solid #ccc;padding-left:1ex\">",
        ),
        Smart::Forward => html.push_str("<div>"),
    }
    html.push_str(&orig_html);
    html.push_str(match kind {
        Smart::Reply => "</blockquote>",
        Smart::Forward => "</div>",
    });
    html.push_str("\r\n</body></html>\r\n");
    (plain, html)
}

/// The lines of the "Original Message" block: From, Sent, To, Cc (when any), Subject.
fn original_header(o: &Original) -> Vec<(&'static str, String)> {
    let list = |l: &[Address]| l.iter().map(shown).collect::<Vec<_>>().join("; ");
    let mut out = vec![("From", list(&o.from))];
    if let Some(d) = &o.date {
        out.push(("Sent", d.trim().to_owned()));
    }
    out.push(("To", list(&o.to)));
    if !o.cc.is_empty() {
        out.push(("Cc", list(&o.cc)));
    }
    out.push(("Subject", o.subject.clone().unwrap_or_default()));
    out
}

/// `Name <a@b>`, or the address, as a reader sees it (not encoded).
fn shown(a: &Address) -> String {
    match a.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) if !a.email.is_empty() => format!("{n} <{}>", a.email),
        Some(n) => n.to_owned(),
        None => a.email.clone(),
    }
}
