//! A small namespace-resolved element tree over quick-xml, enough for WebDAV
//! responses: elements are matched by (namespace URI, local name), never by
//! prefix, since servers pick their own prefixes (Radicale: default `DAV:`
//! plus `C:`/`CR:`/`CS:`; SabreDAV: `d:`/`cal:`/`card:`).
//!
//! quick-xml expands only the five predefined entities and character
//! references; there is no DTD processing, so no entity expansion attacks.

use quick_xml::NsReader;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;

pub(crate) const DAV: &str = "DAV:";
pub(crate) const CALDAV: &str = "urn:ietf:params:xml:ns:caldav";
pub(crate) const CARDDAV: &str = "urn:ietf:params:xml:ns:carddav";
pub(crate) const CALSERVER: &str = "http://calendarserver.org/ns/";

/// Deeper nesting than this is not a WebDAV response; the limit keeps the
/// recursive drop of the tree off the end of the stack.
const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Element {
    /// Namespace URI, empty when unqualified.
    pub ns: String,
    pub name: String,
    /// Attributes by local name (WebDAV attributes are unqualified).
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Element>,
    /// The element's own character data, concatenated.
    pub text: String,
}

impl Element {
    pub(crate) fn is(&self, ns: &str, name: &str) -> bool {
        self.ns == ns && self.name == name
    }

    pub(crate) fn child(&self, ns: &str, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.is(ns, name))
    }

    pub(crate) fn children<'a>(
        &'a self,
        ns: &'a str,
        name: &'a str,
    ) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.is(ns, name))
    }

    pub(crate) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct XmlError(String);

fn resolved(ns: ResolveResult<'_>) -> Result<String, XmlError> {
    match ns {
        ResolveResult::Bound(ns) => Ok(ns.0.to_string()),
        ResolveResult::Unbound => Ok(String::new()),
        ResolveResult::Unknown(prefix) => {
            Err(XmlError(format!("undeclared namespace prefix {prefix:?}")))
        }
    }
}

fn element(ns: String, start: &quick_xml::events::BytesStart<'_>) -> Result<Element, XmlError> {
    let mut attrs = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| XmlError(e.to_string()))?;
        if attr.key.as_ref().starts_with("xmlns") {
            continue;
        }
        let value = attr
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|e| XmlError(e.to_string()))?;
        attrs.push((
            attr.key.local_name().as_ref().to_string(),
            value.into_owned(),
        ));
    }
    Ok(Element {
        ns,
        name: start.local_name().as_ref().to_string(),
        attrs,
        children: Vec::new(),
        text: String::new(),
    })
}

/// Parses a whole document into its root element.
pub(crate) fn parse(text: &str) -> Result<Element, XmlError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = NsReader::from_str(text);
    let mut stack: Vec<Element> = Vec::new();
    let mut root = None;
    loop {
        let (ns, event) = reader
            .read_resolved_event()
            .map_err(|e| XmlError(e.to_string()))?;
        match event {
            Event::Start(start) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(XmlError("elements nested too deeply".into()));
                }
                let el = element(resolved(ns)?, &start)?;
                stack.push(el);
            }
            Event::Empty(start) => {
                let el = element(resolved(ns)?, &start)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None if root.is_none() => root = Some(el),
                    None => return Err(XmlError("more than one root element".into())),
                }
            }
            Event::End(_) => {
                let Some(el) = stack.pop() else {
                    return Err(XmlError("unbalanced end tag".into()));
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None if root.is_none() => root = Some(el),
                    None => return Err(XmlError("more than one root element".into())),
                }
            }
            Event::Text(t) => {
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&t);
                }
            }
            Event::GeneralRef(r) => {
                let Some(el) = stack.last_mut() else { continue };
                if r.is_char_ref() {
                    match r.resolve_char_ref() {
                        Ok(Some(c)) => el.text.push(c),
                        _ => return Err(XmlError(format!("bad character reference &{};", &*r))),
                    }
                } else if let Some(s) = quick_xml::escape::resolve_predefined_entity(&r) {
                    el.text.push_str(s);
                } else {
                    return Err(XmlError(format!("unknown entity &{};", &*r)));
                }
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
    if !stack.is_empty() {
        return Err(XmlError("document ends inside an element".into()));
    }
    root.ok_or_else(|| XmlError("no root element".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_by_uri_not_prefix() {
        let doc = r#"<?xml version="1.0"?>
            <d:multistatus xmlns:d="DAV:" xmlns:cal="urn:ietf:params:xml:ns:caldav">
              <d:response><cal:comp name="VTODO"/><x xmlns="urn:other">t</x></d:response>
            </d:multistatus>"#;
        let root = parse(doc).unwrap();
        assert!(root.is(DAV, "multistatus"));
        let resp = root.child(DAV, "response").unwrap();
        let comp = resp.child(CALDAV, "comp").unwrap();
        assert_eq!(comp.attr("name"), Some("VTODO"));
        assert_eq!(resp.child("urn:other", "x").unwrap().text, "t");
        assert!(resp.child(DAV, "x").is_none());
    }

    #[test]
    fn entities_and_cdata() {
        let root = parse("<a>x &amp; &lt;y&gt; &#252;&#x20AC;<![CDATA[<z>]]></a>").unwrap();
        assert_eq!(root.text, "x & <y> ü€<z>");
        assert!(parse("<a>&nbsp;</a>").is_err());
    }

    #[test]
    fn malformed_documents_are_errors() {
        for doc in [
            "",
            "<a>",
            "<a></b>",
            "<a/><b/>",
            "<p:a/>",
            &"<a>".repeat(100).to_string(),
        ] {
            assert!(parse(doc).is_err(), "{doc:?}");
        }
    }
}
