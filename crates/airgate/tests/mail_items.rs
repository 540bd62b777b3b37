//! Mail items against Dovecot: ItemOperations (Fetch of a message and of an attachment, inline
//! and multipart, ranges, EmptyFolderContents), MoveItems and GetItemEstimate. Every test has
//! its own user and device, so tests are independent and run in parallel. What the device sees
//! is checked against what IMAP holds (`Imap`), never against airgate's own idea of it.

use std::sync::OnceLock;

use eas_test_client::base64::Engine as _;
use eas_test_client::base64::engine::general_purpose::STANDARD as B64;
use eas_test_client::docs::{self, BodyPref, SyncOpts};
use eas_test_client::tags::{
    airsync as a, airsyncbase as asb, email as em, getitemestimate as gie, itemoperations as io,
    r#move as mv,
};
use eas_test_client::{
    Airgate, Client, Element, ElementExt, Imap, Response, Stack, corpus_message, device_id,
};

fn airgate() -> &'static Airgate {
    static AIRGATE: OnceLock<Airgate> = OnceLock::new();
    AIRGATE.get_or_init(|| Airgate::start(env!("CARGO_BIN_EXE_airgate"), &[]))
}

/// (ServerId, ParentId, DisplayName, Type).
type Folder = (String, String, String, u8);

/// A fresh user with one provisioned device that has done its first FolderSync, and an IMAP
/// session of the same user.
struct Setup {
    c: Client,
    imap: Imap,
    folders: Vec<Folder>,
}

impl Setup {
    async fn new(name: &str) -> Setup {
        Setup::with_version(name, "16.1").await
    }

    async fn with_version(name: &str, version: &str) -> Setup {
        let stack = Stack::get();
        let (user, password) = stack.fresh_user(name);
        let imap = Imap::connect(stack, &user, &password);
        let mut c = airgate()
            .client_with_password(&user, &password, &device_id(name))
            .with_version(version);
        c.provision().await;
        let mut s = Setup {
            c,
            imap,
            folders: Vec::new(),
        };
        s.folder_sync().await;
        s
    }

    /// FolderSync with key 0; remembers the folders.
    async fn folder_sync(&mut self) {
        let r = self.c.post("FolderSync", &docs::folder_sync("0")).await;
        r.assert_status(200);
        self.folders = r.doc().folder_sync_folders();
    }

    /// The collection id of the folder of this EAS type (2 Inbox, 4 Deleted Items, ...).
    fn folder_of_type(&self, folder_type: u8) -> String {
        self.folders
            .iter()
            .find(|f| f.3 == folder_type)
            .unwrap_or_else(|| panic!("no folder of type {folder_type} in {:?}", self.folders))
            .0
            .clone()
    }

    fn inbox(&self) -> String {
        self.folder_of_type(2)
    }

    fn trash(&self) -> String {
        self.folder_of_type(4)
    }

    /// The collection id of the folder with this display name.
    fn folder_named(&self, name: &str) -> String {
        self.folders
            .iter()
            .find(|f| f.2 == name)
            .unwrap_or_else(|| panic!("no folder {name:?} in {:?}", self.folders))
            .0
            .clone()
    }

    /// A new top-level mailbox, created in IMAP, then a FolderSync.
    async fn new_folder(&mut self, name: &str) -> String {
        self.imap.create(name);
        self.imap.subscribe(name);
        self.folder_sync().await;
        self.folder_named(name)
    }

    /// APPENDs a corpus message; returns its UID.
    fn append(&mut self, mailbox: &str, corpus_file: &str) -> u32 {
        self.imap
            .append(mailbox, &corpus_message(corpus_file), &[], None)
    }
}

/// The Sync response's collection, if the response has one (an empty body means no changes).
fn collection<'r>(r: &'r Response, cid: &str) -> Option<&'r Element> {
    r.element.as_ref().and_then(|d| d.sync_collection(cid))
}

/// Sync with key 0; returns the new key.
async fn prime(c: &Client, cid: &str) -> String {
    let r = c.post("Sync", &docs::sync_initial(cid)).await;
    r.assert_status(200);
    let col = collection(&r, cid).unwrap_or_else(|| panic!("no collection {cid}:\n{r:?}"));
    assert_eq!(col.text_at(&[a::STATUS]).as_deref(), Some("1"), "{r:?}");
    col.text_at(&[a::SYNC_KEY]).expect("a SyncKey")
}

/// One Sync step with a window; returns the new key (the old one when the server answered
/// "no changes" with an empty body) and the response.
async fn step(c: &Client, cid: &str, key: &str, window: u32, opts: SyncOpts) -> (String, Response) {
    let r = c.post("Sync", &docs::sync(cid, key, window, opts)).await;
    r.assert_status(200);
    let new_key = match collection(&r, cid) {
        Some(col) => {
            assert_eq!(col.text_at(&[a::STATUS]).as_deref(), Some("1"), "{r:?}");
            col.text_at(&[a::SYNC_KEY]).expect("a SyncKey")
        }
        None => key.to_owned(),
    };
    (new_key, r)
}

/// Primes a collection and syncs it to the end (window 100); returns the last key and every
/// Add as (ServerId, Subject).
async fn sync_all(c: &Client, cid: &str) -> (String, Vec<(String, String)>) {
    let mut key = prime(c, cid).await;
    let mut adds = Vec::new();
    loop {
        let (next, r) = step(c, cid, &key, 100, SyncOpts::default()).await;
        key = next;
        let Some(col) = collection(&r, cid) else {
            break;
        };
        for (id, data) in col.sync_adds() {
            adds.push((id, data.text_at(&[em::SUBJECT]).unwrap_or_default()));
        }
        if col.find(a::MORE_AVAILABLE).is_none() {
            break;
        }
    }
    (key, adds)
}

/// The ServerId of the message with this subject among Sync Adds.
fn id_of(adds: &[(String, String)], subject: &str) -> String {
    adds.iter()
        .find(|(_, s)| s == subject)
        .unwrap_or_else(|| panic!("no Add with Subject {subject:?} in {adds:?}"))
        .0
        .clone()
}

/// The Adds, Changes and Deletes of a Sync response's collection, as ServerIds.
fn commands(r: &Response, cid: &str) -> (Vec<String>, Vec<String>, Vec<String>) {
    match collection(r, cid) {
        None => Default::default(),
        Some(col) => (
            col.sync_adds().into_iter().map(|(id, _)| id).collect(),
            col.sync_changes().into_iter().map(|(id, _)| id).collect(),
            col.sync_deletes(),
        ),
    }
}

fn subject_of(corpus_file: &str) -> String {
    eas_test_client::mail_corpus_expected()[corpus_file]
        .subject
        .clone()
}

// --- ItemOperations: Fetch of a message ------------------------------------------------------

/// ItemOperations with one Fetch; asserts the overall status 1 and returns the Fetch response.
async fn io_fetch(c: &Client, op: Element) -> (Response, Element) {
    let r = c
        .post("ItemOperations", &docs::item_operations(vec![op]))
        .await;
    r.assert_status(200);
    let doc = r.doc();
    assert_eq!(doc.text_at(&[io::STATUS]).as_deref(), Some("1"), "{r:?}");
    let fetch = doc
        .at(&[io::RESPONSE, io::FETCH])
        .unwrap_or_else(|| panic!("no Response/Fetch:\n{r:?}"))
        .clone();
    (r, fetch)
}

/// Fetches a message of the Inbox with one body type; returns the Fetch's Properties.
async fn fetch_message(s: &Setup, server_id: &str, body_type: u8) -> Element {
    let inbox = s.inbox();
    let (r, fetch) = io_fetch(&s.c, docs::io_fetch_item(&inbox, server_id, body_type)).await;
    assert_eq!(fetch.text_at(&[io::STATUS]).as_deref(), Some("1"), "{r:?}");
    assert_eq!(
        fetch.text_at(&[a::COLLECTION_ID]).as_deref(),
        Some(inbox.as_str())
    );
    assert_eq!(fetch.text_at(&[a::SERVER_ID]).as_deref(), Some(server_id));
    assert_eq!(
        fetch.text_at(&[a::CLASS]).as_deref(),
        Some("Email"),
        "{r:?}"
    );
    fetch
        .find(io::PROPERTIES)
        .unwrap_or_else(|| panic!("no Properties:\n{r:?}"))
        .clone()
}

#[tokio::test]
async fn fetch_of_a_message_as_plain_text() {
    let mut s = Setup::new("io-plain").await;
    s.append("INBOX", "04-alternative.eml");
    let (_, adds) = sync_all(&s.c, &s.inbox()).await;
    let expected = &eas_test_client::mail_corpus_expected()["04-alternative.eml"];
    let id = id_of(&adds, &expected.subject);

    let props = fetch_message(&s, &id, 1).await;
    assert_eq!(
        props.text_at(&[em::SUBJECT]).as_deref(),
        Some(expected.subject.as_str())
    );
    let body = props.find(asb::BODY).expect("a Body");
    assert_eq!(body.text_at(&[asb::TYPE]).as_deref(), Some("1"));
    let text = body.text_at(&[asb::DATA]).expect("Body Data");
    assert!(
        text.contains(expected.get("plain_contains").unwrap()),
        "{text}"
    );
    assert!(!text.contains("<b>"), "plain text has markup: {text}");
}

#[tokio::test]
async fn fetch_of_a_message_as_html() {
    let mut s = Setup::new("io-html").await;
    s.append("INBOX", "04-alternative.eml");
    let (_, adds) = sync_all(&s.c, &s.inbox()).await;
    let expected = &eas_test_client::mail_corpus_expected()["04-alternative.eml"];
    let id = id_of(&adds, &expected.subject);

    let props = fetch_message(&s, &id, 2).await;
    let body = props.find(asb::BODY).expect("a Body");
    assert_eq!(body.text_at(&[asb::TYPE]).as_deref(), Some("2"));
    let html = body.text_at(&[asb::DATA]).expect("Body Data");
    assert!(
        html.contains(expected.get("html_contains").unwrap()),
        "{html}"
    );
    assert_ne!(body.text_at(&[asb::TRUNCATED]).as_deref(), Some("1"));
}

#[tokio::test]
async fn fetch_of_a_message_as_mime_is_the_stored_message() {
    let mut s = Setup::new("io-mime").await;
    let uid = s.append("INBOX", "06-mixed-attachments.eml");
    let (_, adds) = sync_all(&s.c, &s.inbox()).await;
    let id = id_of(&adds, &subject_of("06-mixed-attachments.eml"));

    let props = fetch_message(&s, &id, 4).await;
    let body = props.find(asb::BODY).expect("a Body");
    assert_eq!(body.text_at(&[asb::TYPE]).as_deref(), Some("4"));
    let mime = body.find(asb::DATA).and_then(Element::bytes).expect("Data");
    let stored = s.imap.fetch_raw("INBOX", uid);
    assert!(
        mime == stored,
        "MIME differs from IMAP's BODY[]:\n--- EAS ({} bytes) ---\n{}\n--- IMAP ({} bytes) ---\n{}",
        mime.len(),
        String::from_utf8_lossy(&mime),
        stored.len(),
        String::from_utf8_lossy(&stored)
    );
    // Fetching does not mark the message read.
    assert!(!s.imap.flags("INBOX", uid).iter().any(|f| f == "\\Seen"));
}

#[tokio::test]
async fn fetch_of_an_unknown_message_is_status_6() {
    let mut s = Setup::new("io-gone").await;
    let uid = s.append("INBOX", "01-plain-ascii.eml");
    let (_, adds) = sync_all(&s.c, &s.inbox()).await;
    let id = id_of(&adds, &subject_of("01-plain-ascii.eml"));
    s.imap.expunge("INBOX", uid);

    let (r, fetch) = io_fetch(&s.c, docs::io_fetch_item(&s.inbox(), &id, 1)).await;
    assert_eq!(fetch.text_at(&[io::STATUS]).as_deref(), Some("6"), "{r:?}");
}

// --- ItemOperations: Fetch of an attachment --------------------------------------------------

/// The attachments of corpus message 06 and their IMAP sections.
const PDF: (&str, &str) = ("Übersicht März.pdf", "2");
const PNG: (&str, &str) = ("Grüße aus Köln.png", "3");

/// Seeds 06 into the Inbox, syncs it with a body preference (so Attachments are sent) and
/// returns (uid, [(DisplayName, FileReference)]).
async fn seed_attachments(s: &mut Setup) -> (u32, Vec<(String, String)>) {
    let uid = s.append("INBOX", "06-mixed-attachments.eml");
    let inbox = s.inbox();
    let key = prime(&s.c, &inbox).await;
    let (_, r) = step(
        &s.c,
        &inbox,
        &key,
        100,
        SyncOpts::default().body_preference(BodyPref::new(1).truncation(1000)),
    )
    .await;
    let col = collection(&r, &inbox).expect("a collection");
    let adds = col.sync_adds();
    assert_eq!(adds.len(), 1, "{r:?}");
    let atts = adds[0]
        .1
        .all_at(&[asb::ATTACHMENTS, asb::ATTACHMENT])
        .into_iter()
        .map(|at| {
            (
                at.text_at(&[asb::DISPLAY_NAME]).unwrap_or_default(),
                at.text_at(&[asb::FILE_REFERENCE])
                    .unwrap_or_else(|| panic!("no FileReference in {}", at.to_xml())),
            )
        })
        .collect::<Vec<_>>();
    assert_eq!(atts.len(), 2, "{r:?}");
    (uid, atts)
}

fn reference_of(atts: &[(String, String)], name: &str) -> String {
    atts.iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no attachment {name:?} in {atts:?}"))
        .1
        .clone()
}

/// A base64 MIME part from IMAP, decoded here.
fn decoded_part(imap: &mut Imap, mailbox: &str, uid: u32, section: &str) -> Vec<u8> {
    let encoded: Vec<u8> = imap
        .fetch_section(mailbox, uid, section)
        .into_iter()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    B64.decode(encoded).expect("the part is base64")
}

/// Properties of a successful attachment Fetch (Fetch Status 1).
fn attachment_properties(r: &Response, fetch: &Element, reference: &str) -> Element {
    assert_eq!(fetch.text_at(&[io::STATUS]).as_deref(), Some("1"), "{r:?}");
    assert_eq!(
        fetch.text_at(&[asb::FILE_REFERENCE]).as_deref(),
        Some(reference),
        "{r:?}"
    );
    fetch
        .find(io::PROPERTIES)
        .unwrap_or_else(|| panic!("no Properties:\n{r:?}"))
        .clone()
}

fn inline_data(props: &Element) -> Vec<u8> {
    let text = props
        .text_at(&[io::DATA])
        .unwrap_or_else(|| panic!("no Data in {}", props.to_xml()));
    B64.decode(text.trim()).expect("Data is base64")
}

#[tokio::test]
async fn attachment_fetch_inline_is_the_decoded_part() {
    let mut s = Setup::new("att-inline").await;
    let (uid, atts) = seed_attachments(&mut s).await;
    for (name, section) in [PDF, PNG] {
        let reference = reference_of(&atts, name);
        let (r, fetch) = io_fetch(&s.c, docs::io_fetch_attachment(&reference)).await;
        assert!(
            r.header("content-type")
                .is_some_and(|t| t.starts_with("application/vnd.ms-sync.wbxml")),
            "{r:?}"
        );
        let props = attachment_properties(&r, &fetch, &reference);
        let expected = decoded_part(&mut s.imap, "INBOX", uid, section);
        assert_eq!(inline_data(&props), expected, "{name}");
        let content_type = props.text_at(&[asb::CONTENT_TYPE]);
        assert!(
            matches!(
                content_type.as_deref(),
                Some("application/pdf" | "image/png")
            ),
            "{content_type:?}"
        );
    }
}

#[tokio::test]
async fn attachment_fetch_as_multipart_puts_the_bytes_in_part_1() {
    let mut s = Setup::new("att-multi").await;
    let (uid, atts) = seed_attachments(&mut s).await;
    let reference = reference_of(&atts, PDF.0);
    let r =
        s.c.post_with_headers(
            "ItemOperations",
            &docs::item_operations_fetch_attachment(&reference),
            &[("MS-ASAcceptMultiPart", "T")],
        )
        .await;
    r.assert_status(200);
    assert!(
        r.header("content-type")
            .is_some_and(|t| t.starts_with(eas_test_client::MULTIPART_CONTENT_TYPE)),
        "{r:?}"
    );
    let doc = r.doc();
    assert_eq!(doc.text_at(&[io::STATUS]).as_deref(), Some("1"), "{r:?}");
    let fetch = doc.at(&[io::RESPONSE, io::FETCH]).expect("Response/Fetch");
    let props = attachment_properties(&r, fetch, &reference);
    assert!(props.find(io::DATA).is_none(), "Data and Part: {r:?}");
    assert_eq!(props.text_at(&[io::PART]).as_deref(), Some("1"), "{r:?}");
    assert_eq!(r.parts.len(), 2, "{r:?}");
    assert_eq!(
        r.part(1),
        decoded_part(&mut s.imap, "INBOX", uid, PDF.1).as_slice()
    );
}

#[tokio::test]
async fn several_fetches_in_one_request_are_answered_in_order() {
    let mut s = Setup::new("att-several").await;
    let (uid, atts) = seed_attachments(&mut s).await;
    let (pdf, png) = (reference_of(&atts, PDF.0), reference_of(&atts, PNG.0));
    let (_, adds) = sync_all(&s.c, &s.inbox()).await;
    let id = id_of(&adds, &subject_of("06-mixed-attachments.eml"));
    let r =
        s.c.post(
            "ItemOperations",
            &docs::item_operations(vec![
                docs::io_fetch_attachment(&png),
                docs::io_fetch_item(&s.inbox(), &id, 1),
                docs::io_fetch_attachment(&pdf),
            ]),
        )
        .await;
    r.assert_status(200);
    let fetches = r.doc().all_at(&[io::RESPONSE, io::FETCH]);
    assert_eq!(fetches.len(), 3, "{r:?}");
    let props = attachment_properties(&r, fetches[0], &png);
    assert_eq!(
        inline_data(&props),
        decoded_part(&mut s.imap, "INBOX", uid, PNG.1)
    );
    assert_eq!(fetches[1].text_at(&[a::SERVER_ID]), Some(id), "{r:?}");
    assert!(
        fetches[1]
            .at(&[io::PROPERTIES, asb::BODY, asb::DATA])
            .is_some(),
        "{r:?}"
    );
    let props = attachment_properties(&r, fetches[2], &pdf);
    assert_eq!(
        inline_data(&props),
        decoded_part(&mut s.imap, "INBOX", uid, PDF.1)
    );
}

#[tokio::test]
async fn an_attached_message_is_fetched_as_it_is_stored() {
    let mut s = Setup::new("att-rfc822").await;
    let uid = s.append("INBOX", "07-attached-message.eml");
    let inbox = s.inbox();
    let key = prime(&s.c, &inbox).await;
    let (_, r) = step(
        &s.c,
        &inbox,
        &key,
        100,
        SyncOpts::default().body_preference(BodyPref::new(1)),
    )
    .await;
    let col = collection(&r, &inbox).expect("a collection");
    let atts = col.sync_adds()[0]
        .1
        .all_at(&[asb::ATTACHMENTS, asb::ATTACHMENT]);
    assert_eq!(atts.len(), 1, "{r:?}");
    let reference = atts[0]
        .text_at(&[asb::FILE_REFERENCE])
        .expect("FileReference");
    let (r, fetch) = io_fetch(&s.c, docs::io_fetch_attachment(&reference)).await;
    let props = attachment_properties(&r, &fetch, &reference);
    // message/rfc822 is never base64 on the wire (RFC 2046): the part is the bytes.
    assert_eq!(inline_data(&props), s.imap.fetch_section("INBOX", uid, "2"));
}

/// A Fetch of an attachment with `Options/Range`.
fn fetch_range(reference: &str, range: &str) -> Element {
    docs::io_fetch_attachment(reference)
        .child(Element::new(io::OPTIONS).text_child(io::RANGE, range))
}

#[tokio::test]
async fn attachment_fetch_of_a_range_gives_those_bytes_and_the_total() {
    let mut s = Setup::new("att-range").await;
    let (uid, atts) = seed_attachments(&mut s).await;
    let whole = decoded_part(&mut s.imap, "INBOX", uid, PDF.1);
    let reference = reference_of(&atts, PDF.0);

    let (r, fetch) = io_fetch(&s.c, fetch_range(&reference, "10-49")).await;
    let props = attachment_properties(&r, &fetch, &reference);
    assert_eq!(
        props.text_at(&[io::RANGE]).as_deref(),
        Some("10-49"),
        "{r:?}"
    );
    assert_eq!(
        props.text_at(&[io::TOTAL]),
        Some(whole.len().to_string()),
        "{r:?}"
    );
    assert_eq!(inline_data(&props), &whole[10..50]);

    // A range past the end is cut at the end.
    let (r, fetch) = io_fetch(&s.c, fetch_range(&reference, "200-10000")).await;
    let props = attachment_properties(&r, &fetch, &reference);
    let last = whole.len() - 1;
    assert_eq!(
        props.text_at(&[io::RANGE]),
        Some(format!("200-{last}")),
        "{r:?}"
    );
    assert_eq!(inline_data(&props), &whole[200..]);
}

#[tokio::test]
async fn attachment_fetch_of_a_range_as_multipart_gives_those_bytes() {
    let mut s = Setup::new("att-range-mp").await;
    let (uid, atts) = seed_attachments(&mut s).await;
    let whole = decoded_part(&mut s.imap, "INBOX", uid, PDF.1);
    let reference = reference_of(&atts, PDF.0);
    let r =
        s.c.post_with_headers(
            "ItemOperations",
            &docs::item_operations(vec![fetch_range(&reference, "0-99")]),
            &[("MS-ASAcceptMultiPart", "T")],
        )
        .await;
    r.assert_status(200);
    let doc = r.doc();
    let fetch = doc.at(&[io::RESPONSE, io::FETCH]).expect("Response/Fetch");
    let props = attachment_properties(&r, fetch, &reference);
    assert_eq!(
        props.text_at(&[io::RANGE]).as_deref(),
        Some("0-99"),
        "{r:?}"
    );
    // Either form is allowed, but the bytes must be there.
    let got = match props.text_at(&[io::PART]) {
        Some(part) => r.part(part.parse().expect("Part is a number")).to_vec(),
        None => inline_data(&props),
    };
    assert_eq!(got, &whole[..100]);
}

#[tokio::test]
async fn attachment_fetch_of_a_range_past_the_end_is_status_8() {
    let mut s = Setup::new("att-badrange").await;
    let (_, atts) = seed_attachments(&mut s).await;
    let reference = reference_of(&atts, PNG.0);
    let (r, fetch) = io_fetch(&s.c, fetch_range(&reference, "5000-5100")).await;
    assert_eq!(fetch.text_at(&[io::STATUS]).as_deref(), Some("8"), "{r:?}");
}

#[tokio::test]
async fn attachment_fetch_of_an_invalid_file_reference_is_status_15_or_6() {
    let mut s = Setup::new("att-bad").await;
    let (uid, atts) = seed_attachments(&mut s).await;
    let good = reference_of(&atts, PDF.0);
    // A reference that never was, one to a part the message does not have, and one to an
    // attachment whose message is gone.
    let nonsense = "no-such-reference".to_owned();
    let (prefix, _) = good
        .rsplit_once(':')
        .expect("references look like c:uid:section");
    let no_part = format!("{prefix}:9");
    for reference in [nonsense, no_part] {
        let (r, fetch) = io_fetch(&s.c, docs::io_fetch_attachment(&reference)).await;
        let st = fetch.text_at(&[io::STATUS]);
        assert!(
            matches!(st.as_deref(), Some("15" | "6")),
            "{reference}: {r:?}"
        );
    }
    s.imap.expunge("INBOX", uid);
    for accept_multipart in [false, true] {
        let headers: &[(&str, &str)] = if accept_multipart {
            &[("MS-ASAcceptMultiPart", "T")]
        } else {
            &[]
        };
        let r =
            s.c.post_with_headers(
                "ItemOperations",
                &docs::item_operations_fetch_attachment(&good),
                headers,
            )
            .await;
        r.assert_status(200);
        let st = r.doc().text_at(&[io::RESPONSE, io::FETCH, io::STATUS]);
        assert!(
            matches!(st.as_deref(), Some("15" | "6")),
            "after expunge, multipart {accept_multipart}: {r:?}"
        );
    }
}

// --- ItemOperations: EmptyFolderContents ------------------------------------------------------

/// EmptyFolderContents of one collection; returns its Status.
async fn empty_folder(c: &Client, cid: &str, delete_subfolders: bool) -> String {
    let r = c
        .post(
            "ItemOperations",
            &docs::item_operations_empty_folder(cid, delete_subfolders),
        )
        .await;
    r.assert_status(200);
    let doc = r.doc();
    assert_eq!(doc.text_at(&[io::STATUS]).as_deref(), Some("1"), "{r:?}");
    let e = doc
        .at(&[io::RESPONSE, io::EMPTY_FOLDER_CONTENTS])
        .unwrap_or_else(|| panic!("no EmptyFolderContents response:\n{r:?}"));
    assert_eq!(
        e.text_at(&[a::COLLECTION_ID]).as_deref(),
        Some(cid),
        "{r:?}"
    );
    e.text_at(&[io::STATUS]).expect("a Status")
}

#[tokio::test]
async fn empty_folder_contents_empties_the_trash_and_keeps_its_subfolders() {
    let mut s = Setup::new("empty-trash").await;
    s.append("Trash", "01-plain-ascii.eml");
    s.append("Trash", "03-html-only.eml");
    s.imap.create("Trash/Old");
    s.append("Trash/Old", "04-alternative.eml");
    s.folder_sync().await;
    let trash = s.trash();
    sync_all(&s.c, &trash).await;

    assert_eq!(empty_folder(&s.c, &trash, false).await, "1");
    assert!(s.imap.uids("Trash").is_empty());
    assert!(s.imap.list().iter().any(|n| n == "Trash/Old"));
    assert_eq!(s.imap.uids("Trash/Old").len(), 1);
}

#[tokio::test]
async fn empty_folder_contents_with_delete_subfolders_removes_them() {
    let mut s = Setup::new("empty-sub").await;
    s.append("Trash", "01-plain-ascii.eml");
    s.imap.create("Trash/Old");
    s.imap.create("Trash/Old/Older");
    s.append("Trash/Old/Older", "04-alternative.eml");
    s.folder_sync().await;
    let trash = s.trash();
    sync_all(&s.c, &trash).await;

    assert_eq!(empty_folder(&s.c, &trash, true).await, "1");
    assert!(s.imap.uids("Trash").is_empty());
    let left: Vec<String> = s
        .imap
        .list()
        .into_iter()
        .filter(|n| n.starts_with("Trash/"))
        .collect();
    assert!(left.is_empty(), "subfolders left: {left:?}");
    assert!(s.imap.list().iter().any(|n| n == "Trash"));
}

#[tokio::test]
async fn after_empty_folder_contents_the_device_gets_no_deletes_and_new_mail_still_comes() {
    let mut s = Setup::new("empty-sync").await;
    s.append("Trash", "01-plain-ascii.eml");
    s.append("Trash", "03-html-only.eml");
    let trash = s.trash();
    let (key, adds) = sync_all(&s.c, &trash).await;
    assert_eq!(adds.len(), 2);

    assert_eq!(empty_folder(&s.c, &trash, false).await, "1");
    let (key, r) = step(&s.c, &trash, &key, 100, SyncOpts::default()).await;
    assert_eq!(commands(&r, &trash), Default::default(), "{r:?}");

    s.append("Trash", "08-latin1-qp.eml");
    let (_, r) = step(&s.c, &trash, &key, 100, SyncOpts::default()).await;
    let (added, changed, deleted) = commands(&r, &trash);
    assert_eq!(
        (added.len(), changed.len(), deleted.len()),
        (1, 0, 0),
        "{r:?}"
    );
}

#[tokio::test]
async fn empty_folder_contents_of_an_unknown_collection_is_not_success() {
    let s = Setup::new("empty-unknown").await;
    let st = empty_folder(&s.c, "no-such-folder", false).await;
    assert_ne!(st, "1");
}

// --- MoveItems ---------------------------------------------------------------------------------

/// One MoveItems; returns (Status, DstMsgId) of its Response.
async fn move_item(c: &Client, msg: &str, src: &str, dst: &str) -> (String, Option<String>) {
    let r = c
        .post("MoveItems", &docs::move_items(&[(msg, src, dst)]))
        .await;
    r.assert_status(200);
    let resp = r
        .doc()
        .at(&[mv::RESPONSE])
        .unwrap_or_else(|| panic!("no Response:\n{r:?}"));
    assert_eq!(
        resp.text_at(&[mv::SRC_MSG_ID]).as_deref(),
        Some(msg),
        "{r:?}"
    );
    (
        resp.text_at(&[mv::STATUS]).expect("a Status"),
        resp.text_at(&[mv::DST_MSG_ID]),
    )
}

#[tokio::test]
async fn move_items_answers_3_with_the_new_uid_of_the_destination() {
    let mut s = Setup::new("move-ok").await;
    s.append("INBOX", "01-plain-ascii.eml");
    let moved_uid = s.append("INBOX", "04-alternative.eml");
    let archive = s.new_folder("Archive").await;
    // The destination already has a message, so UIDs there are not the source's.
    s.append("Archive", "08-latin1-qp.eml");
    s.append("Archive", "09-windows-1252.eml");
    let inbox = s.inbox();
    let (_, adds) = sync_all(&s.c, &inbox).await;
    sync_all(&s.c, &archive).await;
    let id = id_of(&adds, &subject_of("04-alternative.eml"));
    let before = s.imap.uids("Archive");

    let (status, dst) = move_item(&s.c, &id, &inbox, &archive).await;
    assert_eq!(status, "3");
    let dst = dst.expect("a DstMsgId");

    assert!(!s.imap.uids("INBOX").contains(&moved_uid));
    let new: Vec<u32> = s
        .imap
        .uids("Archive")
        .into_iter()
        .filter(|u| !before.contains(u))
        .collect();
    assert_eq!(new.len(), 1, "one new message in Archive");
    // The DstMsgId names that message: a Fetch of it is the stored message.
    let (r, fetch) = io_fetch(&s.c, docs::io_fetch_item(&archive, &dst, 4)).await;
    assert_eq!(fetch.text_at(&[io::STATUS]).as_deref(), Some("1"), "{r:?}");
    let mime = fetch
        .at(&[io::PROPERTIES, asb::BODY, asb::DATA])
        .and_then(Element::bytes)
        .expect("MIME data");
    assert_eq!(mime, s.imap.fetch_raw("Archive", new[0]));
    assert_ne!(dst, id);
}

#[tokio::test]
async fn a_moved_message_is_neither_deleted_nor_added_again_on_the_next_syncs() {
    let mut s = Setup::new("move-sync").await;
    s.append("INBOX", "01-plain-ascii.eml");
    s.append("INBOX", "04-alternative.eml");
    let archive = s.new_folder("Archive").await;
    s.append("Archive", "08-latin1-qp.eml");
    let inbox = s.inbox();
    let (inbox_key, adds) = sync_all(&s.c, &inbox).await;
    let (archive_key, _) = sync_all(&s.c, &archive).await;
    let id = id_of(&adds, &subject_of("04-alternative.eml"));

    let (status, dst) = move_item(&s.c, &id, &inbox, &archive).await;
    assert_eq!(status, "3");
    let dst = dst.expect("a DstMsgId");

    let (inbox_key, r) = step(&s.c, &inbox, &inbox_key, 100, SyncOpts::default()).await;
    assert_eq!(commands(&r, &inbox), Default::default(), "source: {r:?}");
    // The destination may send the message's current flags as a Change (the move gave it a
    // new modseq), but never as an Add: the device has it already.
    let (archive_key, r) = step(&s.c, &archive, &archive_key, 100, SyncOpts::default()).await;
    let (added, changed, deleted) = commands(&r, &archive);
    assert!(added.is_empty() && deleted.is_empty(), "destination: {r:?}");
    assert!(changed.iter().all(|c| *c == dst), "destination: {r:?}");

    // Still the device's item in the destination: a flag change upstream comes as a Change
    // of the DstMsgId.
    let new_uid = *s.imap.uids("Archive").last().unwrap();
    s.imap.store("Archive", new_uid, "+FLAGS", &["\\Seen"]);
    let (_, r) = step(&s.c, &archive, &archive_key, 100, SyncOpts::default()).await;
    assert_eq!(
        commands(&r, &archive),
        (vec![], vec![dst], vec![]),
        "destination: {r:?}"
    );
    let (_, r) = step(&s.c, &inbox, &inbox_key, 100, SyncOpts::default()).await;
    assert_eq!(commands(&r, &inbox), Default::default(), "source: {r:?}");
}

#[tokio::test]
async fn a_moved_message_comes_as_an_add_to_another_device() {
    let mut s = Setup::new("move-other").await;
    s.append("INBOX", "04-alternative.eml");
    let archive = s.new_folder("Archive").await;
    let inbox = s.inbox();
    let mut other = s.c.clone();
    other.device_id = device_id("move-other-2");
    other.policy_key = None;
    other.provision().await;
    let r = other.post("FolderSync", &docs::folder_sync("0")).await;
    r.assert_status(200);
    let (other_inbox_key, _) = sync_all(&other, &inbox).await;
    let (other_archive_key, _) = sync_all(&other, &archive).await;
    let (_, adds) = sync_all(&s.c, &inbox).await;
    sync_all(&s.c, &archive).await;
    let id = id_of(&adds, &subject_of("04-alternative.eml"));

    let (status, dst) = move_item(&s.c, &id, &inbox, &archive).await;
    assert_eq!(status, "3");

    let (_, r) = step(&other, &inbox, &other_inbox_key, 100, SyncOpts::default()).await;
    assert_eq!(commands(&r, &inbox), (vec![], vec![], vec![id]), "{r:?}");
    let (_, r) = step(
        &other,
        &archive,
        &other_archive_key,
        100,
        SyncOpts::default(),
    )
    .await;
    assert_eq!(
        commands(&r, &archive),
        (vec![dst.unwrap()], vec![], vec![]),
        "{r:?}"
    );
}

#[tokio::test]
async fn move_items_from_an_unknown_source_is_status_1() {
    let mut s = Setup::new("move-badsrc").await;
    s.append("INBOX", "01-plain-ascii.eml");
    let uid = s.append("INBOX", "04-alternative.eml");
    let archive = s.new_folder("Archive").await;
    let inbox = s.inbox();
    let (_, adds) = sync_all(&s.c, &inbox).await;
    let id = id_of(&adds, &subject_of("04-alternative.eml"));

    // An unknown source folder.
    let (status, dst) = move_item(&s.c, &id, "no-such-folder", &archive).await;
    assert_eq!((status.as_str(), dst), ("1", None));
    // A message that is no longer there.
    s.imap.expunge("INBOX", uid);
    let (status, dst) = move_item(&s.c, &id, &inbox, &archive).await;
    assert_eq!((status.as_str(), dst), ("1", None));
    // A ServerId that was never one.
    let (status, _) = move_item(&s.c, "garbage", &inbox, &archive).await;
    assert_eq!(status, "1");
    assert!(s.imap.uids("Archive").is_empty());
}

#[tokio::test]
async fn move_items_to_an_unknown_destination_is_status_2() {
    let mut s = Setup::new("move-baddst").await;
    let uid = s.append("INBOX", "01-plain-ascii.eml");
    let inbox = s.inbox();
    let (_, adds) = sync_all(&s.c, &inbox).await;
    let id = id_of(&adds, &subject_of("01-plain-ascii.eml"));

    let (status, dst) = move_item(&s.c, &id, &inbox, "no-such-folder").await;
    assert_eq!((status.as_str(), dst), ("2", None));
    // A destination that was deleted upstream after the device learned of it.
    let gone = s.new_folder("Gone").await;
    s.imap.delete("Gone");
    let (status, _) = move_item(&s.c, &id, &inbox, &gone).await;
    assert_eq!(status, "2");
    assert_eq!(s.imap.uids("INBOX"), vec![uid]);
}

#[tokio::test]
async fn move_items_within_one_folder_is_status_4() {
    let mut s = Setup::new("move-same").await;
    let uid = s.append("INBOX", "01-plain-ascii.eml");
    let inbox = s.inbox();
    let (_, adds) = sync_all(&s.c, &inbox).await;
    let id = id_of(&adds, &subject_of("01-plain-ascii.eml"));

    let (status, dst) = move_item(&s.c, &id, &inbox, &inbox).await;
    assert_eq!((status.as_str(), dst), ("4", None));
    assert_eq!(s.imap.uids("INBOX"), vec![uid]);
}

// --- GetItemEstimate ---------------------------------------------------------------------------

/// One GetItemEstimate in the form of the client's version; returns (Status, Estimate).
async fn estimate(c: &Client, cid: &str, key: &str) -> (String, Option<u64>) {
    let r = c
        .post(
            "GetItemEstimate",
            &docs::get_item_estimate(&[(key, cid)], &c.version),
        )
        .await;
    r.assert_status(200);
    let resp = r
        .doc()
        .at(&[gie::RESPONSE])
        .unwrap_or_else(|| panic!("no Response:\n{r:?}"));
    let status = resp.text_at(&[gie::STATUS]).expect("a Status");
    let n = resp
        .text_at(&[gie::COLLECTION, gie::ESTIMATE])
        .map(|n| n.parse().expect("Estimate is a number"));
    if status == "1" {
        assert_eq!(
            resp.text_at(&[gie::COLLECTION, gie::COLLECTION_ID])
                .as_deref(),
            Some(cid),
            "{r:?}"
        );
    }
    (status, n)
}

async fn estimate_counts(version: &str) {
    let mut s = Setup::with_version(&format!("gie-{version}"), version).await;
    let inbox = s.inbox();
    let seeded = eas_test_client::seed_corpus(&mut s.imap, "INBOX");
    let n = seeded.len() as u64;

    // Before the first Sync: not primed.
    assert_eq!(estimate(&s.c, &inbox, "0").await.0, "3");

    let key = prime(&s.c, &inbox).await;
    assert_eq!(estimate(&s.c, &inbox, &key).await, ("1".into(), Some(n)));

    // After a window of 5: the rest.
    let (key, r) = step(&s.c, &inbox, &key, 5, SyncOpts::default()).await;
    assert_eq!(commands(&r, &inbox).0.len(), 5);
    assert_eq!(
        estimate(&s.c, &inbox, &key).await,
        ("1".into(), Some(n - 5))
    );

    // To the end, then a new message.
    let (key, _) = step(&s.c, &inbox, &key, 100, SyncOpts::default()).await;
    assert_eq!(estimate(&s.c, &inbox, &key).await, ("1".into(), Some(0)));
    s.append("INBOX", "01-plain-ascii.eml");
    assert_eq!(estimate(&s.c, &inbox, &key).await, ("1".into(), Some(1)));
    // ...and a flag change.
    s.imap.store("INBOX", seeded[0].1, "+FLAGS", &["\\Flagged"]);
    assert_eq!(estimate(&s.c, &inbox, &key).await, ("1".into(), Some(2)));
}

#[tokio::test]
async fn get_item_estimate_counts_what_the_next_syncs_send_14_1() {
    estimate_counts("14.1").await;
}

#[tokio::test]
async fn get_item_estimate_counts_what_the_next_syncs_send_16_1() {
    estimate_counts("16.1").await;
}

#[tokio::test]
async fn get_item_estimate_counts_what_the_next_syncs_send_12_1() {
    estimate_counts("12.1").await;
}

#[tokio::test]
async fn get_item_estimate_counts_new_mail_while_a_window_is_pending() {
    let mut s = Setup::new("gie-pending").await;
    let inbox = s.inbox();
    let n = eas_test_client::seed_corpus(&mut s.imap, "INBOX").len() as u64;
    let key = prime(&s.c, &inbox).await;
    let (key, _) = step(&s.c, &inbox, &key, 5, SyncOpts::default()).await;
    assert_eq!(
        estimate(&s.c, &inbox, &key).await,
        ("1".into(), Some(n - 5))
    );
    s.append("INBOX", "01-plain-ascii.eml");
    assert_eq!(
        estimate(&s.c, &inbox, &key).await,
        ("1".into(), Some(n - 5 + 1))
    );
    // And the next Syncs do send that many.
    let mut key = key;
    let mut sent = 0;
    for _ in 0..5 {
        let (next, r) = step(&s.c, &inbox, &key, 100, SyncOpts::default()).await;
        let (added, changed, deleted) = commands(&r, &inbox);
        sent += added.len() + changed.len() + deleted.len();
        key = next;
    }
    assert_eq!(sent as u64, n - 5 + 1);
    assert_eq!(estimate(&s.c, &inbox, &key).await, ("1".into(), Some(0)));
}

async fn estimate_statuses(version: &str) {
    let s = Setup::with_version(&format!("gie-st-{version}"), version).await;
    let inbox = s.inbox();
    // An unknown collection.
    assert_eq!(estimate(&s.c, "no-such-folder", "1").await.0, "2");
    // Not primed, whatever key is sent.
    assert_eq!(estimate(&s.c, &inbox, "0").await.0, "3");
    let key = prime(&s.c, &inbox).await;
    // A key this device was never given.
    assert_eq!(estimate(&s.c, &inbox, "987654").await.0, "4");
    assert_eq!(estimate(&s.c, &inbox, &key).await.0, "1");
}

#[tokio::test]
async fn get_item_estimate_statuses_16_1() {
    estimate_statuses("16.1").await;
}

#[tokio::test]
async fn get_item_estimate_statuses_12_1() {
    estimate_statuses("12.1").await;
}

#[tokio::test]
async fn get_item_estimate_answers_each_collection_of_a_request() {
    let mut s = Setup::new("gie-multi").await;
    let inbox = s.inbox();
    let trash = s.trash();
    s.append("INBOX", "01-plain-ascii.eml");
    s.append("INBOX", "04-alternative.eml");
    s.append("Trash", "08-latin1-qp.eml");
    let inbox_key = prime(&s.c, &inbox).await;
    let trash_key = prime(&s.c, &trash).await;
    let r =
        s.c.post(
            "GetItemEstimate",
            &docs::get_item_estimate(
                &[
                    (inbox_key.as_str(), inbox.as_str()),
                    (trash_key.as_str(), trash.as_str()),
                    ("1", "no-such-folder"),
                ],
                "16.1",
            ),
        )
        .await;
    r.assert_status(200);
    let got: Vec<(String, Option<String>, Option<String>)> = r
        .doc()
        .find_all(gie::RESPONSE)
        .map(|resp| {
            (
                resp.text_at(&[gie::STATUS]).unwrap_or_default(),
                resp.text_at(&[gie::COLLECTION, gie::COLLECTION_ID]),
                resp.text_at(&[gie::COLLECTION, gie::ESTIMATE]),
            )
        })
        .collect();
    assert_eq!(got.len(), 3, "{r:?}");
    assert_eq!(got[0], ("1".into(), Some(inbox), Some("2".into())), "{r:?}");
    assert_eq!(got[1], ("1".into(), Some(trash), Some("1".into())), "{r:?}");
    assert_eq!(got[2].0, "2", "{r:?}");
}
