//! The decoder: what it accepts, how it represents it, and what it refuses.

use wbxml::tags::{airsync, airsyncbase, folderhierarchy};
use wbxml::{DecodeError, Element, Limits, Node, Page, decode, decode_with, encode};

const HEADER: [u8; 4] = [0x03, 0x01, 0x6A, 0x00];

/// A document: the EAS header, then `body`.
fn doc(body: &[u8]) -> Vec<u8> {
    let mut v = HEADER.to_vec();
    v.extend_from_slice(body);
    v
}

fn err(body: &[u8]) -> DecodeError {
    decode(&doc(body)).expect_err("should be refused")
}

// --- what it accepts --------------------------------------------------------------------------

#[test]
fn a_root_without_content_decodes_to_an_element_without_children() {
    assert_eq!(decode(&doc(&[0x05])), Ok(Element::new(airsync::SYNC)));
}

#[test]
fn str_i_decodes_to_a_text_node() {
    let tree = decode(&doc(&[0x45, 0x4B, 0x03, b'4', b'2', 0x00, 0x01, 0x01])).unwrap();
    assert_eq!(
        tree,
        Element::new(airsync::SYNC).text_child(airsync::SYNC_KEY, "42")
    );
}

#[test]
fn opaque_decodes_to_an_opaque_node() {
    let tree = decode(&doc(&[
        0x45, 0x00, 0x11, 0x4B, 0xC3, 0x03, 0xFF, 0x00, 0x01, 0x01, 0x01,
    ]))
    .unwrap();
    let data = Element::with_opaque(airsyncbase::DATA, vec![0xFF, 0x00, 0x01]);
    assert_eq!(tree, Element::new(airsync::SYNC).child(data));
}

#[test]
fn opaque_length_is_a_multi_byte_integer() {
    let mut body = vec![0x45, 0xC3, 0x81, 0x00]; // 128 bytes
    body.extend(std::iter::repeat_n(b'x', 128));
    body.push(0x01);
    let tree = decode(&doc(&body)).unwrap();
    assert_eq!(tree.children, [Node::Opaque(vec![b'x'; 128])]);
}

#[test]
fn switch_page_selects_the_page_of_the_following_tags() {
    // FolderSync (page 7) with Status, then back to AirSync for nothing: page state is global.
    let tree = decode(&doc(&[
        0x00, 0x07, 0x56, 0x4C, 0x03, b'1', 0x00, 0x01, 0x01,
    ]))
    .unwrap();
    assert_eq!(tree.tag, folderhierarchy::FOLDER_SYNC);
    assert_eq!(tree.elements().next().unwrap().tag, folderhierarchy::STATUS);
    assert_eq!(tree.page(), Page::FolderHierarchy);
}

#[test]
fn the_page_stays_switched_after_the_element_that_switched_it_ends() {
    // Sync > (AirSyncBase) Body/ then Type: Type is read on AirSyncBase, as WBXML says.
    let tree = decode(&doc(&[0x45, 0x00, 0x11, 0x0A, 0x06, 0x01])).unwrap();
    let tags: Vec<_> = tree.elements().map(|e| e.tag).collect();
    assert_eq!(tags, [airsyncbase::BODY, airsyncbase::TYPE]);
}

#[test]
fn content_bit_with_no_content_decodes_to_one_empty_text_node() {
    let bytes = doc(&[0x45, 0x4B, 0x01, 0x01]);
    let tree = decode(&bytes).unwrap();
    assert_eq!(
        tree.children,
        [Node::Element(Element::with_text(airsync::SYNC_KEY, ""))]
    );
    assert_eq!(encode(&tree), bytes, "and encodes back the same");
}

#[test]
fn an_empty_str_i_is_dropped() {
    // The element keeps its content bit: it reads as content bit, no content.
    let tree = decode(&doc(&[0x45, 0x4B, 0x03, 0x00, 0x01, 0x01])).unwrap();
    assert_eq!(
        tree.children,
        [Node::Element(Element::with_text(airsync::SYNC_KEY, ""))]
    );
    let tree = decode(&doc(&[0x45, 0x03, 0x00, 0x03, b'a', 0x00, 0x01])).unwrap();
    assert_eq!(tree.children, [Node::Text("a".into())]);
}

#[test]
fn consecutive_str_i_stay_separate_nodes_and_encode_back_the_same() {
    let bytes = doc(&[0x45, 0x03, b'a', 0x00, 0x03, b'b', 0x00, 0x01]);
    let tree = decode(&bytes).unwrap();
    assert_eq!(
        tree.children,
        [Node::Text("a".into()), Node::Text("b".into())]
    );
    assert_eq!(tree.text().unwrap(), "ab");
    assert_eq!(encode(&tree), bytes);
}

#[test]
fn a_redundant_switch_page_is_accepted_and_not_kept() {
    let tree = decode(&doc(&[
        0x00, 0x00, 0x45, 0x00, 0x00, 0x4B, 0x01, 0x00, 0x11, 0x01,
    ]))
    .unwrap();
    assert_eq!(encode(&tree), doc(&[0x45, 0x4B, 0x01, 0x01]));
}

#[test]
fn text_keeps_line_breaks_and_any_unicode() {
    let text = "line 1\r\nline 2\t✓ Grüße 🎉";
    let mut body = vec![0x45, 0x03];
    body.extend_from_slice(text.as_bytes());
    body.extend_from_slice(&[0x00, 0x01]);
    assert_eq!(decode(&doc(&body)).unwrap().text().unwrap(), text);
}

#[test]
fn decoding_then_encoding_a_document_is_byte_identical() {
    let bytes = doc(&[
        0x45, 0x5C, 0x4F, 0x4B, 0x03, b'1', 0x00, 0x01, 0x52, 0x03, b'5', 0x00, 0x01, 0x56, 0x47,
        0x4D, 0x03, b'5', b':', b'1', 0x00, 0x01, 0x5D, 0x00, 0x11, 0x4A, 0x46, 0x03, b'2', 0x00,
        0x01, 0x4B, 0xC3, 0x02, 0x00, 0xFF, 0x01, 0x01, 0x01, 0x01, 0x01, 0x00, 0x00, 0x14, 0x01,
        0x01, 0x01,
    ]);
    assert_eq!(encode(&decode(&bytes).unwrap()), bytes);
}

// --- what it refuses --------------------------------------------------------------------------

#[test]
fn an_empty_input_is_truncated() {
    assert_eq!(decode(&[]), Err(DecodeError::Truncated { offset: 0 }));
}

#[test]
fn a_header_without_a_root_is_truncated() {
    assert_eq!(decode(&HEADER), Err(DecodeError::Truncated { offset: 4 }));
}

#[test]
fn other_wbxml_versions_are_refused() {
    assert_eq!(
        decode(&[0x02, 0x01, 0x6A, 0x00, 0x05]),
        Err(DecodeError::UnsupportedVersion {
            offset: 0,
            found: 0x02
        })
    );
}

#[test]
fn other_public_ids_are_refused() {
    assert_eq!(
        decode(&[0x03, 0x00, 0x00, 0x6A, 0x00, 0x05]),
        Err(DecodeError::UnsupportedPublicId {
            offset: 1,
            found: 0
        })
    );
}

#[test]
fn other_charsets_are_refused() {
    assert_eq!(
        decode(&[0x03, 0x01, 0x04, 0x00, 0x05]),
        Err(DecodeError::UnsupportedCharset {
            offset: 2,
            found: 4
        })
    );
}

#[test]
fn a_string_table_is_refused() {
    assert_eq!(
        decode(&[0x03, 0x01, 0x6A, 0x02, b'a', 0x00, 0x05]),
        Err(DecodeError::StringTable { offset: 3, len: 2 })
    );
}

#[test]
fn a_multi_byte_integer_above_32_bits_is_refused() {
    // 0x10 0x00 0x00 0x00 0x00 = 2^32 needs 33 bits.
    assert_eq!(
        err(&[0x45, 0xC3, 0x90, 0x80, 0x80, 0x80, 0x00]),
        DecodeError::IntegerOverflow { offset: 6 }
    );
}

#[test]
fn a_multi_byte_integer_longer_than_5_bytes_is_refused() {
    assert_eq!(
        err(&[0x45, 0xC3, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]),
        DecodeError::IntegerOverflow { offset: 6 }
    );
}

#[test]
fn a_multi_byte_integer_with_leading_zero_groups_is_read_by_value() {
    let tree = decode(&doc(&[0x45, 0xC3, 0x80, 0x80, 0x01, b'x', 0x01])).unwrap();
    assert_eq!(tree.children, [Node::Opaque(vec![b'x'])]);
}

#[test]
fn attributes_are_refused() {
    assert_eq!(
        err(&[0x85, 0x01]),
        DecodeError::Attributes {
            offset: 4,
            token: 0x85
        }
    );
    assert_eq!(
        err(&[0xC5, 0x01, 0x01]),
        DecodeError::Attributes {
            offset: 4,
            token: 0xC5
        }
    );
}

#[test]
fn every_unsupported_global_token_is_refused_by_name() {
    for (token, name) in [
        (0x02, "ENTITY"),
        (0x04, "LITERAL"),
        (0x40, "EXT_I_0"),
        (0x41, "EXT_I_1"),
        (0x42, "EXT_I_2"),
        (0x43, "PI"),
        (0x44, "LITERAL_C"),
        (0x80, "EXT_T_0"),
        (0x81, "EXT_T_1"),
        (0x82, "EXT_T_2"),
        (0x83, "STR_T"),
        (0x84, "LITERAL_A"),
        (0xC0, "EXT_0"),
        (0xC1, "EXT_1"),
        (0xC2, "EXT_2"),
        (0xC4, "LITERAL_AC"),
    ] {
        assert_eq!(
            err(&[0x45, token, 0x00, 0x01]),
            DecodeError::UnsupportedToken {
                offset: 5,
                token,
                name
            },
            "{name}"
        );
    }
}

#[test]
fn an_unknown_page_is_refused() {
    assert_eq!(
        err(&[0x00, 0x03, 0x05]),
        DecodeError::UnknownPage { offset: 4, page: 3 }
    );
    assert_eq!(
        err(&[0x00, 0x1A, 0x05]),
        DecodeError::UnknownPage {
            offset: 4,
            page: 26
        }
    );
}

#[test]
fn an_unknown_token_on_a_known_page_is_refused() {
    assert_eq!(
        err(&[0x45, 0x11, 0x01]),
        DecodeError::UnknownTag {
            offset: 5,
            page: Page::AirSync,
            token: 0x11
        }
    );
}

#[test]
fn text_that_is_not_utf8_is_refused() {
    assert_eq!(
        err(&[0x45, 0x03, b'a', 0xC3, 0x28, 0x00, 0x01]),
        DecodeError::InvalidUtf8 { offset: 7 }
    );
}

#[test]
fn content_before_the_root_is_refused() {
    assert_eq!(
        err(&[0x03, b'a', 0x00, 0x05]),
        DecodeError::ContentOutsideElement {
            offset: 4,
            name: "STR_I"
        }
    );
    assert_eq!(
        err(&[0xC3, 0x00, 0x05]),
        DecodeError::ContentOutsideElement {
            offset: 4,
            name: "OPAQUE"
        }
    );
}

#[test]
fn an_end_before_the_root_is_refused() {
    assert_eq!(err(&[0x01]), DecodeError::UnmatchedEnd { offset: 4 });
}

#[test]
fn bytes_after_the_root_are_refused() {
    assert_eq!(
        err(&[0x05, 0x05]),
        DecodeError::TrailingBytes {
            offset: 5,
            count: 1
        }
    );
    assert_eq!(
        err(&[0x45, 0x01, 0x01]),
        DecodeError::TrailingBytes {
            offset: 6,
            count: 1
        }
    );
    assert_eq!(
        err(&[0x05, 0x00, 0x00]),
        DecodeError::TrailingBytes {
            offset: 5,
            count: 2
        },
        "even a page switch"
    );
}

#[test]
fn an_unterminated_string_is_truncated() {
    assert_eq!(
        err(&[0x45, 0x03, b'a', b'b']),
        DecodeError::Truncated { offset: 8 }
    );
}

#[test]
fn opaque_data_shorter_than_its_length_is_truncated() {
    assert_eq!(
        err(&[0x45, 0xC3, 0x05, b'a', 0x01]),
        DecodeError::Truncated { offset: 9 }
    );
}

#[test]
fn an_unclosed_element_is_truncated() {
    assert_eq!(
        err(&[0x45, 0x4B, 0x01]),
        DecodeError::Truncated { offset: 7 }
    );
}

#[test]
fn errors_say_where() {
    let e = err(&[0x45, 0x11, 0x01]);
    assert_eq!(e.offset(), 5);
    assert_eq!(
        e.to_string(),
        "unknown tag 0x11 on code page AirSync at byte 5"
    );
}

// --- limits -----------------------------------------------------------------------------------

fn nested(depth: usize) -> Vec<u8> {
    // Sync > Collections > Collection > Collections > ... as deep as asked.
    let mut body = vec![0x45];
    for i in 1..depth {
        body.push(if i % 2 == 1 { 0x5C } else { 0x4F });
    }
    body.extend(std::iter::repeat_n(0x01, depth));
    doc(&body)
}

#[test]
fn default_limits_are_generous_for_eas() {
    let l = Limits::default();
    assert_eq!(
        (
            l.max_depth,
            l.max_elements,
            l.max_text_len,
            l.max_opaque_len
        ),
        (64, 1_000_000, 64 << 20, 64 << 20)
    );
}

#[test]
fn nesting_up_to_max_depth_is_accepted() {
    let limits = Limits {
        max_depth: 8,
        ..Limits::default()
    };
    assert!(decode_with(&nested(8), &limits).is_ok());
}

#[test]
fn nesting_beyond_max_depth_is_refused() {
    let limits = Limits {
        max_depth: 8,
        ..Limits::default()
    };
    assert_eq!(
        decode_with(&nested(9), &limits),
        Err(DecodeError::TooDeep { offset: 12, max: 8 })
    );
}

#[test]
fn nesting_a_million_deep_is_refused_without_overflowing_the_stack() {
    assert_eq!(
        decode(&nested(1_000_000)),
        Err(DecodeError::TooDeep {
            offset: 68,
            max: 64
        })
    );
}

#[test]
fn more_elements_than_max_elements_are_refused() {
    let limits = Limits {
        max_elements: 3,
        ..Limits::default()
    };
    let three = doc(&[0x45, 0x0B, 0x0B, 0x01]);
    assert!(decode_with(&three, &limits).is_ok());
    let four = doc(&[0x45, 0x0B, 0x0B, 0x0B, 0x01]);
    assert_eq!(
        decode_with(&four, &limits),
        Err(DecodeError::TooManyElements { offset: 7, max: 3 })
    );
}

#[test]
fn text_longer_than_max_text_len_is_refused() {
    let limits = Limits {
        max_text_len: 3,
        ..Limits::default()
    };
    let ok = doc(&[0x45, 0x03, b'a', b'b', b'c', 0x00, 0x01]);
    assert!(decode_with(&ok, &limits).is_ok());
    let long = doc(&[0x45, 0x03, b'a', b'b', b'c', b'd', 0x00, 0x01]);
    assert_eq!(
        decode_with(&long, &limits),
        Err(DecodeError::TextTooLong { offset: 5, max: 3 })
    );
}

#[test]
fn opaque_longer_than_max_opaque_len_is_refused_before_reading_it() {
    let limits = Limits {
        max_opaque_len: 3,
        ..Limits::default()
    };
    let ok = doc(&[0x45, 0xC3, 0x03, 1, 2, 3, 0x01]);
    assert!(decode_with(&ok, &limits).is_ok());
    // The claimed length alone is enough: the data need not even be there.
    let long = doc(&[0x45, 0xC3, 0x8F, 0x7F]);
    assert_eq!(
        decode_with(&long, &limits),
        Err(DecodeError::OpaqueTooLong {
            offset: 5,
            len: 0x7FF,
            max: 3
        })
    );
}

// --- robustness -------------------------------------------------------------------------------

#[test]
fn every_truncation_of_a_valid_document_is_an_error_not_a_panic() {
    let bytes = doc(&[
        0x45, 0x5C, 0x4F, 0x4B, 0x03, b'1', 0x00, 0x01, 0x5D, 0x00, 0x11, 0x4B, 0xC3, 0x82, 0x00,
    ]);
    let mut full = bytes.clone();
    full.extend(std::iter::repeat_n(b'z', 256));
    full.extend_from_slice(&[0x01; 5]);
    assert!(decode(&full).is_ok());
    for len in 0..full.len() {
        assert!(decode(&full[..len]).is_err(), "cut at {len}");
    }
}

#[test]
fn every_single_byte_change_of_a_valid_document_decodes_or_errs_without_panicking() {
    let full = doc(&[
        0x45, 0x5C, 0x4F, 0x4B, 0x03, b'1', 0x00, 0x01, 0x5D, 0x00, 0x11, 0x4B, 0xC3, 0x02, 0xAA,
        0xBB, 0x01, 0x01, 0x01, 0x01,
    ]);
    for i in 0..full.len() {
        for b in 0..=255u8 {
            let mut changed = full.clone();
            changed[i] = b;
            if let Ok(tree) = decode(&changed) {
                assert_eq!(decode(&encode(&tree)), Ok(tree));
            }
        }
    }
}
