//! Push against the real Dovecot: Ping and Sync with Wait answer when a watched folder changes
//! upstream (the user's NOTIFY watcher sees it), expire, report hierarchy changes, and end
//! when the device sends a newer one or goes away. Every test has its own user.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use eas_test_client::docs::{self, SyncOpts, SyncTop};
use eas_test_client::tags::{airsync as a, ping as p};
use eas_test_client::{Airgate, Client, Element, ElementExt, Imap, Response, Stack, device_id};

/// The instance all tests share: short heartbeats allowed, watchers stop 1 s after the last
/// waiter, metrics on a port of their own.
fn airgate() -> &'static (Airgate, String) {
    static AIRGATE: OnceLock<(Airgate, String)> = OnceLock::new();
    AIRGATE.get_or_init(|| start(&[]))
}

fn start(extra: &[&str]) -> (Airgate, String) {
    let metrics = free_port();
    let listen = format!("127.0.0.1:{metrics}");
    let mut args = vec![
        "--push-min-heartbeat-seconds",
        "1",
        "--push-linger-seconds",
        "1",
        "--push-max-folders",
        "6",
        "--metrics-listen",
        &listen,
    ];
    args.extend_from_slice(extra);
    let ag = Airgate::start(env!("CARGO_BIN_EXE_airgate"), &args);
    (ag, format!("http://{listen}/metrics"))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A fresh user with one provisioned device whose five default folders are synced.
struct Setup {
    c: Client,
    imap: Imap,
    user: String,
    password: String,
    /// (ServerId, DisplayName, SyncKey) of INBOX, Drafts, Sent, Trash, Junk.
    folders: Vec<(String, String, String)>,
}

impl Setup {
    async fn new(name: &str) -> Setup {
        Setup::on(&airgate().0, name).await
    }

    async fn on(ag: &Airgate, name: &str) -> Setup {
        let stack = Stack::get();
        let (user, password) = stack.fresh_user(name);
        let imap = Imap::connect(stack, &user, &password);
        let c = device(ag, &user, &password, name).await;
        let folders = synced_folders(&c).await;
        Setup {
            c,
            imap,
            user,
            password,
            folders,
        }
    }

    fn id(&self, name: &str) -> String {
        self.folders
            .iter()
            .find(|f| f.1 == name)
            .map(|f| f.0.clone())
            .unwrap_or_else(|| panic!("no folder {name}: {:?}", self.folders))
    }

    fn key(&self, name: &str) -> String {
        self.folders
            .iter()
            .find(|f| f.1 == name)
            .map(|f| f.2.clone())
            .unwrap_or_else(|| panic!("no folder {name}: {:?}", self.folders))
    }

    fn ids(&self) -> Vec<String> {
        self.folders.iter().map(|f| f.0.clone()).collect()
    }
}

/// A provisioned device that ran FolderSync.
async fn device(ag: &Airgate, user: &str, password: &str, name: &str) -> Client {
    let mut c = ag.client_with_password(user, password, &device_id(name));
    c.provision().await;
    c.post("FolderSync", &docs::folder_sync("0"))
        .await
        .assert_status(200);
    c
}

/// FolderSync, then Sync key 0 and once more of the five default folders: nothing pending.
async fn synced_folders(c: &Client) -> Vec<(String, String, String)> {
    let r = c.post("FolderSync", &docs::folder_sync("0")).await;
    let wanted = ["Inbox", "Drafts", "Sent", "Trash", "Junk"];
    let mut folders: Vec<(String, String, String)> = r
        .doc()
        .folder_sync_folders()
        .into_iter()
        .filter(|f| wanted.contains(&f.2.as_str()))
        .map(|f| (f.0, f.2, "0".to_owned()))
        .collect();
    assert_eq!(folders.len(), 5, "{r:?}");
    for _ in 0..2 {
        let collections = folders
            .iter()
            .map(|f| {
                docs::sync_collection_request(&f.0, &f.2, Some(100), &SyncOpts::default(), vec![])
            })
            .collect();
        let r = c.post("Sync", &docs::sync_multi(collections)).await;
        r.assert_status(200);
        for coll in r.doc().all_at(&[a::COLLECTIONS, a::COLLECTION]) {
            let id = coll.text_at(&[a::COLLECTION_ID]).unwrap_or_default();
            let key = coll.text_at(&[a::SYNC_KEY]).unwrap_or_default();
            if let Some(f) = folders.iter_mut().find(|f| f.0 == id) {
                f.2 = key;
            }
        }
    }
    folders
}

fn ping_doc(heartbeat: Option<u32>, folders: &[String]) -> Element {
    let mut doc = Element::new(p::PING);
    if let Some(h) = heartbeat {
        doc.push(Element::with_text(p::HEARTBEAT_INTERVAL, h.to_string()));
    }
    if !folders.is_empty() {
        let mut fs = Element::new(p::FOLDERS);
        for f in folders {
            fs.push(
                Element::new(p::FOLDER)
                    .text_child(p::ID, f.as_str())
                    .text_child(p::CLASS, "Email"),
            );
        }
        doc.push(fs);
    }
    doc
}

/// A request with no body (an empty Ping or Sync).
async fn post_empty(c: &Client, cmd: &str) -> Response {
    let headers = c.eas_headers();
    let headers: Vec<(&str, &str)> = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    c.post_raw(&c.plain_query(cmd), &headers, Vec::new()).await
}

fn ping_status(r: &Response) -> String {
    r.assert_status(200);
    r.doc().text_at(&[p::STATUS]).unwrap_or_default()
}

fn ping_folders(r: &Response) -> Vec<String> {
    r.doc()
        .all_at(&[p::FOLDERS, p::FOLDER])
        .iter()
        .map(|f| f.text_or_empty().into_owned())
        .collect()
}

fn message(subject: &str) -> Vec<u8> {
    format!(
        "From: a@example.net\r\nTo: b@example.org\r\nSubject: {subject}\r\n\
         Date: Sun, 22 Nov 2026 10:00:00 +0000\r\n\r\nhello\r\n"
    )
    .into_bytes()
}

/// Starts a Ping in the background and gives it time to be held.
async fn held_ping(c: &Client, doc: Element) -> tokio::task::JoinHandle<Response> {
    let c = c.clone();
    let task = tokio::spawn(async move { c.post("Ping", &doc).await });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!task.is_finished(), "the Ping was answered at once");
    task
}

/// Waits for a held request's answer, at most `within`.
async fn answer(task: tokio::task::JoinHandle<Response>, within: Duration) -> Response {
    tokio::time::timeout(within, task)
        .await
        .unwrap_or_else(|_| panic!("no answer within {within:?}"))
        .expect("the request task")
}

/// A gauge or counter from the metrics page.
async fn metric(url: &str, name: &str) -> f64 {
    let text = reqwest::get(url)
        .await
        .expect("metrics")
        .text()
        .await
        .expect("metrics text");
    text.lines()
        .find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

async fn eventually(url: &str, name: &str, want: f64, within: Duration) {
    let start = Instant::now();
    loop {
        let got = metric(url, name).await;
        if got == want {
            return;
        }
        assert!(
            start.elapsed() < within,
            "{name} is {got}, not {want}, after {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ping_over_five_folders_answers_within_2s_of_an_append_and_names_the_folder() {
    let mut s = Setup::new("ping-append").await;
    let task = held_ping(&s.c, ping_doc(Some(300), &s.ids())).await;
    s.imap.append("Trash", &message("one"), &[], None);
    let appended = Instant::now();
    let r = answer(task, Duration::from_secs(5)).await;
    let took = appended.elapsed();
    assert_eq!(ping_status(&r), "2", "{r:?}");
    assert_eq!(ping_folders(&r), vec![s.id("Trash")]);
    assert!(
        took < Duration::from_secs(2),
        "answered {took:?} after the APPEND"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flag_change_wakes_a_ping() {
    let mut s = Setup::new("ping-flag").await;
    let uid = s.imap.append("INBOX", &message("flag me"), &[], None);
    s.folders = synced_folders(&s.c).await;
    let task = held_ping(&s.c, ping_doc(Some(300), &s.ids())).await;
    s.imap.store("INBOX", uid, "+FLAGS", &["\\Seen"]);
    let r = answer(task, Duration::from_secs(3)).await;
    assert_eq!(ping_status(&r), "2", "{r:?}");
    assert_eq!(ping_folders(&r), vec![s.id("Inbox")]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expunge_wakes_a_ping() {
    let mut s = Setup::new("ping-expunge").await;
    let uid = s.imap.append("Sent", &message("gone soon"), &[], None);
    s.folders = synced_folders(&s.c).await;
    let task = held_ping(&s.c, ping_doc(Some(300), &s.ids())).await;
    s.imap.expunge("Sent", uid);
    let r = answer(task, Duration::from_secs(3)).await;
    assert_eq!(ping_status(&r), "2", "{r:?}");
    assert_eq!(ping_folders(&r), vec![s.id("Sent")]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ping_without_changes_expires_with_status_1() {
    let s = Setup::new("ping-expire").await;
    let started = Instant::now();
    let r = s.c.post("Ping", &ping_doc(Some(2), &s.ids())).await;
    assert_eq!(ping_status(&r), "1", "{r:?}");
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(4),
        "expired after {took:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_mailbox_gives_status_7_and_a_folder_sync_clears_it() {
    let mut s = Setup::new("ping-hier").await;
    let r = s.c.post("FolderSync", &docs::folder_sync("0")).await;
    let key = r
        .doc()
        .text_at(&[eas_test_client::tags::folderhierarchy::SYNC_KEY])
        .expect("a FolderSync key");
    let task = held_ping(&s.c, ping_doc(Some(300), &s.ids())).await;
    // A mailbox becomes a folder when subscribed (unsubscribed ones are not shown).
    s.imap.create("Projects");
    s.imap.subscribe("Projects");
    let r = answer(task, Duration::from_secs(3)).await;
    assert_eq!(ping_status(&r), "7", "{r:?}");
    // Right after the (incremental) FolderSync the hierarchy is current: no spurious 7.
    let r = s.c.post("FolderSync", &docs::folder_sync(&key)).await;
    let added: Vec<String> = r
        .doc()
        .folder_sync_folders()
        .into_iter()
        .map(|f| f.2)
        .collect();
    assert_eq!(added, ["Projects"], "{r:?}");
    let r = s.c.post("Ping", &ping_doc(Some(2), &s.ids())).await;
    assert_eq!(ping_status(&r), "1", "{r:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ping_right_after_a_folder_sync_is_not_status_7() {
    let s = Setup::new("ping-nohier").await;
    let r = s.c.post("FolderSync", &docs::folder_sync("0")).await;
    r.assert_status(200);
    let r = s.c.post("Ping", &ping_doc(Some(2), &s.ids())).await;
    assert_eq!(ping_status(&r), "1", "{r:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_ping_from_the_device_ends_the_first_at_once() {
    let mut s = Setup::new("ping-double").await;
    let first = held_ping(&s.c, ping_doc(Some(300), &s.ids())).await;
    let second = held_ping(&s.c, ping_doc(Some(300), &s.ids())).await;
    let r = answer(first, Duration::from_secs(1)).await;
    assert_eq!(ping_status(&r), "1", "{r:?}");
    s.imap
        .append("INBOX", &message("for the second"), &[], None);
    let r = answer(second, Duration::from_secs(3)).await;
    assert_eq!(ping_status(&r), "2", "{r:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_device_of_the_user_is_told_through_one_watcher() {
    let (ag, metrics) = airgate();
    let mut s = Setup::on(ag, "ping-two-devices").await;
    let other = device(ag, &s.user, &s.password, "ping-two-devices-b").await;
    let other_folders = synced_folders(&other).await;
    let ids: Vec<String> = other_folders.iter().map(|f| f.0.clone()).collect();
    let a = held_ping(&s.c, ping_doc(Some(300), &s.ids())).await;
    let b = held_ping(&other, ping_doc(Some(300), &ids)).await;
    assert!(metric(metrics, "airgate_push_held_requests").await >= 2.0);
    s.imap.append("INBOX", &message("for both"), &[], None);
    assert_eq!(ping_status(&answer(a, Duration::from_secs(3)).await), "2");
    assert_eq!(ping_status(&answer(b, Duration::from_secs(3)).await), "2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_goes_away_releases_its_wait_and_the_watcher() {
    // Its own instance, so that the gauges count this test's requests only.
    let (ag, metrics) = start(&[]);
    let s = Setup::on(&ag, "ping-gone").await;
    let doc = ping_doc(Some(300), &s.ids());
    let c = s.c.clone();
    let task = tokio::spawn(async move { c.post("Ping", &doc).await });
    eventually(
        &metrics,
        "airgate_push_held_requests",
        1.0,
        Duration::from_secs(3),
    )
    .await;
    eventually(
        &metrics,
        "airgate_push_watchers",
        1.0,
        Duration::from_secs(3),
    )
    .await;
    task.abort();
    eventually(
        &metrics,
        "airgate_push_held_requests",
        0.0,
        Duration::from_secs(2),
    )
    .await;
    // The watcher lingers one second (`--push-linger-seconds 1`), then logs out.
    eventually(
        &metrics,
        "airgate_push_watchers",
        0.0,
        Duration::from_secs(4),
    )
    .await;
    eventually(
        &metrics,
        "airgate_push_upstream_connections",
        0.0,
        Duration::from_secs(2),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_answers_a_held_ping_at_once() {
    let (ag, _) = start(&[]);
    let s = Setup::on(&ag, "ping-shutdown").await;
    let task = held_ping(&s.c, ping_doc(Some(300), &s.ids())).await;
    let stopped = Instant::now();
    tokio::task::spawn_blocking(move || drop(ag));
    let r = answer(task, Duration::from_secs(3)).await;
    assert_eq!(ping_status(&r), "1", "{r:?}");
    assert!(stopped.elapsed() < Duration::from_secs(3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_ping_repeats_the_last_parameters() {
    let mut s = Setup::new("ping-empty").await;
    let r = s.c.post("Ping", &ping_doc(Some(1), &s.ids())).await;
    assert_eq!(ping_status(&r), "1");
    // Changes the interval only; the folders stay.
    let task = held_ping(&s.c, ping_doc(Some(30), &[])).await;
    s.imap.append("Junk", &message("spam"), &[], None);
    let r = answer(task, Duration::from_secs(3)).await;
    assert_eq!(ping_status(&r), "2", "{r:?}");
    assert_eq!(ping_folders(&r), vec![s.id("Junk")]);
    s.folders = synced_folders(&s.c).await;
    // No body at all: interval and folders as last time.
    let c = s.c.clone();
    let task = tokio::spawn(async move { post_empty(&c, "Ping").await });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!task.is_finished(), "the empty Ping was answered at once");
    s.imap.append("Junk", &message("more spam"), &[], None);
    let r = answer(task, Duration::from_secs(3)).await;
    assert_eq!(ping_status(&r), "2", "{r:?}");
    assert_eq!(ping_folders(&r), vec![s.id("Junk")]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ping_parameters_are_checked() {
    let s = Setup::new("ping-params").await;
    // Nothing cached yet.
    assert_eq!(ping_status(&post_empty(&s.c, "Ping").await), "3");
    let r = s.c.post("Ping", &ping_doc(Some(4000), &s.ids())).await;
    assert_eq!(ping_status(&r), "5");
    assert_eq!(
        r.doc().text_at(&[p::HEARTBEAT_INTERVAL]).as_deref(),
        Some("3540")
    );
    let mut seven = s.ids();
    seven.push("1".into());
    seven.push("2".into());
    let r = s.c.post("Ping", &ping_doc(Some(60), &seven)).await;
    assert_eq!(ping_status(&r), "6");
    assert_eq!(r.doc().text_at(&[p::MAX_FOLDERS]).as_deref(), Some("6"));
    let bad = Element::new(p::PING).child(Element::new(p::FOLDERS));
    assert_eq!(ping_status(&s.c.post("Ping", &bad).await), "4");
    let r =
        s.c.post("Ping", &ping_doc(Some(60), &["999".to_owned()]))
            .await;
    assert_eq!(ping_status(&r), "7", "an unknown folder needs a FolderSync");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_with_wait_answers_with_the_new_mail() {
    let mut s = Setup::new("sync-wait").await;
    let inbox = s.id("Inbox");
    let key = s.key("Inbox");
    let doc = docs::sync_request(
        vec![docs::sync_collection_request(
            &inbox,
            &key,
            Some(100),
            &SyncOpts::default(),
            vec![],
        )],
        &SyncTop {
            wait: Some(5),
            ..SyncTop::default()
        },
    );
    let c = s.c.clone();
    let task = tokio::spawn(async move { c.post("Sync", &doc).await });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!task.is_finished(), "the Sync was answered at once");
    s.imap.append("INBOX", &message("waited for"), &[], None);
    let r = answer(task, Duration::from_secs(3)).await;
    r.assert_status(200);
    assert!(format!("{r:?}").contains("waited for"), "{r:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_sync_repeats_the_last_one_and_says_nothing_when_nothing_changed() {
    let mut s = Setup::new("sync-empty").await;
    // The last Sync (of synced_folders) had all five folders.
    let r = post_empty(&s.c, "Sync").await;
    r.assert_status(200);
    assert!(r.body.is_empty(), "not the empty response: {r:?}");
    s.imap
        .append("Drafts", &message("a draft"), &["\\Draft"], None);
    let r = post_empty(&s.c, "Sync").await;
    r.assert_status(200);
    assert!(format!("{r:?}").contains("a draft"), "{r:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_sync_wait_ends_a_held_ping_of_the_device() {
    let s = Setup::new("ping-then-sync").await;
    let ping = held_ping(&s.c, ping_doc(Some(300), &s.ids())).await;
    let inbox = s.id("Inbox");
    let doc = docs::sync_request(
        vec![docs::sync_collection_request(
            &inbox,
            &s.key("Inbox"),
            Some(100),
            &SyncOpts::default(),
            vec![],
        )],
        &SyncTop {
            heartbeat_interval: Some(300),
            ..SyncTop::default()
        },
    );
    let c = s.c.clone();
    let sync = tokio::spawn(async move { c.post("Sync", &doc).await });
    let r = answer(ping, Duration::from_secs(2)).await;
    assert_eq!(ping_status(&r), "1", "{r:?}");
    sync.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_notify_idle_and_polls_still_push() {
    let (ag, _) = start(&[
        "--push-imap-force-idle",
        "true",
        "--push-imap-poll-seconds",
        "1",
    ]);
    let mut s = Setup::on(&ag, "ping-idle").await;
    // INBOX through IDLE: at once.
    let task = held_ping(&s.c, ping_doc(Some(300), &s.ids())).await;
    s.imap.append("INBOX", &message("idle"), &[], None);
    let appended = Instant::now();
    let r = answer(task, Duration::from_secs(5)).await;
    assert_eq!(ping_status(&r), "2", "{r:?}");
    assert_eq!(ping_folders(&r), vec![s.id("Inbox")]);
    assert!(appended.elapsed() < Duration::from_secs(2));
    s.folders = synced_folders(&s.c).await;
    // Another folder through the STATUS poll: within the poll interval.
    let task = held_ping(&s.c, ping_doc(Some(300), &s.ids())).await;
    s.imap.append("Trash", &message("polled"), &[], None);
    let r = answer(task, Duration::from_secs(5)).await;
    assert_eq!(ping_status(&r), "2", "{r:?}");
    assert_eq!(ping_folders(&r), vec![s.id("Trash")]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_watcher_connection_is_made_again_and_the_held_ping_still_answers() {
    let (ag, metrics) = start(&[]);
    let s = Setup::on(&ag, "ping-kicked").await;
    let task = held_ping(&s.c, ping_doc(Some(300), &s.ids())).await;
    eventually(
        &metrics,
        "airgate_push_upstream_connections",
        1.0,
        Duration::from_secs(3),
    )
    .await;
    // Dovecot drops every connection of the user, the watcher's among them.
    let stack = Stack::get();
    let out = std::process::Command::new("doveadm")
        .args(["-c", stack.var("STACK_DOVECOT_CONF"), "kick", &s.user])
        .output()
        .expect("doveadm");
    assert!(out.status.success(), "doveadm kick: {out:?}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut imap = Imap::connect(stack, &s.user, &s.password);
    imap.append("INBOX", &message("after the kick"), &[], None);
    let r = answer(task, Duration::from_secs(8)).await;
    assert_eq!(ping_status(&r), "2", "{r:?}");
    assert_eq!(ping_folders(&r), vec![s.id("Inbox")]);
}
