//! Which leaves of a message make its body text. Everything else is an attachment.

use super::structure::{BodyPart, PartKind, PartPath};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Prefer {
    Plain,
    Html,
}

pub(crate) fn is_html(p: &BodyPart) -> bool {
    p.is("text", "html")
}

/// A text/plain or text/html leaf that reads as message text: not an attachment and, below the
/// top, without a file name (a named text part is an attached file).
fn is_text_leaf(p: &BodyPart, top: bool) -> bool {
    matches!(p.kind, PartKind::Leaf)
        && p.media_type == "text"
        && (p.media_subtype == "plain" || p.media_subtype == "html")
        && !p.is_attachment_disposition()
        && (top || !p.has_file_name())
}

/// The leaves whose text, joined in order, is the message body, choosing HTML or plain text
/// where the message offers both.
pub(crate) fn text_parts(root: &BodyPart, prefer: Prefer) -> Vec<&BodyPart> {
    select(root, prefer, true)
}

fn select(p: &BodyPart, prefer: Prefer, top: bool) -> Vec<&BodyPart> {
    match &p.kind {
        PartKind::Leaf => {
            if is_text_leaf(p, top) {
                vec![p]
            } else {
                Vec::new()
            }
        }
        // An enclosed message is an attachment (Method 5), not body text.
        PartKind::Message(_) => Vec::new(),
        PartKind::Multipart(children) => match p.media_subtype.as_str() {
            "alternative" => alternative(children, prefer),
            "related" => related_root(p)
                .map(|root| select(root, prefer, top))
                .unwrap_or_default(),
            // The signed content; the signature is an attachment.
            "signed" => children
                .first()
                .map(|c| select(c, prefer, top))
                .unwrap_or_default(),
            // Unreadable without the key.
            "encrypted" => Vec::new(),
            _ => mixed(children, prefer),
        },
    }
}

/// RFC 2046: the alternatives are in increasing order of preference. Take the last one that
/// has the preferred kind, else the last one with any text.
fn alternative(children: &[BodyPart], prefer: Prefer) -> Vec<&BodyPart> {
    let candidates: Vec<Vec<&BodyPart>> =
        children.iter().map(|c| select(c, prefer, false)).collect();
    let wants_html = prefer == Prefer::Html;
    candidates
        .iter()
        .rev()
        .find(|c| !c.is_empty() && c.iter().any(|p| is_html(p) == wants_html))
        .or_else(|| candidates.iter().rev().find(|c| !c.is_empty()))
        .cloned()
        .unwrap_or_default()
}

/// multipart/related: the part named by `start`, else the first (RFC 2387).
pub(crate) fn related_root(p: &BodyPart) -> Option<&BodyPart> {
    let children = p.children();
    let start = p.param("start").map(strip_angle);
    start
        .and_then(|s| {
            children
                .iter()
                .find(|c| c.content_id.as_deref().map(strip_angle) == Some(s))
        })
        .or_else(|| children.first())
}

pub(crate) fn strip_angle(s: &str) -> &str {
    let s = s.trim();
    let s = s.strip_prefix('<').unwrap_or(s);
    s.strip_suffix('>').unwrap_or(s)
}

/// multipart/mixed and unknown multiparts: the first child with text, then the text leaves
/// that follow it, until the first part that is clearly an attachment. Inline non-text parts
/// (Apple Mail's images between paragraphs) are passed over, not a reason to stop.
fn mixed(children: &[BodyPart], prefer: Prefer) -> Vec<&BodyPart> {
    let mut out: Vec<&BodyPart> = Vec::new();
    for c in children {
        if out.is_empty() {
            if c.is_attachment_disposition() {
                continue;
            }
            out = select(c, prefer, false);
            continue;
        }
        if c.is_attachment_disposition() || matches!(c.kind, PartKind::Message(_)) {
            break;
        }
        if is_text_leaf(c, false) {
            out.push(c);
        }
    }
    out
}

/// Every leaf that is body text under some choice: the selections for both preferences, and
/// each text rendering offered by a multipart/alternative (including text/calendar, which is
/// the invitation shown as a meeting, not a file). None of these is an attachment.
pub(crate) fn body_leaves(root: &BodyPart) -> Vec<PartPath> {
    let mut out: Vec<PartPath> = Vec::new();
    for prefer in [Prefer::Plain, Prefer::Html] {
        out.extend(text_parts(root, prefer).into_iter().map(|p| p.path.clone()));
    }
    collect_alternatives(root, &mut out);
    out.sort();
    out.dedup();
    out
}

fn collect_alternatives(p: &BodyPart, out: &mut Vec<PartPath>) {
    if let PartKind::Multipart(children) = &p.kind {
        for c in children {
            if p.media_subtype == "alternative" {
                for prefer in [Prefer::Plain, Prefer::Html] {
                    out.extend(select(c, prefer, false).into_iter().map(|x| x.path.clone()));
                }
                if c.is("text", "calendar") && !c.is_attachment_disposition() {
                    out.push(c.path.clone());
                }
            }
            collect_alternatives(c, out);
        }
    }
}
