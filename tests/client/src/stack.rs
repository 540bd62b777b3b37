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
use std::sync::OnceLock;

use crate::repo_root;

/// A running upstream stack: the variables of its `stack.env`.
#[derive(Debug)]
pub struct Stack {
    env: BTreeMap<String, String>,
    /// The write end of the reaper's pipe, when this process started the stack. Never written;
    /// it only has to stay open for as long as the process lives.
    _reaper: Option<ChildStdin>,
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

    /// A user's password. Panics for an unknown user.
    pub fn password(&self, user: &str) -> String {
        self.users()
            .into_iter()
            .find(|(u, _)| u == user)
            .map(|(_, p)| p)
            .unwrap_or_else(|| panic!("the stack has no user {user}"))
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
        let stack = Stack { env, _reaper: None };
        assert_eq!(
            stack.users(),
            vec![("alice".into(), "a".into()), ("bob".into(), "b".into())]
        );
        assert_eq!(stack.password("bob"), "b");
    }
}
