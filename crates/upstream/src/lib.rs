//! Clients for the standards servers airgate sits in front of: IMAP (login,
//! capabilities; mail sync later), CalDAV/CardDAV (discovery), SMTP
//! submission (probe; sending later). See README.md.
//!
//! Endpoints are parsed once from the configuration ([`endpoint`]); every
//! TLS connection shares one [`TlsConfig`]. Errors separate "the server
//! refused these credentials" (HTTP 401 to the device) from "the server is
//! unavailable" (HTTP 503, retry later).

pub mod dav;
pub mod endpoint;
pub mod imap;
mod net;
pub mod smtp;
pub mod tls;

pub use dav::{CollectionKind, DavClient, DavCollection, DavError, DavInfo};
pub use endpoint::{DavEndpoint, EndpointError, ImapEndpoint, Security, ServerAddr, SmtpEndpoint};
pub use imap::{Capabilities, Capability, ImapClient, ImapError, ImapProbe, ImapSession};
pub use net::{Failure, Timeouts};
pub use smtp::{SmtpClient, SmtpError, SmtpInfo};
pub use tls::{TlsConfig, TlsError};
