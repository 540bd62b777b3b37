//! Sync of Email against Dovecot: initial sync in windows, filters, the corpus messages, body
//! preferences, device-side and server-side changes, UIDVALIDITY changes, retries, several
//! devices and collections, the 12.1 and 14.1 forms, and a kill -9 of airgate.
//! Every test has its own user, so tests are independent and run in parallel.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use eas_test_client::docs::{self, BodyPref, SyncOpts};
use eas_test_client::tags::{airsync as a, airsyncbase as asb, email as em};
use eas_test_client::{
    Airgate, Client, Element, ElementExt, Imap, Response, Stack, device_id, mail_corpus_expected,
    seed_corpus,
};

fn airgate() -> &'static Airgate {
    static AIRGATE: OnceLock<Airgate> = OnceLock::new();
    AIRGATE.get_or_init(|| Airgate::start(env!("CARGO_BIN_EXE_airgate"), &[]))
}

/// (ServerId, ParentId, DisplayName, Type).
type Folder = (String, String, String, u8);

/// A fresh user with one provisioned device that has run FolderSync, and an IMAP session of
/// the same user.
struct Setup {
    c: Client,
    imap: Imap,
    user: String,
    password: String,
    folders: Vec<Folder>,
}

impl Setup {
    async fn new(name: &str) -> Setup {
        Setup::with_version(name, "16.1").await
    }

    async fn with_version(name: &str, version: &str) -> Setup {
        Setup::on(airgate(), name, version).await
    }

    async fn on(airgate: &Airgate, name: &str, version: &str) -> Setup {
        let stack = Stack::get();
        let (user, password) = stack.fresh_user(name);
        let imap = Imap::connect(stack, &user, &password);
        let c = device(airgate, &user, &password, name, version).await;
        let folders = folder_sync(&c).await;
        Setup {
            c,
            imap,
            user,
            password,
            folders,
        }
    }

    fn inbox(&self) -> String {
        self.of_type(2)
    }

    fn of_type(&self, t: u8) -> String {
        self.folders
            .iter()
            .find(|f| f.3 == t)
            .unwrap_or_else(|| panic!("no folder of type {t}: {:?}", self.folders))
            .0
            .clone()
    }

    fn folder(&self, name: &str) -> String {
        self.folders
            .iter()
            .find(|f| f.2 == name)
            .unwrap_or_else(|| panic!("no folder {name:?}: {:?}", self.folders))
            .0
            .clone()
    }

    /// Another device of the same user, after its FolderSync.
    async fn other_device(&self, name: &str) -> Client {
        let c = device(airgate(), &self.user, &self.password, name, "16.1").await;
        folder_sync(&c).await;
        c
    }

    /// Creates and subscribes a top-level mailbox (`wire`: its IMAP name), then runs
    /// FolderSync again; returns its id.
    async fn add_folder(&mut self, wire: &str) -> String {
        self.imap.create(wire);
        self.imap.subscribe(wire);
        self.folders = folder_sync(&self.c).await;
        self.folder(&eas_test_client::imap::mutf7_decode(wire))
    }
}

/// A provisioned device of `user`.
async fn device(
    airgate: &Airgate,
    user: &str,
    password: &str,
    name: &str,
    version: &str,
) -> Client {
    let mut c = airgate
        .client_with_password(user, password, &device_id(name))
        .with_version(version);
    c.provision().await;
    c
}

async fn folder_sync(c: &Client) -> Vec<Folder> {
    let r = c.post("FolderSync", &docs::folder_sync("0")).await;
    r.assert_status(200);
    r.doc().folder_sync_folders()
}

/// A small text/plain message.
fn message(subject: &str, body: &str) -> Vec<u8> {
    let id: String = subject
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    format!(
        "From: Test Sender <sender@example.org>\r\nTo: Rcpt <rcpt@example.org>\r\n\
         Subject: {subject}\r\nDate: Sun, 22 Nov 2026 08:00:00 +0000\r\n\
         Message-ID: <{id}.{}@example.org>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n",
        std::process::id()
    )
    .into_bytes()
}

/// Appends `n` messages "subject 1".."subject n"; returns their UIDs.
fn append_n(imap: &mut Imap, mailbox: &str, n: usize, subject: &str) -> Vec<u32> {
    (1..=n)
        .map(|i| {
            imap.append(
                mailbox,
                &message(
                    &format!("{subject} {i}"),
                    &format!("Body of {subject} {i}."),
                ),
                &[],
                None,
            )
        })
        .collect()
}

/// One collection of a Sync response.
#[derive(Debug)]
struct Col {
    status: String,
    key: String,
    more: bool,
    adds: Vec<(String, Element)>,
    changes: Vec<(String, Element)>,
    deletes: Vec<String>,
    soft_deletes: Vec<String>,
    responses: Vec<Element>,
    xml: String,
}

impl Col {
    fn add_ids(&self) -> Vec<String> {
        self.adds.iter().map(|(id, _)| id.clone()).collect()
    }

    #[track_caller]
    fn assert_ok(&self) -> &Self {
        assert_eq!(self.status, "1", "{}", self.xml);
        self
    }
}

#[track_caller]
fn col(r: &Response, cid: &str) -> Col {
    r.assert_status(200);
    let c = r
        .doc()
        .sync_collection(cid)
        .unwrap_or_else(|| panic!("no collection {cid} in {r:?}"));
    Col {
        status: c.text_at(&[a::STATUS]).unwrap_or_default(),
        key: c.text_at(&[a::SYNC_KEY]).unwrap_or_default(),
        more: c.find(a::MORE_AVAILABLE).is_some(),
        adds: c
            .sync_adds()
            .into_iter()
            .map(|(id, d)| (id, d.clone()))
            .collect(),
        changes: c
            .sync_changes()
            .into_iter()
            .map(|(id, d)| (id, d.clone()))
            .collect(),
        deletes: c.sync_deletes(),
        soft_deletes: c.sync_soft_deletes(),
        responses: c.sync_responses().into_iter().cloned().collect(),
        xml: r.doc().to_xml(),
    }
}

/// The first Sync (key 0) of a collection with these options; returns the new key.
async fn start(c: &Client, cid: &str, opts: &SyncOpts) -> String {
    let doc = docs::sync_multi(vec![docs::sync_collection_request(
        cid,
        "0",
        None,
        opts,
        Vec::new(),
    )]);
    let r = c.post("Sync", &doc).await;
    let col = col(&r, cid);
    col.assert_ok();
    assert!(col.adds.is_empty(), "no items with key 0: {}", col.xml);
    assert!(!col.key.is_empty() && col.key != "0", "{}", col.xml);
    col.key
}

async fn sync(c: &Client, cid: &str, key: &str, window: u32, opts: &SyncOpts) -> Col {
    let r = c
        .post("Sync", &docs::sync(cid, key, window, opts.clone()))
        .await;
    col(&r, cid)
}

async fn sync_commands(c: &Client, cid: &str, key: &str, commands: Vec<Element>) -> Col {
    let r = c
        .post("Sync", &docs::sync_with_commands(cid, key, commands))
        .await;
    col(&r, cid)
}

/// Syncs until MoreAvailable is gone; returns the last key and every Add in order.
async fn drain(
    c: &Client,
    cid: &str,
    key: &str,
    window: u32,
    opts: &SyncOpts,
) -> (String, Vec<(String, Element)>) {
    let (key, adds, deletes) = drain_with_deletes(c, cid, key, window, opts).await;
    assert!(deletes.is_empty(), "unexpected Deletes: {deletes:?}");
    (key, adds)
}

/// [`drain`] that also returns the Deletes.
async fn drain_with_deletes(
    c: &Client,
    cid: &str,
    key: &str,
    window: u32,
    opts: &SyncOpts,
) -> (String, Vec<(String, Element)>, Vec<String>) {
    let mut key = key.to_owned();
    let mut adds = Vec::new();
    let mut deletes = Vec::new();
    for _ in 0..200 {
        let col = sync(c, cid, &key, window, opts).await;
        col.assert_ok();
        assert!(
            col.adds.len() <= window as usize,
            "more than {window} items: {}",
            col.xml
        );
        let more = col.more;
        key = col.key;
        adds.extend(col.adds);
        deletes.extend(col.deletes);
        if !more {
            return (key, adds, deletes);
        }
    }
    panic!("MoreAvailable after 200 rounds");
}

/// Start and drain with defaults: every message, plain bodies; (key, adds).
async fn sync_all(c: &Client, cid: &str) -> (String, Vec<(String, Element)>) {
    let key = start(c, cid, &SyncOpts::default()).await;
    drain(c, cid, &key, 100, &SyncOpts::default()).await
}

fn sid(cid: &str, uid: u32) -> String {
    format!("{cid}:{uid}")
}

fn uid_of(server_id: &str) -> u32 {
    server_id
        .rsplit(':')
        .next()
        .and_then(|u| u.parse().ok())
        .unwrap_or_else(|| panic!("ServerId {server_id:?} is not collection:uid"))
}

fn text(data: &Element, tag: eas_test_client::Tag) -> String {
    data.text_at(&[tag]).unwrap_or_default()
}

/// (Type, Data, Truncated, EstimatedDataSize, Preview) of an item's Body.
fn body(data: &Element) -> (String, String, bool, Option<u64>, Option<String>) {
    let b = data
        .find(asb::BODY)
        .unwrap_or_else(|| panic!("no Body in {}", data.to_xml()));
    (
        b.text_at(&[asb::TYPE]).unwrap_or_default(),
        b.find(asb::DATA)
            .map(|d| String::from_utf8_lossy(&d.bytes().unwrap_or_default()).into_owned())
            .unwrap_or_default(),
        b.text_at(&[asb::TRUNCATED]).as_deref() == Some("1"),
        b.text_at(&[asb::ESTIMATED_DATA_SIZE])
            .map(|s| s.parse().expect("EstimatedDataSize is a number")),
        b.text_at(&[asb::PREVIEW]),
    )
}

fn categories(data: &Element) -> Vec<String> {
    data.all_at(&[em::CATEGORIES, em::CATEGORY])
        .into_iter()
        .map(|c| c.text_or_empty().into_owned())
        .collect()
}

fn flag_status(data: &Element) -> Option<String> {
    data.text_at(&[em::FLAG, em::STATUS])
}

fn has(flags: &[String], flag: &str) -> bool {
    flags.iter().any(|f| f.eq_ignore_ascii_case(flag))
}

fn plain(limit: u32) -> SyncOpts {
    SyncOpts::default().body_preference(BodyPref::new(1).truncation(limit))
}

// --- Initial sync ----------------------------------------------------------------------------

#[tokio::test]
async fn initial_sync_in_windows_of_two_gives_exactly_the_mailbox_newest_first() {
    let mut s = Setup::new("sy-window").await;
    append_n(&mut s.imap, "INBOX", 7, "Windowed");
    let inbox = s.inbox();
    let key = start(&s.c, &inbox, &SyncOpts::default()).await;
    let mut k = key;
    let mut rounds = Vec::new();
    let mut all = Vec::new();
    loop {
        let col = sync(&s.c, &inbox, &k, 2, &SyncOpts::default()).await;
        col.assert_ok();
        assert_ne!(col.key, k, "a new key with every batch");
        rounds.push((col.adds.len(), col.more));
        k = col.key.clone();
        all.extend(col.adds);
        if !col.more {
            break;
        }
    }
    assert_eq!(
        rounds,
        [(2, true), (2, true), (2, true), (1, false)],
        "windows of 2 with MoreAvailable until the last"
    );
    let mut uids = s.imap.uids("INBOX");
    uids.reverse();
    let expected: Vec<String> = uids.iter().map(|u| sid(&inbox, *u)).collect();
    let got: Vec<String> = all.iter().map(|(id, _)| id.clone()).collect();
    assert_eq!(got, expected, "every message once, newest first");
    let subjects: Vec<String> = all.iter().map(|(_, d)| text(d, em::SUBJECT)).collect();
    let want: Vec<String> = (1..=7).rev().map(|i| format!("Windowed {i}")).collect();
    assert_eq!(subjects, want);
    // Nothing more to come.
    let col = sync(&s.c, &inbox, &k, 2, &SyncOpts::default()).await;
    col.assert_ok();
    assert!(col.adds.is_empty() && !col.more, "{}", col.xml);
    assert_eq!(col.key, k, "no change keeps the key");
}

#[tokio::test]
async fn changes_during_a_windowed_initial_sync_end_in_exactly_the_mailbox() {
    let mut s = Setup::new("sy-churn").await;
    let uids = append_n(&mut s.imap, "INBOX", 10, "Churn");
    let inbox = s.inbox();
    let mut key = start(&s.c, &inbox, &SyncOpts::default()).await;
    // The device's view: ServerId -> Read.
    let mut device: BTreeMap<String, String> = BTreeMap::new();
    let mut round = 0;
    loop {
        let col = sync(&s.c, &inbox, &key, 3, &SyncOpts::default()).await;
        col.assert_ok();
        for (id, data) in &col.adds {
            let before = device.insert(id.clone(), text(data, em::READ));
            assert!(before.is_none(), "{id} added twice: {}", col.xml);
        }
        for (id, data) in &col.changes {
            let read = device
                .get_mut(id)
                .unwrap_or_else(|| panic!("Change of {id}, which the device does not have"));
            if let Some(r) = data.text_at(&[em::READ]) {
                *read = r;
            }
        }
        for id in &col.deletes {
            assert!(
                device.remove(id).is_some(),
                "Delete of {id}, not on the device"
            );
        }
        key = col.key.clone();
        // Meanwhile, on the server:
        match round {
            0 => {
                s.imap.expunge("INBOX", uids[9]); // sent already
                s.imap.expunge("INBOX", uids[0]); // still pending
            }
            1 => {
                s.imap.store("INBOX", uids[8], "+FLAGS", &["\\Seen"]); // sent already
                s.imap.store("INBOX", uids[1], "+FLAGS", &["\\Seen"]); // still pending
                s.imap
                    .append("INBOX", &message("Churn new", "Text."), &[], None);
            }
            _ => {}
        }
        round += 1;
        if !col.more && round > 2 {
            break;
        }
        assert!(round < 20, "no end");
    }
    let mut want: BTreeMap<String, String> = BTreeMap::new();
    for uid in s.imap.uids("INBOX") {
        let read = if has(&s.imap.flags("INBOX", uid), "\\Seen") {
            "1"
        } else {
            "0"
        };
        want.insert(sid(&inbox, uid), read.to_owned());
    }
    assert_eq!(device, want);
}

#[tokio::test]
async fn a_flag_set_after_the_next_window_was_read_ahead_still_reaches_the_device() {
    let mut s = Setup::new("sy-ahead").await;
    let uids = append_n(&mut s.imap, "INBOX", 4, "Ahead");
    let inbox = s.inbox();
    let key = start(&s.c, &inbox, &SyncOpts::default()).await;
    let first = sync(&s.c, &inbox, &key, 2, &SyncOpts::default()).await;
    assert_eq!(first.adds.len(), 2);
    // The next window (the two oldest) is read ahead while the device reads this one; the
    // flag changes after that.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    s.imap.store("INBOX", uids[0], "+FLAGS", &["\\Seen"]);
    // The device's view: ServerId -> Read.
    let mut device: BTreeMap<String, String> = BTreeMap::new();
    for (id, data) in &first.adds {
        device.insert(id.clone(), text(data, em::READ));
    }
    let mut key = first.key.clone();
    for _ in 0..5 {
        let col = sync(&s.c, &inbox, &key, 2, &SyncOpts::default()).await;
        col.assert_ok();
        for (id, data) in &col.adds {
            device.insert(id.clone(), text(data, em::READ));
        }
        for (id, data) in &col.changes {
            if let Some(r) = data.text_at(&[em::READ]) {
                device.insert(id.clone(), r);
            }
        }
        key = col.key.clone();
    }
    assert_eq!(device.len(), 4);
    assert_eq!(device[&sid(&inbox, uids[0])], "1", "{device:?}");
}

#[tokio::test]
async fn a_window_of_100_gives_every_message_at_once() {
    let mut s = Setup::new("sy-window100").await;
    let uids = append_n(&mut s.imap, "INBOX", 12, "Bulk");
    let inbox = s.inbox();
    let key = start(&s.c, &inbox, &SyncOpts::default()).await;
    let col = sync(&s.c, &inbox, &key, 100, &SyncOpts::default()).await;
    col.assert_ok();
    assert!(!col.more, "{}", col.xml);
    let got: BTreeSet<String> = col.add_ids().into_iter().collect();
    let want: BTreeSet<String> = uids.iter().map(|u| sid(&inbox, *u)).collect();
    assert_eq!(got, want);
    assert_eq!(col.adds.len(), 12);
}

#[tokio::test]
async fn a_window_size_of_0_is_read_as_512() {
    let mut s = Setup::new("sy-window0").await;
    append_n(&mut s.imap, "INBOX", 3, "Zero");
    let inbox = s.inbox();
    let key = start(&s.c, &inbox, &SyncOpts::default()).await;
    let col = sync(&s.c, &inbox, &key, 0, &SyncOpts::default()).await;
    col.assert_ok();
    assert_eq!(col.adds.len(), 3, "{}", col.xml);
    assert!(!col.more, "{}", col.xml);
}

#[tokio::test]
async fn a_request_wide_window_size_limits_all_collections_together() {
    let mut s = Setup::new("sy-global").await;
    let work = s.add_folder("Work").await;
    let inbox = s.inbox();
    append_n(&mut s.imap, "INBOX", 3, "Inbox mail");
    append_n(&mut s.imap, "Work", 3, "Work mail");
    let ki = start(&s.c, &inbox, &SyncOpts::default()).await;
    let kw = start(&s.c, &work, &SyncOpts::default()).await;
    let request = |ki: &str, kw: &str| {
        docs::sync_request(
            vec![
                docs::sync_collection_request(&inbox, ki, None, &SyncOpts::default(), vec![]),
                docs::sync_collection_request(&work, kw, None, &SyncOpts::default(), vec![]),
            ],
            &docs::SyncTop {
                window_size: Some(4),
                ..docs::SyncTop::default()
            },
        )
    };
    let r = s.c.post("Sync", &request(&ki, &kw)).await;
    let (ci, cw) = (col(&r, &inbox), col(&r, &work));
    ci.assert_ok();
    cw.assert_ok();
    // Collections in the order received: the Inbox whole, then what fits of Work.
    assert_eq!(ci.adds.len(), 3, "{}", ci.xml);
    assert!(!ci.more);
    assert_eq!(cw.adds.len(), 1, "{}", cw.xml);
    assert!(cw.more, "MoreAvailable for what did not fit: {}", cw.xml);
    let r = s.c.post("Sync", &request(&ci.key, &cw.key)).await;
    let cw = col(&r, &work);
    cw.assert_ok();
    assert_eq!(cw.adds.len(), 2, "{}", cw.xml);
    assert!(!cw.more);
}

#[tokio::test]
async fn filter_type_leaves_out_messages_older_than_the_window() {
    let mut s = Setup::new("sy-filter").await;
    let old = s.imap.append(
        "INBOX",
        &message("Old news", "From long ago."),
        &[],
        Some("01-Jan-2020 10:00:00 +0000"),
    );
    let new = s
        .imap
        .append("INBOX", &message("Fresh news", "From today."), &[], None);
    let inbox = s.inbox();
    // 3: one week.
    let week = SyncOpts::default().filter_type(3);
    let key = start(&s.c, &inbox, &week).await;
    let (key, adds) = drain(&s.c, &inbox, &key, 50, &week).await;
    let ids: Vec<String> = adds.iter().map(|(id, _)| id.clone()).collect();
    assert_eq!(ids, [sid(&inbox, new)]);
    // An old message arriving later stays out too.
    s.imap.append(
        "INBOX",
        &message("Late old news", "Delivered late."),
        &[],
        Some("02-Jan-2020 10:00:00 +0000"),
    );
    let col = sync(&s.c, &inbox, &key, 50, &week).await;
    col.assert_ok();
    assert!(col.adds.is_empty(), "{}", col.xml);
    // All (0) brings the old one in.
    let all = SyncOpts::default().filter_type(0);
    let (_, adds) = drain(&s.c, &inbox, &col.key, 50, &all).await;
    let ids: BTreeSet<u32> = adds.iter().map(|(id, _)| uid_of(id)).collect();
    assert!(ids.contains(&old), "{ids:?}");
    assert_eq!(ids.len(), 2, "the two old messages: {ids:?}");
}

#[tokio::test]
async fn narrowing_the_filter_soft_deletes_the_messages_now_outside_it() {
    let mut s = Setup::new("sy-narrow").await;
    let old = s.imap.append(
        "INBOX",
        &message("Ancient", "From long ago."),
        &[],
        Some("01-Jan-2020 10:00:00 +0000"),
    );
    let new = s
        .imap
        .append("INBOX", &message("Recent", "From today."), &[], None);
    let inbox = s.inbox();
    let all = SyncOpts::default().filter_type(0);
    let key = start(&s.c, &inbox, &all).await;
    let (key, adds) = drain(&s.c, &inbox, &key, 50, &all).await;
    assert_eq!(adds.len(), 2);
    // 5: one month.
    let month = SyncOpts::default().filter_type(5);
    let col = sync(&s.c, &inbox, &key, 50, &month).await;
    col.assert_ok();
    assert_eq!(col.soft_deletes, [sid(&inbox, old)], "{}", col.xml);
    assert!(col.deletes.is_empty() && col.adds.is_empty(), "{}", col.xml);
    // Still in the mailbox: a SoftDelete only leaves the device.
    assert_eq!(s.imap.uids("INBOX"), [old, new]);
    let col = sync(&s.c, &inbox, &col.key, 50, &month).await;
    col.assert_ok();
    assert!(
        col.soft_deletes.is_empty() && col.adds.is_empty(),
        "{}",
        col.xml
    );
}

#[tokio::test]
async fn a_folder_with_a_non_ascii_name_syncs_both_ways() {
    let mut s = Setup::new("sy-utf7").await;
    let name = "Entwürfe & Ärger";
    let wire = eas_test_client::imap::mutf7_encode(name);
    let folder = s.add_folder(&wire).await;
    assert_eq!(s.folder(name), folder);
    let uid = s
        .imap
        .append(&wire, &message("Umlaut folder", "Text."), &[], None);
    let (key, adds) = sync_all(&s.c, &folder).await;
    assert_eq!(adds.len(), 1);
    assert_eq!(adds[0].0, sid(&folder, uid));
    let col = sync_commands(&s.c, &folder, &key, vec![docs::delete(&sid(&folder, uid))]).await;
    col.assert_ok();
    assert!(s.imap.uids(&wire).is_empty());
}

// --- Content ---------------------------------------------------------------------------------

#[tokio::test]
async fn the_corpus_messages_come_out_as_expected() {
    let mut s = Setup::new("sy-corpus").await;
    let seeded = seed_corpus(&mut s.imap, "INBOX");
    let expected = mail_corpus_expected();
    let inbox = s.inbox();
    let opts = plain(200_000);
    let key = start(&s.c, &inbox, &opts).await;
    let (_, adds) = drain(&s.c, &inbox, &key, 100, &opts).await;
    assert_eq!(adds.len(), seeded.len());
    let by_id: BTreeMap<String, &Element> = adds.iter().map(|(id, d)| (id.clone(), d)).collect();
    let mut problems = Vec::new();
    for (name, uid) in &seeded {
        let want = &expected[name];
        let data = by_id[&sid(&inbox, *uid)];
        let mut check = |ok: bool, what: String| {
            if !ok {
                problems.push(format!("{name}: {what}"));
            }
        };
        let subject = text(data, em::SUBJECT);
        check(subject == want.subject, format!("Subject {subject:?}"));
        let from = text(data, em::FROM);
        check(
            from.contains(&want.from_name) && from.contains(&want.from_email),
            format!("From {from:?}"),
        );
        let (t, body_text, truncated, _, _) = body(data);
        check(t == "1", format!("Body Type {t}"));
        check(!truncated, "Truncated".into());
        check(
            body_text.contains(&want.body_contains),
            format!("body without {:?}: {body_text:?}", want.body_contains),
        );
        for key in ["also_contains", "plain_contains"] {
            if let Some(more) = want.get(key) {
                check(body_text.contains(more), format!("body without {more:?}"));
            }
        }
        if let Some(not) = want.get("body_not_contains") {
            check(!body_text.contains(not), format!("body with {not:?}"));
        }
        if want.html {
            check(
                !body_text.contains("<b>") && !body_text.contains("<html"),
                format!("markup in the plain body: {body_text:?}"),
            );
        }
        let attachments: Vec<String> = data
            .all_at(&[asb::ATTACHMENTS, asb::ATTACHMENT])
            .into_iter()
            .filter(|a| a.text_at(&[asb::IS_INLINE]).as_deref() != Some("1"))
            .map(|a| a.text_at(&[asb::DISPLAY_NAME]).unwrap_or_default())
            .collect();
        check(
            attachments == want.attachments,
            format!("attachments {attachments:?}"),
        );
        let importance = text(data, em::IMPORTANCE);
        check(
            importance == want.importance.to_string(),
            format!("Importance {importance}"),
        );
        check(text(data, em::READ) == "0", "Read".into());
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[tokio::test]
async fn html_only_mail_gets_a_plain_preview_and_a_plain_body_when_plain_is_asked() {
    let mut s = Setup::new("sy-htmlonly").await;
    let raw = eas_test_client::corpus_message("03-html-only.eml");
    let want = &mail_corpus_expected()["03-html-only.eml"];
    s.imap.append("INBOX", &raw, &[], None);
    let inbox = s.inbox();
    // HTML with a preview: the HTML, and a plain preview.
    let html =
        SyncOpts::default().body_preference(BodyPref::new(2).truncation(100_000).preview(200));
    let key = start(&s.c, &inbox, &html).await;
    let col = sync(&s.c, &inbox, &key, 10, &html).await;
    col.assert_ok();
    let (t, data, _, _, preview) = body(&col.adds[0].1);
    assert_eq!(t, "2", "{}", col.xml);
    assert!(data.contains(want.get("html_contains").unwrap()), "{data}");
    let preview = preview.unwrap_or_else(|| panic!("no Preview: {}", col.xml));
    assert!(!preview.contains('<'), "markup in the preview: {preview:?}");
    assert!(
        preview.contains("HTML body"),
        "the preview has the text: {preview:?}"
    );
    assert!(preview.chars().count() <= 200);
    // Another device asks for plain text only.
    let other = s.other_device("sy-htmlonly-2").await;
    let opts = plain(100_000);
    let key = start(&other, &inbox, &opts).await;
    let col = sync(&other, &inbox, &key, 10, &opts).await;
    col.assert_ok();
    let data = &col.adds[0].1;
    let (t, body_text, truncated, _, _) = body(data);
    assert_eq!(t, "1", "{}", col.xml);
    assert!(!truncated);
    assert!(body_text.contains(&want.body_contains), "{body_text:?}");
    assert!(!body_text.contains('<'), "markup: {body_text:?}");
    assert!(
        !body_text.contains("&amp;"),
        "entities are decoded: {body_text:?}"
    );
    assert_eq!(text(data, asb::NATIVE_BODY_TYPE), "2", "{}", col.xml);
}

#[tokio::test]
async fn body_preference_html_gives_the_html_part_of_an_alternative() {
    let mut s = Setup::new("sy-html").await;
    let want = &mail_corpus_expected()["04-alternative.eml"];
    s.imap.append(
        "INBOX",
        &eas_test_client::corpus_message("04-alternative.eml"),
        &[],
        None,
    );
    let inbox = s.inbox();
    let opts = SyncOpts::default().body_preference(BodyPref::new(2).truncation(100_000));
    let key = start(&s.c, &inbox, &opts).await;
    let col = sync(&s.c, &inbox, &key, 10, &opts).await;
    col.assert_ok();
    let (t, data, truncated, size, _) = body(&col.adds[0].1);
    assert_eq!(t, "2", "{}", col.xml);
    assert!(!truncated);
    assert!(data.contains(want.get("html_contains").unwrap()), "{data}");
    assert_eq!(
        size,
        Some(data.len() as u64),
        "EstimatedDataSize of a whole body"
    );
}

#[tokio::test]
async fn body_preference_mime_with_mime_support_gives_the_whole_message() {
    let mut s = Setup::new("sy-mime").await;
    let raw = eas_test_client::corpus_message("06-mixed-attachments.eml");
    s.imap.append("INBOX", &raw, &[], None);
    let inbox = s.inbox();
    let opts = SyncOpts::default()
        .body_preference(BodyPref::new(4))
        .mime_support(2);
    let key = start(&s.c, &inbox, &opts).await;
    let col = sync(&s.c, &inbox, &key, 10, &opts).await;
    col.assert_ok();
    let (t, data, truncated, size, _) = body(&col.adds[0].1);
    assert_eq!(t, "4", "{}", col.xml);
    assert!(!truncated, "{}", col.xml);
    assert_eq!(data.as_bytes(), raw.as_slice(), "the message as stored");
    assert_eq!(size, Some(raw.len() as u64));
    // MIME truncated to 100 bytes.
    let other = s.other_device("sy-mime-2").await;
    let opts = SyncOpts::default()
        .body_preference(BodyPref::new(4).truncation(100))
        .mime_support(2);
    let key = start(&other, &inbox, &opts).await;
    let col = sync(&other, &inbox, &key, 10, &opts).await;
    col.assert_ok();
    let (t, data, truncated, size, _) = body(&col.adds[0].1);
    assert_eq!(t, "4");
    assert!(truncated, "{}", col.xml);
    assert_eq!(data.as_bytes(), &raw[..100]);
    assert_eq!(size, Some(raw.len() as u64));
}

#[tokio::test]
async fn truncation_size_truncates_the_body_and_says_so() {
    let mut s = Setup::new("sy-trunc").await;
    let text_body = "0123456789 abcdefghij 0123456789 abcdefghij 0123456789 the end.";
    s.imap
        .append("INBOX", &message("Long enough", text_body), &[], None);
    let inbox = s.inbox();
    let opts = plain(20);
    let key = start(&s.c, &inbox, &opts).await;
    let col = sync(&s.c, &inbox, &key, 10, &opts).await;
    col.assert_ok();
    let (t, data, truncated, size, _) = body(&col.adds[0].1);
    assert_eq!(t, "1");
    assert!(truncated, "{}", col.xml);
    assert!(data.len() <= 20, "{data:?}");
    assert!(text_body.starts_with(&data), "{data:?}");
    let size = size.expect("EstimatedDataSize");
    assert!(size >= text_body.len() as u64, "EstimatedDataSize {size}");
    // Large enough: whole, not truncated, and the size is exact.
    let other = s.other_device("sy-trunc-2").await;
    let opts = plain(10_000);
    let key = start(&other, &inbox, &opts).await;
    let col = sync(&other, &inbox, &key, 10, &opts).await;
    let (_, data, truncated, size, _) = body(&col.adds[0].1);
    assert!(!truncated, "{}", col.xml);
    assert!(data.contains("the end."), "{data:?}");
    assert_eq!(size, Some(data.len() as u64));
}

#[tokio::test]
async fn a_sync_without_body_preference_gets_a_plain_body() {
    let mut s = Setup::new("sy-nopref").await;
    let want = &mail_corpus_expected()["04-alternative.eml"];
    s.imap.append(
        "INBOX",
        &eas_test_client::corpus_message("04-alternative.eml"),
        &[],
        None,
    );
    let inbox = s.inbox();
    let (_, adds) = sync_all(&s.c, &inbox).await;
    let (t, data, _, _, _) = body(&adds[0].1);
    assert_eq!(t, "1", "{}", adds[0].1.to_xml());
    assert!(
        data.contains(want.get("plain_contains").unwrap()),
        "{data:?}"
    );
    assert_eq!(text(&adds[0].1, em::SUBJECT), want.subject);
}

// --- Device-side changes -----------------------------------------------------------------------

#[tokio::test]
async fn read_from_the_device_sets_seen_and_unread_clears_it() {
    let mut s = Setup::new("dv-read").await;
    let uid = s
        .imap
        .append("INBOX", &message("Read me", "Text."), &[], None);
    let inbox = s.inbox();
    let (key, _) = sync_all(&s.c, &inbox).await;
    let col = sync_commands(
        &s.c,
        &inbox,
        &key,
        vec![docs::change_read(&sid(&inbox, uid), true)],
    )
    .await;
    col.assert_ok();
    assert!(
        col.responses.is_empty(),
        "a successful Change has no response: {}",
        col.xml
    );
    assert!(has(&s.imap.flags("INBOX", uid), "\\Seen"));
    let col = sync_commands(
        &s.c,
        &inbox,
        &col.key,
        vec![docs::change_read(&sid(&inbox, uid), false)],
    )
    .await;
    col.assert_ok();
    assert!(!has(&s.imap.flags("INBOX", uid), "\\Seen"));
    // If the device hears of its own change again, it is with the state it set.
    let col = sync(&s.c, &inbox, &col.key, 10, &SyncOpts::default()).await;
    col.assert_ok();
    for (_, data) in &col.changes {
        assert_eq!(text(data, em::READ), "0", "{}", col.xml);
    }
}

#[tokio::test]
async fn a_flag_from_the_device_sets_flagged_and_clearing_it_removes_it() {
    let mut s = Setup::new("dv-flag").await;
    let uid = s
        .imap
        .append("INBOX", &message("Flag me", "Text."), &[], None);
    let inbox = s.inbox();
    let (key, _) = sync_all(&s.c, &inbox).await;
    let col = sync_commands(
        &s.c,
        &inbox,
        &key,
        vec![docs::change_flag(&sid(&inbox, uid), 2)],
    )
    .await;
    col.assert_ok();
    assert!(has(&s.imap.flags("INBOX", uid), "\\Flagged"));
    // Another device sees it flagged.
    let other = s.other_device("dv-flag-2").await;
    let (_, adds) = sync_all(&other, &inbox).await;
    assert_eq!(
        flag_status(&adds[0].1).as_deref(),
        Some("2"),
        "{}",
        adds[0].1.to_xml()
    );
    let col = sync_commands(
        &s.c,
        &inbox,
        &col.key,
        vec![docs::change_flag(&sid(&inbox, uid), 0)],
    )
    .await;
    col.assert_ok();
    assert!(!has(&s.imap.flags("INBOX", uid), "\\Flagged"));
}

#[tokio::test]
async fn categories_become_keywords_and_keywords_come_back_as_categories() {
    let mut s = Setup::new("dv-cat").await;
    let uid = s
        .imap
        .append("INBOX", &message("Categorize me", "Text."), &[], None);
    let inbox = s.inbox();
    let (key, _) = sync_all(&s.c, &inbox).await;
    let col = sync_commands(
        &s.c,
        &inbox,
        &key,
        vec![docs::change_categories(&sid(&inbox, uid), &["Red", "Work"])],
    )
    .await;
    col.assert_ok();
    let flags = s.imap.flags("INBOX", uid);
    // "Work" is Thunderbird's $label2.
    assert!(has(&flags, "Red") && has(&flags, "$label2"), "{flags:?}");
    // Another device gets them back as categories.
    let other = s.other_device("dv-cat-2").await;
    let (other_key, adds) = sync_all(&other, &inbox).await;
    let mut cats = categories(&adds[0].1);
    cats.sort();
    assert_eq!(cats, ["Red", "Work"], "{}", adds[0].1.to_xml());
    // Clearing them removes the keywords.
    let col = sync_commands(
        &s.c,
        &inbox,
        &col.key,
        vec![docs::change_categories(&sid(&inbox, uid), &[])],
    )
    .await;
    col.assert_ok();
    let flags = s.imap.flags("INBOX", uid);
    assert!(!has(&flags, "Red") && !has(&flags, "$label2"), "{flags:?}");
    // And the other device hears of it.
    let col = sync(&other, &inbox, &other_key, 10, &SyncOpts::default()).await;
    col.assert_ok();
    assert_eq!(col.changes.len(), 1, "{}", col.xml);
    assert!(categories(&col.changes[0].1).is_empty(), "{}", col.xml);
}

#[tokio::test]
async fn delete_from_the_device_moves_the_message_to_trash() {
    let mut s = Setup::new("dv-delete").await;
    let uid = s
        .imap
        .append("INBOX", &message("Delete me", "Text."), &[], None);
    let keep = s
        .imap
        .append("INBOX", &message("Keep me", "Text."), &[], None);
    let inbox = s.inbox();
    let (key, _) = sync_all(&s.c, &inbox).await;
    let col = sync_commands(&s.c, &inbox, &key, vec![docs::delete(&sid(&inbox, uid))]).await;
    col.assert_ok();
    assert!(col.responses.is_empty(), "{}", col.xml);
    assert_eq!(s.imap.uids("INBOX"), [keep]);
    let trash = s.imap.search("Trash", "HEADER Subject \"Delete me\"");
    assert_eq!(trash.len(), 1, "in Trash");
    // Not echoed back as a Delete.
    let col = sync(&s.c, &inbox, &col.key, 10, &SyncOpts::default()).await;
    assert!(col.deletes.is_empty(), "{}", col.xml);
    // Deleted Items has it.
    let (_, adds) = sync_all(&s.c, &s.of_type(4)).await;
    assert_eq!(adds.len(), 1);
    assert_eq!(text(&adds[0].1, em::SUBJECT), "Delete me");
}

#[tokio::test]
async fn delete_with_deletes_as_moves_off_expunges_the_message() {
    let mut s = Setup::new("dv-expunge").await;
    let uid = s
        .imap
        .append("INBOX", &message("Expunge me", "Text."), &[], None);
    let inbox = s.inbox();
    let (key, _) = sync_all(&s.c, &inbox).await;
    let opts = SyncOpts::default().deletes_as_moves(false);
    let doc = docs::sync_multi(vec![docs::sync_collection_request(
        &inbox,
        &key,
        None,
        &opts,
        vec![docs::delete(&sid(&inbox, uid))],
    )]);
    let col = col(&s.c.post("Sync", &doc).await, &inbox);
    col.assert_ok();
    assert!(s.imap.uids("INBOX").is_empty());
    assert!(
        s.imap
            .search("Trash", "HEADER Subject \"Expunge me\"")
            .is_empty(),
        "not in Trash"
    );
}

#[tokio::test]
async fn fetch_inside_sync_returns_the_item() {
    let mut s = Setup::new("dv-fetch").await;
    let text_body = "A body that is longer than the truncation of the sync.";
    let uid = s
        .imap
        .append("INBOX", &message("Fetch me", text_body), &[], None);
    let inbox = s.inbox();
    let opts = plain(10);
    let key = start(&s.c, &inbox, &opts).await;
    let (key, adds) = drain(&s.c, &inbox, &key, 10, &opts).await;
    assert!(body(&adds[0].1).2, "truncated in the sync");
    // The Fetch asks for the whole body with its own Options (without any, the collection's
    // last Options apply: 10 bytes).
    let doc = docs::sync_multi(vec![docs::sync_collection_request(
        &inbox,
        &key,
        None,
        &plain(10_000),
        vec![
            docs::fetch(&sid(&inbox, uid)),
            docs::fetch(&sid(&inbox, uid + 100)),
        ],
    )]);
    let col = col(&s.c.post("Sync", &doc).await, &inbox);
    col.assert_ok();
    assert_eq!(col.responses.len(), 2, "{}", col.xml);
    let fetched = &col.responses[0];
    assert_eq!(fetched.tag, a::FETCH);
    assert_eq!(text(fetched, a::SERVER_ID), sid(&inbox, uid));
    assert_eq!(text(fetched, a::STATUS), "1", "{}", col.xml);
    let data = fetched.find(a::APPLICATION_DATA).expect("ApplicationData");
    assert_eq!(text(data, em::SUBJECT), "Fetch me");
    assert!(body(data).1.contains(text_body), "{}", col.xml);
    // A message that does not exist: status 8.
    assert_eq!(text(&col.responses[1], a::STATUS), "8", "{}", col.xml);
}

#[tokio::test]
async fn a_change_to_a_message_expunged_upstream_gets_status_8_and_the_rest_goes_through() {
    let mut s = Setup::new("dv-gone").await;
    let gone = s
        .imap
        .append("INBOX", &message("Going away", "Text."), &[], None);
    let stays = s
        .imap
        .append("INBOX", &message("Staying", "Text."), &[], None);
    let inbox = s.inbox();
    let (key, _) = sync_all(&s.c, &inbox).await;
    s.imap.expunge("INBOX", gone);
    let col = sync_commands(
        &s.c,
        &inbox,
        &key,
        vec![
            docs::change_read(&sid(&inbox, gone), true),
            docs::change_read(&sid(&inbox, stays), true),
        ],
    )
    .await;
    col.assert_ok();
    let responses: Vec<(String, String)> = col
        .responses
        .iter()
        .map(|r| (text(r, a::SERVER_ID), text(r, a::STATUS)))
        .collect();
    assert_eq!(
        responses,
        [(sid(&inbox, gone), "8".to_owned())],
        "{}",
        col.xml
    );
    assert!(has(&s.imap.flags("INBOX", stays), "\\Seen"));
}

// --- Server-side changes -----------------------------------------------------------------------

#[tokio::test]
async fn a_message_appended_upstream_is_an_add() {
    let mut s = Setup::new("up-add").await;
    s.imap
        .append("INBOX", &message("First", "Text."), &[], None);
    let inbox = s.inbox();
    let (key, _) = sync_all(&s.c, &inbox).await;
    let uid = s
        .imap
        .append("INBOX", &message("Second", "Text."), &["\\Seen"], None);
    let col = sync(&s.c, &inbox, &key, 10, &SyncOpts::default()).await;
    col.assert_ok();
    assert_eq!(col.add_ids(), [sid(&inbox, uid)], "{}", col.xml);
    assert_eq!(text(&col.adds[0].1, em::SUBJECT), "Second");
    assert_eq!(text(&col.adds[0].1, em::READ), "1");
    assert_ne!(col.key, key);
}

#[tokio::test]
async fn flag_and_keyword_changes_upstream_are_changes() {
    let mut s = Setup::new("up-change").await;
    let uid = s
        .imap
        .append("INBOX", &message("Changing", "Text."), &[], None);
    let inbox = s.inbox();
    let (key, adds) = sync_all(&s.c, &inbox).await;
    assert_eq!(text(&adds[0].1, em::READ), "0");
    s.imap.store(
        "INBOX",
        uid,
        "+FLAGS",
        &["\\Seen", "\\Flagged", "Urgent", "$label1"],
    );
    let col = sync(&s.c, &inbox, &key, 10, &SyncOpts::default()).await;
    col.assert_ok();
    assert_eq!(col.changes.len(), 1, "{}", col.xml);
    let (id, data) = &col.changes[0];
    assert_eq!(id, &sid(&inbox, uid));
    assert_eq!(text(data, em::READ), "1", "{}", col.xml);
    assert_eq!(flag_status(data).as_deref(), Some("2"), "{}", col.xml);
    let mut cats = categories(data);
    cats.sort();
    assert_eq!(cats, ["Important", "Urgent"], "{}", col.xml);
    assert!(
        data.find(em::SUBJECT).is_none(),
        "a Change has the flags only"
    );
    // And back.
    s.imap.store(
        "INBOX",
        uid,
        "-FLAGS",
        &["\\Seen", "\\Flagged", "Urgent", "$label1"],
    );
    let col = sync(&s.c, &inbox, &col.key, 10, &SyncOpts::default()).await;
    col.assert_ok();
    assert_eq!(col.changes.len(), 1, "{}", col.xml);
    let data = &col.changes[0].1;
    assert_eq!(text(data, em::READ), "0", "{}", col.xml);
    assert_ne!(flag_status(data).as_deref(), Some("2"), "{}", col.xml);
    assert!(categories(data).is_empty(), "{}", col.xml);
}

#[tokio::test]
async fn a_message_expunged_upstream_is_a_delete() {
    let mut s = Setup::new("up-delete").await;
    let uids = append_n(&mut s.imap, "INBOX", 3, "Expunged");
    let inbox = s.inbox();
    let (key, _) = sync_all(&s.c, &inbox).await;
    s.imap.expunge("INBOX", uids[1]);
    let col = sync(&s.c, &inbox, &key, 10, &SyncOpts::default()).await;
    col.assert_ok();
    assert_eq!(col.deletes, [sid(&inbox, uids[1])], "{}", col.xml);
    assert!(col.adds.is_empty() && col.changes.is_empty(), "{}", col.xml);
}

#[tokio::test]
async fn a_message_moved_upstream_is_a_delete_in_one_folder_and_an_add_in_the_other() {
    let mut s = Setup::new("up-move").await;
    let archive = s.add_folder("Archive").await;
    let uid = s
        .imap
        .append("INBOX", &message("Moving", "Text."), &[], None);
    let inbox = s.inbox();
    let (inbox_key, _) = sync_all(&s.c, &inbox).await;
    let (archive_key, none) = sync_all(&s.c, &archive).await;
    assert!(none.is_empty());
    let new_uid = s.imap.uid_move("INBOX", uid, "Archive");
    let doc = docs::sync_multi(vec![
        docs::sync_collection_request(&inbox, &inbox_key, Some(10), &SyncOpts::default(), vec![]),
        docs::sync_collection_request(
            &archive,
            &archive_key,
            Some(10),
            &SyncOpts::default(),
            vec![],
        ),
    ]);
    let r = s.c.post("Sync", &doc).await;
    let from = col(&r, &inbox);
    let to = col(&r, &archive);
    from.assert_ok();
    to.assert_ok();
    assert_eq!(from.deletes, [sid(&inbox, uid)], "{}", from.xml);
    assert_eq!(to.add_ids(), [sid(&archive, new_uid)], "{}", to.xml);
    assert_eq!(text(&to.adds[0].1, em::SUBJECT), "Moving");
}

// --- UIDVALIDITY ---------------------------------------------------------------------------------

#[tokio::test]
async fn a_new_uid_validity_gets_status_3_and_a_resync_from_key_0_works() {
    let mut s = Setup::new("uv-recreate").await;
    let folder = s.add_folder("Rebuilt").await;
    append_n(&mut s.imap, "Rebuilt", 3, "Rebuilt");
    let (key, adds) = sync_all(&s.c, &folder).await;
    assert_eq!(adds.len(), 3);
    let change = s.imap.change_uid_validity("Rebuilt");
    let col = sync(&s.c, &folder, &key, 10, &SyncOpts::default()).await;
    assert_eq!(col.status, "3", "{}", col.xml);
    let (_, adds) = sync_all(&s.c, &folder).await;
    let got: BTreeSet<u32> = adds.iter().map(|(id, _)| uid_of(id)).collect();
    let want: BTreeSet<u32> = change.uids.iter().map(|(_, new)| *new).collect();
    assert_eq!(got, want);
}

#[tokio::test]
async fn a_new_uid_validity_of_the_inbox_gets_status_3_and_a_resync_works() {
    let mut s = Setup::new("uv-inbox").await;
    append_n(&mut s.imap, "INBOX", 2, "Validity");
    let inbox = s.inbox();
    let (key, _) = sync_all(&s.c, &inbox).await;
    let (_, _, validity, _) = s.imap.status("INBOX");
    s.imap.unselect();
    Stack::get().set_uid_validity(&s.user, "INBOX", validity + 1);
    // The gateway's session may see the change as a disconnect first: a retryable 503.
    let mut col = None;
    for _ in 0..3 {
        let r =
            s.c.post("Sync", &docs::sync(&inbox, &key, 10, SyncOpts::default()))
                .await;
        if r.status == 503 {
            continue;
        }
        col = Some(self::col(&r, &inbox));
        break;
    }
    let col = col.expect("a Sync response after at most two 503s");
    assert_eq!(col.status, "3", "{}", col.xml);
    let (_, adds) = sync_all(&s.c, &inbox).await;
    assert_eq!(adds.len(), 2);
}

// --- Retries and keys ----------------------------------------------------------------------------

#[tokio::test]
async fn a_sync_retried_with_the_previous_key_returns_the_same_items_and_key() {
    let mut s = Setup::new("rt-retry").await;
    append_n(&mut s.imap, "INBOX", 5, "Retry");
    let inbox = s.inbox();
    let key = start(&s.c, &inbox, &SyncOpts::default()).await;
    let first = sync(&s.c, &inbox, &key, 2, &SyncOpts::default()).await;
    first.assert_ok();
    // The response was lost; meanwhile something changed upstream.
    s.imap
        .append("INBOX", &message("Meanwhile", "Text."), &[], None);
    let again = sync(&s.c, &inbox, &key, 2, &SyncOpts::default()).await;
    again.assert_ok();
    assert_eq!(again.key, first.key);
    assert_eq!(again.add_ids(), first.add_ids());
    assert_eq!(again.more, first.more);
    // Going on from the new key gives the rest, each message once.
    let (_, rest) = drain(&s.c, &inbox, &first.key, 2, &SyncOpts::default()).await;
    let mut all: Vec<String> = first.add_ids();
    all.extend(rest.into_iter().map(|(id, _)| id));
    let unique: BTreeSet<&String> = all.iter().collect();
    assert_eq!(unique.len(), all.len(), "duplicates: {all:?}");
    let want: BTreeSet<String> = s
        .imap
        .uids("INBOX")
        .into_iter()
        .map(|u| sid(&inbox, u))
        .collect();
    assert_eq!(all.into_iter().collect::<BTreeSet<_>>(), want);
}

#[tokio::test]
async fn a_retried_sync_with_device_changes_answers_the_same() {
    let mut s = Setup::new("rt-changes").await;
    let uids = append_n(&mut s.imap, "INBOX", 2, "Twice");
    let inbox = s.inbox();
    let (key, _) = sync_all(&s.c, &inbox).await;
    s.imap.expunge("INBOX", uids[0]);
    let commands = || {
        vec![
            docs::change_read(&sid(&inbox, uids[1]), true),
            docs::change_read(&sid(&inbox, uids[0]), true),
            docs::fetch(&sid(&inbox, uids[1])),
        ]
    };
    let first = sync_commands(&s.c, &inbox, &key, commands()).await;
    first.assert_ok();
    let again = sync_commands(&s.c, &inbox, &key, commands()).await;
    again.assert_ok();
    assert_eq!(again.key, first.key);
    let shape = |c: &Col| -> Vec<(String, String, String)> {
        c.responses
            .iter()
            .map(|r| {
                (
                    format!("{:?}", r.tag),
                    text(r, a::SERVER_ID),
                    text(r, a::STATUS),
                )
            })
            .collect()
    };
    assert_eq!(shape(&again), shape(&first), "{}\n{}", first.xml, again.xml);
    assert_eq!(again.deletes, first.deletes);
    assert!(has(&s.imap.flags("INBOX", uids[1]), "\\Seen"));
}

#[tokio::test]
async fn a_sync_with_an_unknown_key_gets_status_3() {
    let mut s = Setup::new("rt-badkey").await;
    append_n(&mut s.imap, "INBOX", 1, "Key");
    let inbox = s.inbox();
    // Before any Sync of the collection.
    let col = sync(&s.c, &inbox, "5", 10, &SyncOpts::default()).await;
    assert_eq!(col.status, "3", "{}", col.xml);
    let (key, _) = sync_all(&s.c, &inbox).await;
    let col = sync(&s.c, &inbox, &format!("{key}77"), 10, &SyncOpts::default()).await;
    assert_eq!(col.status, "3", "{}", col.xml);
    let col = sync(&s.c, &inbox, "garbage", 10, &SyncOpts::default()).await;
    assert_eq!(col.status, "3", "{}", col.xml);
    // The good key still works.
    let col = sync(&s.c, &inbox, &key, 10, &SyncOpts::default()).await;
    col.assert_ok();
}

#[tokio::test]
async fn a_sync_of_an_unknown_collection_gets_status_12() {
    let s = Setup::new("rt-nofolder").await;
    let col = sync(&s.c, "9999", "1", 10, &SyncOpts::default()).await;
    assert_eq!(col.status, "12", "{}", col.xml);
}

#[tokio::test]
async fn a_sync_of_a_folder_deleted_upstream_gets_status_12() {
    let mut s = Setup::new("rt-deleted").await;
    let doomed = s.add_folder("Doomed").await;
    append_n(&mut s.imap, "Doomed", 1, "Doomed");
    let (key, _) = sync_all(&s.c, &doomed).await;
    s.imap.delete("Doomed");
    let col = sync(&s.c, &doomed, &key, 10, &SyncOpts::default()).await;
    assert_eq!(col.status, "12", "{}", col.xml);
    // After the FolderSync that reports the delete, too.
    let folders = folder_sync(&s.c).await;
    assert!(!folders.iter().any(|f| f.0 == doomed), "{folders:?}");
    let col = sync(&s.c, &doomed, &key, 10, &SyncOpts::default()).await;
    assert_eq!(col.status, "12", "{}", col.xml);
}

// --- Devices, collections, versions --------------------------------------------------------------

#[tokio::test]
async fn devices_of_one_user_have_independent_state() {
    let mut s = Setup::new("mx-devices").await;
    append_n(&mut s.imap, "INBOX", 3, "Shared");
    let inbox = s.inbox();
    let (key_a, adds_a) = sync_all(&s.c, &inbox).await;
    assert_eq!(adds_a.len(), 3);
    // B starts later, in small windows, and is not disturbed by A.
    let b = s.other_device("mx-devices-b").await;
    let key_b = start(&b, &inbox, &SyncOpts::default()).await;
    let first_b = sync(&b, &inbox, &key_b, 2, &SyncOpts::default()).await;
    assert!(first_b.more);
    let uid = s
        .imap
        .append("INBOX", &message("Later", "Text."), &[], None);
    let col_a = sync(&s.c, &inbox, &key_a, 10, &SyncOpts::default()).await;
    assert_eq!(col_a.add_ids(), [sid(&inbox, uid)], "{}", col_a.xml);
    let (_, rest_b) = drain(&b, &inbox, &first_b.key, 2, &SyncOpts::default()).await;
    let mut all_b = first_b.add_ids();
    all_b.extend(rest_b.into_iter().map(|(id, _)| id));
    assert_eq!(all_b.len(), 4, "{all_b:?}");
    // A device-side change by A reaches B as a Change.
    let col = sync_commands(
        &s.c,
        &inbox,
        &col_a.key,
        vec![docs::change_read(&sid(&inbox, uid), true)],
    )
    .await;
    col.assert_ok();
    let (key_b, _) = {
        let last = start(&b, &inbox, &SyncOpts::default()).await;
        drain(&b, &inbox, &last, 100, &SyncOpts::default()).await
    };
    s.imap.store("INBOX", uid, "+FLAGS", &["\\Flagged"]);
    let col = sync(&b, &inbox, &key_b, 10, &SyncOpts::default()).await;
    assert_eq!(col.changes.len(), 1, "{}", col.xml);
}

#[tokio::test]
async fn several_collections_in_one_sync_request() {
    let mut s = Setup::new("mx-multi").await;
    let work = s.add_folder("Work").await;
    let inbox = s.inbox();
    let in_uids = append_n(&mut s.imap, "INBOX", 2, "Inbox mail");
    let work_uids = append_n(&mut s.imap, "Work", 3, "Work mail");
    let initial = docs::sync_multi(vec![
        docs::sync_collection_request(&inbox, "0", None, &SyncOpts::default(), vec![]),
        docs::sync_collection_request(&work, "0", None, &SyncOpts::default(), vec![]),
    ]);
    let r = s.c.post("Sync", &initial).await;
    let (ki, kw) = (col(&r, &inbox), col(&r, &work));
    ki.assert_ok();
    kw.assert_ok();
    let next = docs::sync_multi(vec![
        docs::sync_collection_request(&inbox, &ki.key, Some(10), &SyncOpts::default(), vec![]),
        docs::sync_collection_request(&work, &kw.key, Some(10), &SyncOpts::default(), vec![]),
    ]);
    let r = s.c.post("Sync", &next).await;
    let (ci, cw) = (col(&r, &inbox), col(&r, &work));
    let ids = |c: &Col| -> BTreeSet<u32> { c.adds.iter().map(|(id, _)| uid_of(id)).collect() };
    assert_eq!(ids(&ci), in_uids.into_iter().collect());
    assert_eq!(ids(&cw), work_uids.into_iter().collect());
    assert!(
        ci.adds
            .iter()
            .all(|(id, _)| id.starts_with(&format!("{inbox}:")))
    );
    assert!(
        cw.adds
            .iter()
            .all(|(id, _)| id.starts_with(&format!("{work}:")))
    );
    // A bad key in one collection does not fail the other.
    s.imap
        .append("Work", &message("One more", "Text."), &[], None);
    let mixed = docs::sync_multi(vec![
        docs::sync_collection_request(&inbox, "12345", Some(10), &SyncOpts::default(), vec![]),
        docs::sync_collection_request(&work, &cw.key, Some(10), &SyncOpts::default(), vec![]),
    ]);
    let r = s.c.post("Sync", &mixed).await;
    assert_eq!(col(&r, &inbox).status, "3");
    let cw = col(&r, &work);
    cw.assert_ok();
    assert_eq!(cw.adds.len(), 1, "{}", cw.xml);
}

async fn sync_in_version(version: &str) {
    let mut s = Setup::with_version(&format!("v{}", version.replace('.', "")), version).await;
    s.imap.append(
        "INBOX",
        &eas_test_client::corpus_message("04-alternative.eml"),
        &[],
        None,
    );
    let inbox = s.inbox();
    let opts = SyncOpts::default().body_preference(BodyPref::new(2).truncation(50_000));
    let key = start(&s.c, &inbox, &opts).await;
    let (key, adds) = drain(&s.c, &inbox, &key, 10, &opts).await;
    assert_eq!(adds.len(), 1);
    let data = &adds[0].1;
    assert_eq!(text(data, em::SUBJECT), "Team lunch on Friday");
    assert_eq!(body(data).0, "2", "{}", data.to_xml());
    let uid = uid_of(&adds[0].0);
    let col = sync_commands(&s.c, &inbox, &key, vec![docs::change_flag(&adds[0].0, 2)]).await;
    col.assert_ok();
    assert!(has(&s.imap.flags("INBOX", uid), "\\Flagged"));
    s.imap.store("INBOX", uid, "+FLAGS", &["\\Seen"]);
    let col = sync(&s.c, &inbox, &col.key, 10, &opts).await;
    col.assert_ok();
    assert_eq!(col.changes.len(), 1, "{}", col.xml);
    assert_eq!(text(&col.changes[0].1, em::READ), "1");
}

#[tokio::test]
async fn sync_works_in_eas_12_1() {
    sync_in_version("12.1").await;
}

#[tokio::test]
async fn sync_works_in_eas_14_1() {
    sync_in_version("14.1").await;
}

#[tokio::test]
async fn sync_works_in_eas_16_1() {
    sync_in_version("16.1").await;
}

// --- kill -9 ------------------------------------------------------------------------------------

/// A dedicated instance: these tests kill it.
fn own_airgate() -> Airgate {
    Airgate::start(env!("CARGO_BIN_EXE_airgate"), &[])
}

/// A client of the same device against the (restarted) instance.
fn same_device(airgate: &Airgate, c: &Client) -> Client {
    let mut d = airgate.client_with_password(&c.user, c.password.as_deref().unwrap(), &c.device_id);
    d.version = c.version.clone();
    d.policy_key = c.policy_key.clone();
    d
}

#[tokio::test]
async fn a_kill_9_between_requests_loses_and_duplicates_nothing() {
    let mut ag = own_airgate();
    let mut s = Setup::on(&ag, "kill-between", "16.1").await;
    append_n(&mut s.imap, "INBOX", 9, "Survivor");
    let inbox = s.inbox();
    let key = start(&s.c, &inbox, &SyncOpts::default()).await;
    let first = sync(&s.c, &inbox, &key, 3, &SyncOpts::default()).await;
    first.assert_ok();
    assert!(first.more);
    let mut all = first.add_ids();
    ag.kill9();
    // Changes while it is down.
    let late = s
        .imap
        .append("INBOX", &message("While down", "Text."), &[], None);
    s.imap.expunge("INBOX", uid_of(&all[0]));
    ag.restart();
    let c = same_device(&ag, &s.c);
    let (_, rest, deletes) =
        drain_with_deletes(&c, &inbox, &first.key, 3, &SyncOpts::default()).await;
    all.extend(rest.into_iter().map(|(id, _)| id));
    let unique: BTreeSet<&String> = all.iter().collect();
    assert_eq!(unique.len(), all.len(), "duplicates: {all:?}");
    assert!(all.contains(&sid(&inbox, late)));
    // The expunged one is deleted on the device; the rest is what the mailbox holds.
    assert_eq!(deletes, [first.add_ids()[0].clone()]);
    let mut have: BTreeSet<String> = all.into_iter().collect();
    for d in &deletes {
        have.remove(d);
    }
    let want: BTreeSet<String> = s
        .imap
        .uids("INBOX")
        .into_iter()
        .map(|u| sid(&inbox, u))
        .collect();
    assert_eq!(have, want);
}

#[tokio::test]
async fn a_kill_9_during_syncs_loses_and_duplicates_nothing() {
    let mut ag = own_airgate();
    let mut s = Setup::on(&ag, "kill-during", "16.1").await;
    seed_corpus(&mut s.imap, "INBOX");
    append_n(&mut s.imap, "INBOX", 15, "Filler");
    let inbox = s.inbox();
    let opts = SyncOpts::default().body_preference(BodyPref::new(2).truncation(100_000));
    let mut c = s.c.clone();
    let mut key = start(&c, &inbox, &opts).await;
    // The device's view: what it received and applied (only whole responses count).
    let mut have: Vec<String> = Vec::new();
    // Kills at different points of a request that takes some 10 ms: before, during and
    // after the state is written, and after the response is out.
    let mut delays = [1u64, 3, 5, 7, 9, 11, 14].into_iter();
    for round in 0..100 {
        let headers = c.eas_headers();
        let headers: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let req = c.raw_request(
            eas_test_client::reqwest::Method::POST,
            &c.plain_query("Sync"),
            &headers,
            wbxml::encode(&docs::sync(&inbox, &key, 4, opts.clone())),
        );
        let kill_after = if round % 2 == 0 { delays.next() } else { None };
        let response = if let Some(delay_ms) = kill_after {
            let send = tokio::spawn({
                let c = c.clone();
                async move { c.try_send(req).await }
            });
            tokio::time::sleep(std::time::Duration::from_millis(delay_ms)).await;
            ag.kill9();
            let r = send.await.expect("the request task");
            ag.restart();
            c = same_device(&ag, &c);
            r.ok()
        } else {
            Some(c.send(req).await)
        };
        let Some(r) = response else {
            continue; // lost: the device resends the same key
        };
        if r.status != 200 {
            continue;
        }
        let col = col(&r, &inbox);
        col.assert_ok();
        have.extend(col.add_ids());
        key = col.key.clone();
        if !col.more && delays.len() == 0 {
            break;
        }
    }
    let unique: BTreeSet<&String> = have.iter().collect();
    assert_eq!(unique.len(), have.len(), "duplicates: {have:?}");
    let want: BTreeSet<String> = s
        .imap
        .uids("INBOX")
        .into_iter()
        .map(|u| sid(&inbox, u))
        .collect();
    assert_eq!(have.into_iter().collect::<BTreeSet<_>>(), want);
}
