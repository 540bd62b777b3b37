//! Requests as they arrive: WBXML bytes (or their XML form) decoded and read into types.

use eas::oof::{OofBodyType, OofRequest};
use eas::provision::{ClientPolicyStatus, ProvisionPhase, ProvisionRequest, WipeKind, WipeResult};
use eas::{DeviceInformation, FolderSyncRequest, PolicyKey, PolicyType, SettingsRequest};

fn decode_xml(xml: &str) -> wbxml::Element {
    let tree = wbxml::from_xml(xml).expect("valid XML form");
    // Through the wire format too, as the gateway will see it.
    wbxml::decode(&wbxml::encode(&tree)).expect("decodes")
}

#[test]
fn an_ios_style_initial_provision_with_device_information_is_read() {
    let tree = decode_xml(
        r#"<?xml version="1.0" encoding="utf-8"?>
<Provision xmlns="Provision">
  <DeviceInformation xmlns="Settings">
    <Set>
      <Model>iPhone</Model>
      <IMEI>356938035643809</IMEI>
      <FriendlyName>Jo's iPhone</FriendlyName>
      <OS>iOS 17.4 21E219</OS>
      <OSLanguage>en</OSLanguage>
      <PhoneNumber>+15551234</PhoneNumber>
      <UserAgent>Apple-iPhone15C2/2104.20</UserAgent>
      <EnableOutboundSMS>0</EnableOutboundSMS>
      <MobileOperator>Carrier</MobileOperator>
    </Set>
  </DeviceInformation>
  <Policies>
    <Policy>
      <PolicyType>MS-EAS-Provisioning-WBXML</PolicyType>
    </Policy>
  </Policies>
</Provision>"#,
    );
    let req = ProvisionRequest::from_element(&tree).expect("parses");
    assert_eq!(
        req.phase,
        ProvisionPhase::Initial {
            policy_type: PolicyType::EasProvisioningWbxml
        }
    );
    let info = req.device_information.expect("device information");
    assert_eq!(info.model.as_deref(), Some("iPhone"));
    assert_eq!(info.enable_outbound_sms, Some(false));
    assert_eq!(info.mobile_operator.as_deref(), Some("Carrier"));
}

#[test]
fn a_provision_acknowledgement_is_read() {
    let tree = decode_xml(
        r#"<Provision xmlns="Provision"><Policies><Policy>
             <PolicyType>MS-EAS-Provisioning-WBXML</PolicyType>
             <PolicyKey>1307199584</PolicyKey>
             <Status>2</Status>
           </Policy></Policies></Provision>"#,
    );
    let req = ProvisionRequest::from_element(&tree).expect("parses");
    assert_eq!(
        req.phase,
        ProvisionPhase::Acknowledgement {
            policy_type: PolicyType::EasProvisioningWbxml,
            policy_key: PolicyKey(1_307_199_584),
            status: ClientPolicyStatus::PartiallyApplied,
        }
    );
}

#[test]
fn wipe_acknowledgements_are_read() {
    let tree = decode_xml(
        r#"<Provision xmlns="Provision"><RemoteWipe><Status>1</Status></RemoteWipe></Provision>"#,
    );
    let req = ProvisionRequest::from_element(&tree).expect("parses");
    assert_eq!(
        req.phase,
        ProvisionPhase::WipeAcknowledgement {
            kind: WipeKind::Device,
            result: WipeResult::Succeeded
        }
    );
    let tree = decode_xml(
        r#"<Provision xmlns="Provision"><AccountOnlyRemoteWipe><Status>2</Status></AccountOnlyRemoteWipe></Provision>"#,
    );
    let req = ProvisionRequest::from_element(&tree).expect("parses");
    assert_eq!(
        req.phase,
        ProvisionPhase::WipeAcknowledgement {
            kind: WipeKind::AccountOnly,
            result: WipeResult::Failed
        }
    );
}

#[test]
fn a_settings_request_as_android_sends_it_is_read() {
    let tree = decode_xml(
        r#"<Settings xmlns="Settings">
             <Oof><Get><BodyType>TEXT</BodyType></Get></Oof>
             <DeviceInformation><Set><Model>SM-G991B</Model><OS>Android 14</OS></Set></DeviceInformation>
             <UserInformation><Get/></UserInformation>
             <RightsManagementInformation><Get/></RightsManagementInformation>
           </Settings>"#,
    );
    let req = SettingsRequest::from_element(&tree).expect("parses");
    assert_eq!(
        req.oof,
        Some(OofRequest::Get {
            body_type: Some(OofBodyType::Text)
        })
    );
    assert_eq!(
        req.device_information,
        Some(DeviceInformation {
            model: Some("SM-G991B".into()),
            os: Some("Android 14".into()),
            ..Default::default()
        })
    );
    assert!(req.user_information && req.rights_management_information);
    assert_eq!(req.device_password, None);
}

#[test]
fn a_folder_sync_request_is_read() {
    let tree =
        decode_xml(r#"<FolderSync xmlns="FolderHierarchy"><SyncKey>0</SyncKey></FolderSync>"#);
    let req = FolderSyncRequest::from_element(&tree).expect("parses");
    assert!(req.sync_key.is_initial());
}

#[test]
fn typed_requests_survive_the_wire() {
    let provision = ProvisionRequest {
        device_information: Some(DeviceInformation {
            model: Some("Pixel".into()),
            ..Default::default()
        }),
        phase: ProvisionPhase::Initial {
            policy_type: PolicyType::EasProvisioningWbxml,
        },
    };
    let bytes = wbxml::encode(&provision.to_element());
    let back = ProvisionRequest::from_element(&wbxml::decode(&bytes).expect("decodes"));
    assert_eq!(back, Ok(provision));
}

#[test]
fn an_ios_style_sync_with_a_read_flag_change_is_read() {
    use eas::SyncRequest;
    use eas::sync::{ClientCommand, EmailChange, FilterType};
    let tree = decode_xml(
        r#"<Sync xmlns="AirSync"><Collections><Collection>
             <SyncKey>{3f2a}7</SyncKey><CollectionId>5</CollectionId><GetChanges>1</GetChanges><WindowSize>50</WindowSize>
             <Options><FilterType>4</FilterType><BodyPreference xmlns="AirSyncBase"><Type>2</Type><TruncationSize>500000</TruncationSize></BodyPreference><MIMESupport>0</MIMESupport></Options>
             <Commands><Change><ServerId>5:77</ServerId><ApplicationData><Read xmlns="Email">1</Read></ApplicationData></Change></Commands>
           </Collection></Collections></Sync>"#,
    );
    let req = SyncRequest::from_element(&tree).expect("parses");
    let c = &req.collections[0];
    assert!(c.wants_changes());
    assert_eq!(
        c.options_for(None).and_then(|o| o.filter_type),
        Some(FilterType::TwoWeeks)
    );
    let ClientCommand::Change {
        application_data, ..
    } = &c.commands[0]
    else {
        panic!("a Change");
    };
    let change = EmailChange::from_application_data(application_data).expect("change");
    assert_eq!(change.read, Some(true));
    assert_eq!(change.flag, None);
}

#[test]
fn mail_command_requests_survive_the_wire() {
    use eas::item_operations::{FetchOptions, FetchTarget, ItemOperation};
    use eas::move_items::MoveItem;
    use eas::{
        CollectionId, FolderCreateRequest, FolderType, ItemOperationsRequest, MoveItemsRequest,
        SyncKey,
    };
    let id = |s: &str| CollectionId::new(s).expect("id");
    let wire = |el: &wbxml::Element| wbxml::decode(&wbxml::encode(el)).expect("decodes");

    let moves = MoveItemsRequest {
        moves: vec![MoveItem {
            src_msg_id: "5:1".into(),
            src_fld_id: id("5"),
            dst_fld_id: id("9"),
        }],
    };
    assert_eq!(
        MoveItemsRequest::from_element(&wire(&moves.to_element())),
        Ok(moves)
    );

    let ops = ItemOperationsRequest {
        operations: vec![ItemOperation::Fetch {
            store: "Mailbox".into(),
            target: FetchTarget::FileReference("5%3a1%3a2".into()),
            options: FetchOptions {
                range: Some((0, 99)),
                ..FetchOptions::default()
            },
            remove_rights_management_protection: false,
        }],
    };
    assert_eq!(
        ItemOperationsRequest::from_element(&wire(&ops.to_element())),
        Ok(ops)
    );

    let create = FolderCreateRequest {
        sync_key: SyncKey::new("4").expect("key"),
        parent_id: CollectionId::root(),
        display_name: "Projects".into(),
        folder_type: FolderType::UserMail,
    };
    assert_eq!(
        FolderCreateRequest::from_element(&wire(&create.to_element())),
        Ok(create)
    );
}

/// The request documents of the codec's corpus (`crates/wbxml/tests/corpus`), which cover
/// every token of the pages they use, read as typed requests.
#[test]
fn the_codec_corpus_requests_are_read() {
    use eas::item_operations::{FetchTarget, ItemOperation};
    use eas::sync::ClientCommand;
    use eas::{
        FolderCreateRequest, GetItemEstimateRequest, ItemOperationsRequest, MoveItemsRequest,
        SyncRequest,
    };
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../wbxml/tests/corpus");
    let read = |name: &str| {
        let xml = std::fs::read_to_string(corpus.join(name)).expect("corpus file");
        decode_xml(&xml)
    };

    let sync = SyncRequest::from_element(&read("sync-request.xml")).expect("sync-request");
    assert_eq!(sync.wait, Some(15));
    assert_eq!(sync.collections.len(), 2);
    assert_eq!(sync.collections[0].commands.len(), 3);
    assert_eq!(sync.collections[1].supported.len(), 4);
    let o = sync.collections[0].options_for(None).expect("options");
    assert_eq!(o.body_part_preferences.len(), 1);
    assert!(o.rights_management_support);

    let adds = SyncRequest::from_element(&read("sync-request-add.xml")).expect("sync-request-add");
    assert!(!adds.collections[0].wants_changes());
    assert_eq!(adds.collections[0].commands.len(), 2);

    let draft =
        SyncRequest::from_element(&read("sync-request-draft.xml")).expect("sync-request-draft");
    assert!(draft.partial);
    assert!(matches!(&draft.collections[0].commands[0],
        ClientCommand::Add { class: Some(c), application_data, .. }
            if c == "Email" && application_data.find(wbxml::tags::email2::SEND).is_some()));

    let estimate = GetItemEstimateRequest::from_element(&read("getitemestimate.xml"))
        .expect("getitemestimate");
    assert_eq!(estimate.collections[0].class.as_deref(), Some("Email"));
    assert_eq!(estimate.collections[0].conversation_mode, Some(true));

    let ops = ItemOperationsRequest::from_element(&read("itemoperations-request.xml"))
        .expect("itemoperations-request");
    assert_eq!(ops.operations.len(), 5);
    assert!(matches!(&ops.operations[2],
        ItemOperation::Fetch { target: FetchTarget::LinkId(_), options, .. }
            if options.password.as_deref() == Some("s3cret <&>")));
    assert!(matches!(&ops.operations[4],
        ItemOperation::Move { conversation_id, move_always: true, .. } if conversation_id.len() == 16));

    let moves = MoveItemsRequest::from_element(&read("moveitems.xml")).expect("moveitems");
    assert_eq!(moves.moves[0].dst_fld_id.as_str(), "12");

    let create =
        FolderCreateRequest::from_element(&read("folder-commands.xml")).expect("folder-commands");
    assert_eq!(create.display_name, "Receipts 2026");
}
