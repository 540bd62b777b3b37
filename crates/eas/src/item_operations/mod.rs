//! The ItemOperations command (MS-ASCMD 2.2.1.10): fetch an item (a whole body) or an
//! attachment, empty a folder, move a conversation. Attachments come inline as base64 `Data`
//! or, when the device sends `MS-ASAcceptMultiPart: T`, as binary parts of a multipart body
//! (`multipart`).

mod multipart;
mod request;
mod response;

#[cfg(test)]
mod tests;

pub use multipart::{
    MULTIPART_CONTENT_TYPE, MultipartError, MultipartHeader, MultipartTooLarge, multipart_body,
    parse_multipart,
};
pub use request::{
    FetchOptions, FetchTarget, ItemOperation, ItemOperationsRequest, store_is_mailbox,
};
pub use response::{
    AttachmentData, AttachmentProperties, FetchProperties, FetchResponse, ItemOperationsResponse,
    ItemOperationsStatus, OperationResponse, move_body_to_part,
};
