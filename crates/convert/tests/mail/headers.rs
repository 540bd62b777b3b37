use convert::mail::{Address, HEADER_FIELDS, Importance, address_list, display_to, parse_headers};

use super::*;

fn addr(name: Option<&str>, email: &str) -> Address {
    Address {
        name: name.map(str::to_owned),
        email: email.to_owned(),
    }
}

#[test]
fn header_fields_include_what_eas_shows() {
    for name in [
        "From",
        "To",
        "Cc",
        "Reply-To",
        "Sender",
        "Subject",
        "Date",
        "Message-ID",
        "In-Reply-To",
        "References",
        "Importance",
        "X-Priority",
        "Priority",
        "X-MSMail-Priority",
        "Thread-Topic",
        "Thread-Index",
        "Content-Class",
        "Content-Type",
        "Disposition-Notification-To",
        "Return-Receipt-To",
    ] {
        assert!(HEADER_FIELDS.contains(&name), "{name}");
    }
}

#[test]
fn rfc2047_q_subject_in_latin1_is_decoded() {
    let h = parse_headers(header_block(&fixture("plain.eml")));
    assert_eq!(h.subject.as_deref(), Some("Grüße aus Köln"));
}

#[test]
fn rfc2047_b_display_name_is_decoded() {
    let h = parse_headers(header_block(&fixture("plain.eml")));
    assert_eq!(
        h.from,
        vec![addr(Some("Jürgen Müller"), "juergen@example.de")]
    );
}

#[test]
fn address_lists_keep_names_and_bare_addresses() {
    let h = parse_headers(header_block(&fixture("plain.eml")));
    assert_eq!(
        h.to,
        vec![
            addr(Some("Doe, Jane"), "jane@example.com"),
            addr(None, "bob@example.org")
        ]
    );
}

#[test]
fn group_members_are_listed_without_the_group() {
    let h = parse_headers(header_block(&fixture("plain.eml")));
    assert_eq!(
        h.cc,
        vec![
            addr(None, "carol@example.net"),
            addr(Some("Dave \"D\" Smith"), "dave@example.net")
        ]
    );
}

#[test]
fn address_list_quotes_names_and_brackets_addresses() {
    let list = [
        addr(Some("Doe, Jane"), "jane@example.com"),
        addr(None, "bob@example.org"),
        addr(Some("Dave \"D\""), "dave@example.net"),
    ];
    assert_eq!(
        address_list(&list),
        r#""Doe, Jane" <jane@example.com>, <bob@example.org>, "Dave \"D\"" <dave@example.net>"#
    );
}

#[test]
fn display_to_joins_names_or_addresses_with_semicolons() {
    let list = [
        addr(Some("Doe, Jane"), "jane@example.com"),
        addr(None, "bob@example.org"),
    ];
    assert_eq!(display_to(&list), "Doe, Jane; bob@example.org");
}

#[test]
fn date_is_unix_seconds_in_utc() {
    let h = parse_headers(header_block(&fixture("plain.eml")));
    // 2026-03-03T09:15:00Z
    assert_eq!(h.date, Some(1_772_529_300));
}

#[test]
fn message_ids_lose_their_angle_brackets() {
    let h = parse_headers(header_block(&fixture("alternative.eml")));
    assert_eq!(h.message_id.as_deref(), Some("alt-2@example.org"));
    assert_eq!(h.in_reply_to.as_deref(), Some("alt-1@example.com"));
    assert_eq!(h.references, vec!["alt-0@example.com", "alt-1@example.com"]);
}

#[test]
fn importance_high_is_read() {
    let h = parse_headers(header_block(&fixture("plain.eml")));
    assert_eq!(h.importance, Importance::High);
    assert_eq!(h.importance.code(), 2);
}

#[test]
fn x_msmail_priority_and_priority_are_fallbacks() {
    assert_eq!(
        parse_headers(b"X-MSMail-Priority: Low\r\n\r\n").importance,
        Importance::Low
    );
    assert_eq!(
        parse_headers(b"Priority: urgent\r\n\r\n").importance,
        Importance::High
    );
    assert_eq!(
        parse_headers(b"Subject: x\r\n\r\n").importance,
        Importance::Normal
    );
}

#[test]
fn thread_topic_and_thread_index_are_decoded() {
    let h = parse_headers(header_block(&fixture("plain.eml")));
    assert_eq!(h.thread_topic.as_deref(), Some("Grüße aus Köln"));
    assert_eq!(h.thread_index.as_ref().map(Vec::len), Some(22));
}

#[test]
fn read_receipt_request_is_read() {
    let h = parse_headers(header_block(&fixture("plain.eml")));
    assert_eq!(h.read_receipt_to, vec![addr(None, "juergen@example.de")]);
}

#[test]
fn top_level_content_type_is_kept_with_parameters() {
    let h = parse_headers(header_block(&fixture("ndr.eml")));
    let ct = h.content_type.expect("content type");
    assert_eq!(
        (ct.media_type.as_str(), ct.media_subtype.as_str()),
        ("multipart", "report")
    );
    assert_eq!(ct.param("report-type"), Some("delivery-status"));
}

#[test]
fn koi8r_encoded_words_are_decoded() {
    let h = parse_headers(header_block(&fixture("koi8r_base64.eml")));
    assert_eq!(h.subject.as_deref(), Some("Привет"));
    assert_eq!(h.from[0].name.as_deref(), Some("Иван"));
}

#[test]
fn iso_2022_jp_encoded_words_are_decoded() {
    let h = parse_headers(header_block(&fixture("shift_jis_base64.eml")));
    assert_eq!(h.subject.as_deref(), Some("会議"));
    assert_eq!(h.from[0].name.as_deref(), Some("山田"));
}

#[test]
fn windows_1252_encoded_words_are_decoded() {
    let h = parse_headers(header_block(&fixture("windows1252_qp.eml")));
    assert_eq!(h.subject.as_deref(), Some("Menü – 5 €"));
    assert_eq!(h.from[0].name.as_deref(), Some("François"));
}

#[test]
fn raw_8bit_latin1_header_is_read_as_windows_1252() {
    let h = parse_headers(b"Subject: Caf\xe9 cr\xe8me\r\nFrom: Ren\xe9 <r@example.fr>\r\n\r\n");
    assert_eq!(h.subject.as_deref(), Some("Café crème"));
    assert_eq!(h.from[0].name.as_deref(), Some("René"));
}

#[test]
fn raw_utf8_header_is_kept() {
    let h = parse_headers("Subject: Grüße\r\n\r\n".as_bytes());
    assert_eq!(h.subject.as_deref(), Some("Grüße"));
}

#[test]
fn folded_header_is_unfolded() {
    let h = parse_headers(b"Subject: a long\r\n subject line\r\n\r\n");
    assert_eq!(h.subject.as_deref(), Some("a long subject line"));
}

#[test]
fn a_block_without_final_line_end_is_read() {
    let h = parse_headers(b"Subject: cut");
    assert_eq!(h.subject.as_deref(), Some("cut"));
}

#[test]
fn missing_headers_are_empty_not_errors() {
    let h = parse_headers(b"");
    assert_eq!(h.subject, None);
    assert!(h.from.is_empty());
    assert_eq!(h.date, None);
}

#[test]
fn an_invalid_date_is_none() {
    assert_eq!(parse_headers(b"Date: yesterday-ish\r\n\r\n").date, None);
}
