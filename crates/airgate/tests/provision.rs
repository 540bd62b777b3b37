//! Provisioning (MS-ASPROV) and the policy-key gate in front of every other command.

use std::sync::OnceLock;

use eas_test_client::tags::{folderhierarchy as fh, provision as p, settings as s};
use eas_test_client::{Airgate, Client, ElementExt, Response, device_id, docs};

fn airgate() -> &'static Airgate {
    static AIRGATE: OnceLock<Airgate> = OnceLock::new();
    AIRGATE.get_or_init(|| Airgate::start(env!("CARGO_BIN_EXE_airgate"), &[]))
}

fn client(name: &str, version: &str) -> Client {
    airgate()
        .client("alice", &device_id(name))
        .with_version(version)
}

/// The initial request's response: Status 1, DeviceInformation Status 1, a policy with its
/// type, Status 1, a temporary key and the provisioning document. Returns the key.
#[track_caller]
fn check_policy_offer(resp: &Response) -> String {
    let key = resp.expect_provision_ok("initial Provision");
    let doc = resp.doc();
    assert_eq!(
        doc.text_at(&[s::DEVICE_INFORMATION, s::STATUS]).as_deref(),
        Some("1"),
        "DeviceInformation Status:\n{resp:?}"
    );
    let policy = doc.at(&[p::POLICIES, p::POLICY]).unwrap();
    assert_eq!(
        policy.text_at(&[p::POLICY_TYPE]).as_deref(),
        Some(docs::POLICY_TYPE),
        "{resp:?}"
    );
    assert!(
        policy.at(&[p::DATA, p::EAS_PROVISION_DOC]).is_some(),
        "no Data/EASProvisionDoc:\n{resp:?}"
    );
    key
}

/// The acknowledgement's response: Status 1, Policy Status 1, a final key other than the
/// temporary one, no Data. Returns the final key.
#[track_caller]
fn check_final_key(resp: &Response, temporary: &str) -> String {
    let key = resp.expect_provision_ok("Provision acknowledgement");
    assert_ne!(
        key, temporary,
        "the final key must differ from the temporary one:\n{resp:?}"
    );
    let policy = resp.doc().at(&[p::POLICIES, p::POLICY]).unwrap();
    assert!(
        policy.at(&[p::DATA]).is_none(),
        "Data in the acknowledgement response:\n{resp:?}"
    );
    key
}

async fn provision_in_two_steps(version: &str) {
    let mut c = client("prov", version);
    let temp = check_policy_offer(&c.post("Provision", &docs::provision_request()).await);
    c.policy_key = Some(temp.clone());
    check_final_key(
        &c.post("Provision", &docs::provision_ack(&temp)).await,
        &temp,
    );
}

#[tokio::test]
async fn provisioning_at_16_1_offers_a_policy_then_grants_a_final_key() {
    provision_in_two_steps("16.1").await;
}

#[tokio::test]
async fn provisioning_at_14_1_offers_a_policy_then_grants_a_final_key() {
    provision_in_two_steps("14.1").await;
}

#[tokio::test]
async fn an_acknowledgement_with_the_key_only_in_the_query_is_accepted() {
    // pyactivesync sends the temporary key as &PolicyKey= and no X-MS-PolicyKey header.
    let c = client("ackquery", "16.1");
    let temp = check_policy_offer(&c.post("Provision", &docs::provision_request()).await);
    let resp = c
        .post_with(
            "Provision",
            &docs::provision_ack(&temp),
            &[("PolicyKey", &temp)],
        )
        .await;
    let key = check_final_key(&resp, &temp);
    let c = c.with_policy_key(&key);
    settings_passes(&c).await;
}

async fn provision_with_base64_queries(version: &str) {
    let mut c = client("b64prov", version);
    let temp = check_policy_offer(&c.post_base64("Provision", &docs::provision_request()).await);
    c.policy_key = Some(temp.clone());
    let key = check_final_key(
        &c.post_base64("Provision", &docs::provision_ack(&temp))
            .await,
        &temp,
    );
    c.policy_key = Some(key);
    let resp = c
        .post_base64("Settings", &docs::settings_user_information())
        .await;
    resp.assert_status(200);
    assert_eq!(
        resp.doc().text_at(&[s::STATUS]).as_deref(),
        Some("1"),
        "{resp:?}"
    );
}

#[tokio::test]
async fn provisioning_with_the_base64_query_form_works_at_14_1() {
    provision_with_base64_queries("14.1").await;
}

#[tokio::test]
async fn provisioning_with_the_base64_query_form_works_at_16_1() {
    provision_with_base64_queries("16.1").await;
}

/// Asserts a Settings request passes the gate and succeeds.
async fn settings_passes(c: &Client) {
    let resp = c.post("Settings", &docs::settings_user_information()).await;
    resp.assert_status(200);
    assert_eq!(
        resp.doc().text_at(&[s::STATUS]).as_deref(),
        Some("1"),
        "{resp:?}"
    );
}

/// A FolderSync that the gate answers; asserts HTTP 200 and returns the FolderSync Status.
async fn gated_folder_sync_status(c: &Client) -> String {
    let resp = c.post("FolderSync", &docs::folder_sync("0")).await;
    resp.assert_status(200);
    let doc = resp.doc();
    assert_eq!(doc.tag, fh::FOLDER_SYNC, "{resp:?}");
    doc.text_at(&[fh::STATUS])
        .unwrap_or_else(|| panic!("no Status:\n{resp:?}"))
}

#[tokio::test]
async fn a_command_without_a_policy_key_at_16_1_gets_status_142() {
    let c = client("nokey161", "16.1");
    assert_eq!(gated_folder_sync_status(&c).await, "142");
}

#[tokio::test]
async fn a_command_without_a_policy_key_at_14_1_gets_status_142() {
    let c = client("nokey141", "14.1");
    assert_eq!(gated_folder_sync_status(&c).await, "142");
}

#[tokio::test]
async fn a_command_with_a_wrong_policy_key_gets_status_144() {
    let mut c = client("wrongkey", "16.1");
    let key = c.provision().await;
    let wrong = key
        .parse::<u32>()
        .map_or("1234567".to_owned(), |k| k.wrapping_add(1).to_string());
    let c = c.with_policy_key(&wrong);
    assert_eq!(gated_folder_sync_status(&c).await, "144");
}

#[tokio::test]
async fn a_command_without_a_policy_key_at_12_1_gets_http_449() {
    let c = client("nokey121", "12.1");
    let resp = c.post("FolderSync", &docs::folder_sync("0")).await;
    resp.assert_status(449);
}

#[tokio::test]
async fn a_command_with_the_final_policy_key_passes_the_gate() {
    let mut c = client("finalkey", "16.1");
    c.provision().await;
    settings_passes(&c).await;
}

#[tokio::test]
async fn without_required_provisioning_commands_need_no_policy_key() {
    let airgate = Airgate::start(
        env!("CARGO_BIN_EXE_airgate"),
        &["--provision-required", "false"],
    );
    let c = airgate.client("alice", &device_id("noprov"));
    settings_passes(&c).await;
}

// Negative cases after Microsoft's MS-ASPROV S03 and MS-ASCMD S12 test cases.

#[tokio::test]
async fn a_provision_request_without_a_policy_type_is_status_2() {
    let c = client("nopolicytype", "16.1");
    let doc = wbxml::Element::new(p::PROVISION)
        .child(wbxml::Element::new(p::POLICIES).child(wbxml::Element::new(p::POLICY)));
    let resp = c.post("Provision", &doc).await;
    resp.assert_status(200);
    assert_eq!(
        resp.doc().text_at(&[p::STATUS]).as_deref(),
        Some("2"),
        "{resp:?}"
    );
}

#[tokio::test]
async fn an_unknown_policy_type_is_policy_status_3() {
    let c = client("unknownpolicytype", "16.1");
    let policy = wbxml::Element::new(p::POLICY).text_child(p::POLICY_TYPE, "MS-Unknown-Policy");
    let doc =
        wbxml::Element::new(p::PROVISION).child(wbxml::Element::new(p::POLICIES).child(policy));
    let resp = c.post("Provision", &doc).await;
    resp.assert_status(200);
    assert_eq!(
        resp.doc()
            .text_at(&[p::POLICIES, p::POLICY, p::STATUS])
            .as_deref(),
        Some("3"),
        "{resp:?}"
    );
}

#[tokio::test]
async fn acknowledging_a_key_that_was_not_offered_is_policy_status_5() {
    let c = client("wrongack", "16.1");
    let temp = c
        .post("Provision", &docs::provision_request())
        .await
        .expect_provision_ok("initial");
    let wrong = (temp.parse::<u32>().unwrap() ^ 1).to_string();
    let resp = c.post("Provision", &docs::provision_ack(&wrong)).await;
    resp.assert_status(200);
    let policy = resp.doc().at(&[p::POLICIES, p::POLICY]).unwrap();
    assert_eq!(
        policy.text_at(&[p::STATUS]).as_deref(),
        Some("5"),
        "{resp:?}"
    );
    assert!(
        policy.at(&[p::POLICY_KEY]).is_none(),
        "no key for a wrong acknowledgement: {resp:?}"
    );
}

#[tokio::test]
async fn a_repeated_acknowledgement_gets_the_same_final_key() {
    let c = client("ackretry", "16.1");
    let temp = c
        .post("Provision", &docs::provision_request())
        .await
        .expect_provision_ok("initial");
    let first = c
        .post("Provision", &docs::provision_ack(&temp))
        .await
        .expect_provision_ok("ack");
    let again = c
        .post("Provision", &docs::provision_ack(&temp))
        .await
        .expect_provision_ok("ack again");
    assert_eq!(first, again);
}
