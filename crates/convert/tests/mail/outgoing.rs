//! Outgoing mail: SendMail read once, SmartReply/SmartForward composed around the original,
//! drafts built from fields.

use convert::mail::{
    Address, Composed, DraftAttachment, DraftFields, Original, OriginalPart, OutgoingError, Piece,
    Smart, build_draft, compose, inspect, section_of,
};
use mail_parser::{MessageParser, MimeHeaders};
use proptest::prelude::*;

use super::*;

const NOW: i64 = 1_700_000_000;

fn head_text(head: &[u8]) -> String {
    String::from_utf8(head.to_vec()).unwrap()
}

/// Every line of `bytes` ends with CRLF (no bare LF, no bare CR).
fn all_crlf(bytes: &[u8]) -> bool {
    bytes.iter().enumerate().all(|(i, b)| match b {
        b'\n' => i > 0 && bytes[i - 1] == b'\r',
        b'\r' => bytes.get(i + 1) == Some(&b'\n'),
        _ => true,
    })
}

const SIMPLE: &str = "From: Alice <alice@example.com>\r\n\
To: Bob <bob@example.com>\r\n\
Bcc: secret@example.com\r\n\
Subject: Hi\r\n\
Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n\
Message-ID: <m1@example.com>\r\n\
\r\n\
Hello\r\n";

#[test]
fn bcc_is_in_head_sent_and_not_in_head_submit() {
    let out = inspect(SIMPLE.as_bytes(), NOW, "gw.example").unwrap();
    assert!(!head_text(&out.head_submit).contains("Bcc:"));
    assert!(head_text(&out.head_sent).contains("Bcc: secret@example.com\r\n"));
    assert!(out.recipients().contains(&"secret@example.com".to_owned()));
    // Otherwise the same, in order, ending with the empty line.
    assert_eq!(
        head_text(&out.head_sent).replace("Bcc: secret@example.com\r\n", ""),
        head_text(&out.head_submit)
    );
    assert!(out.head_submit.ends_with(b"\r\n\r\n"));
    assert_eq!(&SIMPLE.as_bytes()[out.body_offset..], b"Hello\r\n");
    assert_eq!(out.message_id.as_deref(), Some("m1@example.com"));
}

#[test]
fn a_missing_date_and_message_id_are_added() {
    let raw = "From: alice@example.com\r\nTo: bob@example.com\r\nSubject: x\r\n\r\nbody";
    let out = inspect(raw.as_bytes(), NOW, "gw.example").unwrap();
    let head = head_text(&out.head_submit);
    assert!(
        head.contains("Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"),
        "{head}"
    );
    let id = out.message_id.clone().unwrap();
    assert!(id.ends_with("@gw.example"));
    assert!(head.contains(&format!("Message-ID: <{id}>\r\n")));
    // Present ones are kept, not doubled.
    let out = inspect(SIMPLE.as_bytes(), NOW, "gw.example").unwrap();
    let head = head_text(&out.head_submit);
    assert_eq!(head.matches("Date:").count(), 1);
    assert_eq!(head.matches("Message-ID:").count(), 1);
}

#[test]
fn recipients_come_from_to_cc_and_bcc_with_groups_expanded_and_duplicates_dropped() {
    let raw = "From: a@example.com\r\n\
To: undisclosed-recipients:;, Team: Bob <BOB@example.com>, carol@example.com;\r\n\
Cc: bob@example.com,\r\n =?UTF-8?B?w5xsaQ==?= <uli@example.com>\r\n\
Bcc: Carol@Example.com, dave@example.com\r\n\
Resent-To: eve@example.com\r\n\r\n";
    let out = inspect(raw.as_bytes(), NOW, "gw.example").unwrap();
    assert_eq!(
        out.recipients(),
        vec![
            "BOB@example.com",
            "carol@example.com",
            "uli@example.com",
            "dave@example.com"
        ]
    );
    assert_eq!(out.cc[1].name.as_deref(), Some("Üli"));
}

#[test]
fn bare_lf_input_gives_crlf_header_blocks() {
    let raw = "From: Alice\n <alice@example.com>\nTo: bob@example.com\nSubject: folded\n  subject\n\nline 1\nline 2\n";
    let out = inspect(raw.as_bytes(), NOW, "gw.example").unwrap();
    assert!(all_crlf(&out.head_submit));
    assert!(all_crlf(&out.head_sent));
    assert!(head_text(&out.head_submit).starts_with("From: Alice\r\n <alice@example.com>\r\n"));
    assert_eq!(out.subject.as_deref(), Some("folded subject"));
    assert_eq!(out.from[0].email, "alice@example.com");
    assert_eq!(&raw[out.body_offset..], "line 1\nline 2\n");
}

#[test]
fn a_from_without_address_no_recipients_or_no_header_is_refused() {
    assert_eq!(
        inspect(b"From: Nobody\r\nTo: b@example.com\r\n\r\nx", NOW, "d").unwrap_err(),
        OutgoingError::NoSender
    );
    // No From at all: accepted, for the caller to add the user's address.
    let out = inspect(b"To: b@example.com\r\n\r\nx", NOW, "d").unwrap();
    assert!(out.from.is_empty());
    assert_eq!(
        inspect(
            b"From: a@example.com\r\nTo: undisclosed-recipients:;\r\n\r\nx",
            NOW,
            "d"
        )
        .unwrap_err(),
        OutgoingError::NoRecipients
    );
    assert!(matches!(
        inspect(b"just some text\r\n", NOW, "d"),
        Err(OutgoingError::NotMime(_))
    ));
}

// ---- reply and forward ----

/// The original: alternative text and a PDF.
const ORIGINAL: &str = "From: Carol <carol@example.com>\r\n\
To: Alice <alice@example.com>\r\n\
Cc: dave@example.com\r\n\
Subject: Plans\r\n\
Date: Mon, 13 Nov 2023 10:00:00 +0100\r\n\
Message-ID: <orig@example.com>\r\n\
References: <root@example.com>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"OUT\"\r\n\
\r\n\
--OUT\r\n\
Content-Type: multipart/alternative; boundary=\"ALT\"\r\n\
\r\n\
--ALT\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
Lunch at noon?\r\n\
Bring the <plans>.\r\n\
--ALT\r\n\
Content-Type: text/html; charset=utf-8\r\n\
\r\n\
<html><head><style>p{}</style></head><body><p>Lunch at noon?</p><p>Bring the &lt;plans&gt;.</p></body></html>\r\n\
--ALT--\r\n\
\r\n\
--OUT\r\n\
Content-Type: application/pdf; name=\"plans.pdf\"\r\n\
Content-Disposition: attachment; filename=\"plans.pdf\"\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
JVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFI+PgpzdHJlYW0K\r\n\
--OUT--\r\n";

const PDF_MIME_HEADER: &str = "Content-Type: application/pdf; name=\"plans.pdf\"\r\n\
Content-Disposition: attachment; filename=\"plans.pdf\"\r\n\
Content-Transfer-Encoding: base64\r\n\r\n";

fn original() -> Original {
    let raw = ORIGINAL.as_bytes();
    let h = convert::mail::parse_headers(header_block(raw));
    Original {
        from: h.from,
        to: h.to,
        cc: h.cc,
        date: Some("Mon, 13 Nov 2023 10:00:00 +0100".into()),
        subject: h.subject,
        message_id: h.message_id,
        references: h.references,
        plain: Some("Lunch at noon?\r\nBring the <plans>.\r\n".into()),
        html: Some("<html><head><style>p{}</style></head><body><p>Lunch at noon?</p><p>Bring the &lt;plans&gt;.</p></body></html>".into()),
        attachments: vec![OriginalPart {
            section: "2".into(),
            mime_header: PDF_MIME_HEADER.as_bytes().to_vec(),
            size: section_of(raw, &path("2")).unwrap().len() as u64,
        }],
    }
}

/// The device's reply: plain text, a Latin-1 QP body, and one attachment of its own.
const DEVICE_REPLY: &str = "From: Alice <alice@example.com>\r\n\
To: Carol <carol@example.com>\r\n\
Bcc: boss@example.com\r\n\
Subject: RE: Plans\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"DEV\"\r\n\
\r\n\
--DEV\r\n\
Content-Type: text/plain; charset=iso-8859-1\r\n\
Content-Transfer-Encoding: quoted-printable\r\n\
\r\n\
Gern, bis sp=E4ter.\r\n\
--DEV\r\n\
Content-Type: image/png; name=\"map.png\"\r\n\
Content-Disposition: attachment; filename=\"map.png\"\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
iVBORw0KGgo=\r\n\
--DEV--\r\n";

const DEVICE_PLAIN_ONLY: &str = "From: Alice <alice@example.com>\r\n\
To: Eve <eve@example.com>\r\n\
Subject: FW: Plans\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
See below & attached.\r\n";

/// The whole message as sent: the pieces, with each Part copied from the original.
fn assemble(head: &[u8], c: &Composed) -> Vec<u8> {
    let mut out = head.to_vec();
    for p in &c.body {
        match p {
            Piece::Bytes(b) => out.extend_from_slice(b),
            Piece::Part { section, size } => {
                let bytes = section_of(ORIGINAL.as_bytes(), &path(section)).unwrap();
                assert_eq!(bytes.len() as u64, *size);
                out.extend_from_slice(&bytes);
            }
        }
    }
    out
}

fn composed(kind: Smart, device: &str) -> Composed {
    let new = inspect(device.as_bytes(), NOW, "gw.example").unwrap();
    compose(kind, &new, device.as_bytes(), &original(), false, 42).unwrap()
}

#[test]
fn a_reply_quotes_the_original_plain_and_keeps_html_and_plain_consistent() {
    let c = composed(Smart::Reply, DEVICE_REPLY);
    let raw = assemble(&c.head_submit, &c);
    let msg = MessageParser::default().parse(&raw).unwrap();
    let plain = msg.body_text(0).unwrap();
    let html = msg.body_html(0).unwrap();
    assert!(plain.starts_with("Gern, bis später."), "{plain}");
    assert!(plain.contains("-----Original Message-----\r\nFrom: Carol <carol@example.com>\r\nSent: Mon, 13 Nov 2023 10:00:00 +0100\r\nTo: Alice <alice@example.com>\r\nCc: dave@example.com\r\nSubject: Plans\r\n\r\n"), "{plain}");
    assert!(
        plain.contains("> Lunch at noon?\r\n> Bring the <plans>.\r\n"),
        "{plain}"
    );
    // The same text in the HTML: the new text, the header block, the original in a quote.
    assert!(html.contains("<div>Gern, bis später.</div>"), "{html}");
    assert!(html.contains("<b>From:</b> Carol &lt;carol@example.com&gt;"));
    assert!(html.contains("<blockquote"));
    assert!(html.contains("<p>Lunch at noon?</p><p>Bring the &lt;plans&gt;.</p></blockquote>"));
    assert!(
        !html.contains("<style>"),
        "only the original's body content is kept"
    );
    let html_as_text = convert::mail::html::html_to_text(&html);
    assert!(html_as_text.contains("> Lunch at noon?"), "{html_as_text}");
    // Threading from the original; the device's own attachment, not the original's.
    let head = head_text(&c.head_submit);
    assert!(head.contains("In-Reply-To: <orig@example.com>\r\n"));
    assert!(head.contains("References: <root@example.com>\r\n <orig@example.com>\r\n"));
    assert!(!c.body.iter().any(|p| matches!(p, Piece::Part { .. })));
    assert_eq!(msg.attachment_count(), 1);
    assert_eq!(
        msg.attachment(0).unwrap().attachment_name(),
        Some("map.png")
    );
}

#[test]
fn a_forward_carries_the_original_attachments_as_parts_with_their_mime_headers() {
    let c = composed(Smart::Forward, DEVICE_PLAIN_ONLY);
    let parts: Vec<usize> = (0..c.body.len())
        .filter(|&i| matches!(c.body[i], Piece::Part { .. }))
        .collect();
    assert_eq!(parts.len(), 1);
    let i = parts[0];
    let Piece::Part { section, size } = &c.body[i] else {
        unreachable!()
    };
    assert_eq!(section, "2");
    let Piece::Bytes(before) = &c.body[i - 1] else {
        panic!("the MIME header comes before the part")
    };
    assert!(before.ends_with(PDF_MIME_HEADER.as_bytes()));
    let sent = assemble(&c.head_sent, &c);
    let submitted = assemble(&c.head_submit, &c);
    assert_eq!(c.len_sent(), sent.len() as u64);
    assert_eq!(c.len_submit(), submitted.len() as u64);
    assert_eq!(
        *size,
        section_of(ORIGINAL.as_bytes(), &path("2")).unwrap().len() as u64
    );
    let head = head_text(&c.head_submit);
    assert!(!head.contains("In-Reply-To"));
    assert!(head.contains("References: <root@example.com>\r\n <orig@example.com>\r\n"));
}

#[test]
fn replace_mime_sends_the_device_message_as_it_is() {
    let new = inspect(DEVICE_REPLY.as_bytes(), NOW, "gw.example").unwrap();
    let c = compose(
        Smart::Forward,
        &new,
        DEVICE_REPLY.as_bytes(),
        &original(),
        true,
        1,
    )
    .unwrap();
    assert_eq!(c.head_submit, new.head_submit);
    assert_eq!(c.head_sent, new.head_sent);
    assert_eq!(
        c.body,
        vec![Piece::Bytes(
            DEVICE_REPLY.as_bytes()[new.body_offset..].to_vec()
        )]
    );
    assert_eq!(
        c.len_sent(),
        (new.head_sent.len() + DEVICE_REPLY.len() - new.body_offset) as u64
    );
}

#[test]
fn a_composed_forward_parses_back_with_text_and_attachments_in_place() {
    let c = composed(Smart::Forward, DEVICE_REPLY);
    let raw = assemble(&c.head_sent, &c);
    assert!(all_crlf(&raw));
    let msg = MessageParser::default().parse(&raw).unwrap();
    assert_eq!(msg.subject(), Some("RE: Plans"));
    assert_eq!(
        msg.bcc().unwrap().first().unwrap().address(),
        Some("boss@example.com")
    );
    let top = msg.root_part().content_type().unwrap();
    assert_eq!(top.subtype(), Some("mixed"));
    let plain = msg.body_text(0).unwrap();
    assert!(
        plain.contains("\r\nLunch at noon?\r\nBring the <plans>."),
        "forwarded, not quoted: {plain}"
    );
    let html = msg.body_html(0).unwrap();
    assert!(html.contains("<div><p>Lunch at noon?</p>"), "{html}");
    // The device's attachment, then the original's, whole.
    let names: Vec<_> = msg
        .attachments()
        .map(|a| a.attachment_name().unwrap_or(""))
        .collect();
    assert_eq!(names, ["map.png", "plans.pdf"]);
    let pdf = msg.attachment(1).unwrap().contents();
    assert!(pdf.starts_with(b"%PDF-1.4"));
    assert_eq!(msg.attachment(0).unwrap().contents(), b"\x89PNG\r\n\x1a\n");
    // A forward without attachments of its own or the original's: no multipart/mixed level.
    let mut o = original();
    o.attachments.clear();
    let new = inspect(DEVICE_PLAIN_ONLY.as_bytes(), NOW, "d").unwrap();
    let c = compose(
        Smart::Forward,
        &new,
        DEVICE_PLAIN_ONLY.as_bytes(),
        &o,
        false,
        7,
    )
    .unwrap();
    assert!(head_text(&c.head_submit).contains("Content-Type: multipart/alternative;"));
    assert!(!head_text(&c.head_submit).contains("text/plain; charset=utf-8\r\n\r\n"));
}

#[test]
fn an_html_only_original_gives_the_plain_quote_from_its_html() {
    let mut o = original();
    o.plain = None;
    let new = inspect(DEVICE_PLAIN_ONLY.as_bytes(), NOW, "d").unwrap();
    let c = compose(
        Smart::Reply,
        &new,
        DEVICE_PLAIN_ONLY.as_bytes(),
        &o,
        false,
        3,
    )
    .unwrap();
    let raw = assemble(&c.head_submit, &c);
    let msg = MessageParser::default().parse(&raw).unwrap();
    let plain = msg.body_text(0).unwrap();
    assert!(
        plain.contains("> Lunch at noon?\r\n> Bring the <plans>."),
        "{plain}"
    );
    let html = msg.body_html(0).unwrap();
    assert!(
        html.contains("<div>See below &amp; attached.<br>"),
        "{html}"
    );
}

#[test]
fn boundaries_are_deterministic_and_avoid_the_text() {
    let a = composed(Smart::Reply, DEVICE_REPLY);
    let b = composed(Smart::Reply, DEVICE_REPLY);
    assert_eq!(a, b);
    let c = compose(
        Smart::Reply,
        &inspect(DEVICE_REPLY.as_bytes(), NOW, "gw.example").unwrap(),
        DEVICE_REPLY.as_bytes(),
        &original(),
        false,
        43,
    )
    .unwrap();
    assert_ne!(a.head_submit, c.head_submit);
}

// ---- drafts ----

#[test]
fn a_draft_with_two_attachments_and_a_kept_one_parses_back() {
    let fields = DraftFields {
        from: Some(Address {
            name: Some("Älice".into()),
            email: "alice@example.com".into(),
        }),
        to: "\"Doe; John\" <john@example.com>; bob@example.com".into(),
        cc: "".into(),
        bcc: "Hidden <hidden@example.com>".into(),
        subject: "Entwurf: Grüße".into(),
        importance: Some(2),
        body_html: Some("<p>Hi <img src=\"cid:logo1\"></p>".into()),
        body_plain: None,
    };
    let new = vec![
        DraftAttachment {
            file_name: "Übersicht 2024 – sehr lange Datei mit vielen Zeichen im Namen.xlsx".into(),
            content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                .into(),
            content_id: None,
            inline: false,
            content: vec![7u8; 300],
        },
        DraftAttachment {
            file_name: "logo.png".into(),
            content_type: "image/png".into(),
            content_id: Some("logo1".into()),
            inline: true,
            content: b"\x89PNG\r\n\x1a\n".to_vec(),
        },
    ];
    let kept = vec![OriginalPart {
        section: "2".into(),
        mime_header: PDF_MIME_HEADER.as_bytes().to_vec(),
        size: section_of(ORIGINAL.as_bytes(), &path("2")).unwrap().len() as u64,
    }];
    let c = build_draft(&fields, &new, &kept, NOW, "gw.example", 9);
    assert_eq!(c.head_submit, c.head_sent);
    let raw = assemble(&c.head_sent, &c);
    assert_eq!(raw.len() as u64, c.len_sent());
    assert!(all_crlf(&raw));
    let long: Vec<_> = raw
        .split(|&b| b == b'\n')
        .filter(|l| l.len() > 90)
        .map(String::from_utf8_lossy)
        .collect();
    assert!(long.is_empty(), "{long:?}");
    let msg = MessageParser::default().parse(&raw).unwrap();
    assert_eq!(msg.subject(), Some("Entwurf: Grüße"));
    let from = msg.from().unwrap().first().unwrap();
    assert_eq!(from.name(), Some("Älice"));
    let to: Vec<_> = msg
        .to()
        .unwrap()
        .iter()
        .map(|a| a.address().unwrap())
        .collect();
    assert_eq!(to, ["john@example.com", "bob@example.com"]);
    assert_eq!(msg.to().unwrap().first().unwrap().name(), Some("Doe; John"));
    assert_eq!(
        msg.bcc().unwrap().first().unwrap().address(),
        Some("hidden@example.com")
    );
    let head = head_text(&c.head_sent);
    assert!(head.contains("Importance: high\r\nX-Priority: 1"));
    assert!(msg.body_text(0).unwrap().starts_with("Hi"));
    assert!(msg.body_html(0).unwrap().contains("cid:logo1"));
    let names: Vec<_> = msg
        .attachments()
        .map(|a| a.attachment_name().unwrap_or("").to_owned())
        .collect();
    assert_eq!(names, ["logo.png", new[0].file_name.as_str(), "plans.pdf"]);
    assert_eq!(msg.attachment(0).unwrap().content_id(), Some("logo1"));
    assert_eq!(msg.attachment(1).unwrap().contents(), &[7u8; 300][..]);
    assert!(
        msg.attachment(2)
            .unwrap()
            .contents()
            .starts_with(b"%PDF-1.4")
    );
    // The converter reads the draft back the same way.
    let names: Vec<_> = structure_of(&raw)
        .leaves()
        .iter()
        .filter(|p| p.media_type != "text")
        .map(|p| convert::mail::display_name(p, 1))
        .collect();
    assert_eq!(names, ["logo.png", new[0].file_name.as_str(), "plans.pdf"]);
}

#[test]
fn a_plain_draft_without_attachments_is_one_text_part() {
    let fields = DraftFields {
        to: "bob@example.com".into(),
        subject: "s".into(),
        body_plain: Some("line 1\nline 2".into()),
        ..DraftFields::default()
    };
    let c = build_draft(&fields, &[], &[], NOW, "gw.example", 1);
    let head = head_text(&c.head_submit);
    assert!(head.contains("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"), "{head}");
    assert!(!head.contains("From:"));
    let raw = assemble(&c.head_sent, &c);
    let msg = MessageParser::default().parse(&raw).unwrap();
    assert_eq!(msg.body_text(0).unwrap(), "line 1\r\nline 2");
}

proptest! {
    #[test]
    fn inspect_never_panics(raw in prop::collection::vec(any::<u8>(), 0..600)) {
        if let Ok(out) = inspect(&raw, NOW, "d") {
            prop_assert!(out.body_offset <= raw.len());
            prop_assert!(out.head_submit.ends_with(b"\r\n\r\n"));
        }
    }

    #[test]
    fn inspect_and_compose_never_panic_on_header_like_text(
        raw in "(From: a@b\r\nTo: [ -~]{0,30}\r\n)?([A-Za-z-]{1,12}:[ -~\u{80}-\u{2000}]{0,40}\r?\n( [ -~]{0,20}\r?\n)?){0,6}\r?\n[ -~\r\n]{0,80}",
        seed in any::<u64>(),
    ) {
        if let Ok(out) = inspect(raw.as_bytes(), NOW, "d") {
            let c = compose(Smart::Forward, &out, raw.as_bytes(), &original(), false, seed).unwrap();
            prop_assert!(c.len_submit() <= c.len_sent());
        }
    }
}

#[test]
fn a_mime_draft_without_recipients_is_kept_as_written_with_crlf_line_ends() {
    let raw = b"Subject: Half done\nFrom: a@example.test\n\nNot yet.\n";
    let c = convert::mail::outgoing::draft_from_mime(raw, 1_790_000_000, "example.test");
    let bytes = assemble(&c.head_sent, &c);
    assert!(all_crlf(&bytes), "{}", String::from_utf8_lossy(&bytes));
    assert_eq!(
        bytes,
        b"Subject: Half done\r\nFrom: a@example.test\r\n\r\nNot yet.\r\n"
    );
}

#[test]
fn a_mime_draft_with_bcc_keeps_it_and_gets_a_message_id() {
    let raw = b"From: a@example.test\r\nTo: b@example.test\r\nBcc: c@example.test\r\n\r\nBody\r\n";
    let c = convert::mail::outgoing::draft_from_mime(raw, 1_790_000_000, "example.test");
    let head = head_text(&c.head_sent);
    assert!(head.contains("Bcc: c@example.test"), "{head}");
    assert!(head.to_ascii_lowercase().contains("message-id:"), "{head}");
    assert_eq!(c.head_submit, c.head_sent);
}
