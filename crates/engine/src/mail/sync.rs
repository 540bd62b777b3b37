//! Sync of the Email class (MS-ASCMD 2.2.1.21) over one mailbox per collection.
//!
//! State per device and collection (`state::CollectionRecord`): the UIDs the device has, the
//! modseq up to which every upstream change is either on the device or pending, and what the
//! last step sent, so a retry with the previous key gets the same items and the same new key.
//! Incremental steps ask IMAP only for what changed since that modseq (QRESYNC), so a
//! no-change Sync costs one `status` call (IMAP: a NOOP on the selected INBOX, else one
//! STATUS) whatever the mailbox's size.

use eas::sync::{
    ClientCommand, ClientResponse, EmailChange, ServerCommand, SyncCollectionRequest,
    SyncCollectionResponse, SyncOptions, SyncRequest, SyncResponse, SyncStatus,
};
use eas::{FolderType, SyncKey};
use state::{CollectionRecord, FolderSource, MailState, RangeSet, SentBatch, StoredResponse};

use super::backend::{BackendError, ChangeTracking, MailBackend, MailboxState};
use std::sync::Mutex;

use eas::email::Flag as EasFlag;

use super::drafts;
use super::items::{self, BodyChoice};
use super::read_ahead::ReadAheadPlan;
use super::send::Outbox;
use super::{MailContext, blocking, ids};
use crate::EngineError;
use eas::draft::DraftEmail;

/// WindowSize when the client gives none (MS-ASCMD 2.2.3.199).
const DEFAULT_WINDOW: u32 = 100;

pub async fn sync<B: MailBackend, O: Outbox>(
    ctx: &MailContext<'_>,
    backend: &mut B,
    outbox: &mut O,
    req: &SyncRequest,
) -> Result<SyncResponse, EngineError> {
    let user = ctx.device.user.clone();
    let folders = blocking(ctx.store, move |s| Ok(s.user_folders(&user)?)).await?;
    let trash = super::special_mailbox(ctx, FolderType::DeletedItems).await?;
    let drafts = super::special_mailbox(ctx, FolderType::Drafts).await?;
    let mut out = Vec::new();
    let mut writes: Vec<(String, Option<CollectionRecord>)> = Vec::new();
    // (collection, UIDVALIDITY, uid, detail) of device Flag changes.
    let mut flag_writes: Vec<(String, u32, u32, Option<EasFlag>)> = Vec::new();
    let max = ctx.config.max_window;
    // The request-wide WindowSize limits the items of all collections together; collections
    // are served in the order received (MS-ASCMD 2.2.3.199).
    let mut global_left = req.window_size.map(|w| window_value(w, max));
    for (n, coll) in req.collections.iter().enumerate() {
        let cid = coll.collection_id.as_str().to_owned();
        let Some(entry) = folders.by_id(&cid) else {
            out.push(status_only(coll, SyncStatus::FolderHierarchyChanged));
            continue;
        };
        let FolderSource::Mail { mailbox, .. } = &entry.source;
        let window = coll
            .window_size
            .or(req.window_size)
            .map_or(DEFAULT_WINDOW.min(max), |w| window_value(w, max));
        let window = global_left.map_or(window, |left| window.min(left));
        let (record, details) = blocking(ctx.store, {
            let dev = ctx.device.clone();
            let cid = cid.clone();
            move |s| {
                let record = s.collection(&dev, &cid)?;
                let details = match &record {
                    Some(r) => s.flag_details(&dev.user, &cid, r.mail.uid_validity)?,
                    None => Default::default(),
                };
                Ok((record, details))
            }
        })
        .await?;
        let validity = record.as_ref().map(|r| r.mail.uid_validity);
        let stored_options = record
            .as_ref()
            .map(|r| r.options.clone())
            .unwrap_or_default();
        let options = effective_options(coll, &stored_options);
        let one = One {
            options: &options,
            ctx,
            coll,
            cid: &cid,
            mailbox,
            trash: trash.as_deref(),
            // Drafts from the device are EAS 16.0+ (MS-ASEMAIL 3.1.5.4).
            drafts: ctx.version >= eas::ProtocolVersion::V16_0
                && drafts.as_deref() == Some(mailbox.as_str()),
            window,
            details,
            flag_writes: Mutex::new(Vec::new()),
            // Only the last collection reads ahead: the read-ahead holds the IMAP session,
            // which the others would wait for.
            reads_ahead: n + 1 == req.collections.len(),
        };
        let (resp, write) = match one.run(backend, outbox, record).await {
            Ok(r) => r,
            Err(EngineError::Unavailable(why)) if why == NO_MAILBOX => {
                (status_only(coll, SyncStatus::FolderHierarchyChanged), None)
            }
            Err(e) => return Err(e),
        };
        // Remember the Options the device sent, for its Syncs without them.
        let sent_options: Vec<Vec<u8>> = coll
            .options
            .iter()
            .map(|o| wbxml::encode(&o.to_element()))
            .collect();
        let write = match write {
            Some(Some(mut rec)) => {
                if !coll.options.is_empty() {
                    rec.options = sent_options;
                }
                Some(Some(rec))
            }
            None if !coll.options.is_empty() && sent_options != stored_options => {
                let dev = ctx.device.clone();
                let cid2 = cid.clone();
                let current = blocking(ctx.store, move |s| Ok(s.collection(&dev, &cid2)?)).await?;
                current.map(|mut rec| {
                    rec.options = sent_options;
                    Some(rec)
                })
            }
            other => other,
        };
        if let Some(v) = validity {
            let kept =
                std::mem::take(&mut *one.flag_writes.lock().unwrap_or_else(|p| p.into_inner()));
            flag_writes.extend(kept.into_iter().map(|(uid, f)| (cid.clone(), v, uid, f)));
        }
        if let Some(left) = &mut global_left {
            *left = left.saturating_sub(u32::try_from(resp.commands.len()).unwrap_or(u32::MAX));
        }
        out.push(resp);
        if let Some(w) = write {
            writes.push((cid, w));
        }
    }
    if !writes.is_empty() || !flag_writes.is_empty() {
        let dev = ctx.device.clone();
        blocking(ctx.store, move |s| {
            s.write(|tx| {
                for (cid, validity, uid, flag) in &flag_writes {
                    tx.put_flag_details(&dev.user, cid, *validity, *uid, flag.as_ref())?;
                }
                for (cid, rec) in &writes {
                    match rec {
                        Some(r) => tx.put_collection(&dev, cid, r)?,
                        None => tx.remove_collection(&dev, cid)?,
                    }
                }
                Ok(())
            })?;
            Ok(())
        })
        .await?;
    }
    Ok(SyncResponse {
        status: None,
        limit: None,
        collections: out,
    })
}

/// A WindowSize as the server reads it: 0 and anything above the maximum are the maximum
/// (MS-ASCMD 2.2.3.199).
fn window_value(w: u32, max: u32) -> u32 {
    if w == 0 { max } else { w.min(max) }
}

const NO_MAILBOX: &str = "the collection's mailbox does not exist";

fn status_only(coll: &SyncCollectionRequest, status: SyncStatus) -> SyncCollectionResponse {
    SyncCollectionResponse {
        class: coll.class.clone(),
        sync_key: coll.sync_key.clone(),
        collection_id: coll.collection_id.clone(),
        status,
        more_available: false,
        commands: Vec::new(),
        responses: Vec::new(),
    }
}

fn key(k: u32) -> SyncKey {
    SyncKey::new(k.to_string()).unwrap_or_else(SyncKey::initial)
}

/// The start of the FilterType window, unix seconds.
fn cutoff(ctx: &MailContext<'_>, filter: u8) -> Option<i64> {
    let age = eas::sync::FilterType::from_code(filter)?.max_age()?;
    Some(ctx.now - age.as_secs() as i64)
}

/// The oldest INTERNALDATE a new message may have to be sent under a FilterType. IMAP's
/// SEARCH SINCE (which chose the initial messages) compares whole days in the server's time
/// zone, so this is a day earlier than the day of the cutoff: a message the search let in is
/// never left out here.
fn add_cutoff(ctx: &MailContext<'_>, filter: u8) -> Option<i64> {
    cutoff(ctx, filter).map(|t| t.div_euclid(86_400) * 86_400 - 86_400)
}

/// One collection of one Sync request.
struct One<'a> {
    ctx: &'a MailContext<'a>,
    coll: &'a SyncCollectionRequest,
    /// The request's Options, or the stored ones when it has none.
    options: &'a [SyncOptions],
    cid: &'a str,
    mailbox: &'a str,
    trash: Option<&'a str>,
    /// This is the Drafts folder, and the device may add and change drafts.
    drafts: bool,
    window: u32,
    /// Flag details kept for this collection's messages.
    details: items::FlagDetails,
    /// Flag details to keep after this request, from the device's changes.
    flag_writes: Mutex<Vec<(u32, Option<EasFlag>)>>,
    /// Whether to tell the backend what the next window will most likely send.
    reads_ahead: bool,
}

type Outcome = (SyncCollectionResponse, Option<Option<CollectionRecord>>);

impl One<'_> {
    fn respond(&self, key_value: u32, status: SyncStatus) -> SyncCollectionResponse {
        SyncCollectionResponse {
            class: self.coll.class.clone(),
            sync_key: key(key_value),
            collection_id: self.coll.collection_id.clone(),
            status,
            more_available: false,
            commands: Vec::new(),
            responses: Vec::new(),
        }
    }

    fn filter(&self) -> u8 {
        items::email_options(self.options)
            .and_then(|o| o.filter_type)
            .map(|f| f.code())
            .unwrap_or(0)
    }

    async fn select<B: MailBackend>(&self, backend: &mut B) -> Result<MailboxState, EngineError> {
        match backend.select(self.mailbox).await {
            Ok(s) => Ok(s),
            Err(BackendError::NoSuchMailbox) => Err(EngineError::Unavailable(NO_MAILBOX.into())),
            Err(e) => Err(e.into()),
        }
    }

    async fn run<B: MailBackend, O: Outbox>(
        &self,
        backend: &mut B,
        outbox: &mut O,
        record: Option<CollectionRecord>,
    ) -> Result<Outcome, EngineError> {
        let requested: Option<u32> = if self.coll.sync_key.is_initial() {
            Some(0)
        } else {
            self.coll.sync_key.as_str().parse().ok()
        };
        match (requested, record) {
            (Some(0), record) => self.initial(backend, record).await,
            (Some(k), Some(rec)) if k == rec.key => self.step(backend, outbox, rec).await,
            (Some(k), Some(rec)) if rec.previous.as_ref().is_some_and(|p| p.0 == k) => {
                self.replay(backend, rec).await
            }
            _ => Ok((
                SyncCollectionResponse {
                    sync_key: SyncKey::initial(),
                    ..self.respond(0, SyncStatus::InvalidSyncKey)
                },
                None,
            )),
        }
    }

    /// Key 0: a new key and the list of what to send, no items yet (MS-ASCMD 3.1.5.3).
    async fn initial<B: MailBackend>(
        &self,
        backend: &mut B,
        record: Option<CollectionRecord>,
    ) -> Result<Outcome, EngineError> {
        let st = self.select(backend).await?;
        let filter = self.filter();
        let uids = backend.search(cutoff(self.ctx, filter)).await?;
        let mail = MailState {
            uid_validity: st.uid_validity,
            modseq: st.highest_modseq.unwrap_or(0),
            uid_next: st.uid_next,
            messages: st.messages,
            filter,
            pending_add: uids.into_iter().collect(),
            ..MailState::default()
        };
        if let Some(plan) = self.read_ahead_plan(backend.tracking(), &mail) {
            backend.read_ahead(plan);
        }
        let new_key = record.as_ref().map(|r| r.key).unwrap_or(0) + 1;
        let rec = CollectionRecord {
            key: new_key,
            mail,
            previous: None,
            options: record.map(|r| r.options).unwrap_or_default(),
        };
        Ok((self.respond(new_key, SyncStatus::Success), Some(Some(rec))))
    }

    async fn step<B: MailBackend, O: Outbox>(
        &self,
        backend: &mut B,
        outbox: &mut O,
        rec: CollectionRecord,
    ) -> Result<Outcome, EngineError> {
        let mut mail = rec.mail.clone();
        let wants_changes = self.coll.get_changes != Some(false);
        let quiet =
            self.coll.commands.is_empty() && !mail.has_pending() && self.filter() == mail.filter;
        // The cheap check: one STATUS tells whether anything changed at all.
        if quiet && wants_changes {
            let st = match backend.status(self.mailbox).await {
                Ok(s) => s,
                Err(BackendError::NoSuchMailbox) => {
                    return Err(EngineError::Unavailable(NO_MAILBOX.into()));
                }
                Err(e) => return Err(e.into()),
            };
            if st.uid_validity == mail.uid_validity && unchanged(backend.tracking(), &mail, &st) {
                return Ok((self.respond(rec.key, SyncStatus::Success), None));
            }
        }
        let st = self.select(backend).await?;
        if st.uid_validity != mail.uid_validity {
            tracing::info!(
                collection = self.cid,
                "UIDVALIDITY changed: the device resyncs the folder"
            );
            return Ok((
                SyncCollectionResponse {
                    sync_key: SyncKey::initial(),
                    ..self.respond(0, SyncStatus::InvalidSyncKey)
                },
                Some(None),
            ));
        }

        let mut batch = SentBatch::default();
        let mut responses = Vec::new();
        self.apply_commands(backend, outbox, &mut mail, &mut batch, &mut responses)
            .await?;

        let mut commands = Vec::new();
        let mut pulled = false;
        if wants_changes {
            let filter = self.filter();
            if filter != mail.filter {
                refilter(self.ctx, backend, &mut mail, filter).await?;
            }
            if !mail.has_pending() {
                pull_changes_into(backend, &st, &mut mail).await?;
                pulled = true;
            }
            commands = self.window(backend, &mut mail, &mut batch).await?;
        }
        // More to come: what is pending, and what changed upstream while the pending items
        // were being sent (the next step reads it), so the device does not stop early.
        batch.more_available = wants_changes
            && (mail.has_pending() || (!pulled && !unchanged(backend.tracking(), &mail, &st)));

        if commands.is_empty() && responses.is_empty() {
            // Nothing for the device: same key; keep the newer baseline.
            let write = (mail != rec.mail).then(|| {
                Some(CollectionRecord {
                    mail,
                    ..rec.clone()
                })
            });
            let mut r = self.respond(rec.key, SyncStatus::Success);
            r.more_available = batch.more_available;
            return Ok((r, write));
        }
        let new_key = rec.key + 1;
        let mut r = self.respond(new_key, SyncStatus::Success);
        r.more_available = batch.more_available;
        r.commands = commands;
        r.responses = responses;
        let next = CollectionRecord {
            key: new_key,
            mail,
            previous: Some((rec.key, batch)),
            options: rec.options.clone(),
        };
        Ok((r, Some(Some(next))))
    }

    /// The adds the next window will most likely send, for the backend to fetch while this
    /// answer is rendered and read. None without CONDSTORE: flags read ahead could go stale
    /// unnoticed.
    fn read_ahead_plan(&self, tracking: ChangeTracking, mail: &MailState) -> Option<ReadAheadPlan> {
        if !self.reads_ahead
            || self.ctx.config.read_ahead_bytes == 0
            || tracking == ChangeTracking::Listing
            || mail.pending_add.is_empty()
        {
            return None;
        }
        Some(ReadAheadPlan {
            mailbox: self.mailbox.to_owned(),
            uid_validity: mail.uid_validity,
            uids: mail.pending_add.highest(self.window as usize),
            choice: BodyChoice::for_sync(items::email_options(self.options)),
            since: add_cutoff(self.ctx, mail.filter),
            budget: self.ctx.config.read_ahead_bytes,
        })
    }

    /// The ServerId the device knows message `uid` by (a replaced draft keeps its first id).
    fn sid(&self, mail: &MailState, uid: u32) -> String {
        ids::server_id(self.cid, mail.device_uid(uid))
    }

    /// A draft whose content the device changed (or sends): saved as its new version.
    async fn change_draft<B: MailBackend, O: Outbox>(
        &self,
        backend: &mut B,
        outbox: &mut O,
        mail: &mut MailState,
        server_id: &str,
        draft: &DraftEmail,
    ) -> Result<(SyncStatus, eas::sync::ResponseData), EngineError> {
        let Some(device_uid) = ids::parse_server_id(self.cid, server_id) else {
            return Ok((SyncStatus::ObjectNotFound, Default::default()));
        };
        let folder = drafts::Folder {
            cid: self.cid,
            mailbox: self.mailbox,
        };
        let o = drafts::change(self.ctx, backend, outbox, &folder, mail, device_uid, draft).await?;
        if o.status == SyncStatus::Success && draft.send {
            // Sent and gone from Drafts: the device gets the Delete with the next Sync.
            mail.pending_delete.insert(device_uid);
        }
        Ok((o.status, o.data))
    }

    /// The device did not get our last answer: send the same items under the same key.
    async fn replay<B: MailBackend>(
        &self,
        backend: &mut B,
        rec: CollectionRecord,
    ) -> Result<Outcome, EngineError> {
        let Some((_, batch)) = &rec.previous else {
            return Ok((self.respond(0, SyncStatus::InvalidSyncKey), None));
        };
        self.select(backend).await?;
        let mut commands = Vec::new();
        for uid in batch.deletes.iter() {
            commands.push(ServerCommand::Delete {
                server_id: self.sid(&rec.mail, *uid),
            });
        }
        for uid in batch.soft_deletes.iter() {
            commands.push(ServerCommand::SoftDelete {
                server_id: self.sid(&rec.mail, *uid),
            });
        }
        commands.extend(self.changes(backend, &rec.mail, &batch.changes).await?.0);
        commands.extend(self.adds(backend, &batch.adds, None, None).await?.0);
        let mut responses = Vec::new();
        for r in &batch.responses {
            responses.push(self.stored_response(backend, &rec.mail, r).await?);
        }
        let mut r = self.respond(rec.key, SyncStatus::Success);
        r.more_available = batch.more_available;
        r.commands = commands;
        r.responses = responses;
        Ok((r, None))
    }

    async fn stored_response<B: MailBackend>(
        &self,
        backend: &mut B,
        mail: &MailState,
        r: &StoredResponse,
    ) -> Result<ClientResponse, EngineError> {
        let status = |code: u16| SyncStatus::from_code(code).unwrap_or(SyncStatus::ServerError);
        Ok(match r {
            StoredResponse::Add {
                client_id,
                server_id,
                status: s,
            } => ClientResponse::Add {
                client_id: client_id.clone(),
                server_id: server_id.clone(),
                status: status(*s),
            },
            StoredResponse::Change {
                server_id,
                status: s,
            } => ClientResponse::Change {
                server_id: server_id.clone(),
                status: status(*s),
            },
            StoredResponse::Delete {
                server_id,
                status: s,
            } => ClientResponse::Delete {
                server_id: server_id.clone(),
                status: status(*s),
            },
            StoredResponse::Fetch { server_id, .. } => self.fetch(backend, mail, server_id).await?,
        })
    }

    /// Applies the client's Add/Change/Delete/Fetch. A change to an item that is gone gets
    /// its own status; only an unavailable server fails the request.
    async fn apply_commands<B: MailBackend, O: Outbox>(
        &self,
        backend: &mut B,
        outbox: &mut O,
        mail: &mut MailState,
        batch: &mut SentBatch,
        responses: &mut Vec<ClientResponse>,
    ) -> Result<(), EngineError> {
        for command in &self.coll.commands {
            match command {
                ClientCommand::Change {
                    server_id,
                    application_data,
                } => {
                    if self.drafts
                        && let Ok(draft) = DraftEmail::from_application_data(application_data)
                        && drafts::changes_content(&draft)
                    {
                        let status = self
                            .change_draft(backend, outbox, mail, server_id, &draft)
                            .await?;
                        batch.responses.push(StoredResponse::Change {
                            server_id: server_id.clone(),
                            status: status.0.code(),
                        });
                        responses.push(if status.1.is_empty() {
                            ClientResponse::Change {
                                server_id: server_id.clone(),
                                status: status.0,
                            }
                        } else {
                            ClientResponse::ChangeWithData {
                                server_id: server_id.clone(),
                                status: status.0,
                                data: status.1,
                            }
                        });
                        continue;
                    }
                    let status = self
                        .change(backend, mail, server_id, application_data)
                        .await?;
                    if status != SyncStatus::Success {
                        batch.responses.push(StoredResponse::Change {
                            server_id: server_id.clone(),
                            status: status.code(),
                        });
                        responses.push(ClientResponse::Change {
                            server_id: server_id.clone(),
                            status,
                        });
                    }
                }
                ClientCommand::Delete { server_id } => {
                    let status = self.delete(backend, mail, server_id).await?;
                    if status != SyncStatus::Success {
                        batch.responses.push(StoredResponse::Delete {
                            server_id: server_id.clone(),
                            status: status.code(),
                        });
                        responses.push(ClientResponse::Delete {
                            server_id: server_id.clone(),
                            status,
                        });
                    }
                }
                ClientCommand::Fetch { server_id } => {
                    let r = self.fetch(backend, mail, server_id).await?;
                    batch.responses.push(StoredResponse::Fetch {
                        server_id: server_id.clone(),
                        status: 1,
                    });
                    responses.push(r);
                }
                ClientCommand::Add {
                    client_id,
                    application_data,
                    ..
                } => {
                    // Mail items are created by sending (SendMail) or, from 16.0, as drafts.
                    let outcome = match DraftEmail::from_application_data(application_data) {
                        Ok(draft) if self.drafts => {
                            let folder = drafts::Folder {
                                cid: self.cid,
                                mailbox: self.mailbox,
                            };
                            drafts::add(self.ctx, backend, outbox, &folder, mail, client_id, &draft)
                                .await?
                        }
                        _ => drafts::Outcome {
                            status: SyncStatus::ConversionError,
                            uid: None,
                            data: Default::default(),
                        },
                    };
                    let server_id = outcome.uid.map(|u| ids::server_id(self.cid, u));
                    batch.responses.push(StoredResponse::Add {
                        client_id: client_id.clone(),
                        server_id: server_id.clone(),
                        status: outcome.status.code(),
                    });
                    responses.push(if outcome.data.is_empty() {
                        ClientResponse::Add {
                            client_id: client_id.clone(),
                            server_id,
                            status: outcome.status,
                        }
                    } else {
                        ClientResponse::AddWithData {
                            client_id: client_id.clone(),
                            server_id,
                            status: outcome.status,
                            data: outcome.data,
                        }
                    });
                }
            }
        }
        Ok(())
    }

    async fn change<B: MailBackend>(
        &self,
        backend: &mut B,
        mail: &mut MailState,
        server_id: &str,
        data: &wbxml::Element,
    ) -> Result<SyncStatus, EngineError> {
        let Some(uid) = ids::parse_server_id(self.cid, server_id) else {
            return Ok(SyncStatus::ObjectNotFound);
        };
        let uid = mail.current_uid(uid);
        let Ok(change) = EmailChange::from_application_data(data) else {
            return Ok(SyncStatus::ProtocolError);
        };
        let current = backend.flags(&[uid]).await?;
        let Some(current) = current.into_iter().find(|f| f.uid == uid) else {
            forget(mail, uid);
            return Ok(SyncStatus::ObjectNotFound);
        };
        let (add, remove) = items::flag_edits(&change, &current.flags);
        if let Some(detail) = items::flag_detail_write(&change) {
            self.flag_writes
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push((uid, detail));
        }
        if !add.is_empty() {
            backend.add_flags(&[uid], &add).await?;
        }
        if !remove.is_empty() {
            backend.remove_flags(&[uid], &remove).await?;
        }
        // The device already has this state: do not echo it back as a Change.
        mail.pending_change.remove(uid);
        Ok(SyncStatus::Success)
    }

    async fn delete<B: MailBackend>(
        &self,
        backend: &mut B,
        mail: &mut MailState,
        server_id: &str,
    ) -> Result<SyncStatus, EngineError> {
        let Some(device_uid) = ids::parse_server_id(self.cid, server_id) else {
            return Ok(SyncStatus::ObjectNotFound);
        };
        let uid = mail.current_uid(device_uid);
        mail.aliases.remove(&device_uid);
        let exists = backend.flags(&[uid]).await?.iter().any(|f| f.uid == uid);
        forget(mail, uid);
        if !exists {
            // Already gone: what the device wanted.
            return Ok(SyncStatus::Success);
        }
        // DeletesAsMoves defaults to true (MS-ASCMD 2.2.3.44); in Deleted Items itself, or
        // when moves are off, the message is expunged.
        let as_move = self.coll.deletes_as_moves != Some(false);
        match (as_move, self.trash) {
            (true, Some(trash)) if trash != self.mailbox => {
                backend.move_to(&[uid], trash).await?;
            }
            _ => backend.expunge(&[uid]).await?,
        }
        Ok(SyncStatus::Success)
    }

    async fn fetch<B: MailBackend>(
        &self,
        backend: &mut B,
        mail: &MailState,
        server_id: &str,
    ) -> Result<ClientResponse, EngineError> {
        let missing = ClientResponse::Fetch {
            server_id: server_id.to_owned(),
            status: SyncStatus::ObjectNotFound,
            application_data: None,
        };
        let Some(uid) = ids::parse_server_id(self.cid, server_id) else {
            return Ok(missing);
        };
        let uid = mail.current_uid(uid);
        let choice = BodyChoice::for_fetch(items::email_options(self.options));
        let built = items::build(
            self.ctx.version,
            self.cid,
            backend,
            &[uid],
            &choice,
            &self.details,
        )
        .await?;
        Ok(match built.into_iter().next() {
            Some((_, data)) => ClientResponse::Fetch {
                server_id: server_id.to_owned(),
                status: SyncStatus::Success,
                application_data: Some(data),
            },
            None => missing,
        })
    }

    /// Picks this response's share of the pending changes: deletes, then flag changes, then
    /// new messages newest first.
    async fn window<B: MailBackend>(
        &self,
        backend: &mut B,
        mail: &mut MailState,
        batch: &mut SentBatch,
    ) -> Result<Vec<ServerCommand>, EngineError> {
        let mut budget = self.window as usize;
        let mut commands = Vec::new();
        let deletes: Vec<u32> = mail.pending_delete.iter().take(budget).collect();
        for uid in &deletes {
            mail.pending_delete.remove(*uid);
            mail.have.remove(*uid);
            commands.push(ServerCommand::Delete {
                server_id: self.sid(mail, *uid),
            });
            mail.aliases.retain(|_, current| current != uid);
        }
        budget -= deletes.len();
        batch.deletes = deletes;

        let soft: Vec<u32> = mail.pending_soft_delete.iter().take(budget).collect();
        for uid in &soft {
            mail.pending_soft_delete.remove(*uid);
            mail.have.remove(*uid);
            commands.push(ServerCommand::SoftDelete {
                server_id: self.sid(mail, *uid),
            });
            mail.aliases.retain(|_, current| current != uid);
        }
        budget -= soft.len();
        batch.soft_deletes = soft;

        let changes: Vec<u32> = mail.pending_change.iter().take(budget).collect();
        for uid in &changes {
            mail.pending_change.remove(*uid);
        }
        let (cmds, found) = self.changes(backend, mail, &changes).await?;
        for uid in &changes {
            if !found.contains(uid) {
                // Gone since: tell the device next time.
                mail.have.remove(*uid);
                mail.pending_delete.insert(*uid);
            }
        }
        budget -= changes.len();
        commands.extend(cmds);
        batch.changes = found;

        let adds = mail.pending_add.highest(budget);
        for uid in &adds {
            mail.pending_add.remove(*uid);
        }
        let since = add_cutoff(self.ctx, mail.filter);
        let next = self.read_ahead_plan(backend.tracking(), mail);
        let (cmds, sent) = self.adds(backend, &adds, since, next).await?;
        for uid in &sent {
            mail.have.insert(*uid);
        }
        commands.extend(cmds);
        batch.adds = sent;
        Ok(commands)
    }

    async fn changes<B: MailBackend>(
        &self,
        backend: &mut B,
        mail: &MailState,
        uids: &[u32],
    ) -> Result<(Vec<ServerCommand>, Vec<u32>), EngineError> {
        if uids.is_empty() {
            return Ok((Vec::new(), Vec::new()));
        }
        let flags = backend.flags(uids).await?;
        let mut found = Vec::new();
        let mut commands = Vec::new();
        for f in flags {
            found.push(f.uid);
            commands.push(ServerCommand::Change {
                server_id: self.sid(mail, f.uid),
                application_data: items::change_data(
                    self.ctx.version,
                    &f.flags,
                    self.details.get(&f.uid),
                ),
            });
        }
        Ok((commands, found))
    }

    /// The Adds of these messages, those with an INTERNALDATE before `since` left out.
    async fn adds<B: MailBackend>(
        &self,
        backend: &mut B,
        uids: &[u32],
        since: Option<i64>,
        then: Option<ReadAheadPlan>,
    ) -> Result<(Vec<ServerCommand>, Vec<u32>), EngineError> {
        if uids.is_empty() {
            if let Some(plan) = then {
                backend.read_ahead(plan);
            }
            return Ok((Vec::new(), Vec::new()));
        }
        let choice = BodyChoice::for_sync(items::email_options(self.options));
        let built = items::build_since(
            self.ctx.version,
            self.cid,
            backend,
            uids,
            &choice,
            &self.details,
            items::AddOptions {
                since,
                read_ahead: then,
            },
        )
        .await?;
        let mut sent = Vec::new();
        let mut commands = Vec::new();
        for (uid, data) in built {
            sent.push(uid);
            commands.push(ServerCommand::Add {
                server_id: ids::server_id(self.cid, uid),
                application_data: data,
            });
        }
        Ok((commands, sent))
    }
}

/// The Options in force: the request's, or the last ones the device sent.
fn effective_options(coll: &SyncCollectionRequest, stored: &[Vec<u8>]) -> Vec<SyncOptions> {
    if !coll.options.is_empty() {
        return coll.options.clone();
    }
    stored
        .iter()
        .filter_map(|bytes| wbxml::decode(bytes).ok())
        .filter_map(|e| SyncOptions::from_element(&e).ok())
        .collect()
}

/// Removes a UID from everything the state knows.
fn forget(mail: &mut MailState, uid: u32) {
    mail.have.remove(uid);
    mail.pending_add.remove(uid);
    mail.pending_change.remove(uid);
    mail.pending_delete.remove(uid);
    mail.pending_soft_delete.remove(uid);
}

/// Whether STATUS shows the mailbox as it was at the state's baseline.
fn unchanged(tracking: ChangeTracking, mail: &MailState, st: &MailboxState) -> bool {
    match (tracking, st.highest_modseq) {
        // Expunges raise HIGHESTMODSEQ under QRESYNC (RFC 7162 3.2.10).
        (ChangeTracking::Qresync, Some(m)) => m == mail.modseq,
        (ChangeTracking::Condstore, Some(m)) => {
            m == mail.modseq && st.messages == mail.messages && st.uid_next == mail.uid_next
        }
        _ => st.messages == mail.messages && st.uid_next == mail.uid_next,
    }
}

/// Reads what changed upstream since the state's baseline into the pending sets.
pub(crate) async fn pull_changes_into<B: MailBackend>(
    backend: &mut B,
    st: &MailboxState,
    mail: &mut MailState,
) -> Result<(), EngineError> {
    let tracking = backend.tracking();
    let mut changed: Vec<u32> = Vec::new();
    let mut vanished: Vec<u32> = Vec::new();
    let modseq_known = st.highest_modseq.is_some() && mail.modseq > 0;
    let mut listed: Option<RangeSet> = None;
    if tracking >= ChangeTracking::Condstore && modseq_known {
        if st.highest_modseq != Some(mail.modseq) {
            let c = backend.changes_since(mail.modseq).await?;
            changed = c.changed.iter().map(|f| f.uid).collect();
            match c.vanished {
                Some(v) => vanished = v,
                None => listed = Some(backend.search(None).await?.into_iter().collect()),
            }
        } else if tracking == ChangeTracking::Condstore
            && (st.messages != mail.messages || st.uid_next != mail.uid_next)
        {
            listed = Some(backend.search(None).await?.into_iter().collect());
        }
    } else if st.messages != mail.messages || st.uid_next != mail.uid_next {
        listed = Some(backend.search(None).await?.into_iter().collect());
    }
    if let Some(all) = listed {
        let mut gone = mail.have.clone();
        gone.subtract(&all);
        vanished.extend(gone.iter());
        let mut gone_pending = mail.pending_add.clone();
        gone_pending.subtract(&all);
        vanished.extend(gone_pending.iter());
        if tracking < ChangeTracking::Condstore || !modseq_known {
            // Without modseqs, new messages are the UIDs at or above the old UIDNEXT.
            changed.extend(all.iter().filter(|u| *u >= mail.uid_next));
        }
    }
    for uid in changed {
        if mail.have.contains(uid) {
            mail.pending_change.insert(uid);
        } else if uid >= mail.uid_next && !mail.pending_add.contains(uid) {
            mail.pending_add.insert(uid);
        }
    }
    for uid in vanished {
        if mail.have.contains(uid) {
            mail.pending_delete.insert(uid);
            mail.pending_change.remove(uid);
        }
        mail.pending_add.remove(uid);
    }
    if let Some(m) = st.highest_modseq {
        mail.modseq = m;
    }
    mail.uid_next = mail.uid_next.max(st.uid_next);
    mail.messages = st.messages;
    Ok(())
}

/// The client asked for another FilterType: messages newly inside the window are added,
/// those now outside are soft-deleted (MS-ASCMD 2.2.3.168).
async fn refilter<B: MailBackend>(
    ctx: &MailContext<'_>,
    backend: &mut B,
    mail: &mut MailState,
    filter: u8,
) -> Result<(), EngineError> {
    let target: RangeSet = backend
        .search(cutoff(ctx, filter))
        .await?
        .into_iter()
        .collect();
    let mut add = target.clone();
    add.subtract(&mail.have);
    let mut out = mail.have.clone();
    out.subtract(&target);
    mail.pending_add = add;
    mail.pending_soft_delete.union(&out);
    mail.pending_change.subtract(&out);
    mail.filter = filter;
    Ok(())
}
