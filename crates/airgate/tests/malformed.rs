//! Requests no device should send: each gets a 4xx/5xx answer, and the server stays up.

use std::sync::OnceLock;

use eas_test_client::{Airgate, Client, Element, device_id, docs};

const MAX_REQUEST_BYTES: usize = 1000;

fn airgate() -> &'static Airgate {
    static AIRGATE: OnceLock<Airgate> = OnceLock::new();
    AIRGATE.get_or_init(|| {
        Airgate::start(
            env!("CARGO_BIN_EXE_airgate"),
            &["--max-request-bytes", &MAX_REQUEST_BYTES.to_string()],
        )
    })
}

fn client(name: &str) -> Client {
    airgate().client("alice", &device_id(name))
}

async fn provisioned(name: &str) -> Client {
    let mut c = client(name);
    c.provision().await;
    c
}

/// After a bad request the server still answers a good one.
async fn assert_still_up() {
    client("stillup").options().await.assert_status(200);
}

/// Posts `body` as a Settings command with the client's usual query and headers.
async fn post_settings_body(c: &Client, body: Vec<u8>) -> eas_test_client::Response {
    let headers = c.eas_headers();
    let headers: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    c.post_raw(&c.plain_query("Settings"), &headers, body).await
}

#[tokio::test]
async fn a_body_that_is_not_wbxml_is_400() {
    let c = provisioned("notwbxml").await;
    let resp = post_settings_body(&c, b"<Settings xmlns=\"Settings\"/>".to_vec()).await;
    resp.assert_status(400);
    assert_still_up().await;
}

#[tokio::test]
async fn a_truncated_wbxml_document_is_400() {
    let c = provisioned("truncated").await;
    let mut body = wbxml::encode(&docs::settings_request());
    body.truncate(body.len() / 2);
    let resp = post_settings_body(&c, body).await;
    resp.assert_status(400);
    assert_still_up().await;
}

#[tokio::test]
async fn a_body_over_the_size_limit_is_413() {
    let c = provisioned("toolarge").await;
    let mut body = wbxml::encode(&docs::settings_request());
    body.resize(MAX_REQUEST_BYTES * 3, 0);
    let req = c.raw_request(
        eas_test_client::reqwest::Method::POST,
        &c.plain_query("Settings"),
        &[
            ("MS-ASProtocolVersion", &c.version),
            ("Content-Type", "application/vnd.ms-sync.wbxml"),
            ("X-MS-PolicyKey", c.policy_key.as_deref().unwrap()),
        ],
        body,
    );
    let resp = c
        .try_send(req)
        .await
        .unwrap_or_else(|e| panic!("the server should answer 413, not drop the connection: {e:?}"));
    resp.assert_status(413);
    assert_still_up().await;
}

#[tokio::test]
async fn an_unknown_command_is_400() {
    let c = client("unknowncmd");
    let resp = post_settings_query(&c, &c.plain_query("Frobnicate")).await;
    resp.assert_status(400);
    assert_still_up().await;
}

#[tokio::test]
async fn a_known_but_unimplemented_command_is_501() {
    let c = provisioned("notimpl").await;
    // ResolveRecipients is a command EAS knows and airgate does not implement (yet).
    let doc = Element::new(wbxml::tags::resolverecipients::RESOLVE_RECIPIENTS)
        .text_child(wbxml::tags::resolverecipients::TO, "bob@example.org");
    let resp = c.post("ResolveRecipients", &doc).await;
    resp.assert_status(501);
    assert_still_up().await;
}

/// Posts a small valid Settings body with the given query and the usual headers.
async fn post_settings_query(c: &Client, query: &str) -> eas_test_client::Response {
    let headers = c.eas_headers();
    let headers: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    c.post_raw(
        query,
        &headers,
        wbxml::encode(&docs::settings_user_information()),
    )
    .await
}

#[tokio::test]
async fn a_missing_protocol_version_header_is_400_and_lists_the_versions() {
    let c = client("noversion");
    let headers = [("Content-Type", "application/vnd.ms-sync.wbxml")];
    let resp = c
        .post_raw(
            &c.plain_query("Settings"),
            &headers,
            wbxml::encode(&docs::settings_user_information()),
        )
        .await;
    resp.assert_status(400);
    assert_eq!(
        resp.header("MS-ASProtocolVersions"),
        Some("12.0,12.1,14.0,14.1,16.0,16.1"),
        "{resp:?}"
    );
    assert_still_up().await;
}

#[tokio::test]
async fn an_unsupported_protocol_version_is_400() {
    let c = client("oldversion").with_version("2.5");
    let resp = c.post("Settings", &docs::settings_user_information()).await;
    resp.assert_status(400);
    assert_still_up().await;
}

#[tokio::test]
async fn a_missing_device_id_is_400() {
    let c = client("nodeviceid");
    let query = format!("Cmd=Settings&User=alice&DeviceType={}", c.device_type);
    let resp = post_settings_query(&c, &query).await;
    resp.assert_status(400);
    assert_still_up().await;
}

#[tokio::test]
async fn a_command_that_is_not_in_the_requested_version_is_status_138() {
    // Find exists in 16.1 only (MS-ASCMD 2.2.1.2); 14.0+ devices get common statuses in the body.
    let c = provisioned("findat141").await.with_version("14.1");
    let headers = c.eas_headers();
    let headers: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let resp = c
        .post_raw(&c.plain_query("Find"), &headers, Vec::new())
        .await;
    resp.assert_status(200);
    assert_eq!(resp.doc().tag, wbxml::tags::find::FIND, "{resp:?}");
    assert_eq!(
        resp.doc().child_text(wbxml::tags::find::STATUS).as_deref(),
        Some("138")
    );
    assert_still_up().await;
}
