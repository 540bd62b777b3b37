//! The mail converter, specified by example on fixture messages (tests/fixtures/mail).

mod attachments;
mod body;
mod class;
mod conversation;
mod headers;
mod outgoing;
mod robustness;
mod structure;

use convert::mail::{
    BodyPlan, BodyRequest, PartPath, RenderedBody, WantedBody, plan_body, render_body, section_of,
    structure_of,
};

/// A fixture with CRLF line ends, as IMAP serves it.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/mail/{name}", env!("CARGO_MANIFEST_DIR"));
    let raw = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    crlf(&raw)
}

pub fn crlf(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() + raw.len() / 20);
    for (i, b) in raw.iter().enumerate() {
        if *b == b'\n' && (i == 0 || raw[i - 1] != b'\r') {
            out.push(b'\r');
        }
        out.push(*b);
    }
    out
}

/// The header block, as `BODY.PEEK[HEADER.FIELDS (...)]` would return it (all fields here).
pub fn header_block(raw: &[u8]) -> &[u8] {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(raw.len(), |p| p + 4);
    &raw[..end]
}

/// What the engine does with a plan: fetch each part whole or its first `max_bytes`.
pub fn fetch(raw: &[u8], plan: &BodyPlan) -> Vec<(PartPath, Vec<u8>, bool)> {
    plan.fetch
        .iter()
        .map(|f| {
            let bytes = section_of(raw, &f.path).unwrap_or_default();
            match f.max_bytes {
                Some(n) if (n as usize) < bytes.len() => {
                    (f.path.clone(), bytes[..n as usize].to_vec(), false)
                }
                _ => (f.path.clone(), bytes, true),
            }
        })
        .collect()
}

/// Plan, fetch and render one body.
pub fn body_of(raw: &[u8], req: &BodyRequest) -> RenderedBody {
    let structure = structure_of(raw);
    let plan = plan_body(&structure, req);
    render_body(&structure, &plan, req, &fetch(raw, &plan))
}

pub fn req(kind: WantedBody) -> BodyRequest {
    BodyRequest {
        kind,
        truncation: None,
        all_or_none: false,
        preview: None,
    }
}

pub fn path(section: &str) -> PartPath {
    PartPath::parse(section).unwrap_or_default()
}
