//! Reads a message a device submits (SendMail, and the device's part of SmartReply and
//! SmartForward): its addresses, and its header block as submitted and as kept in Sent.

use sha2::{Digest, Sha256};

use super::encode::{message_id_from, rfc822_date};
use super::{Outgoing, OutgoingError, split_fields};
use crate::mail::headers::parse_headers;

/// Reads `mime` once. `now` (unix seconds) dates a message without a Date; `id_domain` is the
/// right side of a Message-ID made for a message without one. A Date or Message-ID that cannot
/// be read counts as missing and is replaced. Bcc (and Resent-Bcc) is left out of the header
/// submitted over SMTP; Resent-* fields are not read. The body is not copied.
///
/// A message without From is accepted with `from` empty (Exchange fills in the user's
/// address, and so may the caller); a From field without an address is [`OutgoingError::NoSender`].
pub fn inspect(mime: &[u8], now: i64, id_domain: &str) -> Result<Outgoing, OutgoingError> {
    let (fields, body_offset) = split_fields(mime);
    if fields.is_empty() {
        return Err(OutgoingError::NotMime("no header fields".into()));
    }
    let block: Vec<u8> = fields.iter().flat_map(|f| f.raw.iter().copied()).collect();
    let h = parse_headers(&block);
    let from: Vec<_> = h.from.into_iter().filter(|a| !a.email.is_empty()).collect();
    // No From at all is the caller's to fill in (the user's address); a From without an
    // address is a broken message.
    if from.is_empty() && fields.iter().any(|f| f.name == "from") {
        return Err(OutgoingError::NoSender);
    }
    let has_date = h.date.is_some();
    let has_id = h.message_id.is_some();
    let message_id = match h.message_id {
        Some(id) => id,
        None => new_message_id(mime, body_offset, now, id_domain),
    };
    let mut head_submit = Vec::with_capacity(block.len() + 80);
    let mut head_sent = Vec::with_capacity(block.len() + 80);
    for f in &fields {
        let replaced = (f.name == "date" && !has_date) || (f.name == "message-id" && !has_id);
        if replaced {
            continue;
        }
        if f.name != "bcc" && f.name != "resent-bcc" {
            head_submit.extend_from_slice(&f.raw);
        }
        head_sent.extend_from_slice(&f.raw);
    }
    let mut added = Vec::new();
    if !has_date {
        added.extend_from_slice(format!("Date: {}\r\n", rfc822_date(now)).as_bytes());
    }
    if !has_id {
        added.extend_from_slice(format!("Message-ID: <{message_id}>\r\n").as_bytes());
    }
    for head in [&mut head_submit, &mut head_sent] {
        head.extend_from_slice(&added);
        head.extend_from_slice(b"\r\n");
    }
    let out = Outgoing {
        from,
        sender: h.sender.into_iter().find(|a| !a.email.is_empty()),
        to: h.to,
        cc: h.cc,
        bcc: h.bcc,
        subject: h.subject,
        message_id: Some(message_id),
        in_reply_to: h.in_reply_to,
        references: h.references,
        head_submit,
        head_sent,
        body_offset,
    };
    if out.recipients().is_empty() {
        return Err(OutgoingError::NoRecipients);
    }
    Ok(out)
}

/// A Message-ID for a message that has none: a hash of the time, the header and the start of
/// the body, so that the same submission gets the same id and different ones do not.
fn new_message_id(mime: &[u8], body_offset: usize, now: i64, id_domain: &str) -> String {
    let mut hash = Sha256::new();
    hash.update(now.to_be_bytes());
    hash.update(&mime[..mime.len().min(body_offset.saturating_add(4096))]);
    message_id_from(&hash.finalize(), now, id_domain)
}
