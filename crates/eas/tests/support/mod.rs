//! Shared test helpers: the XML form of a response, validated against Microsoft's schemas with
//! xmllint.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use wbxml::Element;

/// `conformance/ms-xsd/_all.xsd`, found relative to the workspace (`../shared/conformance`
/// from the project root).
fn schema() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/ms-xsd/_all.xsd")
}

fn skipping() -> bool {
    std::env::var("AIRGATE_SKIP_XMLLINT").is_ok_and(|v| v == "1")
}

/// Encodes `element` to WBXML, decodes it again (so the tree is one the wire can carry), and
/// returns the XML form of the decoded tree.
pub fn wire_xml(element: &Element) -> String {
    let bytes = wbxml::encode(element);
    let decoded = wbxml::decode(&bytes).expect("our own WBXML decodes");
    assert_eq!(&decoded, element, "WBXML round trip changed the tree");
    wbxml::to_xml(&decoded)
}

/// Validates the XML form of `element` against the EAS response schemas. Fails the test when
/// the document is invalid, and also when xmllint or the schemas are missing, unless
/// `AIRGATE_SKIP_XMLLINT=1`.
pub fn assert_valid(label: &str, element: &Element) {
    // The schemas type OPAQUE fields (ConversationId, ConversationIndex) as xs:string and
    // know nothing of the XML form's `encoding="base64"` marker for binary content; the base64
    // text itself is a valid xs:string, so the marker is dropped before validation.
    let xml = wire_xml(element).replace(" encoding=\"base64\"", "");
    if skipping() {
        eprintln!("{label}: schema validation skipped (AIRGATE_SKIP_XMLLINT=1)");
        return;
    }
    let schema = schema();
    assert!(
        schema.is_file(),
        "{label}: schema {} not found; set AIRGATE_SKIP_XMLLINT=1 to skip schema validation",
        schema.display()
    );
    let child = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&schema)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => panic!(
            "{label}: cannot run xmllint ({e}); install it (apt-get install -y libxml2-utils) \
             or set AIRGATE_SKIP_XMLLINT=1 to skip schema validation"
        ),
    };
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(xml.as_bytes())
        .expect("xmllint reads its input");
    let out = child.wait_with_output().expect("xmllint runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Warnings that a namespace URI "is not absolute" come as three lines (message, source,
    // caret); everything else that is not "- validates" is a failure.
    let mut problems = Vec::new();
    let mut lines = stderr.lines();
    while let Some(line) = lines.next() {
        if line.contains("namespace warning") && line.contains("is not absolute") {
            lines.next();
            lines.next();
        } else if line.trim() != "- validates" {
            problems.push(line);
        }
    }
    assert!(
        out.status.success() && problems.is_empty() && stderr.contains("- validates"),
        "{label}: the response does not validate against the EAS schemas\n{}\n--- document ---\n{xml}",
        problems.join("\n")
    );
}
