//! The push hub: per user one watcher of the upstream stores, shared by every waiting request
//! of that user (all devices), started by the first waiter and stopped `linger` after the last.
//!
//! A watcher (a [`Source`]) publishes what it knows into the user's [`Snapshot`]; waiters
//! compare the snapshot with their device's sync state whenever it changes. Because waiters
//! compare states rather than count events, nothing is lost while a watcher reconnects: the
//! fresh picture after the reconnect shows every change made meanwhile.

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use state::DeviceKey;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::mail::backend::{ChangeTracking, Mailbox, MailboxState};

/// Metric names (documented in docs/configuration.md, `metrics_listen`).
pub const HELD: &str = "airgate_push_held_requests";
pub const WATCHERS: &str = "airgate_push_watchers";
pub const CONNECTIONS: &str = "airgate_push_upstream_connections";
pub const LATENCY: &str = "airgate_push_latency_seconds";

/// What a user's mail watcher knows.
#[derive(Clone, Debug, Default)]
pub struct MailView {
    /// False until the watcher has reported a whole picture (listing and states).
    pub ready: bool,
    pub tracking: Option<ChangeTracking>,
    /// The mailboxes as LIST shows them; a new `Arc` whenever the listing changes.
    pub listing: Arc<Vec<Mailbox>>,
    /// The counters of each mailbox, by wire name.
    pub states: HashMap<String, MailboxState>,
    /// When each mailbox's counters last changed (for the push latency).
    pub changed_at: HashMap<String, Instant>,
}

impl MailView {
    /// Replaces the listing; states of mailboxes that are gone are forgotten.
    pub fn set_listing(&mut self, listing: Vec<Mailbox>) {
        let names: BTreeSet<&str> = listing.iter().map(|m| m.name.as_str()).collect();
        self.states.retain(|k, _| names.contains(k.as_str()));
        self.changed_at.retain(|k, _| names.contains(k.as_str()));
        self.listing = Arc::new(listing);
    }

    /// Records a mailbox's counters; returns whether they changed.
    pub fn set_state(&mut self, mailbox: &str, state: MailboxState) -> bool {
        if self.states.get(mailbox) == Some(&state) {
            return false;
        }
        self.states.insert(mailbox.to_owned(), state);
        self.changed_at.insert(mailbox.to_owned(), Instant::now());
        true
    }
}

/// Everything the watchers of one user know. CalDAV/CardDAV sources will add their views here.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    pub mail: MailView,
}

/// The credentials a watcher logs in with: the latest a device of the user authenticated
/// with, held in memory while the user has waiting requests.
#[derive(Clone)]
pub struct Login {
    pub user: String,
    pub password: Arc<str>,
}

impl std::fmt::Debug for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Login")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// A future a source runs as.
pub type Watching = Pin<Box<dyn Future<Output = Result<(), String>> + Send>>;

/// An upstream store that can tell when a user's collections change: IMAP (NOTIFY or IDLE)
/// today, CalDAV/CardDAV sync-token polling later.
pub trait Source: Send + Sync + 'static {
    /// Watches the user's collections, publishing into `feed`, until the connection fails
    /// (`Err`, logged; the hub starts it again after a backoff). The hub drops the future when
    /// nobody waits any more.
    fn watch(&self, login: Login, feed: Feed) -> Watching;
}

/// A source's handle on its user's snapshot.
pub struct Feed {
    snapshot: watch::Sender<Snapshot>,
    interest: watch::Receiver<BTreeSet<String>>,
}

impl Feed {
    /// Changes the snapshot; waiters are woken when `f` says it changed something.
    pub fn publish(&self, f: impl FnOnce(&mut Snapshot) -> bool) {
        self.snapshot.send_if_modified(f);
    }

    /// The mailboxes (wire names) waiting requests care about, for sources that must poll.
    pub fn interest(&self) -> watch::Receiver<BTreeSet<String>> {
        self.interest.clone()
    }

    /// Counts an upstream connection in the metrics while the guard lives.
    pub fn connection(&self) -> ConnectionGuard {
        metrics::gauge!(CONNECTIONS).increment(1.0);
        ConnectionGuard(())
    }
}

/// See [`Feed::connection`].
pub struct ConnectionGuard(());

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        metrics::gauge!(CONNECTIONS).decrement(1.0);
    }
}

/// Push settings.
#[derive(Clone, Debug)]
pub struct HubConfig {
    /// How long a watcher outlives its last waiter (a device re-Pings within seconds).
    pub linger: Duration,
    /// First and longest wait before a failed watcher reconnects.
    pub backoff: (Duration, Duration),
}

impl Default for HubConfig {
    fn default() -> Self {
        HubConfig {
            linger: Duration::from_secs(60),
            backoff: (Duration::from_secs(1), Duration::from_secs(60)),
        }
    }
}

/// The hub. Cheap to clone.
#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

struct Inner {
    source: Arc<dyn Source>,
    config: HubConfig,
    users: Mutex<HashMap<String, Arc<User>>>,
    /// The waiter each device has now; a newer one ends it.
    devices: Mutex<HashMap<DeviceKey, (u64, CancellationToken)>>,
    next_id: AtomicU64,
    shutdown: CancellationToken,
}

struct User {
    snapshot: watch::Sender<Snapshot>,
    interest: watch::Sender<BTreeSet<String>>,
    /// Each waiter's mailboxes, by waiter id.
    interests: Mutex<HashMap<u64, Vec<String>>>,
    waiters: watch::Sender<usize>,
    password: Mutex<Arc<str>>,
}

impl User {
    fn publish_interest(&self) {
        let all: BTreeSet<String> = lock(&self.interests).values().flatten().cloned().collect();
        self.interest.send_if_modified(|cur| {
            let changed = *cur != all;
            *cur = all;
            changed
        });
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// How a wait ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitEnd {
    /// The snapshot changed: look again.
    Changed,
    /// The deadline passed.
    Expired,
    /// A newer Ping or Sync-wait of the same device took over.
    Superseded,
    /// The server is shutting down.
    ShuttingDown,
}

impl Hub {
    pub fn new(source: Arc<dyn Source>, config: HubConfig) -> Hub {
        Hub {
            inner: Arc::new(Inner {
                source,
                config,
                users: Mutex::default(),
                devices: Mutex::default(),
                next_id: AtomicU64::new(1),
                shutdown: CancellationToken::new(),
            }),
        }
    }

    /// Ends every wait now (they answer at once) and stops the watchers.
    pub fn shut_down(&self) {
        self.inner.shutdown.cancel();
    }

    /// Users with a running watcher.
    pub fn watchers(&self) -> usize {
        lock(&self.inner.users).len()
    }

    /// Registers a waiting request of `device` on these mailboxes. A waiter of the same
    /// device that is still waiting ends with [`WaitEnd::Superseded`]. Dropping the waiter
    /// (the request answered, or its client went away) unregisters it.
    pub fn wait(&self, device: &DeviceKey, password: Arc<str>, mailboxes: Vec<String>) -> Waiter {
        let inner = &self.inner;
        let id = inner.next_id.fetch_add(1, Ordering::Relaxed);
        // Counted under the users lock, which the supervisor holds when it decides to stop:
        // a waiter never joins a watcher that is going away.
        let user = {
            let mut users = lock(&inner.users);
            let user = match users.get(&device.user) {
                Some(u) => u.clone(),
                None => {
                    let u = Arc::new(User {
                        snapshot: watch::Sender::new(Snapshot::default()),
                        interest: watch::Sender::new(BTreeSet::new()),
                        interests: Mutex::default(),
                        waiters: watch::Sender::new(0),
                        password: Mutex::new(password.clone()),
                    });
                    users.insert(device.user.clone(), u.clone());
                    tokio::spawn(supervise(inner.clone(), device.user.clone(), u.clone()));
                    u
                }
            };
            user.waiters.send_modify(|n| *n += 1);
            user
        };
        *lock(&user.password) = password;
        lock(&user.interests).insert(id, mailboxes);
        user.publish_interest();
        let superseded = CancellationToken::new();
        if let Some((_, older)) =
            lock(&inner.devices).insert(device.clone(), (id, superseded.clone()))
        {
            older.cancel();
        }
        metrics::gauge!(HELD).increment(1.0);
        Waiter {
            id,
            device: device.clone(),
            snapshot: user.snapshot.subscribe(),
            user,
            superseded,
            hub: inner.clone(),
        }
    }
}

/// One waiting request's registration with the hub.
pub struct Waiter {
    id: u64,
    device: DeviceKey,
    user: Arc<User>,
    snapshot: watch::Receiver<Snapshot>,
    superseded: CancellationToken,
    hub: Arc<Inner>,
}

impl Waiter {
    /// The snapshot now; marks it seen. Do not hold it across an await.
    pub fn snapshot(&mut self) -> watch::Ref<'_, Snapshot> {
        self.snapshot.borrow_and_update()
    }

    /// Waits until the snapshot changes after the last [`Waiter::snapshot`], the deadline
    /// passes, a newer waiter of the device takes over, or the server shuts down.
    pub async fn next(&mut self, deadline: tokio::time::Instant) -> WaitEnd {
        if self.hub.shutdown.is_cancelled() {
            return WaitEnd::ShuttingDown;
        }
        if self.superseded.is_cancelled() {
            return WaitEnd::Superseded;
        }
        tokio::select! {
            changed = self.snapshot.changed() => match changed {
                Ok(()) => WaitEnd::Changed,
                // The sender lives as long as `self.user`: cannot happen.
                Err(_) => WaitEnd::ShuttingDown,
            },
            _ = tokio::time::sleep_until(deadline) => WaitEnd::Expired,
            _ = self.superseded.cancelled() => WaitEnd::Superseded,
            _ = self.hub.shutdown.cancelled() => WaitEnd::ShuttingDown,
        }
    }
}

impl Drop for Waiter {
    fn drop(&mut self) {
        metrics::gauge!(HELD).decrement(1.0);
        lock(&self.user.interests).remove(&self.id);
        self.user.publish_interest();
        self.user.waiters.send_modify(|n| *n = n.saturating_sub(1));
        let mut devices = lock(&self.hub.devices);
        if devices
            .get(&self.device)
            .is_some_and(|(id, _)| *id == self.id)
        {
            devices.remove(&self.device);
        }
    }
}

/// Runs a user's source until nobody has waited for `linger`, restarting it with backoff.
async fn supervise(hub: Arc<Inner>, name: String, user: Arc<User>) {
    metrics::gauge!(WATCHERS).increment(1.0);
    let (first, longest) = hub.config.backoff;
    let mut backoff = first;
    let mut waiters = user.waiters.subscribe();
    loop {
        let login = Login {
            user: name.clone(),
            password: lock(&user.password).clone(),
        };
        let feed = Feed {
            snapshot: user.snapshot.clone(),
            interest: user.interest.subscribe(),
        };
        let started = Instant::now();
        let watching = hub.source.watch(login, feed);
        let failed = tokio::select! {
            r = watching => Some(r),
            _ = idle_for(&mut waiters, hub.config.linger) => None,
            _ = hub.shutdown.cancelled() => break,
        };
        if let Some(r) = failed {
            if let Err(why) = r {
                tracing::warn!(user = %name, error = %why, "push watcher failed; reconnecting");
            }
            // A watcher that ran a while failed for a new reason: start the backoff over.
            if started.elapsed() > longest {
                backoff = first;
            }
            tokio::select! {
                _ = tokio::time::sleep(backoff) => {}
                _ = idle_for(&mut waiters, hub.config.linger) => {}
                _ = hub.shutdown.cancelled() => break,
            }
            backoff = (backoff * 2).min(longest);
        }
        // Idle long enough: stop, unless a waiter arrived just now.
        let mut users = lock(&hub.users);
        if *user.waiters.borrow() == 0 {
            if users.get(&name).is_some_and(|u| Arc::ptr_eq(u, &user)) {
                users.remove(&name);
            }
            break;
        }
    }
    if hub.shutdown.is_cancelled() {
        lock(&hub.users).remove(&name);
    }
    metrics::gauge!(WATCHERS).decrement(1.0);
}

/// Completes once there has been no waiter for `linger`.
async fn idle_for(waiters: &mut watch::Receiver<usize>, linger: Duration) {
    loop {
        while *waiters.borrow_and_update() > 0 {
            if waiters.changed().await.is_err() {
                return std::future::pending().await;
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(linger) => return,
            r = waiters.changed() => if r.is_err() { return std::future::pending().await },
        }
    }
}
