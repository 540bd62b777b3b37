//! MS-ASEMAIL MessageClass: what kind of item a message is, from its structure.

use super::headers::Headers;
use super::structure::{BodyPart, PartKind};

/// The message class. Checked in this order: S/MIME signed or encrypted, delivery and read
/// reports, meeting requests and cancellations; everything else is "IPM.Note".
pub fn message_class(structure: &BodyPart, headers: &Headers) -> String {
    // The structure knows the top-level type; the header is the fallback for a structure that
    // lost its parameters.
    let top = (
        structure.media_type.as_str(),
        structure.media_subtype.as_str(),
    );
    let top_param = |name: &str| -> Option<String> {
        structure.param(name).map(str::to_owned).or_else(|| {
            headers
                .content_type
                .as_ref()
                .filter(|ct| ct.media_type == top.0 && ct.media_subtype == top.1)
                .and_then(|ct| ct.param(name).map(str::to_owned))
        })
    };
    let class = match top {
        ("multipart", "signed") => {
            // PGP/MIME signatures are not S/MIME; devices show those as a normal note.
            let protocol = top_param("protocol")
                .unwrap_or_default()
                .to_ascii_lowercase();
            protocol
                .contains("pkcs7-signature")
                .then_some("IPM.Note.SMIME.MultipartSigned")
        }
        ("application", "pkcs7-mime" | "x-pkcs7-mime") => Some("IPM.Note.SMIME"),
        ("multipart", "report") => {
            match top_param("report-type")
                .unwrap_or_default()
                .to_ascii_lowercase()
                .as_str()
            {
                "delivery-status" => Some("REPORT.IPM.Note.NDR"),
                "disposition-notification" => Some("REPORT.IPM.Note.IPNRN"),
                _ => None,
            }
        }
        _ => None,
    };
    if let Some(c) = class {
        return c.to_owned();
    }
    match calendar_method(structure).as_deref() {
        Some("REQUEST") => "IPM.Schedule.Meeting.Request".to_owned(),
        Some("CANCEL") => "IPM.Schedule.Meeting.Canceled".to_owned(),
        _ => "IPM.Note".to_owned(),
    }
}

/// The METHOD of the first text/calendar part of the message itself (not of attached
/// messages), upper case.
fn calendar_method(p: &BodyPart) -> Option<String> {
    match &p.kind {
        PartKind::Leaf if p.is("text", "calendar") => {
            p.param("method").map(|m| m.trim().to_ascii_uppercase())
        }
        PartKind::Multipart(children) => children.iter().find_map(calendar_method),
        _ => None,
    }
}
