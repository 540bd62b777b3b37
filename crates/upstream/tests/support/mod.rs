//! What the upstream test suites share: the stack.env of tests/stack, and the server side of
//! a scripted connection. Each suite uses part of it.
#![allow(dead_code)]

use std::collections::HashMap;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};

/// The variables of the stack.env that AIRGATE_STACK_ENV names, or None (with a note, once)
/// when it is unset: the suite's real-server tests then pass without running, unless
/// AIRGATE_REQUIRE_STACK is set.
pub fn stack_env(suite: &str, test: &str) -> Option<HashMap<String, String>> {
    let Ok(path) = std::env::var("AIRGATE_STACK_ENV") else {
        if std::env::var_os("AIRGATE_REQUIRE_STACK").is_some() {
            panic!("AIRGATE_REQUIRE_STACK is set but AIRGATE_STACK_ENV is not");
        }
        // Once, and past the harness's output capture (which also takes io::stderr()): the
        // note is for whoever runs the suite, and a passing test's output is not shown.
        static NOTE: std::sync::Once = std::sync::Once::new();
        NOTE.call_once(|| {
            use std::io::Write as _;
            if let Ok(mut err) = std::fs::OpenOptions::new().append(true).open("/dev/stderr") {
                let _ = writeln!(
                    err,
                    "note: upstream {suite} tests skipped ({test} first): set AIRGATE_STACK_ENV \
                     to the stack.env written by tests/stack/start.sh to run them"
                );
            }
        });
        return None;
    };
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    Some(
        text.lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.trim().to_string(), v.trim().trim_matches('"').to_string()))
            .collect(),
    )
}

/// The server side of one scripted connection.
pub struct Peer<S> {
    io: BufReader<S>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Peer<S> {
    pub fn new(s: S) -> Self {
        Self {
            io: BufReader::new(s),
        }
    }

    /// The stream, for STARTTLS (nothing may be buffered unread).
    pub fn into_inner(self) -> S {
        self.io.into_inner()
    }

    pub async fn send(&mut self, s: &str) {
        self.io.get_mut().write_all(s.as_bytes()).await.unwrap();
        self.io.get_mut().flush().await.unwrap();
    }

    pub async fn line(&mut self) -> String {
        let mut line = String::new();
        self.io.read_line(&mut line).await.unwrap();
        line
    }

    pub async fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut buf = vec![0; n];
        self.io.read_exact(&mut buf).await.unwrap();
        buf
    }

    /// Reads a command, checks it, returns its tag.
    pub async fn expect(&mut self, command: &str) -> String {
        let line = self.line().await;
        let (tag, rest) = line.split_once(' ').unwrap_or_else(|| panic!("{line:?}"));
        assert_eq!(rest.trim_end_matches("\r\n"), command, "{line:?}");
        tag.to_string()
    }

    /// Reads a command and answers it `OK` after `untagged`.
    pub async fn answer(&mut self, command: &str, untagged: &str) {
        let tag = self.expect(command).await;
        self.send(&format!("{untagged}{tag} OK done\r\n")).await;
    }

    /// Reads an async-imap command line and answers it OK with its tag (BYE first for
    /// LOGOUT).
    pub async fn ok_to(&mut self, command: &str) {
        let line = self.line().await;
        let (tag, rest) = line.split_once(' ').unwrap();
        assert_eq!(rest.trim_end(), command, "{line:?}");
        if command == "LOGOUT" {
            self.send("* BYE logging out\r\n").await;
        }
        self.send(&format!("{tag} OK done\r\n")).await;
    }
}

/// A scripted IMAP server on loopback: it logs the client in (AUTHENTICATE PLAIN) and
/// announces `caps` after login, then runs `script` on the connection. Returns its port.
pub async fn scripted<F, Fut>(caps: &'static str, script: F) -> (u16, tokio::task::JoinHandle<()>)
where
    F: FnOnce(Peer<tokio::net::TcpStream>) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut p = Peer::new(tcp);
        p.send("* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] fake\r\n")
            .await;
        let line = p.line().await;
        assert!(line.starts_with("ag1 AUTHENTICATE PLAIN "), "{line:?}");
        p.send(&format!("ag1 OK [CAPABILITY {caps}] Logged in\r\n"))
            .await;
        script(p).await;
    });
    (port, task)
}
