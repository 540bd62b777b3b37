//! What a device's last Ping and last Sync asked for. Both commands may be sent without a body
//! (or, for Ping, without parts of it), and then mean "the same as last time" (MS-ASCMD
//! 3.1.5.8, 2.2.1.21.1); the server must keep them across its restarts.

use serde::{Deserialize, Serialize};

use crate::DeviceKey;
use crate::store::{StateError, Store};
use crate::tables::{CACHED_REQUESTS, WriteTx};

/// A device's Ping parameters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PingParams {
    /// Seconds.
    pub heartbeat_interval: Option<u32>,
    /// (collection id, class name) of each folder.
    pub folders: Option<Vec<(String, String)>>,
}

fn key(device: &DeviceKey, what: &str) -> String {
    format!("{}\0{what}", device.encoded())
}

impl Store {
    pub fn cached_ping(&self, device: &DeviceKey) -> Result<Option<PingParams>, StateError> {
        let txn = self.read()?;
        let t = txn.open_table(CACHED_REQUESTS)?;
        let v = t.get(key(device, "ping").as_str())?;
        v.map(|v| serde_json::from_slice(v.value()).map_err(StateError::from))
            .transpose()
    }

    /// The last Sync request with a body, as the device sent it (WBXML).
    pub fn cached_sync(&self, device: &DeviceKey) -> Result<Option<Vec<u8>>, StateError> {
        let txn = self.read()?;
        let t = txn.open_table(CACHED_REQUESTS)?;
        let v = t.get(key(device, "sync").as_str())?;
        Ok(v.map(|v| v.value().to_vec()))
    }
}

impl WriteTx<'_> {
    pub fn put_cached_ping(
        &mut self,
        device: &DeviceKey,
        params: &PingParams,
    ) -> Result<(), StateError> {
        let mut t = self.txn().open_table(CACHED_REQUESTS)?;
        t.insert(
            key(device, "ping").as_str(),
            serde_json::to_vec(params)?.as_slice(),
        )?;
        Ok(())
    }

    pub fn put_cached_sync(
        &mut self,
        device: &DeviceKey,
        request: &[u8],
    ) -> Result<(), StateError> {
        let mut t = self.txn().open_table(CACHED_REQUESTS)?;
        t.insert(key(device, "sync").as_str(), request)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_dir(dir.path()).unwrap();
        (dir, store)
    }

    #[test]
    fn ping_parameters_are_kept_per_device() {
        let (_d, s) = store();
        let dev = DeviceKey::new("alice", "dev1");
        let params = PingParams {
            heartbeat_interval: Some(480),
            folders: Some(vec![("5".into(), "Email".into())]),
        };
        s.write(|tx| tx.put_cached_ping(&dev, &params)).unwrap();
        assert_eq!(s.cached_ping(&dev).unwrap(), Some(params));
        assert_eq!(
            s.cached_ping(&DeviceKey::new("alice", "dev2")).unwrap(),
            None
        );
    }

    #[test]
    fn the_last_sync_request_replaces_the_one_before() {
        let (_d, s) = store();
        let dev = DeviceKey::new("alice", "dev1");
        s.write(|tx| tx.put_cached_sync(&dev, b"one")).unwrap();
        s.write(|tx| tx.put_cached_sync(&dev, b"two")).unwrap();
        assert_eq!(s.cached_sync(&dev).unwrap(), Some(b"two".to_vec()));
        assert_eq!(s.cached_ping(&dev).unwrap(), None);
    }
}
