//! Against the real servers of tests/stack (Dovecot, the SMTP sink,
//! Radicale). Runs when AIRGATE_STACK_ENV names the stack.env that
//! tests/stack/start.sh wrote; without it the tests pass with a note, unless
//! AIRGATE_REQUIRE_STACK is set.

mod support;

use std::collections::HashMap;
use std::time::Duration;

use upstream::imap::WANTED;
use upstream::{
    Capability, CollectionKind, Credentials, DavClient, DavEndpoint, DavError, Envelope, Failure,
    ImapClient, ImapEndpoint, ImapError, SmtpClient, SmtpEndpoint, SubmitError, Timeouts,
    TlsConfig,
};

struct Stack {
    env: HashMap<String, String>,
}

impl Stack {
    fn get(&self, key: &str) -> &str {
        self.env
            .get(key)
            .unwrap_or_else(|| panic!("{key} missing from the stack.env"))
    }
}

fn stack(test: &str) -> Option<Stack> {
    support::stack_env("real_stack", test).map(|env| Stack { env })
}

fn timeouts() -> Timeouts {
    Timeouts {
        connect: Duration::from_secs(5),
        // Dovecot delays answers to logins from an IP with recent failures,
        // up to 15 s plus auth_failure_delay, successful logins included,
        // unless the client is in login_trusted_networks. The wrong-password
        // test below runs beside the others.
        response: Duration::from_secs(30),
    }
}

fn imap(stack: &Stack) -> ImapClient {
    let endpoint = ImapEndpoint::parse(stack.get("STACK_IMAP_URL")).unwrap();
    ImapClient::new(endpoint, TlsConfig::platform(), timeouts())
}

#[tokio::test]
async fn imap_login_and_capabilities() {
    let Some(stack) = stack("imap_login_and_capabilities") else {
        return;
    };
    let client = imap(&stack);
    let session = client
        .login("alice", "alice-secret")
        .await
        .expect("alice logs in");
    let caps = session.capabilities();
    for cap in [
        Capability::Condstore,
        Capability::Qresync,
        Capability::Idle,
        Capability::Move,
        Capability::Uidplus,
        Capability::SpecialUse,
        Capability::Notify,
    ] {
        assert!(caps.has(cap), "{cap} missing from {caps}");
    }
    assert!(caps.missing(WANTED).is_empty(), "{caps}");
    session.logout().await.expect("logout");
}

#[tokio::test]
async fn imap_every_stack_user_logs_in() {
    // STACK_USERS is "user:password ..." (tests/stack/start.sh), including
    // any STACK_EXTRA_USERS, e.g. ones with non-ASCII passwords.
    let Some(stack) = stack("imap_every_stack_user_logs_in") else {
        return;
    };
    let client = imap(&stack);
    for pair in stack.get("STACK_USERS").split_whitespace() {
        let (user, password) = pair.split_once(':').expect("user:password");
        let session = client
            .login(user, password)
            .await
            .unwrap_or_else(|e| panic!("{user}: {e}"));
        session.logout().await.expect("logout");
    }
}

#[tokio::test]
async fn imap_session_is_usable() {
    let Some(stack) = stack("imap_session_is_usable") else {
        return;
    };
    let mut session = imap(&stack)
        .login("bob", "bob-secret")
        .await
        .expect("bob logs in");
    session.noop().await.expect("NOOP on the adopted session");
    session.noop().await.expect("second NOOP");
    session.logout().await.expect("logout");
}

#[tokio::test]
async fn imap_wrong_password_is_authentication_failure() {
    let Some(stack) = stack("imap_wrong_password_is_authentication_failure") else {
        return;
    };
    let client = imap(&stack);
    // Few attempts: each failure raises Dovecot's per-IP delay (2, 6, 10,
    // 15 s). The second one also checks that quotes, backslashes, spaces,
    // line breaks and non-ASCII reach the server intact (an encoding error
    // would show as BAD, i.e. Unavailable).
    for (user, password) in [
        ("alice", "wrong"),
        (
            "nöbody",
            "with \"quotes\", \\, spaces, ü€ and a\r\nline break",
        ),
    ] {
        match client.login(user, password).await {
            Err(ImapError::AuthenticationFailed(text)) => {
                assert!(
                    !text.contains(password) || password.is_empty(),
                    "password echoed: {text}"
                );
            }
            other => panic!("{user}/{password:?}: expected AuthenticationFailed, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn imap_unreachable_port_is_unavailable() {
    let Some(_stack) = stack("imap_unreachable_port_is_unavailable") else {
        return;
    };
    // A port that was free a moment ago: bind, note, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let endpoint = ImapEndpoint::parse(&format!("imap://127.0.0.1:{port}")).unwrap();
    let client = ImapClient::new(endpoint, TlsConfig::platform(), timeouts());
    match client.login("alice", "alice-secret").await {
        Err(ImapError::Unavailable {
            failure: Failure::Connect(_),
            ..
        }) => {}
        other => panic!("expected Unavailable(Connect), got {other:?}"),
    }
}

#[tokio::test]
async fn imap_probe_before_login() {
    let Some(stack) = stack("imap_probe_before_login") else {
        return;
    };
    let probe = imap(&stack).probe().await.expect("probe");
    assert!(
        probe.capabilities.has(Capability::Imap4rev1),
        "{}",
        probe.capabilities
    );
    assert!(
        probe.capabilities.supports_auth("PLAIN"),
        "{}",
        probe.capabilities
    );
    assert!(!probe.tls, "the stack's Dovecot has no TLS");
}

#[tokio::test]
async fn imap_starttls_required_but_not_offered() {
    let Some(stack) = stack("imap_starttls_required_but_not_offered") else {
        return;
    };
    let url = format!("{}?tls=starttls", stack.get("STACK_IMAP_URL"));
    let client = ImapClient::new(
        ImapEndpoint::parse(&url).unwrap(),
        TlsConfig::platform(),
        timeouts(),
    );
    match client.login("alice", "alice-secret").await {
        Err(ImapError::Unavailable {
            failure: Failure::StartTlsNotOffered,
            ..
        }) => {}
        other => panic!("expected StartTlsNotOffered, got {other:?}"),
    }
}

fn smtp(stack: &Stack) -> SmtpClient {
    let endpoint = SmtpEndpoint::parse(stack.get("STACK_SMTP_URL")).unwrap();
    SmtpClient::new(endpoint, TlsConfig::platform(), timeouts())
}

/// up16 when the stack has it (tests/run.sh), else alice.
fn smtp_user(stack: &Stack) -> (String, String) {
    if stack
        .get("STACK_USERS")
        .split_whitespace()
        .any(|p| p == "up16:up16-secret")
    {
        ("up16".into(), "up16-secret".into())
    } else {
        ("alice".into(), "alice-secret".into())
    }
}

/// The .eml the sink stored with `token` in it, and its .json envelope with
/// runs of whitespace made one space (enough to look for fields without a
/// JSON crate).
fn stored_with(stack: &Stack, token: &str) -> (Vec<u8>, String) {
    let dir = std::path::Path::new(stack.get("STACK_SMTP_DIR"));
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "eml") {
            let eml = std::fs::read(&path).unwrap();
            if eml.windows(token.len()).any(|w| w == token.as_bytes()) {
                let json = std::fs::read_to_string(path.with_extension("json")).unwrap();
                return (eml, json.split_whitespace().collect::<Vec<_>>().join(" "));
            }
        }
    }
    panic!("no message with {token} in {}", dir.display());
}

#[tokio::test]
async fn smtp_submit_arrives_with_crlf_and_dots_as_written() {
    let Some(stack) = stack("smtp_submit_arrives_with_crlf_and_dots_as_written") else {
        return;
    };
    let (user, password) = smtp_user(&stack);
    let token = format!(
        "submit-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    // Bare LF line ends, lines starting with dots, a lone dot line, no final line end.
    let message = format!(
        "From: {user}@example.org\nTo: bob@example.org, carol@example.org\n\
         Subject: {token}\nMessage-ID: <{token}@example.org>\n\n\
         .a line starting with a dot\n..two dots\n.\nlast line"
    );
    let envelope = Envelope {
        mail_from: format!("{user}@example.org"),
        rcpt_to: vec!["bob@example.org".into(), "carol@example.org".into()],
    };
    let creds = Credentials {
        user: &user,
        password: &password,
    };
    smtp(&stack)
        .submit(creds, &envelope, message.len() as u64, message.as_bytes())
        .await
        .expect("submitted");
    let (eml, meta) = stored_with(&stack, &token);
    let expected = format!("{}\r\n", message.replace('\n', "\r\n"));
    assert_eq!(String::from_utf8(eml).unwrap(), expected);
    assert!(
        meta.contains(r#""rcpt_tos": [ "bob@example.org", "carol@example.org" ]"#),
        "{meta}"
    );
    assert!(
        meta.contains(&format!(r#""mail_from": "{user}@example.org""#)),
        "{meta}"
    );
    assert!(
        meta.contains(&format!(r#""auth_user": "{user}""#)),
        "{meta}"
    );
}

#[tokio::test]
async fn smtp_submit_with_a_wrong_password_is_auth_failed() {
    let Some(stack) = stack("smtp_submit_with_a_wrong_password_is_auth_failed") else {
        return;
    };
    let (user, _) = smtp_user(&stack);
    let envelope = Envelope {
        mail_from: format!("{user}@example.org"),
        rcpt_to: vec!["bob@example.org".into()],
    };
    let creds = Credentials {
        user: &user,
        password: "not-the-password",
    };
    let result = smtp(&stack)
        .submit(creds, &envelope, 5, &b"hello"[..])
        .await;
    match result {
        Err(e @ SubmitError::AuthFailed { .. }) => assert!(!e.is_temporary()),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn smtp_probe() {
    let Some(stack) = stack("smtp_probe") else {
        return;
    };
    let endpoint = SmtpEndpoint::parse(stack.get("STACK_SMTP_URL")).unwrap();
    let info = SmtpClient::new(endpoint, TlsConfig::platform(), timeouts())
        .probe()
        .await
        .expect("SMTP probe");
    assert!(!info.tls);
    assert!(
        info.auth_mechanisms.iter().any(|m| m == "PLAIN"),
        "{info:?}"
    );
    assert!(info.size_limit.is_some(), "{info:?}");
}

#[tokio::test]
async fn dav_probe_finds_the_collections() {
    let Some(stack) = stack("dav_probe_finds_the_collections") else {
        return;
    };
    let endpoint = DavEndpoint::parse(stack.get("STACK_CALDAV_URL")).unwrap();
    let client = DavClient::new(endpoint, &TlsConfig::platform(), timeouts()).unwrap();
    let info = client
        .probe("alice", "alice-secret")
        .await
        .expect("DAV probe");
    let find = |name: &str| {
        info.collections
            .iter()
            .find(|c| c.url.path().trim_end_matches('/').ends_with(name))
            .unwrap_or_else(|| panic!("no {name} in {:#?}", info.collections))
    };
    let calendar = find("/calendar");
    assert_eq!(calendar.kind, CollectionKind::Calendar);
    assert!(calendar.supports_component("VEVENT") && !calendar.supports_component("VTODO"));
    let tasks = find("/tasks");
    assert_eq!(tasks.kind, CollectionKind::Calendar);
    assert!(tasks.supports_component("VTODO") && !tasks.supports_component("VEVENT"));
    let contacts = find("/contacts");
    assert_eq!(contacts.kind, CollectionKind::AddressBook);
    for c in [calendar, tasks, contacts] {
        assert!(c.sync_collection, "{c:?}");
        assert!(c.sync_token.is_some(), "{c:?}");
    }
}

#[tokio::test]
async fn dav_wrong_password_is_authentication_failure() {
    let Some(stack) = stack("dav_wrong_password_is_authentication_failure") else {
        return;
    };
    let endpoint = DavEndpoint::parse(stack.get("STACK_CALDAV_URL")).unwrap();
    let client = DavClient::new(endpoint, &TlsConfig::platform(), timeouts()).unwrap();
    match client.probe("alice", "wrong").await {
        Err(DavError::AuthenticationFailed) => {}
        other => panic!("expected AuthenticationFailed, got {other:?}"),
    }
}
