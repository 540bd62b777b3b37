//! What each device has submitted, by its ClientId (MS-ASCMD 2.2.3.27.2): a SendMail,
//! SmartReply or SmartForward retried with the same ClientId is answered from here instead of
//! being submitted again.

use redb::ReadableTable;
use serde::{Deserialize, Serialize};

use crate::DeviceKey;
use crate::store::{StateError, Store};
use crate::tables::{SUBMISSIONS, WriteTx};

/// One submission the mail server accepted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submission {
    /// Unix seconds of the acceptance.
    pub at: i64,
}

fn prefix(device: &DeviceKey) -> String {
    format!("{}\0", device.encoded())
}

fn key(device: &DeviceKey, client_id: &str) -> String {
    format!("{}{client_id}", prefix(device))
}

impl Store {
    pub fn submission(
        &self,
        device: &DeviceKey,
        client_id: &str,
    ) -> Result<Option<Submission>, StateError> {
        let txn = self.read()?;
        let t = txn.open_table(SUBMISSIONS)?;
        let v = t.get(key(device, client_id).as_str())?;
        v.map(|v| serde_json::from_slice(v.value()).map_err(StateError::from))
            .transpose()
    }
}

impl WriteTx<'_> {
    /// Records an accepted submission, and forgets the device's submissions older than
    /// `forget_before` (unix seconds): a retry comes within minutes, not weeks.
    pub fn put_submission(
        &mut self,
        device: &DeviceKey,
        client_id: &str,
        submission: &Submission,
        forget_before: i64,
    ) -> Result<(), StateError> {
        let start = prefix(device);
        let end = format!("{}\u{1}", &start[..start.len() - 1]);
        let old: Vec<String> = {
            let t = self.txn().open_table(SUBMISSIONS)?;
            let mut old = Vec::new();
            for row in t.range(start.as_str()..end.as_str())? {
                let (k, v) = row?;
                let s: Submission = serde_json::from_slice(v.value())?;
                if s.at < forget_before {
                    old.push(k.value().to_owned());
                }
            }
            old
        };
        let mut t = self.txn().open_table(SUBMISSIONS)?;
        for k in old {
            t.remove(k.as_str())?;
        }
        t.insert(
            key(device, client_id).as_str(),
            serde_json::to_vec(submission)?.as_slice(),
        )?;
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
    fn a_recorded_submission_is_found_by_device_and_client_id() {
        let (_d, s) = store();
        let dev = DeviceKey::new("alice", "dev1");
        s.write(|tx| tx.put_submission(&dev, "c1", &Submission { at: 100 }, 0))
            .unwrap();
        assert_eq!(
            s.submission(&dev, "c1").unwrap(),
            Some(Submission { at: 100 })
        );
        assert_eq!(s.submission(&dev, "c2").unwrap(), None);
        let other = DeviceKey::new("alice", "dev2");
        assert_eq!(s.submission(&other, "c1").unwrap(), None);
    }

    #[test]
    fn old_submissions_of_the_device_are_forgotten_when_a_new_one_is_recorded() {
        let (_d, s) = store();
        let dev = DeviceKey::new("alice", "dev1");
        let other = DeviceKey::new("alice", "dev10");
        s.write(|tx| {
            tx.put_submission(&dev, "old", &Submission { at: 10 }, 0)?;
            tx.put_submission(&other, "old", &Submission { at: 10 }, 0)
        })
        .unwrap();
        s.write(|tx| tx.put_submission(&dev, "new", &Submission { at: 1000 }, 500))
            .unwrap();
        assert_eq!(s.submission(&dev, "old").unwrap(), None);
        assert!(s.submission(&dev, "new").unwrap().is_some());
        assert!(s.submission(&other, "old").unwrap().is_some());
    }
}
