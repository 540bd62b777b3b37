//! The real login check: an IMAP login to the configured server.

use std::future::Future;
use std::pin::Pin;

use upstream::{ImapClient, ImapEndpoint, TlsConfig};

use crate::auth::{Verifier, VerifyError};
use crate::{Config, StartError};

pub struct ImapVerifier {
    client: ImapClient,
}

impl ImapVerifier {
    pub fn from_config(config: &Config) -> Result<ImapVerifier, StartError> {
        let url = config.imap.as_deref().ok_or_else(|| {
            StartError::Config(
                "no IMAP server configured: set `imap` (--imap imap://host:143)".into(),
            )
        })?;
        let endpoint =
            ImapEndpoint::parse(url).map_err(|e| StartError::Config(format!("imap: {e}")))?;
        let tls = TlsConfig::new(config.upstream_ca_file.as_deref())
            .map_err(|e| StartError::Config(format!("upstream_ca_file: {e}")))?;
        Ok(ImapVerifier {
            client: ImapClient::new(endpoint, tls, config.upstream_timeouts()),
        })
    }
}

impl Verifier for ImapVerifier {
    fn verify<'a>(
        &'a self,
        user: &'a str,
        password: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<(), VerifyError>> + Send + 'a>> {
        Box::pin(async move {
            match self.client.login(user, password).await {
                Ok(session) => {
                    // The session is not needed yet; logging out is courtesy, not correctness.
                    tokio::spawn(async move {
                        let _ = session.logout().await;
                    });
                    Ok(())
                }
                Err(e) if e.is_authentication_failure() => Err(VerifyError::Rejected),
                Err(e) => Err(VerifyError::Unavailable(e.to_string())),
            }
        })
    }
}
