//! The structure and sections of a whole message held in memory, numbered as IMAP numbers them.
//! For tests and the in-memory backend; the real backend gets both from the IMAP server.

use mail_parser::{Message, MessageParser, MessagePart, MimeHeaders, PartType};

use super::structure::{BodyPart, Disposition, PartKind, PartPath, TransferEncoding};

/// Nesting deeper than this (multiparts in messages in multiparts ...) is cut off.
const MAX_DEPTH: usize = 32;

/// The BODYSTRUCTURE of a raw message: a non-multipart message's body is part "1"; a
/// multipart's children are 1..n under it; the parts of an attached message are numbered under
/// the message part (its multipart's children P.1..n, its single body P.1). Sizes are the
/// encoded sizes of the part bodies. For tests and the in-memory backend.
pub fn structure_of(raw: &[u8]) -> BodyPart {
    match MessageParser::default().parse(raw) {
        Some(msg) => message_root(&msg, PartPath::default(), 0),
        None => empty_text(),
    }
}

/// The bytes `BODY[<section>]` returns for `path` ("" is the whole message). For tests and the
/// in-memory backend.
pub fn section_of(raw: &[u8], path: &PartPath) -> Option<Vec<u8>> {
    if path.0.is_empty() {
        return Some(raw.to_vec());
    }
    let msg = MessageParser::default().parse(raw)?;
    find_in_message(&msg, &PartPath::default(), path, 0)
}

/// What `BODY[<section>.MIME]` of a message held in memory is: the part's MIME header block
/// (with its empty line). For tests and in-memory stores, like [`section_of`].
pub fn mime_header_of(raw: &[u8], path: &PartPath) -> Option<Vec<u8>> {
    spans_of(raw)
        .into_iter()
        .find(|s| &s.path == path)
        .and_then(|s| raw.get(s.header..s.body).map(<[u8]>::to_vec))
}

fn empty_text() -> BodyPart {
    BodyPart {
        path: PartPath(vec![1]),
        media_type: "text".into(),
        media_subtype: "plain".into(),
        params: Vec::new(),
        content_id: None,
        description: None,
        encoding: Some(TransferEncoding::SevenBit),
        size: 0,
        disposition: None,
        location: None,
        kind: PartKind::Leaf,
    }
}

fn is_multipart(part: &MessagePart) -> bool {
    matches!(part.body, PartType::Multipart(_))
}

/// Where the root of a message sits: at `base` when it is a multipart, at `base.1` otherwise.
fn root_path(msg: &Message, base: &PartPath) -> PartPath {
    match msg.parts.first() {
        Some(p) if is_multipart(p) => base.clone(),
        _ => base.child(1),
    }
}

fn message_root(msg: &Message, base: PartPath, depth: usize) -> BodyPart {
    let path = root_path(msg, &base);
    node(msg, 0, path, depth).unwrap_or_else(empty_text)
}

fn node(msg: &Message, idx: usize, path: PartPath, depth: usize) -> Option<BodyPart> {
    let part = msg.parts.get(idx)?;
    let (media_type, media_subtype, params) = match part.content_type() {
        Some(ct) => (
            ct.ctype().to_ascii_lowercase(),
            ct.subtype().unwrap_or("").to_ascii_lowercase(),
            ct.attributes()
                .unwrap_or(&[])
                .iter()
                .map(|a| (a.name.to_ascii_lowercase(), a.value.to_string()))
                .collect(),
        ),
        None => ("text".into(), "plain".into(), Vec::new()),
    };
    let size = u64::from(part.offset_end.saturating_sub(part.offset_body));
    let kind = match &part.body {
        PartType::Multipart(ids) if depth < MAX_DEPTH => PartKind::Multipart(
            ids.iter()
                .enumerate()
                .filter_map(|(i, id)| {
                    let n = u32::try_from(i + 1).ok()?;
                    node(msg, *id as usize, path.child(n), depth + 1)
                })
                .collect(),
        ),
        PartType::Multipart(_) => PartKind::Multipart(Vec::new()),
        PartType::Message(inner) if depth < MAX_DEPTH => {
            PartKind::Message(Box::new(message_root(inner, path.clone(), depth + 1)))
        }
        _ => PartKind::Leaf,
    };
    let multipart = matches!(kind, PartKind::Multipart(_));
    Some(BodyPart {
        path,
        media_type,
        media_subtype,
        params,
        content_id: part.content_id().map(|id| format!("<{id}>")),
        description: part.content_description().map(str::to_owned),
        encoding: (!multipart).then(|| {
            TransferEncoding::parse(part.content_transfer_encoding().unwrap_or("").trim())
        }),
        size: if multipart { 0 } else { size },
        disposition: part.content_disposition().map(|d| Disposition {
            kind: d.ctype().to_ascii_lowercase(),
            params: d
                .attributes()
                .unwrap_or(&[])
                .iter()
                .map(|a| (a.name.to_ascii_lowercase(), a.value.to_string()))
                .collect(),
        }),
        location: part.content_location().map(str::to_owned),
        kind,
    })
}

fn find_in_message(
    msg: &Message,
    base: &PartPath,
    target: &PartPath,
    depth: usize,
) -> Option<Vec<u8>> {
    find_node(msg, 0, root_path(msg, base), target, depth)
}

fn find_node(
    msg: &Message,
    idx: usize,
    path: PartPath,
    target: &PartPath,
    depth: usize,
) -> Option<Vec<u8>> {
    if depth > MAX_DEPTH {
        return None;
    }
    let part = msg.parts.get(idx)?;
    // An attached message's multipart shares the message part's path; the message part is
    // matched first, which is what IMAP returns for that section.
    if &path == target {
        let body = msg
            .raw_message
            .get(part.offset_body as usize..part.offset_end as usize)?;
        return Some(body.to_vec());
    }
    if !target.0.starts_with(&path.0) {
        return None;
    }
    match &part.body {
        PartType::Multipart(ids) => ids.iter().enumerate().find_map(|(i, id)| {
            let n = u32::try_from(i + 1).ok()?;
            find_node(msg, *id as usize, path.child(n), target, depth + 1)
        }),
        PartType::Message(inner) => find_in_message(inner, &path, target, depth + 1),
        _ => None,
    }
}

/// Where one part of a message held in memory sits: its MIME header from `header`, its body
/// (what `BODY[<section>]` returns) from `body` to `end`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    pub path: PartPath,
    pub header: usize,
    pub body: usize,
    pub end: usize,
}

/// The spans of the parts of `raw`, numbered as [`structure_of`] numbers them; multiparts are
/// walked, attached messages are one part (their own parts are not listed).
pub(crate) fn spans_of(raw: &[u8]) -> Vec<Span> {
    let mut out = Vec::new();
    if let Some(msg) = MessageParser::default().parse(raw) {
        let path = root_path(&msg, &PartPath::default());
        collect_spans(&msg, 0, path, 0, &mut out);
    }
    out
}

fn collect_spans(msg: &Message, idx: usize, path: PartPath, depth: usize, out: &mut Vec<Span>) {
    let Some(part) = msg.parts.get(idx) else {
        return;
    };
    out.push(Span {
        path: path.clone(),
        header: part.offset_header as usize,
        body: part.offset_body as usize,
        end: part.offset_end as usize,
    });
    if let PartType::Multipart(ids) = &part.body
        && depth < MAX_DEPTH
    {
        for (i, id) in ids.iter().enumerate() {
            if let Ok(n) = u32::try_from(i + 1) {
                collect_spans(msg, *id as usize, path.child(n), depth + 1, out);
            }
        }
    }
}
