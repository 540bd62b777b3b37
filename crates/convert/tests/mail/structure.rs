use convert::mail::{PartKind, TransferEncoding};

use super::*;

#[test]
fn single_part_message_body_is_part_1() {
    let s = structure_of(&fixture("plain.eml"));
    assert_eq!(s.path, path("1"));
    assert!(s.is("text", "plain"));
    assert_eq!(s.param("charset"), Some("utf-8"));
}

#[test]
fn multipart_children_are_numbered_from_1_under_the_root() {
    let s = structure_of(&fixture("related.eml"));
    assert_eq!(s.path, path(""));
    let leaves: Vec<String> = s.leaves().iter().map(|l| l.path.section()).collect();
    assert_eq!(leaves, ["1", "2.1", "2.2"]);
}

#[test]
fn attached_message_parts_are_numbered_under_the_message_part() {
    let s = structure_of(&fixture("forwarded.eml"));
    let fwd = s.find(&path("2")).expect("part 2");
    assert!(fwd.is("message", "rfc822"));
    let PartKind::Message(inner) = &fwd.kind else {
        panic!("not a message")
    };
    // The inner multipart shares the message part's number; its children are 2.1 and 2.2.
    let inner_leaves: Vec<String> = inner.leaves().iter().map(|l| l.path.section()).collect();
    assert_eq!(inner_leaves, ["2.1", "2.2"]);
    // A single-part attached message has its body at 3.1.
    let PartKind::Message(single) = &s.find(&path("3")).expect("part 3").kind else {
        panic!("not a message")
    };
    assert_eq!(single.path, path("3.1"));
}

#[test]
fn sizes_are_encoded_body_sizes() {
    let raw = fixture("related.eml");
    let s = structure_of(&raw);
    let png = s.find(&path("2.2")).expect("png");
    assert_eq!(png.encoding, Some(TransferEncoding::Base64));
    assert_eq!(
        png.size,
        section_of(&raw, &path("2.2"))
            .map(|b| b.len() as u64)
            .unwrap_or(0)
    );
    assert_eq!(s.size, 0, "multiparts have no size of their own");
}

#[test]
fn sections_are_what_imap_returns() {
    let raw = fixture("forwarded.eml");
    assert_eq!(
        section_of(&raw, &path("1")).as_deref(),
        Some(&b"See below."[..])
    );
    assert_eq!(
        section_of(&raw, &path("2.1")).as_deref(),
        Some(&b"Sure, noon."[..])
    );
    let whole = section_of(&raw, &path("2")).unwrap_or_default();
    assert!(whole.starts_with(b"From: Bob <bob@example.org>\r\n"));
    assert_eq!(
        section_of(&raw, &path("3.1")).as_deref(),
        Some(&b"Just one part.\r\n"[..])
    );
    assert_eq!(section_of(&raw, &path("9")), None);
}

#[test]
fn content_id_is_kept_in_angle_brackets_like_imap() {
    let s = structure_of(&fixture("related.eml"));
    let png = s.find(&path("2.2")).expect("png");
    assert_eq!(png.content_id.as_deref(), Some("<logo@example.net>"));
}

#[test]
fn garbage_still_has_a_structure() {
    let s = structure_of(b"\x00\x01 not a message");
    assert!(s.leaves().len() == 1);
}
