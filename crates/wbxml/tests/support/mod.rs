//! Helpers shared by the integration tests.
#![allow(dead_code)] // each test crate uses a different part

use std::path::{Path, PathBuf};

use wbxml::{Element, Node, Page};

pub fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The conformance material shared by the project (`shared/` beside the repository).
pub fn conformance_dir() -> PathBuf {
    manifest_dir().join("../../../shared/conformance")
}

/// Every corpus document as (file name, XML text), sorted by name.
pub fn corpus() -> Vec<(String, String)> {
    let dir = manifest_dir().join("tests/corpus");
    let mut docs: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.expect("directory entry").path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
            (name, text)
        })
        .filter(|(name, _)| name.ends_with(".xml"))
        .collect();
    docs.sort();
    docs
}

/// Every element of a tree, in document order.
pub fn walk(root: &Element) -> Vec<&Element> {
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(e) = stack.pop() {
        out.push(e);
        for n in e.children.iter().rev() {
            if let Node::Element(c) = n {
                stack.push(c);
            }
        }
    }
    out
}

/// The pages a tree uses.
pub fn pages(root: &Element) -> Vec<Page> {
    let mut pages: Vec<Page> = walk(root).iter().map(|e| e.page()).collect();
    pages.sort();
    pages.dedup();
    pages
}
