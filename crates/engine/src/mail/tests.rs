//! The mail commands against the in-memory store: sync keys, windows, retries, changes both
//! ways, and what a step costs upstream.

use eas::folder::FolderSyncRequest;
use eas::sync::{
    ClientCommand, ClientResponse, EmailChange, ServerCommand, SyncCollectionRequest,
    SyncCollectionResponse, SyncRequest, SyncStatus,
};
use eas::{CollectionId, ProtocolVersion, SyncKey};
use state::{DeviceKey, Store};

use super::backend::{ChangeTracking, Flag};
use super::memory::Memory;
use super::*;

pub(super) const NOW: i64 = 1_790_000_000;

pub(super) struct World {
    _dir: tempfile::TempDir,
    pub(super) store: Store,
    pub(super) device: DeviceKey,
    pub(super) config: MailConfig,
    pub(super) mem: Memory,
}

pub(super) fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_dir(dir.path()).unwrap();
    World {
        _dir: dir,
        store,
        device: DeviceKey::new("alice", "dev1"),
        config: MailConfig::default(),
        mem: Memory::new(),
    }
}

fn message(n: u32) -> Vec<u8> {
    format!(
        "From: Bob <bob@example.test>\r\nTo: alice@example.test\r\nSubject: message {n}\r\n\
         Message-ID: <m{n}@example.test>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         Body of message {n}.\r\n"
    )
    .into_bytes()
}

impl World {
    pub(super) fn ctx(&self) -> MailContext<'_> {
        MailContext {
            store: &self.store,
            device: &self.device,
            version: ProtocolVersion::V16_1,
            config: &self.config,
            now: NOW,
            accept_multipart: false,
            identity: None,
        }
    }

    async fn folder_sync(&mut self, key: &str) -> eas::folder::FolderSyncResponse {
        let req = FolderSyncRequest {
            sync_key: SyncKey::new(key).unwrap(),
        };
        let ctx = MailContext {
            store: &self.store,
            device: &self.device,
            version: ProtocolVersion::V16_1,
            config: &self.config,
            now: NOW,
            accept_multipart: false,
            identity: None,
        };
        hierarchy::folder_sync(&ctx, &mut self.mem, &req)
            .await
            .unwrap()
    }

    /// The id of the folder with this display name.
    pub(super) async fn id(&mut self, name: &str) -> String {
        let resp = self.folder_sync("0").await;
        resp.changes
            .adds
            .iter()
            .find(|f| f.display_name == name)
            .map(|f| f.server_id.as_str().to_owned())
            .unwrap()
    }

    async fn sync(&mut self, coll: SyncCollectionRequest) -> SyncCollectionResponse {
        let req = SyncRequest {
            collections: vec![coll],
            wait: None,
            heartbeat_interval: None,
            window_size: None,
            partial: false,
        };
        let ctx = MailContext {
            store: &self.store,
            device: &self.device,
            version: ProtocolVersion::V16_1,
            config: &self.config,
            now: NOW,
            accept_multipart: false,
            identity: None,
        };
        let mut resp = sync::sync(&ctx, &mut self.mem, &mut send::NoOutbox, &req)
            .await
            .unwrap();
        resp.collections.remove(0)
    }

    /// A Sync of one collection, its backend reads served first from `ahead`.
    async fn sync_ahead(
        &mut self,
        id: &str,
        key: &str,
        window: u32,
        ahead: Vec<read_ahead::ReadAhead>,
    ) -> SyncCollectionResponse {
        let mut c =
            SyncCollectionRequest::new(SyncKey::new(key).unwrap(), CollectionId::new(id).unwrap());
        c.window_size = Some(window);
        let req = SyncRequest {
            collections: vec![c],
            wait: None,
            heartbeat_interval: None,
            window_size: None,
            partial: false,
        };
        let ctx = MailContext {
            store: &self.store,
            device: &self.device,
            version: ProtocolVersion::V16_1,
            config: &self.config,
            now: NOW,
            accept_multipart: false,
            identity: None,
        };
        let mut backend = read_ahead::WithReadAhead::new(&mut self.mem, ahead);
        let mut resp = sync::sync(&ctx, &mut backend, &mut send::NoOutbox, &req)
            .await
            .unwrap();
        resp.collections.remove(0)
    }

    /// Fetches what the last Sync hinted to read ahead.
    async fn read_ahead(&mut self) -> Vec<read_ahead::ReadAhead> {
        let plans = std::mem::take(&mut self.mem.read_ahead);
        let mut out = Vec::new();
        for plan in &plans {
            out.push(read_ahead::fetch(&mut self.mem, plan).await.unwrap());
        }
        out
    }

    async fn sync_key(&mut self, id: &str, key: &str, window: u32) -> SyncCollectionResponse {
        let mut c =
            SyncCollectionRequest::new(SyncKey::new(key).unwrap(), CollectionId::new(id).unwrap());
        c.window_size = Some(window);
        self.sync(c).await
    }
}

fn adds(r: &SyncCollectionResponse) -> Vec<String> {
    r.commands
        .iter()
        .filter_map(|c| match c {
            ServerCommand::Add { server_id, .. } => Some(server_id.clone()),
            _ => None,
        })
        .collect()
}

fn kinds(r: &SyncCollectionResponse) -> Vec<(&'static str, String)> {
    r.commands
        .iter()
        .map(|c| match c {
            ServerCommand::Add { server_id, .. } => ("add", server_id.clone()),
            ServerCommand::Change { server_id, .. } => ("change", server_id.clone()),
            ServerCommand::Delete { server_id } => ("delete", server_id.clone()),
            ServerCommand::SoftDelete { server_id } => ("soft", server_id.clone()),
        })
        .collect()
}

#[tokio::test]
async fn folder_sync_lists_the_default_folders_with_their_types() {
    let mut w = world();
    let r = w.folder_sync("0").await;
    let types: Vec<(String, u8)> = r
        .changes
        .adds
        .iter()
        .map(|f| (f.display_name.clone(), f.folder_type.code()))
        .collect();
    assert!(types.contains(&("Inbox".into(), 2)));
    assert!(types.contains(&("Drafts".into(), 3)));
    assert!(types.contains(&("Trash".into(), 4)));
    assert!(types.contains(&("Sent".into(), 5)));
    assert_eq!(r.sync_key.as_ref().map(|k| k.as_str()), Some("1"));
}

#[tokio::test]
async fn folder_sync_with_key_zero_again_keeps_the_ids_and_the_item_state() {
    let mut w = world();
    w.mem.append("INBOX", &message(1), NOW);
    let inbox = w.id("Inbox").await;
    w.sync_key(&inbox, "0", 10).await;
    let r = w.sync_key(&inbox, "1", 10).await;
    assert_eq!(adds(&r).len(), 1);
    assert_eq!(w.id("Inbox").await, inbox);
    // The collection's key still works after the hierarchy was fetched again.
    let r = w.sync_key(&inbox, "2", 10).await;
    assert_eq!(r.status, SyncStatus::Success);
}

#[tokio::test]
async fn a_server_side_folder_change_shows_in_the_next_folder_sync() {
    let mut w = world();
    w.folder_sync("0").await;
    w.mem.add_box("Projects", None);
    let r = w.folder_sync("1").await;
    assert_eq!(r.changes.adds.len(), 1);
    assert_eq!(r.changes.adds[0].display_name, "Projects");
    assert_eq!(r.sync_key.as_ref().map(|k| k.as_str()), Some("2"));
    let unchanged = w.folder_sync("2").await;
    assert!(unchanged.changes.is_empty());
    assert_eq!(unchanged.sync_key.as_ref().map(|k| k.as_str()), Some("2"));
}

#[tokio::test]
async fn initial_sync_sends_windows_newest_first_until_nothing_is_left() {
    let mut w = world();
    for n in 1..=5 {
        w.mem.append("INBOX", &message(n), NOW);
    }
    let inbox = w.id("Inbox").await;
    let r = w.sync_key(&inbox, "0", 2).await;
    assert_eq!(r.sync_key.as_str(), "1");
    assert!(r.commands.is_empty());
    let r = w.sync_key(&inbox, "1", 2).await;
    assert_eq!(adds(&r), [format!("{inbox}:5"), format!("{inbox}:4")]);
    assert!(r.more_available);
    let r = w.sync_key(&inbox, "2", 2).await;
    assert_eq!(adds(&r).len(), 2);
    let r = w.sync_key(&inbox, "3", 2).await;
    assert_eq!(adds(&r), [format!("{inbox}:1")]);
    assert!(!r.more_available);
}

#[tokio::test]
async fn a_retry_with_the_previous_key_gets_the_same_items_and_the_same_new_key() {
    let mut w = world();
    for n in 1..=3 {
        w.mem.append("INBOX", &message(n), NOW);
    }
    let inbox = w.id("Inbox").await;
    w.sync_key(&inbox, "0", 2).await;
    let first = w.sync_key(&inbox, "1", 2).await;
    let again = w.sync_key(&inbox, "1", 2).await;
    assert_eq!(first.sync_key, again.sync_key);
    assert_eq!(adds(&first), adds(&again));
    // And the window after it is not affected by the retry.
    let next = w.sync_key(&inbox, "2", 2).await;
    assert_eq!(adds(&next), [format!("{inbox}:1")]);
}

#[tokio::test]
async fn an_unknown_key_is_status_3() {
    let mut w = world();
    let inbox = w.id("Inbox").await;
    w.sync_key(&inbox, "0", 2).await;
    let r = w.sync_key(&inbox, "9", 2).await;
    assert_eq!(r.status, SyncStatus::InvalidSyncKey);
}

#[tokio::test]
async fn a_no_change_sync_costs_one_status_and_keeps_the_key() {
    let mut w = world();
    w.mem.append("INBOX", &message(1), NOW);
    let inbox = w.id("Inbox").await;
    w.sync_key(&inbox, "0", 10).await;
    w.sync_key(&inbox, "1", 10).await;
    w.mem.log.clear();
    let r = w.sync_key(&inbox, "2", 10).await;
    assert!(r.commands.is_empty());
    assert_eq!(r.sync_key.as_str(), "2");
    assert_eq!(w.mem.log, ["STATUS"]);
}

#[tokio::test]
async fn a_window_of_adds_fetches_summaries_and_bodies_in_one_command_each() {
    let mut w = world();
    for n in 1..=60 {
        w.mem.append("INBOX", &message(n), NOW);
    }
    let inbox = w.id("Inbox").await;
    w.sync_key(&inbox, "0", 100).await;
    w.mem.log.clear();
    let r = w.sync_key(&inbox, "1", 100).await;
    assert_eq!(adds(&r).len(), 60);
    let count = |name: &str| w.mem.log.iter().filter(|c| **c == name).count();
    assert_eq!(count("FETCH SUMMARY"), 1, "{:?}", w.mem.log);
    assert_eq!(count("FETCH BODY"), 1, "{:?}", w.mem.log);
}

#[tokio::test]
async fn server_side_flags_expunges_and_new_mail_reach_the_device() {
    let mut w = world();
    let a = w.mem.append("INBOX", &message(1), NOW);
    let b = w.mem.append("INBOX", &message(2), NOW);
    let inbox = w.id("Inbox").await;
    w.sync_key(&inbox, "0", 10).await;
    w.sync_key(&inbox, "1", 10).await;
    w.mem.set_flags("INBOX", a, vec![Flag::Seen]);
    w.mem.remove("INBOX", b);
    let c = w.mem.append("INBOX", &message(3), NOW);
    let r = w.sync_key(&inbox, "2", 10).await;
    let got = kinds(&r);
    assert!(got.contains(&("delete", format!("{inbox}:{b}"))), "{got:?}");
    assert!(got.contains(&("change", format!("{inbox}:{a}"))), "{got:?}");
    assert!(got.contains(&("add", format!("{inbox}:{c}"))), "{got:?}");
    assert_eq!(got.len(), 3);
}

#[tokio::test]
async fn without_qresync_new_and_expunged_mail_is_found_by_listing() {
    for tracking in [ChangeTracking::Condstore, ChangeTracking::Listing] {
        let mut w = world();
        w.mem.tracking = tracking;
        w.mem.append("INBOX", &message(1), NOW);
        let b = w.mem.append("INBOX", &message(2), NOW);
        let inbox = w.id("Inbox").await;
        w.sync_key(&inbox, "0", 10).await;
        w.sync_key(&inbox, "1", 10).await;
        w.mem.remove("INBOX", b);
        let c = w.mem.append("INBOX", &message(3), NOW);
        let got = kinds(&w.sync_key(&inbox, "2", 10).await);
        assert!(
            got.contains(&("delete", format!("{inbox}:{b}"))),
            "{tracking:?} {got:?}"
        );
        assert!(
            got.contains(&("add", format!("{inbox}:{c}"))),
            "{tracking:?} {got:?}"
        );
    }
}

#[tokio::test]
async fn a_read_change_from_the_device_sets_seen_and_is_not_echoed() {
    let mut w = world();
    let a = w.mem.append("INBOX", &message(1), NOW);
    let inbox = w.id("Inbox").await;
    w.sync_key(&inbox, "0", 10).await;
    w.sync_key(&inbox, "1", 10).await;
    let mut c = SyncCollectionRequest::new(
        SyncKey::new("2").unwrap(),
        CollectionId::new(&inbox).unwrap(),
    );
    let change = EmailChange {
        read: Some(true),
        ..EmailChange::default()
    };
    c.commands.push(ClientCommand::Change {
        server_id: format!("{inbox}:{a}"),
        application_data: change.to_application_data(),
    });
    let r = w.sync(c).await;
    assert!(
        r.responses.is_empty(),
        "success is silent: {:?}",
        r.responses
    );
    assert!(
        w.mem.boxes["INBOX"].messages[&a]
            .flags
            .contains(&Flag::Seen)
    );
    let next = w.sync_key(&inbox, r.sync_key.as_str(), 10).await;
    // The echo is at most a Change of what the device already has; never an Add.
    assert!(adds(&next).is_empty());
}

#[tokio::test]
async fn a_change_to_a_message_that_is_gone_gets_status_8_for_that_item_only() {
    let mut w = world();
    let a = w.mem.append("INBOX", &message(1), NOW);
    let inbox = w.id("Inbox").await;
    w.sync_key(&inbox, "0", 10).await;
    w.sync_key(&inbox, "1", 10).await;
    w.mem.remove("INBOX", a);
    let mut c = SyncCollectionRequest::new(
        SyncKey::new("2").unwrap(),
        CollectionId::new(&inbox).unwrap(),
    );
    c.commands.push(ClientCommand::Change {
        server_id: format!("{inbox}:{a}"),
        application_data: EmailChange {
            read: Some(true),
            ..EmailChange::default()
        }
        .to_application_data(),
    });
    let r = w.sync(c).await;
    assert_eq!(r.status, SyncStatus::Success);
    assert!(matches!(
        r.responses.as_slice(),
        [ClientResponse::Change {
            status: SyncStatus::ObjectNotFound,
            ..
        }]
    ));
}

#[tokio::test]
async fn a_delete_from_the_device_moves_the_message_to_deleted_items() {
    let mut w = world();
    let a = w.mem.append("INBOX", &message(1), NOW);
    let inbox = w.id("Inbox").await;
    w.sync_key(&inbox, "0", 10).await;
    w.sync_key(&inbox, "1", 10).await;
    let mut c = SyncCollectionRequest::new(
        SyncKey::new("2").unwrap(),
        CollectionId::new(&inbox).unwrap(),
    );
    c.commands.push(ClientCommand::Delete {
        server_id: format!("{inbox}:{a}"),
    });
    let r = w.sync(c).await;
    assert!(r.responses.is_empty());
    assert!(w.mem.boxes["INBOX"].messages.is_empty());
    assert_eq!(w.mem.boxes["Trash"].messages.len(), 1);
    // The device is not told about its own delete.
    let next = w.sync_key(&inbox, r.sync_key.as_str(), 10).await;
    assert!(next.commands.is_empty(), "{:?}", kinds(&next));
}

#[tokio::test]
async fn a_uid_validity_change_resets_the_collection_with_status_3() {
    let mut w = world();
    w.mem.append("INBOX", &message(1), NOW);
    let inbox = w.id("Inbox").await;
    w.sync_key(&inbox, "0", 10).await;
    w.sync_key(&inbox, "1", 10).await;
    w.mem.boxes.get_mut("INBOX").unwrap().uid_validity += 1;
    let r = w.sync_key(&inbox, "2", 10).await;
    assert_eq!(r.status, SyncStatus::InvalidSyncKey);
    let r = w.sync_key(&inbox, "0", 10).await;
    assert_eq!(r.status, SyncStatus::Success);
    let r = w.sync_key(&inbox, r.sync_key.as_str(), 10).await;
    assert_eq!(adds(&r).len(), 1);
}

#[tokio::test]
async fn the_filter_type_limits_the_initial_sync_by_date() {
    let mut w = world();
    w.mem.append("INBOX", &message(1), NOW - 30 * 86_400);
    let recent = w.mem.append("INBOX", &message(2), NOW - 3600);
    let inbox = w.id("Inbox").await;
    let mut c = SyncCollectionRequest::new(SyncKey::initial(), CollectionId::new(&inbox).unwrap());
    c.options.push(eas::sync::SyncOptions {
        filter_type: eas::sync::FilterType::from_code(3),
        ..Default::default()
    });
    w.sync(c.clone()).await;
    c.sync_key = SyncKey::new("1").unwrap();
    let r = w.sync(c).await;
    assert_eq!(adds(&r), [format!("{inbox}:{recent}")]);
}

#[tokio::test]
async fn get_item_estimate_counts_pending_and_upstream_changes() {
    let mut w = world();
    for n in 1..=3 {
        w.mem.append("INBOX", &message(n), NOW);
    }
    let inbox = w.id("Inbox").await;
    let ctx_est = |w: &World| w.ctx().now;
    let _ = ctx_est(&w);
    {
        let ctx = w.ctx();
        let e = estimate::estimate(&ctx, &mut w.mem.clone(), &inbox, Some("0"))
            .await
            .unwrap();
        assert_eq!(e, estimate::Estimate::NotPrimed);
    }
    w.sync_key(&inbox, "0", 10).await;
    let mut mem = w.mem.clone();
    let e = estimate::estimate(&w.ctx(), &mut mem, &inbox, Some("1"))
        .await
        .unwrap();
    assert_eq!(e, estimate::Estimate::Count(3));
    w.sync_key(&inbox, "1", 10).await;
    w.mem.append("INBOX", &message(4), NOW);
    let mut mem = w.mem.clone();
    let e = estimate::estimate(&w.ctx(), &mut mem, &inbox, Some("2"))
        .await
        .unwrap();
    assert_eq!(e, estimate::Estimate::Count(1));
    let e = estimate::estimate(&w.ctx(), &mut mem, "999", Some("2"))
        .await
        .unwrap();
    assert_eq!(e, estimate::Estimate::InvalidCollection);
}

#[tokio::test]
async fn move_items_reports_the_new_uid_and_neither_folder_echoes_it() {
    let mut w = world();
    let a = w.mem.append("INBOX", &message(1), NOW);
    let inbox = w.id("Inbox").await;
    let trash = w.id("Trash").await;
    for id in [&inbox, &trash] {
        w.sync_key(id, "0", 10).await;
        w.sync_key(id, "1", 10).await;
    }
    let mut mem = w.mem.clone();
    let moved = move_items::move_items(
        &w.ctx(),
        &mut mem,
        &[(format!("{inbox}:{a}"), inbox.clone(), trash.clone())],
    )
    .await
    .unwrap();
    w.mem = mem;
    assert_eq!(moved[0].status, move_items::SUCCESS);
    let new_id = moved[0].dst_msg_id.clone().unwrap();
    let new_uid: u32 = new_id.split(':').nth(1).unwrap().parse().unwrap();
    assert!(w.mem.boxes["Trash"].messages.contains_key(&new_uid));
    let r = w.sync_key(&inbox, "2", 10).await;
    assert!(r.commands.is_empty(), "{:?}", kinds(&r));
    let r = w.sync_key(&trash, "2", 10).await;
    assert!(adds(&r).is_empty(), "{:?}", kinds(&r));
}

#[tokio::test]
async fn folder_create_rename_and_delete_keep_the_device_view_current() {
    let mut w = world();
    w.folder_sync("0").await;
    let mut mem = w.mem.clone();
    let created = folder_ops::create(&w.ctx(), &mut mem, "1", "0", "Projects", 12)
        .await
        .unwrap();
    let folder_ops::FolderOutcome::Done {
        key,
        server_id: Some(id),
    } = created
    else {
        panic!("{created:?}")
    };
    assert_eq!(key, 2);
    assert!(mem.boxes.contains_key("Projects"));
    let again = folder_ops::create(&w.ctx(), &mut mem, "2", "0", "Projects", 12)
        .await
        .unwrap();
    assert_eq!(again, folder_ops::FolderOutcome::AlreadyExists);
    let renamed = folder_ops::update(&w.ctx(), &mut mem, "2", &id, "0", "Work")
        .await
        .unwrap();
    assert!(matches!(
        renamed,
        folder_ops::FolderOutcome::Done { key: 3, .. }
    ));
    assert!(mem.boxes.contains_key("Work"));
    w.mem = mem;
    // The device is not told about its own changes.
    let r = w.folder_sync("3").await;
    assert!(r.changes.is_empty(), "{:?}", r.changes);
    let mut mem = w.mem.clone();
    let bad = folder_ops::delete(&w.ctx(), &mut mem, "1", &id)
        .await
        .unwrap();
    assert_eq!(bad, folder_ops::FolderOutcome::InvalidKey);
    let inbox_id = {
        let r = w.folder_sync("0").await;
        r.changes
            .adds
            .iter()
            .find(|f| f.display_name == "Inbox")
            .unwrap()
            .server_id
            .as_str()
            .to_owned()
    };
    let special = folder_ops::delete(&w.ctx(), &mut mem, "4", &inbox_id)
        .await
        .unwrap();
    assert_eq!(special, folder_ops::FolderOutcome::SpecialFolder);
    let deleted = folder_ops::delete(&w.ctx(), &mut mem, "4", &id)
        .await
        .unwrap();
    assert!(
        matches!(deleted, folder_ops::FolderOutcome::Done { .. }),
        "{deleted:?}"
    );
    assert!(!mem.boxes.contains_key("Work"));
}

#[tokio::test]
async fn a_flags_dates_set_on_the_device_come_back_on_a_full_resync() {
    let mut w = world();
    let a = w.mem.append("INBOX", &message(1), NOW);
    let inbox = w.id("Inbox").await;
    w.sync_key(&inbox, "0", 10).await;
    w.sync_key(&inbox, "1", 10).await;
    let flag = eas::email::Flag {
        status: Some(2),
        flag_type: Some("Follow up".into()),
        due_date: Some("2026-12-01T00:00:00.000Z".into()),
        utc_due_date: Some("2026-12-01T00:00:00.000Z".into()),
        ..Default::default()
    };
    let mut c = SyncCollectionRequest::new(
        SyncKey::new("2").unwrap(),
        CollectionId::new(&inbox).unwrap(),
    );
    c.commands.push(ClientCommand::Change {
        server_id: format!("{inbox}:{a}"),
        application_data: EmailChange {
            flag: Some(Some(flag.clone())),
            ..EmailChange::default()
        }
        .to_application_data(),
    });
    w.sync(c).await;
    assert!(
        w.mem.boxes["INBOX"].messages[&a]
            .flags
            .contains(&Flag::Flagged)
    );
    let r = w.sync_key(&inbox, "0", 10).await;
    let r = w.sync_key(&inbox, r.sync_key.as_str(), 10).await;
    let ServerCommand::Add {
        application_data, ..
    } = &r.commands[0]
    else {
        panic!()
    };
    let xml = wbxml::xml::to_xml(application_data);
    assert!(xml.contains("2026-12-01T00:00:00.000Z"), "{xml}");
    assert!(xml.contains("Follow up"), "{xml}");
}

#[tokio::test]
async fn a_sync_without_options_keeps_the_filter_the_device_chose() {
    let mut w = world();
    w.mem.append("INBOX", &message(1), NOW - 30 * 86_400);
    w.mem.append("INBOX", &message(2), NOW - 3600);
    let inbox = w.id("Inbox").await;
    let mut c = SyncCollectionRequest::new(SyncKey::initial(), CollectionId::new(&inbox).unwrap());
    c.options.push(eas::sync::SyncOptions {
        filter_type: eas::sync::FilterType::from_code(3),
        ..Default::default()
    });
    w.sync(c.clone()).await;
    c.sync_key = SyncKey::new("1").unwrap();
    let r = w.sync(c).await;
    assert_eq!(adds(&r).len(), 1);
    // No Options now: the week's window stays; the old message does not arrive.
    let r = w.sync_key(&inbox, r.sync_key.as_str(), 10).await;
    assert!(r.commands.is_empty(), "{:?}", kinds(&r));
}

#[tokio::test]
async fn body_part_preference_gives_a_body_part_and_sender_shows_a_different_sender() {
    let mut w = world();
    let raw =
        b"From: Bob <bob@example.test>\r\nSender: list@example.test\r\nTo: alice@example.test\r\n\
Subject: s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello there, this is the body.\r\n";
    w.mem.append("INBOX", raw, NOW);
    let inbox = w.id("Inbox").await;
    let mut c = SyncCollectionRequest::new(SyncKey::initial(), CollectionId::new(&inbox).unwrap());
    c.options.push(eas::sync::SyncOptions {
        body_part_preferences: vec![eas::airsyncbase::BodyPartPreference {
            body_type: eas::airsyncbase::BodyType::Plain,
            truncation_size: Some(5),
            all_or_none: false,
            preview: Some(20),
        }],
        ..Default::default()
    });
    w.sync(c.clone()).await;
    c.sync_key = SyncKey::new("1").unwrap();
    let r = w.sync(c).await;
    let ServerCommand::Add {
        application_data, ..
    } = &r.commands[0]
    else {
        panic!()
    };
    let xml = wbxml::xml::to_xml(application_data);
    assert!(xml.contains("<BodyPart xmlns"), "{xml}");
    assert!(xml.contains("<Data>Hello</Data>"), "{xml}");
    assert!(xml.contains("list@example.test"), "{xml}");
}

#[tokio::test]
async fn each_window_names_the_next_one_to_read_ahead_until_nothing_is_pending() {
    let mut w = world();
    for n in 1..=5 {
        w.mem.append("INBOX", &message(n), NOW);
    }
    let inbox = w.id("Inbox").await;
    let hinted = |w: &mut World| -> Vec<Vec<u32>> {
        std::mem::take(&mut w.mem.read_ahead)
            .into_iter()
            .map(|p| p.uids)
            .collect()
    };
    w.sync_key(&inbox, "0", 2).await;
    assert_eq!(hinted(&mut w), [[5, 4]]);
    w.sync_key(&inbox, "1", 2).await;
    assert_eq!(hinted(&mut w), [[3, 2]]);
    w.sync_key(&inbox, "2", 2).await;
    assert_eq!(hinted(&mut w), [[1]]);
    w.sync_key(&inbox, "3", 2).await;
    assert!(hinted(&mut w).is_empty());
}

#[tokio::test]
async fn the_read_ahead_hint_comes_after_the_window_is_fetched() {
    let mut w = world();
    for n in 1..=4 {
        w.mem.append("INBOX", &message(n), NOW);
    }
    let inbox = w.id("Inbox").await;
    w.sync_key(&inbox, "0", 2).await;
    w.mem.read_ahead.clear();
    w.mem.log.clear();
    w.sync_key(&inbox, "1", 2).await;
    // Memory logs commands; the hint must follow the window's last fetch.
    assert_eq!(w.mem.read_ahead.len(), 1);
    assert_eq!(w.mem.log.last(), Some(&"FETCH BODY"), "{:?}", w.mem.log);
}

#[tokio::test]
async fn a_window_read_ahead_is_served_without_asking_the_server_again() {
    let mut w = world();
    for n in 1..=6 {
        w.mem.append("INBOX", &message(n), NOW);
    }
    let inbox = w.id("Inbox").await;
    w.sync_key(&inbox, "0", 3).await;
    let ahead = w.read_ahead().await;
    assert_eq!(ahead[0].len(), 3);
    w.mem.log.clear();
    let r = w.sync_ahead(&inbox, "1", 3, ahead).await;
    assert_eq!(adds(&r).len(), 3);
    assert!(
        !w.mem.log.iter().any(|c| c.starts_with("FETCH")),
        "{:?}",
        w.mem.log
    );
}

#[tokio::test]
async fn items_read_ahead_are_the_items_fetched_directly() {
    let mut w = world();
    for n in 1..=4 {
        w.mem.append("INBOX", &message(n), NOW);
    }
    let inbox = w.id("Inbox").await;
    w.sync_key(&inbox, "0", 2).await;
    let ahead = w.read_ahead().await;
    let served = w.sync_ahead(&inbox, "1", 2, ahead).await;
    // A retry of the same key fetches the same window again, from the server.
    let fetched = w.sync_key(&inbox, "1", 2).await;
    assert_eq!(served, fetched);
}

#[tokio::test]
async fn a_flag_changed_after_the_read_ahead_reaches_the_device_as_a_change() {
    let mut w = world();
    let a = w.mem.append("INBOX", &message(1), NOW);
    let inbox = w.id("Inbox").await;
    w.sync_key(&inbox, "0", 5).await;
    let ahead = w.read_ahead().await;
    w.mem.set_flags("INBOX", a, vec![Flag::Seen]);
    let r = w.sync_ahead(&inbox, "1", 5, ahead).await;
    assert_eq!(kinds(&r), [("add", format!("{inbox}:{a}"))]);
    let r = w.sync_key(&inbox, "2", 5).await;
    assert_eq!(kinds(&r), [("change", format!("{inbox}:{a}"))]);
}

#[tokio::test]
async fn a_read_ahead_of_an_older_uid_validity_is_not_served() {
    let mut w = world();
    w.mem.append("INBOX", &message(1), NOW);
    let inbox = w.id("Inbox").await;
    w.sync_key(&inbox, "0", 5).await;
    let mut plan = w.mem.read_ahead.remove(0);
    plan.uid_validity += 1;
    let ahead = read_ahead::fetch(&mut w.mem, &plan).await.unwrap();
    assert!(ahead.is_empty());
}

#[tokio::test]
async fn without_condstore_nothing_is_read_ahead() {
    let mut w = world();
    w.mem.tracking = ChangeTracking::Listing;
    w.mem.append("INBOX", &message(1), NOW);
    let inbox = w.id("Inbox").await;
    w.sync_key(&inbox, "0", 5).await;
    assert!(w.mem.read_ahead.is_empty());
}

// Drafts from the device (16.0+).

mod drafts {
    use super::*;
    use crate::mail::send::{Envelope, Identity, Outbox, SubmitError};
    use eas::airsyncbase::BodyType;
    use eas::draft::{AttachmentAdd, DraftBody, DraftEmail};
    use eas::sync::ClientResponse;
    use tokio::io::{AsyncRead, AsyncReadExt};

    #[derive(Default)]
    struct Recorder {
        sent: Vec<(Envelope, Vec<u8>)>,
    }

    impl Outbox for Recorder {
        async fn submit<R: AsyncRead + Unpin + Send>(
            &mut self,
            envelope: &Envelope,
            _len: u64,
            mut message: R,
        ) -> Result<(), SubmitError> {
            let mut b = Vec::new();
            message
                .read_to_end(&mut b)
                .await
                .map_err(|e| SubmitError::Temporary(e.to_string()))?;
            self.sent.push((envelope.clone(), b));
            Ok(())
        }
    }

    async fn sync_with(
        w: &mut World,
        out: &mut Recorder,
        coll: SyncCollectionRequest,
    ) -> SyncCollectionResponse {
        let identity = Identity {
            addresses: vec!["alice@example.test".into()],
        };
        let req = SyncRequest {
            collections: vec![coll],
            wait: None,
            heartbeat_interval: None,
            window_size: None,
            partial: false,
        };
        let ctx = MailContext {
            store: &w.store,
            device: &w.device,
            version: ProtocolVersion::V16_1,
            config: &w.config,
            now: NOW,
            accept_multipart: false,
            identity: Some(&identity),
        };
        let mut resp = sync::sync(&ctx, &mut w.mem, out, &req).await.unwrap();
        resp.collections.remove(0)
    }

    fn draft() -> DraftEmail {
        DraftEmail {
            to: Some("bob@example.test".into()),
            subject: Some("Draft one".into()),
            body: Some(DraftBody {
                body_type: BodyType::Plain,
                data: "First words.".into(),
            }),
            attachments_add: vec![AttachmentAdd {
                client_id: "att-1".into(),
                display_name: "notes.txt".into(),
                content_type: Some("text/plain".into()),
                content: b"attached notes".to_vec(),
                method: 1,
                content_id: None,
                content_location: None,
                is_inline: false,
            }],
            ..DraftEmail::default()
        }
    }

    /// A Drafts folder synced to a key; (collection id, key).
    async fn drafts_folder(w: &mut World) -> (String, String) {
        let id = w.id("Drafts").await;
        let r = w.sync_key(&id, "0", 100).await;
        (id, r.sync_key.as_str().to_owned())
    }

    fn with(id: &str, key: &str, command: ClientCommand) -> SyncCollectionRequest {
        let mut c =
            SyncCollectionRequest::new(SyncKey::new(key).unwrap(), CollectionId::new(id).unwrap());
        c.commands = vec![command];
        c
    }

    async fn add_draft(w: &mut World, out: &mut Recorder) -> (String, SyncCollectionResponse) {
        let (id, key) = drafts_folder(w).await;
        let add = ClientCommand::Add {
            client_id: "d1".into(),
            class: None,
            application_data: draft().to_application_data(),
        };
        let r = sync_with(w, out, with(&id, &key, add)).await;
        (id, r)
    }

    fn drafts_box(w: &World) -> Vec<(u32, String, Vec<Flag>)> {
        w.mem.boxes["Drafts"]
            .messages
            .iter()
            .map(|(u, m)| {
                (
                    *u,
                    String::from_utf8_lossy(&m.raw).into_owned(),
                    m.flags.clone(),
                )
            })
            .collect()
    }

    #[tokio::test]
    async fn a_draft_added_in_drafts_becomes_a_draft_message_with_its_attachment() {
        let mut w = world();
        let mut out = Recorder::default();
        let (id, r) = add_draft(&mut w, &mut out).await;
        let [
            ClientResponse::AddWithData {
                server_id: Some(sid),
                status,
                data,
                ..
            },
        ] = r.responses.as_slice()
        else {
            panic!("{:?}", r.responses);
        };
        assert_eq!(*status, SyncStatus::Success);
        let stored = drafts_box(&w);
        assert_eq!(stored.len(), 1);
        assert_eq!(*sid, format!("{id}:{}", stored[0].0));
        assert!(
            stored[0].1.contains("Subject: Draft one"),
            "{}",
            stored[0].1
        );
        assert!(stored[0].1.contains("notes.txt"));
        assert!(stored[0].2.contains(&Flag::Draft));
        assert_eq!(data.attachments.len(), 1);
        assert_eq!(data.attachments[0].client_id, "att-1");
        assert!(
            data.attachments[0]
                .file_reference
                .starts_with(&format!("{sid}:"))
        );
        // Not sent back to the device that made it.
        let next = w.sync_key(&id, r.sync_key.as_str(), 100).await;
        assert!(adds(&next).is_empty(), "{next:?}");
    }

    #[tokio::test]
    async fn a_changed_draft_is_replaced_and_keeps_its_server_id() {
        let mut w = world();
        let mut out = Recorder::default();
        let (id, r) = add_draft(&mut w, &mut out).await;
        let sid = match &r.responses[0] {
            ClientResponse::AddWithData {
                server_id: Some(s), ..
            } => s.clone(),
            other => panic!("{other:?}"),
        };
        let change = ClientCommand::Change {
            server_id: sid.clone(),
            application_data: DraftEmail {
                subject: Some("Draft two".into()),
                ..DraftEmail::default()
            }
            .to_application_data(),
        };
        let r2 = sync_with(&mut w, &mut out, with(&id, r.sync_key.as_str(), change)).await;
        assert!(
            r2.responses
                .iter()
                .all(|r| !matches!(r, ClientResponse::Change { status, .. } if *status != SyncStatus::Success)),
            "{r2:?}"
        );
        let stored = drafts_box(&w);
        assert_eq!(stored.len(), 1, "the old version is gone");
        assert!(stored[0].1.contains("Subject: Draft two"));
        assert!(stored[0].1.contains("First words."), "the body is kept");
        assert!(stored[0].1.contains("notes.txt"), "the attachment is kept");
        assert_ne!(format!("{id}:{}", stored[0].0), sid);
        // The device sees neither a Delete nor an Add for it.
        let next = w.sync_key(&id, r2.sync_key.as_str(), 100).await;
        assert!(
            kinds(&next).iter().all(|(k, _)| *k == "change"),
            "{:?}",
            kinds(&next)
        );
        // And its ServerId still reaches the draft.
        let del = ClientCommand::Delete { server_id: sid };
        let key = next.sync_key.as_str().to_owned();
        sync_with(&mut w, &mut out, with(&id, &key, del)).await;
        assert!(drafts_box(&w).is_empty());
    }

    #[tokio::test]
    async fn a_draft_sent_from_sync_is_submitted_filed_in_sent_and_deleted_from_drafts() {
        let mut w = world();
        let mut out = Recorder::default();
        let (id, r) = add_draft(&mut w, &mut out).await;
        let sid = match &r.responses[0] {
            ClientResponse::AddWithData {
                server_id: Some(s), ..
            } => s.clone(),
            other => panic!("{other:?}"),
        };
        let send = ClientCommand::Change {
            server_id: sid.clone(),
            application_data: DraftEmail {
                send: true,
                ..DraftEmail::default()
            }
            .to_application_data(),
        };
        let sent = sync_with(&mut w, &mut out, with(&id, r.sync_key.as_str(), send)).await;
        assert_eq!(out.sent.len(), 1);
        assert_eq!(out.sent[0].0.rcpt_to, ["bob@example.test"]);
        assert!(String::from_utf8_lossy(&out.sent[0].1).contains("notes.txt"));
        assert!(drafts_box(&w).is_empty());
        assert_eq!(w.mem.boxes["Sent"].messages.len(), 1);
        // The device's draft goes away with this answer (or the next).
        let next = w.sync_key(&id, sent.sync_key.as_str(), 100).await;
        let mut seen = kinds(&sent);
        seen.extend(kinds(&next));
        assert_eq!(seen, [("delete", sid)]);
    }

    #[tokio::test]
    async fn a_draft_send_already_accepted_before_a_crash_is_not_sent_again() {
        let mut w = world();
        let mut out = Recorder::default();
        let (id, r) = add_draft(&mut w, &mut out).await;
        let sid = match &r.responses[0] {
            ClientResponse::AddWithData {
                server_id: Some(s), ..
            } => s.clone(),
            other => panic!("{other:?}"),
        };
        // The server accepted the send, then airgate stopped before the Sync's state was
        // written: the device sends the same Change again.
        let uid = sid.rsplit(':').next().unwrap();
        let dev = w.device.clone();
        let key = format!("draft:{id}:{uid}");
        w.store
            .write(|tx| tx.put_submission(&dev, &key, &state::Submission { at: NOW }, 0))
            .unwrap();
        let send = ClientCommand::Change {
            server_id: sid,
            application_data: DraftEmail {
                send: true,
                ..DraftEmail::default()
            }
            .to_application_data(),
        };
        sync_with(&mut w, &mut out, with(&id, r.sync_key.as_str(), send)).await;
        assert!(out.sent.is_empty(), "sent twice");
        assert!(drafts_box(&w).is_empty(), "the retry still leaves Drafts");
    }

    #[tokio::test]
    async fn an_attachment_deleted_from_a_draft_is_gone_from_its_new_version() {
        let mut w = world();
        let mut out = Recorder::default();
        let (id, r) = add_draft(&mut w, &mut out).await;
        let (sid, reference) = match &r.responses[0] {
            ClientResponse::AddWithData {
                server_id: Some(s),
                data,
                ..
            } => (s.clone(), data.attachments[0].file_reference.clone()),
            other => panic!("{other:?}"),
        };
        let change = ClientCommand::Change {
            server_id: sid,
            application_data: DraftEmail {
                attachments_delete: vec![reference],
                ..DraftEmail::default()
            }
            .to_application_data(),
        };
        sync_with(&mut w, &mut out, with(&id, r.sync_key.as_str(), change)).await;
        let stored = drafts_box(&w);
        assert_eq!(stored.len(), 1);
        assert!(!stored[0].1.contains("notes.txt"), "{}", stored[0].1);
        assert!(stored[0].1.contains("First words."));
    }

    #[tokio::test]
    async fn an_add_outside_drafts_is_refused_with_status_6() {
        let mut w = world();
        let mut out = Recorder::default();
        let inbox = w.id("Inbox").await;
        let r = w.sync_key(&inbox, "0", 100).await;
        let add = ClientCommand::Add {
            client_id: "x".into(),
            class: None,
            application_data: draft().to_application_data(),
        };
        let r = sync_with(&mut w, &mut out, with(&inbox, r.sync_key.as_str(), add)).await;
        assert!(
            matches!(
                r.responses.as_slice(),
                [ClientResponse::Add {
                    status: SyncStatus::ConversionError,
                    ..
                }]
            ),
            "{:?}",
            r.responses
        );
        assert!(w.mem.boxes["INBOX"].messages.is_empty());
    }
}
