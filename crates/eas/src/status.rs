//! The status values common to all commands (MS-ASCMD 2.2.2), how to send a global error to a
//! device of a given version, and the minimal `<Command><Status>N</Status></Command>` body.

use std::fmt;

use wbxml::{Element, Tag, tags};

use crate::command::Command;
use crate::version::ProtocolVersion;

macro_rules! common_statuses {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal, $name:literal; )*) => {
        /// A status value common to all commands (MS-ASCMD 2.2.2). Sent as a 1xx `Status` in
        /// 14.0+; 12.x clients get an HTTP status instead (see [`CommonStatus::reply`]).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum CommonStatus {
            $( $(#[$doc])* $variant, )*
        }

        impl CommonStatus {
            /// Every common status, in code order.
            pub const ALL: &'static [CommonStatus] = &[ $( CommonStatus::$variant, )* ];

            /// The numeric `Status` value.
            pub const fn code(self) -> u16 {
                match self { $( CommonStatus::$variant => $code, )* }
            }

            /// The spec's name for the value, e.g. `"InvalidPolicyKey"`.
            pub const fn name(self) -> &'static str {
                match self { $( CommonStatus::$variant => $name, )* }
            }

            /// The common status with this code.
            pub const fn from_code(code: u16) -> Option<CommonStatus> {
                match code { $( $code => Some(CommonStatus::$variant), )* _ => None }
            }
        }
    };
}

common_statuses! {
    /// The request body is invalid (wrong Content-Type, missing body).
    InvalidContent = 101, "InvalidContent";
    /// The WBXML could not be decoded.
    InvalidWbxml = 102, "InvalidWBXML";
    /// The XML does not follow the protocol.
    InvalidXml = 103, "InvalidXML";
    InvalidDateTime = 104, "InvalidDateTime";
    InvalidCombinationOfIds = 105, "InvalidCombinationOfIDs";
    InvalidIds = 106, "InvalidIDs";
    InvalidMime = 107, "InvalidMIME";
    DeviceIdMissingOrInvalid = 108, "DeviceIdMissingOrInvalid";
    DeviceTypeMissingOrInvalid = 109, "DeviceTypeMissingOrInvalid";
    /// Unknown server error; the device should not retry.
    ServerError = 110, "ServerError";
    /// Unknown server error; the device should retry later.
    ServerErrorRetryLater = 111, "ServerErrorRetryLater";
    ActiveDirectoryAccessDenied = 112, "ActiveDirectoryAccessDenied";
    MailboxQuotaExceeded = 113, "MailboxQuotaExceeded";
    MailboxServerOffline = 114, "MailboxServerOffline";
    SendQuotaExceeded = 115, "SendQuotaExceeded";
    MessageRecipientUnresolved = 116, "MessageRecipientUnresolved";
    MessageReplyNotAllowed = 117, "MessageReplyNotAllowed";
    /// The ClientId was already used by a recent SendMail.
    MessagePreviouslySent = 118, "MessagePreviouslySent";
    MessageHasNoRecipient = 119, "MessageHasNoRecipient";
    MailSubmissionFailed = 120, "MailSubmissionFailed";
    MessageReplyFailed = 121, "MessageReplyFailed";
    AttachmentIsTooLarge = 122, "AttachmentIsTooLarge";
    UserHasNoMailbox = 123, "UserHasNoMailbox";
    UserCannotBeAnonymous = 124, "UserCannotBeAnonymous";
    UserPrincipalCouldNotBeFound = 125, "UserPrincipalCouldNotBeFound";
    UserDisabledForSync = 126, "UserDisabledForSync";
    UserOnNewMailboxCannotSync = 127, "UserOnNewMailboxCannotSync";
    UserOnLegacyMailboxCannotSync = 128, "UserOnLegacyMailboxCannotSync";
    DeviceIsBlockedForThisUser = 129, "DeviceIsBlockedForThisUser";
    AccessDenied = 130, "AccessDenied";
    AccountDisabled = 131, "AccountDisabled";
    SyncStateNotFound = 132, "SyncStateNotFound";
    SyncStateLocked = 133, "SyncStateLocked";
    SyncStateCorrupt = 134, "SyncStateCorrupt";
    SyncStateAlreadyExists = 135, "SyncStateAlreadyExists";
    SyncStateVersionInvalid = 136, "SyncStateVersionInvalid";
    CommandNotSupported = 137, "CommandNotSupported";
    VersionNotSupported = 138, "VersionNotSupported";
    DeviceNotFullyProvisionable = 139, "DeviceNotFullyProvisionable";
    RemoteWipeRequested = 140, "RemoteWipeRequested";
    LegacyDeviceOnStrictPolicy = 141, "LegacyDeviceOnStrictPolicy";
    /// There is a policy and the device has not provisioned (no policy key).
    DeviceNotProvisioned = 142, "DeviceNotProvisioned";
    PolicyRefresh = 143, "PolicyRefresh";
    /// The device's policy key is not the current one.
    InvalidPolicyKey = 144, "InvalidPolicyKey";
    ExternallyManagedDevicesNotAllowed = 145, "ExternallyManagedDevicesNotAllowed";
    NoRecurrenceInCalendar = 146, "NoRecurrenceInCalendar";
    UnexpectedItemClass = 147, "UnexpectedItemClass";
    RemoteServerHasNoSsl = 148, "RemoteServerHasNoSSL";
    InvalidStoredRequest = 149, "InvalidStoredRequest";
    ItemNotFound = 150, "ItemNotFound";
    TooManyFolders = 151, "TooManyFolders";
    NoFoldersFound = 152, "NoFoldersFound";
    ItemsLostAfterMove = 153, "ItemsLostAfterMove";
    FailureInMoveOperation = 154, "FailureInMoveOperation";
    MoveCommandDisallowedForNonPersistentMoveAction = 155, "MoveCommandDisallowedForNonPersistentMoveAction";
    MoveCommandInvalidDestinationFolder = 156, "MoveCommandInvalidDestinationFolder";
    AvailabilityTooManyRecipients = 160, "AvailabilityTooManyRecipients";
    AvailabilityDlLimitReached = 161, "AvailabilityDLLimitReached";
    AvailabilityTransientFailure = 162, "AvailabilityTransientFailure";
    AvailabilityFailure = 163, "AvailabilityFailure";
    BodyPartPreferenceTypeNotSupported = 164, "BodyPartPreferenceTypeNotSupported";
    /// 14.1+: the initial Provision request lacks `settings:DeviceInformation`.
    DeviceInformationRequired = 165, "DeviceInformationRequired";
    InvalidAccountId = 166, "InvalidAccountId";
    AccountSendDisabled = 167, "AccountSendDisabled";
    IrmFeatureDisabled = 168, "IRM_FeatureDisabled";
    IrmTransientError = 169, "IRM_TransientError";
    IrmPermanentError = 170, "IRM_PermanentError";
    IrmInvalidTemplateId = 171, "IRM_InvalidTemplateID";
    IrmOperationNotPermitted = 172, "IRM_OperationNotPermitted";
    NoPicture = 173, "NoPicture";
    PictureTooLarge = 174, "PictureTooLarge";
    PictureLimitReached = 175, "PictureLimitReached";
    BodyPartConversationTooLarge = 176, "BodyPart_ConversationTooLarge";
    MaximumDevicesReached = 177, "MaximumDevicesReached";
    InvalidMimeBodyCombination = 178, "InvalidMimeBodyCombination";
    InvalidSmartForwardParameters = 179, "InvalidSmartForwardParameters";
    InvalidRecipients = 183, "InvalidRecipients";
    OneOrMoreExceptionsFailed = 184, "OneOrMoreExceptionsFailed";
}

impl CommonStatus {
    /// The HTTP status that MS-ASCMD 2.2.2 names for this value when the client speaks 12.x,
    /// where the table names one. `command` matters for 106 (SendMail: 500) and 132
    /// (Provision: 500).
    pub fn http_equivalent(self, command: Command) -> Option<u16> {
        use CommonStatus::*;
        Some(match self {
            InvalidContent | InvalidXml | VersionNotSupported | UnexpectedItemClass => 400,
            InvalidIds if command == Command::SendMail => 500,
            InvalidIds => 400,
            ServerError => 500,
            ServerErrorRetryLater => 503,
            ActiveDirectoryAccessDenied | UserPrincipalCouldNotBeFound | UserDisabledForSync => 403,
            MailboxQuotaExceeded => 507,
            SyncStateNotFound if command == Command::Provision => 500,
            SyncStateNotFound => 403,
            CommandNotSupported => 501,
            RemoteWipeRequested
            | LegacyDeviceOnStrictPolicy
            | DeviceNotProvisioned
            | PolicyRefresh
            | InvalidPolicyKey => 449,
            _ => return None,
        })
    }

    /// How to send this status to a device: in the body for 14.0+, as an HTTP status for
    /// 12.x. Values without an HTTP equivalent in the spec's table map by kind: request
    /// errors 400, access errors 403, transient errors 503, anything else 500 (our choice).
    pub fn reply(self, command: Command, version: ProtocolVersion) -> ErrorReply {
        if version.common_status_in_body() {
            return ErrorReply::Status(self.code());
        }
        use CommonStatus::*;
        let http = self.http_equivalent(command).unwrap_or(match self {
            InvalidWbxml
            | InvalidDateTime
            | InvalidCombinationOfIds
            | InvalidMime
            | DeviceIdMissingOrInvalid
            | DeviceTypeMissingOrInvalid => 400,
            UserHasNoMailbox
            | UserCannotBeAnonymous
            | UserOnNewMailboxCannotSync
            | UserOnLegacyMailboxCannotSync
            | DeviceIsBlockedForThisUser
            | AccessDenied
            | AccountDisabled
            | DeviceNotFullyProvisionable
            | ExternallyManagedDevicesNotAllowed
            | MaximumDevicesReached => 403,
            MailboxServerOffline | SyncStateLocked => 503,
            _ => 500,
        });
        ErrorReply::Http(http)
    }
}

impl fmt::Display for CommonStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code(), self.name())
    }
}

/// How the gateway answers a request it fails as a whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorReply {
    /// HTTP 200 with `<Command><Status>N</Status></Command>`; build the body with
    /// [`command_status_response`] (or [`ErrorReply::body`]).
    Status(u16),
    /// This HTTP status and no body.
    Http(u16),
}

impl ErrorReply {
    /// The WBXML body for a `Status` reply to `command`; `None` for `Http` replies and for
    /// commands without a WBXML response.
    pub fn body(self, command: Command) -> Option<Element> {
        match self {
            ErrorReply::Status(code) => command_status_response(command, code),
            ErrorReply::Http(_) => None,
        }
    }
}

/// The `Status` element that carries a command's overall result (checked against the response
/// schemas in `conformance/ms-xsd/*Response.xsd`).
fn status_tag(command: Command) -> Option<Tag> {
    Some(match command {
        Command::Sync => tags::airsync::STATUS,
        Command::SendMail | Command::SmartForward | Command::SmartReply => {
            tags::composemail::STATUS
        }
        Command::FolderSync
        | Command::FolderCreate
        | Command::FolderDelete
        | Command::FolderUpdate => tags::folderhierarchy::STATUS,
        Command::MoveItems => tags::r#move::STATUS,
        Command::GetItemEstimate => tags::getitemestimate::STATUS,
        Command::MeetingResponse => tags::meetingresponse::STATUS,
        Command::Search => tags::search::STATUS,
        Command::Settings => tags::settings::STATUS,
        Command::Ping => tags::ping::STATUS,
        Command::ItemOperations => tags::itemoperations::STATUS,
        Command::Provision => tags::provision::STATUS,
        Command::ResolveRecipients => tags::resolverecipients::STATUS,
        Command::ValidateCert => tags::validatecert::STATUS,
        Command::Find => tags::find::STATUS,
        Command::GetAttachment | Command::GetHierarchy => return None,
    })
}

/// `<Root><Status>N</Status></Root>` in the command's namespace: the whole response for a
/// request that failed globally (142/144 and other common statuses in 14.0+, a command's own
/// global error codes in any version).
///
/// MeetingResponse has no top-level Status (MS-ASCMD 2.2.3.177.9: Status is a child of
/// Result), so it gets `<MeetingResponse><Result><Status>N</Status></Result></MeetingResponse>`,
/// which its schema allows (RequestId is optional). `None` for commands whose response is not
/// WBXML (GetAttachment, GetHierarchy).
pub fn command_status_response(command: Command, status: u16) -> Option<Element> {
    let root = command.root_tag()?;
    let status = Element::with_text(status_tag(command)?, status.to_string());
    Some(if command == Command::MeetingResponse {
        Element::new(root).child(Element::new(tags::meetingresponse::RESULT).child(status))
    } else {
        Element::new(root).child(status)
    })
}

/// The command's own status for "your request is malformed", where it has one that means
/// that at the global scope (MS-ASCMD 2.2.3.177.x; MS-ASPROV 2.2.2.54.2 for Provision).
pub fn protocol_error_status(command: Command) -> Option<u16> {
    match command {
        Command::Sync | Command::Ping => Some(4),
        Command::FolderSync
        | Command::FolderCreate
        | Command::FolderDelete
        | Command::FolderUpdate => Some(10),
        Command::Provision
        | Command::Settings
        | Command::ItemOperations
        | Command::ValidateCert => Some(2),
        Command::ResolveRecipients => Some(5),
        Command::Find => Some(2),
        _ => None,
    }
}

/// How to answer a request whose body fails to parse ([`crate::ProtocolError`]): the command's
/// own protocol-error status where it has one (any version), else 103 InvalidXML in 14.0+
/// and HTTP 400 in 12.x (MS-ASCMD 2.2.2).
pub fn malformed_request_reply(command: Command, version: ProtocolVersion) -> ErrorReply {
    match protocol_error_status(command) {
        Some(code) if command.root_tag().is_some() => ErrorReply::Status(code),
        _ => CommonStatus::InvalidXml.reply(command, version),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_round_trip() {
        for &s in CommonStatus::ALL {
            assert_eq!(CommonStatus::from_code(s.code()), Some(s));
        }
        assert_eq!(CommonStatus::ALL.len(), 56 + 20 + 2);
        assert_eq!(CommonStatus::from_code(157), None);
        assert_eq!(CommonStatus::from_code(100), None);
        assert_eq!(CommonStatus::InvalidPolicyKey.name(), "InvalidPolicyKey");
        assert_eq!(
            CommonStatus::IrmFeatureDisabled.to_string(),
            "168 IRM_FeatureDisabled"
        );
    }

    #[test]
    fn codes_are_strictly_increasing_and_in_the_1xx_range() {
        let codes: Vec<u16> = CommonStatus::ALL.iter().map(|s| s.code()).collect();
        assert!(codes.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(codes.first(), Some(&101));
        assert_eq!(codes.last(), Some(&184));
    }

    #[test]
    fn a_14_client_gets_the_status_in_the_body() {
        let reply = CommonStatus::InvalidPolicyKey.reply(Command::Sync, ProtocolVersion::V14_0);
        assert_eq!(reply, ErrorReply::Status(144));
        let body = reply
            .body(Command::Sync)
            .expect("Sync has a WBXML response");
        assert_eq!(body.tag, tags::airsync::SYNC);
        assert_eq!(
            body.child_text(tags::airsync::STATUS).as_deref(),
            Some("144")
        );
    }

    #[test]
    fn a_12_client_gets_the_http_status_from_the_spec_table() {
        let v = ProtocolVersion::V12_1;
        assert_eq!(
            CommonStatus::DeviceNotProvisioned.reply(Command::Sync, v),
            ErrorReply::Http(449)
        );
        assert_eq!(
            CommonStatus::ServerErrorRetryLater.reply(Command::Sync, v),
            ErrorReply::Http(503)
        );
        assert_eq!(
            CommonStatus::MailboxQuotaExceeded.reply(Command::Sync, v),
            ErrorReply::Http(507)
        );
        assert_eq!(
            CommonStatus::CommandNotSupported.reply(Command::Find, v),
            ErrorReply::Http(501)
        );
        assert_eq!(
            CommonStatus::InvalidIds.reply(Command::SendMail, v),
            ErrorReply::Http(500)
        );
        assert_eq!(
            CommonStatus::InvalidIds.reply(Command::Sync, v),
            ErrorReply::Http(400)
        );
        assert_eq!(
            CommonStatus::SyncStateNotFound.reply(Command::Provision, v),
            ErrorReply::Http(500)
        );
        assert_eq!(
            CommonStatus::AccessDenied.reply(Command::Sync, v),
            ErrorReply::Http(403)
        );
        assert_eq!(ErrorReply::Http(449).body(Command::Sync), None);
    }

    #[test]
    fn every_wbxml_command_has_a_status_only_response() {
        for c in Command::ALL {
            let body = command_status_response(c, 142);
            assert_eq!(body.is_some(), c.root_tag().is_some(), "{c}");
            if let Some(body) = body {
                assert_eq!(Some(body.tag), c.root_tag());
            }
        }
    }

    #[test]
    fn meeting_response_carries_its_status_in_a_result() {
        let body = command_status_response(Command::MeetingResponse, 142).expect("body");
        let result = body.find(tags::meetingresponse::RESULT).expect("Result");
        assert_eq!(
            result.child_text(tags::meetingresponse::STATUS).as_deref(),
            Some("142")
        );
    }

    #[test]
    fn the_status_element_is_in_the_command_namespace() {
        let body = command_status_response(Command::SmartReply, 120).expect("body");
        assert_eq!(
            body.child_text(tags::composemail::STATUS).as_deref(),
            Some("120")
        );
        let body = command_status_response(Command::FolderCreate, 10).expect("body");
        assert_eq!(
            body.child_text(tags::folderhierarchy::STATUS).as_deref(),
            Some("10")
        );
    }

    #[test]
    fn malformed_requests_get_the_command_protocol_error_or_invalid_xml() {
        let v14 = ProtocolVersion::V14_1;
        let v12 = ProtocolVersion::V12_1;
        assert_eq!(
            malformed_request_reply(Command::FolderSync, v12),
            ErrorReply::Status(10)
        );
        assert_eq!(
            malformed_request_reply(Command::Provision, v14),
            ErrorReply::Status(2)
        );
        assert_eq!(
            malformed_request_reply(Command::Sync, v14),
            ErrorReply::Status(4)
        );
        assert_eq!(
            malformed_request_reply(Command::MoveItems, v14),
            ErrorReply::Status(103)
        );
        assert_eq!(
            malformed_request_reply(Command::MoveItems, v12),
            ErrorReply::Http(400)
        );
        assert_eq!(
            malformed_request_reply(Command::GetAttachment, v12),
            ErrorReply::Http(400)
        );
    }
}
