//! MIME mail to the EAS Email class (MS-ASEMAIL) and back, working from the message's
//! structure and only the parts that are needed.
//!
//! The engine's order of calls for one message: fetch [`HEADER_FIELDS`] and BODYSTRUCTURE,
//! [`parse_headers`], [`plan_body`], fetch the planned parts, [`render_body`] (or
//! [`render_mime`] for MIME), [`attachments`], [`message_class`], [`conversation_id`].

mod attachments;
mod body;
mod categories;
mod class;
mod conversation;
mod flowed;
mod from_raw;
mod headers;
pub mod html;
pub mod outgoing;
mod select;
pub mod structure;
pub mod text;
pub mod transfer;

pub use attachments::{AttachmentInfo, attachments, display_name, extension_for};
pub use body::{
    BodyPlan, BodyRequest, PartFetch, RenderedBody, WantedBody, decoded_size_estimate, plan_body,
    preview_of, render_body, render_mime,
};
pub use categories::{category_for_keyword, keyword_for_category};
pub use class::message_class;
pub use conversation::{conversation_id, conversation_index, normalized_subject};
pub use from_raw::{mime_header_of, section_of, structure_of};
pub use headers::{
    Address, HEADER_FIELDS, Headers, Importance, MediaType, address_list, display_to, parse_headers,
};
pub use outgoing::{
    Composed, DraftAttachment, DraftFields, Original, OriginalPart, Outgoing, OutgoingError, Piece,
    Smart, build_draft, compose, inspect,
};
pub use structure::{BodyPart, Disposition, PartKind, PartPath, TransferEncoding};
pub use transfer::TransferDecoder;
