//! The hub with a scripted source: one watcher per user, superseding, lingering, restarts.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use state::DeviceKey;
use tokio::sync::mpsc;

use super::hub::{Feed, Hub, HubConfig, Login, Source, WaitEnd, Watching};
use crate::mail::backend::MailboxState;

/// A source whose watchers publish what the test sends, and fail when told to.
struct Scripted {
    started: AtomicUsize,
    running: Arc<AtomicUsize>,
    feeds: mpsc::UnboundedSender<(Login, mpsc::UnboundedSender<Option<MailboxState>>)>,
}

struct Running(Arc<AtomicUsize>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Source for Scripted {
    fn watch(&self, login: Login, feed: Feed) -> Watching {
        self.started.fetch_add(1, Ordering::SeqCst);
        self.running.fetch_add(1, Ordering::SeqCst);
        let running = Running(self.running.clone());
        let (tx, mut rx) = mpsc::unbounded_channel();
        let _ = self.feeds.send((login, tx));
        Box::pin(async move {
            let _running = running;
            feed.publish(|s| {
                s.mail.ready = true;
                true
            });
            // Some(state): INBOX changed; None: the connection fails.
            while let Some(next) = rx.recv().await {
                match next {
                    Some(st) => feed.publish(|s| s.mail.set_state("INBOX", st)),
                    None => return Err("connection lost".to_owned()),
                }
            }
            std::future::pending().await
        })
    }
}

type Control = mpsc::UnboundedReceiver<(Login, mpsc::UnboundedSender<Option<MailboxState>>)>;

fn hub(linger: Duration) -> (Hub, Arc<Scripted>, Control) {
    let (tx, rx) = mpsc::unbounded_channel();
    let source = Arc::new(Scripted {
        started: AtomicUsize::new(0),
        running: Arc::new(AtomicUsize::new(0)),
        feeds: tx,
    });
    let config = HubConfig {
        linger,
        backoff: (Duration::from_millis(100), Duration::from_secs(1)),
    };
    (Hub::new(source.clone(), config), source, rx)
}

fn state(modseq: u64) -> MailboxState {
    MailboxState {
        uid_validity: 1,
        uid_next: 1,
        messages: 0,
        highest_modseq: Some(modseq),
    }
}

fn device(user: &str, id: &str) -> DeviceKey {
    DeviceKey::new(user, id)
}

fn soon() -> tokio::time::Instant {
    tokio::time::Instant::now() + Duration::from_secs(30)
}

fn pw() -> Arc<str> {
    Arc::from("pw")
}

#[tokio::test(start_paused = true)]
async fn devices_of_one_user_share_one_watcher() {
    let (hub, source, mut control) = hub(Duration::from_secs(1));
    let mut a = hub.wait(&device("u", "a"), pw(), vec!["INBOX".into()]);
    let mut b = hub.wait(&device("u", "b"), pw(), vec!["INBOX".into()]);
    let (login, feed) = control.recv().await.expect("a watcher");
    assert_eq!(login.user, "u");
    let _ = feed.send(Some(state(5)));
    for w in [&mut a, &mut b] {
        while w.snapshot().mail.states.get("INBOX") != Some(&state(5)) {
            assert_eq!(w.next(soon()).await, WaitEnd::Changed);
        }
    }
    assert_eq!(source.started.load(Ordering::SeqCst), 1);
    assert_eq!(hub.watchers(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_newer_wait_of_the_device_supersedes_the_older() {
    let (hub, _source, _control) = hub(Duration::from_secs(1));
    let mut old = hub.wait(&device("u", "a"), pw(), vec![]);
    let mut new = hub.wait(&device("u", "a"), pw(), vec![]);
    assert_eq!(old.next(soon()).await, WaitEnd::Superseded);
    // The newer one still waits (here until its deadline; the watcher's first picture wakes
    // it once).
    let deadline = tokio::time::Instant::now() + Duration::from_millis(10);
    loop {
        new.snapshot();
        match new.next(deadline).await {
            WaitEnd::Changed => continue,
            end => break assert_eq!(end, WaitEnd::Expired),
        }
    }
}

#[tokio::test(start_paused = true)]
async fn the_watcher_stops_after_the_last_waiter_lingered() {
    let (hub, source, mut control) = hub(Duration::from_secs(5));
    let w = hub.wait(&device("u", "a"), pw(), vec![]);
    control.recv().await.expect("a watcher");
    drop(w);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(hub.watchers(), 1, "still lingering");
    // A device that comes back within the linger keeps the same watcher.
    let w = hub.wait(&device("u", "a"), pw(), vec![]);
    drop(w);
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(hub.watchers(), 0);
    assert_eq!(source.running.load(Ordering::SeqCst), 0);
    assert_eq!(source.started.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn a_failed_watcher_is_restarted_and_its_waiters_keep_waiting() {
    let (hub, source, mut control) = hub(Duration::from_secs(5));
    let mut w = hub.wait(&device("u", "a"), pw(), vec!["INBOX".into()]);
    let (_, feed) = control.recv().await.expect("a watcher");
    w.snapshot();
    let _ = feed.send(None);
    let (_, feed) = control.recv().await.expect("a second watcher");
    assert_eq!(source.started.load(Ordering::SeqCst), 2);
    let _ = feed.send(Some(state(9)));
    while w.snapshot().mail.states.get("INBOX") != Some(&state(9)) {
        assert_eq!(w.next(soon()).await, WaitEnd::Changed);
    }
}

#[tokio::test(start_paused = true)]
async fn the_watcher_logs_in_with_the_latest_password() {
    let (hub, _source, mut control) = hub(Duration::from_secs(5));
    let _a = hub.wait(&device("u", "a"), Arc::from("old"), vec![]);
    let (login, feed) = control.recv().await.expect("a watcher");
    assert_eq!(&*login.password, "old");
    let _b = hub.wait(&device("u", "b"), Arc::from("new"), vec![]);
    let _ = feed.send(None);
    let (login, _) = control.recv().await.expect("a second watcher");
    assert_eq!(&*login.password, "new");
}

#[tokio::test(start_paused = true)]
async fn shutdown_ends_every_wait() {
    let (hub, _source, _control) = hub(Duration::from_secs(5));
    let mut w = hub.wait(&device("u", "a"), pw(), vec![]);
    w.snapshot();
    hub.shut_down();
    assert_eq!(w.next(soon()).await, WaitEnd::ShuttingDown);
}

#[tokio::test(start_paused = true)]
async fn the_watchers_interest_is_every_waiters_mailboxes() {
    struct Interest(
        mpsc::UnboundedSender<tokio::sync::watch::Receiver<std::collections::BTreeSet<String>>>,
    );
    impl Source for Interest {
        fn watch(&self, _login: Login, feed: Feed) -> Watching {
            let _ = self.0.send(feed.interest());
            Box::pin(std::future::pending())
        }
    }
    let (tx, mut rx) = mpsc::unbounded_channel();
    let hub = Hub::new(Arc::new(Interest(tx)), HubConfig::default());
    let a = hub.wait(&device("u", "a"), pw(), vec!["INBOX".into()]);
    let _b = hub.wait(&device("u", "b"), pw(), vec!["Sent".into()]);
    let mut interest = rx.recv().await.expect("a watcher");
    let now: Vec<String> = interest.borrow_and_update().iter().cloned().collect();
    assert_eq!(now, ["INBOX", "Sent"]);
    drop(a);
    let now: Vec<String> = interest.borrow_and_update().iter().cloned().collect();
    assert_eq!(now, ["Sent"]);
}
