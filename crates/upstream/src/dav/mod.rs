//! The CalDAV/CardDAV client. Today: a probe that lists the collections in
//! a user's home (PROPFIND Depth 1) with what each supports; sync comes
//! with the calendar, task and contact backends.

mod multistatus;
mod xml;

use std::sync::Arc;

use reqwest::header::{CONTENT_TYPE, HeaderValue, LOCATION};
use reqwest::{Method, StatusCode, Url};

use crate::endpoint::{DavEndpoint, UserNameError};
use crate::net::Timeouts;
use crate::tls::{TlsConfig, TlsError};
use multistatus::MsResponse;
use xml::{CALDAV, CALSERVER, CARDDAV, DAV};

/// Responses larger than this are refused: a Depth 1 PROPFIND of a home
/// is a few kilobytes per collection.
const MAX_BODY: usize = 16 << 20;

/// Why a DAV request did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum DavError {
    /// 401: the DAV server does not accept these credentials.
    #[error("the DAV server refused the credentials (401)")]
    AuthenticationFailed,
    /// The user name cannot be placed into the URL template.
    #[error("cannot build the DAV URL: {0}")]
    UserName(#[from] UserNameError),
    /// Connect, TLS, timeout, 5xx or 429. Retryable.
    #[error("the DAV server at {url} is unavailable: {reason}")]
    Unavailable { url: String, reason: String },
    /// The server answered with a redirect; airgate does not follow them.
    #[error("the DAV server redirects {url} to {location}; configure that URL instead")]
    Redirect { url: String, location: String },
    /// Another unexpected status (403, 404, 405...). A configuration
    /// problem more than an outage.
    #[error("the DAV server answered {status} to {method} {url}{hint}")]
    Status {
        method: &'static str,
        url: String,
        status: u16,
        hint: &'static str,
    },
    /// The body is not a WebDAV multistatus this client can read.
    #[error("the DAV server's answer to {url} is not a readable multistatus: {reason}")]
    InvalidResponse { url: String, reason: String },
    /// The TLS configuration could not be built.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The HTTP client could not be built.
    #[error("cannot set up the HTTP client: {0}")]
    Client(String),
}

impl DavError {
    /// True for [`DavError::AuthenticationFailed`] (HTTP 401 to the device).
    pub fn is_authentication_failure(&self) -> bool {
        matches!(self, DavError::AuthenticationFailed)
    }
}

/// What a collection holds, from its `resourcetype`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CollectionKind {
    /// CalDAV calendar (events, tasks or journals, see `components`).
    Calendar,
    /// CardDAV address book.
    AddressBook,
    /// A plain WebDAV collection.
    Plain,
}

/// A collection found in the user's home.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DavCollection {
    /// The `href` as the server wrote it.
    pub href: String,
    /// The href resolved against the request URL.
    pub url: Url,
    pub kind: CollectionKind,
    pub display_name: Option<String>,
    /// For calendars: the `supported-calendar-component-set` (VEVENT,
    /// VTODO, ...), upper-cased. Empty when the server does not say, which
    /// RFC 4791 §5.2.3 reads as "any component". Always empty for other
    /// kinds (Radicale reports a set on address books too).
    pub components: Vec<String>,
    /// True if `supported-report-set` lists RFC 6578 `sync-collection`.
    pub sync_collection: bool,
    /// The RFC 6578 `sync-token`, if the server gave one.
    pub sync_token: Option<String>,
    /// The calendarserver.org `getctag`, if the server gave one.
    pub ctag: Option<String>,
}

impl DavCollection {
    /// True if this is a calendar that may hold `component` (e.g. "VTODO").
    pub fn supports_component(&self, component: &str) -> bool {
        self.kind == CollectionKind::Calendar
            && (self.components.is_empty()
                || self
                    .components
                    .iter()
                    .any(|c| c.eq_ignore_ascii_case(component)))
    }
}

/// The result of a probe: the collections in a user's home.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DavInfo {
    /// The URL that was probed (`{user}` substituted).
    pub url: Url,
    /// The member collections, in the server's order. The home itself and
    /// non-collection members are left out.
    pub collections: Vec<DavCollection>,
}

impl DavInfo {
    pub fn calendars(&self) -> impl Iterator<Item = &DavCollection> {
        self.collections
            .iter()
            .filter(|c| c.kind == CollectionKind::Calendar)
    }

    pub fn address_books(&self) -> impl Iterator<Item = &DavCollection> {
        self.collections
            .iter()
            .filter(|c| c.kind == CollectionKind::AddressBook)
    }
}

/// A client for one CalDAV/CardDAV server. Cheap to clone (the HTTP
/// connection pool is shared).
#[derive(Debug, Clone)]
pub struct DavClient {
    endpoint: DavEndpoint,
    http: reqwest::Client,
}

const PROPFIND_HOME: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:cs="http://calendarserver.org/ns/">
  <d:prop>
    <d:resourcetype/>
    <d:displayname/>
    <d:supported-report-set/>
    <d:sync-token/>
    <cs:getctag/>
    <c:supported-calendar-component-set/>
  </d:prop>
</d:propfind>
"#;

impl DavClient {
    /// Builds the HTTP client. For `https://` endpoints this loads the TLS
    /// roots now, so a missing CA bundle shows at startup.
    pub fn new(
        endpoint: DavEndpoint,
        tls: &TlsConfig,
        timeouts: Timeouts,
    ) -> Result<Self, DavError> {
        let config = if endpoint.is_https() {
            tls.client_config()?
        } else {
            // reqwest wants a TLS configuration even for http://; one that
            // trusts nothing will do and needs no CA bundle.
            match tls.client_config() {
                Ok(config) => config,
                Err(_) => untrusting_config()?,
            }
        };
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(Arc::unwrap_or_clone(config))
            // A redirect usually means the configured URL is not the
            // collection; following it silently would hide that, and
            // PROPFIND bodies are not replayed on 301/302 anyway.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(timeouts.connect)
            .read_timeout(timeouts.response)
            .user_agent(concat!("airgate/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| DavError::Client(e.to_string()))?;
        Ok(Self { endpoint, http })
    }

    pub fn endpoint(&self) -> &DavEndpoint {
        &self.endpoint
    }

    /// PROPFIND Depth 1 on the user's home: the collections in it, their
    /// kind, components and sync support. 401 is
    /// [`DavError::AuthenticationFailed`].
    pub async fn probe(&self, user: &str, password: &str) -> Result<DavInfo, DavError> {
        let url = self.endpoint.url_for(user)?;
        let body = self
            .propfind(&url, user, password, "1", PROPFIND_HOME)
            .await?;
        let collections = collections_from(&url, &body)?;
        tracing::debug!(%url, user, collections = collections.len(), "DAV probe");
        Ok(DavInfo { url, collections })
    }

    async fn propfind(
        &self,
        url: &Url,
        user: &str,
        password: &str,
        depth: &'static str,
        body: &'static str,
    ) -> Result<String, DavError> {
        let unavailable = |reason: String| DavError::Unavailable {
            url: url.to_string(),
            reason,
        };
        let method =
            Method::from_bytes(b"PROPFIND").map_err(|e| DavError::Client(e.to_string()))?;
        let mut response = self
            .http
            .request(method, url.clone())
            // reqwest marks the header sensitive: it is not logged.
            .basic_auth(user, Some(password))
            .header("Depth", depth)
            .header(
                CONTENT_TYPE,
                HeaderValue::from_static("application/xml; charset=utf-8"),
            )
            .body(body)
            .send()
            .await
            .map_err(|e| unavailable(describe(&e)))?;
        let status = response.status();
        match status {
            StatusCode::MULTI_STATUS => {}
            StatusCode::UNAUTHORIZED => return Err(DavError::AuthenticationFailed),
            s if s.is_server_error() || s == StatusCode::TOO_MANY_REQUESTS => {
                return Err(unavailable(format!("HTTP {s}")));
            }
            s if s.is_redirection() => {
                let location = response
                    .headers()
                    .get(LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .unwrap_or("(no Location header)")
                    .to_string();
                return Err(DavError::Redirect {
                    url: url.to_string(),
                    location,
                });
            }
            s => {
                let hint = match s {
                    StatusCode::FORBIDDEN => {
                        ": the user may not read this collection; does the DAV URL point at the user's own home ({user})?"
                    }
                    StatusCode::NOT_FOUND => ": no such collection; check the DAV URL",
                    StatusCode::METHOD_NOT_ALLOWED | StatusCode::NOT_IMPLEMENTED => {
                        ": this URL does not speak WebDAV; check the DAV URL"
                    }
                    _ => "",
                };
                return Err(DavError::Status {
                    method: "PROPFIND",
                    url: url.to_string(),
                    status: s.as_u16(),
                    hint,
                });
            }
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| unavailable(describe(&e)))?
        {
            if bytes.len() + chunk.len() > MAX_BODY {
                return Err(DavError::InvalidResponse {
                    url: url.to_string(),
                    reason: format!("larger than {MAX_BODY} bytes"),
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        String::from_utf8(bytes).map_err(|_| DavError::InvalidResponse {
            url: url.to_string(),
            reason: "not UTF-8".into(),
        })
    }
}

/// reqwest's Display stops at "error sending request"; the cause (refused,
/// timed out, certificate) is further down the chain.
fn describe(e: &reqwest::Error) -> String {
    let mut text = if e.is_timeout() {
        "timed out".to_string()
    } else {
        e.to_string()
    };
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

fn untrusting_config() -> Result<Arc<rustls::ClientConfig>, DavError> {
    let config = rustls::ClientConfig::builder_with_provider(crate::tls::provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| DavError::Client(e.to_string()))?
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// The member collections in a Depth 1 multistatus of `base`.
fn collections_from(base: &Url, body: &str) -> Result<Vec<DavCollection>, DavError> {
    let responses = multistatus::parse(body).map_err(|e| DavError::InvalidResponse {
        url: base.to_string(),
        reason: e.to_string(),
    })?;
    let mut out = Vec::new();
    for resp in &responses {
        let Ok(url) = base.join(&resp.href) else {
            tracing::debug!(href = %resp.href, "DAV: skipping unresolvable href");
            continue;
        };
        if same_collection(&url, base) {
            continue;
        }
        if let Some(c) = collection(resp, url) {
            out.push(c);
        }
    }
    Ok(out)
}

/// Compares paths ignoring a trailing slash (servers differ in whether the
/// href of a collection ends in one).
fn same_collection(a: &Url, b: &Url) -> bool {
    a.host() == b.host() && a.port_or_known_default() == b.port_or_known_default() && {
        a.path().trim_end_matches('/') == b.path().trim_end_matches('/')
    }
}

fn collection(resp: &MsResponse, url: Url) -> Option<DavCollection> {
    let types = resp.prop(DAV, "resourcetype")?;
    let kind = if types.child(CALDAV, "calendar").is_some() {
        CollectionKind::Calendar
    } else if types.child(CARDDAV, "addressbook").is_some() {
        CollectionKind::AddressBook
    } else if types.child(DAV, "collection").is_some() {
        CollectionKind::Plain
    } else {
        return None;
    };
    let components = match (kind, resp.prop(CALDAV, "supported-calendar-component-set")) {
        (CollectionKind::Calendar, Some(set)) => set
            .children(CALDAV, "comp")
            .filter_map(|c| c.attr("name"))
            .map(str::to_ascii_uppercase)
            .collect(),
        _ => Vec::new(),
    };
    let sync_collection = resp.prop(DAV, "supported-report-set").is_some_and(|set| {
        set.children(DAV, "supported-report")
            .filter_map(|sr| sr.child(DAV, "report"))
            .any(|r| r.child(DAV, "sync-collection").is_some())
    });
    let text = |ns: &str, name: &str| {
        resp.prop(ns, name)
            .map(|p| p.text.trim().to_string())
            .filter(|t| !t.is_empty())
    };
    Some(DavCollection {
        href: resp.href.clone(),
        url,
        kind,
        display_name: resp
            .prop(DAV, "displayname")
            .map(|p| p.text.clone())
            .filter(|t| !t.is_empty()),
        components,
        sync_collection,
        sync_token: text(DAV, "sync-token"),
        ctag: text(CALSERVER, "getctag"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn radicale_home_collections() {
        // Radicale 3.1.8 (tests/stack), PROPFIND_HOME on /alice/.
        let body = include_str!("../../testdata/radicale-home-depth1.xml");
        let base = url("http://127.0.0.1:5232/alice/");
        let cols = collections_from(&base, body).unwrap();
        let summary: Vec<_> = cols
            .iter()
            .map(|c| {
                (
                    c.url.path(),
                    c.kind,
                    c.components.join(","),
                    c.sync_collection,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "/alice/tasks/",
                    CollectionKind::Calendar,
                    "VTODO".to_string(),
                    true
                ),
                (
                    "/alice/contacts/",
                    CollectionKind::AddressBook,
                    String::new(),
                    true
                ),
                (
                    "/alice/calendar/",
                    CollectionKind::Calendar,
                    "VEVENT".to_string(),
                    true
                ),
            ]
        );
        let tasks = &cols[0];
        assert_eq!(tasks.display_name.as_deref(), Some("Tasks"));
        assert_eq!(
            tasks.sync_token.as_deref(),
            Some(
                "http://radicale.org/ns/sync/e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
            )
        );
        assert_eq!(
            tasks.ctag.as_deref(),
            Some("\"e8253faa45e08388c196d20b303665a885a1d78b6f0dcfd2cf9772841f882c3e\"")
        );
        assert!(tasks.supports_component("vtodo") && !tasks.supports_component("VEVENT"));
        // Radicale lists components on the address book too; they mean nothing there.
        assert!(!cols[1].supports_component("VEVENT"));
    }

    #[test]
    fn radicale_escaped_display_name() {
        // Radicale after PROPPATCH of displayname `Work & Play <ü> "q"`.
        let body = include_str!("../../testdata/radicale-escaped-displayname.xml");
        let cols = collections_from(&url("http://127.0.0.1:5232/demo/"), body).unwrap();
        let calendar = cols.iter().find(|c| c.href == "/demo/calendar/").unwrap();
        assert_eq!(
            calendar.display_name.as_deref(),
            Some("Work & Play <ü> \"q\"")
        );
    }

    #[test]
    fn sabredav_style_prefixes_and_absolute_hrefs() {
        // Prefixes as SabreDAV (Nextcloud, Baikal) writes them, hrefs as
        // full URLs, a non-collection member, the home without a trailing
        // slash, and a calendar that does not state its components.
        let body = r#"<?xml version="1.0"?>
<d:multistatus xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns" xmlns:cal="urn:ietf:params:xml:ns:caldav" xmlns:cs="http://calendarserver.org/ns/" xmlns:card="urn:ietf:params:xml:ns:carddav">
 <d:response>
  <d:href>https://dav.example.org/remote.php/dav/calendars/bob</d:href>
  <d:propstat><d:prop><d:resourcetype><d:collection/></d:resourcetype></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>
 </d:response>
 <d:response>
  <d:href>/remote.php/dav/calendars/bob/personal%20cal/</d:href>
  <d:propstat>
   <d:prop>
    <d:resourcetype><d:collection/><cal:calendar/></d:resourcetype>
    <d:displayname>Personal</d:displayname>
    <d:supported-report-set>
     <d:supported-report><d:report><d:sync-collection/></d:report></d:supported-report>
    </d:supported-report-set>
    <d:sync-token>http://sabre.io/ns/sync/7</d:sync-token>
   </d:prop>
   <d:status>HTTP/1.1 200 OK</d:status>
  </d:propstat>
  <d:propstat><d:prop><cal:supported-calendar-component-set/></d:prop><d:status>HTTP/1.1 404 Not Found</d:status></d:propstat>
 </d:response>
 <d:response>
  <d:href>/remote.php/dav/calendars/bob/inbox/</d:href>
  <d:propstat><d:prop><d:resourcetype><d:collection/><cal:schedule-inbox/></d:resourcetype></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>
 </d:response>
 <d:response>
  <d:href>/remote.php/dav/calendars/bob/stray.ics</d:href>
  <d:propstat><d:prop><d:resourcetype/></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>
 </d:response>
</d:multistatus>"#;
        let base = url("https://dav.example.org/remote.php/dav/calendars/bob/");
        let cols = collections_from(&base, body).unwrap();
        assert_eq!(cols.len(), 2, "{cols:#?}");
        let personal = &cols[0];
        assert_eq!(
            personal.url.path(),
            "/remote.php/dav/calendars/bob/personal%20cal/"
        );
        assert_eq!(personal.kind, CollectionKind::Calendar);
        assert!(personal.components.is_empty());
        assert!(personal.supports_component("VEVENT") && personal.supports_component("VTODO"));
        assert!(personal.sync_collection);
        assert_eq!(
            personal.sync_token.as_deref(),
            Some("http://sabre.io/ns/sync/7")
        );
        assert_eq!(personal.ctag, None);
        assert_eq!(cols[1].kind, CollectionKind::Plain);
        assert!(!cols[1].sync_collection);
    }

    #[test]
    fn html_instead_of_multistatus_is_invalid_response() {
        let err =
            collections_from(&url("http://h/x/"), "<html><body>hi</body></html>").unwrap_err();
        assert!(matches!(err, DavError::InvalidResponse { .. }), "{err}");
    }
}
