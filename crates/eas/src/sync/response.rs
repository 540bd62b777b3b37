//! The Sync response (MS-ASCMD 2.2.1.21; SyncResponse.xsd): per collection its new key and
//! status, the answers to the device's changes, and the server's changes.

use wbxml::{Element, tags::airsync as a, tags::airsyncbase as asb, tags::email2 as em2};

use crate::airsyncbase::AttachmentReference;

use crate::error::{
    ProtocolError, expect_tag, optional_parse, parse_text, required, required_collection_id,
    required_id, sync_key_of, text_of,
};
use crate::ids::{CollectionId, SyncKey};
use crate::status::CommonStatus;
use crate::version::ProtocolVersion;

/// A Sync status (MS-ASCMD 2.2.3.177.17), or a common status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncStatus {
    Success,
    /// 3: the device must start over with key 0.
    InvalidSyncKey,
    /// 4: the request (or one command) does not follow the protocol.
    ProtocolError,
    /// 5: transient server error; the device retries.
    ServerError,
    /// 6: the device sent an item the server cannot convert; it stops sending it.
    ConversionError,
    /// 7: the server's version of the item won a conflict.
    Conflict,
    /// 8: the item (or collection) does not exist.
    ObjectNotFound,
    /// 9: the command cannot be completed (the mailbox may be full).
    CannotComplete,
    /// 12: the folder hierarchy changed; the device runs FolderSync first.
    FolderHierarchyChanged,
    /// 13: an empty or partial request with no cached previous request; resend in full.
    IncompleteRequest,
    /// 14: Wait or HeartbeatInterval out of range; the response carries a Limit.
    InvalidWaitOrHeartbeat,
    /// 15: too many collections; the response carries a Limit.
    InvalidRequest,
    /// 16: something failed that a retry may fix.
    Retry,
    Common(CommonStatus),
}

impl SyncStatus {
    pub fn code(self) -> u16 {
        match self {
            SyncStatus::Success => 1,
            SyncStatus::InvalidSyncKey => 3,
            SyncStatus::ProtocolError => 4,
            SyncStatus::ServerError => 5,
            SyncStatus::ConversionError => 6,
            SyncStatus::Conflict => 7,
            SyncStatus::ObjectNotFound => 8,
            SyncStatus::CannotComplete => 9,
            SyncStatus::FolderHierarchyChanged => 12,
            SyncStatus::IncompleteRequest => 13,
            SyncStatus::InvalidWaitOrHeartbeat => 14,
            SyncStatus::InvalidRequest => 15,
            SyncStatus::Retry => 16,
            SyncStatus::Common(c) => c.code(),
        }
    }

    pub fn from_code(code: u16) -> Option<SyncStatus> {
        Some(match code {
            1 => SyncStatus::Success,
            3 => SyncStatus::InvalidSyncKey,
            4 => SyncStatus::ProtocolError,
            5 => SyncStatus::ServerError,
            6 => SyncStatus::ConversionError,
            7 => SyncStatus::Conflict,
            8 => SyncStatus::ObjectNotFound,
            9 => SyncStatus::CannotComplete,
            12 => SyncStatus::FolderHierarchyChanged,
            13 => SyncStatus::IncompleteRequest,
            14 => SyncStatus::InvalidWaitOrHeartbeat,
            15 => SyncStatus::InvalidRequest,
            16 => SyncStatus::Retry,
            n => return CommonStatus::from_code(n).map(SyncStatus::Common),
        })
    }

    fn element(self) -> Element {
        Element::with_text(a::STATUS, self.code().to_string())
    }

    fn from_element(el: &Element) -> Result<SyncStatus, ProtocolError> {
        let code: u16 = parse_text(el)?;
        SyncStatus::from_code(code).ok_or_else(|| ProtocolError::Invalid {
            element: el.tag,
            value: code.to_string(),
        })
    }
}

/// `ApplicationData` as given, or the element wrapped in one (callers may pass either).
fn application_data(el: Element) -> Element {
    if el.tag == a::APPLICATION_DATA {
        el
    } else {
        Element::new(a::APPLICATION_DATA).child(el)
    }
}

/// A server change in a collection's `Commands`. `application_data` is the
/// `ApplicationData` element, as [`crate::email::EmailItem::to_application_data`] builds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerCommand {
    Add {
        server_id: String,
        application_data: Element,
    },
    Change {
        server_id: String,
        application_data: Element,
    },
    Delete {
        server_id: String,
    },
    /// The item left the filter window (too old); the device drops it without deleting it
    /// (MS-ASCMD 2.2.3.172).
    SoftDelete {
        server_id: String,
    },
}

impl ServerCommand {
    fn into_element(self) -> Element {
        match self {
            ServerCommand::Add {
                server_id,
                application_data: data,
            } => Element::new(a::ADD)
                .text_child(a::SERVER_ID, server_id)
                .child(application_data(data)),
            ServerCommand::Change {
                server_id,
                application_data: data,
            } => Element::new(a::CHANGE)
                .text_child(a::SERVER_ID, server_id)
                .child(application_data(data)),
            ServerCommand::Delete { server_id } => {
                Element::new(a::DELETE).text_child(a::SERVER_ID, server_id)
            }
            ServerCommand::SoftDelete { server_id } => {
                Element::new(a::SOFT_DELETE).text_child(a::SERVER_ID, server_id)
            }
        }
    }

    fn from_element(el: &Element) -> Result<Option<ServerCommand>, ProtocolError> {
        Ok(Some(match el.tag {
            a::ADD => ServerCommand::Add {
                server_id: required_id(el, a::SERVER_ID)?,
                application_data: required(el, a::APPLICATION_DATA)?.clone(),
            },
            a::CHANGE => ServerCommand::Change {
                server_id: required_id(el, a::SERVER_ID)?,
                application_data: required(el, a::APPLICATION_DATA)?.clone(),
            },
            a::DELETE => ServerCommand::Delete {
                server_id: required_id(el, a::SERVER_ID)?,
            },
            a::SOFT_DELETE => ServerCommand::SoftDelete {
                server_id: required_id(el, a::SERVER_ID)?,
            },
            _ => return Ok(None),
        }))
    }
}

/// What the server returns about an item the device added or changed, in the
/// `ApplicationData` of its answer (16.0+): the `FileReference` of each attachment the device
/// added (MS-ASAIRS 2.2.2.14), and for a new draft its conversation (MS-ASEMAIL 2.2.2.21,
/// 2.2.2.22: "When the client adds a new draft item, the server response will contain" them).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResponseData {
    pub attachments: Vec<AttachmentReference>,
    pub conversation_id: Option<Vec<u8>>,
    pub conversation_index: Option<Vec<u8>>,
}

impl ResponseData {
    /// Nothing to say (no `ApplicationData` is written).
    pub fn is_empty(&self) -> bool {
        self.attachments.is_empty()
            && self.conversation_id.is_none()
            && self.conversation_index.is_none()
    }

    /// `ApplicationData` with Attachments, ConversationId, ConversationIndex; `None` when
    /// empty (the schema's choice needs one child) or when the device is older than 16.0,
    /// which knows no attachment `ClientId` (MS-ASAIRS 2.2.2.14).
    fn element(&self, version: ProtocolVersion) -> Option<Element> {
        if self.is_empty() || !version.supports_draft_sync() {
            return None;
        }
        let mut el = Element::new(a::APPLICATION_DATA);
        if let Some(list) = AttachmentReference::list_element(&self.attachments) {
            el.push(list);
        }
        if let Some(id) = &self.conversation_id {
            el.push(Element::with_opaque(em2::CONVERSATION_ID, id.clone()));
        }
        if let Some(ix) = &self.conversation_index {
            el.push(Element::with_opaque(em2::CONVERSATION_INDEX, ix.clone()));
        }
        Some(el)
    }

    fn from_element(el: &Element) -> Result<ResponseData, ProtocolError> {
        let mut data = ResponseData::default();
        if let Some(list) = el.find(asb::ATTACHMENTS) {
            for att in list.find_all(asb::ATTACHMENT) {
                data.attachments
                    .push(AttachmentReference::from_element(att)?);
            }
        }
        data.conversation_id = el.find(em2::CONVERSATION_ID).and_then(Element::bytes);
        data.conversation_index = el.find(em2::CONVERSATION_INDEX).and_then(Element::bytes);
        Ok(data)
    }
}

/// The answer to one of the device's commands, in a collection's `Responses`.
///
/// The device expects an answer for every Add and Fetch, and for Changes and Deletes that
/// failed; successful Changes and Deletes need none (MS-ASCMD 2.2.3.154). `Delete` is in the
/// schema's `Responses` (SyncResponse.xsd), so failed deletes are answered there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientResponse {
    Add {
        client_id: String,
        /// The id the item got; absent on failure.
        server_id: Option<String>,
        status: SyncStatus,
    },
    Change {
        server_id: String,
        status: SyncStatus,
    },
    /// 16.0+: an [`ClientResponse::Add`] with [`ResponseData`]: a draft (or calendar item)
    /// the device added, with the `FileReference` of each attachment it added and the draft's
    /// conversation. For devices older than 16.0 it is written as a plain Add.
    AddWithData {
        client_id: String,
        server_id: Option<String>,
        status: SyncStatus,
        data: ResponseData,
    },
    /// 16.0+: a Change that added attachments, answered even on success (MS-ASCMD 2.2.3.154:
    /// the device receives responses for "successful changes that include an attachment
    /// being added"), with the `FileReference` of each. The spec lists `ApplicationData` in a
    /// `Responses/Change` (MS-ASCMD 2.2.3.24); SyncResponse.xsd of the test suites does not.
    ChangeWithData {
        server_id: String,
        status: SyncStatus,
        data: ResponseData,
    },
    Delete {
        server_id: String,
        status: SyncStatus,
    },
    Fetch {
        server_id: String,
        status: SyncStatus,
        /// The item, on success.
        application_data: Option<Element>,
    },
}

impl ClientResponse {
    /// `Add`: ClientId, ServerId, Status, ApplicationData (SyncResponse.xsd sequence);
    /// `Change`: ServerId, Status, ApplicationData (after Status, as in Add and Fetch).
    fn into_element(self, version: ProtocolVersion) -> Element {
        match self {
            ClientResponse::AddWithData {
                client_id,
                server_id,
                status,
                data,
            } => {
                let mut el = ClientResponse::Add {
                    client_id,
                    server_id,
                    status,
                }
                .into_element(version);
                el.children
                    .extend(data.element(version).map(wbxml::Node::Element));
                el
            }
            ClientResponse::ChangeWithData {
                server_id,
                status,
                data,
            } => {
                let mut el = ClientResponse::Change { server_id, status }.into_element(version);
                el.children
                    .extend(data.element(version).map(wbxml::Node::Element));
                el
            }
            ClientResponse::Add {
                client_id,
                server_id,
                status,
            } => {
                let mut el = Element::new(a::ADD).text_child(a::CLIENT_ID, client_id);
                if let Some(id) = server_id {
                    el.push(Element::with_text(a::SERVER_ID, id));
                }
                el.child(status.element())
            }
            ClientResponse::Change { server_id, status } => Element::new(a::CHANGE)
                .text_child(a::SERVER_ID, server_id)
                .child(status.element()),
            ClientResponse::Delete { server_id, status } => Element::new(a::DELETE)
                .text_child(a::SERVER_ID, server_id)
                .child(status.element()),
            ClientResponse::Fetch {
                server_id,
                status,
                application_data: data,
            } => {
                let mut el = Element::new(a::FETCH)
                    .text_child(a::SERVER_ID, server_id)
                    .child(status.element());
                if let Some(data) = data {
                    let mut data = application_data(data);
                    // SyncResponse.xsd allows no BodyPart in a Fetch answer (only in
                    // Commands/Add), so an item built for an Add loses it here.
                    data.children.retain(|n| {
                        !matches!(n, wbxml::Node::Element(e) if e.tag == wbxml::tags::airsyncbase::BODY_PART)
                    });
                    el.push(data);
                }
                el
            }
        }
    }

    fn from_element(el: &Element) -> Result<Option<ClientResponse>, ProtocolError> {
        let status = || SyncStatus::from_element(required(el, a::STATUS)?);
        Ok(Some(match el.tag {
            a::ADD => {
                let client_id = required_id(el, a::CLIENT_ID)?;
                let server_id = el
                    .find(a::SERVER_ID)
                    .map(|s| text_of(s).map(|t| t.trim().to_owned()))
                    .transpose()?;
                let status = status()?;
                match el.find(a::APPLICATION_DATA) {
                    Some(data) => ClientResponse::AddWithData {
                        client_id,
                        server_id,
                        status,
                        data: ResponseData::from_element(data)?,
                    },
                    None => ClientResponse::Add {
                        client_id,
                        server_id,
                        status,
                    },
                }
            }
            a::CHANGE => {
                let server_id = required_id(el, a::SERVER_ID)?;
                let status = status()?;
                match el.find(a::APPLICATION_DATA) {
                    Some(data) => ClientResponse::ChangeWithData {
                        server_id,
                        status,
                        data: ResponseData::from_element(data)?,
                    },
                    None => ClientResponse::Change { server_id, status },
                }
            }
            a::DELETE => ClientResponse::Delete {
                server_id: required_id(el, a::SERVER_ID)?,
                status: status()?,
            },
            a::FETCH => ClientResponse::Fetch {
                server_id: required_id(el, a::SERVER_ID)?,
                status: status()?,
                application_data: el.find(a::APPLICATION_DATA).cloned(),
            },
            _ => return Ok(None),
        }))
    }
}

/// One `Collection` of a Sync response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncCollectionResponse {
    /// 12.x only: the collection's class, sent back as the device sent it
    /// ([`ProtocolVersion::sync_class_in_collection`]); left out for 14.0+.
    pub class: Option<String>,
    /// The new key on success; on failure the key the device sent (or 0 for status 3).
    pub sync_key: SyncKey,
    pub collection_id: CollectionId,
    pub status: SyncStatus,
    /// More server changes are waiting beyond the window.
    pub more_available: bool,
    pub commands: Vec<ServerCommand>,
    pub responses: Vec<ClientResponse>,
}

impl SyncCollectionResponse {
    /// A collection with a key and a status and nothing else.
    pub fn new(
        sync_key: SyncKey,
        collection_id: CollectionId,
        status: SyncStatus,
    ) -> SyncCollectionResponse {
        SyncCollectionResponse {
            class: None,
            sync_key,
            collection_id,
            status,
            more_available: false,
            commands: Vec::new(),
            responses: Vec::new(),
        }
    }

    /// `Class` (12.x), `SyncKey`, `CollectionId`, `Status`, `Responses`, `MoreAvailable`,
    /// `Commands`. The schema allows any order here; this is the order of Z-Push, which
    /// years of devices accept, and keeps MoreAvailable before Commands as Exchange does.
    /// Empty `Responses` and `Commands` are left out (each must have a child).
    fn into_element(self, version: ProtocolVersion) -> Element {
        let mut el = Element::new(a::COLLECTION);
        if let Some(class) = self.class
            && version.sync_class_in_collection()
        {
            el.push(Element::with_text(a::CLASS, class));
        }
        el.push(Element::with_text(a::SYNC_KEY, self.sync_key.as_str()));
        el.push(Element::with_text(
            a::COLLECTION_ID,
            self.collection_id.as_str(),
        ));
        el.push(self.status.element());
        if !self.responses.is_empty() {
            let mut r = Element::new(a::RESPONSES);
            for response in self.responses {
                r.push(response.into_element(version));
            }
            el.push(r);
        }
        if self.more_available {
            el.push(Element::new(a::MORE_AVAILABLE));
        }
        if !self.commands.is_empty() {
            let mut c = Element::new(a::COMMANDS);
            for command in self.commands {
                c.push(command.into_element());
            }
            el.push(c);
        }
        el
    }

    fn from_element(el: &Element) -> Result<SyncCollectionResponse, ProtocolError> {
        let mut c = SyncCollectionResponse::new(
            sync_key_of(required(el, a::SYNC_KEY)?)?,
            required_collection_id(el, a::COLLECTION_ID)?,
            SyncStatus::from_element(required(el, a::STATUS)?)?,
        );
        c.class = el
            .find(a::CLASS)
            .map(|e| text_of(e).map(|t| t.trim().to_owned()))
            .transpose()?;
        c.more_available = el.find(a::MORE_AVAILABLE).is_some();
        if let Some(commands) = el.find(a::COMMANDS) {
            for command in commands.elements() {
                c.commands.extend(ServerCommand::from_element(command)?);
            }
        }
        if let Some(responses) = el.find(a::RESPONSES) {
            for response in responses.elements() {
                c.responses.extend(ClientResponse::from_element(response)?);
            }
        }
        Ok(c)
    }
}

/// A Sync response.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncResponse {
    /// Top-level status, for failures of the whole request only; success is said per
    /// collection.
    pub status: Option<SyncStatus>,
    /// With status 14 (the allowed Wait/HeartbeatInterval) or 15 (the most collections).
    /// Written instead of `Collections`: the schema allows one or the other.
    pub limit: Option<u32>,
    pub collections: Vec<SyncCollectionResponse>,
}

impl SyncResponse {
    /// A response with these collections.
    pub fn new(collections: Vec<SyncCollectionResponse>) -> SyncResponse {
        SyncResponse {
            status: None,
            limit: None,
            collections,
        }
    }

    /// A failure of the whole request: the status alone.
    pub fn error(status: SyncStatus) -> SyncResponse {
        SyncResponse {
            status: Some(status),
            limit: None,
            collections: Vec::new(),
        }
    }

    /// Status 14 or 15 with the `Limit` the device must respect.
    pub fn limit(status: SyncStatus, limit: u32) -> SyncResponse {
        SyncResponse {
            status: Some(status),
            limit: Some(limit),
            collections: Vec::new(),
        }
    }

    /// Nothing to say: the gateway sends an empty body instead (MS-ASCMD 2.2.1.21.2, the
    /// empty Sync response).
    pub fn is_empty(&self) -> bool {
        self.status.is_none() && self.limit.is_none() && self.collections.is_empty()
    }

    /// The response document (`Sync`: Status, then Limit or Collections).
    pub fn to_element(&self, version: ProtocolVersion) -> Element {
        self.clone().into_element(version)
    }

    /// As [`SyncResponse::to_element`], moving the items' data instead of copying it.
    pub fn into_element(self, version: ProtocolVersion) -> Element {
        let mut el = Element::new(a::SYNC);
        if let Some(status) = self.status {
            el.push(status.element());
        }
        if let Some(limit) = self.limit {
            el.push(Element::with_text(a::LIMIT, limit.to_string()));
        } else if !self.collections.is_empty() {
            let mut cs = Element::new(a::COLLECTIONS);
            for c in self.collections {
                cs.push(c.into_element(version));
            }
            el.push(cs);
        }
        el
    }

    /// Reads a response document (for tests and test clients).
    pub fn from_element(element: &Element) -> Result<SyncResponse, ProtocolError> {
        expect_tag(element, a::SYNC)?;
        let mut resp = SyncResponse {
            status: element
                .find(a::STATUS)
                .map(SyncStatus::from_element)
                .transpose()?,
            limit: optional_parse(element, a::LIMIT)?,
            collections: Vec::new(),
        };
        if let Some(cs) = element.find(a::COLLECTIONS) {
            for c in cs.find_all(a::COLLECTION) {
                resp.collections
                    .push(SyncCollectionResponse::from_element(c)?);
            }
        }
        Ok(resp)
    }
}
