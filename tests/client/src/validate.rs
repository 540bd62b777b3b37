//! The checks every WBXML response goes through ([`crate::Response::new`] calls [`response`]):
//!
//! 1. Its XML form (`wbxml::xml::to_xml`) validates with
//!    `xmllint --noout --schema <conformance>/ms-xsd/_all.xsd` against Microsoft's schemas. Only
//!    the warnings that a schema namespace URI "is not absolute" are tolerated; any other message
//!    or a non-zero exit fails.
//! 2. The raw bytes decode with an independent decoder, libwbxml's
//!    `wbxml2xml -l ACTIVESYNC -o - FILE`, without error and without an `<unknown` tag. libwbxml
//!    does not know code page 25 (Find), so documents using it skip this check.
//!
//! A failure panics with the tool's output and the document.

use std::path::{Path, PathBuf};
use std::process::Command;

use wbxml::{Element, Page};

/// Runs both checks on a response body and its decoded tree; panics on failure.
pub fn response(bytes: &[u8], element: &Element) {
    let xml = wbxml::xml::to_xml(element);
    if let Err(e) = check(bytes, element, &xml) {
        panic!("invalid WBXML response: {e}\n--- XML form ---\n{xml}");
    }
}

/// Both checks, returning the failure instead of panicking.
pub fn check(bytes: &[u8], element: &Element, xml: &str) -> Result<(), String> {
    let dir = tempfile::Builder::new()
        .prefix("eas-validate-")
        .tempdir()
        .map_err(|e| format!("cannot create a temp dir: {e}"))?;
    let xml_path = dir.path().join("response.xml");
    let wbxml_path = dir.path().join("response.wbxml");
    // The schemas type binary content (ConversationId, ...) as plain strings and know nothing
    // of the XML form's `encoding="base64"` marker for it.
    let for_schema = xml.replace(" encoding=\"base64\"", "");
    std::fs::write(&xml_path, for_schema).map_err(|e| e.to_string())?;
    std::fs::write(&wbxml_path, bytes).map_err(|e| e.to_string())?;
    schema(&xml_path)?;
    if !uses_page(element, Page::Find) {
        libwbxml(&wbxml_path)?;
    }
    Ok(())
}

/// The schema file: `<conformance>/ms-xsd/_all.xsd`.
pub fn schema_path() -> PathBuf {
    crate::conformance_dir().join("ms-xsd").join("_all.xsd")
}

/// `xmllint --schema`: exit 0, and no output but "not absolute" namespace warnings (each 3
/// lines: the message, the source line, a caret) and the final "FILE validates".
pub fn schema(xml_path: &Path) -> Result<(), String> {
    let xsd = schema_path();
    if !xsd.is_file() {
        return Err(format!(
            "{} is missing: the conformance material (shared/) must sit beside the repository, \
             or set AIRGATE_CONFORMANCE_DIR",
            xsd.display()
        ));
    }
    let out = run(
        Command::new("xmllint")
            .arg("--noout")
            .arg("--schema")
            .arg(&xsd)
            .arg(xml_path),
        "xmllint",
    )?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let problems = xmllint_problems(&text, &xml_path.display().to_string());
    if !out.status.success() || !problems.is_empty() {
        return Err(format!(
            "xmllint schema validation failed ({}):\n{}",
            out.status,
            problems.join("\n")
        ));
    }
    Ok(())
}

/// The lines of xmllint output that are not tolerated.
fn xmllint_problems(output: &str, file: &str) -> Vec<String> {
    let validates = format!("{file} validates");
    let mut problems = Vec::new();
    let mut lines = output.lines();
    while let Some(line) = lines.next() {
        if line.contains("namespace warning") && line.contains("is not absolute") {
            // The echoed source line and the caret line under it.
            lines.next();
            lines.next();
            continue;
        }
        if line.trim().is_empty() || line.trim() == validates {
            continue;
        }
        problems.push(line.to_owned());
    }
    problems
}

/// `wbxml2xml -l ACTIVESYNC`: exit 0 and no `<unknown` in the output.
pub fn libwbxml(wbxml_path: &Path) -> Result<(), String> {
    let out = run(
        Command::new("wbxml2xml")
            .args(["-l", "ACTIVESYNC", "-o", "-"])
            .arg(wbxml_path),
        "wbxml2xml",
    )?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() || stdout.contains("<unknown") {
        return Err(format!(
            "libwbxml's wbxml2xml does not accept the bytes ({}):\n{stdout}{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(())
}

fn run(cmd: &mut Command, tool: &str) -> Result<std::process::Output, String> {
    cmd.output().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            format!("{tool} is not installed: run tests/stack/install.sh")
        } else {
            format!("cannot run {tool}: {e}")
        }
    })
}

fn uses_page(e: &Element, page: Page) -> bool {
    e.page() == page || e.elements().any(|c| uses_page(c, page))
}

#[cfg(test)]
mod tests {
    use super::*;
    use wbxml::tags::provision as p;

    #[test]
    fn only_not_absolute_warnings_and_the_verdict_are_tolerated() {
        let out = "/x/AirSync.xsd:4: namespace warning : xmlns: URI AirSync is not absolute\n    \
                   xmlns=\"AirSync\"\n          ^\n/tmp/r.xml validates\n";
        assert!(xmllint_problems(out, "/tmp/r.xml").is_empty());
        let bad = format!(
            "{out}/tmp/r.xml:1: element Bogus: Schemas validity error : not expected\n/tmp/r.xml fails to validate\n"
        );
        assert_eq!(xmllint_problems(&bad, "/tmp/r.xml").len(), 2);
    }

    #[test]
    fn a_valid_document_passes_and_an_invalid_one_fails() {
        let good = Element::new(p::PROVISION).text_child(p::STATUS, "1");
        let bytes = wbxml::encode(&good);
        check(&bytes, &good, &wbxml::xml::to_xml(&good)).unwrap();

        let bad = Element::new(p::PROVISION).text_child(p::REMOTE_WIPE, "x");
        let bytes = wbxml::encode(&bad);
        let err = check(&bytes, &bad, &wbxml::xml::to_xml(&bad)).unwrap_err();
        assert!(err.contains("xmllint"), "{err}");
    }

    #[test]
    fn bytes_libwbxml_cannot_decode_fail() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.wbxml");
        // Provision page, then token 0x3F, which page 14 does not define.
        std::fs::write(
            &path,
            [0x03, 0x01, 0x6A, 0x00, 0x00, 0x0E, 0x45, 0x3F, 0x01],
        )
        .unwrap();
        let err = libwbxml(&path).unwrap_err();
        assert!(err.contains("unknown"), "{err}");
    }
}
