//! The mail operations of `ImapSession` and the `SessionPool` against the
//! Dovecot of tests/stack. Runs when AIRGATE_STACK_ENV names the stack.env
//! that tests/stack/start.sh wrote; without it the tests pass with a note,
//! unless AIRGATE_REQUIRE_STACK is set.
//!
//! Each test logs in as its own user, `upNN` (password `upNN-secret`), when
//! the stack has it (start it with STACK_EXTRA_USERS, as tests/run.sh does),
//! else as `bob`; either way each test works in mailboxes whose names are
//! unique to the run, so tests do not see each other's messages and a
//! second run on the same stack starts clean.

mod support;

use std::collections::HashMap;
use std::future::Future;
use std::task::Poll;
use std::time::Duration;

use convert::mail::{PartKind, PartPath, TransferEncoding};
use upstream::imap::utf7;
use upstream::{
    Flag, ImapClient, ImapEndpoint, ImapError, ImapSession, SessionPool, SpecialUse, StoreOp,
    SyncMode, Timeouts, TlsConfig,
};

struct Stack {
    env: HashMap<String, String>,
}

impl Stack {
    fn get(&self, key: &str) -> &str {
        self.env
            .get(key)
            .unwrap_or_else(|| panic!("{key} missing from the stack.env"))
    }

    /// The test's own user if the stack has it, else bob.
    fn user(&self, n: u32) -> (String, String) {
        let name = format!("up{n:02}");
        let pair = format!("{name}:{name}-secret");
        if self
            .get("STACK_USERS")
            .split_whitespace()
            .any(|p| p == pair)
        {
            (name.clone(), format!("{name}-secret"))
        } else {
            ("bob".into(), "bob-secret".into())
        }
    }

    fn client(&self) -> ImapClient {
        let endpoint = ImapEndpoint::parse(self.get("STACK_IMAP_URL")).unwrap();
        ImapClient::new(
            endpoint,
            TlsConfig::platform(),
            Timeouts {
                connect: Duration::from_secs(5),
                response: Duration::from_secs(30),
            },
        )
    }

    async fn session(&self, n: u32) -> ImapSession {
        let (user, password) = self.user(n);
        self.client()
            .login(&user, &password)
            .await
            .unwrap_or_else(|e| panic!("{user} logs in: {e}"))
    }
}

fn stack(test: &str) -> Option<Stack> {
    support::stack_env("mail_ops", test).map(|env| Stack { env })
}

/// A mailbox name unique to this run and test.
fn unique(test: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{test}-{}-{nanos}", std::process::id())
}

fn simple_message(subject: &str, body: &str) -> Vec<u8> {
    format!(
        "From: Alice <alice@example.org>\r\nTo: Bob <bob@example.org>\r\nSubject: {subject}\r\n\
         Message-ID: <{subject}@example.org>\r\nDate: Sun, 22 Nov 2026 08:00:00 +0000\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

const PLAIN: &str = "Hello Bob, the quarterly report is attached. Regards";

/// multipart/mixed: alternative (plain, html), a PDF attachment, and a
/// forwarded message that is itself multipart.
fn complex_message() -> Vec<u8> {
    format!(
        "From: Alice <alice@example.org>\r\n\
To: Bob <bob@example.org>\r\n\
Subject: Report\r\n\
Message-ID: <report@example.org>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"outer\"\r\n\
\r\n\
--outer\r\n\
Content-Type: multipart/alternative; boundary=\"alt\"\r\n\
\r\n\
--alt\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
Content-Transfer-Encoding: 7bit\r\n\
\r\n\
{PLAIN}\r\n\
--alt\r\n\
Content-Type: text/html; charset=utf-8\r\n\
\r\n\
<p>Hello Bob, the quarterly report is attached.</p>\r\n\
--alt--\r\n\
--outer\r\n\
Content-Type: application/pdf; name=\"report.pdf\"\r\n\
Content-Disposition: attachment; filename=\"report.pdf\"\r\n\
Content-Transfer-Encoding: base64\r\n\
Content-ID: <pdf1@example.org>\r\n\
\r\n\
JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PC9UeXBlL0NhdGFsb2c+PgplbmRvYmoKdHJhaWxlcgo8\r\n\
PC9Sb290IDEgMCBSPj4KJSVFT0YK\r\n\
--outer\r\n\
Content-Type: message/rfc822\r\n\
Content-Disposition: attachment\r\n\
\r\n\
From: Carol <carol@example.org>\r\n\
Subject: Inner\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"inner\"\r\n\
\r\n\
--inner\r\n\
Content-Type: text/plain\r\n\
\r\n\
inner text\r\n\
--inner\r\n\
Content-Type: image/png; name=\"dot.png\"\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
iVBORw0KGgo=\r\n\
--inner--\r\n\
--outer--\r\n"
    )
    .into_bytes()
}

fn unix(y: i32, m: u32, d: u32) -> i64 {
    // Days from civil (proleptic Gregorian).
    let y = if m <= 2 { y - 1 } else { y } as i64;
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146097 + doe - 719468) * 86400
}

#[tokio::test]
async fn list_shows_special_use_and_non_ascii_names() {
    let Some(stack) = stack("list_shows_special_use_and_non_ascii_names") else {
        return;
    };
    let mut s = stack.session(1).await;
    let base = unique("list");
    let drafts = format!("{base} Entwürfe");
    let child = format!("{base} Ä/Ünter 台北");
    let quoted = format!("{base} \"q\" \\ b");
    for name in [&drafts, &child, &quoted] {
        s.create(&utf7::encode(name)).await.expect("create");
    }
    s.subscribe(&utf7::encode(&drafts))
        .await
        .expect("subscribe");

    let list = s.list_mailboxes().await.expect("LIST");
    let find = |path: &str| {
        list.iter()
            .find(|m| m.display_path == path)
            .unwrap_or_else(|| panic!("{path} not in {list:#?}"))
    };
    let inbox = find("INBOX");
    assert_eq!(inbox.name, "INBOX");
    assert!(!inbox.no_select);
    for (name, special) in [
        ("Drafts", SpecialUse::Drafts),
        ("Sent", SpecialUse::Sent),
        ("Trash", SpecialUse::Trash),
        ("Junk", SpecialUse::Junk),
    ] {
        let m = find(name);
        assert_eq!(m.special_use, Some(special), "{m:?}");
        assert!(m.subscribed, "{m:?}");
        assert_eq!(m.delimiter, Some('/'));
    }
    let d = find(&drafts);
    assert_eq!(d.name, utf7::encode(&drafts));
    assert!(d.name.is_ascii() && d.name.contains("&APw-"), "{}", d.name);
    assert!(d.subscribed && !d.no_select && d.special_use.is_none());
    let c = find(&child);
    assert!(!c.no_select && !c.subscribed);
    // The parent was never created itself: a hierarchy node.
    let parent = find(&format!("{base} Ä"));
    assert!(parent.no_select, "{parent:?}");
    // Quotes and backslashes survive the round trip (sent as a literal,
    // listed quoted with escapes).
    let q = find(&quoted);
    assert_eq!(q.name, quoted);
    s.select(&q.name).await.expect("select the quoted name");
    s.logout().await.unwrap();
}

#[tokio::test]
async fn status_and_select() {
    let Some(stack) = stack("status_and_select") else {
        return;
    };
    let mut s = stack.session(2).await;
    let mb = unique("status");
    s.create(&mb).await.unwrap();
    s.append(&mb, &[Flag::Seen], None, &simple_message("one", "first"))
        .await
        .unwrap();
    s.append(&mb, &[], None, &simple_message("two", "second"))
        .await
        .unwrap();
    let st = s.status(&mb).await.expect("STATUS");
    assert_eq!(st.messages, 2);
    assert_eq!(st.unseen, 1);
    assert_eq!(st.uid_next, 3);
    assert!(st.uid_validity > 0);
    let modseq = st.highest_modseq.expect("CONDSTORE gives HIGHESTMODSEQ");
    assert_eq!(s.mode(), SyncMode::Qresync);
    let sel = s.select(&mb).await.expect("SELECT");
    assert_eq!(sel.exists, 2);
    assert_eq!(sel.uid_validity, st.uid_validity);
    assert_eq!(sel.uid_next, 3);
    assert_eq!(sel.highest_modseq, Some(modseq));
    assert_eq!(s.selected_mailbox(), Some(mb.as_str()));
    // A second SELECT of the same mailbox is answered fresh.
    s.append(&mb, &[], None, &simple_message("three", "third"))
        .await
        .unwrap();
    let again = s.select(&mb).await.unwrap();
    assert_eq!(again.exists, 3);
    assert_eq!(again.uid_next, 4);
    assert!(again.highest_modseq > Some(modseq));
    s.logout().await.unwrap();
}

#[tokio::test]
async fn qresync_reports_new_changed_and_vanished() {
    let Some(stack) = stack("qresync_reports_new_changed_and_vanished") else {
        return;
    };
    let mut s = stack.session(3).await;
    // Another session of the same user makes the changes.
    let mut other = stack.session(3).await;
    let mb = unique("qresync");
    s.create(&mb).await.unwrap();
    for i in 1..=3 {
        s.append(&mb, &[], None, &simple_message(&format!("m{i}"), "x"))
            .await
            .unwrap();
    }
    assert_eq!(s.mode(), SyncMode::Qresync);
    let before = s.select(&mb).await.unwrap();
    let base = before.highest_modseq.unwrap();
    let nothing = s.changes_since(base).await.unwrap();
    assert_eq!(nothing.changed, []);
    assert_eq!(nothing.vanished, Some(vec![]));

    other.select(&mb).await.unwrap();
    other
        .store_flags(&[1], StoreOp::Add, &[Flag::Seen])
        .await
        .unwrap();
    other.expunge_uids(&[2]).await.unwrap();
    other
        .append(&mb, &[Flag::Flagged], None, &simple_message("m4", "x"))
        .await
        .unwrap();

    let after = s.select(&mb).await.unwrap();
    assert!(after.highest_modseq.unwrap() > base);
    let changes = s.changes_since(base).await.unwrap();
    let uids: Vec<u32> = changes.changed.iter().map(|c| c.uid).collect();
    assert_eq!(uids, [1, 4]);
    assert!(changes.changed[0].flags.has(&Flag::Seen));
    assert!(changes.changed[1].flags.has(&Flag::Flagged));
    assert!(changes.changed.iter().all(|c| c.modseq.unwrap() > base));
    assert_eq!(changes.vanished, Some(vec![2]));
    // From the new baseline: nothing.
    let none = s
        .changes_since(after.highest_modseq.unwrap())
        .await
        .unwrap();
    assert_eq!(none.changed, []);
    assert_eq!(none.vanished, Some(vec![]));

    // Changes while this mailbox is selected arrive as unsolicited
    // responses; the next CHANGEDSINCE still reports them.
    other.expunge_uids(&[3]).await.unwrap();
    s.noop().await.unwrap();
    let late = s
        .changes_since(after.highest_modseq.unwrap())
        .await
        .unwrap();
    assert_eq!(late.vanished, Some(vec![3]));
    other.logout().await.unwrap();
    s.logout().await.unwrap();
}

#[tokio::test]
async fn refresh_confirms_an_unchanged_mailbox_and_sees_other_sessions_changes() {
    let Some(stack) = stack("refresh_confirms_an_unchanged_mailbox") else {
        return;
    };
    let mut s = stack.session(13).await;
    let mut other = stack.session(13).await;
    let mb = unique("refresh");
    s.create(&mb).await.unwrap();
    for i in 1..=3 {
        s.append(&mb, &[], None, &simple_message(&format!("r{i}"), "x"))
            .await
            .unwrap();
    }
    let first = s.select(&mb).await.unwrap();
    // Unchanged: the SELECT's counters, confirmed by a NOOP.
    assert_eq!(s.confirm_unchanged(&mb).await.unwrap(), Some(first));
    assert_eq!(s.refresh(&mb).await.unwrap(), first);
    // Reading does not count as a change.
    s.fetch_summaries(&[1, 2, 3], &["Subject"]).await.unwrap();
    s.fetch_sections_many(&[(1, vec![("1".into(), None)])])
        .await
        .unwrap();
    assert_eq!(s.confirm_unchanged(&mb).await.unwrap(), Some(first));
    // Not for another mailbox.
    assert_eq!(s.confirm_unchanged("INBOX").await.unwrap(), None);

    // Each kind of change by another session is seen.
    other.select(&mb).await.unwrap();
    other
        .store_flags(&[1], StoreOp::Add, &[Flag::Seen])
        .await
        .unwrap();
    assert_eq!(s.confirm_unchanged(&mb).await.unwrap(), None);
    let flagged = s.refresh(&mb).await.unwrap();
    assert!(flagged.highest_modseq > first.highest_modseq);
    assert_eq!(s.confirm_unchanged(&mb).await.unwrap(), Some(flagged));

    other
        .append(&mb, &[], None, &simple_message("r4", "x"))
        .await
        .unwrap();
    let added = s.refresh(&mb).await.unwrap();
    assert_eq!((added.exists, added.uid_next), (4, 5));

    other.expunge_uids(&[2]).await.unwrap();
    let expunged = s.refresh(&mb).await.unwrap();
    assert_eq!(expunged.exists, 3);
    assert!(expunged.highest_modseq > added.highest_modseq);

    // This session's own writes count too.
    s.store_flags(&[3], StoreOp::Add, &[Flag::Flagged])
        .await
        .unwrap();
    assert_eq!(s.confirm_unchanged(&mb).await.unwrap(), None);
    let own = s.refresh(&mb).await.unwrap();
    assert!(own.highest_modseq > expunged.highest_modseq);

    // UNSELECT leaves nothing selected; STATUS then works as for any mailbox.
    assert!(s.unselect().await.unwrap());
    assert_eq!(s.selected_mailbox(), None);
    assert!(!s.unselect().await.unwrap());
    let st = s.status(&mb).await.unwrap();
    assert_eq!(st.messages, 3);
    assert_eq!(st.highest_modseq, own.highest_modseq);

    // Deleted and re-created under this session: Dovecot's NOOP says NO; a new SELECT sees
    // the new mailbox.
    let old = s.select(&mb).await.unwrap();
    other.delete(&mb).await.unwrap();
    other.create(&mb).await.unwrap();
    assert_eq!(s.confirm_unchanged(&mb).await.unwrap(), None);
    let new = s.refresh(&mb).await.unwrap();
    assert_ne!(new.uid_validity, old.uid_validity);
    assert_eq!(new.exists, 0);
    other.logout().await.unwrap();
    s.logout().await.unwrap();
}

#[tokio::test]
async fn condstore_mode_reports_no_vanished() {
    let Some(stack) = stack("condstore_mode_reports_no_vanished") else {
        return;
    };
    let mut s = stack.session(4).await;
    s.force_mode(SyncMode::Qresync); // never raises
    s.force_mode(SyncMode::Condstore);
    assert_eq!(s.mode(), SyncMode::Condstore);
    let mb = unique("condstore");
    s.create(&mb).await.unwrap();
    for i in 1..=2 {
        s.append(&mb, &[], None, &simple_message(&format!("c{i}"), "x"))
            .await
            .unwrap();
    }
    let sel = s.select(&mb).await.unwrap();
    let base = sel
        .highest_modseq
        .expect("SELECT (CONDSTORE) gives HIGHESTMODSEQ");
    s.store_flags(&[2], StoreOp::Add, &[Flag::Answered])
        .await
        .unwrap();
    s.expunge_uids(&[1]).await.unwrap();
    let changes = s.changes_since(base).await.unwrap();
    assert_eq!(changes.vanished, None);
    assert_eq!(changes.changed.len(), 1);
    assert_eq!(changes.changed[0].uid, 2);
    assert!(changes.changed[0].flags.has(&Flag::Answered));
    // What the engine then does to find expunges.
    assert_eq!(s.uid_search(None).await.unwrap(), [2]);

    s.force_mode(SyncMode::Plain);
    let plain = s.select(&mb).await.unwrap();
    assert_eq!(plain.highest_modseq, None);
    assert!(matches!(
        s.changes_since(base).await,
        Err(ImapError::Unsupported(_))
    ));
    let flags = s.fetch_flags(&[2]).await.unwrap();
    assert_eq!(flags[0].modseq, None);
    s.logout().await.unwrap();
}

#[tokio::test]
async fn uid_search_since_uses_the_internal_date() {
    let Some(stack) = stack("uid_search_since_uses_the_internal_date") else {
        return;
    };
    let mut s = stack.session(5).await;
    let mb = unique("search");
    s.create(&mb).await.unwrap();
    for (i, (y, m, d)) in [(2020, 1, 1), (2025, 6, 1), (2026, 1, 2)]
        .into_iter()
        .enumerate()
    {
        let at = unix(y, m, d) + 12 * 3600;
        let (_, uid) = s
            .append(&mb, &[], Some(at), &simple_message(&format!("s{i}"), "x"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(uid, i as u32 + 1);
    }
    assert!(matches!(
        s.uid_search(None).await,
        Err(ImapError::InvalidInput(_))
    ));
    s.select(&mb).await.unwrap();
    assert_eq!(s.uid_search(None).await.unwrap(), [1, 2, 3]);
    assert_eq!(s.uid_search(Some((2025, 1, 1))).await.unwrap(), [2, 3]);
    assert_eq!(s.uid_search(Some((2026, 1, 2))).await.unwrap(), [3]);
    assert_eq!(s.uid_search(Some((2027, 1, 1))).await.unwrap(), []);
    assert!(matches!(
        s.uid_search(Some((2026, 2, 30))).await,
        Err(ImapError::InvalidInput(_))
    ));
    let sums = s.fetch_summaries(&[1, 3], &["Subject"]).await.unwrap();
    assert_eq!(sums[0].internal_date, unix(2020, 1, 1) + 12 * 3600);
    assert_eq!(sums[1].internal_date, unix(2026, 1, 2) + 12 * 3600);
    s.logout().await.unwrap();
}

#[tokio::test]
async fn summaries_of_a_multipart_message() {
    let Some(stack) = stack("summaries_of_a_multipart_message") else {
        return;
    };
    let mut s = stack.session(6).await;
    let mb = unique("summaries");
    s.create(&mb).await.unwrap();
    let message = complex_message();
    let (_, uid) = s
        .append(
            &mb,
            &[Flag::Seen, Flag::Keyword("$Forwarded".into())],
            None,
            &message,
        )
        .await
        .unwrap()
        .unwrap();
    let (_, plain_uid) = s
        .append(&mb, &[], None, &simple_message("plain", "just text"))
        .await
        .unwrap()
        .unwrap();
    s.select(&mb).await.unwrap();
    let sums = s
        .fetch_summaries(&[plain_uid, 999, uid], &["From", "Subject", "Message-ID"])
        .await
        .unwrap();
    assert_eq!(
        sums.iter().map(|m| m.uid).collect::<Vec<_>>(),
        [uid, plain_uid]
    );
    let m = &sums[0];
    assert_eq!(m.size, message.len() as u64);
    assert!(m.flags.has(&Flag::Seen));
    assert_eq!(m.flags.keywords().collect::<Vec<_>>(), ["$Forwarded"]);
    assert!(m.modseq.is_some());
    assert!(m.internal_date > unix(2026, 1, 1));
    let header = String::from_utf8(m.header.clone()).unwrap();
    assert!(header.contains("Subject: Report\r\n"), "{header}");
    assert!(
        header.contains("Message-ID: <report@example.org>"),
        "{header}"
    );
    assert!(!header.contains("To:"), "{header}");
    assert!(header.ends_with("\r\n\r\n"), "{header:?}");

    let st = &m.structure;
    assert!(st.is("multipart", "mixed"), "{st:?}");
    assert_eq!(st.path, PartPath(vec![]));
    let at = |p: &[u32]| {
        st.find(&PartPath(p.to_vec()))
            .unwrap_or_else(|| panic!("no part {p:?} in {st:#?}"))
    };
    assert!(at(&[1]).is("multipart", "alternative"));
    let plain = at(&[1, 1]);
    assert!(plain.is("text", "plain"));
    assert_eq!(plain.param("charset"), Some("utf-8"));
    assert_eq!(plain.encoding, Some(TransferEncoding::SevenBit));
    // The CRLF before a boundary belongs to the boundary.
    assert_eq!(plain.size, PLAIN.len() as u64);
    assert!(at(&[1, 2]).is("text", "html"));
    let pdf = at(&[2]);
    assert!(pdf.is("application", "pdf"));
    assert!(pdf.is_attachment_disposition());
    assert_eq!(pdf.param("name"), Some("report.pdf"));
    assert_eq!(pdf.content_id.as_deref(), Some("<pdf1@example.org>"));
    assert_eq!(pdf.encoding, Some(TransferEncoding::Base64));
    let fwd = at(&[3]);
    assert!(fwd.is("message", "rfc822"));
    let PartKind::Message(inner) = &fwd.kind else {
        panic!("{fwd:?}")
    };
    assert!(inner.is("multipart", "mixed"));
    assert!(at(&[3, 1]).is("text", "plain"));
    assert!(at(&[3, 2]).is("image", "png"));
    assert_eq!(
        st.leaves()
            .iter()
            .map(|l| l.path.section())
            .collect::<Vec<_>>(),
        ["1.1", "1.2", "2", "3"]
    );

    let p = &sums[1];
    assert_eq!(p.structure.path, PartPath(vec![1]));
    assert!(p.structure.is("text", "plain"));
    assert!(p.flags.0.is_empty());
    s.logout().await.unwrap();
}

#[tokio::test]
async fn sections_whole_and_partial() {
    let Some(stack) = stack("sections_whole_and_partial") else {
        return;
    };
    let mut s = stack.session(7).await;
    let mb = unique("sections");
    s.create(&mb).await.unwrap();
    let message = complex_message();
    let (_, uid) = s.append(&mb, &[], None, &message).await.unwrap().unwrap();
    s.ensure_selected(&mb).await.unwrap();
    let whole = s.fetch_section(uid, "", None).await.unwrap().unwrap();
    assert_eq!(whole, message);
    let text = s.fetch_section(uid, "1.1", None).await.unwrap().unwrap();
    assert_eq!(text, PLAIN.as_bytes());
    let start = s.fetch_section(uid, "1.1", Some((0, 5))).await.unwrap();
    assert_eq!(start.as_deref(), Some(&b"Hello"[..]));
    let middle = s.fetch_section(uid, "1.1", Some((6, 3))).await.unwrap();
    assert_eq!(middle.as_deref(), Some(&b"Bob"[..]));
    let past = s
        .fetch_section(uid, "1.1", Some((10_000, 5)))
        .await
        .unwrap();
    assert_eq!(past.as_deref(), Some(&b""[..]));
    let inner = s.fetch_section(uid, "3.1", None).await.unwrap().unwrap();
    assert_eq!(inner, b"inner text");
    let mime = s.fetch_section(uid, "2.MIME", None).await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&mime).contains("Content-ID: <pdf1@example.org>"));
    // The message must not be marked \Seen by reading it.
    let flags = s.fetch_flags(&[uid]).await.unwrap();
    assert!(!flags[0].flags.has(&Flag::Seen));
    assert_eq!(s.fetch_section(uid + 100, "1", None).await.unwrap(), None);
    assert!(matches!(
        s.fetch_section(uid, "1]", None).await,
        Err(ImapError::InvalidInput(_))
    ));

    let got = s
        .fetch_sections(
            uid,
            &[
                ("1.1".into(), None),
                ("2".into(), Some(10)),
                ("HEADER.FIELDS (SUBJECT)".into(), None),
                ("1.2".into(), Some(0)),
                ("".into(), Some(4)),
            ],
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got[0], ("1.1".to_string(), PLAIN.as_bytes().to_vec()));
    assert_eq!(got[1], ("2".to_string(), b"JVBERi0xLj".to_vec()));
    assert_eq!(got[2].1, b"Subject: Report\r\n\r\n");
    assert_eq!(got[3], ("1.2".to_string(), Vec::new()));
    assert_eq!(got[4].1, b"From");
    assert_eq!(
        s.fetch_sections(uid + 100, &[("1".into(), None)])
            .await
            .unwrap(),
        None
    );

    // Many messages at once: one command per distinct section list; gone ones are absent.
    let (_, uid2) = s.append(&mb, &[], None, &message).await.unwrap().unwrap();
    let (_, uid3) = s
        .append(&mb, &[], None, &simple_message("third", "plain body"))
        .await
        .unwrap()
        .unwrap();
    s.select(&mb).await.unwrap();
    let text_and_pdf = vec![("1.1".to_string(), Some(5)), ("2".to_string(), Some(10))];
    let many = s
        .fetch_sections_many(&[
            (uid, text_and_pdf.clone()),
            (uid3, vec![("1".to_string(), None)]),
            (uid2, text_and_pdf),
            (uid + 100, vec![("1".to_string(), None)]),
        ])
        .await
        .unwrap();
    assert_eq!(many.len(), 3, "{many:?}");
    for u in [uid, uid2] {
        assert_eq!(
            many[&u],
            [
                ("1.1".to_string(), b"Hello".to_vec()),
                ("2".to_string(), b"JVBERi0xLj".to_vec())
            ]
        );
    }
    assert_eq!(many[&uid3], [("1".to_string(), b"plain body\r\n".to_vec())]);
    s.logout().await.unwrap();
}

#[tokio::test]
async fn flags_and_keywords() {
    let Some(stack) = stack("flags_and_keywords") else {
        return;
    };
    let mut s = stack.session(8).await;
    let mb = unique("flags");
    s.create(&mb).await.unwrap();
    for i in 1..=3 {
        s.append(&mb, &[], None, &simple_message(&format!("f{i}"), "x"))
            .await
            .unwrap();
    }
    s.select(&mb).await.unwrap();
    let category = Flag::Keyword("$Category_Work".into());
    s.store_flags(&[1, 3], StoreOp::Add, &[Flag::Flagged, category.clone()])
        .await
        .unwrap();
    let flags = s.fetch_flags(&[1, 2, 3, 4]).await.unwrap();
    assert_eq!(flags.iter().map(|f| f.uid).collect::<Vec<_>>(), [1, 2, 3]);
    assert!(flags[0].flags.has(&Flag::Flagged) && flags[0].flags.has(&category));
    assert!(flags[1].flags.0.is_empty());
    assert!(flags[2].flags.has(&Flag::Keyword("$category_work".into())));
    assert!(flags.iter().all(|f| f.modseq.is_some()));
    s.store_flags(&[1], StoreOp::Remove, std::slice::from_ref(&category))
        .await
        .unwrap();
    let flags = s.fetch_flags(&[1]).await.unwrap();
    assert_eq!(flags[0].flags.0, [Flag::Flagged]);
    match s
        .store_flags(&[1], StoreOp::Add, &[Flag::Keyword("two words".into())])
        .await
    {
        Err(ImapError::KeywordNotAllowed(k)) => assert_eq!(k, "two words"),
        other => panic!("{other:?}"),
    }
    s.store_flags(&[], StoreOp::Add, &[Flag::Seen])
        .await
        .unwrap();
    // A STORE to a UID that is gone is no error.
    s.store_flags(&[99], StoreOp::Add, &[Flag::Seen])
        .await
        .unwrap();
    assert!(s.is_usable());
    s.logout().await.unwrap();
}

#[tokio::test]
async fn move_and_copy_report_the_new_uids() {
    let Some(stack) = stack("move_and_copy_report_the_new_uids") else {
        return;
    };
    let mut s = stack.session(9).await;
    let src = unique("move-src");
    let dst = unique("move-dst");
    s.create(&src).await.unwrap();
    s.create(&dst).await.unwrap();
    // Give the destination some UIDs first so old and new UIDs differ.
    for i in 1..=4 {
        s.append(&dst, &[], None, &simple_message(&format!("d{i}"), "x"))
            .await
            .unwrap();
    }
    for i in 1..=3 {
        s.append(&src, &[], None, &simple_message(&format!("mv{i}"), "x"))
            .await
            .unwrap();
    }
    s.select(&src).await.unwrap();
    let moved = s.uid_move(&[2, 3, 77], &dst).await.unwrap();
    assert_eq!(moved, [(2, 5), (3, 6)]);
    assert_eq!(s.uid_search(None).await.unwrap(), [1]);
    let copied = s.uid_copy(&[1], &dst).await.unwrap();
    assert_eq!(copied, [(1, 7)]);
    assert_eq!(s.uid_search(None).await.unwrap(), [1]);
    match s.uid_move(&[1], &unique("nowhere")).await {
        Err(e) => assert!(e.is_nonexistent(), "{e:?}"),
        Ok(p) => panic!("moved into a missing mailbox: {p:?}"),
    }

    s.select(&dst).await.unwrap();
    let header = s
        .fetch_section(5, "HEADER.FIELDS (SUBJECT)", None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(header, b"Subject: mv2\r\n\r\n");
    let header = s
        .fetch_section(7, "HEADER.FIELDS (SUBJECT)", None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(header, b"Subject: mv1\r\n\r\n");
    s.logout().await.unwrap();
}

#[tokio::test]
async fn append_reports_appenduid() {
    let Some(stack) = stack("append_reports_appenduid") else {
        return;
    };
    let mut s = stack.session(10).await;
    let mb = unique("append");
    s.create(&mb).await.unwrap();
    let st = s.status(&mb).await.unwrap();
    let message = simple_message("appended", "body with ünïcode");
    let when = unix(2026, 3, 4) + 5 * 3600 + 6 * 60 + 7;
    let (validity, uid) = s
        .append(&mb, &[Flag::Draft, Flag::Seen], Some(when), &message)
        .await
        .unwrap()
        .expect("Dovecot has UIDPLUS");
    assert_eq!(validity, st.uid_validity);
    assert_eq!(uid, st.uid_next);
    s.select(&mb).await.unwrap();
    let sums = s.fetch_summaries(&[uid], &[]).await.unwrap();
    assert_eq!(sums[0].internal_date, when);
    assert!(sums[0].flags.has(&Flag::Draft) && sums[0].flags.has(&Flag::Seen));
    assert!(String::from_utf8_lossy(&sums[0].header).contains("Subject: appended"));
    assert_eq!(
        s.fetch_section(uid, "", None).await.unwrap().unwrap(),
        message
    );
    match s.append(&unique("missing"), &[], None, &message).await {
        Err(e) => assert!(e.is_nonexistent(), "{e:?}"),
        other => panic!("{other:?}"),
    }
    assert!(s.is_usable());
    s.logout().await.unwrap();
}

#[tokio::test]
async fn expunge_removes_exactly_the_given_uids() {
    let Some(stack) = stack("expunge_removes_exactly_the_given_uids") else {
        return;
    };
    let mut s = stack.session(11).await;
    let mb = unique("expunge");
    s.create(&mb).await.unwrap();
    for i in 1..=3 {
        s.append(&mb, &[], None, &simple_message(&format!("e{i}"), "x"))
            .await
            .unwrap();
    }
    s.select(&mb).await.unwrap();
    // Another client marked 1 \Deleted without expunging it.
    s.store_flags(&[1], StoreOp::Add, &[Flag::Deleted])
        .await
        .unwrap();
    s.expunge_uids(&[2]).await.unwrap();
    assert_eq!(s.uid_search(None).await.unwrap(), [1, 3]);
    let sel = s.select(&mb).await.unwrap();
    assert_eq!(sel.exists, 2);
    s.logout().await.unwrap();
}

#[tokio::test]
async fn create_rename_delete_and_their_refusals() {
    let Some(stack) = stack("create_rename_delete_and_their_refusals") else {
        return;
    };
    let mut s = stack.session(12).await;
    let a = unique("crd-a");
    let b = unique("crd-b");
    let c = unique("crd-c");
    s.create(&a).await.unwrap();
    let e = s.create(&a).await.unwrap_err();
    assert!(e.is_already_exists(), "{e:?}");
    assert!(!e.is_nonexistent() && !e.is_unavailable());
    s.create(&c).await.unwrap();
    s.select(&a).await.unwrap();
    // Renaming the selected mailbox leaves it first.
    s.rename(&a, &b).await.unwrap();
    assert_eq!(s.selected_mailbox(), None);
    let e = s.rename(&a, &unique("crd-x")).await.unwrap_err();
    assert!(e.is_nonexistent(), "{e:?}");
    let e = s.rename(&b, &c).await.unwrap_err();
    assert!(e.is_already_exists(), "{e:?}");
    s.select(&b).await.unwrap();
    s.delete(&b).await.unwrap();
    let e = s.delete(&b).await.unwrap_err();
    assert!(e.is_nonexistent(), "{e:?}");
    let e = s.select(&b).await.unwrap_err();
    assert!(e.is_nonexistent(), "{e:?}");
    assert_eq!(s.selected_mailbox(), None);
    let e = s.status(&b).await.unwrap_err();
    assert!(e.is_nonexistent(), "{e:?}");
    let e = s.subscribe(&b).await.unwrap_err();
    assert!(e.is_nonexistent(), "{e:?}");
    let e = s.delete("INBOX").await.unwrap_err();
    assert!(
        matches!(e, ImapError::Refused { .. }) && !e.is_nonexistent() && !e.is_already_exists(),
        "{e:?}"
    );
    s.subscribe(&c).await.unwrap();
    s.unsubscribe(&c).await.unwrap();
    s.delete(&c).await.unwrap();
    assert!(matches!(
        s.create("bad\r\nname").await,
        Err(ImapError::InvalidInput(_))
    ));
    // NO leaves the session usable.
    assert!(s.is_usable());
    s.noop().await.unwrap();
    s.logout().await.unwrap();
}

#[tokio::test]
async fn pool_reuses_sessions_per_user_and_password() {
    let Some(stack) = stack("pool_reuses_sessions_per_user_and_password") else {
        return;
    };
    let (user, password) = stack.user(13);
    let pool = SessionPool::new(stack.client(), 2, Duration::from_secs(60));
    let mb = unique("pool");
    {
        let mut s = pool.get(&user, &password).await.unwrap();
        s.create(&mb).await.unwrap();
        s.select(&mb).await.unwrap();
    }
    assert_eq!(pool.logins(), 1);
    assert_eq!(pool.idle_count(), 1);
    {
        let mut s = pool.get(&user, &password).await.unwrap();
        // The same connection: the mailbox is still selected.
        assert_eq!(s.selected_mailbox(), Some(mb.as_str()));
        s.noop().await.unwrap();
        // A second one at the same time needs a login.
        let mut t = pool.get(&user, &password).await.unwrap();
        t.noop().await.unwrap();
        assert_eq!(pool.logins(), 2);
    }
    assert_eq!(pool.idle_count(), 2);
    // Another password never gets these sessions: it must log in, and fail.
    match pool.get(&user, "not-the-password").await {
        Err(e) => assert!(e.is_authentication_failure(), "{e:?}"),
        Ok(_) => panic!("a pooled session was handed out for a wrong password"),
    }
    assert_eq!(pool.logins(), 3);
    assert_eq!(pool.idle_count(), 2);
    // Discarded and broken sessions are not returned.
    pool.get(&user, &password).await.unwrap().discard();
    assert_eq!(pool.idle_count(), 1);
    {
        let mut s = pool.get(&user, &password).await.unwrap();
        // Sent, then dropped before the answer was read.
        let mut noop = Box::pin(s.noop());
        let first = std::future::poll_fn(|cx| Poll::Ready(noop.as_mut().poll(cx))).await;
        assert!(first.is_pending());
        drop(noop);
        assert!(
            !s.is_usable(),
            "a command cut off mid-way leaves it unusable"
        );
        assert!(s.noop().await.unwrap_err().is_unavailable());
    }
    assert_eq!(pool.idle_count(), 0);
    // A session from elsewhere (the login check) can be put in.
    let session = stack.client().login(&user, &password).await.unwrap();
    pool.insert(&user, &password, session);
    assert_eq!(pool.idle_count(), 1);
    let before = pool.logins();
    let mut s = pool.get(&user, &password).await.unwrap();
    s.noop().await.unwrap();
    assert_eq!(pool.logins(), before);
    drop(s);
    // At most max_idle_per_user are kept.
    let held: Vec<_> = [
        pool.get(&user, &password).await.unwrap(),
        pool.get(&user, &password).await.unwrap(),
        pool.get(&user, &password).await.unwrap(),
    ]
    .into();
    drop(held);
    assert_eq!(pool.idle_count(), 2);
}

#[tokio::test]
async fn pool_drops_sessions_idle_too_long() {
    let Some(stack) = stack("pool_drops_sessions_idle_too_long") else {
        return;
    };
    let (user, password) = stack.user(14);
    let pool = SessionPool::new(stack.client(), 4, Duration::from_millis(200));
    drop(pool.get(&user, &password).await.unwrap());
    assert_eq!(pool.idle_count(), 1);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut s = pool.get(&user, &password).await.unwrap();
    s.noop().await.unwrap();
    assert_eq!(pool.logins(), 2);
}

/// A reader that hands out at most `step` bytes per read, as a network body would.
struct Trickle<'a> {
    data: &'a [u8],
    step: usize,
}

impl tokio::io::AsyncRead for Trickle<'_> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let n = self.step.min(buf.remaining()).min(self.data.len());
        let (head, tail) = self.data.split_at(n);
        buf.put_slice(head);
        self.data = tail;
        Poll::Ready(Ok(()))
    }
}

#[tokio::test]
async fn append_from_streams_a_large_message_that_reads_back_identical() {
    let Some(stack) = stack("append_from_streams_a_large_message_that_reads_back_identical") else {
        return;
    };
    let mut s = stack.session(15).await;
    let mb = unique("append-from");
    s.create(&mb).await.unwrap();
    let st = s.status(&mb).await.unwrap();
    // About 3 MB: a header, then numbered 76-character lines.
    let mut message = simple_message("large", "start");
    let mut i = 0u32;
    while message.len() < 3 * 1024 * 1024 {
        message.extend_from_slice(format!("{i:08} {}\r\n", "x".repeat(66)).as_bytes());
        i += 1;
    }
    let reader = Trickle {
        data: &message,
        step: 7001,
    };
    let (validity, uid) = s
        .append_from(&mb, &[Flag::Seen], None, message.len() as u64, reader)
        .await
        .unwrap()
        .expect("Dovecot has UIDPLUS");
    assert_eq!((validity, uid), (st.uid_validity, st.uid_next));
    s.select(&mb).await.unwrap();
    let mut back = Vec::new();
    let window = 1024 * 1024;
    loop {
        let part = s
            .fetch_section(uid, "", Some((back.len() as u64, window)))
            .await
            .unwrap()
            .expect("the message is there");
        back.extend_from_slice(&part);
        if (part.len() as u64) < window {
            break;
        }
    }
    assert_eq!(back.len(), message.len());
    assert!(back == message, "the message read back differs");
    assert!(s.is_usable());
    s.logout().await.unwrap();
}
