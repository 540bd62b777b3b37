//! Every typed response, for every protocol version, validates against Microsoft's EAS
//! response schemas (conformance/ms-xsd) after a round trip through WBXML.

mod support;

use eas::folder::{Folder, FolderChanges, FolderSyncResponse, FolderSyncStatus, FolderType};
use eas::oof::{OofAudience, OofBodyType, OofMessage, OofSettings, OofState};
use eas::policy::{
    BluetoothPolicy, CalendarAgeFilter, EmailAgeFilter, EncryptionSmimeAlgorithm, PolicySettings,
    SignedSmimeAlgorithm, SmimeNegotiation,
};
use eas::provision::{
    PolicyKey, PolicyStatus, PolicyType, ProvisionResponse, ProvisionStatus, WipeKind,
};
use eas::settings::{
    Account, OofResponse, RightsManagementInformation, RightsManagementTemplate, SettingsResponse,
    SettingsStatus, UserInformation,
};
use eas::{CollectionId, Command, CommonStatus, ProtocolVersion, SyncKey, command_status_response};
use support::assert_valid;

fn strict_policy() -> PolicySettings {
    PolicySettings {
        device_password_enabled: true,
        alphanumeric_device_password_required: true,
        password_recovery_enabled: true,
        require_storage_card_encryption: true,
        attachments_enabled: false,
        min_device_password_length: Some(8),
        max_inactivity_time_device_lock: Some(300),
        max_device_password_failed_attempts: Some(8),
        max_attachment_size: Some(5_000_000),
        allow_simple_device_password: false,
        device_password_expiration: Some(90),
        device_password_history: 5,
        allow_storage_card: false,
        allow_camera: false,
        require_device_encryption: true,
        allow_unsigned_applications: false,
        allow_unsigned_installation_packages: false,
        min_device_password_complex_characters: 3,
        allow_wifi: false,
        allow_text_messaging: false,
        allow_pop_imap_email: false,
        allow_bluetooth: BluetoothPolicy::HandsFreeOnly,
        allow_irda: false,
        require_manual_sync_when_roaming: true,
        allow_desktop_sync: false,
        max_calendar_age_filter: CalendarAgeFilter::ThreeMonths,
        allow_html_email: false,
        max_email_age_filter: EmailAgeFilter::OneWeek,
        max_email_body_truncation_size: Some(4096),
        max_email_html_body_truncation_size: Some(0),
        require_signed_smime_messages: true,
        require_encrypted_smime_messages: true,
        require_signed_smime_algorithm: SignedSmimeAlgorithm::Md5,
        require_encryption_smime_algorithm: EncryptionSmimeAlgorithm::Rc2_40,
        allow_smime_encryption_algorithm_negotiation: SmimeNegotiation::StrongOnly,
        allow_smime_soft_certs: false,
        allow_browser: false,
        allow_consumer_email: false,
        allow_remote_desktop: false,
        allow_internet_sharing: false,
        unapproved_in_rom_application_list: vec!["Game.exe".into(), "Chat.exe".into()],
        approved_application_list: vec!["3E2C5A1B9F0D7E6C4B8A2F1E0D9C8B7A6F5E4D3C".into()],
    }
}

#[test]
fn provision_policy_downloads_validate_for_every_version() {
    for v in ProtocolVersion::ALL {
        for (name, policy) in [
            ("default", PolicySettings::default()),
            ("strict", strict_policy()),
        ] {
            for with_info in [false, true] {
                let resp =
                    ProvisionResponse::policy(PolicyKey(3_942_919_513), policy.clone(), with_info);
                assert_valid(
                    &format!("Provision {name} policy, {v}, info={with_info}"),
                    &resp.to_element(v),
                );
            }
        }
    }
}

#[test]
fn provision_acknowledgements_and_failures_validate_for_every_version() {
    for v in ProtocolVersion::ALL {
        let cases = [
            (
                "acknowledged",
                ProvisionResponse::acknowledged(PolicyType::EasProvisioningWbxml, PolicyKey(1)),
            ),
            (
                "wrong key",
                ProvisionResponse::policy_status(
                    PolicyType::EasProvisioningWbxml,
                    PolicyStatus::WrongPolicyKey,
                    None,
                ),
            ),
            (
                "WAP policy type",
                ProvisionResponse::policy_status(
                    PolicyType::WapProvisioningXml,
                    PolicyStatus::UnknownPolicyType,
                    None,
                ),
            ),
            (
                "no policy",
                ProvisionResponse::policy_status(
                    PolicyType::EasProvisioningWbxml,
                    PolicyStatus::NoPolicy,
                    Some(PolicyKey(7)),
                ),
            ),
            (
                "protocol error",
                ProvisionResponse::status_only(ProvisionStatus::ProtocolError),
            ),
            (
                "device information required",
                ProvisionResponse::status_only(ProvisionStatus::Common(
                    CommonStatus::DeviceInformationRequired,
                )),
            ),
            (
                "remote wipe",
                ProvisionResponse::remote_wipe(WipeKind::Device),
            ),
            (
                "account-only wipe",
                ProvisionResponse::remote_wipe(WipeKind::AccountOnly),
            ),
        ];
        for (name, resp) in cases {
            assert_valid(&format!("Provision {name}, {v}"), &resp.to_element(v));
        }
    }
}

#[test]
fn a_policy_with_a_pending_wipe_validates() {
    let mut resp = ProvisionResponse::policy(PolicyKey(9), PolicySettings::default(), true);
    resp.remote_wipe = Some(WipeKind::Device);
    assert_valid(
        "Provision policy + wipe",
        &resp.to_element(ProtocolVersion::V16_1),
    );
}

fn full_settings_response() -> SettingsResponse {
    let oof = OofSettings {
        state: Some(OofState::TimeBased),
        start_time: Some("2024-03-01T08:00:00.000Z".into()),
        end_time: Some("2024-03-08T17:00:00.000Z".into()),
        messages: vec![
            OofMessage {
                audience: OofAudience::Internal,
                enabled: true,
                reply_message: Some("Back on Friday".into()),
                body_type: Some(OofBodyType::Text),
            },
            OofMessage {
                audience: OofAudience::ExternalKnown,
                enabled: true,
                reply_message: Some("<p>Away</p>".into()),
                body_type: Some(OofBodyType::Html),
            },
            OofMessage {
                audience: OofAudience::ExternalUnknown,
                enabled: false,
                reply_message: None,
                body_type: None,
            },
        ],
    };
    let mut second = Account::primary(None, "shared@example.org".into(), vec![]);
    second.account_id = Some("2".into());
    second.send_disabled = Some(true);
    SettingsResponse {
        status: SettingsStatus::Success,
        oof: Some(OofResponse {
            status: SettingsStatus::Success,
            settings: Some(oof),
        }),
        device_information: Some(SettingsStatus::Success),
        device_password: Some(SettingsStatus::Success),
        user_information: Some(UserInformation {
            status: SettingsStatus::Success,
            accounts: vec![
                Account::primary(
                    Some("Jo Doe".into()),
                    "jo@example.org".into(),
                    vec!["j.doe@example.org".into()],
                ),
                second,
            ],
        }),
        rights_management_information: Some(RightsManagementInformation {
            status: SettingsStatus::Success,
            templates: vec![RightsManagementTemplate {
                id: "cf5cf348-a8d7-40d5-91ef-a600b88a395d".into(),
                name: "Do Not Forward".into(),
                description: "Recipients can read this message".into(),
            }],
        }),
    }
}

#[test]
fn settings_responses_with_every_part_validate_for_every_version() {
    for v in ProtocolVersion::ALL {
        assert_valid(
            &format!("Settings full, {v}"),
            &full_settings_response().to_element(v),
        );
    }
}

#[test]
fn settings_responses_for_common_requests_validate() {
    for v in ProtocolVersion::ALL {
        let device_info_only = SettingsResponse {
            device_information: Some(SettingsStatus::Success),
            ..SettingsResponse::new(SettingsStatus::Success)
        };
        assert_valid(
            &format!("Settings DeviceInformation, {v}"),
            &device_info_only.to_element(v),
        );

        let no_templates = SettingsResponse {
            rights_management_information: Some(RightsManagementInformation::none()),
            user_information: Some(UserInformation {
                status: SettingsStatus::Success,
                accounts: vec![],
            }),
            ..SettingsResponse::new(SettingsStatus::Success)
        };
        assert_valid(
            &format!("Settings no templates, no accounts, {v}"),
            &no_templates.to_element(v),
        );

        let failures = SettingsResponse {
            oof: Some(OofResponse {
                status: SettingsStatus::AccessDenied,
                settings: None,
            }),
            user_information: Some(UserInformation {
                status: SettingsStatus::ServerUnavailable,
                accounts: vec![],
            }),
            rights_management_information: Some(RightsManagementInformation {
                status: SettingsStatus::Common(CommonStatus::IrmFeatureDisabled),
                templates: vec![],
            }),
            ..SettingsResponse::new(SettingsStatus::Success)
        };
        assert_valid(
            &format!("Settings part failures, {v}"),
            &failures.to_element(v),
        );

        let protocol_error = SettingsResponse::new(SettingsStatus::ProtocolError);
        assert_valid(
            &format!("Settings protocol error, {v}"),
            &protocol_error.to_element(v),
        );
    }
}

#[test]
fn folder_sync_responses_validate() {
    let folders: Vec<Folder> = FolderType::ALL
        .into_iter()
        .enumerate()
        .map(|(i, t)| Folder {
            server_id: CollectionId::new(format!("f{i}")).expect("id"),
            parent_id: if i % 3 == 0 {
                CollectionId::root()
            } else {
                CollectionId::new("f1").expect("id")
            },
            display_name: format!("Folder {i} & <friends>"),
            folder_type: t,
        })
        .collect();
    let key = SyncKey::new("{c1b1c1a0-0000-4000-8000-000000000001}1").expect("key");
    let initial = FolderSyncResponse::success(
        key.clone(),
        FolderChanges {
            adds: folders.clone(),
            ..Default::default()
        },
    );
    assert_valid("FolderSync initial", &initial.to_element());
    let mixed = FolderSyncResponse::success(
        key.clone(),
        FolderChanges {
            updates: folders[..2].to_vec(),
            deletes: vec![
                CollectionId::new("f9").expect("id"),
                CollectionId::new("f10").expect("id"),
            ],
            adds: folders[2..4].to_vec(),
        },
    );
    assert_valid("FolderSync mixed changes", &mixed.to_element());
    assert_valid(
        "FolderSync no changes",
        &FolderSyncResponse::success(key, FolderChanges::default()).to_element(),
    );
    for status in [
        FolderSyncStatus::InvalidSyncKey,
        FolderSyncStatus::ServerError,
        FolderSyncStatus::Common(CommonStatus::InvalidPolicyKey),
    ] {
        assert_valid(
            &format!("FolderSync {status:?}"),
            &FolderSyncResponse::error(status).to_element(),
        );
    }
}

#[test]
fn status_only_responses_validate_for_every_command() {
    for command in Command::ALL {
        for status in [
            CommonStatus::DeviceNotProvisioned.code(),
            CommonStatus::InvalidPolicyKey.code(),
            2,
        ] {
            if let Some(body) = command_status_response(command, status) {
                assert_valid(&format!("{command} status {status}"), &body);
            }
        }
    }
}

#[test]
fn the_schema_check_rejects_a_misordered_response() {
    if std::env::var("AIRGATE_SKIP_XMLLINT").is_ok_and(|v| v == "1") {
        return;
    }
    use wbxml::tags::provision as p;
    // Policies before Status: ProvisionResponse.xsd is a sequence, so this must fail.
    let bad = wbxml::Element::new(p::PROVISION)
        .child(wbxml::Element::new(p::POLICIES))
        .text_child(p::STATUS, "1");
    let result = std::panic::catch_unwind(|| assert_valid("misordered", &bad));
    assert!(
        result.is_err(),
        "a misordered Provision response passed schema validation"
    );
}
