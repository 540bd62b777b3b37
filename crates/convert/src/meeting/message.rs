//! The message that carries an iMIP REPLY to the organizer (RFC 6047 2.4: the iCalendar
//! object in a `text/calendar; method=REPLY; charset=UTF-8` part, here beside a short
//! `text/plain` in a `multipart/alternative`).
//!
//! Both parts are base64 (the calendar text keeps its CRLF lines and folding exactly; no
//! 8BITMIME is needed). The header and encoding helpers are `mail::outgoing`'s.

use sha2::{Digest as _, Sha256};

use super::Response;
use crate::mail::outgoing::encode::{base64_lines, encode_words, field, message_id_from};
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
    let message_id = message_id_from(&digest, now, message_id_domain);
    let hex = message_id.split('.').next().unwrap_or_default();
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

    let mut out = Vec::new();
    out.extend(field("From", one_line(from).trim()));
    out.extend(field("To", one_line(to).trim()));
    out.extend(field("Subject", &encode_words(&subject)));
    out.extend(field("Date", &rfc822_date(now)));
    out.extend(field("Message-ID", &format!("<{message_id}>")));
    out.extend_from_slice(b"MIME-Version: 1.0\r\n");
    out.extend(
        format!("Content-Type: multipart/alternative;\r\n boundary=\"{boundary}\"\r\n\r\n")
            .into_bytes(),
    );
    let parts = [
        ("text/plain; charset=UTF-8", plain.as_bytes()),
        (
            "text/calendar; method=REPLY; charset=UTF-8",
            reply_ics.as_bytes(),
        ),
    ];
    for (content_type, body) in parts {
        out.extend(format!("--{boundary}\r\n").into_bytes());
        out.extend(field("Content-Type", content_type));
        out.extend_from_slice(b"Content-Transfer-Encoding: base64\r\n\r\n");
        out.extend(base64_lines(body));
    }
    out.extend(format!("--{boundary}--\r\n").into_bytes());
    out
}

/// Line ends and other controls become spaces (no header injection).
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}
