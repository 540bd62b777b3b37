//! The EAS commands: their names in the plain query form, their codes in the base64 form, and
//! the document element of their WBXML bodies.

use std::fmt;
use std::str::FromStr;

use wbxml::{Tag, tags};

/// An EAS command (MS-ASCMD 2.2.1), as named by `Cmd=` or coded in the base64 query form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Command {
    Sync,
    SendMail,
    SmartForward,
    SmartReply,
    GetAttachment,
    /// 12.x only, superseded by FolderSync (MS-ASCMD 2.2.1.8).
    GetHierarchy,
    FolderSync,
    FolderCreate,
    FolderDelete,
    FolderUpdate,
    MoveItems,
    GetItemEstimate,
    MeetingResponse,
    Search,
    Settings,
    Ping,
    ItemOperations,
    Provision,
    ResolveRecipients,
    ValidateCert,
    /// 16.1 only.
    Find,
}

impl Command {
    /// Every command, in command-code order.
    pub const ALL: [Command; 21] = [
        Command::Sync,
        Command::SendMail,
        Command::SmartForward,
        Command::SmartReply,
        Command::GetAttachment,
        Command::GetHierarchy,
        Command::FolderSync,
        Command::FolderCreate,
        Command::FolderDelete,
        Command::FolderUpdate,
        Command::MoveItems,
        Command::GetItemEstimate,
        Command::MeetingResponse,
        Command::Search,
        Command::Settings,
        Command::Ping,
        Command::ItemOperations,
        Command::Provision,
        Command::ResolveRecipients,
        Command::ValidateCert,
        Command::Find,
    ];

    /// The name used in `Cmd=` (MS-ASHTTP 2.2.1.1.1.2.1) and in `MS-ASProtocolCommands`.
    pub const fn name(self) -> &'static str {
        match self {
            Command::Sync => "Sync",
            Command::SendMail => "SendMail",
            Command::SmartForward => "SmartForward",
            Command::SmartReply => "SmartReply",
            Command::GetAttachment => "GetAttachment",
            Command::GetHierarchy => "GetHierarchy",
            Command::FolderSync => "FolderSync",
            Command::FolderCreate => "FolderCreate",
            Command::FolderDelete => "FolderDelete",
            Command::FolderUpdate => "FolderUpdate",
            Command::MoveItems => "MoveItems",
            Command::GetItemEstimate => "GetItemEstimate",
            Command::MeetingResponse => "MeetingResponse",
            Command::Search => "Search",
            Command::Settings => "Settings",
            Command::Ping => "Ping",
            Command::ItemOperations => "ItemOperations",
            Command::Provision => "Provision",
            Command::ResolveRecipients => "ResolveRecipients",
            Command::ValidateCert => "ValidateCert",
            Command::Find => "Find",
        }
    }

    /// The command for a `Cmd=` value. Exact spelling first; other letter case is tolerated.
    pub fn from_name(name: &str) -> Option<Command> {
        Command::ALL
            .into_iter()
            .find(|c| c.name() == name)
            .or_else(|| {
                Command::ALL
                    .into_iter()
                    .find(|c| c.name().eq_ignore_ascii_case(name))
            })
    }

    /// The Command code byte of the base64 query form (MS-ASHTTP 2.2.1.1.1.1.2). GetHierarchy
    /// is not in that table (the base64 form is 12.1+ and GetHierarchy a 2.5-era command); it
    /// gets 5, the code incumbents use, so that every command has one.
    pub const fn code(self) -> u8 {
        match self {
            Command::Sync => 0,
            Command::SendMail => 1,
            Command::SmartForward => 2,
            Command::SmartReply => 3,
            Command::GetAttachment => 4,
            Command::GetHierarchy => 5,
            Command::FolderSync => 9,
            Command::FolderCreate => 10,
            Command::FolderDelete => 11,
            Command::FolderUpdate => 12,
            Command::MoveItems => 13,
            Command::GetItemEstimate => 14,
            Command::MeetingResponse => 15,
            Command::Search => 16,
            Command::Settings => 17,
            Command::Ping => 18,
            Command::ItemOperations => 19,
            Command::Provision => 20,
            Command::ResolveRecipients => 21,
            Command::ValidateCert => 22,
            Command::Find => 23,
        }
    }

    /// The command for a base64 Command code byte.
    pub fn from_code(code: u8) -> Option<Command> {
        Command::ALL.into_iter().find(|c| c.code() == code)
    }

    /// The document element of the command's WBXML request and response, or `None` for
    /// commands whose bodies are not WBXML (GetAttachment returns the raw attachment;
    /// GetHierarchy has no request body and answers with a bare `Folders` list).
    ///
    /// SendMail, SmartReply and SmartForward are WBXML only in 14.0+; see
    /// [`crate::ProtocolVersion::sendmail_is_wbxml`].
    pub fn root_tag(self) -> Option<Tag> {
        Some(match self {
            Command::Sync => tags::airsync::SYNC,
            Command::SendMail => tags::composemail::SEND_MAIL,
            Command::SmartForward => tags::composemail::SMART_FORWARD,
            Command::SmartReply => tags::composemail::SMART_REPLY,
            Command::GetAttachment | Command::GetHierarchy => return None,
            Command::FolderSync => tags::folderhierarchy::FOLDER_SYNC,
            Command::FolderCreate => tags::folderhierarchy::FOLDER_CREATE,
            Command::FolderDelete => tags::folderhierarchy::FOLDER_DELETE,
            Command::FolderUpdate => tags::folderhierarchy::FOLDER_UPDATE,
            Command::MoveItems => tags::r#move::MOVE_ITEMS,
            Command::GetItemEstimate => tags::getitemestimate::GET_ITEM_ESTIMATE,
            Command::MeetingResponse => tags::meetingresponse::MEETING_RESPONSE,
            Command::Search => tags::search::SEARCH,
            Command::Settings => tags::settings::SETTINGS,
            Command::Ping => tags::ping::PING,
            Command::ItemOperations => tags::itemoperations::ITEM_OPERATIONS,
            Command::Provision => tags::provision::PROVISION,
            Command::ResolveRecipients => tags::resolverecipients::RESOLVE_RECIPIENTS,
            Command::ValidateCert => tags::validatecert::VALIDATE_CERT,
            Command::Find => tags::find::FIND,
        })
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The name is not an EAS command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown command {0:?}")]
pub struct UnknownCommand(pub String);

impl FromStr for Command {
    type Err = UnknownCommand;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Command::from_name(s).ok_or_else(|| UnknownCommand(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_codes_round_trip_for_every_command() {
        for c in Command::ALL {
            assert_eq!(Command::from_name(c.name()), Some(c));
            assert_eq!(Command::from_code(c.code()), Some(c));
            assert_eq!(c.to_string().parse::<Command>(), Ok(c));
        }
    }

    #[test]
    fn codes_match_the_ms_ashttp_table() {
        let table = [
            (0, "Sync"),
            (1, "SendMail"),
            (2, "SmartForward"),
            (3, "SmartReply"),
            (4, "GetAttachment"),
            (9, "FolderSync"),
            (10, "FolderCreate"),
            (11, "FolderDelete"),
            (12, "FolderUpdate"),
            (13, "MoveItems"),
            (14, "GetItemEstimate"),
            (15, "MeetingResponse"),
            (16, "Search"),
            (17, "Settings"),
            (18, "Ping"),
            (19, "ItemOperations"),
            (20, "Provision"),
            (21, "ResolveRecipients"),
            (22, "ValidateCert"),
            (23, "Find"),
        ];
        for (code, name) in table {
            assert_eq!(Command::from_code(code).map(Command::name), Some(name));
        }
        for unused in [6, 7, 8, 24, 255] {
            assert_eq!(Command::from_code(unused), None);
        }
    }

    #[test]
    fn command_names_are_matched_exactly_then_case_insensitively() {
        assert_eq!(Command::from_name("FolderSync"), Some(Command::FolderSync));
        assert_eq!(Command::from_name("foldersync"), Some(Command::FolderSync));
        assert_eq!(Command::from_name("Autodiscover"), None);
        assert_eq!(Command::from_name(""), None);
    }

    #[test]
    fn root_tags_name_the_command_document_element() {
        for c in Command::ALL {
            if let Some(tag) = c.root_tag() {
                assert_eq!(tag.name(), c.name(), "{c}");
            }
        }
        assert_eq!(
            Command::MoveItems.root_tag(),
            Some(tags::r#move::MOVE_ITEMS)
        );
        assert_eq!(Command::GetAttachment.root_tag(), None);
    }
}
