//! What can be wrong with a request document, and small helpers that read typed values out of
//! an element tree and report exactly which element was missing or malformed.

use wbxml::{Element, Tag};

use crate::ids::{CollectionId, SyncKey};

/// A request body that does not follow the protocol: a required element is missing, a value
/// does not parse, or the document element is not the command's.
///
/// The gateway answers it with the command's own "protocol error" status where the command
/// has one, else common status 103 InvalidXML (14.0+) or HTTP 400 (12.x); see
/// [`crate::status::malformed_request_reply`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    /// The document element is not the one this command's request uses.
    #[error("expected document element {expected:?}, found {found:?}")]
    WrongDocumentElement { expected: Tag, found: Tag },
    /// A required element is absent.
    #[error("missing element {element:?} in {parent:?}")]
    Missing { element: Tag, parent: Tag },
    /// An element is present but its content is not valid for it.
    #[error("invalid value in {element:?}: {value:?}")]
    Invalid { element: Tag, value: String },
}

impl ProtocolError {
    /// The element the error is about.
    pub fn element(&self) -> Tag {
        match self {
            ProtocolError::WrongDocumentElement { found, .. } => *found,
            ProtocolError::Missing { element, .. } => *element,
            ProtocolError::Invalid { element, .. } => *element,
        }
    }
}

/// Checks that `element` is the expected document element.
pub(crate) fn expect_tag(element: &Element, expected: Tag) -> Result<(), ProtocolError> {
    if element.tag == expected {
        Ok(())
    } else {
        Err(ProtocolError::WrongDocumentElement {
            expected,
            found: element.tag,
        })
    }
}

/// The first child with this tag, or a `Missing` error naming it.
pub(crate) fn required(parent: &Element, tag: Tag) -> Result<&Element, ProtocolError> {
    parent.find(tag).ok_or(ProtocolError::Missing {
        element: tag,
        parent: parent.tag,
    })
}

/// The text of an element; an element with child elements (or non-UTF-8 opaque data) where
/// text is expected is invalid.
pub(crate) fn text_of(element: &Element) -> Result<String, ProtocolError> {
    match element.text() {
        Some(t) => Ok(t.into_owned()),
        None => Err(ProtocolError::Invalid {
            element: element.tag,
            value: describe(element),
        }),
    }
}

/// The text of a required child.
pub(crate) fn required_text(parent: &Element, tag: Tag) -> Result<String, ProtocolError> {
    text_of(required(parent, tag)?)
}

/// The text of an optional child.
pub(crate) fn optional_text(parent: &Element, tag: Tag) -> Result<Option<String>, ProtocolError> {
    parent.find(tag).map(text_of).transpose()
}

/// Parses an element's text (surrounding whitespace ignored) with `FromStr`.
pub(crate) fn parse_text<T: std::str::FromStr>(element: &Element) -> Result<T, ProtocolError> {
    let text = text_of(element)?;
    text.trim().parse().map_err(|_| ProtocolError::Invalid {
        element: element.tag,
        value: text,
    })
}

/// Parses an EAS boolean (`0` or `1`; `true`/`false` are tolerated).
pub(crate) fn parse_bool(element: &Element) -> Result<bool, ProtocolError> {
    let text = text_of(element)?;
    match text.trim() {
        "1" => Ok(true),
        "0" => Ok(false),
        t if t.eq_ignore_ascii_case("true") => Ok(true),
        t if t.eq_ignore_ascii_case("false") => Ok(false),
        _ => Err(ProtocolError::Invalid {
            element: element.tag,
            value: text,
        }),
    }
}

/// Parses an optional child's text with `FromStr`.
pub(crate) fn optional_parse<T: std::str::FromStr>(
    parent: &Element,
    tag: Tag,
) -> Result<Option<T>, ProtocolError> {
    parent.find(tag).map(parse_text).transpose()
}

/// An EAS boolean where an empty element means true (`<GetChanges/>`, `<DeletesAsMoves/>`:
/// MS-ASCMD 2.2.3.84, 2.2.3.43).
pub(crate) fn parse_bool_or_empty(element: &Element) -> Result<bool, ProtocolError> {
    if element.is_empty() {
        Ok(true)
    } else {
        parse_bool(element)
    }
}

/// An optional boolean child; an empty element reads as true.
pub(crate) fn optional_bool(parent: &Element, tag: Tag) -> Result<Option<bool>, ProtocolError> {
    parent.find(tag).map(parse_bool_or_empty).transpose()
}

/// A sync key from an element's text (surrounding whitespace ignored).
pub(crate) fn sync_key_of(element: &Element) -> Result<SyncKey, ProtocolError> {
    let text = text_of(element)?;
    SyncKey::new(text.trim()).ok_or(ProtocolError::Invalid {
        element: element.tag,
        value: text,
    })
}

/// A collection id from an element's text (surrounding whitespace ignored).
pub(crate) fn collection_id_of(element: &Element) -> Result<CollectionId, ProtocolError> {
    let text = text_of(element)?;
    CollectionId::new(text.trim()).ok_or(ProtocolError::Invalid {
        element: element.tag,
        value: text,
    })
}

/// The collection id in a required child.
pub(crate) fn required_collection_id(
    parent: &Element,
    tag: Tag,
) -> Result<CollectionId, ProtocolError> {
    collection_id_of(required(parent, tag)?)
}

/// A non-empty identifier (ServerId, ClientId, FileReference, ...) in a required child; an
/// empty one names nothing and is invalid.
pub(crate) fn required_id(parent: &Element, tag: Tag) -> Result<String, ProtocolError> {
    let text = required_text(parent, tag)?;
    let id = text.trim();
    if id.is_empty() {
        Err(ProtocolError::Invalid {
            element: tag,
            value: text,
        })
    } else {
        Ok(id.to_owned())
    }
}

/// A short description of unexpected content, for error messages.
fn describe(element: &Element) -> String {
    let names: Vec<String> = element.elements().map(|e| format!("{:?}", e.tag)).collect();
    if names.is_empty() {
        "<binary data>".to_owned()
    } else {
        names.join(",")
    }
}

/// `0`/`1`, the EAS boolean encoding.
pub(crate) fn bool_text(value: bool) -> &'static str {
    if value { "1" } else { "0" }
}
