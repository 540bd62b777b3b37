//! The encoder: the bytes it writes and the misuse it refuses.

use std::io;

use wbxml::tags::{airsync, airsyncbase, folderhierarchy};
use wbxml::{Element, EncodeError, Encoder, Node, decode, encode, encode_to};

const HEADER: [u8; 4] = [0x03, 0x01, 0x6A, 0x00];

fn doc(body: &[u8]) -> Vec<u8> {
    let mut v = HEADER.to_vec();
    v.extend_from_slice(body);
    v
}

fn encode_error(e: io::Error) -> EncodeError {
    assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
    e.get_ref()
        .and_then(|e| e.downcast_ref::<EncodeError>())
        .cloned()
        .expect("an EncodeError inside")
}

#[test]
fn new_writes_the_eas_header() {
    let e = Encoder::new(Vec::new()).unwrap();
    let mut e = e;
    e.empty(airsync::SYNC).unwrap();
    assert_eq!(e.finish().unwrap(), doc(&[0x05]));
}

#[test]
fn start_sets_the_content_bit_and_end_writes_end() {
    let mut e = Encoder::new(Vec::new()).unwrap();
    e.start(airsync::SYNC).unwrap();
    e.empty(airsync::SYNC_KEY).unwrap();
    e.end().unwrap();
    assert_eq!(e.finish().unwrap(), doc(&[0x45, 0x0B, 0x01]));
}

#[test]
fn text_is_written_as_str_i() {
    let mut e = Encoder::new(Vec::new()).unwrap();
    e.start(airsync::SYNC_KEY).unwrap();
    e.text("ab").unwrap();
    e.end().unwrap();
    assert_eq!(
        e.finish().unwrap(),
        doc(&[0x4B, 0x03, b'a', b'b', 0x00, 0x01])
    );
}

#[test]
fn empty_text_writes_nothing() {
    let mut e = Encoder::new(Vec::new()).unwrap();
    e.start(airsync::SYNC_KEY).unwrap();
    e.text("").unwrap();
    e.end().unwrap();
    assert_eq!(e.finish().unwrap(), doc(&[0x4B, 0x01]));
}

#[test]
fn text_containing_nul_is_written_as_opaque() {
    let mut e = Encoder::new(Vec::new()).unwrap();
    e.start(airsync::SYNC_KEY).unwrap();
    e.text("a\0b").unwrap();
    e.end().unwrap();
    assert_eq!(
        e.finish().unwrap(),
        doc(&[0x4B, 0xC3, 0x03, b'a', 0x00, b'b', 0x01])
    );
}

#[test]
fn opaque_is_written_with_its_length_first() {
    let mut e = Encoder::new(Vec::new()).unwrap();
    e.start(airsync::SYNC_KEY).unwrap();
    e.opaque(&[0xFF; 200]).unwrap();
    e.end().unwrap();
    let mut expected = vec![0x4B, 0xC3, 0x81, 0x48]; // 200 = 1 * 128 + 72
    expected.extend([0xFF; 200]);
    expected.push(0x01);
    assert_eq!(e.finish().unwrap(), doc(&expected));
}

#[test]
fn empty_opaque_is_written_with_length_zero() {
    let tree = Element::with_opaque(airsync::SYNC_KEY, Vec::new());
    assert_eq!(encode(&tree), doc(&[0x4B, 0xC3, 0x00, 0x01]));
    assert_eq!(decode(&encode(&tree)), Ok(tree));
}

#[test]
fn the_first_tag_on_page_0_needs_no_switch() {
    assert_eq!(encode(&Element::new(airsync::SYNC)), doc(&[0x05]));
}

#[test]
fn a_root_on_another_page_is_preceded_by_a_switch() {
    assert_eq!(
        encode(&Element::new(folderhierarchy::FOLDER_SYNC)),
        doc(&[0x00, 0x07, 0x16])
    );
}

#[test]
fn pages_switch_only_when_the_page_changes_and_stay_switched() {
    // Sync > Body(ASB) > Type(ASB), Type(ASB), then SyncKey(AirSync): one switch there, one back.
    let tree = Element::new(airsync::SYNC)
        .child(Element::new(airsyncbase::BODY).child(Element::new(airsyncbase::TYPE)))
        .child(Element::new(airsyncbase::TYPE))
        .child(Element::new(airsync::SYNC_KEY));
    assert_eq!(
        encode(&tree),
        doc(&[
            0x45, 0x00, 0x11, 0x4A, 0x06, 0x01, 0x06, 0x00, 0x00, 0x0B, 0x01
        ])
    );
}

#[test]
fn an_element_with_one_empty_text_node_has_the_content_bit_and_no_content() {
    assert_eq!(
        encode(&Element::with_text(airsync::SYNC_KEY, "")),
        doc(&[0x4B, 0x01])
    );
}

#[test]
fn element_writes_a_subtree_into_a_streamed_document() {
    let mut e = Encoder::new(Vec::new()).unwrap();
    e.start(airsync::SYNC).unwrap();
    e.element(&Element::new(airsync::COLLECTIONS).text_child(airsync::STATUS, "1"))
        .unwrap();
    e.end().unwrap();
    let bytes = e.finish().unwrap();
    assert_eq!(
        bytes,
        doc(&[0x45, 0x5C, 0x4E, 0x03, b'1', 0x00, 0x01, 0x01, 0x01])
    );
}

#[test]
fn encode_to_writes_to_any_writer_and_returns_it() {
    let tree = Element::new(airsync::SYNC).text_child(airsync::SYNC_KEY, "0");
    let cursor = encode_to(&tree, io::Cursor::new(Vec::new())).unwrap();
    assert_eq!(cursor.into_inner(), encode(&tree));
}

#[test]
fn a_tree_a_million_deep_encodes_without_overflowing_the_stack() {
    let depth = 1_000_000;
    let mut e = Encoder::new(Vec::new()).unwrap();
    for _ in 0..depth {
        e.start(airsync::COLLECTIONS).unwrap();
    }
    for _ in 0..depth {
        e.end().unwrap();
    }
    assert_eq!(e.finish().unwrap().len(), 4 + 2 * depth);
}

#[test]
fn end_without_an_open_element_is_refused() {
    let mut e = Encoder::new(Vec::new()).unwrap();
    assert_eq!(
        encode_error(e.end().unwrap_err()),
        EncodeError::UnmatchedEnd
    );
}

#[test]
fn content_outside_an_element_is_refused() {
    let mut e = Encoder::new(Vec::new()).unwrap();
    assert_eq!(
        encode_error(e.text("x").unwrap_err()),
        EncodeError::ContentOutsideElement
    );
    assert_eq!(
        encode_error(e.opaque(b"x").unwrap_err()),
        EncodeError::ContentOutsideElement
    );
}

#[test]
fn a_second_root_is_refused() {
    let mut e = Encoder::new(Vec::new()).unwrap();
    e.empty(airsync::SYNC).unwrap();
    assert_eq!(
        encode_error(e.empty(airsync::SYNC).unwrap_err()),
        EncodeError::SecondRoot
    );
    assert_eq!(
        encode_error(e.start(airsync::SYNC).unwrap_err()),
        EncodeError::SecondRoot
    );
}

#[test]
fn finish_refuses_open_elements() {
    let mut e = Encoder::new(Vec::new()).unwrap();
    e.start(airsync::SYNC).unwrap();
    e.start(airsync::COLLECTIONS).unwrap();
    assert_eq!(
        encode_error(e.finish().unwrap_err()),
        EncodeError::Unclosed { open: 2 }
    );
}

#[test]
fn finish_refuses_a_document_without_a_root() {
    let e = Encoder::new(Vec::new()).unwrap();
    assert_eq!(encode_error(e.finish().unwrap_err()), EncodeError::NoRoot);
}

#[test]
fn writer_errors_are_passed_on() {
    struct Full;
    impl io::Write for Full {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::other("disk full"))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    assert_eq!(Encoder::new(Full).err().unwrap().to_string(), "disk full");
}

#[test]
fn nodes_are_written_in_order() {
    let tree = Element {
        tag: airsync::SYNC_KEY,
        children: vec![
            Node::Text("a".into()),
            Node::Opaque(vec![1]),
            Node::Text("b".into()),
        ],
    };
    let bytes = encode(&tree);
    assert_eq!(
        bytes,
        doc(&[
            0x4B, 0x03, b'a', 0x00, 0xC3, 0x01, 0x01, 0x03, b'b', 0x00, 0x01
        ])
    );
    assert_eq!(decode(&bytes), Ok(tree));
}
