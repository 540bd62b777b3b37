//! The device record as requests see it: created on first contact, kept current after.

use state::{DeviceKey, DeviceRecord, Store};

use crate::EngineError;

/// `last_seen` is refreshed at most this often, so that a request costs a disk write only when
/// something about the device changed.
const LAST_SEEN_GRANULARITY: u64 = 60;

/// Records that the device made a request now and returns its record.
pub fn seen(
    store: &Store,
    device: &DeviceKey,
    device_type: &str,
    user_agent: Option<&str>,
) -> Result<DeviceRecord, EngineError> {
    seen_at(store, device, device_type, user_agent, now())
}

pub(crate) fn seen_at(
    store: &Store,
    device: &DeviceKey,
    device_type: &str,
    user_agent: Option<&str>,
    now: u64,
) -> Result<DeviceRecord, EngineError> {
    Ok(store.update_device(device, |slot| {
        let rec = slot.get_or_insert_with(|| DeviceRecord::new(device, device_type, now));
        if rec.device_type != device_type {
            rec.device_type = device_type.to_owned();
        }
        if user_agent.is_some() && rec.user_agent.as_deref() != user_agent {
            rec.user_agent = user_agent.map(str::to_owned);
        }
        if now.saturating_sub(rec.last_seen) >= LAST_SEEN_GRANULARITY {
            rec.last_seen = now;
        }
        rec.clone()
    })?)
}

/// Edits the device's record in one transaction. The gateway records every request's device
/// before a handler runs, so the record exists; a bare one stands in should it not.
pub(crate) fn update<R>(
    store: &Store,
    device: &DeviceKey,
    f: impl FnOnce(&mut DeviceRecord) -> R,
) -> Result<R, EngineError> {
    let now = now();
    Ok(store.update_device(device, |slot| {
        f(slot.get_or_insert_with(|| DeviceRecord::new(device, "", now)))
    })?)
}

pub(crate) fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open_dir(dir.path()).unwrap();
        (dir, s)
    }

    #[test]
    fn the_first_request_creates_the_device_record() {
        let (_d, s) = store();
        let key = DeviceKey::new("alice", "dev1");
        let rec = seen_at(&s, &key, "iPhone", Some("Apple-iPhone/1"), 1000).unwrap();
        assert_eq!((rec.first_seen, rec.last_seen), (1000, 1000));
        assert_eq!(
            s.device(&key).unwrap().unwrap().user_agent.as_deref(),
            Some("Apple-iPhone/1")
        );
    }

    #[test]
    fn last_seen_moves_only_after_a_minute() {
        let (_d, s) = store();
        let key = DeviceKey::new("alice", "dev1");
        seen_at(&s, &key, "iPhone", None, 1000).unwrap();
        assert_eq!(
            seen_at(&s, &key, "iPhone", None, 1030).unwrap().last_seen,
            1000
        );
        assert_eq!(
            seen_at(&s, &key, "iPhone", None, 1060).unwrap().last_seen,
            1060
        );
    }
}
