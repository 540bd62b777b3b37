//! Upstream addresses, parsed once from the configuration into types.
//!
//! IMAP and SMTP servers are given as URLs:
//!
//! | URL | transport |
//! |---|---|
//! | `imaps://host[:993]`, `smtps://host[:465]` | TLS from the first byte |
//! | `imap://host[:143]`, `smtp://host[:587]` | STARTTLS, and the connection fails if the server does not offer it |
//! | the same on a loopback host (`127.0.0.0/8`, `::1`, `localhost`) | STARTTLS when offered, plaintext otherwise |
//! | `...?tls=starttls` | STARTTLS required, also on loopback |
//! | `...?tls=none` | plaintext, never upgraded (a trusted network you chose explicitly) |
//!
//! Plaintext to a remote host is therefore never silent: the device's password
//! crosses that link on every login. Loopback is the exception because nothing
//! on the wire can be observed there, and a Dovecot next to airgate commonly
//! runs without TLS.
//!
//! CalDAV/CardDAV servers are given as an `http://` or `https://` base URL in
//! which `{user}` stands for the login name (see [`DavEndpoint`]).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::str::FromStr;

use url::{Host, Url};

/// How a connection to an IMAP or SMTP server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Security {
    /// TLS from the first byte (`imaps://`, `smtps://`).
    Tls,
    /// Plain connection upgraded with STARTTLS; the server must offer it.
    StartTls,
    /// STARTTLS when the server offers it, else plaintext. The default only
    /// for loopback hosts.
    StartTlsIfOffered,
    /// Plaintext, never upgraded (`?tls=none`).
    Plain,
}

/// A server's host and port.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServerAddr {
    host: Host<String>,
    port: u16,
}

impl ServerAddr {
    /// The host: a domain name (lowercase) or an IP address.
    pub fn host(&self) -> &Host<String> {
        &self.host
    }

    /// The TCP port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// True for 127.0.0.0/8, ::1, `localhost` and `*.localhost`.
    pub fn is_loopback(&self) -> bool {
        match &self.host {
            Host::Ipv4(ip) => ip.is_loopback(),
            Host::Ipv6(ip) => ip.is_loopback(),
            Host::Domain(d) => d == "localhost" || d.ends_with(".localhost"),
        }
    }

    /// The host as `TcpStream::connect` wants it (IPv6 without brackets).
    pub(crate) fn connect_host(&self) -> String {
        match &self.host {
            Host::Ipv4(ip) => ip.to_string(),
            Host::Ipv6(ip) => ip.to_string(),
            Host::Domain(d) => d.clone(),
        }
    }

    /// The name the server's certificate must carry.
    pub(crate) fn server_name(&self) -> rustls_pki_types::ServerName<'static> {
        use rustls_pki_types::{DnsName, ServerName};
        match &self.host {
            Host::Ipv4(ip) => ServerName::IpAddress(IpAddr::V4(*ip).into()),
            Host::Ipv6(ip) => ServerName::IpAddress(IpAddr::V6(*ip).into()),
            Host::Domain(d) => match DnsName::try_from(d.clone()) {
                Ok(name) => ServerName::DnsName(name),
                // parse_server_url only admits names rustls accepts, so this
                // arm is not reached; the reserved name can never match.
                Err(_) => ServerName::DnsName(
                    DnsName::try_from("invalid.invalid").expect("static DNS name"),
                ),
            },
        }
    }
}

impl fmt::Display for ServerAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Host's Display brackets IPv6 addresses.
        write!(f, "{}:{}", self.host, self.port)
    }
}

/// What is wrong with a configured upstream URL, worded as what to fix.
///
/// The input is never echoed: it may hold a password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    /// The text is not a URL at all.
    #[error("{what} URL is not a valid URL ({reason}); write it as {example}")]
    NotAUrl {
        what: &'static str,
        reason: url::ParseError,
        example: &'static str,
    },
    /// The scheme is not one this kind of server uses.
    #[error("{what} URL must start with {expected}, not {found}://")]
    Scheme {
        what: &'static str,
        expected: &'static str,
        found: String,
    },
    /// `imap://` and friends need a host.
    #[error("{what} URL has no host; write it as {example}")]
    NoHost {
        what: &'static str,
        example: &'static str,
    },
    /// The host is neither a DNS name nor an IP address.
    #[error("{what} URL host is not a valid DNS name or IP address")]
    InvalidHost { what: &'static str },
    /// Port 0 cannot be connected to.
    #[error("{what} URL has port 0; leave the port out for the default or give a real one")]
    PortZero { what: &'static str },
    /// A user name or password in the URL: airgate logs in as each device's user.
    #[error(
        "{what} URL must not contain a user name or password: airgate logs in with each device's own credentials"
    )]
    Credentials { what: &'static str },
    /// IMAP/SMTP URLs name a server, not a path on it.
    #[error("{what} URL must not have a path; write it as {example}")]
    Path {
        what: &'static str,
        example: &'static str,
    },
    /// A query option other than `tls=starttls` or `tls=none`.
    #[error(
        "{what} URL has an unknown option {option:?}; the only option is tls=starttls or tls=none"
    )]
    UnknownOption { what: &'static str, option: String },
    /// `?tls=` together with an implicit-TLS scheme.
    #[error("{what} URL: ?tls= applies only to {plain}://; {tls}:// always uses TLS")]
    TlsOptionWithImplicitTls {
        what: &'static str,
        plain: &'static str,
        tls: &'static str,
    },
    /// A `#fragment`.
    #[error("{what} URL must not have a #fragment")]
    Fragment { what: &'static str },
    /// `{user}` outside the path of a DAV URL.
    #[error(
        "DAV URL: {{user}} may appear only in the path, e.g. https://dav.example.org/{{user}}/"
    )]
    UserOutsidePath,
}

struct Kind {
    what: &'static str,
    plain: &'static str,
    tls: &'static str,
    plain_port: u16,
    tls_port: u16,
    example: &'static str,
}

const IMAP: Kind = Kind {
    what: "IMAP",
    plain: "imap",
    tls: "imaps",
    plain_port: 143,
    tls_port: 993,
    example: "imaps://mail.example.org or imap://127.0.0.1:143",
};

const SMTP: Kind = Kind {
    what: "SMTP",
    plain: "smtp",
    tls: "smtps",
    plain_port: 587,
    tls_port: 465,
    example: "smtps://mail.example.org or smtp://mail.example.org:587",
};

fn parse_server_url(input: &str, kind: &Kind) -> Result<(ServerAddr, Security), EndpointError> {
    let what = kind.what;
    let url = Url::parse(input.trim()).map_err(|reason| EndpointError::NotAUrl {
        what,
        reason,
        example: kind.example,
    })?;
    let implicit_tls = if url.scheme() == kind.tls {
        true
    } else if url.scheme() == kind.plain {
        false
    } else {
        return Err(EndpointError::Scheme {
            what,
            expected: if kind.plain == "imap" {
                "imap:// or imaps://"
            } else {
                "smtp:// or smtps://"
            },
            found: url.scheme().to_string(),
        });
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err(EndpointError::Credentials { what });
    }
    if !matches!(url.path(), "" | "/") {
        return Err(EndpointError::Path {
            what,
            example: kind.example,
        });
    }
    if url.fragment().is_some() {
        return Err(EndpointError::Fragment { what });
    }
    let host = match url.host() {
        None => {
            return Err(EndpointError::NoHost {
                what,
                example: kind.example,
            });
        }
        Some(Host::Domain("")) => {
            return Err(EndpointError::NoHost {
                what,
                example: kind.example,
            });
        }
        // imap:// and smtp:// are not "special" schemes to the URL parser,
        // so it leaves IPv4 addresses and upper case in the opaque host.
        Some(Host::Domain(d)) => match Ipv4Addr::from_str(d) {
            Ok(ip) => Host::Ipv4(ip),
            Err(_) => {
                let d = d.to_ascii_lowercase();
                // The opaque host of a non-special scheme admits almost
                // anything; a certificate can only name a DNS name.
                if rustls_pki_types::DnsName::try_from(d.as_str()).is_err() {
                    return Err(EndpointError::InvalidHost { what });
                }
                Host::Domain(d)
            }
        },
        Some(Host::Ipv4(ip)) => Host::Ipv4(ip),
        Some(Host::Ipv6(ip)) => Host::Ipv6(ip),
    };
    let port = match url.port() {
        Some(0) => return Err(EndpointError::PortZero { what }),
        Some(p) => p,
        None if implicit_tls => kind.tls_port,
        None => kind.plain_port,
    };
    let addr = ServerAddr { host, port };

    let mut tls_option = None;
    for (key, value) in url.query_pairs() {
        if key == "tls" && (value == "starttls" || value == "none") {
            tls_option = Some(value.into_owned());
        } else {
            return Err(EndpointError::UnknownOption {
                what,
                option: format!("{key}={value}"),
            });
        }
    }
    let security = match (implicit_tls, tls_option.as_deref()) {
        (true, None) => Security::Tls,
        (true, Some(_)) => {
            return Err(EndpointError::TlsOptionWithImplicitTls {
                what,
                plain: kind.plain,
                tls: kind.tls,
            });
        }
        (false, Some("none")) => Security::Plain,
        (false, Some(_)) => Security::StartTls,
        (false, None) if addr.is_loopback() => Security::StartTlsIfOffered,
        (false, None) => Security::StartTls,
    };
    Ok((addr, security))
}

fn fmt_server_url(
    f: &mut fmt::Formatter<'_>,
    kind: &Kind,
    addr: &ServerAddr,
    security: Security,
) -> fmt::Result {
    match security {
        Security::Tls => write!(f, "{}://{addr}", kind.tls),
        Security::StartTls if addr.is_loopback() => {
            write!(f, "{}://{addr}?tls=starttls", kind.plain)
        }
        Security::StartTls | Security::StartTlsIfOffered => write!(f, "{}://{addr}", kind.plain),
        Security::Plain => write!(f, "{}://{addr}?tls=none", kind.plain),
    }
}

/// An IMAP server: `imaps://host[:993]` or `imap://host[:143][?tls=starttls|none]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImapEndpoint {
    addr: ServerAddr,
    security: Security,
}

impl ImapEndpoint {
    /// Parses an IMAP URL (see the module documentation for the forms).
    pub fn parse(input: &str) -> Result<Self, EndpointError> {
        let (addr, security) = parse_server_url(input, &IMAP)?;
        Ok(Self { addr, security })
    }

    /// Host and port.
    pub fn addr(&self) -> &ServerAddr {
        &self.addr
    }

    /// How the connection is secured.
    pub fn security(&self) -> Security {
        self.security
    }
}

impl FromStr for ImapEndpoint {
    type Err = EndpointError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for ImapEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_server_url(f, &IMAP, &self.addr, self.security)
    }
}

/// An SMTP submission server: `smtps://host[:465]` or
/// `smtp://host[:587][?tls=starttls|none]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SmtpEndpoint {
    addr: ServerAddr,
    security: Security,
}

impl SmtpEndpoint {
    /// Parses an SMTP URL (see the module documentation for the forms).
    pub fn parse(input: &str) -> Result<Self, EndpointError> {
        let (addr, security) = parse_server_url(input, &SMTP)?;
        Ok(Self { addr, security })
    }

    /// Host and port.
    pub fn addr(&self) -> &ServerAddr {
        &self.addr
    }

    /// How the connection is secured.
    pub fn security(&self) -> Security {
        self.security
    }
}

impl FromStr for SmtpEndpoint {
    type Err = EndpointError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for SmtpEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_server_url(f, &SMTP, &self.addr, self.security)
    }
}

/// The placeholder a DAV URL template uses for the login name.
pub const USER_PLACEHOLDER: &str = "{user}";

// Stands in for `{user}` while the URL parser checks the template; the URL
// parser would percent-encode the braces.
const MARKER: &str = "airgate-user-marker-7f3a";

/// A CalDAV/CardDAV base URL, `http(s)://...`, in which `{user}` is replaced
/// by the percent-encoded login name (e.g. Radicale's
/// `https://dav.example.org/{user}/`). Without `{user}` every user gets the
/// same URL.
///
/// The path always ends in `/`: it names a collection.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DavEndpoint {
    template: String,
    https: bool,
}

/// Why a login name cannot be put into a DAV URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UserNameError {
    /// Empty names would address the parent collection.
    #[error("the user name is empty")]
    Empty,
    /// `.` and `..` would be resolved as path steps by the URL parser.
    #[error("the user name {0:?} is a path step")]
    PathStep(String),
    /// The name does not make a valid URL (not expected: it is percent-encoded).
    #[error("the user name {0:?} does not fit into the DAV URL")]
    Unusable(String),
}

impl DavEndpoint {
    /// Parses a DAV URL template.
    pub fn parse(input: &str) -> Result<Self, EndpointError> {
        const WHAT: &str = "DAV";
        const EXAMPLE: &str = "https://dav.example.org/{user}/";
        let input = input.trim();
        let marked = input.replace(USER_PLACEHOLDER, MARKER);
        let mut url = Url::parse(&marked).map_err(|reason| EndpointError::NotAUrl {
            what: WHAT,
            reason,
            example: EXAMPLE,
        })?;
        if url.scheme() != "http" && url.scheme() != "https" {
            return Err(EndpointError::Scheme {
                what: WHAT,
                expected: "http:// or https://",
                found: url.scheme().to_string(),
            });
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(EndpointError::Credentials { what: WHAT });
        }
        if url.fragment().is_some() {
            return Err(EndpointError::Fragment { what: WHAT });
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(EndpointError::NoHost {
                what: WHAT,
                example: EXAMPLE,
            });
        }
        if url.port() == Some(0) {
            return Err(EndpointError::PortZero { what: WHAT });
        }
        if url.host_str().is_some_and(|h| h.contains(MARKER))
            || url.query().is_some_and(|q| q.contains(MARKER))
        {
            return Err(EndpointError::UserOutsidePath);
        }
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        Ok(Self {
            https: url.scheme() == "https",
            template: url.as_str().replace(MARKER, USER_PLACEHOLDER),
        })
    }

    /// The template as normalized (`{user}` still in it).
    pub fn template(&self) -> &str {
        &self.template
    }

    /// True for `https://`.
    pub fn is_https(&self) -> bool {
        self.https
    }

    /// True if the URL differs per user.
    pub fn is_per_user(&self) -> bool {
        self.template.contains(USER_PLACEHOLDER)
    }

    /// The URL for one user, with the name percent-encoded as one path
    /// segment (`@` is kept: it is legal in a path and servers show it so).
    pub fn url_for(&self, user: &str) -> Result<Url, UserNameError> {
        if self.is_per_user() {
            if user.is_empty() {
                return Err(UserNameError::Empty);
            }
            if user == "." || user == ".." {
                return Err(UserNameError::PathStep(user.to_string()));
            }
        }
        let url = self
            .template
            .replace(USER_PLACEHOLDER, &encode_segment(user));
        // The template parsed with a plain marker in the same place, and the
        // encoded name has only unreserved characters, '@' and '%'.
        Url::parse(&url).map_err(|_| UserNameError::Unusable(user.to_string()))
    }
}

impl FromStr for DavEndpoint {
    type Err = EndpointError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for DavEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.template)
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters and `@`.
fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'@') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn imap(s: &str) -> ImapEndpoint {
        ImapEndpoint::parse(s).unwrap()
    }

    #[test]
    fn imap_forms() {
        let e = imap("imaps://Mail.Example.org");
        assert_eq!(e.security(), Security::Tls);
        assert_eq!(e.addr().port(), 993);
        assert_eq!(
            e.addr().host(),
            &Host::Domain("mail.example.org".to_string())
        );
        assert_eq!(e.to_string(), "imaps://mail.example.org:993");

        let e = imap("imap://mail.example.org");
        assert_eq!(e.security(), Security::StartTls);
        assert_eq!(e.addr().port(), 143);

        let e = imap("imap://127.0.0.1:10143/");
        assert_eq!(e.security(), Security::StartTlsIfOffered);
        assert_eq!(e.addr().host(), &Host::<String>::Ipv4(Ipv4Addr::LOCALHOST));
        assert_eq!(e.addr().port(), 10143);
        assert_eq!(e.to_string(), "imap://127.0.0.1:10143");

        let e = imap("imap://localhost?tls=starttls");
        assert_eq!(e.security(), Security::StartTls);
        assert_eq!(e.to_string(), "imap://localhost:143?tls=starttls");

        let e = imap("imap://10.0.0.5?tls=none");
        assert_eq!(e.security(), Security::Plain);
        assert!(!e.addr().is_loopback());
        assert_eq!(e.to_string(), "imap://10.0.0.5:143?tls=none");

        let e = imap("imap://[::1]:1143");
        assert_eq!(e.security(), Security::StartTlsIfOffered);
        assert_eq!(e.addr().connect_host(), "::1");
        assert_eq!(e.to_string(), "imap://[::1]:1143");

        // Display output parses back to the same endpoint.
        for s in [
            "imaps://a.example:1993",
            "imap://localhost?tls=starttls",
            "imap://x.example?tls=none",
        ] {
            let e = imap(s);
            assert_eq!(imap(&e.to_string()), e);
        }
    }

    #[test]
    fn imap_errors_say_what_to_fix() {
        let err = ImapEndpoint::parse("https://mail.example.org").unwrap_err();
        assert_eq!(
            err.to_string(),
            "IMAP URL must start with imap:// or imaps://, not https://"
        );
        let err = ImapEndpoint::parse("mail.example.org").unwrap_err();
        assert!(matches!(err, EndpointError::NotAUrl { .. }), "{err}");
        assert!(
            err.to_string().contains("imaps://mail.example.org"),
            "{err}"
        );

        let err = ImapEndpoint::parse("imaps://alice:secret@mail.example.org").unwrap_err();
        assert_eq!(err, EndpointError::Credentials { what: "IMAP" });
        assert!(!err.to_string().contains("secret"));

        assert!(matches!(
            ImapEndpoint::parse("imap://mail.example.org/INBOX"),
            Err(EndpointError::Path { .. })
        ));
        assert!(matches!(
            ImapEndpoint::parse("imaps://mail.example.org?tls=none"),
            Err(EndpointError::TlsOptionWithImplicitTls { .. })
        ));
        assert!(matches!(
            ImapEndpoint::parse("imap://mail.example.org?tls=yes"),
            Err(EndpointError::UnknownOption { .. })
        ));
        assert!(matches!(
            ImapEndpoint::parse("imap://mail.example.org:0"),
            Err(EndpointError::PortZero { .. })
        ));
        assert!(matches!(
            ImapEndpoint::parse("imap://mail.example.org:70000"),
            Err(EndpointError::NotAUrl { .. })
        ));
        assert!(matches!(
            ImapEndpoint::parse("imap://"),
            Err(EndpointError::NoHost { .. })
        ));
        assert!(matches!(
            ImapEndpoint::parse("imap://bad%20host"),
            Err(EndpointError::InvalidHost { .. })
        ));
        assert!(matches!(
            ImapEndpoint::parse("imap://h#x"),
            Err(EndpointError::Fragment { .. })
        ));
    }

    #[test]
    fn smtp_forms() {
        let e = SmtpEndpoint::parse("smtps://mail.example.org").unwrap();
        assert_eq!((e.security(), e.addr().port()), (Security::Tls, 465));
        let e = SmtpEndpoint::parse("smtp://mail.example.org").unwrap();
        assert_eq!((e.security(), e.addr().port()), (Security::StartTls, 587));
        let e = SmtpEndpoint::parse("smtp://127.0.0.1:2525").unwrap();
        assert_eq!(
            (e.security(), e.addr().port()),
            (Security::StartTlsIfOffered, 2525)
        );
        let err = SmtpEndpoint::parse("imap://mail.example.org").unwrap_err();
        assert_eq!(
            err.to_string(),
            "SMTP URL must start with smtp:// or smtps://, not imap://"
        );
    }

    #[test]
    fn dav_template() {
        let e = DavEndpoint::parse("https://DAV.example.org/dav/{user}").unwrap();
        assert_eq!(e.template(), "https://dav.example.org/dav/{user}/");
        assert!(e.is_https());
        assert!(e.is_per_user());
        assert_eq!(
            e.url_for("alice").unwrap().as_str(),
            "https://dav.example.org/dav/alice/"
        );
        assert_eq!(
            e.url_for("carol@example.org").unwrap().as_str(),
            "https://dav.example.org/dav/carol@example.org/"
        );
        assert_eq!(
            e.url_for("a b/c?d#e%ü").unwrap().as_str(),
            "https://dav.example.org/dav/a%20b%2Fc%3Fd%23e%25%C3%BC/"
        );
        assert_eq!(e.url_for(""), Err(UserNameError::Empty));
        assert_eq!(e.url_for(".."), Err(UserNameError::PathStep("..".into())));

        let e = DavEndpoint::parse("http://127.0.0.1:5232/").unwrap();
        assert!(!e.is_per_user());
        assert_eq!(
            e.url_for("anyone").unwrap().as_str(),
            "http://127.0.0.1:5232/"
        );

        let e = DavEndpoint::parse("http://127.0.0.1:5232/{user}/").unwrap();
        assert_eq!(e.to_string(), "http://127.0.0.1:5232/{user}/");
        assert_eq!(DavEndpoint::parse(&e.to_string()).unwrap(), e);
    }

    #[test]
    fn dav_errors() {
        assert!(matches!(
            DavEndpoint::parse("https://{user}.dav.example.org/"),
            Err(EndpointError::UserOutsidePath)
        ));
        assert!(matches!(
            DavEndpoint::parse("https://dav.example.org/?u={user}"),
            Err(EndpointError::UserOutsidePath)
        ));
        assert!(matches!(
            DavEndpoint::parse("https://u:p@dav.example.org/{user}/"),
            Err(EndpointError::Credentials { .. })
        ));
        let err = DavEndpoint::parse("caldav://dav.example.org/").unwrap_err();
        assert_eq!(
            err.to_string(),
            "DAV URL must start with http:// or https://, not caldav://"
        );
    }
}
