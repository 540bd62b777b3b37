//! MIME mail to the EAS Email class (MS-ASEMAIL) and back, working from the message's
//! structure and only the parts that are needed.

mod categories;
mod conversation;
mod headers;
pub mod html;
pub mod structure;
pub mod text;
pub mod transfer;

pub use categories::{category_for_keyword, keyword_for_category};
pub use conversation::{conversation_id, conversation_index, normalized_subject};
pub use headers::{
    Address, HEADER_FIELDS, Headers, Importance, MediaType, display_to, eas_address_list,
    parse_headers,
};
pub use structure::{BodyPart, Disposition, PartKind, PartPath, TransferEncoding};
pub use transfer::TransferDecoder;
