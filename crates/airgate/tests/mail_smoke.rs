//! First light: FolderSync and Sync of a seeded INBOX through airgate against Dovecot.

use std::sync::OnceLock;

use eas_test_client::{Airgate, ElementExt, Imap, Stack, device_id, docs, tags};

fn airgate() -> &'static Airgate {
    static AIRGATE: OnceLock<Airgate> = OnceLock::new();
    AIRGATE.get_or_init(|| Airgate::start(env!("CARGO_BIN_EXE_airgate"), &[]))
}

#[tokio::test]
async fn folder_sync_then_sync_of_inbox_returns_the_corpus() {
    let stack = Stack::get();
    let (user, password) = stack.fresh_user("smoke");
    let mut imap = Imap::connect(stack, &user, &password);
    let seeded = eas_test_client::seed_corpus(&mut imap, "INBOX");
    let mut c = airgate().client_with_password(&user, &password, &device_id("smoke"));
    c.provision().await;
    let fs = c.post("FolderSync", &docs::folder_sync("0")).await;
    fs.assert_status(200);
    let folders = fs.doc().folder_sync_folders();
    let inbox = folders
        .iter()
        .find(|f| f.3 == 2)
        .expect("an Inbox")
        .0
        .clone();
    let r = c.post("Sync", &docs::sync_initial(&inbox)).await;
    let key = r
        .doc()
        .sync_collection(&inbox)
        .and_then(|col| col.text_at(&[tags::airsync::SYNC_KEY]))
        .unwrap();
    let r = c
        .post(
            "Sync",
            &docs::sync(
                &inbox,
                &key,
                100,
                docs::SyncOpts::default().body_preference(docs::BodyPref::new(2).truncation(5000)),
            ),
        )
        .await;
    r.assert_status(200);
    let col = r.doc().sync_collection(&inbox).unwrap();
    assert_eq!(col.sync_adds().len(), seeded.len(), "{}", r.doc().to_xml());
}
