//! Logged-in IMAP sessions kept for reuse, per user and password.
//!
//! A session is handed out only to a request with the same user *and*
//! password as the login that made it: the key is HMAC-SHA256 over
//! `user 0x00 password` under a random per-process key, so neither the
//! password nor anything that can be checked against it offline is kept.
//! After a password change, sessions made with the old one are never
//! handed out again and expire.

use std::collections::HashMap;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use hmac::{KeyInit, Mac};

use super::{ImapClient, ImapError, ImapSession};

type HmacSha256 = hmac::Hmac<sha2::Sha256>;
type Key = [u8; 32];

/// Per-user pools of idle, logged-in sessions. Cheap to clone (shared).
#[derive(Clone)]
pub struct SessionPool {
    inner: Arc<Inner>,
}

struct Inner {
    client: ImapClient,
    max_idle_per_user: usize,
    idle_timeout: Duration,
    secret: Key,
    idle: Mutex<Idle>,
    logins: AtomicU64,
}

struct Idle {
    /// Most recently returned last.
    by_key: HashMap<Key, Vec<(ImapSession, Instant)>>,
    last_sweep: Instant,
}

impl std::fmt::Debug for SessionPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionPool")
            .field("server", &self.inner.client.endpoint().to_string())
            .field("max_idle_per_user", &self.inner.max_idle_per_user)
            .field("idle_timeout", &self.inner.idle_timeout)
            .finish_non_exhaustive()
    }
}

impl SessionPool {
    /// Keeps at most `max_idle_per_user` idle sessions per user and
    /// password, each for at most `idle_timeout` after it was returned.
    pub fn new(client: ImapClient, max_idle_per_user: usize, idle_timeout: Duration) -> Self {
        Self {
            inner: Arc::new(Inner {
                client,
                max_idle_per_user,
                idle_timeout,
                secret: rand::random(),
                idle: Mutex::new(Idle {
                    by_key: HashMap::new(),
                    last_sweep: Instant::now(),
                }),
                logins: AtomicU64::new(0),
            }),
        }
    }

    fn key(&self, user: &str, password: &str) -> Key {
        let mut mac = <HmacSha256 as KeyInit>::new_from_slice(&self.inner.secret)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(user.as_bytes());
        mac.update(&[0]);
        mac.update(password.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// An idle session of this user logged in with this password, else a
    /// new login. A failed login is not retried here.
    ///
    /// An idle session is not checked before it is handed out: if it died
    /// meanwhile, the first command fails with `Unavailable` and the
    /// session is not returned; the caller retries once with a new one.
    pub async fn get(&self, user: &str, password: &str) -> Result<PooledSession, ImapError> {
        let key = self.key(user, password);
        if let Some(session) = self.take_idle(&key) {
            tracing::debug!(user, "IMAP session reused from the pool");
            return Ok(self.pooled(key, session));
        }
        self.inner.logins.fetch_add(1, Ordering::Relaxed);
        let session = self.inner.client.login(user, password).await?;
        Ok(self.pooled(key, session))
    }

    /// Adds a logged-in session (e.g. the one that verified a device's
    /// login) as idle for this user and password.
    pub fn insert(&self, user: &str, password: &str, session: ImapSession) {
        let key = self.key(user, password);
        self.inner.put(key, session);
    }

    /// Logins made by [`SessionPool::get`] so far (for metrics and tests).
    pub fn logins(&self) -> u64 {
        self.inner.logins.load(Ordering::Relaxed)
    }

    /// Idle sessions now, all users.
    pub fn idle_count(&self) -> usize {
        self.inner.lock().by_key.values().map(Vec::len).sum()
    }

    fn pooled(&self, key: Key, session: ImapSession) -> PooledSession {
        PooledSession {
            session: Some(session),
            key,
            pool: Arc::clone(&self.inner),
        }
    }

    fn take_idle(&self, key: &Key) -> Option<ImapSession> {
        let timeout = self.inner.idle_timeout;
        let mut expired = Vec::new();
        let found = {
            let mut idle = self.inner.lock();
            let found = match idle.by_key.get_mut(key) {
                Some(list) => loop {
                    match list.pop() {
                        Some((s, at)) if at.elapsed() < timeout && s.is_usable() => break Some(s),
                        Some((s, _)) => expired.push(s),
                        None => break None,
                    }
                },
                None => None,
            };
            if idle.by_key.get(key).is_some_and(Vec::is_empty) {
                idle.by_key.remove(key);
            }
            found
        };
        // Closing sockets outside the lock.
        drop(expired);
        found
    }
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, Idle> {
        // A panic while holding the lock leaves consistent data (plain
        // pushes and pops): keep using it.
        self.idle.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn put(&self, key: Key, session: ImapSession) {
        if !session.is_usable() || self.max_idle_per_user == 0 {
            return;
        }
        let mut dropped: Vec<ImapSession> = Vec::new();
        {
            let mut idle = self.lock();
            let list = idle.by_key.entry(key).or_default();
            list.push((session, Instant::now()));
            while list.len() > self.max_idle_per_user {
                dropped.push(list.remove(0).0);
            }
            // Sessions of users who do not come back expire too.
            let sweep_every = self.idle_timeout.min(Duration::from_secs(30));
            if idle.last_sweep.elapsed() >= sweep_every {
                idle.last_sweep = Instant::now();
                let timeout = self.idle_timeout;
                for list in idle.by_key.values_mut() {
                    let (keep, old): (Vec<_>, Vec<_>) = std::mem::take(list)
                        .into_iter()
                        .partition(|(_, at)| at.elapsed() < timeout);
                    *list = keep;
                    dropped.extend(old.into_iter().map(|(s, _)| s));
                }
                idle.by_key.retain(|_, list| !list.is_empty());
            }
        }
        drop(dropped);
    }
}

/// A session on loan from a [`SessionPool`]; derefs to [`ImapSession`].
/// Dropping it returns the session to the pool, unless
/// [`PooledSession::discard`] was called or the session is no longer
/// usable (an `Unavailable` error happened on it, or a command was
/// interrupted).
pub struct PooledSession {
    session: Option<ImapSession>,
    key: Key,
    pool: Arc<Inner>,
}

impl std::fmt::Debug for PooledSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PooledSession")
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

impl PooledSession {
    /// Closes the session instead of returning it to the pool.
    pub fn discard(mut self) {
        self.session = None;
    }

    /// Takes the session out of the pool's care.
    pub fn into_inner(mut self) -> ImapSession {
        self.session
            .take()
            .unwrap_or_else(|| unreachable!("a PooledSession holds its session until dropped"))
    }
}

impl Deref for PooledSession {
    type Target = ImapSession;

    fn deref(&self) -> &ImapSession {
        self.session
            .as_ref()
            .unwrap_or_else(|| unreachable!("a PooledSession holds its session until dropped"))
    }
}

impl DerefMut for PooledSession {
    fn deref_mut(&mut self) -> &mut ImapSession {
        self.session
            .as_mut()
            .unwrap_or_else(|| unreachable!("a PooledSession holds its session until dropped"))
    }
}

impl Drop for PooledSession {
    fn drop(&mut self) {
        if let Some(session) = self.session.take() {
            self.pool.put(self.key, session);
        }
    }
}
