//! The message that carries an iMIP REPLY to the organizer (RFC 6047 2.4: the iCalendar
//! object in a `text/calendar; method=REPLY; charset=UTF-8` part, here beside a short
//! `text/plain` in a `multipart/alternative`).
//!
//! Written here rather than with `mail::outgoing`'s MIME writer, whose helpers are private to
//! that module. Both parts are base64 (the calendar text keeps its CRLF lines and folding
//! exactly; no 8BITMIME is needed).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest as _, Sha256};

use super::Response;
use crate::mail::outgoing::rfc822_date;

/// The email carrying `reply_ics`: From the attendee, To the organizer, Subject
/// "Accepted: <summary>" (Tentative, Declined), Date and Message-ID (`<digest.now@domain>`,
/// stable for the same reply and time), `multipart/alternative` with `text/plain` and
/// `text/calendar; method=REPLY; charset=UTF-8`. CRLF line ends, ready for SMTP submission.
/// `from` and `to` are RFC 5322 mailboxes (`addr` or `Name <addr>`), written as given.
pub fn reply_message(
    reply_ics: &str,
    from: &str,
    to: &str,
    subject_summary: &str,
    response: Response,
    now: i64,
    message_id_domain: &str,
) -> Vec<u8> {
    let digest = Sha256::new()
        .chain_update(reply_ics.as_bytes())
        .chain_update(from.as_bytes())
        .chain_update(to.as_bytes())
        .chain_update(now.to_le_bytes())
        .finalize();
    let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    let domain = message_id_domain.trim().trim_matches(['<', '>', '@']);
    let domain = if domain.is_empty() {
        "airgate.invalid"
    } else {
        domain
    };
    let boundary = format!("=_agm{hex}");
    let summary = one_line(subject_summary);
    let subject = format!("{}: {}", response.subject_prefix(), summary.trim());
    let verb = match response {
        Response::Accepted => "accepted",
        Response::Tentative => "tentatively accepted",
        Response::Declined => "declined",
    };
    let plain = format!(
        "{} has {verb} the invitation: {}\r\n",
        one_line(from).trim(),
        summary.trim()
    );

    let mut out = String::new();
    out.push_str(&format!("From: {}\r\n", one_line(from).trim()));
    out.push_str(&format!("To: {}\r\n", one_line(to).trim()));
    out.push_str(&format!("Subject: {}\r\n", encode_header(&subject)));
    out.push_str(&format!("Date: {}\r\n", rfc822_date(now)));
    out.push_str(&format!("Message-ID: <{hex}.{now}@{domain}>\r\n"));
    out.push_str("MIME-Version: 1.0\r\n");
    out.push_str(&format!(
        "Content-Type: multipart/alternative;\r\n boundary=\"{boundary}\"\r\n\r\n"
    ));
    out.push_str(&format!("--{boundary}\r\n"));
    out.push_str("Content-Type: text/plain; charset=UTF-8\r\n");
    out.push_str("Content-Transfer-Encoding: base64\r\n\r\n");
    out.push_str(&base64_lines(plain.as_bytes()));
    out.push_str(&format!("--{boundary}\r\n"));
    out.push_str("Content-Type: text/calendar; method=REPLY; charset=UTF-8\r\n");
    out.push_str("Content-Transfer-Encoding: base64\r\n\r\n");
    out.push_str(&base64_lines(reply_ics.as_bytes()));
    out.push_str(&format!("--{boundary}--\r\n"));
    out.into_bytes()
}

/// Line ends and other controls become spaces (no header injection).
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The text as is when it is printable ASCII, else RFC 2047 encoded words (UTF-8, base64),
/// each at most 75 characters and never splitting a character.
fn encode_header(text: &str) -> String {
    if text.bytes().all(|b| (0x20..0x7F).contains(&b)) && !text.contains("=?") {
        return text.to_owned();
    }
    // 75 - len("=?UTF-8?B?" + "?=") = 63 base64 characters = 45 bytes.
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in text.chars() {
        if chunk.len() + c.len_utf8() > 45 {
            words.push(format!("=?UTF-8?B?{}?=", STANDARD.encode(chunk.as_bytes())));
            chunk.clear();
        }
        chunk.push(c);
    }
    if !chunk.is_empty() {
        words.push(format!("=?UTF-8?B?{}?=", STANDARD.encode(chunk.as_bytes())));
    }
    words.join("\r\n ")
}

/// Base64 in lines of 76 characters, each ended by CRLF.
fn base64_lines(data: &[u8]) -> String {
    let encoded = STANDARD.encode(data);
    let mut out = String::with_capacity(encoded.len() + encoded.len() / 38 + 2);
    for line in encoded.as_bytes().chunks(76) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push_str("\r\n");
    }
    out
}
