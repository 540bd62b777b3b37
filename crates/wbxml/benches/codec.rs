//! Decode and encode of a ~1 MB Sync response: Add items with Email application data, realistic
//! text bodies, and some OPAQUE. Run with `cargo bench -p wbxml --bench codec`.

use divan::counter::BytesCount;
use divan::{Bencher, black_box};
use wbxml::tags::{airsync, airsyncbase, email, email2};
use wbxml::{Element, decode, encode};

fn main() {
    divan::main();
}

const BODY: &str = "Hi Alice,\r\n\r\nthanks for the numbers. I went through the draft and \
    have a few questions about the Q3 forecast: the travel line looks high compared with Q2, \
    and the hiring plan assumes two engineers starting in July. Could we go over it on \
    Thursday? I have also attached the updated spreadsheet with my comments in column F.\r\n\r\n\
    <b>Action items</b>\r\n - confirm the travel budget\r\n - update the hiring plan\r\n - \
    send the final version to finance by Friday\r\n\r\nBest regards,\r\nBob\r\n-- \r\nBob \
    Builder | Site manager | Example Inc. | +1 555 0100\r\n";

/// A Sync response of about `target` encoded bytes.
fn sync_response(target: usize) -> Element {
    let mut commands = Element::new(airsync::COMMANDS);
    let mut i = 0u32;
    let mut size = 0;
    while size < target {
        let app = Element::new(airsync::APPLICATION_DATA)
            .text_child(email::TO, "\"Alice Example\" <alice@example.org>")
            .text_child(email::FROM, "\"Bob Builder\" <bob@example.org>")
            .text_child(email::SUBJECT, format!("Re: Q3 numbers, part {i}"))
            .text_child(email::DATE_RECEIVED, "2026-03-02T08:41:07.000Z")
            .text_child(email::DISPLAY_TO, "Alice Example")
            .text_child(email::THREAD_TOPIC, "Q3 numbers")
            .text_child(email::IMPORTANCE, "1")
            .text_child(email::READ, (i % 2).to_string())
            .child(
                Element::new(airsyncbase::BODY)
                    .text_child(airsyncbase::TYPE, "1")
                    .text_child(airsyncbase::ESTIMATED_DATA_SIZE, BODY.len().to_string())
                    .text_child(airsyncbase::TRUNCATED, "0")
                    .text_child(airsyncbase::DATA, BODY),
            )
            .text_child(email::MESSAGE_CLASS, "IPM.Note")
            .text_child(email::INTERNET_CPID, "65001")
            .child(Element::new(email::FLAG))
            .text_child(email::CONTENT_CLASS, "urn:content-classes:message")
            .text_child(airsyncbase::NATIVE_BODY_TYPE, "1")
            .child(Element::with_opaque(
                email2::CONVERSATION_ID,
                (0..16u8)
                    .map(|b| b.wrapping_mul(37).wrapping_add(i as u8))
                    .collect::<Vec<_>>(),
            ))
            .child(Element::with_opaque(
                email2::CONVERSATION_INDEX,
                vec![0x01, 0xDB, 0x53, 0xCC, i as u8],
            ));
        let add = Element::new(airsync::ADD)
            .text_child(airsync::SERVER_ID, format!("5:{i}"))
            .child(app);
        size += encode(&add).len();
        commands.push(add);
        i += 1;
    }
    Element::new(airsync::SYNC).child(
        Element::new(airsync::COLLECTIONS).child(
            Element::new(airsync::COLLECTION)
                .text_child(airsync::SYNC_KEY, "1428785964")
                .text_child(airsync::COLLECTION_ID, "5")
                .text_child(airsync::STATUS, "1")
                .child(commands)
                .child(Element::new(airsync::MORE_AVAILABLE)),
        ),
    )
}

#[divan::bench]
fn decode_sync_response_1mb(bencher: Bencher) {
    let bytes = encode(&sync_response(1 << 20));
    bencher
        .counter(BytesCount::of_slice(&bytes))
        .bench(|| decode(black_box(&bytes)).unwrap());
}

#[divan::bench]
fn encode_sync_response_1mb(bencher: Bencher) {
    let tree = sync_response(1 << 20);
    let len = encode(&tree).len();
    bencher
        .counter(BytesCount::new(len))
        .bench(|| encode(black_box(&tree)));
}
