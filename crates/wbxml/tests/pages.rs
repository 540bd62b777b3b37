//! The code page tables against MS-ASWBXML's, as recorded in
//! shared/conformance/ms-aswbxml-tokens.json.

mod support;

use std::collections::BTreeMap;

use wbxml::{Page, Tag};

/// A JSON value of the shapes that file uses: objects and strings.
#[derive(Debug)]
enum Json {
    Object(BTreeMap<String, Json>),
    String(String),
}

impl Json {
    fn object(&self) -> &BTreeMap<String, Json> {
        match self {
            Json::Object(o) => o,
            other => panic!("expected an object, found {other:?}"),
        }
    }

    fn string(&self) -> &str {
        match self {
            Json::String(s) => s,
            other => panic!("expected a string, found {other:?}"),
        }
    }
}

/// Just enough JSON for the token table: objects, strings with simple escapes, whitespace.
fn parse_json(text: &str) -> Json {
    fn skip_ws(s: &[u8], i: &mut usize) {
        while *i < s.len() && s[*i].is_ascii_whitespace() {
            *i += 1;
        }
    }
    fn string(s: &[u8], i: &mut usize) -> String {
        assert_eq!(s[*i], b'"');
        *i += 1;
        let mut out = Vec::new();
        while s[*i] != b'"' {
            if s[*i] == b'\\' {
                *i += 1;
                assert!(b"\"\\/".contains(&s[*i]), "unsupported escape");
            }
            out.push(s[*i]);
            *i += 1;
        }
        *i += 1;
        String::from_utf8(out).unwrap()
    }
    fn value(s: &[u8], i: &mut usize) -> Json {
        skip_ws(s, i);
        if s[*i] == b'"' {
            return Json::String(string(s, i));
        }
        assert_eq!(s[*i], b'{', "only objects and strings are expected");
        *i += 1;
        let mut map = BTreeMap::new();
        loop {
            skip_ws(s, i);
            if s[*i] == b'}' {
                *i += 1;
                return Json::Object(map);
            }
            let key = string(s, i);
            skip_ws(s, i);
            assert_eq!(s[*i], b':');
            *i += 1;
            map.insert(key, value(s, i));
            skip_ws(s, i);
            if s[*i] == b',' {
                *i += 1;
            }
        }
    }
    value(text.as_bytes(), &mut 0)
}

/// The spec's table as (page number, namespace, token, name).
fn spec_tokens() -> Vec<(u8, String, u8, String)> {
    let path = support::conformance_dir().join("ms-aswbxml-tokens.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let mut out = Vec::new();
    for (page, body) in parse_json(&text).object() {
        let body = body.object();
        let ns = body["ns"].string();
        for (token, name) in body["tokens"].object() {
            let token = u8::from_str_radix(token.trim_start_matches("0x"), 16).unwrap();
            out.push((
                page.parse().unwrap(),
                ns.to_owned(),
                token,
                name.string().to_owned(),
            ));
        }
    }
    out.sort();
    out
}

#[test]
fn every_spec_token_is_in_our_tables_with_its_name() {
    let spec = spec_tokens();
    assert!(
        spec.len() > 400,
        "the table looks incomplete: {} tokens",
        spec.len()
    );
    for (page, ns, token, name) in &spec {
        let p = Page::from_number(*page).unwrap_or_else(|| panic!("page {page} missing"));
        assert_eq!(p.name(), ns, "page {page}");
        assert_eq!(Page::from_name(ns), Some(p));
        let tag = Tag::new(p, *token).unwrap_or_else(|| panic!("{ns} 0x{token:02X} missing"));
        assert_eq!(tag.name(), name, "{ns} 0x{token:02X}");
        assert_eq!(Tag::from_name(p, name), Some(tag), "{ns}:{name}");
    }
}

#[test]
fn every_token_in_our_tables_is_in_the_spec() {
    let spec = spec_tokens();
    let ours: Vec<(u8, String, u8, String)> = Page::ALL
        .iter()
        .flat_map(|p| {
            p.tags()
                .iter()
                .map(|&(t, n)| (p.number(), p.name().to_owned(), t, n.to_owned()))
        })
        .collect();
    assert_eq!(ours, spec);
}

#[test]
fn pages_are_numbered_0_to_25_without_3() {
    let numbers: Vec<u8> = Page::ALL.iter().map(|p| p.number()).collect();
    let expected: Vec<u8> = (0..=25).filter(|&n| n != 3).collect();
    assert_eq!(numbers, expected);
    assert_eq!(Page::from_number(3), None);
    assert_eq!(Page::from_number(26), None);
}

#[test]
fn tokens_outside_a_page_are_not_tags() {
    assert_eq!(Tag::new(Page::AirSync, 0x11), None); // a gap in the page
    assert_eq!(Tag::new(Page::AirSync, 0x04), None); // global token range
    assert_eq!(Tag::new(Page::AirSync, 0x45), None); // content bit set
    assert_eq!(Tag::new(Page::AirSync, 0xFF), None);
}

#[test]
fn namespace_names_are_accepted_with_or_without_a_trailing_colon() {
    assert_eq!(Page::from_name("AirSync"), Some(Page::AirSync));
    assert_eq!(Page::from_name("AirSync:"), Some(Page::AirSync));
    assert_eq!(Page::from_name("GAL:"), Some(Page::GAL));
    assert_eq!(Page::from_name("airsync"), None);
}
