//! ping_bench: held EAS Pings through a release airgate against the test stack's Dovecot.
//!
//! N users with D devices each (default 1,000 x 10), every device pinging F mail folders
//! (default 5). It measures airgate's resident memory per held Ping, the IMAP connections
//! airgate keeps for push (target: one per user), and the time from an APPEND to a user's
//! INBOX until each of that user's devices has its Ping answered (Status 2 naming INBOX).
//!
//! See tests/bench/README.md for how to run it; docs/benchmarks.md has the figures.

mod device;
mod metrics;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use airgate_bench::airgate::Airgate;
use airgate_bench::http1::Conn;
use airgate_bench::procfs;
use device::{Counters, Device, Shared};
use eas_test_client::{Imap, Stack};
use metrics::{Metrics, Scrape};
use tokio::sync::{Semaphore, mpsc, watch};

struct Args {
    airgate: PathBuf,
    users: usize,
    devices: usize,
    folders: usize,
    appends: usize,
    append_rate: f64,
    heartbeat: u32,
    concurrency: usize,
    session_idle: u64,
    linger: u64,
    answer_window: u64,
    hold_timeout: u64,
    go_rate: f64,
    setup_only: bool,
    out: Option<PathBuf>,
    airgate_args: Vec<String>,
}

fn usage() -> ! {
    eprintln!(
        "usage: ping_bench [--users N] [--devices N] [--folders N] [--appends N] [--heartbeat S] \
         [--airgate PATH] [--out FILE.md] [...]\n\
         \n\
         --users N          users, each a new one on the stack (default 1000)\n\
         --devices N        devices per user (default 10)\n\
         --folders N        folders each device pings: Inbox, Drafts, Sent, Trash, then\n\
         \x20                  user-created ones such as Junk (default 5)\n\
         --appends N        timed APPENDs, each to a different random user's INBOX (default 300)\n\
         --append-rate R    APPENDs started per second (default 5)\n\
         --heartbeat S      the Pings' HeartbeatInterval (default 900)\n\
         --concurrency N    devices setting up at once (default 64)\n\
         --session-idle S   airgate's mail.session_idle_seconds (default 10)\n\
         --linger S         airgate's push.linger_seconds (default 30)\n\
         --answer-window S  how long a device may take to answer an APPEND (default 10)\n\
         --hold-timeout S   how long to wait for all Pings to be held (default 900)\n\
         --go-rate R        first Pings sent per second (default 0: all at once)\n\
         --airgate PATH     the airgate binary (default: `airgate` beside this program)\n\
         --airgate-arg ARG  one more argument for `airgate serve` (repeatable)\n\
         --setup-only       only create users and set devices up (no push flags, no Pings)\n\
         --out FILE         also write the summary there, as markdown\n\
         \n\
         The stack: AIRGATE_STACK_ENV=path/stack.env, else a private one is started (whose\n\
         Dovecot allows only about 100 IMAP connections: see STACK_MAX_IMAP_CONNECTIONS)."
    );
    std::process::exit(2)
}

fn parse_args() -> Args {
    let mut a = Args {
        airgate: std::env::current_exe()
            .ok()
            .and_then(|p| p.parent().map(|d| d.join("airgate")))
            .unwrap_or_else(|| PathBuf::from("airgate")),
        users: 1000,
        devices: 10,
        folders: 5,
        appends: 300,
        append_rate: 5.0,
        heartbeat: 900,
        concurrency: 64,
        session_idle: 10,
        linger: 30,
        answer_window: 10,
        hold_timeout: 900,
        go_rate: 0.0,
        setup_only: false,
        out: None,
        airgate_args: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| usage());
        let num = |v: String| v.parse::<u64>().unwrap_or_else(|_| usage());
        match flag.as_str() {
            "--airgate" => a.airgate = PathBuf::from(value()),
            "--users" => a.users = num(value()) as usize,
            "--devices" => a.devices = num(value()) as usize,
            "--folders" => a.folders = num(value()) as usize,
            "--appends" => a.appends = num(value()) as usize,
            "--append-rate" => a.append_rate = value().parse().unwrap_or_else(|_| usage()),
            "--heartbeat" => a.heartbeat = num(value()) as u32,
            "--concurrency" => a.concurrency = num(value()).max(1) as usize,
            "--session-idle" => a.session_idle = num(value()),
            "--linger" => a.linger = num(value()),
            "--answer-window" => a.answer_window = num(value()),
            "--hold-timeout" => a.hold_timeout = num(value()),
            "--go-rate" => a.go_rate = value().parse().unwrap_or_else(|_| usage()),
            "--airgate-arg" => a.airgate_args.push(value()),
            "--setup-only" => a.setup_only = true,
            "--out" => a.out = Some(PathBuf::from(value())),
            _ => usage(),
        }
    }
    if a.users == 0 || a.devices == 0 || a.folders == 0 || a.append_rate <= 0.0 {
        usage();
    }
    a
}

/// A small xorshift generator: the choice of users needs no more.
struct Rng(u64);

impl Rng {
    fn new() -> Rng {
        let seed = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1)
            ^ u64::from(std::process::id()) << 32;
        Rng(seed | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Adds `n` users `ping-RUN-I` to the stack's users file (one `O_APPEND` write for all) and
/// waits until Dovecot accepts the first and the last.
fn add_users(stack: &Stack, n: usize, rng: &mut Rng) -> Vec<(String, String)> {
    use std::io::Write as _;
    let run = format!("{:x}", rng.next() & 0xff_ffff);
    let users: Vec<(String, String)> = (0..n)
        .map(|i| {
            (
                format!("ping-{run}-{i}"),
                format!("pw-{run}-{i}-{:012x}", rng.next() & 0xffff_ffff_ffff),
            )
        })
        .collect();
    let mut text = String::new();
    for (u, p) in &users {
        let _ = writeln!(text, "{u}:{p}");
    }
    let path = stack.var("STACK_USERS_FILE");
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .unwrap_or_else(|e| {
            panic!("cannot append to {path}: {e} (run as root or the stack's user)")
        });
    f.write_all(text.as_bytes())
        .unwrap_or_else(|e| panic!("cannot append to {path}: {e}"));
    drop(f);
    // Dovecot's passwd-file looks at the file's mtime at most once per second.
    std::thread::sleep(Duration::from_millis(1100));
    for (u, p) in [&users[0], &users[n - 1]] {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match Imap::try_connect(stack, u, p) {
                Ok(imap) => {
                    imap.logout();
                    break;
                }
                Err(e) if Instant::now() > deadline => {
                    panic!("Dovecot refuses the new user {u}: {e}")
                }
                Err(_) => std::thread::sleep(Duration::from_millis(200)),
            }
        }
    }
    users
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

/// What airgate holds and keeps open, at one moment.
struct Snapshot {
    rss_kib: u64,
    fds: usize,
    imap_conns: usize,
    held: Option<f64>,
    watchers: Option<f64>,
    upstream: Option<f64>,
    dovecot_imap: (usize, u64),
    /// A sweep request ran just before: one of the IMAP connections is its session.
    swept: bool,
}

fn gauge(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{v:.0}"))
}

impl Snapshot {
    async fn take(
        pid: u32,
        imap_port: u16,
        dovecot_prefix: &str,
        m: Option<&mut Metrics>,
        swept: bool,
    ) -> Snapshot {
        let scrape = match m {
            Some(m) => m.scrape().await,
            None => Scrape::default(),
        };
        Snapshot {
            rss_kib: procfs::rss_kib(pid),
            fds: procfs::open_fds(pid),
            imap_conns: procfs::established_to_port(pid, imap_port),
            held: scrape.get("airgate_push_held_requests"),
            watchers: scrape.get("airgate_push_watchers"),
            upstream: scrape.get("airgate_push_upstream_connections"),
            dovecot_imap: procfs::processes_titled(dovecot_prefix),
            swept,
        }
    }

    fn line(&self) -> String {
        format!(
            "airgate RSS {}, {} fds, {} IMAP connections{}; gauges: held {}, watchers {}, upstream {}; Dovecot imap processes {} ({})",
            mib(self.rss_kib),
            self.fds,
            self.imap_conns,
            if self.swept {
                " (1 of them the sweep request's)"
            } else {
                ""
            },
            gauge(self.held),
            gauge(self.watchers),
            gauge(self.upstream),
            self.dovecot_imap.0,
            mib(self.dovecot_imap.1),
        )
    }
}

/// Has airgate close the request sessions idle for longer than `mail.session_idle_seconds`:
/// afterwards its IMAP connections are those of push plus the sweeper's one session.
async fn sweep(sweeper: &mut Device) {
    if let Err(e) = sweeper.touch().await {
        println!("warning: the sweep request failed: {e}");
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
}

/// An APPEND whose answers are being waited for.
struct Pending {
    user: usize,
    started: Instant,
    appended: Option<Instant>,
    answered: Vec<Option<Instant>>,
}

/// What the latency phase found.
#[derive(Default)]
struct Latency {
    samples: Vec<f64>,
    missing: usize,
    /// Answers that came before the APPEND's tagged OK was read (counted as 0).
    early: usize,
    append_errors: usize,
    appends: usize,
}

fn message(user: &str, n: usize) -> Vec<u8> {
    format!(
        "From: Ping Bench <bench@example.org>\r\nTo: {user}@example.org\r\nSubject: ping bench {n}\r\n\
         Date: Mon, 1 Jun 2026 10:00:00 +0000\r\nMessage-ID: <ping-bench-{n}-{}@example.org>\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello {n}.\r\n",
        std::process::id()
    )
    .into_bytes()
}

#[allow(clippy::too_many_arguments)]
async fn latency_phase(
    args: &Args,
    stack: &'static Stack,
    users: &[(String, String)],
    events: &mut mpsc::UnboundedReceiver<(usize, usize, Instant)>,
    rng: &mut Rng,
) -> Latency {
    let mut out = Latency::default();
    // Users in random order, each used once while there are enough.
    let mut order: Vec<usize> = (0..users.len()).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i + 1));
    }
    let window = Duration::from_secs(args.answer_window);
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<(usize, Option<Instant>)>();
    let mut pending: HashMap<usize, Pending> = HashMap::new();
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / args.append_rate));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut check = tokio::time::interval(Duration::from_millis(200));
    let mut started = 0;
    // Stale events of earlier changes.
    while events.try_recv().is_ok() {}
    loop {
        tokio::select! {
            _ = tick.tick(), if started < args.appends => {
                // The next user in the order that has no APPEND in flight.
                let mut user = order[started % order.len()];
                if pending.contains_key(&user) {
                    match (0..users.len()).map(|_| rng.below(users.len())).find(|u| !pending.contains_key(u)) {
                        Some(u) => user = u,
                        None => continue,
                    }
                }
                let n = started;
                started += 1;
                pending.insert(user, Pending {
                    user,
                    started: Instant::now(),
                    appended: None,
                    answered: vec![None; args.devices],
                });
                let (u, pw) = users[user].clone();
                let tx = done_tx.clone();
                tokio::task::spawn_blocking(move || {
                    let r = std::panic::catch_unwind(|| {
                        let mut imap = Imap::connect(stack, &u, &pw);
                        imap.append("INBOX", &message(&u, n), &[], None);
                        let t0 = Instant::now();
                        imap.logout();
                        t0
                    });
                    let _ = tx.send((user, r.ok()));
                });
            }
            Some((user, t0)) = done_rx.recv() => {
                match t0 {
                    Some(t0) => {
                        if let Some(p) = pending.get_mut(&user) {
                            p.appended = Some(t0);
                        }
                    }
                    None => {
                        out.append_errors += 1;
                        pending.remove(&user);
                    }
                }
            }
            Some((user, dev, at)) = events.recv() => {
                if let Some(p) = pending.get_mut(&user)
                    && at >= p.started
                    && p.answered[dev].is_none()
                {
                    p.answered[dev] = Some(at);
                }
            }
            _ = check.tick() => {
                let now = Instant::now();
                let due: Vec<usize> = pending
                    .values()
                    .filter(|p| p.appended.is_some_and(|t0| now >= t0 + window)
                        || p.answered.iter().all(Option::is_some) && p.appended.is_some())
                    .map(|p| p.user)
                    .collect();
                for user in due {
                    let p = pending.remove(&user).expect("due");
                    let t0 = p.appended.expect("appended");
                    out.appends += 1;
                    for a in p.answered {
                        match a {
                            Some(at) if at <= t0 + window => {
                                if at < t0 {
                                    out.early += 1;
                                }
                                out.samples.push(at.saturating_duration_since(t0).as_secs_f64());
                            }
                            _ => out.missing += 1,
                        }
                    }
                }
                if started >= args.appends && pending.is_empty() {
                    break;
                }
                if started > 0 && started % 50 == 0 && pending.len() < 2 {
                    // (progress is printed by the caller's ticker)
                }
            }
        }
    }
    out.samples.sort_by(|a, b| a.total_cmp(b));
    out
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
    let imap_port: u16 = stack
        .var("STACK_IMAP_PORT")
        .parse()
        .expect("STACK_IMAP_PORT");
    let dovecot_prefix = format!("dovecot-airgate-test-{imap_port}/imap");
    let dovecot_master: u32 = stack.var("STACK_DOVECOT_PID").parse().unwrap_or(0);
    let mut rng = Rng::new();
    let total = args.users * args.devices;
    println!(
        "ping_bench: {} users x {} devices = {total} devices, {} folders each, airgate {} against Dovecot at {}",
        args.users,
        args.devices,
        args.folders,
        args.airgate.display(),
        stack.imap_url()
    );

    let t = Instant::now();
    let mut users = add_users(stack, args.users + 1, &mut rng);
    // The last one only sends the requests that make airgate close its idle request sessions.
    let sweeper = users.pop().expect("a sweeper user");
    println!(
        "added {} users ({} .. {}) in {:.1} s",
        users.len(),
        users[0].0,
        users[users.len() - 1].0,
        t.elapsed().as_secs_f64()
    );

    // airgate.
    let metrics_addr: std::net::SocketAddr = format!("127.0.0.1:{}", free_port())
        .parse()
        .expect("address");
    let mut extra: Vec<String> = vec![
        "--mail-session-idle-seconds".into(),
        args.session_idle.to_string(),
    ];
    if !args.setup_only {
        extra.extend([
            "--metrics-listen".into(),
            metrics_addr.to_string(),
            "--push-linger-seconds".into(),
            args.linger.to_string(),
        ]);
    }
    extra.extend(args.airgate_args.iter().cloned());
    let work = std::env::temp_dir();
    let ag = Airgate::start_with(&args.airgate, stack, &work, "info", &extra);
    let pid = ag.pid();
    println!(
        "airgate pid {pid} at {} (log {}); flags {extra:?}",
        ag.url,
        ag.log.display()
    );
    let mut metrics = (!args.setup_only).then(|| Metrics::new(metrics_addr));
    tokio::time::sleep(Duration::from_secs(1)).await;
    let at_start = Snapshot::take(pid, imap_port, &dovecot_prefix, metrics.as_mut(), false).await;
    println!("at start: {}", at_start.line());
    if let Some(m) = metrics.as_mut()
        && !m.reachable().await
    {
        println!("warning: {metrics_addr}/metrics answers nothing");
    }

    // The devices.
    let (addr, host, path) = Conn::parse_url(&ag.url).expect("airgate URL");
    let (events_tx, mut events_rx) = mpsc::unbounded_channel();
    let (go_tx, go_rx) = watch::channel(false);
    let shared = Arc::new(Shared {
        addr,
        host,
        path,
        heartbeat: args.heartbeat,
        folders: args.folders,
        counters: Counters::default(),
        inbox_changed: events_tx,
        go: go_rx,
    });
    let mut sweeper = Device::new(
        shared.clone(),
        0,
        0,
        &sweeper.0,
        &sweeper.1,
        "pingbenchsweep",
    );
    let gate = Arc::new(Semaphore::new(args.concurrency));
    let cpu0 = [
        procfs::cpu_seconds(pid, false),
        procfs::cpu_seconds(dovecot_master, true),
        procfs::cpu_seconds(std::process::id(), false),
    ];
    let setup_start = Instant::now();
    let folder_counts = Arc::new(std::sync::Mutex::new(HashMap::<usize, usize>::new()));
    let mut first_error: Option<String> = None;
    let (err_tx, mut err_rx) = mpsc::unbounded_channel::<String>();
    // Device-major order: every user's first device, then every user's second, ...
    for d in 0..args.devices {
        for (u, (user, pw)) in users.iter().enumerate() {
            let mut dev = Device::new(shared.clone(), u, d, user, pw, &format!("pingbench{u}x{d}"));
            let gate = gate.clone();
            let shared = shared.clone();
            let counts = folder_counts.clone();
            let err_tx = err_tx.clone();
            let setup_only = args.setup_only;
            // When the first Pings are spread out: this device's turn after the go.
            let delay = (args.go_rate > 0.0)
                .then(|| Duration::from_secs_f64((d * args.users + u) as f64 / args.go_rate));
            tokio::spawn(async move {
                let permit = gate.acquire_owned().await.expect("semaphore");
                let r = dev.setup().await;
                drop(permit);
                match r {
                    Ok(()) => {
                        shared.counters.setup_done.fetch_add(1, Ordering::Relaxed);
                        *counts
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .entry(dev.folder_count())
                            .or_default() += 1;
                    }
                    Err(e) => {
                        shared.counters.setup_failed.fetch_add(1, Ordering::Relaxed);
                        let _ = err_tx.send(e);
                        return;
                    }
                }
                if setup_only {
                    return;
                }
                let mut go = shared.go.clone();
                let _ = go.wait_for(|g| *g).await;
                if let Some(delay) = delay {
                    tokio::time::sleep(delay).await;
                }
                dev.hold().await;
            });
        }
    }
    drop(err_tx);
    let c = &shared.counters;
    let mut last = Instant::now();
    loop {
        let done = Counters::get(&c.setup_done) + Counters::get(&c.setup_failed);
        while let Ok(e) = err_rx.try_recv() {
            first_error.get_or_insert(e);
        }
        if done as usize >= total {
            break;
        }
        if last.elapsed() >= Duration::from_secs(10) {
            last = Instant::now();
            println!(
                "setup: {done}/{total} devices after {:.0} s ({} failed); airgate RSS {}",
                setup_start.elapsed().as_secs_f64(),
                Counters::get(&c.setup_failed),
                mib(procfs::rss_kib(pid))
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let setup_secs = setup_start.elapsed().as_secs_f64();
    let setup_failed = Counters::get(&c.setup_failed);
    println!(
        "setup: {total} devices in {setup_secs:.1} s ({:.0} devices/s; {setup_failed} failed{}); folders per device: {:?}; {} FolderSyncs, {} Syncs",
        total as f64 / setup_secs,
        first_error
            .as_ref()
            .map(|e| format!(", first: {e}"))
            .unwrap_or_default(),
        folder_counts.lock().unwrap_or_else(|e| e.into_inner()),
        Counters::get(&c.folder_syncs),
        Counters::get(&c.syncs),
    );
    let drain = Duration::from_secs(args.session_idle + 5);
    println!(
        "waiting {} s for the request sessions to close",
        drain.as_secs()
    );
    tokio::time::sleep(drain).await;
    sweep(&mut sweeper).await;
    let after_setup = Snapshot::take(pid, imap_port, &dovecot_prefix, metrics.as_mut(), true).await;
    println!("after setup: {}", after_setup.line());
    if args.setup_only {
        return;
    }
    let mut metrics = metrics.expect("metrics");

    // Hold.
    let held_target = (total as u64 - setup_failed) as f64;
    let _ = go_tx.send(true);
    let hold_start = Instant::now();
    let mut last = Instant::now();
    let mut all_held_secs = None;
    loop {
        let s = metrics.scrape().await;
        let held = s.get("airgate_push_held_requests").unwrap_or(0.0);
        if held >= held_target {
            all_held_secs = Some(hold_start.elapsed().as_secs_f64());
            break;
        }
        if hold_start.elapsed() > Duration::from_secs(args.hold_timeout) {
            println!("not all Pings held after {} s", args.hold_timeout);
            break;
        }
        if last.elapsed() >= Duration::from_secs(10) {
            last = Instant::now();
            println!(
                "holding: airgate holds {held:.0}, client has {} in flight, answers {}; errors {}/{}; RSS {}",
                Counters::get(&c.pings_in_flight),
                c.answers_text(),
                Counters::get(&c.io_errors),
                Counters::get(&c.bad_answers),
                mib(procfs::rss_kib(pid))
            );
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    if let Some(s) = all_held_secs {
        println!("all {held_target} Pings held {s:.1} s after the go");
    }
    // Let the request sessions of any Sync after an early Status 2 close, and RSS settle.
    tokio::time::sleep(drain).await;
    sweep(&mut sweeper).await;
    let held = Snapshot::take(pid, imap_port, &dovecot_prefix, Some(&mut metrics), true).await;
    println!("all held: {}", held.line());
    println!(
        "client: {} Pings in flight, RSS {}, fds {}, answers so far: {}",
        Counters::get(&c.pings_in_flight),
        mib(procfs::rss_kib(std::process::id())),
        procfs::open_fds(std::process::id()),
        c.answers_text()
    );

    // Latency.
    let hist0 = metrics
        .scrape()
        .await
        .histogram("airgate_push_latency_seconds");
    let lat_start = Instant::now();
    let lat = latency_phase(&args, stack, &users, &mut events_rx, &mut rng).await;
    let lat_secs = lat_start.elapsed().as_secs_f64();
    let hist = metrics
        .scrape()
        .await
        .histogram("airgate_push_latency_seconds")
        .since(&hist0);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let end = Snapshot::take(pid, imap_port, &dovecot_prefix, Some(&mut metrics), false).await;
    let cpu = [
        procfs::cpu_seconds(pid, false) - cpu0[0],
        procfs::cpu_seconds(dovecot_master, true) - cpu0[1],
        procfs::cpu_seconds(std::process::id(), false) - cpu0[2],
    ];
    println!("after the latency phase: {}", end.line());

    // Summary.
    let n_held = held.held.unwrap_or(0.0);
    let per_ping = |base: u64| {
        if n_held > 0.0 {
            format!("{:.1} KiB", (held.rss_kib as f64 - base as f64) / n_held)
        } else {
            "-".into()
        }
    };
    let s = &lat.samples;
    let expected = lat.appends * args.devices;
    let fmt_s = |v: f64| {
        if v.is_nan() {
            "-".to_owned()
        } else {
            format!("{:.3} s", v)
        }
    };
    let mut md = String::new();
    let _ = writeln!(
        md,
        "| ping_bench: {} users x {} devices, {} folders, heartbeat {} s, first Pings {} | |",
        args.users,
        args.devices,
        args.folders,
        args.heartbeat,
        if args.go_rate > 0.0 {
            format!("{}/s", args.go_rate)
        } else {
            "all at once".into()
        }
    );
    let _ = writeln!(md, "|---|---|");
    let _ = writeln!(
        md,
        "| setup (FolderSync, 2 Syncs per device, {} at once) | {total} devices in {setup_secs:.1} s, {setup_failed} failed |",
        args.concurrency
    );
    let _ = writeln!(
        md,
        "| Pings held (gauge `airgate_push_held_requests`) | {} of {held_target:.0}{} |",
        gauge(held.held),
        all_held_secs
            .map(|s| format!(", all held {s:.1} s after the go"))
            .unwrap_or_default()
    );
    let _ = writeln!(
        md,
        "| airgate RSS: at start / after setup / all held | {} / {} / {} |",
        mib(at_start.rss_kib),
        mib(after_setup.rss_kib),
        mib(held.rss_kib)
    );
    let _ = writeln!(
        md,
        "| **RSS per held Ping** (from start / from after setup) | **{}** / {} |",
        per_ping(at_start.rss_kib),
        per_ping(after_setup.rss_kib)
    );
    let _ = writeln!(
        md,
        "| **airgate's IMAP connections** with all held, request sessions idle > {} s closed | **{}** for {} users (established to the IMAP port, less the sweep request's one session); gauges: watchers {}, upstream connections {} |",
        args.session_idle,
        held.imap_conns.saturating_sub(1),
        args.users,
        gauge(held.watchers),
        gauge(held.upstream)
    );
    let _ = writeln!(md, "| airgate open fds, all held | {} |", held.fds);
    let _ = writeln!(
        md,
        "| Dovecot imap processes (RSS), all held | {} ({}) |",
        held.dovecot_imap.0,
        mib(held.dovecot_imap.1)
    );
    let _ = writeln!(
        md,
        "| **APPEND to Ping answer** ({} APPENDs at {}/s, {} samples) | p50 {}, p90 {}, **p99 {}**, max {} |",
        lat.appends,
        args.append_rate,
        s.len(),
        fmt_s(percentile(s, 0.5)),
        fmt_s(percentile(s, 0.9)),
        fmt_s(percentile(s, 0.99)),
        fmt_s(s.last().copied().unwrap_or(f64::NAN))
    );
    let _ = writeln!(
        md,
        "| answered within {} s | {} of {expected}{}{} |",
        args.answer_window,
        s.len(),
        if lat.early > 0 {
            format!(" ({} before the APPEND's OK was read)", lat.early)
        } else {
            String::new()
        },
        if lat.append_errors > 0 {
            format!("; {} APPENDs failed", lat.append_errors)
        } else {
            String::new()
        }
    );
    let _ = writeln!(
        md,
        "| server histogram `airgate_push_latency_seconds` during those {lat_secs:.0} s | {} |",
        hist.summary()
    );
    let _ = writeln!(
        md,
        "| Ping answers (whole run) | {}; transport errors {}, bad answers {}, reconnects {} |",
        c.answers_text(),
        Counters::get(&c.io_errors),
        Counters::get(&c.bad_answers),
        Counters::get(&c.reconnects)
    );
    let _ = writeln!(
        md,
        "| Pings held after the latency phase | {} |",
        gauge(end.held)
    );
    let _ = writeln!(
        md,
        "| CPU s from setup to end: airgate / Dovecot (master + reaped) / client | {:.1} / {:.1} / {:.1} |",
        cpu[0], cpu[1], cpu[2]
    );
    let log = std::fs::read_to_string(&ag.log).unwrap_or_default();
    let level = |l: &str| log.lines().filter(|line| line.contains(l)).count();
    let _ = writeln!(
        md,
        "| airgate log lines at WARN / ERROR | {} / {} |",
        level(" WARN "),
        level(" ERROR ")
    );
    let _ = writeln!(
        md,
        "| client RSS, fds | {}, {} |",
        mib(procfs::rss_kib(std::process::id())),
        procfs::open_fds(std::process::id())
    );
    if !hist.buckets.is_empty() {
        let b: Vec<String> = hist
            .buckets
            .iter()
            .map(|(le, n)| format!("le {le}: {n}"))
            .collect();
        let _ = writeln!(
            md,
            "\nserver histogram buckets (cumulative): {}",
            b.join(", ")
        );
    }
    println!();
    println!("{md}");
    if let Some(path) = &args.out {
        std::fs::write(path, &md).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        println!("written to {}", path.display());
    }
    drop(ag);
    std::process::exit(0);
}
