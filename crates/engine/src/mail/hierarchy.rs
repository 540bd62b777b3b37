//! FolderSync (MS-ASCMD 2.2.1.5) over the user's mailboxes.
//!
//! The device's view is kept per device (`HierarchyState`); ids are kept per user, so a
//! FolderSync with key 0 (which some clients send on every refresh) gets the same ids again
//! and leaves the item state of the folders alone.

use std::collections::{BTreeMap, BTreeSet};

use eas::folder::{Folder, FolderChanges, FolderSyncRequest, FolderSyncResponse, FolderSyncStatus};
use eas::{CollectionId, FolderType, SyncKey};
use state::{DeviceFolder, FolderSource, HierarchyState, SentHierarchyChanges, UserFolders};

use super::backend::{BackendError, MailBackend};
use super::folders::{self, MailFolder};
use super::{MailContext, blocking};
use crate::EngineError;

/// Lists the mailboxes, creates missing default folders, and returns them classified.
pub(crate) async fn current_folders<B: MailBackend>(
    ctx: &MailContext<'_>,
    backend: &mut B,
) -> Result<Vec<MailFolder>, EngineError> {
    let listing = backend.list().await?;
    let mut found = folders::classify(&listing, &ctx.config.special_names);
    let missing = folders::missing_required(&found);
    if missing.is_empty() {
        return Ok(found);
    }
    for (t, name) in &missing {
        tracing::info!(folder_type = ?t, mailbox = name, "creating a missing default folder");
        match backend.create(name).await {
            Ok(()) | Err(BackendError::AlreadyExists) => {}
            Err(e) => return Err(e.into()),
        }
        backend.subscribe(name).await?;
    }
    let listing = backend.list().await?;
    found = folders::classify(&listing, &ctx.config.special_names);
    Ok(found)
}

/// The folders, after [`resubscribe_renamed`], and the UIDVALIDITY of those the user's id map
/// does not know yet: what [`refresh_ids`] needs.
pub(crate) async fn scan<B: MailBackend>(
    ctx: &MailContext<'_>,
    backend: &mut B,
) -> Result<(Vec<MailFolder>, BTreeMap<String, u32>), EngineError> {
    let mut found = current_folders(ctx, backend).await?;
    let known = blocking(ctx.store, {
        let user = ctx.device.user.clone();
        move |s| Ok(s.user_folders(&user)?)
    })
    .await?;
    if resubscribe_renamed(&known, &found, backend).await? {
        found = current_folders(ctx, backend).await?;
    }
    let validities = new_validities(&known, &found, backend).await?;
    Ok((found, validities))
}

/// Subscribes the new names of renamed folders whose subscriptions stayed behind: IMAP's
/// RENAME moves a mailbox and its children but not their subscriptions (Dovecot leaves them
/// on the old names), so a client that does not subscribe the new names would make the
/// folder vanish from devices and come back under a new id. A known folder whose mailbox no
/// longer exists and an unsubscribed mailbox with its UIDVALIDITY are one folder renamed.
/// Costs a STATUS per unsubscribed mailbox, only when a known mailbox is gone. Returns
/// whether it subscribed any.
async fn resubscribe_renamed<B: MailBackend>(
    known: &UserFolders,
    found: &[MailFolder],
    backend: &mut B,
) -> Result<bool, EngineError> {
    let found_names: BTreeSet<&str> = found.iter().map(|f| f.mailbox.name.as_str()).collect();
    let missing: Vec<(&str, u32)> = known
        .entries
        .iter()
        .filter_map(|e| match &e.source {
            FolderSource::Mail {
                mailbox,
                uid_validity: Some(v),
            } if !found_names.contains(mailbox.as_str()) => Some((mailbox.as_str(), *v)),
            FolderSource::Mail { .. } => None,
        })
        .collect();
    if missing.is_empty() {
        return Ok(false);
    }
    let listing = backend.list().await?;
    let listed: BTreeSet<&str> = listing.iter().map(|m| m.name.as_str()).collect();
    // Still there but unsubscribed: the user's choice, not a rename.
    let gone: BTreeSet<u32> = missing
        .iter()
        .filter(|(m, _)| !listed.contains(m))
        .map(|(_, v)| *v)
        .collect();
    if gone.is_empty() {
        return Ok(false);
    }
    let mut any = false;
    for m in &listing {
        if m.subscribed
            || !m.selectable
            || found_names.contains(m.name.as_str())
            || known.by_mailbox(&m.name).is_some()
        {
            continue;
        }
        match backend.status(&m.name).await {
            Ok(st) if gone.contains(&st.uid_validity) => {
                tracing::info!(mailbox = %m.name, "subscribing a renamed folder's new name");
                backend.subscribe(&m.name).await?;
                any = true;
            }
            Ok(_) | Err(BackendError::NoSuchMailbox) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(any)
}

/// The UIDVALIDITY of every folder the user's id map does not know yet (for rename
/// detection: a renamed mailbox keeps its UIDVALIDITY).
pub(crate) async fn new_validities<B: MailBackend>(
    ids: &UserFolders,
    found: &[MailFolder],
    backend: &mut B,
) -> Result<BTreeMap<String, u32>, EngineError> {
    let mut out = BTreeMap::new();
    for f in found {
        if f.mailbox.selectable && ids.by_mailbox(&f.mailbox.name).is_none() {
            match backend.status(&f.mailbox.name).await {
                Ok(s) => {
                    out.insert(f.mailbox.name.clone(), s.uid_validity);
                }
                // Gone between LIST and STATUS: it will be missing next time.
                Err(BackendError::NoSuchMailbox) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(out)
}

/// Brings the user's id map up to date with the mailboxes and returns the device view.
/// Runs inside the command's write transaction.
pub(crate) fn refresh_ids(
    tx: &mut state::WriteTx<'_>,
    user: &str,
    found: &[MailFolder],
    validities: &BTreeMap<String, u32>,
) -> Result<(UserFolders, BTreeMap<String, DeviceFolder>), state::StateError> {
    let mut ids = tx.user_folders(user)?;
    let before = ids.clone();
    let gone = folders::assign_ids(&mut ids, found, validities);
    for id in &gone {
        tx.remove_collection_everywhere(user, id)?;
    }
    if ids != before {
        tx.put_user_folders(user, &ids)?;
    }
    let view = folders::device_view(&ids, found);
    Ok((ids, view))
}

pub async fn folder_sync<B: MailBackend>(
    ctx: &MailContext<'_>,
    backend: &mut B,
    req: &FolderSyncRequest,
) -> Result<FolderSyncResponse, EngineError> {
    let requested: Option<u32> = if req.sync_key.is_initial() {
        Some(0)
    } else {
        req.sync_key.as_str().parse().ok()
    };
    let Some(requested) = requested else {
        return Ok(FolderSyncResponse::error(FolderSyncStatus::InvalidSyncKey));
    };

    let (found, validities) = scan(ctx, backend).await?;

    let device = ctx.device.clone();
    let outcome = blocking(ctx.store, move |s| {
        s.write(|tx| {
            let (_ids, view) = refresh_ids(tx, &device.user, &found, &validities)?;
            let mut h = tx.hierarchy(&device)?.unwrap_or_default();
            let outcome = step(&mut h, requested, view);
            if matches!(outcome, Step::Advanced(_)) {
                tx.put_hierarchy(&device, &h)?;
            }
            Ok((outcome, h))
        })
        .map_err(EngineError::from)
    })
    .await?;

    let (outcome, h) = outcome;
    Ok(match outcome {
        Step::BadKey => FolderSyncResponse::error(FolderSyncStatus::InvalidSyncKey),
        Step::Unchanged => FolderSyncResponse::success(key(h.key), FolderChanges::default()),
        Step::Advanced(sent) => {
            FolderSyncResponse::success(key(h.key), changes(&sent, &h.folders, &h.previous_folders))
        }
        Step::Replay(sent) => {
            FolderSyncResponse::success(key(h.key), changes(&sent, &h.folders, &h.previous_folders))
        }
    })
}

fn key(k: u32) -> SyncKey {
    SyncKey::new(k.to_string()).unwrap_or_else(SyncKey::initial)
}

#[derive(Debug)]
enum Step {
    BadKey,
    Unchanged,
    Advanced(SentHierarchyChanges),
    Replay(SentHierarchyChanges),
}

/// One FolderSync step on the device's hierarchy state. Keys only grow, also across key 0.
fn step(h: &mut HierarchyState, requested: u32, view: BTreeMap<String, DeviceFolder>) -> Step {
    let base: BTreeMap<String, DeviceFolder> = if requested == 0 {
        BTreeMap::new()
    } else if requested == h.key {
        h.folders.clone()
    } else {
        return match &h.previous {
            Some((prev, sent)) if *prev == requested => Step::Replay(sent.clone()),
            _ => Step::BadKey,
        };
    };
    let sent = diff(&base, &view);
    if requested != 0 && sent.adds.is_empty() && sent.updates.is_empty() && sent.deletes.is_empty()
    {
        return Step::Unchanged;
    }
    h.previous = Some((requested, sent.clone()));
    h.previous_folders = base;
    h.folders = view;
    h.key += 1;
    Step::Advanced(sent)
}

fn diff(
    old: &BTreeMap<String, DeviceFolder>,
    new: &BTreeMap<String, DeviceFolder>,
) -> SentHierarchyChanges {
    let mut sent = SentHierarchyChanges::default();
    for (id, f) in new {
        match old.get(id) {
            None => sent.adds.push(id.clone()),
            Some(o) if o != f => sent.updates.push(id.clone()),
            Some(_) => {}
        }
    }
    for id in old.keys() {
        if !new.contains_key(id) {
            sent.deletes.push(id.clone());
        }
    }
    // Parents before children: a device may refuse an Add whose parent it does not know.
    let depth = |id: &String| {
        let mut d = 0;
        let mut cur = new.get(id);
        while let Some(f) = cur {
            if f.parent_id == "0" || d > 64 {
                break;
            }
            d += 1;
            cur = new.get(&f.parent_id);
        }
        d
    };
    sent.adds
        .sort_by_key(|id| (depth(id), id.parse::<u64>().unwrap_or(u64::MAX)));
    sent
}

fn changes(
    sent: &SentHierarchyChanges,
    folders: &BTreeMap<String, DeviceFolder>,
    _previous: &BTreeMap<String, DeviceFolder>,
) -> FolderChanges {
    let folder = |id: &String| {
        let f = folders.get(id)?;
        Some(Folder {
            server_id: CollectionId::new(id.clone())?,
            parent_id: CollectionId::new(f.parent_id.clone()).unwrap_or_else(CollectionId::root),
            display_name: f.display_name.clone(),
            folder_type: FolderType::from_code(f.folder_type).unwrap_or(FolderType::UserMail),
        })
    };
    FolderChanges {
        adds: sent.adds.iter().filter_map(folder).collect(),
        updates: sent.updates.iter().filter_map(folder).collect(),
        deletes: sent
            .deletes
            .iter()
            .filter_map(|id| CollectionId::new(id.clone()))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn df(name: &str, parent: &str) -> DeviceFolder {
        DeviceFolder {
            parent_id: parent.into(),
            display_name: name.into(),
            folder_type: 12,
        }
    }

    fn view(items: &[(&str, &str, &str)]) -> BTreeMap<String, DeviceFolder> {
        items
            .iter()
            .map(|(id, name, parent)| (id.to_string(), df(name, parent)))
            .collect()
    }

    #[test]
    fn key_zero_sends_every_folder_and_advances_the_key() {
        let mut h = HierarchyState::default();
        let Step::Advanced(sent) = step(&mut h, 0, view(&[("1", "Inbox", "0"), ("2", "A", "0")]))
        else {
            panic!()
        };
        assert_eq!(sent.adds, ["1", "2"]);
        assert_eq!(h.key, 1);
    }

    #[test]
    fn no_change_keeps_the_key() {
        let mut h = HierarchyState::default();
        step(&mut h, 0, view(&[("1", "Inbox", "0")]));
        assert!(matches!(
            step(&mut h, 1, view(&[("1", "Inbox", "0")])),
            Step::Unchanged
        ));
        assert_eq!(h.key, 1);
    }

    #[test]
    fn a_rename_is_an_update_and_a_removal_a_delete() {
        let mut h = HierarchyState::default();
        step(
            &mut h,
            0,
            view(&[("1", "Inbox", "0"), ("2", "A", "0"), ("3", "B", "0")]),
        );
        let Step::Advanced(sent) = step(&mut h, 1, view(&[("1", "Inbox", "0"), ("2", "A2", "0")]))
        else {
            panic!()
        };
        assert_eq!(sent.updates, ["2"]);
        assert_eq!(sent.deletes, ["3"]);
        assert_eq!(h.key, 2);
    }

    #[test]
    fn the_previous_key_replays_the_same_changes() {
        let mut h = HierarchyState::default();
        step(&mut h, 0, view(&[("1", "Inbox", "0")]));
        step(&mut h, 1, view(&[("1", "Inbox", "0"), ("2", "A", "0")]));
        let Step::Replay(sent) = step(&mut h, 1, view(&[("1", "Inbox", "0"), ("2", "A", "0")]))
        else {
            panic!()
        };
        assert_eq!(sent.adds, ["2"]);
        assert_eq!(h.key, 2);
        assert!(matches!(step(&mut h, 7, BTreeMap::new()), Step::BadKey));
    }

    #[test]
    fn key_zero_again_does_not_reuse_an_old_key() {
        let mut h = HierarchyState::default();
        step(&mut h, 0, view(&[("1", "Inbox", "0")]));
        step(&mut h, 0, view(&[("1", "Inbox", "0")]));
        assert_eq!(h.key, 2);
    }

    #[test]
    fn parents_are_added_before_children() {
        let mut h = HierarchyState::default();
        let Step::Advanced(sent) = step(
            &mut h,
            0,
            view(&[("10", "Child", "9"), ("9", "Parent", "0")]),
        ) else {
            panic!()
        };
        assert_eq!(sent.adds, ["9", "10"]);
    }
}
