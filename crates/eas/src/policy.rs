//! The security policy a device is asked to apply: the `EASProvisionDoc` of MS-ASPROV
//! 2.2.2.28, built from [`PolicySettings`], which the configuration file can carry.
//!
//! The default is permissive: no device password, everything allowed, no limits. That is what
//! a gateway in front of a standards mail server usually wants; an operator who wants a PIN
//! sets `device_password_enabled = true` and the limits that go with it.

use serde::{Deserialize, Serialize};
use wbxml::{Element, Tag, tags::provision as p};

use crate::error::bool_text;
use crate::version::ProtocolVersion;

/// Every policy of `EASProvisionDoc` (MS-ASPROV 2.2.2.2 - 2.2.2.55). Field names are the
/// element names in snake case. `None` in an `Option` means "not set by the policy" (sent as an
/// empty element where the schema allows one, else as the spec's "no limit" value).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct PolicySettings {
    pub device_password_enabled: bool,
    pub alphanumeric_device_password_required: bool,
    pub password_recovery_enabled: bool,
    /// 12.1+.
    pub require_storage_card_encryption: bool,
    pub attachments_enabled: bool,
    /// 1-16; 1 or unset means no minimum.
    pub min_device_password_length: Option<u8>,
    /// Seconds; 9999 or more means unlimited.
    pub max_inactivity_time_device_lock: Option<u32>,
    /// 4-16 failed attempts before the device wipes or locks.
    pub max_device_password_failed_attempts: Option<u8>,
    /// Bytes.
    pub max_attachment_size: Option<u32>,
    pub allow_simple_device_password: bool,
    /// Days; 0 or unset: passwords do not expire.
    pub device_password_expiration: Option<u32>,
    /// Previous passwords that cannot be reused; 0: none remembered.
    pub device_password_history: u32,
    // ---- 12.1+ ----
    pub allow_storage_card: bool,
    pub allow_camera: bool,
    pub require_device_encryption: bool,
    pub allow_unsigned_applications: bool,
    pub allow_unsigned_installation_packages: bool,
    /// 1-4 character groups (lower, upper, digits, other) a password must contain.
    pub min_device_password_complex_characters: u8,
    pub allow_wifi: bool,
    pub allow_text_messaging: bool,
    pub allow_pop_imap_email: bool,
    pub allow_bluetooth: BluetoothPolicy,
    pub allow_irda: bool,
    pub require_manual_sync_when_roaming: bool,
    pub allow_desktop_sync: bool,
    pub max_calendar_age_filter: CalendarAgeFilter,
    pub allow_html_email: bool,
    pub max_email_age_filter: EmailAgeFilter,
    /// Bytes of plain-text body; unset: no truncation (-1 on the wire); 0: headers only.
    pub max_email_body_truncation_size: Option<u32>,
    /// Bytes of HTML body; as above.
    pub max_email_html_body_truncation_size: Option<u32>,
    pub require_signed_smime_messages: bool,
    pub require_encrypted_smime_messages: bool,
    pub require_signed_smime_algorithm: SignedSmimeAlgorithm,
    pub require_encryption_smime_algorithm: EncryptionSmimeAlgorithm,
    pub allow_smime_encryption_algorithm_negotiation: SmimeNegotiation,
    pub allow_smime_soft_certs: bool,
    pub allow_browser: bool,
    pub allow_consumer_email: bool,
    pub allow_remote_desktop: bool,
    pub allow_internet_sharing: bool,
    /// In-ROM applications that may not run.
    pub unapproved_in_rom_application_list: Vec<String>,
    /// SHA-1 hashes of applications that may run.
    pub approved_application_list: Vec<String>,
}

impl Default for PolicySettings {
    /// The permissive policy: no password required, everything allowed, nothing limited.
    fn default() -> Self {
        PolicySettings {
            device_password_enabled: false,
            alphanumeric_device_password_required: false,
            password_recovery_enabled: false,
            require_storage_card_encryption: false,
            attachments_enabled: true,
            min_device_password_length: None,
            max_inactivity_time_device_lock: None,
            max_device_password_failed_attempts: None,
            max_attachment_size: None,
            allow_simple_device_password: true,
            device_password_expiration: None,
            device_password_history: 0,
            allow_storage_card: true,
            allow_camera: true,
            require_device_encryption: false,
            allow_unsigned_applications: true,
            allow_unsigned_installation_packages: true,
            min_device_password_complex_characters: 1,
            allow_wifi: true,
            allow_text_messaging: true,
            allow_pop_imap_email: true,
            allow_bluetooth: BluetoothPolicy::Allow,
            allow_irda: true,
            require_manual_sync_when_roaming: false,
            allow_desktop_sync: true,
            max_calendar_age_filter: CalendarAgeFilter::All,
            allow_html_email: true,
            max_email_age_filter: EmailAgeFilter::All,
            max_email_body_truncation_size: None,
            max_email_html_body_truncation_size: None,
            require_signed_smime_messages: false,
            require_encrypted_smime_messages: false,
            require_signed_smime_algorithm: SignedSmimeAlgorithm::Sha1,
            require_encryption_smime_algorithm: EncryptionSmimeAlgorithm::TripleDes,
            allow_smime_encryption_algorithm_negotiation: SmimeNegotiation::Any,
            allow_smime_soft_certs: true,
            allow_browser: true,
            allow_consumer_email: true,
            allow_remote_desktop: true,
            allow_internet_sharing: true,
            unapproved_in_rom_application_list: Vec::new(),
            approved_application_list: Vec::new(),
        }
    }
}

/// AllowBluetooth (MS-ASPROV 2.2.2.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BluetoothPolicy {
    Disable = 0,
    /// Disabled except for hands-free profiles.
    HandsFreeOnly = 1,
    Allow = 2,
}

/// MaxCalendarAgeFilter (MS-ASPROV 2.2.2.31).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CalendarAgeFilter {
    All = 0,
    TwoWeeks = 4,
    OneMonth = 5,
    ThreeMonths = 6,
    SixMonths = 7,
}

/// MaxEmailAgeFilter (MS-ASPROV 2.2.2.33).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailAgeFilter {
    All = 0,
    OneDay = 1,
    ThreeDays = 2,
    OneWeek = 3,
    TwoWeeks = 4,
    OneMonth = 5,
}

/// RequireSignedSMIMEAlgorithm (MS-ASPROV 2.2.2.50).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignedSmimeAlgorithm {
    Sha1 = 0,
    Md5 = 1,
}

/// RequireEncryptionSMIMEAlgorithm (MS-ASPROV 2.2.2.48).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EncryptionSmimeAlgorithm {
    TripleDes = 0,
    Des = 1,
    Rc2_128 = 2,
    Rc2_64 = 3,
    Rc2_40 = 4,
}

/// AllowSMIMEEncryptionAlgorithmNegotiation (MS-ASPROV 2.2.2.13).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SmimeNegotiation {
    None = 0,
    StrongOnly = 1,
    Any = 2,
}

/// A policy value outside the range the spec allows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("policy {field} = {value} is out of range ({allowed})")]
pub struct PolicyRangeError {
    pub field: &'static str,
    pub value: u32,
    pub allowed: &'static str,
}

impl PolicySettings {
    /// Checks the ranges the spec gives (for the configuration loader).
    pub fn validate(&self) -> Result<(), PolicyRangeError> {
        let checks = [
            (
                "min_device_password_length",
                self.min_device_password_length.map(u32::from),
                1..=16,
                "1-16",
            ),
            (
                "max_device_password_failed_attempts",
                self.max_device_password_failed_attempts.map(u32::from),
                4..=16,
                "4-16",
            ),
            (
                "min_device_password_complex_characters",
                Some(u32::from(self.min_device_password_complex_characters)),
                1..=4,
                "1-4",
            ),
        ];
        for (field, value, range, allowed) in checks {
            if let Some(value) = value
                && !range.contains(&value)
            {
                return Err(PolicyRangeError {
                    field,
                    value,
                    allowed,
                });
            }
        }
        Ok(())
    }

    /// The `EASProvisionDoc` element for a device of `version`, elements in the order of
    /// `ProvisionResponse.xsd`. 12.0 gets only the policies it knows (MS-ASWBXML 2.1.2.1.15).
    pub fn to_element(&self, version: ProtocolVersion) -> Element {
        let extended = version.supports_extended_policies();
        let mut doc = Element::new(p::EAS_PROVISION_DOC);
        let flag = |doc: &mut Element, tag: Tag, value: bool| {
            doc.push(Element::with_text(tag, bool_text(value)));
        };
        flag(
            &mut doc,
            p::DEVICE_PASSWORD_ENABLED,
            self.device_password_enabled,
        );
        flag(
            &mut doc,
            p::ALPHANUMERIC_DEVICE_PASSWORD_REQUIRED,
            self.alphanumeric_device_password_required,
        );
        flag(
            &mut doc,
            p::PASSWORD_RECOVERY_ENABLED,
            self.password_recovery_enabled,
        );
        if extended {
            flag(
                &mut doc,
                p::REQUIRE_STORAGE_CARD_ENCRYPTION,
                self.require_storage_card_encryption,
            );
        }
        flag(&mut doc, p::ATTACHMENTS_ENABLED, self.attachments_enabled);
        // unsignedByteOrEmpty / unsignedIntOrEmpty: empty means "not set".
        doc.push(or_empty(
            p::MIN_DEVICE_PASSWORD_LENGTH,
            self.min_device_password_length,
        ));
        doc.push(or_empty(
            p::MAX_INACTIVITY_TIME_DEVICE_LOCK,
            self.max_inactivity_time_device_lock,
        ));
        doc.push(or_empty(
            p::MAX_DEVICE_PASSWORD_FAILED_ATTEMPTS,
            self.max_device_password_failed_attempts,
        ));
        doc.push(or_empty(p::MAX_ATTACHMENT_SIZE, self.max_attachment_size));
        flag(
            &mut doc,
            p::ALLOW_SIMPLE_DEVICE_PASSWORD,
            self.allow_simple_device_password,
        );
        doc.push(or_empty(
            p::DEVICE_PASSWORD_EXPIRATION,
            self.device_password_expiration,
        ));
        doc.push(number(
            p::DEVICE_PASSWORD_HISTORY,
            self.device_password_history,
        ));
        if !extended {
            return doc;
        }
        flag(&mut doc, p::ALLOW_STORAGE_CARD, self.allow_storage_card);
        flag(&mut doc, p::ALLOW_CAMERA, self.allow_camera);
        flag(
            &mut doc,
            p::REQUIRE_DEVICE_ENCRYPTION,
            self.require_device_encryption,
        );
        flag(
            &mut doc,
            p::ALLOW_UNSIGNED_APPLICATIONS,
            self.allow_unsigned_applications,
        );
        flag(
            &mut doc,
            p::ALLOW_UNSIGNED_INSTALLATION_PACKAGES,
            self.allow_unsigned_installation_packages,
        );
        doc.push(number(
            p::MIN_DEVICE_PASSWORD_COMPLEX_CHARACTERS,
            self.min_device_password_complex_characters,
        ));
        flag(&mut doc, p::ALLOW_WI_FI, self.allow_wifi);
        flag(&mut doc, p::ALLOW_TEXT_MESSAGING, self.allow_text_messaging);
        flag(&mut doc, p::ALLOW_POPIMAP_EMAIL, self.allow_pop_imap_email);
        doc.push(number(p::ALLOW_BLUETOOTH, self.allow_bluetooth as u8));
        flag(&mut doc, p::ALLOW_IR_DA, self.allow_irda);
        flag(
            &mut doc,
            p::REQUIRE_MANUAL_SYNC_WHEN_ROAMING,
            self.require_manual_sync_when_roaming,
        );
        flag(&mut doc, p::ALLOW_DESKTOP_SYNC, self.allow_desktop_sync);
        doc.push(number(
            p::MAX_CALENDAR_AGE_FILTER,
            self.max_calendar_age_filter as u8,
        ));
        flag(&mut doc, p::ALLOW_HTML_EMAIL, self.allow_html_email);
        doc.push(number(
            p::MAX_EMAIL_AGE_FILTER,
            self.max_email_age_filter as u8,
        ));
        doc.push(truncation(
            p::MAX_EMAIL_BODY_TRUNCATION_SIZE,
            self.max_email_body_truncation_size,
        ));
        doc.push(truncation(
            p::MAX_EMAIL_HTML_BODY_TRUNCATION_SIZE,
            self.max_email_html_body_truncation_size,
        ));
        flag(
            &mut doc,
            p::REQUIRE_SIGNED_SMIME_MESSAGES,
            self.require_signed_smime_messages,
        );
        flag(
            &mut doc,
            p::REQUIRE_ENCRYPTED_SMIME_MESSAGES,
            self.require_encrypted_smime_messages,
        );
        doc.push(number(
            p::REQUIRE_SIGNED_SMIME_ALGORITHM,
            self.require_signed_smime_algorithm as u8,
        ));
        doc.push(number(
            p::REQUIRE_ENCRYPTION_SMIME_ALGORITHM,
            self.require_encryption_smime_algorithm as u8,
        ));
        doc.push(number(
            p::ALLOW_SMIME_ENCRYPTION_ALGORITHM_NEGOTIATION,
            self.allow_smime_encryption_algorithm_negotiation as u8,
        ));
        flag(
            &mut doc,
            p::ALLOW_SMIME_SOFT_CERTS,
            self.allow_smime_soft_certs,
        );
        flag(&mut doc, p::ALLOW_BROWSER, self.allow_browser);
        flag(&mut doc, p::ALLOW_CONSUMER_EMAIL, self.allow_consumer_email);
        flag(&mut doc, p::ALLOW_REMOTE_DESKTOP, self.allow_remote_desktop);
        flag(
            &mut doc,
            p::ALLOW_INTERNET_SHARING,
            self.allow_internet_sharing,
        );
        doc.push(list(
            p::UNAPPROVED_IN_ROM_APPLICATION_LIST,
            p::APPLICATION_NAME,
            &self.unapproved_in_rom_application_list,
        ));
        doc.push(list(
            p::APPROVED_APPLICATION_LIST,
            p::HASH,
            &self.approved_application_list,
        ));
        doc
    }
}

fn number(tag: Tag, value: impl ToString) -> Element {
    Element::with_text(tag, value.to_string())
}

fn or_empty(tag: Tag, value: Option<impl ToString>) -> Element {
    match value {
        Some(v) => number(tag, v),
        None => Element::new(tag),
    }
}

/// -1: no truncation (MS-ASPROV 2.2.2.34).
fn truncation(tag: Tag, value: Option<u32>) -> Element {
    match value {
        Some(v) => number(tag, v),
        None => number(tag, -1),
    }
}

fn list(tag: Tag, item: Tag, values: &[String]) -> Element {
    let mut el = Element::new(tag);
    for v in values {
        el.push(Element::with_text(item, v.as_str()));
    }
    el
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_policy_requires_nothing() {
        let doc = PolicySettings::default().to_element(ProtocolVersion::V16_1);
        assert_eq!(
            doc.child_text(p::DEVICE_PASSWORD_ENABLED).as_deref(),
            Some("0")
        );
        assert_eq!(
            doc.child_text(p::REQUIRE_DEVICE_ENCRYPTION).as_deref(),
            Some("0")
        );
        assert_eq!(doc.child_text(p::ATTACHMENTS_ENABLED).as_deref(), Some("1"));
        assert_eq!(doc.child_text(p::ALLOW_BLUETOOTH).as_deref(), Some("2"));
        assert_eq!(
            doc.child_text(p::MAX_EMAIL_BODY_TRUNCATION_SIZE).as_deref(),
            Some("-1")
        );
        assert!(
            doc.find(p::MAX_ATTACHMENT_SIZE)
                .is_some_and(Element::is_empty)
        );
        assert!(
            doc.find(p::APPROVED_APPLICATION_LIST)
                .is_some_and(Element::is_empty)
        );
        assert_eq!(PolicySettings::default().validate(), Ok(()));
    }

    #[test]
    fn every_element_of_the_provision_doc_is_sent_to_12_1_and_later() {
        let doc = PolicySettings::default().to_element(ProtocolVersion::V12_1);
        assert_eq!(doc.elements().count(), 42);
    }

    #[test]
    fn version_12_0_gets_only_the_policies_it_knows() {
        let doc = PolicySettings::default().to_element(ProtocolVersion::V12_0);
        let names: Vec<&str> = doc.elements().map(|e| e.tag.name()).collect();
        assert_eq!(
            names,
            [
                "DevicePasswordEnabled",
                "AlphanumericDevicePasswordRequired",
                "PasswordRecoveryEnabled",
                "AttachmentsEnabled",
                "MinDevicePasswordLength",
                "MaxInactivityTimeDeviceLock",
                "MaxDevicePasswordFailedAttempts",
                "MaxAttachmentSize",
                "AllowSimpleDevicePassword",
                "DevicePasswordExpiration",
                "DevicePasswordHistory",
            ]
        );
    }

    #[test]
    fn set_limits_are_sent_as_numbers_and_lists_as_items() {
        let policy = PolicySettings {
            device_password_enabled: true,
            min_device_password_length: Some(6),
            max_attachment_size: Some(10_485_760),
            max_email_body_truncation_size: Some(0),
            allow_bluetooth: BluetoothPolicy::HandsFreeOnly,
            max_calendar_age_filter: CalendarAgeFilter::SixMonths,
            approved_application_list: vec!["a1b2".into(), "c3d4".into()],
            ..PolicySettings::default()
        };
        let doc = policy.to_element(ProtocolVersion::V14_1);
        assert_eq!(
            doc.child_text(p::DEVICE_PASSWORD_ENABLED).as_deref(),
            Some("1")
        );
        assert_eq!(
            doc.child_text(p::MIN_DEVICE_PASSWORD_LENGTH).as_deref(),
            Some("6")
        );
        assert_eq!(
            doc.child_text(p::MAX_ATTACHMENT_SIZE).as_deref(),
            Some("10485760")
        );
        assert_eq!(
            doc.child_text(p::MAX_EMAIL_BODY_TRUNCATION_SIZE).as_deref(),
            Some("0")
        );
        assert_eq!(doc.child_text(p::ALLOW_BLUETOOTH).as_deref(), Some("1"));
        assert_eq!(
            doc.child_text(p::MAX_CALENDAR_AGE_FILTER).as_deref(),
            Some("7")
        );
        let hashes = doc.find(p::APPROVED_APPLICATION_LIST).expect("list");
        assert_eq!(hashes.find_all(p::HASH).count(), 2);
    }

    #[test]
    fn the_configuration_can_set_some_policies_and_default_the_rest() {
        use serde::de::value::{Error, MapDeserializer};
        let empty = MapDeserializer::<_, Error>::new(std::iter::empty::<(&str, bool)>());
        assert_eq!(
            PolicySettings::deserialize(empty),
            Ok(PolicySettings::default())
        );
        let some = MapDeserializer::<_, Error>::new(
            [("device_password_enabled", true), ("allow_camera", false)].into_iter(),
        );
        let policy = PolicySettings::deserialize(some).expect("deserializes");
        assert!(policy.device_password_enabled && !policy.allow_camera);
        assert!(policy.allow_wifi);
        let typo = MapDeserializer::<_, Error>::new([("allow_kamera", false)].into_iter());
        assert!(PolicySettings::deserialize(typo).is_err());
    }

    #[test]
    fn out_of_range_limits_are_reported() {
        let policy = PolicySettings {
            max_device_password_failed_attempts: Some(3),
            ..PolicySettings::default()
        };
        assert_eq!(
            policy.validate(),
            Err(PolicyRangeError {
                field: "max_device_password_failed_attempts",
                value: 3,
                allowed: "4-16"
            })
        );
    }
}
