//! The FolderSync command (MS-ASCMD 2.2.1.5): the folder hierarchy and its changes since a
//! sync key.

use wbxml::{Element, tags::folderhierarchy as fh};

use crate::error::{ProtocolError, expect_tag, required, required_text};
use crate::ids::{CollectionId, SyncKey};
use crate::status::CommonStatus;

/// A folder's type (MS-ASCMD 2.2.3.186.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FolderType {
    /// User-created folder (generic).
    UserGeneric = 1,
    Inbox = 2,
    Drafts = 3,
    DeletedItems = 4,
    SentItems = 5,
    Outbox = 6,
    Tasks = 7,
    Calendar = 8,
    Contacts = 9,
    Notes = 10,
    Journal = 11,
    UserMail = 12,
    UserCalendar = 13,
    UserContacts = 14,
    UserTasks = 15,
    UserJournal = 16,
    UserNotes = 17,
    Unknown = 18,
    /// Recipient information cache.
    RecipientInformationCache = 19,
}

/// What a folder holds, for choosing a content backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FolderClass {
    Email,
    Calendar,
    Contacts,
    Tasks,
    Notes,
    Journal,
    Other,
}

impl FolderType {
    pub const ALL: [FolderType; 19] = [
        FolderType::UserGeneric,
        FolderType::Inbox,
        FolderType::Drafts,
        FolderType::DeletedItems,
        FolderType::SentItems,
        FolderType::Outbox,
        FolderType::Tasks,
        FolderType::Calendar,
        FolderType::Contacts,
        FolderType::Notes,
        FolderType::Journal,
        FolderType::UserMail,
        FolderType::UserCalendar,
        FolderType::UserContacts,
        FolderType::UserTasks,
        FolderType::UserJournal,
        FolderType::UserNotes,
        FolderType::Unknown,
        FolderType::RecipientInformationCache,
    ];

    pub fn code(self) -> u8 {
        self as u8
    }

    pub fn from_code(code: u8) -> Option<FolderType> {
        FolderType::ALL.into_iter().find(|t| t.code() == code)
    }

    /// Whether this is one of the default (special) folders, which cannot be deleted or
    /// renamed by the client.
    pub fn is_default(self) -> bool {
        (2..=11).contains(&self.code()) || self == FolderType::RecipientInformationCache
    }

    /// What the folder holds. Generic user folders hold mail in practice.
    pub fn class(self) -> FolderClass {
        use FolderType::*;
        match self {
            UserGeneric | Inbox | Drafts | DeletedItems | SentItems | Outbox | UserMail => {
                FolderClass::Email
            }
            Calendar | UserCalendar => FolderClass::Calendar,
            Contacts | UserContacts | RecipientInformationCache => FolderClass::Contacts,
            Tasks | UserTasks => FolderClass::Tasks,
            Notes | UserNotes => FolderClass::Notes,
            Journal | UserJournal => FolderClass::Journal,
            Unknown => FolderClass::Other,
        }
    }
}

/// A FolderSync request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FolderSyncRequest {
    pub sync_key: SyncKey,
}

impl FolderSyncRequest {
    pub fn from_element(element: &Element) -> Result<FolderSyncRequest, ProtocolError> {
        expect_tag(element, fh::FOLDER_SYNC)?;
        let text = required_text(element, fh::SYNC_KEY)?;
        let sync_key = SyncKey::new(text.trim()).ok_or(ProtocolError::Invalid {
            element: fh::SYNC_KEY,
            value: text,
        })?;
        Ok(FolderSyncRequest { sync_key })
    }

    pub fn to_element(&self) -> Element {
        Element::new(fh::FOLDER_SYNC).text_child(fh::SYNC_KEY, self.sync_key.as_str())
    }
}

/// FolderSync status (MS-ASCMD 2.2.3.177.5), or a common status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FolderSyncStatus {
    Success,
    /// An error occurred on the server (retry).
    ServerError,
    /// Synchronization key mismatch or invalid: the client starts over with key 0.
    InvalidSyncKey,
    /// Incorrectly formatted request.
    BadRequest,
    UnknownError,
    CodeUnknown,
    Common(CommonStatus),
}

impl FolderSyncStatus {
    pub fn code(self) -> u16 {
        match self {
            FolderSyncStatus::Success => 1,
            FolderSyncStatus::ServerError => 6,
            FolderSyncStatus::InvalidSyncKey => 9,
            FolderSyncStatus::BadRequest => 10,
            FolderSyncStatus::UnknownError => 11,
            FolderSyncStatus::CodeUnknown => 12,
            FolderSyncStatus::Common(c) => c.code(),
        }
    }

    pub fn from_code(code: u16) -> Option<FolderSyncStatus> {
        Some(match code {
            1 => FolderSyncStatus::Success,
            6 => FolderSyncStatus::ServerError,
            9 => FolderSyncStatus::InvalidSyncKey,
            10 => FolderSyncStatus::BadRequest,
            11 => FolderSyncStatus::UnknownError,
            12 => FolderSyncStatus::CodeUnknown,
            n => return CommonStatus::from_code(n).map(FolderSyncStatus::Common),
        })
    }
}

/// A folder as FolderSync reports it in an Add or Update.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Folder {
    pub server_id: CollectionId,
    /// [`CollectionId::root`] for top-level folders.
    pub parent_id: CollectionId,
    pub display_name: String,
    pub folder_type: FolderType,
}

impl Folder {
    fn to_element(&self, tag: wbxml::Tag) -> Element {
        Element::new(tag)
            .text_child(fh::SERVER_ID, self.server_id.as_str())
            .text_child(fh::PARENT_ID, self.parent_id.as_str())
            .text_child(fh::DISPLAY_NAME, self.display_name.as_str())
            .text_child(fh::TYPE, self.folder_type.code().to_string())
    }
}

/// The hierarchy changes since the request's sync key (for key 0: every folder, as Adds).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FolderChanges {
    pub updates: Vec<Folder>,
    pub deletes: Vec<CollectionId>,
    pub adds: Vec<Folder>,
}

impl FolderChanges {
    pub fn count(&self) -> usize {
        self.updates.len() + self.deletes.len() + self.adds.len()
    }

    pub fn is_empty(&self) -> bool {
        self.count() == 0
    }
}

/// A FolderSync response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FolderSyncResponse {
    pub status: FolderSyncStatus,
    /// The new key; sent with success only.
    pub sync_key: Option<SyncKey>,
    pub changes: FolderChanges,
}

impl FolderSyncResponse {
    pub fn success(sync_key: SyncKey, changes: FolderChanges) -> FolderSyncResponse {
        FolderSyncResponse {
            status: FolderSyncStatus::Success,
            sync_key: Some(sync_key),
            changes,
        }
    }

    /// A failure: the status alone.
    pub fn error(status: FolderSyncStatus) -> FolderSyncResponse {
        FolderSyncResponse {
            status,
            sync_key: None,
            changes: FolderChanges::default(),
        }
    }

    /// The response document (`FolderSyncResponse.xsd`): Status, SyncKey, Changes with Count
    /// and then Update*, Delete*, Add* in that order. Changes (with Count 0 when nothing
    /// changed) is sent with every success; a failure carries the status alone.
    pub fn to_element(&self) -> Element {
        let mut el =
            Element::new(fh::FOLDER_SYNC).text_child(fh::STATUS, self.status.code().to_string());
        if self.status != FolderSyncStatus::Success {
            return el;
        }
        if let Some(key) = &self.sync_key {
            el.push(Element::with_text(fh::SYNC_KEY, key.as_str()));
        }
        let c = &self.changes;
        let mut changes = Element::new(fh::CHANGES).text_child(fh::COUNT, c.count().to_string());
        for f in &c.updates {
            changes.push(f.to_element(fh::UPDATE));
        }
        for id in &c.deletes {
            changes.push(Element::new(fh::DELETE).text_child(fh::SERVER_ID, id.as_str()));
        }
        for f in &c.adds {
            changes.push(f.to_element(fh::ADD));
        }
        el.child(changes)
    }

    /// Reads a response document (for tests and test clients).
    pub fn from_element(element: &Element) -> Result<FolderSyncResponse, ProtocolError> {
        expect_tag(element, fh::FOLDER_SYNC)?;
        let status_el = required(element, fh::STATUS)?;
        let code: u16 = crate::error::parse_text(status_el)?;
        let status = FolderSyncStatus::from_code(code).ok_or(ProtocolError::Invalid {
            element: fh::STATUS,
            value: code.to_string(),
        })?;
        let sync_key = match element.find(fh::SYNC_KEY) {
            None => None,
            Some(k) => Some(sync_key_of(k)?),
        };
        let mut changes = FolderChanges::default();
        if let Some(ch) = element.find(fh::CHANGES) {
            for child in ch.elements() {
                match child.tag {
                    fh::UPDATE => changes.updates.push(folder_of(child)?),
                    fh::ADD => changes.adds.push(folder_of(child)?),
                    fh::DELETE => changes
                        .deletes
                        .push(collection_id_of(child, fh::SERVER_ID)?),
                    _ => {}
                }
            }
        }
        Ok(FolderSyncResponse {
            status,
            sync_key,
            changes,
        })
    }
}

fn sync_key_of(el: &Element) -> Result<SyncKey, ProtocolError> {
    let text = crate::error::text_of(el)?;
    SyncKey::new(text.clone()).ok_or(ProtocolError::Invalid {
        element: el.tag,
        value: text,
    })
}

fn collection_id_of(parent: &Element, tag: wbxml::Tag) -> Result<CollectionId, ProtocolError> {
    let text = required_text(parent, tag)?;
    CollectionId::new(text.clone()).ok_or(ProtocolError::Invalid {
        element: tag,
        value: text,
    })
}

fn folder_of(el: &Element) -> Result<Folder, ProtocolError> {
    let type_el = required(el, fh::TYPE)?;
    let code: u8 = crate::error::parse_text(type_el)?;
    Ok(Folder {
        server_id: collection_id_of(el, fh::SERVER_ID)?,
        parent_id: collection_id_of(el, fh::PARENT_ID)?,
        display_name: required_text(el, fh::DISPLAY_NAME)?,
        folder_type: FolderType::from_code(code).ok_or(ProtocolError::Invalid {
            element: fh::TYPE,
            value: code.to_string(),
        })?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(id: &str, name: &str, t: FolderType) -> Folder {
        Folder {
            server_id: CollectionId::new(id).expect("id"),
            parent_id: CollectionId::root(),
            display_name: name.into(),
            folder_type: t,
        }
    }

    #[test]
    fn folder_type_codes_match_the_spec_table() {
        for (i, t) in FolderType::ALL.into_iter().enumerate() {
            assert_eq!(usize::from(t.code()), i + 1);
            assert_eq!(FolderType::from_code(t.code()), Some(t));
        }
        assert_eq!(FolderType::from_code(0), None);
        assert_eq!(FolderType::from_code(20), None);
        assert!(FolderType::Inbox.is_default() && !FolderType::UserMail.is_default());
        assert_eq!(FolderType::UserGeneric.class(), FolderClass::Email);
        assert_eq!(FolderType::UserCalendar.class(), FolderClass::Calendar);
    }

    #[test]
    fn a_folder_sync_request_carries_its_sync_key() {
        let req = FolderSyncRequest {
            sync_key: SyncKey::initial(),
        };
        let parsed = FolderSyncRequest::from_element(&req.to_element()).expect("parses");
        assert!(parsed.sync_key.is_initial());
        let missing = Element::new(fh::FOLDER_SYNC);
        assert_eq!(
            FolderSyncRequest::from_element(&missing),
            Err(ProtocolError::Missing {
                element: fh::SYNC_KEY,
                parent: fh::FOLDER_SYNC
            })
        );
        let empty = Element::new(fh::FOLDER_SYNC).text_child(fh::SYNC_KEY, "");
        assert!(matches!(
            FolderSyncRequest::from_element(&empty),
            Err(ProtocolError::Invalid { .. })
        ));
    }

    #[test]
    fn changes_are_counted_and_ordered_update_delete_add() {
        let changes = FolderChanges {
            adds: vec![folder("1", "Inbox", FolderType::Inbox)],
            deletes: vec![CollectionId::new("9").expect("id")],
            updates: vec![folder("2", "Archive", FolderType::UserMail)],
        };
        let resp = FolderSyncResponse::success(SyncKey::new("3").expect("key"), changes);
        let el = resp.to_element();
        let ch = el.find(fh::CHANGES).expect("Changes");
        let names: Vec<&str> = ch.elements().map(|e| e.tag.name()).collect();
        assert_eq!(names, ["Count", "Update", "Delete", "Add"]);
        assert_eq!(ch.child_text(fh::COUNT).as_deref(), Some("3"));
        assert_eq!(FolderSyncResponse::from_element(&el), Ok(resp));
    }

    #[test]
    fn no_changes_still_sends_a_zero_count_and_errors_send_the_status_alone() {
        let resp =
            FolderSyncResponse::success(SyncKey::new("4").expect("key"), FolderChanges::default());
        let el = resp.to_element();
        assert_eq!(
            el.find(fh::CHANGES)
                .and_then(|c| c.child_text(fh::COUNT))
                .as_deref(),
            Some("0")
        );
        let el = FolderSyncResponse::error(FolderSyncStatus::InvalidSyncKey).to_element();
        assert_eq!(el.elements().count(), 1);
        assert_eq!(el.child_text(fh::STATUS).as_deref(), Some("9"));
    }

    #[test]
    fn folder_sync_status_codes_round_trip() {
        for code in [1, 6, 9, 10, 11, 12, 111] {
            assert_eq!(
                FolderSyncStatus::from_code(code).map(FolderSyncStatus::code),
                Some(code)
            );
        }
        assert_eq!(FolderSyncStatus::from_code(2), None);
    }
}
