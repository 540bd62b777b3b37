//! Reading an EAS request at the edge: the query (either form), the version, the policy key and
//! the WBXML body, parsed once into [`EasRequest`].

use bytes::Bytes;
use eas::{Command, ProtocolVersion, RequestLine};
use http::HeaderMap;

use crate::response::Reject;

/// One EAS command request, parsed.
#[derive(Debug)]
pub struct EasRequest {
    pub line: RequestLine,
    pub version: ProtocolVersion,
    /// From `X-MS-PolicyKey`, the base64 query's field, or a plain `&PolicyKey=` (some clients
    /// send the acknowledgement's key only there).
    pub policy_key: Option<u32>,
    pub user_agent: Option<String>,
    /// The decoded WBXML body; `None` when the body is empty or not WBXML (12.x raw MIME).
    pub body: Option<wbxml::Element>,
    /// The raw body of a 12.x SendMail, SmartReply or SmartForward (`message/rfc822`).
    pub mime: Option<Bytes>,
}

impl EasRequest {
    pub fn parse(
        query: Option<&str>,
        headers: &HeaderMap,
        body: Bytes,
    ) -> Result<EasRequest, Reject> {
        let line = RequestLine::parse(query.unwrap_or(""))
            .map_err(|e| Reject::BadRequest(format!("query: {e}")))?;
        let header_version = header(headers, "ms-asprotocolversion");
        let version = match (line.protocol_version, header_version) {
            (Some(v), _) => v,
            (None, Some(h)) => ProtocolVersion::parse(h).ok_or_else(|| {
                Reject::UnsupportedVersion(format!("unsupported protocol version {h:?}"))
            })?,
            (None, None) => {
                return Err(Reject::UnsupportedVersion(
                    "no MS-ASProtocolVersion header".into(),
                ));
            }
        };
        if !version.supports_command(line.command) {
            tracing::info!(command = %line.command, version = version.as_str(), "command not in this version");
            let reply = eas::CommonStatus::VersionNotSupported.reply(line.command, version);
            return Err(Reject::Common {
                command: line.command,
                reply,
            });
        }
        // An empty header is what some clients send before they have a key.
        let policy_key = match header(headers, "x-ms-policykey").map(str::trim) {
            Some("") | None => line.policy_key,
            Some(h) => Some(
                h.parse::<u32>()
                    .map_err(|_| Reject::BadRequest("X-MS-PolicyKey is not a number".into()))?,
            ),
        };
        let is_mime = header(headers, "content-type")
            .is_some_and(|ct| ct.to_ascii_lowercase().starts_with("message/rfc822"));
        // Some 12.x clients send a SendMail as WBXML after all (MS-ASCMD 2.2.1.17: 12.x
        // SendMail is raw MIME): the content type says which it is.
        let says_wbxml = header(headers, "content-type").is_some_and(|ct| {
            ct.to_ascii_lowercase()
                .starts_with("application/vnd.ms-sync.wbxml")
        });
        let not_wbxml = is_mime || (!version.request_body_is_wbxml(line.command) && !says_wbxml);
        let body_doc = if body.is_empty() || not_wbxml {
            None
        } else {
            Some(wbxml::decode(&body).map_err(|e| Reject::BadRequest(format!("WBXML body: {e}")))?)
        };
        let mime = (not_wbxml && !body.is_empty()).then_some(body);
        if let (Some(doc), Some(root)) = (&body_doc, line.command.root_tag())
            && doc.tag != root
        {
            return Err(Reject::BadRequest(format!(
                "{} request whose document element is {:?}",
                line.command, doc.tag
            )));
        }
        Ok(EasRequest {
            user_agent: header(headers, "user-agent").map(str::to_owned),
            line,
            version,
            policy_key,
            body: body_doc,
            mime,
        })
    }

    pub fn command(&self) -> Command {
        self.line.command
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    const QUERY: &str = "Cmd=Settings&User=alice&DeviceId=dev1&DeviceType=iPhone";

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (n, v) in pairs {
            h.insert(*n, HeaderValue::from_static(v));
        }
        h
    }

    fn parse(
        query: &str,
        pairs: &[(&'static str, &'static str)],
        body: Vec<u8>,
    ) -> Result<EasRequest, Reject> {
        EasRequest::parse(Some(query), &headers(pairs), Bytes::from(body))
    }

    #[test]
    fn the_version_comes_from_the_header_in_the_plain_form() {
        let req = parse(QUERY, &[("ms-asprotocolversion", "14.1")], vec![]).unwrap();
        assert_eq!(req.version, ProtocolVersion::V14_1);
        assert!(req.body.is_none());
    }

    #[test]
    fn a_missing_version_is_refused_with_the_supported_list() {
        assert!(matches!(
            parse(QUERY, &[], vec![]),
            Err(Reject::UnsupportedVersion(_))
        ));
    }

    #[test]
    fn an_empty_policy_key_header_counts_as_no_key() {
        let req = parse(
            QUERY,
            &[("ms-asprotocolversion", "16.1"), ("x-ms-policykey", " ")],
            vec![],
        )
        .unwrap();
        assert_eq!(req.policy_key, None);
    }

    #[test]
    fn the_policy_key_header_wins_over_the_query() {
        let query = format!("{QUERY}&PolicyKey=7");
        let req = parse(
            &query,
            &[("ms-asprotocolversion", "16.1"), ("x-ms-policykey", "9")],
            vec![],
        )
        .unwrap();
        assert_eq!(req.policy_key, Some(9));
    }

    #[test]
    fn a_body_for_another_command_is_a_bad_request() {
        let ping = wbxml::encode(&wbxml::Element::new(wbxml::tags::ping::PING));
        assert!(matches!(
            parse(QUERY, &[("ms-asprotocolversion", "16.1")], ping),
            Err(Reject::BadRequest(_))
        ));
    }

    #[test]
    fn mime_mail_submission_in_12_x_is_not_decoded_as_wbxml() {
        let query = "Cmd=SendMail&User=alice&DeviceId=dev1&DeviceType=iPhone&SaveInSent=T";
        let req = parse(
            query,
            &[
                ("ms-asprotocolversion", "12.1"),
                ("content-type", "message/rfc822"),
            ],
            b"Subject: hi\r\n\r\nhello".to_vec(),
        )
        .unwrap();
        assert!(req.body.is_none());
    }
}
