//! The corpus of realistic EAS documents (tests/corpus/*.xml) through our own codec.

mod support;

use support::corpus;
use wbxml::{Page, decode, encode, from_xml, to_xml};

#[test]
fn corpus_documents_are_in_the_canonical_xml_form() {
    // AIRGATE_BLESS=1 rewrites the files in the canonical form instead of failing.
    let bless = std::env::var_os("AIRGATE_BLESS").is_some();
    for (name, text) in corpus() {
        let tree = from_xml(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let canonical = to_xml(&tree);
        if bless && canonical != text {
            let path = support::manifest_dir().join("tests/corpus").join(&name);
            std::fs::write(path, &canonical).unwrap();
            continue;
        }
        assert_eq!(canonical, text, "{name} is not as to_xml writes it");
    }
}

#[test]
fn xml_to_wbxml_to_xml_is_exact_for_every_corpus_document() {
    for (name, text) in corpus() {
        let bytes = encode(&from_xml(&text).unwrap());
        let back = to_xml(&decode(&bytes).unwrap_or_else(|e| panic!("{name}: {e}")));
        assert_eq!(back, text, "{name}");
    }
}

#[test]
fn wbxml_to_xml_to_wbxml_is_exact_for_every_corpus_document() {
    for (name, text) in corpus() {
        let bytes = encode(&from_xml(&text).unwrap());
        let again = encode(&from_xml(&to_xml(&decode(&bytes).unwrap())).unwrap());
        assert_eq!(again, bytes, "{name}");
    }
}

#[test]
fn the_corpus_uses_every_code_page() {
    let mut used: Vec<Page> = corpus()
        .iter()
        .flat_map(|(_, text)| support::pages(&from_xml(text).unwrap()))
        .collect();
    used.sort();
    used.dedup();
    assert_eq!(used, Page::ALL);
}

#[test]
fn every_truncation_of_a_corpus_document_is_an_error() {
    for (name, text) in corpus() {
        let bytes = encode(&from_xml(&text).unwrap());
        for len in 0..bytes.len() {
            assert!(
                decode(&bytes[..len]).is_err(),
                "{name} cut to {len} bytes decoded"
            );
        }
    }
}
