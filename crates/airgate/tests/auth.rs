//! HTTP Basic authentication against the upstream IMAP server, and the lockout.
//!
//! The shared instance sees at most two failed logins (below the default delay threshold of
//! 3), so the tests do not slow each other down; the lockout test runs its own instance.

use std::sync::OnceLock;

use eas_test_client::{Airgate, device_id};

fn airgate() -> &'static Airgate {
    static AIRGATE: OnceLock<Airgate> = OnceLock::new();
    AIRGATE.get_or_init(|| Airgate::start(env!("CARGO_BIN_EXE_airgate"), &[]))
}

#[tokio::test]
async fn a_request_without_credentials_is_challenged_for_basic_auth() {
    let client = airgate()
        .client("alice", &device_id("noauth"))
        .with_credentials("alice", None);
    let resp = client.options().await;
    resp.assert_status(401);
    assert_eq!(
        resp.header("WWW-Authenticate"),
        Some("Basic realm=\"airgate\""),
        "{resp:?}"
    );
}

#[tokio::test]
async fn a_wrong_password_is_refused_with_401() {
    let client = airgate().client_with_password("alice", "not-her-password", &device_id("wrongpw"));
    let resp = client.options().await;
    resp.assert_status(401);
    assert!(resp.header("WWW-Authenticate").is_some(), "{resp:?}");
}

#[tokio::test]
async fn the_right_password_is_accepted() {
    let resp = airgate()
        .client("alice", &device_id("rightpw"))
        .options()
        .await;
    assert_ne!(resp.status, 401, "{resp:?}");
    resp.assert_status(200);
}

#[tokio::test]
async fn a_windows_domain_before_the_user_name_is_ignored() {
    let client = airgate()
        .client("alice", &device_id("domainuser"))
        .with_credentials("EXAMPLE\\alice", Some("alice-secret"));
    let resp = client.options().await;
    resp.assert_status(200);
}

#[tokio::test]
async fn repeated_failures_lock_a_user_out_but_not_an_already_verified_login() {
    let airgate = Airgate::start(
        env!("CARGO_BIN_EXE_airgate"),
        &["--auth-lockout-after-failures", "3"],
    );
    // Failures count per user and per client address, and every test comes from 127.0.0.1:
    // alice logs in first, and a verified login is remembered through a lockout.
    let alice = airgate.client("alice", &device_id("lockalice"));
    alice.options().await.assert_status(200);

    let bob_guess = airgate.client_with_password("bob", "guess", &device_id("lockbob"));
    for attempt in 1..=3 {
        let resp = bob_guess.options().await;
        assert_eq!(
            resp.status, 401,
            "wrong password, attempt {attempt}:\n{resp:?}"
        );
    }
    let bob = airgate.client("bob", &device_id("lockbob"));
    let resp = bob.options().await;
    resp.assert_status(429);
    let retry_after = resp
        .header("Retry-After")
        .unwrap_or_else(|| panic!("no Retry-After:\n{resp:?}"));
    assert!(
        retry_after.trim().parse::<u64>().is_ok(),
        "Retry-After {retry_after:?}"
    );

    alice.options().await.assert_status(200);
}
