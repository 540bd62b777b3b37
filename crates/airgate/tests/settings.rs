//! The Settings command: DeviceInformation, UserInformation, RightsManagementInformation.

use std::sync::OnceLock;

use eas_test_client::tags::settings as s;
use eas_test_client::{Airgate, Client, Element, ElementExt, Response, device_id, docs};

fn airgate() -> &'static Airgate {
    static AIRGATE: OnceLock<Airgate> = OnceLock::new();
    AIRGATE.get_or_init(|| Airgate::start(env!("CARGO_BIN_EXE_airgate"), &[]))
}

async fn provisioned(name: &str, version: &str) -> Client {
    let mut c = airgate()
        .client("alice", &device_id(name))
        .with_version(version);
    c.provision().await;
    c
}

#[track_caller]
fn check_status(resp: &Response, path: &[eas_test_client::Tag], what: &str) {
    assert_eq!(
        resp.doc().text_at(path).as_deref(),
        Some("1"),
        "{what} Status:\n{resp:?}"
    );
}

async fn full_settings(version: &str) -> Response {
    let c = provisioned("settings", version).await;
    let resp = c.post("Settings", &docs::settings_request()).await;
    resp.assert_status(200);
    assert_eq!(resp.doc().tag, s::SETTINGS, "{resp:?}");
    check_status(&resp, &[s::STATUS], "Settings");
    check_status(
        &resp,
        &[s::DEVICE_INFORMATION, s::STATUS],
        "DeviceInformation",
    );
    check_status(&resp, &[s::USER_INFORMATION, s::STATUS], "UserInformation");
    resp
}

#[track_caller]
fn primary_address(resp: &Response) -> String {
    let path = [
        s::USER_INFORMATION,
        s::GET,
        s::ACCOUNTS,
        s::ACCOUNT,
        s::EMAIL_ADDRESSES,
        s::PRIMARY_SMTP_ADDRESS,
    ];
    resp.doc().text_at(&path).unwrap_or_else(|| {
        panic!("no Accounts/Account/EmailAddresses/PrimarySmtpAddress:\n{resp:?}")
    })
}

#[tokio::test]
async fn settings_at_16_1_answers_device_user_and_rights_management_information() {
    let resp = full_settings("16.1").await;
    assert_eq!(primary_address(&resp), "alice@example.org");
    check_status(
        &resp,
        &[s::RIGHTS_MANAGEMENT_INFORMATION, s::STATUS],
        "RightsManagementInformation",
    );
}

#[tokio::test]
async fn settings_at_14_1_answers_device_user_and_rights_management_information() {
    let resp = full_settings("14.1").await;
    assert_eq!(primary_address(&resp), "alice@example.org");
    check_status(
        &resp,
        &[s::RIGHTS_MANAGEMENT_INFORMATION, s::STATUS],
        "RightsManagementInformation",
    );
}

#[tokio::test]
async fn settings_at_14_0_gives_the_address_as_smtp_address() {
    // 14.0 has neither Accounts nor RightsManagementInformation.
    let c = provisioned("settings140", "14.0").await;
    let request = Element::new(s::SETTINGS)
        .child(docs::device_information(
            "TestModel",
            Some("TestOS 1.0"),
            "eas-test-client/0.1",
        ))
        .child(Element::new(s::USER_INFORMATION).child(Element::new(s::GET)));
    let resp = c.post("Settings", &request).await;
    resp.assert_status(200);
    check_status(&resp, &[s::STATUS], "Settings");
    check_status(&resp, &[s::USER_INFORMATION, s::STATUS], "UserInformation");
    let addresses: Vec<String> = resp
        .doc()
        .all_at(&[
            s::USER_INFORMATION,
            s::GET,
            s::EMAIL_ADDRESSES,
            s::SMTP_ADDRESS,
        ])
        .into_iter()
        .map(|e| e.text_or_empty().into_owned())
        .collect();
    assert_eq!(addresses, ["alice@example.org"], "{resp:?}");
    assert!(
        resp.doc()
            .at(&[s::USER_INFORMATION, s::GET, s::ACCOUNTS])
            .is_none(),
        "Accounts is 14.1+:\n{resp:?}"
    );
}
