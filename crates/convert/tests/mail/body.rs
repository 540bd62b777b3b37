use base64::Engine;
use convert::mail::{BodyRequest, PartFetch, WantedBody, plan_body, render_body, render_mime};

use super::*;

fn with_truncation(kind: WantedBody, t: u64) -> BodyRequest {
    BodyRequest {
        truncation: Some(t),
        ..req(kind)
    }
}

/// A single-part message around `body`.
fn message(content_type: &str, encoding: &str, body: &[u8]) -> Vec<u8> {
    let mut raw = format!(
        "From: a@example.com\r\nSubject: t\r\nMIME-Version: 1.0\r\nContent-Type: {content_type}\r\nContent-Transfer-Encoding: {encoding}\r\n\r\n"
    )
    .into_bytes();
    raw.extend_from_slice(body);
    raw
}

fn base64_lines(data: &[u8]) -> Vec<u8> {
    let s = base64::engine::general_purpose::STANDARD.encode(data);
    s.as_bytes()
        .chunks(76)
        .flat_map(|l| l.iter().copied().chain(*b"\r\n"))
        .collect()
}

/// Quoted-printable with every non-ASCII byte escaped and soft breaks at 76.
fn qp(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut col = 0;
    for &b in data {
        let piece = if b == b'\n' {
            out.extend_from_slice(b"\r\n");
            col = 0;
            continue;
        } else if b == b'=' || !(b' '..=b'~').contains(&b) {
            format!("={b:02X}").into_bytes()
        } else {
            vec![b]
        };
        if col + piece.len() > 75 {
            out.extend_from_slice(b"=\r\n");
            col = 0;
        }
        col += piece.len();
        out.extend_from_slice(&piece);
    }
    out
}

fn long_text() -> String {
    "Zeile mit Umlauten äöü und Euro € – noch mehr Text.\n".repeat(400)
}

fn long_html() -> String {
    let mut s = String::from("<html><head><style>");
    s.push_str(&"p{margin:0}".repeat(50));
    s.push_str("</style></head><body>");
    for i in 0..3000 {
        s.push_str(&format!(
            "<p>Paragraph {i} with some text &amp; more.</p>\n"
        ));
    }
    s.push_str("</body></html>");
    s
}

// --- choosing the parts ---

#[test]
fn plain_request_of_alternative_fetches_the_plain_part() {
    let plan = plan_body(
        &structure_of(&fixture("alternative.eml")),
        &req(WantedBody::Plain),
    );
    assert_eq!(plan.delivered, WantedBody::Plain);
    assert_eq!(
        plan.fetch,
        vec![PartFetch {
            path: path("1"),
            max_bytes: None
        }]
    );
    assert_eq!(plan.native, 2);
}

#[test]
fn html_request_of_alternative_fetches_the_html_part() {
    let plan = plan_body(
        &structure_of(&fixture("alternative.eml")),
        &req(WantedBody::Html),
    );
    assert_eq!(plan.delivered, WantedBody::Html);
    assert_eq!(
        plan.fetch,
        vec![PartFetch {
            path: path("2"),
            max_bytes: None
        }]
    );
}

#[test]
fn html_request_of_plain_only_message_delivers_plain() {
    let plan = plan_body(&structure_of(&fixture("plain.eml")), &req(WantedBody::Html));
    assert_eq!(plan.delivered, WantedBody::Plain);
    assert_eq!(plan.native, 1);
}

#[test]
fn plain_request_of_html_only_message_converts_the_html() {
    let raw = fixture("html_only.eml");
    let plan = plan_body(&structure_of(&raw), &req(WantedBody::Plain));
    assert_eq!(plan.delivered, WantedBody::Plain);
    assert_eq!(plan.native, 2);
    let body = body_of(&raw, &req(WantedBody::Plain));
    assert_eq!(
        body.data,
        "Café News\r\nFresh & hot coffee – every day.\r\nVisit our menu <https://cafe.example/menu>."
    );
    assert!(!body.truncated);
}

#[test]
fn related_uses_its_root_html_for_html_requests() {
    let plan = plan_body(
        &structure_of(&fixture("related.eml")),
        &req(WantedBody::Html),
    );
    assert_eq!(
        plan.fetch,
        vec![PartFetch {
            path: path("2.1"),
            max_bytes: None
        }]
    );
}

#[test]
fn mixed_takes_the_body_from_the_first_part() {
    let plan = plan_body(&structure_of(&fixture("mixed.eml")), &req(WantedBody::Html));
    assert_eq!(
        plan.fetch,
        vec![PartFetch {
            path: path("1.2"),
            max_bytes: None
        }]
    );
}

#[test]
fn mixed_joins_inline_text_parts_until_the_first_attachment() {
    let raw = fixture("apple_inline.eml");
    let plan = plan_body(&structure_of(&raw), &req(WantedBody::Plain));
    let paths: Vec<String> = plan.fetch.iter().map(|f| f.path.section()).collect();
    assert_eq!(paths, ["1", "3"]);
    let body = body_of(&raw, &req(WantedBody::Plain));
    assert_eq!(body.data, "Before the photo.\r\nAfter the photo.");
}

#[test]
fn plain_part_joined_to_an_html_body_is_escaped() {
    // html, then a plain footer (mailing list style)
    let raw = crlf(
        b"Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/html\n\n<p>Hi</p>\n--B\nContent-Type: text/plain\n\n<list> footer\n--B--\n",
    );
    let body = body_of(&raw, &req(WantedBody::Html));
    assert_eq!(body.kind, WantedBody::Html);
    assert_eq!(body.data, "<p>Hi</p><div>&lt;list&gt; footer</div>");
}

#[test]
fn attached_message_is_not_body_text() {
    let plan = plan_body(
        &structure_of(&fixture("forwarded.eml")),
        &req(WantedBody::Html),
    );
    let paths: Vec<String> = plan.fetch.iter().map(|f| f.path.section()).collect();
    assert_eq!(paths, ["1"]);
}

#[test]
fn signed_message_body_is_the_signed_content() {
    let body = body_of(&fixture("smime_signed.eml"), &req(WantedBody::Plain));
    assert_eq!(body.data, "Signed text.");
}

#[test]
fn message_without_text_has_an_empty_body() {
    let raw = crlf(b"Content-Type: image/png\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n");
    let plan = plan_body(&structure_of(&raw), &req(WantedBody::Plain));
    assert!(plan.fetch.is_empty());
    let body = body_of(&raw, &req(WantedBody::Plain));
    assert_eq!(body.data, "");
    assert!(!body.truncated);
}

#[test]
fn mime_request_fetches_no_parts() {
    let plan = plan_body(&structure_of(&fixture("mixed.eml")), &req(WantedBody::Mime));
    assert_eq!(plan.delivered, WantedBody::Mime);
    assert!(plan.fetch.is_empty());
}

#[test]
fn fetch_items_are_imap_sections_with_partial_ranges() {
    let f = PartFetch {
        path: path("1.2"),
        max_bytes: Some(4096),
    };
    assert_eq!(f.fetch_item(), "BODY.PEEK[1.2]<0.4096>");
    let whole = PartFetch {
        path: path("1"),
        max_bytes: None,
    };
    assert_eq!(whole.fetch_item(), "BODY.PEEK[1]");
}

// --- decoding ---

#[test]
fn format_flowed_paragraphs_are_joined() {
    let body = body_of(&fixture("plain.eml"), &req(WantedBody::Plain));
    assert_eq!(
        body.data,
        "Hallo Jane, dies ist ein langer Absatz.\r\n\r\nViele Grüße\r\nJürgen\r\n"
    );
}

#[test]
fn windows_1252_quoted_printable_body_is_decoded() {
    let body = body_of(&fixture("windows1252_qp.eml"), &req(WantedBody::Plain));
    assert_eq!(body.data, "Café crème à la carte – 5 €\r\n");
}

#[test]
fn iso_8859_1_8bit_body_is_decoded() {
    let raw = message("text/plain; charset=iso-8859-1", "8bit", b"Gr\xfc\xdfe\r\n");
    assert_eq!(body_of(&raw, &req(WantedBody::Plain)).data, "Grüße\r\n");
}

#[test]
fn koi8r_base64_body_is_decoded() {
    let body = body_of(&fixture("koi8r_base64.eml"), &req(WantedBody::Plain));
    assert_eq!(body.data, "Привет, мир! Это тест.\r\n");
}

#[test]
fn shift_jis_base64_body_is_decoded() {
    let body = body_of(&fixture("shift_jis_base64.eml"), &req(WantedBody::Plain));
    assert_eq!(body.data, "こんにちは、世界。テストです。\r\n");
}

#[test]
fn unknown_charset_with_8bit_bytes_reads_as_windows_1252() {
    let raw = message("text/plain; charset=x-mystery", "8bit", b"na\xefve");
    assert_eq!(body_of(&raw, &req(WantedBody::Plain)).data, "naïve");
}

#[test]
fn html_body_is_delivered_as_is_for_html_requests() {
    let body = body_of(&fixture("alternative.eml"), &req(WantedBody::Html));
    assert_eq!(body.kind, WantedBody::Html);
    assert_eq!(body.data, "<p>Sure, <b>noon</b> at the usual place.</p>");
}

// --- truncation ---

#[test]
fn truncation_cuts_at_a_character_boundary_and_marks_truncated() {
    let raw = message(
        "text/plain; charset=utf-8",
        "8bit",
        "aé".repeat(10).as_bytes(),
    );
    let body = body_of(&raw, &with_truncation(WantedBody::Plain, 5));
    assert_eq!(body.data, "aéa");
    assert!(body.truncated);
    assert_eq!(body.estimated_size, 30);
}

#[test]
fn body_within_truncation_is_whole_and_not_truncated() {
    let body = body_of(
        &fixture("alternative.eml"),
        &with_truncation(WantedBody::Plain, 1000),
    );
    assert_eq!(body.data, "Sure, noon at the usual place.");
    assert!(!body.truncated);
    assert_eq!(body.estimated_size, body.data.len() as u64);
}

#[test]
fn quoted_printable_part_is_fetched_partially_and_still_fills_the_truncation() {
    let text = long_text();
    let raw = message(
        "text/plain; charset=utf-8",
        "quoted-printable",
        &qp(text.as_bytes()),
    );
    let r = with_truncation(WantedBody::Plain, 500);
    let plan = plan_body(&structure_of(&raw), &r);
    let max = plan.fetch[0].max_bytes.expect("a partial fetch");
    assert!(max < structure_of(&raw).size);
    let body = body_of(&raw, &r);
    assert!(body.truncated);
    assert!(
        body.data.len() <= 500 && body.data.len() >= 496,
        "{}",
        body.data.len()
    );
    let expected = text.replace('\n', "\r\n");
    assert!(expected.starts_with(&body.data));
}

#[test]
fn base64_part_is_fetched_partially_and_still_fills_the_truncation() {
    let text = long_text();
    let raw = message(
        "text/plain; charset=utf-8",
        "base64",
        &base64_lines(text.as_bytes()),
    );
    let r = with_truncation(WantedBody::Plain, 1000);
    let plan = plan_body(&structure_of(&raw), &r);
    let max = plan.fetch[0].max_bytes.expect("a partial fetch");
    assert!(max < 1500, "{max}");
    let body = body_of(&raw, &r);
    assert!(body.truncated);
    assert!(body.data.len() >= 996, "{}", body.data.len());
    assert!(text.replace('\n', "\r\n").starts_with(&body.data));
}

#[test]
fn estimated_size_of_a_truncated_base64_body_is_near_the_decoded_size() {
    let text = long_text();
    let raw = message(
        "text/plain; charset=utf-8",
        "base64",
        &base64_lines(text.as_bytes()),
    );
    let body = body_of(&raw, &with_truncation(WantedBody::Plain, 100));
    let exact = text.len() as u64;
    assert!(body.estimated_size >= exact * 95 / 100 && body.estimated_size <= exact * 105 / 100);
}

#[test]
fn a_partial_fetch_marks_the_body_truncated_even_when_short() {
    let raw = fixture("alternative.eml");
    let structure = structure_of(&raw);
    let r = req(WantedBody::Plain);
    let plan = plan_body(&structure, &r);
    let fetched = vec![(path("1"), b"Sure".to_vec(), false)];
    let body = render_body(&structure, &plan, &r, &fetched);
    assert_eq!(body.data, "Sure");
    assert!(body.truncated);
}

#[test]
fn a_multibyte_character_cut_by_the_fetch_is_dropped() {
    let raw = message("text/plain; charset=utf-8", "8bit", "ab€".as_bytes());
    let structure = structure_of(&raw);
    let r = req(WantedBody::Plain);
    let plan = plan_body(&structure, &r);
    let body = render_body(
        &structure,
        &plan,
        &r,
        &[(path("1"), b"ab\xe2\x82".to_vec(), false)],
    );
    assert_eq!(body.data, "ab");
}

#[test]
fn a_planned_part_that_was_not_fetched_makes_the_body_truncated() {
    let raw = fixture("alternative.eml");
    let structure = structure_of(&raw);
    let r = req(WantedBody::Plain);
    let plan = plan_body(&structure, &r);
    let body = render_body(&structure, &plan, &r, &[]);
    assert_eq!(body.data, "");
    assert!(body.truncated);
}

#[test]
fn html_truncation_does_not_end_inside_a_tag() {
    let raw = message(
        "text/html; charset=utf-8",
        "8bit",
        b"<p>one</p><p class=\"long\">two</p>",
    );
    let body = body_of(&raw, &with_truncation(WantedBody::Html, 16));
    assert_eq!(body.data, "<p>one</p>");
    assert!(body.truncated);
}

#[test]
fn small_html_converted_to_plain_is_fetched_whole() {
    let raw = fixture("html_only.eml");
    let plan = plan_body(&structure_of(&raw), &with_truncation(WantedBody::Plain, 10));
    assert_eq!(plan.fetch[0].max_bytes, None);
}

#[test]
fn large_html_converted_to_plain_is_fetched_with_room_for_markup() {
    let html = long_html();
    let raw = message(
        "text/html; charset=utf-8",
        "base64",
        &base64_lines(html.as_bytes()),
    );
    let r = with_truncation(WantedBody::Plain, 2000);
    let plan = plan_body(&structure_of(&raw), &r);
    let max = plan.fetch[0].max_bytes.expect("a partial fetch");
    assert!(max >= 4 * 2000 * 4 / 3, "{max}");
    let body = body_of(&raw, &r);
    assert!(body.truncated);
    assert!(
        body.data
            .starts_with("Paragraph 0 with some text & more.\r\nParagraph 1")
    );
    assert!(body.data.len() >= 1990, "{}", body.data.len());
}

// --- AllOrNone and Preview ---

#[test]
fn all_or_none_sends_nothing_when_the_body_is_too_big() {
    let r = BodyRequest {
        all_or_none: true,
        ..with_truncation(WantedBody::Plain, 10)
    };
    let body = body_of(&fixture("alternative.eml"), &r);
    assert_eq!(body.data, "");
    assert!(body.truncated);
    assert_eq!(body.estimated_size, 30);
}

#[test]
fn all_or_none_sends_everything_when_it_fits() {
    let r = BodyRequest {
        all_or_none: true,
        ..with_truncation(WantedBody::Plain, 100)
    };
    let body = body_of(&fixture("alternative.eml"), &r);
    assert_eq!(body.data, "Sure, noon at the usual place.");
    assert!(!body.truncated);
}

#[test]
fn preview_is_plain_text_of_an_html_body() {
    let r = BodyRequest {
        preview: Some(12),
        ..req(WantedBody::Html)
    };
    let body = body_of(&fixture("alternative.eml"), &r);
    assert_eq!(body.preview.as_deref(), Some("Sure, noon a"));
}

#[test]
fn preview_is_filled_even_with_zero_truncation() {
    let r = BodyRequest {
        preview: Some(255),
        ..with_truncation(WantedBody::Plain, 0)
    };
    let body = body_of(&fixture("plain.eml"), &r);
    assert_eq!(body.data, "");
    assert!(body.truncated);
    assert_eq!(
        body.preview.as_deref(),
        Some("Hallo Jane, dies ist ein langer Absatz. Viele Grüße Jürgen")
    );
}

#[test]
fn preview_is_capped_at_255_characters() {
    let raw = message(
        "text/plain; charset=utf-8",
        "8bit",
        "ä".repeat(1000).as_bytes(),
    );
    let r = BodyRequest {
        preview: Some(1000),
        ..req(WantedBody::Plain)
    };
    assert_eq!(
        body_of(&raw, &r).preview.map(|p| p.chars().count()),
        Some(255)
    );
}

#[test]
fn no_preview_unless_asked() {
    assert_eq!(
        body_of(&fixture("plain.eml"), &req(WantedBody::Plain)).preview,
        None
    );
}

// --- MIME ---

#[test]
fn mime_body_is_the_raw_message() {
    let raw = fixture("alternative.eml");
    let body = render_mime(&raw, raw.len() as u64, None);
    assert_eq!(body.kind, WantedBody::Mime);
    assert_eq!(body.data.as_bytes(), &raw[..]);
    assert!(!body.truncated);
    assert_eq!(body.estimated_size, raw.len() as u64);
}

#[test]
fn mime_body_over_the_limit_is_cut_and_truncated() {
    let raw = fixture("alternative.eml");
    let body = render_mime(&raw, raw.len() as u64, Some(100));
    assert_eq!(body.data.as_bytes(), &raw[..100]);
    assert!(body.truncated);
}

#[test]
fn mime_prefix_shorter_than_the_message_is_truncated() {
    let body = render_mime(b"From: a\r\n", 5000, None);
    assert!(body.truncated);
    assert_eq!(body.estimated_size, 5000);
}

#[test]
fn mime_with_8bit_latin1_is_valid_utf8_with_replacements() {
    let body = render_mime(b"Subject: caf\xe9\r\n\r\nx", 17, None);
    assert_eq!(body.data, "Subject: caf\u{fffd}\r\n\r\nx");
}

#[test]
fn mime_all_or_none_drops_a_truncated_body() {
    let body = render_mime(b"0123456789", 10, Some(4)).all_or_none();
    assert_eq!(body.data, "");
    assert!(body.truncated);
}

#[test]
fn estimated_size_of_a_whole_html_converted_to_text_is_the_text_length() {
    let raw = fixture("html_only.eml");
    let r = with_truncation(WantedBody::Plain, 10);
    let full = body_of(&raw, &req(WantedBody::Plain));
    let cut = body_of(&raw, &r);
    assert!(cut.truncated);
    assert_eq!(cut.estimated_size, full.data.len() as u64);
}
