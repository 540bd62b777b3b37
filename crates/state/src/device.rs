//! The device record: what airgate knows about one device of one user.

use eas::DeviceInformation;
use serde::{Deserialize, Serialize};

/// A device is identified by the authenticated user and the DeviceId it sends (MS-ASHTTP). The
/// same DeviceId under two users is two devices: state never crosses accounts.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DeviceKey {
    pub user: String,
    pub device_id: String,
}

impl DeviceKey {
    pub fn new(user: impl Into<String>, device_id: impl Into<String>) -> Self {
        DeviceKey {
            user: user.into(),
            device_id: device_id.into(),
        }
    }

    /// The table key: user and device id joined by NUL, which neither may contain.
    pub(crate) fn encoded(&self) -> String {
        format!("{}\0{}", self.user, self.device_id)
    }
}

/// Where the device stands in the two-step Provision exchange (MS-ASPROV 3.1.5.1).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Provisioning {
    /// Never provisioned (or the record was reset).
    #[default]
    None,
    /// Step one answered with this temporary key; the device must acknowledge it.
    Pending {
        temporary_key: u32,
        policy_hash: u64,
    },
    /// Acknowledged: the device holds this final key, issued for this policy in answer to the
    /// acknowledgement of `temporary_key` (kept so that a retried acknowledgement gets the same
    /// final key again).
    Provisioned {
        policy_key: u32,
        policy_hash: u64,
        #[serde(default)]
        temporary_key: Option<u32>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceRecord {
    pub user: String,
    pub device_id: String,
    #[serde(default)]
    pub device_type: String,
    #[serde(default)]
    pub user_agent: Option<String>,
    /// What the device said about itself in Settings or Provision.
    #[serde(default)]
    pub information: DeviceInformation,
    /// Unix seconds.
    pub first_seen: u64,
    /// Unix seconds; refreshed at most once a minute to keep writes rare.
    pub last_seen: u64,
    #[serde(default)]
    pub provisioning: Provisioning,
}

impl DeviceRecord {
    pub fn new(key: &DeviceKey, device_type: &str, now: u64) -> Self {
        DeviceRecord {
            user: key.user.clone(),
            device_id: key.device_id.clone(),
            device_type: device_type.to_owned(),
            user_agent: None,
            information: DeviceInformation::default(),
            first_seen: now,
            last_seen: now,
            provisioning: Provisioning::None,
        }
    }

    pub fn key(&self) -> DeviceKey {
        DeviceKey::new(&self.user, &self.device_id)
    }

    /// The final policy key the device holds, if it completed provisioning.
    pub fn policy_key(&self) -> Option<u32> {
        match self.provisioning {
            Provisioning::Provisioned { policy_key, .. } => Some(policy_key),
            _ => None,
        }
    }
}
