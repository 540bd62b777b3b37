//! MS-ASEMAIL ConversationId and ConversationIndex (EAS 14.0+), derived from the headers so
//! that every message of a thread gets the same id without any stored state.

use sha2::{Digest, Sha256};

use super::headers::Headers;

/// Seconds from 1601-01-01 (FILETIME epoch) to 1970-01-01.
const FILETIME_UNIX_OFFSET: i64 = 11_644_473_600;

/// A 16-byte id shared by the messages of one thread. From Outlook's Thread-Index when there is
/// one (its bytes 6..22 are the conversation GUID), else from the thread's root Message-ID
/// (first of References, else In-Reply-To, else the message's own), else from the subject
/// without reply/forward prefixes.
pub fn conversation_id(headers: &Headers) -> [u8; 16] {
    if let Some(guid) = headers.thread_index.as_deref().and_then(|t| t.get(6..22)) {
        let mut id = [0u8; 16];
        id.copy_from_slice(guid);
        return id;
    }
    let root = headers
        .references
        .first()
        .or(headers.in_reply_to.as_ref())
        .or(headers.message_id.as_ref());
    match root {
        Some(id) => hash16(b"message-id\0", id.trim().as_bytes()),
        None => {
            let subject = normalized_subject(headers.subject.as_deref().unwrap_or(""));
            hash16(b"subject\0", subject.to_lowercase().as_bytes())
        }
    }
}

fn hash16(domain: &[u8], data: &[u8]) -> [u8; 16] {
    let mut h = Sha256::new();
    h.update(domain);
    h.update(data);
    let digest = h.finalize();
    let mut id = [0u8; 16];
    for (dst, src) in id.iter_mut().zip(digest.iter()) {
        *dst = *src;
    }
    id
}

/// The subject without any number of leading "Re:", "Fwd:", "AW:", "WG:", ... prefixes
/// (counted ones like "Re[2]:" too), whitespace collapsed. A list tag before them ("[list] Re:")
/// stays: it is part of what the thread is called.
pub fn normalized_subject(subject: &str) -> String {
    const PREFIXES: &[&str] = &[
        "re", "fw", "fwd", "aw", "wg", "sv", "vs", "antw", "tr", "rif", "r", "réf", "ref", "odp",
        "res", "enc", "doorst",
    ];
    let mut s = subject.trim();
    while let Some(colon) = s.find(':') {
        let head = s[..colon].trim();
        // "Re[2]" and "Re(2)" count too.
        let word = head
            .split(['[', '('])
            .next()
            .unwrap_or(head)
            .trim()
            .to_lowercase();
        if PREFIXES.contains(&word.as_str()) && head.len() <= word.len() + 5 {
            s = s[colon + 1..].trim_start();
        } else {
            break;
        }
    }
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The ConversationIndex (MS-ASCON 2.2.2.4): a 5-byte header derived from the date the
/// conversation started, then 5 bytes per reply. Taken from Thread-Index (its time bytes and
/// reply blocks, without the GUID) when present, else a header from `date` (Unix seconds).
pub fn conversation_index(headers: &Headers, date: i64) -> Vec<u8> {
    if let Some(t) = headers.thread_index.as_deref()
        && t.len() >= 22
    {
        let mut out = t[1..6].to_vec();
        out.extend_from_slice(&t[22..]);
        return out;
    }
    date_header(date).to_vec()
}

/// The high 40 bits of the date as a FILETIME, big-endian (the Thread-Index time bytes).
fn date_header(date: i64) -> [u8; 5] {
    let filetime = date
        .saturating_add(FILETIME_UNIX_OFFSET)
        .max(0)
        .unsigned_abs()
        .saturating_mul(10_000_000);
    let b = filetime.to_be_bytes();
    [b[0], b[1], b[2], b[3], b[4]]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_header_is_the_high_bytes_of_the_filetime() {
        // 2020-01-01T00:00:00Z = FILETIME 0x01D5_C036_6905_0000.
        assert_eq!(date_header(1_577_836_800), [0x01, 0xD5, 0xC0, 0x36, 0x69]);
    }
}
