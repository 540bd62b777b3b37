//! Folder ids per user, and what each device was last told about the folder hierarchy.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Where a folder's content lives upstream.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FolderSource {
    /// An IMAP mailbox, by its wire name (modified UTF-7), with the UIDVALIDITY last seen:
    /// a mailbox renamed upstream keeps its UIDVALIDITY, which is how the rename is recognised.
    Mail {
        mailbox: String,
        #[serde(default)]
        uid_validity: Option<u32>,
    },
}

/// One folder id of a user. Ids are never reused: a deleted folder's id stays retired.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FolderEntry {
    pub server_id: String,
    pub source: FolderSource,
}

/// A user's folder ids: stable across restarts, renames and FolderSync with key 0.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserFolders {
    /// The next id to hand out.
    pub next_id: u32,
    pub entries: Vec<FolderEntry>,
}

impl UserFolders {
    pub fn by_mailbox(&self, mailbox: &str) -> Option<&FolderEntry> {
        self.entries.iter().find(|e| match &e.source {
            FolderSource::Mail { mailbox: m, .. } => m == mailbox,
        })
    }

    pub fn by_id(&self, server_id: &str) -> Option<&FolderEntry> {
        self.entries.iter().find(|e| e.server_id == server_id)
    }

    pub fn by_id_mut(&mut self, server_id: &str) -> Option<&mut FolderEntry> {
        self.entries.iter_mut().find(|e| e.server_id == server_id)
    }

    /// Adds a folder under a fresh id and returns the id.
    pub fn allocate(&mut self, source: FolderSource) -> String {
        self.next_id = self.next_id.max(1);
        let id = self.next_id.to_string();
        self.next_id += 1;
        self.entries.push(FolderEntry {
            server_id: id.clone(),
            source,
        });
        id
    }

    pub fn remove(&mut self, server_id: &str) {
        self.entries.retain(|e| e.server_id != server_id);
    }
}

/// A folder as one device knows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceFolder {
    pub parent_id: String,
    pub display_name: String,
    /// FolderType code (MS-ASCMD 2.2.3.186.3).
    pub folder_type: u8,
}

/// The hierarchy changes one FolderSync sent, kept so that a retry gets them again.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentHierarchyChanges {
    pub adds: Vec<String>,
    pub updates: Vec<String>,
    pub deletes: Vec<String>,
}

/// What a device was told about the hierarchy: its folders as of `key`, and the step before.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HierarchyState {
    /// The current FolderSync key (what the device sends next). 0: never synced.
    pub key: u32,
    /// The device's folders as of `key`, by server id.
    pub folders: BTreeMap<String, DeviceFolder>,
    /// The key before `key` and what the step from it to `key` sent (for retries).
    #[serde(default)]
    pub previous: Option<(u32, SentHierarchyChanges)>,
    /// Folders as of the previous key, for replaying the step's Adds and Updates.
    #[serde(default)]
    pub previous_folders: BTreeMap<String, DeviceFolder>,
}
