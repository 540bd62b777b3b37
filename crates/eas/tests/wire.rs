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
