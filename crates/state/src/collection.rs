//! Per device and collection: what the device has of a mailbox, and what is still to send.

use serde::{Deserialize, Serialize};

use crate::RangeSet;

/// The sync state of one mail collection on one device, as of one sync key.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailState {
    pub uid_validity: u32,
    /// Every upstream change up to this modseq is either on the device or in a pending set.
    /// 0 when the server has no CONDSTORE.
    pub modseq: u64,
    /// UIDNEXT and the message count as of `modseq`: with them a server without QRESYNC can
    /// tell that nothing was added or expunged without listing.
    #[serde(default)]
    pub uid_next: u32,
    #[serde(default)]
    pub messages: u32,
    /// The FilterType code the state was built for (0: everything).
    pub filter: u8,
    /// UIDs the device has.
    pub have: RangeSet,
    /// UIDs to send as Add (exist upstream, in the filter, not on the device).
    pub pending_add: RangeSet,
    /// UIDs on the device whose flags changed upstream.
    pub pending_change: RangeSet,
    /// UIDs on the device that are gone upstream.
    pub pending_delete: RangeSet,
    /// UIDs on the device that left the filter window.
    #[serde(default)]
    pub pending_soft_delete: RangeSet,
    /// Drafts replaced by a newer version (IMAP cannot change a message in place): the UID in
    /// the ServerId the device holds -> the UID of the current version, so that the device's
    /// id stays the same.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub aliases: std::collections::BTreeMap<u32, u32>,
}

impl MailState {
    /// The message a ServerId's UID stands for now.
    pub fn current_uid(&self, device_uid: u32) -> u32 {
        self.aliases.get(&device_uid).copied().unwrap_or(device_uid)
    }

    /// The UID the device knows a message by.
    pub fn device_uid(&self, current: u32) -> u32 {
        self.aliases
            .iter()
            .find(|(_, c)| **c == current)
            .map_or(current, |(d, _)| *d)
    }

    pub fn has_pending(&self) -> bool {
        !(self.pending_add.is_empty()
            && self.pending_change.is_empty()
            && self.pending_delete.is_empty()
            && self.pending_soft_delete.is_empty())
    }
}

/// The outcome of one client command in a Sync, kept so a retry can answer it again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum StoredResponse {
    Add {
        client_id: String,
        server_id: Option<String>,
        status: u16,
    },
    Change {
        server_id: String,
        status: u16,
    },
    Delete {
        server_id: String,
        status: u16,
    },
    Fetch {
        server_id: String,
        status: u16,
    },
}

/// What one Sync step sent, by UID, so that a retry with the older key sends it again.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentBatch {
    pub adds: Vec<u32>,
    pub changes: Vec<u32>,
    pub deletes: Vec<u32>,
    #[serde(default)]
    pub soft_deletes: Vec<u32>,
    pub responses: Vec<StoredResponse>,
    pub more_available: bool,
}

/// One collection of one device.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionRecord {
    /// The current sync key (what the device sends next). Keys only grow, also across a reset
    /// to 0, so a key from before a reset is never mistaken for a current one.
    pub key: u32,
    pub mail: MailState,
    /// The key before `key` and what the step from it to `key` sent.
    pub previous: Option<(u32, SentBatch)>,
    /// The device's last Sync Options, WBXML-encoded, one per element: a Sync without
    /// Options keeps using them (clients send Options only when they change them).
    #[serde(default)]
    pub options: Vec<Vec<u8>>,
}
