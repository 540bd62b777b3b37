//! Arbitrary bytes into the decoder. Whatever decodes must encode back to bytes that decode to
//! the same tree (and to the same bytes), and must survive the XML form: exactly where that form
//! is exact, and as a fixed point after the normalisations the crate README lists.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wbxml::{Element, Node, decode, encode, from_xml, to_xml};

/// Whether the XML form can carry the tree exactly: no adjacent strings, no text mixed with
/// opaque data that needs base64, no whitespace-only text beside child elements.
fn xml_exact(e: &Element) -> bool {
    let has_elements = e.children.iter().any(|n| matches!(n, Node::Element(_)));
    let base64 = e.children.iter().any(|n| match n {
        Node::Opaque(b) => {
            let s = std::str::from_utf8(b);
            !matches!(s, Ok(s) if !s.contains("]]>") && !s.contains('\r')
                && s.chars().all(|c| matches!(c, '\t' | '\n' | '\u{20}'..='\u{D7FF}'
                    | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)))
        }
        _ => false,
    });
    let mut previous_text = false;
    for n in &e.children {
        match n {
            Node::Text(t) => {
                if previous_text
                    || base64
                    || (has_elements && t.bytes().all(|b| b" \t\r\n".contains(&b)))
                {
                    return false;
                }
                previous_text = true;
            }
            Node::Opaque(_) if base64 && e.children.len() > 1 => return false,
            Node::Element(c) => {
                previous_text = false;
                if !xml_exact(c) {
                    return false;
                }
            }
            Node::Opaque(_) => previous_text = false,
        }
    }
    true
}

fuzz_target!(|data: &[u8]| {
    let Ok(tree) = decode(data) else { return };
    let bytes = encode(&tree);
    let again = decode(&bytes).expect("our own encoding decodes");
    assert_eq!(again, tree);
    assert_eq!(encode(&again), bytes);

    let xml = to_xml(&tree);
    let back = from_xml(&xml).expect("our own XML reads back");
    if xml_exact(&tree) {
        assert_eq!(back, tree, "{xml}");
        assert_eq!(encode(&back), bytes);
    }
    // What the XML form normalised, it keeps: the normalised tree is a fixed point.
    let xml2 = to_xml(&back);
    assert_eq!(
        from_xml(&xml2).expect("our own XML reads back"),
        back,
        "{xml2}"
    );
});
