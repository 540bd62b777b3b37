//! The upstream stack (Dovecot, Radicale, SMTP sink) a test process talks to.
//!
//! One stack serves every test of a test binary ([`Stack::get`]):
//!
//! - `AIRGATE_STACK_ENV=/path/stack.env` (what `tests/run.sh` sets): use that running stack.
//! - otherwise, if `AIRGATE_REQUIRE_STACK` is set (and not `0`): fail, so a misconfigured CI
//!   run cannot quietly start stacks of its own.
//! - otherwise (a test file run by hand): start one with `tests/stack/start.sh` in a new temp
//!   dir. A static is never dropped, so the stop is left to a *reaper*: a small shell process,
//!   in its own process group, that blocks reading a pipe whose only writer is this test
//!   process. When the test process exits for any reason (end of tests, panic, Ctrl-C, kill -9)
//!   the kernel closes the pipe, the reaper's read returns, and it runs `tests/stack/stop.sh`
//!   and removes the directory.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::repo_root;

/// A running upstream stack: the variables of its `stack.env`.
#[derive(Debug)]
pub struct Stack {
    env: BTreeMap<String, String>,
    /// The write end of the reaper's pipe, when this process started the stack. Never written;
    /// it only has to stay open for as long as the process lives.
    _reaper: Option<ChildStdin>,
    /// The users [`Stack::fresh_user`] added, with their passwords.
    fresh: Mutex<Vec<(String, String)>>,
}

static STACK: OnceLock<Stack> = OnceLock::new();

impl Stack {
    /// The stack of this test process, started on first use if need be (see the module docs).
    pub fn get() -> &'static Stack {
        STACK.get_or_init(|| match std::env::var_os("AIRGATE_STACK_ENV") {
            Some(path) => Stack::from_env_file(Path::new(&path)),
            None if std::env::var_os("AIRGATE_REQUIRE_STACK").is_some_and(|v| v != "0") => panic!(
                "AIRGATE_REQUIRE_STACK is set but AIRGATE_STACK_ENV is not set: \
                 run the tests with tests/run.sh, or unset AIRGATE_REQUIRE_STACK"
            ),
            None => Stack::start_private(),
        })
    }

    /// Reads a `stack.env` written by `tests/stack/start.sh`.
    pub fn from_env_file(path: &Path) -> Stack {
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("cannot read stack env {}: {e}", path.display()));
        Stack {
            env: parse_env(&text),
            _reaper: None,
            fresh: Mutex::new(Vec::new()),
        }
    }

    fn start_private() -> Stack {
        let root = repo_root();
        let scripts = root.join("tests").join("stack");
        let dir = tempfile::Builder::new()
            .prefix("airgate-stack-")
            .tempdir()
            .expect("cannot create a temp dir for the stack")
            .keep();
        let out = Command::new(scripts.join("start.sh"))
            .arg(&dir)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run tests/stack/start.sh: {e}"));
        if !out.status.success() {
            let _ = std::fs::remove_dir_all(&dir);
            panic!(
                "tests/stack/start.sh failed ({}); run tests/stack/install.sh first?\n{}{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let reaper = spawn_reaper(&scripts.join("stop.sh"), &dir);
        eprintln!(
            "eas-test-client: started a private stack in {} (stopped when this process exits)",
            dir.display()
        );
        let mut stack = Stack::from_env_file(&dir.join("stack.env"));
        stack._reaper = Some(reaper);
        stack
    }

    /// A variable of `stack.env`, e.g. `STACK_IMAP_URL`. Panics when it is missing.
    pub fn var(&self, name: &str) -> &str {
        self.env
            .get(name)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("stack.env has no {name}"))
    }

    /// The stack's directory.
    pub fn dir(&self) -> PathBuf {
        PathBuf::from(self.var("STACK_DIR"))
    }

    pub fn imap_url(&self) -> &str {
        self.var("STACK_IMAP_URL")
    }

    pub fn smtp_url(&self) -> &str {
        self.var("STACK_SMTP_URL")
    }

    /// The messages the SMTP sink accepted from `user` (its AUTH name), oldest first: the
    /// sink's envelope record (`mail_from`, `rcpt_tos`, `mail_options`, ...) and the bytes.
    pub fn sent_mail(&self, user: &str) -> Vec<(serde_json::Value, Vec<u8>)> {
        let dir = self.dir().join("smtp");
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.ends_with(".json") && !n.starts_with('.'))
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        let mut out = Vec::new();
        for name in names {
            let Ok(meta) = std::fs::read(dir.join(&name)) else {
                continue;
            };
            let Ok(meta) = serde_json::from_slice::<serde_json::Value>(&meta) else {
                continue;
            };
            if meta["auth_user"].as_str() != Some(user) {
                continue;
            }
            let Some(eml) = meta["eml"].as_str() else {
                continue;
            };
            // The .json is written first: wait for its .eml.
            let path = dir.join(eml);
            for _ in 0..50 {
                if path.exists() {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            if let Ok(bytes) = std::fs::read(&path) {
                out.push((meta, bytes));
            }
        }
        out
    }

    /// The CalDAV base URL with its `{user}` placeholder.
    pub fn caldav_url(&self) -> &str {
        self.var("STACK_CALDAV_URL")
    }

    /// The CardDAV base URL with its `{user}` placeholder.
    pub fn carddav_url(&self) -> &str {
        self.var("STACK_CARDDAV_URL")
    }

    /// The users and their passwords.
    pub fn users(&self) -> Vec<(String, String)> {
        self.var("STACK_USERS")
            .split_whitespace()
            .filter_map(|pair| pair.split_once(':'))
            .map(|(u, p)| (u.to_owned(), p.to_owned()))
            .collect()
    }

    /// A user's password (an initial user or one from [`Stack::fresh_user`]). Panics for an
    /// unknown user.
    pub fn password(&self, user: &str) -> String {
        let fresh = self.fresh.lock().unwrap_or_else(|e| e.into_inner()).clone();
        self.users()
            .into_iter()
            .chain(fresh)
            .find(|(u, _)| u == user)
            .map(|(_, p)| p)
            .unwrap_or_else(|| panic!("the stack has no user {user}"))
    }

    /// A new mail user that no other test uses: `{prefix}-{pid}-{n}` (lower case; characters
    /// other than ASCII letters, digits, `-`, `_` and `.` dropped from `prefix`) and a random
    /// password. Returns `(user, password)` once Dovecot accepts the login.
    ///
    /// The user is appended to the stack's users file (`STACK_USERS_FILE`), which Dovecot's
    /// passwd-file, the SMTP sink and Radicale all read. One `write` of one line with
    /// `O_APPEND`, so parallel tests (threads or processes) never interleave lines; the file
    /// keeps its owner and mode. Dovecot re-reads the file when its mtime or size changes, but
    /// checks at most once per second (`passwd_file_sync` compares against the auth process's
    /// clock second), so a login in the same second as the append may still be refused: this
    /// waits for the next second, then logs in over IMAP to be sure.
    ///
    /// Radicale collections (calendar, tasks, contacts) exist only for the initial users, so a
    /// fresh user is for mail tests.
    pub fn fresh_user(&self, prefix: &str) -> (String, String) {
        let (user, password) = new_user_name(prefix);
        let path = self.var("STACK_USERS_FILE");
        append_line(Path::new(path), &format!("{user}:{password}\n"));
        self.fresh
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((user.clone(), password.clone()));
        sleep_past_second(SystemTime::now());
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match crate::Imap::try_connect(self, &user, &password) {
                Ok(imap) => {
                    imap.logout();
                    return (user, password);
                }
                Err(e) if Instant::now() > deadline => panic!(
                    "fresh user {user}: Dovecot still refuses the login 10 s after it was added \
                     to {path}: {e}"
                ),
                Err(_) => std::thread::sleep(Duration::from_millis(200)),
            }
        }
    }
}

impl Stack {
    /// Runs `doveadm -c $STACK_DOVECOT_CONF ARGS...` against the running Dovecot and returns
    /// its stdout; panics when it fails. Needs root or the user the stack runs as
    /// (`STACK_RUN_USER`).
    pub fn doveadm(&self, args: &[&str]) -> String {
        let out = Command::new("doveadm")
            .arg("-c")
            .arg(self.var("STACK_DOVECOT_CONF"))
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run doveadm: {e}"));
        if !out.status.success() {
            panic!(
                "doveadm {args:?} failed ({}): {}{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Gives a mailbox (INBOX too) a new UIDVALIDITY in place, as a server may after losing
    /// its index: the messages keep their UIDs, which a client must now treat as unknown.
    /// Uses `doveadm mailbox update --uid-validity`. Dovecot disconnects sessions that have the
    /// mailbox selected (`* BYE IMAP session state is inconsistent`) the next time they sync.
    /// For a change that also gives the messages new UIDs, see
    /// [`crate::Imap::change_uid_validity`] (not for INBOX).
    pub fn set_uid_validity(&self, user: &str, mailbox: &str, uid_validity: u32) {
        let v = uid_validity.to_string();
        self.doveadm(&[
            "mailbox",
            "update",
            "-u",
            user,
            "--uid-validity",
            &v,
            mailbox,
        ]);
    }
}

/// `{prefix}-{pid}-{n}` and a password that is hard to guess and has no `:`.
fn new_user_name(prefix: &str) -> (String, String) {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let clean: String = prefix
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .map(|c| c.to_ascii_lowercase())
        .take(40)
        .collect();
    let clean = if clean.is_empty() {
        "user".into()
    } else {
        clean
    };
    let user = format!("{clean}-{}-{n}", std::process::id());
    // RandomState is seeded from the OS per process; the counter and clock vary it per call.
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write(user.as_bytes());
    h.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    (user, format!("pw-{:016x}", h.finish()))
}

/// Appends one line with a single `write` on an `O_APPEND` descriptor.
fn append_line(path: &Path, line: &str) {
    use std::io::Write as _;
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .unwrap_or_else(|e| {
            panic!(
                "cannot append to the stack's users file {}: {e} (the stack was started by \
                 another user? run the tests as that user or as root)",
                path.display()
            )
        });
    let n = file
        .write(line.as_bytes())
        .unwrap_or_else(|e| panic!("cannot append to {}: {e}", path.display()));
    assert_eq!(n, line.len(), "short write to {}", path.display());
}

/// Sleeps until the wall clock is past the second of `t` (plus a little).
fn sleep_past_second(t: SystemTime) {
    let since = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let next = Duration::from_secs(since.as_secs() + 1) + Duration::from_millis(20);
    if let Some(wait) = next.checked_sub(since) {
        std::thread::sleep(wait);
    }
}

/// Parses `KEY=VALUE` lines; a value may be wrapped in double quotes.
fn parse_env(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| {
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(v);
            (k.trim().to_owned(), v.to_owned())
        })
        .collect()
}

/// Starts the reaper: `stop.sh DIR` and `rm -rf DIR` once our end of its stdin closes.
#[expect(
    clippy::zombie_processes,
    reason = "the reaper must outlive this process; it is reparented when we exit"
)]
fn spawn_reaper(stop: &Path, dir: &Path) -> ChildStdin {
    use std::os::unix::process::CommandExt;
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(r#"cat >/dev/null; "$0" "$1" >/dev/null 2>&1; rm -rf "$1""#)
        .arg(stop)
        .arg(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        // Its own process group: a Ctrl-C to the test run must not kill it before it cleans up.
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start the stack reaper: {e}"));
    child.stdin.take().expect("piped stdin")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stack_env_lines_are_parsed_with_and_without_quotes() {
        let env = parse_env(
            "STACK_DIR=/tmp/x\nSTACK_USERS=\"alice:a bob:b\"\n\nSTACK_CALDAV_URL=http://127.0.0.1:1/{user}/\n",
        );
        assert_eq!(env["STACK_DIR"], "/tmp/x");
        assert_eq!(env["STACK_USERS"], "alice:a bob:b");
        assert_eq!(env["STACK_CALDAV_URL"], "http://127.0.0.1:1/{user}/");
        let stack = Stack {
            env,
            _reaper: None,
            fresh: Mutex::new(Vec::new()),
        };
        assert_eq!(
            stack.users(),
            vec![("alice".into(), "a".into()), ("bob".into(), "b".into())]
        );
        assert_eq!(stack.password("bob"), "b");
    }

    #[test]
    fn fresh_user_names_are_lower_case_unique_and_passwords_have_no_colon() {
        let (a, pa) = new_user_name("Sync Test!");
        let (b, pb) = new_user_name("Sync Test!");
        let pid = std::process::id();
        assert!(a.starts_with(&format!("synctest-{pid}-")), "{a}");
        assert_ne!(a, b);
        assert_ne!(pa, pb);
        assert!(!pa.contains(':') && !pa.contains(char::is_whitespace));
    }

    #[test]
    fn appended_lines_are_whole_under_concurrency() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users");
        std::fs::write(&path, "alice:x\n").unwrap();
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let path = path.clone();
                std::thread::spawn(move || {
                    for i in 0..200 {
                        append_line(&path, &format!("user{t}-{i}:pw-{t}-{i}\n"));
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 1 + 8 * 200);
        for line in &lines[1..] {
            let (u, p) = line.split_once(':').unwrap();
            assert_eq!(p, format!("pw-{}", u.strip_prefix("user").unwrap()));
        }
    }
}
