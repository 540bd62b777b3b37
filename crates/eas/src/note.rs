//! The Notes class (MS-ASNOTE, 14.0+): the `ApplicationData` of a note as the server sends it
//! in a Sync Add or Change and as a device sends it back.

use wbxml::{Element, tags::airsync as a, tags::airsyncbase as asb, tags::notes as n};

use crate::airsyncbase::Body;
use crate::date::{format_utc_compact, parse_utc};
use crate::error::{ProtocolError, text_of};
use crate::task::{categories_element, category_names};
use crate::version::ProtocolVersion;

/// A note (MS-ASNOTE 2.2.2). Every field is `None` when the element is absent;
/// `categories: Some(vec![])` is an empty `<Categories/>`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Note {
    pub subject: Option<String>,
    /// `airsyncbase:Body`.
    pub body: Option<Body>,
    /// `IPM.StickyNote` or `IPM.StickyNote.*` (MS-ASNOTE 2.2.2.5); required, written as
    /// [`Note::DEFAULT_MESSAGE_CLASS`] when `None`.
    pub message_class: Option<String>,
    pub categories: Option<Vec<String>>,
    /// When the note last changed, UTC unix seconds; a Compact DateTime on the wire
    /// (`20261122T100000Z`, MS-ASNOTE 2.2.2.4).
    pub last_modified_date: Option<i64>,
}

impl Note {
    pub const DEFAULT_MESSAGE_CLASS: &'static str = "IPM.StickyNote";

    /// Whether a device of `version` has the Notes class (14.0+).
    pub fn supported(version: ProtocolVersion) -> bool {
        version >= ProtocolVersion::V14_0
    }

    /// Reads the `ApplicationData` of a device's Add or Change. Unknown children are ignored.
    /// `LastModifiedDate` is read in either EAS date form.
    pub fn from_application_data(
        el: &Element,
        _version: ProtocolVersion,
    ) -> Result<Note, ProtocolError> {
        let mut note = Note::default();
        for child in el.elements() {
            match child.tag {
                asb::BODY => note.body = Some(Body::from_element(child)?),
                n::SUBJECT => note.subject = Some(text_of(child)?),
                n::MESSAGE_CLASS => note.message_class = Some(text_of(child)?),
                n::CATEGORIES => note.categories = Some(category_names(child, n::CATEGORY)?),
                n::LAST_MODIFIED_DATE => {
                    let text = text_of(child)?;
                    note.last_modified_date =
                        Some(parse_utc(&text).ok_or(ProtocolError::Invalid {
                            element: child.tag,
                            value: text,
                        })?);
                }
                _ => {}
            }
        }
        Ok(note)
    }

    /// The `airsync:ApplicationData`: Subject, Body, MessageClass, LastModifiedDate,
    /// Categories (the order of MS-ASNOTE's examples; the schema allows any). A 12.x device
    /// has no Notes class: for it the element is empty.
    pub fn to_application_data(&self, version: ProtocolVersion) -> Element {
        let mut el = Element::new(a::APPLICATION_DATA);
        if !Note::supported(version) {
            return el;
        }
        if let Some(s) = &self.subject {
            el.push(Element::with_text(n::SUBJECT, s.as_str()));
        }
        if let Some(b) = &self.body {
            el.push(b.to_element(version));
        }
        el.push(Element::with_text(
            n::MESSAGE_CLASS,
            self.message_class
                .as_deref()
                .unwrap_or(Note::DEFAULT_MESSAGE_CLASS),
        ));
        if let Some(d) = self.last_modified_date {
            el.push(Element::with_text(
                n::LAST_MODIFIED_DATE,
                format_utc_compact(d),
            ));
        }
        if let Some(c) = &self.categories {
            el.push(categories_element(n::CATEGORIES, n::CATEGORY, c));
        }
        el
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::airsyncbase::BodyType;

    fn names(el: &Element) -> Vec<&'static str> {
        el.elements().map(|e| e.tag.name()).collect()
    }

    fn full() -> Note {
        Note {
            subject: Some("Ideas".into()),
            body: Some(Body::full(BodyType::Plain, "one\ntwo".into())),
            message_class: Some("IPM.StickyNote".into()),
            categories: Some(vec!["Work".into(), "Later".into()]),
            last_modified_date: Some(1_795_341_600),
        }
    }

    #[test]
    fn a_note_reads_back_what_it_writes() {
        let v = ProtocolVersion::V16_1;
        let el = full().to_application_data(v);
        assert_eq!(
            names(&el),
            [
                "Subject",
                "Body",
                "MessageClass",
                "LastModifiedDate",
                "Categories"
            ]
        );
        assert_eq!(
            el.child_text(n::LAST_MODIFIED_DATE).as_deref(),
            Some("20261122T100000Z")
        );
        assert_eq!(Note::from_application_data(&el, v).unwrap(), full());
    }

    #[test]
    fn the_message_class_defaults_to_sticky_note() {
        let el = Note::default().to_application_data(ProtocolVersion::V14_0);
        assert_eq!(
            el.child_text(n::MESSAGE_CLASS).as_deref(),
            Some("IPM.StickyNote")
        );
    }

    #[test]
    fn twelve_x_has_no_notes() {
        assert!(!Note::supported(ProtocolVersion::V12_1));
        assert!(
            full()
                .to_application_data(ProtocolVersion::V12_1)
                .is_empty()
        );
    }
}
