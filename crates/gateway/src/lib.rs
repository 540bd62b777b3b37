//! The EAS front end: the axum service (routing, authentication, the device gate, logging),
//! wired to the engine and the upstream servers.

mod auth;
mod config;
mod mail;
mod metrics_http;
mod push;
mod read_ahead;
mod request;
mod response;
mod routes;
mod send;
mod server;
mod verifier;

use std::sync::Arc;

pub use auth::{AuthConfig, Authenticator, Credentials, Verifier, VerifyError};
pub use config::{Config, LogConfig, LogFormat, MailConfig, ProvisionConfig, PushConfig};
pub use server::{TlsError, serve, tls_config};

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// Everything a request handler needs, shared by all requests.
pub struct Gateway {
    pub config: Config,
    pub auth: Authenticator,
    pub store: state::Store,
    pub policy: engine::provision::Policy,
    /// Logged-in IMAP sessions per user; None when no IMAP server is configured (tests).
    pub mail: Option<upstream::SessionPool>,
    pub mail_config: engine::mail::MailConfig,
    /// SMTP submission; None when no server is configured (the send commands are then not
    /// offered).
    pub smtp: Option<upstream::SmtpClient>,
    pub locks: mail::DeviceLocks,
    /// The next Sync window of each device, fetched while the device reads the last one.
    pub read_ahead: Arc<read_ahead::ReadAheads>,
    /// Where Ping and Sync-with-Wait wait; None without an IMAP server (Ping is then not
    /// offered).
    pub push: Option<engine::push::Hub>,
    pub push_config: engine::push::PushConfig,
}

impl Gateway {
    /// Builds the gateway over a login verifier (the IMAP one in `Server::bind`).
    pub fn new(config: Config, verifier: Arc<dyn Verifier>) -> Result<Gateway, StartError> {
        let store = state::Store::open_dir(&config.state_dir)?;
        let policy = engine::provision::Policy::new(config.provision.policy.clone());
        Ok(Gateway {
            auth: Authenticator::new(verifier, config.auth.clone()),
            store,
            policy,
            mail: None,
            mail_config: engine::mail::MailConfig {
                send: config.send.engine(config.email_domain.as_deref()),
                ..config.mail.engine()
            },
            smtp: None,
            locks: mail::DeviceLocks::default(),
            read_ahead: Arc::default(),
            push: None,
            push_config: config.push.engine(),
            config,
        })
    }

    /// Serves mail from these IMAP sessions.
    pub fn with_mail(mut self, pool: upstream::SessionPool) -> Gateway {
        self.mail = Some(pool);
        self
    }

    /// Pushes changes from this source (the IMAP watcher in `Server::bind`).
    pub fn with_push(mut self, source: Arc<dyn engine::push::Source>) -> Gateway {
        self.push = Some(engine::push::Hub::new(source, self.push_config.hub.clone()));
        self
    }

    /// Submits mail through this server.
    pub fn with_smtp(mut self, smtp: Option<upstream::SmtpClient>) -> Gateway {
        self.smtp = smtp;
        self
    }

    /// The user's primary address: the login if it is an address, else `login@email_domain`.
    pub fn primary_address(&self, user: &str) -> String {
        match (&self.config.email_domain, user.contains('@')) {
            (Some(domain), false) => format!("{user}@{domain}"),
            _ => user.to_owned(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    State(#[from] state::StateError),
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error("{0}")]
    Config(String),
    #[error("cannot listen on {0}: {1}")]
    Listen(std::net::SocketAddr, std::io::Error),
}

/// A bound, not yet running server.
pub struct Server {
    listener: TcpListener,
    app: axum::Router,
    gateway: Arc<Gateway>,
    metrics: Option<metrics_http::Metrics>,
    tls: Option<Arc<rustls::ServerConfig>>,
    url: String,
}

impl Server {
    /// Validates the configuration, opens the state store and binds the listening socket.
    pub async fn bind(config: Config) -> Result<Server, StartError> {
        let tls = match (&config.tls_cert, &config.tls_key) {
            (Some(cert), Some(key)) => Some(tls_config(cert, key)?),
            (None, None) => None,
            _ => {
                return Err(StartError::Config(
                    "tls_cert and tls_key go together".into(),
                ));
            }
        };
        let pool = verifier::session_pool(&config)?;
        let watcher = push::ImapSource::new(verifier::imap_client(&config)?, config.push.watch());
        let metrics = match config.metrics_listen {
            Some(addr) => Some(metrics_http::bind(addr).await?),
            None => None,
        };
        let smtp = verifier::smtp_client(&config)?;
        let verifier = verifier::ImapVerifier::new(pool.clone());
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|e| StartError::Listen(config.listen, e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| StartError::Listen(config.listen, e))?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        let url = format!("{scheme}://{addr}/Microsoft-Server-ActiveSync");
        let gateway = Arc::new(
            Gateway::new(config, Arc::new(verifier))?
                .with_mail(pool)
                .with_smtp(smtp)
                .with_push(watcher),
        );
        Ok(Server {
            listener,
            app: routes::router(gateway.clone()),
            gateway,
            tls,
            url,
            metrics,
        })
    }

    /// The URL devices use.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub async fn run(self, shutdown: CancellationToken) -> std::io::Result<()> {
        // Held Pings and Sync waits answer at once instead of holding the drain.
        if let Some(hub) = self.gateway.push.clone() {
            let token = shutdown.clone();
            tokio::spawn(async move {
                token.cancelled().await;
                hub.shut_down();
            });
        }
        if let Some(m) = self.metrics {
            tokio::spawn(m.serve(shutdown.clone()));
        }
        serve(self.listener, self.app, self.tls, shutdown).await
    }
}

pub use routes::router;
