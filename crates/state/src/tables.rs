//! Sync state tables: folder ids per user, hierarchy state per device, collection state per
//! device and collection. One [`WriteTx`] per command: everything a command changes commits
//! together or not at all.

use redb::{ReadableTable, TableDefinition, WriteTransaction};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::store::{Handle, StateError, Store};
use crate::{CollectionRecord, DeviceKey, HierarchyState, UserFolders};

pub(crate) const USER_FOLDERS: TableDefinition<&str, &[u8]> = TableDefinition::new("user_folders");
pub(crate) const HIERARCHY: TableDefinition<&str, &[u8]> = TableDefinition::new("hierarchy");
pub(crate) const COLLECTIONS: TableDefinition<&str, &[u8]> = TableDefinition::new("collections");
/// What a device said about a flag beyond flagged/not (dates, reminder, completion), per user,
/// collection, UIDVALIDITY and UID: IMAP has only `\Flagged`, and the device wants the rest
/// back on its next full sync.
pub(crate) const FLAG_DETAILS: TableDefinition<&str, &[u8]> = TableDefinition::new("flag_details");
/// Accepted submissions per device and ClientId (`submissions.rs`).
pub(crate) const SUBMISSIONS: TableDefinition<&str, &[u8]> = TableDefinition::new("submissions");
/// The last Ping parameters and Sync request per device (`cached.rs`).
pub(crate) const CACHED_REQUESTS: TableDefinition<&str, &[u8]> =
    TableDefinition::new("cached_requests");

fn flag_prefix(user: &str, collection: &str, uid_validity: u32) -> String {
    format!("{user}\0{collection}\0{uid_validity}\0")
}

fn collection_key(device: &DeviceKey, collection: &str) -> String {
    format!("{}\0{}", device.encoded(), collection)
}

fn decode<T: DeserializeOwned>(bytes: Option<&[u8]>) -> Result<Option<T>, StateError> {
    bytes
        .map(serde_json::from_slice)
        .transpose()
        .map_err(StateError::from)
}

impl Store {
    fn get<T: DeserializeOwned>(
        &self,
        table: TableDefinition<&str, &[u8]>,
        key: &str,
    ) -> Result<Option<T>, StateError> {
        let txn = self.read()?;
        let t = txn.open_table(table)?;
        let v = t.get(key)?;
        decode(v.as_ref().map(|v| v.value()))
    }

    /// The user's folder ids (empty when none were handed out yet).
    pub fn user_folders(&self, user: &str) -> Result<UserFolders, StateError> {
        Ok(self.get(USER_FOLDERS, user)?.unwrap_or_default())
    }

    pub fn hierarchy(&self, device: &DeviceKey) -> Result<Option<HierarchyState>, StateError> {
        self.get(HIERARCHY, &device.encoded())
    }

    pub fn collection(
        &self,
        device: &DeviceKey,
        collection: &str,
    ) -> Result<Option<CollectionRecord>, StateError> {
        self.get(COLLECTIONS, &collection_key(device, collection))
    }

    /// The flag details kept for messages of one collection, by UID.
    pub fn flag_details(
        &self,
        user: &str,
        collection: &str,
        uid_validity: u32,
    ) -> Result<std::collections::BTreeMap<u32, eas::email::Flag>, StateError> {
        let prefix = flag_prefix(user, collection, uid_validity);
        // Just past every key with this prefix: its final NUL raised to 1.
        let end = format!("{}\u{1}", &prefix[..prefix.len() - 1]);
        let txn = self.read()?;
        let t = txn.open_table(FLAG_DETAILS)?;
        let mut out = std::collections::BTreeMap::new();
        for row in t.range(prefix.as_str()..end.as_str())? {
            let (k, v) = row?;
            let Some(uid) = k.value().strip_prefix(&prefix).and_then(|u| u.parse().ok()) else {
                continue;
            };
            out.insert(uid, serde_json::from_slice(v.value())?);
        }
        Ok(out)
    }

    /// Runs `f` in one write transaction and commits it if `f` returns `Ok`.
    pub fn write<R>(
        &self,
        f: impl FnOnce(&mut WriteTx<'_>) -> Result<R, StateError>,
    ) -> Result<R, StateError> {
        let Handle::Write(db) = &*self.db else {
            return Err(StateError::ReadOnly);
        };
        let txn = db.begin_write()?;
        let result = f(&mut WriteTx { txn: &txn })?;
        txn.commit()?;
        Ok(result)
    }
}

/// The tables inside one write transaction.
pub struct WriteTx<'a> {
    txn: &'a WriteTransaction,
}

impl WriteTx<'_> {
    pub(crate) fn txn(&self) -> &WriteTransaction {
        self.txn
    }

    fn get<T: DeserializeOwned>(
        &self,
        table: TableDefinition<&str, &[u8]>,
        key: &str,
    ) -> Result<Option<T>, StateError> {
        let t = self.txn.open_table(table)?;
        let v = t.get(key)?;
        decode(v.as_ref().map(|v| v.value()))
    }

    fn put<T: Serialize>(
        &mut self,
        table: TableDefinition<&str, &[u8]>,
        key: &str,
        value: &T,
    ) -> Result<(), StateError> {
        let mut t = self.txn.open_table(table)?;
        t.insert(key, serde_json::to_vec(value)?.as_slice())?;
        Ok(())
    }

    fn remove(&mut self, table: TableDefinition<&str, &[u8]>, key: &str) -> Result<(), StateError> {
        let mut t = self.txn.open_table(table)?;
        t.remove(key)?;
        Ok(())
    }

    pub fn user_folders(&self, user: &str) -> Result<UserFolders, StateError> {
        Ok(self.get(USER_FOLDERS, user)?.unwrap_or_default())
    }

    pub fn put_user_folders(&mut self, user: &str, f: &UserFolders) -> Result<(), StateError> {
        self.put(USER_FOLDERS, user, f)
    }

    pub fn hierarchy(&self, device: &DeviceKey) -> Result<Option<HierarchyState>, StateError> {
        self.get(HIERARCHY, &device.encoded())
    }

    pub fn put_hierarchy(
        &mut self,
        device: &DeviceKey,
        h: &HierarchyState,
    ) -> Result<(), StateError> {
        self.put(HIERARCHY, &device.encoded(), h)
    }

    pub fn collection(
        &self,
        device: &DeviceKey,
        collection: &str,
    ) -> Result<Option<CollectionRecord>, StateError> {
        self.get(COLLECTIONS, &collection_key(device, collection))
    }

    pub fn put_collection(
        &mut self,
        device: &DeviceKey,
        collection: &str,
        record: &CollectionRecord,
    ) -> Result<(), StateError> {
        self.put(COLLECTIONS, &collection_key(device, collection), record)
    }

    pub fn remove_collection(
        &mut self,
        device: &DeviceKey,
        collection: &str,
    ) -> Result<(), StateError> {
        self.remove(COLLECTIONS, &collection_key(device, collection))
    }

    /// Keeps (or with `None` forgets) a message's flag details.
    pub fn put_flag_details(
        &mut self,
        user: &str,
        collection: &str,
        uid_validity: u32,
        uid: u32,
        flag: Option<&eas::email::Flag>,
    ) -> Result<(), StateError> {
        let key = format!("{}{uid}", flag_prefix(user, collection, uid_validity));
        match flag {
            Some(f) => self.put(FLAG_DETAILS, &key, f),
            None => self.remove(FLAG_DETAILS, &key),
        }
    }

    /// Removes one collection's state on every device of `user` (the folder is gone).
    pub fn remove_collection_everywhere(
        &mut self,
        user: &str,
        collection: &str,
    ) -> Result<(), StateError> {
        let start = format!("{user}\0");
        let end = format!("{user}\u{1}");
        let suffix = format!("\0{collection}");
        let keys: Vec<String> = {
            let t = self.txn.open_table(COLLECTIONS)?;
            let mut keys = Vec::new();
            for row in t.range(start.as_str()..end.as_str())? {
                let (k, _) = row?;
                let k = k.value();
                // user \0 device \0 collection: exactly two NULs.
                if k.ends_with(&suffix) && k.matches('\0').count() == 2 {
                    keys.push(k.to_owned());
                }
            }
            keys
        };
        let mut t = self.txn.open_table(COLLECTIONS)?;
        for k in keys {
            t.remove(k.as_str())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FolderSource, RangeSet};

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_dir(dir.path()).unwrap();
        (dir, store)
    }

    #[test]
    fn folder_ids_are_allocated_once_and_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        {
            let s = Store::open_dir(dir.path()).unwrap();
            s.write(|tx| {
                let mut f = tx.user_folders("alice")?;
                let id = f.allocate(FolderSource::Mail {
                    mailbox: "INBOX".into(),
                    uid_validity: Some(7),
                });
                assert_eq!(id, "1");
                tx.put_user_folders("alice", &f)
            })
            .unwrap();
        }
        let s = Store::open_dir(dir.path()).unwrap();
        let f = s.user_folders("alice").unwrap();
        assert_eq!(f.by_mailbox("INBOX").unwrap().server_id, "1");
        assert!(s.user_folders("bob").unwrap().entries.is_empty());
    }

    #[test]
    fn flag_details_are_kept_per_collection_and_uid_validity() {
        let (_d, s) = store();
        let flag = eas::email::Flag {
            status: Some(2),
            due_date: Some("2026-12-01T00:00:00.000Z".into()),
            ..Default::default()
        };
        s.write(|tx| {
            tx.put_flag_details("alice", "2", 7, 10, Some(&flag))?;
            tx.put_flag_details("alice", "2", 8, 11, Some(&flag))?;
            tx.put_flag_details("alice", "22", 7, 12, Some(&flag))
        })
        .unwrap();
        let got = s.flag_details("alice", "2", 7).unwrap();
        assert_eq!(got.keys().copied().collect::<Vec<_>>(), [10]);
        assert_eq!(got[&10], flag);
        s.write(|tx| tx.put_flag_details("alice", "2", 7, 10, None))
            .unwrap();
        assert!(s.flag_details("alice", "2", 7).unwrap().is_empty());
    }

    #[test]
    fn a_failed_write_changes_nothing() {
        let (_d, s) = store();
        let dev = DeviceKey::new("alice", "d1");
        let r: Result<(), StateError> = s.write(|tx| {
            tx.put_collection(&dev, "1", &CollectionRecord::default())?;
            Err(StateError::ReadOnly)
        });
        assert!(r.is_err());
        assert!(s.collection(&dev, "1").unwrap().is_none());
    }

    #[test]
    fn collection_state_round_trips() {
        let (_d, s) = store();
        let dev = DeviceKey::new("alice", "d1");
        let mut rec = CollectionRecord {
            key: 3,
            ..Default::default()
        };
        rec.mail.have = (1..=1000).collect::<RangeSet>();
        s.write(|tx| tx.put_collection(&dev, "4", &rec)).unwrap();
        assert_eq!(s.collection(&dev, "4").unwrap(), Some(rec));
    }

    #[test]
    fn removing_a_collection_everywhere_leaves_other_users_and_collections() {
        let (_d, s) = store();
        let a1 = DeviceKey::new("alice", "d1");
        let a2 = DeviceKey::new("alice", "d2");
        let b1 = DeviceKey::new("bob", "d1");
        let rec = CollectionRecord::default();
        s.write(|tx| {
            for d in [&a1, &a2, &b1] {
                tx.put_collection(d, "4", &rec)?;
                tx.put_collection(d, "14", &rec)?;
            }
            Ok(())
        })
        .unwrap();
        s.write(|tx| tx.remove_collection_everywhere("alice", "4"))
            .unwrap();
        assert!(s.collection(&a1, "4").unwrap().is_none());
        assert!(s.collection(&a2, "4").unwrap().is_none());
        assert!(s.collection(&a1, "14").unwrap().is_some());
        assert!(s.collection(&b1, "4").unwrap().is_some());
    }
}
