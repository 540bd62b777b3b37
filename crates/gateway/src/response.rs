//! How the gateway answers: WBXML documents and the HTTP errors of MS-ASHTTP 2.2.2.1.1.

use std::time::Duration;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};

pub const WBXML: &str = "application/vnd.ms-sync.wbxml";

/// A WBXML document, 200 OK.
pub fn wbxml(root: &wbxml::Element) -> Response {
    let bytes = wbxml::encode(root);
    let mut resp = Response::new(Body::from(bytes));
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(WBXML));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private"));
    resp
}

/// An attachment answer streamed from IMAP: a task reads chunk by chunk into a small channel
/// that the response body drains. When the client goes away the channel closes and the task
/// ends at its next send.
pub fn stream(
    plan: engine::mail::attachment::StreamPlan,
    mut backend: crate::mail::ImapMail,
) -> Response {
    let content_type = plan.content_type();
    let (tx, rx) = tokio::sync::mpsc::channel::<Vec<u8>>(2);
    tokio::spawn(async move {
        if let Err(e) = engine::mail::attachment::pump(&mut backend, plan, &tx).await {
            tracing::warn!(error = %e, "attachment stream failed");
        }
    });
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|chunk| (Ok::<_, std::io::Error>(bytes::Bytes::from(chunk)), rx))
    });
    let mut resp = Response::new(Body::from_stream(body));
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private"));
    resp
}

/// A request the gateway refuses as a whole, before or instead of a command handler.
#[derive(Debug)]
pub enum Reject {
    /// No or wrong credentials.
    Unauthorized { realm: String },
    /// Too many failed logins: not even asked upstream.
    LockedOut { retry_after: Duration },
    /// The upstream (or the state store) is unavailable; the device retries.
    Unavailable { retry_after: Duration },
    /// Malformed query, headers or body (the device should not retry unchanged).
    BadRequest(String),
    /// `MS-ASProtocolVersion` missing or not one we speak: 400 naming the versions we do.
    UnsupportedVersion(String),
    /// A command airgate does not implement (yet).
    NotImplemented(eas::Command),
    /// A common status (MS-ASCMD 2.2.2) for the whole request: in the command's response body
    /// for 14.0+, as an HTTP status for 12.x (449 for "provision first"), as `eas` decides.
    Common {
        command: eas::Command,
        reply: eas::ErrorReply,
    },
}

impl IntoResponse for Reject {
    fn into_response(self) -> Response {
        let (status, extra): (StatusCode, Vec<(http::HeaderName, String)>) = match &self {
            Reject::Unauthorized { realm } => (
                StatusCode::UNAUTHORIZED,
                vec![(header::WWW_AUTHENTICATE, format!("Basic realm=\"{realm}\""))],
            ),
            Reject::LockedOut { retry_after } => (
                StatusCode::TOO_MANY_REQUESTS,
                vec![(header::RETRY_AFTER, retry_after.as_secs().to_string())],
            ),
            Reject::Unavailable { retry_after } => (
                StatusCode::SERVICE_UNAVAILABLE,
                vec![(header::RETRY_AFTER, retry_after.as_secs().to_string())],
            ),
            Reject::BadRequest(_) => (StatusCode::BAD_REQUEST, vec![]),
            Reject::UnsupportedVersion(_) => (
                StatusCode::BAD_REQUEST,
                vec![(
                    http::HeaderName::from_static("ms-asprotocolversions"),
                    eas::ProtocolVersion::header_list().to_owned(),
                )],
            ),
            Reject::NotImplemented(_) => (StatusCode::NOT_IMPLEMENTED, vec![]),
            Reject::Common { command, reply } => {
                if let Some(doc) = reply.body(*command) {
                    return wbxml(&doc);
                }
                let code = match reply {
                    eas::ErrorReply::Http(code) => *code,
                    // A status for a command without a WBXML response (GetAttachment).
                    eas::ErrorReply::Status(_) => 400,
                };
                (
                    StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST),
                    vec![],
                )
            }
        };
        match &self {
            Reject::BadRequest(why) | Reject::UnsupportedVersion(why) => {
                tracing::info!(reason = %why, "bad request")
            }
            Reject::NotImplemented(cmd) => tracing::info!(command = %cmd, "not implemented"),
            _ => tracing::debug!(?status, "refused"),
        }
        let mut resp = status.into_response();
        for (name, value) in extra {
            if let Ok(v) = HeaderValue::from_str(&value) {
                resp.headers_mut().insert(name, v);
            }
        }
        resp
    }
}
