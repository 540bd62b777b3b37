//! The XML form of an EAS document, for debugging, tests and schema validation.
//!
//! The form (see shared/conformance/README.md): one element per tag with the spec's name;
//! `xmlns="Page"` on the root and wherever the page differs from the parent's; STR_I as text
//! (`&`, `<`, `>` escaped, CR as `&#13;`); OPAQUE as CDATA when it is UTF-8 that a CDATA
//! section can carry exactly, else base64 text in an element marked `encoding="base64"`.
//!
//! Choices made so that WBXML -> XML -> WBXML and XML -> WBXML -> XML are exact:
//! - `<Tag/>` is an element without content; `<Tag></Tag>` is one with the content bit and no
//!   content (`[Node::Text("")]`).
//! - CDATA is used only when the bytes are UTF-8 without `]]>`, without carriage returns (an
//!   XML parser turns CR LF in CDATA into LF) and without characters XML forbids; otherwise
//!   base64.
//! - Characters XML 1.0 forbids in text (C0 controls other than tab and LF, U+FFFE, U+FFFF)
//!   are written as character references such as `&#1;`. Strict XML 1.0 parsers refuse those;
//!   EAS text never contains them in practice.
//! - Elements holding only elements are indented by 2 spaces per level. Elements holding text
//!   or opaque data are written inline, and any child elements they hold too, so no
//!   whitespace is added to content.
//! - Reading, whitespace-only text in an element that also has child elements is layout and
//!   is dropped; all other text is kept as written (after XML's end-of-line normalisation of
//!   literal line breaks).
//!
//! Forms the XML cannot tell apart are written the same and so normalised: adjacent STR_I
//! strings (read back as one); text mixed with opaque data that needs base64 in one element
//! (each run of it written as one base64 text and read back as one opaque node); whitespace-only
//! text beside child elements (read back as layout). EAS documents have none of these, and the
//! normalised tree is a fixed point: writing and reading it again changes nothing.

use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

use crate::{Element, Limits, Node, Page, Tag};

/// The first line of every document [`to_xml`] writes.
pub const DECLARATION: &str = r#"<?xml version="1.0" encoding="utf-8"?>"#;

/// Why [`from_xml`] refused its input. `position` is a byte offset in the input.
#[derive(Debug, thiserror::Error)]
pub enum XmlError {
    #[error("XML syntax error at byte {position}: {source}")]
    Syntax {
        position: u64,
        #[source]
        source: quick_xml::Error,
    },
    #[error(
        "element <{name}> at byte {position} has no namespace (expected xmlns=\"AirSync\" or similar)"
    )]
    NoNamespace { position: u64, name: String },
    #[error("element <{name}> at byte {position} uses undeclared prefix {prefix:?}")]
    UnknownPrefix {
        position: u64,
        name: String,
        prefix: String,
    },
    #[error("unknown namespace {namespace:?} at byte {position}")]
    UnknownNamespace { position: u64, namespace: String },
    #[error("unknown element <{name}> in namespace {page:?} at byte {position}")]
    UnknownElement {
        position: u64,
        page: Page,
        name: String,
    },
    #[error("unknown attribute {name:?} at byte {position}")]
    UnknownAttribute { position: u64, name: String },
    #[error("unknown encoding {value:?} at byte {position} (only \"base64\" is known)")]
    UnknownEncoding { position: u64, value: String },
    #[error("unknown entity &{name}; at byte {position}")]
    UnknownEntity { position: u64, name: String },
    #[error("invalid character reference &{reference}; at byte {position}")]
    InvalidCharacterReference { position: u64, reference: String },
    #[error("invalid base64 in the element at byte {position}: {source}")]
    InvalidBase64 {
        position: u64,
        #[source]
        source: base64::DecodeError,
    },
    #[error("text at byte {position} contains NUL, which WBXML text cannot carry")]
    NulInText { position: u64 },
    #[error("text or CDATA outside the root element at byte {position}")]
    TextOutsideRoot { position: u64 },
    #[error("a second root element at byte {position}")]
    SecondRoot { position: u64 },
    #[error("element at byte {position} nests deeper than {max}")]
    TooDeep { position: u64, max: usize },
    #[error("the document ends with {open} element(s) open")]
    Unclosed { open: usize },
    #[error("the document has no root element")]
    NoRoot,
}

// ---------------------------------------------------------------------------------------------
// Writing

/// Writes the XML form of a tree: the declaration, then the root, indented.
pub fn to_xml(root: &Element) -> String {
    let mut out = String::with_capacity(256);
    out.push_str(DECLARATION);
    out.push('\n');
    write_tree(&mut out, root);
    out
}

struct Open<'t> {
    element: &'t Element,
    children: std::slice::Iter<'t, Node>,
    /// Indentation of this element's own tags; `None` when inline.
    indent: Option<usize>,
    /// Whether the children are written on their own lines.
    block: bool,
    base64: bool,
}

fn write_tree(out: &mut String, root: &Element) {
    let mut stack: Vec<Open<'_>> = Vec::with_capacity(16);
    if let Some(open) = write_start(out, root, None, Some(0)) {
        stack.push(open);
    }
    while let Some(top) = stack.last_mut() {
        let page = top.element.page();
        let child_indent = if top.block {
            top.indent.map(|i| i + 1)
        } else {
            None
        };
        match top.children.next() {
            Some(Node::Element(e)) => {
                if let Some(open) = write_start(out, e, Some(page), child_indent) {
                    stack.push(open);
                }
            }
            Some(n @ (Node::Text(_) | Node::Opaque(_))) if top.base64 => {
                // One base64 run for all adjacent content: separate runs would not read back.
                let mut run = content_bytes(n).to_vec();
                while let Some(next @ (Node::Text(_) | Node::Opaque(_))) =
                    top.children.as_slice().first()
                {
                    run.extend_from_slice(content_bytes(next));
                    top.children.next();
                }
                BASE64.encode_string(run, out);
            }
            Some(Node::Text(t)) => escape_text(out, t),
            Some(Node::Opaque(b)) => {
                // cdata_text succeeded for every opaque child, or the element would be base64.
                out.push_str("<![CDATA[");
                out.push_str(cdata_text(b).unwrap_or_default());
                out.push_str("]]>");
            }
            None => {
                let (element, indent, block) = (top.element, top.indent, top.block);
                stack.pop();
                if let (true, Some(i)) = (block, indent) {
                    push_indent(out, i);
                }
                out.push_str("</");
                out.push_str(element.tag.name());
                out.push('>');
                if indent.is_some() {
                    out.push('\n');
                }
            }
        }
    }
}

/// Writes an element's start tag (or all of it, when empty); returns it if it is left open.
fn write_start<'t>(
    out: &mut String,
    e: &'t Element,
    parent_page: Option<Page>,
    indent: Option<usize>,
) -> Option<Open<'t>> {
    if let Some(i) = indent {
        push_indent(out, i);
    }
    out.push('<');
    out.push_str(e.tag.name());
    if parent_page != Some(e.page()) {
        out.push_str(" xmlns=\"");
        out.push_str(e.page().name());
        out.push('"');
    }
    let base64 = e
        .children
        .iter()
        .any(|n| matches!(n, Node::Opaque(b) if cdata_text(b).is_none()));
    if base64 {
        out.push_str(" encoding=\"base64\"");
    }
    if e.children.is_empty() {
        out.push_str("/>");
        if indent.is_some() {
            out.push('\n');
        }
        return None;
    }
    out.push('>');
    let block = indent.is_some() && e.children.iter().all(|n| matches!(n, Node::Element(_)));
    if block {
        out.push('\n');
    }
    Some(Open {
        element: e,
        children: e.children.iter(),
        indent,
        block,
        base64,
    })
}

fn content_bytes(n: &Node) -> &[u8] {
    match n {
        Node::Text(t) => t.as_bytes(),
        Node::Opaque(b) => b,
        Node::Element(_) => &[],
    }
}

fn push_indent(out: &mut String, level: usize) {
    for _ in 0..level {
        out.push_str("  ");
    }
}

/// Whether XML 1.0 allows `c` in a document at all.
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// The opaque bytes as text for a CDATA section, if a section can carry them exactly.
fn cdata_text(bytes: &[u8]) -> Option<&str> {
    let s = std::str::from_utf8(bytes).ok()?;
    let exact = !s.contains("]]>") && s.chars().all(|c| c != '\r' && xml_char(c));
    exact.then_some(s)
}

/// Appends `s` as XML character data.
fn escape_text(out: &mut String, s: &str) {
    let mut plain = 0; // start of the run not yet copied
    for (i, c) in s.char_indices() {
        let esc = match c {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            '\r' => "&#13;",
            c if !xml_char(c) => {
                out.push_str(&s[plain..i]);
                let _ = write!(out, "&#{};", u32::from(c));
                plain = i + c.len_utf8();
                continue;
            }
            _ => continue,
        };
        out.push_str(&s[plain..i]);
        out.push_str(esc);
        plain = i + c.len_utf8();
    }
    out.push_str(&s[plain..]);
}

// ---------------------------------------------------------------------------------------------
// Reading

/// An element being read: what has been read of it so far.
struct Building {
    element: Element,
    base64: bool,
    /// Where its start tag began, for errors about its content.
    position: u64,
    /// Character data read since the last child node, not yet a node.
    pending: Option<String>,
}

impl Building {
    fn flush(&mut self) {
        if let Some(text) = self.pending.take() {
            self.element.children.push(Node::Text(text));
        }
    }

    fn pending(&mut self) -> &mut String {
        self.pending.get_or_insert_with(String::new)
    }

    /// Turns what was read into the element's final children.
    fn finish(mut self) -> Result<Element, XmlError> {
        self.flush();
        let children = &mut self.element.children;
        if children.iter().any(|n| matches!(n, Node::Element(_))) {
            children.retain(|n| !matches!(n, Node::Text(t) if is_layout(t)));
        }
        for n in children.iter() {
            if matches!(n, Node::Text(t) if t.contains('\0')) {
                return Err(XmlError::NulInText {
                    position: self.position,
                });
            }
        }
        if self.base64 {
            for n in children.iter_mut() {
                if let Node::Text(t) = n {
                    let compact: Vec<u8> = t.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
                    let bytes =
                        BASE64
                            .decode(compact)
                            .map_err(|source| XmlError::InvalidBase64 {
                                position: self.position,
                                source,
                            })?;
                    *n = Node::Opaque(bytes);
                }
            }
            if children.is_empty() {
                children.push(Node::Opaque(Vec::new()));
            }
        } else if children.is_empty() {
            // `<Tag></Tag>`: the content bit without content.
            children.push(Node::Text(String::new()));
        }
        Ok(self.element)
    }
}

/// XML whitespace only: layout between elements.
fn is_layout(t: &str) -> bool {
    t.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}

/// Reads the XML form back into a tree. Accepts namespaces with or without the trailing colon
/// that libwbxml writes (`AirSync` or `AirSync:`), default or prefixed; ignores the declaration,
/// DOCTYPE, comments and processing instructions; refuses unknown namespaces, elements,
/// attributes and entities. Nesting is bounded by [`Limits::default()`]'s `max_depth`.
pub fn from_xml(s: &str) -> Result<Element, XmlError> {
    let max_depth = Limits::default().max_depth;
    let mut reader = NsReader::from_str(s);
    let mut stack: Vec<Building> = Vec::with_capacity(16);
    let mut root: Option<Element> = None;
    loop {
        let position = reader.buffer_position();
        let (ns, event) = match reader.read_resolved_event() {
            Ok(x) => x,
            Err(source) => {
                return Err(XmlError::Syntax {
                    position: reader.error_position(),
                    source,
                });
            }
        };
        match event {
            Event::Start(ref start) | Event::Empty(ref start) => {
                if stack.is_empty() && root.is_some() {
                    return Err(XmlError::SecondRoot { position });
                }
                if stack.len() >= max_depth {
                    return Err(XmlError::TooDeep {
                        position,
                        max: max_depth,
                    });
                }
                let tag = resolve_tag(ns, start, position)?;
                let base64 = read_attributes(start, position)?;
                if let Some(parent) = stack.last_mut() {
                    parent.flush();
                }
                let building = Building {
                    element: Element::new(tag),
                    base64,
                    position,
                    pending: None,
                };
                if matches!(event, Event::Start(_)) {
                    stack.push(building);
                } else {
                    attach(&mut stack, &mut root, building.element);
                }
            }
            Event::End(_) => {
                // quick-xml has checked that it matches the open element.
                let Some(done) = stack.pop() else {
                    return Err(XmlError::NoRoot);
                };
                let element = done.finish()?;
                attach(&mut stack, &mut root, element);
            }
            Event::Text(text) => match stack.last_mut() {
                Some(b) => b.pending().push_str(&text.xml10_content()),
                None if is_layout(&text) => {}
                None => return Err(XmlError::TextOutsideRoot { position }),
            },
            Event::GeneralRef(r) => {
                let Some(b) = stack.last_mut() else {
                    return Err(XmlError::TextOutsideRoot { position });
                };
                let c = resolve_reference(&r, position)?;
                b.pending().push(c);
            }
            Event::CData(data) => {
                let Some(b) = stack.last_mut() else {
                    return Err(XmlError::TextOutsideRoot { position });
                };
                if b.base64 {
                    b.pending().push_str(&data.xml10_content());
                } else {
                    b.flush();
                    let bytes = data.xml10_content().into_owned().into_bytes();
                    b.element.children.push(Node::Opaque(bytes));
                }
            }
            Event::Decl(_) | Event::DocType(_) | Event::Comment(_) | Event::PI(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(XmlError::Unclosed { open: stack.len() });
    }
    root.ok_or(XmlError::NoRoot)
}

fn attach(stack: &mut [Building], root: &mut Option<Element>, element: Element) {
    match stack.last_mut() {
        Some(parent) => parent.element.children.push(Node::Element(element)),
        None => *root = Some(element),
    }
}

fn resolve_tag(
    ns: ResolveResult<'_>,
    start: &BytesStart<'_>,
    position: u64,
) -> Result<Tag, XmlError> {
    let name = start.local_name();
    let name = name.as_ref();
    let page = match ns {
        ResolveResult::Bound(ns) => {
            Page::from_name(ns.0).ok_or_else(|| XmlError::UnknownNamespace {
                position,
                namespace: ns.0.to_owned(),
            })?
        }
        ResolveResult::Unbound => {
            return Err(XmlError::NoNamespace {
                position,
                name: name.to_owned(),
            });
        }
        ResolveResult::Unknown(prefix) => {
            return Err(XmlError::UnknownPrefix {
                position,
                name: name.to_owned(),
                prefix,
            });
        }
    };
    Tag::from_name(page, name).ok_or_else(|| XmlError::UnknownElement {
        position,
        page,
        name: name.to_owned(),
    })
}

/// Checks the attributes; returns whether the element is marked `encoding="base64"`.
fn read_attributes(start: &BytesStart<'_>, position: u64) -> Result<bool, XmlError> {
    let mut base64 = false;
    for attr in start.attributes().with_checks(true) {
        let attr = attr.map_err(|e| XmlError::Syntax {
            position,
            source: e.into(),
        })?;
        let key = attr.key.as_ref();
        if key == "xmlns" || key.starts_with("xmlns:") {
            continue; // the reader has resolved the namespaces
        }
        if key != "encoding" {
            return Err(XmlError::UnknownAttribute {
                position,
                name: key.to_owned(),
            });
        }
        let value = attr
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|source| XmlError::Syntax { position, source })?;
        if value != "base64" {
            return Err(XmlError::UnknownEncoding {
                position,
                value: value.into_owned(),
            });
        }
        base64 = true;
    }
    Ok(base64)
}

/// The character an entity or character reference stands for.
fn resolve_reference(r: &quick_xml::events::BytesRef<'_>, position: u64) -> Result<char, XmlError> {
    let name: &str = r;
    if r.is_char_ref() {
        return match r.resolve_char_ref() {
            Ok(Some(c)) if c != '\0' => Ok(c),
            _ => Err(XmlError::InvalidCharacterReference {
                position,
                reference: name.to_owned(),
            }),
        };
    }
    match name {
        "amp" => Ok('&'),
        "lt" => Ok('<'),
        "gt" => Ok('>'),
        "quot" => Ok('"'),
        "apos" => Ok('\''),
        _ => Err(XmlError::UnknownEntity {
            position,
            name: name.to_owned(),
        }),
    }
}
