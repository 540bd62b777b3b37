//! The Provision command (MS-ASPROV): the policy download, its acknowledgement, and remote
//! wipe.
//!
//! The exchange is two requests: the *initial* request names a policy type and gets the
//! policy document and a temporary policy key; the *acknowledgement* echoes that key with the
//! client's result and gets the final key (MS-ASPROV 3.1.5.1). A pending remote wipe is sent
//! instead of, or with, a policy; the device confirms it with a third kind of request.

use std::fmt;
use std::str::FromStr;

use wbxml::{Element, tags::provision as p, tags::settings as s};

use crate::device_information::DeviceInformation;
use crate::error::{ProtocolError, expect_tag, parse_text, required, required_text};
use crate::policy::PolicySettings;
use crate::settings::SettingsStatus;
use crate::status::CommonStatus;
use crate::version::ProtocolVersion;

/// A policy key (MS-ASPROV 2.2.2.42): "SHOULD be a string representation of a 32-bit unsigned
/// integer". 0 means "not provisioned": never issue it (some iOS versions refuse a response
/// whose key is 0, as grommunio-sync notes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PolicyKey(pub u32);

impl PolicyKey {
    /// Key 0: what a device that has not provisioned sends (or no key at all).
    pub const NONE: PolicyKey = PolicyKey(0);

    pub fn is_none(self) -> bool {
        self.0 == 0
    }
}

impl fmt::Display for PolicyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for PolicyKey {
    type Err = std::num::ParseIntError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.trim().parse().map(PolicyKey)
    }
}

/// The format of the policy document (MS-ASPROV 2.2.2.43).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PolicyType {
    /// `MS-EAS-Provisioning-WBXML`: the `EASProvisionDoc`; used by 12.0 and later.
    EasProvisioningWbxml,
    /// `MS-WAP-Provisioning-XML`: the Windows Mobile XML document of protocol 2.5, which we do
    /// not speak. Answered with policy status 3 (unknown policy type).
    WapProvisioningXml,
    /// Anything else, kept to be echoed back.
    Other(String),
}

impl PolicyType {
    pub const EAS: &'static str = "MS-EAS-Provisioning-WBXML";
    pub const WAP: &'static str = "MS-WAP-Provisioning-XML";

    pub fn parse(value: &str) -> PolicyType {
        match value.trim() {
            PolicyType::EAS => PolicyType::EasProvisioningWbxml,
            PolicyType::WAP => PolicyType::WapProvisioningXml,
            _ => PolicyType::Other(value.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            PolicyType::EasProvisioningWbxml => PolicyType::EAS,
            PolicyType::WapProvisioningXml => PolicyType::WAP,
            PolicyType::Other(s) => s,
        }
    }

    /// Whether we can send a policy document of this type.
    pub fn is_supported(&self) -> bool {
        *self == PolicyType::EasProvisioningWbxml
    }
}

/// The client's result of applying the policy, sent in the acknowledgement (MS-ASPROV
/// 2.2.2.54.1, request values).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientPolicyStatus {
    Applied,
    /// Partial success (at least the PIN was enabled).
    PartiallyApplied,
    NotApplied,
    /// The client claims to have been provisioned by a third party.
    ThirdParty,
    Other(u32),
}

impl ClientPolicyStatus {
    pub fn from_code(code: u32) -> ClientPolicyStatus {
        match code {
            1 => ClientPolicyStatus::Applied,
            2 => ClientPolicyStatus::PartiallyApplied,
            3 => ClientPolicyStatus::NotApplied,
            4 => ClientPolicyStatus::ThirdParty,
            n => ClientPolicyStatus::Other(n),
        }
    }

    pub fn code(self) -> u32 {
        match self {
            ClientPolicyStatus::Applied => 1,
            ClientPolicyStatus::PartiallyApplied => 2,
            ClientPolicyStatus::NotApplied => 3,
            ClientPolicyStatus::ThirdParty => 4,
            ClientPolicyStatus::Other(n) => n,
        }
    }
}

/// The client's result of a remote wipe (MS-ASPROV 2.2.2.54.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WipeResult {
    Succeeded,
    Failed,
    Other(u32),
}

impl WipeResult {
    pub fn from_code(code: u32) -> WipeResult {
        match code {
            1 => WipeResult::Succeeded,
            2 => WipeResult::Failed,
            n => WipeResult::Other(n),
        }
    }

    pub fn code(self) -> u32 {
        match self {
            WipeResult::Succeeded => 1,
            WipeResult::Failed => 2,
            WipeResult::Other(n) => n,
        }
    }
}

/// Which kind of wipe: the whole device, or (16.1) only the account's data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WipeKind {
    Device,
    /// 16.1 only (MS-ASPROV 2.2.2.1).
    AccountOnly,
}

/// What a Provision request asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProvisionPhase {
    /// Download the policy (MS-ASPROV 3.1.5.1.1).
    Initial { policy_type: PolicyType },
    /// Acknowledge a downloaded policy (MS-ASPROV 3.1.5.1.2.1).
    Acknowledgement {
        policy_type: PolicyType,
        policy_key: PolicyKey,
        status: ClientPolicyStatus,
    },
    /// Confirm a remote wipe directive (MS-ASPROV 3.1.5.1.2.2, 3.1.5.1.2.3).
    WipeAcknowledgement { kind: WipeKind, result: WipeResult },
    /// `<Provision/>` (or only DeviceInformation): answered with a status and any pending wipe
    /// directive (MS-ASPROV 3.2.5.1.1).
    Empty,
}

/// A parsed Provision request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProvisionRequest {
    /// 14.1+: sent with the initial request (MS-ASPROV 2.2.2.53).
    pub device_information: Option<DeviceInformation>,
    pub phase: ProvisionPhase,
}

impl ProvisionRequest {
    /// Reads a Provision request document. A wipe acknowledgement takes precedence over a
    /// policy in the same request.
    pub fn from_element(element: &Element) -> Result<ProvisionRequest, ProtocolError> {
        expect_tag(element, p::PROVISION)?;
        let device_information = element
            .find(s::DEVICE_INFORMATION)
            .map(DeviceInformation::from_element)
            .transpose()?;

        let wipe = [
            (p::REMOTE_WIPE, WipeKind::Device),
            (p::ACCOUNT_ONLY_REMOTE_WIPE, WipeKind::AccountOnly),
        ]
        .into_iter()
        .find_map(|(tag, kind)| element.find(tag).map(|el| (el, kind)));
        let phase = if let Some((ack, kind)) = wipe {
            let result = WipeResult::from_code(parse_text(required(ack, p::STATUS)?)?);
            ProvisionPhase::WipeAcknowledgement { kind, result }
        } else if let Some(policies) = element.find(p::POLICIES) {
            let policy = required(policies, p::POLICY)?;
            let policy_type = PolicyType::parse(&required_text(policy, p::POLICY_TYPE)?);
            match policy.find(p::POLICY_KEY) {
                None => ProvisionPhase::Initial { policy_type },
                Some(key) => ProvisionPhase::Acknowledgement {
                    policy_type,
                    policy_key: parse_text(key)?,
                    // Status is "an optional child of the Policy element in command requests"
                    // (MS-ASPROV 2.2.2.54.1); without one the client reported no failure.
                    status: match policy.find(p::STATUS) {
                        Some(st) => ClientPolicyStatus::from_code(parse_text(st)?),
                        None => ClientPolicyStatus::Applied,
                    },
                },
            }
        } else {
            ProvisionPhase::Empty
        };
        Ok(ProvisionRequest {
            device_information,
            phase,
        })
    }

    /// Whether a 14.1+ client left out the DeviceInformation its initial request must carry
    /// (MS-ASPROV 2.2.2.53). The server may answer 165 DeviceInformationRequired; being
    /// lenient is usually better.
    pub fn lacks_required_device_information(&self, version: ProtocolVersion) -> bool {
        version.supports_device_information_in_provision()
            && self.device_information.is_none()
            && matches!(self.phase, ProvisionPhase::Initial { .. })
    }

    /// The request document (for tests and test clients).
    pub fn to_element(&self) -> Element {
        let mut el = Element::new(p::PROVISION);
        if let Some(info) = &self.device_information {
            el.push(info.to_element());
        }
        match &self.phase {
            ProvisionPhase::Initial { policy_type } => {
                let policy =
                    Element::new(p::POLICY).text_child(p::POLICY_TYPE, policy_type.as_str());
                el.push(Element::new(p::POLICIES).child(policy));
            }
            ProvisionPhase::Acknowledgement {
                policy_type,
                policy_key,
                status,
            } => {
                let policy = Element::new(p::POLICY)
                    .text_child(p::POLICY_TYPE, policy_type.as_str())
                    .text_child(p::POLICY_KEY, policy_key.to_string())
                    .text_child(p::STATUS, status.code().to_string());
                el.push(Element::new(p::POLICIES).child(policy));
            }
            ProvisionPhase::WipeAcknowledgement { kind, result } => {
                let tag = match kind {
                    WipeKind::Device => p::REMOTE_WIPE,
                    WipeKind::AccountOnly => p::ACCOUNT_ONLY_REMOTE_WIPE,
                };
                el.push(Element::new(tag).text_child(p::STATUS, result.code().to_string()));
            }
            ProvisionPhase::Empty => {}
        }
        el
    }
}

/// The overall status of a Provision response (MS-ASPROV 2.2.2.54.2), or a common status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProvisionStatus {
    Success,
    ProtocolError,
    GeneralServerError,
    Common(CommonStatus),
}

impl ProvisionStatus {
    pub fn code(self) -> u16 {
        match self {
            ProvisionStatus::Success => 1,
            ProvisionStatus::ProtocolError => 2,
            ProvisionStatus::GeneralServerError => 3,
            ProvisionStatus::Common(c) => c.code(),
        }
    }

    pub fn from_code(code: u16) -> Option<ProvisionStatus> {
        match code {
            1 => Some(ProvisionStatus::Success),
            2 => Some(ProvisionStatus::ProtocolError),
            3 => Some(ProvisionStatus::GeneralServerError),
            n => CommonStatus::from_code(n).map(ProvisionStatus::Common),
        }
    }
}

/// The status of the policy in a Provision response (MS-ASPROV 2.2.2.54.1, response values).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyStatus {
    Success = 1,
    /// There is no policy for this client.
    NoPolicy = 2,
    UnknownPolicyType = 3,
    /// The policy data on the server is corrupted.
    ServerCorrupt = 4,
    /// The client is acknowledging the wrong policy key.
    WrongPolicyKey = 5,
}

impl PolicyStatus {
    pub fn code(self) -> u16 {
        self as u16
    }

    pub fn from_code(code: u16) -> Option<PolicyStatus> {
        [
            PolicyStatus::Success,
            PolicyStatus::NoPolicy,
            PolicyStatus::UnknownPolicyType,
            PolicyStatus::ServerCorrupt,
            PolicyStatus::WrongPolicyKey,
        ]
        .into_iter()
        .find(|s| s.code() == code)
    }
}

/// The `Policies/Policy` part of a response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyResponse {
    pub policy_type: PolicyType,
    pub status: PolicyStatus,
    pub policy_key: Option<PolicyKey>,
    /// The policy document: sent in the answer to the initial request only.
    pub settings: Option<PolicySettings>,
}

/// A Provision response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProvisionResponse {
    pub status: ProvisionStatus,
    /// The answer to the request's DeviceInformation (sent to 14.1+ only).
    pub device_information: Option<SettingsStatus>,
    pub policy: Option<PolicyResponse>,
    /// A wipe directive. An account-only wipe is sent to 16.1 only; for older versions it is
    /// left out (never turned into a full device wipe): check
    /// [`ProtocolVersion::supports_account_only_remote_wipe`] before asking for one.
    pub remote_wipe: Option<WipeKind>,
}

impl ProvisionResponse {
    /// Status only (errors, the answer to an empty request or a wipe acknowledgement).
    pub fn status_only(status: ProvisionStatus) -> ProvisionResponse {
        ProvisionResponse {
            status,
            device_information: None,
            policy: None,
            remote_wipe: None,
        }
    }

    /// The answer to an initial request: the policy document and a temporary key that the
    /// acknowledgement must echo. Pass `device_information_received` when the request carried
    /// DeviceInformation (answered with its own Status, 14.1+).
    pub fn policy(
        policy_key: PolicyKey,
        settings: PolicySettings,
        device_information_received: bool,
    ) -> ProvisionResponse {
        ProvisionResponse {
            status: ProvisionStatus::Success,
            device_information: device_information_received.then_some(SettingsStatus::Success),
            policy: Some(PolicyResponse {
                policy_type: PolicyType::EasProvisioningWbxml,
                status: PolicyStatus::Success,
                policy_key: Some(policy_key),
                settings: Some(settings),
            }),
            remote_wipe: None,
        }
    }

    /// The answer to an acknowledgement: the final policy key, no document.
    pub fn acknowledged(policy_type: PolicyType, policy_key: PolicyKey) -> ProvisionResponse {
        ProvisionResponse::policy_status(policy_type, PolicyStatus::Success, Some(policy_key))
    }

    /// A policy-level failure: unknown policy type (3), wrong key acknowledged (5), ...
    pub fn policy_status(
        policy_type: PolicyType,
        status: PolicyStatus,
        policy_key: Option<PolicyKey>,
    ) -> ProvisionResponse {
        ProvisionResponse {
            status: ProvisionStatus::Success,
            device_information: None,
            policy: Some(PolicyResponse {
                policy_type,
                status,
                policy_key,
                settings: None,
            }),
            remote_wipe: None,
        }
    }

    /// A remote wipe directive (MS-ASPROV 3.2.5.1.1: `<Provision><Status/><RemoteWipe/>`).
    pub fn remote_wipe(kind: WipeKind) -> ProvisionResponse {
        ProvisionResponse {
            remote_wipe: Some(kind),
            ..ProvisionResponse::status_only(ProvisionStatus::Success)
        }
    }

    /// The response document for a device of `version`, in the order of
    /// `ProvisionResponse.xsd` and MS-ASPROV 3.2.5.1.1: DeviceInformation, Status, Policies,
    /// RemoteWipe or AccountOnlyRemoteWipe.
    pub fn to_element(&self, version: ProtocolVersion) -> Element {
        let mut el = Element::new(p::PROVISION);
        if let Some(status) = self.device_information
            && version.supports_device_information_in_provision()
        {
            el.push(
                Element::new(s::DEVICE_INFORMATION)
                    .text_child(s::STATUS, status.code().to_string()),
            );
        }
        el.push(Element::with_text(
            p::STATUS,
            self.status.code().to_string(),
        ));
        if let Some(policy) = &self.policy {
            let mut pol = Element::new(p::POLICY)
                .text_child(p::POLICY_TYPE, policy.policy_type.as_str())
                .text_child(p::STATUS, policy.status.code().to_string());
            if let Some(key) = policy.policy_key {
                pol.push(Element::with_text(p::POLICY_KEY, key.to_string()));
            }
            // Data is "required ... in responses to initial Provision command requests" and
            // needs PolicyType MS-EAS-Provisioning-WBXML (MS-ASPROV 2.2.2.24.1).
            if let Some(settings) = &policy.settings
                && policy.policy_type.is_supported()
            {
                pol.push(Element::new(p::DATA).child(settings.to_element(version)));
            }
            el.push(Element::new(p::POLICIES).child(pol));
        }
        match self.remote_wipe {
            Some(WipeKind::Device) => el.push(Element::new(p::REMOTE_WIPE)),
            Some(WipeKind::AccountOnly) if version.supports_account_only_remote_wipe() => {
                el.push(Element::new(p::ACCOUNT_ONLY_REMOTE_WIPE));
            }
            _ => {}
        }
        el
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn initial(device_information: Option<DeviceInformation>) -> Element {
        ProvisionRequest {
            device_information,
            phase: ProvisionPhase::Initial {
                policy_type: PolicyType::EasProvisioningWbxml,
            },
        }
        .to_element()
    }

    #[test]
    fn an_initial_request_names_the_policy_type() {
        let req = ProvisionRequest::from_element(&initial(None)).expect("parses");
        assert_eq!(
            req.phase,
            ProvisionPhase::Initial {
                policy_type: PolicyType::EasProvisioningWbxml
            }
        );
        assert!(req.lacks_required_device_information(ProtocolVersion::V14_1));
        assert!(!req.lacks_required_device_information(ProtocolVersion::V14_0));
    }

    #[test]
    fn an_initial_request_from_14_1_carries_device_information() {
        let info = DeviceInformation {
            model: Some("Pixel 8".into()),
            ..Default::default()
        };
        let req = ProvisionRequest::from_element(&initial(Some(info.clone()))).expect("parses");
        assert_eq!(req.device_information, Some(info));
        assert!(!req.lacks_required_device_information(ProtocolVersion::V16_1));
    }

    #[test]
    fn an_acknowledgement_carries_the_key_and_the_client_result() {
        let el = Element::new(p::PROVISION).child(
            Element::new(p::POLICIES).child(
                Element::new(p::POLICY)
                    .text_child(p::POLICY_TYPE, PolicyType::EAS)
                    .text_child(p::POLICY_KEY, "1307199584")
                    .text_child(p::STATUS, "1"),
            ),
        );
        let req = ProvisionRequest::from_element(&el).expect("parses");
        assert_eq!(
            req.phase,
            ProvisionPhase::Acknowledgement {
                policy_type: PolicyType::EasProvisioningWbxml,
                policy_key: PolicyKey(1_307_199_584),
                status: ClientPolicyStatus::Applied,
            }
        );
        assert_eq!(ProvisionRequest::from_element(&req.to_element()), Ok(req));
    }

    #[test]
    fn a_non_numeric_policy_key_is_a_protocol_error() {
        let el = Element::new(p::PROVISION).child(
            Element::new(p::POLICIES).child(
                Element::new(p::POLICY)
                    .text_child(p::POLICY_TYPE, PolicyType::EAS)
                    .text_child(p::POLICY_KEY, "abc"),
            ),
        );
        assert_eq!(
            ProvisionRequest::from_element(&el),
            Err(ProtocolError::Invalid {
                element: p::POLICY_KEY,
                value: "abc".into()
            })
        );
    }

    #[test]
    fn remote_wipe_acknowledgements_of_both_kinds_are_recognised() {
        for (kind, result) in [
            (WipeKind::Device, WipeResult::Succeeded),
            (WipeKind::AccountOnly, WipeResult::Failed),
        ] {
            let req = ProvisionRequest {
                device_information: None,
                phase: ProvisionPhase::WipeAcknowledgement { kind, result },
            };
            assert_eq!(ProvisionRequest::from_element(&req.to_element()), Ok(req));
        }
    }

    #[test]
    fn an_empty_request_and_a_wrong_document_element_are_told_apart() {
        let req = ProvisionRequest::from_element(&Element::new(p::PROVISION)).expect("parses");
        assert_eq!(req.phase, ProvisionPhase::Empty);
        assert!(matches!(
            ProvisionRequest::from_element(&Element::new(s::SETTINGS)),
            Err(ProtocolError::WrongDocumentElement { .. })
        ));
        let no_type = Element::new(p::PROVISION)
            .child(Element::new(p::POLICIES).child(Element::new(p::POLICY)));
        assert_eq!(
            ProvisionRequest::from_element(&no_type),
            Err(ProtocolError::Missing {
                element: p::POLICY_TYPE,
                parent: p::POLICY
            })
        );
    }

    #[test]
    fn the_wap_policy_type_is_recognised_but_not_supported() {
        assert_eq!(
            PolicyType::parse(PolicyType::WAP),
            PolicyType::WapProvisioningXml
        );
        assert!(!PolicyType::WapProvisioningXml.is_supported());
        assert_eq!(PolicyType::parse("x-custom").as_str(), "x-custom");
    }

    #[test]
    fn the_policy_answer_puts_device_information_first_and_the_document_in_data() {
        let resp = ProvisionResponse::policy(PolicyKey(42), PolicySettings::default(), true);
        let el = resp.to_element(ProtocolVersion::V16_1);
        let names: Vec<&str> = el.elements().map(|e| e.tag.name()).collect();
        assert_eq!(names, ["DeviceInformation", "Status", "Policies"]);
        let policy = el
            .find(p::POLICIES)
            .and_then(|p| p.find(p::POLICY))
            .expect("Policy");
        let names: Vec<&str> = policy.elements().map(|e| e.tag.name()).collect();
        assert_eq!(names, ["PolicyType", "Status", "PolicyKey", "Data"]);
        assert_eq!(policy.child_text(p::POLICY_KEY).as_deref(), Some("42"));
    }

    #[test]
    fn device_information_status_is_not_sent_before_14_1() {
        let resp = ProvisionResponse::policy(PolicyKey(42), PolicySettings::default(), true);
        let el = resp.to_element(ProtocolVersion::V14_0);
        assert!(el.find(s::DEVICE_INFORMATION).is_none());
    }

    #[test]
    fn an_account_only_wipe_is_never_sent_as_a_device_wipe() {
        let resp = ProvisionResponse::remote_wipe(WipeKind::AccountOnly);
        let el = resp.to_element(ProtocolVersion::V16_1);
        assert!(el.find(p::ACCOUNT_ONLY_REMOTE_WIPE).is_some());
        let el = resp.to_element(ProtocolVersion::V16_0);
        assert!(el.find(p::ACCOUNT_ONLY_REMOTE_WIPE).is_none());
        assert!(el.find(p::REMOTE_WIPE).is_none());
        let el =
            ProvisionResponse::remote_wipe(WipeKind::Device).to_element(ProtocolVersion::V12_1);
        assert!(el.find(p::REMOTE_WIPE).is_some_and(Element::is_empty));
    }

    #[test]
    fn provision_and_policy_status_codes_round_trip() {
        for code in 1..=3 {
            assert_eq!(
                ProvisionStatus::from_code(code).map(ProvisionStatus::code),
                Some(code)
            );
        }
        assert_eq!(
            ProvisionStatus::from_code(165),
            Some(ProvisionStatus::Common(
                CommonStatus::DeviceInformationRequired
            ))
        );
        for code in 1..=5 {
            assert_eq!(
                PolicyStatus::from_code(code).map(PolicyStatus::code),
                Some(code)
            );
        }
        assert_eq!(PolicyStatus::from_code(6), None);
    }
}
