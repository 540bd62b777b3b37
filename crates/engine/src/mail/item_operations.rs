//! ItemOperations (MS-ASCMD 2.2.1.10): Fetch of a message or an attachment, and
//! EmptyFolderContents. A single attachment Fetch is streamed (see attachment.rs); anything
//! else is answered as one document.

use eas::item_operations::{
    AttachmentData, AttachmentProperties, FetchOptions, FetchProperties, FetchResponse,
    FetchTarget, ItemOperation, ItemOperationsRequest, ItemOperationsResponse,
    ItemOperationsStatus as S, OperationResponse, store_is_mailbox,
};
use eas::sync::SyncOptions;
use state::FolderSource;

use super::attachment::{self, DecodedReader, PartSource, Read, StreamForm, StreamPlan};
use super::backend::{BackendError, MailBackend};
use super::items::{self, BodyChoice};
use super::{MailContext, Reply, blocking, ids};
use crate::EngineError;

/// Placeholder for the streamed base64 text inside the encoded document.
const MARKER: &str = "airgate-stream-data-7c1e";
/// Attachments read into a document (several operations in one request) stop here.
const BUFFERED_LIMIT: u64 = 16 * 1024 * 1024;

pub async fn item_operations<B: MailBackend>(
    ctx: &MailContext<'_>,
    backend: &mut B,
    req: &ItemOperationsRequest,
) -> Result<Reply, EngineError> {
    // One attachment alone: stream it.
    if let [
        ItemOperation::Fetch {
            store,
            target: FetchTarget::FileReference(reference),
            options,
            ..
        },
    ] = req.operations.as_slice()
        && store_is_mailbox(store)
    {
        return match attachment_source(ctx, backend, reference).await? {
            Ok(src) => stream(ctx, backend, reference, src, options).await,
            Err(status) => Ok(document(vec![fetch_failed(
                status,
                FetchTarget::FileReference(reference.clone()),
            )])),
        };
    }
    let mut out = Vec::new();
    for op in &req.operations {
        out.push(match op {
            ItemOperation::Fetch {
                store,
                target,
                options,
                ..
            } => {
                if !store_is_mailbox(store) {
                    fetch_failed(S::UnknownStore, target.clone())
                } else {
                    fetch(ctx, backend, target, options).await?
                }
            }
            ItemOperation::EmptyFolderContents {
                collection_id,
                delete_sub_folders,
            } => OperationResponse::EmptyFolderContents {
                status: empty_folder(ctx, backend, collection_id.as_str(), *delete_sub_folders)
                    .await?,
                collection_id: collection_id.clone(),
            },
            // Conversations are not indexed upstream: finding every message of one would
            // mean reading the headers of every mailbox.
            ItemOperation::Move {
                conversation_id, ..
            } => OperationResponse::Move {
                status: S::ObjectNotFound,
                conversation_id: conversation_id.clone(),
            },
        });
    }
    Ok(document(out))
}

fn document(responses: Vec<OperationResponse>) -> Reply {
    Reply::Document(ItemOperationsResponse::new(responses).into_element())
}

fn fetch_failed(status: S, target: FetchTarget) -> OperationResponse {
    OperationResponse::Fetch(FetchResponse {
        status,
        target: Some(target),
        class: None,
        properties: None,
    })
}

async fn mailbox_of(
    ctx: &MailContext<'_>,
    collection: &str,
) -> Result<Option<String>, EngineError> {
    let user = ctx.device.user.clone();
    let folders = blocking(ctx.store, move |s| Ok(s.user_folders(&user)?)).await?;
    Ok(folders.by_id(collection).map(|e| match &e.source {
        FolderSource::Mail { mailbox, .. } => mailbox.clone(),
    }))
}

/// Selects a collection's mailbox; `Err(status)` when there is none.
async fn select<B: MailBackend>(
    ctx: &MailContext<'_>,
    backend: &mut B,
    collection: &str,
) -> Result<Result<String, S>, EngineError> {
    Ok(select_mailbox(ctx, backend, collection)
        .await?
        .map(|(m, _)| m))
}

/// Selects a collection's mailbox and returns its UIDVALIDITY.
async fn select_state<B: MailBackend>(
    ctx: &MailContext<'_>,
    backend: &mut B,
    collection: &str,
) -> Result<Result<u32, S>, EngineError> {
    Ok(select_mailbox(ctx, backend, collection)
        .await?
        .map(|(_, v)| v))
}

async fn select_mailbox<B: MailBackend>(
    ctx: &MailContext<'_>,
    backend: &mut B,
    collection: &str,
) -> Result<Result<(String, u32), S>, EngineError> {
    let Some(mailbox) = mailbox_of(ctx, collection).await? else {
        return Ok(Err(S::ObjectNotFound));
    };
    match backend.select(&mailbox).await {
        Ok(st) => Ok(Ok((mailbox, st.uid_validity))),
        Err(BackendError::NoSuchMailbox) => Ok(Err(S::ObjectNotFound)),
        Err(e) => Err(e.into()),
    }
}

async fn attachment_source<B: MailBackend>(
    ctx: &MailContext<'_>,
    backend: &mut B,
    reference: &str,
) -> Result<Result<PartSource, S>, EngineError> {
    let Some((collection, uid, path)) = ids::parse_file_reference(reference) else {
        return Ok(Err(S::InvalidAttachment));
    };
    let mailbox = match select(ctx, backend, collection).await? {
        Ok(m) => m,
        Err(_) => return Ok(Err(S::InvalidAttachment)),
    };
    let summary = backend.summaries(&[uid]).await?;
    let Some(part) = summary.first().and_then(|s| s.structure.find(&path)) else {
        return Ok(Err(S::InvalidAttachment));
    };
    Ok(Ok(PartSource::from_part(&mailbox, uid, part)))
}

fn options_as_sync(options: &FetchOptions) -> SyncOptions {
    SyncOptions {
        body_preferences: options.body_preferences.clone(),
        body_part_preferences: options.body_part_preferences.clone(),
        mime_support: options.mime_support,
        ..SyncOptions::default()
    }
}

async fn fetch<B: MailBackend>(
    ctx: &MailContext<'_>,
    backend: &mut B,
    target: &FetchTarget,
    options: &FetchOptions,
) -> Result<OperationResponse, EngineError> {
    match target {
        FetchTarget::Item {
            collection_id,
            server_id,
        } => {
            let Some(uid) = ids::parse_server_id(collection_id.as_str(), server_id) else {
                return Ok(fetch_failed(S::ObjectNotFound, target.clone()));
            };
            let uid = super::current_uid(ctx, collection_id.as_str(), uid).await?;
            let validity = match select_state(ctx, backend, collection_id.as_str()).await? {
                Ok(v) => v,
                Err(status) => return Ok(fetch_failed(status, target.clone())),
            };
            let sync_options = options_as_sync(options);
            let choice = BodyChoice::for_fetch(Some(&sync_options));
            let details = {
                let user = ctx.device.user.clone();
                let cid = collection_id.as_str().to_owned();
                blocking(ctx.store, move |s| {
                    Ok(s.flag_details(&user, &cid, validity)?)
                })
                .await?
            };
            let built = items::build(
                ctx.version,
                collection_id.as_str(),
                backend,
                &[uid],
                &choice,
                &details,
            )
            .await?;
            Ok(match built.into_iter().next() {
                Some((_, data)) => OperationResponse::Fetch(FetchResponse {
                    status: S::Success,
                    target: Some(target.clone()),
                    class: Some("Email".to_owned()),
                    properties: Some(FetchProperties::Item(data)),
                }),
                None => fetch_failed(S::ObjectNotFound, target.clone()),
            })
        }
        FetchTarget::FileReference(reference) => {
            let src = match attachment_source(ctx, backend, reference).await? {
                Ok(s) => s,
                Err(status) => return Ok(fetch_failed(status, target.clone())),
            };
            if src.encoded_size > BUFFERED_LIMIT {
                return Ok(fetch_failed(S::DataTooLarge, target.clone()));
            }
            let mut data = Vec::new();
            let mut reader = DecodedReader::new(&src);
            loop {
                match reader.next(backend).await? {
                    Read::Data(d) => data.extend_from_slice(&d),
                    Read::End => break,
                    Read::Gone => return Ok(fetch_failed(S::InvalidAttachment, target.clone())),
                }
            }
            let total = data.len() as u64;
            let (range, slice) = match options.range {
                Some((a, b)) if a >= total || a > b => {
                    return Ok(fetch_failed(S::InvalidByteRange, target.clone()));
                }
                Some((a, b)) => {
                    let end = b.min(total - 1);
                    (Some((a, end)), &data[a as usize..=end as usize])
                }
                None => (None, &data[..]),
            };
            Ok(OperationResponse::Fetch(FetchResponse {
                status: S::Success,
                target: Some(target.clone()),
                class: None,
                properties: Some(FetchProperties::Attachment(AttachmentProperties {
                    content_type: Some(src.content_type.clone()),
                    range,
                    total: range.map(|_| total),
                    data: Some(AttachmentData::inline(slice)),
                })),
            }))
        }
        FetchTarget::LongId(_) | FetchTarget::LinkId(_) => {
            Ok(fetch_failed(S::ObjectNotFound, target.clone()))
        }
    }
}

/// Plans the streamed answer for one attachment.
async fn stream<B: MailBackend>(
    ctx: &MailContext<'_>,
    backend: &mut B,
    reference: &str,
    src: PartSource,
    options: &FetchOptions,
) -> Result<Reply, EngineError> {
    let target = FetchTarget::FileReference(reference.to_owned());
    let needs_size = ctx.accept_multipart || options.range.is_some();
    let total = if needs_size {
        match attachment::decoded_size(backend, &src).await? {
            Some(n) => Some(n),
            None => return Ok(document(vec![fetch_failed(S::InvalidAttachment, target)])),
        }
    } else {
        None
    };
    let range = match (options.range, total) {
        (Some((a, b)), Some(t)) if a < t && a <= b => Some((a, b.min(t - 1))),
        (Some(_), _) => return Ok(document(vec![fetch_failed(S::InvalidByteRange, target)])),
        _ => None,
    };
    let data = if ctx.accept_multipart {
        AttachmentData::Part(1)
    } else {
        AttachmentData::Inline(MARKER.to_owned())
    };
    let doc = ItemOperationsResponse::new(vec![OperationResponse::Fetch(FetchResponse {
        status: S::Success,
        target: Some(target),
        class: None,
        properties: Some(FetchProperties::Attachment(AttachmentProperties {
            content_type: Some(src.content_type.clone()),
            range,
            total: range.and(total),
            data: Some(data),
        })),
    })])
    .into_element();
    let bytes = wbxml::encode(&doc);
    let form = if ctx.accept_multipart {
        StreamForm::Multipart {
            document: bytes,
            decoded_len: match range {
                Some((a, b)) => b - a + 1,
                None => total.unwrap_or(0),
            },
            range,
        }
    } else {
        let Some(at) = bytes
            .windows(MARKER.len())
            .position(|w| w == MARKER.as_bytes())
        else {
            return Err(EngineError::BadRequest("stream marker not found".into()));
        };
        StreamForm::Inline {
            prefix: bytes[..at].to_vec(),
            suffix: bytes[at + MARKER.len()..].to_vec(),
            range,
        }
    };
    Ok(Reply::Stream(StreamPlan { source: src, form }))
}

/// Empties a folder (typically Deleted Items): expunges every message, and with
/// DeleteSubFolders the folders below it too. The device emptied its copy itself, so its
/// state for the folder is cleared instead of sending it Deletes.
async fn empty_folder<B: MailBackend>(
    ctx: &MailContext<'_>,
    backend: &mut B,
    collection: &str,
    delete_sub_folders: bool,
) -> Result<S, EngineError> {
    let mailbox = match select(ctx, backend, collection).await? {
        Ok(m) => m,
        Err(status) => return Ok(status),
    };
    let uids = backend.search(None).await?;
    for chunk in uids.chunks(1000) {
        backend.expunge(chunk).await?;
    }
    if delete_sub_folders {
        let listing = backend.list().await?;
        let delimiter = listing.iter().find_map(|m| m.delimiter).unwrap_or('/');
        let prefix = format!("{mailbox}{delimiter}");
        let mut doomed: Vec<String> = listing
            .into_iter()
            .map(|m| m.name)
            .filter(|n| n.starts_with(&prefix))
            .collect();
        doomed.sort_by_key(|n| std::cmp::Reverse(n.len()));
        for name in doomed {
            match backend.delete(&name).await {
                Ok(()) | Err(BackendError::NoSuchMailbox) => {}
                Err(BackendError::Refused(why)) => {
                    tracing::info!(%why, "EmptyFolderContents: a subfolder was not deleted");
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    let dev = ctx.device.clone();
    let cid = collection.to_owned();
    blocking(ctx.store, move |s| {
        Ok(s.write(|tx| {
            if let Some(mut r) = tx.collection(&dev, &cid)? {
                let m = &mut r.mail;
                m.have = Default::default();
                m.pending_add = Default::default();
                m.pending_change = Default::default();
                m.pending_delete = Default::default();
                m.pending_soft_delete = Default::default();
                tx.put_collection(&dev, &cid, &r)?;
            }
            Ok(())
        })?)
    })
    .await?;
    Ok(S::Success)
}
