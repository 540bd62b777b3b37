//! The decoded document: a compact element tree.
//!
//! EAS documents never mix text and elements inside one element, but the tree does not rely on
//! that: an element holds an ordered list of nodes.

use crate::{Page, Tag};

/// One node of element content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    Element(Element),
    /// STR_I: inline UTF-8 text.
    Text(String),
    /// OPAQUE: raw bytes (MIME, attachments, the TimeZone blob, ...).
    Opaque(Vec<u8>),
}

/// An element: its tag and its content in document order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Element {
    pub tag: Tag,
    pub children: Vec<Node>,
}

impl Element {
    /// An element without content.
    pub fn new(tag: Tag) -> Self {
        Element {
            tag,
            children: Vec::new(),
        }
    }

    /// An element whose content is one STR_I.
    pub fn with_text(tag: Tag, text: impl Into<String>) -> Self {
        Element {
            tag,
            children: vec![Node::Text(text.into())],
        }
    }

    /// An element whose content is one OPAQUE.
    pub fn with_opaque(tag: Tag, bytes: impl Into<Vec<u8>>) -> Self {
        Element {
            tag,
            children: vec![Node::Opaque(bytes.into())],
        }
    }

    /// Appends a child element (builder style).
    pub fn child(mut self, child: Element) -> Self {
        self.children.push(Node::Element(child));
        self
    }

    /// Appends a child element whose content is text (builder style).
    pub fn text_child(self, tag: Tag, text: impl Into<String>) -> Self {
        self.child(Element::with_text(tag, text))
    }

    /// Appends a child element in place.
    pub fn push(&mut self, child: Element) {
        self.children.push(Node::Element(child));
    }

    /// The child elements, in order.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            _ => None,
        })
    }

    /// The first child element with this tag.
    pub fn find(&self, tag: Tag) -> Option<&Element> {
        self.elements().find(|e| e.tag == tag)
    }

    /// Every child element with this tag.
    pub fn find_all(&self, tag: Tag) -> impl Iterator<Item = &Element> {
        self.elements().filter(move |e| e.tag == tag)
    }

    /// The element's text: its STR_I content, or OPAQUE content that is valid UTF-8,
    /// concatenated. `None` when it has child elements or non-UTF-8 opaque data.
    pub fn text(&self) -> Option<std::borrow::Cow<'_, str>> {
        match self.children.as_slice() {
            [] => Some("".into()),
            [Node::Text(t)] => Some(t.as_str().into()),
            [Node::Opaque(b)] => std::str::from_utf8(b).ok().map(Into::into),
            nodes => {
                let mut s = String::new();
                for n in nodes {
                    match n {
                        Node::Text(t) => s.push_str(t),
                        Node::Opaque(b) => s.push_str(std::str::from_utf8(b).ok()?),
                        Node::Element(_) => return None,
                    }
                }
                Some(s.into())
            }
        }
    }

    /// The text of the first child with this tag.
    pub fn child_text(&self, tag: Tag) -> Option<std::borrow::Cow<'_, str>> {
        self.find(tag).and_then(Element::text)
    }

    /// The element's bytes: OPAQUE or STR_I content concatenated (clients send some binary
    /// fields, such as `ComposeMail:Mime`, either way). `None` when it has child elements.
    pub fn bytes(&self) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        for n in &self.children {
            match n {
                Node::Text(t) => out.extend_from_slice(t.as_bytes()),
                Node::Opaque(b) => out.extend_from_slice(b),
                Node::Element(_) => return None,
            }
        }
        Some(out)
    }

    /// Whether the element has no content at all (`<Tag/>`).
    pub fn is_empty(&self) -> bool {
        self.children.is_empty()
    }

    /// The page of this element's tag.
    pub fn page(&self) -> Page {
        self.tag.page()
    }
}
