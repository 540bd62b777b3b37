//! BODYSTRUCTURE (as async-imap's parser gives it) to
//! [`convert::mail::BodyPart`], numbered as IMAP numbers sections.
//!
//! A message whose body is not multipart has its body at part `1`; a
//! multipart message's root is the whole message (`[]`) and its children
//! are `1`..`n`. A message/rfc822 part at `P` encloses a message numbered
//! the same way under `P`: a multipart enclosed message's root carries `P`
//! and its children `P.1`..; a single-part one's body is `P.1`.

use async_imap::imap_proto::{
    BodyContentCommon, BodyContentSinglePart, BodyParams, BodyStructure, ContentEncoding,
};
use convert::mail::{BodyPart, Disposition, PartKind, PartPath, TransferEncoding};

use super::raw::unescape;

/// The structure of a whole message.
pub(crate) fn message_structure(bs: &BodyStructure<'_>) -> BodyPart {
    enclosed(bs, PartPath::default())
}

/// The structure of a message whose sections are numbered under `base`.
fn enclosed(bs: &BodyStructure<'_>, base: PartPath) -> BodyPart {
    match bs {
        BodyStructure::Multipart { .. } => part(bs, base),
        _ => part(bs, base.child(1)),
    }
}

fn params(p: &BodyParams<'_>) -> Vec<(String, String)> {
    p.iter()
        .flatten()
        .map(|(k, v)| (unescape(k).to_ascii_lowercase(), unescape(v).into_owned()))
        .collect()
}

fn disposition(common: &BodyContentCommon<'_>) -> Option<Disposition> {
    common.disposition.as_ref().map(|d| Disposition {
        kind: unescape(&d.ty).to_ascii_lowercase(),
        params: params(&d.params),
    })
}

fn encoding(e: &ContentEncoding<'_>) -> TransferEncoding {
    match e {
        ContentEncoding::SevenBit => TransferEncoding::SevenBit,
        ContentEncoding::EightBit => TransferEncoding::EightBit,
        ContentEncoding::Binary => TransferEncoding::Binary,
        ContentEncoding::Base64 => TransferEncoding::Base64,
        ContentEncoding::QuotedPrintable => TransferEncoding::QuotedPrintable,
        ContentEncoding::Other(other) => TransferEncoding::parse(other),
    }
}

fn owned(s: &Option<std::borrow::Cow<'_, str>>) -> Option<String> {
    s.as_deref().map(|s| unescape(s).into_owned())
}

fn single(
    common: &BodyContentCommon<'_>,
    other: &BodyContentSinglePart<'_>,
    path: PartPath,
    kind: PartKind,
) -> BodyPart {
    BodyPart {
        path,
        media_type: unescape(&common.ty.ty).to_ascii_lowercase(),
        media_subtype: unescape(&common.ty.subtype).to_ascii_lowercase(),
        params: params(&common.ty.params),
        content_id: owned(&other.id),
        description: owned(&other.description),
        encoding: Some(encoding(&other.transfer_encoding)),
        size: u64::from(other.octets),
        disposition: disposition(common),
        location: owned(&common.location),
        kind,
    }
}

fn part(bs: &BodyStructure<'_>, path: PartPath) -> BodyPart {
    match bs {
        BodyStructure::Basic { common, other, .. } | BodyStructure::Text { common, other, .. } => {
            single(common, other, path, PartKind::Leaf)
        }
        BodyStructure::Message {
            common,
            other,
            body,
            ..
        } => {
            let inner = enclosed(body, path.clone());
            single(common, other, path, PartKind::Message(Box::new(inner)))
        }
        BodyStructure::Multipart { common, bodies, .. } => {
            let children = bodies
                .iter()
                .enumerate()
                .map(|(i, child)| part(child, path.child(i as u32 + 1)))
                .collect();
            BodyPart {
                path,
                media_type: "multipart".into(),
                media_subtype: unescape(&common.ty.subtype).to_ascii_lowercase(),
                params: params(&common.ty.params),
                content_id: None,
                description: None,
                encoding: None,
                size: 0,
                disposition: disposition(common),
                location: owned(&common.location),
                kind: PartKind::Multipart(children),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_imap::imap_proto::{AttributeValue, Response};

    fn structure(line: &str) -> BodyPart {
        match Response::parse(line.as_bytes()) {
            Ok((_, Response::Fetch(_, attrs))) => attrs
                .iter()
                .find_map(|a| match a {
                    AttributeValue::BodyStructure(bs) => Some(message_structure(bs)),
                    _ => None,
                })
                .expect("BODYSTRUCTURE"),
            other => panic!("{other:?}"),
        }
    }

    fn paths(p: &BodyPart, out: &mut Vec<(String, String)>) {
        out.push((p.path.section(), p.mime_type()));
        match &p.kind {
            PartKind::Leaf => {}
            PartKind::Multipart(children) => children.iter().for_each(|c| paths(c, out)),
            PartKind::Message(inner) => paths(inner, out),
        }
    }

    fn all_paths(p: &BodyPart) -> Vec<(String, String)> {
        let mut out = Vec::new();
        paths(p, &mut out);
        out
    }

    #[test]
    fn single_part_message_is_part_1() {
        let p = structure(
            "* 1 FETCH (UID 5 BODYSTRUCTURE (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"QUOTED-PRINTABLE\" 120 4 NIL NIL NIL NIL))\r\n",
        );
        assert_eq!(p.path, PartPath(vec![1]));
        assert!(p.is("text", "plain"));
        assert_eq!(p.param("charset"), Some("utf-8"));
        assert_eq!(p.encoding, Some(TransferEncoding::QuotedPrintable));
        assert_eq!(p.size, 120);
        assert_eq!(p.kind, PartKind::Leaf);
    }

    #[test]
    fn multipart_with_attachment_and_message() {
        // Dovecot 2.3's answer for a mixed message: alternative text/html, a
        // PDF attachment, and a forwarded message that is itself multipart.
        let line = concat!(
            "* 1 FETCH (UID 7 BODYSTRUCTURE (",
            "((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 10 1 NIL NIL NIL NIL)",
            "(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 30 1 NIL NIL NIL NIL)",
            " \"alternative\" (\"boundary\" \"b2\") NIL NIL NIL)",
            "(\"application\" \"pdf\" (\"name\" \"r.pdf\" \"x-q\" \"say \\\"hi\\\"\") \"<c1@x>\" \"Report\" \"base64\" 400 NIL",
            " (\"attachment\" (\"FILENAME\" \"r.pdf\")) NIL NIL)",
            "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 300",
            " (\"Mon, 1 Jan 2026 00:00:00 +0000\" \"Inner\" NIL NIL NIL NIL NIL NIL NIL \"<m@x>\")",
            " ((\"text\" \"plain\" NIL NIL NIL \"7bit\" 5 1 NIL NIL NIL NIL)",
            "(\"image\" \"png\" NIL NIL NIL \"base64\" 50 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"b3\") NIL NIL NIL)",
            " 12 NIL (\"inline\" NIL) NIL NIL)",
            " \"MIXED\" (\"BOUNDARY\" \"b1\") NIL NIL NIL))\r\n"
        );
        let p = structure(line);
        assert_eq!(
            all_paths(&p),
            [
                ("".into(), "multipart/mixed".into()),
                ("1".into(), "multipart/alternative".into()),
                ("1.1".into(), "text/plain".into()),
                ("1.2".into(), "text/html".into()),
                ("2".into(), "application/pdf".into()),
                ("3".into(), "message/rfc822".into()),
                ("3".into(), "multipart/mixed".into()),
                ("3.1".into(), "text/plain".into()),
                ("3.2".into(), "image/png".into()),
            ]
        );
        assert_eq!(p.param("boundary"), Some("b1"));
        assert_eq!(p.encoding, None);
        let pdf = p.find(&PartPath(vec![2])).unwrap();
        assert_eq!(pdf.content_id.as_deref(), Some("<c1@x>"));
        assert_eq!(pdf.description.as_deref(), Some("Report"));
        assert_eq!(pdf.size, 400);
        assert_eq!(pdf.param("x-q"), Some("say \"hi\""));
        assert_eq!(
            pdf.disposition,
            Some(Disposition {
                kind: "attachment".into(),
                params: vec![("filename".into(), "r.pdf".into())]
            })
        );
        let msg = p.find(&PartPath(vec![3])).unwrap();
        assert!(msg.is("message", "rfc822"));
        assert!(msg.is_inline_disposition());
        assert_eq!(
            p.find(&PartPath(vec![3, 2])).map(|x| x.mime_type()),
            Some("image/png".into())
        );
        // An attached message is one leaf.
        assert_eq!(
            p.leaves()
                .iter()
                .map(|l| l.path.section())
                .collect::<Vec<_>>(),
            ["1.1", "1.2", "2", "3"]
        );
    }

    #[test]
    fn enclosed_single_part_message_is_p_1() {
        let line = concat!(
            "* 1 FETCH (UID 8 BODYSTRUCTURE (",
            "(\"text\" \"plain\" NIL NIL NIL \"7bit\" 5 1 NIL NIL NIL NIL)",
            "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 100",
            " (NIL \"Inner\" NIL NIL NIL NIL NIL NIL NIL NIL)",
            " (\"text\" \"plain\" NIL NIL NIL \"7bit\" 5 1 NIL NIL NIL NIL) 3 NIL NIL NIL NIL)",
            " \"mixed\" (\"boundary\" \"x\") NIL NIL NIL))\r\n"
        );
        assert_eq!(
            all_paths(&structure(line)),
            [
                ("".into(), "multipart/mixed".into()),
                ("1".into(), "text/plain".into()),
                ("2".into(), "message/rfc822".into()),
                ("2.1".into(), "text/plain".into()),
            ]
        );
    }
}
