//! The resolved configuration the gateway runs with. The binary builds it from the TOML file,
//! `AIRGATE_*` variables and flags; docs/configuration.md documents every key.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::auth::AuthConfig;

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address and port to listen on.
    pub listen: SocketAddr,
    /// Directory of the state store (created if missing).
    pub state_dir: PathBuf,
    /// PEM certificate chain; with `tls_key`, airgate serves HTTPS itself.
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for `tls_cert`.
    pub tls_key: Option<PathBuf>,
    /// Largest request body accepted, in bytes (413 above it).
    pub max_request_bytes: u64,
    /// Domain of users' mail addresses when the login name has none (`alice` -> `alice@domain`).
    pub email_domain: Option<String>,
    /// `imap://host[:port]` or `imaps://host[:port]`: mail, and where logins are checked.
    pub imap: Option<String>,
    /// `smtp://host[:port]` (STARTTLS when offered) or `smtps://host[:port]`.
    pub smtp: Option<String>,
    /// CalDAV base URL; `{user}` is replaced by the login name.
    pub caldav: Option<String>,
    /// CardDAV base URL; `{user}` is replaced by the login name.
    pub carddav: Option<String>,
    /// Extra PEM CA certificates trusted for upstream TLS (self-signed upstreams).
    pub upstream_ca_file: Option<PathBuf>,
    /// Seconds to wait for an upstream connection and login.
    pub upstream_timeout_seconds: u64,
    /// Address for Prometheus metrics (`GET /metrics`, plain HTTP, no authentication): keep
    /// it on loopback or a private network. Unset: no metrics listener.
    pub metrics_listen: Option<SocketAddr>,
    pub auth: AuthConfig,
    pub provision: ProvisionConfig,
    pub mail: MailConfig,
    pub send: SendConfig,
    pub push: PushConfig,
    pub log: LogConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            state_dir: PathBuf::from("/var/lib/airgate"),
            tls_cert: None,
            tls_key: None,
            max_request_bytes: 32 * 1024 * 1024,
            email_domain: None,
            imap: None,
            smtp: None,
            caldav: None,
            carddav: None,
            upstream_ca_file: None,
            upstream_timeout_seconds: 10,
            metrics_listen: None,
            auth: AuthConfig::default(),
            provision: ProvisionConfig::default(),
            mail: MailConfig::default(),
            send: SendConfig::default(),
            push: PushConfig::default(),
            log: LogConfig::default(),
        }
    }
}

impl Config {
    /// The upstream timeouts: `upstream_timeout_seconds` (at least 1 s) for connect and answer.
    pub fn upstream_timeouts(&self) -> upstream::Timeouts {
        let t = std::time::Duration::from_secs(self.upstream_timeout_seconds.max(1));
        upstream::Timeouts {
            connect: t,
            response: t,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProvisionConfig {
    /// Require devices to provision (MS-ASPROV) before any other command.
    pub required: bool,
    /// The policy sent to devices.
    pub policy: eas::PolicySettings,
}

impl Default for ProvisionConfig {
    fn default() -> Self {
        ProvisionConfig {
            required: true,
            policy: eas::PolicySettings::default(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailConfig {
    /// Mailbox names taken as Drafts when the IMAP server has no SPECIAL-USE.
    pub drafts_names: Vec<String>,
    /// Mailbox names taken as Sent Items when the IMAP server has no SPECIAL-USE.
    pub sent_names: Vec<String>,
    /// Mailbox names taken as Deleted Items when the IMAP server has no SPECIAL-USE.
    pub trash_names: Vec<String>,
    /// The most items one Sync response carries per folder (EAS allows up to 512).
    pub max_window_size: u32,
    /// Logged-in IMAP sessions kept per user between requests.
    pub idle_sessions_per_user: usize,
    /// Seconds an unused IMAP session is kept.
    pub session_idle_seconds: u64,
    /// KiB of the next Sync window fetched per device while the device reads the current
    /// one (0: no read-ahead).
    pub read_ahead_kib: u64,
}

impl Default for MailConfig {
    fn default() -> Self {
        let names = engine::mail::SpecialNames::default();
        MailConfig {
            drafts_names: names.drafts,
            sent_names: names.sent,
            trash_names: names.trash,
            max_window_size: 512,
            idle_sessions_per_user: 2,
            session_idle_seconds: 60,
            read_ahead_kib: 8192,
        }
    }
}

impl MailConfig {
    pub fn engine(&self) -> engine::mail::MailConfig {
        engine::mail::MailConfig {
            special_names: engine::mail::SpecialNames {
                drafts: self.drafts_names.clone(),
                sent: self.sent_names.clone(),
                trash: self.trash_names.clone(),
                junk: Vec::new(),
            },
            max_window: self.max_window_size.clamp(1, 512),
            read_ahead_bytes: self.read_ahead_kib.saturating_mul(1024),
            // Set from `[send]` by the gateway.
            send: engine::mail::send::SendConfig::default(),
        }
    }
}

/// Ping and Sync with Wait (`[push]`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct PushConfig {
    /// Shortest Ping HeartbeatInterval accepted, seconds (devices asking for less get status 5
    /// with this value).
    pub min_heartbeat_seconds: u32,
    /// Longest Ping HeartbeatInterval and Sync wait, seconds (status 5 or 14 with this value
    /// above it). Keep it below the idle timeout of any proxy in front of airgate.
    pub max_heartbeat_seconds: u32,
    /// The most folders one Ping may watch (status 6 above it).
    pub max_folders: usize,
    /// Seconds a user's upstream watcher is kept after the last waiting request ended.
    pub linger_seconds: u64,
    /// Watch with IDLE plus STATUS polls even where the IMAP server offers NOTIFY.
    pub imap_force_idle: bool,
    /// Without NOTIFY: seconds between STATUS polls of the watched folders other than INBOX.
    pub imap_poll_seconds: u64,
}

impl Default for PushConfig {
    fn default() -> Self {
        PushConfig {
            min_heartbeat_seconds: 60,
            max_heartbeat_seconds: 3540,
            max_folders: 300,
            linger_seconds: 60,
            imap_force_idle: false,
            imap_poll_seconds: 60,
        }
    }
}

impl PushConfig {
    pub fn engine(&self) -> engine::push::PushConfig {
        let max = self.max_heartbeat_seconds.max(1);
        engine::push::PushConfig {
            min_heartbeat: self.min_heartbeat_seconds.min(max),
            max_heartbeat: max,
            max_folders: self.max_folders.max(1),
            hub: engine::push::HubConfig {
                linger: std::time::Duration::from_secs(self.linger_seconds),
                ..engine::push::HubConfig::default()
            },
        }
    }

    pub fn watch(&self) -> upstream::imap::WatchConfig {
        upstream::imap::WatchConfig {
            force_idle: self.imap_force_idle,
            poll_interval: std::time::Duration::from_secs(self.imap_poll_seconds.max(1)),
            ..upstream::imap::WatchConfig::default()
        }
    }
}

/// SendMail, SmartReply and SmartForward (`[send]`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct SendConfig {
    /// Copy sent mail to Sent Items when the device asks; off for servers that file
    /// submitted mail themselves (else users see every message twice).
    pub save_in_sent: bool,
    /// Accept any From; otherwise only the user's primary address and `aliases`.
    pub any_from: bool,
    /// Further addresses a user may send as, by login name.
    pub aliases: std::collections::BTreeMap<String, Vec<String>>,
    /// The largest message submitted, in KiB (a bigger one gets the size status).
    pub max_message_kib: u64,
}

impl Default for SendConfig {
    fn default() -> Self {
        SendConfig {
            save_in_sent: true,
            any_from: false,
            aliases: Default::default(),
            max_message_kib: 25 * 1024,
        }
    }
}

impl SendConfig {
    pub fn engine(&self, id_domain: Option<&str>) -> engine::mail::send::SendConfig {
        engine::mail::send::SendConfig {
            save_in_sent: self.save_in_sent,
            any_from: self.any_from,
            max_message_bytes: self.max_message_kib.saturating_mul(1024),
            id_domain: id_domain.unwrap_or("airgate.invalid").to_owned(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// A tracing filter: `info`, `airgate=debug,info`, ...
    pub level: String,
    /// `text` or `json`.
    pub format: LogFormat,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            level: "info".into(),
            format: LogFormat::Text,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}
