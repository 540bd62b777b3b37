//! SendMail, SmartReply and SmartForward against the in-memory store and an outbox that
//! records what it is given.

use eas::compose_mail::{ComposeKind, ComposeMailRequest, Source};
use eas::{CommonStatus, ErrorReply, ProtocolVersion};
use tokio::io::{AsyncRead, AsyncReadExt};

use super::*;
use crate::mail::backend::Flag;
use crate::mail::tests::{World, world};

/// Records submissions; fails them as told.
#[derive(Default)]
struct Recorder {
    sent: Vec<(Envelope, Vec<u8>)>,
    fail: Option<fn() -> SubmitError>,
}

impl Outbox for Recorder {
    async fn submit<R: AsyncRead + Unpin + Send>(
        &mut self,
        envelope: &Envelope,
        len: u64,
        mut message: R,
    ) -> Result<(), SubmitError> {
        if let Some(f) = self.fail {
            return Err(f());
        }
        let mut bytes = Vec::new();
        message
            .read_to_end(&mut bytes)
            .await
            .map_err(|e| SubmitError::Temporary(e.to_string()))?;
        if bytes.len() as u64 != len {
            return Err(SubmitError::Temporary("short message".into()));
        }
        self.sent.push((envelope.clone(), bytes));
        Ok(())
    }
}

const ME: &str = "alice@example.test";

fn identity() -> Identity {
    Identity {
        addresses: vec![ME.to_owned()],
    }
}

fn mime(from: &str, extra: &str) -> Vec<u8> {
    format!(
        "From: Alice <{from}>\r\nTo: Bob <bob@example.test>\r\n{extra}Subject: Hello\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nHi Bob.\r\n"
    )
    .into_bytes()
}

fn request(kind: ComposeKind, client_id: &str, mime: Vec<u8>) -> ComposeMailRequest {
    ComposeMailRequest {
        kind,
        client_id: Some(client_id.to_owned()),
        account_id: None,
        save_in_sent_items: true,
        replace_mime: false,
        source: None,
        mime,
        template_id: None,
        forwardees: Vec::new(),
        body: None,
    }
}

async fn run(w: &mut World, out: &mut Recorder, req: &ComposeMailRequest) -> Reply {
    // The Sent folder is found through the device's folder list.
    w.id("Inbox").await;
    let me = identity();
    let ctx = MailContext {
        store: &w.store,
        device: &w.device,
        version: ProtocolVersion::V16_1,
        config: &w.config,
        now: crate::mail::tests::NOW,
        accept_multipart: false,
        identity: Some(&me),
    };
    compose_mail(&ctx, &mut w.mem, out, req).await.unwrap()
}

fn sent_box(w: &World) -> Vec<(Vec<u8>, Vec<Flag>)> {
    w.mem.boxes["Sent"]
        .messages
        .values()
        .map(|m| (m.raw.clone(), m.flags.clone()))
        .collect()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[tokio::test]
async fn a_sendmail_is_submitted_without_bcc_and_copied_to_sent_with_it() {
    let mut w = world();
    let mut out = Recorder::default();
    let req = request(
        ComposeKind::SendMail,
        "c1",
        mime(ME, "Bcc: carol@example.test\r\n"),
    );
    assert!(matches!(run(&mut w, &mut out, &req).await, Reply::Empty));
    let (env, bytes) = &out.sent[0];
    assert_eq!(env.mail_from, ME);
    assert_eq!(env.rcpt_to, ["bob@example.test", "carol@example.test"]);
    assert!(!text(bytes).contains("carol@"), "{}", text(bytes));
    assert!(text(bytes).contains("Hi Bob."));
    let sent = sent_box(&w);
    assert_eq!(sent.len(), 1);
    assert!(text(&sent[0].0).contains("Bcc: carol@example.test"));
    assert!(sent[0].1.contains(&Flag::Seen));
}

#[tokio::test]
async fn a_retry_with_the_same_client_id_is_not_submitted_again() {
    let mut w = world();
    let mut out = Recorder::default();
    let req = request(ComposeKind::SendMail, "c1", mime(ME, ""));
    run(&mut w, &mut out, &req).await;
    assert!(matches!(run(&mut w, &mut out, &req).await, Reply::Empty));
    assert_eq!(out.sent.len(), 1);
    assert_eq!(sent_box(&w).len(), 1);
    let other = request(ComposeKind::SendMail, "c2", mime(ME, ""));
    run(&mut w, &mut out, &other).await;
    assert_eq!(out.sent.len(), 2);
}

#[tokio::test]
async fn a_from_that_is_not_the_users_is_refused_with_a_status_and_not_sent() {
    let mut w = world();
    let mut out = Recorder::default();
    let req = request(
        ComposeKind::SendMail,
        "c1",
        mime("mallory@example.test", ""),
    );
    let reply = run(&mut w, &mut out, &req).await;
    assert!(
        matches!(reply, Reply::Failed(ErrorReply::Status(130))),
        "{reply:?}"
    );
    assert!(out.sent.is_empty());
}

#[tokio::test]
async fn a_message_without_recipients_gets_status_119() {
    let mut w = world();
    let mut out = Recorder::default();
    let raw = b"From: alice@example.test\r\nSubject: x\r\n\r\nbody\r\n".to_vec();
    let reply = run(&mut w, &mut out, &request(ComposeKind::SendMail, "c1", raw)).await;
    let want = CommonStatus::MessageHasNoRecipient.code();
    assert!(
        matches!(reply, Reply::Failed(ErrorReply::Status(c)) if c == want),
        "{reply:?}"
    );
}

#[tokio::test]
async fn a_temporary_failure_is_unavailable_and_the_retry_is_submitted() {
    let mut w = world();
    let mut out = Recorder {
        fail: Some(|| SubmitError::Temporary("421".into())),
        ..Recorder::default()
    };
    let req = request(ComposeKind::SendMail, "c1", mime(ME, ""));
    w.id("Inbox").await;
    let me = identity();
    let ctx = MailContext {
        store: &w.store,
        device: &w.device,
        version: ProtocolVersion::V16_1,
        config: &w.config,
        now: crate::mail::tests::NOW,
        accept_multipart: false,
        identity: Some(&me),
    };
    let r = compose_mail(&ctx, &mut w.mem, &mut out, &req).await;
    assert!(matches!(r, Err(EngineError::Unavailable(_))), "{r:?}");
    assert!(sent_box(&w).is_empty());
    out.fail = None;
    run(&mut w, &mut out, &req).await;
    assert_eq!(out.sent.len(), 1);
}

#[tokio::test]
async fn without_save_in_sent_nothing_is_appended() {
    let mut w = world();
    w.config.send.save_in_sent = false;
    let mut out = Recorder::default();
    run(
        &mut w,
        &mut out,
        &request(ComposeKind::SendMail, "c1", mime(ME, "")),
    )
    .await;
    assert_eq!(out.sent.len(), 1);
    assert!(sent_box(&w).is_empty());
}

fn original_with_attachment() -> Vec<u8> {
    b"From: Bob <bob@example.test>\r\nTo: alice@example.test\r\nSubject: Report\r\n\
      Message-ID: <orig@example.test>\r\nDate: Mon, 2 Nov 2026 10:00:00 +0000\r\n\
      MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n\
      --b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe report is attached.\r\n\
      --b1\r\nContent-Type: application/pdf; name=\"r.pdf\"\r\n\
      Content-Disposition: attachment; filename=\"r.pdf\"\r\n\
      Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJcfsj6IK\r\n--b1--\r\n"
        .to_vec()
}

async fn smart(kind: ComposeKind) -> (World, Recorder, u32) {
    let mut w = world();
    let uid = w.mem.append(
        "INBOX",
        &original_with_attachment(),
        crate::mail::tests::NOW,
    );
    let inbox = w.id("Inbox").await;
    let mut out = Recorder::default();
    let mut req = request(
        kind,
        "c1",
        format!(
            "From: {ME}\r\nTo: bob@example.test\r\nSubject: Re: Report\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\r\nThanks!\r\n"
        )
        .into_bytes(),
    );
    req.source = Some(Source {
        folder_id: Some(inbox.clone()),
        item_id: Some(format!("{inbox}:{uid}")),
        long_id: None,
        instance_id: None,
    });
    let reply = run(&mut w, &mut out, &req).await;
    assert!(matches!(reply, Reply::Empty), "{reply:?}");
    (w, out, uid)
}

#[tokio::test]
async fn a_smart_reply_quotes_the_original_and_marks_it_answered() {
    let (w, out, uid) = smart(ComposeKind::SmartReply).await;
    let sent = text(&out.sent[0].1);
    assert!(sent.contains("Thanks!"), "{sent}");
    assert!(sent.contains("> The report is attached."), "{sent}");
    assert!(sent.contains("In-Reply-To: <orig@example.test>"), "{sent}");
    assert!(
        !sent.contains("JVBERi0xLjQKJcfsj6IK"),
        "a reply carries no attachment"
    );
    let flags = &w.mem.boxes["INBOX"].messages[&uid].flags;
    assert!(flags.contains(&Flag::Answered), "{flags:?}");
}

#[tokio::test]
async fn a_smart_forward_carries_the_original_attachment_and_marks_it_forwarded() {
    let (w, out, uid) = smart(ComposeKind::SmartForward).await;
    let sent = text(&out.sent[0].1);
    assert!(sent.contains("JVBERi0xLjQKJcfsj6IK"), "{sent}");
    assert!(sent.contains("r.pdf"), "{sent}");
    let copy = sent_box(&w);
    assert_eq!(copy.len(), 1);
    assert_eq!(
        text(&copy[0].0),
        sent,
        "the Sent copy is what was sent (no Bcc here)"
    );
    let flags = &w.mem.boxes["INBOX"].messages[&uid].flags;
    assert!(flags.contains(&Flag::forwarded()), "{flags:?}");
}

#[tokio::test]
async fn a_smart_reply_to_an_unknown_item_gets_status_150() {
    let mut w = world();
    let inbox = w.id("Inbox").await;
    let mut out = Recorder::default();
    let mut req = request(ComposeKind::SmartReply, "c1", mime(ME, ""));
    req.source = Some(Source {
        folder_id: Some(inbox.clone()),
        item_id: Some(format!("{inbox}:999")),
        long_id: None,
        instance_id: None,
    });
    let reply = run(&mut w, &mut out, &req).await;
    assert!(
        matches!(reply, Reply::Failed(ErrorReply::Status(150))),
        "{reply:?}"
    );
    assert!(out.sent.is_empty());
}

#[tokio::test]
async fn a_device_that_never_ran_folder_sync_still_gets_its_sent_copy() {
    let mut w = world();
    let mut out = Recorder::default();
    let req = request(ComposeKind::SendMail, "c1", mime(ME, ""));
    let me = identity();
    let ctx = MailContext {
        store: &w.store,
        device: &w.device,
        version: ProtocolVersion::V16_1,
        config: &w.config,
        now: crate::mail::tests::NOW,
        accept_multipart: false,
        identity: Some(&me),
    };
    let reply = compose_mail(&ctx, &mut w.mem, &mut out, &req)
        .await
        .unwrap();
    assert!(matches!(reply, Reply::Empty));
    assert_eq!(sent_box(&w).len(), 1);
}
