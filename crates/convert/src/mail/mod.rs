//! MIME mail to the EAS Email class (MS-ASEMAIL) and back, working from the message's
//! structure and only the parts that are needed.

pub mod structure;

pub use structure::{BodyPart, Disposition, PartKind, PartPath, TransferEncoding};
