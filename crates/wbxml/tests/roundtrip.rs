//! Round trips over generated trees: WBXML both ways, and through the XML form.

use proptest::prelude::*;
use wbxml::{Element, Node, Page, Tag, decode, encode, from_xml, to_xml};

fn all_tags() -> Vec<Tag> {
    Page::ALL
        .iter()
        .flat_map(|p| p.tags().iter().map(|&(t, _)| Tag::new(*p, t).unwrap()))
        .collect()
}

fn tag() -> impl Strategy<Value = Tag> {
    prop::sample::select(all_tags())
}

/// Non-empty text without NUL (which STR_I cannot carry): any Unicode, controls included.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[^\u{0}]{1,24}",
        "[a-zA-Z0-9 <>&\r\n\t]{1,24}",
        Just(" ".to_owned()),
        Just("\r\n".to_owned()),
    ]
}

fn opaque() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..40),
        "[a-z\n\r\\]>]{0,20}".prop_map(String::into_bytes),
    ]
}

/// An element as EAS writes them: either elements only, or exactly one kind of content.
fn eas_tree() -> impl Strategy<Value = Element> {
    let leaf = (
        tag(),
        prop_oneof![
            Just(vec![]),
            Just(vec![Node::Text(String::new())]),
            text().prop_map(|t| vec![Node::Text(t)]),
            opaque().prop_map(|b| vec![Node::Opaque(b)]),
        ],
    )
        .prop_map(|(tag, children)| Element { tag, children });
    leaf.prop_recursive(6, 96, 6, |inner| {
        (tag(), prop::collection::vec(inner, 1..6)).prop_map(|(tag, kids)| Element {
            tag,
            children: kids.into_iter().map(Node::Element).collect(),
        })
    })
}

/// Any tree the decoder can produce: mixed content, adjacent strings, opaque between elements.
fn any_tree() -> impl Strategy<Value = Element> {
    eas_tree().prop_recursive(3, 64, 5, |inner| {
        let node = prop_oneof![
            3 => inner.prop_map(Node::Element),
            1 => text().prop_map(Node::Text),
            1 => opaque().prop_map(Node::Opaque),
        ];
        (tag(), prop::collection::vec(node, 1..6))
            .prop_map(|(tag, children)| Element { tag, children })
    })
}

/// Bytes that look like WBXML: the header, then mostly tokens the decoder knows.
fn wbxml_like() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        4 => prop::sample::select(vec![0x00u8, 0x01, 0x03, 0xC3, 0x45, 0x05, 0x4B, 0x5C, 0x11]),
        2 => 0u8..=25,
        1 => any::<u8>(),
    ];
    prop::collection::vec(byte, 0..64).prop_map(|body| {
        let mut v = vec![0x03, 0x01, 0x6A, 0x00];
        v.extend(body);
        v
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn encoding_then_decoding_gives_back_any_tree(tree in any_tree()) {
        prop_assert_eq!(decode(&encode(&tree)), Ok(tree));
    }

    #[test]
    fn decoding_then_encoding_gives_back_the_bytes(tree in any_tree()) {
        let bytes = encode(&tree);
        prop_assert_eq!(encode(&decode(&bytes).unwrap()), bytes);
    }

    #[test]
    fn wbxml_to_xml_to_wbxml_is_byte_identical(tree in eas_tree()) {
        let bytes = encode(&tree);
        let xml = to_xml(&decode(&bytes).unwrap());
        let back = from_xml(&xml).map_err(|e| TestCaseError::fail(format!("{e}\n{xml}")))?;
        prop_assert_eq!(encode(&back), bytes);
    }

    #[test]
    fn xml_to_wbxml_to_xml_is_exact(tree in eas_tree()) {
        let xml = to_xml(&tree);
        let bytes = encode(&from_xml(&xml).unwrap());
        prop_assert_eq!(to_xml(&decode(&bytes).unwrap()), xml);
    }

    #[test]
    fn the_xml_form_reads_back_to_the_same_tree(tree in eas_tree()) {
        prop_assert_eq!(from_xml(&to_xml(&tree)).unwrap(), tree);
    }

    #[test]
    fn any_tree_reads_back_from_xml_and_what_xml_normalised_stays_normalised(tree in any_tree()) {
        let xml = to_xml(&tree);
        let back = from_xml(&xml).map_err(|e| TestCaseError::fail(format!("{e}\n{xml}")))?;
        let again = from_xml(&to_xml(&back)).unwrap();
        prop_assert_eq!(again, back);
    }

    #[test]
    fn arbitrary_bytes_decode_or_err_and_what_decodes_reencodes_to_the_same_tree(
        bytes in wbxml_like()
    ) {
        if let Ok(tree) = decode(&bytes) {
            prop_assert_eq!(decode(&encode(&tree)), Ok(tree));
        }
    }
}
