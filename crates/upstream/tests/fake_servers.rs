//! The IMAP and SMTP clients against scripted servers on loopback: the
//! cases a real Dovecot does not show on demand (synchronizing literals,
//! temporary failures, silence, STARTTLS, certificates).
//!
//! testdata/tls holds a test CA and a server certificate it signed for
//! `localhost` and 127.0.0.1 (valid to 2126; the CA key was discarded).

mod support;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use support::Peer;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use upstream::{
    Capability, CollectionKind, Credentials, DavClient, DavEndpoint, DavError, Envelope, Failure,
    ImapClient, ImapEndpoint, ImapError, RejectedRecipient, SmtpClient, SmtpEndpoint, SmtpError,
    SubmitError, Timeouts, TlsConfig,
};

fn testdata(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/tls")
        .join(name)
}

fn acceptor() -> tokio_rustls::TlsAcceptor {
    let certs = CertificateDer::pem_file_iter(testdata("server.pem"))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(testdata("server.key")).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .unwrap();
    tokio_rustls::TlsAcceptor::from(Arc::new(config))
}

fn test_ca() -> TlsConfig {
    TlsConfig::new(Some(&testdata("ca.pem"))).unwrap()
}

fn quick() -> Timeouts {
    Timeouts {
        connect: Duration::from_secs(5),
        response: Duration::from_secs(5),
    }
}

async fn serve<F, Fut>(script: F) -> (u16, JoinHandle<()>)
where
    F: FnOnce(TcpStream) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        script(tcp).await;
    });
    (port, task)
}

fn imap_client(url: &str, tls: TlsConfig, timeouts: Timeouts) -> ImapClient {
    ImapClient::new(ImapEndpoint::parse(url).unwrap(), tls, timeouts)
}

#[tokio::test]
async fn login_with_synchronizing_literals_then_session_commands() {
    let (port, server) = serve(|tcp| async move {
        let mut p = Peer::new(tcp);
        // No LITERAL+, no AUTH=PLAIN: LOGIN with literals, one `+` each.
        p.send("* OK [CAPABILITY IMAP4rev1 IDLE] fake ready\r\n")
            .await;
        assert_eq!(p.line().await, "ag1 LOGIN {5}\r\n");
        p.send("+ go on\r\n").await;
        assert_eq!(p.bytes(5).await, "jürg".as_bytes());
        assert_eq!(p.line().await, " {10}\r\n");
        p.send("+ go on\r\n").await;
        assert_eq!(p.bytes(10).await, "p\"w\\ ü\r\nx".as_bytes());
        assert_eq!(p.line().await, "\r\n");
        p.send("* CAPABILITY IMAP4rev1 IDLE QRESYNC\r\nag1 OK Logged in\r\n")
            .await;
        // The adopted session speaks through async-imap from here on.
        p.ok_to("NOOP").await;
        p.ok_to("LOGOUT").await;
    })
    .await;
    let client = imap_client(
        &format!("imap://127.0.0.1:{port}"),
        TlsConfig::platform(),
        quick(),
    );
    let mut session = client.login("jürg", "p\"w\\ ü\r\nx").await.expect("login");
    assert!(session.capabilities().has(Capability::Qresync));
    assert!(!session.is_tls());
    session.noop().await.expect("NOOP");
    session.logout().await.expect("LOGOUT");
    server.await.unwrap();
}

#[tokio::test]
async fn authenticate_plain_waits_for_the_continuation() {
    let (port, server) = serve(|tcp| async move {
        let mut p = Peer::new(tcp);
        p.send("* OK fake ready\r\n").await;
        // No capabilities in the greeting: the client asks.
        assert_eq!(p.line().await, "ag1 CAPABILITY\r\n");
        p.send("* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\nag1 OK\r\n")
            .await;
        assert_eq!(p.line().await, "ag2 AUTHENTICATE PLAIN\r\n");
        p.send("+ \r\n").await;
        let response = p.line().await;
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(response.trim_end())
            .unwrap();
        assert_eq!(decoded, b"\0alice\0s3cr\xc3\xa9t");
        p.send("ag2 OK [CAPABILITY IMAP4rev1 MOVE UIDPLUS] Logged in\r\n")
            .await;
        p.ok_to("LOGOUT").await;
    })
    .await;
    let client = imap_client(
        &format!("imap://127.0.0.1:{port}"),
        TlsConfig::platform(),
        quick(),
    );
    let session = client.login("alice", "s3crét").await.expect("login");
    assert!(session.capabilities().has(Capability::Move));
    assert!(session.capabilities().has(Capability::Uidplus));
    session.logout().await.expect("LOGOUT");
    server.await.unwrap();
}

async fn login_answered_with(answer: &'static str) -> Result<(), ImapError> {
    let (port, server) = serve(move |tcp| async move {
        let mut p = Peer::new(tcp);
        p.send("* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] fake\r\n")
            .await;
        let line = p.line().await;
        assert!(line.starts_with("ag1 AUTHENTICATE PLAIN "), "{line:?}");
        p.send(answer).await;
        if !answer.starts_with("* BYE") {
            // Hold the connection until the client hangs up.
            let _ = p.line().await;
        }
    })
    .await;
    let client = imap_client(
        &format!("imap://127.0.0.1:{port}"),
        TlsConfig::platform(),
        quick(),
    );
    let result = client.login("alice", "pw").await.map(|_| ());
    drop(client);
    server.await.unwrap();
    result
}

#[tokio::test]
async fn no_means_authentication_failed() {
    for answer in [
        "ag1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n",
        "ag1 NO Login failed\r\n",
        "ag1 NO [EXPIRED] Password expired\r\n",
    ] {
        match login_answered_with(answer).await {
            Err(ImapError::AuthenticationFailed(text)) => assert!(answer.contains(&text), "{text}"),
            other => panic!("{answer:?}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn temporary_failures_are_unavailable() {
    for answer in [
        "ag1 NO [UNAVAILABLE] Temporary authentication failure.\r\n",
        "ag1 NO [SERVERBUG] Internal error\r\n",
        "ag1 NO [LIMIT] Too many connections\r\n",
    ] {
        match login_answered_with(answer).await {
            Err(ImapError::Unavailable {
                failure: Failure::Refused(text),
                ..
            }) => assert!(answer.contains(&text), "{text}"),
            other => panic!("{answer:?}: {other:?}"),
        }
    }
    match login_answered_with("ag1 BAD what?\r\n").await {
        Err(ImapError::Unavailable {
            failure: Failure::Protocol(_),
            ..
        }) => {}
        other => panic!("BAD: {other:?}"),
    }
    match login_answered_with("* BYE shutting down\r\n").await {
        Err(ImapError::Unavailable {
            failure: Failure::Refused(text),
            ..
        }) => assert_eq!(text, "shutting down"),
        other => panic!("BYE: {other:?}"),
    }
}

#[tokio::test]
async fn bye_greeting_is_unavailable() {
    let (port, server) = serve(|tcp| async move {
        let mut p = Peer::new(tcp);
        p.send("* BYE Too many connections from your IP\r\n").await;
    })
    .await;
    let client = imap_client(
        &format!("imap://127.0.0.1:{port}"),
        TlsConfig::platform(),
        quick(),
    );
    match client.probe().await {
        Err(ImapError::Unavailable {
            failure: Failure::Refused(text),
            ..
        }) => assert_eq!(text, "Too many connections from your IP"),
        other => panic!("{other:?}"),
    }
    server.await.unwrap();
}

#[tokio::test]
async fn silent_servers_time_out() {
    let timeouts = Timeouts {
        connect: Duration::from_millis(300),
        response: Duration::from_millis(300),
    };
    // No greeting at all.
    let (port, server) = serve(|tcp| async move {
        tokio::time::sleep(Duration::from_secs(5)).await;
        drop(tcp);
    })
    .await;
    let client = imap_client(
        &format!("imap://127.0.0.1:{port}"),
        TlsConfig::platform(),
        timeouts,
    );
    match client.login("alice", "pw").await {
        Err(ImapError::Unavailable {
            failure:
                Failure::Timeout {
                    phase: "connecting",
                    ..
                },
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
    server.abort();

    // A greeting, then no answer to the login.
    let (port, server) = serve(|tcp| async move {
        let mut p = Peer::new(tcp);
        p.send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] fake\r\n")
            .await;
        let _ = p.line().await;
        tokio::time::sleep(Duration::from_secs(5)).await;
    })
    .await;
    let client = imap_client(
        &format!("imap://127.0.0.1:{port}"),
        TlsConfig::platform(),
        timeouts,
    );
    match client.login("alice", "pw").await {
        Err(ImapError::Unavailable {
            failure:
                Failure::Timeout {
                    phase: "logging in",
                    ..
                },
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
    server.abort();
}

#[tokio::test]
async fn logindisabled_without_plain_is_unavailable() {
    let (port, server) = serve(|tcp| async move {
        let mut p = Peer::new(tcp);
        p.send("* OK [CAPABILITY IMAP4rev1 LOGINDISABLED AUTH=GSSAPI] fake\r\n")
            .await;
        let _ = p.line().await;
    })
    .await;
    let client = imap_client(
        &format!("imap://127.0.0.1:{port}?tls=none"),
        TlsConfig::platform(),
        quick(),
    );
    match client.login("alice", "pw").await {
        Err(ImapError::Unavailable {
            failure: Failure::Protocol(text),
            ..
        }) => assert!(text.contains("LOGINDISABLED"), "{text}"),
        other => panic!("{other:?}"),
    }
    drop(client);
    server.await.unwrap();
}

#[tokio::test]
async fn imaps_with_the_configured_ca() {
    for host in ["127.0.0.1", "localhost"] {
        let (port, server) = serve(|tcp| async move {
            let tls = acceptor().accept(tcp).await.unwrap();
            let mut p = Peer::new(tls);
            p.send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR IDLE] secure fake\r\n")
                .await;
            assert_eq!(p.line().await, "ag1 LOGOUT\r\n");
            p.send("* BYE\r\nag1 OK\r\n").await;
        })
        .await;
        let client = imap_client(&format!("imaps://{host}:{port}"), test_ca(), quick());
        let probe = client.probe().await.expect("probe over TLS");
        assert!(probe.tls);
        assert_eq!(probe.greeting, "secure fake");
        assert!(probe.capabilities.has(Capability::Idle));
        server.await.unwrap();
    }
}

#[tokio::test]
async fn untrusted_certificate_is_unavailable() {
    let (port, server) = serve(|tcp| async move {
        // The client aborts the handshake.
        let _ = acceptor().accept(tcp).await;
    })
    .await;
    // Only the platform roots: the test CA is unknown.
    let client = imap_client(
        &format!("imaps://127.0.0.1:{port}"),
        TlsConfig::platform(),
        quick(),
    );
    match client.login("alice", "pw").await {
        Err(ImapError::Unavailable {
            failure: f @ Failure::TlsHandshake(_),
            ..
        }) => assert!(f.to_string().contains("not signed by a trusted CA"), "{f}"),
        Err(ImapError::Unavailable {
            failure: Failure::TlsSetup(_),
            ..
        }) => {} // a machine without a CA bundle
        other => panic!("{other:?}"),
    }
    server.await.unwrap();
}

#[tokio::test]
async fn starttls_then_login_over_tls() {
    let (port, server) = serve(|tcp| async move {
        let mut p = Peer::new(tcp);
        p.send("* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] fake\r\n")
            .await;
        assert_eq!(p.line().await, "ag1 STARTTLS\r\n");
        p.send("ag1 OK Begin TLS negotiation now\r\n").await;
        let tcp = p.into_inner();
        let mut p = Peer::new(acceptor().accept(tcp).await.unwrap());
        // Capabilities are asked again over TLS; the pre-TLS ones are void.
        assert_eq!(p.line().await, "ag2 CAPABILITY\r\n");
        p.send("* CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR\r\nag2 OK\r\n")
            .await;
        // base64("\0alice\0pw")
        assert_eq!(p.line().await, "ag3 AUTHENTICATE PLAIN AGFsaWNlAHB3\r\n");
        p.send("ag3 OK [CAPABILITY IMAP4rev1 IDLE NOTIFY] Logged in\r\n")
            .await;
        p.ok_to("LOGOUT").await;
    })
    .await;
    let client = imap_client(
        &format!("imap://localhost:{port}?tls=starttls"),
        test_ca(),
        quick(),
    );
    let session = client
        .login("alice", "pw")
        .await
        .expect("login after STARTTLS");
    assert!(session.is_tls());
    assert!(session.capabilities().has(Capability::Notify));
    session.logout().await.expect("LOGOUT");
    server.await.unwrap();
}

#[tokio::test]
async fn smtp_starttls_probe_reports_the_second_ehlo() {
    let (port, server) = serve(|tcp| async move {
        let mut p = Peer::new(tcp);
        p.send("220 fake ESMTP\r\n").await;
        assert_eq!(p.line().await, "EHLO [127.0.0.1]\r\n");
        p.send("250-fake\r\n250-STARTTLS\r\n250 SIZE 1000\r\n")
            .await;
        assert_eq!(p.line().await, "STARTTLS\r\n");
        p.send("220 Ready to start TLS\r\n").await;
        let tcp = p.into_inner();
        let mut p = Peer::new(acceptor().accept(tcp).await.unwrap());
        assert_eq!(p.line().await, "EHLO [127.0.0.1]\r\n");
        p.send("250-fake\r\n250-AUTH PLAIN LOGIN\r\n250-8BITMIME\r\n250 SIZE 2000\r\n")
            .await;
        assert_eq!(p.line().await, "QUIT\r\n");
        p.send("221 bye\r\n").await;
    })
    .await;
    let endpoint = SmtpEndpoint::parse(&format!("smtp://localhost:{port}")).unwrap();
    let info = SmtpClient::new(endpoint, test_ca(), quick())
        .probe()
        .await
        .expect("probe");
    assert!(info.tls && info.starttls_offered);
    assert_eq!(info.greeting, "fake ESMTP");
    assert_eq!(info.auth_mechanisms, ["PLAIN", "LOGIN"]);
    assert_eq!(info.size_limit, Some(2000));
    assert!(info.has_extension("8bitmime"));
    server.await.unwrap();
}

#[tokio::test]
async fn smtp_data_injected_before_tls_is_refused() {
    let (port, server) = serve(|tcp| async move {
        let mut p = Peer::new(tcp);
        p.send("220 fake ESMTP\r\n").await;
        let _ = p.line().await;
        p.send("250-fake\r\n250 STARTTLS\r\n").await;
        let _ = p.line().await;
        // One write: the reply and a forged line after it.
        p.send("220 go ahead\r\n250 injected\r\n").await;
        let _ = p.line().await;
    })
    .await;
    let endpoint = SmtpEndpoint::parse(&format!("smtp://localhost:{port}")).unwrap();
    match SmtpClient::new(endpoint, test_ca(), quick()).probe().await {
        Err(SmtpError::Unavailable {
            failure: Failure::Protocol(text),
            ..
        }) => assert!(text.contains("after its STARTTLS reply"), "{text}"),
        other => panic!("{other:?}"),
    }
    server.await.unwrap();
}

#[tokio::test]
async fn smtp_refusing_greeting_is_unavailable() {
    let (port, server) = serve(|tcp| async move {
        let mut p = Peer::new(tcp);
        p.send("554 5.3.2 no service for you\r\n").await;
    })
    .await;
    let endpoint = SmtpEndpoint::parse(&format!("smtp://127.0.0.1:{port}")).unwrap();
    match SmtpClient::new(endpoint, TlsConfig::platform(), quick())
        .probe()
        .await
    {
        Err(SmtpError::Unavailable {
            failure: Failure::Refused(text),
            ..
        }) => assert!(text.starts_with("554"), "{text}"),
        other => panic!("{other:?}"),
    }
    server.await.unwrap();
}

/// Reads one HTTP request (head and Content-Length body); returns the head.
fn smtp_client(port: u16) -> SmtpClient {
    SmtpClient::new(
        SmtpEndpoint::parse(&format!("smtp://127.0.0.1:{port}")).unwrap(),
        TlsConfig::platform(),
        quick(),
    )
}

const ALICE: Credentials<'static> = Credentials {
    user: "alice",
    password: "s3cret",
};

fn envelope(rcpt: &[&str]) -> Envelope {
    Envelope {
        mail_from: "alice@example.org".into(),
        rcpt_to: rcpt.iter().map(|r| r.to_string()).collect(),
    }
}

/// Greets and answers the EHLO with `extensions` (one per line).
async fn smtp_hello<S: AsyncRead + AsyncWrite + Unpin>(p: &mut Peer<S>, extensions: &[&str]) {
    p.send("220 fake ESMTP\r\n").await;
    assert_eq!(p.line().await, "EHLO [127.0.0.1]\r\n");
    // "250-fake\r\n250-A\r\n250 B": the greeting line, then one line each.
    let lines: Vec<String> = std::iter::once("fake".to_string())
        .chain(extensions.iter().map(|e| e.to_string()))
        .collect();
    let mut text = String::new();
    for (i, l) in lines.iter().enumerate() {
        let sep = if i + 1 == lines.len() { ' ' } else { '-' };
        text.push_str(&format!("250{sep}{l}\r\n"));
    }
    p.send(&text).await;
}

/// Expects `command` and answers `reply`.
async fn smtp_step<S: AsyncRead + AsyncWrite + Unpin>(p: &mut Peer<S>, command: &str, reply: &str) {
    assert_eq!(p.line().await, format!("{command}\r\n"));
    p.send(&format!("{reply}\r\n")).await;
}

/// The DATA lines up to and without the final `.` line, as sent.
async fn smtp_data<S: AsyncRead + AsyncWrite + Unpin>(p: &mut Peer<S>) -> String {
    let mut data = String::new();
    loop {
        let line = p.line().await;
        assert!(line.ends_with("\r\n"), "{line:?}");
        if line == ".\r\n" {
            return data;
        }
        data.push_str(&line);
    }
}

#[tokio::test]
async fn smtp_message_over_the_size_limit_is_too_large_before_mail_from() {
    let (port, server) = serve(|tcp| async move {
        let mut p = Peer::new(tcp);
        smtp_hello(&mut p, &["AUTH PLAIN", "SIZE 1000"]).await;
        // No AUTH, no MAIL FROM.
        smtp_step(&mut p, "QUIT", "221 bye").await;
    })
    .await;
    let message = vec![b'x'; 2000];
    let result = smtp_client(port)
        .submit(ALICE, &envelope(&["bob@example.org"]), 2000, &message[..])
        .await;
    assert!(
        matches!(result, Err(SubmitError::TooLarge { limit: Some(1000) })),
        "{result:?}"
    );
    server.await.unwrap();
}

#[tokio::test]
async fn smtp_refused_recipient_abandons_the_transaction_before_data() {
    let (port, server) = serve(|tcp| async move {
        let mut p = Peer::new(tcp);
        smtp_hello(&mut p, &["SIZE"]).await;
        smtp_step(&mut p, "MAIL FROM:<alice@example.org> SIZE=5", "250 ok").await;
        smtp_step(&mut p, "RCPT TO:<bob@example.org>", "250 ok").await;
        smtp_step(
            &mut p,
            "RCPT TO:<nobody@example.org>",
            "550 5.1.1 no such user",
        )
        .await;
        smtp_step(&mut p, "RSET", "250 reset").await;
        smtp_step(&mut p, "QUIT", "221 bye").await;
        // No DATA, nothing more.
        assert_eq!(p.line().await, "");
    })
    .await;
    let result = smtp_client(port)
        .submit(
            ALICE,
            &envelope(&["bob@example.org", "nobody@example.org"]),
            5,
            &b"hello"[..],
        )
        .await;
    match result {
        Err(SubmitError::RecipientsRejected { rejected }) => assert_eq!(
            rejected,
            [RejectedRecipient {
                address: "nobody@example.org".into(),
                code: 550,
                text: "5.1.1 no such user".into(),
            }]
        ),
        other => panic!("{other:?}"),
    }
    server.await.unwrap();
}

#[tokio::test]
async fn smtp_451_after_the_message_is_unavailable_and_temporary() {
    let (port, server) = serve(|tcp| async move {
        let mut p = Peer::new(tcp);
        smtp_hello(&mut p, &[]).await;
        smtp_step(&mut p, "MAIL FROM:<alice@example.org>", "250 ok").await;
        smtp_step(&mut p, "RCPT TO:<bob@example.org>", "250 ok").await;
        smtp_step(&mut p, "DATA", "354 go ahead").await;
        assert_eq!(smtp_data(&mut p).await, "hello\r\n");
        p.send("451 4.3.0 try again later\r\n").await;
        smtp_step(&mut p, "QUIT", "221 bye").await;
    })
    .await;
    let result = smtp_client(port)
        .submit(ALICE, &envelope(&["bob@example.org"]), 5, &b"hello"[..])
        .await;
    let err = result.unwrap_err();
    assert!(err.is_temporary(), "{err:?}");
    match err {
        SubmitError::Unavailable {
            failure: Failure::Refused(text),
            ..
        } => assert!(text.contains("451"), "{text}"),
        other => panic!("{other:?}"),
    }
    server.await.unwrap();
}

#[tokio::test]
async fn smtp_connection_refused_is_unavailable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let result = smtp_client(port)
        .submit(ALICE, &envelope(&["bob@example.org"]), 5, &b"hello"[..])
        .await;
    match result {
        Err(
            e @ SubmitError::Unavailable {
                failure: Failure::Connect(_),
                ..
            },
        ) => assert!(e.is_temporary()),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn smtp_auth_login_when_only_login_is_offered() {
    let (port, server) = serve(|tcp| async move {
        let mut p = Peer::new(tcp);
        smtp_hello(&mut p, &["AUTH LOGIN"]).await;
        smtp_step(&mut p, "AUTH LOGIN", "334 VXNlcm5hbWU6").await;
        let b64 = base64::engine::general_purpose::STANDARD;
        assert_eq!(b64.decode(p.line().await.trim_end()).unwrap(), b"alice");
        p.send("334 UGFzc3dvcmQ6\r\n").await;
        assert_eq!(b64.decode(p.line().await.trim_end()).unwrap(), b"s3cret");
        p.send("235 2.7.0 ok\r\n").await;
        smtp_step(&mut p, "MAIL FROM:<alice@example.org>", "250 ok").await;
        smtp_step(&mut p, "RCPT TO:<bob@example.org>", "250 ok").await;
        smtp_step(&mut p, "DATA", "354 go ahead").await;
        assert_eq!(smtp_data(&mut p).await, "hello\r\n");
        p.send("250 queued\r\n").await;
        smtp_step(&mut p, "QUIT", "221 bye").await;
    })
    .await;
    smtp_client(port)
        .submit(ALICE, &envelope(&["bob@example.org"]), 5, &b"hello"[..])
        .await
        .expect("submitted");
    server.await.unwrap();
}

#[tokio::test]
async fn smtp_refused_credentials_are_auth_failed() {
    let (port, server) = serve(|tcp| async move {
        let mut p = Peer::new(tcp);
        smtp_hello(&mut p, &["AUTH LOGIN PLAIN"]).await;
        // PLAIN is preferred, with an initial response.
        let line = p.line().await;
        let b64 = line.strip_prefix("AUTH PLAIN ").expect(&line);
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(b64.trim_end())
            .unwrap();
        assert_eq!(decoded, b"\0alice\0s3cret");
        p.send("535 5.7.8 authentication failed\r\n").await;
        smtp_step(&mut p, "QUIT", "221 bye").await;
    })
    .await;
    let result = smtp_client(port)
        .submit(ALICE, &envelope(&["bob@example.org"]), 5, &b"hello"[..])
        .await;
    assert!(
        matches!(result, Err(SubmitError::AuthFailed { code: 535 })),
        "{result:?}"
    );
    server.await.unwrap();
}

#[tokio::test]
async fn smtp_message_is_dot_stuffed_with_crlf_on_the_wire() {
    let message = b"Subject: dots\n\n.starts with a dot\n..two\nmiddle . dot\r\n.\nlast";
    let (port, server) = serve(move |tcp| async move {
        let mut p = Peer::new(tcp);
        smtp_hello(&mut p, &["8BITMIME", "SIZE 100000"]).await;
        let mail = format!(
            "MAIL FROM:<alice@example.org> SIZE={} BODY=8BITMIME",
            message.len()
        );
        smtp_step(&mut p, &mail, "250 ok").await;
        smtp_step(&mut p, "RCPT TO:<bob@example.org>", "250 ok").await;
        smtp_step(&mut p, "DATA", "354 go ahead").await;
        assert_eq!(
            smtp_data(&mut p).await,
            "Subject: dots\r\n\r\n..starts with a dot\r\n...two\r\nmiddle . dot\r\n..\r\nlast\r\n"
        );
        p.send("250 queued\r\n").await;
        smtp_step(&mut p, "QUIT", "221 bye").await;
    })
    .await;
    smtp_client(port)
        .submit(
            ALICE,
            &envelope(&["bob@example.org"]),
            message.len() as u64,
            &message[..],
        )
        .await
        .expect("submitted");
    server.await.unwrap();
}

#[tokio::test]
async fn smtp_message_shorter_than_announced_is_never_finished() {
    let (port, server) = serve(|tcp| async move {
        let mut p = Peer::new(tcp);
        smtp_hello(&mut p, &[]).await;
        smtp_step(&mut p, "MAIL FROM:<alice@example.org>", "250 ok").await;
        smtp_step(&mut p, "RCPT TO:<bob@example.org>", "250 ok").await;
        smtp_step(&mut p, "DATA", "354 go ahead").await;
        // Whatever came of the message, no final dot: the connection just ends.
        loop {
            let line = p.line().await;
            assert_ne!(line, ".\r\n");
            if line.is_empty() {
                break;
            }
        }
    })
    .await;
    let result = smtp_client(port)
        .submit(ALICE, &envelope(&["bob@example.org"]), 50, &b"hello\n"[..])
        .await;
    match result {
        Err(SubmitError::Unavailable {
            failure: Failure::Protocol(text),
            ..
        }) => assert!(text.contains("ended after 6 of 50 bytes"), "{text}"),
        other => panic!("{other:?}"),
    }
    server.await.unwrap();
}

async fn read_request<S: AsyncRead + AsyncWrite + Unpin>(p: &mut Peer<S>) -> String {
    let mut head = String::new();
    loop {
        let line = p.line().await;
        if line == "\r\n" || line.is_empty() {
            break;
        }
        head.push_str(&line);
    }
    let length = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().to_string())
        })
        .map(|v| v.parse().unwrap())
        .unwrap_or(0);
    let body = p.bytes(length).await;
    assert!(
        String::from_utf8(body)
            .unwrap()
            .contains("supported-report-set")
    );
    head
}

#[tokio::test]
async fn dav_probe_over_https_with_the_configured_ca() {
    let (port, server) = serve(|tcp| async move {
        let mut p = Peer::new(acceptor().accept(tcp).await.unwrap());
        let head = read_request(&mut p).await;
        assert!(head.starts_with("PROPFIND /dav/j%C3%BCrg/ HTTP/1.1\r\n"), "{head}");
        let lower = head.to_ascii_lowercase();
        assert!(lower.contains("\r\ndepth: 1\r\n"), "{head}");
        // base64("jürg:pw")
        assert!(head.contains("authorization: Basic asO8cmc6cHc=\r\n"), "{head}");
        let body = include_str!("../testdata/radicale-home-depth1.xml").replace("/alice/", "/dav/j%C3%BCrg/");
        p.send(&format!(
            "HTTP/1.1 207 Multi-Status\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ))
        .await;
    })
    .await;
    let endpoint = DavEndpoint::parse(&format!("https://localhost:{port}/dav/{{user}}/")).unwrap();
    let client = DavClient::new(endpoint, &test_ca(), quick()).unwrap();
    let info = client.probe("jürg", "pw").await.expect("probe");
    assert_eq!(info.url.path(), "/dav/j%C3%BCrg/");
    let kinds: Vec<_> = info.collections.iter().map(|c| c.kind).collect();
    assert_eq!(
        kinds,
        [
            CollectionKind::Calendar,
            CollectionKind::AddressBook,
            CollectionKind::Calendar
        ]
    );
    server.await.unwrap();
}

#[tokio::test]
async fn dav_statuses() {
    let answers = [
        "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"x\"\r\n",
        "HTTP/1.1 301 Moved Permanently\r\nLocation: https://dav.example.org/alice/\r\n",
        "HTTP/1.1 503 Service Unavailable\r\n",
        "HTTP/1.1 404 Not Found\r\n",
        "HTTP/1.1 200 OK\r\n",
    ];
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        for answer in answers {
            let (tcp, _) = listener.accept().await.unwrap();
            let mut p = Peer::new(tcp);
            read_request(&mut p).await;
            p.send(&format!(
                "{answer}Content-Length: 0\r\nConnection: close\r\n\r\n"
            ))
            .await;
        }
    });
    let endpoint = DavEndpoint::parse(&format!("http://127.0.0.1:{port}/{{user}}/")).unwrap();
    let client = DavClient::new(endpoint, &TlsConfig::platform(), quick()).unwrap();
    let r = client.probe("alice", "pw").await;
    assert!(matches!(r, Err(DavError::AuthenticationFailed)), "{r:?}");
    let r = client.probe("alice", "pw").await;
    assert!(
        matches!(&r, Err(DavError::Redirect { location, .. }) if location == "https://dav.example.org/alice/"),
        "{r:?}"
    );
    let r = client.probe("alice", "pw").await;
    assert!(matches!(r, Err(DavError::Unavailable { .. })), "{r:?}");
    let r = client.probe("alice", "pw").await;
    assert!(
        matches!(r, Err(DavError::Status { status: 404, .. })),
        "{r:?}"
    );
    let r = client.probe("alice", "pw").await;
    assert!(
        matches!(r, Err(DavError::Status { status: 200, .. })),
        "{r:?}"
    );
    server.await.unwrap();

    // Nobody listening.
    let r = client.probe("alice", "pw").await;
    assert!(matches!(r, Err(DavError::Unavailable { .. })), "{r:?}");
}
