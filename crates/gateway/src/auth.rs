//! HTTP Basic authentication against the upstream IMAP server, with an in-memory cache of
//! verified logins and a throttle against password guessing.
//!
//! No password is stored: a verified login is remembered as HMAC-SHA256(process key, user, password)
//! with a random key that never leaves the process, so the cache cannot be used offline.

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use hmac::{KeyInit, Mac};

/// The credentials of one request, parsed from `Authorization: Basic ...`.
pub struct Credentials {
    /// The name airgate uses for this user: for the upstream login and as the state key.
    pub user: String,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

impl Credentials {
    /// Parses a Basic `Authorization` header value. The user may be given as `user`,
    /// `user@domain` (kept whole: it is the IMAP login) or `DOMAIN\user` (the Windows domain
    /// means nothing upstream and is dropped).
    pub fn from_basic_header(value: &str) -> Option<Credentials> {
        let (scheme, rest) = value.trim().split_once(' ')?;
        if !scheme.eq_ignore_ascii_case("basic") {
            return None;
        }
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(rest.trim())
            .ok()?;
        let decoded = String::from_utf8(decoded).ok()?;
        let (user, password) = decoded.split_once(':')?;
        let user = match user.split_once('\\') {
            Some((_domain, user)) => user,
            None => user,
        };
        // Control characters would corrupt IMAP commands and state keys; no real name has them.
        if user.is_empty() || user.chars().any(char::is_control) {
            return None;
        }
        Some(Credentials {
            user: user.to_owned(),
            password: password.to_owned(),
        })
    }
}

/// Why the upstream did not accept a login.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("the upstream rejected the credentials")]
    Rejected,
    #[error("the upstream could not be asked: {0}")]
    Unavailable(String),
}

/// Checks a user's password upstream (the real one logs in to IMAP).
pub trait Verifier: Send + Sync + 'static {
    fn verify<'a>(
        &'a self,
        user: &'a str,
        password: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<(), VerifyError>> + Send + 'a>>;
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// The realm in `WWW-Authenticate`.
    pub realm: String,
    /// How long a verified login is trusted without asking upstream again.
    pub cache_seconds: u64,
    /// Failed logins (per user or per client address) before each further attempt is delayed.
    pub delay_after_failures: u32,
    /// Failed logins before further attempts are refused without asking upstream.
    pub lockout_after_failures: u32,
    /// How long a lockout lasts, and how long failures are remembered.
    pub lockout_seconds: u64,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            realm: "airgate".into(),
            cache_seconds: 900,
            delay_after_failures: 3,
            lockout_after_failures: 10,
            lockout_seconds: 900,
        }
    }
}

/// The outcome of authenticating one request.
#[derive(Debug, PartialEq, Eq)]
pub enum AuthOutcome {
    Accepted,
    /// Wrong credentials: answer 401.
    Rejected,
    /// Too many failures recently: answer 429 with this Retry-After, upstream not asked.
    LockedOut {
        retry_after: Duration,
    },
    /// The upstream could not be asked: answer 503, the device retries.
    Unavailable,
}

type HmacSha256 = hmac::Hmac<sha2::Sha256>;
const CACHE_LIMIT: usize = 100_000;
const FAILURE_LIMIT: usize = 100_000;
const MAX_DELAY: Duration = Duration::from_secs(5);

pub struct Authenticator {
    verifier: Arc<dyn Verifier>,
    config: AuthConfig,
    key: [u8; 32],
    verified: Mutex<HashMap<[u8; 32], Instant>>,
    failures: Mutex<HashMap<FailureKey, Failures>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum FailureKey {
    User(String),
    Addr(IpAddr),
}

#[derive(Clone, Copy, Debug)]
struct Failures {
    count: u32,
    last: Instant,
}

impl Authenticator {
    pub fn new(verifier: Arc<dyn Verifier>, config: AuthConfig) -> Self {
        Authenticator {
            verifier,
            config,
            key: rand::random(),
            verified: Mutex::new(HashMap::new()),
            failures: Mutex::new(HashMap::new()),
        }
    }

    pub fn realm(&self) -> &str {
        &self.config.realm
    }

    pub async fn authenticate(&self, creds: &Credentials, addr: IpAddr) -> AuthOutcome {
        let tag = self.tag(creds);
        let ttl = Duration::from_secs(self.config.cache_seconds);
        // A login verified before a lockout still works: the owner's phones keep syncing while
        // someone else guesses, and a cache hit reveals nothing a guesser did not already know.
        if self
            .lock(&self.verified)
            .get(&tag)
            .is_some_and(|t| t.elapsed() < ttl)
        {
            return AuthOutcome::Accepted;
        }
        let keys = [FailureKey::User(creds.user.clone()), FailureKey::Addr(addr)];
        let worst = self.worst_failures(&keys);
        if worst >= self.config.lockout_after_failures {
            return AuthOutcome::LockedOut {
                retry_after: Duration::from_secs(self.config.lockout_seconds),
            };
        }
        if worst >= self.config.delay_after_failures {
            let extra = worst - self.config.delay_after_failures + 1;
            tokio::time::sleep(MAX_DELAY.min(Duration::from_secs(u64::from(extra)))).await;
        }
        match self.verifier.verify(&creds.user, &creds.password).await {
            Ok(()) => {
                let mut verified = self.lock(&self.verified);
                if verified.len() >= CACHE_LIMIT {
                    verified.retain(|_, t| t.elapsed() < ttl);
                }
                verified.insert(tag, Instant::now());
                self.lock(&self.failures).remove(&keys[0]);
                AuthOutcome::Accepted
            }
            Err(VerifyError::Rejected) => {
                self.record_failure(&keys);
                tracing::info!(user = %creds.user, %addr, "login rejected by upstream");
                AuthOutcome::Rejected
            }
            Err(VerifyError::Unavailable(why)) => {
                tracing::warn!(user = %creds.user, reason = %why, "upstream login unavailable");
                AuthOutcome::Unavailable
            }
        }
    }

    fn tag(&self, creds: &Credentials) -> [u8; 32] {
        // The HMAC key is 32 bytes, which HMAC always accepts.
        let mut mac = <HmacSha256 as KeyInit>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(creds.user.as_bytes());
        mac.update(&[0]);
        mac.update(creds.password.as_bytes());
        mac.finalize().into_bytes().into()
    }

    fn worst_failures(&self, keys: &[FailureKey]) -> u32 {
        let window = Duration::from_secs(self.config.lockout_seconds);
        let failures = self.lock(&self.failures);
        keys.iter()
            .filter_map(|k| failures.get(k))
            .filter(|f| f.last.elapsed() < window)
            .map(|f| f.count)
            .max()
            .unwrap_or(0)
    }

    fn record_failure(&self, keys: &[FailureKey]) {
        let window = Duration::from_secs(self.config.lockout_seconds);
        let mut failures = self.lock(&self.failures);
        if failures.len() >= FAILURE_LIMIT {
            failures.retain(|_, f| f.last.elapsed() < window);
        }
        let now = Instant::now();
        for key in keys {
            let f = failures.entry(key.clone()).or_insert(Failures {
                count: 0,
                last: now,
            });
            if f.last.elapsed() >= window {
                f.count = 0;
            }
            f.count += 1;
            f.last = now;
        }
    }

    fn lock<'a, T>(&self, m: &'a Mutex<T>) -> std::sync::MutexGuard<'a, T> {
        // The maps hold no invariants a panicking holder could break.
        m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Fixed {
        password: &'static str,
        calls: AtomicUsize,
    }

    impl Verifier for Fixed {
        fn verify<'a>(
            &'a self,
            _user: &'a str,
            password: &'a str,
        ) -> Pin<Box<dyn Future<Output = Result<(), VerifyError>> + Send + 'a>> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            let ok = password == self.password;
            Box::pin(async move {
                if ok {
                    Ok(())
                } else {
                    Err(VerifyError::Rejected)
                }
            })
        }
    }

    fn basic(s: &str) -> String {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(s)
        )
    }

    fn auth(config: AuthConfig) -> (Arc<Fixed>, Authenticator) {
        let v = Arc::new(Fixed {
            password: "right",
            calls: AtomicUsize::new(0),
        });
        (v.clone(), Authenticator::new(v, config))
    }

    fn creds(user: &str, password: &str) -> Credentials {
        Credentials {
            user: user.into(),
            password: password.into(),
        }
    }

    const ADDR: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

    #[test]
    fn a_plain_user_name_is_kept() {
        let c = Credentials::from_basic_header(&basic("alice:pw:with:colons")).unwrap();
        assert_eq!(
            (c.user.as_str(), c.password.as_str()),
            ("alice", "pw:with:colons")
        );
    }

    #[test]
    fn a_user_at_domain_name_is_kept_whole() {
        let c = Credentials::from_basic_header(&basic("alice@example.org:pw")).unwrap();
        assert_eq!(c.user, "alice@example.org");
    }

    #[test]
    fn a_windows_domain_prefix_is_dropped() {
        let c = Credentials::from_basic_header(&basic("EXAMPLE\\alice:pw")).unwrap();
        assert_eq!(c.user, "alice");
    }

    #[test]
    fn malformed_authorization_headers_are_not_credentials() {
        for bad in [
            "Bearer abc",
            "Basic !!!",
            &basic("nocolon"),
            &basic(":pw"),
            &basic("a\0b:pw"),
        ] {
            assert!(Credentials::from_basic_header(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn credentials_debug_output_hides_the_password() {
        let c = creds("alice", "s3cret");
        assert!(!format!("{c:?}").contains("s3cret"));
    }

    #[tokio::test]
    async fn a_verified_login_is_answered_from_the_cache() {
        let (v, a) = auth(AuthConfig::default());
        assert_eq!(
            a.authenticate(&creds("alice", "right"), ADDR).await,
            AuthOutcome::Accepted
        );
        assert_eq!(
            a.authenticate(&creds("alice", "right"), ADDR).await,
            AuthOutcome::Accepted
        );
        assert_eq!(v.calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_cached_login_does_not_accept_another_password() {
        let (_, a) = auth(AuthConfig::default());
        a.authenticate(&creds("alice", "right"), ADDR).await;
        assert_eq!(
            a.authenticate(&creds("alice", "wrong"), ADDR).await,
            AuthOutcome::Rejected
        );
    }

    #[tokio::test(start_paused = true)]
    async fn repeated_failures_lock_the_user_out_without_asking_upstream() {
        let config = AuthConfig {
            lockout_after_failures: 3,
            ..AuthConfig::default()
        };
        let (v, a) = auth(config);
        for _ in 0..3 {
            assert_eq!(
                a.authenticate(&creds("bob", "x"), ADDR).await,
                AuthOutcome::Rejected
            );
        }
        let out = a.authenticate(&creds("bob", "right"), ADDR).await;
        assert!(matches!(out, AuthOutcome::LockedOut { .. }));
        assert_eq!(v.calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn failures_beyond_the_threshold_are_delayed() {
        let config = AuthConfig {
            delay_after_failures: 1,
            ..AuthConfig::default()
        };
        let (_, a) = auth(config);
        a.authenticate(&creds("bob", "x"), ADDR).await;
        let start = tokio::time::Instant::now();
        a.authenticate(&creds("bob", "x"), ADDR).await;
        assert!(start.elapsed() >= Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn a_login_cached_before_a_lockout_keeps_working() {
        let config = AuthConfig {
            lockout_after_failures: 2,
            ..AuthConfig::default()
        };
        let (_, a) = auth(config);
        a.authenticate(&creds("alice", "right"), ADDR).await;
        a.authenticate(&creds("alice", "x"), ADDR).await;
        a.authenticate(&creds("alice", "y"), ADDR).await;
        assert_eq!(
            a.authenticate(&creds("alice", "right"), ADDR).await,
            AuthOutcome::Accepted
        );
    }
}
