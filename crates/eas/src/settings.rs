//! The Settings command (MS-ASCMD 2.2.1.18): device information, user information, rights
//! management templates, out of office, device password.

use wbxml::{Element, tags::rightsmanagement as rm, tags::settings as s};

use crate::device_information::DeviceInformation;
use crate::error::{ProtocolError, bool_text, expect_tag, optional_text, required};
use crate::oof::{OofRequest, OofSettings};
use crate::status::CommonStatus;
use crate::version::ProtocolVersion;

/// A Settings status (MS-ASCMD 2.2.3.177.15), overall or per property, or a common status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SettingsStatus {
    Success,
    ProtocolError,
    AccessDenied,
    ServerUnavailable,
    InvalidArguments,
    ConflictingArguments,
    DeniedByPolicy,
    Common(CommonStatus),
}

impl SettingsStatus {
    pub fn code(self) -> u16 {
        match self {
            SettingsStatus::Success => 1,
            SettingsStatus::ProtocolError => 2,
            SettingsStatus::AccessDenied => 3,
            SettingsStatus::ServerUnavailable => 4,
            SettingsStatus::InvalidArguments => 5,
            SettingsStatus::ConflictingArguments => 6,
            SettingsStatus::DeniedByPolicy => 7,
            SettingsStatus::Common(c) => c.code(),
        }
    }

    pub fn from_code(code: u16) -> Option<SettingsStatus> {
        Some(match code {
            1 => SettingsStatus::Success,
            2 => SettingsStatus::ProtocolError,
            3 => SettingsStatus::AccessDenied,
            4 => SettingsStatus::ServerUnavailable,
            5 => SettingsStatus::InvalidArguments,
            6 => SettingsStatus::ConflictingArguments,
            7 => SettingsStatus::DeniedByPolicy,
            n => return CommonStatus::from_code(n).map(SettingsStatus::Common),
        })
    }
}

/// A parsed Settings request: each property the device set or asked for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SettingsRequest {
    pub oof: Option<OofRequest>,
    /// DevicePassword/Set/Password: the device's recovery password (may be empty).
    pub device_password: Option<String>,
    pub device_information: Option<DeviceInformation>,
    /// UserInformation/Get.
    pub user_information: bool,
    /// RightsManagementInformation/Get (14.1+).
    pub rights_management_information: bool,
}

impl SettingsRequest {
    pub fn from_element(element: &Element) -> Result<SettingsRequest, ProtocolError> {
        expect_tag(element, s::SETTINGS)?;
        let mut req = SettingsRequest::default();
        for child in element.elements() {
            match child.tag {
                s::OOF => req.oof = Some(OofRequest::from_element(child)?),
                s::DEVICE_PASSWORD => {
                    let set = required(child, s::SET)?;
                    req.device_password =
                        Some(optional_text(set, s::PASSWORD)?.unwrap_or_default());
                }
                s::DEVICE_INFORMATION => {
                    req.device_information = Some(DeviceInformation::from_element(child)?);
                }
                s::USER_INFORMATION => {
                    required(child, s::GET)?;
                    req.user_information = true;
                }
                s::RIGHTS_MANAGEMENT_INFORMATION => {
                    required(child, s::GET)?;
                    req.rights_management_information = true;
                }
                _ => {} // unknown properties are ignored
            }
        }
        Ok(req)
    }

    /// The request document (for tests and test clients).
    pub fn to_element(&self) -> Element {
        let mut el = Element::new(s::SETTINGS);
        if let Some(oof) = &self.oof {
            el.push(oof.to_element());
        }
        if let Some(pw) = &self.device_password {
            let set = Element::new(s::SET).text_child(s::PASSWORD, pw.as_str());
            el.push(Element::new(s::DEVICE_PASSWORD).child(set));
        }
        if let Some(info) = &self.device_information {
            el.push(info.to_element());
        }
        if self.user_information {
            el.push(Element::new(s::USER_INFORMATION).child(Element::new(s::GET)));
        }
        if self.rights_management_information {
            el.push(Element::new(s::RIGHTS_MANAGEMENT_INFORMATION).child(Element::new(s::GET)));
        }
        el
    }
}

/// One account of UserInformation (MS-ASCMD 2.2.3.2). Before 14.1 only the addresses are sent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Account {
    /// Absent for the primary account (MS-ASCMD 2.2.3.3.2).
    pub account_id: Option<String>,
    pub account_name: Option<String>,
    pub user_display_name: Option<String>,
    pub send_disabled: Option<bool>,
    /// The address mail is sent from.
    pub primary_smtp_address: Option<String>,
    /// Every address of the account (the primary one may be repeated here, MS-ASCMD
    /// 2.2.3.138).
    pub smtp_addresses: Vec<String>,
}

impl Account {
    /// The primary account of a user with one address (plus aliases).
    pub fn primary(display_name: Option<String>, address: String, aliases: Vec<String>) -> Account {
        let mut smtp_addresses = vec![address.clone()];
        smtp_addresses.extend(aliases.into_iter().filter(|a| *a != address));
        Account {
            account_id: None,
            account_name: display_name.clone(),
            user_display_name: display_name,
            send_disabled: None,
            primary_smtp_address: Some(address),
            smtp_addresses,
        }
    }

    /// Primary address first, then the others, without repeats.
    fn all_addresses(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for a in self.primary_smtp_address.iter().chain(&self.smtp_addresses) {
            if !out.contains(&a.as_str()) {
                out.push(a);
            }
        }
        out
    }

    /// `<Account>` (14.1+), children in the spec's order.
    fn to_element(&self) -> Element {
        let mut el = Element::new(s::ACCOUNT);
        let texts = [
            (s::ACCOUNT_ID, &self.account_id),
            (s::ACCOUNT_NAME, &self.account_name),
            (s::USER_DISPLAY_NAME, &self.user_display_name),
        ];
        for (tag, value) in texts {
            if let Some(v) = value {
                el.push(Element::with_text(tag, v.as_str()));
            }
        }
        if let Some(disabled) = self.send_disabled {
            el.push(Element::with_text(s::SEND_DISABLED, bool_text(disabled)));
        }
        // EmailAddresses is a sequence: SMTPAddress*, then PrimarySmtpAddress.
        let mut addrs = Element::new(s::EMAIL_ADDRESSES);
        for a in &self.smtp_addresses {
            addrs.push(Element::with_text(s::SMTP_ADDRESS, a.as_str()));
        }
        if let Some(p) = &self.primary_smtp_address {
            addrs.push(Element::with_text(s::PRIMARY_SMTP_ADDRESS, p.as_str()));
        }
        el.child(addrs)
    }
}

/// The answer to UserInformation/Get.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserInformation {
    pub status: SettingsStatus,
    pub accounts: Vec<Account>,
}

/// A rights policy template (MS-ASRM 2.2.2.16).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RightsManagementTemplate {
    pub id: String,
    pub name: String,
    pub description: String,
}

/// The answer to RightsManagementInformation/Get. A gateway without IRM answers Success with
/// no templates: the schema requires `Get/RightsManagementTemplates`, which may be empty
/// (MS-ASRM 2.2.2.17), while status 168 IRM_FeatureDisabled would make clients report an
/// error for a feature the user never asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RightsManagementInformation {
    pub status: SettingsStatus,
    pub templates: Vec<RightsManagementTemplate>,
}

impl RightsManagementInformation {
    /// Success, no templates.
    pub fn none() -> RightsManagementInformation {
        RightsManagementInformation {
            status: SettingsStatus::Success,
            templates: Vec::new(),
        }
    }
}

/// The answer to Oof Get or Set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OofResponse {
    pub status: SettingsStatus,
    /// The settings, for a Get.
    pub settings: Option<OofSettings>,
}

/// A Settings response: the overall status and one part per property of the request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingsResponse {
    pub status: SettingsStatus,
    pub oof: Option<OofResponse>,
    pub device_information: Option<SettingsStatus>,
    pub device_password: Option<SettingsStatus>,
    pub user_information: Option<UserInformation>,
    pub rights_management_information: Option<RightsManagementInformation>,
}

impl SettingsResponse {
    /// An overall status and no parts.
    pub fn new(status: SettingsStatus) -> SettingsResponse {
        SettingsResponse {
            status,
            oof: None,
            device_information: None,
            device_password: None,
            user_information: None,
            rights_management_information: None,
        }
    }

    /// The response document for a device of `version` (`SettingsResponse.xsd`).
    ///
    /// UserInformation: 14.1+ gets `Get/Accounts/Account/...`; earlier versions get
    /// `Get/EmailAddresses/SMTPAddress*` with every account's addresses, primary first
    /// (MS-ASCMD 2.2.3.57). RightsManagementInformation is left out before 14.1, which has no
    /// RightsManagement code page.
    pub fn to_element(&self, version: ProtocolVersion) -> Element {
        let mut el =
            Element::new(s::SETTINGS).text_child(s::STATUS, self.status.code().to_string());
        if let Some(oof) = &self.oof {
            let mut part = status_part(s::OOF, oof.status);
            if let Some(settings) = &oof.settings {
                part.push(settings.to_element(s::GET));
            }
            el.push(part);
        }
        if let Some(st) = self.device_information {
            el.push(status_part(s::DEVICE_INFORMATION, st));
        }
        if let Some(st) = self.device_password {
            el.push(status_part(s::DEVICE_PASSWORD, st));
        }
        if let Some(info) = &self.user_information {
            el.push(user_information_element(info, version));
        }
        if let Some(rmi) = &self.rights_management_information
            && version.supports_rights_management()
        {
            let mut templates = Element::new(rm::RIGHTS_MANAGEMENT_TEMPLATES);
            for t in &rmi.templates {
                templates.push(
                    Element::new(rm::RIGHTS_MANAGEMENT_TEMPLATE)
                        .text_child(rm::TEMPLATE_ID, t.id.as_str())
                        .text_child(rm::TEMPLATE_NAME, t.name.as_str())
                        .text_child(rm::TEMPLATE_DESCRIPTION, t.description.as_str()),
                );
            }
            let part = status_part(s::RIGHTS_MANAGEMENT_INFORMATION, rmi.status)
                .child(Element::new(s::GET).child(templates));
            el.push(part);
        }
        el
    }
}

fn status_part(tag: wbxml::Tag, status: SettingsStatus) -> Element {
    Element::new(tag).text_child(s::STATUS, status.code().to_string())
}

fn user_information_element(info: &UserInformation, version: ProtocolVersion) -> Element {
    let mut part = status_part(s::USER_INFORMATION, info.status);
    if info.status != SettingsStatus::Success {
        return part;
    }
    let mut get = Element::new(s::GET);
    if version.user_information_has_accounts() {
        if !info.accounts.is_empty() {
            let mut accounts = Element::new(s::ACCOUNTS);
            for a in &info.accounts {
                accounts.push(a.to_element());
            }
            get.push(accounts);
        }
    } else {
        let mut addrs = Element::new(s::EMAIL_ADDRESSES);
        let mut seen: Vec<&str> = Vec::new();
        for a in info.accounts.iter().flat_map(Account::all_addresses) {
            if !seen.contains(&a) {
                seen.push(a);
                addrs.push(Element::with_text(s::SMTP_ADDRESS, a));
            }
        }
        get.push(addrs);
    }
    part.push(get);
    part
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oof::OofBodyType;

    #[test]
    fn a_settings_request_with_every_property_round_trips() {
        let req = SettingsRequest {
            oof: Some(OofRequest::Get {
                body_type: Some(OofBodyType::Text),
            }),
            device_password: Some("secret".into()),
            device_information: Some(DeviceInformation {
                model: Some("SM-G991B".into()),
                ..Default::default()
            }),
            user_information: true,
            rights_management_information: true,
        };
        assert_eq!(SettingsRequest::from_element(&req.to_element()), Ok(req));
    }

    #[test]
    fn a_property_without_get_is_a_protocol_error() {
        let el = Element::new(s::SETTINGS).child(Element::new(s::USER_INFORMATION));
        assert_eq!(
            SettingsRequest::from_element(&el),
            Err(ProtocolError::Missing {
                element: s::GET,
                parent: s::USER_INFORMATION
            })
        );
    }

    fn user() -> UserInformation {
        UserInformation {
            status: SettingsStatus::Success,
            accounts: vec![Account::primary(
                Some("Jo Doe".into()),
                "jo@example.org".into(),
                vec!["j.doe@example.org".into(), "jo@example.org".into()],
            )],
        }
    }

    #[test]
    fn user_information_for_14_1_and_later_lists_accounts() {
        let resp = SettingsResponse {
            user_information: Some(user()),
            ..SettingsResponse::new(SettingsStatus::Success)
        };
        let el = resp.to_element(ProtocolVersion::V16_1);
        let get = el
            .find(s::USER_INFORMATION)
            .and_then(|u| u.find(s::GET))
            .expect("Get");
        let account = get
            .find(s::ACCOUNTS)
            .and_then(|a| a.find(s::ACCOUNT))
            .expect("Account");
        assert_eq!(
            account.child_text(s::USER_DISPLAY_NAME).as_deref(),
            Some("Jo Doe")
        );
        let addrs = account.find(s::EMAIL_ADDRESSES).expect("EmailAddresses");
        assert_eq!(addrs.find_all(s::SMTP_ADDRESS).count(), 2);
        assert_eq!(
            addrs.child_text(s::PRIMARY_SMTP_ADDRESS).as_deref(),
            Some("jo@example.org")
        );
    }

    #[test]
    fn user_information_before_14_1_lists_addresses_only() {
        let resp = SettingsResponse {
            user_information: Some(user()),
            ..SettingsResponse::new(SettingsStatus::Success)
        };
        let el = resp.to_element(ProtocolVersion::V14_0);
        let get = el
            .find(s::USER_INFORMATION)
            .and_then(|u| u.find(s::GET))
            .expect("Get");
        assert!(get.find(s::ACCOUNTS).is_none());
        let addrs: Vec<String> = get
            .find(s::EMAIL_ADDRESSES)
            .expect("EmailAddresses")
            .find_all(s::SMTP_ADDRESS)
            .filter_map(|a| a.text().map(|t| t.into_owned()))
            .collect();
        assert_eq!(addrs, ["jo@example.org", "j.doe@example.org"]);
    }

    #[test]
    fn rights_management_is_answered_with_no_templates_and_only_to_14_1_and_later() {
        let resp = SettingsResponse {
            rights_management_information: Some(RightsManagementInformation::none()),
            ..SettingsResponse::new(SettingsStatus::Success)
        };
        let el = resp.to_element(ProtocolVersion::V14_1);
        let part = el.find(s::RIGHTS_MANAGEMENT_INFORMATION).expect("part");
        assert_eq!(part.child_text(s::STATUS).as_deref(), Some("1"));
        let templates = part
            .find(s::GET)
            .and_then(|g| g.find(rm::RIGHTS_MANAGEMENT_TEMPLATES));
        assert!(templates.is_some_and(Element::is_empty));
        let el = resp.to_element(ProtocolVersion::V14_0);
        assert!(el.find(s::RIGHTS_MANAGEMENT_INFORMATION).is_none());
    }

    #[test]
    fn settings_status_codes_round_trip() {
        for code in 1..=7 {
            assert_eq!(
                SettingsStatus::from_code(code).map(SettingsStatus::code),
                Some(code)
            );
        }
        assert_eq!(SettingsStatus::from_code(8), None);
        assert_eq!(
            SettingsStatus::from_code(111).map(SettingsStatus::code),
            Some(111)
        );
    }
}
