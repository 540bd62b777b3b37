//! The AirSyncBase elements shared by every content class (MS-ASAIRS): body preferences a
//! device sends, and the `Body`, `BodyPart` and `Attachments` of the items it receives.

use wbxml::{Element, Tag, tags::airsyncbase as asb};

use crate::error::{
    ProtocolError, bool_text, optional_parse, optional_text, parse_bool, parse_text, required,
};
use crate::status::CommonStatus;
use crate::version::ProtocolVersion;

/// A body's format (MS-ASAIRS 2.2.2.41).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BodyType {
    Plain = 1,
    Html = 2,
    Rtf = 3,
    /// The whole message as MIME (`Data` is the RFC 5322 text).
    Mime = 4,
}

impl BodyType {
    pub const ALL: [BodyType; 4] = [
        BodyType::Plain,
        BodyType::Html,
        BodyType::Rtf,
        BodyType::Mime,
    ];

    pub fn code(self) -> u8 {
        self as u8
    }

    pub fn from_code(code: u8) -> Option<BodyType> {
        BodyType::ALL.into_iter().find(|t| t.code() == code)
    }

    fn from_element(el: &Element) -> Result<BodyType, ProtocolError> {
        let code: u8 = parse_text(el)?;
        BodyType::from_code(code).ok_or_else(|| ProtocolError::Invalid {
            element: el.tag,
            value: code.to_string(),
        })
    }
}

/// What a device wants of a body in one format (`BodyPreference`, MS-ASAIRS 2.2.2.12).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BodyPreference {
    pub body_type: BodyType,
    /// Bytes; `None` means the whole body.
    pub truncation_size: Option<u64>,
    /// Send the body only if it fits in `truncation_size` (else no data, `Truncated` set).
    pub all_or_none: bool,
    /// 14.0+: characters of plain-text preview wanted, 0-255.
    pub preview: Option<u32>,
}

/// What a device wants of a message part (`BodyPartPreference`, 14.1+, MS-ASAIRS 2.2.2.11): the
/// same fields as [`BodyPreference`]; only HTML (2) is defined for conversations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BodyPartPreference {
    pub body_type: BodyType,
    pub truncation_size: Option<u64>,
    pub all_or_none: bool,
    pub preview: Option<u32>,
}

/// Reads the common shape of both preferences: Type, TruncationSize, AllOrNone, Preview.
fn preference_of(
    el: &Element,
) -> Result<(BodyType, Option<u64>, bool, Option<u32>), ProtocolError> {
    let body_type = BodyType::from_element(required(el, asb::TYPE)?)?;
    let truncation_size = optional_parse(el, asb::TRUNCATION_SIZE)?;
    let all_or_none = match el.find(asb::ALL_OR_NONE) {
        Some(a) if !a.is_empty() => parse_bool(a)?,
        Some(_) => true,
        None => false,
    };
    let preview = optional_parse(el, asb::PREVIEW)?;
    Ok((body_type, truncation_size, all_or_none, preview))
}

fn preference_element(
    tag: Tag,
    body_type: BodyType,
    truncation_size: Option<u64>,
    all_or_none: bool,
    preview: Option<u32>,
) -> Element {
    let mut el = Element::new(tag).text_child(asb::TYPE, body_type.code().to_string());
    if let Some(t) = truncation_size {
        el.push(Element::with_text(asb::TRUNCATION_SIZE, t.to_string()));
    }
    if all_or_none {
        el.push(Element::with_text(asb::ALL_OR_NONE, "1"));
    }
    if let Some(p) = preview {
        el.push(Element::with_text(asb::PREVIEW, p.to_string()));
    }
    el
}

impl BodyPreference {
    /// The whole body in this format.
    pub fn whole(body_type: BodyType) -> BodyPreference {
        BodyPreference {
            body_type,
            truncation_size: None,
            all_or_none: false,
            preview: None,
        }
    }

    /// Reads an `airsyncbase:BodyPreference` element.
    pub fn from_element(el: &Element) -> Result<BodyPreference, ProtocolError> {
        let (body_type, truncation_size, all_or_none, preview) = preference_of(el)?;
        Ok(BodyPreference {
            body_type,
            truncation_size,
            all_or_none,
            preview,
        })
    }

    /// The request element (for tests and test clients).
    pub fn to_element(&self) -> Element {
        preference_element(
            asb::BODY_PREFERENCE,
            self.body_type,
            self.truncation_size,
            self.all_or_none,
            self.preview,
        )
    }
}

impl BodyPartPreference {
    /// Reads an `airsyncbase:BodyPartPreference` element.
    pub fn from_element(el: &Element) -> Result<BodyPartPreference, ProtocolError> {
        let (body_type, truncation_size, all_or_none, preview) = preference_of(el)?;
        Ok(BodyPartPreference {
            body_type,
            truncation_size,
            all_or_none,
            preview,
        })
    }

    /// The request element (for tests and test clients).
    pub fn to_element(&self) -> Element {
        preference_element(
            asb::BODY_PART_PREFERENCE,
            self.body_type,
            self.truncation_size,
            self.all_or_none,
            self.preview,
        )
    }
}

/// An item's body (`airsyncbase:Body`, MS-ASAIRS 2.2.2.9), in the format chosen from the
/// device's preferences.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Body {
    pub body_type: BodyType,
    /// The size of the whole body in this format, in bytes (an estimate is allowed).
    pub estimated_data_size: u64,
    /// `data` is not the whole body.
    pub truncated: bool,
    /// The (possibly truncated) body; `None` when the device gets none (AllOrNone). For a
    /// multipart ItemOperations response see
    /// [`crate::item_operations::move_body_to_part`].
    pub data: Option<String>,
    /// 14.0+: plain-text preview (written only for 14.0+).
    pub preview: Option<String>,
}

impl Body {
    /// A body with its whole data.
    pub fn full(body_type: BodyType, data: String) -> Body {
        Body {
            body_type,
            estimated_data_size: data.len() as u64,
            truncated: false,
            data: Some(data),
            preview: None,
        }
    }

    /// `Type, EstimatedDataSize, Truncated, Data, Preview` (AirSyncBase.xsd sequence).
    pub fn to_element(&self, version: ProtocolVersion) -> Element {
        let mut el = Element::new(asb::BODY)
            .text_child(asb::TYPE, self.body_type.code().to_string())
            .text_child(
                asb::ESTIMATED_DATA_SIZE,
                self.estimated_data_size.to_string(),
            )
            .text_child(asb::TRUNCATED, bool_text(self.truncated));
        if let Some(d) = &self.data {
            el.push(Element::with_text(asb::DATA, d.as_str()));
        }
        if let Some(p) = &self.preview
            && version.supports_body_preview()
        {
            el.push(Element::with_text(asb::PREVIEW, p.as_str()));
        }
        el
    }

    /// Reads a `Body` (a draft's body in a 16.0 Add, and responses in tests). Only `Type` is
    /// required; a missing size is the data's length.
    pub fn from_element(el: &Element) -> Result<Body, ProtocolError> {
        let body_type = BodyType::from_element(required(el, asb::TYPE)?)?;
        let data = optional_text(el, asb::DATA)?;
        let estimated_data_size = match optional_parse(el, asb::ESTIMATED_DATA_SIZE)? {
            Some(n) => n,
            None => data.as_ref().map_or(0, |d| d.len() as u64),
        };
        let truncated = match el.find(asb::TRUNCATED) {
            Some(t) => parse_bool(t)?,
            None => false,
        };
        Ok(Body {
            body_type,
            estimated_data_size,
            truncated,
            data,
            preview: optional_text(el, asb::PREVIEW)?,
        })
    }
}

/// The status of a `BodyPart` (MS-ASAIRS 2.2.2.37.1: 1 or 176).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyPartStatus {
    Success,
    /// 176 BodyPart_ConversationTooLarge: the conversation is too large for one part.
    ConversationTooLarge,
}

impl BodyPartStatus {
    pub fn code(self) -> u16 {
        match self {
            BodyPartStatus::Success => 1,
            BodyPartStatus::ConversationTooLarge => {
                CommonStatus::BodyPartConversationTooLarge.code()
            }
        }
    }
}

/// The message part of a conversation (`airsyncbase:BodyPart`, 14.1+, MS-ASAIRS 2.2.2.10).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BodyPart {
    pub status: BodyPartStatus,
    pub body_type: BodyType,
    pub estimated_data_size: u64,
    pub truncated: bool,
    pub data: Option<String>,
    pub preview: Option<String>,
}

impl BodyPart {
    /// `Status, Type, EstimatedDataSize, Truncated, Data, Preview` (AirSyncBase.xsd sequence).
    pub fn to_element(&self) -> Element {
        let mut el = Element::new(asb::BODY_PART)
            .text_child(asb::STATUS, self.status.code().to_string())
            .text_child(asb::TYPE, self.body_type.code().to_string())
            .text_child(
                asb::ESTIMATED_DATA_SIZE,
                self.estimated_data_size.to_string(),
            )
            .text_child(asb::TRUNCATED, bool_text(self.truncated));
        if let Some(d) = &self.data {
            el.push(Element::with_text(asb::DATA, d.as_str()));
        }
        if let Some(p) = &self.preview {
            el.push(Element::with_text(asb::PREVIEW, p.as_str()));
        }
        el
    }
}

/// One attachment of an item (`airsyncbase:Attachment`, MS-ASAIRS 2.2.2.7). Its data is
/// fetched separately by `FileReference` (ItemOperations, or GetAttachment in 12.x).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Attachment {
    /// An opaque reference the gateway can resolve to the part (MS-ASAIRS 2.2.2.24).
    pub file_reference: String,
    pub display_name: String,
    /// How it is attached: [`Attachment::BY_VALUE`], [`Attachment::EMBEDDED_MESSAGE`],
    /// [`Attachment::OLE`] (MS-ASAIRS 2.2.2.31).
    pub method: u8,
    pub estimated_data_size: u64,
    pub content_id: Option<String>,
    pub content_location: Option<String>,
    /// Shown in the body (referenced by `content_id`), not in the attachment list.
    pub is_inline: bool,
}

impl Attachment {
    /// A regular attachment.
    pub const BY_VALUE: u8 = 1;
    /// An attached message (message/rfc822).
    pub const EMBEDDED_MESSAGE: u8 = 5;
    /// An OLE object.
    pub const OLE: u8 = 6;

    /// `DisplayName, FileReference, Method, EstimatedDataSize, ContentId, ContentLocation,
    /// IsInline`: the order of MS-ASAIRS 2.2.2.7 (the schema is an `xs:all`).
    pub fn to_element(&self) -> Element {
        let mut el = Element::new(asb::ATTACHMENT)
            .text_child(asb::DISPLAY_NAME, self.display_name.as_str())
            .text_child(asb::FILE_REFERENCE, self.file_reference.as_str())
            .text_child(asb::METHOD, self.method.to_string())
            .text_child(
                asb::ESTIMATED_DATA_SIZE,
                self.estimated_data_size.to_string(),
            );
        if let Some(c) = &self.content_id {
            el.push(Element::with_text(asb::CONTENT_ID, c.as_str()));
        }
        if let Some(c) = &self.content_location {
            el.push(Element::with_text(asb::CONTENT_LOCATION, c.as_str()));
        }
        el.child(Element::with_text(
            asb::IS_INLINE,
            bool_text(self.is_inline),
        ))
    }

    /// `airsyncbase:Attachments` with each attachment, or `None` for none (the element may not
    /// be empty: Attachments.xsd requires one child).
    pub fn list_element(attachments: &[Attachment]) -> Option<Element> {
        if attachments.is_empty() {
            return None;
        }
        let mut el = Element::new(asb::ATTACHMENTS);
        for a in attachments {
            el.push(a.to_element());
        }
        Some(el)
    }
}

/// The server's answer for an attachment a 16.x device added to a draft or calendar item: the
/// `FileReference` its temporary `ClientId` now has (`airsyncbase:Attachment` in a Sync
/// `Responses` Add or Change, MS-ASAIRS 2.2.2.7 and 2.2.2.14; the device records it to delete
/// the attachment later, 2.2.2.24.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttachmentReference {
    pub client_id: String,
    pub file_reference: String,
}

impl AttachmentReference {
    /// `<Attachment><ClientId/><FileReference/></Attachment>` (the schema is an `xs:all`; this
    /// is the order of MS-ASAIRS 2.2.2.7).
    pub fn to_element(&self) -> Element {
        Element::new(asb::ATTACHMENT)
            .text_child(asb::CLIENT_ID, self.client_id.as_str())
            .text_child(asb::FILE_REFERENCE, self.file_reference.as_str())
    }

    /// Reads one such `Attachment` (for tests and test clients).
    pub fn from_element(el: &Element) -> Result<AttachmentReference, ProtocolError> {
        Ok(AttachmentReference {
            client_id: crate::error::required_id(el, asb::CLIENT_ID)?,
            file_reference: crate::error::required_id(el, asb::FILE_REFERENCE)?,
        })
    }

    /// `airsyncbase:Attachments` with each reference, or `None` for none (the element may not
    /// be empty).
    pub fn list_element(references: &[AttachmentReference]) -> Option<Element> {
        if references.is_empty() {
            return None;
        }
        let mut el = Element::new(asb::ATTACHMENTS);
        for r in references {
            el.push(r.to_element());
        }
        Some(el)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_type_codes_match_the_spec() {
        for (i, t) in BodyType::ALL.into_iter().enumerate() {
            assert_eq!(usize::from(t.code()), i + 1);
            assert_eq!(BodyType::from_code(t.code()), Some(t));
        }
        assert_eq!(BodyType::from_code(0), None);
        assert_eq!(BodyType::from_code(5), None);
    }

    #[test]
    fn preferences_round_trip_and_an_empty_all_or_none_means_true() {
        let pref = BodyPreference {
            body_type: BodyType::Html,
            truncation_size: Some(51_200),
            all_or_none: true,
            preview: Some(255),
        };
        assert_eq!(BodyPreference::from_element(&pref.to_element()), Ok(pref));
        let el = Element::new(asb::BODY_PREFERENCE)
            .text_child(asb::TYPE, "1")
            .child(Element::new(asb::ALL_OR_NONE));
        assert!(
            BodyPreference::from_element(&el)
                .expect("parses")
                .all_or_none
        );
        let bad = Element::new(asb::BODY_PREFERENCE).text_child(asb::TYPE, "9");
        assert!(matches!(
            BodyPreference::from_element(&bad),
            Err(ProtocolError::Invalid { .. })
        ));
        let missing = Element::new(asb::BODY_PART_PREFERENCE);
        assert_eq!(
            BodyPartPreference::from_element(&missing),
            Err(ProtocolError::Missing {
                element: asb::TYPE,
                parent: asb::BODY_PART_PREFERENCE
            })
        );
    }

    #[test]
    fn a_body_writes_preview_only_from_14_0() {
        let mut body = Body::full(BodyType::Plain, "hello".into());
        body.preview = Some("hel".into());
        let names = |el: &Element| el.elements().map(|e| e.tag.name()).collect::<Vec<_>>();
        assert_eq!(
            names(&body.to_element(ProtocolVersion::V12_1)),
            ["Type", "EstimatedDataSize", "Truncated", "Data"]
        );
        assert_eq!(
            names(&body.to_element(ProtocolVersion::V14_0)),
            ["Type", "EstimatedDataSize", "Truncated", "Data", "Preview"]
        );
        let parsed = Body::from_element(&body.to_element(ProtocolVersion::V16_1)).expect("body");
        assert_eq!(parsed, body);
    }

    #[test]
    fn no_attachments_is_no_element() {
        assert!(Attachment::list_element(&[]).is_none());
        let a = Attachment {
            file_reference: "5:12:2".into(),
            display_name: "a.pdf".into(),
            method: Attachment::BY_VALUE,
            estimated_data_size: 1024,
            ..Default::default()
        };
        let list = Attachment::list_element(&[a]).expect("list");
        let att = list.find(asb::ATTACHMENT).expect("Attachment");
        assert_eq!(att.child_text(asb::IS_INLINE).as_deref(), Some("0"));
    }
}
