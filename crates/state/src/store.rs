//! The redb file: opening, the schema version, and device records.

use std::path::Path;
use std::sync::Arc;

use redb::{
    Builder, ConcurrencyMode, Database, ReadOnlyDatabase, ReadTransaction, ReadableDatabase,
    ReadableTable, TableDefinition,
};

use crate::{DeviceKey, DeviceRecord};

/// Bumped when a stored layout changes in a way `#[serde(default)]` cannot absorb.
pub const SCHEMA_VERSION: u64 = 1;

const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
const DEVICES: TableDefinition<&str, &[u8]> = TableDefinition::new("devices");

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("the state store failed")]
    Db(#[from] redb::Error),
    #[error(
        "state store was written by a newer airgate (schema {found}, this one knows {SCHEMA_VERSION})"
    )]
    NewerSchema { found: u64 },
    #[error("a stored record does not parse")]
    Corrupt(#[from] serde_json::Error),
    #[error("the state store cannot be opened")]
    Io(#[from] std::io::Error),
    #[error("the state store was opened read-only")]
    ReadOnly,
}

// redb has one error type per operation; all of them convert into `redb::Error`.
macro_rules! from_redb {
    ($($t:ty),*) => {$(
        impl From<$t> for StateError {
            fn from(e: $t) -> Self { StateError::Db(e.into()) }
        }
    )*};
}
from_redb!(
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

/// The store. Cheap to clone; every method blocks on disk I/O.
///
/// The server holds the one writing handle; other processes (`airgate devices`) may open it
/// read-only at the same time and see its commits.
#[derive(Clone)]
pub struct Store {
    pub(crate) db: Arc<Handle>,
}

pub(crate) enum Handle {
    Write(Database),
    Read(ReadOnlyDatabase),
}

fn builder() -> Builder {
    let mut b = Builder::new();
    b.set_concurrency_mode(ConcurrencyMode::SingleWriter);
    b
}

impl Store {
    /// Opens (creating if needed) `state.redb` inside `dir`.
    pub fn open_dir(dir: &Path) -> Result<Store, StateError> {
        std::fs::create_dir_all(dir)?;
        Store::open(&dir.join("state.redb"))
    }

    /// Opens (creating if needed) the store file and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store, StateError> {
        let db = builder().create(path)?;
        let txn = db.begin_write()?;
        {
            let mut meta = txn.open_table(META)?;
            let found = meta.get("schema")?.map(|v| v.value());
            match found {
                None => {
                    meta.insert("schema", SCHEMA_VERSION)?;
                }
                Some(v) if v > SCHEMA_VERSION => return Err(StateError::NewerSchema { found: v }),
                // Older schemas migrate here, one step per version, inside this transaction.
                Some(_) => {
                    meta.insert("schema", SCHEMA_VERSION)?;
                }
            }
            txn.open_table(DEVICES)?;
            txn.open_table(crate::tables::USER_FOLDERS)?;
            txn.open_table(crate::tables::HIERARCHY)?;
            txn.open_table(crate::tables::COLLECTIONS)?;
            txn.open_table(crate::tables::FLAG_DETAILS)?;
            txn.open_table(crate::tables::SUBMISSIONS)?;
            txn.open_table(crate::tables::CACHED_REQUESTS)?;
        }
        txn.commit()?;
        Ok(Store {
            db: Arc::new(Handle::Write(db)),
        })
    }

    /// Opens the existing `state.redb` in `dir` for reading, beside a running server.
    pub fn open_dir_read_only(dir: &Path) -> Result<Store, StateError> {
        let db = builder().open_read_only(dir.join("state.redb"))?;
        let store = Store {
            db: Arc::new(Handle::Read(db)),
        };
        let txn = store.read()?;
        let found = txn.open_table(META)?.get("schema")?.map(|v| v.value());
        match found {
            Some(v) if v > SCHEMA_VERSION => Err(StateError::NewerSchema { found: v }),
            _ => Ok(store),
        }
    }

    pub(crate) fn read(&self) -> Result<ReadTransaction, StateError> {
        Ok(match &*self.db {
            Handle::Write(db) => db.begin_read()?,
            Handle::Read(db) => db.begin_read()?,
        })
    }

    pub fn device(&self, key: &DeviceKey) -> Result<Option<DeviceRecord>, StateError> {
        let txn = self.read()?;
        let table = txn.open_table(DEVICES)?;
        match table.get(key.encoded().as_str())? {
            Some(v) => Ok(Some(serde_json::from_slice(v.value())?)),
            None => Ok(None),
        }
    }

    /// Every device of one user, ordered by device id.
    pub fn devices_of(&self, user: &str) -> Result<Vec<DeviceRecord>, StateError> {
        let start = format!("{user}\0");
        let end = format!("{user}\u{1}");
        let txn = self.read()?;
        let table = txn.open_table(DEVICES)?;
        let mut out = Vec::new();
        for row in table.range(start.as_str()..end.as_str())? {
            let (_, v) = row?;
            out.push(serde_json::from_slice(v.value())?);
        }
        Ok(out)
    }

    /// Every device record, ordered by user then device id.
    pub fn all_devices(&self) -> Result<Vec<DeviceRecord>, StateError> {
        let txn = self.read()?;
        let table = txn.open_table(DEVICES)?;
        let mut out = Vec::new();
        for row in table.iter()? {
            let (_, v) = row?;
            out.push(serde_json::from_slice(v.value())?);
        }
        Ok(out)
    }

    /// Reads the device record, lets `change` edit it (`None`: no record yet; set it to
    /// `None` to delete), and writes it back in the same transaction, only if it changed.
    pub fn update_device<R>(
        &self,
        key: &DeviceKey,
        change: impl FnOnce(&mut Option<DeviceRecord>) -> R,
    ) -> Result<R, StateError> {
        let Handle::Write(db) = &*self.db else {
            return Err(StateError::ReadOnly);
        };
        let k = key.encoded();
        let txn = db.begin_write()?;
        let result;
        let changed;
        {
            let mut table = txn.open_table(DEVICES)?;
            let before: Option<DeviceRecord> = match table.get(k.as_str())? {
                Some(v) => Some(serde_json::from_slice(v.value())?),
                None => None,
            };
            let mut after = before.clone();
            result = change(&mut after);
            changed = after != before;
            if changed {
                match &after {
                    Some(rec) => {
                        table.insert(k.as_str(), serde_json::to_vec(rec)?.as_slice())?;
                    }
                    None => {
                        table.remove(k.as_str())?;
                    }
                }
            }
        }
        // Every request records its device; most change nothing, and a commit costs an fsync.
        if changed {
            txn.commit()?;
        } else {
            txn.abort()?;
        }
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Provisioning;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_dir(dir.path()).unwrap();
        (dir, store)
    }

    #[test]
    fn a_new_store_has_no_devices() {
        let (_d, s) = store();
        assert!(
            s.device(&DeviceKey::new("alice", "dev1"))
                .unwrap()
                .is_none()
        );
        assert!(s.all_devices().unwrap().is_empty());
    }

    #[test]
    fn a_device_record_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let key = DeviceKey::new("alice", "dev1");
        {
            let s = Store::open_dir(dir.path()).unwrap();
            s.update_device(&key, |r| *r = Some(DeviceRecord::new(&key, "iPhone", 10)))
                .unwrap();
        }
        let s = Store::open_dir(dir.path()).unwrap();
        let rec = s.device(&key).unwrap().unwrap();
        assert_eq!(rec.device_type, "iPhone");
        assert_eq!(rec.first_seen, 10);
    }

    #[test]
    fn devices_of_a_user_do_not_include_another_users_devices() {
        let (_d, s) = store();
        for (user, dev) in [("al", "x"), ("alice", "a"), ("alice", "b"), ("bob", "a")] {
            let key = DeviceKey::new(user, dev);
            s.update_device(&key, |r| *r = Some(DeviceRecord::new(&key, "t", 1)))
                .unwrap();
        }
        let ids: Vec<_> = s
            .devices_of("alice")
            .unwrap()
            .into_iter()
            .map(|r| r.device_id)
            .collect();
        assert_eq!(ids, ["a", "b"]);
        assert_eq!(s.all_devices().unwrap().len(), 4);
    }

    #[test]
    fn update_device_can_delete_a_record() {
        let (_d, s) = store();
        let key = DeviceKey::new("alice", "dev1");
        s.update_device(&key, |r| *r = Some(DeviceRecord::new(&key, "t", 1)))
            .unwrap();
        s.update_device(&key, |r| *r = None).unwrap();
        assert!(s.device(&key).unwrap().is_none());
    }

    #[test]
    fn provisioning_state_is_stored() {
        let (_d, s) = store();
        let key = DeviceKey::new("alice", "dev1");
        s.update_device(&key, |r| {
            let mut rec = DeviceRecord::new(&key, "t", 1);
            rec.provisioning = Provisioning::Provisioned {
                policy_key: 42,
                policy_hash: 7,
                temporary_key: None,
            };
            *r = Some(rec);
        })
        .unwrap();
        assert_eq!(s.device(&key).unwrap().unwrap().policy_key(), Some(42));
    }

    #[test]
    fn a_read_only_handle_sees_the_writers_commits_while_it_is_open() {
        let (dir, s) = store();
        let key = DeviceKey::new("alice", "dev1");
        let reader = Store::open_dir_read_only(dir.path()).unwrap();
        s.update_device(&key, |r| *r = Some(DeviceRecord::new(&key, "t", 1)))
            .unwrap();
        assert_eq!(reader.all_devices().unwrap().len(), 1);
        assert!(matches!(
            reader.update_device(&key, |r| *r = None),
            Err(StateError::ReadOnly)
        ));
    }

    #[test]
    fn a_store_from_a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.redb");
        {
            let db = Database::create(&path).unwrap();
            let txn = db.begin_write().unwrap();
            txn.open_table(META)
                .unwrap()
                .insert("schema", SCHEMA_VERSION + 1)
                .unwrap();
            txn.commit().unwrap();
        }
        assert!(matches!(
            Store::open(&path),
            Err(StateError::NewerSchema { .. })
        ));
    }
}
