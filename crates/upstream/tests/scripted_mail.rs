//! The mail operations against scripted IMAP servers on loopback: what a
//! real Dovecot does not show on demand (no extensions, synchronizing
//! literals, silence, slow answers, temporary refusals, BYE, answers
//! async-imap's parser cannot read).

mod support;

use support::scripted;

use std::time::Duration;

use upstream::{
    Failure, Flag, ImapClient, ImapEndpoint, ImapError, ImapSession, SpecialUse, SyncMode,
    Timeouts, TlsConfig,
};

async fn login(port: u16, response: Duration) -> ImapSession {
    let client = ImapClient::new(
        ImapEndpoint::parse(&format!("imap://127.0.0.1:{port}")).unwrap(),
        TlsConfig::platform(),
        Timeouts {
            connect: Duration::from_secs(5),
            response,
        },
    );
    client.login("alice", "pw").await.expect("login")
}

const SELECT_ANSWER: &str = "* 3 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n* OK [UIDNEXT 10] ok\r\n";

#[tokio::test]
async fn a_server_without_extensions() {
    let (port, server) = scripted("IMAP4rev1", |mut p| async move {
        p.answer(
            "LIST \"\" \"*\"",
            "* LIST (\\HasNoChildren) \".\" INBOX\r\n\
             * LIST (\\Noselect \\HasChildren) \".\" Archive\r\n\
             * LIST () \".\" Archive.2026\r\n\
             * LIST (\\HasNoChildren \\Sent) \".\" Sent\r\n",
        )
        .await;
        p.answer(
            "LSUB \"\" \"*\"",
            "* LSUB () \".\" Sent\r\n* LSUB () \".\" Gone\r\n",
        )
        .await;
        p.answer("SELECT \"INBOX\"", SELECT_ANSWER).await;
        // APPEND with a synchronizing literal: the message after "+".
        let tag = p.expect("APPEND \"INBOX\" (\\Seen) {5}").await;
        p.send("+ go ahead\r\n").await;
        assert_eq!(p.bytes(7).await, b"hello\r\n");
        p.send(&format!("{tag} OK appended\r\n")).await;
        // A name with a quote: a literal too.
        let tag = p.expect("CREATE {3}").await;
        p.send("+ go ahead\r\n").await;
        assert_eq!(p.bytes(5).await, b"a\"b\r\n");
        p.send(&format!("{tag} OK created\r\n")).await;
        p.answer("LOGOUT", "* BYE bye\r\n").await;
    })
    .await;
    let mut s = login(port, Duration::from_secs(5)).await;
    assert_eq!(s.mode(), SyncMode::Plain);
    let list = s.list_mailboxes().await.unwrap();
    let names: Vec<(&str, bool, bool, Option<SpecialUse>)> = list
        .iter()
        .map(|m| (m.name.as_str(), m.no_select, m.subscribed, m.special_use))
        .collect();
    assert_eq!(
        names,
        [
            ("INBOX", false, false, None),
            ("Archive", true, false, None),
            ("Archive.2026", false, false, None),
            ("Sent", false, true, Some(SpecialUse::Sent)),
        ]
    );
    assert_eq!(list[2].delimiter, Some('.'));
    let sel = s.select("INBOX").await.unwrap();
    assert_eq!((sel.exists, sel.uid_validity, sel.uid_next), (3, 7, 10));
    assert_eq!(sel.highest_modseq, None);
    // Nothing is sent for what the server cannot do.
    assert!(matches!(
        s.changes_since(1).await,
        Err(ImapError::Unsupported("CONDSTORE"))
    ));
    assert!(matches!(
        s.uid_move(&[1], "Sent").await,
        Err(ImapError::Unsupported(_))
    ));
    assert!(matches!(
        s.expunge_uids(&[1]).await,
        Err(ImapError::Unsupported("UIDPLUS"))
    ));
    // No APPENDUID: no UID.
    assert_eq!(
        s.append("INBOX", &[Flag::Seen], None, b"hello")
            .await
            .unwrap(),
        None
    );
    s.create("a\"b").await.unwrap();
    s.logout().await.unwrap();
    server.await.unwrap();
}

#[tokio::test]
async fn moves_without_move_and_without_copyuid() {
    let (port, server) = scripted("IMAP4rev1 UIDPLUS", |mut p| async move {
        p.answer("SELECT \"INBOX\"", SELECT_ANSWER).await;
        let tag = p.expect("UID COPY 4,6 \"Dest\"").await;
        p.send(&format!("{tag} OK [COPYUID 9 4,6 20:21] copied\r\n"))
            .await;
        p.answer("UID STORE 4,6 +FLAGS.SILENT (\\Deleted)", "")
            .await;
        p.answer("UID EXPUNGE 4,6", "* 1 EXPUNGE\r\n* 2 EXPUNGE\r\n")
            .await;
        // A COPY the server does not report UIDs for.
        p.answer("UID COPY 5 \"Dest\"", "").await;
        // COPYUID whose sets do not pair up.
        let tag = p.expect("UID COPY 5 \"Dest\"").await;
        p.send(&format!("{tag} OK [COPYUID 9 5 20:21] copied\r\n"))
            .await;
    })
    .await;
    let mut s = login(port, Duration::from_secs(5)).await;
    s.select("INBOX").await.unwrap();
    assert_eq!(
        s.uid_move(&[6, 4], "Dest").await.unwrap(),
        [(4, 20), (6, 21)]
    );
    assert_eq!(s.uid_copy(&[5], "Dest").await.unwrap(), []);
    assert_eq!(s.uid_copy(&[5], "Dest").await.unwrap(), []);
    drop(s);
    server.await.unwrap();
}

#[tokio::test]
async fn move_collects_copyuid_from_the_untagged_ok() {
    let (port, server) = scripted("IMAP4rev1 UIDPLUS MOVE", |mut p| async move {
        p.answer("SELECT \"INBOX\"", SELECT_ANSWER).await;
        p.answer(
            "UID MOVE 1:3 \"Dest\"",
            "* OK [COPYUID 9 1:3 7:9] moved\r\n* 1 EXPUNGE\r\n* 1 EXPUNGE\r\n* 1 EXPUNGE\r\n",
        )
        .await;
    })
    .await;
    let mut s = login(port, Duration::from_secs(5)).await;
    s.select("INBOX").await.unwrap();
    assert_eq!(
        s.uid_move(&[1, 2, 3], "Dest").await.unwrap(),
        [(1, 7), (2, 8), (3, 9)]
    );
    drop(s);
    server.await.unwrap();
}

#[tokio::test]
async fn silence_times_out_and_the_session_is_done() {
    let (port, server) = scripted("IMAP4rev1", |mut p| async move {
        let _ = p.expect("NOOP").await;
        tokio::time::sleep(Duration::from_secs(3)).await;
    })
    .await;
    let mut s = login(port, Duration::from_millis(300)).await;
    match s.noop().await {
        Err(ImapError::Unavailable {
            failure: Failure::Timeout { .. },
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
    assert!(!s.is_usable());
    // Refused at once: nothing more is sent on it.
    assert!(s.noop().await.unwrap_err().is_unavailable());
    server.abort();
}

#[tokio::test]
async fn an_answer_that_keeps_arriving_is_not_cut_off() {
    let (port, server) = scripted("IMAP4rev1", |mut p| async move {
        p.answer("SELECT \"INBOX\"", SELECT_ANSWER).await;
        let tag = p.expect("UID FETCH 4 (UID BODY.PEEK[1])").await;
        p.send("* 1 FETCH (UID 4 BODY[1] {1000}\r\n").await;
        // 5 x 200 ms: longer than the 400 ms timeout in all, never 400 ms
        // without data.
        for _ in 0..5 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            p.send(&"x".repeat(200)).await;
        }
        p.send(&format!(")\r\n{tag} OK done\r\n")).await;
    })
    .await;
    let mut s = login(port, Duration::from_millis(400)).await;
    s.select("INBOX").await.unwrap();
    let body = s.fetch_section(4, "1", None).await.unwrap().unwrap();
    assert_eq!(body.len(), 1000);
    assert!(s.is_usable());
    drop(s);
    server.await.unwrap();
}

#[tokio::test]
async fn refusals_that_mean_later_are_unavailable() {
    let (port, server) = scripted("IMAP4rev1", |mut p| async move {
        let tag = p.expect("SELECT \"INBOX\"").await;
        p.send(&format!("{tag} NO [UNAVAILABLE] try later\r\n"))
            .await;
    })
    .await;
    let mut s = login(port, Duration::from_secs(5)).await;
    let e = s.select("INBOX").await.unwrap_err();
    assert!(e.is_unavailable(), "{e:?}");
    assert!(!s.is_usable());
    drop(s);
    server.await.unwrap();

    let (port, server) = scripted("IMAP4rev1", |mut p| async move {
        let tag = p.expect("CREATE \"x\"").await;
        p.send(&format!("{tag} BAD what?\r\n")).await;
    })
    .await;
    let mut s = login(port, Duration::from_secs(5)).await;
    match s.create("x").await {
        Err(ImapError::Unavailable {
            failure: Failure::Protocol(text),
            ..
        }) => assert!(text.contains("what?"), "{text}"),
        other => panic!("{other:?}"),
    }
    drop(s);
    server.await.unwrap();
}

#[tokio::test]
async fn bye_during_a_command_is_unavailable() {
    let (port, server) = scripted("IMAP4rev1", |mut p| async move {
        let _ = p.expect("NOOP").await;
        p.send("* BYE shutting down\r\n").await;
    })
    .await;
    let mut s = login(port, Duration::from_secs(5)).await;
    match s.noop().await {
        Err(ImapError::Unavailable {
            failure: Failure::Refused(text),
            ..
        }) => assert_eq!(text, "shutting down"),
        other => panic!("{other:?}"),
    }
    server.await.unwrap();
}

#[tokio::test]
async fn an_unparsable_answer_ends_the_session() {
    let (port, server) = scripted("IMAP4rev1 ESEARCH", |mut p| async move {
        p.answer("SELECT \"INBOX\"", SELECT_ANSWER).await;
        // Plain UID SEARCH is sent even with ESEARCH; a server that
        // answers ESEARCH anyway cannot be understood.
        let tag = p.expect("UID SEARCH ALL").await;
        p.send(&format!(
            "* ESEARCH (TAG \"{tag}\") UID ALL 1:3\r\n{tag} OK done\r\n"
        ))
        .await;
        let _ = p.line().await;
    })
    .await;
    let mut s = login(port, Duration::from_secs(5)).await;
    s.select("INBOX").await.unwrap();
    match s.uid_search(None).await {
        Err(ImapError::Unavailable {
            failure: Failure::Protocol(text),
            ..
        }) => assert!(text.contains("ESEARCH"), "{text}"),
        other => panic!("{other:?}"),
    }
    assert!(!s.is_usable());
    drop(s);
    server.await.unwrap();
}

#[tokio::test]
async fn append_from_streams_the_message_after_the_continuation() {
    let (port, server) = scripted("IMAP4rev1 UIDPLUS", |mut p| async move {
        let tag = p.expect("APPEND \"INBOX\" (\\Seen) {5}").await;
        p.send("+ go ahead\r\n").await;
        assert_eq!(p.bytes(7).await, b"hello\r\n");
        p.send(&format!("{tag} OK [APPENDUID 7 42] appended\r\n"))
            .await;
        p.ok_to("LOGOUT").await;
    })
    .await;
    let mut s = login(port, Duration::from_secs(5)).await;
    let appended = s
        .append_from("INBOX", &[Flag::Seen], None, 5, &b"hello"[..])
        .await
        .unwrap();
    assert_eq!(appended, Some((7, 42)));
    s.logout().await.unwrap();
    server.await.unwrap();
}

#[tokio::test]
async fn append_from_a_reader_that_ends_early_ends_the_session() {
    let (port, server) = scripted("IMAP4rev1 LITERAL+", |mut p| async move {
        assert_eq!(p.line().await, "ag1 APPEND \"INBOX\" {10+}\r\n");
        assert_eq!(p.bytes(5).await, b"hello");
        // The literal is never finished: the client closes the connection.
        assert_eq!(p.line().await, "");
    })
    .await;
    let mut s = login(port, Duration::from_secs(5)).await;
    let err = s
        .append_from("INBOX", &[], None, 10, &b"hello"[..])
        .await
        .unwrap_err();
    match &err {
        ImapError::Unavailable {
            failure: Failure::Protocol(text),
            ..
        } => assert!(text.contains("ended after 5 of 10 bytes"), "{text}"),
        other => panic!("{other:?}"),
    }
    assert!(!s.is_usable());
    assert!(s.noop().await.unwrap_err().is_unavailable());
    drop(s);
    server.await.unwrap();
}

#[tokio::test]
async fn append_from_a_reader_longer_than_announced_sends_no_complete_literal() {
    let (port, server) = scripted("IMAP4rev1 LITERAL+", |mut p| async move {
        assert_eq!(p.line().await, "ag1 APPEND \"INBOX\" {3+}\r\n");
        // Nothing of the literal: the excess is found before its last piece is written.
        assert_eq!(p.line().await, "");
    })
    .await;
    let mut s = login(port, Duration::from_secs(5)).await;
    let err = s
        .append_from("INBOX", &[], None, 3, &b"hello"[..])
        .await
        .unwrap_err();
    assert!(err.is_unavailable(), "{err:?}");
    assert!(!s.is_usable());
    drop(s);
    server.await.unwrap();
}
