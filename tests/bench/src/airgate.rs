//! The airgate side: a release `airgate serve` started here with its log in a file (so that
//! the IMAP commands it issues can be counted), and a device that syncs through it without
//! the test client's per-response schema validation (which would dominate the timing).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use eas_test_client::docs::{self, BodyPref, SyncOpts};
use eas_test_client::{Client, ElementExt, Stack, tags};
use wbxml::Element;

/// A running airgate; killed on drop.
pub struct Airgate {
    pub url: String,
    pub log: PathBuf,
    child: Child,
    dir: PathBuf,
}

impl Airgate {
    /// `airgate serve` on a free port with a new state directory under `work`, pointed at the
    /// stack's IMAP server, without provisioning; `log_level` is its tracing filter.
    pub fn start(binary: &Path, stack: &Stack, work: &Path, log_level: &str) -> Airgate {
        Airgate::start_with(binary, stack, work, log_level, &[])
    }

    /// [`Airgate::start`] with more command-line arguments after the usual ones (e.g.
    /// `--metrics-listen 127.0.0.1:PORT`); later flags win.
    pub fn start_with(
        binary: &Path,
        stack: &Stack,
        work: &Path,
        log_level: &str,
        extra: &[String],
    ) -> Airgate {
        let dir = work.join(format!("airgate-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("airgate state dir");
        let log = dir.join("airgate.log");
        let out = std::fs::File::create(&log).expect("log file");
        let err = out.try_clone().expect("log file");
        let child = Command::new(binary)
            .args(["serve", "--listen", "127.0.0.1:0", "--state-dir"])
            .arg(dir.join("state"))
            .args(["--imap", stack.imap_url()])
            .args(["--email-domain", "example.org"])
            .args(["--provision-required", "false"])
            .args(["--log-level", log_level])
            .args(extra)
            .env_remove("AIRGATE_CONFIG")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let mut a = Airgate {
            url: String::new(),
            log,
            child,
            dir,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while a.url.is_empty() {
            assert!(
                Instant::now() < deadline,
                "airgate did not start:\n{}",
                std::fs::read_to_string(&a.log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
            let f = std::fs::File::open(&a.log).expect("log file");
            for line in BufReader::new(f).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("airgate listening on ") {
                    a.url = url.trim().to_owned();
                }
            }
        }
        a
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The log's size now (to count what a later stretch of requests logged).
    pub fn log_len(&self) -> u64 {
        std::fs::metadata(&self.log).map(|m| m.len()).unwrap_or(0)
    }

    /// The log lines written after `from` bytes.
    pub fn log_since(&self, from: u64) -> Vec<String> {
        let bytes = std::fs::read(&self.log).unwrap_or_default();
        let from = (from as usize).min(bytes.len());
        String::from_utf8_lossy(&bytes[from..])
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

impl Drop for Airgate {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(self.dir.join("state"));
    }
}

/// One Sync response of one collection, as far as the benchmark looks at it.
pub struct SyncStep {
    pub status: u16,
    pub key: String,
    pub adds: usize,
    pub server_ids: Vec<String>,
    pub more: bool,
    pub bytes: usize,
    pub element: Option<Element>,
}

/// A device of `user` on airgate.
pub struct Device {
    pub client: Client,
    /// The collection id of the folder synced.
    pub inbox: String,
}

fn sync_opts() -> SyncOpts {
    SyncOpts::default().body_preference(BodyPref::new(2).truncation(5000))
}

impl Device {
    /// A new device id; runs FolderSync and finds the folder of `mailbox` (INBOX: the one of
    /// type 2, else by display name).
    pub async fn new(
        url: &str,
        user: &str,
        password: &str,
        device_id: &str,
        mailbox: &str,
    ) -> Device {
        let client = Client::new(url, user, password, device_id);
        let r = client.post("FolderSync", &docs::folder_sync("0")).await;
        r.assert_status(200);
        let inbox = r
            .doc()
            .folder_sync_folders()
            .into_iter()
            .find(|f| {
                if mailbox.eq_ignore_ascii_case("INBOX") {
                    f.3 == 2
                } else {
                    f.2 == mailbox
                }
            })
            .unwrap_or_else(|| panic!("no folder for {mailbox} in FolderSync"))
            .0;
        Device { client, inbox }
    }

    /// Posts a Sync document without validation; decodes the response.
    pub async fn post_sync(&self, doc: &Element) -> SyncStep {
        let query = self.client.plain_query("Sync");
        let headers = self.client.eas_headers();
        let headers: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let req =
            self.client
                .raw_request(reqwest::Method::POST, &query, &headers, wbxml::encode(doc));
        let resp = req.send().await.expect("Sync request");
        let status = resp.status().as_u16();
        let body = resp.bytes().await.expect("Sync response body");
        let mut step = SyncStep {
            status,
            key: String::new(),
            adds: 0,
            server_ids: Vec::new(),
            more: false,
            bytes: body.len(),
            element: None,
        };
        if status != 200 || body.is_empty() {
            return step;
        }
        let el = wbxml::decode(&body).expect("Sync response decodes");
        if let Some(col) = el.sync_collection(&self.inbox) {
            step.key = col.text_at(&[tags::airsync::SYNC_KEY]).unwrap_or_default();
            let st = col.text_at(&[tags::airsync::STATUS]).unwrap_or_default();
            assert_eq!(st, "1", "Sync status:\n{}", el.to_xml());
            let adds = col.sync_adds();
            step.adds = adds.len();
            step.server_ids = adds.into_iter().map(|(id, _)| id).collect();
            step.more = col.find(tags::airsync::MORE_AVAILABLE).is_some();
        }
        step.element = Some(el);
        step
    }

    pub async fn sync_initial(&self) -> String {
        let s = self.post_sync(&docs::sync_initial(&self.inbox)).await;
        assert_eq!(s.status, 200);
        assert!(!s.key.is_empty(), "no SyncKey for key 0");
        s.key
    }

    pub async fn sync(&self, key: &str, window: u32) -> SyncStep {
        self.post_sync(&docs::sync(&self.inbox, key, window, sync_opts()))
            .await
    }
}

/// What one full initial Sync through airgate did.
pub struct InitialRun {
    pub items: usize,
    pub requests: usize,
    pub bytes: usize,
    pub took: Duration,
    pub key: String,
}

/// Sync key 0, then windows until nothing more is available. `check_first` validates the first
/// windowed response with the test client's checks (schemas, libwbxml), outside the timing.
pub async fn initial_sync(device: &Device, window: u32, check_first: bool) -> InitialRun {
    let start = Instant::now();
    let mut key = device.sync_initial().await;
    let mut items = 0;
    let mut requests = 1;
    let mut bytes = 0;
    let mut seen = std::collections::HashSet::new();
    let mut validate_time = Duration::ZERO;
    loop {
        let s = device.sync(&key, window).await;
        requests += 1;
        assert_eq!(s.status, 200, "Sync answered HTTP {}", s.status);
        if check_first && requests == 2 {
            let t = Instant::now();
            let el = s.element.as_ref().expect("a document");
            eas_test_client::validate::response(&wbxml::encode(el), el);
            validate_time = t.elapsed();
        }
        items += s.adds;
        bytes += s.bytes;
        for id in s.server_ids {
            assert!(seen.insert(id), "a ServerId sent twice");
        }
        key = s.key;
        if !s.more {
            break;
        }
    }
    InitialRun {
        items,
        requests,
        bytes,
        took: start.elapsed() - validate_time,
        key,
    }
}
