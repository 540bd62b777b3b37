//! Prometheus metrics on their own listener (`metrics_listen`), apart from the EAS port:
//! they are for the operator, not for devices, and carry no authentication.

use std::net::SocketAddr;
use std::sync::OnceLock;

use axum::Router;
use axum::routing::get;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::StartError;

/// The process-wide recorder (one per process, however many servers a test starts).
fn handle() -> Option<PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            use engine::push::hub::{CONNECTIONS, HELD, LATENCY, WATCHERS};
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full(LATENCY.to_owned()),
                    &[0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0],
                )
                .ok()?
                .build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).ok()?;
            metrics::describe_gauge!(HELD, "Ping and Sync requests waiting for a change");
            metrics::describe_gauge!(WATCHERS, "users with a running push watcher");
            metrics::describe_gauge!(CONNECTIONS, "upstream connections of the push watchers");
            metrics::describe_histogram!(
                LATENCY,
                metrics::Unit::Seconds,
                "from a watcher's news of a change to the waiting request's answer"
            );
            Some(handle)
        })
        .clone()
}

/// A bound metrics listener.
pub struct Metrics {
    listener: TcpListener,
    handle: PrometheusHandle,
}

pub async fn bind(addr: SocketAddr) -> Result<Metrics, StartError> {
    let handle = handle().ok_or_else(|| {
        StartError::Config("metrics_listen: another metrics recorder is installed".into())
    })?;
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| StartError::Listen(addr, e))?;
    Ok(Metrics { listener, handle })
}

impl Metrics {
    pub async fn serve(self, shutdown: CancellationToken) {
        let handle = self.handle;
        let app = Router::new().route("/metrics", get(move || async move { handle.render() }));
        if let Err(e) = axum::serve(self.listener, app)
            .with_graceful_shutdown(shutdown.cancelled_owned())
            .await
        {
            tracing::warn!(error = %e, "metrics listener failed");
        }
    }
}
