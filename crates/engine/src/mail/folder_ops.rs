//! FolderCreate, FolderUpdate and FolderDelete (MS-ASCMD 2.2.1.2-4) on mailboxes.
//!
//! Each checks the device's hierarchy key, changes the mailbox upstream, then records the
//! change in the device's view under a new key, so the device's next FolderSync does not
//! report its own change back. Other devices see it as an ordinary change.

use std::collections::BTreeMap;

use eas::FolderType;
use state::{DeviceFolder, FolderSource, HierarchyState};

use super::backend::{BackendError, MailBackend};
use super::hierarchy::{refresh_ids, scan};
use super::{MailContext, blocking};
use crate::EngineError;

/// How a folder command ended (the statuses are the same for the three commands).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FolderOutcome {
    /// Done; the new hierarchy key, and the new folder's id for a create.
    Done {
        key: u32,
        server_id: Option<String>,
    },
    AlreadyExists,
    SpecialFolder,
    DoesNotExist,
    ParentNotFound,
    InvalidKey,
    BadRequest,
}

impl FolderOutcome {
    /// The status code shared by FolderCreate/Update/Delete.
    pub fn status_code(&self) -> u16 {
        match self {
            FolderOutcome::Done { .. } => 1,
            FolderOutcome::AlreadyExists => 2,
            FolderOutcome::SpecialFolder => 3,
            FolderOutcome::DoesNotExist => 4,
            FolderOutcome::ParentNotFound => 5,
            FolderOutcome::InvalidKey => 9,
            FolderOutcome::BadRequest => 10,
        }
    }
}

struct View {
    h: HierarchyState,
    mailbox_of: BTreeMap<String, String>,
    delimiter: char,
}

async fn load<B: MailBackend>(
    ctx: &MailContext<'_>,
    backend: &mut B,
    key: &str,
) -> Result<Option<View>, EngineError> {
    let dev = ctx.device.clone();
    let (h, ids) = blocking(ctx.store, move |s| {
        Ok((s.hierarchy(&dev)?, s.user_folders(&dev.user)?))
    })
    .await?;
    let Some(h) = h.filter(|h| h.key > 0 && key.parse::<u32>().ok() == Some(h.key)) else {
        return Ok(None);
    };
    let listing = backend.list().await?;
    let delimiter = listing.iter().find_map(|m| m.delimiter).unwrap_or('/');
    let mailbox_of = ids
        .entries
        .iter()
        .map(|e| match &e.source {
            FolderSource::Mail { mailbox, .. } => (e.server_id.clone(), mailbox.clone()),
        })
        .collect();
    Ok(Some(View {
        h,
        mailbox_of,
        delimiter,
    }))
}

fn child_name<B: MailBackend>(
    backend: &B,
    view: &View,
    parent: &str,
    name: &str,
) -> Option<String> {
    let encoded = backend.wire_name(name);
    if parent == "0" {
        return Some(encoded);
    }
    let p = view.mailbox_of.get(parent)?;
    Some(format!("{p}{}{encoded}", view.delimiter))
}

fn valid_name(name: &str, delimiter: char) -> bool {
    !name.trim().is_empty() && !name.contains(delimiter) && !name.contains(['*', '%'])
}

/// Re-reads the mailboxes, updates the user's ids, and applies `edit` to the device's view
/// under a new key. Returns the new key and the view's entry for `mailbox`, if any.
async fn commit<B: MailBackend>(
    ctx: &MailContext<'_>,
    backend: &mut B,
    mailbox: Option<String>,
    edit: impl FnOnce(&mut HierarchyState, &BTreeMap<String, DeviceFolder>, Option<&str>)
    + Send
    + 'static,
) -> Result<(u32, Option<String>), EngineError> {
    let (found, validities) = scan(ctx, backend).await?;
    let dev = ctx.device.clone();
    blocking(ctx.store, move |s| {
        Ok(s.write(|tx| {
            let (ids, view) = refresh_ids(tx, &dev.user, &found, &validities)?;
            let id = mailbox
                .as_deref()
                .and_then(|m| ids.by_mailbox(m))
                .map(|e| e.server_id.clone());
            let mut h = tx.hierarchy(&dev)?.unwrap_or_default();
            edit(&mut h, &view, id.as_deref());
            h.key += 1;
            h.previous = None;
            h.previous_folders.clear();
            tx.put_hierarchy(&dev, &h)?;
            Ok((h.key, id))
        })?)
    })
    .await
}

pub async fn create<B: MailBackend>(
    ctx: &MailContext<'_>,
    backend: &mut B,
    key: &str,
    parent_id: &str,
    name: &str,
    folder_type: u8,
) -> Result<FolderOutcome, EngineError> {
    // Only mail folders live in IMAP; calendars, contacts and tasks come with DAV.
    if ![FolderType::UserMail.code(), FolderType::UserGeneric.code()].contains(&folder_type) {
        return Ok(FolderOutcome::BadRequest);
    }
    let Some(view) = load(ctx, backend, key).await? else {
        return Ok(FolderOutcome::InvalidKey);
    };
    if !valid_name(name, view.delimiter) {
        return Ok(FolderOutcome::BadRequest);
    }
    if parent_id != "0" && !view.h.folders.contains_key(parent_id) {
        return Ok(FolderOutcome::ParentNotFound);
    }
    let Some(mailbox) = child_name(backend, &view, parent_id, name) else {
        return Ok(FolderOutcome::ParentNotFound);
    };
    match backend.create(&mailbox).await {
        Ok(()) => {}
        Err(BackendError::AlreadyExists) => return Ok(FolderOutcome::AlreadyExists),
        Err(BackendError::Refused(why)) => {
            tracing::info!(%why, "FolderCreate refused upstream");
            return Ok(FolderOutcome::BadRequest);
        }
        Err(e) => return Err(e.into()),
    }
    backend.subscribe(&mailbox).await?;
    let (key, id) = commit(ctx, backend, Some(mailbox), |h, view, id| {
        if let Some(id) = id
            && let Some(f) = view.get(id)
        {
            h.folders.insert(id.to_owned(), f.clone());
        }
    })
    .await?;
    Ok(FolderOutcome::Done { key, server_id: id })
}

pub async fn update<B: MailBackend>(
    ctx: &MailContext<'_>,
    backend: &mut B,
    key: &str,
    server_id: &str,
    parent_id: &str,
    name: &str,
) -> Result<FolderOutcome, EngineError> {
    let Some(view) = load(ctx, backend, key).await? else {
        return Ok(FolderOutcome::InvalidKey);
    };
    let Some(folder) = view.h.folders.get(server_id) else {
        return Ok(FolderOutcome::DoesNotExist);
    };
    if FolderType::from_code(folder.folder_type).is_some_and(|t| t.is_default()) {
        return Ok(FolderOutcome::SpecialFolder);
    }
    if !valid_name(name, view.delimiter) {
        return Ok(FolderOutcome::BadRequest);
    }
    if parent_id != "0" && !view.h.folders.contains_key(parent_id) {
        return Ok(FolderOutcome::ParentNotFound);
    }
    let (Some(from), Some(to)) = (
        view.mailbox_of.get(server_id).cloned(),
        child_name(backend, &view, parent_id, name),
    ) else {
        return Ok(FolderOutcome::DoesNotExist);
    };
    // A folder cannot move below itself.
    if to.starts_with(&format!("{from}{}", view.delimiter)) {
        return Ok(FolderOutcome::BadRequest);
    }
    if from != to {
        // IMAP servers (Dovecot among them) rename the children with the mailbox but leave
        // the subscriptions behind: note the subscribed children to subscribe their new names.
        let prefix = format!("{from}{}", view.delimiter);
        let subscribed_children: Vec<String> = backend
            .list()
            .await?
            .into_iter()
            .filter(|m| m.subscribed)
            .filter_map(|m| m.name.strip_prefix(&prefix).map(str::to_owned))
            .collect();
        match backend.rename(&from, &to).await {
            Ok(()) => {}
            Err(BackendError::AlreadyExists) => return Ok(FolderOutcome::AlreadyExists),
            Err(BackendError::NoSuchMailbox) => return Ok(FolderOutcome::DoesNotExist),
            Err(BackendError::Refused(why)) => {
                tracing::info!(%why, "FolderUpdate refused upstream");
                return Ok(FolderOutcome::BadRequest);
            }
            Err(e) => return Err(e.into()),
        }
        backend.subscribe(&to).await?;
        for rest in &subscribed_children {
            let child = format!("{to}{}{rest}", view.delimiter);
            match backend.subscribe(&child).await {
                Ok(()) | Err(BackendError::NoSuchMailbox) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    let (key, _) = commit(ctx, backend, Some(to), |h, view, id| {
        // The folder and everything under it keep their ids; take the new view of that
        // subtree only, so other changes upstream stay for the next FolderSync.
        if let Some(id) = id {
            for (fid, f) in view {
                if fid == id || is_below(view, fid, id) {
                    h.folders.insert(fid.clone(), f.clone());
                }
            }
        }
    })
    .await?;
    Ok(FolderOutcome::Done {
        key,
        server_id: None,
    })
}

pub async fn delete<B: MailBackend>(
    ctx: &MailContext<'_>,
    backend: &mut B,
    key: &str,
    server_id: &str,
) -> Result<FolderOutcome, EngineError> {
    let Some(view) = load(ctx, backend, key).await? else {
        return Ok(FolderOutcome::InvalidKey);
    };
    let Some(folder) = view.h.folders.get(server_id) else {
        return Ok(FolderOutcome::DoesNotExist);
    };
    if FolderType::from_code(folder.folder_type).is_some_and(|t| t.is_default()) {
        return Ok(FolderOutcome::SpecialFolder);
    }
    let Some(mailbox) = view.mailbox_of.get(server_id).cloned() else {
        return Ok(FolderOutcome::DoesNotExist);
    };
    // Children first: IMAP servers refuse to delete a mailbox that has inferiors.
    let prefix = format!("{mailbox}{}", view.delimiter);
    let mut doomed: Vec<String> = backend
        .list()
        .await?
        .into_iter()
        .map(|m| m.name)
        .filter(|n| n.starts_with(&prefix))
        .collect();
    doomed.sort_by_key(|n| std::cmp::Reverse(n.len()));
    doomed.push(mailbox.clone());
    for name in &doomed {
        match backend.delete(name).await {
            Ok(()) | Err(BackendError::NoSuchMailbox) => {}
            Err(BackendError::Refused(why)) => {
                tracing::info!(%why, "FolderDelete refused upstream");
                return Ok(FolderOutcome::BadRequest);
            }
            Err(e) => return Err(e.into()),
        }
    }
    let deleted = server_id.to_owned();
    let (key, _) = commit(ctx, backend, None, move |h, _view, _| {
        // Only the folder and its subtree: folders gone upstream for other reasons are
        // reported by the next FolderSync.
        let doomed: Vec<String> = h
            .folders
            .keys()
            .filter(|id| **id == deleted || is_below(&h.folders, id, &deleted))
            .cloned()
            .collect();
        for id in doomed {
            h.folders.remove(&id);
        }
    })
    .await?;
    Ok(FolderOutcome::Done {
        key,
        server_id: None,
    })
}

/// Whether `id` is a descendant of `ancestor` in `folders` (by ParentId).
fn is_below(folders: &BTreeMap<String, DeviceFolder>, id: &str, ancestor: &str) -> bool {
    let mut cur = folders.get(id);
    for _ in 0..64 {
        match cur {
            Some(f) if f.parent_id == ancestor => return true,
            Some(f) if f.parent_id != "0" => cur = folders.get(&f.parent_id),
            _ => return false,
        }
    }
    false
}
