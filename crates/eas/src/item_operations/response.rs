//! The ItemOperations response (ItemOperationsResponse.xsd).

use wbxml::{Element, tags::airsync as a, tags::airsyncbase as asb, tags::itemoperations as io};

use crate::ids::CollectionId;
use crate::status::CommonStatus;

use super::request::{FetchTarget, range_text};

/// An ItemOperations status (MS-ASCMD 2.2.3.177.8), overall or per operation, or a common
/// status (155 and 156 are common statuses of Move).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemOperationsStatus {
    Success,
    /// 2: protocol violation or XML validation error.
    ProtocolError,
    /// 3: server error.
    ServerError,
    /// 4: document library: bad URI.
    DocumentLibraryBadUri,
    /// 5: document library: access denied.
    DocumentLibraryAccessDenied,
    /// 6: the object was not found or access was denied.
    ObjectNotFound,
    /// 7: document library: failed to connect to the server.
    DocumentLibraryConnectionFailed,
    /// 8: the byte range is invalid or too large.
    InvalidByteRange,
    /// 9: the store is unknown or unsupported.
    UnknownStore,
    /// 10: the file is empty.
    FileEmpty,
    /// 11: the requested data is too large.
    DataTooLarge,
    /// 12: download failed on an I/O error.
    IoFailure,
    /// 14: the item failed conversion.
    ConversionFailure,
    /// 15: the attachment or attachment id is invalid.
    InvalidAttachment,
    /// 16: access to the resource is denied.
    ResourceAccessDenied,
    /// 17: the operation completed partially.
    PartialSuccess,
    /// 18: credentials required.
    CredentialsRequired,
    Common(CommonStatus),
}

impl ItemOperationsStatus {
    pub fn code(self) -> u16 {
        use ItemOperationsStatus::*;
        match self {
            Success => 1,
            ProtocolError => 2,
            ServerError => 3,
            DocumentLibraryBadUri => 4,
            DocumentLibraryAccessDenied => 5,
            ObjectNotFound => 6,
            DocumentLibraryConnectionFailed => 7,
            InvalidByteRange => 8,
            UnknownStore => 9,
            FileEmpty => 10,
            DataTooLarge => 11,
            IoFailure => 12,
            ConversionFailure => 14,
            InvalidAttachment => 15,
            ResourceAccessDenied => 16,
            PartialSuccess => 17,
            CredentialsRequired => 18,
            Common(c) => c.code(),
        }
    }

    pub fn from_code(code: u16) -> Option<ItemOperationsStatus> {
        use ItemOperationsStatus::*;
        Some(match code {
            1 => Success,
            2 => ProtocolError,
            3 => ServerError,
            4 => DocumentLibraryBadUri,
            5 => DocumentLibraryAccessDenied,
            6 => ObjectNotFound,
            7 => DocumentLibraryConnectionFailed,
            8 => InvalidByteRange,
            9 => UnknownStore,
            10 => FileEmpty,
            11 => DataTooLarge,
            12 => IoFailure,
            14 => ConversionFailure,
            15 => InvalidAttachment,
            16 => ResourceAccessDenied,
            17 => PartialSuccess,
            18 => CredentialsRequired,
            n => return CommonStatus::from_code(n).map(Common),
        })
    }

    fn element(self) -> Element {
        Element::with_text(io::STATUS, self.code().to_string())
    }
}

/// Where a fetched attachment's bytes are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttachmentData {
    /// Inline in `Data`, as base64 text (see [`AttachmentData::inline`]).
    Inline(String),
    /// In part N of a multipart response (see [`super::MultipartHeader`]); part 0 is the
    /// WBXML document itself, so attachments start at 1.
    Part(u32),
}

impl AttachmentData {
    /// Base64-encodes `bytes` for `Data` (MS-ASCMD 2.2.3.39.2).
    pub fn inline(bytes: &[u8]) -> AttachmentData {
        use base64::Engine as _;
        AttachmentData::Inline(base64::engine::general_purpose::STANDARD.encode(bytes))
    }
}

/// The properties of a fetched attachment (or document).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AttachmentProperties {
    /// `airsyncbase:ContentType`, e.g. `application/pdf`.
    pub content_type: Option<String>,
    /// The bytes sent, `start..=end`, when the device asked for a range.
    pub range: Option<(u64, u64)>,
    /// The size of the whole attachment, when a range was sent.
    pub total: Option<u64>,
    pub data: Option<AttachmentData>,
}

/// For a multipart response: takes the body text out of an item's `ApplicationData` (or
/// `Properties`) and puts `Part` (the index of the multipart part that will carry it) at the
/// end of its `airsyncbase:Body` instead (MS-ASCMD 2.2.3.130; AirSyncBase.xsd: `Type,
/// EstimatedDataSize, Truncated, Data, Preview, Part`). Returns the text for the caller to
/// send as that part, or `None`, changing nothing, when there is no body with data.
pub fn move_body_to_part(item: &mut Element, part: u32) -> Option<String> {
    let body = item.children.iter_mut().find_map(|n| match n {
        wbxml::Node::Element(e) if e.tag == asb::BODY => Some(e),
        _ => None,
    })?;
    let at = body
        .children
        .iter()
        .position(|n| matches!(n, wbxml::Node::Element(e) if e.tag == asb::DATA))?;
    let wbxml::Node::Element(data) = body.children.remove(at) else {
        return None;
    };
    body.push(Element::with_text(io::PART, part.to_string()));
    Some(data.text().map(|t| t.into_owned()).unwrap_or_default())
}

/// What a Fetch returns in `Properties`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FetchProperties {
    /// An item: its `ApplicationData` element (as
    /// [`crate::email::EmailItem::to_application_data`] builds it), whose children become
    /// the children of `Properties`. Another element is put in `Properties` as it is.
    Item(Element),
    Attachment(AttachmentProperties),
}

impl FetchProperties {
    /// `ContentType, Range, Total, Data|Part` for attachments (the order of MS-ASCMD's
    /// examples; the schema is a choice), or the item's properties.
    fn into_element(self) -> Element {
        let mut el = Element::new(io::PROPERTIES);
        match self {
            FetchProperties::Item(data) if data.tag == a::APPLICATION_DATA => {
                el.children = data.children;
            }
            FetchProperties::Item(other) => el.push(other),
            FetchProperties::Attachment(p) => {
                if let Some(ct) = p.content_type {
                    el.push(Element::with_text(asb::CONTENT_TYPE, ct));
                }
                if let Some(r) = p.range {
                    el.push(Element::with_text(io::RANGE, range_text(r)));
                }
                if let Some(t) = p.total {
                    el.push(Element::with_text(io::TOTAL, t.to_string()));
                }
                match p.data {
                    Some(AttachmentData::Inline(b64)) => {
                        el.push(Element::with_text(io::DATA, b64));
                    }
                    Some(AttachmentData::Part(n)) => {
                        el.push(Element::with_text(io::PART, n.to_string()));
                    }
                    None => {}
                }
            }
        }
        el
    }
}

/// The answer to one Fetch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchResponse {
    pub status: ItemOperationsStatus,
    /// What was fetched, echoed from the request.
    pub target: Option<FetchTarget>,
    /// The item's class (`Email`, ...); for items only.
    pub class: Option<String>,
    /// On success.
    pub properties: Option<FetchProperties>,
}

impl FetchResponse {
    /// `Status, CollectionId, ServerId, LongId, Class, LinkId, FileReference, Properties`
    /// (ItemOperationsResponse.xsd sequence).
    fn into_element(self) -> Element {
        let mut el = Element::new(io::FETCH).child(self.status.element());
        let ids = self
            .target
            .as_ref()
            .map(FetchTarget::elements)
            .unwrap_or_default();
        // Class sits between LongId and LinkId: split the ids around it.
        let (before, after): (Vec<Element>, Vec<Element>) = ids.into_iter().partition(|e| {
            e.tag == a::COLLECTION_ID
                || e.tag == a::SERVER_ID
                || e.tag == wbxml::tags::search::LONG_ID
        });
        for e in before {
            el.push(e);
        }
        if let Some(c) = self.class {
            el.push(Element::with_text(a::CLASS, c));
        }
        for e in after {
            el.push(e);
        }
        if let Some(p) = self.properties {
            el.push(p.into_element());
        }
        el
    }
}

/// The answer to one operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OperationResponse {
    Fetch(FetchResponse),
    EmptyFolderContents {
        status: ItemOperationsStatus,
        collection_id: CollectionId,
    },
    Move {
        status: ItemOperationsStatus,
        conversation_id: Vec<u8>,
    },
}

/// An ItemOperations response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemOperationsResponse {
    /// The overall status: 1 when the request was processed (each operation has its own).
    pub status: ItemOperationsStatus,
    pub responses: Vec<OperationResponse>,
}

impl ItemOperationsResponse {
    /// Status 1 with these answers.
    pub fn new(responses: Vec<OperationResponse>) -> ItemOperationsResponse {
        ItemOperationsResponse {
            status: ItemOperationsStatus::Success,
            responses,
        }
    }

    /// A failure of the whole request: the status alone.
    pub fn error(status: ItemOperationsStatus) -> ItemOperationsResponse {
        ItemOperationsResponse {
            status,
            responses: Vec::new(),
        }
    }

    pub fn to_element(&self) -> Element {
        self.clone().into_element()
    }

    /// `Status`, then `Response` holding every `Move`, then every `EmptyFolderContents`, then
    /// every `Fetch`: the schema's sequence groups them by kind (request order is kept within
    /// each kind; devices match answers by id, not position).
    pub fn into_element(self) -> Element {
        let el = Element::new(io::ITEM_OPERATIONS).child(self.status.element());
        if self.responses.is_empty() {
            return el;
        }
        let (mut moves, mut empties, mut fetches) = (Vec::new(), Vec::new(), Vec::new());
        for r in self.responses {
            match r {
                OperationResponse::Move {
                    status,
                    conversation_id,
                } => moves.push(
                    Element::new(io::MOVE)
                        .child(status.element())
                        .child(Element::with_opaque(io::CONVERSATION_ID, conversation_id)),
                ),
                OperationResponse::EmptyFolderContents {
                    status,
                    collection_id,
                } => empties.push(
                    Element::new(io::EMPTY_FOLDER_CONTENTS)
                        .child(status.element())
                        .text_child(a::COLLECTION_ID, collection_id.as_str()),
                ),
                OperationResponse::Fetch(f) => fetches.push(f.into_element()),
            }
        }
        let mut response = Element::new(io::RESPONSE);
        for e in moves.into_iter().chain(empties).chain(fetches) {
            response.push(e);
        }
        el.child(response)
    }
}
