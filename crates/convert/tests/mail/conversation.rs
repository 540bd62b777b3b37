use convert::mail::{
    Headers, conversation_id, conversation_index, normalized_subject, parse_headers,
};

use super::*;

fn headers(text: &str) -> Headers {
    parse_headers(text.as_bytes())
}

#[test]
fn thread_index_guid_is_the_conversation_id() {
    let h = parse_headers(header_block(&fixture("plain.eml")));
    let index = h.thread_index.clone().expect("thread index");
    assert_eq!(conversation_id(&h)[..], index[6..22]);
}

#[test]
fn a_reply_and_its_original_share_the_conversation_id() {
    let original = headers("Message-ID: <root@x>\r\nSubject: Plan\r\n\r\n");
    let reply = headers(
        "Message-ID: <r1@y>\r\nIn-Reply-To: <root@x>\r\nReferences: <root@x>\r\nSubject: Re: Plan\r\n\r\n",
    );
    let reply2 = headers(
        "Message-ID: <r2@z>\r\nReferences: <root@x> <r1@y>\r\nSubject: AW: Re: Plan\r\n\r\n",
    );
    assert_eq!(conversation_id(&original), conversation_id(&reply));
    assert_eq!(conversation_id(&original), conversation_id(&reply2));
}

#[test]
fn in_reply_to_is_used_without_references() {
    let original = headers("Message-ID: <root@x>\r\n\r\n");
    let reply = headers("Message-ID: <r1@y>\r\nIn-Reply-To: <root@x>\r\n\r\n");
    assert_eq!(conversation_id(&original), conversation_id(&reply));
}

#[test]
fn different_threads_have_different_ids() {
    let a = headers("Message-ID: <a@x>\r\n\r\n");
    let b = headers("Message-ID: <b@x>\r\n\r\n");
    assert_ne!(conversation_id(&a), conversation_id(&b));
}

#[test]
fn without_ids_the_normalized_subject_groups_messages() {
    let a = headers("Subject: Budget 2026\r\n\r\n");
    let b = headers("Subject: RE: Fwd: WG:  budget 2026\r\n\r\n");
    assert_eq!(conversation_id(&a), conversation_id(&b));
}

#[test]
fn reply_and_forward_prefixes_are_stripped_from_subjects() {
    assert_eq!(normalized_subject("Re: Fwd: AW: WG: Hello"), "Hello");
    assert_eq!(normalized_subject("Re[2]: Hello  world"), "Hello world");
    assert_eq!(normalized_subject("[list] Re: Hello"), "[list] Re: Hello");
    assert_eq!(normalized_subject("Meeting: today"), "Meeting: today");
}

#[test]
fn conversation_index_comes_from_thread_index_without_the_guid() {
    let h = parse_headers(header_block(&fixture("plain.eml")));
    let t = h.thread_index.clone().expect("thread index");
    assert_eq!(conversation_index(&h, 0), t[1..6].to_vec());
}

#[test]
fn conversation_index_keeps_the_reply_blocks() {
    let mut h = headers("\r\n");
    let mut t = vec![1u8; 22];
    t.extend_from_slice(&[9, 8, 7, 6, 5]);
    h.thread_index = Some(t);
    assert_eq!(
        conversation_index(&h, 0),
        vec![1, 1, 1, 1, 1, 9, 8, 7, 6, 5]
    );
}

#[test]
fn conversation_index_without_thread_index_is_five_bytes_of_the_date() {
    let h = headers("Subject: x\r\n\r\n");
    let index = conversation_index(&h, 1_772_529_300);
    assert_eq!(index.len(), 5);
    // Later dates give larger headers (it is the high part of a FILETIME).
    assert!(conversation_index(&h, 1_772_529_300 + 86_400) > index);
}
