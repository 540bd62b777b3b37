//! The folder hierarchy of mail against Dovecot: FolderSync (types, names, parents, stable ids,
//! incremental changes, retries) and FolderCreate / FolderUpdate / FolderDelete from the device.
//! Every test has its own user, so tests are independent and run in parallel.

use std::sync::OnceLock;

use eas_test_client::imap::mutf7_encode;
use eas_test_client::tags::{airsync as a, folderhierarchy as fh};
use eas_test_client::{Airgate, Client, ElementExt, Imap, Response, Stack, device_id, docs};

fn airgate() -> &'static Airgate {
    static AIRGATE: OnceLock<Airgate> = OnceLock::new();
    AIRGATE.get_or_init(|| Airgate::start(env!("CARGO_BIN_EXE_airgate"), &[]))
}

/// (ServerId, ParentId, DisplayName, Type).
type Folder = (String, String, String, u8);

/// A fresh user with one provisioned device, and an IMAP session of the same user.
struct Setup {
    c: Client,
    imap: Imap,
    user: String,
    password: String,
}

impl Setup {
    async fn new(name: &str) -> Setup {
        let stack = Stack::get();
        let (user, password) = stack.fresh_user(name);
        let imap = Imap::connect(stack, &user, &password);
        let mut c = airgate().client_with_password(&user, &password, &device_id(name));
        c.provision().await;
        Setup {
            c,
            imap,
            user,
            password,
        }
    }

    fn imap_list_has_no(&mut self, name: &str) -> bool {
        !self.imap.list().iter().any(|n| n == name)
    }

    /// Another provisioned device of the same user.
    async fn other_device(&self, name: &str) -> Client {
        let mut c = airgate().client_with_password(&self.user, &self.password, &device_id(name));
        c.provision().await;
        c
    }
}

async fn folder_sync(c: &Client, key: &str) -> Response {
    let r = c.post("FolderSync", &docs::folder_sync(key)).await;
    r.assert_status(200);
    r
}

fn status(r: &Response) -> String {
    r.doc().text_at(&[fh::STATUS]).unwrap_or_default()
}

fn new_key(r: &Response) -> String {
    r.doc()
        .text_at(&[fh::SYNC_KEY])
        .unwrap_or_else(|| panic!("no SyncKey in {r:?}"))
}

/// FolderSync with key 0: (new key, every folder); asserts Status 1.
async fn all_folders(c: &Client) -> (String, Vec<Folder>) {
    let r = folder_sync(c, "0").await;
    assert_eq!(status(&r), "1", "{r:?}");
    (new_key(&r), r.doc().folder_sync_folders())
}

fn by_name<'a>(folders: &'a [Folder], name: &str) -> &'a Folder {
    folders
        .iter()
        .find(|f| f.2 == name)
        .unwrap_or_else(|| panic!("no folder {name:?} in {folders:?}"))
}

fn by_type(folders: &[Folder], t: u8) -> &Folder {
    folders
        .iter()
        .find(|f| f.3 == t)
        .unwrap_or_else(|| panic!("no folder of type {t} in {folders:?}"))
}

/// Creates and subscribes a mailbox over IMAP (`name` in UTF-8, sent as modified UTF-7).
fn create_subscribed(imap: &mut Imap, name: &str) {
    let wire = mutf7_encode(name);
    imap.create(&wire);
    imap.subscribe(&wire);
}

/// The status of a FolderCreate/FolderUpdate/FolderDelete response.
fn op_status(r: &Response, top: eas_test_client::Tag) -> String {
    r.assert_status(200);
    let doc = r.doc();
    assert_eq!(doc.tag, top, "{r:?}");
    let status = doc
        .text_at(&[fh::STATUS])
        .unwrap_or_else(|| panic!("no Status in {r:?}"));
    // A failed command has no SyncKey (MS-ASCMD 2.2.3.181.1), a successful one has one.
    assert_eq!(
        doc.find(fh::SYNC_KEY).is_some(),
        status == "1",
        "SyncKey with Status {status}: {r:?}"
    );
    status
}

// --- FolderSync ------------------------------------------------------------------------------

#[tokio::test]
async fn folder_sync_lists_subscribed_mailboxes_and_the_default_folders_with_their_types() {
    let mut s = Setup::new("fs-types").await;
    create_subscribed(&mut s.imap, "Projects");
    s.imap.create("Unsubscribed");
    let (key, folders) = all_folders(&s.c).await;
    assert_eq!(key, "1");
    // Inbox 2, Drafts 3, Deleted Items 4, Sent Items 5, user mail 12.
    assert_eq!(by_type(&folders, 2).2, "Inbox");
    assert_eq!(by_type(&folders, 3).2, "Drafts");
    assert_eq!(by_type(&folders, 4).2, "Trash");
    assert_eq!(by_type(&folders, 5).2, "Sent");
    for t in [2, 3, 4, 5] {
        assert_eq!(
            folders.iter().filter(|f| f.3 == t).count(),
            1,
            "one folder of type {t}: {folders:?}"
        );
    }
    assert_eq!(by_name(&folders, "Projects").3, 12);
    // Junk has SPECIAL-USE \Junk, which EAS has no default type for.
    assert_eq!(by_name(&folders, "Junk").3, 12);
    assert!(
        !folders.iter().any(|f| f.2 == "Unsubscribed"),
        "an unsubscribed mailbox is not a folder: {folders:?}"
    );
    assert!(folders.iter().all(|f| f.1 == "0"), "{folders:?}");
    let mut ids: Vec<&String> = folders.iter().map(|f| &f.0).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(
        ids.len(),
        folders.len(),
        "ServerIds are unique: {folders:?}"
    );
    // Count says how many changes there are.
    let r = folder_sync(&s.c, "0").await;
    assert_eq!(
        r.doc().text_at(&[fh::CHANGES, fh::COUNT]),
        Some(folders.len().to_string())
    );
}

#[tokio::test]
async fn non_ascii_mailbox_names_come_out_decoded() {
    let mut s = Setup::new("fs-utf7").await;
    for name in ["Entwürfe alt", "日本語", "A&B", "Ünter"] {
        create_subscribed(&mut s.imap, name);
    }
    create_subscribed(&mut s.imap, "Ünter/Köln");
    let (_, folders) = all_folders(&s.c).await;
    for name in ["Entwürfe alt", "日本語", "A&B", "Ünter", "Köln"] {
        assert_eq!(by_name(&folders, name).3, 12, "{folders:?}");
    }
    assert_eq!(
        by_name(&folders, "Köln").1,
        by_name(&folders, "Ünter").0,
        "{folders:?}"
    );
}

#[tokio::test]
async fn nested_folders_have_their_parent_id() {
    let mut s = Setup::new("fs-nested").await;
    create_subscribed(&mut s.imap, "Projects");
    create_subscribed(&mut s.imap, "Projects/airgate");
    create_subscribed(&mut s.imap, "Projects/airgate/2026");
    // A subscribed child of an unsubscribed parent still gets its parent.
    s.imap.create("Archive");
    create_subscribed(&mut s.imap, "Archive/Old");
    let (_, folders) = all_folders(&s.c).await;
    let projects = by_name(&folders, "Projects");
    let airgate = by_name(&folders, "airgate");
    let year = by_name(&folders, "2026");
    assert_eq!(projects.1, "0");
    assert_eq!(airgate.1, projects.0);
    assert_eq!(year.1, airgate.0);
    assert_eq!(by_name(&folders, "Old").1, by_name(&folders, "Archive").0);
    // Parents come before their children.
    let pos = |id: &str| folders.iter().position(|f| f.0 == id).unwrap();
    assert!(pos(&projects.0) < pos(&airgate.0) && pos(&airgate.0) < pos(&year.0));
}

#[tokio::test]
async fn folder_sync_with_key_zero_again_keeps_the_ids_and_the_item_state() {
    let mut s = Setup::new("fs-zero").await;
    create_subscribed(&mut s.imap, "Projects");
    let raw = eas_test_client::corpus_message("01-plain-ascii.eml");
    s.imap.append("INBOX", &raw, &[], None);
    let (_, first) = all_folders(&s.c).await;
    let inbox = by_type(&first, 2).0.clone();
    // Sync the Inbox to a key with the message on the device.
    let r = s.c.post("Sync", &docs::sync_initial(&inbox)).await;
    let key = sync_key_of(&r, &inbox);
    let r =
        s.c.post("Sync", &docs::sync(&inbox, &key, 50, Default::default()))
            .await;
    let col = r.doc().sync_collection(&inbox).unwrap().clone();
    assert_eq!(col.sync_adds().len(), 1, "{r:?}");
    let key = sync_key_of(&r, &inbox);

    let (key2, again) = all_folders(&s.c).await;
    assert_eq!(key2, "2", "keys grow across key 0");
    let mut a: Vec<&Folder> = first.iter().collect();
    let mut b: Vec<&Folder> = again.iter().collect();
    a.sort();
    b.sort();
    assert_eq!(a, b, "the same folders with the same ServerIds");

    // The Inbox's item state is untouched: the old key still works and only new mail comes.
    s.imap.append(
        "INBOX",
        &eas_test_client::corpus_message("15-importance-high.eml"),
        &[],
        None,
    );
    let r =
        s.c.post("Sync", &docs::sync(&inbox, &key, 50, Default::default()))
            .await;
    let col = r.doc().sync_collection(&inbox).unwrap();
    assert_eq!(col.text_at(&[a::STATUS]).as_deref(), Some("1"), "{r:?}");
    assert_eq!(col.sync_adds().len(), 1, "only the new message: {r:?}");
}

fn sync_key_of(r: &Response, collection: &str) -> String {
    r.assert_status(200);
    let col = r
        .doc()
        .sync_collection(collection)
        .unwrap_or_else(|| panic!("no collection {collection} in {r:?}"));
    assert_eq!(col.text_at(&[a::STATUS]).as_deref(), Some("1"), "{r:?}");
    col.text_at(&[a::SYNC_KEY]).unwrap()
}

#[tokio::test]
async fn folder_sync_without_changes_keeps_the_key() {
    let s = Setup::new("fs-quiet").await;
    let (key, _) = all_folders(&s.c).await;
    let r = folder_sync(&s.c, &key).await;
    assert_eq!(status(&r), "1");
    assert_eq!(new_key(&r), key);
    assert!(r.doc().folder_sync_folders().is_empty(), "{r:?}");
    assert!(r.doc().folder_sync_updates().is_empty(), "{r:?}");
    assert!(r.doc().folder_sync_deletes().is_empty(), "{r:?}");
}

#[tokio::test]
async fn incremental_folder_sync_reports_a_server_side_create_as_add() {
    let mut s = Setup::new("fs-add").await;
    let (key, _) = all_folders(&s.c).await;
    create_subscribed(&mut s.imap, "Neu");
    create_subscribed(&mut s.imap, "Neu/Kind");
    let r = folder_sync(&s.c, &key).await;
    assert_eq!(status(&r), "1");
    assert_ne!(new_key(&r), key);
    let adds = r.doc().folder_sync_folders();
    assert_eq!(adds.len(), 2, "{r:?}");
    assert_eq!(adds[0].2, "Neu");
    assert_eq!((adds[0].1.as_str(), adds[0].3), ("0", 12));
    assert_eq!(adds[1].2, "Kind");
    assert_eq!(adds[1].1, adds[0].0);
    assert!(r.doc().folder_sync_updates().is_empty());
    assert!(r.doc().folder_sync_deletes().is_empty());
}

#[tokio::test]
async fn incremental_folder_sync_reports_a_server_side_rename_as_update_with_the_same_id() {
    let mut s = Setup::new("fs-rename").await;
    create_subscribed(&mut s.imap, "Before");
    let (key, folders) = all_folders(&s.c).await;
    let id = by_name(&folders, "Before").0.clone();
    s.imap.rename("Before", "After");
    s.imap.subscribe("After");
    let r = folder_sync(&s.c, &key).await;
    assert_eq!(status(&r), "1");
    let updates = r.doc().folder_sync_updates();
    assert_eq!(updates.len(), 1, "{r:?}");
    assert_eq!(updates[0], (id, "0".into(), "After".into(), 12));
    assert!(r.doc().folder_sync_folders().is_empty(), "{r:?}");
    assert!(r.doc().folder_sync_deletes().is_empty(), "{r:?}");
}

#[tokio::test]
async fn a_server_side_rename_that_leaves_the_subscription_behind_keeps_the_folder() {
    // Dovecot's RENAME moves the mailbox and its children but not their subscriptions; a
    // client that does not subscribe the new names leaves them unsubscribed.
    let mut s = Setup::new("fs-rename-unsub").await;
    create_subscribed(&mut s.imap, "Before");
    create_subscribed(&mut s.imap, "Before/Child");
    let (key, folders) = all_folders(&s.c).await;
    let id = by_name(&folders, "Before").0.clone();
    let child = by_name(&folders, "Child").0.clone();
    s.imap.rename("Before", "After");
    let r = folder_sync(&s.c, &key).await;
    assert_eq!(status(&r), "1");
    assert!(r.doc().folder_sync_deletes().is_empty(), "{r:?}");
    assert!(r.doc().folder_sync_folders().is_empty(), "{r:?}");
    assert_eq!(
        r.doc().folder_sync_updates(),
        vec![(id.clone(), "0".into(), "After".into(), 12)],
        "{r:?}"
    );
    let (_, again) = all_folders(&s.c).await;
    assert_eq!(by_name(&again, "Child"), &(child, id, "Child".into(), 12));
}

#[tokio::test]
async fn unsubscribing_a_mailbox_removes_the_folder_and_leaves_it_unsubscribed() {
    let mut s = Setup::new("fs-unsub").await;
    create_subscribed(&mut s.imap, "Quiet");
    let (key, folders) = all_folders(&s.c).await;
    let id = by_name(&folders, "Quiet").0.clone();
    s.imap.unsubscribe("Quiet");
    let r = folder_sync(&s.c, &key).await;
    assert_eq!(r.doc().folder_sync_deletes(), vec![id], "{r:?}");
    let (_, again) = all_folders(&s.c).await;
    assert!(!again.iter().any(|f| f.2 == "Quiet"), "{again:?}");
}

#[tokio::test]
async fn incremental_folder_sync_reports_a_server_side_delete() {
    let mut s = Setup::new("fs-delete").await;
    create_subscribed(&mut s.imap, "Doomed");
    let (key, folders) = all_folders(&s.c).await;
    let id = by_name(&folders, "Doomed").0.clone();
    s.imap.delete("Doomed");
    let r = folder_sync(&s.c, &key).await;
    assert_eq!(status(&r), "1");
    assert_eq!(r.doc().folder_sync_deletes(), vec![id], "{r:?}");
    assert!(r.doc().folder_sync_folders().is_empty(), "{r:?}");
    assert!(r.doc().folder_sync_updates().is_empty(), "{r:?}");
}

#[tokio::test]
async fn a_folder_sync_retried_with_the_previous_key_returns_the_same_changes() {
    let mut s = Setup::new("fs-retry").await;
    create_subscribed(&mut s.imap, "Old");
    let (key, _) = all_folders(&s.c).await;
    create_subscribed(&mut s.imap, "Fresh");
    s.imap.delete("Old");
    let first = folder_sync(&s.c, &key).await;
    assert_eq!(status(&first), "1");
    // The response was lost; the device asks again with the same key.
    let second = folder_sync(&s.c, &key).await;
    assert_eq!(status(&second), "1");
    assert_eq!(new_key(&first), new_key(&second));
    assert_eq!(
        first.doc().folder_sync_folders(),
        second.doc().folder_sync_folders()
    );
    assert_eq!(
        first.doc().folder_sync_deletes(),
        second.doc().folder_sync_deletes()
    );
    assert_eq!(first.doc().folder_sync_folders().len(), 1);
    assert_eq!(first.doc().folder_sync_deletes().len(), 1);
    // And the new key goes on from there.
    let third = folder_sync(&s.c, &new_key(&first)).await;
    assert_eq!(status(&third), "1");
    assert!(third.doc().folder_sync_folders().is_empty(), "{third:?}");
}

#[tokio::test]
async fn a_folder_sync_with_an_unknown_key_gets_status_9() {
    let s = Setup::new("fs-badkey").await;
    // Before any FolderSync, and after one.
    let r = folder_sync(&s.c, "7").await;
    assert_eq!(status(&r), "9", "{r:?}");
    let (key, _) = all_folders(&s.c).await;
    let r = folder_sync(&s.c, &format!("{key}99")).await;
    assert_eq!(status(&r), "9", "{r:?}");
    let r = folder_sync(&s.c, "not-a-key").await;
    assert_eq!(status(&r), "9", "{r:?}");
}

// --- FolderCreate ------------------------------------------------------------------------------

#[tokio::test]
async fn folder_create_makes_a_subscribed_mailbox_the_next_folder_sync_does_not_report() {
    let mut s = Setup::new("fc-create").await;
    let (key, folders) = all_folders(&s.c).await;
    let inbox = by_type(&folders, 2).0.clone();
    let r =
        s.c.post(
            "FolderCreate",
            &docs::folder_create(&key, "0", "Rechnungen", 12),
        )
        .await;
    assert_eq!(op_status(&r, fh::FOLDER_CREATE), "1", "{r:?}");
    let id = r.doc().text_at(&[fh::SERVER_ID]).expect("a ServerId");
    let key2 = r.doc().text_at(&[fh::SYNC_KEY]).expect("a SyncKey");
    assert_ne!(key2, key);
    let listed = s.imap.list_with_attributes();
    assert!(listed.iter().any(|(n, _)| n == "Rechnungen"), "{listed:?}");
    // Created under the Inbox too (a non-ASCII name, in modified UTF-7 upstream).
    let r =
        s.c.post(
            "FolderCreate",
            &docs::folder_create(&key2, &inbox, "Bestätigt", 12),
        )
        .await;
    assert_eq!(op_status(&r, fh::FOLDER_CREATE), "1", "{r:?}");
    let child = r.doc().text_at(&[fh::SERVER_ID]).unwrap();
    let key3 = r.doc().text_at(&[fh::SYNC_KEY]).unwrap();
    let wire = format!("INBOX/{}", mutf7_encode("Bestätigt"));
    let listed = s.imap.list();
    assert!(listed.contains(&wire), "{wire} in {listed:?}");
    // The device's next FolderSync does not report its own creations back.
    let r = folder_sync(&s.c, &key3).await;
    assert_eq!(status(&r), "1");
    assert!(r.doc().folder_sync_folders().is_empty(), "{r:?}");
    assert!(r.doc().folder_sync_updates().is_empty(), "{r:?}");
    // Another device sees them as Adds, with the same ids.
    let other = s.other_device("fc-create-2").await;
    let (_, seen) = all_folders(&other).await;
    assert_eq!(
        by_name(&seen, "Rechnungen"),
        &(id, "0".into(), "Rechnungen".into(), 12)
    );
    assert_eq!(
        by_name(&seen, "Bestätigt"),
        &(child, inbox, "Bestätigt".into(), 12)
    );
    // And a new key-0 FolderSync of the first device lists them.
    let (_, again) = all_folders(&s.c).await;
    by_name(&again, "Rechnungen");
}

#[tokio::test]
async fn folder_create_of_an_existing_name_gets_status_2() {
    let mut s = Setup::new("fc-exists").await;
    create_subscribed(&mut s.imap, "Taken");
    let (key, _) = all_folders(&s.c).await;
    let r =
        s.c.post("FolderCreate", &docs::folder_create(&key, "0", "Taken", 12))
            .await;
    assert_eq!(op_status(&r, fh::FOLDER_CREATE), "2", "{r:?}");
    // An existing but unsubscribed mailbox is taken too.
    s.imap.create("Hidden");
    let r =
        s.c.post(
            "FolderCreate",
            &docs::folder_create(&key, "0", "Hidden", 12),
        )
        .await;
    assert_eq!(op_status(&r, fh::FOLDER_CREATE), "2", "{r:?}");
}

#[tokio::test]
async fn folder_create_under_an_unknown_parent_gets_status_5() {
    let s = Setup::new("fc-parent").await;
    let (key, _) = all_folders(&s.c).await;
    let r =
        s.c.post(
            "FolderCreate",
            &docs::folder_create(&key, "999", "Orphan", 12),
        )
        .await;
    assert_eq!(op_status(&r, fh::FOLDER_CREATE), "5", "{r:?}");
}

#[tokio::test]
async fn folder_commands_with_a_bad_key_get_status_9() {
    let mut s = Setup::new("fc-badkey").await;
    create_subscribed(&mut s.imap, "Mine");
    let (key, folders) = all_folders(&s.c).await;
    let mine = by_name(&folders, "Mine").0.clone();
    let bad = format!("{key}5");
    let r =
        s.c.post("FolderCreate", &docs::folder_create(&bad, "0", "X", 12))
            .await;
    assert_eq!(op_status(&r, fh::FOLDER_CREATE), "9", "{r:?}");
    let r =
        s.c.post("FolderUpdate", &docs::folder_update(&bad, &mine, "0", "Y"))
            .await;
    assert_eq!(op_status(&r, fh::FOLDER_UPDATE), "9", "{r:?}");
    let r =
        s.c.post("FolderDelete", &docs::folder_delete(&bad, &mine))
            .await;
    assert_eq!(op_status(&r, fh::FOLDER_DELETE), "9", "{r:?}");
    // Nothing happened upstream.
    let listed = s.imap.list();
    assert!(listed.contains(&"Mine".to_owned()) && !listed.contains(&"X".to_owned()));
}

// --- FolderUpdate ------------------------------------------------------------------------------

#[tokio::test]
async fn folder_update_renames_the_mailbox_and_keeps_the_server_id() {
    let mut s = Setup::new("fu-rename").await;
    create_subscribed(&mut s.imap, "Alt");
    create_subscribed(&mut s.imap, "Alt/Kind");
    let (key, folders) = all_folders(&s.c).await;
    let id = by_name(&folders, "Alt").0.clone();
    let child = by_name(&folders, "Kind").0.clone();
    let r =
        s.c.post(
            "FolderUpdate",
            &docs::folder_update(&key, &id, "0", "Größer"),
        )
        .await;
    assert_eq!(op_status(&r, fh::FOLDER_UPDATE), "1", "{r:?}");
    let key2 = r.doc().text_at(&[fh::SYNC_KEY]).expect("a SyncKey");
    let listed = s.imap.list();
    let wire = mutf7_encode("Größer");
    assert!(listed.contains(&wire), "{listed:?}");
    assert!(listed.contains(&format!("{wire}/Kind")), "{listed:?}");
    assert!(!listed.contains(&"Alt".to_owned()), "{listed:?}");
    // Not reported back to this device.
    let r = folder_sync(&s.c, &key2).await;
    assert_eq!(status(&r), "1");
    assert!(r.doc().folder_sync_updates().is_empty(), "{r:?}");
    assert!(r.doc().folder_sync_folders().is_empty(), "{r:?}");
    assert!(r.doc().folder_sync_deletes().is_empty(), "{r:?}");
    // Same ids, new name, for everyone.
    let (_, again) = all_folders(&s.c).await;
    assert_eq!(by_name(&again, "Größer").0, id);
    assert_eq!(by_name(&again, "Kind"), &(child, id, "Kind".into(), 12));
}

#[tokio::test]
async fn folder_update_moves_a_folder_under_another_parent() {
    let mut s = Setup::new("fu-move").await;
    create_subscribed(&mut s.imap, "Wandert");
    create_subscribed(&mut s.imap, "Ziel");
    let (key, folders) = all_folders(&s.c).await;
    let id = by_name(&folders, "Wandert").0.clone();
    let target = by_name(&folders, "Ziel").0.clone();
    let r =
        s.c.post(
            "FolderUpdate",
            &docs::folder_update(&key, &id, &target, "Wandert"),
        )
        .await;
    assert_eq!(op_status(&r, fh::FOLDER_UPDATE), "1", "{r:?}");
    let key2 = r.doc().text_at(&[fh::SYNC_KEY]).unwrap();
    let listed = s.imap.list();
    assert!(listed.contains(&"Ziel/Wandert".to_owned()), "{listed:?}");
    assert!(!listed.contains(&"Wandert".to_owned()), "{listed:?}");
    let r = folder_sync(&s.c, &key2).await;
    assert!(r.doc().folder_sync_updates().is_empty(), "{r:?}");
    // Back to the top level.
    let r =
        s.c.post(
            "FolderUpdate",
            &docs::folder_update(&key2, &id, "0", "Wandert"),
        )
        .await;
    assert_eq!(op_status(&r, fh::FOLDER_UPDATE), "1", "{r:?}");
    assert!(s.imap.list().contains(&"Wandert".to_owned()));
    let (_, again) = all_folders(&s.c).await;
    assert_eq!(
        by_name(&again, "Wandert"),
        &(id, "0".into(), "Wandert".into(), 12)
    );
}

#[tokio::test]
async fn folder_update_of_a_default_folder_gets_status_2() {
    let mut s = Setup::new("fu-special").await;
    let (key, folders) = all_folders(&s.c).await;
    for t in [2, 3, 4, 5] {
        let id = by_type(&folders, t).0.clone();
        let r =
            s.c.post(
                "FolderUpdate",
                &docs::folder_update(&key, &id, "0", "Renamed"),
            )
            .await;
        // 2, not 3: FolderUpdate's 3 is for the recipient information cache only
        // (MS-ASCMD 2.2.3.177.6).
        assert_eq!(op_status(&r, fh::FOLDER_UPDATE), "2", "type {t}: {r:?}");
    }
    assert!(s.imap_list_has_no("Renamed"));
}

#[tokio::test]
async fn folder_update_of_an_unknown_folder_gets_status_4() {
    let s = Setup::new("fu-unknown").await;
    let (key, _) = all_folders(&s.c).await;
    let r =
        s.c.post(
            "FolderUpdate",
            &docs::folder_update(&key, "999", "0", "Nope"),
        )
        .await;
    assert_eq!(op_status(&r, fh::FOLDER_UPDATE), "4", "{r:?}");
}

#[tokio::test]
async fn folder_update_under_an_unknown_parent_gets_status_5() {
    let mut s = Setup::new("fu-parent").await;
    create_subscribed(&mut s.imap, "Stays");
    let (key, folders) = all_folders(&s.c).await;
    let id = by_name(&folders, "Stays").0.clone();
    let r =
        s.c.post(
            "FolderUpdate",
            &docs::folder_update(&key, &id, "999", "Stays"),
        )
        .await;
    assert_eq!(op_status(&r, fh::FOLDER_UPDATE), "5", "{r:?}");
    assert!(s.imap.list().contains(&"Stays".to_owned()));
}

#[tokio::test]
async fn folder_update_to_an_existing_name_gets_status_2() {
    let mut s = Setup::new("fu-exists").await;
    create_subscribed(&mut s.imap, "One");
    create_subscribed(&mut s.imap, "Two");
    let (key, folders) = all_folders(&s.c).await;
    let id = by_name(&folders, "One").0.clone();
    let r =
        s.c.post("FolderUpdate", &docs::folder_update(&key, &id, "0", "Two"))
            .await;
    assert_eq!(op_status(&r, fh::FOLDER_UPDATE), "2", "{r:?}");
}

// --- FolderDelete ------------------------------------------------------------------------------

#[tokio::test]
async fn folder_delete_removes_the_mailbox_and_its_children() {
    let mut s = Setup::new("fd-delete").await;
    create_subscribed(&mut s.imap, "Weg");
    create_subscribed(&mut s.imap, "Weg/Auch");
    create_subscribed(&mut s.imap, "Bleibt");
    let (key, folders) = all_folders(&s.c).await;
    let id = by_name(&folders, "Weg").0.clone();
    let r =
        s.c.post("FolderDelete", &docs::folder_delete(&key, &id))
            .await;
    assert_eq!(op_status(&r, fh::FOLDER_DELETE), "1", "{r:?}");
    let key2 = r.doc().text_at(&[fh::SYNC_KEY]).expect("a SyncKey");
    let listed = s.imap.list();
    assert!(!listed.iter().any(|n| n.starts_with("Weg")), "{listed:?}");
    assert!(listed.contains(&"Bleibt".to_owned()));
    // Not reported back.
    let r = folder_sync(&s.c, &key2).await;
    assert_eq!(status(&r), "1");
    assert!(r.doc().folder_sync_deletes().is_empty(), "{r:?}");
    // Deleting it again: it does not exist.
    let r =
        s.c.post("FolderDelete", &docs::folder_delete(&key2, &id))
            .await;
    assert_eq!(op_status(&r, fh::FOLDER_DELETE), "4", "{r:?}");
}

#[tokio::test]
async fn folder_delete_of_a_default_folder_gets_status_3() {
    let s = Setup::new("fd-special").await;
    let (key, folders) = all_folders(&s.c).await;
    for t in [2, 3, 4, 5] {
        let id = by_type(&folders, t).0.clone();
        let r =
            s.c.post("FolderDelete", &docs::folder_delete(&key, &id))
                .await;
        assert_eq!(op_status(&r, fh::FOLDER_DELETE), "3", "type {t}: {r:?}");
    }
}

#[tokio::test]
async fn a_folder_change_by_one_device_is_reported_to_the_other() {
    let mut s = Setup::new("fd-other").await;
    create_subscribed(&mut s.imap, "Shared");
    let other = s.other_device("fd-other-2").await;
    let (key_a, folders) = all_folders(&s.c).await;
    let (key_b, _) = all_folders(&other).await;
    let id = by_name(&folders, "Shared").0.clone();
    let r =
        s.c.post(
            "FolderUpdate",
            &docs::folder_update(&key_a, &id, "0", "Geteilt"),
        )
        .await;
    assert_eq!(op_status(&r, fh::FOLDER_UPDATE), "1", "{r:?}");
    let r =
        s.c.post(
            "FolderCreate",
            &docs::folder_create(&r.doc().text_at(&[fh::SYNC_KEY]).unwrap(), "0", "Neu", 12),
        )
        .await;
    assert_eq!(op_status(&r, fh::FOLDER_CREATE), "1", "{r:?}");
    let r = folder_sync(&other, &key_b).await;
    assert_eq!(status(&r), "1");
    assert_eq!(
        r.doc().folder_sync_updates(),
        vec![(id, "0".into(), "Geteilt".into(), 12)]
    );
    let adds = r.doc().folder_sync_folders();
    assert_eq!(adds.len(), 1, "{r:?}");
    assert_eq!(adds[0].2, "Neu");
}

#[tokio::test]
async fn server_side_changes_made_before_a_device_folder_command_are_still_reported() {
    let mut s = Setup::new("fx-pending").await;
    for name in ["Stays", "Renamed", "Removed", "Mine", "Gone"] {
        create_subscribed(&mut s.imap, name);
    }
    let (key, folders) = all_folders(&s.c).await;
    let id = |name: &str| by_name(&folders, name).0.clone();
    // Changes on the server the device has not seen yet...
    s.imap.rename("Renamed", "Umbenannt");
    s.imap.subscribe("Umbenannt");
    s.imap.delete("Removed");
    create_subscribed(&mut s.imap, "Added");
    // ...then the device's own changes.
    let r =
        s.c.post(
            "FolderCreate",
            &docs::folder_create(&key, "0", "Created", 12),
        )
        .await;
    assert_eq!(op_status(&r, fh::FOLDER_CREATE), "1", "{r:?}");
    let key = r.doc().text_at(&[fh::SYNC_KEY]).unwrap();
    let r =
        s.c.post(
            "FolderUpdate",
            &docs::folder_update(&key, &id("Mine"), "0", "Meins"),
        )
        .await;
    assert_eq!(op_status(&r, fh::FOLDER_UPDATE), "1", "{r:?}");
    let key = r.doc().text_at(&[fh::SYNC_KEY]).unwrap();
    let r =
        s.c.post("FolderDelete", &docs::folder_delete(&key, &id("Gone")))
            .await;
    assert_eq!(op_status(&r, fh::FOLDER_DELETE), "1", "{r:?}");
    let key = r.doc().text_at(&[fh::SYNC_KEY]).unwrap();
    // The next FolderSync has the server's changes, and only those.
    let r = folder_sync(&s.c, &key).await;
    assert_eq!(status(&r), "1");
    let adds: Vec<String> = r
        .doc()
        .folder_sync_folders()
        .into_iter()
        .map(|f| f.2)
        .collect();
    assert_eq!(adds, ["Added"], "{r:?}");
    assert_eq!(
        r.doc().folder_sync_updates(),
        vec![(id("Renamed"), "0".into(), "Umbenannt".into(), 12)],
        "{r:?}"
    );
    assert_eq!(r.doc().folder_sync_deletes(), vec![id("Removed")], "{r:?}");
}
