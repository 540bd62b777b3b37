//! The Sync command (MS-ASCMD 2.2.1.21): typed requests (`request`), options (`options`) and
//! responses (`response`). The engine decides what to send; this module only reads and
//! writes the documents, for the version the device speaks.
//!
//! 12.x and 14.0+ differ in where `Class` lives (Collection vs Options/Add), and in which
//! item properties exist; both request forms are read alike, and responses follow the
//! version.

mod options;
mod request;
mod response;

#[cfg(test)]
mod tests;

pub use crate::email::EmailChange;
pub use options::{FilterType, MimeSupport, MimeTruncation, SyncOptions};
pub use request::{
    ClientCommand, HEARTBEAT_SECONDS, SyncCollectionRequest, SyncRequest, WAIT_MINUTES,
};
pub use response::{
    ClientResponse, ResponseData, ServerCommand, SyncCollectionResponse, SyncResponse, SyncStatus,
};

/// The window when the device sent none (MS-ASCMD 2.2.3.199).
pub const DEFAULT_WINDOW_SIZE: u32 = 100;
/// The largest window; 0 and larger values mean this.
pub const MAX_WINDOW_SIZE: u32 = 512;

/// The number of changes a `WindowSize` allows (collection or request level): 100 when
/// absent, 512 for 0 and for anything above 512 (MS-ASCMD 2.2.3.199).
pub fn window_size(requested: Option<u32>) -> u32 {
    match requested {
        None => DEFAULT_WINDOW_SIZE,
        Some(0) => MAX_WINDOW_SIZE,
        Some(n) => n.min(MAX_WINDOW_SIZE),
    }
}
