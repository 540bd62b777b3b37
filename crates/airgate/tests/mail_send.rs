//! SendMail, SmartReply and SmartForward against the stack: the SMTP sink keeps what was
//! submitted (with its envelope), Dovecot holds the Sent copies and the originals' flags.
//! Every test has its own user.

use std::sync::OnceLock;

use eas_test_client::docs::{self, SyncOpts};
use eas_test_client::tags::{airsync as a, composemail as cm};
use eas_test_client::{
    Airgate, Client, Element, ElementExt, Imap, Response, Stack, device_id, serde_json,
};

fn airgate() -> &'static Airgate {
    static AIRGATE: OnceLock<Airgate> = OnceLock::new();
    AIRGATE.get_or_init(|| Airgate::start(env!("CARGO_BIN_EXE_airgate"), &[]))
}

struct Setup {
    c: Client,
    imap: Imap,
    user: String,
    password: String,
    /// (ServerId, DisplayName, Type)
    folders: Vec<(String, String, u8)>,
}

impl Setup {
    async fn new(name: &str, version: &str) -> Setup {
        Setup::on(airgate(), name, version).await
    }

    async fn on(airgate: &Airgate, name: &str, version: &str) -> Setup {
        let stack = Stack::get();
        let (user, password) = stack.fresh_user(name);
        let imap = Imap::connect(stack, &user, &password);
        let mut c = airgate
            .client_with_password(&user, &password, &device_id(name))
            .with_version(version);
        c.provision().await;
        let r = c.post("FolderSync", &docs::folder_sync("0")).await;
        r.assert_status(200);
        let folders = r
            .doc()
            .folder_sync_folders()
            .into_iter()
            .map(|f| (f.0, f.2, f.3))
            .collect();
        Setup {
            c,
            imap,
            user,
            password,
            folders,
        }
    }

    fn address(&self) -> String {
        format!("{}@example.org", self.user)
    }

    fn folder_of_type(&self, t: u8) -> String {
        self.folders
            .iter()
            .find(|f| f.2 == t)
            .map(|f| f.0.clone())
            .unwrap_or_else(|| panic!("no folder of type {t}: {:?}", self.folders))
    }

    /// What the sink received from this user.
    fn submitted(&self) -> Vec<(serde_json::Value, Vec<u8>)> {
        Stack::get().sent_mail(&self.user)
    }

    fn sent_copies(&mut self) -> Vec<(Vec<u8>, Vec<String>)> {
        let uids = self.imap.uids("Sent");
        uids.into_iter()
            .map(|u| (self.imap.fetch_raw("Sent", u), self.imap.flags("Sent", u)))
            .collect()
    }

    /// The ServerId the device sees for INBOX message `uid`, after a full Sync.
    async fn inbox_server_id(&self, uid: u32) -> String {
        let inbox = self.folder_of_type(2);
        let r = self.c.post("Sync", &docs::sync_initial(&inbox)).await;
        let key = r
            .doc()
            .text_at(&[a::COLLECTIONS, a::COLLECTION, a::SYNC_KEY]);
        let key = key.unwrap_or_else(|| panic!("no key: {r:?}"));
        let r = self
            .c
            .post("Sync", &docs::sync(&inbox, &key, 100, SyncOpts::default()))
            .await;
        let id = format!("{inbox}:{uid}");
        assert!(format!("{r:?}").contains(&id), "{id} not in {r:?}");
        id
    }
}

fn message(from: &str, extra: &str, body: &str) -> Vec<u8> {
    format!(
        "From: Tester <{from}>\r\nTo: Bob <bob@example.net>\r\n{extra}Subject: Test message\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

/// A 14.0+ SendMail document.
fn send_mail(client_id: &str, save: bool, mime: &[u8]) -> Element {
    let mut doc = Element::new(cm::SEND_MAIL).child(Element::with_text(cm::CLIENT_ID, client_id));
    if save {
        doc = doc.child(Element::new(cm::SAVE_IN_SENT_ITEMS));
    }
    doc.child(Element::with_opaque(cm::MIME, mime.to_vec()))
}

/// A 14.0+ SmartReply or SmartForward document.
fn smart(
    root: eas_test_client::Tag,
    client_id: &str,
    folder: &str,
    item: &str,
    mime: &[u8],
) -> Element {
    Element::new(root)
        .child(Element::with_text(cm::CLIENT_ID, client_id))
        .child(
            Element::new(cm::SOURCE)
                .child(Element::with_text(cm::FOLDER_ID, folder))
                .child(Element::with_text(cm::ITEM_ID, item)),
        )
        .child(Element::new(cm::SAVE_IN_SENT_ITEMS))
        .child(Element::with_opaque(cm::MIME, mime.to_vec()))
}

#[tokio::test]
async fn a_sendmail_is_submitted_without_bcc_and_filed_in_sent_with_it() {
    let mut s = Setup::new("sm-basic", "16.1").await;
    let mime = message(&s.address(), "Bcc: carol@example.net\r\n", "Hello Bob.");
    let r =
        s.c.post("SendMail", &send_mail("c-basic-1", true, &mime))
            .await;
    r.assert_status(200);
    assert!(r.body.is_empty(), "success is an empty body");
    let got = s.submitted();
    assert_eq!(got.len(), 1);
    let (env, eml) = &got[0];
    assert_eq!(env["mail_from"], s.address());
    let rcpt: Vec<&str> = env["rcpt_tos"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert_eq!(rcpt, ["bob@example.net", "carol@example.net"]);
    let text = String::from_utf8_lossy(eml);
    assert!(
        !text.contains("carol@"),
        "Bcc must not be submitted: {text}"
    );
    assert!(text.contains("Hello Bob."));
    assert!(text.to_ascii_lowercase().contains("message-id:"), "{text}");
    let copies = s.sent_copies();
    assert_eq!(copies.len(), 1);
    assert!(String::from_utf8_lossy(&copies[0].0).contains("Bcc: carol@example.net"));
    assert!(
        copies[0].1.iter().any(|f| f == "\\Seen"),
        "{:?}",
        copies[0].1
    );
}

#[tokio::test]
async fn a_sendmail_retried_with_the_same_client_id_is_sent_once() {
    let mut s = Setup::new("sm-retry", "14.1").await;
    let mime = message(&s.address(), "", "Once.");
    for _ in 0..2 {
        let r =
            s.c.post("SendMail", &send_mail("c-retry-1", true, &mime))
                .await;
        r.assert_status(200);
    }
    assert_eq!(s.submitted().len(), 1);
    assert_eq!(s.sent_copies().len(), 1);
}

#[tokio::test]
async fn without_save_in_sent_items_nothing_is_filed() {
    let mut s = Setup::new("sm-nosave", "16.1").await;
    let mime = message(&s.address(), "", "Not filed.");
    s.c.post("SendMail", &send_mail("c-nosave", false, &mime))
        .await
        .assert_status(200);
    assert_eq!(s.submitted().len(), 1);
    assert!(s.sent_copies().is_empty());
}

#[tokio::test]
async fn a_12_1_sendmail_is_raw_mime_with_save_in_sent_in_the_query() {
    let mut s = Setup::new("sm-121", "12.1").await;
    let mime = message(&s.address(), "", "Raw MIME.");
    let query = format!("{}&SaveInSent=T", s.c.plain_query("SendMail"));
    let mut headers: Vec<(String, String)> = s.c.eas_headers();
    headers.retain(|(n, _)| !n.eq_ignore_ascii_case("content-type"));
    headers.push(("Content-Type".into(), "message/rfc822".into()));
    let h: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let r = s.c.post_raw(&query, &h, mime).await;
    r.assert_status(200);
    assert_eq!(s.submitted().len(), 1);
    assert_eq!(s.sent_copies().len(), 1);
}

#[tokio::test]
async fn a_from_the_user_does_not_own_is_refused_with_a_status() {
    let s = Setup::new("sm-from", "16.1").await;
    let mime = message("mallory@example.net", "", "Spoofed.");
    let r =
        s.c.post("SendMail", &send_mail("c-from", true, &mime))
            .await;
    r.assert_status(200);
    assert_eq!(
        r.doc().text_at(&[cm::STATUS]).as_deref(),
        Some("130"),
        "{r:?}"
    );
    assert!(s.submitted().is_empty());
}

fn original() -> Vec<u8> {
    b"From: Bob <bob@example.net>\r\nTo: someone@example.org\r\nSubject: Quarterly report\r\n\
      Message-ID: <report-1@example.net>\r\nDate: Mon, 2 Nov 2026 10:00:00 +0000\r\n\
      MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n\
      --b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe report is attached.\r\n\
      --b1\r\nContent-Type: application/pdf; name=\"report.pdf\"\r\n\
      Content-Disposition: attachment; filename=\"report.pdf\"\r\n\
      Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJcfsj6IKMSAwIG9iago8PC9UeXBlL0NhdGFsb2c+Pgo=\r\n--b1--\r\n"
        .to_vec()
}

#[tokio::test]
async fn a_smart_forward_carries_the_original_attachment_and_marks_it_forwarded() {
    let mut s = Setup::new("sm-fwd", "16.1").await;
    let uid = s.imap.append("INBOX", &original(), &[], None);
    let item = s.inbox_server_id(uid).await;
    let inbox = s.folder_of_type(2);
    let mime = format!(
        "From: {}\r\nTo: dave@example.net\r\nSubject: Fwd: Quarterly report\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nSee below.\r\n",
        s.address()
    );
    let r =
        s.c.post(
            "SmartForward",
            &smart(cm::SMART_FORWARD, "c-fwd", &inbox, &item, mime.as_bytes()),
        )
        .await;
    r.assert_status(200);
    assert!(r.body.is_empty(), "{r:?}");
    let got = s.submitted();
    assert_eq!(got.len(), 1);
    let text = String::from_utf8_lossy(&got[0].1).into_owned();
    assert!(text.contains("See below."), "{text}");
    assert!(text.contains("The report is attached."), "{text}");
    assert!(
        text.contains("JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PC9UeXBlL0NhdGFsb2c+Pgo="),
        "{text}"
    );
    assert!(text.contains("report.pdf"), "{text}");
    let flags = s.imap.flags("INBOX", uid);
    assert!(flags.iter().any(|f| f == "$Forwarded"), "{flags:?}");
    let copies = s.sent_copies();
    assert_eq!(copies.len(), 1);
    assert_eq!(String::from_utf8_lossy(&copies[0].0), text);
}

#[tokio::test]
async fn a_smart_reply_quotes_the_original_and_marks_it_answered() {
    let mut s = Setup::new("sm-reply", "14.1").await;
    let uid = s.imap.append("INBOX", &original(), &[], None);
    let item = s.inbox_server_id(uid).await;
    let inbox = s.folder_of_type(2);
    let mime = format!(
        "From: {}\r\nTo: bob@example.net\r\nSubject: Re: Quarterly report\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nThanks, Bob.\r\n",
        s.address()
    );
    let r =
        s.c.post(
            "SmartReply",
            &smart(cm::SMART_REPLY, "c-reply", &inbox, &item, mime.as_bytes()),
        )
        .await;
    r.assert_status(200);
    let got = s.submitted();
    assert_eq!(got.len(), 1);
    let text = String::from_utf8_lossy(&got[0].1).into_owned();
    assert!(text.contains("Thanks, Bob."), "{text}");
    assert!(text.contains("> The report is attached."), "{text}");
    assert!(
        text.contains("In-Reply-To: <report-1@example.net>"),
        "{text}"
    );
    let flags = s.imap.flags("INBOX", uid);
    assert!(flags.iter().any(|f| f == "\\Answered"), "{flags:?}");
}

#[tokio::test]
async fn a_smart_reply_to_a_message_that_is_gone_gets_status_150() {
    let s = Setup::new("sm-gone", "16.1").await;
    let inbox = s.folder_of_type(2);
    let mime = message(&s.address(), "", "Reply.");
    let r =
        s.c.post(
            "SmartReply",
            &smart(
                cm::SMART_REPLY,
                "c-gone",
                &inbox,
                &format!("{inbox}:4242"),
                &mime,
            ),
        )
        .await;
    r.assert_status(200);
    assert_eq!(
        r.doc().text_at(&[cm::STATUS]).as_deref(),
        Some("150"),
        "{r:?}"
    );
    assert!(s.submitted().is_empty());
}

#[tokio::test]
async fn with_the_smtp_server_down_the_device_is_told_to_retry_and_nothing_is_filed() {
    // An airgate whose submission server does not answer.
    let down = Airgate::builder(env!("CARGO_BIN_EXE_airgate"))
        .without_stack_upstreams()
        .flag("--imap", Stack::get().imap_url())
        .flag("--smtp", "smtp://127.0.0.1:1")
        .start();
    let mut s = Setup::on(&down, "sm-down", "16.1").await;
    let mime = message(&s.address(), "", "Queued on the phone.");
    let r =
        s.c.post("SendMail", &send_mail("c-down", true, &mime))
            .await;
    r.assert_status(503);
    assert!(r.header("retry-after").is_some());
    assert!(s.sent_copies().is_empty());
    let _ = &s.password;
}

// Drafts from a 16.1 device.

use eas_test_client::tags::{airsyncbase as asb, email as em, email2 as em2};

fn draft_data(subject: &str, with_attachment: bool) -> Element {
    let mut d = Element::new(a::APPLICATION_DATA)
        .child(Element::with_text(em::TO, "bob@example.net"))
        .child(Element::with_text(em::SUBJECT, subject))
        .child(
            Element::new(asb::BODY)
                .child(Element::with_text(asb::TYPE, "1"))
                .child(Element::with_text(asb::DATA, "Draft text.")),
        );
    if with_attachment {
        d = d.child(
            Element::new(asb::ATTACHMENTS).child(
                Element::new(asb::ADD)
                    .child(Element::with_text(asb::CLIENT_ID, "att-1"))
                    .child(Element::with_text(asb::CONTENT_TYPE, "text/plain"))
                    .child(Element::with_opaque(
                        asb::CONTENT,
                        b"attached text".to_vec(),
                    ))
                    .child(Element::with_text(asb::DISPLAY_NAME, "notes.txt"))
                    .child(Element::with_text(asb::METHOD, "1")),
            ),
        );
    }
    d
}

async fn drafts_sync(s: &Setup, cid: &str, key: &str, commands: Vec<Element>) -> Response {
    let doc = docs::sync_multi(vec![docs::sync_collection_request(
        cid,
        key,
        None,
        &SyncOpts::default(),
        commands,
    )]);
    let r = s.c.post("Sync", &doc).await;
    r.assert_status(200);
    r
}

fn key_of(r: &Response) -> String {
    r.doc()
        .text_at(&[a::COLLECTIONS, a::COLLECTION, a::SYNC_KEY])
        .unwrap_or_else(|| panic!("no key: {r:?}"))
}

#[tokio::test]
async fn a_draft_is_saved_changed_under_the_same_id_and_sent_from_drafts() {
    let mut s = Setup::new("sm-draft", "16.1").await;
    let drafts = s.folder_of_type(3);
    let r = drafts_sync(&s, &drafts, "0", Vec::new()).await;
    let key = key_of(&r);

    // Add: a draft message with \Draft, its ServerId and the attachment's FileReference.
    let add = Element::new(a::ADD)
        .child(Element::with_text(a::CLIENT_ID, "d-1"))
        .child(draft_data("First draft", true));
    let r = drafts_sync(&s, &drafts, &key, vec![add]).await;
    let resp = r
        .doc()
        .at(&[a::COLLECTIONS, a::COLLECTION, a::RESPONSES, a::ADD])
        .unwrap_or_else(|| panic!("{r:?}"))
        .clone();
    assert_eq!(resp.text_at(&[a::STATUS]).as_deref(), Some("1"), "{r:?}");
    let sid = resp.text_at(&[a::SERVER_ID]).unwrap();
    let reference = resp
        .text_at(&[
            a::APPLICATION_DATA,
            asb::ATTACHMENTS,
            asb::ATTACHMENT,
            asb::FILE_REFERENCE,
        ])
        .unwrap_or_else(|| panic!("{r:?}"));
    assert!(reference.starts_with(&format!("{sid}:")), "{reference}");
    let uids = s.imap.uids("Drafts");
    assert_eq!(uids.len(), 1);
    assert!(
        s.imap
            .flags("Drafts", uids[0])
            .iter()
            .any(|f| f == "\\Draft")
    );
    let raw = String::from_utf8_lossy(&s.imap.fetch_raw("Drafts", uids[0])).into_owned();
    assert!(
        raw.contains("First draft") && raw.contains("notes.txt"),
        "{raw}"
    );
    let key = key_of(&r);

    // Change: a new version under the same ServerId, the attachment kept.
    let change = Element::new(a::CHANGE)
        .child(Element::with_text(a::SERVER_ID, &sid))
        .child(
            Element::new(a::APPLICATION_DATA)
                .child(Element::with_text(em::SUBJECT, "Second draft")),
        );
    let r = drafts_sync(&s, &drafts, &key, vec![change]).await;
    let key = key_of(&r);
    let uids = s.imap.uids("Drafts");
    assert_eq!(uids.len(), 1, "the old version is expunged");
    let raw = String::from_utf8_lossy(&s.imap.fetch_raw("Drafts", uids[0])).into_owned();
    assert!(
        raw.contains("Second draft") && raw.contains("notes.txt"),
        "{raw}"
    );
    // ItemOperations reaches the new version by the old ServerId too.
    let io =
        s.c.post(
            "ItemOperations",
            &docs::item_operations_fetch_item(&drafts, &sid, 1),
        )
        .await;
    io.assert_status(200);
    assert!(format!("{io:?}").contains("Second draft"), "{io:?}");
    let r = drafts_sync(&s, &drafts, &key, Vec::new()).await;
    let text = format!("{r:?}");
    assert!(
        !text.contains("<Add>") && !text.contains("<Delete>"),
        "{text}"
    );
    let key = key_of(&r);

    // Send: submitted, filed in Sent, gone from Drafts; the device gets the Delete.
    let send = Element::new(a::CHANGE)
        .child(Element::with_text(a::SERVER_ID, &sid))
        .child(Element::new(a::APPLICATION_DATA).child(Element::new(em2::SEND)));
    let r = drafts_sync(&s, &drafts, &key, vec![send]).await;
    let got = s.submitted();
    assert_eq!(got.len(), 1);
    assert!(String::from_utf8_lossy(&got[0].1).contains("Second draft"));
    assert!(s.imap.uids("Drafts").is_empty());
    assert_eq!(s.sent_copies().len(), 1);
    let mut text = format!("{r:?}");
    if !text.contains(&sid) {
        text = format!(
            "{:?}",
            drafts_sync(&s, &drafts, &key_of(&r), Vec::new()).await
        );
    }
    assert!(text.contains("<Delete>") && text.contains(&sid), "{text}");
}

#[tokio::test]
async fn a_message_over_the_size_limit_gets_status_122_and_is_not_sent() {
    let small = Airgate::builder(env!("CARGO_BIN_EXE_airgate"))
        .flag("--send-max-message-kib", 1)
        .start();
    let s = Setup::on(&small, "sm-big", "16.1").await;
    let mime = message(&s.address(), "", &"x".repeat(4000));
    let r = s.c.post("SendMail", &send_mail("c-big", true, &mime)).await;
    r.assert_status(200);
    assert_eq!(
        r.doc().text_at(&[cm::STATUS]).as_deref(),
        Some("122"),
        "{r:?}"
    );
    assert!(s.submitted().is_empty());
}

#[tokio::test]
async fn without_an_smtp_server_the_send_commands_are_not_offered() {
    let none = Airgate::builder(env!("CARGO_BIN_EXE_airgate"))
        .without_stack_upstreams()
        .flag("--imap", Stack::get().imap_url())
        .start();
    let r = none.client("alice", &device_id("sm-none")).options().await;
    let commands = r
        .header("ms-asprotocolcommands")
        .unwrap_or_default()
        .to_owned();
    assert!(!commands.contains("SendMail"), "{commands}");
    assert!(commands.contains("Sync"), "{commands}");
}

#[tokio::test]
async fn a_12_1_client_that_sends_a_wbxml_sendmail_is_understood() {
    let mut s = Setup::new("sm-121wb", "12.1").await;
    let mime = message(&s.address(), "", "WBXML from 12.1.");
    let r =
        s.c.post("SendMail", &send_mail("c-121wb", true, &mime))
            .await;
    r.assert_status(200);
    assert_eq!(s.submitted().len(), 1);
    assert_eq!(s.sent_copies().len(), 1);
}
