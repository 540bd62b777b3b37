//! No input makes the converter panic.

use convert::mail::{
    BodyRequest, TransferDecoder, TransferEncoding, attachments, message_class, parse_headers,
};
use proptest::prelude::*;

use super::*;

fn any_request() -> impl Strategy<Value = BodyRequest> {
    (
        prop_oneof![
            Just(WantedBody::Plain),
            Just(WantedBody::Html),
            Just(WantedBody::Mime)
        ],
        prop::option::of(0u64..5000),
        any::<bool>(),
        prop::option::of(0u32..400),
    )
        .prop_map(|(kind, truncation, all_or_none, preview)| BodyRequest {
            kind,
            truncation,
            all_or_none,
            preview,
        })
}

/// A message around random bytes, with a random type, charset and encoding.
fn any_message() -> impl Strategy<Value = Vec<u8>> {
    (
        prop_oneof![Just("text/plain"), Just("text/html"), Just("application/pdf")],
        prop_oneof![Just("utf-8"), Just("iso-2022-jp"), Just("shift_jis"), Just("utf-16"), Just("bogus")],
        prop_oneof![Just("base64"), Just("quoted-printable"), Just("8bit")],
        prop::collection::vec(any::<u8>(), 0..600),
    )
        .prop_map(|(ct, cs, enc, body)| {
            let mut raw = format!(
                "Content-Type: multipart/alternative; boundary=Z\r\n\r\n--Z\r\nContent-Type: {ct}; charset={cs}\r\nContent-Transfer-Encoding: {enc}\r\n\r\n"
            )
            .into_bytes();
            raw.extend_from_slice(&body);
            raw.extend_from_slice(b"\r\n--Z--\r\n");
            raw
        })
}

proptest! {
    #[test]
    fn parse_headers_never_panics(raw in prop::collection::vec(any::<u8>(), 0..400)) {
        let h = parse_headers(&raw);
        let _ = message_class(&structure_of(b"Content-Type: text/plain\r\n\r\nx"), &h);
        let _ = convert::mail::conversation_id(&h);
    }

    #[test]
    fn parse_headers_of_header_like_text_never_panics(raw in "([A-Za-z-]{1,12}: [ -~\u{80}-\u{2000}=?]{0,40}\r\n( [ -~]{0,20}\r\n)?){0,8}") {
        let _ = parse_headers(raw.as_bytes());
    }

    #[test]
    fn render_body_never_panics_on_any_fetched_bytes(
        raw in any_message(),
        r in any_request(),
        junk in prop::collection::vec(any::<u8>(), 0..300),
        whole in any::<bool>(),
    ) {
        let structure = structure_of(&raw);
        let plan = plan_body(&structure, &r);
        let fetched: Vec<_> = plan.fetch.iter().map(|f| (f.path.clone(), junk.clone(), whole)).collect();
        let body = render_body(&structure, &plan, &r, &fetched);
        if let Some(t) = r.truncation {
            prop_assert!(body.data.len() as u64 <= t);
        }
        if let Some(p) = &body.preview {
            prop_assert!(p.chars().count() <= 255);
        }
        let _ = attachments(&structure, &plan);
    }

    #[test]
    fn the_whole_pipeline_never_panics(raw in any_message(), r in any_request()) {
        let _ = body_of(&raw, &r);
    }

    #[test]
    fn render_mime_never_panics(raw in prop::collection::vec(any::<u8>(), 0..300), total in 0u64..1000, limit in prop::option::of(0u64..400)) {
        let body = convert::mail::render_mime(&raw, total, limit);
        if let Some(l) = limit {
            prop_assert!(body.data.len() as u64 <= l.max(1) * 3);
        }
    }

    #[test]
    fn html_to_text_never_panics(html in "(<[a-z/!-]{0,6}[^>]{0,10}>?|&[#a-z0-9]{0,8};?|[^<&]{0,10}){0,30}") {
        let _ = convert::mail::html::html_to_text(&html);
    }

    #[test]
    fn decoders_never_panic(data in prop::collection::vec(any::<u8>(), 0..300)) {
        for enc in [TransferEncoding::Base64, TransferEncoding::QuotedPrintable, TransferEncoding::Binary] {
            let _ = TransferDecoder::decode(&enc, &data, true);
        }
    }
}
