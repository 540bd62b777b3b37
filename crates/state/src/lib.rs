//! airgate's store: device records, folder ids and per-collection sync state in one redb file.
//! Blocking; callers keep it off the async threads.

mod cached;
mod collection;
mod device;
mod folders;
mod ranges;
mod store;
mod submissions;
mod tables;

pub use cached::PingParams;
pub use collection::{CollectionRecord, MailState, SentBatch, StoredResponse};
pub use device::{DeviceKey, DeviceRecord, Provisioning};
pub use folders::{
    DeviceFolder, FolderEntry, FolderSource, HierarchyState, SentHierarchyChanges, UserFolders,
};
pub use ranges::RangeSet;
pub use store::{SCHEMA_VERSION, StateError, Store};
pub use submissions::Submission;
pub use tables::WriteTx;
