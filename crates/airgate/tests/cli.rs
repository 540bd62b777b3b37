//! The command line besides `serve`: `airgate wbxml encode|decode` and `airgate check`.

use std::process::{Command, Output};

use eas_test_client::{Stack, docs};

const AIRGATE: &str = env!("CARGO_BIN_EXE_airgate");

fn airgate(args: &[&str]) -> Output {
    Command::new(AIRGATE)
        .args(args)
        .env_remove("AIRGATE_CONFIG")
        .output()
        .expect("cannot run airgate")
}

fn describe(out: &Output) -> String {
    format!(
        "{}\n--- stdout ---\n{}--- stderr ---\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn wbxml_encode_then_decode_gives_back_the_same_xml() {
    let dir = tempfile::tempdir().unwrap();
    let xml = wbxml::xml::to_xml(&docs::settings_request());
    let xml_path = dir.path().join("settings.xml");
    std::fs::write(&xml_path, &xml).unwrap();

    let encoded = airgate(&["wbxml", "encode", xml_path.to_str().unwrap()]);
    assert!(encoded.status.success(), "encode: {}", describe(&encoded));
    assert_eq!(
        encoded.stdout,
        wbxml::encode(&docs::settings_request()),
        "encode output"
    );
    let wbxml_path = dir.path().join("settings.wbxml");
    std::fs::write(&wbxml_path, &encoded.stdout).unwrap();

    let decoded = airgate(&["wbxml", "decode", wbxml_path.to_str().unwrap()]);
    assert!(decoded.status.success(), "decode: {}", describe(&decoded));
    assert_eq!(String::from_utf8_lossy(&decoded.stdout), xml);
}

#[test]
fn wbxml_decode_of_something_else_fails() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("junk.wbxml");
    std::fs::write(&path, b"this is not WBXML").unwrap();
    let out = airgate(&["wbxml", "decode", path.to_str().unwrap()]);
    assert!(!out.status.success(), "{}", describe(&out));
}

/// `airgate check` against the stack's servers (IMAP given by the caller).
fn check(imap: &str, login: bool) -> Output {
    let stack = Stack::get();
    let state = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(AIRGATE);
    cmd.args(["check", "--state-dir"])
        .arg(state.path())
        .args(["--imap", imap, "--smtp", stack.smtp_url()])
        .args([
            "--caldav",
            stack.caldav_url(),
            "--carddav",
            stack.carddav_url(),
        ])
        .args([
            "--email-domain",
            "example.org",
            "--upstream-timeout-seconds",
            "5",
        ])
        .env_remove("AIRGATE_CONFIG");
    if login {
        cmd.args(["--user", "alice"])
            .env("AIRGATE_CHECK_PASSWORD", stack.password("alice"));
    }
    cmd.output().expect("cannot run airgate check")
}

#[test]
fn check_against_the_stack_succeeds_and_shows_the_imap_capabilities() {
    let out = check(Stack::get().imap_url(), true);
    assert!(out.status.success(), "{}", describe(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    for capability in ["CONDSTORE", "QRESYNC", "NOTIFY"] {
        assert!(
            stdout.contains(capability),
            "{capability} not shown: {}",
            describe(&out)
        );
    }
    assert!(
        stdout.contains("mail sync: QRESYNC"),
        "the change tracking in use is not named: {}",
        describe(&out)
    );
}

#[test]
fn check_with_an_unreachable_imap_server_fails_and_names_imap() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let out = check(&format!("imap://127.0.0.1:{port}"), false);
    assert!(!out.status.success(), "{}", describe(&out));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
    .to_lowercase();
    let names_imap = text.lines().any(|l| {
        l.contains("imap")
            && [
                "problem",
                "error",
                "refused",
                "cannot",
                "failed",
                "unreachable",
            ]
            .iter()
            .any(|w| l.contains(w))
    });
    assert!(
        names_imap,
        "no failure line naming IMAP: {}",
        describe(&out)
    );
}

#[tokio::test]
async fn devices_lists_a_provisioned_device_while_the_server_runs() {
    let server = eas_test_client::Airgate::start(AIRGATE, &[]);
    let device = eas_test_client::device_id("listed");
    let mut client = server.client("alice", &device);
    client.provision().await;

    let out = airgate(&[
        "devices",
        "--state-dir",
        server.state_dir().to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", describe(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let row = stdout
        .lines()
        .find(|l| l.contains(&device))
        .unwrap_or_else(|| panic!("{device} not listed: {}", describe(&out)));
    let columns: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(columns[0], "alice", "{row}");
    assert!(columns.contains(&"Test"), "the model is shown: {row}");
    assert_eq!(columns.last(), Some(&"yes"), "provisioned: {row}");
}
