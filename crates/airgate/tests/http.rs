//! The HTTP surface: OPTIONS and the headers that advertise what the server speaks.

use std::sync::OnceLock;

use eas_test_client::{Airgate, device_id};

fn airgate() -> &'static Airgate {
    static AIRGATE: OnceLock<Airgate> = OnceLock::new();
    AIRGATE.get_or_init(|| Airgate::start(env!("CARGO_BIN_EXE_airgate"), &[]))
}

#[tokio::test]
async fn options_advertises_every_supported_protocol_version() {
    let resp = airgate()
        .client("alice", &device_id("options"))
        .options()
        .await;
    resp.assert_status(200);
    assert_eq!(
        resp.header("MS-ASProtocolVersions"),
        Some("12.0,12.1,14.0,14.1,16.0,16.1"),
        "{resp:?}"
    );
}

#[tokio::test]
async fn options_lists_exactly_the_implemented_commands() {
    let resp = airgate()
        .client("alice", &device_id("options"))
        .options()
        .await;
    resp.assert_status(200);
    let commands: Vec<&str> = resp
        .header("MS-ASProtocolCommands")
        .unwrap_or_else(|| panic!("no MS-ASProtocolCommands:\n{resp:?}"))
        .split(',')
        .map(str::trim)
        .collect();
    for implemented in [
        "Settings",
        "Provision",
        "FolderSync",
        "FolderCreate",
        "FolderUpdate",
        "FolderDelete",
        "Sync",
        "GetItemEstimate",
        "ItemOperations",
        "MoveItems",
        "SendMail",
        "SmartReply",
        "SmartForward",
        "Ping",
    ] {
        assert!(
            commands.contains(&implemented),
            "{implemented} missing from {commands:?}"
        );
    }
    for missing in ["Search", "ResolveRecipients"] {
        assert!(
            !commands.contains(&missing),
            "{missing} is advertised but not implemented: {commands:?}"
        );
    }
}

#[tokio::test]
async fn options_carries_the_exchange_server_headers() {
    let resp = airgate()
        .client("alice", &device_id("options"))
        .options()
        .await;
    resp.assert_status(200);
    assert!(
        resp.header("MS-Server-ActiveSync").is_some(),
        "no MS-Server-ActiveSync:\n{resp:?}"
    );
    assert!(
        resp.header("X-AspNet-Version").is_some(),
        "no X-AspNet-Version:\n{resp:?}"
    );
}
