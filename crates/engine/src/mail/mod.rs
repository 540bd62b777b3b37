//! The mail commands over a [`MailBackend`]: FolderSync and the folder commands, Sync of the
//! Email class, GetItemEstimate, ItemOperations and MoveItems.

pub mod attachment;
pub mod backend;
mod drafts;
pub mod estimate;
pub mod folder_ops;
pub mod folders;
pub mod hierarchy;
pub mod ids;
pub mod item_operations;
pub mod items;
pub mod move_items;
pub mod read_ahead;
pub mod send;
pub mod sync;

#[cfg(test)]
pub(crate) mod memory;
#[cfg(test)]
mod tests;

use eas::ProtocolVersion;
use state::{DeviceKey, Store};

pub use backend::{BackendError, MailBackend};
pub use folders::SpecialNames;

use eas::Command;
use wbxml::Element;

use crate::EngineError;

/// Runs one mail command against the user's mail store. Malformed requests get the
/// command's own status; only an unavailable upstream or store is an error.
pub async fn dispatch<B: MailBackend, O: send::Outbox>(
    ctx: &MailContext<'_>,
    backend: &mut B,
    outbox: &mut O,
    command: Command,
    body: Option<&Element>,
) -> Result<Reply, EngineError> {
    use eas::estimate::{
        EstimateResponse, EstimateStatus, GetItemEstimateRequest, GetItemEstimateResponse,
    };
    use eas::folder::{FolderSyncRequest, FolderSyncResponse, FolderSyncStatus};
    use eas::folder_ops::*;
    use eas::item_operations::{
        ItemOperationsRequest, ItemOperationsResponse, ItemOperationsStatus,
    };
    use eas::move_items::{MoveItemsRequest, MoveItemsResponse, MoveItemsStatus, MoveResponse};
    use eas::sync::{SyncRequest, SyncResponse, SyncStatus};

    fn parse<T, E: std::fmt::Display>(
        command: Command,
        body: Option<&Element>,
        f: impl FnOnce(&Element) -> Result<T, E>,
    ) -> Option<T> {
        match body.map(f) {
            Some(Ok(req)) => Some(req),
            Some(Err(e)) => {
                tracing::info!(error = %e, %command, "malformed request");
                None
            }
            None => None,
        }
    }
    let doc = match command {
        Command::FolderSync => match parse(command, body, FolderSyncRequest::from_element) {
            Some(req) => hierarchy::folder_sync(ctx, backend, &req)
                .await?
                .to_element(),
            None => FolderSyncResponse::error(FolderSyncStatus::BadRequest).to_element(),
        },
        Command::FolderCreate => match parse(command, body, FolderCreateRequest::from_element) {
            Some(req) => {
                let o = folder_ops::create(
                    ctx,
                    backend,
                    req.sync_key.as_str(),
                    req.parent_id.as_str(),
                    &req.display_name,
                    req.folder_type.code(),
                )
                .await?;
                match (&o, status(&o)) {
                    (
                        folder_ops::FolderOutcome::Done {
                            key,
                            server_id: Some(id),
                        },
                        _,
                    ) => FolderCreateResponse::success(sync_key(*key), id_of(id)).to_element(),
                    (_, st) => FolderCreateResponse::error(st).to_element(),
                }
            }
            None => FolderCreateResponse::error(FolderOpStatus::BadRequest).to_element(),
        },
        Command::FolderUpdate => match parse(command, body, FolderUpdateRequest::from_element) {
            Some(req) => {
                let o = folder_ops::update(
                    ctx,
                    backend,
                    req.sync_key.as_str(),
                    req.server_id.as_str(),
                    req.parent_id.as_str(),
                    &req.display_name,
                )
                .await?;
                match o {
                    folder_ops::FolderOutcome::Done { key, .. } => {
                        FolderUpdateResponse::success(sync_key(key)).to_element()
                    }
                    // FolderUpdate says "exists or is a special folder" with 2; its 3 is only
                    // for the recipient information cache (MS-ASCMD 2.2.3.177.6).
                    folder_ops::FolderOutcome::SpecialFolder => {
                        FolderUpdateResponse::error(FolderOpStatus::AlreadyExists).to_element()
                    }
                    o => FolderUpdateResponse::error(status(&o)).to_element(),
                }
            }
            None => FolderUpdateResponse::error(FolderOpStatus::BadRequest).to_element(),
        },
        Command::FolderDelete => match parse(command, body, FolderDeleteRequest::from_element) {
            Some(req) => {
                let o =
                    folder_ops::delete(ctx, backend, req.sync_key.as_str(), req.server_id.as_str())
                        .await?;
                match o {
                    folder_ops::FolderOutcome::Done { key, .. } => {
                        FolderDeleteResponse::success(sync_key(key)).to_element()
                    }
                    o => FolderDeleteResponse::error(status(&o)).to_element(),
                }
            }
            None => FolderDeleteResponse::error(FolderOpStatus::BadRequest).to_element(),
        },
        Command::Sync => match (body, parse(command, body, SyncRequest::from_element)) {
            (_, Some(req)) => sync::sync(ctx, backend, outbox, &req)
                .await?
                .into_element(ctx.version),
            (Some(_), None) => {
                SyncResponse::error(SyncStatus::ProtocolError).to_element(ctx.version)
            }
            // An empty Sync repeats the last one; without a remembered request the device must
            // send it whole (MS-ASCMD 2.2.3.177.17, status 13).
            (None, None) => {
                SyncResponse::error(SyncStatus::IncompleteRequest).to_element(ctx.version)
            }
        },
        Command::GetItemEstimate => {
            match parse(command, body, GetItemEstimateRequest::from_element) {
                Some(req) => {
                    let mut responses = Vec::new();
                    for c in &req.collections {
                        let e = estimate::estimate(
                            ctx,
                            backend,
                            c.collection_id.as_str(),
                            c.sync_key.as_ref().map(|k| k.as_str()),
                        )
                        .await?;
                        let (status, estimate) = match e {
                            estimate::Estimate::Count(n) => {
                                (EstimateStatus::Success, Some(n.min(u32::MAX as u64) as u32))
                            }
                            estimate::Estimate::InvalidCollection => {
                                (EstimateStatus::InvalidCollection, None)
                            }
                            estimate::Estimate::NotPrimed => (EstimateStatus::NotPrimed, None),
                            estimate::Estimate::InvalidKey => {
                                (EstimateStatus::InvalidSyncKey, None)
                            }
                        };
                        responses.push(EstimateResponse {
                            status,
                            collection_id: c.collection_id.clone(),
                            estimate,
                        });
                    }
                    GetItemEstimateResponse::new(responses).to_element()
                }
                None => {
                    GetItemEstimateResponse::error(EstimateStatus::InvalidCollection).to_element()
                }
            }
        }
        Command::ItemOperations => {
            match parse(command, body, ItemOperationsRequest::from_element) {
                Some(req) => return item_operations::item_operations(ctx, backend, &req).await,
                None => ItemOperationsResponse::error(ItemOperationsStatus::ProtocolError)
                    .into_element(),
            }
        }
        Command::MoveItems => match parse(command, body, MoveItemsRequest::from_element) {
            Some(req) => {
                let moves: Vec<(String, String, String)> = req
                    .moves
                    .iter()
                    .map(|m| {
                        (
                            m.src_msg_id.clone(),
                            m.src_fld_id.as_str().to_owned(),
                            m.dst_fld_id.as_str().to_owned(),
                        )
                    })
                    .collect();
                let results = move_items::move_items(ctx, backend, &moves).await?;
                let responses = req
                    .moves
                    .iter()
                    .zip(results)
                    .map(|(m, r)| MoveResponse {
                        src_msg_id: m.src_msg_id.clone(),
                        status: MoveItemsStatus::from_code(u16::from(r.status))
                            .unwrap_or(MoveItemsStatus::ServerError),
                        dst_msg_id: r.dst_msg_id,
                    })
                    .collect();
                MoveItemsResponse::new(responses).to_element()
            }
            None => MoveItemsResponse::error(MoveItemsStatus::ServerError).to_element(),
        },
        other => {
            return Err(EngineError::BadRequest(format!(
                "{other} is not a mail command"
            )));
        }
    };
    Ok(Reply::Document(doc))
}

fn sync_key(k: u32) -> eas::SyncKey {
    eas::SyncKey::new(k.to_string()).unwrap_or_else(eas::SyncKey::initial)
}

fn id_of(id: &str) -> eas::CollectionId {
    eas::CollectionId::new(id).unwrap_or_else(eas::CollectionId::root)
}

fn status(o: &folder_ops::FolderOutcome) -> eas::folder_ops::FolderOpStatus {
    eas::folder_ops::FolderOpStatus::from_code(o.status_code())
        .unwrap_or(eas::folder_ops::FolderOpStatus::ServerError)
}

/// Mail settings from the configuration.
#[derive(Clone, Debug)]
pub struct MailConfig {
    pub special_names: SpecialNames,
    /// The most items one Sync response carries per collection (MS-ASCMD allows 512).
    pub max_window: u32,
    /// Bytes of the next window a Sync reads ahead while the device reads this one (0: none).
    pub read_ahead_bytes: u64,
    /// SendMail, SmartReply, SmartForward.
    pub send: send::SendConfig,
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            special_names: SpecialNames::default(),
            max_window: 512,
            read_ahead_bytes: 8 * 1024 * 1024,
            send: send::SendConfig::default(),
        }
    }
}

/// What a mail command knows about its request.
pub struct MailContext<'a> {
    pub store: &'a Store,
    pub device: &'a DeviceKey,
    pub version: ProtocolVersion,
    pub config: &'a MailConfig,
    /// Unix seconds, for FilterType windows.
    pub now: i64,
    /// The client accepts `application/vnd.ms-sync.multipart` (MS-ASAcceptMultiPart: T).
    pub accept_multipart: bool,
    /// Who the user may send as (drafts get their From from it, and a draft sent from Sync
    /// is checked against it); None where nothing is sent.
    pub identity: Option<&'a send::Identity>,
}

/// A mail command's answer: a document, or a document with an attachment streamed into it.
#[derive(Debug)]
pub enum Reply {
    Document(Element),
    /// HTTP 200 with no body (a 14.0+ SendMail, SmartReply or SmartForward that succeeded).
    Empty,
    /// A command that failed as a whole: its Status in the body (14.0+) or an HTTP status.
    Failed(eas::ErrorReply),
    Stream(attachment::StreamPlan),
}

impl From<BackendError> for EngineError {
    fn from(e: BackendError) -> Self {
        EngineError::Unavailable(e.to_string())
    }
}

/// Runs store work on the blocking pool.
pub(crate) async fn blocking<R: Send + 'static>(
    store: &Store,
    f: impl FnOnce(&Store) -> Result<R, EngineError> + Send + 'static,
) -> Result<R, EngineError> {
    let store = store.clone();
    match tokio::task::spawn_blocking(move || f(&store)).await {
        Ok(r) => r,
        Err(e) => Err(EngineError::Unavailable(format!("store task failed: {e}"))),
    }
}

/// The mailbox of a default folder (Deleted Items, Sent Items, ...) as this device was told
/// about it, with its id.
/// The UID a ServerId's UID stands for now on this device (a draft replaced by a newer
/// version keeps the id the device knows it by; `state::MailState::aliases`).
pub(crate) async fn current_uid(
    ctx: &MailContext<'_>,
    collection: &str,
    uid: u32,
) -> Result<u32, EngineError> {
    let dev = ctx.device.clone();
    let cid = collection.to_owned();
    let record = blocking(ctx.store, move |s| Ok(s.collection(&dev, &cid)?)).await?;
    Ok(record.map_or(uid, |r| r.mail.current_uid(uid)))
}

pub(crate) async fn special_mailbox(
    ctx: &MailContext<'_>,
    folder_type: eas::FolderType,
) -> Result<Option<String>, EngineError> {
    let dev = ctx.device.clone();
    blocking(ctx.store, move |s| {
        let Some(h) = s.hierarchy(&dev)? else {
            return Ok(None);
        };
        let Some((id, _)) = h
            .folders
            .iter()
            .find(|(_, f)| f.folder_type == folder_type.code())
        else {
            return Ok(None);
        };
        let folders = s.user_folders(&dev.user)?;
        Ok(folders.by_id(id).map(|e| match &e.source {
            state::FolderSource::Mail { mailbox, .. } => mailbox.clone(),
        }))
    })
    .await
}
