//! MoveItems (MS-ASCMD 2.2.1.12): UID MOVE, and the new UID from COPYUID for DstMsgId.

use state::{CollectionRecord, FolderSource};

use super::backend::{BackendError, MailBackend};
use super::{MailContext, blocking, ids};
use crate::EngineError;

/// One move's result: MoveItems status (3 is success) and the new ServerId.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Moved {
    pub status: u8,
    pub dst_msg_id: Option<String>,
}

impl Moved {
    fn failed(status: u8) -> Moved {
        Moved {
            status,
            dst_msg_id: None,
        }
    }
}

/// Status codes (MS-ASCMD 2.2.3.177.9).
pub const INVALID_SOURCE: u8 = 1;
pub const INVALID_DESTINATION: u8 = 2;
pub const SUCCESS: u8 = 3;
pub const SAME_FOLDER: u8 = 4;
pub const FAILURE: u8 = 5;

pub async fn move_items<B: MailBackend>(
    ctx: &MailContext<'_>,
    backend: &mut B,
    moves: &[(String, String, String)],
) -> Result<Vec<Moved>, EngineError> {
    let user = ctx.device.user.clone();
    let folders = blocking(ctx.store, move |s| Ok(s.user_folders(&user)?)).await?;
    let mailbox = |id: &str| {
        folders.by_id(id).map(|e| match &e.source {
            FolderSource::Mail { mailbox, .. } => mailbox.clone(),
        })
    };
    let mut out = Vec::new();
    // (source collection, uid, destination collection, new uid)
    let mut done: Vec<(String, u32, String, u32)> = Vec::new();
    for (src_msg, src_fld, dst_fld) in moves {
        let Some(src) = mailbox(src_fld) else {
            out.push(Moved::failed(INVALID_SOURCE));
            continue;
        };
        let Some(uid) = ids::parse_server_id(src_fld, src_msg) else {
            out.push(Moved::failed(INVALID_SOURCE));
            continue;
        };
        let uid = super::current_uid(ctx, src_fld, uid).await?;
        let Some(dst) = mailbox(dst_fld) else {
            out.push(Moved::failed(INVALID_DESTINATION));
            continue;
        };
        if src_fld == dst_fld {
            out.push(Moved::failed(SAME_FOLDER));
            continue;
        }
        match backend.select(&src).await {
            Ok(_) => {}
            Err(BackendError::NoSuchMailbox) => {
                out.push(Moved::failed(INVALID_SOURCE));
                continue;
            }
            Err(e) => return Err(e.into()),
        }
        let pairs = match backend.move_to(&[uid], &dst).await {
            Ok(p) => p,
            Err(BackendError::NoSuchMailbox) => {
                out.push(Moved::failed(INVALID_DESTINATION));
                continue;
            }
            Err(BackendError::Refused(why)) => {
                tracing::info!(%why, "MoveItems refused upstream");
                out.push(Moved::failed(FAILURE));
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        match pairs.iter().find(|(old, _)| *old == uid) {
            Some((_, new)) => {
                done.push((src_fld.clone(), uid, dst_fld.clone(), *new));
                out.push(Moved {
                    status: SUCCESS,
                    dst_msg_id: Some(ids::server_id(dst_fld, *new)),
                });
            }
            // No such message (or no COPYUID, which UIDPLUS servers always send): never guess.
            None => out.push(Moved::failed(INVALID_SOURCE)),
        }
    }
    if !done.is_empty() {
        let dev = ctx.device.clone();
        blocking(ctx.store, move |s| {
            Ok(s.write(|tx| {
                for (src, uid, dst, new) in &done {
                    // The device moved it itself: no Delete for the source, no Add for the
                    // destination on its next Syncs.
                    if let Some(mut r) = tx.collection(&dev, src)? {
                        forget_uid(&mut r, *uid);
                        tx.put_collection(&dev, src, &r)?;
                    }
                    if let Some(mut r) = tx.collection(&dev, dst)? {
                        r.mail.have.insert(*new);
                        r.mail.pending_add.remove(*new);
                        tx.put_collection(&dev, dst, &r)?;
                    }
                }
                Ok(())
            })?)
        })
        .await?;
    }
    Ok(out)
}

fn forget_uid(r: &mut CollectionRecord, uid: u32) {
    let m = &mut r.mail;
    m.have.remove(uid);
    m.pending_add.remove(uid);
    m.pending_change.remove(uid);
    m.pending_delete.remove(uid);
    m.pending_soft_delete.remove(uid);
}
