//! GetItemEstimate (MS-ASCMD 2.2.1.9): how many changes the next Syncs would send, from the
//! sync state plus what CONDSTORE/QRESYNC report since its baseline; no message is fetched.

use state::FolderSource;

use super::backend::{BackendError, MailBackend};
use super::sync::pull_changes_into;
use super::{MailContext, blocking};
use crate::EngineError;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Estimate {
    Count(u64),
    /// Status 2.
    InvalidCollection,
    /// Status 3: no Sync with key 0 happened yet.
    NotPrimed,
    /// Status 4.
    InvalidKey,
}

pub async fn estimate<B: MailBackend>(
    ctx: &MailContext<'_>,
    backend: &mut B,
    collection_id: &str,
    sync_key: Option<&str>,
) -> Result<Estimate, EngineError> {
    let dev = ctx.device.clone();
    let cid = collection_id.to_owned();
    let (folders, record) = blocking(ctx.store, move |s| {
        Ok((s.user_folders(&dev.user)?, s.collection(&dev, &cid)?))
    })
    .await?;
    let Some(entry) = folders.by_id(collection_id) else {
        return Ok(Estimate::InvalidCollection);
    };
    let FolderSource::Mail { mailbox, .. } = &entry.source;
    let Some(record) = record else {
        return Ok(Estimate::NotPrimed);
    };
    match sync_key {
        Some("0") => return Ok(Estimate::NotPrimed),
        Some(k) if k.parse::<u32>().ok() != Some(record.key) => return Ok(Estimate::InvalidKey),
        _ => {}
    }
    let mut mail = record.mail;
    let st = match backend.select(mailbox).await {
        Ok(s) => s,
        Err(BackendError::NoSuchMailbox) => return Ok(Estimate::InvalidCollection),
        Err(e) => return Err(e.into()),
    };
    if st.uid_validity != mail.uid_validity {
        return Ok(Estimate::InvalidKey);
    }
    // Also while a window is pending: the device will get what arrived since, too. (Only this
    // copy of the state learns of it; Sync reads it again when it gets there.)
    pull_changes_into(backend, &st, &mut mail).await?;
    Ok(Estimate::Count(
        mail.pending_add.len()
            + mail.pending_change.len()
            + mail.pending_delete.len()
            + mail.pending_soft_delete.len(),
    ))
}
