//! An EAS client over HTTP, for tests: it sends what a device sends and checks every WBXML
//! response it gets (see [`crate::validate`]).

use std::fmt;
use std::time::Duration;

use base64::Engine as _;
use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use wbxml::Element;

use crate::query::{Base64Query, percent_encode};
use crate::validate;

pub const WBXML_CONTENT_TYPE: &str = "application/vnd.ms-sync.wbxml";
/// The ItemOperations multipart form (MS-ASCMD 2.2.1.10.1), asked for with
/// `MS-ASAcceptMultiPart: T`.
pub const MULTIPART_CONTENT_TYPE: &str = "application/vnd.ms-sync.multipart";
const TIMEOUT: Duration = Duration::from_secs(60);

/// One simulated device of one user.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    url: String,
    /// The login name for Basic auth.
    pub user: String,
    /// `None`: no `Authorization` header at all.
    pub password: Option<String>,
    /// The `User=` query value; defaults to `user`.
    pub query_user: String,
    pub device_id: String,
    pub device_type: String,
    /// `MS-ASProtocolVersion`, e.g. `"16.1"`.
    pub version: String,
    /// Sent as `X-MS-PolicyKey` (plain form) or in the base64 form, when set.
    pub policy_key: Option<String>,
    pub user_agent: String,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("url", &self.url)
            .field("user", &self.user)
            .field("device_id", &self.device_id)
            .field("device_type", &self.device_type)
            .field("version", &self.version)
            .field("policy_key", &self.policy_key)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for `url` (`http://127.0.0.1:PORT/Microsoft-Server-ActiveSync`), speaking EAS
    /// 16.1 as device type `TestDevice`, without a policy key.
    pub fn new(url: &str, user: &str, password: &str, device_id: &str) -> Client {
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(TIMEOUT)
            .build()
            .expect("cannot build an HTTP client");
        Client {
            http,
            url: url.to_owned(),
            user: user.to_owned(),
            password: Some(password.to_owned()),
            query_user: user.to_owned(),
            device_id: device_id.to_owned(),
            device_type: "TestDevice".to_owned(),
            version: "16.1".to_owned(),
            policy_key: None,
            user_agent: "eas-test-client/0.1".to_owned(),
        }
    }

    /// The same client speaking another protocol version.
    pub fn with_version(mut self, version: &str) -> Client {
        self.version = version.to_owned();
        self
    }

    /// The same client with a policy key.
    pub fn with_policy_key(mut self, key: &str) -> Client {
        self.policy_key = Some(key.to_owned());
        self
    }

    /// The same client with other credentials (`None`: no `Authorization` header).
    pub fn with_credentials(mut self, user: &str, password: Option<&str>) -> Client {
        self.user = user.to_owned();
        self.password = password.map(str::to_owned);
        self
    }

    pub fn with_device_type(mut self, device_type: &str) -> Client {
        self.device_type = device_type.to_owned();
        self
    }

    /// The endpoint URL, without a query.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The plain query of a command: `Cmd=X&User=U&DeviceId=D&DeviceType=T`.
    pub fn plain_query(&self, cmd: &str) -> String {
        format!(
            "Cmd={}&User={}&DeviceId={}&DeviceType={}",
            percent_encode(cmd),
            percent_encode(&self.query_user),
            percent_encode(&self.device_id),
            percent_encode(&self.device_type)
        )
    }

    /// The headers a device sends with a plain-query command: `MS-ASProtocolVersion`,
    /// `X-MS-PolicyKey` when set, `Content-Type`, `User-Agent` (Authorization is added when
    /// sending).
    pub fn eas_headers(&self) -> Vec<(String, String)> {
        let mut h = vec![
            ("MS-ASProtocolVersion".to_owned(), self.version.clone()),
            ("Content-Type".to_owned(), WBXML_CONTENT_TYPE.to_owned()),
            ("User-Agent".to_owned(), self.user_agent.clone()),
        ];
        if let Some(key) = &self.policy_key {
            h.push(("X-MS-PolicyKey".to_owned(), key.clone()));
        }
        h
    }

    /// `OPTIONS /Microsoft-Server-ActiveSync` with credentials.
    pub async fn options(&self) -> Response {
        let req = self
            .authorized(self.http.request(Method::OPTIONS, &self.url))
            .header("User-Agent", &self.user_agent);
        self.send(req).await
    }

    /// Posts a command with the plain query form and the device's usual headers.
    pub async fn post(&self, cmd: &str, doc: &Element) -> Response {
        self.post_with(cmd, doc, &[]).await
    }

    /// [`Client::post`] with extra query parameters (`&Name=Value` each) after the usual ones.
    pub async fn post_with(&self, cmd: &str, doc: &Element, extra: &[(&str, &str)]) -> Response {
        let mut query = self.plain_query(cmd);
        for (name, value) in extra {
            query.push('&');
            query.push_str(&percent_encode(name));
            query.push('=');
            query.push_str(&percent_encode(value));
        }
        let headers = self.eas_headers();
        let headers: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        self.post_raw(&query, &headers, wbxml::encode(doc)).await
    }

    /// [`Client::post`] with extra headers after the usual ones (e.g.
    /// `("MS-ASAcceptMultiPart", "T")`).
    pub async fn post_with_headers(
        &self,
        cmd: &str,
        doc: &Element,
        extra: &[(&str, &str)],
    ) -> Response {
        let query = self.plain_query(cmd);
        let mut headers = self.eas_headers();
        headers.extend(
            extra
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned())),
        );
        let headers: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        self.post_raw(&query, &headers, wbxml::encode(doc)).await
    }

    /// Posts a command with the base64 query form (MS-ASHTTP 2.2.1.1.1.1): version, device id,
    /// device type, policy key and `User` in the query; no `MS-ASProtocolVersion` or
    /// `X-MS-PolicyKey` header.
    pub async fn post_base64(&self, cmd: &str, doc: &Element) -> Response {
        let query = self.base64_query(cmd).encode();
        let headers = [
            ("Content-Type", WBXML_CONTENT_TYPE),
            ("User-Agent", self.user_agent.as_str()),
        ];
        self.post_raw(&query, &headers, wbxml::encode(doc)).await
    }

    /// The base64 query this client would send for `cmd`, to adjust before
    /// [`Client::post_raw`].
    pub fn base64_query(&self, cmd: &str) -> Base64Query {
        let version = self
            .version
            .replace('.', "")
            .parse::<u8>()
            .unwrap_or_else(|_| {
                panic!(
                    "version {:?} has no base64 form (give a version like \"14.1\")",
                    self.version
                )
            });
        let mut q = Base64Query::new(version, cmd, &self.device_id, &self.device_type);
        if let Some(key) = &self.policy_key {
            q.policy_key = Some(key.parse().unwrap_or_else(|_| {
                panic!("policy key {key:?} is not a u32; the base64 form cannot carry it")
            }));
        }
        q.params.push((8, self.query_user.as_bytes().to_vec()));
        q
    }

    /// Posts anything: `query` is the text after `?` (empty: no query), `headers` are sent as
    /// given (plus `Authorization` when the client has a password), `body` as is.
    pub async fn post_raw(&self, query: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Response {
        self.send(self.raw_request(Method::POST, query, headers, body))
            .await
    }

    /// A request builder for anything else (method, query, headers, body), with
    /// `Authorization` when the client has a password. Send it with [`Client::send`].
    pub fn raw_request(
        &self,
        method: Method,
        query: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> reqwest::RequestBuilder {
        let url = if query.is_empty() {
            self.url.clone()
        } else {
            format!("{}?{query}", self.url)
        };
        let mut req = self.authorized(self.http.request(method, url));
        for (name, value) in headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .unwrap_or_else(|e| panic!("bad header name {name:?}: {e}"));
            let value = HeaderValue::from_bytes(value.as_bytes())
                .unwrap_or_else(|e| panic!("bad header value {value:?}: {e}"));
            req = req.header(name, value);
        }
        req.body(body)
    }

    /// Sends a request and reads the whole response; checks a WBXML body (see
    /// [`crate::validate`]). Panics when the request cannot be sent or the body not read.
    pub async fn send(&self, req: reqwest::RequestBuilder) -> Response {
        self.try_send(req)
            .await
            .unwrap_or_else(|e| panic!("request to airgate failed: {e:?}"))
    }

    /// [`Client::send`] that returns transport errors (connection closed, timeout) instead of
    /// panicking; a response that is received is still checked.
    pub async fn try_send(&self, req: reqwest::RequestBuilder) -> Result<Response, reqwest::Error> {
        let resp = req.send().await?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.bytes().await?.to_vec();
        Ok(Response::new(status, headers, body))
    }

    fn authorized(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.password {
            Some(password) => {
                let token = base64::engine::general_purpose::STANDARD
                    .encode(format!("{}:{password}", self.user));
                req.header("Authorization", format!("Basic {token}"))
            }
            None => req,
        }
    }

    /// Provisions the way a device does: the initial request (with DeviceInformation in 14.1
    /// and later), then the acknowledgement with the temporary key in `X-MS-PolicyKey`. Asserts
    /// both succeed, stores the final key in the client and returns it.
    pub async fn provision(&mut self) -> String {
        let request = if matches!(self.version.as_str(), "14.1" | "16.0" | "16.1") {
            crate::docs::provision_request()
        } else {
            crate::docs::provision_request_bare()
        };
        let first = self.post("Provision", &request).await;
        let temp = first.expect_provision_ok("initial Provision");
        self.policy_key = Some(temp.clone());
        let ack = self
            .post("Provision", &crate::docs::provision_ack(&temp))
            .await;
        let key = ack.expect_provision_ok("Provision acknowledgement");
        self.policy_key = Some(key.clone());
        key
    }
}

/// The parts of an `application/vnd.ms-sync.multipart` body (MS-ASCMD 2.2.1.10.1), written from
/// the spec (not from the server's `eas` crate): a little-endian `i32` part count, then an
/// `(offset, length)` pair of `i32`s per part, offsets from the start of the body; every part
/// inside the body, the first one right after the header.
pub fn multipart_parts(body: &[u8]) -> Result<Vec<(usize, usize)>, String> {
    let word = |at: usize| -> Result<usize, String> {
        let b = body
            .get(at..at + 4)
            .ok_or_else(|| format!("truncated at byte {at} of {}", body.len()))?;
        let v = i32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        usize::try_from(v).map_err(|_| format!("a negative number {v} at byte {at}"))
    };
    let count = word(0)?;
    let header = 4 + 8 * count;
    let mut parts = Vec::with_capacity(count);
    for i in 0..count {
        let (at, len) = (word(4 + 8 * i)?, word(8 + 8 * i)?);
        if at < header || at + len > body.len() {
            return Err(format!(
                "part {i} at {at}, {len} bytes, is outside the body of {} bytes (header {header})",
                body.len()
            ));
        }
        parts.push((at, len));
    }
    if let Some(&(first, _)) = parts.first()
        && first != header
    {
        return Err(format!(
            "part 0 starts at {first}, not right after the header ({header})"
        ));
    }
    Ok(parts)
}

/// A response as the client received it.
pub struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// The decoded document when the body is WBXML, or part 0 of a multipart body; already
    /// validated.
    pub element: Option<Element>,
    /// The parts of a multipart body as `(offset, length)` in `body` (see [`Response::part`]);
    /// empty for any other body.
    pub parts: Vec<(usize, usize)>,
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "HTTP {}", self.status)?;
        for (name, value) in &self.headers {
            writeln!(f, "{name}: {}", String::from_utf8_lossy(value.as_bytes()))?;
        }
        if !self.parts.is_empty() {
            writeln!(f, "multipart, parts (offset, length): {:?}", self.parts)?;
        }
        match &self.element {
            Some(e) => write!(f, "\n{}", wbxml::xml::to_xml(e)),
            None if self.body.is_empty() => Ok(()),
            None => {
                let shown = &self.body[..self.body.len().min(2000)];
                write!(f, "\n{}", String::from_utf8_lossy(shown))
            }
        }
    }
}

impl Response {
    /// Builds a response; a WBXML body is decoded and validated here, so no test can forget it.
    pub fn new(status: u16, headers: HeaderMap, body: Vec<u8>) -> Response {
        let content_type = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let is_wbxml_type = content_type.starts_with(WBXML_CONTENT_TYPE);
        let looks_wbxml = body.starts_with(&[0x03, 0x01, 0x6A, 0x00]);
        let mut parts = Vec::new();
        let element = if content_type.starts_with(MULTIPART_CONTENT_TYPE) {
            parts = multipart_parts(&body)
                .unwrap_or_else(|e| panic!("HTTP {status}: a bad multipart body: {e}"));
            let (at, len) = *parts
                .first()
                .unwrap_or_else(|| panic!("HTTP {status}: a multipart body without parts"));
            let doc = &body[at..at + len];
            let element = wbxml::decode(doc).unwrap_or_else(|e| {
                panic!(
                    "HTTP {status}: part 0 of a multipart body is not WBXML: {e}\nbytes: {:02x?}",
                    &doc[..doc.len().min(256)]
                )
            });
            validate::response(doc, &element);
            Some(element)
        } else if body.is_empty() {
            None
        } else if is_wbxml_type || looks_wbxml {
            assert!(
                is_wbxml_type,
                "a WBXML body must be sent with Content-Type: {WBXML_CONTENT_TYPE}, not {content_type:?} (HTTP {status})"
            );
            let element = wbxml::decode(&body).unwrap_or_else(|e| {
                panic!(
                    "HTTP {status}: the body is labelled WBXML but does not decode: {e}\nbytes: {:02x?}",
                    &body[..body.len().min(256)]
                )
            });
            validate::response(&body, &element);
            Some(element)
        } else {
            None
        };
        Response {
            status,
            headers,
            body,
            element,
            parts,
        }
    }

    /// Part `i` of a multipart body (part 0 is the WBXML document); panics when there is no
    /// such part.
    pub fn part(&self, i: usize) -> &[u8] {
        let (at, len) = *self
            .parts
            .get(i)
            .unwrap_or_else(|| panic!("no part {i} in this response:\n{self:?}"));
        &self.body[at..at + len]
    }

    /// A header's value (the first, as text).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The decoded WBXML document; panics, showing the response, when there is none.
    pub fn doc(&self) -> &Element {
        self.element
            .as_ref()
            .unwrap_or_else(|| panic!("expected a WBXML body, got:\n{self:?}"))
    }

    /// Asserts the HTTP status, showing the whole response when it differs.
    #[track_caller]
    pub fn assert_status(&self, expected: u16) -> &Self {
        assert_eq!(
            self.status, expected,
            "expected HTTP {expected}, got:\n{self:?}"
        );
        self
    }

    /// Asserts HTTP 200 and a Provision response with Status 1 and a Policy with Status 1 and a
    /// PolicyKey; returns the key.
    #[track_caller]
    pub fn expect_provision_ok(&self, what: &str) -> String {
        use crate::docs::ElementExt as _;
        use wbxml::tags::provision as p;
        assert_eq!(
            self.status, 200,
            "{what}: expected HTTP 200, got:\n{self:?}"
        );
        let doc = self.doc();
        assert_eq!(
            doc.tag,
            p::PROVISION,
            "{what}: not a Provision response:\n{self:?}"
        );
        assert_eq!(
            doc.text_at(&[p::STATUS]).as_deref(),
            Some("1"),
            "{what}: Provision Status:\n{self:?}"
        );
        let policy = doc
            .at(&[p::POLICIES, p::POLICY])
            .unwrap_or_else(|| panic!("{what}: no Policies/Policy:\n{self:?}"));
        assert_eq!(
            policy.text_at(&[p::STATUS]).as_deref(),
            Some("1"),
            "{what}: Policy Status:\n{self:?}"
        );
        match policy.text_at(&[p::POLICY_KEY]) {
            Some(key) if !key.is_empty() => key,
            _ => panic!("{what}: no PolicyKey:\n{self:?}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_bodies_are_split_into_their_parts() {
        let mut body = Vec::new();
        for w in [2i32, 20, 3, 23, 4] {
            body.extend_from_slice(&w.to_le_bytes());
        }
        body.extend_from_slice(b"abcWXYZ");
        let parts = multipart_parts(&body).unwrap();
        assert_eq!(parts, vec![(20, 3), (23, 4)]);
        assert!(multipart_parts(&body[..body.len() - 1]).is_err());
        assert!(multipart_parts(&body[..10]).is_err());
        // Part 0 must follow the header.
        let mut shifted = body.clone();
        shifted[4..8].copy_from_slice(&21i32.to_le_bytes());
        assert!(multipart_parts(&shifted).is_err());
    }

    #[test]
    fn part_zero_of_a_multipart_response_is_decoded() {
        let doc = wbxml::Element::new(wbxml::tags::itemoperations::ITEM_OPERATIONS)
            .text_child(wbxml::tags::itemoperations::STATUS, "1");
        let wbxml_doc = wbxml::encode(&doc);
        let mut body = Vec::new();
        let header = 4 + 16;
        for w in [
            2,
            header,
            wbxml_doc.len() as i32,
            header + wbxml_doc.len() as i32,
            5,
        ] {
            body.extend_from_slice(&w.to_le_bytes());
        }
        body.extend_from_slice(&wbxml_doc);
        body.extend_from_slice(b"hello");
        let mut headers = HeaderMap::new();
        headers.insert(
            "content-type",
            HeaderValue::from_static(MULTIPART_CONTENT_TYPE),
        );
        let r = Response::new(200, headers, body);
        assert_eq!(r.element.as_ref(), Some(&doc));
        assert_eq!(r.part(1), b"hello");
    }
}
