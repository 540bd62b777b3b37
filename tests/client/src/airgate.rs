//! A running `airgate serve` against the test stack.
//!
//! The binary runs under a small shell wrapper, in its own process group, that holds the read
//! end of a pipe whose only writer is this test process. Dropping the [`Airgate`] closes the
//! pipe; so does the test process exiting in any way, which matters for instances kept in a
//! `static` (never dropped). Either way the wrapper then stops airgate (SIGTERM, SIGKILL after
//! 5 s) and removes its state directory.
//!
//! [`Airgate::kill9`] has the wrapper send SIGKILL instead and keep the state directory, so
//! [`Airgate::restart`] can start the binary again on the same state and port: what a crash
//! and a restart by the service manager look like to devices.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::{Client, Stack};

const STARTUP_TIMEOUT: Duration = Duration::from_secs(20);
const LISTENING: &str = "airgate listening on ";

/// The wrapper: `sh -c WRAPPER airgate-wrapper STATE_DIR BINARY ARGS...`. STATE_DIR is
/// removed at the end unless it is empty. A line `kill9` on its stdin kills airgate with
/// SIGKILL and leaves the state directory; anything else (end of file) stops airgate.
const WRAPPER: &str = r#"
dir=$1; shift
"$@" </dev/null &
pid=$!
exec >/dev/null 2>&1
IFS= read -r cmd
if [ "$cmd" = kill9 ]; then
  kill -KILL "$pid" 2>/dev/null
  wait "$pid"
  exit 0
fi
cat
kill -TERM "$pid" 2>/dev/null
i=0
while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i+1)); done
kill -KILL "$pid" 2>/dev/null
wait "$pid"
[ -n "$dir" ] && rm -rf "$dir"
"#;

/// Configures and starts an airgate instance. See [`Airgate::builder`].
pub struct AirgateBuilder {
    binary: PathBuf,
    args: Vec<String>,
    upstreams: bool,
    email_domain: Option<String>,
    state_dir: Option<PathBuf>,
    listen: Option<String>,
}

impl AirgateBuilder {
    /// Uses this state directory (created if missing) instead of a new temporary one; it is
    /// left in place when the instance stops.
    pub fn state_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.state_dir = Some(dir.into());
        self
    }

    /// Listens on this address instead of `127.0.0.1:0`.
    pub fn listen(mut self, addr: &str) -> Self {
        self.listen = Some(addr.to_owned());
        self
    }

    /// Adds a flag and its value, e.g. `.flag("--provision-required", "false")`. Every
    /// configuration key is a flag named after its dotted path (`auth.cache_seconds` is
    /// `--auth-cache-seconds`).
    pub fn flag(mut self, name: &str, value: impl ToString) -> Self {
        self.args.push(name.to_owned());
        self.args.push(value.to_string());
        self
    }

    /// Adds raw arguments.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Leaves out the `--imap/--smtp/--caldav/--carddav` flags pointing at the stack (the test
    /// gives its own).
    pub fn without_stack_upstreams(mut self) -> Self {
        self.upstreams = false;
        self
    }

    /// Replaces the default `--email-domain example.org`; `None` leaves the flag out.
    pub fn email_domain(mut self, domain: Option<&str>) -> Self {
        self.email_domain = domain.map(str::to_owned);
        self
    }

    /// Starts the binary and waits (up to 20 s) for its `airgate listening on URL` line.
    pub fn start(self) -> Airgate {
        let (state, remove_state) = match self.state_dir {
            Some(dir) => {
                std::fs::create_dir_all(&dir).unwrap_or_else(|e| {
                    panic!("cannot create the state dir {}: {e}", dir.display())
                });
                (dir, false)
            }
            None => (
                tempfile::Builder::new()
                    .prefix("airgate-state-")
                    .tempdir()
                    .expect("cannot create a state dir")
                    .keep(),
                true,
            ),
        };
        let mut args: Vec<String> = vec![
            "serve".into(),
            "--listen".into(),
            self.listen.unwrap_or_else(|| "127.0.0.1:0".into()),
            "--state-dir".into(),
            state.display().to_string(),
        ];
        if self.upstreams {
            let stack = Stack::get();
            for (flag, url) in [
                ("--imap", stack.imap_url()),
                ("--smtp", stack.smtp_url()),
                ("--caldav", stack.caldav_url()),
                ("--carddav", stack.carddav_url()),
            ] {
                args.push(flag.into());
                args.push(url.into());
            }
        }
        if let Some(domain) = &self.email_domain {
            args.push("--email-domain".into());
            args.push(domain.clone());
        }
        args.extend(self.args);
        Airgate::spawn(&self.binary, state, remove_state, args)
    }
}

/// A running airgate. Stopped (and its state directory removed) on drop or when the test
/// process exits.
pub struct Airgate {
    url: String,
    state_dir: PathBuf,
    /// The state directory is ours to remove at the end.
    remove_state: bool,
    binary: PathBuf,
    args: Vec<String>,
    log: Arc<Mutex<String>>,
    stdin: Option<ChildStdin>,
    child: Child,
}

impl Airgate {
    /// An instance against the stack with the default flags, plus `extra` flags passed through
    /// (e.g. `&["--provision-required", "false"]`). `binary` is
    /// `env!("CARGO_BIN_EXE_airgate")` in the calling test.
    pub fn start(binary: impl AsRef<Path>, extra: &[&str]) -> Airgate {
        Airgate::builder(binary).args(extra.iter().copied()).start()
    }

    /// A builder for an instance: `serve --listen 127.0.0.1:0 --state-dir <temp> --imap ...
    /// --smtp ... --caldav ... --carddav ... --email-domain example.org`, then any further flags.
    pub fn builder(binary: impl AsRef<Path>) -> AirgateBuilder {
        AirgateBuilder {
            binary: binary.as_ref().to_owned(),
            args: Vec::new(),
            upstreams: true,
            email_domain: Some("example.org".into()),
            state_dir: None,
            listen: None,
        }
    }

    fn spawn(binary: &Path, state_dir: PathBuf, remove_state: bool, args: Vec<String>) -> Airgate {
        use std::os::unix::process::CommandExt;
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(WRAPPER)
            .arg("airgate-wrapper")
            .arg(if remove_state {
                state_dir.as_os_str()
            } else {
                std::ffi::OsStr::new("")
            })
            .arg(binary)
            .args(&args)
            .env_remove("AIRGATE_CONFIG")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let stdin = child.stdin.take();
        let log = Arc::new(Mutex::new(String::new()));
        let echo = std::env::var_os("AIRGATE_TEST_LOG").is_some();

        let stderr = child.stderr.take().expect("piped stderr");
        let err_log = log.clone();
        std::thread::spawn(move || pump(stderr, &err_log, echo));

        let stdout = child.stdout.take().expect("piped stdout");
        let out_log = log.clone();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let mut tx = Some(tx);
            while let Some(Ok(line)) = lines.next() {
                append(&out_log, &format!("[stdout] {line}\n"), echo);
                if let Some(url) = line.strip_prefix(LISTENING)
                    && let Some(tx) = tx.take()
                {
                    let _ = tx.send(url.trim().to_owned());
                }
            }
        });

        let mut airgate = Airgate {
            url: String::new(),
            state_dir,
            remove_state,
            binary: binary.to_owned(),
            args,
            log,
            stdin,
            child,
        };
        match rx.recv_timeout(STARTUP_TIMEOUT) {
            Ok(url) => airgate.url = url,
            Err(e) => {
                let why = match e {
                    mpsc::RecvTimeoutError::Timeout => {
                        format!("no `{LISTENING}URL` line within {STARTUP_TIMEOUT:?}")
                    }
                    mpsc::RecvTimeoutError::Disconnected => {
                        // Give the stderr pump a moment to collect the last words.
                        std::thread::sleep(Duration::from_millis(200));
                        "it exited before listening".to_owned()
                    }
                };
                panic!(
                    "airgate did not start: {why}\nargs: {:?}\n--- output ---\n{}",
                    airgate.args,
                    airgate.log()
                );
            }
        }
        assert!(
            (airgate.url.starts_with("http://127.0.0.1:")
                || airgate.url.starts_with("https://127.0.0.1:"))
                && airgate.url.ends_with("/Microsoft-Server-ActiveSync"),
            "unexpected listening line: {LISTENING}{}",
            airgate.url
        );
        airgate
    }

    /// `http://127.0.0.1:PORT/Microsoft-Server-ActiveSync` (`https` when serving TLS).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> &str {
        self.url
            .strip_suffix("/Microsoft-Server-ActiveSync")
            .unwrap_or(&self.url)
    }

    /// The state directory (removed when the instance stops).
    pub fn state_dir(&self) -> &Path {
        &self.state_dir
    }

    /// Everything airgate wrote to stdout and stderr so far.
    pub fn log(&self) -> String {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// A client for `user` with the stack's password for that user.
    pub fn client(&self, user: &str, device_id: &str) -> Client {
        Client::new(&self.url, user, &Stack::get().password(user), device_id)
    }

    /// A client with explicit credentials.
    pub fn client_with_password(&self, user: &str, password: &str, device_id: &str) -> Client {
        Client::new(&self.url, user, password, device_id)
    }

    /// Stops the instance and waits for it (the same as dropping it).
    pub fn stop(self) {}

    /// Kills airgate with SIGKILL, as a crash would, and waits until it is gone. The state
    /// directory stays; [`Airgate::restart`] starts it again. Requests in flight fail.
    pub fn kill9(&mut self) {
        if let Some(mut stdin) = self.stdin.take() {
            let _ = stdin.write_all(b"kill9\n");
        }
        let _ = self.child.wait();
    }

    /// Starts airgate again (after [`Airgate::kill9`]; a running instance is killed first) with
    /// the same arguments, state directory and port, and waits until it listens. Clients keep
    /// working against [`Airgate::url`], which does not change.
    pub fn restart(&mut self) {
        self.kill9();
        let port = self
            .base_url()
            .rsplit(':')
            .next()
            .expect("a port in the URL")
            .to_owned();
        let mut args = self.args.clone();
        if let Some(i) = args.iter().position(|a| a == "--listen") {
            args[i + 1] = format!("127.0.0.1:{port}");
        }
        let log = self.log();
        let mut next = Airgate::spawn(
            &self.binary,
            self.state_dir.clone(),
            self.remove_state,
            args,
        );
        // Keep one log across restarts.
        if let Ok(mut l) = next.log.lock() {
            l.insert_str(0, &format!("{log}--- restarted ---\n"));
        }
        assert_eq!(
            next.url, self.url,
            "the restarted instance listens elsewhere"
        );
        // `self` becomes the new instance; the old (dead) one is dropped without removing the
        // state directory.
        self.remove_state = false;
        std::mem::swap(self, &mut next);
    }
}

impl Drop for Airgate {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let log = self.log();
            let tail: String = {
                let lines: Vec<&str> = log.lines().collect();
                lines[lines.len().saturating_sub(60)..].join("\n")
            };
            let _ = writeln!(
                std::io::stderr(),
                "--- airgate log (last 60 lines) ---\n{tail}\n---"
            );
        }
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

fn pump(mut from: impl Read, log: &Mutex<String>, echo: bool) {
    let mut buf = [0u8; 8192];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => append(log, &String::from_utf8_lossy(&buf[..n]), echo),
        }
    }
}

/// Appends to the log, keeping at most the last 4 MiB; with `AIRGATE_TEST_LOG` set, also copies
/// it to this process's stderr (uncaptured).
fn append(log: &Mutex<String>, text: &str, echo: bool) {
    const LIMIT: usize = 4 << 20;
    if echo {
        let _ = std::io::stderr().write_all(text.as_bytes());
    }
    if let Ok(mut log) = log.lock() {
        log.push_str(text);
        if log.len() > LIMIT {
            let mut cut = log.len() - LIMIT / 2;
            while !log.is_char_boundary(cut) {
                cut += 1;
            }
            log.drain(..cut);
        }
    }
}
