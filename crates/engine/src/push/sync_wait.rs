//! Sync as push: a Sync with Wait or HeartbeatInterval is held until one of its collections
//! changes (MS-ASCMD 3.1.5.4); an empty Sync request repeats the device's last one, and a
//! Partial one adds the collections of the last one it leaves out (MS-ASCMD 2.2.1.21.1,
//! 2.2.3.131). The Sync itself runs in `mail::sync`; this module decides what to run, whether
//! its answer is "nothing", and waits.

use std::time::Duration;

use eas::sync::{SyncRequest, SyncResponse, SyncStatus};
use eas::{CollectionId, SyncKey};
use state::FolderSource;
use wbxml::Element;

use super::PushContext;
use super::check::{Baseline, mail_pending};
use super::hub::{Hub, LATENCY, WaitEnd};
use crate::EngineError;
use crate::mail::blocking;

/// What to do with a Sync request.
#[derive(Debug)]
pub enum SyncPlan {
    /// Run this Sync; when it has nothing for the device, hold it up to `wait`. `repeated`:
    /// the device sent no body (its nothing-changed answer is then an empty response too).
    Run {
        request: SyncRequest,
        wait: Option<Duration>,
        repeated: bool,
    },
    /// Answer at once: a malformed request (4), an empty one with nothing to repeat (13), or
    /// a Wait or HeartbeatInterval out of range (14 with the Limit).
    Answer(SyncResponse),
}

/// Reads the Sync request, filling in from the device's last one where the protocol says so,
/// and remembers it for the next empty or Partial request.
pub async fn plan(ctx: &PushContext<'_>, body: Option<&Element>) -> Result<SyncPlan, EngineError> {
    let dev = ctx.device.clone();
    let cached = blocking(ctx.store, move |s| Ok(s.cached_sync(&dev)?)).await?;
    let cached = cached
        .and_then(|bytes| wbxml::decode(&bytes).ok())
        .and_then(|el| SyncRequest::from_element(&el).ok());
    let repeated = body.is_none();
    // The collections before `sent` are the device's own; those after come from the cached
    // request and take their current keys (the cache keeps none).
    let (request, sent) = match body {
        None => match cached.clone() {
            Some(c) => (c, 0),
            // Without a remembered request the device must send it whole (status 13).
            None => {
                return Ok(SyncPlan::Answer(SyncResponse::error(
                    SyncStatus::IncompleteRequest,
                )));
            }
        },
        Some(el) => match SyncRequest::from_element(el) {
            Ok(mut req) => {
                let sent = req.collections.len();
                if req.partial
                    && let Some(c) = &cached
                {
                    merge_partial(&mut req, c);
                }
                (req, sent)
            }
            Err(e) => {
                tracing::info!(error = %e, "malformed Sync");
                return Ok(SyncPlan::Answer(SyncResponse::error(
                    SyncStatus::ProtocolError,
                )));
            }
        },
    };
    if let Some(limit) = interval_limit(&request, ctx.config.max_heartbeat) {
        return Ok(SyncPlan::Answer(SyncResponse::limit(
            SyncStatus::InvalidWaitOrHeartbeat,
            limit,
        )));
    }
    // Remember the request without its commands and keys (a repeat uses the current keys),
    // and only when that differs from what is remembered: most Syncs write nothing here.
    let mut request = request;
    let shape = wbxml::encode(&shape_of(&request).to_element());
    let known = cached.map(|c| wbxml::encode(&c.to_element()));
    let dev = ctx.device.clone();
    let ids: Vec<String> = request.collections[sent..]
        .iter()
        .map(|c| c.collection_id.as_str().to_owned())
        .collect();
    let keys = blocking(ctx.store, move |s| {
        if known.as_deref() != Some(shape.as_slice()) {
            s.write(|tx| tx.put_cached_sync(&dev, &shape))?;
        }
        let mut keys = Vec::new();
        for id in &ids {
            keys.push(s.collection(&dev, id)?.map(|r| r.key));
        }
        Ok(keys)
    })
    .await?;
    for (c, key) in request.collections[sent..].iter_mut().zip(keys) {
        c.sync_key = key
            .and_then(|k| SyncKey::new(k.to_string()))
            .unwrap_or_else(SyncKey::initial);
    }
    Ok(SyncPlan::Run {
        wait: request.interval(),
        request,
        repeated,
    })
}

/// The cached form: no commands, every key 0.
fn shape_of(req: &SyncRequest) -> SyncRequest {
    let mut shape = req.clone();
    shape.partial = false;
    for c in &mut shape.collections {
        c.commands.clear();
        c.sync_key = SyncKey::initial();
    }
    shape
}

/// A Partial request: the collections of the last request that this one leaves out, at their
/// current keys, and its Wait or HeartbeatInterval unless this one has one.
fn merge_partial(req: &mut SyncRequest, cached: &SyncRequest) {
    for c in &cached.collections {
        if !req
            .collections
            .iter()
            .any(|r| r.collection_id == c.collection_id)
        {
            req.collections.push(c.clone());
        }
    }
    if req.wait.is_none() && req.heartbeat_interval.is_none() {
        req.wait = cached.wait;
        req.heartbeat_interval = cached.heartbeat_interval;
    }
    if req.window_size.is_none() {
        req.window_size = cached.window_size;
    }
}

/// The Limit for a Wait or HeartbeatInterval out of the protocol's range or above the
/// configured longest wait (in the element's own unit).
fn interval_limit(req: &SyncRequest, max_seconds: u32) -> Option<u32> {
    if let Some(limit) = req.interval_limit() {
        return Some(limit);
    }
    match (req.wait, req.heartbeat_interval) {
        (Some(minutes), _) if minutes.saturating_mul(60) > max_seconds => {
            Some((max_seconds / 60).max(1))
        }
        (None, Some(seconds)) if seconds > max_seconds => Some(max_seconds),
        _ => None,
    }
}

/// Whether a Sync answer has nothing for the device: every collection succeeded at the key
/// it was asked with, without commands, responses or more to come.
pub fn nothing_for_device(req: &SyncRequest, resp: &SyncResponse) -> bool {
    resp.status.is_none()
        && resp.collections.iter().all(|c| {
            c.status == SyncStatus::Success
                && c.commands.is_empty()
                && c.responses.is_empty()
                && !c.more_available
                && req
                    .collections
                    .iter()
                    .any(|r| r.collection_id == c.collection_id && r.sync_key == c.sync_key)
        })
}

/// The request to run again after a wait: its commands were applied by the first run.
pub fn without_commands(req: &SyncRequest) -> SyncRequest {
    let mut again = req.clone();
    for c in &mut again.collections {
        c.commands.clear();
    }
    again
}

/// Holds a Sync that had nothing until one of its collections changes upstream (then the
/// caller runs it again), `wait` passes, a newer waiting request of the device takes over,
/// or the server shuts down.
pub async fn wait_for_change(
    ctx: &PushContext<'_>,
    hub: &Hub,
    req: &SyncRequest,
    wait: Duration,
) -> Result<WaitEnd, EngineError> {
    let dev = ctx.device.clone();
    let ids: Vec<CollectionId> = req
        .collections
        .iter()
        .map(|c| c.collection_id.clone())
        .collect();
    let watched = blocking(ctx.store, move |s| {
        let folders = s.user_folders(&dev.user)?;
        let mut out = Vec::new();
        for id in &ids {
            let Some(entry) = folders.by_id(id.as_str()) else {
                continue;
            };
            let FolderSource::Mail { mailbox, .. } = &entry.source;
            let record = s.collection(&dev, id.as_str())?;
            out.push((mailbox.clone(), record.as_ref().map(Baseline::of)));
        }
        Ok(out)
    })
    .await?;
    let mailboxes = watched.iter().map(|(m, _)| m.clone()).collect();
    let mut waiter = hub.wait(ctx.device, ctx.password.clone(), mailboxes);
    let deadline = tokio::time::Instant::now() + wait;
    let mut waited = false;
    loop {
        {
            let snap = waiter.snapshot();
            let mail = &snap.mail;
            let changed: Vec<&String> = watched
                .iter()
                .filter(|(m, rec)| {
                    mail.ready && mail_pending(rec.as_ref(), mail.states.get(m), mail.tracking)
                })
                .map(|(m, _)| m)
                .collect();
            if !changed.is_empty() {
                if waited
                    && let Some(at) = changed.iter().filter_map(|m| mail.changed_at.get(*m)).max()
                {
                    metrics::histogram!(LATENCY).record(at.elapsed().as_secs_f64());
                }
                return Ok(WaitEnd::Changed);
            }
        }
        match waiter.next(deadline).await {
            WaitEnd::Changed => waited = true,
            end => return Ok(end),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eas::sync::SyncCollectionRequest;

    fn coll(id: &str, key: &str) -> SyncCollectionRequest {
        SyncCollectionRequest::new(
            SyncKey::new(key).expect("key"),
            CollectionId::new(id).expect("id"),
        )
    }

    #[test]
    fn a_partial_request_gets_the_collections_it_leaves_out() {
        let cached = SyncRequest {
            collections: vec![coll("1", "0"), coll("2", "0")],
            wait: Some(5),
            ..SyncRequest::default()
        };
        let mut req = SyncRequest {
            collections: vec![coll("2", "7")],
            partial: true,
            ..SyncRequest::default()
        };
        merge_partial(&mut req, &cached);
        let ids: Vec<&str> = req
            .collections
            .iter()
            .map(|c| c.collection_id.as_str())
            .collect();
        assert_eq!(ids, ["2", "1"]);
        assert_eq!(req.collections[0].sync_key.as_str(), "7");
        assert_eq!(req.wait, Some(5));
    }

    /// A store with collection "1" of `dev` at key 7 and a cached request of "1" and "2".
    fn store_with_cache(dev: &state::DeviceKey) -> (tempfile::TempDir, state::Store) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = state::Store::open_dir(dir.path()).expect("store");
        let cached = SyncRequest {
            collections: vec![coll("1", "0"), coll("2", "0")],
            ..SyncRequest::default()
        };
        let record = state::CollectionRecord {
            key: 7,
            mail: state::MailState::default(),
            previous: None,
            options: Vec::new(),
        };
        store
            .write(|tx| {
                tx.put_collection(dev, "1", &record)?;
                tx.put_cached_sync(dev, &wbxml::encode(&cached.to_element()))
            })
            .expect("write");
        (dir, store)
    }

    async fn plan_of(
        store: &state::Store,
        dev: &state::DeviceKey,
        body: Option<&Element>,
    ) -> SyncRequest {
        let config = super::super::PushConfig::default();
        let names = crate::mail::SpecialNames::default();
        let ctx = PushContext {
            store,
            device: dev,
            config: &config,
            special_names: &names,
            password: std::sync::Arc::from("pw"),
        };
        match plan(&ctx, body).await.expect("plan") {
            SyncPlan::Run { request, .. } => request,
            SyncPlan::Answer(a) => panic!("answered at once: {a:?}"),
        }
    }

    #[tokio::test]
    async fn collections_taken_from_the_cache_get_their_current_keys() {
        let dev = state::DeviceKey::new("u", "d");
        let (_dir, store) = store_with_cache(&dev);
        let partial = SyncRequest {
            collections: vec![coll("2", "5")],
            partial: true,
            ..SyncRequest::default()
        }
        .to_element();
        let req = plan_of(&store, &dev, Some(&partial)).await;
        let keys: Vec<(&str, &str)> = req
            .collections
            .iter()
            .map(|c| (c.collection_id.as_str(), c.sync_key.as_str()))
            .collect();
        // The device's own key stays; the cached collection is at its current key, not 0.
        assert_eq!(keys, [("2", "5"), ("1", "7")]);
    }

    #[tokio::test]
    async fn an_empty_request_repeats_the_cached_one_at_the_current_keys() {
        let dev = state::DeviceKey::new("u", "d");
        let (_dir, store) = store_with_cache(&dev);
        let req = plan_of(&store, &dev, None).await;
        let keys: Vec<(&str, &str)> = req
            .collections
            .iter()
            .map(|c| (c.collection_id.as_str(), c.sync_key.as_str()))
            .collect();
        // "2" has no state yet: its first Sync.
        assert_eq!(keys, [("1", "7"), ("2", "0")]);
    }

    #[test]
    fn waits_beyond_the_configured_longest_get_it_as_the_limit() {
        let hb = SyncRequest {
            heartbeat_interval: Some(3000),
            ..SyncRequest::default()
        };
        assert_eq!(interval_limit(&hb, 1800), Some(1800));
        assert_eq!(interval_limit(&hb, 3540), None);
        let wait = SyncRequest {
            wait: Some(45),
            ..SyncRequest::default()
        };
        assert_eq!(interval_limit(&wait, 1800), Some(30));
        let zero = SyncRequest {
            wait: Some(0),
            ..SyncRequest::default()
        };
        assert_eq!(interval_limit(&zero, 1800), Some(1));
    }

    #[test]
    fn the_cached_shape_has_no_commands_and_initial_keys() {
        let req = SyncRequest {
            collections: vec![coll("1", "9")],
            partial: true,
            ..SyncRequest::default()
        };
        let shape = shape_of(&req);
        assert!(shape.collections[0].sync_key.is_initial());
        assert!(!shape.partial);
    }
}
