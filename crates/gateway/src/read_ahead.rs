//! Read-ahead per device: after a Sync window with more to come, the next window is fetched
//! in the background over the session that served the request, and handed to the device's
//! next mail command. The mail server then works while the device reads, instead of after.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use std::future::Future;

use engine::mail::backend::BackendError;
use engine::mail::read_ahead::ReadAhead;
use state::DeviceKey;
use tokio::task::JoinHandle;
use tracing::Instrument;

/// A read-ahead the device has not come back for within this long is dropped.
const KEEP: Duration = Duration::from_secs(60);
/// A read-ahead still running after this long is abandoned (its session is not reused).
const WAIT: Duration = Duration::from_secs(30);

#[derive(Default)]
pub struct ReadAheads {
    pending: Mutex<HashMap<DeviceKey, Pending>>,
}

struct Pending {
    started: Instant,
    task: JoinHandle<Vec<ReadAhead>>,
}

impl ReadAheads {
    /// Runs a read-ahead (`engine::mail::read_ahead::fetch` over a request's session) for
    /// the device's next command. Replaces (and stops) an earlier one of the device.
    pub fn start(
        &self,
        device: DeviceKey,
        fetch: impl Future<Output = Result<ReadAhead, BackendError>> + Send + 'static,
    ) {
        let task = tokio::spawn(
            async move {
                match fetch.await {
                    Ok(a) => vec![a],
                    Err(e) => {
                        tracing::debug!(error = %e, "read-ahead stopped");
                        Vec::new()
                    }
                }
            }
            .instrument(tracing::Span::current()),
        );
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        // Forget what devices did not come back for.
        pending.retain(|_, p| {
            let keep = p.started.elapsed() < KEEP;
            if !keep {
                p.task.abort();
            }
            keep
        });
        let new = Pending {
            started: Instant::now(),
            task,
        };
        if let Some(old) = pending.insert(device, new) {
            old.task.abort();
        }
    }

    /// The device's read-ahead, waiting for it to finish; empty when there is none.
    pub async fn take(&self, device: &DeviceKey) -> Vec<ReadAhead> {
        let found = self
            .pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(device);
        let Some(Pending { started, mut task }) = found else {
            return Vec::new();
        };
        if started.elapsed() >= KEEP {
            task.abort();
            return Vec::new();
        }
        match tokio::time::timeout(WAIT, &mut task).await {
            Ok(Ok(ahead)) => ahead,
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "read-ahead task failed");
                Vec::new()
            }
            Err(_) => {
                tracing::info!("read-ahead too slow: abandoned");
                task.abort();
                Vec::new()
            }
        }
    }
}
