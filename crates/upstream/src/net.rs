//! TCP and TLS plumbing shared by the IMAP and SMTP clients: one stream type
//! for plain and TLS connections, timeouts, and the reasons a server is
//! unavailable.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use crate::endpoint::ServerAddr;
use crate::tls::{TlsConfig, TlsError};

/// How long to wait for upstream servers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// TCP connect, TLS handshake (STARTTLS included) and the greeting.
    pub connect: Duration,
    /// The server's answer to one request: IMAP LOGIN/AUTHENTICATE, SMTP
    /// EHLO, one read of a DAV response.
    pub response: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(10),
            response: Duration::from_secs(10),
        }
    }
}

/// Why an IMAP or SMTP server could not be used. All of these are worth a
/// retry later; none of them says anything about the user's credentials.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// TCP connect failed (refused, unreachable, DNS).
    #[error("cannot connect: {0}")]
    Connect(io::Error),
    /// The server did not answer in time.
    #[error("no answer within {after:?} while {phase}")]
    Timeout {
        phase: &'static str,
        after: Duration,
    },
    /// The TLS client configuration could not be built.
    #[error("{0}")]
    TlsSetup(TlsError),
    /// The TLS handshake failed (certificate not trusted, name mismatch...).
    #[error("TLS handshake failed: {0}{hint}", hint = tls_hint(.0))]
    TlsHandshake(io::Error),
    /// STARTTLS is required but the server does not offer it.
    #[error(
        "the server does not offer STARTTLS; use the implicit-TLS URL (imaps://, smtps://), or add ?tls=none if plaintext on this network is intended"
    )]
    StartTlsNotOffered,
    /// Reading or writing failed mid-session.
    #[error("connection error: {0}")]
    Io(io::Error),
    /// The server closed the connection.
    #[error("the server closed the connection")]
    Closed,
    /// The server refused service (IMAP BYE, SMTP 4xx/5xx greeting, a
    /// temporary failure code).
    #[error("the server refused: {0}")]
    Refused(String),
    /// The server said something this client does not understand.
    #[error("unexpected server response: {0}")]
    Protocol(String),
}

/// What to do about the certificate errors an operator meets first.
fn tls_hint(e: &io::Error) -> &'static str {
    use rustls::{CertificateError, Error};
    match e.get_ref().and_then(|inner| inner.downcast_ref::<Error>()) {
        Some(Error::InvalidCertificate(CertificateError::UnknownIssuer)) => {
            " (the server's certificate is not signed by a trusted CA; for a private CA, configure its certificate as the extra CA file)"
        }
        Some(Error::InvalidCertificate(CertificateError::NotValidForName))
        | Some(Error::InvalidCertificate(CertificateError::NotValidForNameContext { .. })) => {
            " (the certificate does not name this host; use the name it was issued for in the URL)"
        }
        Some(Error::InvalidCertificate(CertificateError::Other(other)))
            if format!("{other:?}").contains("CaUsedAsEndEntity") =>
        {
            " (the server presents a CA certificate as its own, e.g. a self-signed one made with CA:TRUE; issue it with CA:FALSE or sign it with a separate CA)"
        }
        _ => "",
    }
}

/// Runs `fut` with a deadline; `phase` names what timed out.
pub(crate) async fn within<T>(
    after: Duration,
    phase: &'static str,
    fut: impl Future<Output = Result<T, Failure>>,
) -> Result<T, Failure> {
    match tokio::time::timeout(after, fut).await {
        Ok(r) => r,
        Err(_) => Err(Failure::Timeout { phase, after }),
    }
}

pub(crate) async fn connect_tcp(addr: &ServerAddr) -> Result<TcpStream, Failure> {
    let tcp = TcpStream::connect((addr.connect_host(), addr.port()))
        .await
        .map_err(Failure::Connect)?;
    // Commands are small and answered one at a time: don't let Nagle hold them.
    tcp.set_nodelay(true).map_err(Failure::Connect)?;
    Ok(tcp)
}

pub(crate) async fn tls_handshake(
    tcp: TcpStream,
    addr: &ServerAddr,
    tls: &TlsConfig,
) -> Result<TlsStream<TcpStream>, Failure> {
    let config = tls.client_config().map_err(Failure::TlsSetup)?;
    TlsConnector::from(config)
        .connect(addr.server_name(), tcp)
        .await
        .map_err(Failure::TlsHandshake)
}

/// A connection to an IMAP or SMTP server, before or after TLS.
#[derive(Debug)]
pub(crate) enum Transport {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl Transport {
    pub(crate) fn is_tls(&self) -> bool {
        matches!(self, Transport::Tls(_))
    }

    /// The TCP stream under a plaintext connection, for STARTTLS.
    pub(crate) fn into_plain(self) -> Result<TcpStream, Failure> {
        match self {
            Transport::Plain(tcp) => Ok(tcp),
            Transport::Tls(_) => Err(Failure::Protocol("STARTTLS on a TLS connection".into())),
        }
    }
}

impl AsyncRead for Transport {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Transport {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Transport::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Plain(s) => Pin::new(s).poll_flush(cx),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}
