//! The Ping command (MS-ASCMD 2.2.1.13, 3.1.5.8): parameters (cached per device), their
//! bounds, and the wait for a change of the watched folders.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use eas::CollectionId;
use eas::ping::{PingRequest, PingResponse, PingStatus};
use state::{FolderSource, PingParams};
use wbxml::Element;

use super::PushContext;
use super::check::{Baseline, hierarchy_differs, mail_pending};
use super::hub::{Hub, LATENCY, MailView, WaitEnd};
use crate::EngineError;
use crate::mail::backend::Mailbox;
use crate::mail::blocking;

/// One watched folder, resolved.
struct Watched {
    id: CollectionId,
    mailbox: String,
    baseline: Option<Baseline>,
}

/// Answers a Ping: at once when the request is wrong or something changed already, else
/// when something changes or the heartbeat interval ends.
pub async fn ping(
    ctx: &PushContext<'_>,
    hub: &Hub,
    body: Option<Element>,
) -> Result<PingResponse, EngineError> {
    // The document is read and dropped: a held Ping keeps only what it waits on.
    let req = match body {
        None => PingRequest::default(),
        Some(el) => match PingRequest::from_element(&el) {
            Ok(r) => r,
            Err(e) => {
                tracing::info!(error = %e, "malformed Ping");
                return Ok(PingResponse::status(PingStatus::ProtocolError));
            }
        },
    };
    let dev = ctx.device.clone();
    let cached = blocking(ctx.store, move |s| Ok(s.cached_ping(&dev)?))
        .await?
        .unwrap_or_default();
    // What the request leaves out is the device's last value (MS-ASCMD 3.1.5.8).
    let heartbeat = req.heartbeat_interval.or(cached.heartbeat_interval);
    let folders = req
        .folders
        .map(|fs| {
            fs.into_iter()
                .map(|f| (f.id.as_str().to_owned(), f.class.name().to_owned()))
                .collect::<Vec<_>>()
        })
        .or_else(|| cached.folders.clone());
    let (Some(heartbeat), Some(folders)) = (heartbeat, folders) else {
        return Ok(PingResponse::status(PingStatus::MissingParameters));
    };
    let cfg = ctx.config;
    if heartbeat < cfg.min_heartbeat || heartbeat > cfg.max_heartbeat {
        return Ok(PingResponse {
            heartbeat_interval: Some(heartbeat.clamp(cfg.min_heartbeat, cfg.max_heartbeat)),
            ..PingResponse::status(PingStatus::HeartbeatOutOfRange)
        });
    }
    if folders.len() > cfg.max_folders {
        return Ok(PingResponse {
            max_folders: Some(u32::try_from(cfg.max_folders).unwrap_or(u32::MAX)),
            ..PingResponse::status(PingStatus::TooManyFolders)
        });
    }

    let params = PingParams {
        heartbeat_interval: Some(heartbeat),
        folders: Some(folders.clone()),
    };
    let dev = ctx.device.clone();
    let save = params != cached;
    let (ids, hierarchy, records) = blocking(ctx.store, move |s| {
        if save {
            s.write(|tx| tx.put_cached_ping(&dev, &params))?;
        }
        let ids = s.user_folders(&dev.user)?;
        let hierarchy = s.hierarchy(&dev)?;
        let mut records = BTreeMap::new();
        for (id, _) in &folders {
            let record = s.collection(&dev, id)?;
            records.insert(id.clone(), record.as_ref().map(Baseline::of));
        }
        Ok((ids, hierarchy, records))
    })
    .await?;

    // A device that never ran FolderSync, or watches a folder it was not given (or that is
    // gone since), must FolderSync first.
    let Some(hierarchy) = hierarchy.filter(|h| h.key > 0) else {
        return Ok(PingResponse::status(PingStatus::FolderSyncRequired));
    };
    let mut watched = Vec::new();
    for (id, baseline) in records {
        let entry = ids
            .by_id(&id)
            .filter(|_| hierarchy.folders.contains_key(&id));
        let (Some(entry), Some(cid)) = (entry, CollectionId::new(id)) else {
            return Ok(PingResponse::status(PingStatus::FolderSyncRequired));
        };
        let FolderSource::Mail { mailbox, .. } = &entry.source;
        watched.push(Watched {
            id: cid,
            mailbox: mailbox.clone(),
            baseline,
        });
    }

    // Only what the wait needs is kept while it lasts.
    let device_folders = hierarchy.folders;
    let mailboxes = watched.iter().map(|w| w.mailbox.clone()).collect();
    let mut waiter = hub.wait(ctx.device, ctx.password.clone(), mailboxes);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(u64::from(heartbeat));
    let mut listing_seen: Option<Arc<Vec<Mailbox>>> = None;
    let mut waited = false;
    loop {
        let verdict = {
            let snap = waiter.snapshot();
            let mail = &snap.mail;
            if !mail.ready {
                None
            } else {
                // The hierarchy is compared only when the listing is new.
                let new_listing = listing_seen
                    .as_ref()
                    .is_none_or(|l| !Arc::ptr_eq(l, &mail.listing));
                listing_seen = Some(mail.listing.clone());
                if new_listing
                    && hierarchy_differs(&ids, &device_folders, &mail.listing, ctx.special_names)
                {
                    Some(PingResponse::status(PingStatus::FolderSyncRequired))
                } else {
                    changed_folders(&watched, mail, waited)
                }
            }
        };
        if let Some(answer) = verdict {
            return Ok(answer);
        }
        match waiter.next(deadline).await {
            WaitEnd::Changed => waited = true,
            // A newer Ping of the device, or shutdown: "nothing changed" is true and makes the
            // device Ping again (MS-ASCMD 2.2.3.177.11, status 1).
            WaitEnd::Expired | WaitEnd::Superseded | WaitEnd::ShuttingDown => {
                return Ok(PingResponse::status(PingStatus::Expired));
            }
        }
    }
}

/// The folders with something for the device, as a status 2 answer; None when there are none.
/// `waited`: the answer follows news from the watcher, whose delay goes to the metrics.
fn changed_folders(watched: &[Watched], mail: &MailView, waited: bool) -> Option<PingResponse> {
    let changed: Vec<&Watched> = watched
        .iter()
        .filter(|w| {
            mail_pending(
                w.baseline.as_ref(),
                mail.states.get(&w.mailbox),
                mail.tracking,
            )
        })
        .collect();
    if changed.is_empty() {
        return None;
    }
    if waited
        && let Some(at) = changed
            .iter()
            .filter_map(|w| mail.changed_at.get(&w.mailbox))
            .max()
    {
        metrics::histogram!(LATENCY).record(at.elapsed().as_secs_f64());
    }
    Some(PingResponse::changed(
        changed.iter().map(|w| w.id.clone()).collect(),
    ))
}
