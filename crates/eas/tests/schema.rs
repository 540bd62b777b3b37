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

// ---- mail commands ----------------------------------------------------------------------------

use eas::airsyncbase::{Attachment, Body, BodyPart, BodyPartStatus, BodyType};
use eas::email::{EmailItem, Flag};
use eas::sync::{ClientResponse, ServerCommand, SyncCollectionResponse, SyncResponse, SyncStatus};

fn key(k: &str) -> SyncKey {
    SyncKey::new(k).expect("key")
}

fn cid(i: &str) -> CollectionId {
    CollectionId::new(i).expect("id")
}

/// A message with every property set, including binary conversation ids and a flag with every
/// date.
fn full_email() -> EmailItem {
    EmailItem {
        to: "\"Jo Doe\" <jo@example.org>, al@example.org".into(),
        cc: "cc@example.org".into(),
        from: "\"Al\" <al@example.org>".into(),
        reply_to: "reply@example.org".into(),
        subject: "Quarterly report & <numbers>".into(),
        date_received: eas::date::format_utc(1_795_341_600),
        display_to: "Jo Doe; al@example.org".into(),
        thread_topic: "Quarterly report".into(),
        importance: 2,
        read: true,
        flag: Some(Flag {
            status: Some(Flag::ACTIVE),
            flag_type: Some("Flag for follow up".into()),
            start_date: Some("2026-11-22T00:00:00.000Z".into()),
            utc_start_date: Some("2026-11-21T23:00:00.000Z".into()),
            due_date: Some("2026-11-23T00:00:00.000Z".into()),
            utc_due_date: Some("2026-11-22T23:00:00.000Z".into()),
            date_completed: None,
            complete_time: None,
            reminder_set: Some(true),
            reminder_time: Some("2026-11-22T08:00:00.000Z".into()),
            ordinal_date: Some("2026-11-22T10:00:00.000Z".into()),
            sub_ordinal_date: Some("5555555".into()),
        }),
        message_class: "IPM.Note".into(),
        meeting_request: None,
        internet_cpid: 65001,
        content_class: Some("urn:content-classes:message".into()),
        native_body_type: Some(2),
        categories: vec!["Red".into(), "Work".into()],
        conversation_id: Some(vec![
            0x9F, 0x00, 0xFF, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xA0, 0xB0,
            0xC0, 0xD0,
        ]),
        conversation_index: Some(vec![0x01, 0xD7, 0x2A, 0x00, 0xFE]),
        last_verb_executed: Some(1),
        last_verb_execution_time: Some("2026-11-22T11:00:00.000Z".into()),
        received_as_bcc: Some(false),
        sender: Some("list@example.org".into()),
        is_draft: Some(false),
        bcc: Some("hidden@example.org".into()),
        body: Some(Body {
            body_type: BodyType::Html,
            estimated_data_size: 120_000,
            truncated: true,
            data: Some("<html><body><p>Numbers \u{2264} 5</p>".into()),
            preview: Some("Numbers \u{2264} 5".into()),
        }),
        body_part: Some(BodyPart {
            status: BodyPartStatus::Success,
            body_type: BodyType::Html,
            estimated_data_size: 300,
            truncated: false,
            data: Some("<p>part</p>".into()),
            preview: Some("part".into()),
        }),
        attachments: vec![
            Attachment {
                file_reference: "5%3a101%3a2".into(),
                display_name: "report.pdf".into(),
                method: Attachment::BY_VALUE,
                estimated_data_size: 48_213,
                content_id: None,
                content_location: None,
                is_inline: false,
            },
            Attachment {
                file_reference: "5%3a101%3a3".into(),
                display_name: "logo.png".into(),
                method: Attachment::BY_VALUE,
                estimated_data_size: 2_048,
                content_id: Some("logo@example.org".into()),
                content_location: Some("logo.png".into()),
                is_inline: true,
            },
        ],
    }
}

/// A plain message with only the properties every message has.
fn minimal_email() -> EmailItem {
    EmailItem {
        date_received: eas::date::format_utc(0),
        body: Some(Body::full(BodyType::Plain, "hi\r\n".into())),
        ..EmailItem::default()
    }
}

fn sync_with_everything(v: ProtocolVersion) -> SyncResponse {
    let mut c = SyncCollectionResponse::new(key("{6f3a}12"), cid("5"), SyncStatus::Success);
    c.more_available = true;
    c.responses = vec![
        ClientResponse::Add {
            client_id: "c-1".into(),
            server_id: Some("5:200".into()),
            status: SyncStatus::Success,
        },
        ClientResponse::Add {
            client_id: "c-2".into(),
            server_id: None,
            status: SyncStatus::ConversionError,
        },
        ClientResponse::Change {
            server_id: "5:7".into(),
            status: SyncStatus::ObjectNotFound,
        },
        ClientResponse::Delete {
            server_id: "5:8".into(),
            status: SyncStatus::ObjectNotFound,
        },
        ClientResponse::Fetch {
            server_id: "5:101".into(),
            status: SyncStatus::Success,
            application_data: Some(full_email().to_application_data(v)),
        },
        ClientResponse::Fetch {
            server_id: "5:102".into(),
            status: SyncStatus::ObjectNotFound,
            application_data: None,
        },
    ];
    c.commands = vec![
        ServerCommand::Add {
            server_id: "5:101".into(),
            application_data: full_email().to_application_data(v),
        },
        ServerCommand::Add {
            server_id: "5:103".into(),
            application_data: minimal_email().to_application_data(v),
        },
        ServerCommand::Change {
            server_id: "5:90".into(),
            application_data: full_email().to_change_data(v),
        },
        ServerCommand::Change {
            server_id: "5:91".into(),
            application_data: minimal_email().to_change_data(v),
        },
        ServerCommand::Delete {
            server_id: "5:3".into(),
        },
        ServerCommand::SoftDelete {
            server_id: "5:2".into(),
        },
    ];
    let initial = SyncCollectionResponse::new(key("1"), cid("6"), SyncStatus::Success);
    let failed = SyncCollectionResponse::new(key("0"), cid("7"), SyncStatus::InvalidSyncKey);
    SyncResponse::new(vec![c, initial, failed])
}

#[test]
fn sync_responses_with_every_command_validate_for_every_version() {
    for v in ProtocolVersion::ALL {
        assert_valid(
            &format!("Sync everything, {v}"),
            &sync_with_everything(v).to_element(v),
        );
    }
}

#[test]
fn sync_error_and_limit_responses_validate() {
    for v in ProtocolVersion::ALL {
        for status in [
            SyncStatus::ServerError,
            SyncStatus::FolderHierarchyChanged,
            SyncStatus::IncompleteRequest,
            SyncStatus::Retry,
            SyncStatus::ProtocolError,
            SyncStatus::Common(CommonStatus::InvalidPolicyKey),
        ] {
            assert_valid(
                &format!("Sync {status:?}, {v}"),
                &SyncResponse::error(status).to_element(v),
            );
        }
        assert_valid(
            &format!("Sync limit 14, {v}"),
            &SyncResponse::limit(SyncStatus::InvalidWaitOrHeartbeat, 3540).to_element(v),
        );
        assert_valid(
            &format!("Sync limit 15, {v}"),
            &SyncResponse::limit(SyncStatus::InvalidRequest, 1000).to_element(v),
        );
    }
}

#[test]
fn folder_create_update_delete_responses_validate() {
    use eas::folder_ops::{
        FolderCreateResponse, FolderDeleteResponse, FolderOpStatus, FolderUpdateResponse,
    };
    assert_valid(
        "FolderCreate success",
        &FolderCreateResponse::success(key("{a1}7"), cid("31")).to_element(),
    );
    assert_valid(
        "FolderUpdate success",
        &FolderUpdateResponse::success(key("8")).to_element(),
    );
    assert_valid(
        "FolderDelete success",
        &FolderDeleteResponse::success(key("9")).to_element(),
    );
    for status in [
        FolderOpStatus::AlreadyExists,
        FolderOpStatus::SpecialFolder,
        FolderOpStatus::NotFound,
        FolderOpStatus::ParentNotFound,
        FolderOpStatus::ServerError,
        FolderOpStatus::InvalidSyncKey,
        FolderOpStatus::BadRequest,
        FolderOpStatus::Common(CommonStatus::ServerErrorRetryLater),
    ] {
        assert_valid(
            &format!("FolderCreate {status:?}"),
            &FolderCreateResponse::error(status).to_element(),
        );
        assert_valid(
            &format!("FolderUpdate {status:?}"),
            &FolderUpdateResponse::error(status).to_element(),
        );
        assert_valid(
            &format!("FolderDelete {status:?}"),
            &FolderDeleteResponse::error(status).to_element(),
        );
    }
}

#[test]
fn move_items_responses_validate() {
    use eas::move_items::{MoveItemsResponse, MoveItemsStatus, MoveResponse};
    let resp = MoveItemsResponse::new(vec![
        MoveResponse {
            src_msg_id: "5:12".into(),
            status: MoveItemsStatus::Success,
            dst_msg_id: Some("9:40".into()),
        },
        MoveResponse {
            src_msg_id: "5:13".into(),
            status: MoveItemsStatus::InvalidSource,
            dst_msg_id: None,
        },
        MoveResponse {
            src_msg_id: "5:14".into(),
            status: MoveItemsStatus::SameFolder,
            dst_msg_id: None,
        },
        MoveResponse {
            src_msg_id: "5:15".into(),
            status: MoveItemsStatus::Locked,
            dst_msg_id: None,
        },
    ]);
    assert_valid("MoveItems mixed", &resp.to_element());
    assert_valid(
        "MoveItems global error",
        &MoveItemsResponse::error(MoveItemsStatus::Common(CommonStatus::InvalidPolicyKey))
            .to_element(),
    );
}

#[test]
fn get_item_estimate_responses_validate() {
    use eas::estimate::{EstimateResponse, EstimateStatus, GetItemEstimateResponse};
    let resp = GetItemEstimateResponse::new(vec![
        EstimateResponse {
            status: EstimateStatus::Success,
            collection_id: cid("5"),
            estimate: Some(1234),
        },
        EstimateResponse {
            status: EstimateStatus::NotPrimed,
            collection_id: cid("6"),
            estimate: None,
        },
        EstimateResponse {
            status: EstimateStatus::InvalidCollection,
            collection_id: cid("99"),
            estimate: None,
        },
        EstimateResponse {
            status: EstimateStatus::InvalidSyncKey,
            collection_id: cid("7"),
            estimate: None,
        },
    ]);
    assert_valid("GetItemEstimate mixed", &resp.to_element());
    assert_valid(
        "GetItemEstimate global error",
        &GetItemEstimateResponse::error(EstimateStatus::Common(CommonStatus::ServerError))
            .to_element(),
    );
}

#[test]
fn item_operations_responses_validate_for_every_version() {
    use eas::item_operations::{
        AttachmentData, AttachmentProperties, FetchProperties, FetchResponse, FetchTarget,
        ItemOperationsResponse, ItemOperationsStatus, OperationResponse,
    };
    for v in ProtocolVersion::ALL {
        let mut multipart_item = full_email().to_application_data(v);
        assert!(eas::item_operations::move_body_to_part(&mut multipart_item, 1).is_some());
        let item = |server_id: &str, data: wbxml::Element| {
            OperationResponse::Fetch(FetchResponse {
                status: ItemOperationsStatus::Success,
                target: Some(FetchTarget::Item {
                    collection_id: cid("5"),
                    server_id: server_id.into(),
                }),
                class: Some("Email".into()),
                properties: Some(FetchProperties::Item(data)),
            })
        };
        let resp = ItemOperationsResponse::new(vec![
            item("5:101", full_email().to_application_data(v)),
            item("5:102", multipart_item),
            OperationResponse::Fetch(FetchResponse {
                status: ItemOperationsStatus::Success,
                target: Some(FetchTarget::FileReference("5%3a101%3a2".into())),
                class: None,
                properties: Some(FetchProperties::Attachment(AttachmentProperties {
                    content_type: Some("application/pdf".into()),
                    range: None,
                    total: None,
                    data: Some(AttachmentData::inline(b"%PDF-1.7\n\xff\x00")),
                })),
            }),
            OperationResponse::Fetch(FetchResponse {
                status: ItemOperationsStatus::Success,
                target: Some(FetchTarget::FileReference("5%3a101%3a3".into())),
                class: None,
                properties: Some(FetchProperties::Attachment(AttachmentProperties {
                    content_type: Some("image/png".into()),
                    range: Some((0, 1023)),
                    total: Some(2048),
                    data: Some(AttachmentData::Part(2)),
                })),
            }),
            OperationResponse::Fetch(FetchResponse {
                status: ItemOperationsStatus::InvalidAttachment,
                target: Some(FetchTarget::FileReference("gone".into())),
                class: None,
                properties: None,
            }),
            OperationResponse::Fetch(FetchResponse {
                status: ItemOperationsStatus::ObjectNotFound,
                target: Some(FetchTarget::LongId("RgAAAAB".into())),
                class: None,
                properties: None,
            }),
            OperationResponse::Fetch(FetchResponse {
                status: ItemOperationsStatus::UnknownStore,
                target: Some(FetchTarget::LinkId("\\\\server\\share\\a.doc".into())),
                class: None,
                properties: None,
            }),
            OperationResponse::EmptyFolderContents {
                status: ItemOperationsStatus::Success,
                collection_id: cid("4"),
            },
            OperationResponse::Move {
                status: ItemOperationsStatus::Success,
                conversation_id: vec![0x9F, 0x00, 0xFF, 0x10],
            },
            OperationResponse::Move {
                status: ItemOperationsStatus::Common(
                    CommonStatus::MoveCommandInvalidDestinationFolder,
                ),
                conversation_id: b"text-id".to_vec(),
            },
        ]);
        assert_valid(
            &format!("ItemOperations everything, {v}"),
            &resp.to_element(),
        );
    }
    for status in [
        ItemOperationsStatus::ProtocolError,
        ItemOperationsStatus::ServerError,
        ItemOperationsStatus::Common(CommonStatus::InvalidPolicyKey),
    ] {
        assert_valid(
            &format!("ItemOperations {status:?}"),
            &ItemOperationsResponse::error(status).to_element(),
        );
    }
}

// ---- mail submission and drafts ---------------------------------------------------------------

use eas::airsyncbase::AttachmentReference;
use eas::compose_mail::{ComposeKind, ComposeMailResponse};
use eas::sync::ResponseData;

#[test]
fn compose_mail_failure_responses_validate() {
    for kind in ComposeKind::ALL {
        for status in [
            CommonStatus::InvalidMime,
            CommonStatus::SendQuotaExceeded,
            CommonStatus::MessageReplyNotAllowed,
            CommonStatus::MessagePreviouslySent,
            CommonStatus::MessageHasNoRecipient,
            CommonStatus::MailSubmissionFailed,
            CommonStatus::MessageReplyFailed,
            CommonStatus::ItemNotFound,
            CommonStatus::InvalidMimeBodyCombination,
        ] {
            assert_valid(
                &format!("{kind:?} status {status}"),
                &ComposeMailResponse { kind, status }.to_element(),
            );
        }
    }
}

/// The answer to a 16.x draft Add with two attachments. (A `Responses/Change` with
/// `ApplicationData`, which MS-ASCMD 2.2.3.24 lists, is not in the test suites' schema and is
/// not validated here.)
#[test]
fn a_draft_add_answer_with_attachment_references_validates_for_every_version() {
    for v in ProtocolVersion::ALL {
        let mut c = SyncCollectionResponse::new(key("5"), cid("4"), SyncStatus::Success);
        c.responses = vec![ClientResponse::AddWithData {
            client_id: "d1".into(),
            server_id: Some("4:17".into()),
            status: SyncStatus::Success,
            data: ResponseData {
                attachments: vec![
                    AttachmentReference {
                        client_id: "a1".into(),
                        file_reference: "4:17:1".into(),
                    },
                    AttachmentReference {
                        client_id: "a2".into(),
                        file_reference: "4:17:2".into(),
                    },
                ],
                conversation_id: Some(vec![0xAB; 16]),
                conversation_index: Some(vec![1, 2, 3, 4, 5]),
            },
        }];
        assert_valid(
            &format!("Sync draft Add answer, {v}"),
            &SyncResponse::new(vec![c]).to_element(v),
        );
    }
}

#[test]
fn ping_responses_validate() {
    use eas::ping::{PingResponse, PingStatus};
    let id = |s: &str| eas::CollectionId::new(s).expect("id");
    assert_valid(
        "Ping expired",
        &PingResponse::status(PingStatus::Expired).to_element(),
    );
    assert_valid(
        "Ping changed",
        &PingResponse::changed(vec![id("1"), id("12")]).to_element(),
    );
    assert_valid(
        "Ping too many folders",
        &PingResponse {
            max_folders: Some(300),
            ..PingResponse::status(PingStatus::TooManyFolders)
        }
        .to_element(),
    );
    assert_valid(
        "Ping interval out of range",
        &PingResponse {
            heartbeat_interval: Some(3540),
            ..PingResponse::status(PingStatus::HeartbeatOutOfRange)
        }
        .to_element(),
    );
    assert_valid(
        "Ping hierarchy",
        &PingResponse::status(PingStatus::FolderSyncRequired).to_element(),
    );
}
