//! The Exchange ActiveSync protocol as types: request lines (MS-ASHTTP), protocol versions and
//! the decisions that depend on them, commands, status codes, and typed requests and responses
//! per command, converted from and to [`wbxml::Element`] trees. No I/O.
//!
//! Parsing is tolerant where real clients differ from the spec and strict where a wrong guess
//! would lose data; every `from_element` names the element it could not read
//! ([`ProtocolError`]). Every `to_element` builds the document in the element order of
//! Microsoft's response schemas, for the protocol version the device speaks.

pub mod airsyncbase;
pub mod calendar;
pub mod command;
pub mod compose_mail;
pub mod contact;
pub mod date;
pub mod device_information;
pub mod draft;
pub mod email;
pub mod error;
pub mod estimate;
pub mod folder;
pub mod folder_ops;
pub mod ids;
pub mod item_operations;
pub mod meeting_request;
pub mod move_items;
pub mod note;
pub mod oof;
pub mod ping;
pub mod policy;
pub mod provision;
pub mod query;
pub mod recurrence;
pub mod settings;
pub mod status;
pub mod sync;
pub mod task;
pub mod timezone;
pub mod version;

pub use command::Command;
pub use compose_mail::{ComposeKind, ComposeMailRequest, ComposeMailResponse};
pub use device_information::DeviceInformation;
pub use draft::DraftEmail;
pub use error::ProtocolError;
pub use estimate::{EstimateStatus, GetItemEstimateRequest, GetItemEstimateResponse};
pub use folder::{
    Folder, FolderChanges, FolderClass, FolderSyncRequest, FolderSyncResponse, FolderSyncStatus,
    FolderType,
};
pub use folder_ops::{
    FolderCreateRequest, FolderCreateResponse, FolderDeleteRequest, FolderDeleteResponse,
    FolderOpStatus, FolderUpdateRequest, FolderUpdateResponse,
};
pub use ids::{CollectionId, SyncKey};
pub use item_operations::{ItemOperationsRequest, ItemOperationsResponse, ItemOperationsStatus};
pub use move_items::{MoveItemsRequest, MoveItemsResponse, MoveItemsStatus};
pub use ping::{PingRequest, PingResponse, PingStatus};
pub use policy::PolicySettings;
pub use provision::{
    PolicyKey, PolicyStatus, PolicyType, ProvisionPhase, ProvisionRequest, ProvisionResponse,
    ProvisionStatus, WipeKind,
};
pub use query::{QueryError, QueryForm, RequestLine};
pub use settings::{SettingsRequest, SettingsResponse, SettingsStatus};
pub use status::{CommonStatus, ErrorReply, command_status_response, malformed_request_reply};
pub use sync::{SyncRequest, SyncResponse, SyncStatus};
pub use version::{PolicyKeyProblem, ProtocolVersion};
