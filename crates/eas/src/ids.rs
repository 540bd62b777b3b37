//! Identifiers the protocol passes around as strings: sync keys and collection (folder) ids.
//! Both are at most 64 characters (FolderHierarchy.xsd, AirSync.xsd).

use std::fmt;

/// The longest sync key or collection id the schemas allow.
pub const MAX_ID_LEN: usize = 64;

/// A synchronisation key (MS-ASCMD 2.2.3.181). `"0"` asks for an initial synchronisation.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SyncKey(String);

impl SyncKey {
    /// The key of an initial synchronisation.
    pub fn initial() -> SyncKey {
        SyncKey("0".to_owned())
    }

    /// A key from its text: 1 to 64 characters.
    pub fn new(key: impl Into<String>) -> Option<SyncKey> {
        let key = key.into();
        (!key.is_empty() && key.chars().count() <= MAX_ID_LEN).then_some(SyncKey(key))
    }

    pub fn is_initial(&self) -> bool {
        self.0 == "0"
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SyncKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A folder's server id, which is also the `CollectionId` of Sync, Ping, GetItemEstimate and
/// the others. `"0"` as a parent id means the root.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CollectionId(String);

impl CollectionId {
    /// The parent id of top-level folders.
    pub fn root() -> CollectionId {
        CollectionId("0".to_owned())
    }

    /// An id from its text: 1 to 64 characters.
    pub fn new(id: impl Into<String>) -> Option<CollectionId> {
        let id = id.into();
        (!id.is_empty() && id.chars().count() <= MAX_ID_LEN).then_some(CollectionId(id))
    }

    pub fn is_root(&self) -> bool {
        self.0 == "0"
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CollectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_one_to_sixty_four_characters() {
        assert!(SyncKey::new("").is_none());
        assert!(SyncKey::new("k".repeat(64)).is_some());
        assert!(SyncKey::new("k".repeat(65)).is_none());
        assert!(CollectionId::new("é".repeat(64)).is_some());
        assert!(SyncKey::initial().is_initial());
        assert!(CollectionId::root().is_root());
    }
}
