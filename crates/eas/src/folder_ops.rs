//! FolderCreate, FolderUpdate and FolderDelete (MS-ASCMD 2.2.1.3, 2.2.1.6, 2.2.1.4): the
//! device changes the folder hierarchy. Each request carries the FolderSync key, and each
//! success answers with the next one, so a device's own change does not come back to it in the
//! next FolderSync.

use wbxml::{Element, tags::folderhierarchy as fh};

use crate::error::{
    ProtocolError, expect_tag, parse_text, required, required_collection_id, required_text,
    sync_key_of,
};
use crate::folder::FolderType;
use crate::ids::{CollectionId, SyncKey};
use crate::status::CommonStatus;

/// The status of FolderCreate, FolderUpdate and FolderDelete (MS-ASCMD 2.2.3.177.3,
/// 2.2.3.177.6, 2.2.3.177.4: one table with a few codes unused by each), or a common status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FolderOpStatus {
    Success,
    /// 2: a folder of that name exists in the parent (Create, Update); for Update also: the
    /// folder is a special folder.
    AlreadyExists,
    /// 3: a special folder (Create: as parent; Delete: the folder itself; Update: only the
    /// recipient information cache, other special folders get 2).
    SpecialFolder,
    /// 4: the folder does not exist (Update, Delete).
    NotFound,
    /// 5: the parent folder does not exist (Create, Update).
    ParentNotFound,
    /// 6: server error; the device retries.
    ServerError,
    /// 9: the FolderSync key is stale or invalid; the device runs FolderSync with key 0.
    InvalidSyncKey,
    /// 10: malformed request, or an attempt to create a default folder type.
    BadRequest,
    /// 11: unknown error.
    UnknownError,
    /// 12: code unknown (Create only).
    CodeUnknown,
    Common(CommonStatus),
}

impl FolderOpStatus {
    pub fn code(self) -> u16 {
        match self {
            FolderOpStatus::Success => 1,
            FolderOpStatus::AlreadyExists => 2,
            FolderOpStatus::SpecialFolder => 3,
            FolderOpStatus::NotFound => 4,
            FolderOpStatus::ParentNotFound => 5,
            FolderOpStatus::ServerError => 6,
            FolderOpStatus::InvalidSyncKey => 9,
            FolderOpStatus::BadRequest => 10,
            FolderOpStatus::UnknownError => 11,
            FolderOpStatus::CodeUnknown => 12,
            FolderOpStatus::Common(c) => c.code(),
        }
    }

    pub fn from_code(code: u16) -> Option<FolderOpStatus> {
        Some(match code {
            1 => FolderOpStatus::Success,
            2 => FolderOpStatus::AlreadyExists,
            3 => FolderOpStatus::SpecialFolder,
            4 => FolderOpStatus::NotFound,
            5 => FolderOpStatus::ParentNotFound,
            6 => FolderOpStatus::ServerError,
            9 => FolderOpStatus::InvalidSyncKey,
            10 => FolderOpStatus::BadRequest,
            11 => FolderOpStatus::UnknownError,
            12 => FolderOpStatus::CodeUnknown,
            n => return CommonStatus::from_code(n).map(FolderOpStatus::Common),
        })
    }
}

/// A FolderCreate request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FolderCreateRequest {
    pub sync_key: SyncKey,
    /// [`CollectionId::root`] for a top-level folder.
    pub parent_id: CollectionId,
    pub display_name: String,
    /// A user folder type (12-17, or 1); the engine refuses default types with status 10.
    pub folder_type: FolderType,
}

/// A FolderUpdate request: rename and/or move.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FolderUpdateRequest {
    pub sync_key: SyncKey,
    pub server_id: CollectionId,
    pub parent_id: CollectionId,
    pub display_name: String,
}

/// A FolderDelete request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FolderDeleteRequest {
    pub sync_key: SyncKey,
    pub server_id: CollectionId,
}

fn folder_type_of(parent: &Element) -> Result<FolderType, ProtocolError> {
    let el = required(parent, fh::TYPE)?;
    let code: u8 = parse_text(el)?;
    FolderType::from_code(code).ok_or_else(|| ProtocolError::Invalid {
        element: fh::TYPE,
        value: code.to_string(),
    })
}

impl FolderCreateRequest {
    pub fn from_element(element: &Element) -> Result<FolderCreateRequest, ProtocolError> {
        expect_tag(element, fh::FOLDER_CREATE)?;
        Ok(FolderCreateRequest {
            sync_key: sync_key_of(required(element, fh::SYNC_KEY)?)?,
            parent_id: required_collection_id(element, fh::PARENT_ID)?,
            display_name: required_text(element, fh::DISPLAY_NAME)?,
            folder_type: folder_type_of(element)?,
        })
    }

    /// The request document (for tests and test clients).
    pub fn to_element(&self) -> Element {
        Element::new(fh::FOLDER_CREATE)
            .text_child(fh::SYNC_KEY, self.sync_key.as_str())
            .text_child(fh::PARENT_ID, self.parent_id.as_str())
            .text_child(fh::DISPLAY_NAME, self.display_name.as_str())
            .text_child(fh::TYPE, self.folder_type.code().to_string())
    }
}

impl FolderUpdateRequest {
    pub fn from_element(element: &Element) -> Result<FolderUpdateRequest, ProtocolError> {
        expect_tag(element, fh::FOLDER_UPDATE)?;
        Ok(FolderUpdateRequest {
            sync_key: sync_key_of(required(element, fh::SYNC_KEY)?)?,
            server_id: required_collection_id(element, fh::SERVER_ID)?,
            parent_id: required_collection_id(element, fh::PARENT_ID)?,
            display_name: required_text(element, fh::DISPLAY_NAME)?,
        })
    }

    /// The request document (for tests and test clients).
    pub fn to_element(&self) -> Element {
        Element::new(fh::FOLDER_UPDATE)
            .text_child(fh::SYNC_KEY, self.sync_key.as_str())
            .text_child(fh::SERVER_ID, self.server_id.as_str())
            .text_child(fh::PARENT_ID, self.parent_id.as_str())
            .text_child(fh::DISPLAY_NAME, self.display_name.as_str())
    }
}

impl FolderDeleteRequest {
    pub fn from_element(element: &Element) -> Result<FolderDeleteRequest, ProtocolError> {
        expect_tag(element, fh::FOLDER_DELETE)?;
        Ok(FolderDeleteRequest {
            sync_key: sync_key_of(required(element, fh::SYNC_KEY)?)?,
            server_id: required_collection_id(element, fh::SERVER_ID)?,
        })
    }

    /// The request document (for tests and test clients).
    pub fn to_element(&self) -> Element {
        Element::new(fh::FOLDER_DELETE)
            .text_child(fh::SYNC_KEY, self.sync_key.as_str())
            .text_child(fh::SERVER_ID, self.server_id.as_str())
    }
}

/// A FolderCreate response: `Status, SyncKey, ServerId` (FolderCreateResponse.xsd).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FolderCreateResponse {
    pub status: FolderOpStatus,
    /// The new FolderSync key; with success only.
    pub sync_key: Option<SyncKey>,
    /// The new folder's id; with success only.
    pub server_id: Option<CollectionId>,
}

/// A FolderUpdate response: `Status, SyncKey` (FolderUpdateResponse.xsd).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FolderUpdateResponse {
    pub status: FolderOpStatus,
    /// The new FolderSync key; with success only.
    pub sync_key: Option<SyncKey>,
}

/// A FolderDelete response: `Status, SyncKey` (FolderDeleteResponse.xsd).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FolderDeleteResponse {
    pub status: FolderOpStatus,
    /// The new FolderSync key; with success only.
    pub sync_key: Option<SyncKey>,
}

fn status_element(status: FolderOpStatus) -> Element {
    Element::with_text(fh::STATUS, status.code().to_string())
}

impl FolderCreateResponse {
    pub fn success(sync_key: SyncKey, server_id: CollectionId) -> FolderCreateResponse {
        FolderCreateResponse {
            status: FolderOpStatus::Success,
            sync_key: Some(sync_key),
            server_id: Some(server_id),
        }
    }

    pub fn error(status: FolderOpStatus) -> FolderCreateResponse {
        FolderCreateResponse {
            status,
            sync_key: None,
            server_id: None,
        }
    }

    pub fn to_element(&self) -> Element {
        let mut el = Element::new(fh::FOLDER_CREATE).child(status_element(self.status));
        if let Some(k) = &self.sync_key {
            el.push(Element::with_text(fh::SYNC_KEY, k.as_str()));
        }
        if let Some(id) = &self.server_id {
            el.push(Element::with_text(fh::SERVER_ID, id.as_str()));
        }
        el
    }
}

fn status_and_key(root: wbxml::Tag, status: FolderOpStatus, key: Option<&SyncKey>) -> Element {
    let mut el = Element::new(root).child(status_element(status));
    if let Some(k) = key {
        el.push(Element::with_text(fh::SYNC_KEY, k.as_str()));
    }
    el
}

impl FolderUpdateResponse {
    pub fn success(sync_key: SyncKey) -> FolderUpdateResponse {
        FolderUpdateResponse {
            status: FolderOpStatus::Success,
            sync_key: Some(sync_key),
        }
    }

    pub fn error(status: FolderOpStatus) -> FolderUpdateResponse {
        FolderUpdateResponse {
            status,
            sync_key: None,
        }
    }

    pub fn to_element(&self) -> Element {
        status_and_key(fh::FOLDER_UPDATE, self.status, self.sync_key.as_ref())
    }
}

impl FolderDeleteResponse {
    pub fn success(sync_key: SyncKey) -> FolderDeleteResponse {
        FolderDeleteResponse {
            status: FolderOpStatus::Success,
            sync_key: Some(sync_key),
        }
    }

    pub fn error(status: FolderOpStatus) -> FolderDeleteResponse {
        FolderDeleteResponse {
            status,
            sync_key: None,
        }
    }

    pub fn to_element(&self) -> Element {
        status_and_key(fh::FOLDER_DELETE, self.status, self.sync_key.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(k: &str) -> SyncKey {
        SyncKey::new(k).expect("key")
    }

    fn id(i: &str) -> CollectionId {
        CollectionId::new(i).expect("id")
    }

    fn wire(el: &Element) -> Element {
        wbxml::decode(&wbxml::encode(el)).expect("decodes")
    }

    #[test]
    fn requests_round_trip() {
        let create = FolderCreateRequest {
            sync_key: key("3"),
            parent_id: CollectionId::root(),
            display_name: "Receipts & bills".into(),
            folder_type: FolderType::UserMail,
        };
        assert_eq!(
            FolderCreateRequest::from_element(&wire(&create.to_element())),
            Ok(create)
        );
        let update = FolderUpdateRequest {
            sync_key: key("4"),
            server_id: id("12"),
            parent_id: id("2"),
            display_name: "Archive".into(),
        };
        assert_eq!(
            FolderUpdateRequest::from_element(&wire(&update.to_element())),
            Ok(update)
        );
        let delete = FolderDeleteRequest {
            sync_key: key("5"),
            server_id: id("12"),
        };
        assert_eq!(
            FolderDeleteRequest::from_element(&wire(&delete.to_element())),
            Ok(delete)
        );
    }

    #[test]
    fn malformed_requests_are_protocol_errors() {
        let no_type = Element::new(fh::FOLDER_CREATE)
            .text_child(fh::SYNC_KEY, "1")
            .text_child(fh::PARENT_ID, "0")
            .text_child(fh::DISPLAY_NAME, "x");
        assert_eq!(
            FolderCreateRequest::from_element(&no_type),
            Err(ProtocolError::Missing {
                element: fh::TYPE,
                parent: fh::FOLDER_CREATE
            })
        );
        let bad_type = no_type.clone().text_child(fh::TYPE, "99");
        assert!(matches!(
            FolderCreateRequest::from_element(&bad_type),
            Err(ProtocolError::Invalid {
                element: fh::TYPE,
                ..
            })
        ));
        let no_server_id = Element::new(fh::FOLDER_DELETE).text_child(fh::SYNC_KEY, "1");
        assert_eq!(
            FolderDeleteRequest::from_element(&no_server_id),
            Err(ProtocolError::Missing {
                element: fh::SERVER_ID,
                parent: fh::FOLDER_DELETE
            })
        );
        let empty_key = Element::new(fh::FOLDER_UPDATE)
            .text_child(fh::SYNC_KEY, "")
            .text_child(fh::SERVER_ID, "1")
            .text_child(fh::PARENT_ID, "0")
            .text_child(fh::DISPLAY_NAME, "x");
        assert!(FolderUpdateRequest::from_element(&empty_key).is_err());
        assert!(matches!(
            FolderUpdateRequest::from_element(&Element::new(fh::FOLDER_SYNC)),
            Err(ProtocolError::WrongDocumentElement { .. })
        ));
    }

    #[test]
    fn responses_carry_key_and_id_on_success_only() {
        let el = FolderCreateResponse::success(key("6"), id("30")).to_element();
        let names: Vec<&str> = el.elements().map(|e| e.tag.name()).collect();
        assert_eq!(names, ["Status", "SyncKey", "ServerId"]);
        let el = FolderDeleteResponse::error(FolderOpStatus::NotFound).to_element();
        assert_eq!(el.tag, fh::FOLDER_DELETE);
        assert_eq!(el.elements().count(), 1);
        assert_eq!(el.child_text(fh::STATUS).as_deref(), Some("4"));
        let el = FolderUpdateResponse::success(key("7")).to_element();
        assert_eq!(el.tag, fh::FOLDER_UPDATE);
        assert_eq!(el.child_text(fh::SYNC_KEY).as_deref(), Some("7"));
    }

    #[test]
    fn status_codes_round_trip() {
        for code in [1, 2, 3, 4, 5, 6, 9, 10, 11, 12, 111] {
            assert_eq!(
                FolderOpStatus::from_code(code).map(FolderOpStatus::code),
                Some(code)
            );
        }
        assert_eq!(FolderOpStatus::from_code(7), None);
    }
}
