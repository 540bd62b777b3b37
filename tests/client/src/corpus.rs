//! The mail corpus of `tests/mail-corpus/`: messages written for the tests (charsets, MIME
//! structures, attachments, threads), and what a correct conversion shows for each
//! (`expected.json`; see that directory's README).

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::imap::Imap;

/// The corpus directory: `<repo root>/tests/mail-corpus`.
pub fn mail_corpus_dir() -> PathBuf {
    crate::repo_root().join("tests").join("mail-corpus")
}

/// Every `*.eml` of the corpus as `(file name, raw bytes)`, sorted by name.
pub fn mail_corpus() -> Vec<(String, Vec<u8>)> {
    let dir = mail_corpus_dir();
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read the mail corpus {}: {e}", dir.display()))
        .map(|entry| entry.expect("a corpus directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .map(|p| {
            let name = p
                .file_name()
                .and_then(|n| n.to_str())
                .expect("corpus file names are UTF-8")
                .to_owned();
            let bytes =
                std::fs::read(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()));
            (name, bytes)
        })
        .collect();
    out.sort();
    out
}

/// One corpus message by file name (`"06-mixed-attachments.eml"`).
pub fn corpus_message(name: &str) -> Vec<u8> {
    let path = mail_corpus_dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// APPENDs every corpus message to `mailbox` (unflagged, internal date now, so no FilterType
/// hides them), in file-name order; returns `(file name, uid)`.
pub fn seed_corpus(imap: &mut Imap, mailbox: &str) -> Vec<(String, u32)> {
    mail_corpus()
        .into_iter()
        .map(|(name, raw)| {
            let uid = imap.append(mailbox, &raw, &[], None);
            (name, uid)
        })
        .collect()
}

/// What a client must see for one corpus message (`expected.json`).
#[derive(Clone, Debug)]
pub struct ExpectedMail {
    /// The decoded Subject.
    pub subject: String,
    /// The decoded display name of From.
    pub from_name: String,
    pub from_email: String,
    /// Text found in every body the message has (plain text, and HTML source).
    pub body_contains: String,
    /// File names of the parts sent as attachments (`Content-Disposition: attachment`), in
    /// MIME order, decoded.
    pub attachments: Vec<String>,
    /// File names of inline parts referenced by `cid:` from the HTML.
    pub inline: Vec<String>,
    /// Whether the message has an HTML body.
    pub html: bool,
    /// The EAS Importance: 0 low, 1 normal, 2 high.
    pub importance: u8,
    /// The whole entry, for the other keys (`charset`, `also_contains`, `plain_contains`,
    /// `html_contains`, `body_not_contains`, `message_id`, `in_reply_to`, `thread_topic`,
    /// `thread_index`, `attachment_sizes`, `inline_content_id`, ...).
    pub raw: serde_json::Value,
}

impl ExpectedMail {
    /// A string key of [`ExpectedMail::raw`].
    pub fn get(&self, key: &str) -> Option<&str> {
        self.raw.get(key).and_then(serde_json::Value::as_str)
    }
}

/// `expected.json`, by file name.
pub fn mail_corpus_expected() -> BTreeMap<String, ExpectedMail> {
    let path = mail_corpus_dir().join("expected.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let all: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not a JSON object: {e}", path.display()));
    all.into_iter()
        .map(|(name, v)| {
            let s = |k: &str| -> String {
                v.get(k)
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or_else(|| panic!("expected.json: {name} has no string {k}"))
                    .to_owned()
            };
            let names = |k: &str| -> Vec<String> {
                v.get(k)
                    .and_then(serde_json::Value::as_array)
                    .map(|a| {
                        a.iter()
                            .map(|n| n.as_str().expect("a file name").to_owned())
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let expected = ExpectedMail {
                subject: s("subject"),
                from_name: s("from_name"),
                from_email: s("from_email"),
                body_contains: s("body_contains"),
                attachments: names("attachments"),
                inline: names("inline"),
                html: v
                    .get("html")
                    .and_then(serde_json::Value::as_bool)
                    .unwrap_or_else(|| panic!("expected.json: {name} has no boolean html")),
                importance: v
                    .get("importance")
                    .and_then(serde_json::Value::as_u64)
                    .map_or(1, |n| n as u8),
                raw: v.clone(),
            };
            (name, expected)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_has_an_expectation_and_crlf_line_ends() {
        let corpus = mail_corpus();
        let expected = mail_corpus_expected();
        assert!(corpus.len() >= 15, "{} messages", corpus.len());
        let names: Vec<&String> = corpus.iter().map(|(n, _)| n).collect();
        let expected_names: Vec<&String> = expected.keys().collect();
        assert_eq!(names, expected_names);
        for (name, raw) in &corpus {
            for (i, b) in raw.iter().enumerate() {
                if *b == b'\n' {
                    assert!(i > 0 && raw[i - 1] == b'\r', "{name}: bare LF at byte {i}");
                }
            }
            assert!(raw.ends_with(b"\r\n"), "{name}: no final CRLF");
            let header_end = raw
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
                .unwrap_or_else(|| panic!("{name}: no header/body separator"));
            let headers = String::from_utf8(raw[..header_end].to_vec())
                .unwrap_or_else(|_| panic!("{name}: headers are not ASCII"));
            assert!(headers.is_ascii(), "{name}: 8-bit headers");
            for h in [
                "Date: ",
                "From: ",
                "Subject: ",
                "Message-ID: ",
                "MIME-Version: 1.0",
            ] {
                assert!(headers.contains(h), "{name}: no {h}");
            }
        }
    }
}
