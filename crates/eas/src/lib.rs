//! The Exchange ActiveSync protocol as types: request lines (MS-ASHTTP), protocol versions and
//! the decisions that depend on them, commands, status codes, and typed requests and responses
//! per command, converted from and to [`wbxml::Element`] trees. No I/O.

pub mod command;
pub mod error;
pub mod query;
pub mod status;
pub mod version;

pub use command::Command;
pub use error::ProtocolError;
pub use query::{QueryError, QueryForm, RequestLine};
pub use status::{CommonStatus, ErrorReply, command_status_response};
pub use version::{PolicyKeyProblem, ProtocolVersion};
