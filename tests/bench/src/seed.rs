//! Fast seeding: messages written straight into a user's Maildir under the stack directory,
//! then `doveadm force-resync` so that Dovecot gives them UIDs. Far faster than APPEND for
//! 100,000 messages.

use std::collections::HashMap;
use std::os::unix::fs::chown;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, UNIX_EPOCH};

use eas_test_client::Stack;

use crate::mailgen;

/// What was put in a mailbox.
pub struct Seeded {
    pub count: u64,
    pub bytes: u64,
    /// Messages per kind.
    pub kinds: Vec<(mailgen::Kind, u64)>,
    /// The message number of each UID (from `dovecot-uidlist`).
    pub number_of_uid: HashMap<u32, u64>,
    pub took: Duration,
}

fn run_user_ids(stack: &Stack) -> (u32, u32) {
    let user = stack.var("STACK_RUN_USER");
    let id = |flag: &str| -> u32 {
        let out = Command::new("id")
            .arg(flag)
            .arg(user)
            .output()
            .expect("cannot run id");
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("id {flag} {user}: {out:?}"))
    };
    (id("-u"), id("-g"))
}

fn maildir(stack: &Stack, user: &str) -> PathBuf {
    PathBuf::from(stack.var("STACK_MAIL_DIR"))
        .join(user)
        .join("Maildir")
}

/// A mailbox's Maildir: the root for INBOX, `.NAME` (Maildir++) for a top-level one.
fn mailbox_dir(stack: &Stack, user: &str, mailbox: &str) -> PathBuf {
    let root = maildir(stack, user);
    if mailbox.eq_ignore_ascii_case("INBOX") {
        root
    } else {
        root.join(format!(".{mailbox}"))
    }
}

/// Writes `count` generated messages (seed `seed`) into `user`'s `mailbox` (INBOX or a
/// top-level ASCII name, created here) and has Dovecot index them.
pub fn seed_mailbox(
    stack: &Stack,
    user: &str,
    mailbox: &str,
    count: u64,
    seed: u64,
    now: i64,
) -> Seeded {
    let start = Instant::now();
    let root = maildir(stack, user);
    let dir = mailbox_dir(stack, user, mailbox);
    let (uid, gid) = run_user_ids(stack);
    // Dovecot creates the home and Maildir lazily; whatever is created here must belong to
    // the user the stack runs as.
    let home = root.parent().expect("a home directory").to_path_buf();
    for d in [
        home.clone(),
        root.clone(),
        dir.clone(),
        dir.join("cur"),
        dir.join("new"),
        dir.join("tmp"),
    ] {
        std::fs::create_dir_all(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display()));
        chown(&d, Some(uid), Some(gid)).unwrap_or_else(|e| panic!("chown {}: {e}", d.display()));
    }
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1) as u64;
    let cur = dir.join("cur");
    let results: Vec<(u64, Vec<(mailgen::Kind, u64)>)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let cur = cur.clone();
                s.spawn(move || {
                    let mut bytes = 0u64;
                    let mut kinds: HashMap<mailgen::Kind, u64> = HashMap::new();
                    let mut n = t;
                    while n < count {
                        let m = mailgen::message(seed, n, now);
                        let name = format!(
                            "{}.M{n}P{seed}.bench,S={len},W={len}:2,{}",
                            m.date,
                            m.flags,
                            len = m.raw.len()
                        );
                        write_message(&cur.join(name), &m, uid, gid);
                        bytes += m.raw.len() as u64;
                        *kinds.entry(m.kind).or_default() += 1;
                        n += threads;
                    }
                    (bytes, kinds.into_iter().collect())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a seeding thread panicked"))
            .collect()
    });
    let bytes = results.iter().map(|r| r.0).sum();
    let mut kinds: HashMap<mailgen::Kind, u64> = HashMap::new();
    for (_, k) in &results {
        for (kind, n) in k {
            *kinds.entry(*kind).or_default() += n;
        }
    }
    let mut kinds: Vec<(mailgen::Kind, u64)> = kinds.into_iter().collect();
    kinds.sort();
    stack.doveadm(&["force-resync", "-u", user, mailbox]);
    if !mailbox.eq_ignore_ascii_case("INBOX") {
        // Devices are shown the subscribed folders.
        stack.doveadm(&["mailbox", "subscribe", "-u", user, mailbox]);
    }
    let number_of_uid = read_uidlist(&dir, seed);
    assert_eq!(
        number_of_uid.len() as u64,
        count,
        "dovecot-uidlist of {user} names {} bench messages, not {count}",
        number_of_uid.len()
    );
    Seeded {
        count,
        bytes,
        kinds,
        number_of_uid,
        took: start.elapsed(),
    }
}

/// A user seeded by an earlier run with the same seed and count: only the UID map is read.
pub fn already_seeded(stack: &Stack, user: &str, mailbox: &str, count: u64, seed: u64) -> Seeded {
    let number_of_uid = read_uidlist(&mailbox_dir(stack, user, mailbox), seed);
    assert_eq!(
        number_of_uid.len() as u64,
        count,
        "{user} was not seeded with {count} messages of seed {seed}"
    );
    Seeded {
        count,
        bytes: 0,
        kinds: Vec::new(),
        number_of_uid,
        took: Duration::ZERO,
    }
}

fn write_message(path: &Path, m: &mailgen::Message, uid: u32, gid: u32) {
    let f = std::fs::File::create(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    use std::io::Write as _;
    let mut w = std::io::BufWriter::new(&f);
    w.write_all(&m.raw)
        .and_then(|_| w.flush())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    drop(w);
    let mtime = UNIX_EPOCH + Duration::from_secs(m.date.max(0) as u64);
    f.set_times(
        std::fs::FileTimes::new()
            .set_modified(mtime)
            .set_accessed(mtime),
    )
    .unwrap_or_else(|e| panic!("set_times {}: {e}", path.display()));
    chown(path, Some(uid), Some(gid)).unwrap_or_else(|e| panic!("chown {}: {e}", path.display()));
}

/// UID -> message number, from the lines `UID [fields] :BASENAME` of `dovecot-uidlist`.
fn read_uidlist(dir: &Path, seed: u64) -> HashMap<u32, u64> {
    let path = dir.join("dovecot-uidlist");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let marker = format!("P{seed}.bench");
    let mut map = HashMap::new();
    for line in text.lines().skip(1) {
        let Some((head, name)) = line.split_once(" :") else {
            continue;
        };
        let Some(uid) = head.split(' ').next().and_then(|u| u.parse::<u32>().ok()) else {
            continue;
        };
        let Some(end) = name.find(&marker) else {
            continue;
        };
        let Some(start) = name[..end].rfind(".M") else {
            continue;
        };
        if let Ok(n) = name[start + 2..end].parse::<u64>() {
            map.insert(uid, n);
        }
    }
    map
}
