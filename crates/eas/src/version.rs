//! Protocol versions and every decision that depends on them.
//!
//! Handlers never compare version numbers themselves: they ask a question here
//! (`version.sendmail_is_wbxml()`), so each version-dependent rule has one home and one
//! spec citation.

use std::fmt;
use std::str::FromStr;

use crate::command::Command;
use crate::status::{CommonStatus, ErrorReply};

/// An EAS protocol version the gateway speaks. 2.5 is not supported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProtocolVersion {
    V12_0,
    V12_1,
    V14_0,
    V14_1,
    V16_0,
    V16_1,
}

/// Why a request's policy key is not acceptable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyKeyProblem {
    /// No key (or key 0): the device has not provisioned.
    Missing,
    /// A key that is not the device's current one (policy changed, or stale key).
    Mismatch,
}

impl ProtocolVersion {
    /// Every supported version, oldest first.
    pub const ALL: [ProtocolVersion; 6] = [
        ProtocolVersion::V12_0,
        ProtocolVersion::V12_1,
        ProtocolVersion::V14_0,
        ProtocolVersion::V14_1,
        ProtocolVersion::V16_0,
        ProtocolVersion::V16_1,
    ];

    /// The newest version, the primary target.
    pub const LATEST: ProtocolVersion = ProtocolVersion::V16_1;

    /// The value of the `MS-ASProtocolVersions` header (OPTIONS and FolderSync responses).
    pub fn header_list() -> &'static str {
        "12.0,12.1,14.0,14.1,16.0,16.1"
    }

    /// The version as written in `MS-ASProtocolVersion`, e.g. `"14.1"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ProtocolVersion::V12_0 => "12.0",
            ProtocolVersion::V12_1 => "12.1",
            ProtocolVersion::V14_0 => "14.0",
            ProtocolVersion::V14_1 => "14.1",
            ProtocolVersion::V16_0 => "16.0",
            ProtocolVersion::V16_1 => "16.1",
        }
    }

    /// Parses a header value (`"14.1"`; surrounding whitespace ignored).
    pub fn parse(value: &str) -> Option<ProtocolVersion> {
        let value = value.trim();
        ProtocolVersion::ALL
            .into_iter()
            .find(|v| v.as_str() == value)
    }

    /// The Protocol version byte of the base64 query form (MS-ASHTTP 2.2.1.1.1.1): the version
    /// times ten, e.g. 141 for 14.1.
    pub const fn base64_byte(self) -> u8 {
        match self {
            ProtocolVersion::V12_0 => 120,
            ProtocolVersion::V12_1 => 121,
            ProtocolVersion::V14_0 => 140,
            ProtocolVersion::V14_1 => 141,
            ProtocolVersion::V16_0 => 160,
            ProtocolVersion::V16_1 => 161,
        }
    }

    /// The version for a base64 form's Protocol version byte.
    pub fn from_base64_byte(byte: u8) -> Option<ProtocolVersion> {
        ProtocolVersion::ALL
            .into_iter()
            .find(|v| v.base64_byte() == byte)
    }

    // ---- request forms and error signalling -------------------------------------------------

    /// Whether a client of this version may use the base64 query form (MS-ASHTTP 2.2.1.1.1.1:
    /// 12.1 and later; 12.0 uses the plain form only). The parser accepts it regardless.
    pub fn supports_base64_query(self) -> bool {
        self >= ProtocolVersion::V12_1
    }

    /// Whether global errors are sent as a 1xx `Status` in the response body. In 12.x the
    /// server answers with an HTTP status instead (MS-ASCMD 2.2.2, "When protocol version 2.5,
    /// 12.0, or 12.1 is used, an HTTP status code 4xx or 5xx instead of a Status element value
    /// 1xx is returned").
    pub fn common_status_in_body(self) -> bool {
        self >= ProtocolVersion::V14_0
    }

    /// How to tell a device that it must (re)provision. 12.x: HTTP 449; 14.0+: status 142
    /// DeviceNotProvisioned (no key) or 144 InvalidPolicyKey (stale key) in the command's
    /// response body (MS-ASCMD 2.2.2; MS-ASPROV 3.1.5.1).
    pub fn policy_key_failure(self, problem: PolicyKeyProblem) -> ErrorReply {
        if !self.common_status_in_body() {
            return ErrorReply::Http(449);
        }
        match problem {
            PolicyKeyProblem::Missing => {
                ErrorReply::Status(CommonStatus::DeviceNotProvisioned.code())
            }
            PolicyKeyProblem::Mismatch => ErrorReply::Status(CommonStatus::InvalidPolicyKey.code()),
        }
    }

    /// Whether the command exists in this version (MS-ASCMD 2.2.1.x protocol version tables):
    /// GetAttachment and GetHierarchy are 12.x only, Find is 16.1 only.
    pub fn supports_command(self, command: Command) -> bool {
        match command {
            Command::GetAttachment | Command::GetHierarchy => self < ProtocolVersion::V14_0,
            Command::Find => self >= ProtocolVersion::V16_1,
            _ => true,
        }
    }

    // ---- command encodings --------------------------------------------------------------------

    /// SendMail, SmartReply and SmartForward bodies are WBXML (ComposeMail) in 14.0+, and raw
    /// MIME (`message/rfc822`) with query parameters in 12.x (MS-ASCMD 2.2.1.17). Success is
    /// HTTP 200 with an empty body in both; failures follow [`Self::common_status_in_body`]
    /// (see [`crate::compose_mail`]).
    pub fn sendmail_is_wbxml(self) -> bool {
        self >= ProtocolVersion::V14_0
    }

    /// Whether a request body of this command is a WBXML document: all are, except 12.x mail
    /// submission (raw MIME) and GetAttachment (no body).
    pub fn request_body_is_wbxml(self, command: Command) -> bool {
        match command {
            Command::SendMail | Command::SmartForward | Command::SmartReply => {
                self.sendmail_is_wbxml()
            }
            Command::GetAttachment => false,
            _ => true,
        }
    }

    /// 14.1+: the initial Provision request carries `settings:DeviceInformation`, and the
    /// response answers it with a `settings:DeviceInformation/Status` (MS-ASPROV 2.2.2.53:
    /// "When protocol version 14.0, 12.1, or 12.0 is used, the client MUST NOT send" it).
    pub fn supports_device_information_in_provision(self) -> bool {
        self >= ProtocolVersion::V14_1
    }

    /// 12.1+: the full EASProvisionDoc. 12.0 knows only the password and attachment policies
    /// (MS-ASWBXML 2.1.2.1.15: tokens 0x10 and 0x1B-0x3A are 12.1+).
    pub fn supports_extended_policies(self) -> bool {
        self >= ProtocolVersion::V12_1
    }

    /// 16.1: `AccountOnlyRemoteWipe` (MS-ASPROV 2.2.2.1).
    pub fn supports_account_only_remote_wipe(self) -> bool {
        self >= ProtocolVersion::V16_1
    }

    /// 14.1+: Settings UserInformation answers with `Accounts/Account/...`; before 14.1 with
    /// `EmailAddresses/SMTPAddress` directly under `Get` (MS-ASCMD 2.2.3.5, 2.2.3.57).
    pub fn user_information_has_accounts(self) -> bool {
        self >= ProtocolVersion::V14_1
    }

    /// 14.1+: Settings RightsManagementInformation and the RightsManagement code page
    /// (MS-ASWBXML 2.1.2.1.25).
    pub fn supports_rights_management(self) -> bool {
        self >= ProtocolVersion::V14_1
    }

    /// 14.0+: `settings:EnableOutboundSMS` and `settings:MobileOperator` in DeviceInformation;
    /// 12.1+: `settings:UserAgent` (MS-ASWBXML 2.1.2.1.19).
    pub fn supports_device_information_sms(self) -> bool {
        self >= ProtocolVersion::V14_0
    }

    /// 16.0+: an event's location is `airsyncbase:Location` (a container), not
    /// `calendar:Location` (a string) (MS-ASCAL 2.2.2.27).
    pub fn location_in_airsyncbase(self) -> bool {
        self >= ProtocolVersion::V16_0
    }

    // ---- Sync and mail ------------------------------------------------------------------------

    /// 12.x: Sync's `Class` is a child of `Collection`, in requests and responses; 14.0+ puts
    /// it in `Options` and `Add` instead and never in `Collection` (MS-ASCMD 2.2.3.27.6,
    /// R6290-R6319).
    pub fn sync_class_in_collection(self) -> bool {
        self < ProtocolVersion::V14_0
    }

    /// 14.0+: the Email2 properties of a message, `ConversationId`, `ConversationIndex`,
    /// `LastVerbExecuted`, `LastVerbExecutionTime`, `ReceivedAsBcc` and `Sender`
    /// (MS-ASEMAIL 2.2.2.21-2.2.2.70; MS-ASWBXML code page 22).
    pub fn supports_email2(self) -> bool {
        self >= ProtocolVersion::V14_0
    }

    /// 14.0+: `email:Categories` (MS-ASEMAIL 2.2.2.16: "Protocol version 12.1 does not
    /// support this element").
    pub fn supports_email_categories(self) -> bool {
        self >= ProtocolVersion::V14_0
    }

    /// 14.0+: `airsyncbase:Preview` in a `Body` and a `BodyPreference` (MS-ASAIRS 2.2.2.35).
    pub fn supports_body_preview(self) -> bool {
        self >= ProtocolVersion::V14_0
    }

    /// 14.1+: `airsyncbase:BodyPart` and `BodyPartPreference` (MS-ASAIRS 2.2.2.10, 2.2.2.11).
    pub fn supports_body_part(self) -> bool {
        self >= ProtocolVersion::V14_1
    }

    /// 16.0+: drafts sync: `email2:IsDraft`, `email2:Bcc` and `email2:Send` (MS-ASEMAIL
    /// 2.2.2.9, 2.2.2.42, 2.2.2.69).
    pub fn supports_draft_sync(self) -> bool {
        self >= ProtocolVersion::V16_0
    }
}

impl fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The header value is not a supported protocol version.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported protocol version {0:?}")]
pub struct UnsupportedVersion(pub String);

impl FromStr for ProtocolVersion {
    type Err = UnsupportedVersion;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ProtocolVersion::parse(s).ok_or_else(|| UnsupportedVersion(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_strings_and_base64_bytes_round_trip_for_every_version() {
        for v in ProtocolVersion::ALL {
            assert_eq!(ProtocolVersion::parse(v.as_str()), Some(v));
            assert_eq!(ProtocolVersion::from_base64_byte(v.base64_byte()), Some(v));
            assert_eq!(v.to_string().parse::<ProtocolVersion>(), Ok(v));
        }
    }

    #[test]
    fn mail_submission_bodies_are_mime_in_12_x_and_wbxml_from_14_0() {
        assert!(!ProtocolVersion::V12_1.request_body_is_wbxml(Command::SendMail));
        assert!(ProtocolVersion::V14_0.request_body_is_wbxml(Command::SmartReply));
        assert!(ProtocolVersion::V12_1.request_body_is_wbxml(Command::Sync));
        assert!(!ProtocolVersion::V12_1.request_body_is_wbxml(Command::GetAttachment));
    }

    #[test]
    fn header_list_names_every_version_in_order() {
        let listed: Vec<&str> = ProtocolVersion::header_list().split(',').collect();
        let all: Vec<&str> = ProtocolVersion::ALL.iter().map(|v| v.as_str()).collect();
        assert_eq!(listed, all);
    }

    #[test]
    fn version_2_5_and_garbage_are_not_supported() {
        assert_eq!(ProtocolVersion::parse("2.5"), None);
        assert_eq!(ProtocolVersion::parse("14"), None);
        assert_eq!(ProtocolVersion::from_base64_byte(25), None);
        assert!("16.2".parse::<ProtocolVersion>().is_err());
        assert_eq!(
            ProtocolVersion::parse(" 14.1 "),
            Some(ProtocolVersion::V14_1)
        );
    }

    #[test]
    fn versions_order_by_age() {
        assert!(ProtocolVersion::V12_1 < ProtocolVersion::V14_0);
        assert!(ProtocolVersion::V16_0 < ProtocolVersion::V16_1);
    }

    #[test]
    fn twelve_x_signals_provisioning_with_http_449() {
        for v in [ProtocolVersion::V12_0, ProtocolVersion::V12_1] {
            assert_eq!(
                v.policy_key_failure(PolicyKeyProblem::Missing),
                ErrorReply::Http(449)
            );
            assert_eq!(
                v.policy_key_failure(PolicyKeyProblem::Mismatch),
                ErrorReply::Http(449)
            );
        }
    }

    #[test]
    fn fourteen_and_later_signal_provisioning_with_142_or_144_in_the_body() {
        for v in [
            ProtocolVersion::V14_0,
            ProtocolVersion::V14_1,
            ProtocolVersion::V16_1,
        ] {
            assert_eq!(
                v.policy_key_failure(PolicyKeyProblem::Missing),
                ErrorReply::Status(142)
            );
            assert_eq!(
                v.policy_key_failure(PolicyKeyProblem::Mismatch),
                ErrorReply::Status(144)
            );
        }
    }

    #[test]
    fn sendmail_is_mime_before_14_and_wbxml_from_14() {
        assert!(!ProtocolVersion::V12_1.sendmail_is_wbxml());
        assert!(ProtocolVersion::V14_0.sendmail_is_wbxml());
    }

    #[test]
    fn device_information_in_provision_starts_at_14_1() {
        assert!(!ProtocolVersion::V14_0.supports_device_information_in_provision());
        assert!(ProtocolVersion::V14_1.supports_device_information_in_provision());
        assert!(ProtocolVersion::V16_1.supports_device_information_in_provision());
    }

    #[test]
    fn command_availability_follows_the_spec_tables() {
        assert!(ProtocolVersion::V12_1.supports_command(Command::GetAttachment));
        assert!(!ProtocolVersion::V14_0.supports_command(Command::GetAttachment));
        assert!(!ProtocolVersion::V16_0.supports_command(Command::Find));
        assert!(ProtocolVersion::V16_1.supports_command(Command::Find));
        assert!(ProtocolVersion::V12_0.supports_command(Command::Sync));
    }

    #[test]
    fn mail_properties_follow_the_ms_asemail_version_tables() {
        use ProtocolVersion::*;
        assert!(V12_1.sync_class_in_collection() && !V14_0.sync_class_in_collection());
        assert!(!V12_1.supports_email2() && V14_0.supports_email2());
        assert!(!V12_1.supports_email_categories() && V14_0.supports_email_categories());
        assert!(!V12_1.supports_body_preview() && V14_0.supports_body_preview());
        assert!(!V14_0.supports_body_part() && V14_1.supports_body_part());
        assert!(!V14_1.supports_draft_sync() && V16_0.supports_draft_sync());
    }

    #[test]
    fn location_moves_to_airsyncbase_in_16() {
        assert!(!ProtocolVersion::V14_1.location_in_airsyncbase());
        assert!(ProtocolVersion::V16_0.location_in_airsyncbase());
    }
}
