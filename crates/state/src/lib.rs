//! airgate's store: device records (and, later, per-collection sync state) in one redb file.
//! Blocking; callers keep it off the async threads.

mod device;
mod store;

pub use device::{DeviceKey, DeviceRecord, Provisioning};
pub use store::{SCHEMA_VERSION, StateError, Store};
