//! The mailbox watcher against scripted IMAP servers on loopback: NOTIFY
//! and IDLE exchanges exactly as the RFCs and Dovecot write them.

mod support;

use support::scripted;

use std::collections::BTreeSet;
use std::time::Duration;

use tokio::net::TcpStream;
use tokio::sync::watch;
use upstream::{
    ImapClient, ImapEndpoint, ImapError, ImapWatch, MailboxStatus, Timeouts, TlsConfig,
    WatchConfig, WatchEvent, WatchMode,
};

type Peer = support::Peer<TcpStream>;

const NOTIFY_CAPS: &str = "IMAP4rev1 ENABLE CONDSTORE IDLE LIST-EXTENDED NOTIFY";
const IDLE_CAPS: &str = "IMAP4rev1 ENABLE CONDSTORE IDLE LIST-EXTENDED";
const LIST: &str = "LIST \"\" \"*\" RETURN (SUBSCRIBED)";
const NOTIFY_SET: &str = "NOTIFY SET STATUS (personal (MessageNew MessageExpunge FlagChange \
                          MailboxName SubscriptionChange))";
const STATUS_ITEMS: &str = "(MESSAGES UIDNEXT UIDVALIDITY UNSEEN HIGHESTMODSEQ)";
const TWO: &str = "* LIST () \"/\" INBOX\r\n* LIST (\\Subscribed) \"/\" Sent\r\n";

async fn start(
    port: u16,
    config: WatchConfig,
) -> (
    ImapWatch,
    Vec<upstream::MailboxListing>,
    Vec<(String, MailboxStatus)>,
) {
    let client = ImapClient::new(
        ImapEndpoint::parse(&format!("imap://127.0.0.1:{port}")).unwrap(),
        TlsConfig::platform(),
        Timeouts {
            connect: Duration::from_secs(5),
            response: Duration::from_secs(5),
        },
    );
    let session = client.login("alice", "pw").await.expect("login");
    ImapWatch::start(session, config).await.expect("watch")
}

fn status(messages: u32, uid_next: u32, modseq: u64) -> MailboxStatus {
    MailboxStatus {
        messages,
        uid_next,
        uid_validity: 7,
        highest_modseq: Some(modseq),
        unseen: 0,
    }
}

fn no_interest() -> watch::Receiver<BTreeSet<String>> {
    let (tx, rx) = watch::channel(BTreeSet::new());
    // The sender may go: the watcher then stops looking at the interest.
    drop(tx);
    rx
}

/// ENABLE, LIST, NOTIFY with a partial STATUS for INBOX (as Dovecot may
/// send), and the STATUS that completes it.
async fn notify_start(p: &mut Peer) {
    p.answer("ENABLE CONDSTORE", "* ENABLED CONDSTORE\r\n")
        .await;
    p.answer(LIST, TWO).await;
    p.answer(
        NOTIFY_SET,
        "* STATUS INBOX (MESSAGES 1 UIDNEXT 2 UNSEEN 0 HIGHESTMODSEQ 5)\r\n\
         * STATUS Sent (MESSAGES 0 UIDNEXT 1 UIDVALIDITY 7 UNSEEN 0 HIGHESTMODSEQ 1)\r\n",
    )
    .await;
    p.answer(
        &format!("STATUS \"INBOX\" {STATUS_ITEMS}"),
        "* STATUS INBOX (MESSAGES 1 UIDNEXT 2 UIDVALIDITY 7 UNSEEN 0 HIGHESTMODSEQ 5)\r\n",
    )
    .await;
}

/// The exchange after a listing lost a name: NOTIFY NONE, NOTIFY SET, STATUS of `names`
/// (unchanged counters: nothing to report).
async fn renotified(p: &mut Peer, names: &[&str]) {
    p.ok_to("NOTIFY NONE").await;
    p.answer(NOTIFY_SET, "").await;
    for name in names {
        let messages = if *name == "INBOX" {
            "1 UIDNEXT 2"
        } else {
            "0 UIDNEXT 1"
        };
        let modseq = if *name == "INBOX" { 5 } else { 1 };
        p.answer(
            &format!("STATUS \"{name}\" {STATUS_ITEMS}"),
            &format!(
                "* STATUS \"{name}\" (MESSAGES {messages} UIDVALIDITY 7 UNSEEN 0 \
                 HIGHESTMODSEQ {modseq})\r\n"
            ),
        )
        .await;
    }
}

#[tokio::test]
async fn notify_merges_partial_statuses_and_reports_only_changes() {
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let (port, server) = scripted(NOTIFY_CAPS, |mut p| async move {
        notify_start(&mut p).await;
        // Unchanged: nothing to report. Then a partial one that changes UIDNEXT.
        p.send("* STATUS Sent (MESSAGES 0 UIDNEXT 1 UIDVALIDITY 7 UNSEEN 0 HIGHESTMODSEQ 1)\r\n")
            .await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        p.send("* STATUS INBOX (MESSAGES 2 UIDNEXT 3 HIGHESTMODSEQ 6)\r\n")
            .await;
        // A flag change: HIGHESTMODSEQ only.
        let _ = rx.await;
        p.send("* STATUS INBOX (HIGHESTMODSEQ 8)\r\n").await;
        p.send("* BYE shutting down\r\n").await;
    })
    .await;
    let (mut w, listing, statuses) = start(port, WatchConfig::default()).await;
    assert_eq!(w.mode(), WatchMode::Notify);
    assert_eq!(listing.len(), 2);
    assert_eq!(
        statuses,
        [
            ("INBOX".to_string(), status(1, 2, 5)),
            ("Sent".to_string(), status(0, 1, 1))
        ]
    );
    let mut interest = no_interest();
    assert_eq!(
        w.next(&mut interest).await.unwrap(),
        [WatchEvent::Status {
            mailbox: "INBOX".into(),
            status: status(2, 3, 6)
        }]
    );
    tx.send(()).unwrap();
    assert_eq!(
        w.next(&mut interest).await.unwrap(),
        [WatchEvent::Status {
            mailbox: "INBOX".into(),
            status: status(2, 3, 8)
        }]
    );
    // BYE: the watcher is done.
    let e = w.next(&mut interest).await.unwrap_err();
    assert!(e.is_unavailable(), "{e:?}");
    server.await.unwrap();
}

#[tokio::test]
async fn notify_a_burst_of_lists_costs_one_list_and_statuses_in_it_are_kept() {
    let (port, server) = scripted(NOTIFY_CAPS, |mut p| async move {
        notify_start(&mut p).await;
        // A rename as Dovecot reports it, minus OLDNAME: the old name gone,
        // the new one there, and a subscription.
        p.send(
            "* LIST (\\NonExistent) \"/\" Old\r\n* LIST () \"/\" New\r\n\
             * LIST (\\Subscribed) \"/\" New\r\n",
        )
        .await;
        // One LIST; a STATUS arriving in the middle of it is not lost.
        let tag = p.expect(LIST).await;
        p.send(&format!(
            "{TWO}* STATUS Sent (MESSAGES 1 UIDNEXT 2 HIGHESTMODSEQ 2)\r\n\
             * LIST (\\Subscribed) \"/\" New\r\n{tag} OK done\r\n"
        ))
        .await;
        p.answer(
            &format!("STATUS \"New\" {STATUS_ITEMS}"),
            "* STATUS New (MESSAGES 0 UIDNEXT 1 UIDVALIDITY 7 UNSEEN 0 HIGHESTMODSEQ 1)\r\n",
        )
        .await;
        // Nothing more: the watcher waits; a NOOP would fail the script.
        tokio::time::sleep(Duration::from_millis(300)).await;
    })
    .await;
    let (mut w, _, _) = start(port, WatchConfig::default()).await;
    let mut interest = no_interest();
    let events = w.next(&mut interest).await.unwrap();
    let WatchEvent::Listing(listing) = &events[0] else {
        panic!("{events:?}");
    };
    let names: Vec<&str> = listing.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["INBOX", "Sent", "New"]);
    let mut rest = events[1..].to_vec();
    rest.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
    assert_eq!(
        rest,
        [
            WatchEvent::Status {
                mailbox: "New".into(),
                status: status(0, 1, 1)
            },
            WatchEvent::Status {
                mailbox: "Sent".into(),
                status: status(1, 2, 2)
            },
        ]
    );
    // Nothing else within the script's lifetime.
    let more = tokio::time::timeout(Duration::from_millis(200), w.next(&mut interest)).await;
    assert!(more.is_err(), "{more:?}");
    drop(w);
    server.await.unwrap();
}

#[tokio::test]
async fn notify_a_rename_with_oldname_gives_a_new_listing() {
    let (port, server) = scripted(NOTIFY_CAPS, |mut p| async move {
        notify_start(&mut p).await;
        // Dovecot 2.3's MailboxName event for `RENAME Sent New` (RFC 5465 §5.4 with the
        // RFC 5258 OLDNAME extended data item), split across two reads.
        p.send("* LIST () \"/\" New (\"OLD").await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        p.send("NAME\" (Sent))\r\n").await;
        // The LIST's answer may carry extended data too (CHILDINFO, RFC 5258 §3.5).
        let tag = p.expect(LIST).await;
        p.send(&format!(
            "* LIST () \"/\" INBOX\r\n\
             * LIST (\\Subscribed) \"/\" New (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n\
             {tag} OK done\r\n"
        ))
        .await;
        p.answer(
            &format!("STATUS \"New\" {STATUS_ITEMS}"),
            "* STATUS New (MESSAGES 0 UIDNEXT 1 UIDVALIDITY 7 UNSEEN 0 HIGHESTMODSEQ 1)\r\n",
        )
        .await;
        // A name is gone: NOTIFY again (the old registration may be stale), STATUS again.
        renotified(&mut p, &["INBOX", "New"]).await;
        // Again, the new name as a literal (and the old one in the extended data too).
        p.send("* LIST () \"/\" {5}\r\nNew 2 (\"OLDNAME\" ({3}\r\nNew))\r\n")
            .await;
        p.answer(
            LIST,
            "* LIST () \"/\" INBOX\r\n* LIST () \"/\" \"New 2\"\r\n",
        )
        .await;
        p.answer(
            &format!("STATUS \"New 2\" {STATUS_ITEMS}"),
            "* STATUS \"New 2\" (MESSAGES 0 UIDNEXT 1 UIDVALIDITY 7 UNSEEN 0 HIGHESTMODSEQ 1)\r\n",
        )
        .await;
        renotified(&mut p, &["INBOX", "New 2"]).await;
        // Nothing more: the watcher waits; a NOOP would fail the script.
        tokio::time::sleep(Duration::from_millis(300)).await;
    })
    .await;
    let (mut w, _, _) = start(port, WatchConfig::default()).await;
    let mut interest = no_interest();
    let names = |events: &[WatchEvent]| match &events[0] {
        WatchEvent::Listing(listing) => listing.iter().map(|m| m.name.clone()).collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    let events = w
        .next(&mut interest)
        .await
        .expect("the watcher survives OLDNAME");
    assert_eq!(names(&events), ["INBOX", "New"]);
    assert_eq!(
        events[1..],
        [WatchEvent::Status {
            mailbox: "New".into(),
            status: status(0, 1, 1)
        }]
    );
    let events = w.next(&mut interest).await.expect("and a literal name");
    assert_eq!(names(&events), ["INBOX", "New 2"]);
    assert_eq!(
        events[1..],
        [WatchEvent::Status {
            mailbox: "New 2".into(),
            status: status(0, 1, 1)
        }]
    );
    let more = tokio::time::timeout(Duration::from_millis(200), w.next(&mut interest)).await;
    assert!(more.is_err(), "{more:?}");
    drop(w);
    server.await.unwrap();
}

/// The resync: LIST, then STATUS of each selectable mailbox (INBOX unchanged, Sent as given).
async fn resynced(p: &mut Peer, sent: &str) {
    p.answer(LIST, TWO).await;
    p.answer(
        &format!("STATUS \"INBOX\" {STATUS_ITEMS}"),
        "* STATUS INBOX (MESSAGES 1 UIDNEXT 2 UIDVALIDITY 7 UNSEEN 0 HIGHESTMODSEQ 5)\r\n",
    )
    .await;
    p.answer(&format!("STATUS \"Sent\" {STATUS_ITEMS}"), sent)
        .await;
}

#[tokio::test]
async fn notify_resyncs_once_after_settle() {
    let (port, server) = scripted(NOTIFY_CAPS, |mut p| async move {
        notify_start(&mut p).await;
        let started = tokio::time::Instant::now();
        // A change Dovecot did not report: the resync finds it.
        resynced(
            &mut p,
            "* STATUS Sent (MESSAGES 3 UIDNEXT 4 UIDVALIDITY 7 UNSEEN 0 HIGHESTMODSEQ 1)\r\n",
        )
        .await;
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(250), "{took:?}");
        assert!(took < Duration::from_millis(600), "{took:?}");
        // Once: no further command.
        let more = tokio::time::timeout(Duration::from_millis(800), p.line()).await;
        assert!(
            more.is_err() || more.as_ref().is_ok_and(|l| l.is_empty()),
            "{more:?}"
        );
    })
    .await;
    let config = WatchConfig {
        settle: Duration::from_millis(300),
        ..WatchConfig::default()
    };
    let (mut w, _, _) = start(port, config).await;
    let mut interest = no_interest();
    assert_eq!(
        w.next(&mut interest).await.unwrap(),
        [WatchEvent::Status {
            mailbox: "Sent".into(),
            status: status(3, 4, 1)
        }]
    );
    let more = tokio::time::timeout(Duration::from_millis(700), w.next(&mut interest)).await;
    assert!(more.is_err(), "{more:?}");
    drop(w);
    server.await.unwrap();
}

#[tokio::test]
async fn notify_resyncs_after_keepalive_even_while_events_arrive() {
    let (port, server) = scripted(NOTIFY_CAPS, |mut p| async move {
        notify_start(&mut p).await;
        let started = tokio::time::Instant::now();
        // Traffic all along: with a NOOP after silence, nothing would be sent before 1.15 s.
        for i in 2..=6 {
            p.send(&format!(
                "* STATUS INBOX (MESSAGES 1 UIDNEXT {i} HIGHESTMODSEQ 5)\r\n"
            ))
            .await;
            tokio::time::sleep(Duration::from_millis(110)).await;
        }
        // The resync (600 ms); the STATUS difference it finds becomes an event.
        let tag = p.expect(LIST).await;
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(550), "{took:?}");
        assert!(took < Duration::from_millis(950), "{took:?}");
        p.send(&format!("{TWO}{tag} OK done\r\n")).await;
        p.answer(
            &format!("STATUS \"INBOX\" {STATUS_ITEMS}"),
            "* STATUS INBOX (MESSAGES 1 UIDNEXT 6 UIDVALIDITY 7 UNSEEN 0 HIGHESTMODSEQ 5)\r\n",
        )
        .await;
        p.answer(
            &format!("STATUS \"Sent\" {STATUS_ITEMS}"),
            "* STATUS Sent (MESSAGES 3 UIDNEXT 4 UIDVALIDITY 7 UNSEEN 0 HIGHESTMODSEQ 1)\r\n",
        )
        .await;
        // And again `keepalive` later; then the server is gone.
        let tag = p.expect(LIST).await;
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(1150), "{took:?}");
        drop(tag);
    })
    .await;
    let config = WatchConfig {
        keepalive: Duration::from_millis(600),
        settle: Duration::ZERO,
        ..WatchConfig::default()
    };
    let (mut w, _, _) = start(port, config).await;
    let mut interest = no_interest();
    let mut inbox_events = 0;
    loop {
        let events = w.next(&mut interest).await.unwrap();
        if events.contains(&WatchEvent::Status {
            mailbox: "Sent".into(),
            status: status(3, 4, 1),
        }) {
            break;
        }
        inbox_events += events.len();
    }
    // UIDNEXT 2 is no change.
    assert_eq!(inbox_events, 4);
    let e = w.next(&mut interest).await.unwrap_err();
    assert!(e.is_unavailable(), "{e:?}");
    server.await.unwrap();
}

#[tokio::test]
async fn notify_set_again_after_a_list_that_drops_a_name() {
    let (port, server) = scripted(NOTIFY_CAPS, |mut p| async move {
        notify_start(&mut p).await;
        // Sent deleted (or renamed away).
        p.send("* LIST (\\NonExistent) \"/\" Sent\r\n").await;
        p.answer(LIST, "* LIST () \"/\" INBOX\r\n").await;
        // After the Listing is reported: NOTIFY again, then STATUS of each mailbox, which
        // finds what the stale registration missed.
        p.ok_to("NOTIFY NONE").await;
        p.answer(NOTIFY_SET, "").await;
        p.answer(
            &format!("STATUS \"INBOX\" {STATUS_ITEMS}"),
            "* STATUS INBOX (MESSAGES 2 UIDNEXT 3 UIDVALIDITY 7 UNSEEN 0 HIGHESTMODSEQ 6)\r\n",
        )
        .await;
        // Only once.
        let more = tokio::time::timeout(Duration::from_millis(300), p.line()).await;
        assert!(
            more.is_err() || more.as_ref().is_ok_and(|l| l.is_empty()),
            "{more:?}"
        );
    })
    .await;
    let config = WatchConfig {
        settle: Duration::ZERO,
        ..WatchConfig::default()
    };
    let (mut w, _, _) = start(port, config).await;
    let mut interest = no_interest();
    let events = w.next(&mut interest).await.unwrap();
    let [WatchEvent::Listing(listing)] = &events[..] else {
        panic!("{events:?}");
    };
    assert_eq!(listing.len(), 1);
    assert_eq!(
        w.next(&mut interest).await.unwrap(),
        [WatchEvent::Status {
            mailbox: "INBOX".into(),
            status: status(2, 3, 6)
        }]
    );
    let more = tokio::time::timeout(Duration::from_millis(200), w.next(&mut interest)).await;
    assert!(more.is_err(), "{more:?}");
    drop(w);
    server.await.unwrap();
}

const SELECT_INBOX: &str = "SELECT \"INBOX\" (CONDSTORE)";

fn select_answer(exists: u32, uid_next: u32, modseq: u64) -> String {
    format!(
        "* {exists} EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n* OK [UIDNEXT {uid_next}] ok\r\n\
         * OK [HIGHESTMODSEQ {modseq}] ok\r\n"
    )
}

/// ENABLE, LIST, STATUS of the others, SELECT INBOX.
async fn idle_start(p: &mut Peer) {
    p.answer("ENABLE CONDSTORE", "* ENABLED CONDSTORE\r\n")
        .await;
    p.answer(LIST, TWO).await;
    p.answer(
        &format!("STATUS \"Sent\" {STATUS_ITEMS}"),
        "* STATUS Sent (MESSAGES 0 UIDNEXT 1 UIDVALIDITY 7 UNSEEN 0 HIGHESTMODSEQ 1)\r\n",
    )
    .await;
    p.answer(SELECT_INBOX, &select_answer(1, 2, 5)).await;
}

/// Reads IDLE, says `+ idling`, returns its tag.
async fn idling(p: &mut Peer) -> String {
    let tag = p.expect("IDLE").await;
    p.send("+ idling\r\n").await;
    tag
}

async fn done(p: &mut Peer, tag: &str, untagged: &str) {
    assert_eq!(p.line().await, "DONE\r\n");
    p.send(&format!("{untagged}{tag} OK Idle completed\r\n"))
        .await;
}

#[tokio::test]
async fn without_notify_idle_reselects_inbox_on_exists() {
    let (port, server) = scripted(IDLE_CAPS, |mut p| async move {
        idle_start(&mut p).await;
        let tag = idling(&mut p).await;
        p.send("* OK Still here\r\n").await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        p.send("* 2 EXISTS\r\n* 1 RECENT\r\n").await;
        done(&mut p, &tag, "").await;
        p.answer(SELECT_INBOX, &select_answer(2, 3, 6)).await;
        let tag = idling(&mut p).await;
        // The interest names Sent, already polled at the start; then Junk: polled at once.
        done(&mut p, &tag, "").await;
        p.answer(
            &format!("STATUS \"Junk\" {STATUS_ITEMS}"),
            "* STATUS Junk (MESSAGES 4 UIDNEXT 5 UIDVALIDITY 7 UNSEEN 0 HIGHESTMODSEQ 1)\r\n",
        )
        .await;
        let _tag = idling(&mut p).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
    })
    .await;
    let (mut w, _, statuses) = start(port, WatchConfig::default()).await;
    assert_eq!(w.mode(), WatchMode::Idle);
    assert_eq!(
        statuses,
        [
            ("INBOX".to_string(), status(1, 2, 5)),
            ("Sent".to_string(), status(0, 1, 1))
        ]
    );
    let (tx, mut interest) = watch::channel(BTreeSet::from(["Sent".to_string()]));
    assert_eq!(
        w.next(&mut interest).await.unwrap(),
        [WatchEvent::Status {
            mailbox: "INBOX".into(),
            status: status(2, 3, 6)
        }]
    );
    let next = w.next(&mut interest);
    tokio::pin!(next);
    // Idling: nothing yet.
    assert!(
        tokio::time::timeout(Duration::from_millis(100), &mut next)
            .await
            .is_err()
    );
    tx.send_replace(BTreeSet::from(["Sent".to_string(), "INBOX".to_string()]));
    assert!(
        tokio::time::timeout(Duration::from_millis(100), &mut next)
            .await
            .is_err()
    );
    tx.send_replace(BTreeSet::from(["Sent".to_string(), "Junk".to_string()]));
    // Junk is not listed (yet): its status is kept, not reported.
    assert!(
        tokio::time::timeout(Duration::from_millis(200), &mut next)
            .await
            .is_err()
    );
    server.await.unwrap();
}

#[tokio::test]
async fn idle_is_renewed_and_polls_come_on_time() {
    let (port, server) = scripted(IDLE_CAPS, |mut p| async move {
        idle_start(&mut p).await;
        let t = tokio::time::Instant::now();
        let tag = idling(&mut p).await;
        // Renewal after 300 ms: DONE, IDLE again, nothing else.
        done(&mut p, &tag, "").await;
        let renewed = t.elapsed();
        assert!(renewed >= Duration::from_millis(280), "{renewed:?}");
        assert!(renewed < Duration::from_millis(450), "{renewed:?}");
        let tag = idling(&mut p).await;
        done(&mut p, &tag, "").await;
        // The poll (500 ms): STATUS of the interest, LIST.
        assert!(
            t.elapsed() >= Duration::from_millis(450),
            "{:?}",
            t.elapsed()
        );
        p.answer(
            &format!("STATUS \"Sent\" {STATUS_ITEMS}"),
            "* STATUS Sent (MESSAGES 1 UIDNEXT 2 UIDVALIDITY 7 UNSEEN 0 HIGHESTMODSEQ 2)\r\n",
        )
        .await;
        p.answer(LIST, TWO).await;
        let _ = idling(&mut p).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    })
    .await;
    let config = WatchConfig {
        force_idle: true,
        poll_interval: Duration::from_millis(500),
        idle_renewal: Duration::from_millis(300),
        ..WatchConfig::default()
    };
    let (mut w, _, _) = start(port, config).await;
    let (_tx, mut interest) = watch::channel(BTreeSet::from(["Sent".to_string()]));
    assert_eq!(
        w.next(&mut interest).await.unwrap(),
        [WatchEvent::Status {
            mailbox: "Sent".into(),
            status: status(1, 2, 2)
        }]
    );
    let e = tokio::time::timeout(Duration::from_secs(2), w.next(&mut interest))
        .await
        .expect("the server's end is seen")
        .unwrap_err();
    assert!(matches!(e, ImapError::Unavailable { .. }), "{e:?}");
    server.await.unwrap();
}
