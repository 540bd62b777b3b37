//! One simulated device: FolderSync, Sync key 0 and once more for its pinged folders, then a
//! Ping held at all times (re-sent whenever one returns; on Status 2 the named folders are
//! synced first). One HTTP/1.1 connection per device.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use airgate_bench::http1::Conn;
use eas_test_client::docs::{self, SyncOpts};
use eas_test_client::query::percent_encode;
use eas_test_client::{ElementExt, base64};
use tokio::sync::{mpsc, watch};
use wbxml::Element;
use wbxml::tags::{airsync as a, folderhierarchy as fh, ping as p};

const CONTENT_TYPE: &str = "application/vnd.ms-sync.wbxml";
/// Time allowed for a request other than Ping.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
/// Ping answers by Status (0: anything else, and answers without a Status).
pub const STATUSES: usize = 10;

/// What every device shares.
pub struct Shared {
    pub addr: SocketAddr,
    pub host: String,
    /// `/Microsoft-Server-ActiveSync`.
    pub path: String,
    pub heartbeat: u32,
    pub folders: usize,
    pub counters: Counters,
    /// A Ping answered Status 2 naming the device's INBOX: (user, device, when).
    pub inbox_changed: mpsc::UnboundedSender<(usize, usize, Instant)>,
    /// Set once every device finished its setup: start pinging.
    pub go: watch::Receiver<bool>,
}

#[derive(Default)]
pub struct Counters {
    pub setup_done: AtomicU64,
    pub setup_failed: AtomicU64,
    /// Pings sent and not answered yet.
    pub pings_in_flight: AtomicU64,
    pub pings_sent: AtomicU64,
    pub answers: [AtomicU64; STATUSES],
    pub syncs: AtomicU64,
    pub folder_syncs: AtomicU64,
    /// Requests that failed: transport errors and timeouts.
    pub io_errors: AtomicU64,
    /// Answers with an HTTP status other than 200, or a body that is not the expected one.
    pub bad_answers: AtomicU64,
    /// TCP connections opened beyond the first of each device.
    pub reconnects: AtomicU64,
}

impl Counters {
    pub fn get(c: &AtomicU64) -> u64 {
        c.load(Ordering::Relaxed)
    }

    fn bump(c: &AtomicU64) {
        c.fetch_add(1, Ordering::Relaxed);
    }

    /// `1: n, 2: n, ...` of the Ping answers so far.
    pub fn answers_text(&self) -> String {
        let mut parts = Vec::new();
        for (status, n) in self.answers.iter().enumerate() {
            let n = Counters::get(n);
            if n > 0 {
                let name = if status == 0 {
                    "other".to_owned()
                } else {
                    status.to_string()
                };
                parts.push(format!("Status {name}: {n}"));
            }
        }
        if parts.is_empty() {
            "none".into()
        } else {
            parts.join(", ")
        }
    }
}

struct Folder {
    id: String,
    key: String,
    inbox: bool,
}

pub struct Device {
    user_idx: usize,
    dev_idx: usize,
    query_tail: String,
    auth: String,
    conn: Conn,
    folder_key: String,
    folders: Vec<Folder>,
    shared: Arc<Shared>,
}

/// Preference among FolderSync types when picking the pinged folders: Inbox, Drafts, Sent,
/// Deleted Items, user-created mail folders (Junk is one), Outbox.
const TYPE_ORDER: [u8; 6] = [2, 3, 5, 4, 12, 6];

impl Device {
    pub fn new(
        shared: Arc<Shared>,
        user_idx: usize,
        dev_idx: usize,
        user: &str,
        password: &str,
        device_id: &str,
    ) -> Device {
        use base64::Engine as _;
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        Device {
            user_idx,
            dev_idx,
            query_tail: format!(
                "&User={}&DeviceId={}&DeviceType=TestDevice",
                percent_encode(user),
                percent_encode(device_id)
            ),
            auth: format!("Basic {token}"),
            conn: Conn::new(shared.addr, &shared.host),
            folder_key: "0".into(),
            folders: Vec::new(),
            shared,
        }
    }

    /// Posts a command; `Ok(None)` for an HTTP 200 with an empty body.
    async fn post(
        &mut self,
        cmd: &str,
        doc: &Element,
        timeout: Duration,
    ) -> Result<Option<Element>, String> {
        let path = format!("{}?Cmd={cmd}{}", self.shared.path, self.query_tail);
        let headers = [
            ("MS-ASProtocolVersion", "16.1"),
            ("Content-Type", CONTENT_TYPE),
            ("User-Agent", "ping-bench/0.1"),
            ("Authorization", self.auth.as_str()),
        ];
        let body = wbxml::encode(doc);
        let before = self.conn.connects;
        let r =
            tokio::time::timeout(timeout, self.conn.request("POST", &path, &headers, &body)).await;
        if before > 0 && self.conn.connects > before {
            Counters::bump(&self.shared.counters.reconnects);
        }
        let resp = match r {
            Err(_) => {
                // The connection is in an unknown state: start over with a new one.
                self.conn = Conn::new(self.shared.addr, &self.shared.host);
                self.conn.connects = before;
                Counters::bump(&self.shared.counters.io_errors);
                return Err(format!("{cmd}: no answer in {} s", timeout.as_secs()));
            }
            Ok(Err(e)) => {
                Counters::bump(&self.shared.counters.io_errors);
                return Err(format!("{cmd}: {e}"));
            }
            Ok(Ok(resp)) => resp,
        };
        if resp.status != 200 {
            Counters::bump(&self.shared.counters.bad_answers);
            return Err(format!(
                "{cmd}: HTTP {} {}",
                resp.status,
                String::from_utf8_lossy(&resp.body[..resp.body.len().min(200)])
            ));
        }
        if resp.body.is_empty() {
            return Ok(None);
        }
        match wbxml::decode(&resp.body) {
            Ok(el) => Ok(Some(el)),
            Err(e) => {
                Counters::bump(&self.shared.counters.bad_answers);
                Err(format!("{cmd}: the answer does not decode: {e:?}"))
            }
        }
    }

    /// FolderSync with the current key; with key 0 the pinged folders are chosen.
    async fn folder_sync(&mut self) -> Result<(), String> {
        let doc = docs::folder_sync(&self.folder_key);
        let el = self
            .post("FolderSync", &doc, REQUEST_TIMEOUT)
            .await?
            .ok_or("FolderSync: empty answer")?;
        Counters::bump(&self.shared.counters.folder_syncs);
        let status = el.text_at(&[fh::STATUS]).unwrap_or_default();
        if status != "1" {
            return Err(format!("FolderSync Status {status}"));
        }
        if let Some(key) = el.text_at(&[fh::SYNC_KEY]) {
            self.folder_key = key;
        }
        if self.folders.is_empty() {
            let mut found: Vec<(usize, String, String, u8)> = el
                .folder_sync_folders()
                .into_iter()
                .filter_map(|(id, _, name, kind)| {
                    let rank = TYPE_ORDER.iter().position(|t| *t == kind)?;
                    Some((rank, name, id, kind))
                })
                .collect();
            found.sort();
            self.folders = found
                .into_iter()
                .take(self.shared.folders)
                .map(|(_, _, id, kind)| Folder {
                    id,
                    key: "0".into(),
                    inbox: kind == 2,
                })
                .collect();
            if !self.folders.iter().any(|f| f.inbox) {
                return Err("FolderSync: no Inbox".into());
            }
        }
        Ok(())
    }

    /// One Sync of the folders at `which` (indexes into `folders`) with their current keys
    /// (key 0: no window), repeated while one has MoreAvailable or had to start over.
    async fn sync(&mut self, which: &[usize]) -> Result<(), String> {
        let mut pending: Vec<usize> = which.to_vec();
        for _ in 0..20 {
            if pending.is_empty() {
                return Ok(());
            }
            let collections = pending
                .iter()
                .map(|&i| {
                    let f = &self.folders[i];
                    let window = (f.key != "0").then_some(100);
                    docs::sync_collection_request(
                        &f.id,
                        &f.key,
                        window,
                        &SyncOpts::default(),
                        Vec::new(),
                    )
                })
                .collect();
            let doc = docs::sync_multi(collections);
            let answer = self.post("Sync", &doc, REQUEST_TIMEOUT).await?;
            Counters::bump(&self.shared.counters.syncs);
            let Some(el) = answer else {
                // Empty answer: nothing changed in any of them.
                return Ok(());
            };
            let mut again = Vec::new();
            for &i in &pending {
                let id = self.folders[i].id.clone();
                let Some(col) = el.sync_collection(&id) else {
                    continue;
                };
                let status = col.text_at(&[a::STATUS]).unwrap_or_default();
                match status.as_str() {
                    "1" => {
                        if let Some(key) = col.text_at(&[a::SYNC_KEY]) {
                            self.folders[i].key = key;
                        }
                        if col.find(a::MORE_AVAILABLE).is_some() {
                            again.push(i);
                        }
                    }
                    "3" => {
                        // Invalid key: start over.
                        self.folders[i].key = "0".into();
                        again.push(i);
                    }
                    other => return Err(format!("Sync of {id}: Status {other}")),
                }
            }
            pending = again;
        }
        Err("Sync: still MoreAvailable after 20 rounds".into())
    }

    /// FolderSync key 0, Sync key 0 of the pinged folders, and once more with their keys.
    pub async fn setup(&mut self) -> Result<(), String> {
        self.folder_sync().await?;
        let all: Vec<usize> = (0..self.folders.len()).collect();
        self.sync(&all).await?;
        self.sync(&all).await
    }

    fn ping_doc(&self, heartbeat: u32) -> Element {
        let mut folders = Element::new(p::FOLDERS);
        for f in &self.folders {
            folders.push(
                Element::new(p::FOLDER)
                    .text_child(p::ID, f.id.clone())
                    .text_child(p::CLASS, "Email"),
            );
        }
        Element::new(p::PING)
            .text_child(p::HEARTBEAT_INTERVAL, heartbeat.to_string())
            .child(folders)
    }

    /// Holds a Ping from now on, for ever.
    pub async fn hold(mut self) {
        let mut heartbeat = self.shared.heartbeat;
        let mut doc = self.ping_doc(heartbeat);
        loop {
            let c = &self.shared.counters;
            c.pings_in_flight.fetch_add(1, Ordering::Relaxed);
            Counters::bump(&c.pings_sent);
            let timeout = Duration::from_secs(u64::from(heartbeat) + 120);
            let r = self.post("Ping", &doc, timeout).await;
            let c = &self.shared.counters;
            c.pings_in_flight.fetch_sub(1, Ordering::Relaxed);
            let el = match r {
                Ok(Some(el)) => el,
                Ok(None) => {
                    Counters::bump(&c.bad_answers);
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
                Err(_) => {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            let status: usize = el
                .text_at(&[p::STATUS])
                .and_then(|s| s.parse().ok())
                .filter(|s| *s < STATUSES)
                .unwrap_or(0);
            Counters::bump(&c.answers[status]);
            match status {
                1 => {}
                2 => {
                    let at = Instant::now();
                    let named: Vec<String> = el
                        .all_at(&[p::FOLDERS, p::FOLDER])
                        .into_iter()
                        .map(|f| f.text_or_empty().into_owned())
                        .collect();
                    let which: Vec<usize> = (0..self.folders.len())
                        .filter(|&i| named.contains(&self.folders[i].id))
                        .collect();
                    if which.iter().any(|&i| self.folders[i].inbox) {
                        let _ = self
                            .shared
                            .inbox_changed
                            .send((self.user_idx, self.dev_idx, at));
                    }
                    if self.sync(&which).await.is_err() {
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
                5 => {
                    // The heartbeat is out of range; the answer gives the limit.
                    if let Some(h) = el
                        .text_at(&[p::HEARTBEAT_INTERVAL])
                        .and_then(|h| h.parse().ok())
                    {
                        heartbeat = h;
                        doc = self.ping_doc(heartbeat);
                    }
                }
                6 => {
                    if let Some(n) = el
                        .text_at(&[p::MAX_FOLDERS])
                        .and_then(|n| n.parse::<usize>().ok())
                    {
                        let inbox = self.folders.iter().position(|f| f.inbox).unwrap_or(0);
                        self.folders.swap(0, inbox);
                        self.folders.truncate(n.max(1));
                        doc = self.ping_doc(heartbeat);
                    }
                }
                7 => {
                    if self.folder_sync().await.is_err() {
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
                _ => tokio::time::sleep(Duration::from_secs(1)).await,
            }
        }
    }

    /// A FolderSync with key 0: one request that takes an IMAP session from airgate's pool and
    /// returns it, which is when the pool closes the sessions idle for longer than
    /// `mail.session_idle_seconds` (it sweeps on return, not on a timer).
    pub async fn touch(&mut self) -> Result<(), String> {
        self.folder_key = "0".into();
        self.folder_sync().await
    }

    /// How many folders the device pings.
    pub fn folder_count(&self) -> usize {
        self.folders.len()
    }
}
