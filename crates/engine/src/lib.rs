//! The command handlers: typed request in, typed response out, over the state store (and, as
//! commands land, the content backends). No HTTP here; the gateway calls in.

pub mod device;
pub mod mail;
pub mod provision;
pub mod push;
pub mod settings;

use eas::{Command, ProtocolVersion};
use state::{DeviceKey, Store};
use wbxml::Element;

/// What a handler knows about the request it answers.
pub struct Context<'a> {
    pub store: &'a Store,
    pub device: &'a DeviceKey,
    pub version: ProtocolVersion,
    pub policy: &'a provision::Policy,
    /// The user's primary mail address.
    pub primary_address: &'a str,
}

/// Why a handler could not answer with a document. Client mistakes inside a document are not
/// errors here: each handler answers them with its command's own status.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The store failed; the device should retry later (HTTP 503).
    #[error(transparent)]
    State(#[from] state::StateError),
    /// The request cannot be answered with a document at all (HTTP 400).
    #[error("{0}")]
    BadRequest(String),
    /// An upstream server (or the store's worker) is unavailable: the device retries later
    /// (HTTP 503 with Retry-After). Nothing was acknowledged.
    #[error("unavailable: {0}")]
    Unavailable(String),
}

/// The commands `dispatch` answers; the gateway advertises exactly these and answers others 501.
pub const IMPLEMENTED: &[Command] = &[
    Command::Provision,
    Command::Settings,
    Command::FolderSync,
    Command::FolderCreate,
    Command::FolderUpdate,
    Command::FolderDelete,
    Command::Sync,
    Command::GetItemEstimate,
    Command::ItemOperations,
    Command::MoveItems,
    Command::SendMail,
    Command::SmartReply,
    Command::SmartForward,
    Command::Ping,
];

/// SendMail, SmartReply, SmartForward (answered by [`mail::send::compose_mail`]).
pub fn is_submission(command: Command) -> bool {
    matches!(
        command,
        Command::SendMail | Command::SmartReply | Command::SmartForward
    )
}

/// The commands that need the user's mail store (answered by [`mail::dispatch`]).
pub fn needs_mail(command: Command) -> bool {
    matches!(
        command,
        Command::FolderSync
            | Command::FolderCreate
            | Command::FolderUpdate
            | Command::FolderDelete
            | Command::Sync
            | Command::GetItemEstimate
            | Command::ItemOperations
            | Command::MoveItems
    )
}

/// Runs one command. Blocking (store I/O): call it off the async threads.
pub fn dispatch(
    ctx: &Context<'_>,
    command: Command,
    body: Option<&Element>,
) -> Result<Element, EngineError> {
    match command {
        Command::Provision => provision::handle(ctx, body),
        Command::Settings => settings::handle(ctx, body),
        other => Err(EngineError::BadRequest(format!(
            "{other} is not implemented"
        ))),
    }
}
