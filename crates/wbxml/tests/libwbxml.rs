//! Interoperability with libwbxml (Debian's libwbxml2-utils: `xml2wbxml`, `wbxml2xml`), an
//! independent WBXML codec with its own ActiveSync tables.
//!
//! libwbxml differs from MS-ASWBXML and from our XML form in ways these tests learn from
//! libwbxml itself at run time rather than hard-code (see the crate README for the list):
//! - some tag names (`BusinessCity` for `BusinessAddressCity`, `Recurrence_Type` for
//!   Calendar's `Type`, ...), the GAL namespace (`Gal:`), and namespaces end with a colon;
//! - a few tags whose text it encodes as OPAQUE after base64-decoding it (`Mime`,
//!   `ConversationId`, ...); everywhere else CDATA becomes OPAQUE and text becomes STR_I;
//! - tags it does not know at all (page 25 Find, and a few newer tokens).
//!
//! If the tools are missing these tests fail (run tests/stack/install.sh), unless
//! AIRGATE_SKIP_LIBWBXML=1.

mod support;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;
use wbxml::{Element, Encoder, Node, Page, Tag, decode, encode, from_xml, tags};

/// Corpus documents that use what libwbxml 0.11 does not know: page 25 (Find),
/// MeetingResponse's ProposedStartTime/ProposedEndTime and Provision's AccountOnlyRemoteWipe.
const BEYOND_LIBWBXML: &[&str] = &[
    "find.xml",
    "meetingresponse-proposal.xml",
    "provision-wipe.xml",
];

/// Whether libwbxml's tools can be run; fails the test with instructions if not, unless the
/// caller opted out with AIRGATE_SKIP_LIBWBXML=1.
fn libwbxml_available() -> bool {
    let found = ["xml2wbxml", "wbxml2xml"].iter().all(|tool| {
        std::env::var_os("PATH")
            .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(tool).is_file()))
            .unwrap_or(false)
    });
    if found {
        return true;
    }
    if std::env::var("AIRGATE_SKIP_LIBWBXML").as_deref() == Ok("1") {
        eprintln!("libwbxml2-utils not installed; skipped because AIRGATE_SKIP_LIBWBXML=1");
        return false;
    }
    panic!(
        "libwbxml2-utils (xml2wbxml, wbxml2xml) is not installed: run tests/stack/install.sh \
         (or apt-get install libwbxml2-utils), or set AIRGATE_SKIP_LIBWBXML=1 to skip these tests"
    );
}

/// A scratch directory for one test, removed when dropped.
struct Scratch(PathBuf);

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn scratch(test: &str) -> Scratch {
    let dir = std::env::temp_dir().join(format!("wbxml-libwbxml-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    Scratch(dir)
}

fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("running {cmd:?}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// `xml2wbxml -a -n`: anonymous (public id 1), no string table, as EAS wants.
fn libwbxml_encode(dir: &Path, xml: &str) -> Vec<u8> {
    let input = dir.join("in.xml");
    let output = dir.join("out.wbxml");
    std::fs::write(&input, xml).unwrap();
    let _ = std::fs::remove_file(&output);
    run(Command::new("xml2wbxml")
        .args(["-a", "-n", "-o"])
        .arg(&output)
        .arg(&input));
    std::fs::read(&output).unwrap()
}

fn libwbxml_decode(dir: &Path, bytes: &[u8]) -> String {
    let input = dir.join("in.wbxml");
    std::fs::write(&input, bytes).unwrap();
    let xml = run(Command::new("wbxml2xml")
        .args(["-l", "ACTIVESYNC", "-o", "-"])
        .arg(&input));
    // The tool appends its own status line to stdout.
    xml.trim_end()
        .strip_suffix("wbxml2xml succeeded")
        .unwrap_or(&xml)
        .to_owned()
}

/// One element as libwbxml's XML shows it: depth, name, namespace, and the text of a leaf
/// (trimmed and with CR LF as LF, as libwbxml normalises both).
#[derive(Debug, PartialEq, Eq)]
struct Shape {
    depth: usize,
    name: String,
    namespace: String,
    text: Option<String>,
}

fn normalise(text: &str) -> String {
    text.replace("\r\n", "\n").trim().to_owned()
}

/// The shape of the XML that wbxml2xml writes.
fn shape_of_xml(xml: &str) -> Vec<Shape> {
    let mut reader = NsReader::from_str(xml);
    let mut out: Vec<Shape> = Vec::new();
    // Index in `out` of each open element, and its text so far.
    let mut open: Vec<(usize, String, bool)> = Vec::new();
    loop {
        let (ns, event) = reader.read_resolved_event().expect("wbxml2xml wrote XML");
        let namespace = match ns {
            ResolveResult::Bound(ns) => ns.0.to_owned(),
            _ => String::new(),
        };
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                if let Some(parent) = open.last_mut() {
                    parent.2 = true; // has child elements
                }
                out.push(Shape {
                    depth: open.len(),
                    name: e.local_name().as_ref().to_owned(),
                    namespace,
                    text: None,
                });
                if matches!(event, Event::Start(_)) {
                    open.push((out.len() - 1, String::new(), false));
                }
            }
            Event::End(_) => {
                let (i, text, has_children) = open.pop().unwrap();
                if !has_children {
                    out[i].text = Some(normalise(&text)).filter(|t| !t.is_empty());
                }
            }
            Event::Text(t) => {
                if let Some(o) = open.last_mut() {
                    o.1.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some(o) = open.last_mut() {
                    o.1.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                if let Some(o) = open.last_mut() {
                    let c = match r.resolve_char_ref().unwrap() {
                        Some(c) => c,
                        None => match &*r {
                            "amp" => '&',
                            "lt" => '<',
                            "gt" => '>',
                            "quot" => '"',
                            "apos" => '\'',
                            other => panic!("entity {other}"),
                        },
                    };
                    o.1.push(c);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

/// What libwbxml calls our tags, and which ones it carries as base64 text over OPAQUE, both
/// learnt from libwbxml.
struct LibwbxmlTables {
    /// Tag to (name, namespace); absent for the tags libwbxml does not know.
    names: HashMap<Tag, (String, String)>,
    base64: BTreeSet<Tag>,
}

impl LibwbxmlTables {
    fn learn(dir: &Path) -> LibwbxmlTables {
        // Every tag of pages 0-24 as an empty child of Sync, decoded by libwbxml.
        let all: Vec<Tag> = Page::ALL
            .iter()
            .filter(|p| **p != Page::Find)
            .flat_map(|p| p.tags().iter().map(|&(t, _)| Tag::new(*p, t).unwrap()))
            .collect();
        let mut e = Encoder::new(Vec::new()).unwrap();
        e.start(tags::airsync::SYNC).unwrap();
        for &tag in &all {
            e.empty(tag).unwrap();
        }
        e.end().unwrap();
        let shapes = shape_of_xml(&libwbxml_decode(dir, &e.finish().unwrap()));
        assert_eq!(shapes.len(), all.len() + 1, "one element per tag");
        let names: HashMap<Tag, (String, String)> = all
            .iter()
            .zip(&shapes[1..])
            .filter(|(_, s)| s.name != "unknown")
            .map(|(&tag, s)| (tag, (s.name.clone(), s.namespace.clone())))
            .collect();

        // Every known tag with the text "QUJD" (base64 of "ABC"), encoded by libwbxml.
        let mut xml = String::from(HEAD);
        xml.push_str(r#"<Sync xmlns="AirSync:">"#);
        let known: Vec<Tag> = all
            .iter()
            .copied()
            .filter(|t| names.contains_key(t))
            .collect();
        for tag in &known {
            let (name, ns) = &names[tag];
            xml.push_str(&format!(r#"<{name} xmlns="{ns}">QUJD</{name}>"#));
        }
        xml.push_str("</Sync>");
        let tree = decode(&libwbxml_encode(dir, &xml)).expect("libwbxml's encoding decodes");
        let children: Vec<&Element> = tree.elements().collect();
        assert_eq!(children.len(), known.len());
        let mut base64 = BTreeSet::new();
        for (tag, child) in known.iter().zip(children) {
            assert_eq!(
                child.tag, *tag,
                "libwbxml encoded {tag:?} as {:?}",
                child.tag
            );
            match child.children.as_slice() {
                [Node::Text(t)] if t == "QUJD" => {}
                [Node::Opaque(b)] if b == b"ABC" => {
                    base64.insert(*tag);
                }
                other => panic!("libwbxml encoded text in {tag:?} as {other:?}"),
            }
        }
        LibwbxmlTables { names, base64 }
    }

    fn knows(&self, tree: &Element) -> bool {
        support::walk(tree)
            .iter()
            .all(|e| self.names.contains_key(&e.tag))
    }

    /// The document as libwbxml wants its XML input for the same bytes.
    fn xml(&self, tree: &Element) -> String {
        let mut out = String::from(HEAD);
        self.write(&mut out, tree, None);
        out
    }

    fn write(&self, out: &mut String, e: &Element, parent: Option<Page>) {
        let (name, ns) = &self.names[&e.tag];
        out.push('<');
        out.push_str(name);
        if parent != Some(e.page()) {
            out.push_str(&format!(r#" xmlns="{ns}""#));
        }
        if e.children.is_empty() {
            out.push_str("/>");
            return;
        }
        out.push('>');
        for n in &e.children {
            match n {
                Node::Element(c) => self.write(out, c, Some(e.page())),
                Node::Text(t) => {
                    assert!(
                        !t.is_empty() && t.trim() == t,
                        "libwbxml trims text and drops empty text: keep {:?} out of the corpus",
                        t
                    );
                    for c in t.chars() {
                        match c {
                            '&' => out.push_str("&amp;"),
                            '<' => out.push_str("&lt;"),
                            '>' => out.push_str("&gt;"),
                            '\r' => out.push_str("&#13;"),
                            c => out.push(c),
                        }
                    }
                }
                Node::Opaque(b) if self.base64.contains(&e.tag) => {
                    assert!(!b.is_empty(), "libwbxml cannot encode empty base64 text");
                    out.push_str(&BASE64.encode(b));
                }
                Node::Opaque(b) => {
                    let s = std::str::from_utf8(b).expect("opaque of an ordinary tag is UTF-8");
                    out.push_str(&format!("<![CDATA[{s}]]>"));
                }
            }
        }
        out.push_str(&format!("</{name}>"));
    }

    /// The shape libwbxml's XML of this tree should have.
    fn shape(&self, tree: &Element) -> Vec<Shape> {
        let mut out = Vec::new();
        let mut stack = vec![(tree, 0usize)];
        while let Some((e, depth)) = stack.pop() {
            let (name, namespace) = self.names[&e.tag].clone();
            let has_children = e.elements().next().is_some();
            let text = (!has_children)
                .then(|| {
                    let mut s = String::new();
                    for n in &e.children {
                        match n {
                            Node::Text(t) => s.push_str(t),
                            Node::Opaque(b) if self.base64.contains(&e.tag) => {
                                s.push_str(&BASE64.encode(b))
                            }
                            Node::Opaque(b) => s.push_str(&String::from_utf8_lossy(b)),
                            Node::Element(_) => {}
                        }
                    }
                    normalise(&s)
                })
                .filter(|t| !t.is_empty());
            out.push(Shape {
                depth,
                name,
                namespace,
                text,
            });
            for c in e.elements().collect::<Vec<_>>().into_iter().rev() {
                stack.push((c, depth + 1));
            }
        }
        out
    }
}

const HEAD: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!DOCTYPE ActiveSync PUBLIC \
                    \"-//MICROSOFT//DTD ActiveSync//EN\" \"http://www.microsoft.com/\">\n";

fn first_difference(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

#[test]
fn our_encoding_of_every_corpus_document_is_byte_identical_to_libwbxml() {
    if !libwbxml_available() {
        return;
    }
    let dir = scratch("encode");
    let lib = LibwbxmlTables::learn(&dir);
    let mut compared = 0;
    for (name, text) in support::corpus() {
        let tree = from_xml(&text).unwrap();
        if !lib.knows(&tree) {
            continue;
        }
        let ours = encode(&tree);
        let theirs = libwbxml_encode(&dir, &lib.xml(&tree));
        let at = first_difference(&ours, &theirs);
        assert!(
            ours == theirs,
            "{name}: our bytes and libwbxml's differ from byte {at}:\n ours   {:02X?}\n theirs {:02X?}",
            &ours[at..(at + 16).min(ours.len())],
            &theirs[at..(at + 16).min(theirs.len())],
        );
        compared += 1;
    }
    assert!(compared >= 20, "only {compared} documents compared");
}

#[test]
fn libwbxml_decodes_our_encoding_of_every_corpus_document_to_the_same_structure() {
    if !libwbxml_available() {
        return;
    }
    let dir = scratch("decode");
    let lib = LibwbxmlTables::learn(&dir);
    for (name, text) in support::corpus() {
        let tree = from_xml(&text).unwrap();
        if !lib.knows(&tree) {
            continue;
        }
        let xml = libwbxml_decode(&dir, &encode(&tree));
        assert!(
            !xml.contains("<unknown"),
            "{name}: libwbxml found unknown tags:\n{xml}"
        );
        let theirs = shape_of_xml(&xml);
        let ours = lib.shape(&tree);
        for (i, (o, t)) in ours.iter().zip(&theirs).enumerate() {
            assert_eq!(o, t, "{name}: element {i} differs");
        }
        assert_eq!(ours.len(), theirs.len(), "{name}: element count");
    }
}

#[test]
fn corpus_documents_beyond_libwbxml_are_exactly_the_known_ones() {
    if !libwbxml_available() {
        return;
    }
    let lib = LibwbxmlTables::learn(&scratch("beyond"));
    let beyond: Vec<String> = support::corpus()
        .into_iter()
        .filter(|(_, text)| !lib.knows(&from_xml(text).unwrap()))
        .map(|(name, _)| name)
        .collect();
    assert_eq!(beyond, BEYOND_LIBWBXML);
}

#[test]
fn libwbxml_knows_every_tag_of_pages_0_to_24_but_three() {
    if !libwbxml_available() {
        return;
    }
    let lib = LibwbxmlTables::learn(&scratch("tables"));
    let mut unknown: Vec<Tag> = Page::ALL
        .iter()
        .filter(|p| **p != Page::Find)
        .flat_map(|p| p.tags().iter().map(|&(t, _)| Tag::new(*p, t).unwrap()))
        .filter(|t| !lib.names.contains_key(t))
        .collect();
    unknown.sort();
    assert_eq!(
        unknown,
        [
            tags::meetingresponse::PROPOSED_START_TIME,
            tags::meetingresponse::PROPOSED_END_TIME,
            tags::provision::ACCOUNT_ONLY_REMOTE_WIPE,
        ]
    );
}

#[test]
fn libwbxml_carries_these_tags_as_base64_over_opaque() {
    if !libwbxml_available() {
        return;
    }
    let lib = LibwbxmlTables::learn(&scratch("base64"));
    let base64: Vec<Tag> = lib.base64.iter().copied().collect();
    assert_eq!(
        base64,
        [
            tags::resolverecipients::DATA,
            tags::search::CONVERSATION_ID,
            tags::gal::DATA,
            tags::airsyncbase::CONTENT,
            tags::itemoperations::CONVERSATION_ID,
            tags::composemail::MIME,
            tags::email2::CONVERSATION_ID,
            tags::email2::CONVERSATION_INDEX,
        ]
    );
}
