//! RFC 4918 §14.16 multistatus bodies, as answered to PROPFIND (and later
//! REPORT): one entry per resource, its properties grouped by status.

use super::xml::{self, DAV, Element};

/// One `<response>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MsResponse {
    /// The `<href>` as sent (usually an absolute path, percent-encoded).
    pub href: String,
    /// A response-level `<status>` (e.g. 404 for a vanished member in a
    /// sync-collection report).
    pub status: Option<u16>,
    pub propstats: Vec<PropStat>,
}

/// One `<propstat>`: properties and the status they share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PropStat {
    pub status: u16,
    pub props: Vec<Element>,
}

impl MsResponse {
    /// A property the server returned with 200, by namespace and name.
    pub(crate) fn prop(&self, ns: &str, name: &str) -> Option<&Element> {
        self.propstats
            .iter()
            .filter(|p| p.status == 200)
            .flat_map(|p| p.props.iter())
            .find(|p| p.is(ns, name))
    }
}

/// `HTTP/1.1 200 OK` → 200.
fn status_code(line: &str) -> Option<u16> {
    let mut parts = line.split_whitespace();
    let version = parts.next()?;
    if !version.starts_with("HTTP/") {
        return None;
    }
    parts.next()?.parse().ok()
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum MultistatusError {
    #[error("not XML: {0}")]
    Xml(#[from] xml::XmlError),
    #[error("the root element is <{0}>, not DAV: multistatus")]
    NotMultistatus(String),
    #[error("a response has no href")]
    NoHref,
    #[error("unreadable status line {0:?}")]
    BadStatus(String),
}

pub(crate) fn parse(body: &str) -> Result<Vec<MsResponse>, MultistatusError> {
    let root = xml::parse(body)?;
    if !root.is(DAV, "multistatus") {
        return Err(MultistatusError::NotMultistatus(root.name));
    }
    let mut out = Vec::new();
    for resp in root.children(DAV, "response") {
        // RFC 4918 allows several hrefs only with a response-level status;
        // the first names the resource well enough for our use.
        let href = resp
            .child(DAV, "href")
            .map(|h| h.text.trim().to_string())
            .filter(|h| !h.is_empty())
            .ok_or(MultistatusError::NoHref)?;
        let status = match resp.child(DAV, "status") {
            Some(s) => Some(
                status_code(&s.text).ok_or_else(|| MultistatusError::BadStatus(s.text.clone()))?,
            ),
            None => None,
        };
        let mut propstats = Vec::new();
        for ps in resp.children(DAV, "propstat") {
            let Some(line) = ps.child(DAV, "status") else {
                return Err(MultistatusError::BadStatus(String::new()));
            };
            let status = status_code(&line.text)
                .ok_or_else(|| MultistatusError::BadStatus(line.text.clone()))?;
            let props = ps
                .child(DAV, "prop")
                .map(|p| p.children.clone())
                .unwrap_or_default();
            propstats.push(PropStat { status, props });
        }
        out.push(MsResponse {
            href,
            status,
            propstats,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dav::xml::{CALDAV, CALSERVER};

    #[test]
    fn radicale_home() {
        let body = include_str!("../../testdata/radicale-home-depth1.xml");
        let responses = parse(body).unwrap();
        let hrefs: Vec<_> = responses.iter().map(|r| r.href.as_str()).collect();
        assert_eq!(
            hrefs,
            [
                "/alice/",
                "/alice/tasks/",
                "/alice/contacts/",
                "/alice/calendar/"
            ]
        );
        let home = &responses[0];
        assert_eq!(
            home.propstats.iter().map(|p| p.status).collect::<Vec<_>>(),
            [200, 404]
        );
        assert!(
            home.prop(DAV, "resourcetype")
                .unwrap()
                .child(DAV, "principal")
                .is_some()
        );
        // Properties under 404 are not returned.
        assert!(home.prop(DAV, "displayname").is_none());
        let tasks = &responses[1];
        assert_eq!(tasks.prop(DAV, "displayname").unwrap().text, "Tasks");
        assert!(tasks.prop(CALSERVER, "getctag").is_some());
        let comps: Vec<_> = tasks
            .prop(CALDAV, "supported-calendar-component-set")
            .unwrap()
            .children(CALDAV, "comp")
            .filter_map(|c| c.attr("name"))
            .collect();
        assert_eq!(comps, ["VTODO"]);
    }

    #[test]
    fn status_lines() {
        assert_eq!(status_code("HTTP/1.1 200 OK"), Some(200));
        assert_eq!(status_code(" HTTP/1.1 404 Not Found "), Some(404));
        assert_eq!(status_code("200 OK"), None);
        assert_eq!(status_code("HTTP/1.1 OK"), None);
    }

    #[test]
    fn not_a_multistatus() {
        assert!(matches!(
            parse("<html><body>Login</body></html>"),
            Err(MultistatusError::NotMultistatus(_))
        ));
        assert!(matches!(
            parse(
                r#"<multistatus xmlns="DAV:"><response><status>HTTP/1.1 200 OK</status></response></multistatus>"#
            ),
            Err(MultistatusError::NoHref)
        ));
    }
}
