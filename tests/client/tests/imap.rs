//! The IMAP helper and per-test users, against the real Dovecot of the stack.

use eas_test_client::imap::{mutf7_decode, mutf7_encode};
use eas_test_client::{Imap, Stack, mail_corpus, seed_corpus};

const PLAIN: &[u8] = b"From: a@example.org\r\nTo: b@example.org\r\nSubject: imap helper test\r\n\
Message-ID: <imap-helper@example.org>\r\n\r\nbody line\r\n";

fn fresh(prefix: &str) -> Imap {
    let stack = Stack::get();
    let (user, password) = stack.fresh_user(prefix);
    Imap::connect(stack, &user, &password)
}

#[test]
fn fresh_users_log_in_at_once_and_have_their_own_empty_mailboxes() {
    let stack = Stack::get();
    let (a, pa) = stack.fresh_user("Imap-Fresh");
    let (b, pb) = stack.fresh_user("Imap-Fresh");
    assert_ne!(a, b);
    assert!(a.starts_with(&format!("imap-fresh-{}-", std::process::id())));
    assert_eq!(stack.password(&a), pa);
    let mut ia = Imap::connect(stack, &a, &pa);
    let mut ib = Imap::connect(stack, &b, &pb);
    ia.append("INBOX", PLAIN, &[], None);
    assert_eq!(ia.uids("INBOX").len(), 1);
    assert!(ib.uids("INBOX").is_empty(), "users share a mailbox");
    // Dovecot autocreates the special-use folders for every user.
    let list = ib.list();
    for name in ["INBOX", "Drafts", "Sent", "Trash", "Junk"] {
        assert!(list.iter().any(|n| n == name), "{name} missing: {list:?}");
    }
    assert!(Imap::try_connect(stack, &a, "wrong").is_err());
}

#[test]
fn fresh_users_from_parallel_threads_all_work() {
    let stack = Stack::get();
    let threads: Vec<_> = (0..6)
        .map(|_| std::thread::spawn(move || stack.fresh_user("parallel")))
        .collect();
    let users: Vec<(String, String)> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    for (u, p) in &users {
        Imap::connect(stack, u, p).logout();
    }
    let mut names: Vec<&String> = users.iter().map(|(u, _)| u).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 6);
    // The users file keeps its owner (the stack user) and stays readable to it.
    let text = std::fs::read_to_string(stack.var("STACK_USERS_FILE")).unwrap();
    for (u, p) in &users {
        assert!(
            text.lines().any(|l| l == format!("{u}:{p}")),
            "{u} not in file"
        );
    }
}

#[test]
fn append_flags_store_fetch_and_expunge() {
    let mut imap = fresh("imap-msg");
    let (n0, next0, validity0, modseq0) = imap.status("INBOX");
    assert_eq!(n0, 0);
    let uid = imap.append(
        "INBOX",
        PLAIN,
        &["\\Seen", "$Label1"],
        Some("22-Nov-2026 10:00:00 +0000"),
    );
    assert_eq!(uid, next0);
    let uid2 = imap.append("INBOX", PLAIN, &[], None);
    assert_eq!(imap.uids("INBOX"), vec![uid, uid2]);
    let flags = imap.flags("INBOX", uid);
    assert!(flags.contains(&"\\Seen".to_owned()), "{flags:?}");
    assert!(flags.contains(&"$Label1".to_owned()), "{flags:?}");
    assert_eq!(
        imap.internal_date("INBOX", uid),
        "22-Nov-2026 10:00:00 +0000"
    );
    assert_eq!(imap.fetch_raw("INBOX", uid), PLAIN);
    // BODY.PEEK leaves \Seen alone.
    assert!(!imap.flags("INBOX", uid2).contains(&"\\Seen".to_owned()));

    imap.store("INBOX", uid, "-FLAGS", &["\\Seen"]);
    imap.store("INBOX", uid, "+FLAGS", &["\\Flagged"]);
    let flags = imap.flags("INBOX", uid);
    assert!(!flags.contains(&"\\Seen".to_owned()), "{flags:?}");
    assert!(flags.contains(&"\\Flagged".to_owned()), "{flags:?}");
    assert_eq!(imap.search("INBOX", "FLAGGED"), vec![uid]);

    let (n, next, validity, modseq) = imap.status("INBOX");
    assert_eq!((n, next, validity), (2, uid2 + 1, validity0));
    assert!(modseq > modseq0);
    assert!(imap.modseq("INBOX", uid) <= modseq);

    // Only the given UID goes, even if another message is \Deleted.
    imap.store("INBOX", uid2, "+FLAGS", &["\\Deleted"]);
    imap.expunge("INBOX", uid);
    assert_eq!(imap.uids("INBOX"), vec![uid2]);
}

#[test]
fn changes_by_another_session_are_seen_by_a_selected_session() {
    let stack = Stack::get();
    let (user, password) = stack.fresh_user("imap-2sess");
    let mut a = Imap::connect(stack, &user, &password);
    let mut b = Imap::connect(stack, &user, &password);
    assert!(a.uids("INBOX").is_empty());
    let uid = b.append("INBOX", PLAIN, &[], None);
    assert_eq!(a.uids("INBOX"), vec![uid]);
    b.store("INBOX", uid, "+FLAGS", &["\\Seen"]);
    assert!(a.flags("INBOX", uid).contains(&"\\Seen".to_owned()));
    b.expunge("INBOX", uid);
    assert!(a.uids("INBOX").is_empty());
}

#[test]
fn move_and_copy_report_the_new_uids() {
    let mut imap = fresh("imap-move");
    let uid = imap.append("INBOX", PLAIN, &["\\Seen"], None);
    let copied = imap.uid_copy("INBOX", uid, "Trash");
    let moved = imap.uid_move("INBOX", uid, "Trash");
    assert_ne!(copied, moved);
    assert!(imap.uids("INBOX").is_empty());
    assert_eq!(imap.uids("Trash"), vec![copied, moved]);
    assert_eq!(imap.fetch_raw("Trash", moved), PLAIN);
    assert!(imap.flags("Trash", moved).contains(&"\\Seen".to_owned()));
}

#[test]
fn mailboxes_are_created_renamed_listed_and_deleted() {
    let mut imap = fresh("imap-folders");
    let name = mutf7_encode("Entwürfe & Pläne");
    assert_eq!(name, "Entw&APw-rfe &- Pl&AOQ-ne");
    imap.create("Projects");
    imap.create("Projects/2026");
    imap.create(&name);
    imap.subscribe(&name);
    let list = imap.list();
    for n in ["Projects", "Projects/2026", name.as_str()] {
        assert!(list.iter().any(|l| l == n), "{n} missing: {list:?}");
    }
    assert!(list.iter().any(|l| mutf7_decode(l) == "Entwürfe & Pläne"));
    let attrs = imap.list_with_attributes();
    let sent = attrs.iter().find(|(n, _)| n == "Sent").unwrap();
    assert!(sent.1.iter().any(|a| a == "\\Sent"), "{attrs:?}");

    imap.append("Projects/2026", PLAIN, &[], None);
    imap.select("Projects/2026");
    imap.rename("Projects/2026", "Projects/Archive");
    let list = imap.list();
    assert!(list.iter().any(|l| l == "Projects/Archive"), "{list:?}");
    assert!(!list.iter().any(|l| l == "Projects/2026"), "{list:?}");
    assert_eq!(imap.uids("Projects/Archive").len(), 1);
    imap.delete("Projects/Archive");
    imap.delete(&name);
    let list = imap.list();
    assert!(!list.iter().any(|l| l == "Projects/Archive" || *l == name));
}

#[test]
fn a_recreated_mailbox_has_a_new_uid_validity_and_the_same_messages() {
    let mut imap = fresh("imap-uidv");
    imap.create("Work");
    imap.subscribe("Work");
    let u1 = imap.append(
        "Work",
        PLAIN,
        &["\\Seen", "\\Flagged"],
        Some("01-Nov-2026 08:00:00 +0000"),
    );
    let u2 = imap.append("Work", b"Subject: two\r\n\r\nsecond\r\n", &[], None);
    imap.expunge("Work", u1);
    let u3 = imap.append(
        "Work",
        PLAIN,
        &["\\Answered"],
        Some("02-Nov-2026 08:00:00 +0100"), // Maildir keeps the instant, not the zone
    );
    let (_, _, before, _) = imap.status("Work");

    let change = imap.change_uid_validity("Work");
    assert_eq!(change.old_uid_validity, before);
    assert_ne!(change.new_uid_validity, before);
    assert_eq!(change.uids.len(), 2);
    assert_eq!(change.uids[0].0, u2);
    assert_eq!(change.uids[1].0, u3);
    let (n, _, now, _) = imap.status("Work");
    assert_eq!((n, now), (2, change.new_uid_validity));
    let new3 = change.uids[1].1;
    assert_eq!(imap.fetch_raw("Work", new3), PLAIN);
    assert_eq!(imap.flags("Work", new3), vec!["\\Answered".to_owned()]);
    assert_eq!(
        imap.internal_date("Work", new3),
        "02-Nov-2026 07:00:00 +0000"
    );
    let lsub = imap.ok("LSUB \"\" \"Work\"");
    assert_eq!(lsub.untagged.len(), 1, "Work is no longer subscribed");
}

#[test]
fn doveadm_changes_the_uid_validity_of_inbox_in_place() {
    let stack = Stack::get();
    let (user, password) = stack.fresh_user("imap-uidv-inbox");
    let mut imap = Imap::connect(stack, &user, &password);
    let uid = imap.append("INBOX", PLAIN, &[], None);
    let (_, _, before, _) = imap.status("INBOX");
    imap.logout();
    stack.set_uid_validity(&user, "INBOX", before + 1000);
    let mut imap = Imap::connect(stack, &user, &password);
    let (n, next, after, _) = imap.status("INBOX");
    assert_eq!((n, next, after), (1, uid + 1, before + 1000));
    assert_eq!(imap.uids("INBOX"), vec![uid]);
}

#[test]
fn the_corpus_is_stored_byte_for_byte() {
    let mut imap = fresh("imap-corpus");
    let seeded = seed_corpus(&mut imap, "INBOX");
    let corpus = mail_corpus();
    assert_eq!(seeded.len(), corpus.len());
    assert_eq!(
        imap.uids("INBOX"),
        seeded.iter().map(|(_, u)| *u).collect::<Vec<_>>()
    );
    for ((name, uid), (name2, raw)) in seeded.iter().zip(&corpus) {
        assert_eq!(name, name2);
        assert!(
            imap.fetch_raw("INBOX", *uid) == *raw,
            "{name} came back different"
        );
    }
}
