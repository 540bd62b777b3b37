//! sync_bench: mail Sync through a release airgate against the test stack's Dovecot.
//!
//! (a) Initial Sync of an INBOX of N messages (default 10,000; 2-50 KB; plain, HTML,
//!     multipart/alternative and some with attachments), WindowSize 100, BodyPreference Type 2
//!     truncated at 5,000 bytes, protocol 16.1: items per second through airgate, and as the
//!     ceiling the same FETCH items straight from Dovecot over one IMAP connection.
//! (b) No-change Syncs of that folder and of one of 100,000 messages: latency, and the IMAP
//!     commands airgate issued for each (counted from its debug log of command names).
//!
//! See tests/bench/README.md for how to run it; docs/benchmarks.md has the figures.

use airgate_bench::procfs::cpu_seconds;
use airgate_bench::{airgate, direct, mailgen, seed};

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use convert::mail::{BodyRequest, WantedBody};
use eas_test_client::{Imap, Stack};

struct Args {
    airgate: PathBuf,
    messages: u64,
    large: u64,
    runs: usize,
    window: u32,
    samples: usize,
    seed: u64,
    reuse_small: Option<(String, String)>,
    reuse_large: Option<(String, String)>,
    large_mailbox: String,
}

fn usage() -> ! {
    eprintln!(
        "usage: sync_bench [--airgate PATH] [--messages N] [--large N] [--runs N] [--window N] \
         [--samples N] [--seed N]\n\
         \n\
         --airgate   the airgate binary (default: `airgate` beside this program)\n\
         --messages  size of the folder of (a) and the first of (b) (default 10000)\n\
         --large     size of the second folder of (b); 0 skips it (default 100000)\n\
         --runs      timed initial Syncs each way (default 3)\n\
         --window    WindowSize of (a) (default 100)\n\
         --samples   no-change Syncs timed per folder (default 200)\n\
         --seed      message generator seed (default 1)\n\
         --large-mailbox NAME  the large folder: INBOX (default) or a top-level ASCII name\n\
         --reuse-small USER:PASSWORD, --reuse-large USER:PASSWORD\n\
         \x20           use a user seeded by an earlier run (same --seed and size) instead of\n\
         \x20           seeding a new one\n\
         \n\
         The stack: AIRGATE_STACK_ENV=path/stack.env, else a private one is started."
    );
    std::process::exit(2)
}

fn parse_args() -> Args {
    let mut a = Args {
        airgate: std::env::current_exe()
            .ok()
            .and_then(|p| p.parent().map(|d| d.join("airgate")))
            .unwrap_or_else(|| PathBuf::from("airgate")),
        messages: 10_000,
        large: 100_000,
        runs: 3,
        window: 100,
        samples: 200,
        seed: 1,
        reuse_small: None,
        reuse_large: None,
        large_mailbox: "INBOX".into(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| usage());
        let num = |v: String| v.parse::<u64>().unwrap_or_else(|_| usage());
        match flag.as_str() {
            "--airgate" => a.airgate = PathBuf::from(value()),
            "--messages" => a.messages = num(value()),
            "--large" => a.large = num(value()),
            "--runs" => a.runs = num(value()) as usize,
            "--window" => a.window = num(value()) as u32,
            "--samples" => a.samples = num(value()) as usize,
            "--seed" => a.seed = num(value()),
            "--large-mailbox" => a.large_mailbox = value(),
            "--reuse-small" | "--reuse-large" => {
                let v = value();
                let (u, p) = v.split_once(':').unwrap_or_else(|| usage());
                let login = Some((u.to_owned(), p.to_owned()));
                if flag == "--reuse-small" {
                    a.reuse_small = login;
                } else {
                    a.reuse_large = login;
                }
            }
            _ => usage(),
        }
    }
    a
}

/// The stack's Dovecot: its master (with the children it reaped: the `imap` processes of
/// connections that ended) and the processes still running (their title starts with the
/// instance name, `dovecot-airgate-test-PORT`).
fn dovecot_cpu(master: u32, port: &str) -> f64 {
    let prefix = format!("dovecot-airgate-test-{port}/");
    let live: f64 = std::fs::read_dir("/proc")
        .map(|dir| {
            dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
                .filter(|pid| {
                    std::fs::read(format!("/proc/{pid}/cmdline"))
                        .is_ok_and(|c| String::from_utf8_lossy(&c).starts_with(&prefix))
                })
                .map(|pid| cpu_seconds(pid, false))
                .sum()
        })
        .unwrap_or(0.0);
    cpu_seconds(master, true) + live
}

/// CPU seconds of airgate, the stack's Dovecot and this process.
fn cpu_now(airgate_pid: u32, stack: &Stack) -> [f64; 3] {
    let master = stack.var("STACK_DOVECOT_PID").parse().unwrap_or(0);
    [
        cpu_seconds(airgate_pid, false),
        dovecot_cpu(master, stack.var("STACK_IMAP_PORT")),
        cpu_seconds(std::process::id(), false),
    ]
}

fn cpu_delta(before: [f64; 3], after: [f64; 3]) -> String {
    format!(
        "CPU s: airgate {:.2}, Dovecot {:.2}, client {:.2}",
        after[0] - before[0],
        after[1] - before[1],
        after[2] - before[2]
    )
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        return 0.0;
    }
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

/// A new user with `count` messages in `mailbox`: what was seeded, the user and the password.
fn seeded_user(
    stack: &Stack,
    prefix: &str,
    mailbox: &str,
    count: u64,
    seed: u64,
    now: i64,
    reuse: Option<&(String, String)>,
) -> (seed::Seeded, String, String) {
    let (user, password) = match reuse {
        Some(login) => login.clone(),
        None => stack.fresh_user(prefix),
    };
    let s = match reuse {
        Some(_) => seed::already_seeded(stack, &user, mailbox, count, seed),
        None => seed::seed_mailbox(stack, &user, mailbox, count, seed, now),
    };
    let mut imap = Imap::connect(stack, &user, &password);
    let (messages, uid_next, ..) = imap.status(mailbox);
    imap.logout();
    assert_eq!(
        u64::from(messages),
        count,
        "{user}: {mailbox} has {messages} messages"
    );
    println!(
        "seeded {user} {mailbox}: {count} messages, {:.1} MB, UIDNEXT {uid_next}, in {:.1} s ({})",
        s.bytes as f64 / 1e6,
        s.took.as_secs_f64(),
        s.kinds
            .iter()
            .map(|(k, n)| format!("{} {n}", k.name()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    (s, user, password)
}

/// Times `samples` no-change Syncs and counts the IMAP commands airgate logged for them.
async fn no_change(
    ag: &airgate::Airgate,
    device: &airgate::Device,
    key: &str,
    window: u32,
    samples: usize,
    label: &str,
) -> String {
    // Warm-up: the pooled session, the store's pages.
    for _ in 0..5 {
        let s = device.sync(key, window).await;
        assert_eq!(s.status, 200);
        assert_eq!(s.adds, 0, "a no-change Sync sent items");
    }
    let from = ag.log_len();
    let mut ms = Vec::with_capacity(samples);
    for _ in 0..samples {
        let t = Instant::now();
        let s = device.sync(key, window).await;
        ms.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(s.status, 200);
        assert_eq!(s.adds, 0, "a no-change Sync sent items");
        assert!(!s.more);
    }
    // For profiling by hand: keep sending no-change Syncs for BENCH_HOLD_SECS seconds.
    if let Some(secs) = std::env::var("BENCH_HOLD_SECS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        println!(
            "{label}: holding for {secs} s of no-change Syncs (pid {})",
            std::process::id()
        );
        let until = Instant::now() + Duration::from_secs(secs);
        while Instant::now() < until {
            device.sync(key, window).await;
        }
    }
    // Let the log writer catch up.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut commands: BTreeMap<String, usize> = BTreeMap::new();
    let mut logins = 0;
    for line in ag.log_since(from) {
        if line.contains("IMAP login succeeded") {
            logins += 1;
        }
        if let Some(i) = line.find("IMAP command ") {
            let name = line[i..]
                .split("command=")
                .nth(1)
                .map(|s| s.trim().trim_matches('"').to_owned())
                .unwrap_or_else(|| "?".into());
            *commands.entry(name).or_default() += 1;
        }
    }
    let total: usize = commands.values().sum();
    let mean = ms.iter().sum::<f64>() / ms.len() as f64;
    let med = median(&mut ms);
    let per = commands
        .iter()
        .map(|(c, n)| format!("{c} x{:.2}", *n as f64 / samples as f64))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "| {label} | {samples} | {med:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms | {mean:.2} ms | {:.2} ({per}); logins {logins} |",
        ms[0],
        percentile(&ms, 0.9),
        percentile(&ms, 0.99),
        total as f64 / samples as f64,
    )
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args = parse_args();
    assert!(
        args.airgate.is_file(),
        "no airgate binary at {} (build it: cargo build --release -p airgate, or pass --airgate)",
        args.airgate.display()
    );
    let stack = Stack::get();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    println!(
        "airgate {} against Dovecot at {}",
        args.airgate.display(),
        stack.imap_url()
    );

    // Seeding.
    let (small, small_user, small_pw) = seeded_user(
        stack,
        "bench-small",
        "INBOX",
        args.messages,
        args.seed,
        now,
        args.reuse_small.as_ref(),
    );
    let large = (args.large > 0).then(|| {
        seeded_user(
            stack,
            "bench-large",
            &args.large_mailbox,
            args.large,
            args.seed + 1,
            now,
            args.reuse_large.as_ref(),
        )
    });

    // The ceiling's plan: what airgate fetches for each message, from the same planner.
    let req = BodyRequest {
        kind: WantedBody::Html,
        truncation: Some(5000),
        all_or_none: false,
        preview: None,
    };
    let plans: HashMap<u32, direct::Plan> = small
        .number_of_uid
        .iter()
        .map(|(uid, n)| {
            let m = mailgen::message(args.seed, *n, now);
            let structure = convert::mail::structure_of(&m.raw);
            let plan = convert::mail::plan_body(&structure, &req);
            let p = plan
                .fetch
                .iter()
                .map(|f| (f.path.section(), f.max_bytes))
                .collect();
            (*uid, p)
        })
        .collect();
    let imap_addr = stack
        .imap_url()
        .strip_prefix("imap://")
        .expect("imap:// URL")
        .to_owned();

    let work = std::env::temp_dir();
    let ag = airgate::Airgate::start(
        &args.airgate,
        stack,
        &work,
        "info,upstream::imap::raw=debug",
    );
    println!("airgate at {} (log {})", ag.url, ag.log.display());

    // (a) Warm-up of Dovecot's cache and the page cache, then alternating timed runs.
    let plan_of = |uid: u32| plans.get(&uid).cloned().unwrap_or_default();
    let warm = direct::initial_sync(
        &imap_addr,
        &small_user,
        &small_pw,
        args.window as usize,
        &plan_of,
        &mut || {},
    );
    println!(
        "direct warm-up: {} messages in {:.2} s",
        warm.messages,
        warm.took.as_secs_f64()
    );
    let mut direct_rates = Vec::new();
    let mut airgate_rates = Vec::new();
    let mut last_device = None;
    for run in 0..args.runs {
        let cpu0 = cpu_now(ag.pid(), stack);
        let mut cpu1 = cpu0;
        let d = direct::initial_sync(
            &imap_addr,
            &small_user,
            &small_pw,
            args.window as usize,
            &plan_of,
            &mut || cpu1 = cpu_now(ag.pid(), stack),
        );
        let direct_cpu = cpu_delta(cpu0, cpu1);
        // Until Dovecot has reaped that connection's process, its CPU time is counted nowhere;
        // it must not land in the next run's figures.
        std::thread::sleep(Duration::from_millis(500));
        assert_eq!(d.messages, args.messages, "direct run fetched too few");
        let rate = d.messages as f64 / d.took.as_secs_f64();
        println!(
            "run {run}: direct IMAP: {} messages, {} commands, {:.1} MB in {:.3} s = {rate:.0} items/s ({direct_cpu})",
            d.messages,
            d.commands,
            d.bytes as f64 / 1e6,
            d.took.as_secs_f64()
        );
        direct_rates.push(rate);

        let dev = airgate::Device::new(
            &ag.url,
            &small_user,
            &small_pw,
            &format!("benchA{run}x{}", std::process::id()),
            "INBOX",
        )
        .await;
        let from = ag.log_len();
        let cpu0 = cpu_now(ag.pid(), stack);
        let r = airgate::initial_sync(&dev, args.window, run == 0).await;
        let airgate_cpu = cpu_delta(cpu0, cpu_now(ag.pid(), stack));
        assert_eq!(r.items as u64, args.messages, "airgate sent too few items");
        let imap_cmds = ag
            .log_since(from)
            .iter()
            .filter(|l| l.contains("IMAP command "))
            .count();
        let rate = r.items as f64 / r.took.as_secs_f64();
        println!(
            "run {run}: airgate:     {} items, {} requests, {imap_cmds} IMAP commands, {:.1} MB WBXML in {:.3} s = {rate:.0} items/s ({airgate_cpu})",
            r.items,
            r.requests,
            r.bytes as f64 / 1e6,
            r.took.as_secs_f64()
        );
        airgate_rates.push(rate);
        last_device = Some((dev, r.key));
    }
    let dmed = median(&mut direct_rates);
    let amed = median(&mut airgate_rates);
    println!();
    println!(
        "## (a) initial Sync, {} messages, window {}",
        args.messages, args.window
    );
    println!(
        "| airgate median {amed:.0} items/s (runs: {}) | direct IMAP median {dmed:.0} items/s (runs: {}) | ratio {:.0}% |",
        airgate_rates
            .iter()
            .map(|r| format!("{r:.0}"))
            .collect::<Vec<_>>()
            .join(", "),
        direct_rates
            .iter()
            .map(|r| format!("{r:.0}"))
            .collect::<Vec<_>>()
            .join(", "),
        amed / dmed * 100.0
    );

    // (b) No-change Syncs.
    let mut rows = Vec::new();
    let (dev, key) = last_device.expect("at least one run");
    rows.push(
        no_change(
            &ag,
            &dev,
            &key,
            args.window,
            args.samples,
            &format!("{} messages", args.messages),
        )
        .await,
    );
    if let Some((large, user, pw)) = &large {
        let dev = airgate::Device::new(
            &ag.url,
            user,
            pw,
            &format!("benchB{}", std::process::id()),
            &args.large_mailbox,
        )
        .await;
        let from = ag.log_len();
        let r = airgate::initial_sync(&dev, 512, false).await;
        assert_eq!(r.items as u64, large.count, "airgate sent too few items");
        let imap_cmds = ag
            .log_since(from)
            .iter()
            .filter(|l| l.contains("IMAP command "))
            .count();
        println!(
            "initial Sync of {} messages (window 512, cold Dovecot cache): {} requests, {imap_cmds} IMAP commands, {:.1} s = {:.0} items/s",
            r.items,
            r.requests,
            r.took.as_secs_f64(),
            r.items as f64 / r.took.as_secs_f64()
        );
        rows.push(
            no_change(
                &ag,
                &dev,
                &r.key,
                512,
                args.samples,
                &format!("{} messages ({})", large.count, args.large_mailbox),
            )
            .await,
        );
    }
    println!();
    println!("## (b) no-change Sync");
    println!("| folder | samples | median | fastest | p90 | p99 | mean | IMAP commands per Sync |");
    println!("|---|---|---|---|---|---|---|---|");
    for r in rows {
        println!("{r}");
    }
}
