//! The real login check: an IMAP login to the configured server.

use std::future::Future;
use std::pin::Pin;

use std::time::Duration;

use upstream::{ImapClient, ImapEndpoint, SessionPool, SmtpClient, SmtpEndpoint, TlsConfig};

use crate::auth::{Verifier, VerifyError};
use crate::{Config, StartError};

/// The IMAP sessions of all users, built from the configuration.
pub fn session_pool(config: &Config) -> Result<SessionPool, StartError> {
    let client = imap_client(config)?;
    Ok(SessionPool::new(
        client,
        config.mail.idle_sessions_per_user,
        Duration::from_secs(config.mail.session_idle_seconds),
    ))
}

/// The SMTP submission client, when `smtp` is configured.
pub fn smtp_client(config: &Config) -> Result<Option<SmtpClient>, StartError> {
    let Some(url) = config.smtp.as_deref() else {
        return Ok(None);
    };
    let endpoint =
        SmtpEndpoint::parse(url).map_err(|e| StartError::Config(format!("smtp: {e}")))?;
    let tls = TlsConfig::new(config.upstream_ca_file.as_deref())
        .map_err(|e| StartError::Config(format!("upstream_ca_file: {e}")))?;
    Ok(Some(SmtpClient::new(
        endpoint,
        tls,
        config.upstream_timeouts(),
    )))
}

/// Checks logins by taking a session from the pool: a login that succeeds leaves its session
/// there for the request that follows.
pub struct ImapVerifier {
    pool: SessionPool,
}

impl ImapVerifier {
    pub fn new(pool: SessionPool) -> ImapVerifier {
        ImapVerifier { pool }
    }
}

pub(crate) fn imap_client(config: &Config) -> Result<ImapClient, StartError> {
    {
        let url = config.imap.as_deref().ok_or_else(|| {
            StartError::Config(
                "no IMAP server configured: set `imap` (--imap imap://host:143)".into(),
            )
        })?;
        let endpoint =
            ImapEndpoint::parse(url).map_err(|e| StartError::Config(format!("imap: {e}")))?;
        let tls = TlsConfig::new(config.upstream_ca_file.as_deref())
            .map_err(|e| StartError::Config(format!("upstream_ca_file: {e}")))?;
        Ok(ImapClient::new(endpoint, tls, config.upstream_timeouts()))
    }
}

impl Verifier for ImapVerifier {
    fn verify<'a>(
        &'a self,
        user: &'a str,
        password: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<(), VerifyError>> + Send + 'a>> {
        Box::pin(async move {
            match self.pool.get(user, password).await {
                // Dropping it returns it to the pool.
                Ok(_session) => Ok(()),
                Err(e) if e.is_authentication_failure() => Err(VerifyError::Rejected),
                Err(e) => Err(VerifyError::Unavailable(e.to_string())),
            }
        })
    }
}
