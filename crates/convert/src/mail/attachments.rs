//! airsyncbase:Attachments: every leaf that is not body text.

use super::body::{BodyPlan, decoded_size_estimate};
use super::select::{body_leaves, strip_angle};
use super::structure::{BodyPart, PartKind, PartPath};
use super::text::{decode_words, param_value};

/// One airsyncbase:Attachment (FileReference is the engine's: it knows the folder and UID).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttachmentInfo {
    pub path: PartPath,
    pub display_name: String,
    /// airsyncbase:Method: 1 a file, 5 an embedded message (message/rfc822).
    pub method: u8,
    /// Decoded size.
    pub estimated_size: u64,
    /// Without the angle brackets.
    pub content_id: Option<String>,
    pub content_location: Option<String>,
    pub is_inline: bool,
    /// "image/png".
    pub media_type: String,
}

/// The attachments of a message, in document order.
pub fn attachments(structure: &BodyPart, plan: &BodyPlan) -> Vec<AttachmentInfo> {
    let mut body = body_leaves(structure);
    body.extend(plan.fetch.iter().map(|f| f.path.clone()));
    let mut out = Vec::new();
    collect(structure, false, &body, &mut out);
    out
}

fn collect(p: &BodyPart, in_related: bool, body: &[PartPath], out: &mut Vec<AttachmentInfo>) {
    match &p.kind {
        PartKind::Multipart(children) => {
            let related = p.media_subtype == "related";
            for c in children {
                collect(c, related, body, out);
            }
        }
        _ if body.contains(&p.path) => {}
        PartKind::Leaf => out.push(info(p, in_related, 1)),
        PartKind::Message(_) => out.push(info(p, in_related, 5)),
    }
}

fn info(p: &BodyPart, in_related: bool, method: u8) -> AttachmentInfo {
    let content_id = p
        .content_id
        .as_deref()
        .map(strip_angle)
        .filter(|c| !c.is_empty())
        .map(str::to_owned);
    // Inline: shown in the body, either by disposition or as a cid: resource of an HTML page.
    let is_inline = !p.is_attachment_disposition()
        && (p.is_inline_disposition() || (in_related && content_id.is_some()));
    AttachmentInfo {
        path: p.path.clone(),
        display_name: display_name(p, method),
        method,
        estimated_size: decoded_size_estimate(p),
        content_id,
        content_location: p.location.clone().filter(|l| !l.trim().is_empty()),
        is_inline,
        media_type: p.mime_type(),
    }
}

/// The file name: disposition filename, then the type's name, then (for messages) the
/// description; else "attachment-<section>.<ext>" ("message.eml" for messages).
pub fn display_name(p: &BodyPart, method: u8) -> String {
    let given = p
        .disposition
        .as_ref()
        .and_then(|d| param_value(&d.params, "filename"))
        .or_else(|| param_value(&p.params, "name"))
        .map(|n| clean_name(&n))
        .filter(|n| !n.is_empty());
    if let Some(n) = given {
        return n;
    }
    if method == 5 {
        return p
            .description
            .as_deref()
            .map(|d| clean_name(&decode_words(d)))
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| "message.eml".to_owned());
    }
    format!(
        "attachment-{}.{}",
        p.path.section(),
        extension_for(&p.mime_type())
    )
}

/// Keeps the last path component and drops control characters: a name is not a path.
fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    base.chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .trim()
        .to_owned()
}

/// A file name extension for a media type, "bin" when unknown.
pub fn extension_for(media_type: &str) -> &'static str {
    match media_type {
        "text/plain" => "txt",
        "text/html" => "html",
        "text/calendar" | "application/ics" => "ics",
        "text/vcard" | "text/x-vcard" => "vcf",
        "text/csv" => "csv",
        "text/rfc822-headers" | "message/delivery-status" | "message/disposition-notification" => {
            "txt"
        }
        "message/rfc822" => "eml",
        "image/png" => "png",
        "image/jpeg" | "image/jpg" | "image/pjpeg" => "jpg",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "image/heic" => "heic",
        "image/bmp" => "bmp",
        "image/tiff" => "tif",
        "image/svg+xml" => "svg",
        "application/pdf" => "pdf",
        "application/zip" => "zip",
        "application/json" => "json",
        "application/msword" => "doc",
        "application/vnd.ms-excel" => "xls",
        "application/vnd.ms-powerpoint" => "ppt",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => "docx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => "xlsx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation" => "pptx",
        "application/pkcs7-signature" | "application/x-pkcs7-signature" => "p7s",
        "application/pkcs7-mime" | "application/x-pkcs7-mime" => "p7m",
        "application/pgp-signature" | "application/pgp-encrypted" | "application/pgp-keys" => "asc",
        "audio/mpeg" => "mp3",
        "audio/wav" | "audio/x-wav" => "wav",
        "video/mp4" => "mp4",
        _ => "bin",
    }
}
