//! Push: Ping (MS-ASCMD 2.2.1.13) and Sync with Wait or HeartbeatInterval (2.2.3.198,
//! 2.2.3.88.2). A waiting request registers with the [`Hub`], which runs one watcher per user
//! (a [`Source`]: IMAP NOTIFY or IDLE today), and answers when the watcher's picture of the
//! upstream shows something the device does not have yet.

pub mod check;
pub mod hub;
pub mod ping;
pub mod sync_wait;
#[cfg(test)]
mod tests;

use std::sync::Arc;

pub use hub::{
    ConnectionGuard, Feed, Hub, HubConfig, Login, MailView, Snapshot, Source, WaitEnd, Waiter,
    Watching,
};

use state::{DeviceKey, Store};

use crate::mail::SpecialNames;

/// Push settings from the configuration.
#[derive(Clone, Debug)]
pub struct PushConfig {
    /// The HeartbeatInterval a Ping may ask for, seconds (MS-ASCMD 2.2.3.88.1: the values are
    /// the server's choice; outside them the answer is status 5 with the nearest one).
    pub min_heartbeat: u32,
    pub max_heartbeat: u32,
    /// The most folders one Ping may watch (status 6 with MaxFolders above).
    pub max_folders: usize,
    pub hub: HubConfig,
}

impl Default for PushConfig {
    fn default() -> Self {
        PushConfig {
            min_heartbeat: 60,
            max_heartbeat: 3540,
            max_folders: 300,
            hub: HubConfig::default(),
        }
    }
}

/// What a waiting command knows about its request.
pub struct PushContext<'a> {
    pub store: &'a Store,
    pub device: &'a DeviceKey,
    pub config: &'a PushConfig,
    pub special_names: &'a SpecialNames,
    /// For the user's watcher, which logs in as the user.
    pub password: Arc<str>,
}
